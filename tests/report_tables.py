"""Reading the tables of a filled report sheet in tests: a table is a header row whose first cell
is a given text, and the rows under it up to the first row with a blank first cell, as wide as the
header's first blank cell."""

from __future__ import annotations

from typing import Any


def tables(ws: Any, first_header: str) -> list[list[list[Any]]]:
    """Every table of ``ws`` whose header row starts with ``first_header``, in sheet order."""
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    out = []
    for i, r in enumerate(rows):
        if r[0] != first_header:
            continue
        width = next((j for j, v in enumerate(r) if v is None), len(r))
        body = []
        for rest in rows[i + 1:]:
            if rest[0] is None:
                break
            body.append(rest[:width])
        out.append(body)
    return out


def table(ws: Any, first_header: str, nth: int = 0) -> list[list[Any]]:
    """The ``nth`` table of ``ws`` whose header row starts with ``first_header``."""
    return tables(ws, first_header)[nth]

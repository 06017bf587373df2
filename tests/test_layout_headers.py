"""Header copies on continuation pages in one pass (issue 15): reports.layout.insert_headers
leaves the sheet exactly as inserting the copies one by one with openpyxl's insert_rows did."""

from __future__ import annotations

from typing import Any

import pytest
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from addin.reports.layout import _insert_header, insert_headers


def _sheet() -> Worksheet:
    """Two tables with styled headers, ragged rows (some cells missing), a merged note between
    them and a merged note at the foot."""
    ws = Workbook().active
    ws.cell(1, 1, "Title").font = Font(bold=True)
    for header in (3, 40):
        for c in range(1, 5):
            cell = ws.cell(header, c, f"H{header}.{c}")
            cell.fill = PatternFill("solid", fgColor="DDDDDD")
        ws.cell(header, 6).font = Font(italic=True)  # a styled cell without a value
        for r in range(header + 1, header + 30):
            for c in range(1, 5 if r % 3 else 3):
                ws.cell(r, c, r * 10 + c)
    ws.cell(35, 1, "a note across the sheet")
    ws.merge_cells("A35:F35")
    ws.cell(75, 1, "the foot")
    ws.merge_cells("A75:F75")
    return ws


def _state(ws: Worksheet) -> dict[str, Any]:
    return {"cells": sorted((key, cell.row, cell.column, cell.value, tuple(cell._style) if cell.has_style else None)
                            for key, cell in ws._cells.items()),
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "max": (ws.max_row, ws.max_column)}


def _one_by_one(ws: Worksheet, copies: list[tuple[int, int]]) -> None:
    """What layout.finish did before: each copy through openpyxl's insert_rows."""
    inserted: list[int] = []
    for at, header in copies:
        _insert_header(ws, at + len(inserted), header + sum(1 for x in inserted if x <= header))
        inserted.append(at)


@pytest.mark.parametrize("copies", [
    [(20, 3)],
    [(10, 3), (20, 3), (30, 3)],
    [(10, 3), (33, 3), (50, 40), (60, 40)],
    [(4, 3), (5, 3), (41, 40), (69, 40)],
])
def test_one_pass_equals_insert_rows_one_by_one(copies: list[tuple[int, int]]) -> None:
    expected, got = _sheet(), _sheet()
    _one_by_one(expected, copies)
    insert_headers(got, copies)
    assert _state(got) == _state(expected)
    # each copy sits where its page starts, and the rows below moved down by the copies above
    for k, (at, header) in enumerate(copies):
        assert [got.cell(at + k, c).value for c in range(1, 5)] == [f"H{header}.{c}" for c in range(1, 5)]
    assert got.cell(75 + len(copies), 1).value == "the foot"
    assert any(str(r) == f"A{75 + len(copies)}:F{75 + len(copies)}" for r in got.merged_cells.ranges)


def test_copies_out_of_order_are_inserted_one_by_one() -> None:
    copies = [(30, 3), (20, 3)]
    expected, got = _sheet(), _sheet()
    _one_by_one(expected, copies)
    insert_headers(got, copies)
    assert _state(got) == _state(expected)


def test_no_copies_changes_nothing() -> None:
    ws = _sheet()
    before = _state(ws)
    insert_headers(ws, [])
    assert _state(ws) == before

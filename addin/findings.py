"""A finding: one problem with one entry, as validation and every other check report it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class Finding:
    """``row`` is the worksheet row (None for a whole sheet or column); ``column`` the canonical
    key; ``message`` is already in the workbook's language and names sheet, row, column, value."""

    rule: str
    severity: Literal["error", "warning"]
    sheet: str
    row: int | None
    column: str | None
    value: Any
    message: str

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        v = d["value"]
        if v is not None and not isinstance(v, (str, int, float, bool)):
            d["value"] = str(v)
        return d

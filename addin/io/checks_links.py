"""Each row of the checks sheet links to the cell it reports (issue 13): an internal hyperlink
on its Sheet cell to 'Sheet'!C12 (the sheet's first cell of that row without a column, A1
without a row). Written by the openpyxl engine after the checks rows; the part-level engine
leaves a checks edit to it (addin.io.package raises FastPathUnavailable), so every file holds the
same links."""

from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.hyperlink import Hyperlink

from addin.io.cells import column_forms, find_sheet_name
from addin.models import SHEETS
from addin.tables import normalize_label

#: The font of a link (Excel's Hyperlink style colour, underlined).
LINK_COLOR = "FF0563C1"


def _sheet_key(label: object) -> str | None:
    norm = normalize_label(label) if label is not None else ""
    for key in SHEETS:
        if find_sheet_name([norm], key) is not None:
            return key
    return None


def location(wb: Workbook, sheet: object, row: object, column: object) -> str | None:
    """The internal address ('Title'!C12) of a finding's cell, or None when its sheet is not in
    ``wb``. ``sheet`` and ``column`` as the checks sheet shows them (key or either label)."""
    key = _sheet_key(sheet)
    title = find_sheet_name(wb.sheetnames, key) if key is not None else None
    if title is None:
        return None
    letter = "A"
    if key is not None and column not in (None, ""):
        wanted = normalize_label(column)
        spec = next((c for c in SHEETS[key].columns if wanted in column_forms(c)), None)
        forms = column_forms(spec) if spec is not None else {wanted}
        ws = wb[title]
        for cell in next(ws.iter_rows(min_row=1, max_row=1), ()):
            if cell.value is not None and normalize_label(cell.value) in forms:
                letter = get_column_letter(cell.column)
                break
    r = row if isinstance(row, int) and row >= 1 else 1
    return "'" + title.replace("'", "''") + f"'!{letter}{r}"


def link_checks(wb: Workbook) -> int:
    """Put on every checks row's Sheet cell an internal hyperlink to the reported cell (links of
    earlier runs removed first). Returns the links written."""
    from openpyxl.styles import Font

    from addin.io.writer import sheet_columns

    ws, header_row, columns = sheet_columns(wb, "checks")
    ws._hyperlinks = []
    sheet_col = columns.get("sheet", 1)
    row_col, column_col = columns.get("row"), columns.get("column")
    count = 0
    for r in range(header_row + 1, ws.max_row + 1):
        cell = ws.cell(r, sheet_col)
        cell.hyperlink = None
        if cell.value in (None, ""):
            continue
        target = location(wb, cell.value, ws.cell(r, row_col).value if row_col else None,
                          ws.cell(r, column_col).value if column_col else None)
        if target is None:
            continue
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=target, display=str(cell.value))
        cell.font = Font(color=LINK_COLOR, underline="single")
        count += 1
    return count

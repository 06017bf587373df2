"""Generate the templates of the day's documents in workbook/templates/ (one .xlsx per document:
jobsheet, dispatch, picklist, settlement, gatepass), like addin.reports.make_templates does for
the reports. Every label is a ``{{label:...}}`` placeholder, so one template serves en-US and
zh-CN; the engine (addin.reports.engine) fills them. Regenerate after changing a layout::

    .venv/bin/python -m addin.documents.make_templates

Layout: A4 portrait, nine columns fitted to the page width, the store's header block, the job's
details in label/value boxes, then the document's tables (their header row repeats on every
printed page) and, below them, boxes and signature lines. Nothing below a table is merged: a
table pushes the rows under it down, and merged cells would not move with them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from addin.documents.layouts import COLUMNS, FONT, LAYOUTS, Layout
from addin.reports.engine import TEMPLATE_DIR

_THIN = Side(style="thin", color="808080")
_MEDIUM = Side(style="medium", color="1F4E79")
_LABEL_FILL = PatternFill("solid", fgColor="F2F2F2")
_TITLE_COLOR = "1F4E79"


def _style(ws: Worksheet, row: int, col: int, style: str) -> None:
    cell = ws.cell(row, col)
    if style == "section":
        cell.font = Font(name=FONT, bold=True, size=11, color=_TITLE_COLOR)
    elif style == "bold":
        cell.font = Font(name=FONT, bold=True)
    elif style == "note":
        cell.font = Font(name=FONT, italic=True, size=9, color="595959")
    elif style == "small":
        cell.font = Font(name=FONT, size=8, color="404040")
    elif style == "para":
        # A paragraph across the page (only where no table is above: merged cells do not move).
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=COLUMNS)
        cell.font = Font(name=FONT, bold=True, size=11)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.row_dimensions[row].height = 36
    elif style == "line":
        cell.border = Border(bottom=_THIN)
    elif style.startswith("box"):
        last = col + 2
        for c in range(col, last + 1):
            ws.cell(row, c).border = Border(
                left=_THIN if c == col else None, right=_THIN if c == last else None,
                top=_THIN if style == "box_title" else None, bottom=_THIN if style == "box_last" else None)
            if style == "box_title":
                ws.cell(row, c).fill = _LABEL_FILL
        cell.font = Font(name=FONT, bold=style == "box_title", size=10 if style == "box_title" else 9)


def _header(ws: Worksheet) -> None:
    """Rows 1-4: the store (name, address, phone) left, the document's title and WO no. right."""
    ws.merge_cells("A1:E1")
    ws.merge_cells("F1:I1")
    ws.merge_cells("A2:E2")
    ws.merge_cells("F2:I2")
    ws.merge_cells("A3:E3")
    ws.merge_cells("F3:I3")
    ws["A1"] = "{{store_name}}"
    ws["A1"].font = Font(name=FONT, bold=True, size=14, color=_TITLE_COLOR)
    ws["F1"] = "{{doc_title}}"
    ws["F1"].font = Font(name=FONT, bold=True, size=16)
    ws["F1"].alignment = Alignment(horizontal="right", vertical="center")
    ws["A2"] = "{{store_address}}"
    ws["A3"] = "{{store_phone_line}}"
    ws["F2"] = "{{wo_line}}"
    ws["F2"].font = Font(name=FONT, bold=True, size=12)
    ws["F3"] = "{{printed_line}}"
    for ref in ("F2", "F3"):
        ws[ref].alignment = Alignment(horizontal="right")
    for ref in ("A2", "A3", "F3"):
        ws[ref].font = Font(name=FONT, size=9, color="404040")
    ws.row_dimensions[1].height = 24
    for c in range(1, COLUMNS + 1):
        ws.cell(3, c).border = Border(bottom=_MEDIUM)


def _details(ws: Worksheet, row: int, layout: Layout) -> int:
    """The job's details as bordered label/value boxes, two pairs a row (label A:B, value C:D,
    label E:F, value G:I), then the wide ones (label A:B, value C:I); returns the next free row."""
    spans = ((1, 2), (3, 4), (5, 6), (7, 9))
    pairs = layout.details
    for i in range(0, len(pairs), 2):
        for j, (label, value) in enumerate(pairs[i:i + 2]):
            for (first, last), content, is_label in ((spans[2 * j], f"{{{{label:{label}}}}}", True),
                                                    (spans[2 * j + 1], f"{{{{{value}}}}}", False)):
                _box(ws, row, first, last, content, is_label)
        row += 1
    for label, value in layout.wide:
        _box(ws, row, 1, 2, f"{{{{label:{label}}}}}", True)
        _box(ws, row, 3, COLUMNS, f"{{{{{value}}}}}", False)
        ws.row_dimensions[row].height = 30
        row += 1
    return row


def _box(ws: Worksheet, row: int, first: int, last: int, content: str, is_label: bool) -> None:
    if last > first:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    for c in range(first, last + 1):
        ws.cell(row, c).border = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
        if is_label:
            ws.cell(row, c).fill = _LABEL_FILL
    cell = ws.cell(row, first, content)
    cell.font = Font(name=FONT, bold=is_label, size=9 if is_label else 10)
    cell.alignment = Alignment(vertical="center", wrap_text=True, horizontal="left")


def template_workbook(name: str) -> Workbook:
    """The template of document ``name`` as an openpyxl workbook."""
    layout = LAYOUTS[name]
    wb = Workbook()
    ws = wb.active
    ws.title = "{{doc_title}}"
    _header(ws)
    row = _details(ws, 5, layout) + 1
    first_table: int | None = None
    for cells in layout.body:
        for col, content, style in cells:
            if content:
                ws.cell(row, col, content)
                if first_table is None and content.startswith("{{table:"):
                    first_table = row
            _style(ws, row, col, style)
        row += 1
    for i, width in enumerate(layout.widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    # Print: A4 portrait, the nine columns on the page width, as many pages down as the job
    # needs, the first table's header row on every page.
    ws.page_setup.orientation = "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.75
    ws.page_margins.header = ws.page_margins.footer = 0.3
    ws.print_options.horizontalCentered = True
    ws.print_options.gridLines = False
    if first_table is not None:
        ws.print_title_rows = f"{first_table}:{first_table}"
    return wb


def main(out: Path = TEMPLATE_DIR) -> list[Path]:
    """Write every document template into ``out``; returns the files written."""
    from addin.reports.make_templates import write_templates

    return write_templates(LAYOUTS, template_workbook, out)


if __name__ == "__main__":
    for p in main(Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATE_DIR):
        print(p)

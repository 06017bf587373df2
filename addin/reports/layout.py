"""The print layout of a filled report workbook, the same for every report the engine renders
(issue 13): one font family per locale, a page header (store, report, period) and footer
("page x of y", the print time), print titles, the prepared-by / reviewed-by line on the cover
sheet, explicit row heights and a scale from the page setup, and manual page breaks such that no
page holds a remnant of fewer than :data:`MIN_ROWS` rows of a table and no heading ends a page.

Pages are computed, not left to the spreadsheet: A4, the margins below, the rows' heights and the
scale that makes the columns fit the page width give the rows per page; each page is filled to
:data:`FILL` of that height, so the spreadsheet's own automatic breaks (computed with slightly
different font metrics) never come before ours. A sheet with one table repeats its header row on
every page (print titles); on a sheet with several tables the header row is written again at the
top of each page that continues a table.

Fonts: Excel's default in each language, Calibri (en-US) and 等线 DengXian (zh-CN). LibreOffice's
PDFs take the metric-compatible Carlito for Calibri and Noto Sans CJK SC for 等线 through
fontconfig (shared/FACTS.md "Fonts and LibreOffice's PDFs"), so the PDF breaks lines and pages as
Excel does.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import os
from bisect import bisect_right
from copy import copy
from dataclasses import dataclass
from typing import Any

from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break, RowBreak
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from addin.i18n import Text
from addin.io.cells import xml_text
from addin.periods import Period

#: The font family of every style, per locale (Excel's default body font of that language).
FONTS = {"en-US": "Calibri", "zh-CN": "等线"}
#: Height of a body row in points, per locale (11 pt text; the CJK face has taller lines).
ROW_HEIGHT = {"en-US": 15.0, "zh-CN": 17.0}
TITLE_HEIGHT = {"en-US": 22.0, "zh-CN": 24.0}
#: A4 in points (portrait width, height) and the margins in inches.
A4 = (595.0, 842.0)
MARGINS = PageMargins(left=0.5, right=0.5, top=0.8, bottom=0.8, header=0.3, footer=0.3)
#: Share of a page's height the layout fills: room for the spreadsheet's own row metrics.
FILL = 0.92
#: Share of the page width the columns may take at the chosen scale.
WIDTH_FILL = 0.96
#: The fewest rows of a table a page may hold (a table shorter than twice this is never split).
MIN_ROWS = 5
#: Rows after a sheet's last table (a note, the sign-off line) kept on the page of its last rows.
TRAILER_ROWS = 4

T_PAGE = Text("Page &P of &N", "第 &P 页，共 &N 页")
T_PRINTED = Text("Printed {when}", "打印时间 {when}")
T_SIGNOFF = Text("Prepared by: ______________      Reviewed by: ______________      Date: ______________",
                 "编制：______________      审核：______________      日期：______________")

_MONTHS_ZH = "{y}年{m}月"


def font_name(locale: str) -> str:
    """The font family of a report in ``locale``."""
    return FONTS.get(locale, FONTS["en-US"])


def _bound_label(text: str, locale: str) -> str:
    p = Period.parse(text)
    if p.kind == "day":
        d = p.start
        return f"{d.year}年{d.month}月{d.day}日" if locale == "zh-CN" else f"{d.day} {calendar.month_name[d.month]} {d.year}"
    return period_label(p, locale)


def period_label(period: Period | str, locale: str) -> str:
    """A period as a reader writes it: 2026年10月 / October 2026, 2026年10月5日 / 5 October 2026,
    2026年第3季度 / Q3 2026, 2026年 / 2026, and a range as its two ends (至 / –)."""
    p = Period.parse(period)
    zh = locale == "zh-CN"
    y, m = p.start.year, p.start.month
    if p.kind == "month":
        return _MONTHS_ZH.format(y=y, m=m) if zh else f"{calendar.month_name[m]} {y}"
    if p.kind == "day":
        return _bound_label(p.label, locale)
    if p.kind == "quarter":
        q = (m - 1) // 3 + 1
        return f"{y}年第{q}季度" if zh else f"Q{q} {y}"
    if p.kind == "year":
        return f"{y}年" if zh else str(y)
    a, b = p.label.split("..")
    return f"{_bound_label(a, locale)}至{_bound_label(b, locale)}" if zh else \
        f"{_bound_label(a, locale)} – {_bound_label(b, locale)}"


# -- the plan of a sheet -----------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A table on a sheet: its header row, its first and last row (data, empty text or total)."""

    header: int
    first: int
    last: int

    @property
    def rows(self) -> int:
        return self.last - self.first + 1


@dataclass
class Plan:
    """The pages of a sheet: the rows that start a new page, and those of them where the table's
    header row is written again (the row number of that header, before any insertion)."""

    breaks: list[int]
    repeat: dict[int, int]


def _lead(ws: Worksheet, span: Span, taken: set[int]) -> int:
    """The first row of what belongs above a table: the non-blank rows right above its header
    (its heading, a note), back to a blank row; never the sheet's title rows 1-3."""
    r = span.header
    while r - 1 > 3 and r - 1 not in taken and any(c.value not in (None, "") for c in ws[r - 1]):
        r -= 1
    return r


def plan_sheet(ws: Worksheet, spans: list[Span], heights: dict[int, float], capacity: float,
               repeat_headers: bool) -> Plan:
    """Page breaks of a sheet whose rows have ``heights`` on pages of ``capacity`` points.

    A table's lead (heading and notes), header and first :data:`MIN_ROWS` rows go on one page; a
    page that continues a table holds at least :data:`MIN_ROWS` of its rows, and so does the last
    page of it; a table of fewer than 2 × MIN_ROWS rows is never split. A continuation page starts
    with the table's header (print titles, or a copy when ``repeat_headers``). A few rows after
    the last table (:data:`TRAILER_ROWS` at most: a note, the sign-off line) stay with its last
    rows rather than stand alone on a page."""
    last_row = ws.max_row
    taken = {r for s in spans for r in range(s.header, s.last + 1)}
    starts = {}
    for s in sorted(spans, key=lambda s: s.header):
        starts[_lead(ws, s, taken)] = s
    breaks: list[int] = []
    repeat: dict[int, int] = {}
    used = 0.0
    r = 1

    def h(row: int) -> float:
        return heights.get(row, 15.0)

    def new_page(at: int, head: Span | None) -> None:
        nonlocal used
        breaks.append(at)
        used = 0.0
        if head is not None:
            if repeat_headers:
                repeat[at] = head.header
            used = h(head.header)

    final = max(spans, key=lambda s: s.header) if spans else None
    trailer = last_row - final.last if final is not None and last_row - final.last <= TRAILER_ROWS else 0

    while r <= last_row:
        span = starts.get(r)
        if span is None:
            if used and used + h(r) > capacity:
                new_page(r, None)
            used += h(r)
            r += 1
            continue
        # The table's block: lead rows, header, the first rows that must stay with it.
        extra = trailer if span is final else 0
        n = span.rows + extra
        keep = n if span.rows < 2 * MIN_ROWS else MIN_ROWS
        block = sum(h(x) for x in range(r, span.first + keep))
        if used and used + block > capacity:
            new_page(r, None)
        used += block
        i = keep  # rows of the table placed
        page_first = 0  # index of the first row of the table on this page
        while i < n:
            row = span.first + i
            if used + h(row) <= capacity:
                used += h(row)
                i += 1
                continue
            # Break before index i, moved up so that the rest holds at least MIN_ROWS rows.
            at = min(i, n - MIN_ROWS - extra)
            if at - page_first < MIN_ROWS:
                at = i  # the page cannot give rows back: keep what fits
            # Rows at..i-1 move to the next page.
            new_page(span.first + at, span)
            used += sum(h(x) for x in range(span.first + at, span.first + i))
            page_first = at
        r = span.last + 1 + extra
    return Plan(breaks, repeat)


# -- applying it -------------------------------------------------------------------------------


#: Pixels (at 96 dpi) of a digit of the Normal style's font, the unit of column widths: Calibri
#: 11 pt (Carlito in LibreOffice) in every locale (see :func:`apply_fonts`).
DIGIT_PX = {"en-US": 7, "zh-CN": 7}


def _col_points(width: float | None, locale: str) -> float:
    """A column width in characters as points (digits of the default font, plus 5 px)."""
    w = 8.43 if not width else width
    return (w * DIGIT_PX.get(locale, 7) + 5) * 0.75


def content_width(ws: Worksheet, locale: str) -> float:
    """Points of the sheet's used columns."""
    return sum(_col_points(ws.column_dimensions[get_column_letter(c)].width, locale)
               for c in range(1, ws.max_column + 1))


def page_setup(ws: Worksheet, has_table: bool, locale: str, portrait_only: bool = False) -> float:
    """Orientation and scale from the columns' width (``portrait_only``: portrait, scaled to the
    width, for a report meant to be one portrait page); returns the printable height in points of
    the sheet's rows (at scale 1, i.e. divided by the print scale)."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_margins = copy(MARGINS)
    ws.print_options.gridLines = False
    width = content_width(ws, locale)
    inch = 72.0
    portrait = A4[0] - (MARGINS.left + MARGINS.right) * inch
    landscape = A4[1] - (MARGINS.left + MARGINS.right) * inch
    if not has_table:
        # A charts sheet: its charts on one landscape page.
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 1
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        return A4[0] - float(MARGINS.top + MARGINS.bottom) * inch
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=False)
    if width <= portrait * WIDTH_FILL:
        ws.page_setup.orientation, avail_w, avail_h, scale = "portrait", portrait, A4[1], 100
    elif portrait_only:
        avail_w, avail_h = portrait, A4[1]
        ws.page_setup.orientation = "portrait"
        scale = min(100, math.floor(100 * avail_w * WIDTH_FILL / width))
    else:
        avail_w, avail_h = landscape, A4[0]
        ws.page_setup.orientation = "landscape"
        scale = min(100, math.floor(100 * avail_w * WIDTH_FILL / width))
    ws.page_setup.scale = scale
    height = avail_h - float(MARGINS.top + MARGINS.bottom) * inch
    return height * 100 / scale


def header_text(text: str) -> str:
    """Text for a page header or footer: without what XML cannot hold (:func:`xml_text`), and
    '&' doubled (it starts a code there)."""
    return xml_text(text).replace("&", "&&")


def header_footer(ws: Worksheet, locale: str, store: str, title: str, period: str, printed: str) -> None:
    """Page header: store, report (and sheet, unless the sheet is named as the report), period;
    footer: print time, page x of y."""
    font = f"{font_name(locale)},Regular"
    center = header_text(title) + ("" if ws.title == title else " · &A")
    parts = [(ws.oddHeader.left, header_text(store)), (ws.oddHeader.center, center),
             (ws.oddHeader.right, header_text(period_label(period, locale))),
             (ws.oddFooter.left, header_text(T_PRINTED(locale, when=printed))), (ws.oddFooter.right, T_PAGE(locale))]
    for part, text in parts:
        part.text = text
        part.size = 9
        part.font = font


def _print_time() -> str:
    """The print time: now, or SERVICE_ADDIN_TODAY's day when set (tests)."""
    today = os.environ.get("SERVICE_ADDIN_TODAY")
    if today:
        return today
    return dt.datetime.now().strftime("%Y-%m-%d %H:%M")


def apply_fonts(wb: Workbook, locale: str) -> None:
    """Every font of the workbook in the locale's family (a font without a name prints serif)."""
    name = font_name(locale)
    cache: dict[int, int] = {}

    def mapped(font_id: int) -> int:
        if font_id not in cache:
            f = copy(wb._fonts[font_id])
            f.name = name
            f.scheme = None
            f.family = 2
            cache[font_id] = wb._fonts.add(f)
        return cache[font_id]

    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                style = cell._style
                if cell._value is None and (style is None or not any(style)):  # no value, no style
                    continue
                if style is None:
                    style = cell._style = StyleArray()
                font = style[0]  # StyleArray.fontId, by index: this runs per cell
                style[0] = cache[font] if font in cache else mapped(font)
    # The Normal style keeps Calibri 11 in every locale: its digit is the unit of column widths
    # (7 px in Excel and, through Carlito, in LibreOffice), so widths and scales are the same in
    # both; it prints nothing, since every cell with a value has the locale's font.


def wrap_lines(text: str, width: float, latin: float = 1.0) -> int:
    """Lines ``text`` takes in a column ``width`` characters wide: wrapped at spaces, and between
    any two characters of CJK text."""
    from addin.reports.engine import text_width

    room = max(width - 1.0, 1.0)
    lines, used = 1, 0.0
    for word in text.split(" "):
        # Lower-case letters are narrower than the digit a width counts.
        w = text_width(word, latin) - 0.15 * sum(1 for ch in word if ch.islower())
        if w > room:
            # A CJK run (or a word longer than the column) breaks anywhere.
            for ch in word:
                cw = text_width(ch, latin)
                if used + cw > room:
                    lines, used = lines + 1, 0.0
                used += cw
            used += 1
            continue
        if used and used + w > room:
            lines, used = lines + 1, 0.0
        used += w + 1
    return lines


def _col_width(ws: Worksheet, col: int) -> float:
    return ws.column_dimensions[get_column_letter(col)].width or 8.43


def _heights(ws: Worksheet, spans: list[Span], locale: str) -> dict[int, float]:
    """Every row's height: the title, header rows by the lines their labels wrap into, a long
    note by the lines it wraps into across the table's width, body rows."""
    from addin.reports.engine import LATIN_WIDTH

    latin = LATIN_WIDTH.get(locale, 1.0)
    body = ROW_HEIGHT.get(locale, 15.0)
    out = {r: body for r in range(1, ws.max_row + 1)}
    out[1] = TITLE_HEIGHT.get(locale, 22.0)
    for s in spans:
        lines = 1
        for cell in ws[s.header]:
            if isinstance(cell.value, str):
                lines = max(lines, wrap_lines(cell.value, _col_width(ws, cell.column), latin))
        out[s.header] = body * min(lines, 3)
    for r, lines in _wrap_notes(ws, spans, latin).items():
        out[r] = body * lines
    return out


def _wrap_notes(ws: Worksheet, spans: list[Span], latin: float) -> dict[int, int]:
    """Text rows (notes, the sign-off line) wider than the sheet's columns: merged across them
    and wrapped, so that no text runs off the page's right edge. Returns row -> lines."""
    from openpyxl.styles import Alignment

    from addin.reports.engine import text_width

    if not spans:
        return {}
    inside = {r for s in spans for r in range(s.header, s.last + 1)}
    cols = ws.max_column
    total = sum(_col_width(ws, c) for c in range(1, cols + 1))
    out = {}
    for r in range(2, ws.max_row + 1):
        if r in inside:
            continue
        cell = ws.cell(r, 1)
        if not isinstance(cell.value, str) or text_width(cell.value, latin) <= total - 2:
            continue
        if any(ws.cell(r, c).value is not None for c in range(2, cols + 1)):
            continue
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=cols)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        out[r] = wrap_lines(cell.value, total, latin)
    return out


def _insert_header(ws: Worksheet, at: int, header: int) -> None:
    """Write a copy of row ``header`` as a new row ``at`` (the rows from ``at`` move down)."""
    ws.insert_rows(at)
    # openpyxl moves the cells, not the merged ranges (the wrapped notes): move those below.
    for rng in ws.merged_cells.ranges:
        if rng.min_row >= at:
            rng.shift(0, 1)
    for cell in ws[header]:
        if cell.value is None and not cell.has_style:
            continue
        new = ws.cell(at, cell.column)
        new.value = cell.value
        new._style = copy(cell._style)


def insert_headers(ws: Worksheet, copies: list[tuple[int, int]]) -> None:
    """Header copies in one pass: for each ``(at, header)`` (rows of the sheet as it is, ``at``
    ascending), a copy of row ``header`` goes in before row ``at``. The same sheet as
    :func:`_insert_header` one copy after the other, the cells openpyxl's ``insert_rows`` leaves
    in the rows it moves included, without moving every cell below once per copy (on a list of
    thousands of rows that was half the month's close)."""
    ats = [at for at, _ in copies]
    if any(b <= a for a, b in zip(ats, ats[1:])) or any(header >= at for at, header in copies):
        # not the page plan's shape (breaks ascending, each below its header): one by one
        done: list[int] = []
        for at, header in copies:
            _insert_header(ws, at + len(done), header + sum(1 for x in done if x <= header))
            done.append(at)
        return
    if not copies:
        return
    max_row, max_col = ws.max_row, ws.max_column
    # What each insert_rows(at) leaves: a cell at every place of the rows it moves.
    for r in range(ats[0], max_row + 1):
        for c in range(1, max_col + 1):
            ws.cell(r, c)
    for header in {header for _, header in copies}:
        for c in range(1, max_col + 1):
            ws.cell(header, c)  # and what reading the header row (ws[header]) does
    moved = {}
    for (r, c), cell in ws._cells.items():
        shift = bisect_right(ats, r)
        if shift:
            cell.row = r + shift
        moved[(r + shift, c)] = cell
    ws._cells = moved
    # openpyxl moves the cells, not the merged ranges (the wrapped notes): move those below.
    for rng in ws.merged_cells.ranges:
        shift = bisect_right(ats, rng.min_row)
        if shift:
            rng.shift(0, shift)
    for k, (at, header) in enumerate(copies):
        source = header + bisect_right(ats, header)
        for c in range(1, max_col + 1):
            cell = ws._cells[(source, c)]
            if cell.value is None and not cell.has_style:
                continue
            new = ws.cell(at + k, c)
            new.value = cell.value
            new._style = copy(cell._style)
    ws._current_row = ws.max_row


def signoff(ws: Worksheet, locale: str) -> None:
    """The prepared-by / reviewed-by line, two rows below the cover sheet's content."""
    row = ws.max_row + 2
    ws.cell(row, 1, T_SIGNOFF(locale))


def finish(wb: Workbook, spans: dict[str, list[Span]], locale: str, *, store: str, title: str, period: str,
           portrait_only: bool = False) -> None:
    """Lay out every visible sheet for print (see the module's doc); ``portrait_only`` keeps the
    pages portrait (a report of one page, such as the daily report)."""
    printed = _print_time()
    visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
    if visible:
        signoff(visible[0], locale)
    for ws in visible:
        mine = sorted(spans.get(ws.title, []), key=lambda s: s.header)
        capacity = page_setup(ws, bool(mine), locale, portrait_only) * FILL
        header_footer(ws, locale, store, title, period, printed)
        heights = _heights(ws, mine, locale)
        several = len(mine) > 1
        plan = plan_sheet(ws, mine, heights, capacity, repeat_headers=several)
        if len(mine) == 1:
            ws.print_title_rows = f"{mine[0].header}:{mine[0].header}"
        # Apply: breaks top-down, inserting header copies; heights follow the inserted rows.
        inserted: list[int] = []  # original rows before which a header copy went in
        final: list[int] = []
        order = [heights[r] for r in range(1, ws.max_row + 1)]
        for at in plan.breaks:
            row = at + len(inserted)
            if at in plan.repeat:
                order.insert(row - 1, heights[plan.repeat[at]])
                inserted.append(at)
            final.append(row)
        insert_headers(ws, [(at, plan.repeat[at]) for at in inserted])
        set_heights(ws, order)
        ws.row_breaks = RowBreak()
        for row in final:
            ws.row_breaks.append(Break(id=row - 1))
    apply_fonts(wb, locale)


def set_heights(ws: Worksheet, heights: list[float]) -> None:
    """Row r's height ``heights[r - 1]``, on every row: what ``ws.row_dimensions[r].height = h``
    does. A row without a dimension yet gets the very one openpyxl's would be, made without its
    constructor (which checks each attribute: a list of thousands of rows spent a twentieth of
    its report there); with another openpyxl than addin.reports.xlsx follows, openpyxl's way."""
    import openpyxl
    from openpyxl.worksheet.dimensions import RowDimension

    from addin.reports.xlsx import OPENPYXL_VERSION

    dims = ws.row_dimensions
    fast = openpyxl.__version__ == OPENPYXL_VERSION
    for r, height in enumerate(heights, start=1):
        if not fast or r in dims:
            dims[r].height = height
            continue
        rd = RowDimension.__new__(RowDimension)
        rd.__dict__.update(ht=float(height), thickBot=False, thickTop=False, index=r, hidden=False, outlineLevel=0,
                           collapsed=False)
        rd.parent, rd._style = ws, None
        dict.__setitem__(dims, r, rd)


def spans_of(positions: dict[str, Any]) -> dict[str, list[Span]]:
    """The engine's table positions (addin.reports.engine.TablePos) as spans per sheet."""
    out: dict[str, list[Span]] = {}
    for pos in positions.values():
        out.setdefault(pos.sheet, []).append(Span(pos.header_row, pos.header_row + 1, pos.end_row))
    return out

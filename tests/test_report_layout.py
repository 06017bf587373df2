"""Issue 13, the reports' print layout: every report of the small demo store in both languages,
read back as xlsx and as LibreOffice's PDF, page by page.

Checked: print titles, page header (store, period) and footer (print time, page x of y) on every
sheet; no list cut (the last churned vehicle is in the customer care PDF); the pages LibreOffice
prints are the pages the layout planned (pdftotext per page), and none holds a remnant of 1-4 rows
of a table continued from the page before, nor ends with a heading; numbers stored as numbers;
the fonts of the xlsx and those embedded in the PDFs (Carlito, Noto Sans CJK). PNGs of the first
and of a continuation page of every report are rendered into SERVICE_ADDIN_LAYOUT_PNGS (default: a
temporary folder) for a person to look at.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import need_tool
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from addin.reports import REPORT_NAMES, build_reports
from addin.reports.common import ReportData, achievement, change, has_data
from addin.reports.layout import MIN_ROWS, Span, period_label, plan_sheet
from addin.store import Store

PERIOD = "2026-10"
HEAD_FILL = "00DDEBF7"


def _demo_store(locale: str) -> Store:
    from addin.demo import generate

    records = generate(size="small", months=13, seed=7)
    settings = {r["key"]: r["value"] for r in records.pop("settings")}
    settings["locale"] = locale
    return Store.from_records(records, settings=settings)


@pytest.fixture(scope="module", params=["en-US", "zh-CN"])
def pack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    need_tool("soffice", "pdftotext", "pdftoppm", "cjk-font", "carlito")
    locale = request.param
    store = _demo_store(locale)
    out = tmp_path_factory.mktemp(f"layout-{locale}")
    files = build_reports(store, PERIOD, None, out, pdf=True)
    assert files.no_pdf_reason is None
    return {"locale": locale, "store": store, "files": {p.stem.split("_", 2)[-1] + p.suffix: p for p in files}}


def _pages(pdf: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    n = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]
    return [subprocess.run(["pdftotext", "-layout", "-f", str(i), "-l", str(i), str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout for i in range(1, n + 1)]


def _visible(wb: Workbook) -> list[Worksheet]:
    return [ws for ws in wb.worksheets if ws.sheet_state == "visible"]


def _is_head(ws: Worksheet, row: int) -> bool:
    cell = ws.cell(row, 1)
    return cell.fill is not None and cell.fill.fgColor is not None and cell.fill.fgColor.rgb == HEAD_FILL


def _tables(ws: Worksheet) -> list[tuple[int, int]]:
    """(header row, last row) of each table on a sheet, read back from the cells: a header is a
    row in the header fill; the table runs on while column A has a border (a repeated header row
    inside a table belongs to it)."""
    out = []
    r = 1
    while r <= ws.max_row:
        if _is_head(ws, r):
            last = r
            while last + 1 <= ws.max_row and ws.cell(last + 1, 1).border.left.style is not None:
                last += 1
            out.append((r, last))
            r = last + 1
        else:
            r += 1
    return out


def _breaks(ws: Worksheet) -> list[int]:
    """The first row of every page after the first."""
    return sorted(b.id + 1 for b in ws.row_breaks.brk)


def _sheet_of(page: str, titles: list[str]) -> str | None:
    """The sheet a PDF page belongs to, from its page header "<report> · <sheet>", or "<report>"
    alone on a sheet named as the report."""
    found = [t for t in titles if f"· {t}" in page]
    if not found:
        head = page.strip().splitlines()[0] if page.strip() else ""
        found = [t for t in titles if f" {t} " in f" {head} "]
    return max(found, key=len) if found else None


# -- the workbooks ------------------------------------------------------------------------------


def test_every_sheet_has_print_titles_header_and_footer(pack: dict[str, Any]) -> None:
    locale = pack["locale"]
    label = "October 2026" if locale == "en-US" else "2026年10月"
    printed = "Printed" if locale == "en-US" else "打印时间"
    for name in REPORT_NAMES:
        wb = load_workbook(pack["files"][f"{name}.xlsx"])
        for ws in _visible(wb):
            where = f"{name}/{ws.title}"
            assert ws.oddHeader.left.text == "Demo Motors 4S (DEMO01)", where
            assert ws.oddHeader.right.text == label, where
            assert ws.oddFooter.left.text.startswith(printed), where
            assert "&P" in ws.oddFooter.right.text and "&N" in ws.oddFooter.right.text, where
            assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4, where
            tables = _tables(ws)
            if len(tables) == 1:
                h = tables[0][0]
                assert ws.print_title_rows == f"${h}:${h}", where
            for b in _breaks(ws):
                inside = [t for t in tables if t[0] < b <= t[1]]
                if inside and len(tables) > 1:
                    # A page that continues a table of a sheet of several starts with its header.
                    assert _is_head(ws, b), f"{where} row {b}"
                    assert [c.value for c in ws[b]] == [c.value for c in ws[inside[0][0]]], f"{where} row {b}"


def test_cover_sheet_has_the_signoff_line(pack: dict[str, Any]) -> None:
    words = ("Prepared by:", "Reviewed by:") if pack["locale"] == "en-US" else ("编制：", "审核：")
    for name in REPORT_NAMES:
        ws = load_workbook(pack["files"][f"{name}.xlsx"]).worksheets[0]
        last = ws.cell(ws.max_row, 1).value
        assert all(w in last for w in words), name


def test_numbers_are_stored_as_numbers(pack: dict[str, Any]) -> None:
    looks_numeric = re.compile(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?|[-+]?\d+\.\d+|[-+]?\d+(\.\d+)?%")
    for name in REPORT_NAMES:
        wb = load_workbook(pack["files"][f"{name}.xlsx"])
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str):
                        assert not looks_numeric.fullmatch(cell.value.strip()), f"{name}/{ws.title}!{cell.coordinate}"
                    if isinstance(cell.value, float):
                        assert cell.number_format not in ("#,##0.##", "#,##0.###"), f"{name}/{ws.title}!{cell.coordinate}"


def test_every_font_is_the_locale_family(pack: dict[str, Any]) -> None:
    family = "Calibri" if pack["locale"] == "en-US" else "等线"
    for name in REPORT_NAMES:
        wb = load_workbook(pack["files"][f"{name}.xlsx"])
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is not None:
                        assert cell.font.name == family, f"{name}/{ws.title}!{cell.coordinate}: {cell.font.name}"


def test_chart_data_is_on_a_hidden_sheet(pack: dict[str, Any]) -> None:
    for name in ("monthly", "parts", "claims", "technicians", "headcount", "manufacturer"):
        wb = load_workbook(pack["files"][f"{name}.xlsx"])
        assert wb["chart_data"].sheet_state == "hidden", name
        charts = _visible(wb)[-1]._charts
        assert charts, name
    wb = load_workbook(pack["files"]["parts.xlsx"])
    # The parts top 10 is labelled with names, and the charts sheet holds no data of its own.
    names = set(pack["store"].table("parts")["name"])
    data = wb["chart_data"]
    labels = [data.cell(r, 1).value for r in range(2, 12)]
    assert labels and all(v in names for v in labels)
    assert _visible(wb)[-1].max_row <= 2


# -- the PDFs -----------------------------------------------------------------------------------


def test_pages_are_the_planned_pages_without_remnants(pack: dict[str, Any]) -> None:
    """LibreOffice's pages are the layout's: every sheet prints on 1 + its breaks pages, each page
    holds the rows planned for it (the unique text keys of its table rows are in that page's text),
    a table continued from the page before has at least MIN_ROWS rows on each page, and no page
    ends with a heading."""
    for name in REPORT_NAMES:
        wb = load_workbook(pack["files"][f"{name}.xlsx"])
        pages = _pages(pack["files"][f"{name}.pdf"])
        titles = [ws.title for ws in _visible(wb)]
        owners = [_sheet_of(p, titles) for p in pages]
        at = 0
        for ws in _visible(wb):
            where = f"{name}/{ws.title}"
            starts = [1, *_breaks(ws)]
            mine = [i for i, o in enumerate(owners) if o == ws.title]
            tables = _tables(ws)
            if not tables:
                assert len(mine) == 1, where  # a charts sheet: one page
                at += 1
                continue
            assert len(mine) == len(starts), f"{where}: {len(mine)} pages printed, {len(starts)} planned"
            assert mine == list(range(at, at + len(starts))), where
            keys: dict[str, int] = {}
            for h, last in tables:
                for r in range(h + 1, last + 1):
                    v = ws.cell(r, 1).value
                    if isinstance(v, str) and len(v) >= 4 and not _is_head(ws, r):
                        keys[v] = keys.get(v, 0) + 1
            ends = [*starts[1:], ws.max_row + 1]
            for k, (first, end) in enumerate(zip(starts, ends)):
                text = pages[at + k]
                assert "###" not in text, f"{where} page {k + 1}: a number wider than its column"
                for h, last in tables:
                    held = [r for r in range(max(first, h + 1), min(end, last + 1)) if not _is_head(ws, r)]
                    continued = h < first <= last
                    if continued:
                        assert len(held) >= MIN_ROWS, f"{where} page {k + 1}: {len(held)} rows of the table at row {h}"
                    if held and last >= end:
                        assert len(held) >= MIN_ROWS, f"{where} page {k + 1}: the table at row {h} starts with {len(held)} rows"
                    for r in held:
                        v = ws.cell(r, 1).value
                        if isinstance(v, str) and keys.get(v) == 1:
                            assert v in text, f"{where} page {k + 1}: row {r} ({v}) not on the page"
                # Every page of a sheet with tables holds rows of one (no page of notes alone).
                assert any(h < r <= last for h, last in tables for r in range(first, end)), f"{where} page {k + 1}"
                # No page ends with a heading: its last non-blank row is not right above a header.
                filled = [r for r in range(first, end) if any(c.value not in (None, "") for c in ws[r])]
                if filled and end <= ws.max_row:
                    r = filled[-1]
                    heading = ws.cell(r, 1).border.left.style is None and _is_head(ws, r + 1)
                    assert not heading, f"{where} page {k + 1} ends with a heading"
            at += len(starts)
        assert at == len(pages), name


def test_no_list_is_cut(pack: dict[str, Any]) -> None:
    from addin.kpis import care_lists

    frames = care_lists(pack["store"], PERIOD)
    churned = list(frames["churned"]["id"])
    # The churned list follows the lapsed one on a sheet longer than the old 250-row print cut.
    sheet = load_workbook(pack["files"]["customer_care.xlsx"]).worksheets[2]
    assert len(frames["lapsed"]) + len(churned) > 250 and sheet.max_row > 250
    text = "".join(_pages(pack["files"]["customer_care.pdf"]))
    assert churned[-1] in text and churned[0] in text
    assert all(vin in text for vin in churned)
    assert "first 249" not in text and "前 249" not in text


def test_pdf_fonts_are_carlito_or_noto_cjk(pack: dict[str, Any]) -> None:
    for name in REPORT_NAMES:
        out = subprocess.run(["pdffonts", str(pack["files"][f"{name}.pdf"])], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
        fonts = {line.split()[0].split("+")[-1] for line in out if line.strip()}
        assert fonts, name
        # English: Carlito, and Noto Sans CJK for the Chinese characters of its data (plates);
        # Chinese: Noto Sans CJK only, the charts' text too.
        allowed = ("Carlito", "NotoSansCJK") if pack["locale"] == "en-US" else ("NotoSansCJK",)
        assert all(f.startswith(allowed) for f in fonts), f"{name}: {fonts}"
        main = "Carlito" if pack["locale"] == "en-US" else "NotoSansCJK"
        assert any(f.startswith(main) for f in fonts), f"{name}: {fonts}"
        assert all(line.split()[-5] == "yes" for line in out if line.strip()), f"{name}: not embedded"


def test_png_of_the_first_and_a_continuation_page(pack: dict[str, Any], tmp_path: Path) -> None:
    need_tool("pdftoppm")
    out = Path(os.environ.get("SERVICE_ADDIN_LAYOUT_PNGS") or tmp_path) / pack["locale"]
    out.mkdir(parents=True, exist_ok=True)
    for name in REPORT_NAMES:
        pdf = pack["files"][f"{name}.pdf"]
        pages = _pages(pdf)
        wb = load_workbook(pack["files"][f"{name}.xlsx"])
        owners = [_sheet_of(p, [ws.title for ws in _visible(wb)]) for p in pages]
        # A continuation page: the first page of a sheet that began on the page before, else page 2.
        cont = next((i + 1 for i in range(1, len(owners)) if owners[i] == owners[i - 1]), min(2, len(pages)))
        for page in sorted({1, cont}):
            stem = out / f"{name}-{page}"
            subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                            str(stem)], check=True)
            assert stem.with_suffix(".png").stat().st_size > 5000, stem


# -- the parts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("period", "en", "zh"), [
    ("2026-10", "October 2026", "2026年10月"),
    ("2026-10-05", "5 October 2026", "2026年10月5日"),
    ("2026-Q3", "Q3 2026", "2026年第3季度"),
    ("2026", "2026", "2026年"),
    ("2026-08..2026-10", "August 2026 – October 2026", "2026年8月至2026年10月"),
    ("2026-08-15..2026-10", "15 August 2026 – October 2026", "2026年8月15日至2026年10月"),
])
def test_period_label(period: str, en: str, zh: str) -> None:
    assert period_label(period, "en-US") == en
    assert period_label(period, "zh-CN") == zh


def test_change_is_relative_for_amounts_and_points_for_ratios() -> None:
    # Revenue 264,087.35 against 278,501.19: (264087.35 - 278501.19) / 278501.19 = -5.1755%.
    got = change(264087.35, 278501.19, "money", "en-US")
    assert got.kind == "change" and got.value == pytest.approx((264087.35 - 278501.19) / 278501.19)
    # Comeback rate 2.0% against 1.2%: +0.8 percentage points, in points.
    assert change(0.02, 0.012, "ratio", "en-US") == (pytest.approx(0.8), "pp")
    assert change(0.02, 0.012, "ratio", "zh-CN").kind == "pp_zh"
    # From zero, or beyond ±999% (347.445 times), n/a; a blank side blank.
    assert change(5.0, 0.0, "count", "en-US") == ("n/a", "na")
    assert change(34744.5 + 1, 1.0, "money", "zh-CN") == ("不适用", "na")
    assert change(11.0, 1.0, "money", "en-US") == ("n/a", "na")  # +1000%
    assert change(10.98, 1.0, "money", "en-US").value == pytest.approx(9.98)
    assert change(None, 1.0, "money", "en-US").value is None and change(1.0, None, "ratio", "en-US").value is None


def test_achievement_lower_is_better_at_zero_is_met() -> None:
    assert achievement(0.0, 0.01, True, "en-US") == ("Met", "na")
    assert achievement(0.0, 0.01, True, "zh-CN") == ("达成", "na")
    assert achievement(0.02, 0.01, True, "en-US").value == pytest.approx(0.5)
    assert achievement(150.0, 161.0, False, "en-US").value == pytest.approx(150 / 161)
    assert achievement(None, 161.0, False, "en-US").value is None
    assert achievement(5.0, None, True, "en-US").value is None


def test_a_month_without_data_is_blank_not_zero() -> None:
    """The demo's records start in 2025-10: in the report of 2025-10 the previous month (2025-09)
    has no work order and no ledger movement, so its column and its change are blank."""
    from addin.kpis import compute_comparison
    from addin.periods import Period

    store = _demo_store("en-US")
    assert not has_data(store, Period.parse("2025-09")) and has_data(store, Period.parse("2025-10"))
    comp = compute_comparison(store, "2025-10")
    data = ReportData(store, "2025-10", comp.result, comp.previous, comp.last_year)
    rows = {r[0]: r for r in data.kpi_table(["revenue", "stock_value_open", "comeback_rate"])}
    for row in rows.values():
        assert row[4].value is None and row[5].value is None  # previous month, change
        assert row[6].value is None and row[7].value is None  # last year, change YoY
    assert comp.previous.to_json()["stock_value_open"] == 0  # what used to print as 0.00


def _sheet(rows: int) -> Worksheet:
    wb = Workbook()
    ws = wb.active
    ws["A1"], ws["A2"], ws["A3"] = "Title", "Store", "Note"
    ws["A5"] = "Heading"
    ws["A6"] = "Header"
    for i in range(rows):
        ws.cell(7 + i, 1, f"row {i}")
    return ws


def test_plan_keeps_five_rows_on_every_page_of_a_table() -> None:
    # 30 rows of 15 pt per page (450 pt); rows 1-6 are the title, a blank, the heading and header.
    heights = {r: 15.0 for r in range(1, 200)}
    ws = _sheet(33)  # rows 7..39: page 1 holds rows 1-30 (24 of the table), page 2 the other 9
    plan = plan_sheet(ws, [Span(6, 7, 39)], heights, 450.0, repeat_headers=False)
    assert plan.breaks == [31]
    ws = _sheet(28)  # rows 7..34: 24 fit, 4 would be left: the break moves up, 5 go to page 2
    plan = plan_sheet(ws, [Span(6, 7, 34)], heights, 450.0, repeat_headers=True)
    assert plan.breaks == [30] and plan.repeat == {30: 6}
    wb = Workbook()
    ws = wb.active
    for r in range(1, 28):
        ws.cell(r, 1, f"line {r}")
    ws["A29"], ws["A30"] = "Heading", "Header"  # row 28 blank
    for r in range(31, 40):
        ws.cell(r, 1, f"row {r}")
    # 28 rows are used; heading, header and 9 rows (a table never split) do not fit in 2 more:
    # the page breaks before the heading.
    plan = plan_sheet(ws, [Span(30, 31, 39)], heights, 450.0, repeat_headers=False)
    assert plan.breaks == [29] and plan.repeat == {}


def test_plan_keeps_the_signoff_line_with_the_last_rows() -> None:
    heights = {r: 15.0 for r in range(1, 200)}
    ws = _sheet(24)  # rows 7..30 fill page 1 exactly; a blank row 31 and the sign-off row 32 follow
    ws["A32"] = "Prepared by:"
    plan = plan_sheet(ws, [Span(6, 7, 30)], heights, 450.0, repeat_headers=False)
    # The sign-off does not stand alone on page 2: the last 5 rows (26..30) go with it.
    assert plan.breaks == [26]


def test_customer_care_lists_are_in_work_list_order_with_their_due_dates(pack: dict[str, Any]) -> None:
    from addin.kpis import care_lists

    frames = care_lists(pack["store"], PERIOD)
    wb = load_workbook(pack["files"]["customer_care.xlsx"])
    ws = wb.worksheets[1]  # reminders: the maintenance due list
    h, last = _tables(ws)[0]
    header = [c.value for c in ws[h]]
    due_col = 6  # VIN, plate, model, customer, phone, then the due date
    rows = [[c.value for c in ws[r]] for r in range(h + 1, last + 1) if not _is_head(ws, r)]
    frame = frames["maintenance_due"]
    assert [r[0] for r in rows] == list(frame["id"])
    assert [pd.Timestamp(r[due_col - 1]) for r in rows] == list(frame["due"])
    assert all(r[due_col - 1] is not None for r in rows)
    assert len(header) == 8 and len(rows) == len(frame)


def test_a_numbers_width_counts_its_printed_characters_as_narrow():
    """Numbers are measured by the length of their printed form (digits, sign, point and commas
    are narrow); NaN, infinity, booleans and text by their letters (a Latin letter 1.25 in the
    Chinese reports' font, other characters 1.1)."""
    from addin.reports.engine import text_width

    assert text_width(1234567.891, 1.25) == 14  # "1,234,567.89": 12 x 1.1
    assert text_width(1234567.891) == 12
    assert text_width(-12345, 1.25) == 7  # 6 x 1.1
    assert text_width(float("nan"), 1.25) == 4  # three letters of 1.25
    assert text_width(-float("inf"), 1.25) == 5  # a narrow sign and three letters
    assert text_width(True, 1.25) == 5
    assert text_width("Ab1", 1.25) == 4
    assert text_width(None) == 0

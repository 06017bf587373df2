"""The dashboard sheet: layout, static values, and live formulas that LibreOffice computes to the
same figures as compute_kpis."""

from __future__ import annotations

import re

import pytest
from conftest import need_tool
from test_kpis import RECORDS, SETTINGS, workbook_from_records

from addin.dashboard import FIRST_ROW, LAST_YEAR_COLUMN, LIVE_COLUMN, PREVIOUS_COLUMN, live_rows, write_dashboard
from addin.kpis import KPIS, compute_with_comparisons

# Constructs that LibreOffice 7.4 cannot compute (FACTS.md).
_FORBIDDEN = re.compile(r"\[#|\[@|XLOOKUP|FILTER\(|UNIQUE\(|LET\(", re.I)
_FUNCTIONS = re.compile(r"([A-Z][A-Z0-9.]*)\(")
_ALLOWED = {"IF", "COUNTIFS", "SUMIFS", "SUMPRODUCT", "INDEX", "MATCH", "IFERROR", "VALUE", "ISNA", "OR",
            "DATE", "YEAR", "MONTH", "LEFT", "MID", "ISNUMBER", "EOMONTH", "NOT", "ABS", "MIN", "MAX", "AND",
            "ROW", "ROWS", "FREQUENCY"}


def _dashboard(wb):
    return next(ws for ws in wb.worksheets if ws.title in ("Dashboard", "看板"))


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_template_layout_and_formulas_are_plain(locale):
    from openpyxl import Workbook

    wb = Workbook()
    ws = write_dashboard(wb, None, locale)
    assert ws.title == ("看板" if locale == "zh-CN" else "Dashboard")
    assert ws["C2"].value is None
    rows = live_rows()
    assert [ws.cell(r, 1).value for r in rows.values()] == list(KPIS)
    assert ws.column_dimensions["A"].hidden  # the ids stay for formulas, out of sight
    assert ws.cell(rows["revenue"], 2).value == KPIS["revenue"].label(locale)
    formulas = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert len(formulas) > 40
    for f in formulas:
        assert not _FORBIDDEN.search(f), f
        assert set(_FUNCTIONS.findall(f)) <= _ALLOWED, f
    assert "tblWorkOrders[[" in ws.cell(rows["revenue"], LIVE_COLUMN).value
    assert ws.cell(rows["parts_cost"], LIVE_COLUMN).value is None  # needs the stock valuation


def test_static_values_and_rewrite_replaces_the_sheet():
    from addin.io.builder import build_workbook
    from addin.store import Store

    store = Store.from_records(RECORDS, settings=SETTINGS)
    now, prev, last_year = compute_with_comparisons(store, "2026-10")
    wb = build_workbook("en-US")
    names = list(wb.sheetnames)
    write_dashboard(wb, now, "en-US", previous=prev, last_year=last_year)
    ws = write_dashboard(wb, now, "en-US", previous=prev, last_year=last_year)
    assert wb.sheetnames == names  # same place, not duplicated
    r = live_rows()["revenue"]
    assert ws["C2"].value == "2026-10"
    assert ws.cell(r, 3).value == now["revenue"] and ws.cell(r, PREVIOUS_COLUMN).value == prev["revenue"]
    assert ws.cell(live_rows()["gross_margin"], LAST_YEAR_COLUMN).value is None  # no ROs in 2025-10: blank, not 0
    assert FIRST_ROW == min(live_rows().values())


@pytest.mark.libreoffice
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_libreoffice_computes_the_live_column_like_compute_kpis(tmp_path, locale):
    need_tool("soffice")
    from python_calamine import CalamineWorkbook

    from addin.io.reader import read_store
    from addin.kpis import compute_kpis
    from addin.libreoffice import convert

    wb = workbook_from_records(locale)
    src = tmp_path / "in" / "service.xlsx"
    src.parent.mkdir()
    wb.save(src)
    store = read_store(src)
    result = compute_kpis(store, "2026-10")
    write_dashboard(wb, result, locale)
    wb.save(src)
    out = convert(src, "xlsx", tmp_path / "out", recalc=True)
    cal = CalamineWorkbook.from_path(str(out))
    name = "看板" if locale == "zh-CN" else "Dashboard"
    rows = cal.get_sheet_by_name(name).to_python()
    live = live_rows()
    checked = []
    for kid, r in live.items():
        formula = _dashboard(wb).cell(r, LIVE_COLUMN).value
        if formula is None:
            continue
        got = rows[r - 1][LIVE_COLUMN - 1]
        want = result[kid]
        if want is None:
            assert got in ("", None), (kid, got)
        else:
            assert isinstance(got, (int, float)), (kid, got)
            assert got == pytest.approx(want, abs=1e-6), kid
        checked.append(kid)
    assert len(checked) >= 35
    # the target column reads target_<id> from the settings
    assert rows[live["revenue"] - 1][3] == 5000
    # achievement = value / target clamped to 0..appraisal_cap (1.2 by default)
    revenue_row = rows[live["revenue"] - 1]
    assert revenue_row[4] == pytest.approx(min(max(result["revenue"] / 5000, 0), 1.2), abs=1e-9)
    # no previous period in the store: the change columns are blank
    assert revenue_row[6] in ("", None) and revenue_row[8] in ("", None)


@pytest.mark.libreoffice
@pytest.mark.parametrize("in_order", [False, True])
def test_lines_find_their_jobs_by_binary_search_only_when_the_wo_nos_are_in_order(tmp_path, in_order):
    """Issue 13: with the WO nos. in order the live formulas look a line's job up by MATCH(…,1)
    (hidden A2 TRUE); RECORDS lists W8, W9, W0, W7 …, so they scan (A2 FALSE). Both give
    compute_kpis' figures, also for lines of numbers the work orders do not hold: W00 and A0 sort
    before W0 (MATCH gives #N/A), W10 between W1 and W2 (it finds W1), Z9 after W9 (it finds W9),
    each of a labor line of 1 h at 1000 that no KPI counts, and of an arrived appointment that
    appointment_rate does not count (nor a second one naming W3); and of complaints that
    complaint_rate does not count either: one naming W10, one W1 again (named by CP1), one W2
    (flagged)."""
    need_tool("soffice")
    import copy

    from python_calamine import CalamineWorkbook
    from test_kpis import _line, make_store

    from addin.dashboard import SORTED_CELL
    from addin.io.builder import build_workbook
    from addin.io.reader import read_store
    from addin.io.writer import replace_rows
    from addin.kpis import compute_kpis
    from addin.libreoffice import convert
    from addin.store import Store

    records = copy.deepcopy(RECORDS)
    if in_order:
        records["work_orders"].sort(key=lambda r: r["wo_no"])
    records["wo_lines"] += [_line(no, 1, "labor", 1, 1000, technician_id="T1") for no in ("W00", "A0", "W10", "Z9")]
    # A second arrival naming W3 (counted once), arrivals naming numbers no job holds.
    records["appointments"] += [{"appt_id": f"AP{9 + i}", "appt_date": "2026-10-11", "reason": "repair",
                                 "status": "arrived", "wo_no": no} for i, no in enumerate(("W3", "W10", "A0", "Z9"))]
    records["complaints"] += [{"complaint_id": f"CP{6 + i}", "received_date": "2026-10-12", "channel": "phone",
                               "category": "price", "owner_id": "A1", "wo_no": no} for i, no in enumerate(("W10", "W1", "W2"))]
    wb = build_workbook("en-US")
    typed = Store.from_records(records)
    for sheet in records:
        replace_rows(wb, sheet, typed.table(sheet), "en-US")
    replace_rows(wb, "settings", [{"key": k, "value": v} for k, v in {**SETTINGS, "locale": "en-US"}.items()],
                 "en-US")
    src = tmp_path / "in" / "service.xlsx"
    src.parent.mkdir()
    wb.save(src)
    result = compute_kpis(read_store(src), "2026-10")
    plain = compute_kpis(make_store(), "2026-10")
    assert result["labor_revenue"] == pytest.approx(plain["labor_revenue"])
    assert result["appointment_rate"] == pytest.approx(plain["appointment_rate"])
    assert result["complaint_rate"] == pytest.approx(plain["complaint_rate"]) and result["complaints_received"] == 6
    write_dashboard(wb, result, "en-US")
    wb.save(src)
    rows = CalamineWorkbook.from_path(str(convert(src, "xlsx", tmp_path / "out", recalc=True))) \
        .get_sheet_by_name("Dashboard").to_python()
    assert rows[int(SORTED_CELL[3:]) - 1][0] is in_order
    checked = 0
    for kid, r in live_rows().items():
        if _dashboard(wb).cell(r, LIVE_COLUMN).value is None:
            continue
        got = rows[r - 1][LIVE_COLUMN - 1]
        if result[kid] is None:
            assert got in ("", None), (kid, got)
        else:
            assert got == pytest.approx(result[kid], abs=1e-6), kid
        checked += 1
    assert checked >= 35


@pytest.mark.libreoffice
@pytest.mark.slow
def test_libreoffice_live_column_on_the_demo_store(tmp_path):
    """The issue's bar: on the demo store, LibreOffice (recalculating on load) computes the live
    column to the figures of `kpi --json`."""
    need_tool("soffice")
    import json

    from python_calamine import CalamineWorkbook

    from addin.demo import generate
    from addin.io.builder import build_workbook
    from addin.io.reader import read_store
    from addin.io.writer import replace_rows
    from addin.kpis import compute_kpis
    from addin.libreoffice import convert

    locale = "zh-CN"
    records = generate("small", months=3, seed=7, end="2026-10", locale=locale)
    wb = build_workbook(locale)
    for sheet, rows in records.items():
        replace_rows(wb, sheet, rows, locale)
    src = tmp_path / "in" / "demo.xlsx"
    src.parent.mkdir()
    wb.save(src)
    result = compute_kpis(read_store(src), "2026-10")
    data = json.loads(json.dumps(result.to_json()))  # what `kpi --json` prints
    write_dashboard(wb, result, locale)
    wb.save(src)
    out = convert(src, "xlsx", tmp_path / "out", recalc=True)
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("看板").to_python()
    checked = 0
    for kid, r in live_rows().items():
        if _dashboard(wb).cell(r, LIVE_COLUMN).value is None:
            continue
        got, want = rows[r - 1][LIVE_COLUMN - 1], data[kid]
        if want is None:
            assert got in ("", None), (kid, got)
        else:
            assert got == pytest.approx(want, rel=1e-9, abs=1e-6), kid
        checked += 1
    assert checked >= 35  # csi, csi_responses, followup_rate are engine values since issue 11
    assert data["settled_ros"] > 100 and data["revenue"] > 0


# -- issue 13: labels, achievement, change, colours, chart ------------------------------------------

@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_presentation_columns_formats_and_chart(locale):
    from openpyxl import Workbook

    from addin.dashboard import (
        ACHIEVEMENT_COLUMN,
        LABEL_COLUMN,
        LAST_YEAR_CHANGE_COLUMN,
        MONTHS_ROW,
        PREVIOUS_CHANGE_COLUMN,
    )

    ws = write_dashboard(Workbook(), None, locale)
    rows = live_rows()
    header = [ws.cell(FIRST_ROW - 1, c).value for c in range(2, LIVE_COLUMN + 1)]
    if locale == "zh-CN":
        assert header == ["指标", "本期", "目标", "达成率", "上期", "环比", "去年同期", "同比", "实时（公式）"]
    else:
        assert header[6] == "Same month last year" and header[3] == "Achievement"
    head = ws.cell(FIRST_ROW - 1, LAST_YEAR_COLUMN)
    assert head.alignment.wrap_text and ws.row_dimensions[FIRST_ROW - 1].height >= 30
    assert ws.cell(rows["revenue"], LABEL_COLUMN).value == KPIS["revenue"].label(locale)
    # a ratio changes in percentage points, a sum relatively with n/a from zero
    pp = " 个百分点" if locale == "zh-CN" else " pp"
    assert ws.cell(rows["gross_margin"], PREVIOUS_CHANGE_COLUMN).number_format == f'+0.0"{pp}";-0.0"{pp}";0.0"{pp}"'
    assert "*100" in ws.cell(rows["gross_margin"], LAST_YEAR_CHANGE_COLUMN).value
    revenue_change = ws.cell(rows["revenue"], PREVIOUS_CHANGE_COLUMN).value
    assert ("不适用" if locale == "zh-CN" else '"n/a"') in revenue_change and ">9.99" in revenue_change
    assert ws.cell(rows["revenue"], PREVIOUS_CHANGE_COLUMN).number_format == "+0.0%;-0.0%;0.0%"
    # lower is better: target / value, the cap at 0
    lower = next(k for k, v in KPIS.items() if v.higher_is_better is False)
    assert f"IF($C{rows[lower]}=0,$C$7,$D{rows[lower]}/$C{rows[lower]})" in ws.cell(rows[lower], ACHIEVEMENT_COLUMN).value
    neither = next(k for k, v in KPIS.items() if v.higher_is_better is None)
    assert ws.cell(rows[neither], ACHIEVEMENT_COLUMN).value is None
    # conditional colours: met green / missed red, by direction
    rules = {str(cf.sqref).split()[0]: [(r.formula[0], r.dxf.fill.bgColor.rgb) for r in cf.rules]
             for cf in ws.conditional_formatting}
    higher_first = min(r for k, r in rows.items() if KPIS[k].higher_is_better)
    lower_first = min(r for k, r in rows.items() if KPIS[k].higher_is_better is False)
    assert (f"AND(ISNUMBER($C{higher_first}),ISNUMBER($D{higher_first}),$C{higher_first}>=$D{higher_first})",
            "FFC6EFCE") in rules[f"C{higher_first}:E{higher_first}"]
    assert (f"AND(ISNUMBER($C{lower_first}),ISNUMBER($D{lower_first}),$C{lower_first}>$D{lower_first})",
            "FFFFC7CE") in rules[f"C{lower_first}:E{lower_first}"]
    # the chart: revenue bars and a gross margin line over the months' table
    (chart,) = ws._charts
    assert ws.cell(MONTHS_ROW, 3).value == ("营业收入" if locale == "zh-CN" else "Revenue")
    assert [type(c).__name__ for c in [chart, *chart._charts[1:]]] == ["BarChart", "LineChart"]


@pytest.mark.libreoffice
def test_achievement_change_and_months_as_libreoffice_computes_them(tmp_path):
    """Static values, previous and last year given: LibreOffice computes the change and
    achievement columns as the definitions say."""
    need_tool("soffice")
    from python_calamine import CalamineWorkbook

    from addin.dashboard import MONTHS_ROW
    from addin.io.builder import build_workbook
    from addin.libreoffice import convert

    wb = build_workbook("en-US")  # the settings table the cap (C7) is read from
    ws = write_dashboard(wb, None, "en-US", period="2026-03")
    rows = live_rows()
    lower = next(k for k, v in KPIS.items() if v.higher_is_better is False and v.unit == "ratio")
    figures = {  # kid: (value, target, previous, last year)
        "revenue": (1100.0, 1000.0, 1000.0, 0.0),       # +10.0%, from zero n/a, achievement 110%
        "entries": (30, 40, 1, 20),                        # +2900% -> n/a, -> +50%, 75%
        "gross_margin": (0.25, 0.2, 0.2, 0.3),             # +5 pp, -5 pp, 120% capped at 1.2
        lower: (0.0, 0.02, 0.01, None),                     # lower is better at 0: the cap (1.2)
    }
    for kid, (value, target, prev, ly) in figures.items():
        r = rows[kid]
        ws.cell(r, 3, value), ws.cell(r, 4, target), ws.cell(r, PREVIOUS_COLUMN, prev)
        ws.cell(r, LAST_YEAR_COLUMN, ly)
        ws.cell(r, LIVE_COLUMN).value = None
    src = tmp_path / "in" / "d.xlsx"
    src.parent.mkdir()
    wb.save(src)
    out = convert(src, "xlsx", tmp_path / "out", recalc=True)
    got = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Dashboard").to_python()

    def row(kid):
        return got[rows[kid] - 1]
    assert row("revenue")[4] == pytest.approx(1.1) and row("revenue")[6] == pytest.approx(0.1)
    assert row("revenue")[8] == "n/a"
    assert row("entries")[4] == pytest.approx(0.75) and row("entries")[6] == "n/a"
    assert row("entries")[8] == pytest.approx(0.5)
    assert row("gross_margin")[4] == pytest.approx(1.2) and row("gross_margin")[6] == pytest.approx(5.0)
    assert row("gross_margin")[8] == pytest.approx(-5.0)
    assert row(lower)[4] == pytest.approx(1.2) and row(lower)[6] == pytest.approx(-1.0)
    assert row(lower)[8] in ("", None)
    assert [got[MONTHS_ROW + i][1] for i in range(3)] == ["2026-01", "2026-02", "2026-03"]
    assert len(got) == MONTHS_ROW + 3 or got[MONTHS_ROW + 3][1] in ("", None)  # the year up to March


def test_a_comparison_period_without_data_is_blank_and_months_fill_the_chart():
    from addin.dashboard import MONTHS_ROW, dashboard_cells
    from addin.dashboard_data import compute_months
    from addin.store import Store

    store = Store.from_records(RECORDS, settings=SETTINGS)
    now, prev, last_year = compute_with_comparisons(store, "2026-10")
    assert last_year["entries"] == 0 and last_year["settled_ros"] == 0 and last_year["revenue"] == 0
    months = compute_months(store, "2026-10")
    assert list(months) == [f"2026-{m:02d}" for m in range(1, 11)]
    cells = dashboard_cells(now, "en-US", previous=prev, last_year=last_year, months=months)
    r = live_rows()["revenue"]
    assert cells[f"H{r}"] is None  # last year had no data: blank, not 0
    assert cells[f"C{r}"] == now["revenue"]
    assert cells[f"B{MONTHS_ROW + 10}"] == "2026-10" and cells[f"C{MONTHS_ROW + 10}"] == now["revenue"]
    assert cells[f"D{MONTHS_ROW + 10}"] == now["gross_margin"]
    assert cells[f"B{MONTHS_ROW + 11}"] is None and cells[f"B{MONTHS_ROW + 12}"] is None


def test_the_months_reuse_the_results_already_computed():
    from addin.dashboard_data import compute_months, year_months
    from addin.store import Store

    store = Store.from_records(RECORDS, settings=SETTINGS)
    now, prev, _ = compute_with_comparisons(store, "2026-10")
    months = compute_months(store, "2026-10", known=(now, prev))
    assert months["2026-10"] is now and months["2026-09"] is prev
    assert months["2026-08"].period == "2026-08" and list(months) == year_months("2026-10")
    assert year_months("2026-01") == ["2026-01"]

"""The dashboard sheet: layout, static values, and live formulas that LibreOffice computes to the
same figures as compute_kpis."""

from __future__ import annotations

import re

import pytest
from conftest import need_tool
from test_kpis import RECORDS, SETTINGS, workbook_from_records

from addin.dashboard import FIRST_ROW, live_rows, write_dashboard
from addin.kpis import KPIS, compute_with_comparisons

# Constructs that LibreOffice 7.4 cannot compute (FACTS.md).
_FORBIDDEN = re.compile(r"\[#|\[@|XLOOKUP|FILTER\(|UNIQUE\(|LET\(", re.I)
_FUNCTIONS = re.compile(r"([A-Z][A-Z0-9.]*)\(")
_ALLOWED = {"IF", "COUNTIFS", "SUMIFS", "SUMPRODUCT", "INDEX", "MATCH", "IFERROR", "VALUE", "ISNA", "OR",
            "DATE", "YEAR", "MONTH", "LEFT", "MID", "ISNUMBER", "EOMONTH"}


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
    assert ws.cell(rows["revenue"], 2).value == KPIS["revenue"].label(locale)
    formulas = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert len(formulas) > 40
    for f in formulas:
        assert not _FORBIDDEN.search(f), f
        assert set(_FUNCTIONS.findall(f)) <= _ALLOWED, f
    assert "tblWorkOrders[[" in ws.cell(rows["revenue"], 7).value
    assert ws.cell(rows["parts_cost"], 7).value is None  # needs the stock valuation


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
    assert ws.cell(r, 3).value == now["revenue"] and ws.cell(r, 5).value == prev["revenue"]
    assert ws.cell(live_rows()["gross_margin"], 6).value is None  # no ROs in 2025-10: blank, not 0
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
        formula = _dashboard(wb).cell(r, 7).value
        if formula is None:
            continue
        got = rows[r - 1][6]
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
        if _dashboard(wb).cell(r, 7).value is None:
            continue
        got, want = rows[r - 1][6], data[kid]
        if want is None:
            assert got in ("", None), (kid, got)
        else:
            assert got == pytest.approx(want, rel=1e-9, abs=1e-6), kid
        checked += 1
    assert checked >= 35  # csi, csi_responses, followup_rate are engine values since issue 11
    assert data["settled_ros"] > 100 and data["revenue"] > 0

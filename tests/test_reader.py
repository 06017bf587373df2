"""The reader: sheets, header rows and headers found as a service department writes them, values
parsed by the models, the same result from both engines and from xlwings-style grids."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.worksheet.table import Table

from addin.errors import ServiceError
from addin.io.reader import Grid, find_header, match_sheets, read_store, store_from_grids
from addin.models import SHEETS
from addin.tables import convert_column, table_records

ENGINES = ("calamine", "openpyxl")


def _save(tmp_path: Path, sheets: dict[str, list[list[Any]]], tables: dict[str, tuple[str, str]] | None = None,
          formats: dict[str, dict[str, str]] | None = None) -> Path:
    """A workbook from worksheet name -> rows (row 1 first); optional Excel Tables (sheet -> (name,
    ref)) and number formats (sheet -> {cell: format})."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(r, c, value)
        for cell, fmt in (formats or {}).get(name, {}).items():
            ws[cell].number_format = fmt
        if tables and name in tables:
            ws.add_table(Table(displayName=tables[name][0], ref=tables[name][1]))
    path = tmp_path / "book.xlsx"
    wb.save(path)
    return path


def _days(series: pd.Series) -> list[str | None]:
    return [None if pd.isna(d) else d.date().isoformat() for d in series]


def _both(path: Path) -> list[Any]:
    """The store read by each engine; asserts they agree on every table and problem."""
    stores = [read_store(path, engine=e) for e in ENGINES]
    a, b = stores
    for key in SHEETS:
        pd.testing.assert_frame_equal(a.tables[key], b.tables[key], check_dtype=True)
    assert a.problems == b.problems
    assert (a.missing_sheets, a.missing_columns, a.sheet_names) == (b.missing_sheets, b.missing_columns, b.sheet_names)
    return stores


TITLE_SHEET = [
    ["Work orders, March 2026"],
    ["exported by DMS", None, None, "page 1"],
    ["wo_no", "open_date", "status", "mileage", "Dealer remark"],
    ["W1", dt.datetime(2026, 3, 2), "settled", 12000, "VIP"],
    ["W2", "2026-03-05", "在修", None, None],
    [None, None, None, None, None],
    ["W3", 46090, "Waiting for parts", "12,500", None],
]


def test_header_after_title_rows(tmp_path: Path) -> None:
    path = _save(tmp_path, {"work_orders": TITLE_SHEET + [[None], [None]]})
    for store in _both(path):
        wo = store.tables["work_orders"]
        # the empty row 6 is no record; the others keep their worksheet rows
        assert wo["_row"].tolist() == [4, 5, 7]
        assert wo["wo_no"].tolist() == ["W1", "W2", "W3"]
        assert _days(wo["open_date"]) == ["2026-03-02", "2026-03-05", "2026-03-09"]
        assert wo["status"].tolist() == ["settled", "in_progress", "waiting_parts"]
        assert wo["mileage"].tolist()[0] == 12000.0 and math.isnan(wo["mileage"][1])
        assert wo["mileage"][2] == 12500.0
        assert wo["Dealer remark"].tolist() == ["VIP", None, None]
        assert store.sheet_names == {"work_orders": "work_orders"}
        assert "vin" in store.missing_columns["work_orders"] and "wo_no" not in store.missing_columns["work_orders"]
        assert "roster" in store.missing_sheets and "work_orders" not in store.missing_sheets


def test_grids_read_like_files(tmp_path: Path) -> None:
    path = _save(tmp_path, {"work_orders": TITLE_SHEET})
    from_file = read_store(path)
    grid = [row + [None] * (5 - len(row)) for row in TITLE_SHEET]
    from_grid = store_from_grids({"work_orders": grid}, path)
    pd.testing.assert_frame_equal(from_file.tables["work_orders"], from_grid.tables["work_orders"])
    assert from_grid.path == path


@pytest.mark.parametrize("headers", [
    ["wo_no", "open_date", "status"],
    ["WO no.", "Open date", "Status"],
    ["工单号", "开单日期", "状态"],
    ["  WO NO. ", "open  DATE", " status"],
    ["Wo_No", "OPEN DATE", "状 态 "],
])
def test_headers_by_key_or_label(tmp_path: Path, headers: list[str]) -> None:
    path = _save(tmp_path, {"Work orders": [headers, ["W1", "2026-01-02", "已结算"]]})
    for store in _both(path):
        rec = table_records(store.tables["work_orders"])[0]
        assert (rec["wo_no"], rec["open_date"], rec["status"]) == ("W1", dt.date(2026, 1, 2), "settled")
        assert list(store.tables["work_orders"].columns[-1:]) == ["_row"]  # no extra column


def test_duplicate_header_is_kept_as_extra(tmp_path: Path) -> None:
    path = _save(tmp_path, {"work_orders": [["wo_no", "OPEN_DATE", "开 单 日 期 "], ["W1", "2026-01-02", "x"]]})
    for store in _both(path):
        rec = table_records(store.tables["work_orders"])[0]
        assert (rec["open_date"], rec["开 单 日 期"]) == (dt.date(2026, 1, 2), "x")


@pytest.mark.parametrize("name", ["work_orders", "Work orders", "维修工单", " WORK ORDERS ", "work orders"])
def test_sheet_by_key_or_label(tmp_path: Path, name: str) -> None:
    path = _save(tmp_path, {name: [["wo_no"], ["W1"]]})
    store = read_store(path)
    assert store.sheet_names == {"work_orders": name}
    assert store.tables["work_orders"]["wo_no"].tolist() == ["W1"]


def test_sheet_by_table_name_and_table_header(tmp_path: Path) -> None:
    """A Table gives the header row even when a row above names more columns; its name finds a
    sheet whose name is not a label."""
    rows = [["wo_no", "open_date", "status", "vin"], [None], [None],
            [None, "wo_no", "Notes"], [None, "W9", "ok"], [None, "W10", None]]
    path = _save(tmp_path, {"Sheet1": rows}, tables={"Sheet1": ("tblWorkOrders", "B4:C6")})
    for store in _both(path):
        assert store.sheet_names == {"work_orders": "Sheet1"}
        wo = store.tables["work_orders"]
        assert wo["wo_no"].tolist() == ["W9", "W10"]
        assert wo["notes"].tolist() == ["ok", None]
        assert wo["_row"].tolist() == [5, 6]


def test_name_beats_table_name(tmp_path: Path) -> None:
    path = _save(tmp_path, {"Sheet1": [["wo_no"], ["from table"]], "工单": [["x"]], "维修工单": [["wo_no"], ["W1"]]},
                 tables={"Sheet1": ("tblWorkOrders", "A1:A2")})
    assert read_store(path).sheet_names == {"work_orders": "维修工单"}


def test_dates_excel_and_iso(tmp_path: Path) -> None:
    rows = [["txn_id", "txn_date", "qty"],
            ["T1", dt.datetime(2026, 10, 31), 1],     # a date cell
            ["T2", 46326, 2],                          # a serial number without a date format
            ["T3", "2026-10-31", 3],                   # ISO text
            ["T4", "2026/10/31", 4],
            ["T5", "31.10.2026", 5],                   # not a date: reported
            ["T6", "2026-02-30", 6]]                   # not a date: reported
    path = _save(tmp_path, {"parts_ledger": rows})
    for store in _both(path):
        dates = store.tables["parts_ledger"]["txn_date"]
        assert _days(dates) == ["2026-10-31"] * 4 + [None, None]
        assert [(p.row, p.column, p.value, p.expected) for p in store.problems] == [
            (6, "txn_date", "31.10.2026", "date"), (7, "txn_date", "2026-02-30", "date")]


def test_booleans(tmp_path: Path) -> None:
    values = ["是", "否", "Y", "N", 1, 0, True, False, "TRUE", "false", None, "maybe"]
    rows = [["wo_no", "appointment"]] + [[f"W{i}", v] for i, v in enumerate(values)]
    path = _save(tmp_path, {"work_orders": rows})
    for store in _both(path):
        got = store.tables["work_orders"]["appointment"]
        assert str(got.dtype) == "boolean"
        assert got.tolist() == [True, False, True, False, True, False, True, False, True, False, pd.NA, pd.NA]
        assert [(p.row, p.value) for p in store.problems] == [(13, "maybe")]


def test_blank_numbers_stay_missing(tmp_path: Path) -> None:
    rows = [["wo_no", "line_no", "qty", "unit_price", "discount_pct"],
            ["W1", 1, 2, 0, None],
            ["W1", 2, None, "¥1,200.50", "5%"],
            ["W1", 3, "  ", "n/a", 0.1]]
    path = _save(tmp_path, {"wo_lines": rows})
    for store in _both(path):
        lines = store.tables["wo_lines"]
        assert lines["unit_price"].tolist()[:2] == [0.0, 1200.5] and math.isnan(lines["unit_price"][2])
        assert math.isnan(lines["qty"][1]) and math.isnan(lines["qty"][2])
        assert math.isnan(lines["discount_pct"][0]) and lines["discount_pct"].tolist()[1:] == [0.05, 0.1]
        assert [(p.row, p.column, p.value) for p in store.problems] == [(4, "unit_price", "n/a")]


def test_settings_sheet(tmp_path: Path) -> None:
    path = _save(tmp_path, {"设置": [["参数", "值", "说明"], ["locale", "zh-CN", "语言"], ["tax_rate", 0.09, None]]})
    for store in _both(path):
        assert store.settings.locale == "zh-CN" and store.settings.tax_rate == 0.09
        assert store.tables["settings"]["label"].tolist() == ["语言", None]  # a model column since issue 13


def test_extra_columns_engines_agree(tmp_path: Path) -> None:
    path = _save(tmp_path, {"parts": [["part_no", "name", "Shelf life", "Shelf life"], ["P1", "Filter", 12, "x"]]})
    for store in _both(path):
        parts = store.tables["parts"]
        assert list(parts.columns[-3:]) == ["Shelf life", "Shelf life (D)", "_row"]
        assert parts["Shelf life"].tolist() == [12.0]


def test_sheet_without_header(tmp_path: Path) -> None:
    path = _save(tmp_path, {"roster": [["just a note"]], "work_orders": [], "parts": [["part_no"]]})
    store = read_store(path)
    assert store.missing_columns["roster"] == [c.key for c in SHEETS["roster"].columns]
    assert store.tables["roster"].empty and store.tables["parts"].empty
    assert store.sheet_names == {"roster": "roster", "work_orders": "work_orders", "parts": "parts"}


def test_header_search_is_limited_to_ten_rows(tmp_path: Path) -> None:
    rows: list[list[Any]] = [["title"]] * 10 + [["wo_no", "open_date"], ["W1", "2026-01-01"]]
    assert find_header("work_orders", Grid(rows)) is None
    assert find_header("work_orders", Grid(rows[1:])) == 9  # the 10th row
    assert find_header("work_orders", Grid([[None]] * 5 + rows[1:])) == 14  # counted from the first non-empty row


def test_match_sheets_order_and_duplicates() -> None:
    assert match_sheets(["Parts", "配件档案", "WO lines"], []) == {"wo_lines": "WO lines", "parts": "Parts"}


def test_unknown_engine(tmp_path: Path) -> None:
    path = _save(tmp_path, {"parts": [["part_no"]]})
    with pytest.raises(ServiceError) as err:
        read_store(path, engine="xlrd")
    assert err.value.message() == "Unknown reading engine 'xlrd'; use one of: calamine, openpyxl."


# ---------------------------------------------------------------------------------------------
# addin.tables parses common columns in bulk (distinct values once); it must give exactly what
# parsing each cell alone gives.

_CELLS = st.one_of(
    st.none(), st.sampled_from(["", "  ", "是", "否", "Y", "0", "1", "TRUE", "settled", "已结算", "Open", "x",
                                "2026-01-05", "2026/1/5 10:30", "1,234.5", "12%", "¥5", "2026-13-01"]),
    st.booleans(), st.integers(-3, 60000), st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 1, 1)),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1)),
)
_COLUMNS = {(c.kind, c.enum): c for s in SHEETS.values() for c in s.columns}


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(_COLUMNS.values(), key=lambda c: (c.kind, c.key))), st.lists(_CELLS, max_size=12))
def test_bulk_parsing_equals_cell_by_cell(column: Any, values: list[Any]) -> None:
    rows = list(range(2, 2 + len(values)))
    problems: list[Any] = []
    bulk = convert_column("s", column, values, rows, problems)
    single_problems: list[Any] = []
    singles = [convert_column("s", column, [v], [r], single_problems) for v, r in zip(values, rows)]
    expected = pd.concat(singles, ignore_index=True) if singles else bulk.iloc[:0]
    pd.testing.assert_series_equal(bulk, expected.astype(bulk.dtype), check_names=False)
    same = [(p.row, p.column, repr(p.value)) for p in problems]
    assert same == [(p.row, p.column, repr(p.value)) for p in single_problems]


def test_unhashable_values_parse_cell_by_cell() -> None:
    problems: list[Any] = []
    col = convert_column("work_orders", SHEETS["work_orders"].column("status"), ["settled", ["a"], None], [2, 3, 4],
                         problems)
    assert col.tolist() == ["settled", None, None]
    assert [(p.row, p.value) for p in problems] == [(3, ["a"])]
    nums = convert_column("wo_lines", SHEETS["wo_lines"].column("qty"), [1, ["a"], ""], [2, 3, 4], problems)
    assert nums.tolist()[0] == 1.0 and nums.isna().tolist() == [False, True, True]
    assert [(p.row, p.value) for p in problems[1:]] == [(3, ["a"])]


def test_grids_one_row_or_one_cell() -> None:
    store = store_from_grids({"parts": ["part_no", "name"], "roster": "staff_id"})
    assert store.tables["parts"].empty and store.missing_columns["parts"][0] == "category"
    assert store.missing_columns["roster"][0] == "name"


def test_dates_beyond_2262_are_reported_not_raised() -> None:
    problems: list[Any] = []
    col = convert_column("work_orders", SHEETS["work_orders"].column("open_date"), ["3026-01-01", 46000.0], [2, 3],
                         problems)
    assert col.isna().tolist() == [True, False]
    assert [(p.row, p.value) for p in problems] == [(2, "3026-01-01")]
    assert np.dtype(col.dtype) == np.dtype("datetime64[ns]")


def test_rows_emptied_inside_a_sheet_are_not_records(tmp_path: Path) -> None:
    """A clerk who clears a record's cells mid-table leaves no record behind, and the rows after
    it keep their worksheet row numbers."""
    import openpyxl

    from addin.io.reader import read_store

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "parts"
    ws.append(["part_no", "name"])
    ws.append(["P1", "Oil filter"])
    ws.append([None, "  "])
    ws.append(["P3", "Air filter"])
    wb.save(tmp_path / "p.xlsx")
    table = read_store(tmp_path / "p.xlsx").table("parts")
    assert table["part_no"].tolist() == ["P1", "P3"]
    assert table["_row"].tolist() == [2, 4]


def _prefetched(monkeypatch: pytest.MonkeyPatch, path: Path, on: bool) -> Any:
    from addin.io._calamine import CalamineReader

    monkeypatch.setattr("addin.io.reader.os.cpu_count", lambda: 2)  # the prefetch needs a second core
    monkeypatch.setattr(CalamineReader, "parses_in_parallel", on)
    monkeypatch.setattr(CalamineReader, "typed", lambda self, *args: None)  # every sheet from its grid
    return read_store(path)


def test_the_next_sheet_parsed_ahead_reads_the_same_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """python-calamine parses the next sheet in a worker thread while one is typed: the same
    tables, problems (in sheet order) and sheet names as one sheet after the other."""
    path = _save(tmp_path, {
        "work_orders": TITLE_SHEET,
        "wo_lines": [["wo_no", "line_no", "unit_price"], ["W1", 1, "n/a"], ["W1", 2, 35.5]],
        "parts_ledger": [["part_no", "qty"], ["P1", 2], ["P2", "x"]],
    })
    serial, ahead = (_prefetched(monkeypatch, path, on) for on in (False, True))
    for key in SHEETS:
        pd.testing.assert_frame_equal(serial.tables[key], ahead.tables[key], check_dtype=True)
    assert serial.problems == ahead.problems
    assert [(p.sheet, p.row, p.column, p.value) for p in ahead.problems] == [
        ("wo_lines", 2, "unit_price", "n/a"), ("parts_ledger", 3, "qty", "x")]
    assert ahead.tables["work_orders"]["wo_no"].tolist() == ["W1", "W2", "W3"]
    assert (serial.missing_sheets, serial.missing_columns, serial.sheet_names) == (
        ahead.missing_sheets, ahead.missing_columns, ahead.sheet_names)


def test_a_sheet_that_fails_to_parse_ahead_fails_the_read_as_without_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from python_calamine import CalamineError

    from addin.errors import WorkbookReadError
    from addin.io._calamine import CalamineReader

    path = _save(tmp_path, {"work_orders": TITLE_SHEET, "wo_lines": [["wo_no"], ["W1"]], "parts_ledger": [["part_no"]]})
    grid = CalamineReader.grid

    def failing(self: Any, name: str) -> Grid:
        if name == "wo_lines":
            raise CalamineError("broken sheet")
        return grid(self, name)

    monkeypatch.setattr(CalamineReader, "grid", failing)
    messages = []
    for on in (False, True):
        with pytest.raises(WorkbookReadError) as caught:
            _prefetched(monkeypatch, path, on)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert "wo_lines" in messages[0] and "broken sheet" in messages[0]

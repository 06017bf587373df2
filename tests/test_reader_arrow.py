"""The calamine engine's bulk path (addin/io/_arrow.py, fastexcel's Arrow columns): a sheet it
takes reads to exactly the table, problems and row numbers of the grid path, and a sheet it
cannot take so is declined and read from the grid."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_reader import _save  # a workbook from rows, with Tables and number formats

from addin.io import _arrow
from addin.io._calamine import CalamineReader
from addin.io.reader import read_store
from addin.models import SHEETS
from addin.store import Store


def _read(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Store, list[str]]:
    """The store read with the bulk path, after asserting it equals the grid path's read in
    every table, problem, row number and missing column; and the sheets the bulk path took."""
    taken: list[str] = []
    typed = _arrow._typed

    def spy(sheet: str, *args: Any) -> Any:
        result = typed(sheet, *args)
        taken.append(sheet)
        return result

    with monkeypatch.context() as m:
        m.setattr(_arrow, "_typed", spy)
        fast = read_store(path)
    with monkeypatch.context() as m:
        m.setattr(CalamineReader, "typed", lambda self, *args: None)
        grid = read_store(path)
    for key in SHEETS:
        pd.testing.assert_frame_equal(fast.tables[key], grid.tables[key], check_dtype=True)
    assert fast.problems == grid.problems
    assert (fast.missing_sheets, fast.missing_columns, fast.sheet_names, fast.unread) == (
        grid.missing_sheets, grid.missing_columns, grid.sheet_names, grid.unread)
    return fast, taken


def test_a_clean_sheet_is_typed_in_bulk_as_the_grid_types_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _save(tmp_path, {
        "work_orders": [
            ["WO no.", "Open date", "Status", "Mileage", "Appointment", "Dealer remark", None, "Customer phone"],
            ["  W1 ", dt.datetime(2026, 3, 2), "settled", 12000, True, dt.date(2026, 3, 1), None, 13800138000],
            ["W2", dt.datetime(2026, 3, 5, 14, 30), "在修", None, None, None, None, 2.5],
            [None, None, None, None, None, None, None, None],
            ["   ", None, None, None, None, None, "only here", None],
            ["W4", None, "Waiting for parts", 7.5, False, dt.datetime(2026, 3, 9, 8, 15), None, None],
        ],
        "wo_lines": [["wo_no", "line_no", "unit_price"], ["W1", 1, 35.5], ["W1", 2, None]],
    })
    store, taken = _read(path, monkeypatch)
    assert taken == ["work_orders", "wo_lines"]
    wo = store.tables["work_orders"]
    assert wo["wo_no"].tolist() == ["W1", "W2", None, "W4"]
    assert wo["customer_phone"].tolist() == ["13800138000", "2.5", None, None]
    assert wo["_row"].tolist() == [2, 3, 5, 6]  # the empty row 4 is no record; row 5 has a value in column G
    assert [None if pd.isna(d) else d.isoformat() for d in wo["open_date"]] == [
        "2026-03-02T00:00:00", "2026-03-05T00:00:00", None, None]
    assert wo["status"].tolist() == ["settled", "in_progress", None, "waiting_parts"]
    assert wo["mileage"].tolist()[0] == 12000.0 and pd.isna(wo["mileage"].tolist()[1])
    assert wo["appointment"].tolist() == [True, pd.NA, pd.NA, False]
    assert wo["Dealer remark"].tolist() == [dt.date(2026, 3, 1), None, None, dt.datetime(2026, 3, 9, 8, 15)]
    assert store.problems == []


def test_cells_not_of_their_column_kind_give_the_grid_path_problems(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A column of one kind that is not the model's (dates where numbers belong, text in a date
    column, a number in a flag column) is parsed cell by cell, with the same problems."""
    path = _save(tmp_path, {
        "wo_lines": [["wo_no", "line_no", "unit_price", "added_item"],
                     ["W1", dt.datetime(2026, 3, 2), "35.5", 2],
                     ["W1", dt.datetime(2026, 3, 2, 9), "n/a", 1]],
        "parts_ledger": [["txn_id", "date", "qty"], ["T1", "next week", 3], ["T2", "2026-03-04", 4]],
    })
    store, taken = _read(path, monkeypatch)
    assert taken == ["wo_lines", "parts_ledger"]
    assert [(p.sheet, p.row, p.column, p.value) for p in store.problems] == [
        ("wo_lines", 2, "line_no", dt.date(2026, 3, 2)), ("wo_lines", 3, "line_no", dt.datetime(2026, 3, 2, 9)),
        ("wo_lines", 3, "unit_price", "n/a"), ("wo_lines", 2, "added_item", 2.0),
        ("parts_ledger", 2, "txn_date", "next week")]
    assert store.tables["wo_lines"]["unit_price"].tolist()[0] == 35.5
    assert store.tables["wo_lines"]["added_item"].tolist() == [pd.NA, True]


@pytest.mark.parametrize("case", ["mixed column", "title row", "better header below", "duplicate header",
                                  "number header", "error header", "time of day", "row 1 empty",
                                  "table below row 1"])
def test_what_the_bulk_path_cannot_read_exactly_is_read_from_the_grid(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    header = ["wo_no", "line_no", "unit_price"]
    rows: list[list[Any]] = [header, ["W1", 1, 35.5], ["W1", 2, 40.0]]
    formats: dict[str, dict[str, str]] = {}
    tables: dict[str, tuple[str, str]] = {}
    if case == "mixed column":
        rows[2][2] = "n/a"
    elif case == "title row":
        rows.insert(0, ["Work order lines, March"])
    elif case == "better header below":
        rows.insert(0, ["unit_price"])  # names one column; the row below names three
    elif case == "duplicate header":
        rows[0] = ["wo_no", "line_no", "unit_price", "unit_price"]
        rows[1].append(1.0)
    elif case in ("number header", "error header"):
        rows[0] = [*header, 2026 if case == "number header" else "#N/A"]  # openpyxl writes "#N/A" as an error
        rows[1].append(1.0)
    elif case == "time of day":
        rows[1][1] = dt.time(8, 30)
        rows[2][1] = dt.time(9, 0)
        formats = {"wo_lines": {"B2": "hh:mm", "B3": "hh:mm"}}
    elif case == "row 1 empty":
        rows.insert(0, [None])
    elif case == "table below row 1":
        rows.insert(0, [None, None, None, "exported"])
        tables = {"wo_lines": ("tblLines", "A2:C4")}
    path = _save(tmp_path, {"wo_lines": rows}, tables, formats)
    store, taken = _read(path, monkeypatch)
    assert taken == []
    lines = store.tables["wo_lines"]
    assert lines["wo_no"].tolist() == ["W1", "W1"]
    first = 3 if case in ("title row", "better header below", "row 1 empty", "table below row 1") else 2
    assert lines["_row"].tolist() == [first, first + 1]


def test_a_table_at_row_1_is_typed_in_bulk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _save(tmp_path, {"parts": [["Part no.", "Name", "Sale price"], ["P1", "Oil filter", 12.5],
                                      ["P2", "Air filter", 30.0]]}, tables={"parts": ("tblParts", "A1:C3")})
    store, taken = _read(path, monkeypatch)
    assert taken == ["parts"]
    assert store.tables["parts"]["sale_price"].tolist() == [12.5, 30.0]


@pytest.mark.parametrize("extra", [["--locale", "zh-CN"], ["--with-problems"]], ids=["zh-CN", "with problems"])
def test_a_demo_store_reads_the_same_in_bulk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: list[str]) -> None:
    """A demo store as `service-addin demo` writes it (in Chinese; and with its planted bad
    entries, which break rules, not cell kinds) reads as the grid reads it, every register the
    bulk way but the settings (key and value of any kind)."""
    import argparse

    from addin.commands import demo as command

    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    path = tmp_path / "DEMO01.xlsm"
    assert command.run(parser.parse_args(["--months", "2", "--out", str(path), *extra])) == 0
    store, taken = _read(path, monkeypatch)
    assert len(store.tables["work_orders"]) > 0 and len(store.tables["wo_lines"]) > 0
    read = [key for key in SHEETS if key in store.sheet_names and key != "settings"]
    assert store.problems == [] and sorted(taken) == sorted(read)


# Cells of every kind a clerk leaves in a column, including the ones fastexcel reads as blanks
# ("n/a", "#N/A") and the ones python-calamine gives as times of day (date serials below 1).
_CELLS = st.one_of(
    st.none(), st.sampled_from(["", " ", "n/a", "#N/A", "NA", "-", " W1 ", "在修", "settled", "Labor", "TRUE", "是",
                                "2026-03-04", "12,500", "50%", "1e3"]),
    st.booleans(), st.floats(-1e6, 1e6, allow_nan=False).map(lambda f: round(f, 2)),
    st.integers(-3, 3).map(float),
    st.datetimes(min_value=dt.datetime(1899, 12, 30), max_value=dt.datetime(2300, 1, 1)).map(
        lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2030, 1, 1)),
)
_HEADERS = ["WO no.", "Line", "Line type", "Unit price", "Discount", "Added item", "Cause", "Remark", None]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(columns=st.lists(st.tuples(st.sampled_from(_HEADERS), st.sampled_from(["one kind", "one kind", "mixed"]),
                                  st.lists(_CELLS, min_size=1, max_size=6)), min_size=1, max_size=6),
       closed=st.lists(st.one_of(st.none(), st.datetimes(min_value=dt.datetime(2000, 1, 1),
                                                         max_value=dt.datetime(2100, 1, 1))), max_size=4))
def test_any_cells_read_the_same_in_bulk_as_from_the_grid(
        tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
        columns: list[tuple[str | None, str, list[Any]]], closed: list[dt.datetime | None]) -> None:
    """Whatever the cells, the bulk path gives the grid path's tables, problems and rows (it
    either reads the sheet exactly or declines it): a column of one kind repeats its first
    cell's kind, a mixed one takes its cells as drawn."""
    rows = 1 + max(len(cells) for _, _, cells in columns)
    sheet: list[list[Any]] = [[h for h, _, _ in columns]] + [[None] * len(columns) for _ in range(rows - 1)]
    formats: dict[str, str] = {}
    for j, (_, shape, cells) in enumerate(columns):
        kind = type(cells[0])
        for i, v in enumerate(cells):
            if shape == "one kind" and v is not None and type(v) is not kind:
                v = None
            sheet[1 + i][j] = v
            if isinstance(v, (dt.date, dt.datetime)):
                formats[f"{openpyxl.utils.get_column_letter(j + 1)}{2 + i}"] = "yyyy-mm-dd hh:mm:ss"
    periods = [["Period", "Closed at"]] + [[f"2026-{m:02d}", d] for m, d in enumerate(closed, start=1)]
    path = _save(tmp_path_factory.mktemp("cells"), {"wo_lines": sheet, "periods": periods},
                 formats={"wo_lines": formats,
                          "periods": {f"B{2 + i}": "yyyy-mm-dd hh:mm:ss" for i in range(len(closed))}})
    _read(path, monkeypatch)


@pytest.mark.parametrize("failure", ["error", "panic"])
def test_whatever_fastexcel_raises_the_sheet_is_read_from_the_grid(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: str) -> None:
    """fastexcel failing on a sheet (an error it raises, or a panic of its Rust code, which is not
    an Exception) is no refusal: python-calamine reads the sheet, and decides about damage."""
    import fastexcel

    class PanicException(BaseException):
        pass

    def broken(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("broken sheet") if failure == "error" else PanicException("called unwrap on None")

    path = _save(tmp_path, {"wo_lines": [["wo_no", "line_no", "unit_price"], ["W1", 1, 35.5], ["W1", 2, 40.0]]})
    monkeypatch.setattr(type(fastexcel.read_excel(str(path))), "load_sheet", broken)
    store, taken = _read(path, monkeypatch)
    assert taken == []
    assert store.tables["wo_lines"]["unit_price"].tolist() == [35.5, 40.0]

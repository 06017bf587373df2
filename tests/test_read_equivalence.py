"""Done-when of issue 2: a plain workbook whose sheets and headers are the bare canonical keys (no
Excel Tables), a built zh-CN workbook, a built en-US workbook and the committed Service.xlsm
holding the same records all read to the same records, with either engine."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from addin.io.reader import read_store
from addin.models import SHEETS, ColumnSpec
from addin.store import Store
from addin.tables import table_records

SERVICE_XLSM = Path(__file__).resolve().parent.parent / "Service.xlsm"
SHEETS_UNDER_TEST = ("roster", "work_orders", "wo_lines", "parts_ledger", "claims")
ENGINES = ("calamine", "openpyxl")

# Text as staff type it: letters, digits and Chinese, never starting with "=" (a formula) and
# without surrounding spaces (the reader trims them).
_TEXT = st.text(alphabet="ABCXYZabcxyz0123456789-_/维修工单客户京沪", min_size=1, max_size=8)


def _value(col: ColumnSpec) -> st.SearchStrategy[Any]:
    kind = col.kind
    if kind == "enum":
        assert col.enum is not None
        base: st.SearchStrategy[Any] = st.sampled_from(sorted(col.enum.labels()))
    elif kind == "date":
        base = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31))
    elif kind == "bool":
        base = st.booleans()
    elif kind == "money":
        base = st.integers(0, 10**8).map(lambda cents: cents / 100)
    elif kind == "percent":
        base = st.integers(0, 99).map(lambda p: p / 100)
    elif kind == "int":
        base = st.integers(0, 500_000).map(float)
    elif kind == "number":
        base = st.floats(0, 10_000, allow_nan=False).map(lambda f: round(f, 3))
    else:
        base = _TEXT
    return base if col.required else st.one_of(st.none(), base)


def _record(sheet: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({c.key: _value(c) for c in SHEETS[sheet].columns})


STORES = st.fixed_dictionaries({s: st.lists(_record(s), min_size=0, max_size=4) for s in SHEETS_UNDER_TEST})


def _plain(records: dict[str, list[dict[str, Any]]], path: Path) -> Path:
    """Sheets named by their keys, a header row of keys, values as Python gives them; no Tables."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet, rows in records.items():
        ws = wb.create_sheet(sheet)
        keys = [c.key for c in SHEETS[sheet].columns]
        ws.append(keys)
        for rec in rows:
            ws.append([rec[k] for k in keys])
    wb.save(path)
    return path


def _built(records: dict[str, list[dict[str, Any]]], path: Path, locale: str) -> Path:
    from addin.io.builder import build_workbook
    from addin.io.writer import replace_rows

    wb = build_workbook(locale)
    for sheet, rows in records.items():
        replace_rows(wb, sheet, rows, locale)
    wb.save(path)
    return path


def _service_xlsm(records: dict[str, list[dict[str, Any]]], path: Path) -> Path:
    from addin.io.writer import replace_rows, update_workbook

    def fill(wb: Any) -> None:
        for sheet, rows in records.items():
            replace_rows(wb, sheet, rows, "en-US")

    update_workbook(SERVICE_XLSM, fill, out=path, backup=False)
    return path


def _writers() -> list[str]:
    """Bare-key sheets without Tables, the zh-CN and en-US builds, and the committed workbook."""
    return ["plain", "zh-CN", "en-US", "Service.xlsm"]


def _model_records(store: Store, sheet: str) -> list[dict[str, Any]]:
    keys = [c.key for c in SHEETS[sheet].columns]
    return [{k: r[k] for k in keys} for r in table_records(store.tables[sheet])]


@pytest.mark.parametrize("writer", _writers())
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=STORES)
def test_every_writer_and_engine_reads_the_same_records(
    tmp_path: Path, writer: str, records: dict[str, list[dict[str, Any]]]
) -> None:
    expected = Store.from_records(records)
    path = tmp_path / (writer if writer.endswith(".xlsm") else f"{writer}.xlsx")
    if writer == "plain":
        _plain(records, path)
    elif writer == "Service.xlsm":
        _service_xlsm(records, path)
    else:
        _built(records, path, writer)
    for engine in ENGINES:
        store = read_store(path, engine=engine)
        assert store.problems == []
        for sheet in SHEETS_UNDER_TEST:
            assert _model_records(store, sheet) == _model_records(expected, sheet), (writer, engine, sheet)
            assert store.tables[sheet]["_row"].tolist() == list(range(2, 2 + len(records[sheet])))

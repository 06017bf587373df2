"""Import from DMS exports and CSV files, and upgrading workbooks (issue 16), on the demo store."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from addin import demo
from addin.cli import main
from addin.importer import Mapping, Source, coerce_date, convert_source, parse_csv, plan_import
from addin.io.builder import build_workbook
from addin.io.reader import read_store
from addin.io.writer import replace_rows
from addin.periods import encode_notes, period_fingerprint
from addin.store import Store
from addin.tables import table_records
from addin.xl import entry
from addin.xl.fake import FakeBook

PERIOD = "2026-10"
CLOSED = "2026-09"
VIN = "LSVAA4182E2123456"
DMS_HEADER = ["维修单号", "进厂日期", "结算日期", "状态", "车架号", "车牌", "里程", "服务顾问", "维修类型"]


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small demo store of two months, with September closed (its fingerprint in periods)."""
    records = demo.generate("small", months=2, seed=7, end=PERIOD)
    fp = period_fingerprint(Store.from_records(records), CLOSED)
    records["periods"] = [{"period": CLOSED, "status": "closed", "closed_at": dt.datetime(2026, 10, 2, 9),
                           "closed_by": "S001", "data_hash": fp.data_hash, "notes": encode_notes(fp)}]
    path = tmp_path_factory.mktemp("demo") / "Service.xlsx"
    wb = build_workbook("en-US")
    for key, rows in records.items():
        replace_rows(wb, key, rows, "en-US")
    wb.save(path)
    return path


@pytest.fixture()
def book(demo_file: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy(demo_file, tmp_path / "Service.xlsx"))


def _csv(path: Path, rows: list[list[Any]], encoding: str, delimiter: str = ",") -> Path:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter).writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def _jobs(wo: str = "RO99000001", open_date: str = "2026/10/5", mileage: str = "12000") -> list[list[Any]]:
    return [DMS_HEADER,
            [wo, open_date, "", "接车", VIN, "粤A12345", mileage, "S003", "保养"],
            ["RO99000002", "2026年10月6日", "", "在修", VIN, "粤A12345", "12,500", "S003", "一般维修"],
            ["RO99000003", "20261007", "", "open", VIN, "粤A12345", "12600", "S003", "general_repair"]]


def _import(source: Path, book: Path, *extra: str, sheet: str = "work_orders") -> int:
    return main(["import", str(source), "--into", str(book), "--sheet", sheet, "--user", "S001", *extra])


def _wo(book: Path) -> dict[str, dict[str, Any]]:
    return {r["wo_no"]: r for r in table_records(read_store(book).table("work_orders"))}


@pytest.mark.parametrize("encoding,delimiter", [("gbk", ","), ("utf-8-sig", ";"), ("gb18030", "\t")])
def test_dms_csv_of_jobs_imports_into_the_demo_store(book: Path, tmp_path: Path, encoding: str,
                                                     delimiter: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = _wo(book)
    src = _csv(tmp_path / "jobs.csv", _jobs(), encoding, delimiter)
    assert _import(src, book) == 0
    after = _wo(book)
    assert len(after) == len(before) + 3
    assert after["RO99000001"]["open_date"] == dt.date(2026, 10, 5)
    assert after["RO99000002"]["open_date"] == dt.date(2026, 10, 6)
    assert after["RO99000003"]["open_date"] == dt.date(2026, 10, 7)
    assert after["RO99000001"]["repair_type"] == "maintenance" and after["RO99000001"]["status"] == "open"
    assert after["RO99000002"]["mileage"] == 12500.0 and after["RO99000002"]["advisor_id"] == "S003"
    assert "3 new, 0 changed, 0 unchanged, 0 refused, 0 not imported" in capsys.readouterr().out
    audit = table_records(read_store(book).table("audit_log"))
    assert audit[-1]["action"] == "import" and audit[-1]["user"].startswith("S001 ")


def test_importing_the_same_file_twice_changes_nothing_the_second_time(book: Path, tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    src = _csv(tmp_path / "jobs.csv", _jobs(), "gbk")
    assert _import(src, book) == 0
    data = book.read_bytes()
    capsys.readouterr()
    assert _import(src, book) == 0
    assert "0 new, 0 changed, 3 unchanged" in capsys.readouterr().out
    assert book.read_bytes() == data


def test_a_changed_row_replaces_the_record(book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _import(_csv(tmp_path / "a.csv", _jobs(), "gbk"), book) == 0
    count = len(_wo(book))
    capsys.readouterr()
    assert _import(_csv(tmp_path / "b.csv", _jobs(mileage="13000"), "gbk"), book) == 0
    out = capsys.readouterr().out
    assert "0 new, 1 changed, 2 unchanged" in out
    assert "RO99000001" in out and "Mileage 12000 → 13000" in out
    after = _wo(book)
    assert len(after) == count and after["RO99000001"]["mileage"] == 13000.0


def test_append_mode_refuses_a_changed_row(book: Path, tmp_path: Path) -> None:
    assert _import(_csv(tmp_path / "a.csv", _jobs(), "gbk"), book) == 0
    data = book.read_bytes()
    assert _import(_csv(tmp_path / "b.csv", _jobs(mileage="13000"), "gbk"), book, "--mode", "append") == 1
    assert book.read_bytes() == data


def test_a_row_of_a_closed_period_is_refused_and_nothing_of_the_file_is_written(
        book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settled = next(r for r in _wo(book).values()
                   if r["status"] == "settled" and r["close_date"] and r["close_date"].strftime("%Y-%m") == CLOSED)
    rows = _jobs()
    rows.append([settled["wo_no"], settled["open_date"].strftime("%Y/%m/%d"), settled["close_date"].isoformat(),
                 "已结算", settled["vin"], settled["plate"] or "", str(int(settled["mileage"]) + 1),
                 settled["advisor_id"], settled["repair_type"]])
    data = book.read_bytes()
    assert _import(_csv(tmp_path / "c.csv", rows, "gbk"), book, "--mode", "upsert") == 1
    captured = capsys.readouterr()
    assert f"row 5: {settled['wo_no']} is a record of the closed period {CLOSED}; import refused" in captured.out
    assert "nothing of c.csv was written" in captured.err
    assert book.read_bytes() == data
    # The same record unchanged is no change to the closed period: the rest imports.
    rows[-1][6] = str(int(settled["mileage"]))
    assert _import(_csv(tmp_path / "d.csv", rows, "gbk"), book) == 0
    assert "RO99000003" in _wo(book)


def test_a_dry_run_writes_nothing(book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = book.read_bytes()
    assert _import(_csv(tmp_path / "a.csv", _jobs(), "gbk"), book, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "3 new, 0 changed, 0 unchanged, 0 refused, 0 not imported" in out
    assert "Dry run: nothing was written." in out
    assert book.read_bytes() == data and not book.with_name(book.name + ".bak").exists()


def test_a_bad_date_in_one_row_imports_the_others_and_names_that_row(
        book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = _jobs()
    rows[2][1] = "2026/13/45"
    assert _import(_csv(tmp_path / "bad.csv", rows, "gbk"), book) == 1
    captured = capsys.readouterr()
    assert "bad.csv row 3, column '进厂日期': '2026/13/45' is not a date; the row was not imported." in captured.out
    assert "1 row(s) of bad.csv were not imported" in captured.err
    after = _wo(book)
    assert "RO99000001" in after and "RO99000003" in after and "RO99000002" not in after


def test_unknown_columns_are_listed_and_kept_only_with_keep_extra(book: Path, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    rows = [r + [v] for r, v in zip(_jobs(), ["DMS内部码", "A1", "A2", "A3"])]
    src = _csv(tmp_path / "x.csv", rows, "utf-8")
    assert _import(src, book, "--dry-run") == 0
    assert "Unknown columns (1), not imported (--keep-extra keeps them): DMS内部码." in capsys.readouterr().out
    assert _import(src, book, "--keep-extra") == 0
    table = read_store(book).table("work_orders")
    assert table.loc[table["wo_no"] == "RO99000002", "DMS内部码"].tolist() == ["A2"]


def test_a_mapping_file_maps_columns_values_and_a_date_format(book: Path, tmp_path: Path) -> None:
    rows = [["单号", "接车日", "结算日期", "状态", "车架号", "里程", "接待", "类别"],
            ["RO99000009", "05.10.2026", "", "接车", VIN, "100", "S003", "常规保养"]]
    src = _csv(tmp_path / "m.csv", rows, "gbk")
    mapping = tmp_path / "m.toml"
    mapping.write_text('date_format = "%d.%m.%Y"\n[columns]\n"单号" = "wo_no"\n"接车日" = "open_date"\n'
                       '"接待" = "advisor_id"\n"类别" = "repair_type"\n[values.repair_type]\n"常规保养" = "maintenance"\n',
                       encoding="utf-8")
    assert _import(src, book, "--map", str(mapping)) == 0
    wo = _wo(book)["RO99000009"]
    assert wo["open_date"] == dt.date(2026, 10, 5) and wo["repair_type"] == "maintenance"


def test_an_xlsx_export_with_a_title_row_imports(book: Path, tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "维修工单导出"
    ws.append(["XX 4S店 维修工单导出 2026-10"])
    for r in _jobs():
        ws.append(r)
    ws["B3"] = 46300  # an Excel serial date: 2026-10-05
    wb.save(tmp_path / "dms.xlsx")
    assert _import(tmp_path / "dms.xlsx", book) == 0
    assert _wo(book)["RO99000001"]["open_date"] == dt.date(2026, 10, 5)


def test_date_forms() -> None:
    assert coerce_date("2026年10月5日") == dt.datetime(2026, 10, 5)
    assert coerce_date("20261005") == dt.datetime(2026, 10, 5)
    assert coerce_date(20261005.0) == dt.datetime(2026, 10, 5)
    assert coerce_date("2026/10/5") == "2026/10/5"  # the reader's own form, left to it
    assert coerce_date("05/10/2026", "%d/%m/%Y") == dt.datetime(2026, 10, 5)


def test_upgrade_moves_every_table_settings_and_extra_columns(book: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    old = tmp_path / "old.xlsx"
    wb = load_workbook(book)
    ws = wb["Vehicles"]
    ws.cell(1, ws.max_column + 1, "Colour")
    ws.cell(2, ws.max_column, "white")
    wb.save(old)
    before = read_store(old)
    new = tmp_path / "new" / "Service.xlsm"
    assert main(["upgrade", str(old), "--out", str(new)]) == 0
    after = read_store(new)
    for key in ("work_orders", "wo_lines", "parts_ledger", "claims", "roster", "periods"):
        assert table_records(after.table(key)) == table_records(before.table(key)), key
    assert after.table("vehicles")["Colour"].tolist()[0] == "white"
    assert after.settings == before.settings
    assert main(["upgrade", str(old), "--out", str(new)]) == 2  # never overwrites


def test_the_ribbon_import_shows_the_dry_run_and_writes_on_yes(book: Path, tmp_path: Path) -> None:
    src = _csv(tmp_path / "jobs.csv", _jobs(), "gbk")
    fake = FakeBook.from_file(book, user="chennahui", inputs=[str(src), "维修工单"], answers=["no"])
    entry.import_data(fake)
    assert "3 new, 0 changed" in fake.app.alerts[0][0] and fake.app.alerts[0][2] == "yes_no"
    assert fake.app.alerts[-1][0] == "Cancelled; nothing was changed."
    live = FakeBook.from_file(book, user="chennahui", inputs=[str(src), "work_orders"], answers=["yes"])
    entry.import_data(live)
    assert live.app.alerts[-1][0].startswith("3 new and 0 changed record(s) written")
    from addin.xl.book import LiveBook

    store = LiveBook(live).read_store()
    wo = {r["wo_no"]: r for r in table_records(store.table("work_orders"))}
    assert wo["RO99000002"]["open_date"] == dt.date(2026, 10, 6)


# -- property: a store's sheets exported to CSV import back into an empty workbook as they were ------

def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return f"{v.year}/{v.month}/{v.day}"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _export(records: list[dict[str, Any]]) -> str:
    keys = list(records[0])
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(keys)
    w.writerows([[_cell(r[k]) for k in keys] for r in records])
    return buf.getvalue()


_DEMO = demo.generate("small", months=1, seed=3, end=PERIOD)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sheet=st.sampled_from(["work_orders", "wo_lines", "parts", "parts_ledger", "claims", "vehicles", "roster"]),
       start=st.integers(0, 200), count=st.integers(1, 40), encoding=st.sampled_from(["utf-8-sig", "gb18030"]))
def test_exported_sheets_import_into_an_empty_built_workbook_as_they_were(
        tmp_path_factory: pytest.TempPathFactory, sheet: str, start: int, count: int, encoding: str) -> None:
    original = table_records(Store.from_records({sheet: _DEMO[sheet]}).table(sheet))[start:start + count]
    if not original:
        return
    folder = tmp_path_factory.mktemp("prop")
    src = folder / "export.csv"
    src.write_bytes(_export(original).encode(encoding))
    target = folder / "Empty.xlsx"
    build_workbook("zh-CN").save(target)
    assert _import(src, target, sheet=sheet) == 0
    assert table_records(read_store(target).table(sheet)) == original


def test_parse_csv_keeps_quoted_delimiters() -> None:
    assert parse_csv('a;b\n"x;y";2\n') == [["a", "b"], ["x;y", "2"]]
    src = Source("s.csv", parse_csv("wo_no,open_date\nW1,2026-10-05\n"))
    inc = convert_source(src, "work_orders", Mapping())
    plan = plan_import(Store.from_records({}), inc, "work_orders", validate=False)
    assert len(plan.new) == 1 and plan.edit is not None

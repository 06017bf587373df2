"""Every ribbon entry point end to end against the fake of the xlwings calls (addin.xl.fake), on
the demo store: the demo workbook is built with the builder and the writer, loaded into the fake
with python-calamine, and each button is pressed as Excel would."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest

from addin import demo
from addin.close import stocktake_postings
from addin.io.builder import build_workbook
from addin.io.reader import read_store
from addin.io.writer import replace_rows
from addin.periods import closed_period_changes, is_closed
from addin.rules import validate_store
from addin.xl import entry
from addin.xl.book import LiveBook, records_to_rows
from addin.xl.fake import FakeBook

PERIOD = "2026-10"


def _workbook(records: dict[str, list[dict[str, Any]]], path: Path, locale: str = "en-US") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = build_workbook(locale)
    for key, rows in records.items():
        replace_rows(wb, key, rows, locale)
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    records = demo.generate("small", months=2, seed=7, end=PERIOD)
    return _workbook(records, tmp_path_factory.mktemp("demo") / "Service.xlsx")


@pytest.fixture(scope="module")
def manager(demo_file: Path) -> str:
    """The Excel user of the demo's service manager."""
    roster = read_store(demo_file).table("roster")
    return str(roster.loc[roster["role"] == "service_manager", "excel_user"].iloc[0])


@pytest.fixture
def manager_audit(demo_file: Path) -> str:
    """How the audit log and the periods sheet record the demo's service manager: staff ID and name."""
    roster = read_store(demo_file).table("roster")
    row = roster.loc[roster["role"] == "service_manager"].iloc[0]
    return f"{row['staff_id']} {row['name']}"


@pytest.fixture
def book(demo_file: Path, manager: str, tmp_path: Path):
    """A fresh fake of the demo workbook, in its own folder (reports go beside it); the manager
    is the Excel user unless told otherwise."""
    def make(**kwargs: Any) -> FakeBook:
        path = tmp_path / "book" / demo_file.name
        path.parent.mkdir(exist_ok=True)
        shutil.copy(demo_file, path)
        kwargs.setdefault("user", manager)
        return FakeBook.from_file(path, **kwargs)
    return make


@pytest.fixture
def no_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reports without LibreOffice: fast, and the message must say why there is no PDF."""
    from addin import libreoffice

    monkeypatch.setattr(libreoffice, "soffice", lambda: None)


def plant_bad_vin(fake: FakeBook) -> int:
    """The first work order opened in PERIOD names a VIN that is malformed and not in the
    vehicles sheet; returns its row."""
    sheet = fake.sheets["Work orders"]
    rows = sheet.rows()
    opened, vin = rows[0].index("Open date"), rows[0].index("VIN")
    row = next(i for i, r in enumerate(rows[1:], start=2) if r[opened].strftime("%Y-%m") == PERIOD)
    sheet.range((row, vin + 1)).value = "NOTAVIN"
    return row


def snapshot(fake: FakeBook) -> dict[str, dict[tuple[int, int], Any]]:
    return {sheet.name: dict(sheet.cells) for sheet in fake.sheets}


def last_alert(fake: FakeBook) -> tuple[str, str | None, str, str | None]:
    return fake.app.alerts[-1]


def test_validate_lists_every_finding_on_the_checks_sheet(book) -> None:
    fake = book()
    row = plant_bad_vin(fake)
    findings = validate_store(LiveBook(fake).read_store())
    assert {f.rule for f in findings if f.row == row and f.sheet == "work_orders"}
    entry.validate(fake)
    rows = fake.sheets["Checks"].rows()
    assert rows[0] == ["Sheet", "Row", "Column", "Severity", "Rule", "Message"]
    assert len(rows) == 1 + len(findings) and len(findings) > 0
    assert [(r[1], r[4], r[5]) for r in rows[1:]] == [(f.row, f.rule, f.message) for f in findings]
    assert {r[3] for r in rows[1:]} <= {"Error", "Warning"}
    table = fake.sheets["Checks"].tables[0]
    assert (table.range.last_row, table.range.last_column) == (1 + len(findings), 6)
    errors = sum(f.severity == "error" for f in findings)
    message, title, buttons, mode = last_alert(fake)
    assert message.startswith(f"{errors} error(s) and {len(findings) - errors} warning(s) in ")
    assert "The list is on the sheet “Checks”." in message
    assert (title, buttons, mode) == ("Service", "ok", "info")


def test_validate_clean_store_replaces_the_checks_sheet(book) -> None:
    """The demo store has no error; its only findings are the warnings it keeps on purpose
    (complaints open past complaint_resolve_days, public tools not back by their due date)."""
    fake = book()
    fake.sheets["Checks"].range((2, 1)).value = [["Work orders", 9, "Status", "Error", "OLD", "stale"]]
    entry.validate(fake)
    rows = fake.sheets["Checks"].rows()
    assert rows[0] == ["Sheet", "Row", "Column", "Severity", "Rule", "Message"]
    assert rows[1:] and {(r[3], r[4]) for r in rows[1:]} <= {("Warning", "CP-OVERDUE"), ("Warning", "TLN-OVERDUE")}
    assert last_alert(fake)[0].startswith(f"0 error(s) and {len(rows) - 1} warning(s) in ")


def test_close_applies_the_plan_to_the_live_book(book, manager_audit, no_pdf) -> None:
    fake = book()
    store = LiveBook(fake).read_store()
    postings = stocktake_postings(store, PERIOD)
    ledger_before = len(store.table("parts_ledger"))
    entry.close(fake)
    confirm, closed = fake.app.alerts
    assert confirm[2] == "yes_no" and confirm[0].startswith(f"Close {PERIOD}?")
    message = closed[0]
    assert closed[3] == "info", message
    assert message.startswith(f"{PERIOD} is closed.") and "The open period is now 2026-11." in message
    assert "(No PDFs: LibreOffice is not installed" in message
    assert fake.saved == 1
    after = LiveBook(fake).read_store()
    assert is_closed(after, PERIOD)
    assert closed_period_changes(after) == []  # the hash of what was written is the hash recorded
    assert after.settings.open_period == "2026-11"
    assert len(after.table("parts_ledger")) == ledger_before + len(postings)
    period = after.table("periods").iloc[-1]
    assert (period["period"], period["status"], period["closed_by"]) == (PERIOD, "closed", manager_audit)
    audit = after.table("audit_log").iloc[-1]
    assert (audit["user"], audit["action"], audit["period"]) == (manager_audit, "close", PERIOD)
    folder = Path(fake.fullname).parent
    reports = sorted(p.name for p in folder.rglob("*.xlsx") if p.name != "Service.xlsx")
    assert len(reports) == 7 + 2 + 1 and all(name.startswith(f"DEMO01_{PERIOD}_") for name in reports)


def test_close_of_a_book_without_the_fingerprints_sheet_adds_it_very_hidden(book, no_pdf) -> None:
    fake = book()
    assert fake.sheets["Fingerprints"].api.Visible == 2 and fake.sheets["lists"].api.Visible == 2
    fake.sheets._sheets.remove(fake.sheets["Fingerprints"])  # a workbook built before issue 13
    entry.close(fake)
    assert fake.app.alerts[-1][3] == "info", fake.app.alerts[-1][0]
    added = fake.sheets["Fingerprints"]
    assert added.api.Visible == 2  # xlSheetVeryHidden, as the builder lays it out
    assert added.rows()[0] == ["Period", "Part", "Data hash", "Fingerprint"] and added.rows()[1][0] == PERIOD
    assert fake.sheets["Checks"].api.Visible == -1


def test_close_refused_for_a_user_who_is_not_a_service_manager(book) -> None:
    fake = book(user="xuwei")  # a technician of the demo roster
    before = snapshot(fake)
    entry.close(fake)
    message, _, _, mode = last_alert(fake)
    assert mode == "critical" and len(fake.app.alerts) == 1
    assert message == ("Xu Wei (S021, Technician) may not close a period: only a service manager may; nothing was "
                       "written. Who may: Chen Nahui (S001, chennahui).")
    assert snapshot(fake) == before and fake.saved == 0


def test_close_refused_while_the_period_has_errors(book) -> None:
    fake = book()
    plant_bad_vin(fake)
    before = snapshot(fake)
    entry.close(fake)
    message, _, _, mode = last_alert(fake)
    assert mode == "critical" and message.startswith(f"Period {PERIOD} not closed: ")
    assert snapshot(fake) == before and fake.saved == 0


def test_close_cancelled_changes_nothing(book) -> None:
    fake = book(answers=["no"])
    before = snapshot(fake)
    entry.close(fake)
    assert last_alert(fake)[0] == "Cancelled; nothing was changed."
    assert snapshot(fake) == before


def test_reopen_after_close(book, manager_audit, no_pdf) -> None:
    fake = book(inputs=["Late invoice for RO26100001"])
    entry.close(fake)
    entry.reopen(fake)
    assert fake.app.prompts == [(f"Why is {PERIOD} being reopened? (written to the audit log)", "Service")]
    assert last_alert(fake)[0] == f"{PERIOD} is open again. The open period is now {PERIOD}. The workbook was saved."
    after = LiveBook(fake).read_store()
    assert not is_closed(after, PERIOD) and after.settings.open_period == PERIOD
    audit = after.table("audit_log").iloc[-1]
    assert (audit["action"], audit["user"]) == ("reopen", manager_audit)
    assert audit["details"].endswith("Late invoice for RO26100001")
    assert fake.saved == 2


def test_reopen_with_nothing_closed(book) -> None:
    fake = book()
    entry.reopen(fake)
    assert last_alert(fake)[0] == "No period has been closed yet, so there is nothing to reopen."


def test_post_stocktake_appends_the_variances_once(book) -> None:
    fake = book()
    store = LiveBook(fake).read_store()
    postings = stocktake_postings(store, PERIOD)
    assert postings
    first = len(store.table("parts_ledger")) + 2
    entry.post_stocktake(fake)
    gains = sum(p["txn_type"] == "stocktake_gain" for p in postings)
    assert last_alert(fake)[0] == (
        f"{len(postings)} stocktake movement(s) posted to the parts ledger for {PERIOD}: {gains} gain(s), "
        f"{len(postings) - gains} loss(es), rows {first}–{first + len(postings) - 1}.")
    ledger = fake.sheets["Parts ledger"].rows()
    assert ledger[first - 1][0] == postings[0]["txn_id"]
    assert ledger[first - 1][3] in ("Stocktake gain", "Stocktake loss")
    assert isinstance(ledger[first - 1][1], dt.datetime)
    entry.post_stocktake(fake)
    assert last_alert(fake)[0].startswith(f"Nothing to post for {PERIOD}")
    assert len(fake.sheets["Parts ledger"].rows()) == first + len(postings) - 1


def test_report_goes_beside_the_workbook(book, no_pdf) -> None:
    fake = book()
    entry.report("headcount", fake)
    folder = Path(fake.fullname).parent
    files = [p for p in folder.rglob("*.xlsx") if p.name != "Service.xlsx"]
    assert [p.name for p in files] == [f"DEMO01_{PERIOD}_headcount.xlsx"]
    message = last_alert(fake)[0]
    assert message.startswith(f"Headcount for {PERIOD}: 1 file(s) in\n{files[0].parent}")


def test_unknown_report_is_a_message(book) -> None:
    fake = book()
    entry.report("weekly", fake)
    message, _, _, mode = last_alert(fake)
    assert mode == "critical" and message.startswith("Unknown report 'weekly'")


def test_refresh_dashboard(book) -> None:
    fake = book()
    entry.refresh_dashboard(fake)
    message = last_alert(fake)[0]
    assert message.startswith(f"Dashboard refreshed for {PERIOD}: ")
    assert any(v is not None for row in fake.sheets["Dashboard"].rows()[1:] for v in row)


def test_settings_and_help(book) -> None:
    fake = book()
    entry.settings(fake)
    assert fake.active == "Settings" and fake.app.alerts == []
    entry.help(fake)
    assert last_alert(fake)[0].startswith("The Service tab\n\nValidate: ")


def test_help_in_the_workbook_language(tmp_path: Path) -> None:
    path = _workbook({"settings": [{"key": "locale", "value": "zh-CN"}]}, tmp_path / "zh.xlsx", "zh-CN")
    fake = FakeBook.from_file(path)
    entry.help(fake)
    message, title, _, _ = last_alert(fake)
    assert message.startswith("售后 选项卡\n\n校验数据：") and title == "售后服务"
    entry.refresh_dashboard(fake)
    assert last_alert(fake)[0].startswith("设置中没有当前会计期间（open_period，年-月）")


def test_an_internal_error_is_a_message_not_a_traceback(book, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import addin.rules

    def broken(store: Any, period: Any = None) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(addin.rules, "validate_store", broken)
    monkeypatch.setattr(entry, "LOG_FILE", tmp_path / "service-addin.log")
    fake = book()
    entry.validate(fake)
    message, _, _, mode = last_alert(fake)
    assert mode == "critical"
    assert message.startswith("Something went wrong inside the add-in (RuntimeError: boom).")
    assert str(tmp_path / "service-addin.log") in message
    assert "Traceback" in (tmp_path / "service-addin.log").read_text(encoding="utf-8")


def test_records_become_cells_in_the_header_order() -> None:
    from addin.models import SHEETS

    spec = SHEETS["parts_ledger"]
    # Headers as a workbook may hold them: an English label, a key, a Chinese label, an extra column.
    header = [spec.column("txn_id").label_en, "txn_date", spec.column("part_no").label_zh,
              spec.column("txn_type").label_en, "QTY ", "Something extra", None]
    rows = records_to_rows("parts_ledger", header,
                           [{"txn_id": "T1", "txn_date": dt.date(2026, 10, 31), "part_no": "P1",
                             "txn_type": "stocktake_loss", "qty": 2.0, "Something extra": "kept",
                             "notes": "not in this header"}], "zh-CN")
    assert rows == [["T1", dt.datetime(2026, 10, 31), "P1", "盘亏", 2.0, "kept", None]]

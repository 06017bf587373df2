"""Month-end close: the pure plan, stocktake posting, the one safe write, failure at every step,
idempotency, dry run and reopen. The store is test_periods.sample_records (closing 2026-10)."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from test_periods import D, closed, sample_records, sample_store

from addin.close import close_period, reopen_period, stocktake_postings
from addin.errors import CloseError
from addin.findings import Finding
from addin.models import SETTING_DEFAULTS
from addin.month_end import close_workbook, reopen_workbook
from addin.periods import closed_period_changes

NOW = dt.datetime(2026, 11, 2, 9, 30)


def write_workbook(path: Path, records: dict[str, Any], locale: str = "en-US") -> Path:
    """A built workbook (the builder's layout) holding ``records``."""
    from addin.io.builder import build_workbook
    from addin.io.writer import replace_rows

    recs = copy.deepcopy(records)
    settings = {**SETTING_DEFAULTS, **{k: str(v) for k, v in recs.pop("settings").items()}}
    wb = build_workbook(locale)
    replace_rows(wb, "settings", [{"key": k, "value": v} for k, v in settings.items()], locale)
    for sheet, rows in recs.items():
        replace_rows(wb, sheet, rows, locale)
    wb.save(path)
    return path


@pytest.fixture()
def book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    import addin.month_end

    # The command line closes "now": early November 2026, whatever the machine's clock says.
    monkeypatch.setattr(addin.month_end, "clock_now", lambda: NOW)
    return write_workbook(tmp_path / "Service.xlsx", sample_records())


# -- the pure plan ---------------------------------------------------------------------------------

def test_stocktake_postings_exact() -> None:
    # Book on 2026-10-31: P1 30 − 1 − 1 − 2 = 26 counted 24; P2 10 − 2 = 8 counted 8; P3 5 counted 6.
    postings = stocktake_postings(sample_store(), "2026-10")
    assert [(p["txn_id"], p["txn_type"], p["qty"], p["txn_date"]) for p in postings] == [
        ("ST-20261031-P1", "stocktake_loss", 2.0, D(2026, 10, 31)),
        ("ST-20261031-P3", "stocktake_gain", 1.0, D(2026, 10, 31)),
    ]
    assert postings[0]["notes"] == "Stocktake 2026-10-31: counted 24, book 26"


def test_a_count_already_posted_is_not_posted_twice() -> None:
    recs = sample_records()
    recs["parts_ledger"].append({"txn_id": "ST-20261031-P1", "txn_date": D(2026, 10, 31), "part_no": "P1",
                                 "txn_type": "stocktake_loss", "qty": 2})
    assert [p["txn_id"] for p in stocktake_postings(sample_store(records=recs), "2026-10")] == ["ST-20261031-P3"]


def test_plan_rows() -> None:
    plan = close_period(sample_store(), "2026-10", "M01", NOW)
    assert not plan.already_closed
    assert plan.settings_updates == {"open_period": "2026-11"}
    row = plan.period_row
    assert (row["period"], row["status"], row["closed_by"], row["closed_at"]) == ("2026-10", "closed", "M01 王经理", NOW.replace(second=0))
    # The notes are for people (issue 13); the fingerprint goes to the fingerprints sheet.
    # 22 records: W1-W4, 7 lines, I1, I2, CS1 and the two postings, three counts, C1, PAY1, B1.
    assert len(row["data_hash"]) == 64
    assert row["notes"] == "22 records closed; their fingerprint is on the hidden sheet Fingerprints."
    assert [(r["period"], r["part"], r["data_hash"]) for r in plan.fingerprints] == [("2026-10", 1, row["data_hash"])]
    assert plan.fingerprints[0]["fingerprint"].startswith("fp1:")
    assert plan.appends["parts_ledger"] == plan.postings and len(plan.postings) == 2
    assert plan.audit_row["action"] == "close" and plan.audit_row["period"] == "2026-10"
    # Revenue: W1 1.5×226 + 113, W2 2×180 + 2×200, W3 3×226×0.9 + 565 (the declined line not billed), ex-tax 13 %.
    revenue = (1.5 * 226 + 113 + 360 + 400 + 3 * 226 * 0.9 + 565) / 1.13
    assert plan.result.to_json()["revenue"] == pytest.approx(revenue, abs=1e-9)
    assert "revenue 2,112.57" in plan.audit_row["details"]
    # The posted loss and gain are part of the store the KPIs read.
    ledger = plan.store.table("parts_ledger")
    assert list(ledger["txn_id"].tail(2)) == ["ST-20261031-P1", "ST-20261031-P3"]
    assert list(ledger["_row"].tail(2)) == [9, 10]


def test_errors_refuse_the_close_with_the_list(monkeypatch: pytest.MonkeyPatch) -> None:
    import addin.rules

    errors = [Finding("WO-SETTLED", "error", "work_orders", r, "status", "settled", f"row {r}: no lines")
              for r in range(2, 15)]
    monkeypatch.setattr(addin.rules, "validate_store", lambda store, period=None: errors)
    with pytest.raises(CloseError) as err:
        close_period(sample_store(), "2026-10", "M01", NOW)
    text = err.value.message("en-US")
    assert "13 error(s)" in text and "WO-SETTLED ×13" in text
    assert "row 11: no lines" in text and "row 12: no lines" not in text and "... and 3 more" in text


def test_an_already_closed_period_plans_nothing() -> None:
    plan = close_period(sample_store(records=closed(sample_records())), "2026-10", "M01", NOW)
    assert plan.already_closed and not plan.appends and not plan.period_row
    assert plan.message == "Period 2026-10 is already closed (by M01 at 2026-11-02 09:00); nothing was changed."


def test_closing_an_earlier_reopened_period_keeps_open_period() -> None:
    recs = sample_records()
    recs["settings"]["open_period"] = "2026-11"
    assert close_period(sample_store(records=recs), "2026-10", "M01", NOW).settings_updates == {}


# -- the workbook ----------------------------------------------------------------------------------

@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_close_writes_everything_and_locks_the_period(book: Path, tmp_path: Path, engine: str) -> None:
    from addin.io.reader import read_store

    outcome = close_workbook(book, user="M01", out_dir=tmp_path / "reports", now=NOW, pdf=False)
    assert outcome.written and outcome.plan.period == "2026-10"
    assert [p.name for p in outcome.reports][:2] == ["S01_2026-10_monthly.xlsx", "S01_2026-10_technicians.xlsx"]
    store = read_store(book, engine=engine)
    assert store.settings.open_period == "2026-11"
    periods = store.table("periods")
    assert list(periods["status"]) == ["closed"] and periods["data_hash"].iloc[0] == outcome.plan.data_hash
    ledger = store.table("parts_ledger")
    posted = ledger[ledger["txn_id"].str.startswith("ST-")]
    assert list(zip(posted["txn_id"], posted["txn_type"], posted["qty"])) == [
        ("ST-20261031-P1", "stocktake_loss", 2.0), ("ST-20261031-P3", "stocktake_gain", 1.0)]
    audit = store.table("audit_log")
    assert list(zip(audit["user"], audit["action"], audit["period"])) == [("M01 王经理", "close", "2026-10")]
    # What was written fingerprints the same when read back, by either engine.
    assert closed_period_changes(store) == []


def test_closing_twice_changes_nothing(book: Path, tmp_path: Path) -> None:
    close_workbook(book, "2026-10", user="M01", out_dir=tmp_path / "r", now=NOW, pdf=False)
    before = book.read_bytes()
    again = close_workbook(book, "2026-10", user="M01", out_dir=tmp_path / "r2", now=NOW, pdf=False)
    assert again.plan.already_closed and not again.written and not again.reports
    assert book.read_bytes() == before


def test_a_change_after_the_close_is_found(book: Path, tmp_path: Path) -> None:
    from addin.io.reader import read_store
    from addin.io.writer import find_sheet, update_workbook

    close_workbook(book, user="M01", out_dir=tmp_path / "r", now=NOW, pdf=False)

    def edit(wb: Any) -> None:
        ws = find_sheet(wb, "wo_lines")
        qty = [c.column for c in ws[1] if c.value == "Qty / hours"][0]
        ws.cell(8, qty).value = 4  # W3 line 1

    update_workbook(book, edit)
    changes = closed_period_changes(read_store(book))
    assert [(c.sheet, c.row, c.key, c.kind) for c in changes] == [("wo_lines", 8, "W3|1", "changed")]


def _fail(*_args: Any, **_kwargs: Any) -> Any:
    raise RuntimeError("planted failure")


@pytest.mark.parametrize("target", [
    "addin.rules.validate_store", "addin.close.stocktake_postings", "addin.stock.valuate",
    "addin.kpis.compute_kpis", "addin.periods.period_fingerprint", "addin.reports.build_reports",
    "addin.io.package._copy_raw", "addin.io.package.replace_file",
])
def test_a_failure_at_any_step_leaves_the_workbook_as_it_was(book: Path, tmp_path: Path, target: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import addin.close

    before = book.read_bytes()
    module, _, name = target.rpartition(".")
    if target == "addin.periods.period_fingerprint":
        monkeypatch.setattr(addin.close, "period_fingerprint", _fail)
    else:
        monkeypatch.setattr(target, _fail)
    with pytest.raises(RuntimeError, match="planted failure"):
        close_workbook(book, user="M01", out_dir=tmp_path / "r", now=NOW, pdf=False)
    assert book.read_bytes() == before
    assert sorted(p.name for p in book.parent.iterdir() if p.is_file()) == ["Service.xlsx"]


def test_dry_run_writes_nothing(book: Path) -> None:
    before = book.read_bytes()
    outcome = close_workbook(book, user="M01", dry_run=True, now=NOW)
    assert not outcome.written and outcome.dry_run and book.read_bytes() == before
    assert outcome.report_dir is not None and outcome.report_dir != book.parent / "Service_reports" / "2026-10"
    assert all(p.suffix == ".xlsx" for p in outcome.reports) and len(outcome.reports) == 7 + 2 + 1  # issue 12: appraisal, tools; registers


# -- reopen ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("user", ["M01", "王经理", "WANG.M "])
def test_a_service_manager_reopens(user: str) -> None:
    recs = closed(sample_records())
    recs["settings"]["open_period"] = "2026-11"
    plan = reopen_period(sample_store(records=recs), "2026-10", user, "late supplier invoice", NOW)
    assert [(p["period"], p["status"]) for p in plan.periods] == [("2026-10", "open")]
    assert plan.audit_row["action"] == "reopen" and plan.audit_row["details"] == "Reopened: late supplier invoice"
    assert plan.settings_updates == {"open_period": "2026-10"}


@pytest.mark.parametrize("user", ["A01", "李顾问", "nobody"])
def test_others_may_not_reopen(user: str) -> None:
    with pytest.raises(CloseError, match="may not reopen|is not on the roster"):
        reopen_period(sample_store(records=closed(sample_records())), "2026-10", user, "because", NOW)


def test_a_manager_who_left_may_not_reopen() -> None:
    recs = closed(sample_records())
    recs["roster"][0]["leave_date"] = D(2026, 10, 31)
    with pytest.raises(CloseError, match="is not employed on 2026-11-02"):
        reopen_period(sample_store(records=recs), "2026-10", "M01", "because", NOW)


def test_reopen_refuses_an_open_period_and_an_earlier_one() -> None:
    with pytest.raises(CloseError, match="is not closed"):
        reopen_period(sample_store(), "2026-10", "M01", "because", NOW)
    recs = closed(sample_records())
    recs["periods"].append({**recs["periods"][0], "period": "2026-11"})
    with pytest.raises(CloseError, match="reopen 2026-11 first"):
        reopen_period(sample_store(records=recs), "2026-10", "M01", "because", NOW)


def test_reopen_then_close_again_in_the_workbook(book: Path, tmp_path: Path) -> None:
    from addin.io.reader import read_store

    close_workbook(book, user="M01", out_dir=tmp_path / "r", now=NOW, pdf=False)
    reopen_workbook(book, "2026-10", user="wang.m", reason="late invoice", now=NOW)
    store = read_store(book)
    assert list(store.table("periods")["status"]) == ["open"]
    assert store.settings.open_period == "2026-10"
    assert list(store.table("audit_log")["action"]) == ["close", "reopen"]
    again = close_workbook(book, user="M01", out_dir=tmp_path / "r", now=NOW, pdf=False)
    assert not again.plan.postings  # the counts were posted by the first close
    store = read_store(book)
    assert list(store.table("periods")["status"]) == ["closed"] and len(store.table("periods")) == 1
    assert closed_period_changes(store) == []


# -- where the fingerprint is kept (issue 13) --------------------------------------------------------

@pytest.mark.parametrize("engine", ["package", "openpyxl"])
def test_the_fingerprint_goes_to_a_very_hidden_sheet(book: Path, tmp_path: Path, engine: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from openpyxl import load_workbook

    import addin.io.edit
    from addin.io.reader import read_store

    real = addin.io.edit.apply_edit
    used: list[str] = []

    def forced(*args: Any, **kwargs: Any) -> Any:
        done = real(*args, **{**kwargs, "engine": engine})
        used.append(done.engine)
        return done

    monkeypatch.setattr(addin.io.edit, "apply_edit", forced)
    outcome = close_workbook(book, user="M01", out_dir=tmp_path / "r", now=NOW, pdf=False)
    assert used == [engine]
    wb = load_workbook(book)
    ws = wb["Fingerprints"]
    assert ws.sheet_state == "veryHidden"
    assert [c.value for c in ws[1]] == ["Period", "Part", "Data hash", "Fingerprint"]
    assert ws["A2"].value == "2026-10" and ws["B2"].value == 1 and ws["C2"].value == outcome.plan.data_hash
    assert ws["D2"].value.startswith("fp1:") and ws["A3"].value is None
    assert wb["Periods"]["F2"].value == "22 records closed; their fingerprint is on the hidden sheet Fingerprints."
    store = read_store(book)
    assert closed_period_changes(store) == []
    # A change after the close is found through the sheet's fingerprint, by record.
    lines = store.table("wo_lines").copy()
    lines.loc[lines["_row"] == 8, "qty"] = 4.0  # W3 line 1
    changed = dataclasses.replace(store, tables={**store.tables, "wo_lines": lines})
    assert [(c.sheet, c.row, c.key, c.kind) for c in closed_period_changes(changed)] == [("wo_lines", 8, "W3|1", "changed")]


def _old_workbook(path: Path) -> Path:
    """A workbook closed before issue 13: the fingerprint in the periods notes, no fingerprints
    sheet (as the builder laid workbooks out then)."""
    from openpyxl import load_workbook

    recs = closed(sample_records())  # notes: "fp1:..."
    recs["settings"]["open_period"] = "2026-11"
    write_workbook(path, recs)
    wb = load_workbook(path)
    del wb["Fingerprints"]
    wb.save(path)
    return path


def test_an_old_workbook_with_the_fingerprint_in_its_notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from openpyxl import load_workbook

    import addin.month_end
    from addin.io.reader import read_store
    from addin.io.writer import find_sheet, update_workbook
    from addin.rules import validate_store

    monkeypatch.setattr(addin.month_end, "clock_now", lambda: NOW)
    book = _old_workbook(tmp_path / "Old.xlsx")
    store = read_store(book)
    assert "fingerprints" in store.missing_sheets and store.table("periods")["notes"].iloc[0].startswith("fp1:")
    assert closed_period_changes(store) == []

    def edit(wb: Any) -> None:
        ws = find_sheet(wb, "wo_lines")
        qty = [c.column for c in ws[1] if c.value == "Qty / hours"][0]
        ws.cell(8, qty).value = 4  # W3 line 1

    update_workbook(book, edit)
    store = read_store(book)
    # PER-CLOSED names the record from the old notes.
    assert [(c.sheet, c.row, c.key) for c in closed_period_changes(store)] == [("wo_lines", 8, "W3|1")]
    assert [(f.rule, f.sheet, f.row) for f in validate_store(store) if f.rule == "PER-CLOSED"] == [("PER-CLOSED", "wo_lines", 8)]
    # Reopen works on it and the workbook gains the fingerprints sheet; closing again writes the
    # fingerprint there and readable notes.
    reopen_workbook(book, "2026-10", user="M01", reason="late invoice", now=NOW)
    assert load_workbook(book)["Fingerprints"].sheet_state == "veryHidden"
    again = close_workbook(book, user="M01", out_dir=tmp_path / "r", now=NOW, pdf=False)
    store = read_store(book)
    assert list(store.table("periods")["notes"]) == [
        "22 records closed; their fingerprint is on the hidden sheet Fingerprints."]
    assert list(store.table("fingerprints")["data_hash"]) == [again.plan.data_hash]
    assert closed_period_changes(store) == []


def test_the_next_close_moves_an_old_periods_fingerprint_out_of_its_notes(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import addin.month_end
    from addin.io.reader import read_store

    monkeypatch.setattr(addin.month_end, "clock_now", lambda: NOW)
    recs = closed(sample_records(), "2026-09")  # September closed the old way: W0 and its line
    old_notes = recs["periods"][0]["notes"]
    assert old_notes.startswith("fp1:")
    book = write_workbook(tmp_path / "Old.xlsx", recs)
    outcome = close_workbook(book, user="M01", out_dir=tmp_path / "r", now=NOW, pdf=False)
    store = read_store(book)
    periods = store.table("periods")
    assert list(zip(periods["period"], periods["status"], periods["notes"])) == [
        ("2026-09", "closed", "2 records closed; their fingerprint is on the hidden sheet Fingerprints."),
        ("2026-10", "closed", "22 records closed; their fingerprint is on the hidden sheet Fingerprints.")]
    t = store.table("fingerprints")
    assert list(zip(t["period"], t["part"], t["data_hash"])) == [
        ("2026-09", 1.0, recs["periods"][0]["data_hash"]), ("2026-10", 1.0, outcome.plan.data_hash)]
    assert t["fingerprint"].iloc[0] == old_notes  # moved as it was
    assert closed_period_changes(store) == []


def test_closing_again_after_a_reopen_replaces_the_periods_fingerprint(book: Path, tmp_path: Path) -> None:
    from addin.io.reader import read_store

    first = close_workbook(book, user="M01", out_dir=tmp_path / "r", now=NOW, pdf=False)
    reopen_workbook(book, "2026-10", user="M01", reason="late invoice", now=NOW)
    # The reopened period's rows stay until it is closed again (only closed periods are compared).
    assert list(read_store(book).table("fingerprints")["period"]) == ["2026-10"]
    again = close_workbook(book, user="M01", out_dir=tmp_path / "r", now=NOW, pdf=False)
    t = read_store(book).table("fingerprints")
    assert list(zip(t["period"], t["part"])) == [("2026-10", 1.0)]
    # Nothing changed in between: the same fingerprint, to the character.
    assert again.plan.data_hash == first.plan.data_hash
    assert t["fingerprint"].iloc[0] == first.plan.fingerprints[0]["fingerprint"]


# -- the command line ------------------------------------------------------------------------------

def test_cli_close_prints_steps_kpis_and_folder(book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from addin.cli import main

    assert main(["close", str(book), "--user", "M01", "--no-pdf", "--out", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert "- Validating every entry ..." in out and "- Writing the workbook ..." in out
    assert "Revenue" in out and "2,112.57" in out
    assert "Period 2026-10 closed by M01" in out and "open period now 2026-11" in out
    assert f"Reports (10 files): {tmp_path / 'r'}" in out   # issue 12: appraisal, tools; registers
    assert main(["close", str(book), "--period", "2026-10", "--user", "M01"]) == 0
    assert "already closed" in capsys.readouterr().out


def test_cli_exit_codes(book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                        monkeypatch: pytest.MonkeyPatch) -> None:
    import addin.rules
    from addin.cli import main

    (tmp_path / "broken.xlsx").write_bytes(b"not a workbook")
    assert main(["close", str(tmp_path / "broken.xlsx"), "--user", "M01"]) == 2
    assert main(["reopen", str(book), "--period", "2026-10", "--user", "A01", "--reason", "x"]) == 1
    assert "may not reopen" in capsys.readouterr().err
    monkeypatch.setattr(addin.rules, "validate_store", lambda store, period=None: [
        Finding("WO-SETTLED", "error", "work_orders", 3, "status", "settled", "Work orders, row 3: no lines")])
    before = book.read_bytes()
    assert main(["close", str(book), "--user", "M01"]) == 1
    assert "Work orders, row 3: no lines" in capsys.readouterr().err
    assert book.read_bytes() == before


def test_cli_report_builds_one_report(book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from addin.cli import main

    assert main(["report", str(book), "--period", "2026-10", "--name", "headcount", "--format", "xlsx",
                 "--out", str(tmp_path / "one")]) == 0
    assert [p.name for p in (tmp_path / "one").iterdir()] == ["S01_2026-10_headcount.xlsx"]
    assert "S01_2026-10_headcount.xlsx" in capsys.readouterr().out


def test_a_month_is_closed_after_its_end_and_in_order() -> None:
    with pytest.raises(CloseError, match="has not ended yet .its last day is 2026-10-31"):
        close_period(sample_store(), "2026-10", "M01", dt.datetime(2026, 10, 31, 18))
    with pytest.raises(CloseError, match="before the open period 2026-10: close 2026-10 first"):
        close_period(sample_store(), "2026-11", "M01", dt.datetime(2026, 12, 2))


def test_a_workbook_without_the_add_ins_own_sheets_gains_them_at_close(tmp_path: Path) -> None:
    """A plain workbook (canonical keys, as a DMS export or a script writes it) closes: its
    periods, audit_log, checks and dashboard sheets are added as the builder lays them out, and
    a second close changes nothing."""
    from openpyxl import load_workbook

    from addin.io.reader import read_store

    path = write_workbook(tmp_path / "plain.xlsx", sample_records())
    wb = load_workbook(path)
    for title in ("Periods", "Audit log", "Checks", "Dashboard"):
        del wb[title]
    wb.save(path)
    assert {"periods", "audit_log", "checks"} <= set(read_store(path).missing_sheets)
    outcome = close_workbook(path, user="M01", out_dir=tmp_path / "r", now=NOW, pdf=False)
    assert outcome.written and outcome.writer == "openpyxl"
    wb = load_workbook(path)
    assert {"Periods", "Audit log", "Checks", "Dashboard"} <= set(wb.sheetnames)
    assert set(wb["Periods"].tables) == {"tblPeriods"} and set(wb["Audit log"].tables) == {"tblAuditLog"}
    store = read_store(path)
    assert not {"periods", "audit_log", "checks"} & set(store.missing_sheets)
    assert list(zip(store.table("periods")["period"], store.table("periods")["status"])) == [("2026-10", "closed")]
    assert list(store.table("audit_log")["user"]) == ["M01 王经理"]
    before = path.read_bytes()
    again = close_workbook(path, "2026-10", user="M01", out_dir=tmp_path / "r2", now=NOW, pdf=False)
    assert again.plan.already_closed and not again.written
    assert path.read_bytes() == before


def test_a_zh_cn_workbook_closes_and_reads_back_unchanged(tmp_path: Path) -> None:
    from addin.io.reader import read_store

    path = write_workbook(tmp_path / "zh.xlsx", sample_records("zh-CN"), "zh-CN")
    outcome = close_workbook(path, user="王经理", out_dir=tmp_path / "r", now=NOW, pdf=False)
    assert outcome.plan.postings[0]["notes"] == "盘点 2026-10-31：实盘 24，账面 26"
    assert outcome.plan.period_row["notes"] == "已结账 22 条记录；其指纹存于隐藏的“期间指纹”表。"
    store = read_store(path)
    assert list(store.table("periods")["status"]) == ["closed"]
    assert closed_period_changes(store) == []
    with pytest.raises(CloseError) as err:
        reopen_period(store, "2026-10", "李顾问", "原因", NOW)
    assert err.value.message("zh-CN") == "李顾问（A01，服务顾问）无权反结账：只有服务经理可以；未写入任何内容。可操作人员：王经理 (M01, wang.m)。"


def test_the_time_per_step_line_speaks_the_workbook_language() -> None:
    from addin.commands.close import step_times

    timings = {"read": 0.71, "validate": 0.3, "kpis": 1.26, "pdf": 4.94, "write": 0.2}
    assert step_times(timings, "en-US") == "Time per step: read 0.7 s, validate 0.3 s, kpis 1.3 s, pdf 4.9 s, write 0.2 s"
    assert step_times(timings, "zh-CN") == "各步骤耗时：读取 0.7 秒，校验 0.3 秒，指标 1.3 秒，PDF 4.9 秒，写入 0.2 秒"

"""Who may close and reopen (DOMAIN.md "Identity"): the same check on the command line, in batch
and through the ribbon's entry point. A technician, a stranger and nobody are refused with the
workbook byte for byte unchanged; the service manager closes. The store is test_periods'
(M01 王经理 the service manager, excel_user wang.m; T01 张师傅 a technician)."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest
from test_close import NOW, write_workbook
from test_periods import D, closed, sample_records, sample_store

import addin.month_end
from addin.cli import main
from addin.errors import IdentityError
from addin.identity import SERVICE_MANAGER, identify
from addin.store import Store

REFUSED = {
    "technician": (["--user", "T01"], "张师傅 (T01, Technician) may not close a period: only a service manager may"),
    "stranger": (["--user", "mr.x"], "'mr.x' is not on the roster (by Excel user, staff ID or name)"),
    "nobody": ([], "The login 'someone' is no one's Excel user on the roster"),
}


@pytest.fixture()
def book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(addin.month_end, "clock_now", lambda: NOW)
    # The operating-system login of whoever runs the tests is nobody of this roster.
    monkeypatch.setattr(addin.month_end, "login_name", lambda: "someone")
    (tmp_path / "store").mkdir()
    return write_workbook(tmp_path / "store" / "Service.xlsx", sample_records())


def _folder(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in path.parent.rglob("*") if p.is_file()}


# -- the check itself ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["M01", "王经理", "WANG.M ", "wang.m"])
def test_the_manager_is_known_by_staff_id_name_or_excel_user(name: str) -> None:
    actor = identify(sample_store(), name, dt.date(2026, 11, 2), need=SERVICE_MANAGER, action="close")
    assert (actor.staff_id, actor.name, actor.audit_user) == ("M01", "王经理", "M01 王经理")


def test_the_login_must_be_an_excel_user_not_a_name() -> None:
    day = dt.date(2026, 11, 2)
    assert identify(sample_store(), None, day, need=SERVICE_MANAGER, login="WANG.M").staff_id == "M01"
    with pytest.raises(IdentityError, match="The login 'M01' is no one's Excel user"):
        identify(sample_store(), None, day, need=SERVICE_MANAGER, login="M01")
    with pytest.raises(IdentityError, match="Who is this"):
        identify(sample_store(), None, day, need=SERVICE_MANAGER, login=None)


def test_also_roles_make_a_service_manager_and_anyone_employed_may_write() -> None:
    records = copy.deepcopy(sample_records())
    records["roster"][2]["also_roles"] = "服务经理、team_leader"  # T01 also holds the manager's post
    store = Store.from_records({k: v for k, v in records.items() if k != "settings"}, settings=records["settings"])
    day = dt.date(2026, 11, 2)
    actor = identify(store, "T01", day, need=SERVICE_MANAGER, action="close")
    assert actor.roles == {"technician", "service_manager", "team_leader"}
    assert identify(sample_store(), "A01", day).audit_user == "A01 李顾问"


def test_someone_who_left_is_refused_and_the_message_names_who_may() -> None:
    records = copy.deepcopy(sample_records())
    records["roster"][1]["leave_date"] = D(2026, 10, 31)
    store = Store.from_records({k: v for k, v in records.items() if k != "settings"}, settings=records["settings"])
    with pytest.raises(IdentityError) as err:
        identify(store, "A01", dt.date(2026, 11, 2))
    assert err.value.message().startswith("李顾问 (A01) is not employed on 2026-11-02; nothing was written. Who may: "
                                          "王经理 (M01, wang.m), 张师傅 (T01), 赵师傅 (T02), ")


def test_an_empty_roster_lets_anyone_write_under_the_name_given() -> None:
    records = copy.deepcopy(sample_records())
    records["roster"] = []
    store = Store.from_records({k: v for k, v in records.items() if k != "settings"}, settings=records["settings"])
    assert identify(store, "installer", dt.date(2026, 11, 2), need=SERVICE_MANAGER).audit_user == "installer"


def test_refusals_are_in_the_workbooks_language() -> None:
    with pytest.raises(IdentityError) as err:
        identify(sample_store("zh-CN"), "T01", dt.date(2026, 11, 2), need=SERVICE_MANAGER, action="close")
    assert err.value.message("zh-CN") == ("张师傅（T01，维修技工）无权结账：只有服务经理可以；未写入任何内容。"
                                          "可操作人员：王经理 (M01, wang.m)。")


# -- the command line ----------------------------------------------------------------------------

@pytest.mark.parametrize("who", sorted(REFUSED))
def test_close_on_the_command_line_refuses(book: Path, who: str, capsys: pytest.CaptureFixture[str]) -> None:
    args, message = REFUSED[who]
    before = _folder(book)
    assert main(["close", str(book), "--no-pdf", *args]) == 1
    assert message in capsys.readouterr().err
    assert _folder(book) == before


@pytest.mark.parametrize("who", sorted(REFUSED))
def test_reopen_on_the_command_line_refuses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, who: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(addin.month_end, "login_name", lambda: "someone")
    path = write_workbook(tmp_path / "Service.xlsx", closed(sample_records()))
    args, message = REFUSED[who]
    before = _folder(path)
    assert main(["reopen", str(path), "--period", "2026-10", "--reason", "late invoice", *args]) == 1
    assert message.replace("close a period", "reopen a period") in capsys.readouterr().err
    assert _folder(path) == before


def test_the_service_manager_closes_and_reopens_by_login(book: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    from addin.io.reader import read_store

    monkeypatch.setattr(addin.month_end, "login_name", lambda: "wang.m")
    assert main(["close", str(book), "--no-pdf"]) == 0
    assert "Period 2026-10 closed by M01 王经理" in capsys.readouterr().out
    assert main(["reopen", str(book), "--period", "2026-10", "--reason", "late invoice"]) == 0
    audit = read_store(book).table("audit_log")
    assert list(zip(audit["user"], audit["action"])) == [("M01 王经理", "close"), ("M01 王经理", "reopen")]


# -- batch -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", sorted(REFUSED))
def test_batch_close_refuses(book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, who: str) -> None:
    from addin.batch import run_batch

    args, message = REFUSED[who]
    before = _folder(book)
    result = run_batch([book], "close", "2026-10", out_dir=tmp_path / "out", workers=1,
                       user=args[1] if args else None, progress=False, pdf=False, macros=False)
    assert [s["status"] for s in result.stores] == ["refused"]
    assert message in result.stores[0]["reason"] and result.exit_code == 1
    assert _folder(book) == before


def test_batch_close_by_the_manager(book: Path, tmp_path: Path) -> None:
    from addin.batch import run_batch

    result = run_batch([book], "close", "2026-10", out_dir=tmp_path / "out", workers=1, user="王经理",
                       progress=False, pdf=False, macros=False)
    assert [s["status"] for s in result.stores] == ["ok"]


# -- the ribbon (through the fake) -----------------------------------------------------------------

@pytest.mark.parametrize("excel_user, message", [
    ("T01", "张师傅 (T01, Technician) may not close a period"),
    ("mr.x", "'mr.x' is not on the roster"),
])
def test_the_ribbon_close_refuses(book: Path, excel_user: str, message: str) -> None:
    from addin.xl import entry
    from addin.xl.fake import FakeBook

    fake = FakeBook.from_file(book, user=excel_user)
    before = [list(map(list, s.rows())) for s in fake.sheets]
    entry.close(fake)
    alert = fake.app.alerts[-1]
    assert message in alert[0] and len(fake.app.alerts) == 1
    assert [list(map(list, s.rows())) for s in fake.sheets] == before and fake.saved == 0


def test_the_ribbon_reopen_refuses_a_technician(tmp_path: Path) -> None:
    from addin.xl import entry
    from addin.xl.fake import FakeBook

    path = write_workbook(tmp_path / "Service.xlsx", closed(sample_records()))
    fake = FakeBook.from_file(path, user="赵师傅")
    entry.reopen(fake)
    assert "赵师傅 (T02, Technician) may not reopen a period" in fake.app.alerts[-1][0]
    assert fake.saved == 0 and fake.app.prompts == []

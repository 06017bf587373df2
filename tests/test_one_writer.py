"""One writer at a time, and only over the file as it was read (addin.io.files): two closes of
one workbook started together, a save by someone else while a close computes, stale locks of
dead processes, the owner files of Excel and LibreOffice, symlinks, and the leftovers of a
killed run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_close import NOW, write_workbook
from test_periods import sample_records

import addin.month_end
from addin.errors import UnsafeWriteError
from addin.io.files import WriteLock, lock_path, remove_dead_temporaries
from addin.io.reader import read_store

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(addin.month_end, "clock_now", lambda: NOW)
    return write_workbook(tmp_path / "Service.xlsx", sample_records())


def _close_process(path: Path) -> subprocess.Popen[str]:
    # The sample store's November is "now" for the subprocess too (its clock is fixed by env).
    code = ("import sys, datetime as dt, addin.month_end as m; "
            "m.clock_now = lambda: dt.datetime(2026, 11, 2, 9, 30); "
            "from addin.cli import main; sys.exit(main(sys.argv[1:]))")
    return subprocess.Popen([sys.executable, "-c", code, "close", str(path), "--user", "M01", "--no-pdf",
                             "--out", str(path.parent / f"r{time.perf_counter_ns()}")],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.mark.slow
@pytest.mark.parametrize("trial", range(10))
def test_two_closes_started_together_close_once(book: Path, trial: int) -> None:
    before = book.read_bytes()
    procs = [_close_process(book), _close_process(book)]
    results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]  # type: ignore[union-attr]
    codes = sorted(code for code, _, _ in results)
    # One closes; the other is refused while the first holds the lock (exit 2), or finds the
    # period closed when it starts after the first finished (exit 0, nothing written).
    assert codes in ([0, 0], [0, 2]), results
    if codes == [0, 2]:
        assert any("is being written by" in err for _, _, err in results)
    store = read_store(book)
    assert list(zip(store.table("periods")["period"], store.table("periods")["status"])) == [("2026-10", "closed")]
    assert list(store.table("audit_log")["action"]) == ["close"]
    ledger = store.table("parts_ledger")
    # The store's two variances (P1, P3 on 31 October) posted once each.
    assert sorted(ledger.loc[ledger["txn_id"].str.startswith("ST-"), "txn_id"]) == ["ST-20261031-P1", "ST-20261031-P3"]
    assert (book.parent / (book.name + ".bak")).read_bytes() == before
    assert not lock_path(book).exists()
    from addin.cli import main

    assert main(["validate", str(book)]) == 0


def test_a_save_by_someone_else_while_the_close_computes_is_not_overwritten(
        book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import addin.reports
    from addin.io.edit import WorkbookEdit, apply_edit

    real = addin.reports.build_reports

    def meanwhile(*args, **kwargs):  # type: ignore[no-untyped-def]
        # Another program appends a work order while the reports are built.
        apply_edit(book, WorkbookEdit(appends={"audit_log": [{"user": "excel", "action": "note"}]}),
                   locale="en-US", backup=False)
        return real(*args, **kwargs)

    monkeypatch.setattr(addin.reports, "build_reports", meanwhile)
    lock = lock_path(book)
    # The close holds the lock; the other writer here is in-process, so let it past the lock.
    monkeypatch.setattr(WriteLock, "acquire", lambda self: self)
    changed = None

    with pytest.raises(UnsafeWriteError, match="was changed by someone else while this command worked on it"):
        addin.month_end.close_workbook(book, user="M01", out_dir=tmp_path / "r", now=NOW, pdf=False)
    changed = read_store(book)
    assert list(changed.table("audit_log")["action"]) == ["note"]  # theirs kept, ours not written
    assert changed.table("periods").empty
    assert not lock.exists()


def test_a_live_lock_refuses_and_names_who_holds_it(book: Path) -> None:
    lock_path(book).write_text(json.dumps({"pid": os.getpid(), "host": os.uname().nodename, "user": "wang.m",
                                           "since": "2026-11-02T09:30:00"}), encoding="utf-8")
    before = book.read_bytes()
    with pytest.raises(UnsafeWriteError) as err:
        addin.month_end.close_workbook(book, user="M01", now=NOW, pdf=False)
    assert "is being written by wang.m (pid" in err.value.message() and "since 2026-11-02T09:30:00" in err.value.message()
    assert book.read_bytes() == before


def test_the_stale_lock_of_a_dead_process_is_taken_over(book: Path, tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    lock_path(book).write_text(json.dumps({"pid": int(dead.stdout), "host": os.uname().nodename, "user": "x",
                                           "since": "2026-11-01T08:00:00"}), encoding="utf-8")
    outcome = addin.month_end.close_workbook(book, user="M01", out_dir=tmp_path / "r", now=NOW, pdf=False)
    assert outcome.written and not lock_path(book).exists()


@pytest.mark.parametrize("owner", ["~$Service.xlsx", ".~lock.Service.xlsx#"])
def test_an_open_workbook_in_excel_or_libreoffice_is_not_written(book: Path, owner: str) -> None:
    (book.parent / owner).write_text("someone", encoding="utf-8")
    before = book.read_bytes()
    with pytest.raises(UnsafeWriteError, match="is open in Excel or locked"):
        addin.month_end.close_workbook(book, user="M01", now=NOW, pdf=False)
    assert book.read_bytes() == before


def test_a_symlink_is_followed_and_stays_a_link(book: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.xlsx"
    link.symlink_to(book)
    addin.month_end.close_workbook(link, user="M01", out_dir=tmp_path / "r", now=NOW, pdf=False)
    assert link.is_symlink() and os.path.realpath(link) == str(book)
    assert list(read_store(book).table("periods")["status"]) == ["closed"]


def test_leftovers_of_a_killed_run_are_removed_by_the_next(book: Path, tmp_path: Path) -> None:
    tmp = book.with_name(".Service.abc123.xlsx.tmp")
    bak_tmp = book.with_name(".Service.xlsx.bak.tmp")
    other = book.with_name(".Other.abc123.xlsx.tmp")
    for p in (tmp, bak_tmp, other):
        p.write_bytes(b"half a file")
        os.utime(p, (time.time() - 3600, time.time() - 3600))
    assert sorted(p.name for p in remove_dead_temporaries(book)) == sorted([bak_tmp.name, tmp.name])
    assert other.exists()  # another workbook's: not ours to remove
    addin.month_end.close_workbook(book, user="M01", out_dir=tmp_path / "r", now=NOW, pdf=False)
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp") and p != other]


KILL_POINTS = {
    # where the close is killed: (module, function patched, on which call, text its 2nd argument must end with)
    "while writing a report": ("addin.reports", "render", 2, ""),
    "before the temporary file is fsynced": ("addin.io.files", "fsync_file", 1, ""),
    "before the backup is renamed": ("os", "replace", 1, "Service.xlsx.bak"),
    "before the workbook is renamed": ("os", "replace", 1, "Service.xlsx"),
    "before the folder is fsynced": ("addin.io.files", "fsync_dir", 1, ""),
}


@pytest.mark.slow
@pytest.mark.parametrize("point", sorted(KILL_POINTS))
def test_a_close_killed_at_each_step_leaves_nothing_that_blocks_or_misleads(book: Path, point: str) -> None:
    module, name, nth, suffix = KILL_POINTS[point]
    code = (
        "import sys, os, signal, importlib, datetime as dt\n"
        "import addin.month_end as m, addin.reports, addin.io.files\n"
        "m.clock_now = lambda: dt.datetime(2026, 11, 2, 9, 30)\n"
        f"mod = importlib.import_module({module!r})\n"
        f"real = getattr(mod, {name!r}); calls = [0]\n"
        "def dying(*a, **k):\n"
        f"    if {suffix!r} and not (len(a) > 1 and str(a[1]).endswith({suffix!r})):\n"
        "        return real(*a, **k)\n"
        "    calls[0] += 1\n"
        f"    if calls[0] == {nth}:\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    return real(*a, **k)\n"
        f"setattr(mod, {name!r}, dying)\n"
        "from addin.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    before = book.read_bytes()
    proc = subprocess.run([sys.executable, "-c", code, "close", str(book), "--user", "M01", "--no-pdf"],
                          cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          timeout=120)
    assert proc.returncode == -9, proc.stderr
    store = read_store(book)
    closed = list(store.table("periods")["status"]) == ["closed"]
    assert closed or book.read_bytes() == before  # the old file, or a complete closed one
    # The next close is not blocked by what the dead one left, and finishes or finds it closed.
    again = addin.month_end.close_workbook(book, "2026-10", user="M01", out_dir=book.parent / "r2", now=NOW,
                                           pdf=False)
    assert again.written or again.plan.already_closed
    assert list(read_store(book).table("periods")["status"]) == ["closed"]
    assert not lock_path(book).exists()
    leftovers = [p.name for p in book.parent.iterdir() if p.name.endswith(".tmp") and p.stat().st_mtime > 0]
    # A dead run's temporaries younger than a minute stay until a later run; none are of this run.
    assert all(p.startswith(".Service.") for p in leftovers)

"""The month-end close and reopen as a user runs them: one orchestration for the command line,
batch and the ribbon.

read (under the workbook's write lock, with a stamp of the file as read) → check who closes
(:func:`addin.identity.identify`, inside the plan) → validate and plan (:mod:`addin.close`,
pure) → build the report pack → write the plan's edit in one safe write
(:func:`addin.io.edit.apply_edit`, or the live book for the ribbon). A refusal or failure at any
step before the write leaves the workbook byte for byte as it was.

A :class:`Target` is where the store comes from and where the edit goes: :class:`FileTarget`
(a workbook file) here, :class:`addin.xl.edit.LiveTarget` (the workbook open in Excel) for the
ribbon.
"""

from __future__ import annotations

import datetime as dt
import getpass
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from addin.close import ClosePlan, ReopenPlan, close_period, plan_edit, reopen_edit, reopen_period
from addin.errors import CloseError, ServiceError
from addin.i18n import Text
from addin.io.edit import WorkbookEdit
from addin.store import Store

T_NO_PERIOD = Text("No period to close: give --period YYYY-MM or set open_period in the settings sheet.",
                   "没有要结账的期间：请用 --period 年-月 指定，或在设置表中填写当前会计期间 open_period。")


def clock_now() -> dt.datetime:
    """The time a close or reopen is recorded at (one place, so tests can set the clock)."""
    return dt.datetime.now()


def login_name() -> str | None:
    """The operating-system login, which must be someone's excel_user when no --user is given."""
    try:
        return getpass.getuser()
    except Exception:  # no login name at all (some containers): then --user is needed
        return None


class Target(Protocol):
    """Where a store is read from and an edit written to."""

    path: Path

    def read(self) -> Store: ...

    def write(self, store: Store, edit: WorkbookEdit) -> str: ...

    def close(self) -> None: ...


class FileTarget:
    """A workbook file: read under its write lock (unless ``dry_run``) with a stamp of the bytes
    read and one safety scan; written through :func:`addin.io.edit.apply_edit`, only while the
    file is still the one read."""

    def __init__(self, path: str | Path, *, dry_run: bool = False) -> None:
        from addin.io.files import WriteLock, target_of

        self.path = Path(path)
        self._lock = None if dry_run else WriteLock(path)
        self._target = target_of(path)
        self.stamp: Any = None

    def read(self) -> Store:
        from addin.io.files import FileStamp
        from addin.io.reader import read_to_write
        from addin.io.writer import check_safe

        if self._lock is not None:
            self._lock.acquire()
        self.stamp = FileStamp.of(self._target)
        store, package = read_to_write(self._target)
        # Refuse a workbook the write would damage before doing any work (and in a dry run too).
        check_safe(self._target, package=package)
        return store

    def write(self, store: Store, edit: WorkbookEdit) -> str:
        from addin.io.edit import apply_edit

        return apply_edit(self._target, edit, locale=store.locale, stamp=self.stamp, checked=True,
                          locked=self._lock is not None).engine

    def close(self) -> None:
        if self._lock is not None:
            self._lock.release()


@dataclass
class CloseOutcome:
    """What :func:`run_close` did: the plan, the report files, the folder they went to, why there
    is no PDF (None when PDFs were made), whether the workbook was written, the seconds each step
    took, and the engine that wrote ("package", "openpyxl" or "xlwings")."""

    plan: ClosePlan
    reports: list[Path] = field(default_factory=list)
    report_dir: Path | None = None
    no_pdf_reason: str | None = None
    written: bool = False
    dry_run: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    writer: str = ""
    cancelled: bool = False


def default_report_dir(path: Path, period: str) -> Path:
    """``<folder of the workbook>/<stem>_reports/<period>/``."""
    return path.parent / f"{path.stem}_reports" / period


class _Clock:
    """Times consecutive steps; ``start(name)`` ends the previous one and reports the new one
    (in the workbook's language once it has been read)."""

    def __init__(self, progress: Callable[[str, str | None], None] | None) -> None:
        self.timings: dict[str, float] = {}
        self.locale: str | None = None
        self._name: str | None = None
        self._t = time.perf_counter()
        self._progress = progress

    def start(self, name: str) -> None:
        self.stop()
        self._name, self._t = name, time.perf_counter()
        if self._progress:
            self._progress(name, self.locale)

    def stop(self) -> None:
        if self._name is not None:
            self.timings[self._name] = self.timings.get(self._name, 0.0) + time.perf_counter() - self._t
            self._name = None


def _in_locale(exc: ServiceError, locale: str) -> ServiceError:
    exc.locale = locale  # type: ignore[attr-defined]  # the CLI prints it in the workbook's language
    return exc


def run_close(
    target: Target,
    period: str | None = None,
    *,
    user: str | None,
    login: str | None = None,
    out_dir: str | Path | None = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    pdf: bool = True,
    progress: Callable[[str, str | None], None] | None = None,
    confirm: Callable[[Store, str], bool] | None = None,
) -> CloseOutcome:
    """Close ``period`` (default: settings.open_period) of ``target``: read, plan (who closes is
    checked first; validation errors refuse), build the report pack into ``out_dir`` (default
    :func:`default_report_dir`), write the plan's edit in one safe write. With ``dry_run``
    nothing is written and the reports go to a temporary folder, without PDFs. ``confirm(store,
    period)`` (the ribbon's yes/no) is asked once the closer is known; False cancels.
    ``progress(step, locale)`` is called as each step starts (read, validate, post, value, kpis,
    fingerprint, reports, pdf, write)."""
    from addin.identity import SERVICE_MANAGER, identify

    clock = _Clock(progress)
    outcome: CloseOutcome | None = None
    # The close allocates millions of objects (the read's tables, the records it hashes, the
    # reports' cells, whose workbooks are reference cycles): the cyclic collector would walk the
    # survivors again and again (a tenth of the close). Paused for the close, as the read pauses
    # it; one collection as it ends frees the reports' workbooks, within the last step's time.
    from addin.io.reader import gc_paused

    try:
        with gc_paused(collect=True):
            clock.start("read")
            store = target.read()
            clock.locale = store.locale
            period = period or store.settings.open_period
            if not period:
                raise _in_locale(CloseError(T_NO_PERIOD), store.locale)
            now = now or clock_now()
            try:
                if confirm is not None:
                    identify(store, user, now.date(), need=SERVICE_MANAGER, action="close", login=login)
                    if not confirm(store, period):
                        outcome = CloseOutcome(plan=ClosePlan(period=period, user=user or "", now=now), cancelled=True)
                        return outcome
                plan = close_period(store, period, user, now, login=login, step=clock.start)
            except ServiceError as exc:
                raise _in_locale(exc, store.locale) from None
            outcome = CloseOutcome(plan=plan, dry_run=dry_run)
            if plan.already_closed:
                return outcome

            from addin.reports import build_reports

            if dry_run:
                folder = Path(tempfile.mkdtemp(prefix=f"close-{period}-"))
                pdf = False
            else:
                folder = Path(out_dir) if out_dir else default_report_dir(target.path, period)
            clock.start("reports")
            assert plan.store is not None
            pack = build_reports(plan.store, period, plan.result, folder, pdf=pdf, previous=plan.previous,
                                 last_year=plan.last_year, valuation=plan.valuation, on_pdf=lambda: clock.start("pdf"),
                                 shared=plan.shared)
            outcome.reports, outcome.report_dir, outcome.no_pdf_reason = pack.files, folder, pack.no_pdf_reason
            if not dry_run:
                clock.start("write")
                outcome.writer = target.write(store, plan_edit(plan))
                outcome.written = True
            return outcome
    finally:
        clock.stop()
        target.close()
        if outcome is not None:
            outcome.timings = clock.timings


def close_workbook(path: str | Path, period: str | None = None, *, user: str | None = None,
                   login: str | None = None, **options: Any) -> CloseOutcome:
    """:func:`run_close` on the workbook file at ``path``. Without ``user`` the operating-system
    login (or ``login``) must be a service manager's excel_user."""
    return run_close(FileTarget(path, dry_run=bool(options.get("dry_run"))), period, user=user,
                     login=login if login is not None else (None if user else login_name()), **options)


def run_reopen(target: Target, period: str, *, user: str | None, reason: str, login: str | None = None,
               now: dt.datetime | None = None) -> ReopenPlan:
    """Reopen ``period`` of ``target`` in one safe write (service manager only, with a reason)."""
    try:
        store = target.read()
        try:
            plan = reopen_period(store, period, user, reason, now or clock_now(), login=login)
        except ServiceError as exc:
            raise _in_locale(exc, store.locale) from None
        target.write(store, reopen_edit(plan))
        return plan
    finally:
        target.close()


def reopen_workbook(path: str | Path, period: str, *, user: str | None = None, reason: str,
                    login: str | None = None, now: dt.datetime | None = None) -> ReopenPlan:
    """:func:`run_reopen` on the workbook file at ``path``."""
    return run_reopen(FileTarget(path), period, user=user, reason=reason,
                      login=login if login is not None else (None if user else login_name()), now=now)


__all__ = ["CloseOutcome", "FileTarget", "Target", "close_workbook", "default_report_dir", "reopen_workbook",
           "run_close", "run_reopen"]

"""Month-end close (月结): DOMAIN.md "Month-end close", in order.

:func:`close_period` is the pure core: it takes a :class:`Store` and returns a :class:`ClosePlan`
(what to append and change, the KPI results, the valued stock); it opens no file. The command
line (:func:`close_workbook`) and the Excel entry points apply the same plan: one reads the file,
plans, builds the report pack and writes everything in one safe write; the other writes through
xlwings. :func:`reopen_period` and :func:`reopen_workbook` reopen a closed period.

Closing a period that is already closed changes nothing. Any failure before the write leaves the
workbook untouched; the write itself (:func:`write_plan`: part by part through addin.io.package,
or through addin.io.writer.update_workbook when the layout needs it) saves to a temporary file and
replaces the workbook only when the whole save succeeded.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from addin.errors import CloseError, ServiceError
from addin.findings import Finding
from addin.i18n import Text, sheet_label
from addin.periods import (
    bounds, check_period, encode_notes, is_closed, next_period, period_fingerprint, shift,
)
from addin.store import Store
from addin.tables import records_to_table

#: How many errors a refused close lists (the rest are counted).
MAX_LISTED = 10

T_NO_PERIOD = Text("No period to close: give --period YYYY-MM or set open_period in the settings sheet.",
                   "没有要结账的期间：请用 --period 年-月 指定，或在设置表中填写当前会计期间 open_period。")
T_ERRORS = Text("Period {period} not closed: {count} error(s) must be fixed first ({by_rule}):\n{listed}{more}",
                "期间 {period} 未结账：须先修正 {count} 个错误（{by_rule}）：\n{listed}{more}")
T_MORE = Text("\n... and {n} more (run `service-addin validate` for the full list).",
              "\n……另有 {n} 个（运行 `service-addin validate` 查看完整列表）。")
T_ALREADY = Text("Period {period} is already closed (by {by} at {at}); nothing was changed.",
                 "期间 {period} 已结账（{by}，{at}），未做任何更改。")
T_NOT_ENDED = Text("Period {period} has not ended yet (its last day is {last}); close it after that day.",
                   "期间 {period} 尚未结束（最后一天为 {last}），请在该日之后结账。")
T_SKIPPED = Text("Period {period} cannot be closed before the open period {open}: close {open} first.",
                 "当前期间 {open} 未结账，不能先结 {period}：请先结 {open}。")
T_NO_SHEETS = Text("The workbook has no {sheets} sheet(s), which the close writes to; nothing was changed. Build a "
                   "current Service workbook (`service-addin build`) and copy the data into it.",
                   "工作簿缺少结账要写入的工作表：{sheets}；未做任何更改。请生成新版 Service 工作簿（`service-addin build`）并把数据复制进去。")
T_STOCKTAKE_NOTE = Text("Stocktake {date}: counted {counted:g}, book {book:g}",
                        "盘点 {date}：实盘 {counted:g}，账面 {book:g}")
T_AUDIT_CLOSE = Text("Closed: {records} records, data hash {hash}; {postings} stocktake posting(s); "
                     "revenue {revenue}; warnings {warnings}",
                     "结账：{records} 条记录，数据指纹 {hash}；盘点过账 {postings} 笔；营业额 {revenue}；警告 {warnings} 个")
T_AUDIT_REOPEN = Text("Reopened: {reason}", "反结账：{reason}")
T_NOT_MANAGER = Text("{user!r} may not reopen a period: only a service manager on the roster (staff ID, name or "
                     "Excel user) may.",
                     "{user!r} 无权反结账：只有花名册中的服务经理（工号、姓名或 Excel 用户名）可以反结账。")
T_NOT_CLOSED = Text("Period {period} is not closed; nothing to reopen.", "期间 {period} 未结账，无需反结账。")
T_LATER_CLOSED = Text("Period {period} cannot be reopened while the later period {later} is closed: reopen "
                      "{later} first.",
                      "期间 {later} 已结账，不能反结账较早的期间 {period}：请先反结账 {later}。")
T_NO_REASON = Text("Give the reason for reopening (--reason).", "请填写反结账原因（--reason）。")


@dataclass
class ClosePlan:
    """Everything a close will write, and the results it computed.

    ``appends`` are records per sheet key to append (stocktake postings to parts_ledger, the
    audit row); ``period_row`` is the periods row, which replaces an existing row of the same
    period (``periods`` is then the whole sheet to rewrite) or is appended (``periods`` empty);
    ``settings_updates`` are settings key -> new value (text).
    ``store`` is the store with the postings applied: what the KPIs and reports read.
    """

    period: str
    user: str
    now: dt.datetime
    already_closed: bool = False
    message: str = ""
    store: Store | None = None
    postings: list[dict[str, Any]] = field(default_factory=list)
    appends: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    period_row: dict[str, Any] = field(default_factory=dict)
    periods: list[dict[str, Any]] = field(default_factory=list)
    settings_updates: dict[str, str] = field(default_factory=dict)
    audit_row: dict[str, Any] = field(default_factory=dict)
    warnings: list[Finding] = field(default_factory=list)
    valuation: Any = None
    result: Any = None
    previous: Any = None
    last_year: Any = None
    data_hash: str = ""
    record_count: int = 0
    reports: list[str] = field(default_factory=list)


# -- step 1: validate -----------------------------------------------------------------------------

def validate_for_close(store: Store, period: str) -> list[Finding]:
    """Validate everything; raise :class:`CloseError` listing the errors, return the warnings."""
    from addin.rules import validate_store

    findings = validate_store(store, period)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        counts: dict[str, int] = {}
        for f in errors:
            counts[f.rule] = counts.get(f.rule, 0) + 1
        by_rule = ", ".join(f"{rule} ×{n}" for rule, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        listed = "\n".join(f"- {f.message}" for f in errors[:MAX_LISTED])
        more = T_MORE(store.locale, n=len(errors) - MAX_LISTED) if len(errors) > MAX_LISTED else ""
        raise CloseError(T_ERRORS, period=period, count=len(errors), by_rule=by_rule, listed=listed, more=more)
    return [f for f in findings if f.severity != "error"]


# -- step 2: stocktake postings ----------------------------------------------------------------

def stocktake_txn_id(count_date: pd.Timestamp, part_no: str) -> str:
    """The deterministic txn_id of a count's posting, so a count is never posted twice."""
    return f"ST-{count_date:%Y%m%d}-{part_no}"


def stocktake_postings(store: Store, period: str) -> list[dict[str, Any]]:
    """stocktake_gain / stocktake_loss movements for the variances of the counts dated in
    ``period``: counted_qty − book quantity at the end of the count date (the book includes every
    movement dated up to that day, earlier postings of this period included)."""
    from addin import sets

    start, end = bounds(period)
    counts = store.table("stocktake")
    counts = counts[(counts["count_date"] >= start) & (counts["count_date"] <= end)]
    counts = counts[counts["part_no"].notna() & counts["count_date"].notna() & counts["counted_qty"].notna()]
    if counts.empty:
        return []
    ledger = store.table("parts_ledger")
    posted = set(ledger["txn_id"].dropna())
    counts = counts.sort_values(["count_date", "_row"])
    books = sets.book_quantities(ledger, counts["part_no"], counts["count_date"], before_posting=False)
    out: list[dict[str, Any]] = []
    for rec, ledger_book in zip(counts.to_dict("records"), books):
        part, day, counted = rec["part_no"], rec["count_date"], rec["counted_qty"]
        txn_id = stocktake_txn_id(day, part)
        if txn_id in posted:
            continue
        book = float(ledger_book) + sum(
            p["qty"] * (1 if p["txn_type"] == "stocktake_gain" else -1)
            for p in out if p["part_no"] == part)
        variance = float(counted) - book
        if abs(variance) < 1e-9:
            continue
        out.append({
            "txn_id": txn_id, "txn_date": day.date(), "part_no": part,
            "txn_type": "stocktake_gain" if variance > 0 else "stocktake_loss",
            "qty": abs(variance), "staff_id": rec.get("counted_by"),
            "notes": T_STOCKTAKE_NOTE(store.locale, date=day.date().isoformat(), counted=float(counted), book=book),
        })
    return out


def with_appended(store: Store, sheet: str, records: list[dict[str, Any]]) -> Store:
    """A copy of ``store`` whose ``sheet`` has ``records`` appended after its last row."""
    if not records:
        return store
    table = store.table(sheet)
    first = int(table["_row"].max()) + 1 if len(table) else 2
    extra = records_to_table(sheet, records, first_row=first)
    tables = dict(store.tables)
    tables[sheet] = pd.concat([table, extra[table.columns.intersection(extra.columns)]], ignore_index=True)
    tables[sheet] = tables[sheet].astype(table.dtypes.to_dict())
    return Store(tables, store.settings, store.path, store.problems, store.missing_sheets,
                 store.missing_columns, store.sheet_names)


# -- the plan ---------------------------------------------------------------------------------------

def _closed_row(store: Store, period: str) -> dict[str, Any] | None:
    t = store.table("periods")
    for rec in t.to_dict("records"):
        if isinstance(rec["period"], str) and rec["period"].strip() == period and rec["status"] == "closed":
            return rec
    return None


def compute_results(store: Store, period: str, valuation: Any) -> tuple[Any, Any, Any]:
    """The KPI results of ``period``, the previous month and the same month last year, from one
    stock valuation."""
    from addin.kpis import compute_comparison

    return compute_comparison(store, period, valuation)


def close_period(
    store: Store,
    period: str,
    user: str,
    now: dt.datetime,
    *,
    step: Callable[[str], None] | None = None,
) -> ClosePlan:
    """Plan the close of ``period`` (pure: no file is read or written).

    A period is closed after its last day and in order (not after the open_period setting).
    Steps, in DOMAIN.md's order: validate (errors -> :class:`CloseError`), post the stocktake
    variances, value stock, compute the KPIs of the period, the previous month and the same month
    last year, then fingerprint the period and prepare the periods, audit_log and settings rows.
    ``step(name)`` is called as each step starts (progress and timings). An already closed period
    gives a plan with ``already_closed`` and nothing to write.
    """
    period = check_period(period)
    mark = step or (lambda _name: None)
    plan = ClosePlan(period=period, user=user, now=now)
    done = _closed_row(store, period)
    if done is not None:
        at = done["closed_at"]
        plan.already_closed = True
        plan.message = T_ALREADY(store.locale, period=period, by=done["closed_by"] or "?",
                                 at=at.strftime("%Y-%m-%d %H:%M") if not pd.isna(at) else "?")
        return plan

    last = bounds(period)[1].date()
    if now.date() <= last:
        raise CloseError(T_NOT_ENDED, period=period, last=last.isoformat())
    current = store.settings.open_period
    if current is not None and period > current:
        raise CloseError(T_SKIPPED, period=period, open=current)

    mark("validate")
    plan.warnings = validate_for_close(store, period)

    mark("post")
    plan.postings = stocktake_postings(store, period)
    closed = with_appended(store, "parts_ledger", plan.postings)
    plan.store = closed

    mark("value")
    from addin.stock import valuate

    plan.valuation = valuate(closed)

    mark("kpis")
    plan.result, plan.previous, plan.last_year = compute_results(closed, period, plan.valuation)

    mark("fingerprint")
    fp = period_fingerprint(closed, period)
    plan.data_hash, plan.record_count = fp.data_hash, fp.count()
    plan.period_row = {"period": period, "status": "closed", "closed_at": now.replace(microsecond=0),
                       "closed_by": user, "data_hash": fp.data_hash, "notes": encode_notes(fp)}
    records, existing = _periods_records(store, plan.period_row)
    plan.periods = records if existing else []
    revenue = _kpi(plan.result, "revenue")
    plan.audit_row = {
        "timestamp": now.replace(microsecond=0), "user": user, "action": "close", "period": period,
        "details": T_AUDIT_CLOSE(store.locale, records=fp.count(), hash=fp.data_hash[:12], postings=len(plan.postings),
                                 revenue="—" if revenue is None else f"{revenue:,.2f}", warnings=len(plan.warnings)),
    }
    if current is None or current <= period:
        plan.settings_updates["open_period"] = next_period(period)
    plan.appends = {"parts_ledger": plan.postings, "audit_log": [plan.audit_row]}
    from addin.reports import REPORT_NAMES

    plan.reports = list(REPORT_NAMES)
    return plan


def _kpi(result: Any, kpi_id: str) -> float | None:
    if result is None:
        return None
    value = result.to_json().get(kpi_id)
    return None if value is None else float(value)


# -- applying a plan to a workbook (openpyxl) ---------------------------------------------------

def _set_settings(wb: Any, updates: dict[str, str], locale: str) -> None:
    """Set settings values in place (the sheet may carry label columns the records do not)."""
    from addin.io.writer import append_rows, sheet_columns
    from addin.models import SETTING_LABELS
    from addin.tables import normalize_label

    ws, header_row, columns = sheet_columns(wb, "settings")
    key_col, val_col = columns.get("key", 1), columns.get("value", 2)
    missing = []
    for key, value in updates.items():
        forms = {normalize_label(f) for f in (key, *SETTING_LABELS.get(key, ()))}
        for row in range(header_row + 1, ws.max_row + 1):
            cell = ws.cell(row, key_col).value
            if cell is not None and normalize_label(cell) in forms:
                target = ws.cell(row, val_col)
                target.value = value
                target.data_type = "s"  # a setting is text: never let "=..." become a formula
                break
        else:
            missing.append({"key": key, "value": value})
    if missing:
        append_rows(wb, "settings", missing, locale)


def _periods_records(store: Store, row: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """The periods sheet's records with ``row`` replacing the same period's row; and whether the
    period already had a row (then the sheet is rewritten, else the row is appended)."""
    from addin.tables import table_records

    records = table_records(store.table("periods"))
    for i, rec in enumerate(records):
        if isinstance(rec.get("period"), str) and rec["period"].strip() == row["period"]:
            records[i] = {**rec, **row}
            return records, True
    return records, False


def apply_plan(wb: Any, store: Store, plan: ClosePlan) -> None:
    """Write a plan into an open openpyxl workbook (the edit of one safe update)."""
    from addin.dashboard import write_dashboard
    from addin.io.writer import append_rows, replace_rows

    locale = store.locale
    for sheet, records in plan.appends.items():
        if records:
            append_rows(wb, sheet, records, locale)
    if plan.periods:
        replace_rows(wb, "periods", plan.periods, locale)
    else:
        append_rows(wb, "periods", [plan.period_row], locale)
    if plan.settings_updates:
        _set_settings(wb, plan.settings_updates, locale)
    write_dashboard(wb, plan.result, locale, previous=plan.previous, last_year=plan.last_year)


def write_plan(path: Path, store: Store, plan: ClosePlan) -> str:
    """Write a plan into the workbook at ``path`` in one safe write and say how: "package" when
    only the parts that change were rewritten (:func:`addin.io.package.edit_package`, seconds on a
    large year), "openpyxl" when the workbook's layout needed the whole-workbook path
    (:func:`apply_plan` through addin.io.writer.update_workbook: a dashboard of another layout or
    language, merged cells among the records ...). Both write the same values."""
    from addin.dashboard import dashboard_cells, dashboard_labels
    from addin.io.package import FastPathUnavailable, edit_package
    from addin.io.writer import update_workbook

    locale = store.locale
    appends = {sheet: records for sheet, records in plan.appends.items() if records}
    replacements = {"periods": plan.periods} if plan.periods else {}
    if not plan.periods:
        appends["periods"] = [plan.period_row]
    try:
        edit_package(path, locale=locale, appends=appends, replacements=replacements,
                     settings=plan.settings_updates,
                     cells={"dashboard": dashboard_cells(plan.result, locale, previous=plan.previous,
                                                         last_year=plan.last_year)},
                     expect={"dashboard": dashboard_labels(locale)})
        return "package"
    except FastPathUnavailable:
        update_workbook(path, lambda wb: apply_plan(wb, store, plan))
        return "openpyxl"


# -- the command-line close ---------------------------------------------------------------------

def clock_now() -> dt.datetime:
    """The time a close or reopen is recorded at (one place, so tests can set the clock)."""
    return dt.datetime.now()


@dataclass
class CloseOutcome:
    """What :func:`close_workbook` did: the plan, the report files, the folder they went to,
    why there is no PDF (None when PDFs were made), whether the workbook was written, the
    seconds each step took, and how it was written (see :func:`write_plan`)."""

    plan: ClosePlan
    reports: list[Path] = field(default_factory=list)
    report_dir: Path | None = None
    no_pdf_reason: str | None = None
    written: bool = False
    dry_run: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    writer: str = ""


#: The sheets a close writes to (the dashboard is recreated when missing).
WRITTEN_SHEETS = ("settings", "parts_ledger", "periods", "audit_log")


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


def close_workbook(
    path: str | Path,
    period: str | None = None,
    *,
    user: str,
    out_dir: str | Path | None = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    pdf: bool = True,
    progress: Callable[[str, str | None], None] | None = None,
) -> CloseOutcome:
    """Close ``period`` (default: settings.open_period) of the workbook at ``path``.

    Reads the workbook, plans the close, builds the report pack into ``out_dir`` (default
    :func:`default_report_dir`), then writes the plan into the workbook in one safe write. With
    ``dry_run`` nothing is written and the reports go to a temporary folder, without PDFs.
    ``progress(step, locale)`` is called as each step starts (read, validate, post, value, kpis,
    fingerprint, reports, pdf, write), with the workbook's locale once it is known.
    """
    from addin.io.reader import read_store
    from addin.io.writer import check_safe

    path = Path(path)
    clock = _Clock(progress)
    clock.start("read")
    store = read_store(path)
    clock.locale = store.locale
    # Refuse a workbook the write would damage before doing any work (and in a dry run too).
    check_safe(path)
    missing = [k for k in WRITTEN_SHEETS if k in store.missing_sheets]
    if missing:
        error = CloseError(T_NO_SHEETS, sheets=", ".join(sheet_label(k, store.locale) for k in missing))
        error.locale = store.locale  # type: ignore[attr-defined]
        raise error
    period = period or store.settings.open_period
    if not period:
        raise CloseError(T_NO_PERIOD)
    now = now or clock_now()
    try:
        plan = close_period(store, period, user, now, step=clock.start)
    except ServiceError as exc:
        exc.locale = store.locale  # type: ignore[attr-defined]  # the CLI prints in the workbook's language
        raise
    outcome = CloseOutcome(plan=plan, dry_run=dry_run)
    if plan.already_closed:
        clock.stop()
        outcome.timings = clock.timings
        return outcome

    from addin.reports import build_reports

    if dry_run:
        target = Path(tempfile.mkdtemp(prefix=f"close-{period}-"))
        pdf = False
    else:
        target = Path(out_dir) if out_dir else default_report_dir(path, period)
    clock.start("reports")
    assert plan.store is not None
    pack = build_reports(plan.store, period, plan.result, target, pdf=pdf, previous=plan.previous,
                         last_year=plan.last_year, valuation=plan.valuation, on_pdf=lambda: clock.start("pdf"))
    outcome.reports, outcome.report_dir, outcome.no_pdf_reason = pack.files, target, pack.no_pdf_reason
    if not dry_run:
        clock.start("write")
        outcome.writer = write_plan(path, store, plan)
        outcome.written = True
    clock.stop()
    outcome.timings = clock.timings
    return outcome


# -- reopen -------------------------------------------------------------------------------------

def is_service_manager(store: Store, user: str, on: dt.date) -> bool:
    """Whether ``user`` (staff_id, name or excel_user, ignoring case) is a service manager of the
    roster still employed on ``on``: the only role that may close or reopen a period."""
    roster = store.table("roster")
    wanted = user.strip().casefold()
    for rec in roster.to_dict("records"):
        if rec["role"] != "service_manager":
            continue
        names = {str(rec[c]).strip().casefold() for c in ("staff_id", "name", "excel_user") if rec.get(c)}
        left = rec["leave_date"]
        if wanted in names and (pd.isna(left) or left.date() >= on):
            return True
    return False


@dataclass
class ReopenPlan:
    """The periods rows after reopening, the audit row, and the settings to change."""

    period: str
    periods: list[dict[str, Any]]
    audit_row: dict[str, Any]
    settings_updates: dict[str, str]
    locale: str = "en-US"


def reopen_period(store: Store, period: str, user: str, reason: str, now: dt.datetime) -> ReopenPlan:
    """Plan reopening a closed period: only a service manager of the roster (by staff_id, name or
    excel_user, employed today) may, with a reason, and not while a later period is closed.
    open_period moves back to the reopened period when it is later."""
    period = check_period(period)
    if not reason or not reason.strip():
        raise CloseError(T_NO_REASON)
    if not is_service_manager(store, user, now.date()):
        raise CloseError(T_NOT_MANAGER, user=user)
    if not is_closed(store, period):
        raise CloseError(T_NOT_CLOSED, period=period)
    from addin.periods import closed_periods

    later = sorted(r["period"].strip() for r in closed_periods(store) if r["period"].strip() > period)
    if later:
        raise CloseError(T_LATER_CLOSED, period=period, later=later[-1])
    records, _ = _periods_records(store, {"period": period, "status": "open"})
    audit = {"timestamp": now.replace(microsecond=0), "user": user, "action": "reopen", "period": period,
             "details": T_AUDIT_REOPEN(store.locale, reason=reason.strip())}
    current = store.settings.open_period
    updates = {"open_period": period} if current is None or current > period else {}
    return ReopenPlan(period, records, audit, updates, store.locale)


def reopen_workbook(path: str | Path, period: str, *, user: str, reason: str,
                    now: dt.datetime | None = None) -> ReopenPlan:
    """Reopen ``period`` of the workbook at ``path`` in one safe write: only the periods,
    audit_log and settings parts are rewritten, or the whole workbook through openpyxl when its
    layout needs that (see :func:`write_plan`)."""
    from addin.io.package import FastPathUnavailable, edit_package
    from addin.io.reader import read_store
    from addin.io.writer import append_rows, replace_rows, update_workbook

    path = Path(path)
    store = read_store(path)
    plan = reopen_period(store, period, user, reason, now or clock_now())

    def edit(wb: Any) -> None:
        replace_rows(wb, "periods", plan.periods, store.locale)
        append_rows(wb, "audit_log", [plan.audit_row], store.locale)
        if plan.settings_updates:
            _set_settings(wb, plan.settings_updates, store.locale)

    try:
        edit_package(path, locale=store.locale, replacements={"periods": plan.periods},
                     appends={"audit_log": [plan.audit_row]}, settings=plan.settings_updates)
    except FastPathUnavailable:
        update_workbook(path, edit)
    return plan


__all__ = [
    "ClosePlan", "CloseOutcome", "ReopenPlan", "close_period", "close_workbook", "is_service_manager", "reopen_period",
    "reopen_workbook", "stocktake_postings", "validate_for_close", "default_report_dir",
]

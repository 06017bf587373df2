"""Month-end close (月结): DOMAIN.md "Month-end close", in order — the pure plan.

:func:`close_period` takes a :class:`Store` and returns a :class:`ClosePlan` (who closes, what to
append and change, the KPI results, the valued stock); :func:`plan_edit` turns it into the
:class:`~addin.io.edit.WorkbookEdit` that any engine writes. :func:`reopen_period` and
:func:`reopen_edit` do the same for reopening. Nothing here opens a file: the one orchestration
that the command line, batch and the ribbon call (read, check identity, validate, plan, reports,
write) is :mod:`addin.month_end`.

Closing a period that is already closed changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from addin import sets
from addin.errors import CloseError
from addin.findings import Finding
from addin.i18n import Text
from addin.identity import SERVICE_MANAGER, identify
from addin.io.edit import DashboardValues, WorkbookEdit
from addin.periods import (
    bounds,
    check_period,
    is_closed,
    moved_from_notes,
    next_period,
    period_fingerprint,
    period_notes,
    with_fingerprint,
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
T_STOCKTAKE_NOTE = Text("Stocktake {date}: counted {counted:g}, book {book:g}",
                        "盘点 {date}：实盘 {counted:g}，账面 {book:g}")
T_AUDIT_CLOSE = Text("Closed: {records} records, data hash {hash}; {postings} stocktake posting(s); "
                     "revenue {revenue}; warnings {warnings}",
                     "结账：{records} 条记录，数据指纹 {hash}；盘点过账 {postings} 笔；营业额 {revenue}；警告 {warnings} 个")
T_AUDIT_REOPEN = Text("Reopened: {reason}", "反结账：{reason}")
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
    months: Any = None  # {YYYY-MM: KpiResult} of the year to the period (the dashboard's chart)
    data_hash: str = ""
    record_count: int = 0
    #: The fingerprints sheet's records after the close (addin.periods.with_fingerprint).
    fingerprints: list[dict[str, Any]] = field(default_factory=list)
    #: The frames of ``store`` that do not depend on the period, made for the KPIs
    #: (addin.kpis.shared_frames): the reports' own KPIs reuse them.
    shared: dict[str, Any] = field(default_factory=dict, repr=False)


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

def stocktake_postings(store: Store, period: str) -> list[dict[str, Any]]:
    """stocktake_gain / stocktake_loss movements for the variances of the counts dated in
    ``period``: counted_qty − book quantity at the end of the count date (the book includes every
    movement dated up to that day, earlier postings of this period included)."""

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
        txn_id = sets.stocktake_txn_id(day, part)
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
            return dict(rec)
    return None


def compute_results(store: Store, period: str, valuation: Any,
                    shared: dict[str, Any] | None = None) -> tuple[Any, Any, Any]:
    """The KPI results of ``period``, the previous month and the same month last year, from one
    stock valuation (and the frames ``shared`` that do not depend on the period); of the previous
    month and last year their values only, what the dashboard and the reports show of them."""
    from addin.kpis import compute_comparison

    return compute_comparison(store, period, valuation, shared=shared, values_only=True)


def close_period(
    store: Store,
    period: str,
    user: str | None,
    now: dt.datetime,
    *,
    login: str | None = None,
    step: Callable[[str], None] | None = None,
) -> ClosePlan:
    """Plan the close of ``period`` (pure: no file is read or written).

    Only a service manager of the roster employed that day closes (``user``: excel_user,
    staff_id or name; without it the ``login`` must be someone's excel_user; see
    :func:`addin.identity.identify`): anyone else is refused with :class:`IdentityError`. The
    periods and audit rows record the staff_id and name.
    A period is closed after its last day and in order (not after the open_period setting).
    Steps, in DOMAIN.md's order: validate (errors -> :class:`CloseError`), post the stocktake
    variances, value stock, compute the KPIs of the period, the previous month and the same month
    last year, then fingerprint the period and prepare the periods, audit_log and settings rows.
    ``step(name)`` is called as each step starts (progress and timings). An already closed period
    gives a plan with ``already_closed`` and nothing to write.
    """
    period = check_period(period)
    mark = step or (lambda _name: None)
    actor = identify(store, user, now.date(), need=SERVICE_MANAGER, action="close", login=login)
    user = actor.audit_user
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
    from addin.dashboard_data import compute_months
    from addin.kpis import shared_frames

    # The period, its comparisons and the chart's months of one store: its frames made once.
    shared = plan.shared = shared_frames()
    plan.result, plan.previous, plan.last_year = compute_results(closed, period, plan.valuation, shared)
    plan.months = compute_months(closed, period, plan.valuation, known=(plan.result, plan.previous), shared=shared)

    mark("fingerprint")
    fp = period_fingerprint(closed, period)
    plan.data_hash, plan.record_count = fp.data_hash, fp.count()
    plan.period_row = {"period": period, "status": "closed", "closed_at": now.replace(microsecond=0),
                       "closed_by": user, "data_hash": fp.data_hash, "notes": period_notes(fp, store.locale)}
    # A workbook closed before the fingerprints sheet: the earlier periods' fingerprints move
    # from their notes to the sheet, and their notes are put in words (issue 13).
    moved_notes, moved_rows = moved_from_notes(store, store.locale)
    plan.fingerprints = with_fingerprint(store, fp, moved_rows)
    records, existing = _periods_records(store, plan.period_row)
    if moved_notes:
        records = [{**r, "notes": moved_notes[r["period"].strip()]}
                   if isinstance(r.get("period"), str) and r["period"].strip() in moved_notes else r for r in records]
        plan.periods = records if existing else [*records, plan.period_row]
    else:
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
    return plan


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


def plan_edit(plan: ClosePlan) -> WorkbookEdit:
    """What a close writes into the workbook, for any engine of :func:`addin.io.edit.apply_edit`:
    the stocktake postings and the audit row appended, the periods row (replacing the period's
    row, else appended), the fingerprints sheet (the period's parts replacing any it had), the
    settings, the dashboard."""
    appends: dict[str, Any] = {sheet: records for sheet, records in plan.appends.items() if records}
    replacements: dict[str, Any] = {"periods": plan.periods} if plan.periods else {}
    if plan.fingerprints:
        replacements["fingerprints"] = plan.fingerprints
    if not plan.periods:
        appends["periods"] = [plan.period_row]
    return WorkbookEdit(replacements=replacements, appends=appends, settings=dict(plan.settings_updates),
                        dashboard=DashboardValues(plan.result, plan.previous, plan.last_year, plan.months))


def _kpi(result: Any, kpi_id: str) -> float | None:
    if result is None:
        return None
    value = result.to_json().get(kpi_id)
    return None if value is None else float(value)


# -- reopen -------------------------------------------------------------------------------------

@dataclass
class ReopenPlan:
    """The periods rows after reopening, the audit row, and the settings to change."""

    period: str
    periods: list[dict[str, Any]]
    audit_row: dict[str, Any]
    settings_updates: dict[str, str]
    locale: str = "en-US"


def reopen_period(store: Store, period: str, user: str | None, reason: str, now: dt.datetime, *,
                  login: str | None = None) -> ReopenPlan:
    """Plan reopening a closed period: only a service manager of the roster (by staff_id, name or
    excel_user, employed today; see :func:`close_period`) may, with a reason, and not while a
    later period is closed. open_period moves back to the reopened period when it is later."""
    period = check_period(period)
    actor = identify(store, user, now.date(), need=SERVICE_MANAGER, action="reopen", login=login)
    user = actor.audit_user
    if not reason or not reason.strip():
        raise CloseError(T_NO_REASON)
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


def reopen_edit(plan: ReopenPlan) -> WorkbookEdit:
    """What a reopen writes: the periods sheet, the audit row, the settings."""
    return WorkbookEdit(replacements={"periods": plan.periods}, appends={"audit_log": [plan.audit_row]},
                        settings=dict(plan.settings_updates))


__all__ = [
    "ClosePlan", "ReopenPlan", "close_period", "plan_edit", "reopen_edit", "reopen_period", "stocktake_postings",
    "validate_for_close",
]

"""The rule registry and the engine that runs it.

Each rule of DOMAIN.md is declared once with :func:`rule`: id, severity, sheet, the message in
both languages and a docstring; the decorated function gets a :class:`Context` and yields
:class:`Hit` s (the failing cells). :func:`validate_store` runs every rule in phase order and turns
hits into :class:`~addin.findings.Finding` s, so that one mistake gives one finding: a cell already
reported (by a read problem, a format rule, a reference rule) is not reported again by a later rule.
"""

from __future__ import annotations

import datetime as dt
import inspect
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd

from addin import sets
from addin.findings import Finding
from addin.i18n import Text, column_label, sheet_label, tr
from addin.models import SHEETS
from addin.store import Store

Severity = Literal["error", "warning"]

# Money and quantities are compared with this tolerance: cents and fractions of a unit only.
EPS = 1e-6


class Phase(IntEnum):
    """Order of precedence: a cell reported in an earlier phase is not checked again later."""

    READ = 0  # missing sheets and columns, required cells, types, enum values, settings
    FORMAT = 1  # duplicate keys, VIN / plate / phone format
    REFERENCE = 2  # references to records of other sheets
    BUSINESS = 3  # the business rules of each sheet


@dataclass(frozen=True)
class Hit:
    """One failing cell: its worksheet row, canonical column and value, plus the values the
    message needs. ``sheet`` defaults to the rule's sheet."""

    row: int | None
    column: str | None
    value: Any
    params: Mapping[str, Any] = field(default_factory=dict)
    sheet: str | None = None


def hits_where(table: pd.DataFrame, bad: Any, column: str, params: Mapping[str, Any] | None = None,
               sheet: str | None = None) -> Iterator[Hit]:
    """A hit for each record of ``table`` where the boolean mask ``bad`` holds, on ``column``."""
    for row, value in zip(table.loc[bad, "_row"], table.loc[bad, column]):
        yield Hit(int(row), column, value, params or {}, sheet=sheet)


@dataclass(frozen=True)
class Fragment:
    """A piece of a message with its own values, placed into a rule's message as a parameter."""

    text: Text
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    """A rule of DOMAIN.md. ``uses`` lists the "sheet.column" inputs without which the rule
    means nothing: it is skipped when one of them is missing from the workbook (the missing
    column has its own finding). ``dated`` rules report only records of the validated period."""

    id: str
    severity: Severity
    sheet: str
    message: Text
    doc: str
    check: Callable[[Context], Iterable[Hit]]
    phase: Phase = Phase.BUSINESS
    uses: tuple[str, ...] = ()
    dated: bool = True


#: Every rule by id, in registration order (areas register on import of addin.rules).
RULES: dict[str, Rule] = {}


def rule(
    id: str,
    severity: Severity,
    sheet: str,
    message: Text,
    *,
    phase: Phase = Phase.BUSINESS,
    uses: Iterable[str] = (),
    dated: bool = True,
) -> Callable[[Callable[[Context], Iterable[Hit]]], Callable[[Context], Iterable[Hit]]]:
    """Register the decorated check function as rule ``id``; its docstring documents the rule."""

    def register(fn: Callable[[Context], Iterable[Hit]]) -> Callable[[Context], Iterable[Hit]]:
        if id in RULES:
            raise ValueError(f"rule {id} declared twice")
        if not fn.__doc__:
            raise ValueError(f"rule {id} needs a docstring")
        RULES[id] = Rule(id, severity, sheet, message, inspect.cleandoc(fn.__doc__), fn, phase,
                         tuple(uses), dated)
        return fn

    return register


def ordered_rules() -> list[Rule]:
    """The rules in the order they run (phase, then registration)."""
    return sorted(RULES.values(), key=lambda r: r.phase)


# ---------------------------------------------------------------------------------------------
# Context: the store plus the lookups several rules share, computed once.

def parse_period(period: str | None) -> pd.Period | None:
    """'2026-10' -> pd.Period; a PeriodError (addin.periods) for anything else."""
    if period is None:
        return None
    from addin.periods import check_period

    return pd.Period(check_period(period), freq="M")


def in_month(dates: pd.Series, period: pd.Period) -> pd.Series:
    """Which dates fall in ``period`` (NaT: no)."""
    start = period.start_time.normalize()
    end = period.end_time.normalize()
    return (dates >= start) & (dates <= end)


# Dates on which something happened (not due dates, warranty ends or expiries, which may lie ahead).
ACTIVITY_DATES: dict[str, tuple[str, ...]] = {
    "work_orders": ("open_date", "close_date", "followup_date"),
    "parts_ledger": ("txn_date",),
    "claims": ("submitted_date", "decided_date", "parts_returned_date"),
    "claim_payments": ("paid_date",),
    "stocktake": ("count_date",),
    "backorders": ("request_date", "ordered_date", "arrived_date", "notified_date"),
}


class Context:
    """What a rule sees: the store's tables and settings, the period, the date results are
    computed as of, and what earlier rules reported."""

    def __init__(self, store: Store, period: str | None = None) -> None:
        self.store = store
        self.settings = store.settings
        self.period = parse_period(period)
        self._reported: dict[str, dict[int | None, set[str | None]]] = {}
        self._memo: dict[str, Any] = {}

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """A value several rules share, computed by the first that asks."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    # -- tables --------------------------------------------------------------------------------
    def table(self, sheet: str) -> pd.DataFrame:
        return self.store.tables[sheet]

    def missing(self, sheet: str, column: str | None = None) -> bool:
        """True when the workbook has no such sheet, or no such column in it."""
        if sheet in self.store.missing_sheets:
            return True
        return column is not None and column in self.store.missing_columns.get(sheet, ())

    @cached_property
    def as_of(self) -> pd.Timestamp:
        """The day results are computed as of: the end of the validated period, else the latest
        activity date in the data (never the wall clock, so a validation can be repeated)."""
        if self.period is not None:
            return self.period.end_time.normalize()
        latest = pd.Timestamp("1900-01-01")
        for sheet, columns in ACTIVITY_DATES.items():
            df = self.table(sheet)
            for column in columns:
                m = df[column].max() if len(df) else pd.NaT
                if not pd.isna(m) and m > latest:
                    latest = m
        return latest

    @cached_property
    def jobs(self) -> pd.DataFrame:
        """Work orders indexed by wo_no, first occurrence of a duplicated number only."""
        wo = self.table("work_orders")
        wo = wo[wo["wo_no"].notna()].drop_duplicates("wo_no")
        return wo.set_index("wo_no")

    @cached_property
    def staff(self) -> pd.DataFrame:
        """Roster indexed by staff_id, first occurrence only."""
        ro = self.table("roster")
        return ro[ro["staff_id"].notna()].drop_duplicates("staff_id").set_index("staff_id")

    @cached_property
    def vehicles(self) -> pd.DataFrame:
        ve = self.table("vehicles")
        return ve[ve["vin"].notna()].drop_duplicates("vin").set_index("vin")

    @cached_property
    def part_numbers(self) -> set[str]:
        return set(self.table("parts")["part_no"].dropna())

    @cached_property
    def live_lines(self) -> pd.DataFrame:
        """Lines that bill: not declined (KPIS.md's billed lines)."""
        return sets.billed_lines(self.table("wo_lines"))

    def jobs_paid_by(self, pay_type: str) -> set[str]:
        """wo_no of the jobs with at least one line of ``pay_type`` that is not declined."""
        def compute() -> set[str]:
            ln = self.live_lines
            return set(ln.loc[(ln["pay_type"] == pay_type).to_numpy(), "wo_no"].dropna())
        return self.memo(f"paid_by:{pay_type}", compute)

    # -- what earlier rules reported -------------------------------------------------------------
    def reported(self, sheet: str, row: int | None, column: str | None) -> bool:
        return column in self._reported.get(sheet, {}).get(row, ())

    def report(self, sheet: str, row: int | None, column: str | None) -> None:
        """Record that a finding was given for this cell (the engine calls it)."""
        self._reported.setdefault(sheet, {}).setdefault(row, set()).add(column)

    def flagged_rows(self, sheet: str, columns: Iterable[str]) -> set[int]:
        """Rows of ``sheet`` with a finding so far on one of ``columns``: rules that aggregate
        rows leave them out rather than report one mistake a second time."""
        wanted = set(columns)
        return {row for row, cols in self._reported.get(sheet, {}).items()
                if row is not None and cols & wanted}

    # -- the period ------------------------------------------------------------------------------
    def period_rows(self, sheet: str) -> set[int] | None:
        """Rows of ``sheet`` dated in the validated period; None when every row counts (no
        period, or a sheet of master data such as roster, vehicles, parts, settings)."""
        if self.period is None:
            return None
        dates = _PERIOD_DATES.get(sheet)
        if dates is None:
            return None
        return dates(self)


def in_key_order(df: pd.DataFrame, key: str, date: str) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows of ``df`` with each ``key``'s rows side by side, in ``date`` then sheet order, and
    the key's code of each row (equal codes, equal keys). The keys follow their first appearance,
    not their text: sorting numbers is cheaper, and a rule's hits are sorted by row in the end.
    ``df`` has no blank key or date."""
    code, _ = pd.factorize(df[key].to_numpy())
    order = np.lexsort((df["_row"].to_numpy(), df[date].to_numpy().view("i8"), code))
    return df.iloc[order], code[order]


def lookup(indexed: pd.DataFrame, keys: pd.Series, columns: Iterable[str]) -> pd.DataFrame:
    """``columns`` of the ``indexed`` record each of ``keys`` names, aligned with ``keys`` (blank
    where no record has that key). Keys stay Python text: pandas would otherwise turn them into
    Arrow strings and convert them back for every lookup."""
    cols = list(columns)
    pos = indexed.index.get_indexer(pd.Index(keys.to_numpy(), dtype=object))
    found = pos >= 0
    out = indexed[cols].iloc[np.where(found, pos, 0)] if len(indexed) else indexed[cols].reindex(range(len(keys)))
    out.index = keys.index
    if not found.all():
        out = out.where(pd.Series(found, index=keys.index), axis=0)
    return out


def _rows_dated(df: pd.DataFrame, period: pd.Period, columns: Iterable[str]) -> pd.Series:
    """In the period by any of ``columns``; a record with none of them readable counts too, so
    that its read problems are not hidden."""
    cols = list(columns)
    hit = pd.Series(False, index=df.index)
    for c in cols:
        hit |= in_month(df[c], period)
    return hit | df[cols].isna().all(axis=1)


def _job_rows(ctx: Context) -> pd.Series:
    wo = ctx.table("work_orders")
    assert ctx.period is not None
    return _rows_dated(wo, ctx.period, ["open_date", "close_date"])


def _jobs_in_period(ctx: Context) -> set[str]:
    wo = ctx.table("work_orders")
    return set(wo.loc[_job_rows(ctx), "wo_no"].dropna())


def _lines_in_period(ctx: Context) -> set[int]:
    ln = ctx.table("wo_lines")
    jobs = _jobs_in_period(ctx)
    known = ln["wo_no"].isin(set(ctx.jobs.index))
    return set(ln.loc[ln["wo_no"].isin(jobs) | ~known, "_row"])


def _claims_in_period(ctx: Context) -> set[int]:
    cl = ctx.table("claims")
    assert ctx.period is not None
    by_date = in_month(cl["submitted_date"], ctx.period) | in_month(cl["decided_date"], ctx.period)
    undated = cl["submitted_date"].isna() & cl["decided_date"].isna()
    jobs = _jobs_in_period(ctx) | (set(cl["wo_no"].dropna()) - set(ctx.jobs.index))
    return set(cl.loc[by_date | (undated & cl["wo_no"].isin(jobs)), "_row"])


def _dated_by(*columns: str) -> Callable[[str], Callable[[Context], set[int]]]:
    def by_sheet(sheet: str) -> Callable[[Context], set[int]]:
        def rows(ctx: Context) -> set[int]:
            df = ctx.table(sheet)
            assert ctx.period is not None
            return set(df.loc[_rows_dated(df, ctx.period, columns), "_row"])
        return rows
    return by_sheet


_PERIOD_DATES: dict[str, Callable[[Context], set[int]]] = {
    "work_orders": lambda ctx: set(ctx.table("work_orders").loc[_job_rows(ctx), "_row"]),
    "wo_lines": _lines_in_period,
    "claims": _claims_in_period,
    "parts_ledger": _dated_by("txn_date")("parts_ledger"),
    "claim_payments": _dated_by("paid_date")("claim_payments"),
    "stocktake": _dated_by("count_date")("stocktake"),
    "backorders": _dated_by("request_date")("backorders"),
    "appointments": _dated_by("appt_date")("appointments"),  # issue 18
}


# ---------------------------------------------------------------------------------------------
# Rendering

_WHERE_CELL = Text("{sheet}, row {row}, {column} = {value}: ", "{sheet} 第{row}行 {column} = {value}：")
_WHERE_ROW = Text("{sheet}, row {row}: ", "{sheet} 第{row}行：")
_WHERE_COLUMN = Text("{sheet}, column {column}: ", "{sheet} {column}列：")
_WHERE_SHEET = Text("{sheet}: ", "{sheet}：")
_BLANK = Text("(blank)", "（空）")
_TRUE_FALSE = {True: Text("TRUE", "是"), False: Text("FALSE", "否")}


def plain_value(value: Any) -> Any:
    """A cell value as a JSON-friendly primitive: dates as ISO text, NaN/NaT/NA as None."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.date().isoformat() if not (value.hour or value.minute or value.second) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        if math.isnan(f):
            return None
        return int(f) if f.is_integer() else f
    return value


class _Shown(str):
    """Text already formatted for a message: shown without quotes."""


def show(value: Any, locale: str) -> str:
    """A value as a message shows it: text quoted, dates ISO, numbers to at most 2 decimals."""
    if isinstance(value, _Shown):
        return str(value)
    if isinstance(value, (pd.Timestamp, dt.date)) and not pd.isna(value):
        return str(plain_value(value))
    value = plain_value(value)
    if value is None:
        return tr(_BLANK, locale)
    if isinstance(value, bool):
        return tr(_TRUE_FALSE[value], locale)
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return f"“{text}”" if locale == "zh-CN" else f"'{text}'"


def render(rule: Rule, hit: Hit, locale: str) -> str:
    """The finding's message: where (sheet, row, column, value), then the rule's text."""
    sheet = hit.sheet or rule.sheet
    where = {"sheet": sheet_label(sheet, locale), "row": hit.row,
             "column": column_label(sheet, hit.column, locale) if hit.column else None,
             "value": show(_as_entered(sheet, hit.column, hit.value, locale), locale)}
    if hit.row is not None and hit.column is not None:
        prefix = tr(_WHERE_CELL, locale, **where)
    elif hit.row is not None:
        prefix = tr(_WHERE_ROW, locale, **where)
    elif hit.column is not None:
        prefix = tr(_WHERE_COLUMN, locale, **where)
    else:
        prefix = tr(_WHERE_SHEET, locale, **where)
    params = {k: _param(v, locale) for k, v in hit.params.items()}
    return prefix + tr(rule.message, locale, **{**where, **params})


def _as_entered(sheet: str, column: str | None, value: Any, locale: str) -> Any:
    """A cell value the way the user sees it: an enum key as its label in the locale, a
    percentage as 15% (a read problem's raw value stays as typed)."""
    spec = SHEETS.get(sheet)
    col = spec.by_key.get(column or "") if spec else None
    if col is not None and col.enum is not None and isinstance(value, str):
        labels = col.enum.labels()
        if value in labels:
            return labels[value][1 if locale == "zh-CN" else 0]
    if col is not None and col.kind == "percent" and isinstance(value, (int, float)) and not pd.isna(value):
        return _Shown(f"{value * 100:.4g}%")
    return value


def _param(value: Any, locale: str) -> Any:
    if isinstance(value, Fragment):
        return tr(value.text, locale, **{k: _param(v, locale) for k, v in value.values.items()})
    if isinstance(value, Text):
        return tr(value, locale)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(_param(v, locale)) for v in value)
    if isinstance(value, str):
        return value
    return show(value, locale)


# ---------------------------------------------------------------------------------------------
# The engine


def _sheet_order(sheet: str) -> int:
    keys = list(SHEETS)
    return keys.index(sheet) if sheet in SHEETS else len(keys)


def _skipped(rule: Rule, ctx: Context) -> bool:
    for use in rule.uses:
        sheet, _, column = use.partition(".")
        if ctx.missing(sheet, column or None):
            return True
    return False


def validate_store(store: Store, period: str | None = None) -> list[Finding]:
    """Check every rule on ``store``; the findings sorted by sheet (workbook order) and row.

    With ``period`` (YYYY-MM) only records dated in that month are reported (work orders opened
    or settled in it and their lines, ledger movements, claims submitted or decided, payments);
    state that spans periods (the stock replay, overdue parts returns, closed periods) still
    reads all the data. Messages are in the store's locale."""
    ctx = Context(store, period)
    found: list[tuple[Rule, Hit]] = []
    for r in ordered_rules():
        if _skipped(r, ctx):
            continue
        for hit in r.check(ctx):
            sheet = hit.sheet or r.sheet
            if ctx.reported(sheet, hit.row, hit.column):
                continue
            ctx.report(sheet, hit.row, hit.column)
            found.append((r, hit))
    period_rows: dict[str, set[int] | None] = {}
    findings = []
    for r, hit in found:
        sheet = hit.sheet or r.sheet
        if r.dated and hit.row is not None:
            if sheet not in period_rows:
                period_rows[sheet] = ctx.period_rows(sheet)
            rows = period_rows[sheet]
            if rows is not None and hit.row not in rows:
                continue
        findings.append(Finding(r.id, r.severity, sheet, None if hit.row is None else int(hit.row),
                                hit.column, plain_value(hit.value), render(r, hit, store.locale)))
    rank = {rid: i for i, rid in enumerate(RULES)}
    findings.sort(key=lambda f: (_sheet_order(f.sheet), f.row if f.row is not None else -1, rank[f.rule]))
    return findings


def checks_records(findings: Iterable[Finding], locale: str) -> list[dict[str, Any]]:
    """Findings as records of the checks sheet (sheet and column shown by their labels in
    ``locale``), for whichever writer fills that sheet."""
    return [{"sheet": sheet_label(f.sheet, locale), "row": f.row,
             "column": column_label(f.sheet, f.column, locale) if f.column else None,
             "severity": f.severity, "rule": f.rule, "message": f.message} for f in findings]

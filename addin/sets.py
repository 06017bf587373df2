"""The sets and amounts of KPIS.md "Sets and helpers", defined once.

Every KPI, report, worksheet function, rule and the close's stocktake posting that needs one of
these takes it from here, so that a settled job, a billed line or an outstanding claim means the
same thing everywhere:

* :func:`settled_mask` / :func:`settled_jobs`: S, work orders with status settled and close_date
  in P;
* :func:`entries_mask` / :func:`entries`: O, work orders with open_date in P, not cancelled;
* :func:`billed_mask` / :func:`billed_lines`: the wo_lines whose declined is not TRUE;
* :func:`gross`, :func:`ex_tax`, :func:`amount`: qty × unit_price × (1 − discount_pct), without
  VAT when prices include it (a blank discount is 0; a blank qty or unit_price gives a blank
  amount, which every sum treats as 0);
* :func:`job_parts_cost`: cost of a job's issues − cost of its returns to stock, as valued;
* :func:`paid_by` and :func:`outstanding`: a claim's approved_amount (else claimed_amount) minus
  its payments paid by a date;
* :func:`book_quantities`: a part's book quantity at the end of a count's date, before that count
  was posted;
* :func:`employed_workdays`, :func:`available_hours` and :func:`available_hours_per_day`: KPIS.md
  "Per technician" available_hours (days that are work_weekdays while employed × daily_hours), per
  person over a period and per day over a set of people;
* :func:`arrived_jobs`: the work orders named by an arrived appointment (issue 18).

Pure pandas: tables in, arrays and tables out; no file is opened. The functions take the typed
tables of :mod:`addin.tables` and the period's first and last day (a :class:`~addin.periods.Period`
carries both).
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import pandas as pd

from addin.models import INFLOW_TYPES, OUTFLOW_TYPES, WEEKDAYS, Settings

#: Claim statuses that owe nothing: the claim is not (or no longer) receivable.
SETTLED_CLAIM_STATUSES = ("draft", "rejected", "closed")
#: The movements a count's posting writes.
STOCKTAKE_TYPES = ("stocktake_gain", "stocktake_loss")


class _Valued(Protocol):
    """A stock valuation (addin.stock.Valuation): what :func:`job_parts_cost` reads."""

    def job_parts_cost(self, up_to: object | None = None) -> pd.Series: ...


def within(dates: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    """Dates from ``start`` to ``end``, both included (a blank date is not within)."""
    d = dates.to_numpy(dtype="datetime64[ns]")
    return np.asarray((d >= start.to_datetime64()) & (d <= end.to_datetime64()), dtype=bool)


def flag(series: pd.Series) -> np.ndarray:
    """A yes/no column as a bool array, blank = False."""
    return np.asarray(series.fillna(False).to_numpy(dtype=bool), dtype=bool)


# -- work orders ----------------------------------------------------------------------------------

def settled_mask(work_orders: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    """S: status settled and close_date from ``start`` to ``end``."""
    return np.asarray((work_orders["status"] == "settled").to_numpy() & within(work_orders["close_date"], start, end), dtype=bool)


def settled_jobs(work_orders: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """S: the rows of work_orders settled in the period."""
    return work_orders.loc[settled_mask(work_orders, start, end)]


def entries_mask(work_orders: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    """O: open_date from ``start`` to ``end`` and status not cancelled."""
    return np.asarray(within(work_orders["open_date"], start, end) & (work_orders["status"] != "cancelled").to_numpy(), dtype=bool)


def entries(work_orders: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """O: the rows of work_orders entered in the period."""
    return work_orders.loc[entries_mask(work_orders, start, end)]


# -- lines and amounts ------------------------------------------------------------------------------

def billed_mask(lines: pd.DataFrame) -> np.ndarray:
    """Billed lines: declined is not TRUE."""
    return ~flag(lines["declined"])


def billed_lines(lines: pd.DataFrame) -> pd.DataFrame:
    """The wo_lines that bill (declined is not TRUE)."""
    return lines.loc[billed_mask(lines)]


def gross(lines: pd.DataFrame) -> np.ndarray:
    """gross(line) = qty × unit_price × (1 − discount_pct); a blank discount_pct is 0."""
    disc = lines["discount_pct"].fillna(0.0).to_numpy(dtype="float64")
    return np.asarray(lines["qty"].to_numpy(dtype="float64") * lines["unit_price"].to_numpy(dtype="float64") * (1 - disc), dtype="float64")


def ex_tax(x: Any, settings: Settings) -> Any:
    """ex_tax(x) = x / (1 + tax_rate) when prices include tax, else x."""
    return x / (1 + settings.tax_rate) if settings.prices_include_tax else x


def amount(lines: pd.DataFrame, settings: Settings) -> np.ndarray:
    """amount(line) = ex_tax(gross(line))."""
    return ex_tax(gross(lines), settings)  # type: ignore[no-any-return]


# -- parts cost -------------------------------------------------------------------------------------

def job_parts_cost(valuation: _Valued, up_to: object | None = None) -> pd.Series:
    """Parts cost per job (wo_no): the cost of its issue movements − the cost of its
    return_to_stock movements, as ``valuation`` values them; all dates, or those up to the end
    of ``up_to``."""
    return valuation.job_parts_cost(up_to)


# -- claims -----------------------------------------------------------------------------------------

def valid_payments(payments: pd.DataFrame) -> pd.DataFrame:
    """The claim_payments that count: with a claim_no, a paid_date and an amount."""
    return payments.loc[payments["paid_date"].notna().to_numpy() & payments["amount"].notna().to_numpy()
                        & payments["claim_no"].notna().to_numpy()]


def paid_by(payments: pd.DataFrame, as_of: pd.Timestamp | None = None) -> pd.Series:
    """Σ amount of the claim_payments per claim_no, of those paid by the end of ``as_of`` (all
    dated payments when None); payments without a claim, a date or an amount count for none."""
    p = valid_payments(payments)
    if as_of is not None:
        p = p.loc[p["paid_date"].to_numpy() <= pd.Timestamp(as_of).to_datetime64()]
    return p.groupby("claim_no")["amount"].sum()


def claim_base(approved: Any, claimed: Any) -> Any:
    """What a claim is owed: approved_amount if given, else claimed_amount (scalars or Series)."""
    if isinstance(approved, pd.Series):
        return approved.where(approved.notna(), claimed)
    return claimed if approved is None or pd.isna(approved) else approved


def outstanding(claims: pd.DataFrame, payments: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """Per claim (the claims' index): (approved_amount, else claimed_amount) − payments paid by
    the end of ``as_of``. Negative when overpaid; which claims are receivable (submitted by then,
    not draft, rejected or closed) is :func:`receivable_mask`."""
    paid = paid_by(payments, as_of)
    base = claim_base(claims["approved_amount"], claims["claimed_amount"])
    return pd.Series(base.to_numpy() - claims["claim_no"].map(paid).fillna(0.0).to_numpy(), index=claims.index)


def receivable_mask(claims: pd.DataFrame, as_of: pd.Timestamp) -> np.ndarray:
    """Claims submitted by the end of ``as_of`` whose status is not draft, rejected or closed."""
    end = pd.Timestamp(as_of).to_datetime64()
    mask = claims["submitted_date"].notna().to_numpy() & (claims["submitted_date"].to_numpy() <= end)
    return np.asarray(mask & ~claims["status"].isin(SETTLED_CLAIM_STATUSES).to_numpy(), dtype=bool)


# -- stock quantities -------------------------------------------------------------------------------

def stocktake_txn_id(count_date: pd.Timestamp, part_no: str) -> str:
    """The txn_id of a count's posting (the close writes it; deterministic, so a count is never
    posted twice)."""
    return f"ST-{count_date:%Y%m%d}-{part_no}"


def _signed(ledger: pd.DataFrame) -> pd.DataFrame:
    """The movements the valuation counts (a date, a part, a known type and a quantity above 0),
    as part_no, txn_date, txn_type and the signed quantity ``q`` (+ in, − out)."""
    known = ledger["txn_type"].isin(INFLOW_TYPES | OUTFLOW_TYPES).to_numpy()
    qty = ledger["qty"].to_numpy(dtype="float64")
    valid = ledger["txn_date"].notna().to_numpy() & ledger["part_no"].notna().to_numpy() & known & (qty > 0)
    m = ledger.loc[valid]
    sign = np.where(m["txn_type"].isin(INFLOW_TYPES).to_numpy(), 1.0, -1.0)
    return pd.DataFrame({"part_no": m["part_no"].to_numpy(), "txn_date": m["txn_date"].to_numpy(),
                         "txn_type": m["txn_type"].to_numpy(), "q": sign * m["qty"].to_numpy(dtype="float64")})


def book_quantities(ledger: pd.DataFrame, parts: pd.Series, dates: pd.Series, *,
                    before_posting: bool = True) -> np.ndarray:
    """The book quantity of each (part, date): Σ signed qty of that part's movements dated up to
    the end of the date. ``ledger`` is the parts_ledger table or a valuation's movements.

    With ``before_posting`` (a count's book quantity, KPIS.md stocktake_accuracy), the part's
    stocktake_gain and stocktake_loss movements dated that day are left out: they are the count's
    own posting, and with them every posted count would look right. Without it, every movement
    counts (the close posts what is still missing, so what is already posted stays in)."""
    keys = pd.DataFrame({"part_no": np.asarray(parts, dtype=object),
                         "date": pd.to_datetime(pd.Series(np.asarray(dates))).to_numpy(dtype="datetime64[ns]")})
    if keys.empty:
        return np.zeros(0)
    m = _signed(ledger)
    if m.empty:
        return np.zeros(len(keys))
    # Σ per part and day, then running totals per part: the book at the end of each day it moved.
    daily = m.groupby(["part_no", "txn_date"], sort=True)["q"].sum().reset_index()
    daily["book"] = daily.groupby("part_no")["q"].cumsum()
    order = np.argsort(keys["date"].to_numpy(), kind="stable")
    ordered = keys.iloc[order].reset_index()
    daily = daily.sort_values("txn_date", kind="stable")
    got = pd.merge_asof(ordered, daily[["part_no", "txn_date", "book"]], left_on="date", right_on="txn_date",
                        by="part_no", direction="backward")
    book = got["book"].fillna(0.0).to_numpy()
    if before_posting:
        posted = m.loc[m["txn_type"].isin(STOCKTAKE_TYPES).to_numpy()]
        adj = posted.groupby(["part_no", "txn_date"])["q"].sum()
        index = pd.MultiIndex.from_arrays([got["part_no"], got["date"]])
        book = book - adj.reindex(index).fillna(0.0).to_numpy()
    out = np.empty(len(keys))
    out[got["index"].to_numpy()] = book
    return out


def on_duty_mask(roster: pd.DataFrame, day: pd.Timestamp) -> np.ndarray:
    """Roster members employed on ``day``: hire_date ≤ day ≤ leave_date (blank leave_date =
    still employed)."""
    d = pd.Timestamp(day).to_datetime64()
    hire, leave = roster["hire_date"].to_numpy(), roster["leave_date"].to_numpy()
    return np.asarray(roster["hire_date"].notna().to_numpy() & (hire <= d) & (roster["leave_date"].isna().to_numpy() | (leave >= d)), dtype=bool)


# -- the customer care registers (issue 11) ---------------------------------------------------------

def first_reached_calls(followups: pd.DataFrame) -> pd.DataFrame:
    """Per wo_no, its first reached follow-up call (earliest call_date, ties in sheet order):
    ``call_date`` and ``satisfaction``, indexed by wo_no."""
    f = followups.loc[flag(followups["reached"]) & followups["call_date"].notna().to_numpy()
                      & followups["wo_no"].notna().to_numpy()]
    f = f.sort_values(["call_date", "_row"] if "_row" in f else ["call_date"], kind="stable")
    return f.drop_duplicates("wo_no").set_index("wo_no")[["call_date", "satisfaction"]]


def with_followups(work_orders: pd.DataFrame, followups: pd.DataFrame) -> pd.DataFrame:
    """The work orders with DOMAIN.md's followups fallback: a job's followup_date is its own cell,
    or else the date of its first reached call; its csi_score is its own cell, or else the
    satisfaction of its first reached call. Without calls the table comes back as it is."""
    if not len(followups) or not len(work_orders):
        return work_orders
    first = first_reached_calls(followups)
    if first.empty:
        return work_orders
    wo = work_orders.copy()
    call = wo["wo_no"].map(first["call_date"])
    score = wo["wo_no"].map(first["satisfaction"])
    wo["followup_date"] = wo["followup_date"].where(wo["followup_date"].notna(), call).astype("datetime64[ns]")
    wo["csi_score"] = wo["csi_score"].where(wo["csi_score"].notna(), score).astype("float64")
    return wo


def complained_mask(work_orders: pd.DataFrame, complaints: pd.DataFrame) -> np.ndarray:
    """Jobs that count as complained: complaint TRUE, or named by a complaint (its wo_no)."""
    named = set(complaints["wo_no"].dropna()) if len(complaints) else set()
    return np.asarray(flag(work_orders["complaint"]) | work_orders["wo_no"].isin(named).to_numpy(), dtype=bool)


# -- available hours (KPIS.md "Per technician"; the appointments' capacity, issue 18) ---------------

#: Hours a day of a roster member whose daily_hours is blank (DOMAIN.md roster: default 8).
DEFAULT_DAILY_HOURS = 8.0


def employed_workdays(staff: pd.DataFrame, days: pd.DatetimeIndex, work_weekdays: list[str]) -> np.ndarray:
    """A (person × day) bool matrix: the day is one of ``work_weekdays`` and the person is
    employed on it (hire_date ≤ day ≤ leave_date; a blank hire_date: never)."""
    d = days.to_numpy(dtype="datetime64[ns]")
    workday = np.isin(np.asarray(days.day_of_week), [WEEKDAYS.index(w) for w in work_weekdays])
    hire = staff["hire_date"].to_numpy(dtype="datetime64[ns]")[:, None]
    leave = staff["leave_date"].to_numpy(dtype="datetime64[ns]")[:, None]
    hired = ~np.isnat(hire) & (d[None, :] >= hire)
    staying = np.isnat(leave) | (d[None, :] <= leave)
    return np.asarray(hired & staying & workday[None, :], dtype=bool)


def _daily_hours(staff: pd.DataFrame) -> np.ndarray:
    return np.asarray(staff["daily_hours"].to_numpy(dtype="float64", na_value=np.nan), dtype="float64")


def available_hours(staff: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
                    work_weekdays: list[str]) -> pd.Series:
    """Per staff_id of ``staff``: days from ``start`` to ``end`` that are work_weekdays while
    employed × daily_hours (blank daily_hours = 8)."""
    days = pd.date_range(start, end, freq="D")
    hours = np.nan_to_num(_daily_hours(staff), nan=DEFAULT_DAILY_HOURS)
    counted = employed_workdays(staff, days, work_weekdays).sum(axis=1)
    return pd.Series(counted * hours, index=staff["staff_id"].to_numpy(), dtype="float64")


def available_hours_per_day(staff: pd.DataFrame, days: pd.DatetimeIndex, work_weekdays: list[str]) -> np.ndarray:
    """Per day of ``days``: Σ daily_hours (blank = 8) of the people of ``staff`` employed that day,
    0 on a day that is not one of ``work_weekdays``."""
    hours = np.nan_to_num(_daily_hours(staff), nan=DEFAULT_DAILY_HOURS)
    return np.asarray((employed_workdays(staff, days, work_weekdays) * hours[:, None]).sum(axis=0), dtype="float64")


# -- appointments (issue 18) ----------------------------------------------------------------------

def arrived_jobs(appointments: pd.DataFrame) -> set[str]:
    """wo_no of the work orders named by an arrived appointment."""
    if not len(appointments):
        return set()
    arrived = appointments.loc[(appointments["status"] == "arrived").to_numpy()]
    return set(arrived["wo_no"].dropna())


def booked_mask(work_orders: pd.DataFrame, appointments: pd.DataFrame) -> np.ndarray:
    """Jobs that came from an appointment: appointment TRUE, or named by an arrived appointment."""
    named = arrived_jobs(appointments)
    return np.asarray(flag(work_orders["appointment"]) | work_orders["wo_no"].isin(named).to_numpy(), dtype=bool)

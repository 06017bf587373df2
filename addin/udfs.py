"""Worksheet functions for Excel (xlwings UDFs): the KPI table of a month as one array formula,
and row helpers. Each function's docstring is what Excel's function wizard shows.

Every table argument is a 2-D range INCLUDING its header row (e.g. ``tblWorkOrders[#All]`` in
Excel, or the sheet's used range); headers may be keys, English or Chinese labels. Because the
tables are arguments, Excel recalculates a function only when one of them changes, and a cache
of the data (addin.xl.cache: equal values, not the same lists) skips the computation when the same data comes again.

A function never raises into Excel: a problem comes back as the text ``#SERVICE: <message>``.
Without pywin32 (Linux, macOS tests) the xlwings decorators are pass-through, so this module
imports and is tested anywhere.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, TypeVar

import xlwings as xw

from addin.errors import ServiceError
from addin.xl.cache import InputCache

F = TypeVar("F", bound=Callable[..., Any])
ERROR_PREFIX = "#SERVICE: "
#: Results by their inputs (addin.xl.cache: a cheap fingerprint, then equality of every cell).
CACHE = InputCache()

# The sheets SERVICE_KPIS reads, in its argument order.
KPI_TABLES = ("settings", "work_orders", "wo_lines", "parts_ledger", "claims", "claim_payments", "roster",
              "positions", "vehicles", "stocktake", "backorders", "parts",
              # the registers (optional arguments at the end): issue 11 (customer care), issue 12
              "followups", "complaints", "renewals", "loaners", "training", "appointments")  # issue 18: appointments


def _safe(fn: F) -> F:
    """Turn any exception into a readable '#SERVICE: ...' cell value."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ServiceError as exc:
            return ERROR_PREFIX + exc.message()
        except Exception as exc:  # a worksheet function must never raise into Excel
            return f"{ERROR_PREFIX}{type(exc).__name__}: {exc}"
    # xlwings turns parameter type hints into value converters; ours are for readers only.
    wrapper.__annotations__ = {}
    return wrapper  # type: ignore[return-value]


def _tables(*names: str) -> Callable[[F], F]:
    """``@xw.arg(name, ndim=2)`` for each table argument (a one-row range stays a 2-D list)."""
    def apply(fn: F) -> F:
        for name in reversed(names):
            fn = xw.arg(name, ndim=2)(fn)
        return fn
    return apply


def _digest(*parts: Any) -> tuple[Any, ...]:
    """The inputs a cached result depends on (what it is, the period, the tables' values)."""
    return parts


def _cached(key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    return CACHE.lookup(key, compute)


def clear_cache() -> None:
    """Forget every cached computation."""
    CACHE.clear()


def _grid(value: Any) -> list[list[Any]]:
    """A range value as rows (a single cell or row becomes 2-D; None = empty table)."""
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        return [[value]]
    if value and not isinstance(value[0], (list, tuple)):
        return [list(value)]
    return [list(r) for r in value]


def _store(grids: dict[str, Any]) -> Any:
    from addin.io.reader import store_from_grids

    return store_from_grids({key: _grid(v) for key, v in grids.items() if v is not None})


def _date(value: Any) -> dt.datetime:
    from addin.tables import parse_date

    parsed = parse_date(value)
    if parsed is None:
        raise ValueError(f"not a date: {value!r}")
    return parsed


def _number(value: Any, default: float | None = None) -> float:
    from addin.tables import parse_number

    if value is None or value == "":
        if default is None:
            raise ValueError("a number is required")
        return default
    parsed = parse_number(value, percent=True)
    if parsed is None:
        raise ValueError(f"not a number: {value!r}")
    return parsed


def _blank(value: Any) -> Any:
    return "" if value is None else value


# ---------------------------------------------------------------------------------------------
# The KPI table


def kpi_rows(period: str, grids: dict[str, Any]) -> list[list[Any]]:
    """[[id, label, value], ...] for every KPI of the period, from raw 2-D tables by sheet key."""
    from addin.kpis import KPIS, compute_kpis
    from addin.periods import Period

    if isinstance(period, (dt.date, dt.datetime)):
        period = period.strftime("%Y-%m")  # Excel turned the typed 2026-10 into a date
    parsed = Period.parse(str(period))

    def compute() -> list[list[Any]]:
        store = _store(grids)
        result = compute_kpis(store, parsed)
        return [[kid, k.label(store.locale), _blank(result[kid])] for kid, k in KPIS.items()]

    return _cached(_digest("kpis", parsed.label, [grids.get(k) for k in KPI_TABLES]), compute)  # type: ignore[no-any-return]


@xw.func
@_tables(*KPI_TABLES)
@_safe
def SERVICE_KPIS(period: Any, settings: Any, work_orders: Any, wo_lines: Any, parts_ledger: Any, claims: Any,
                 claim_payments: Any, roster: Any, positions: Any, vehicles: Any, stocktake: Any,
                 backorders: Any, parts: Any = None, followups: Any = None, complaints: Any = None,
                 renewals: Any = None, loaners: Any = None, training: Any = None, appointments: Any = None) -> Any:
    """Every KPI of a month as rows of (id, label, value): one array formula.

    period: the month, text YYYY-MM (e.g. "2026-10").
    settings ... appointments: each table's whole range including its header row (e.g. tblWorkOrders[#All]).
    Ratios without a denominator are blank.
    """
    grids = dict(zip(KPI_TABLES, (settings, work_orders, wo_lines, parts_ledger, claims, claim_payments, roster,
                                  positions, vehicles, stocktake, backorders, parts, followups, complaints,
                                  renewals, loaners, training, appointments)))
    return kpi_rows(period, grids)


# -- The work lists (issue 11) ------------------------------------------------------------------


def care_list_rows(name: str, period: str, grids: dict[str, Any]) -> list[list[Any]]:
    """[[id, due date, person], ...] of one work list of KPIS.md (followups_due, maintenance_due,
    lapsed, churned, renewals_due, first_service_due, warranty_expiring, complaints_open) or of
    the claims work-list (claims_to_submit, claims_awaiting_decision, claims_parts_due,
    claims_unpaid, claims_written_off), in working order."""
    import pandas as pd

    from addin.kpis import care_lists
    from addin.periods import Period

    if isinstance(period, (dt.date, dt.datetime)):
        period = period.strftime("%Y-%m")
    parsed = Period.parse(str(period))
    key = str(name).strip()

    def compute() -> list[list[Any]]:
        frames = care_lists(_store(grids), parsed)
        if key not in frames:
            raise ValueError(f"unknown list {key!r}; the lists are: {', '.join(frames)}")
        return [[r.id, r.due.to_pydatetime() if not pd.isna(r.due) else "", _blank(r.person)]
                for r in frames[key].itertuples()]

    return _cached(_digest("list", key, parsed.label, [grids.get(k) for k in KPI_TABLES]), compute)  # type: ignore[no-any-return]


@xw.func
@_tables("settings", "work_orders", "vehicles", "claims", "claim_payments", "followups", "complaints")
@_safe
def SERVICE_CARE_LIST(name: Any, period: Any, settings: Any, work_orders: Any, vehicles: Any, claims: Any = None,
                      claim_payments: Any = None, followups: Any = None, complaints: Any = None) -> Any:
    """A work list as of the end of a month, as rows of (id, due date, person), sorted by due date,
    then person, then id.

    name: followups_due, maintenance_due, lapsed, churned, renewals_due, first_service_due,
    warranty_expiring, complaints_open, claims_to_submit, claims_awaiting_decision,
    claims_parts_due, claims_unpaid or claims_written_off.
    period: the month, text YYYY-MM. The tables: each whole range including its header row.
    """
    grids = {"settings": settings, "work_orders": work_orders, "vehicles": vehicles, "claims": claims,
             "claim_payments": claim_payments, "followups": followups, "complaints": complaints}
    rows = care_list_rows(name, period, grids)
    return rows or [["", "", ""]]


# -- issue 12: a person's scorecard ------------------------------------------------------------------


def score_of(staff_id: Any, period: Any, grids: dict[str, Any], kpi: Any = None) -> Any:
    """The score of ``staff_id``'s scorecard for ``period`` (KPIS.md "Scorecards"), or with
    ``kpi`` the achievement of that item; blank when there is none."""
    from addin.kpis import compute_kpis
    from addin.periods import Period

    if isinstance(period, (dt.date, dt.datetime)):
        period = period.strftime("%Y-%m")
    parsed = Period.parse(str(period))

    def compute() -> list[dict[str, Any]]:
        return compute_kpis(_store(grids), parsed).to_json()["scorecards"]

    tables = KPI_TABLES + ("appraisal_weights",)
    cards = _cached(_digest("scorecards", parsed.label, [grids.get(k) for k in tables]), compute)
    wanted = str(staff_id).strip() if staff_id is not None else ""
    card = next((c for c in cards if c["staff_id"] == wanted), None)
    if card is None:
        return ""
    if kpi is None or str(kpi).strip() == "":
        return _blank(card["score"])
    item = next((i for i in card["items"] if i["kpi"] == str(kpi).strip()), None)
    return "" if item is None else _blank(item["achievement"])


@xw.func
@_tables("appraisal_weights", *KPI_TABLES)
@_safe
def SERVICE_SCORE(staff_id: Any, period: Any, appraisal_weights: Any, settings: Any, work_orders: Any,
                  wo_lines: Any, parts_ledger: Any, claims: Any, claim_payments: Any, roster: Any, positions: Any,
                  vehicles: Any, stocktake: Any, backorders: Any, parts: Any = None, followups: Any = None,
                  complaints: Any = None, renewals: Any = None, loaners: Any = None, training: Any = None,
                  appointments: Any = None, kpi: Any = None) -> Any:
    """A person's appraisal score (绩效考核) for a month: 100 × Σ weight × achievement ÷ Σ weight.

    staff_id: the staff ID of the roster.
    period: the month, text YYYY-MM (e.g. "2026-10").
    appraisal_weights ... appointments: each table's whole range including its header row (e.g. tblAppraisalWeights[#All]).
    kpi: (optional) a KPI id of the scorecard: its achievement instead of the score.
    Blank when the person has no scorecard (not on duty, or no weights for the role) or no item has an achievement.
    """
    grids = dict(zip(("appraisal_weights",) + KPI_TABLES,
                     (appraisal_weights, settings, work_orders, wo_lines, parts_ledger, claims, claim_payments,
                      roster, positions, vehicles, stocktake, backorders, parts, followups, complaints, renewals,
                      loaners, training, appointments)))
    return score_of(staff_id, period, grids, kpi)


# ---------------------------------------------------------------------------------------------
# Row helpers


@xw.func
@_safe
def SERVICE_LINE_AMOUNT(qty: Any, unit_price: Any, discount_pct: Any = None) -> Any:
    """Line amount: qty × unit_price × (1 − discount_pct); a blank discount is 0."""
    return _number(qty) * _number(unit_price) * (1 - _number(discount_pct, 0.0))


@xw.func
@_safe
def SERVICE_EX_TAX(amount: Any, tax_rate: Any = None, prices_include_tax: Any = True) -> Any:
    """Amount without VAT: amount / (1 + tax_rate) when prices include tax, else the amount.
    tax_rate and prices_include_tax blank = the settings' defaults (13 %, TRUE)."""
    from addin import sets
    from addin.models import Settings
    from addin.tables import parse_bool

    default = Settings()
    include = default.prices_include_tax if prices_include_tax in (None, "") else parse_bool(prices_include_tax)
    if include is None:
        raise ValueError(f"prices_include_tax is not TRUE or FALSE: {prices_include_tax!r}")
    settings = Settings.model_construct(tax_rate=_number(tax_rate, default.tax_rate), prices_include_tax=include)
    return sets.ex_tax(_number(amount), settings)


def _valuation(ledger_range: Any, method: Any) -> Any:
    from addin.stock import valuate_ledger

    kind = str(method or "fifo").strip() or "fifo"

    def compute() -> Any:
        return valuate_ledger(_store({"parts_ledger": ledger_range}).table("parts_ledger"), kind)  # type: ignore[arg-type]

    return _cached(_digest("ledger", kind, _grid(ledger_range)), compute)


@xw.func
@xw.arg("ledger_range", ndim=2)
@_safe
def SERVICE_STOCK_ON_HAND(part_no: Any, date: Any, ledger_range: Any, method: Any = "fifo") -> Any:
    """Quantity of a part in stock at the end of a date, from the parts ledger range (with its
    header row)."""
    qty, _ = _valuation(ledger_range, method).on_hand(str(part_no).strip(), _date(date))
    return qty


@xw.func
@xw.arg("ledger_range", ndim=2)
@_safe
def SERVICE_STOCK_VALUE(part_no: Any, date: Any, ledger_range: Any, method: Any = "fifo") -> Any:
    """Value of a part's stock at the end of a date (fifo or moving_average), from the parts
    ledger range (with its header row)."""
    _, value = _valuation(ledger_range, method).on_hand(str(part_no).strip(), _date(date))
    return value


@xw.func
@xw.arg("ledger_range", ndim=2)
@_safe
def SERVICE_AVG_COST(part_no: Any, date: Any, ledger_range: Any, method: Any = "fifo") -> Any:
    """Average unit cost of a part's stock at the end of a date (stock value ÷ quantity; blank
    when none is held), by fifo or moving_average, from the parts ledger range (with header)."""
    return _blank(_valuation(ledger_range, method).average_cost(str(part_no).strip(), _date(date)))


def _paid(claim_no: Any, payments_range: Any, as_of: Any) -> float:
    from addin import sets

    payments = _store({"claim_payments": payments_range}).table("claim_payments")
    paid = sets.paid_by(payments, _date(as_of) if as_of not in (None, "") else None)
    return float(paid.get(str(claim_no).strip(), 0.0))


@xw.func
@xw.arg("payments_range", ndim=2)
@_safe
def SERVICE_CLAIM_OUTSTANDING(claim_no: Any, claimed_amount: Any, approved_amount: Any, payments_range: Any,
                              as_of: Any = None) -> Any:
    """Outstanding on a claim: (approved_amount if given, else claimed_amount) − its payments
    (claim payments range with header; only those paid by as_of when given)."""
    from addin import sets

    approved = _number(approved_amount) if approved_amount not in (None, "") else None
    base = sets.claim_base(approved, None if approved is not None else _number(claimed_amount))
    return base - _paid(claim_no, payments_range, as_of)


@xw.func
@_safe
def SERVICE_CLAIM_AGE(submitted_date: Any, as_of: Any = None) -> Any:
    """Days from a claim's submitted_date to as_of (blank as_of = today); blank when not submitted."""
    if submitted_date in (None, ""):
        return ""
    end = _date(as_of) if as_of not in (None, "") else dt.datetime.combine(dt.date.today(), dt.time())
    return (end - _date(submitted_date)).days


@xw.func
@_safe
def SERVICE_NEXT_SERVICE(date: Any, months: Any) -> Any:
    """The date ``months`` calendar months after ``date`` (a day missing in that month becomes its
    last day), e.g. the next maintenance date."""
    import pandas as pd

    n = _number(months)
    if not float(n).is_integer():
        raise ValueError(f"months must be a whole number: {months!r}")
    return (pd.Timestamp(_date(date)) + pd.DateOffset(months=int(n))).to_pydatetime()


def _check(name: str) -> Callable[[Any], bool]:
    from addin import checks

    return getattr(checks, name)  # type: ignore[no-any-return]


@xw.func
@_safe
def SERVICE_VIN_VALID(vin: Any) -> Any:
    """TRUE when a VIN has 17 characters without I, O, Q and a right check digit (ISO 3779)."""
    return bool(_check("vin_valid")(vin))


@xw.func
@_safe
def SERVICE_PLATE_VALID(plate: Any) -> Any:
    """TRUE when a Chinese licence plate looks right (e.g. 京A12345, new-energy 粤B D12345)."""
    return bool(_check("plate_valid")(plate))


@xw.func
@_safe
def SERVICE_MOBILE_VALID(phone: Any) -> Any:
    """TRUE when a mainland China mobile number looks right (11 digits starting with 1)."""
    return bool(_check("mobile_valid")(phone))

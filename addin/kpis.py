"""Every KPI of KPIS.md, computed from a :class:`~addin.store.Store` for one calendar month.

The registry :data:`KPIS` holds each department KPI once: its id (KPIS.md's), English and Chinese
labels, unit, whether higher is better, and its formula as the docstring of the function that
computes it. The dashboard, the ``kpi`` command, the JSON output, the UDFs and the reports look
KPIs up there. :func:`compute_kpis` returns a :class:`KpiResult` with the department KPIs plus the
receivable aging, the per-technician, per-advisor and per-team tables and the customer care lists.

Choices where KPIS.md leaves room (each documented at its KPI):

* stocktake_accuracy compares a count with the book quantity *before* the count was posted: the
  stock at the end of count_date without that part's stocktake_gain/loss movements of that date
  (posting writes them, and with them every posted count would look accurate);
* receivables sums the positive outstanding amounts only (an overpaid claim is not a negative
  receivable), so it equals the sum of the aging buckets;
* a part whose ``active`` cell is blank counts as active; a blank safety_stock is "no minimum";
* "received" (slow-moving, obsolete) means the part's first inflow movement of any type;
* a comeback is charged to the technicians with a *billed* labor line on the original job (a
  declined line is work that was not done);
* maintenance_due takes, per vehicle, the latest (largest) next_service_date of its jobs opened
  by the end of P and not cancelled;
* lapsed includes both ends (a last visit exactly lapsed_months or exactly churn_months before
  the end of P); churned is strictly more than churn_months, as churn_rate counts it.

A ratio KPI's function returns a :class:`Quotient` (numerator, denominator); the result keeps both
in :attr:`KpiResult.parts`, so that a dealer group pools ratios over stores (addin.batch.group).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal, NamedTuple, cast

import numpy as np
import pandas as pd

from addin import scorecards, sets, workshop
from addin.models import (
    SHEETS,
    ApptStatus,
    ClaimStatus,
    ClaimType,
    LineType,
    PayType,
    TxnType,
    WoStatus,
)
from addin.periods import Period, shift
from addin.stock import Valuation, valuate
from addin.store import Store

Unit = Literal["count", "money", "ratio", "hours", "days", "score", "times"]
Number = float | int | None

# Money sums compared with an amount ("payments reach approved_amount") tolerate float noise.
_MONEY_EPS = 1e-6


class Quotient(NamedTuple):
    """What a ratio KPI's function returns: its numerator and denominator. The KPI's value is
    ``num / den``, blank (None) when ``den`` is 0; both parts are kept in :attr:`KpiResult.parts`
    so that a group of stores can pool them (Σ num / Σ den)."""

    num: float
    den: float

    @property
    def value(self) -> float | None:
        return None if self.den == 0 else float(self.num) / float(self.den)


@dataclass(frozen=True)
class Pooling:
    """How a ratio KPI becomes the figure of a group of stores: Σ numerator / Σ denominator of
    the parts each store's result carries (:attr:`KpiResult.parts`), never a mean of ratios.

    Where the parts are other KPIs' values, they are named here, so that the group report can
    say how its figure is made and a result that carries no parts (a KPI JSON alone) still
    pools: ``num`` / ``den`` (KPI ids, summed; × ``scale``, and × a of stock_turnover or the
    days in P when ``per_period`` says so); ``weight`` (parts = value × weight, weight);
    ``complement_of`` (1 − that KPI's group figure). Without any of them the ratio pools from
    its parts only."""

    num: str | tuple[str, ...] = ()
    den: str | tuple[str, ...] = ()
    weight: str | None = None
    complement_of: str | None = None
    scale: float = 1.0
    per_period: Literal["annual", "days"] | None = None
    formula: str = ""


@dataclass(frozen=True)
class Kpi:
    """A department KPI: id, labels, unit, direction, formula (``doc``), how a ratio pools over
    stores (``pooling``; None for a KPI that is summed), its display (:attr:`display`) and its
    live worksheet formula (:meth:`live_formula`)."""

    id: str
    label_en: str
    label_zh: str
    unit: Unit
    higher_is_better: bool | None  # None: neither (a level, not a performance)
    doc: str
    compute: Callable[[_Context], Number | Quotient] = field(repr=False, compare=False)
    pooling: Pooling | None = None

    def label(self, locale: str | None) -> str:
        return self.label_zh if locale == "zh-CN" else self.label_en

    @property
    def display(self) -> UnitFormat:
        """How the KPI is shown (its unit's :data:`UNIT_FORMATS` entry)."""
        return UNIT_FORMATS[self.unit]

    @property
    def is_ratio(self) -> bool:
        """Whether the KPI is a ratio: its value is a numerator ÷ a denominator that a result
        keeps in :attr:`KpiResult.parts`."""
        return self.pooling is not None

    def live_formula(self, refs: LiveRefs) -> str | None:
        """The KPI's live worksheet formula (without '='), or None when formulas cannot
        express it."""
        return live_formulas(refs).get(self.id)


#: Every department KPI of KPIS.md, by id, in KPIS.md's order.
KPIS: dict[str, Kpi] = {}


def _kpi(kid: str, en: str, zh: str, unit: Unit, higher: bool | None = True, *,
         pool: Pooling | None = None) -> Callable[[Callable], Callable]:
    """Register a KPI; a ratio (its function returns a :class:`Quotient`) names its ``pool``."""
    def register(fn: Callable[[_Context], Number | Quotient]) -> Callable[[_Context], Number | Quotient]:
        KPIS[kid] = Kpi(kid, en, zh, unit, higher, inspect.getdoc(fn) or "", fn, pool)
        return fn
    return register


# ---------------------------------------------------------------------------------------------
# Periods and calendar arithmetic


def previous_period(period: str) -> str:
    """The month before ``period`` (YYYY-MM); for a :class:`Period` of any form, see
    :meth:`Period.shift`."""
    return shift(period, -1)


def same_month_last_year(period: str) -> str:
    """The same month one year before ``period`` (YYYY-MM)."""
    return shift(period, -12)


def add_months(day: pd.Timestamp, months: int) -> pd.Timestamp:
    """Calendar month arithmetic; a day missing in the target month becomes its last day."""
    return day + pd.DateOffset(months=months)


def _ratio(num: float, den: float) -> float | None:
    return None if den == 0 else float(num) / float(den)




# ---------------------------------------------------------------------------------------------
# The shared sets of one period (computed once, vectorised)


class _Context:
    """One period's sets (S, O, lines, stock, claims ...), each computed once on first use; the
    KPI functions read them and each other's values through :meth:`kpi`."""

    def __init__(self, store: Store, period: Period, valuation: Valuation,
                 shared: dict[str, Any] | None = None) -> None:
        self.store = store
        self.settings = store.settings
        self.period = period
        self.start, self.end = period.start, period.end
        self.valuation = valuation
        self.values: dict[str, Number] = {}
        self.parts: dict[str, tuple[float, float]] = {}
        self._shared = shared if shared is not None else {}

    def _once(self, key: str, make: Callable[[], Any]) -> Any:
        """A frame that does not depend on the period, made once for every context sharing
        :func:`shared_frames` (the KPIs of many periods of one store, computed together)."""
        if key not in self._shared:
            self._shared[key] = make()
        return self._shared[key]

    def kpi(self, kid: str) -> Number:
        if kid not in self.values:
            value = KPIS[kid].compute(self)
            if isinstance(value, Quotient):
                self.parts[kid] = (float(value.num), float(value.den))
                value = value.value
            self.values[kid] = value
        return self.values[kid]

    # -- work orders -----------------------------------------------------------------------

    @cached_property
    def wo(self) -> pd.DataFrame:
        """Work orders, their followup_date and csi_score falling back to the first reached call
        (DOMAIN.md followups)."""
        return self._once("wo", lambda: sets.with_followups(self.store.table("work_orders"),
                                                            self.store.table("followups")))

    @cached_property
    def complained(self) -> np.ndarray:
        """Per job of S: complaint TRUE, or named by a complaint."""
        return sets.complained_mask(self.S, self.store.table("complaints"))

    @cached_property
    def S(self) -> pd.DataFrame:
        """Settled jobs: status settled, close_date in P."""
        return sets.settled_jobs(self.wo, self.start, self.end)

    @cached_property
    def O(self) -> pd.DataFrame:
        """Entries: open_date in P, status not cancelled."""
        return sets.entries(self.wo, self.start, self.end)

    # -- lines -----------------------------------------------------------------------------

    @cached_property
    def lines(self) -> pd.DataFrame:
        """Every wo line with ``amount`` (ex-tax gross), ``billed`` and ``labor_cost``."""
        return cast(pd.DataFrame, self._once("lines", self._lines))

    def _lines(self) -> pd.DataFrame:
        lines = self.store.table("wo_lines")
        roster = self.store.table("roster").drop_duplicates("staff_id")
        rate = lines["technician_id"].map(pd.Series(roster["piece_rate"].to_numpy(), index=roster["staff_id"]))
        # The text columns stay object dtype (as in the typed tables) so that they merge with them.
        out = pd.DataFrame({
            "wo_no": lines["wo_no"],
            "line_type": lines["line_type"],
            "pay_type": lines["pay_type"],
            "technician_id": lines["technician_id"],
            "qty": lines["qty"].to_numpy(dtype="float64"),
            "actual_hours": lines["actual_hours"].to_numpy(dtype="float64"),
            "cost": lines["cost"].to_numpy(dtype="float64"),
            "amount": sets.amount(lines, self.settings),
            "billed": sets.billed_mask(lines),
        })
        out["labor_cost"] = out["qty"] * rate.astype("float64").fillna(0.0).to_numpy()
        return out

    def ex_tax(self, x: Any) -> Any:
        """ex_tax(x) = x / (1 + tax_rate) when prices include tax, else x."""
        return sets.ex_tax(x, self.settings)

    @cached_property
    def s_lines(self) -> pd.DataFrame:
        """Lines of S (billed and declined)."""
        return self.lines.loc[self.lines["wo_no"].isin(self.S["wo_no"]).to_numpy()]

    @cached_property
    def billed_s(self) -> pd.DataFrame:
        return self.s_lines.loc[self.s_lines["billed"].to_numpy()]

    @cached_property
    def labor_s(self) -> pd.DataFrame:
        return self.billed_s.loc[(self.billed_s["line_type"] == "labor").to_numpy()]

    def revenue_where(self, column: str, value: str) -> float:
        b = self.billed_s
        return float(b.loc[(b[column] == value).to_numpy(), "amount"].sum())

    @cached_property
    def job_revenue(self) -> pd.Series:
        return self.billed_s.groupby("wo_no")["amount"].sum()

    @cached_property
    def job_declined(self) -> pd.Series:
        d = self.s_lines.loc[~self.s_lines["billed"].to_numpy()]
        return d.groupby("wo_no")["amount"].sum()

    # -- stock ---------------------------------------------------------------------------------

    @cached_property
    def stock_close(self) -> pd.DataFrame:
        return self.valuation.stock_at(self.end)

    @cached_property
    def wip(self) -> pd.DataFrame:
        """Jobs opened by the end of P, not cancelled, not settled by the end of P."""
        wo = self.wo
        end = self.end.to_datetime64()
        opened = wo["open_date"].notna().to_numpy() & (wo["open_date"].to_numpy() <= end)
        settled = (wo["status"] == "settled").to_numpy() & wo["close_date"].notna().to_numpy() & (
            wo["close_date"].to_numpy() <= end)
        return wo.loc[opened & (wo["status"] != "cancelled").to_numpy() & ~settled]

    @cached_property
    def job_parts_cost(self) -> pd.Series:
        return sets.job_parts_cost(self.valuation)

    @cached_property
    def held_activity(self) -> pd.DataFrame:
        """Parts in stock at the end of P: value, date of the last issue or counter_sale and of the
        first inflow, both up to the end of P."""
        close = self.stock_close
        held = close.loc[close["qty"].to_numpy() > 0, ["value"]]
        m = self.valuation.movements
        upto = m.loc[(m["txn_date"].to_numpy() <= self.end.to_datetime64()) & m["part_no"].isin(held.index).to_numpy()]
        out = upto.loc[upto["txn_type"].isin(("issue", "counter_sale")).to_numpy()]
        held["last_out"] = out.groupby("part_no")["txn_date"].max().reindex(held.index)
        held["first_in"] = upto.loc[(upto["sign"] > 0).to_numpy()].groupby("part_no")["txn_date"].min().reindex(
            held.index)
        return held

    def aged_stock_value(self, days: int) -> float:
        """Value at the end of P of parts in stock with no issue or counter_sale in the last
        ``days`` days up to the end of P (never one: first inflow on or before the cut-off)."""
        held = self.held_activity
        cutoff = (self.end - pd.Timedelta(days=days)).to_datetime64()
        when = held["last_out"].where(held["last_out"].notna(), held["first_in"]).to_numpy()
        aged = ~pd.isna(when) & (when <= cutoff)
        return float(held.loc[aged, "value"].sum())

    # -- roster --------------------------------------------------------------------------------

    @cached_property
    def on_duty_roster(self) -> pd.DataFrame:
        r = self.store.table("roster")
        return r.loc[sets.on_duty_mask(r, self.end)]

    # -- claims --------------------------------------------------------------------------------

    @cached_property
    def claims(self) -> pd.DataFrame:
        return self._once("claims", lambda: self.store.table("claims").drop_duplicates("claim_no"))

    @cached_property
    def payments(self) -> pd.DataFrame:
        return self._once("payments", lambda: sets.valid_payments(self.store.table("claim_payments")))

    @cached_property
    def outstanding(self) -> pd.DataFrame:
        """Claims submitted by the end of P, not draft/rejected/closed, with positive outstanding
        (approved_amount, else claimed_amount, minus payments paid by the end of P) and age."""
        c = self.claims
        c = c.loc[sets.receivable_mask(c, self.end)]
        frame = pd.DataFrame({
            "claim_no": c["claim_no"],
            "claim_type": c["claim_type"],
            "outstanding": sets.outstanding(c, self.payments, self.end),
            "days": (self.end - c["submitted_date"]).dt.days,
        })
        return frame.loc[frame["outstanding"].to_numpy() > 0]

    # -- vehicles' visits ------------------------------------------------------------------

    @cached_property
    def last_visit(self) -> pd.Series:
        """Per VIN, the close_date of its last settled job by the end of P."""
        wo = self.wo
        mask = (wo["status"] == "settled").to_numpy() & wo["close_date"].notna().to_numpy()
        mask &= wo["close_date"].to_numpy() <= self.end.to_datetime64()
        return wo.loc[mask & wo["vin"].notna().to_numpy()].groupby("vin")["close_date"].max()


# ---------------------------------------------------------------------------------------------
# The department KPIs, in KPIS.md's order. Each docstring is the formula.

_STOCK = ("stock_value_open", "stock_value_close")


@_kpi("entries", "Entries (ROs opened)", "进厂台次", "count")
def _entries(c: _Context) -> Number:
    """|O|: work orders with open_date in P and status not cancelled."""
    return len(c.O)


@_kpi("settled_ros", "Settled ROs", "结算台次", "count")
def _settled_ros(c: _Context) -> Number:
    """|S|: work orders with status settled and close_date in P."""
    return len(c.S)


@_kpi("revenue", "Revenue", "营业额", "money")
def _revenue(c: _Context) -> Number:
    """Σ amount over billed lines of S; amount = ex_tax(qty × unit_price × (1 − discount_pct))."""
    return float(c.billed_s["amount"].sum())


def _split(kid: str, en: str, zh: str, column: str, value: str) -> None:
    def compute(c: _Context) -> Number:
        return c.revenue_where(column, value)
    compute.__doc__ = f"Σ amount over billed lines of S with {column} {value}."
    _kpi(kid, en, zh, "money", None if value in ("internal", "goodwill") else True)(compute)


for _args in (
    ("labor_revenue", "Labor revenue", "工时收入", "line_type", "labor"),
    ("parts_revenue", "Parts revenue", "配件收入", "line_type", "part"),
    ("accessory_revenue", "Accessory revenue", "精品收入", "line_type", "accessory"),
    ("sublet_revenue", "Sublet revenue", "外协收入", "line_type", "sublet"),
    ("misc_revenue", "Other revenue", "其他收入", "line_type", "misc"),
    ("customer_revenue", "Customer-pay revenue", "自费收入", "pay_type", "customer"),
    ("warranty_revenue", "Warranty revenue", "保修收入", "pay_type", "warranty"),
    ("insurance_revenue", "Insurance revenue", "保险收入", "pay_type", "insurance"),
    ("internal_revenue", "Internal revenue", "内部收入", "pay_type", "internal"),
    ("goodwill_revenue", "Goodwill revenue", "善意收入", "pay_type", "goodwill"),
):
    _split(*_args)


@_kpi("parts_cost", "Parts cost", "配件成本", "money", False)
def _parts_cost(c: _Context) -> Number:
    """Σ parts cost over jobs of S; parts cost of a job = cost of its issue movements − cost of
    its return_to_stock movements, as valued by the stock valuation (all dates)."""
    jobs = pd.unique(c.S["wo_no"].dropna())
    return float(c.job_parts_cost.reindex(jobs).fillna(0.0).sum())


@_kpi("labor_cost", "Labor cost (piece pay)", "工时成本", "money", False)
def _labor_cost(c: _Context) -> Number:
    """Σ qty × piece_rate of the line's technician over billed labor lines of S (blank = 0)."""
    return float(c.labor_s["labor_cost"].sum())


@_kpi("sublet_cost", "Sublet cost", "外协成本", "money", False)
def _sublet_cost(c: _Context) -> Number:
    """Σ cost over billed sublet lines of S (blank cost = 0)."""
    b = c.billed_s
    return float(b.loc[(b["line_type"] == "sublet").to_numpy(), "cost"].sum())


@_kpi("gross_profit", "Gross profit", "毛利", "money")
def _gross_profit(c: _Context) -> Number:
    """revenue − parts_cost − labor_cost − sublet_cost."""
    return float(c.kpi("revenue") - c.kpi("parts_cost") - c.kpi("labor_cost") - c.kpi("sublet_cost"))  # type: ignore[operator]


@_kpi("gross_margin", "Gross margin", "毛利率", "ratio", pool=Pooling("gross_profit", "revenue"))
def _gross_margin(c: _Context) -> Number:
    """gross_profit / revenue."""
    return Quotient(c.kpi("gross_profit"), c.kpi("revenue"))  # type: ignore[arg-type]


@_kpi("revenue_per_ro", "Revenue per RO", "单台产值", "money", pool=Pooling("revenue", "settled_ros"))
def _revenue_per_ro(c: _Context) -> Number:
    """revenue / settled_ros."""
    return Quotient(c.kpi("revenue"), c.kpi("settled_ros"))  # type: ignore[arg-type]


@_kpi("flag_hours", "Flag hours", "工时数", "hours")
def _flag_hours(c: _Context) -> Number:
    """Σ qty over billed labor lines of S."""
    return float(c.labor_s["qty"].sum())


@_kpi("hours_per_ro", "Hours per RO", "单车工时", "hours", pool=Pooling("flag_hours", "settled_ros"))
def _hours_per_ro(c: _Context) -> Number:
    """flag_hours / settled_ros."""
    return Quotient(c.kpi("flag_hours"), c.kpi("settled_ros"))  # type: ignore[arg-type]


@_kpi("effective_labor_rate", "Effective labor rate", "有效工时单价", "money", pool=Pooling("labor_revenue", "flag_hours"))
def _effective_labor_rate(c: _Context) -> Number:
    """labor_revenue / flag_hours."""
    return Quotient(c.kpi("labor_revenue"), c.kpi("flag_hours"))  # type: ignore[arg-type]


@_kpi("declined_amount", "Declined recommendations", "未成交建议项目", "money", False)
def _declined_amount(c: _Context) -> Number:
    """Σ amount over declined lines of S."""
    return float(c.s_lines.loc[~c.s_lines["billed"].to_numpy(), "amount"].sum())


@_kpi("comeback_rate", "Comeback rate", "返修率", "ratio", False, pool=Pooling(weight="settled_ros"))
def _comeback_rate(c: _Context) -> Number:
    """|{w ∈ S : rework_of not blank}| / settled_ros."""
    return Quotient(int(c.S["rework_of"].notna().sum()), len(c.S))


@_kpi("first_time_fix_rate", "First-time fix rate", "一次修复率", "ratio", pool=Pooling(complement_of="comeback_rate"))
def _first_time_fix_rate(c: _Context) -> Number:
    """1 − comeback_rate."""
    c.kpi("comeback_rate")
    comebacks, settled = c.parts["comeback_rate"]
    return Quotient(settled - comebacks, settled)


@_kpi("qc_first_pass_rate", "QC first-pass rate", "终检一次合格率", "ratio", pool=Pooling())
def _qc_first_pass_rate(c: _Context) -> Number:
    """|{w ∈ S : qc_first_pass TRUE}| / |{w ∈ S : qc_first_pass not blank}|."""
    q = c.S["qc_first_pass"]
    return Quotient(int(sets.flag(q).sum()), int(q.notna().sum()))


@_kpi("csi", "Customer satisfaction (CSI)", "客户满意度", "score", pool=Pooling(weight="csi_responses"))
def _csi(c: _Context) -> Number:
    """Mean csi_score over w ∈ S with a score."""
    scores = c.S["csi_score"].dropna()
    return Quotient(float(scores.sum()), len(scores))


@_kpi("csi_responses", "CSI responses", "满意度样本数", "count")
def _csi_responses(c: _Context) -> Number:
    """Count of the csi_score values of S."""
    return int(c.S["csi_score"].notna().sum())


@_kpi("followup_rate", "Follow-up rate", "回访率", "ratio", pool=Pooling(weight="settled_ros"))
def _followup_rate(c: _Context) -> Number:
    """|{w ∈ S : followup_date − close_date ≤ followup_window_days}| / settled_ros."""
    gap = (c.S["followup_date"] - c.S["close_date"]).dt.days
    return Quotient(int((gap <= c.settings.followup_window_days).sum()), len(c.S))


@_kpi("appointment_rate", "Appointment rate", "预约率", "ratio", pool=Pooling(weight="entries"))
def _appointment_rate(c: _Context) -> Number:
    """|{w ∈ O : appointment TRUE, or named by an arrived appointment}| / entries."""
    return Quotient(int(sets.booked_mask(c.O, c.store.table("appointments")).sum()), len(c.O))


@_kpi("complaint_rate", "Complaint rate", "投诉率", "ratio", False, pool=Pooling(weight="settled_ros"))
def _complaint_rate(c: _Context) -> Number:
    """|{w ∈ S : complaint TRUE, or named by a complaint}| / settled_ros."""
    return Quotient(int(c.complained.sum()), len(c.S))


@_kpi("first_service_rate", "First service rate", "首保率", "ratio", pool=Pooling())
def _first_service_rate(c: _Context) -> Number:
    """Vehicles sold in month P − first_service_months with a settled first_service job by the
    end of P / vehicles sold in that month."""
    # "Month P − k" of KPIS.md: as many whole months k months earlier (a quarter's or a year to
    # date's cohort is that many months too), calendar arithmetic on each bound of a day period.
    cohort = c.period.shift(-c.settings.first_service_months)
    v = c.store.table("vehicles")
    sold = set(v.loc[sets.within(v["sale_date"], cohort.start, cohort.end), "vin"].dropna())
    wo = c.wo
    done = (wo["status"] == "settled").to_numpy() & sets.flag(wo["first_service"])
    done &= wo["close_date"].notna().to_numpy() & (wo["close_date"].to_numpy() <= c.end.to_datetime64())
    served = sold & set(wo.loc[done, "vin"].dropna())
    return Quotient(len(served), len(sold))


def _claimed(c: _Context, claim_type: str) -> float:
    cl = c.claims
    mask = (cl["claim_type"] == claim_type).to_numpy() & sets.within(cl["submitted_date"], c.start, c.end)
    return float(cl.loc[mask, "claimed_amount"].sum())


@_kpi("warranty_claimed", "Warranty claimed", "保修索赔额", "money")
def _warranty_claimed(c: _Context) -> Number:
    """Σ claimed_amount of warranty claims submitted in P."""
    return _claimed(c, "warranty")


@_kpi("insurance_claimed", "Insurance claimed", "保险理赔额", "money")
def _insurance_claimed(c: _Context) -> Number:
    """Σ claimed_amount of insurance claims submitted in P."""
    return _claimed(c, "insurance")


@_kpi("claims_paid", "Claim payments received", "索赔到账", "money")
def _claims_paid(c: _Context) -> Number:
    """Σ claim_payments amount with paid_date in P."""
    p = c.payments
    return float(p.loc[sets.within(p["paid_date"], c.start, c.end), "amount"].sum())


@_kpi("claim_rejection_rate", "Claim rejection rate", "拒赔率", "ratio", False, pool=Pooling())
def _claim_rejection_rate(c: _Context) -> Number:
    """Claims with status rejected and decided_date in P / claims with decided_date in P."""
    cl = c.claims
    decided = sets.within(cl["decided_date"], c.start, c.end)
    rejected = decided & (cl["status"] == "rejected").to_numpy()
    return Quotient(int(rejected.sum()), int(decided.sum()))


@_kpi("claim_days_to_pay", "Days to payment", "平均回款天数", "days", False, pool=Pooling())
def _claim_days_to_pay(c: _Context) -> Number:
    """Over claims whose cumulative payments reach approved_amount on a day in P: mean of
    (that day − submitted_date) in days."""
    cl = c.claims.loc[c.claims["approved_amount"].notna().to_numpy() & c.claims["submitted_date"].notna().to_numpy()]
    daily = c.payments.groupby(["claim_no", "paid_date"], sort=True)["amount"].sum().reset_index()
    if daily.empty or cl.empty:
        return Quotient(0.0, 0)
    daily["cum"] = daily.groupby("claim_no")["amount"].cumsum()
    daily = daily.merge(cl[["claim_no", "approved_amount", "submitted_date"]], on="claim_no")
    reached = daily.loc[(daily["cum"] >= daily["approved_amount"] - _MONEY_EPS).to_numpy()]
    first = reached.drop_duplicates("claim_no", keep="first")
    first = first.loc[sets.within(first["paid_date"], c.start, c.end)]
    return Quotient(float((first["paid_date"] - first["submitted_date"]).dt.days.sum()), len(first))


@_kpi("receivables", "Claim receivables", "应收索赔款", "money", False)
def _receivables(c: _Context) -> Number:
    """Σ outstanding at the end of P over claims submitted by then and not draft, rejected or
    closed: (approved_amount if given, else claimed_amount) − payments paid by the end of P;
    positive amounts only (equals the sum of the aging buckets)."""
    return float(c.outstanding["outstanding"].sum())


@_kpi("counter_sales_revenue", "Counter sales revenue", "配件外销收入", "money")
def _counter_sales_revenue(c: _Context) -> Number:
    """Σ ex_tax(qty × unit_price) of counter_sale movements in P."""
    m = c.valuation.movements
    sel = m.loc[(m["txn_type"] == "counter_sale").to_numpy() & sets.within(m["txn_date"], c.start, c.end)]
    gross = (sel["qty"] * sel["unit_price"].fillna(0.0)).sum()
    return float(c.ex_tax(gross))


@_kpi("parts_cogs", "Parts cost of goods issued", "配件出库成本", "money", None)
def _parts_cogs(c: _Context) -> Number:
    """Cost of issue + counter_sale − return_to_stock movements in P."""
    return c.valuation.cogs(c.start, c.end)


@_kpi("stock_value_open", "Opening stock value", "期初库存", "money", None)
def _stock_value_open(c: _Context) -> Number:
    """Stock value at the end of the day before P."""
    return c.valuation.stock_value(c.start - pd.Timedelta(days=1))


@_kpi("stock_value_close", "Closing stock value", "期末库存", "money", None)
def _stock_value_close(c: _Context) -> Number:
    """Stock value at the end of P."""
    return float(c.stock_close["value"].sum())


def _average_stock(c: _Context) -> float:
    return (c.kpi("stock_value_open") + c.kpi("stock_value_close")) / 2  # type: ignore[operator]


def annualise(period: Period) -> float:
    """KPIS.md stock_turnover's a: 12 / months when P is whole months, else 365 / days in P."""
    months = period.whole_months
    return 12 / months if months else 365 / period.days


@_kpi("stock_turnover", "Stock turnover (annualised)", "库存周转率(年化)", "times",
      pool=Pooling("parts_cogs", _STOCK, scale=2.0, per_period="annual",
                   formula="Σ parts_cogs × 12 / ((Σ stock_value_open + Σ stock_value_close) / 2)"))
def _stock_turnover(c: _Context) -> Number:
    """parts_cogs × a / ((stock_value_open + stock_value_close) / 2); a = 12 / months when P is
    whole months (12 a month), else 365 / days in P."""
    return Quotient(c.kpi("parts_cogs") * annualise(c.period), _average_stock(c))  # type: ignore[operator]


@_kpi("stock_days", "Days of stock", "库存天数", "days", False,
      pool=Pooling(_STOCK, "parts_cogs", scale=0.5, per_period="days",
                   formula="((Σ stock_value_open + Σ stock_value_close) / 2) / (Σ parts_cogs / days in P)"))
def _stock_days(c: _Context) -> Number:
    """((stock_value_open + stock_value_close) / 2) / (parts_cogs / days in P)."""
    cogs = c.kpi("parts_cogs")
    return Quotient(_average_stock(c) * c.period.days, cogs)  # type: ignore[arg-type]


@_kpi("slow_moving_value", "Slow-moving stock", "滞销库存", "money", False)
def _slow_moving_value(c: _Context) -> Number:
    """Value at the end of P of parts in stock then, with no issue or counter_sale dated after
    (end of P − slow_moving_days days) up to the end of P, and, for a part that never had one,
    first received (first inflow) on or before that day."""
    return c.aged_stock_value(c.settings.slow_moving_days)


@_kpi("obsolete_value", "Obsolete stock", "呆滞库存", "money", False)
def _obsolete_value(c: _Context) -> Number:
    """As slow_moving_value, with obsolete_days."""
    return c.aged_stock_value(c.settings.obsolete_days)


@_kpi("slow_moving_ratio", "Slow-moving share", "滞销占比", "ratio", False, pool=Pooling("slow_moving_value", "stock_value_close"))
def _slow_moving_ratio(c: _Context) -> Number:
    """slow_moving_value / stock_value_close."""
    return Quotient(c.kpi("slow_moving_value"), c.kpi("stock_value_close"))  # type: ignore[arg-type]


@_kpi("below_safety_count", "Parts below safety stock", "低于安全库存", "count", False)
def _below_safety_count(c: _Context) -> Number:
    """Active parts (active not FALSE) whose quantity at the end of P is below safety_stock
    (parts without a safety_stock are not counted)."""
    p = c.store.table("parts").drop_duplicates("part_no")
    active = ~(p["active"] == False).fillna(False).to_numpy(dtype=bool)  # noqa: E712 (NA-aware)
    p = p.loc[active & p["safety_stock"].notna().to_numpy()]
    qty = p["part_no"].map(c.stock_close["qty"]).fillna(0.0).to_numpy()
    return int((qty < p["safety_stock"].to_numpy()).sum())


@_kpi("fill_rate", "Fill rate", "一次满足率", "ratio", pool=Pooling())
def _fill_rate(c: _Context) -> Number:
    """1 − backorders requested in P / billed part lines of O."""
    bo = c.store.table("backorders")
    requested = int(sets.within(bo["request_date"], c.start, c.end).sum())
    lines = c.lines
    part_lines = (lines["line_type"] == "part").to_numpy() & lines["billed"].to_numpy()
    part_lines &= lines["wo_no"].isin(c.O["wo_no"]).to_numpy()
    lines_entered = int(part_lines.sum())
    return Quotient(lines_entered - requested, lines_entered)


@_kpi("stocktake_accuracy", "Stocktake accuracy", "账实相符率", "ratio", pool=Pooling())
def _stocktake_accuracy(c: _Context) -> Number:
    """Counts dated in P whose counted_qty equals the book quantity at the end of count_date /
    counts dated in P. The book quantity is the stock before the count was posted: the
    stocktake_gain/loss movements of that part on count_date are left out."""
    st = c.store.table("stocktake")
    st = st.loc[sets.within(st["count_date"], c.start, c.end) & st["part_no"].notna().to_numpy()]
    if st.empty:
        return Quotient(0, 0)
    before = sets.book_quantities(c.valuation.movements, st["part_no"], st["count_date"], before_posting=True)
    match = np.abs(st["counted_qty"].to_numpy(dtype="float64") - before) <= 1e-9
    return Quotient(int(match.sum()), len(st))


@_kpi("wip_count", "Work in progress", "在修台数", "count", False)
def _wip_count(c: _Context) -> Number:
    """Jobs opened by the end of P, not cancelled, and not settled by the end of P."""
    return len(c.wip)


@_kpi("wip_parts_value", "Parts on jobs in progress", "在修配件", "money", False)
def _wip_parts_value(c: _Context) -> Number:
    """Parts cost of the wip_count jobs, from movements dated up to the end of P."""
    jobs = pd.unique(c.wip["wo_no"].dropna())
    return float(c.valuation.job_parts_cost(c.end).reindex(jobs).fillna(0.0).sum())


@_kpi("on_duty", "Staff on duty", "在岗人数", "count")
def _on_duty(c: _Context) -> Number:
    """Roster members employed on the last day of P (hire_date ≤ that day ≤ leave_date, blank
    leave_date = still employed)."""
    return len(c.on_duty_roster)


@_kpi("vacancies", "Vacancies", "缺编人数", "count", False)
def _vacancies(c: _Context) -> Number:
    """Σ over roles of max(planned − on duty in that role − on duty holding it in also_roles, 0)
    (issue 12: a post held concurrently is filled)."""
    return int(workshop.vacancies_per_role(c.store.table("positions"), c.store.table("roster"), c.end).sum())


@_kpi("churn_rate", "Customer churn rate", "客户流失率", "ratio", False, pool=Pooling())
def _churn_rate(c: _Context) -> Number:
    """Vehicles whose last settled visit (close_date) is before the end of P minus churn_months
    / vehicles with a settled visit by the end of P."""
    last = c.last_visit
    cutoff = add_months(c.end, -c.settings.churn_months).to_datetime64()
    return Quotient(int((last.to_numpy() < cutoff).sum()), len(last))



# -- issue 18: delivery on time, time in the workshop, the appointments register ------------------


@_kpi("on_time_rate", "On-time delivery", "按时交车率", "ratio", pool=Pooling())
def _on_time_rate(c: _Context) -> Number:
    """|{w ∈ S : promised_date not blank and close_date ≤ promised_date}| / |{w ∈ S : promised_date
    not blank}|."""
    promised = c.S["promised_date"].notna().to_numpy()
    kept = promised & (c.S["close_date"].to_numpy() <= c.S["promised_date"].to_numpy())
    return Quotient(int(kept.sum()), int(promised.sum()))


@_kpi("turnaround_days", "Average days in the workshop", "平均在厂天数", "days", False, pool=Pooling())
def _turnaround_days(c: _Context) -> Number:
    """Mean of (close_date − open_date) in days over S (jobs without an open_date are left out)."""
    days = (c.S["close_date"] - c.S["open_date"]).dt.days.dropna()
    return Quotient(float(days.sum()), len(days))


def _appointments_in_p(c: _Context) -> pd.DataFrame:
    ap = c.store.table("appointments").drop_duplicates("appt_id")
    return ap.loc[sets.within(ap["appt_date"], c.start, c.end)]


@_kpi("appointments_booked", "Appointments booked", "预约台次", "count")
def _appointments_booked(c: _Context) -> Number:
    """Appointments with appt_date in P and status not cancelled."""
    return int((_appointments_in_p(c)["status"] != "cancelled").sum())


@_kpi("appointment_show_rate", "Appointment show rate", "预约到店率", "ratio", pool=Pooling())
def _appointment_show_rate(c: _Context) -> Number:
    """arrived / (arrived + no_show), over appointments with appt_date in P."""
    status = _appointments_in_p(c)["status"]
    arrived = int((status == "arrived").sum())
    return Quotient(arrived, arrived + int((status == "no_show").sum()))


# -- Customer care and claims registers (issue 11) ----------------------------------------------

def _received_in_p(c: _Context) -> pd.DataFrame:
    cp = c.store.table("complaints").drop_duplicates("complaint_id")
    return cp.loc[sets.within(cp["received_date"], c.start, c.end)]


@_kpi("complaints_received", "Complaints received", "投诉数", "count", False)
def _complaints_received(c: _Context) -> Number:
    """Complaints with received_date in P."""
    return len(_received_in_p(c))


@_kpi("complaint_resolution_rate", "Complaints resolved on time", "投诉及时处理率", "ratio",
      pool=Pooling(weight="complaints_received"))
def _complaint_resolution_rate(c: _Context) -> Number:
    """Complaints received in P with resolved_date − received_date ≤ complaint_resolve_days /
    complaints_received."""
    cp = _received_in_p(c)
    days = (cp["resolved_date"] - cp["received_date"]).dt.days
    return Quotient(int((days <= c.settings.complaint_resolve_days).sum()), len(cp))


def open_complaints(complaints: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Complaints received by the end of ``end`` with no resolved_date by then (blank, or later)."""
    cp = complaints.drop_duplicates("complaint_id")
    e = end.to_datetime64()
    received = cp["received_date"].notna().to_numpy() & (cp["received_date"].to_numpy() <= e)
    resolved = cp["resolved_date"].notna().to_numpy() & (cp["resolved_date"].to_numpy() <= e)
    return cp.loc[received & ~resolved]


@_kpi("complaints_open", "Open complaints", "未结投诉", "count", False)
def _complaints_open(c: _Context) -> Number:
    """Complaints received by the end of P with no resolved_date by the end of P."""
    return len(open_complaints(c.store.table("complaints"), c.end))


def _renewals_due(c: _Context) -> pd.DataFrame:
    rn = c.store.table("renewals").drop_duplicates("renewal_id")
    return rn.loc[sets.within(rn["expiry_date"], c.start, c.end)]


@_kpi("renewals_due_count", "Policies expiring", "到期保单数", "count", None)
def _renewals_due_count(c: _Context) -> Number:
    """Renewals with expiry_date in P."""
    return len(_renewals_due(c))


@_kpi("renewal_rate", "Renewal rate", "续保率", "ratio", pool=Pooling(weight="renewals_due_count"))
def _renewal_rate(c: _Context) -> Number:
    """Renewals with expiry_date in P and outcome renewed / renewals_due_count."""
    rn = _renewals_due(c)
    return Quotient(int((rn["outcome"] == "renewed").sum()), len(rn))


@_kpi("accessory_units", "Accessory units sold", "精品销售量", "count")
def _accessory_units(c: _Context) -> Number:
    """Σ qty over billed accessory lines of S, plus the counter_sale qty in P of parts whose
    category is accessory."""
    b = c.billed_s
    on_jobs = float(b.loc[(b["line_type"] == "accessory").to_numpy(), "qty"].sum())
    parts = c.store.table("parts")
    accessories = set(parts.loc[(parts["category"] == "accessory").to_numpy(), "part_no"].dropna())
    m = c.valuation.movements
    sold = (m["txn_type"] == "counter_sale").to_numpy() & sets.within(m["txn_date"], c.start, c.end)
    sold &= m["part_no"].isin(accessories).to_numpy()
    return on_jobs + float(m.loc[sold, "qty"].sum())


def written_off(c: _Context) -> pd.Series:
    """Per claim_no of the claims with status closed and decided_date in P: max((approved_amount,
    else claimed_amount) − payments paid by the end of P, 0)."""
    cl = c.claims
    cl = cl.loc[(cl["status"] == "closed").to_numpy() & sets.within(cl["decided_date"], c.start, c.end)]
    short = sets.outstanding(cl, c.payments, c.end).clip(lower=0.0)
    return pd.Series(short.to_numpy(), index=cl["claim_no"].to_numpy(), dtype="float64")


@_kpi("claims_written_off", "Claim short payments written off", "索赔核销差额", "money", False)
def _claims_written_off(c: _Context) -> Number:
    """Σ over claims with status closed and decided_date in P of max((approved_amount, else
    claimed_amount) − payments paid by the end of P, 0)."""
    return float(written_off(c).sum())

# -- issue 12: the workshop and its people (concurrent roles, turnover, loaners, training) --------


@_kpi("concurrent", "Staff holding two posts", "兼职人数", "count", None)
def _concurrent(c: _Context) -> Number:
    """Roster members on duty whose also_roles name a role other than their own (each counted
    once; also_roles separated by , ， ; ； or 、)."""
    return int(workshop.concurrent_mask(c.on_duty_roster).sum())


@_kpi("staff_turnover", "Staff turnover", "人员流失率", "ratio", False, pool=Pooling())
def _staff_turnover(c: _Context) -> Number:
    """Roster members with leave_date in P / ((on duty on the day before P + on_duty) / 2)."""
    return Quotient(*workshop.turnover_parts(c.store.table("roster"), c.start, c.end))


@_kpi("loaners_out", "Loaner cars out", "代步车在外", "count", False)
def _loaners_out(c: _Context) -> Number:
    """Loaners with out_date by the end of P and no return_date by the end of P."""
    return len(workshop.loaners_out(c.store.table("loaners"), c.end))


@_kpi("training_hours", "Training hours", "培训学时", "hours")
def _training_hours(c: _Context) -> Number:
    """Σ hours of training rows dated in P."""
    return float(workshop.training_in(c.store.table("training"), c.start, c.end)["hours"].sum())


# ---------------------------------------------------------------------------------------------
# How a KPI is shown: one format per unit, for worksheets (Excel number format) and for text


@dataclass(frozen=True)
class UnitFormat:
    """A unit's display: ``excel`` is the cell number format; ``text`` the Python format spec of
    the value as text (``trim``: trailing zeros of the decimals dropped, 12.50 -> 12.5)."""

    excel: str
    text: str
    trim: bool = False

    def format(self, value: Any) -> str:
        """``value`` as text in this unit; a dash for a blank (zero denominator)."""
        if value is None:
            return "—"
        text = format(value, self.text)
        return text.rstrip("0").rstrip(".") if self.trim and "." in text else text


#: The display of every KPI unit: the dashboard, the report cells, the batch outputs, the group
#: report and the command line all read it here.
UNIT_FORMATS: dict[str, UnitFormat] = {
    "count": UnitFormat("#,##0", ",.0f"),
    "money": UnitFormat("#,##0.00", ",.2f"),
    "ratio": UnitFormat("0.0%", ".1%"),
    "hours": UnitFormat("#,##0.0", ",.2f", trim=True),
    "days": UnitFormat("#,##0.0", ",.2f", trim=True),
    "score": UnitFormat("0.00", ",.2f", trim=True),
    "times": UnitFormat("0.00", ",.2f", trim=True),
}


def format_kpi(value: Any, unit: str) -> str:
    """A KPI value as text by its unit (:data:`UNIT_FORMATS`); a dash when blank."""
    return UNIT_FORMATS[unit].format(value)


# ---------------------------------------------------------------------------------------------
# Live worksheet formulas: each KPI plain formulas can express, keyed by id


def _escape(label: str) -> str:
    """A column label inside a structured reference: [, ], # and ' are escaped with '."""
    return "".join("'" + ch if ch in "[]#'" else ch for ch in label)


class LiveRefs:
    """What a live formula is written with: the structured references and enum labels of one
    locale, and the cells that hold the period's first and last day, the ex-tax divisor and the
    follow-up window, and the cell of another KPI's live value (``cell(kid)``)."""

    def __init__(self, locale: str, start: str, end: str, divisor: str, window: str,
                 cell: Callable[[str], str], sorted_cell: str | None = None) -> None:
        self.locale = locale
        self.start, self.end, self.divisor, self.window = start, end, divisor, window
        self.cell = cell
        #: The cell of :meth:`jobs_sorted` (TRUE when a line finds its job by binary search);
        #: None: every line looks its job up by an exact MATCH.
        self.sorted_cell = sorted_cell

    def jobs_sorted(self) -> str:
        """TRUE when MATCH(…,1) (a binary search) finds every WO no. of the work orders at its own
        row: the WO nos. are unique and in ascending order as MATCH compares them. A binary search
        then finds any value equal to one of them (it takes the same path) and never a number it
        does not hold (the found number is compared), so a line's job is looked up in log time
        instead of a scan of the work orders (issue 13); FALSE when one is out of order, repeated
        or blank, and the lines look their jobs up by exact MATCH."""
        wo = self.col("work_orders", "wo_no")
        return f"IFERROR(SUMPRODUCT((MATCH({wo},{wo},1)=ROW({wo})-MIN(ROW({wo}))+1)*1)=ROWS({wo}),FALSE)"

    def col(self, sheet: str, column: str) -> str:
        spec = SHEETS[sheet]
        # The double-bracket form: labels hold spaces, "/" and "." that need it in Excel's
        # grammar (LibreOffice fails on "Qty / hours" in single brackets).
        return f"{spec.table_name}[[{_escape(spec.column(column).label(self.locale))}]]"

    def label(self, enum: type, key: str) -> str:
        return '"' + enum(key).label(self.locale).replace('"', '""') + '"'

    def truthy(self, sheet: str, column: str) -> str:
        # Booleans are TRUE/FALSE cells (en-US) or the words 是/否 (zh-CN); accept both.
        r = self.col(sheet, column)
        return f'(({r}=TRUE)+({r}="TRUE")+({r}="是")>0)'

    def setting(self, key: str) -> str:
        """The settings value of ``key`` (a scalar INDEX/MATCH; #N/A when the key is missing).
        Values may be numbers or text (the writer stores the value column as text)."""
        return f'INDEX({self.col("settings", "value")},MATCH("{key}",{self.col("settings", "key")},0))'

    def number_setting(self, key: str, default: str) -> str:
        return f"IFERROR(VALUE({self.setting(key)}),{default})"


def live_formulas(refs: LiveRefs) -> dict[str, str]:
    """KPI id -> its live worksheet formula (without the leading '='), for the KPIs plain
    formulas can express: COUNTIFS, SUMIFS, SUMPRODUCT and arithmetic over ``Table[Column]``
    references (no [#Data], [@Col], XLOOKUP/FILTER/UNIQUE/LET), with the column and enum labels
    of ``refs.locale``, so that LibreOffice 7.4 computes them too. KPIs that need the stock
    valuation or per-vehicle history have none."""
    c, lab = refs.col, refs.label
    _START, _END, _DIVISOR, _WINDOW = refs.start, refs.end, refs.divisor, refs.window
    cell = refs.cell
    wo_no, status, close, opened = (c("work_orders", k) for k in ("wo_no", "status", "close_date", "open_date"))
    settled, cancelled = lab(WoStatus, "settled"), lab(WoStatus, "cancelled")
    s_crit = f'{status},{settled},{close},">="&{_START},{close},"<="&{_END}'
    o_crit = f'{opened},">="&{_START},{opened},"<="&{_END},{status},"<>"&{cancelled}'

    s_mask = f"({status}={settled})*({close}>={_START})*({close}<={_END})"
    o_mask = f"({opened}>={_START})*({opened}<={_END})*({status}<>{cancelled})"
    l_wo, l_type, l_pay, qty = (c("wo_lines", k) for k in ("wo_no", "line_type", "pay_type", "qty"))

    def line_of(mask: str) -> str:
        """1 for a line whose job ``mask`` keeps: its WO no. is among the WO nos. the mask keeps
        (the others made ""). With the WO nos. in order (:meth:`LiveRefs.jobs_sorted`) a binary
        search gives the row of the line's job and the kept number there is compared with the
        line's: log time per line, where the exact MATCH scans the work orders for each line
        and made the dashboard's recalculation quadratic (issue 13, bench/dashboard_recalc.py)."""
        kept = f'IF({mask},{wo_no},"")'
        scan = f"ISNUMBER(MATCH({l_wo},{kept},0))"
        if refs.sorted_cell is None:
            return f'(({l_wo}<>"")*{scan})'
        found = f"IFERROR(INDEX({kept},MATCH({l_wo},{wo_no},1))={l_wo},FALSE)"
        return f'(({l_wo}<>"")*IF({refs.sorted_cell},{found},{scan}))'

    in_s, in_o = line_of(s_mask), line_of(o_mask)
    billed = f"(1-{refs.truthy('wo_lines', 'declined')})"
    gross = f"{qty}*{c('wo_lines', 'unit_price')}*(1-{c('wo_lines', 'discount_pct')})"

    def ratio(num: str, den: str) -> str:
        return f'IF({den}=0,"",{num}/{den})'

    f: dict[str, str] = {
        "entries": f"COUNTIFS({o_crit})",
        "settled_ros": f"COUNTIFS({s_crit})",
        "revenue": f"SUMPRODUCT({in_s}*{billed}*{gross})/{_DIVISOR}",
    }
    for key in ("labor", "part", "accessory", "sublet", "misc"):
        kid = {"part": "parts_revenue"}.get(key, f"{key}_revenue")
        f[kid] = f"SUMPRODUCT({in_s}*{billed}*({l_type}={lab(LineType, key)})*{gross})/{_DIVISOR}"
    for key in ("customer", "warranty", "insurance", "internal", "goodwill"):
        f[f"{key}_revenue"] = f"SUMPRODUCT({in_s}*{billed}*({l_pay}={lab(PayType, key)})*{gross})/{_DIVISOR}"
    labor = f"({l_type}={lab(LineType, 'labor')})"
    rate = f"SUMIFS({c('roster', 'piece_rate')},{c('roster', 'staff_id')},{c('wo_lines', 'technician_id')})"
    f["labor_cost"] = f"SUMPRODUCT({in_s}*{billed}*{labor}*{qty}*{rate})"
    f["sublet_cost"] = (f"SUMPRODUCT({in_s}*{billed}*({l_type}={lab(LineType, 'sublet')})"
                        f"*{c('wo_lines', 'cost')})")
    f["revenue_per_ro"] = ratio(cell("revenue"), cell("settled_ros"))
    f["flag_hours"] = f"SUMPRODUCT({in_s}*{billed}*{labor}*{qty})"
    f["hours_per_ro"] = ratio(cell("flag_hours"), cell("settled_ros"))
    f["effective_labor_rate"] = ratio(cell("labor_revenue"), cell("flag_hours"))
    f["declined_amount"] = f"SUMPRODUCT({in_s}*(1-{billed})*{gross})/{_DIVISOR}"
    f["comeback_rate"] = ratio(f'COUNTIFS({s_crit},{c("work_orders", "rework_of")},"<>")', cell("settled_ros"))
    f["first_time_fix_rate"] = f'IF({cell("comeback_rate")}="","",1-{cell("comeback_rate")})'
    qc = c("work_orders", "qc_first_pass")
    f["qc_first_pass_rate"] = ratio(f"SUMPRODUCT({s_mask}*{refs.truthy('work_orders', 'qc_first_pass')})",
                                    f'SUMPRODUCT({s_mask}*({qc}<>""))')
    # csi, csi_responses and followup_rate fall back to a job's first reached call (the
    # followups sheet), which plain formulas cannot pick: the engine writes them (issue 11).
    a_wo, a_date, a_status = (c("appointments", k) for k in ("wo_no", "appt_date", "status"))

    def flagged_or_named(mask: str, flag: str, named_wo: str, *when: str) -> str:
        """The number of jobs ``mask`` keeps whose ``flag`` is TRUE or whose WO no. a row of
        another sheet names (its column ``named_wo``; only rows meeting the criteria pair ``when``).
        With the WO nos. in order: the jobs flagged, plus the distinct rows (FREQUENCY of the rows
        against themselves) of the kept jobs without the flag that a row names, each found by a
        binary search, where a COUNTIFS of the naming rows per work order costs a scan each
        (issue 13)."""
        crit = "".join(f",{w}" for w in when)
        scan = f"SUMPRODUCT({mask}*(({flag}+(COUNTIFS({named_wo},{wo_no}{crit})>0))>0))"
        if refs.sorted_cell is None:
            return scan
        row = f"MATCH({named_wo},{wo_no},1)"
        unflagged = f'IF({mask}*(1-{flag}),{wo_no},"")'
        meets = "".join(f"*({when[i]}={when[i + 1]})" for i in range(0, len(when), 2))
        named = f'IF(({named_wo}<>""){meets}*IFERROR(INDEX({unflagged},{row})={named_wo},FALSE),{row},"")'
        fast = f"SUMPRODUCT({mask}*{flag})+IFERROR(SUMPRODUCT((FREQUENCY({named},{named})>0)*1),0)"
        return f"IF({refs.sorted_cell},{fast},{scan})"

    booked = flagged_or_named(o_mask, refs.truthy("work_orders", "appointment"), a_wo, a_status,
                              lab(ApptStatus, "arrived"))
    f["appointment_rate"] = ratio(booked, cell("entries"))
    complained = flagged_or_named(s_mask, refs.truthy("work_orders", "complaint"), c("complaints", "wo_no"))
    f["complaint_rate"] = ratio(complained, cell("settled_ros"))
    ctype, csub, cstat, cdec = (c("claims", k) for k in ("claim_type", "submitted_date", "status", "decided_date"))
    for key in ("warranty", "insurance"):
        f[f"{key}_claimed"] = (f'SUMIFS({c("claims", "claimed_amount")},{ctype},{lab(ClaimType, key)},'
                               f'{csub},">="&{_START},{csub},"<="&{_END})')
    paid = c("claim_payments", "paid_date")
    f["claims_paid"] = f'SUMIFS({c("claim_payments", "amount")},{paid},">="&{_START},{paid},"<="&{_END})'
    decided = f'{cdec},">="&{_START},{cdec},"<="&{_END}'
    f["claim_rejection_rate"] = ratio(f"COUNTIFS({cstat},{lab(ClaimStatus, 'rejected')},{decided})",
                                      f"COUNTIFS({decided})")
    approved, claimed = c("claims", "approved_amount"), c("claims", "claimed_amount")
    open_claim = "*".join(f"({cstat}<>{lab(ClaimStatus, s)})" for s in ("draft", "rejected", "closed"))
    outstanding = (f"({approved}+({approved}=\"\")*{claimed}"
                   f"-SUMIFS({c('claim_payments', 'amount')},{c('claim_payments', 'claim_no')},"
                   f"{c('claims', 'claim_no')},{paid},\"<=\"&{_END}))")
    # The outstanding amount clipped at 0 as (x>0)*x: exact, and plain to whoever reads the
    # formula. (SQRT(x)^2 sums the payments once per claim instead of twice, 2.5 s less of
    # LibreOffice's CPU on the large year, but equals x only to a relative 4e-16.)
    f["receivables"] = (f'SUMPRODUCT(({csub}<>"")*({csub}<={_END})*{open_claim}'
                        f"*({outstanding}>0)*{outstanding})")
    t_type, t_date = c("parts_ledger", "txn_type"), c("parts_ledger", "txn_date")
    f["counter_sales_revenue"] = (f"SUMPRODUCT(({t_type}={lab(TxnType, 'counter_sale')})*({t_date}>={_START})"
                                  f"*({t_date}<={_END})*{c('parts_ledger', 'qty')}"
                                  f"*{c('parts_ledger', 'unit_price')})/{_DIVISOR}")
    req = c("backorders", "request_date")
    part_lines = f"SUMPRODUCT({in_o}*{billed}*({l_type}={lab(LineType, 'part')}))"
    f["fill_rate"] = f'IF({part_lines}=0,"",1-COUNTIFS({req},">="&{_START},{req},"<="&{_END})/{part_lines})'
    f["wip_count"] = (f'COUNTIFS({opened},"<="&{_END},{status},"<>"&{cancelled})'
                      f'-COUNTIFS({opened},"<="&{_END},{status},{settled},{close},"<="&{_END})')
    # Issue 18: delivery on time, days in the workshop and the appointments register.
    promised = c("work_orders", "promised_date")
    f["on_time_rate"] = ratio(f'SUMPRODUCT({s_mask}*({promised}<>"")*({close}<={promised}))',
                              f'SUMPRODUCT({s_mask}*({promised}<>""))')
    f["turnaround_days"] = ratio(f"SUMPRODUCT({s_mask}*({close}-{opened}))", cell("settled_ros"))
    in_p = f'{a_date},">="&{_START},{a_date},"<="&{_END}'
    f["appointments_booked"] = f'COUNTIFS({in_p},{a_status},"<>"&{lab(ApptStatus, "cancelled")})'
    shown = f"COUNTIFS({in_p},{a_status},{lab(ApptStatus, 'arrived')})"
    f["appointment_show_rate"] = ratio(shown, f"({shown}+COUNTIFS({in_p},{a_status},{lab(ApptStatus, 'no_show')}))")
    hire, leave = c("roster", "hire_date"), c("roster", "leave_date")
    employed = f'({hire}<>"")*({hire}<={_END})*((({leave}="")+({leave}>={_END}))>0)'
    f["on_duty"] = f"SUMPRODUCT({employed})"
    # vacancies has no live formula since issue 12: a post held in also_roles (free text of keys,
    # labels or synonyms) fills it, which COUNTIFS cannot read exactly.
    # below_safety_count has no live formula since issue 13: a part's quantity at the end of P
    # takes SUMIFS over the whole parts ledger per part (7, one per movement type; 2 when every
    # movement has one of the 7 types: all its movements less twice those of none of the 3 inflow
    # types), which LibreOffice 7.4 computes as full scans (its sorted-range cache is disabled
    # there, and "<>" criteria take its slow string comparison). On the large demo store that
    # alone kept LibreOffice's opening with the live column above twice the time without it
    # (bench/dashboard_recalc.py: 24.5 s of LibreOffice CPU of 79, 35 with the column cleared, in
    # the 2-SUMIFS form). The engine writes it.
    return f


# ---------------------------------------------------------------------------------------------
# Tables and lists


def aging_keys(edges: list[int]) -> list[str]:
    """Bucket keys from the aging edges: [30, 60, 90] -> 0-30, 31-60, 61-90, 90+."""
    keys, low = [], 0
    for e in edges:
        keys.append(f"{low}-{e}")
        low = e + 1
    keys.append(f"{edges[-1]}+" if edges else "0+")
    return keys


def _aging(c: _Context) -> dict[str, dict[str, float]]:
    edges = sorted(int(e) for e in c.settings.aging_buckets)
    keys = aging_keys(edges)
    out = {t: dict.fromkeys(keys, 0.0) for t in ("warranty", "insurance")}
    o = c.outstanding
    idx = np.searchsorted(np.asarray(edges, dtype="int64"), o["days"].to_numpy(), side="left")
    for claim_type, i, amount in zip(o["claim_type"], idx, o["outstanding"]):
        if claim_type in out:
            out[claim_type][keys[i]] += float(amount)
    return out


def _available_hours(c: _Context, staff: pd.DataFrame) -> pd.Series:
    """Per staff_id: days of P that are work_weekdays while employed × daily_hours."""
    return sets.available_hours(staff, c.start, c.end, c.settings.work_weekdays)


def _technicians(c: _Context) -> list[dict[str, Any]]:
    roster = c.store.table("roster").drop_duplicates("staff_id")
    labor = c.labor_s.loc[c.labor_s["technician_id"].isin(roster["staff_id"]).to_numpy()]
    if labor.empty:
        return []
    g = labor.groupby("technician_id")
    timed = labor.loc[labor["actual_hours"].notna().to_numpy()].groupby("technician_id")
    staff = roster.set_index("staff_id").loc[sorted(g.size().index)].reset_index()
    available = _available_hours(c, staff)
    # A comeback is charged to every technician with a (billed) labor line on the original job.
    lines = c.lines
    worked = lines.loc[(lines["line_type"] == "labor").to_numpy() & lines["billed"].to_numpy(),
                       ["wo_no", "technician_id"]].dropna().drop_duplicates()
    cb = c.S.loc[c.S["rework_of"].notna().to_numpy(), ["wo_no", "rework_of"]].drop_duplicates()
    charged = cb.merge(worked, left_on="rework_of", right_on="wo_no", suffixes=("", "_orig"))
    comebacks = charged.drop_duplicates(["wo_no", "technician_id"]).groupby("technician_id").size()
    flag = g["qty"].sum()
    revenue = g["amount"].sum()
    pay = g["labor_cost"].sum()
    timed_flag = timed["qty"].sum()
    timed_actual = timed["actual_hours"].sum()
    out = []
    for sid in staff["staff_id"]:
        avail = float(available[sid])
        actual = float(timed_actual.get(sid, 0.0))
        out.append({
            "staff_id": sid,
            "flag_hours": float(flag[sid]),
            "labor_revenue": float(revenue[sid]),
            "piece_pay": float(pay[sid]),
            "actual_hours": actual,
            "efficiency": _ratio(float(timed_flag.get(sid, 0.0)), actual),
            "available_hours": avail,
            "productivity": _ratio(actual, avail),
            "proficiency": _ratio(float(flag[sid]), avail),
            "comebacks": int(comebacks.get(sid, 0)),
        })
    return out


def _advisors(c: _Context) -> list[dict[str, Any]]:
    S, O = c.S, c.O
    ids = sorted(set(S["advisor_id"].dropna()) | set(O["advisor_id"].dropna()))
    entries = O.groupby("advisor_id").size()
    settled = S.groupby("advisor_id").size()
    revenue = S["wo_no"].map(c.job_revenue).fillna(0.0).groupby(S["advisor_id"]).sum()
    declined = S["wo_no"].map(c.job_declined).fillna(0.0).groupby(S["advisor_id"]).sum()
    csi = S.groupby("advisor_id")["csi_score"].mean()
    complaints = pd.Series(c.complained, index=S.index).groupby(S["advisor_id"]).sum()
    out = []
    for a in ids:
        n = int(settled.get(a, 0))
        rev = float(revenue.get(a, 0.0))
        score = csi.get(a, np.nan)
        out.append({
            "staff_id": a,
            "entries": int(entries.get(a, 0)),
            "settled_ros": n,
            "revenue": rev,
            "revenue_per_ro": _ratio(rev, n),
            "declined_amount": float(declined.get(a, 0.0)),
            "csi": None if pd.isna(score) else float(score),
            "complaint_rate": _ratio(int(complaints.get(a, 0)), n),
        })
    return out


def _teams(c: _Context) -> list[dict[str, Any]]:
    S = c.S.loc[c.S["team"].notna().to_numpy()]
    out = []
    labor = c.labor_s
    for team, jobs in S.groupby("team", sort=True):
        mine = labor.loc[labor["wo_no"].isin(jobs["wo_no"]).to_numpy()]
        qc = jobs["qc_first_pass"]
        out.append({
            "team": team,
            "settled_ros": len(jobs),
            "flag_hours": float(mine["qty"].sum()),
            "labor_revenue": float(mine["amount"].sum()),
            "comeback_rate": _ratio(int(jobs["rework_of"].notna().sum()), len(jobs)),
            "qc_first_pass_rate": _ratio(int(sets.flag(qc).sum()), int(qc.notna().sum())),
        })
    return out


# -- The work lists (KPIS.md "Customer care lists" and the claims work-list; issue 11) -------------

#: Columns of every work list frame: the record's id, its due date and its person.
LIST_COLUMNS = ("id", "due", "person")
#: The claims work-list (DOMAIN.md Reports, Registers): its lists in the order it prints them.
CLAIM_LISTS = ("claims_to_submit", "claims_awaiting_decision", "claims_parts_due", "claims_unpaid",
               "claims_written_off")


def _frame(ids: Any, due: Any, person: Any) -> pd.DataFrame:
    """A work list sorted the way a person works it: due date, then person, then id (blanks last)."""
    f = pd.DataFrame({"id": np.asarray(ids, dtype=object), "due": pd.to_datetime(np.asarray(due)),
                      "person": np.asarray(person, dtype=object)})
    f = f.loc[f["id"].notna().to_numpy()].drop_duplicates("id")
    key = f["person"].where(f["person"].notna(), "\uffff")
    order = pd.DataFrame({"due": f["due"], "k": key.astype(str), "id": f["id"].astype(str)})
    order = order.sort_values(["due", "k", "id"], na_position="last", kind="stable")
    return f.loc[order.index].reset_index(drop=True)


def _vehicle_person(c: _Context) -> pd.Series:
    """Per VIN, the advisor of its latest job opened by the end of P and not cancelled."""
    wo = c.wo
    live = (wo["status"] != "cancelled").to_numpy() & wo["open_date"].notna().to_numpy()
    live &= wo["open_date"].to_numpy() <= c.end.to_datetime64()
    jobs = wo.loc[live & wo["vin"].notna().to_numpy()].sort_values("open_date", kind="stable")
    return jobs.drop_duplicates("vin", keep="last").set_index("vin")["advisor_id"]


def _care_frames(c: _Context) -> dict[str, pd.DataFrame]:
    s = c.settings
    end = c.end
    end64 = end.to_datetime64()
    person = _vehicle_person(c)
    S = c.S
    due = S["close_date"] + pd.Timedelta(days=s.followup_window_days)
    callable_ = ~S["repair_type"].isin(("pdi", "internal")).to_numpy()
    f = S.loc[S["followup_date"].isna().to_numpy() & (due.to_numpy() < end64) & callable_]
    out = {"followups_due": _frame(f["wo_no"], f["close_date"] + pd.Timedelta(days=s.followup_window_days),
                                   f["advisor_id"])}

    wo = c.wo
    live = (wo["status"] != "cancelled").to_numpy() & wo["open_date"].notna().to_numpy()
    live &= wo["open_date"].to_numpy() <= end64
    nxt = wo.loc[live & wo["vin"].notna().to_numpy()].groupby("vin")["next_service_date"].max().dropna()
    next_start = end + pd.Timedelta(days=1)
    next_end = next_start + pd.offsets.MonthEnd(0)
    nxt = nxt.loc[sets.within(nxt, next_start, next_end)]
    out["maintenance_due"] = _frame(nxt.index, nxt.to_numpy(), nxt.index.map(person))

    last = c.last_visit
    lapsed_cut = add_months(end, -s.lapsed_months).to_datetime64()
    churn_cut = add_months(end, -s.churn_months).to_datetime64()
    lv = last.to_numpy()
    # "between lapsed_months and churn_months ago" includes both ends; churned is "more than"
    # churn_months, so the two lists split the vehicles without a recent visit between them.
    for name, mask in (("lapsed", (lv <= lapsed_cut) & (lv >= churn_cut)), ("churned", lv < churn_cut)):
        sel = last.loc[mask]
        out[name] = _frame(sel.index, sel.to_numpy(), sel.index.map(person))

    v = c.store.table("vehicles").drop_duplicates("vin")
    v = v.loc[v["vin"].notna().to_numpy()]
    vp = v["vin"].map(person)
    exp = v["insurance_expiry"]
    sel = sets.within(exp, next_start, end + pd.Timedelta(days=s.renewal_lead_days))
    out["renewals_due"] = _frame(v.loc[sel, "vin"], exp[sel], vp[sel])

    first_due = v["sale_date"] + pd.DateOffset(months=s.first_service_months)
    recent = v["sale_date"].notna().to_numpy() & (v["sale_date"].to_numpy() <= end64)
    recent &= v["sale_date"].to_numpy() >= add_months(end, -(s.first_service_months + 3)).to_datetime64()
    done = (wo["status"] == "settled").to_numpy() & sets.flag(wo["first_service"])
    done &= wo["close_date"].notna().to_numpy() & (wo["close_date"].to_numpy() <= end64)
    served = set(wo.loc[done, "vin"].dropna())
    sel = recent & (first_due.to_numpy() <= next_end.to_datetime64()) & ~v["vin"].isin(served).to_numpy()
    out["first_service_due"] = _frame(v.loc[sel, "vin"], first_due[sel], vp[sel])

    wend = v["warranty_end_date"]
    sel = sets.within(wend, next_start, end + pd.Timedelta(days=s.warranty_notice_days))
    out["warranty_expiring"] = _frame(v.loc[sel, "vin"], wend[sel], vp[sel])

    cp = open_complaints(c.store.table("complaints"), end)
    out["complaints_open"] = _frame(cp["complaint_id"],
                                    cp["received_date"] + pd.Timedelta(days=s.complaint_resolve_days),
                                    cp["owner_id"])
    out["backorders_to_notify"] = _backorders_to_notify(c)
    out.update(_claim_frames(c))
    return out


def _backorders_to_notify(c: _Context) -> pd.DataFrame:
    """Backorders arrived more than backorder_notify_days before the end of P whose customer was
    not told by then (notified_date blank or after the end): due arrived_date +
    backorder_notify_days, person the job's advisor (KPIS.md "Customer care lists")."""
    end64 = c.end.to_datetime64()
    bo = c.store.table("backorders")
    due = bo["arrived_date"] + pd.Timedelta(days=c.settings.backorder_notify_days)
    told = bo["notified_date"].notna().to_numpy() & (bo["notified_date"].to_numpy() <= end64)
    sel = bo["arrived_date"].notna().to_numpy() & (due.to_numpy() < end64) & ~told
    advisors = c.wo.drop_duplicates("wo_no").set_index("wo_no")["advisor_id"]
    return _frame(bo.loc[sel, "bo_id"], due[sel], bo.loc[sel, "wo_no"].map(advisors))


def _claim_frames(c: _Context) -> dict[str, pd.DataFrame]:
    """The claims work-list as of the end of P, each sorted by due date, handler, claim_no:
    drafts not submitted within claim_submit_days of the job's settlement; submitted claims
    without a decision for claim_decision_days (a resubmitted one waits from its submission);
    old parts due back (30 days after the decision) and not returned; decided claims with an
    amount still unpaid; short payments written off (claims_written_off, amount > 0)."""
    s = c.settings
    end = c.end
    end64 = end.to_datetime64()
    cl = c.claims.loc[c.claims["claim_no"].notna().to_numpy()]
    sub = cl["submitted_date"]
    submitted = sub.notna().to_numpy() & (sub.to_numpy() <= end64)
    dec = cl["decided_date"]
    decided = dec.notna().to_numpy() & (dec.to_numpy() <= end64)
    status = cl["status"]
    out: dict[str, pd.DataFrame] = {}

    closes = c.wo.drop_duplicates("wo_no").set_index("wo_no")["close_date"]
    close = pd.Series(closes.reindex(cl["wo_no"].to_numpy()).to_numpy(dtype="datetime64[ns]"), index=cl.index)
    submit_by = close + pd.Timedelta(days=s.claim_submit_days)
    drafts = ~submitted & status.notna().to_numpy() & (submit_by.to_numpy() < end64)
    out["claims_to_submit"] = _frame(cl.loc[drafts, "claim_no"], submit_by[drafts], cl.loc[drafts, "handler_id"])

    decide_by = sub + pd.Timedelta(days=s.claim_decision_days)
    waiting = submitted & (~decided | (status == "resubmitted").to_numpy()) & (status != "closed").to_numpy()
    waiting &= decide_by.to_numpy() < end64
    out["claims_awaiting_decision"] = _frame(cl.loc[waiting, "claim_no"], decide_by[waiting],
                                             cl.loc[waiting, "handler_id"])

    from addin.rules.claims import PARTS_RETURN_DAYS

    back_by = dec + pd.Timedelta(days=PARTS_RETURN_DAYS)
    ret = cl["parts_returned_date"]
    returned = ret.notna().to_numpy() & (ret.to_numpy() <= end64)
    parts = sets.flag(cl["parts_return_required"]) & decided & ~returned & (back_by.to_numpy() < end64)
    out["claims_parts_due"] = _frame(cl.loc[parts, "claim_no"], back_by[parts], cl.loc[parts, "handler_id"])

    owed = sets.outstanding(cl, c.payments, end).to_numpy()
    unpaid = decided & cl["approved_amount"].notna().to_numpy() & ~status.isin(("rejected", "resubmitted", "closed")).to_numpy()
    unpaid &= owed > _MONEY_EPS
    out["claims_unpaid"] = _frame(cl.loc[unpaid, "claim_no"], dec[unpaid], cl.loc[unpaid, "handler_id"])

    short = written_off(c)
    short = short.loc[short.to_numpy() > _MONEY_EPS]
    w = cl.drop_duplicates("claim_no").set_index("claim_no").reindex(short.index)
    out["claims_written_off"] = _frame(short.index, w["decided_date"].to_numpy(), w["handler_id"].to_numpy())
    return out


def care_lists(store: Store, period: Period | str) -> dict[str, pd.DataFrame]:
    """Every work list of ``period`` as a frame of id, due date and person, sorted by due date,
    then person, then id: what `kpi --json` "lists", the reports and the UDF show."""
    return _care_frames(_Context(store, Period.parse(period), None))  # type: ignore[arg-type]


def _lists(frames: dict[str, pd.DataFrame]) -> dict[str, list[str]]:
    return {name: [str(x) for x in frame["id"]] for name, frame in frames.items()}


#: Issue 12: the department KPIs where lower is better (KPIS.md "Scorecards"), from the registry.
LOWER_IS_BETTER: frozenset[str] = frozenset(k for k, kpi in KPIS.items() if kpi.higher_is_better is False)


def _workshop_lists(c: _Context) -> dict[str, list[str]]:
    """Issue 12: loans_overdue (tool loans) and calibration_due (equipment), in KPIS.md's order."""
    return {
        "loans_overdue": [str(x) for x in workshop.overdue_loans(c.store.table("tool_loans"), c.end)["loan_id"]],
        "calibration_due": [str(x) for x in workshop.calibration_due(c.store.table("equipment"), c.end)["asset_id"]],
    }


# ---------------------------------------------------------------------------------------------
# Result


def _clean(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    f = float(value)
    return None if math.isnan(f) or math.isinf(f) else f


@dataclass
class KpiResult:
    """The KPIs of one period. ``values``: KPI id -> number or None (zero denominator).
    ``parts``: for every ratio KPI (gross_margin, revenue_per_ro, csi, fill_rate ...), its
    (numerator, denominator) as the KPI computed them, so that ratios pool over stores;
    not part of :meth:`to_json` (KPIS.md's shape)."""

    period: str
    store_code: str | None
    valuation_method: str
    values: dict[str, Number]
    aging: dict[str, dict[str, float]]
    technicians: list[dict[str, Any]]
    advisors: list[dict[str, Any]]
    teams: list[dict[str, Any]]
    lists: dict[str, list[str]]
    parts: dict[str, tuple[float, float]] = field(default_factory=dict)
    # Issue 12: KPIS.md "Scorecards" (items per person) and the teams ranked, best first.
    scorecards: list[dict[str, Any]] = field(default_factory=list)
    team_scores: list[dict[str, Any]] = field(default_factory=list)
    #: The work lists' frames (:func:`care_lists`) as computed with the result, and (a weak
    #: reference to) the store they come from: :meth:`care_frames` hands them to the reports.
    care: tuple[Any, dict[str, pd.DataFrame]] | None = field(default=None, repr=False, compare=False)

    def care_frames(self, store: Store, period: str) -> dict[str, pd.DataFrame] | None:
        """The frames of :func:`care_lists` for ``store`` and ``period`` when this result was
        computed from that very store and period (else None: compute them)."""
        if self.care is None or self.period != period or self.care[0]() is not store:
            return None
        return self.care[1]

    def __getstate__(self) -> dict[str, Any]:
        # A pickled result (another process) travels without the frames and their store.
        return {**self.__dict__, "care": None}

    def __getitem__(self, kid: str) -> Number:
        return self.values[kid]

    def to_json(self) -> dict[str, Any]:
        """KPIS.md's "JSON shape of kpi --json": full precision, None for zero denominators."""
        out: dict[str, Any] = {k: _clean(self.values[k]) for k in KPIS}
        out["aging"] = {t: {k: _clean(v) for k, v in b.items()} for t, b in self.aging.items()}
        for name in ("technicians", "advisors", "teams"):
            out[name] = [{k: _clean(v) if not isinstance(v, str) else v for k, v in row.items()}
                         for row in getattr(self, name)]
        out["lists"] = {k: list(v) for k, v in self.lists.items()}
        out["scorecards"] = [{"staff_id": c["staff_id"], "role": c["role"], "score": _clean(c["score"]),
                              "items": [{k: v if k == "kpi" else _clean(v) for k, v in i.items()} for i in c["items"]]}
                             for c in self.scorecards]
        out["team_scores"] = [{"team": t["team"], "score": _clean(t["score"])} for t in self.team_scores]
        out["period"] = self.period
        out["store_code"] = self.store_code
        out["valuation_method"] = self.valuation_method
        return out


def shared_frames() -> dict[str, Any]:
    """A holder of one store's frames that do not depend on the period (its work orders with
    their follow-ups, its lines with their amounts, its claims and payments), for the KPIs of
    many periods of that store computed in one go (``shared=`` of :func:`compute_kpis` and
    :func:`kpi_values`). Only while the store's tables do not change."""
    return {}


def compute_kpis(store: Store, period: Period | str, *, valuation: Valuation | None = None,
                 method: str | None = None, shared: dict[str, Any] | None = None) -> KpiResult:
    """Every KPI of KPIS.md for ``period``: a :class:`~addin.periods.Period` or its text (a month
    YYYY-MM; the day, quarter, year and range forms give the same formulas over their bounds,
    where a KPI does not assume a month). Pass ``valuation`` to reuse one valuation across
    periods (and ``shared``, :func:`shared_frames`, the frames that do not depend on the
    period); ``method`` overrides settings.valuation_method."""
    import weakref

    period = Period.parse(period)
    if valuation is None:
        valuation = valuate(store, method)  # type: ignore[arg-type]
    ctx = _Context(store, period, valuation, shared)
    values = _values_of(ctx)
    technicians, advisors = _technicians(ctx), _advisors(ctx)
    cards, team_scores = scorecards.compute_scorecards(
        store.table("roster"), store.table("appraisal_weights"), store.settings, ctx.end, values.values, technicians,
        advisors, LOWER_IS_BETTER)
    frames = _care_frames(ctx)
    return replace(
        values,
        aging=_aging(ctx),
        technicians=technicians,
        advisors=advisors,
        teams=_teams(ctx),
        lists={**_lists(frames), **_workshop_lists(ctx)},
        scorecards=cards,
        team_scores=team_scores,
        care=(weakref.ref(store), frames),
    )


def _values_of(ctx: _Context) -> KpiResult:
    """The KpiResult of ``ctx``'s period with every KPI's value and parts, and nothing else."""
    values = {kid: _clean(ctx.kpi(kid)) for kid in KPIS}
    return KpiResult(period=ctx.period.label, store_code=ctx.store.settings.store_code,
                     valuation_method=ctx.valuation.method, values=values, aging={}, technicians=[], advisors=[],
                     teams=[], lists={}, parts={kid: ctx.parts[kid] for kid in KPIS if kid in ctx.parts})


#: The sheets compute_kpis and kpi_values read (with the settings): what the ``kpi`` command asks
#: read_store for. tests/test_kpi_sheets.py holds it to the tables a computation touches.
KPI_SHEETS = ("roster", "positions", "vehicles", "work_orders", "wo_lines", "parts", "parts_ledger", "stocktake",
              "backorders", "claims", "claim_payments", "appointments", "followups", "complaints", "renewals",
              "loaners", "equipment", "tool_loans", "training", "appraisal_weights")


def kpi_values(store: Store, period: Period | str, ids: list[str] | tuple[str, ...], *,
               valuation: Valuation | None = None, shared: dict[str, Any] | None = None) -> dict[str, Number]:
    """The values of the department KPIs ``ids`` for ``period``, without the tables, the lists
    and the scorecards of :func:`compute_kpis` (the same formulas: what a figure over many
    periods, such as a year-to-date column, asks for). The valuation is made only when one of
    ``ids`` needs it."""
    period = Period.parse(period)
    ctx = _Context(store, period, valuation if valuation is not None else cast(Valuation, _LazyValuation(store)),
                   shared)
    return {kid: _clean(ctx.kpi(kid)) for kid in ids}


class _LazyValuation:
    """A stand-in for the stock valuation, valued on first use (most KPIs never ask)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._valued: Valuation | None = None

    def __getattr__(self, name: str) -> Any:
        if self._valued is None:
            self._valued = valuate(self._store)
        return getattr(self._valued, name)


class Comparison(NamedTuple):
    """The KPI results of a period, of the period before it and of the same period a year
    earlier (KPIS.md "month P − 1" and "month P − 12"), from one stock valuation."""

    result: KpiResult
    previous: KpiResult
    last_year: KpiResult


def compute_comparison(store: Store, period: Period | str, valuation: Valuation | None = None, *,
                       method: str | None = None, shared: dict[str, Any] | None = None,
                       values_only: bool = False) -> Comparison:
    """This period, the previous one and the same period last year, sharing one stock valuation
    (``valuation``, or one valued by ``method`` / settings.valuation_method) and the frames that
    do not depend on the period (``shared``, else a :func:`shared_frames` of their own). What
    the dashboard, the reports, the close and the ribbon show side by side.

    With ``values_only`` the previous period's and last year's results are :func:`value_result`
    (their KPI values and parts, no tables, lists or scorecards): all that the reports and the
    dashboard show of them, in a third of the time of both."""
    p = Period.parse(period)
    if valuation is None:
        valuation = valuate(store, method)  # type: ignore[arg-type]
    shared = shared if shared is not None else shared_frames()
    other = value_result if values_only else compute_kpis
    return Comparison(compute_kpis(store, p, valuation=valuation, shared=shared),
                      other(store, p.shift(-1), valuation=valuation, shared=shared),
                      other(store, p.shift(-12), valuation=valuation, shared=shared))


def value_result(store: Store, period: Period | str, *, valuation: Valuation,
                 shared: dict[str, Any] | None = None) -> KpiResult:
    """The :class:`KpiResult` of ``period`` with the values of every KPI and their parts, the same
    as :func:`compute_kpis` gives, and nothing else: no aging, per-person or team tables, lists or
    scorecards (a period shown beside another, as the previous month is)."""
    return _values_of(_Context(store, Period.parse(period), valuation, shared))


def compute_with_comparisons(store: Store, period: Period | str, method: str | None = None
                             ) -> tuple[KpiResult, KpiResult, KpiResult]:
    """(this period, previous period, same month last year): :func:`compute_comparison`."""
    return compute_comparison(store, period, method=method)

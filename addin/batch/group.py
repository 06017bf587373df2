"""Group figures of a dealer group: every KPI of KPIS.md over all stores.

Additive KPIs are summed. A ratio is never the average of the stores' ratios: it is recomputed
from the summed numerator and denominator, or, where KPIS.md's JSON does not carry the
denominator, weighted by the count it is taken over (the store's own ``bases`` below, computed
from its tables by the worker). :data:`GROUP_RULES` says, for each KPI, how.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Sum:
    """Σ of the stores' values."""


    def compute(self, kpi: str, stores: Sequence[Mapping[str, Any]], period: str, group: Mapping[str, Any]) -> float:
        return sum(_num(s["kpis"].get(kpi)) or 0.0 for s in stores)

    def text(self, kpi: str) -> str:
        return f"Σ {kpi}"


@dataclass(frozen=True)
class Ratio:
    """Σ num × scale / Σ den; num and den are KPI ids or tuples of KPI ids that are summed."""

    num: str | tuple[str, ...]
    den: str | tuple[str, ...]
    scale: float | Callable[[str], float] = 1.0
    formula: str = ""

    def compute(self, kpi: str, stores: Sequence[Mapping[str, Any]], period: str, group: Mapping[str, Any]) -> float | None:
        num = _sum_of(self.num, stores)
        den = _sum_of(self.den, stores)
        if not den:
            return None
        scale = self.scale(period) if callable(self.scale) else self.scale
        return num * scale / den

    def text(self, kpi: str) -> str:
        return self.formula or f"Σ {self.num} / Σ {self.den}"


@dataclass(frozen=True)
class Weighted:
    """Σ(value × weight) / Σ weight, the weight being the count the store's ratio is taken over:
    a KPI id, or ``base:<name>`` for a count from :func:`group_bases`. Equal to recomputing the
    ratio from summed numerators and denominators."""

    weight: str

    def compute(self, kpi: str, stores: Sequence[Mapping[str, Any]], period: str, group: Mapping[str, Any]) -> float | None:
        total = weighted = 0.0
        for store in stores:
            value, weight = _num(store["kpis"].get(kpi)), self._weight(store)
            if value is None or not weight:
                continue
            total += weight
            weighted += value * weight
        return weighted / total if total else None

    def _weight(self, store: Mapping[str, Any]) -> float | None:
        if self.weight.startswith("base:"):
            return _num((store.get("bases") or {}).get(self.weight[5:]))
        return _num(store["kpis"].get(self.weight))

    def text(self, kpi: str) -> str:
        weight = self.weight[5:] if self.weight.startswith("base:") else self.weight
        return f"Σ({kpi} × {weight}) / Σ {weight}"


@dataclass(frozen=True)
class Complement:
    """1 − the group value of another KPI."""

    of: str

    def compute(self, kpi: str, stores: Sequence[Mapping[str, Any]], period: str, group: Mapping[str, Any]) -> float | None:
        other = group.get(self.of)
        return None if other is None else 1.0 - other

    def text(self, kpi: str) -> str:
        return f"1 − {self.of} (group)"


Rule = Sum | Ratio | Weighted | Complement


def _days_in(period: str) -> float:
    year, month = map(int, period.split("-"))
    return float(calendar.monthrange(year, month)[1])


_STOCK = ("stock_value_open", "stock_value_close")

#: How each KPI of KPIS.md's department table becomes a group figure (in dependency order).
GROUP_RULES: dict[str, Rule] = {
    "entries": Sum(),
    "settled_ros": Sum(),
    "revenue": Sum(),
    "labor_revenue": Sum(),
    "parts_revenue": Sum(),
    "accessory_revenue": Sum(),
    "sublet_revenue": Sum(),
    "misc_revenue": Sum(),
    "customer_revenue": Sum(),
    "warranty_revenue": Sum(),
    "insurance_revenue": Sum(),
    "internal_revenue": Sum(),
    "goodwill_revenue": Sum(),
    "parts_cost": Sum(),
    "labor_cost": Sum(),
    "sublet_cost": Sum(),
    "gross_profit": Sum(),
    "gross_margin": Ratio("gross_profit", "revenue"),
    "revenue_per_ro": Ratio("revenue", "settled_ros"),
    "flag_hours": Sum(),
    "hours_per_ro": Ratio("flag_hours", "settled_ros"),
    "effective_labor_rate": Ratio("labor_revenue", "flag_hours"),
    "declined_amount": Sum(),
    "comeback_rate": Weighted("settled_ros"),
    "first_time_fix_rate": Complement("comeback_rate"),
    "qc_first_pass_rate": Weighted("base:qc_checked"),
    "csi": Weighted("csi_responses"),
    "csi_responses": Sum(),
    "followup_rate": Weighted("settled_ros"),
    "appointment_rate": Weighted("entries"),
    "complaint_rate": Weighted("settled_ros"),
    "first_service_rate": Weighted("base:first_service_sold"),
    "warranty_claimed": Sum(),
    "insurance_claimed": Sum(),
    "claims_paid": Sum(),
    "claim_rejection_rate": Weighted("base:claims_decided"),
    "claim_days_to_pay": Weighted("base:claims_paid_in_full"),
    "receivables": Sum(),
    "counter_sales_revenue": Sum(),
    "parts_cogs": Sum(),
    "stock_value_open": Sum(),
    "stock_value_close": Sum(),
    "stock_turnover": Ratio("parts_cogs", _STOCK, scale=24.0,
                            formula="Σ parts_cogs × 12 / ((Σ stock_value_open + Σ stock_value_close) / 2)"),
    "stock_days": Ratio(_STOCK, "parts_cogs", scale=lambda p: _days_in(p) / 2,
                        formula="((Σ stock_value_open + Σ stock_value_close) / 2) / (Σ parts_cogs / days in P)"),
    "slow_moving_value": Sum(),
    "obsolete_value": Sum(),
    "slow_moving_ratio": Ratio("slow_moving_value", "stock_value_close"),
    "below_safety_count": Sum(),
    "fill_rate": Weighted("base:part_lines_entered"),
    "stocktake_accuracy": Weighted("base:stocktake_counts"),
    "wip_count": Sum(),
    "wip_parts_value": Sum(),
    "on_duty": Sum(),
    "vacancies": Sum(),
    "churn_rate": Weighted("base:served_vehicles"),
}

#: The KPIs of the group report's store table, in order.
MAIN_KPIS = ("entries", "settled_ros", "revenue", "labor_revenue", "parts_revenue", "gross_profit",
             "gross_margin", "revenue_per_ro", "comeback_rate", "csi", "stock_value_close",
             "stock_turnover", "receivables")


def _num(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number


def _sum_of(ids: str | tuple[str, ...], stores: Sequence[Mapping[str, Any]]) -> float:
    ids = (ids,) if isinstance(ids, str) else ids
    return sum(_num(s["kpis"].get(i)) or 0.0 for s in stores for i in ids)


def group_kpis(stores: Sequence[Mapping[str, Any]], period: str) -> dict[str, float | None]:
    """The group value of every KPI in :data:`GROUP_RULES` over ``stores`` (worker results that
    carry ``kpis`` and, for the weighted ratios, ``bases``)."""
    group: dict[str, float | None] = {}
    for kpi, rule in GROUP_RULES.items():
        group[kpi] = rule.compute(kpi, stores, period, group)
    return group


def ranking(stores: Sequence[Mapping[str, Any]], kpi: str, higher_is_better: bool = True
            ) -> list[tuple[int, Mapping[str, Any], float | None]]:
    """Stores ranked by ``kpi``, best first; ties share a rank (1, 2, 2, 4) and stores without a
    value come last with rank 0."""
    valued = [(s, _num(s["kpis"].get(kpi))) for s in stores]
    with_value = sorted((p for p in valued if p[1] is not None), key=lambda p: p[1], reverse=higher_is_better)
    ranked: list[tuple[int, Mapping[str, Any], float | None]] = []
    for index, (store, value) in enumerate(with_value):
        rank = ranked[-1][0] if ranked and ranked[-1][2] == value else index + 1
        ranked.append((rank, store, value))
    return ranked + [(0, s, None) for s, v in valued if v is None]


# --- the counts behind the weighted ratios, from a store's tables -----------------------------
# Each mirrors the denominator of its KPI in addin.kpis (same sets, same blank handling).

def _within(dates: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    return (dates >= start) & (dates <= end)


def _flag(series: pd.Series) -> pd.Series:
    return series.fillna(False).astype(bool)


def _paid_in_full(claims: pd.DataFrame, payments: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> int:
    """Claims whose cumulative payments reach approved_amount on a day in P."""
    claims = claims.loc[claims["approved_amount"].notna() & claims["submitted_date"].notna()]
    payments = payments.loc[payments["paid_date"].notna() & payments["amount"].notna() & payments["claim_no"].notna()]
    daily = payments.groupby(["claim_no", "paid_date"], sort=True)["amount"].sum().reset_index()
    if daily.empty or claims.empty:
        return 0
    daily["cum"] = daily.groupby("claim_no")["amount"].cumsum()
    daily = daily.merge(claims[["claim_no", "approved_amount"]], on="claim_no")
    first = daily.loc[daily["cum"] >= daily["approved_amount"] - 1e-6].drop_duplicates("claim_no", keep="first")
    return int(_within(first["paid_date"], start, end).sum())


def group_bases(store: Any, period: str) -> dict[str, int]:
    """The counts some KPIs are taken over that KPIS.md's JSON does not carry: qc_checked (S with
    a qc_first_pass), claims_decided, claims_paid_in_full, first_service_sold (vehicles of the
    first-service cohort), part_lines_entered (billed part lines of O), stocktake_counts and
    served_vehicles (vehicles with a settled visit by the end of P)."""
    import pandas as pd

    from addin.kpis import add_months
    from addin.periods import bounds

    start, end = bounds(period)
    wo = store.table("work_orders")
    settled = wo["status"].eq("settled")
    in_s = settled & _within(wo["close_date"], start, end)
    in_o = ~wo["status"].eq("cancelled") & _within(wo["open_date"], start, end)

    lines = store.table("wo_lines")
    part_lines = lines["line_type"].eq("part") & ~_flag(lines["declined"]) & lines["wo_no"].isin(wo.loc[in_o, "wo_no"])

    claims = store.table("claims").drop_duplicates("claim_no")
    cohort_start = add_months(start, -store.settings.first_service_months)
    vehicles = store.table("vehicles")
    sold = vehicles.loc[_within(vehicles["sale_date"], cohort_start, cohort_start + pd.offsets.MonthEnd(0)), "vin"]
    counts = store.table("stocktake")
    served = wo.loc[settled & wo["close_date"].notna() & (wo["close_date"] <= end), "vin"]
    return {
        "qc_checked": int((in_s & wo["qc_first_pass"].notna()).sum()),
        "claims_decided": int(_within(claims["decided_date"], start, end).sum()),
        "claims_paid_in_full": _paid_in_full(claims, store.table("claim_payments"), start, end),
        "first_service_sold": int(sold.dropna().nunique()),
        "part_lines_entered": int(part_lines.sum()),
        "stocktake_counts": int((_within(counts["count_date"], start, end) & counts["part_no"].notna()).sum()),
        "served_vehicles": int(served.dropna().nunique()),
    }

"""Group figures of a dealer group: every KPI of KPIS.md over all stores.

Additive KPIs are summed. A ratio is never the average of the stores' ratios: it is recomputed
from the summed numerator and denominator: KPI ids of KPIS.md's JSON where it carries them
(Σ gross_profit / Σ revenue), else the ratio's own parts that compute_kpis returns
(``KpiResult.parts``, carried in the worker result as ``parts``). :data:`GROUP_RULES` says, for
each KPI, how.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence


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
    """Σ(value × weight) / Σ weight, the weight being the KPI id of the count the store's ratio is
    taken over (csi × csi_responses). Equal to recomputing the ratio from summed numerators and
    denominators."""

    weight: str

    def compute(self, kpi: str, stores: Sequence[Mapping[str, Any]], period: str, group: Mapping[str, Any]) -> float | None:
        total = weighted = 0.0
        for store in stores:
            value, weight = _num(store["kpis"].get(kpi)), _num(store["kpis"].get(self.weight))
            if value is None or not weight:
                continue
            total += weight
            weighted += value * weight
        return weighted / total if total else None

    def text(self, kpi: str) -> str:
        return f"Σ({kpi} × {self.weight}) / Σ {self.weight}"


@dataclass(frozen=True)
class Pooled:
    """Σ numerator / Σ denominator of the stores' own parts of the ratio (the worker result's
    ``parts``: KPI id -> [numerator, denominator], from ``KpiResult.parts``)."""

    def compute(self, kpi: str, stores: Sequence[Mapping[str, Any]], period: str, group: Mapping[str, Any]) -> float | None:
        num = den = 0.0
        for store in stores:
            n, d = (store.get("parts") or {}).get(kpi, (0.0, 0.0))
            num += _num(n) or 0.0
            den += _num(d) or 0.0
        return num / den if den else None

    def text(self, kpi: str) -> str:
        return f"Σ {kpi} numerator / Σ {kpi} denominator"


@dataclass(frozen=True)
class Complement:
    """1 − the group value of another KPI."""

    of: str

    def compute(self, kpi: str, stores: Sequence[Mapping[str, Any]], period: str, group: Mapping[str, Any]) -> float | None:
        other = group.get(self.of)
        return None if other is None else 1.0 - other

    def text(self, kpi: str) -> str:
        return f"1 − {self.of} (group)"


Rule = Sum | Ratio | Weighted | Pooled | Complement


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
    "qc_first_pass_rate": Pooled(),
    "csi": Weighted("csi_responses"),
    "csi_responses": Sum(),
    "followup_rate": Weighted("settled_ros"),
    "appointment_rate": Weighted("entries"),
    "complaint_rate": Weighted("settled_ros"),
    "first_service_rate": Pooled(),
    "warranty_claimed": Sum(),
    "insurance_claimed": Sum(),
    "claims_paid": Sum(),
    "claim_rejection_rate": Pooled(),
    "claim_days_to_pay": Pooled(),
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
    "fill_rate": Pooled(),
    "stocktake_accuracy": Pooled(),
    "wip_count": Sum(),
    "wip_parts_value": Sum(),
    "on_duty": Sum(),
    "vacancies": Sum(),
    "churn_rate": Pooled(),
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
    carry ``kpis`` and, for the pooled ratios, ``parts``)."""
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

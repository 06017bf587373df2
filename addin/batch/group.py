"""Group figures of a dealer group: every KPI of KPIS.md over all stores.

Additive KPIs are summed. A ratio is never the average of the stores' ratios: it is Σ numerator /
Σ denominator of the parts each store's result carries (``KpiResult.parts``, in the worker result
as ``parts``). How a ratio's parts read in other KPIs (Σ gross_profit / Σ revenue, csi weighted
by csi_responses ...) is the registry's (:class:`addin.kpis.Pooling`); it names the rule in the
group report and pools a result that carries no parts. :data:`GROUP_RULES` holds, for each KPI
of the registry, its rule, derived from the registry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from addin.kpis import KPIS, Kpi, annualise
from addin.periods import Period

Stores = Sequence[Mapping[str, Any]]


def _parts(store: Mapping[str, Any], kpi: str) -> tuple[float, float] | None:
    got = (store.get("parts") or {}).get(kpi)
    if got is None:
        return None
    n, d = got
    return _num(n) or 0.0, _num(d) or 0.0


def _pooled(kpi: str, stores: Stores) -> float | None | bool:
    """Σ num / Σ den of the stores' parts when every store carries them, else False."""
    got = [_parts(s, kpi) for s in stores]
    if not got or any(p is None for p in got):
        return False
    num = sum(p[0] for p in got if p is not None)
    den = sum(p[1] for p in got if p is not None)
    return num / den if den else None


@dataclass(frozen=True)
class Sum:
    """Σ of the stores' values."""

    def compute(self, kpi: str, stores: Stores, period: str, group: Mapping[str, Any]) -> float:
        return sum(_num(s["kpis"].get(kpi)) or 0.0 for s in stores)

    def text(self, kpi: str) -> str:
        return f"Σ {kpi}"


@dataclass(frozen=True)
class Ratio:
    """Σ num × scale / Σ den, num and den being KPI ids (or tuples of KPI ids that are summed):
    the parts of the ratio as other KPIs' values."""

    num: str | tuple[str, ...]
    den: str | tuple[str, ...]
    scale: float = 1.0
    per_period: str | None = None
    formula: str = ""

    def compute(self, kpi: str, stores: Stores, period: str, group: Mapping[str, Any]) -> float | None:
        pooled = _pooled(kpi, stores)
        if pooled is not False:
            return pooled  # type: ignore[return-value]
        num = _sum_of(self.num, stores)
        den = _sum_of(self.den, stores)
        if not den:
            return None
        scale = self.scale
        if self.per_period == "annual":
            scale *= annualise(Period.parse(period))
        elif self.per_period == "days":
            scale *= Period.parse(period).days
        return num * scale / den

    def text(self, kpi: str) -> str:
        return self.formula or f"Σ {self.num} / Σ {self.den}"


@dataclass(frozen=True)
class Weighted:
    """Σ(value × weight) / Σ weight, the weight being the KPI id of the count the store's ratio is
    taken over (csi × csi_responses): the ratio's parts as other KPIs' values."""

    weight: str

    def compute(self, kpi: str, stores: Stores, period: str, group: Mapping[str, Any]) -> float | None:
        pooled = _pooled(kpi, stores)
        if pooled is not False:
            return pooled  # type: ignore[return-value]
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
    ``parts``: KPI id -> [numerator, denominator], from ``KpiResult.parts``); a result without
    them adds nothing to either sum."""

    def compute(self, kpi: str, stores: Stores, period: str, group: Mapping[str, Any]) -> float | None:
        num = den = 0.0
        for store in stores:
            n, d = _parts(store, kpi) or (0.0, 0.0)
            num += n
            den += d
        return num / den if den else None

    def text(self, kpi: str) -> str:
        return f"Σ {kpi} numerator / Σ {kpi} denominator"


@dataclass(frozen=True)
class Complement:
    """1 − the group value of another KPI."""

    of: str

    def compute(self, kpi: str, stores: Stores, period: str, group: Mapping[str, Any]) -> float | None:
        pooled = _pooled(kpi, stores)
        if pooled is not False:
            return pooled  # type: ignore[return-value]
        other = group.get(self.of)
        return None if other is None else 1.0 - other

    def text(self, kpi: str) -> str:
        return f"1 − {self.of} (group)"


Rule = Sum | Ratio | Weighted | Pooled | Complement


def rule_of(kpi: Kpi) -> Rule:
    """The group rule of a registry KPI: summed, or pooled as its :class:`~addin.kpis.Pooling`
    says."""
    p = kpi.pooling
    if p is None:
        return Sum()
    if p.complement_of:
        return Complement(p.complement_of)
    if p.weight:
        return Weighted(p.weight)
    if p.num and p.den:
        return Ratio(p.num, p.den, p.scale, p.per_period, p.formula)
    return Pooled()


#: How each KPI of the registry becomes a group figure (registry order, which is dependency order).
GROUP_RULES: dict[str, Rule] = {kid: rule_of(k) for kid, k in KPIS.items()}

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


def _sum_of(ids: str | tuple[str, ...], stores: Stores) -> float:
    ids = (ids,) if isinstance(ids, str) else ids
    return sum(_num(s["kpis"].get(i)) or 0.0 for s in stores for i in ids)


def group_kpis(stores: Stores, period: str) -> dict[str, float | None]:
    """The group value of every KPI in :data:`GROUP_RULES` over ``stores`` (worker results that
    carry ``kpis`` and, for the ratios, ``parts``)."""
    group: dict[str, float | None] = {}
    for kpi, rule in GROUP_RULES.items():
        group[kpi] = rule.compute(kpi, stores, period, group)
    return group


def ranking(stores: Stores, kpi: str, higher_is_better: bool = True
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

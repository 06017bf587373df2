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


class _Parts:
    """Σ num and Σ den of the stores' own parts of one KPI's ratio, added store by store; the
    pooled value only while every store added carries them."""

    __slots__ = ("complete", "count", "den", "kpi", "num")

    def __init__(self, kpi: str) -> None:
        self.kpi = kpi
        self.count = 0
        self.complete = True
        self.num: float = 0
        self.den: float = 0

    def add(self, store: Mapping[str, Any]) -> None:
        self.count += 1
        got = _parts(store, self.kpi)
        if got is None:
            self.complete = False
        elif self.complete:
            self.num += got[0]
            self.den += got[1]

    def value(self) -> float | None | bool:
        """Σ num / Σ den when every store carried the parts, else False."""
        if not self.count or not self.complete:
            return False
        return self.num / self.den if self.den else None


class Accumulator:
    """One KPI's group figure, fed one store at a time (:meth:`add`) and read at the end
    (:meth:`value`), so that a batch need not hold its stores: the sums are taken in the order
    the stores come, as :func:`group_kpis` over a list takes them, to the last bit."""

    def __init__(self, rule: Rule, kpi: str) -> None:
        self.rule = rule
        self.kpi = kpi
        self.parts = _Parts(kpi)
        self.sums: list[float] = [0, 0]

    def add(self, store: Mapping[str, Any]) -> None:
        self.parts.add(store)
        self.rule.add(self, store)

    def value(self, period: str, group: Mapping[str, Any]) -> float | None:
        return self.rule.finish(self, period, group)


def _compute(rule: Rule, kpi: str, stores: Stores, period: str, group: Mapping[str, Any]) -> float | None:
    acc = Accumulator(rule, kpi)
    for store in stores:
        acc.add(store)
    return acc.value(period, group)


@dataclass(frozen=True)
class Sum:
    """Σ of the stores' values."""

    def add(self, acc: Accumulator, store: Mapping[str, Any]) -> None:
        acc.sums[0] += _num(store["kpis"].get(acc.kpi)) or 0.0

    def finish(self, acc: Accumulator, period: str, group: Mapping[str, Any]) -> float:
        return acc.sums[0]

    def compute(self, kpi: str, stores: Stores, period: str, group: Mapping[str, Any]) -> float:
        return _compute(self, kpi, stores, period, group)  # type: ignore[return-value]

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

    def add(self, acc: Accumulator, store: Mapping[str, Any]) -> None:
        for slot, ids in enumerate((self.num, self.den)):
            for i in (ids,) if isinstance(ids, str) else ids:
                acc.sums[slot] += _num(store["kpis"].get(i)) or 0.0

    def finish(self, acc: Accumulator, period: str, group: Mapping[str, Any]) -> float | None:
        pooled = acc.parts.value()
        if pooled is not False:
            return pooled  # type: ignore[return-value]
        num, den = acc.sums
        if not den:
            return None
        scale = self.scale
        if self.per_period == "annual":
            scale *= annualise(Period.parse(period))
        elif self.per_period == "days":
            scale *= Period.parse(period).days
        return num * scale / den

    def compute(self, kpi: str, stores: Stores, period: str, group: Mapping[str, Any]) -> float | None:
        return _compute(self, kpi, stores, period, group)

    def text(self, kpi: str) -> str:
        return self.formula or f"Σ {self.num} / Σ {self.den}"


@dataclass(frozen=True)
class Weighted:
    """Σ(value × weight) / Σ weight, the weight being the KPI id of the count the store's ratio is
    taken over (csi × csi_responses): the ratio's parts as other KPIs' values."""

    weight: str

    def add(self, acc: Accumulator, store: Mapping[str, Any]) -> None:
        value, weight = _num(store["kpis"].get(acc.kpi)), _num(store["kpis"].get(self.weight))
        if value is None or not weight:
            return
        acc.sums[0] += weight
        acc.sums[1] += value * weight

    def finish(self, acc: Accumulator, period: str, group: Mapping[str, Any]) -> float | None:
        pooled = acc.parts.value()
        if pooled is not False:
            return pooled  # type: ignore[return-value]
        total, weighted = acc.sums
        return weighted / total if total else None

    def compute(self, kpi: str, stores: Stores, period: str, group: Mapping[str, Any]) -> float | None:
        return _compute(self, kpi, stores, period, group)

    def text(self, kpi: str) -> str:
        return f"Σ({kpi} × {self.weight}) / Σ {self.weight}"


@dataclass(frozen=True)
class Pooled:
    """Σ numerator / Σ denominator of the stores' own parts of the ratio (the worker result's
    ``parts``: KPI id -> [numerator, denominator], from ``KpiResult.parts``); a result without
    them adds nothing to either sum."""

    def add(self, acc: Accumulator, store: Mapping[str, Any]) -> None:
        n, d = _parts(store, acc.kpi) or (0.0, 0.0)
        acc.sums[0] += n
        acc.sums[1] += d

    def finish(self, acc: Accumulator, period: str, group: Mapping[str, Any]) -> float | None:
        num, den = acc.sums
        return num / den if den else None

    def compute(self, kpi: str, stores: Stores, period: str, group: Mapping[str, Any]) -> float | None:
        return _compute(self, kpi, stores, period, group)

    def text(self, kpi: str) -> str:
        return f"Σ {kpi} numerator / Σ {kpi} denominator"


@dataclass(frozen=True)
class Complement:
    """1 − the group value of another KPI."""

    of: str

    def add(self, acc: Accumulator, store: Mapping[str, Any]) -> None:
        pass

    def finish(self, acc: Accumulator, period: str, group: Mapping[str, Any]) -> float | None:
        pooled = acc.parts.value()
        if pooled is not False:
            return pooled  # type: ignore[return-value]
        other = group.get(self.of)
        return None if other is None else 1.0 - other

    def compute(self, kpi: str, stores: Stores, period: str, group: Mapping[str, Any]) -> float | None:
        return _compute(self, kpi, stores, period, group)

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


class GroupTotals:
    """The group figures of a batch, fed one store result at a time: ``add(store)`` for each
    measured store (in input order), ``values()`` at the end = ``group_kpis(stores, period)``."""

    def __init__(self, period: str) -> None:
        self.period = period
        self.count = 0
        self._accumulators = {kpi: Accumulator(rule, kpi) for kpi, rule in GROUP_RULES.items()}

    def add(self, store: Mapping[str, Any]) -> None:
        self.count += 1
        for acc in self._accumulators.values():
            acc.add(store)

    def values(self) -> dict[str, float | None]:
        group: dict[str, float | None] = {}
        for kpi, acc in self._accumulators.items():
            group[kpi] = acc.value(self.period, group)
        return group


def group_kpis(stores: Stores, period: str) -> dict[str, float | None]:
    """The group value of every KPI in :data:`GROUP_RULES` over ``stores`` (worker results that
    carry ``kpis`` and, for the ratios, ``parts``)."""
    totals = GroupTotals(period)
    for store in stores:
        totals.add(store)
    return totals.values()


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

"""Scorecards (绩效考核) and the best team (先进班组): KPIS.md "Scorecards" (issue 12).

For each roster member on duty at the end of P whose own role has appraisal_weights rows, one
item per row: the value (a technician or team leader takes an id of the per-technician table
from their own row, a service advisor or front desk supervisor an id of the per-advisor table
from theirs, blank without a row; every other id is the department's KPI), the target (the row's,
else settings target_<kpi>), the achievement (value / target, or target / value where lower is
better and appraisal_cap when that value is 0; blank without a value or a target or with target 0;
clamped to 0..appraisal_cap) and the weight. score = 100 × Σ weight × achievement / Σ weight over
the items that have an achievement. Teams rank by the mean score of their scored members.

Choices where KPIS.md leaves room: a row whose weight is blank or not above 0 is no item (the rule
APW-WEIGHT reports it); of two rows for the same role and KPI the first counts (APW-KEY-DUP);
cards are in staff_id order, items in sheet order, team ties by team name.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import pandas as pd

from addin import sets
from addin.models import Settings

#: The per-technician figures (KPIS.md "Per technician") and who takes them.
TECHNICIAN_FIGURES = ("flag_hours", "labor_revenue", "piece_pay", "actual_hours", "efficiency",
                      "available_hours", "productivity", "proficiency", "comebacks")
TECHNICIAN_ROLES = ("technician", "team_leader")
#: The per-advisor figures (KPIS.md "Per service advisor") and who takes them.
ADVISOR_FIGURES = ("entries", "settled_ros", "revenue", "revenue_per_ro", "declined_amount", "csi",
                   "complaint_rate")
ADVISOR_ROLES = ("service_advisor", "front_desk_supervisor")
#: Per-person figures where lower is better that are not department KPIs.
LOWER_PER_PERSON = frozenset({"comebacks"})


def lower_is_better(kpi: str, registry_lower: frozenset[str]) -> bool:
    """KPIS.md's direction: the KPIs the registry records as lower-is-better
    (``registry_lower``), and a technician's comebacks."""
    return kpi in LOWER_PER_PERSON or kpi in registry_lower


def known_kpi(kpi: str, registry: Iterable[str]) -> bool:
    """Whether appraisal_weights may name ``kpi``: a department KPI of ``registry`` or a
    per-person figure."""
    return kpi in registry or kpi in TECHNICIAN_FIGURES or kpi in ADVISOR_FIGURES


def _number(value: Any) -> float | None:
    if value is None or value is pd.NA:
        return None
    f = float(value)
    return None if math.isnan(f) else f


def achievement(value: float | None, target: float | None, lower: bool, cap: float) -> float | None:
    """value / target (target / value when lower is better; cap when that value is 0), clamped to
    0..cap; None without a value or a target, or with target 0."""
    if value is None or target is None or target == 0:
        return None
    if lower:
        raw = cap if value == 0 else target / value
    else:
        raw = value / target
    return min(max(raw, 0.0), cap)


def score(items: Iterable[dict[str, Any]]) -> float | None:
    """100 × Σ weight × achievement / Σ weight over the items with an achievement."""
    scored = [(i["weight"], i["achievement"]) for i in items if i["achievement"] is not None]
    total = sum(w for w, _ in scored)
    return None if not scored or total == 0 else 100.0 * sum(w * a for w, a in scored) / total


def weights_by_role(weights: pd.DataFrame) -> dict[str, list[tuple[str, float, float | None]]]:
    """Role -> [(kpi, weight, row target)] in sheet order, rows with a weight above 0, the first of
    each (role, kpi)."""
    out: dict[str, list[tuple[str, float, float | None]]] = {}
    seen: set[tuple[str, str]] = set()
    for role, kpi, weight, target in zip(weights["role"], weights["kpi"], weights["weight"], weights["target"]):
        w = _number(weight)
        if role is None or kpi is None or w is None or w <= 0 or (role, kpi) in seen:
            continue
        seen.add((role, kpi))
        out.setdefault(role, []).append((str(kpi).strip(), w, _number(target)))
    return out


def compute_scorecards(roster: pd.DataFrame, weights: pd.DataFrame, settings: Settings, end: pd.Timestamp,
                       values: dict[str, Any], technicians: list[dict[str, Any]], advisors: list[dict[str, Any]],
                       registry_lower: frozenset[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(scorecards, team_scores) of KPIS.md's JSON shape, from the period's department ``values``,
    its per-technician and per-advisor rows and the ids the KPI registry records as
    lower-is-better (addin.kpis.LOWER_IS_BETTER)."""
    by_role = weights_by_role(weights)
    tech = {r["staff_id"]: r for r in technicians}
    adv = {r["staff_id"]: r for r in advisors}
    cap = float(settings.appraisal_cap)
    staff = roster.loc[sets.on_duty_mask(roster, end)].drop_duplicates("staff_id")
    cards = []
    for sid, role, team in sorted(zip(staff["staff_id"], staff["role"], staff["team"]), key=lambda r: str(r[0])):
        if role not in by_role:
            continue
        items = []
        for kpi, weight, row_target in by_role[role]:
            if role in TECHNICIAN_ROLES and kpi in TECHNICIAN_FIGURES:
                value = _number(tech[sid][kpi]) if sid in tech else None
            elif role in ADVISOR_ROLES and kpi in ADVISOR_FIGURES:
                value = _number(adv[sid][kpi]) if sid in adv else None
            else:
                value = _number(values.get(kpi))
            target = row_target if row_target is not None else _number(settings.targets.get(kpi))
            items.append({"kpi": kpi, "value": value, "target": target,
                          "achievement": achievement(value, target, lower_is_better(kpi, registry_lower), cap),
                          "weight": weight})
        cards.append({"staff_id": sid, "role": role, "score": score(items), "items": items,
                      "team": None if team is None or pd.isna(team) else team})
    return [{k: v for k, v in c.items() if k != "team"} for c in cards], team_scores(cards)


def team_scores(cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Teams by the mean score of their members that have one, best first (ties by team)."""
    per: dict[str, list[float]] = {}
    for card in cards:
        if card.get("team") and card["score"] is not None:
            per.setdefault(card["team"], []).append(card["score"])
    ranked = [{"team": t, "score": sum(s) / len(s)} for t, s in per.items()]
    return sorted(ranked, key=lambda r: (-r["score"], r["team"]))

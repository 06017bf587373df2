"""Appraisal 绩效考核 (KPIS.md "Scorecards", issue 12): each person's score and rank, the teams
ranked by the mean score of their members (先进班组), and every item of every scorecard with its
value, target, achievement and weight."""

from __future__ import annotations

from typing import Any

from addin.i18n import Text
from addin.kpis import KPIS, LOWER_IS_BETTER
from addin.reports.common import ReportData, bar_chart, col_label, enum_label
from addin.reports.engine import Column, Context, Filled, Table, Typed
from addin.scorecards import lower_is_better

NAME = "appraisal"
TITLE = Text("Appraisal", "绩效考核")

LABELS = {
    "title_appraisal": TITLE,
    "sheet_scores": Text("Scores", "考核得分"),
    "sheet_items": Text("Items", "考核明细"),
    "sheet_charts": Text("Charts", "图表"),
    "people": Text("Scores of the staff on duty, best first", "在岗人员得分（由高到低）"),
    "teams": Text("Teams ranked by the mean score of their members (best team first)", "班组排名（按成员平均分，先进班组居首）"),
    "items": Text("Items of each scorecard", "各人考核项目"),
    "score_note": Text("Achievement = actual ÷ target (target ÷ actual where lower is better), capped at {cap}; "
                       "score = 100 × Σ weight × achievement ÷ Σ weight of the items with an achievement. "
                       "A blank target is the settings target of that KPI.",
                       "达成率 = 实际 ÷ 目标（越低越好的指标为 目标 ÷ 实际），上限 {cap}；"
                       "得分 = 100 × Σ 权重 × 达成率 ÷ 有达成率项目的权重之和。目标空白时取设置中的指标目标。"),
}

#: Labels of the per-person figures that are not department KPIs (KPIS.md "Per technician").
PERSON_FIGURES = {
    "piece_pay": Text("Piece pay", "计件工资"),
    "actual_hours": Text("Actual hours", "实际工时"),
    "efficiency": Text("Efficiency", "工作效率"),
    "available_hours": Text("Available hours", "出勤工时"),
    "productivity": Text("Productivity", "生产率"),
    "proficiency": Text("Proficiency", "熟练度"),
    "comebacks": Text("Comebacks", "返修台次"),
}
_LOWER = Text("lower is better", "越低越好")


def kpi_label(kpi: str, locale: str) -> str:
    """The KPI's label in ``locale`` (the registry's, or the per-person figure's; the id itself
    for an unknown id)."""
    if kpi in KPIS:
        return KPIS[kpi].label(locale)
    if kpi in PERSON_FIGURES:
        return PERSON_FIGURES[kpi](locale)
    return kpi


#: The unit of each per-person figure that is not a department KPI (how its value is shown).
PERSON_UNITS = {"piece_pay": "money", "actual_hours": "hours", "efficiency": "ratio", "available_hours": "hours",
                "productivity": "ratio", "proficiency": "ratio", "comebacks": "count"}


def _unit(kpi: str) -> str:
    return KPIS[kpi].unit if kpi in KPIS else PERSON_UNITS.get(kpi, "number")


def _ranked(cards: list[dict[str, Any]]) -> list[tuple[int | None, dict[str, Any]]]:
    """Cards best first, with their rank (equal scores share a rank; no score: no rank, last)."""
    scored = sorted((c for c in cards if c["score"] is not None), key=lambda c: (-c["score"], c["staff_id"]))
    out: list[tuple[int | None, dict[str, Any]]] = []
    for i, card in enumerate(scored):
        rank = out[-1][0] if out and out[-1][1]["score"] == card["score"] else i + 1
        out.append((rank, card))
    out += [(None, c) for c in cards if c["score"] is None]
    return out


def context(data: ReportData) -> Context:
    """The scores table, the team ranking and the items of every scorecard."""
    ctx = data.base_context()
    ctx.labels.update(LABELS)
    loc = data.locale
    ctx.labels["score_note"] = Text(LABELS["score_note"].en.format(cap=data.store.settings.appraisal_cap),
                                    LABELS["score_note"].zh.format(cap=data.store.settings.appraisal_cap))
    cards = data.kpis.get("scorecards", [])
    people = []
    for rank, card in _ranked(cards):
        staff = data.staff.get(card["staff_id"], {})
        people.append([rank, card["staff_id"], staff.get("name"), enum_label("roster", "role", card["role"], loc),
                       staff.get("team"), len(card["items"]), card["score"]])
    ctx.tables["people"] = Table(
        [Column("rank", Text("Rank", "名次"), "count"), Column("staff_id", col_label("roster", "staff_id")),
         Column("name", col_label("roster", "name")), Column("role", col_label("roster", "role")),
         Column("team", col_label("roster", "team")), Column("items", Text("Items", "考核项"), "count"),
         Column("score", Text("Score", "得分"), "score")],
        people)
    members: dict[str, int] = {}
    for card in cards:
        team = data.staff.get(card["staff_id"], {}).get("team")
        if team and card["score"] is not None:
            members[team] = members.get(team, 0) + 1
    ctx.tables["teams"] = Table(
        [Column("rank", Text("Rank", "名次"), "count"), Column("team", col_label("roster", "team")),
         Column("members", Text("Members scored", "参评人数"), "count"),
         Column("score", Text("Mean score", "平均得分"), "score")],
        [[i, t["team"], members.get(t["team"], 0), t["score"]]
         for i, t in enumerate(data.kpis.get("team_scores", []), start=1)])
    items = []
    for _, card in _ranked(cards):
        name = data.staff.get(card["staff_id"], {}).get("name")
        used = sum(i["weight"] for i in card["items"] if i["achievement"] is not None)
        for item in card["items"]:
            ach = item["achievement"]
            points = None if ach is None or not used else 100 * item["weight"] * ach / used
            label = kpi_label(item["kpi"], loc) + (f" ({_LOWER(loc)})" if lower_is_better(item["kpi"], LOWER_IS_BETTER) else "")
            unit = _unit(item["kpi"])
            items.append([card["staff_id"], name, label, Typed(item["value"], unit), Typed(item["target"], unit), ach,
                          item["weight"], points])
    ctx.tables["items"] = Table(
        [Column("staff_id", col_label("roster", "staff_id")), Column("name", col_label("roster", "name")),
         Column("kpi", Text("KPI", "考核指标")), Column("value", Text("Actual", "实际值"), "number"),
         Column("target", Text("Target", "目标值"), "number"),
         Column("achievement", Text("Achievement", "达成率"), "ratio"),
         Column("weight", Text("Weight", "权重"), "number"), Column("points", Text("Points", "得分"), "score")],
        items)
    return ctx


def charts(filled: Filled, ctx: Context, data: ReportData) -> None:
    """The mean score of each team."""
    bar_chart(filled, filled.tables["teams"], "team", ["score"],
              Text("Team scores", "班组得分")(data.locale), "A5", width=16, height=8)

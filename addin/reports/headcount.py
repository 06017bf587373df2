"""Headcount 人员编制: planned, on duty, concurrent posts (兼职) and vacancies per role, staff
turnover, and who is on duty (issue 12: a post held in also_roles fills it)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from addin import sets, workshop
from addin.i18n import Text
from addin.models import Role
from addin.reports.common import ReportData, bar_chart, col_label, enum_label
from addin.reports.engine import Column, Context, Filled, Table
from addin.roles import also_roles

NAME = "headcount"
TITLE = Text("Headcount", "人员编制")

LABELS = {
    "title_headcount": TITLE,
    "sheet_headcount": Text("Headcount", "人员编制"),
    "sheet_charts": Text("Charts", "图表"),
    "on_duty_staff": Text("Staff on duty on the last day of the month", "月末在岗人员"),
    "turnover": Text("Staff turnover", "人员流动"),
    "also_note": Text("Concurrent: on duty holding the role in also_roles beside their own; they fill the post.",
                      "兼职：在岗且在“兼任岗位”中兼任该岗位的人员，计入该岗位编制。"),
}


def _also(member: dict[str, Any], locale: str) -> str | None:
    """The further roles of a member, as labels of the locale (canonical, whatever was typed)."""
    labels = [Role(k).label(locale) for k in also_roles(member["also_roles"], member["role"])]
    return ("、" if locale == "zh-CN" else ", ").join(labels) or None


def context(data: ReportData) -> Context:
    """Per role (in the order of the roles list): planned, on duty at the end of P in that role,
    on duty holding it concurrently, vacancies; the month's turnover; who is on duty."""
    ctx = data.base_context()
    ctx.labels.update(LABELS)
    loc = data.locale
    planned = workshop.planned_per_role(data.store.table("positions").dropna(subset=["role"]))
    roster = data.store.table("roster")
    on = roster.loc[sets.on_duty_mask(roster, data.end)]
    held = workshop.holders_per_role(on)
    vacant = workshop.vacancies_per_role(data.store.table("positions"), roster, data.end)
    rows: list[list[Any]] = []
    for role in Role.labels():
        p = planned.get(role)
        n = int(held["own"].get(role, 0)) if role in held.index else 0
        also = int(held["also"].get(role, 0)) if role in held.index else 0
        if p is None and not n and not also:
            continue
        rows.append([Role(role).label(loc), None if p is None else int(p), n, also,
                     int(vacant.get(role, 0)) if p is not None else 0])
    # The totals of on duty, concurrent and vacancies are the period's KPIs of those ids (the
    # concurrent column counts posts, the KPI people: a member holding two further posts is one).
    total = [Text("Total", "合计")(loc), int(planned.sum()), data.kpis.get("on_duty"),
             sum(r[3] for r in rows), data.kpis.get("vacancies")]
    ctx.tables["roles"] = Table(
        [Column("role", col_label("positions", "role")), Column("planned", col_label("positions", "planned"), "count"),
         Column("on_duty", Text("On duty", "在岗人数"), "count"), Column("concurrent", Text("Concurrent", "兼职"), "count"),
         Column("vacancies", Text("Vacancies", "缺编人数"), "count")],
        rows, total)
    leavers = workshop.leavers(roster, data.start, data.end)
    before = int(sets.on_duty_mask(roster, data.start - pd.Timedelta(days=1)).sum())
    ctx.tables["turnover"] = Table(
        [Column("before", Text("On duty the day before", "月初在岗"), "count"),
         Column("on_duty", Text("On duty at the end", "月末在岗"), "count"),
         Column("leavers", Text("Left in the month", "本月离职"), "count"),
         Column("concurrent", Text("Holding two posts", "兼职人数"), "count"),
         Column("staff_turnover", Text("Staff turnover", "人员流失率"), "ratio")],
        [[before, data.kpis.get("on_duty"), len(leavers), data.kpis.get("concurrent"), data.kpis.get("staff_turnover")]])
    order = {role: i for i, role in enumerate(Role.labels())}
    staff = on.assign(_order=on["role"].map(order).fillna(len(order))).sort_values(["_order", "staff_id"])
    ctx.tables["staff"] = Table(
        [Column(k, col_label("roster", k), "date" if k.endswith("date") else "text")
         for k in ("staff_id", "name", "role", "also_roles", "team", "grade", "hire_date")],
        [[r["staff_id"], r["name"], enum_label("roster", "role", r["role"], loc), _also(r, loc), r["team"], enum_label("roster", "grade", r["grade"], loc), r["hire_date"]] for r in staff.to_dict("records")])
    return ctx


def charts(filled: Filled, ctx: Context, data: ReportData) -> None:
    """Planned against on duty, per role: every role labelled, 0.8 cm of height per role."""
    roles = len(ctx.tables["roles"].rows)
    bar_chart(filled, filled.tables["roles"], "role", ["planned", "on_duty"],
              Text("Planned and on duty", "编制与在岗")(data.locale), "A3", horizontal=True, width=20,
              height=max(10.0, 0.8 * roles + 3))

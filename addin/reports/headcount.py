"""Headcount 人员编制: planned, on duty and vacancies per role, and who is on duty."""

from __future__ import annotations

from addin import sets
from addin.i18n import Text
from addin.models import Role
from addin.reports.common import ReportData, bar_chart, col_label, enum_label
from addin.reports.engine import Column, Context, Filled, Table

NAME = "headcount"
TITLE = Text("Headcount", "人员编制")

LABELS = {
    "title_headcount": TITLE,
    "sheet_headcount": Text("Headcount", "人员编制"),
    "sheet_charts": Text("Charts", "图表"),
    "on_duty_staff": Text("Staff on duty on the last day of the month", "月末在岗人员"),
}


def context(data: ReportData) -> Context:
    """Per role (in the order of the roles list): planned, on duty at the end of P, vacancies."""
    ctx = data.base_context()
    ctx.labels.update(LABELS)
    loc = data.locale
    positions = data.store.table("positions")
    planned = positions.dropna(subset=["role", "planned"]).groupby("role")["planned"].sum()
    roster = data.store.table("roster")
    on = roster.loc[sets.on_duty_mask(roster, data.end)]
    count = on.groupby("role").size()
    rows = []
    for role in Role.labels():
        p, n = planned.get(role), int(count.get(role, 0))
        if p is None and not n:
            continue
        vacancies = max(int(p) - n, 0) if p is not None else 0
        rows.append([Role(role).label(loc), None if p is None else int(p), n, vacancies])
    # The totals of on duty and vacancies are the period's on_duty and vacancies KPIs.
    total = [Text("Total", "合计")(loc), int(planned.sum()), data.kpis.get("on_duty"), data.kpis.get("vacancies")]
    ctx.tables["roles"] = Table(
        [Column("role", col_label("positions", "role")), Column("planned", col_label("positions", "planned"), "count"),
         Column("on_duty", Text("On duty", "在岗人数"), "count"), Column("vacancies", Text("Vacancies", "缺编人数"), "count")],
        rows, total)
    order = {role: i for i, role in enumerate(Role.labels())}
    staff = on.assign(_order=on["role"].map(order).fillna(len(order))).sort_values(["_order", "staff_id"])
    ctx.tables["staff"] = Table(
        [Column(k, col_label("roster", k), "date" if k.endswith("date") else "text")
         for k in ("staff_id", "name", "role", "team", "grade", "hire_date")],
        [[r["staff_id"], r["name"], enum_label("roster", "role", r["role"], loc), r["team"],
          enum_label("roster", "grade", r["grade"], loc), r["hire_date"]] for r in staff.to_dict("records")])
    return ctx


def charts(filled: Filled, ctx: Context, data: ReportData) -> None:
    """Planned against on duty, per role."""
    bar_chart(filled, filled.tables["roles"], "role", ["planned", "on_duty"],
              Text("Planned and on duty", "编制与在岗")(data.locale), "A3", horizontal=True, width=20, height=10)

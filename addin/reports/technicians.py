"""Technician performance and piece-rate pay 技师绩效与计件工资 (KPIS.md "Per technician")."""

from __future__ import annotations

from addin.i18n import Text
from addin.reports.common import ReportData, bar_chart, col_label, enum_label
from addin.reports.engine import Column, Context, Filled, Table

NAME = "technicians"
TITLE = Text("Technician performance and piece-rate pay", "技师绩效与计件工资")

LABELS = {
    "title_technicians": TITLE,
    "sheet_technicians": Text("Technicians", "技师"),
    "sheet_charts": Text("Charts", "图表"),
    "piece_pay_note": Text("Piece pay = flag hours of billed labor lines × the technician's piece rate.",
                           "计件工资 = 已计费工时项目的工时数 × 技工计件单价。"),
}

COLUMNS = [
    Column("staff_id", col_label("roster", "staff_id")), Column("name", col_label("roster", "name")),
    Column("team", col_label("roster", "team")), Column("grade", col_label("roster", "grade")),
    Column("flag_hours", Text("Flag hours", "工时数"), "hours"),
    Column("actual_hours", Text("Actual hours", "实际工时"), "hours"),
    Column("efficiency", Text("Efficiency", "工作效率"), "ratio"),
    Column("available_hours", Text("Available hours", "出勤工时"), "hours"),
    Column("productivity", Text("Productivity", "生产率"), "ratio"),
    Column("proficiency", Text("Proficiency", "熟练度"), "ratio"),
    Column("labor_revenue", Text("Labor revenue", "工时收入"), "money"),
    Column("piece_rate", col_label("roster", "piece_rate"), "money"),
    Column("piece_pay", Text("Piece pay", "计件工资"), "money"),
    Column("comebacks", Text("Comebacks", "返修台次"), "count"),
]


def context(data: ReportData) -> Context:
    """Fill values for the technicians template: one row per technician with a billed labor line."""
    ctx = data.base_context()
    ctx.labels.update(LABELS)
    rows = []
    for t in data.kpis.get("technicians", []):
        staff = data.staff.get(t["staff_id"], {})
        rows.append([t["staff_id"], staff.get("name"), staff.get("team"),
                     enum_label("roster", "grade", staff.get("grade"), data.locale), t["flag_hours"],
                     t["actual_hours"], t["efficiency"], t["available_hours"], t["productivity"], t["proficiency"],
                     t["labor_revenue"], staff.get("piece_rate"), t["piece_pay"], t["comebacks"]])
    total = [Text("Total", "合计")(data.locale), None, None, None]
    for i, c in enumerate(COLUMNS[4:], start=4):
        summed = c.key in ("flag_hours", "actual_hours", "available_hours", "labor_revenue", "piece_pay", "comebacks")
        total.append(sum(float(r[i] or 0) for r in rows) if summed else None)
    ctx.tables["technicians"] = Table(COLUMNS, rows, total)
    return ctx


def charts(filled: Filled, ctx: Context, data: ReportData) -> None:
    """Flag hours and actual hours per technician."""
    bar_chart(filled, filled.tables["technicians"], "name", ["flag_hours", "actual_hours"],
              Text("Flag and actual hours", "工时数与实际工时")(data.locale), "A3", width=24, height=10)

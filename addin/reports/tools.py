"""Tools and equipment 工具设备 (issue 12; DOMAIN.md "Registers: tools and equipment"): measuring
devices due for calibration by the end of next month, public-tool loans overdue, tools lost or
damaged in the month, the personal tools each person holds (三帐二卡), and the courtesy cars
(代步车) lent in the month or still out at its end."""

from __future__ import annotations

from typing import Any

import pandas as pd

from addin import workshop
from addin.i18n import Text
from addin.reports.common import ReportData, col_label, enum_label
from addin.reports.engine import Column, Context, Table

NAME = "tools"
TITLE = Text("Tools and equipment", "工具设备")

LABELS = {
    "title_tools": TITLE,
    "sheet_equipment": Text("Calibration and loans", "检定与借用"),
    "sheet_issued": Text("Personal tools", "个人工具"),
    "sheet_loaners": Text("Courtesy cars", "代步车"),
    "calibration_due": Text("Measuring devices due for calibration by the end of next month",
                            "下月底前到期的计量器具检定"),
    "loans_overdue": Text("Public tools not back by their due date", "逾期未还的公用工具"),
    "lost_damaged": Text("Tools lost or damaged in the month", "本月丢失或损坏的工具"),
    "issued": Text("Personal tools held at the end of the month, per person", "月末个人工具领用（按人）"),
    "loaners": Text("Courtesy cars lent in the month or still out at its end", "本月借出或月末未还的代步车"),
}


def _day(value: Any) -> Any:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def context(data: ReportData) -> Context:
    """The tables of the tools and equipment report."""
    ctx = data.base_context()
    ctx.labels.update(LABELS)
    loc, end, start = data.locale, data.end, data.start
    store = data.store
    tools = store.table("tools").drop_duplicates("tool_id").set_index("tool_id")["name"].to_dict()

    due = workshop.calibration_due(store.table("equipment"), end)
    never = Text("never calibrated", "从未检定")(loc)
    ctx.tables["calibration_due"] = Table(
        [Column(k, col_label("equipment", k), "date" if k == "last_calibrated" else "text")
         for k in ("asset_id", "name", "location", "serial_no")]
        + [Column("calibration_months", col_label("equipment", "calibration_months"), "count"),
           Column("last_calibrated", col_label("equipment", "last_calibrated"), "date"),
           Column("due", Text("Due", "应检日期"), "date"), Column("custodian", col_label("equipment", "custodian_id"))],
        [[r["asset_id"], r["name"], r["location"], r["serial_no"], r["calibration_months"], _day(r["last_calibrated"]),
          _day(r["due"]) or never, data.staff_name(r["custodian_id"])] for r in due.to_dict("records")])

    late = workshop.overdue_loans(store.table("tool_loans"), end)
    ctx.tables["loans_overdue"] = Table(
        [Column("loan_id", col_label("tool_loans", "loan_id")), Column("tool", col_label("tools", "name")),
         Column("staff", col_label("tool_loans", "staff_id")),
         Column("out_date", col_label("tool_loans", "out_date"), "date"),
         Column("due_date", col_label("tool_loans", "due_date"), "date"),
         Column("days", Text("Days overdue", "逾期天数"), "count")],
        [[r["loan_id"], tools.get(r["tool_id"], r["tool_id"]), data.staff_name(r["staff_id"]), _day(r["out_date"]),
          _day(r["due_date"]), int((end - r["due_date"]).days)] for r in late.to_dict("records")])

    bad = []
    card = {"tool_loans": Text("Loan card", "借用卡"), "tool_issues": Text("Issue card", "领用卡")}
    for sheet, key, when in (("tool_loans", "loan_id", "returned_date"), ("tool_issues", "issue_id", "returned_date")):
        for r in workshop.lost_or_damaged(store.table(sheet), when, start, end).to_dict("records"):
            bad.append([card[sheet](loc), r[key], tools.get(r["tool_id"], r["tool_id"]), data.staff_name(r["staff_id"]),
                        _day(r[when]), enum_label(sheet, "condition", r["condition"], loc)])
    bad.sort(key=lambda r: (r[4], r[1]))
    ctx.tables["lost_damaged"] = Table(
        [Column("card", Text("Card", "卡片")), Column("id", Text("No.", "单号")),
         Column("tool", col_label("tools", "name")), Column("staff", col_label("tool_loans", "staff_id")),
         Column("date", col_label("tool_loans", "returned_date"), "date"),
         Column("condition", col_label("tool_loans", "condition"))],
        bad)

    held = workshop.issued_tools(store.table("tool_issues"), end)
    rows = []
    for (sid, tool), group in held.groupby(["staff_id", "tool_id"], sort=True):
        rows.append([sid, data.staff_name(sid), tools.get(tool, tool), float(group["qty"].sum()),
                     _day(group["issue_date"].min())])
    ctx.tables["issued"] = Table(
        [Column("staff_id", col_label("roster", "staff_id")), Column("name", col_label("roster", "name")),
         Column("tool", col_label("tools", "name")), Column("qty", col_label("tool_issues", "qty"), "number"),
         Column("issue_date", Text("Issued since", "领用日期"), "date")],
        rows, [Text("Total", "合计")(loc), None, None, sum(r[3] for r in rows), None])

    ln = store.table("loaners")
    lent = ln.loc[(ln["out_date"] >= start) & (ln["out_date"] <= end)]
    out = workshop.loaners_out(ln, end)
    shown = pd.concat([lent, out]).drop_duplicates("loan_id").sort_values(["out_date", "loan_id"])
    still = Text("still out", "未还")(loc)
    ctx.tables["loaners"] = Table(
        [Column(k, col_label("loaners", k), "date" if k.endswith("date") else "text")
         for k in ("loan_id", "loaner_vin", "wo_no", "customer_name", "out_date", "return_date")]
        + [Column("days", Text("Days out", "借用天数"), "count"), Column("approved_by", col_label("loaners", "approved_by"))],
        [[r["loan_id"], r["loaner_vin"], r["wo_no"], r["customer_name"], _day(r["out_date"]),
          _day(r["return_date"]) if not pd.isna(r["return_date"]) and r["return_date"] <= end else still,
          int(((min(r["return_date"], end) if not pd.isna(r["return_date"]) else end) - r["out_date"]).days),
          data.staff_name(r["approved_by"])] for r in shown.to_dict("records")],
        [Text("Out at the end: {n}", "月末在外：{n} 辆")(loc, n=data.kpis.get("loaners_out")), None, None, None, None,
         None, None, None])
    return ctx

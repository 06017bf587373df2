"""The daily report (维修日报, DOMAIN.md "Daily views") of one day: the day's KPIs (KPIS.md on the
Period of that day), the workshop board's counts (addin.board: per status, per advisor, overdue),
tomorrow's appointments (booked or confirmed), the follow-up calls due and the arrived backorders
whose customer has not been told (the work lists as of the day). Built on request only, never as
part of the month's pack (its PERIOD_KIND is "day"); an empty section prints "None" (无).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from addin.i18n import Text
from addin.reports.common import ReportData, col_label, enum_label
from addin.reports.engine import Column, Context, Filled, Table, Typed

NAME = "daily"
TITLE = Text("Daily service report", "维修日报")
#: The report takes a day (YYYY-MM-DD), not a month: build_reports leaves it out of the pack.
PERIOD_KIND = "day"
#: One portrait A4 page (addin.reports.layout scales a wide table to the width).
ORIENTATION = "portrait"
#: The KPIs of the day, in the order printed.
DAY_KPIS = ("entries", "settled_ros", "revenue", "labor_revenue", "parts_revenue", "flag_hours")
#: Appointment statuses still expected to arrive.
EXPECTED = ("booked", "confirmed")

T_NONE = Text("None", "无")
LABELS = {
    "title_daily": TITLE,
    "sheet_daily": TITLE,
    "day": Text("Day", "日期"),
    "kpis_of_day": Text("KPIs of the day", "当日指标"),
    "board_status": Text("Jobs in the workshop by status", "在修工单（按状态）"),
    "board_advisor": Text("Jobs in the workshop by advisor", "在修工单（按服务顾问）"),
    "appointments": Text("Tomorrow's appointments ({day})", "明日预约（{day}）"),
    "calls_due": Text("Follow-up calls due", "待回访"),
    "backorders": Text("Backorders arrived, customer not yet told", "配件已到货、尚未通知客户"),
    "value": Text("Value", "数值"),
    "jobs": Text("Jobs", "台次"),
    "overdue": Text("Overdue", "超期"),
    "status": Text("Status", "状态"),
    "advisor": Text("Advisor", "服务顾问"),
    "total": Text("Total", "合计"),
}


def _day(data: ReportData) -> dt.date:
    day: dt.date = data.start.date()
    return day


def context(data: ReportData) -> Context:
    """Fill values for the daily template."""
    from addin.board import BOARD_STATUSES, board, status_label
    from addin.kpis import KPIS

    ctx = data.base_context()
    ctx.labels.update(LABELS)
    loc = data.locale
    day = _day(data)
    tomorrow = day + dt.timedelta(days=1)
    ctx.values["day_text"] = day.isoformat()
    ctx.values["appointments_title"] = LABELS["appointments"](loc, day=tomorrow.isoformat())

    ctx.tables["kpis"] = Table(
        [Column("kpi", Text("KPI", "指标")), Column("value", LABELS["value"])],
        [[KPIS[k].label(loc), Typed(data.kpis.get(k), KPIS[k].unit)] for k in DAY_KPIS], empty=T_NONE)

    b = board(data.store, day)
    counts = b.counts
    late_by_advisor: dict[str, int] = {}
    for j in b.jobs:
        if j.overdue:
            late_by_advisor[j.advisor_id or ""] = late_by_advisor.get(j.advisor_id or "", 0) + 1
    late_by_status: dict[str, int] = {}
    for j in b.jobs:
        if j.overdue:
            late_by_status[j.status] = late_by_status.get(j.status, 0) + 1
    ctx.tables["board_status"] = Table(
        [Column("status", LABELS["status"]), Column("jobs", LABELS["jobs"], "count"),
         Column("overdue", LABELS["overdue"], "count")],
        [[status_label(s, loc), counts["by_status"].get(s, 0), late_by_status.get(s, 0)] for s in BOARD_STATUSES],
        total=[LABELS["total"](loc), counts["total"], counts["overdue"]], empty=T_NONE)
    ctx.tables["board_advisor"] = Table(
        [Column("advisor", LABELS["advisor"]), Column("jobs", LABELS["jobs"], "count"),
         Column("overdue", LABELS["overdue"], "count")],
        [[b.name(a) or "-", n, late_by_advisor.get(a, 0)] for a, n in counts["by_advisor"].items()],
        total=[LABELS["total"](loc), counts["total"], counts["overdue"]] if b.jobs else None, empty=T_NONE)

    ctx.tables["appointments"] = Table(
        [Column("time", col_label("appointments", "appt_time")),
         Column("customer", col_label("appointments", "customer_name")),
         Column("plate", col_label("appointments", "plate")), Column("reason", col_label("appointments", "reason")),
         Column("advisor", col_label("appointments", "advisor_id")),
         Column("est_hours", col_label("appointments", "est_hours"), "number")],
        _appointments(data, tomorrow), empty=T_NONE)

    frames = data.care_lists
    wo = data.store.table("work_orders").drop_duplicates("wo_no").set_index("wo_no")
    cars = data.store.table("vehicles").drop_duplicates("vin").set_index("vin")

    def job(no: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        r: dict[str, Any] = wo.loc[no].to_dict() if isinstance(no, str) and no in wo.index else {}
        car: dict[str, Any] = cars.loc[r["vin"]].to_dict() if r.get("vin") in cars.index else {}
        return r, car

    calls = []
    for row in calls_due(data.store, day).itertuples():
        r, car = job(row.id)
        calls.append([row.id, r.get("close_date"), row.due, r.get("plate") or car.get("plate"),
                      r.get("customer_name") or car.get("customer_name"),
                      r.get("customer_phone") or car.get("customer_phone"), data.staff_name(row.person)])
    ctx.tables["calls_due"] = Table(
        [Column("wo_no", col_label("work_orders", "wo_no")),
         Column("close_date", col_label("work_orders", "close_date"), "date"),
         Column("due", Text("Call due by", "应回访日期"), "date"), Column("plate", col_label("work_orders", "plate")),
         Column("customer", col_label("work_orders", "customer_name")),
         Column("phone", col_label("work_orders", "customer_phone")),
         Column("advisor", col_label("work_orders", "advisor_id"))], calls, empty=T_NONE)

    bo = data.store.table("backorders").drop_duplicates("bo_id").set_index("bo_id")
    parts = data.store.table("parts").drop_duplicates("part_no").set_index("part_no")["name"]
    notify = []
    for row in frames["backorders_to_notify"].itertuples():
        rec = bo.loc[row.id]
        r, car = job(rec["wo_no"])
        name = parts.get(rec["part_no"]) if rec["part_no"] in parts.index else None
        notify.append([row.id, rec["wo_no"], rec["part_no"], name, rec["arrived_date"], row.due,
                       r.get("customer_name") or car.get("customer_name"),
                       r.get("customer_phone") or car.get("customer_phone"), data.staff_name(row.person)])
    ctx.tables["backorders"] = Table(
        [Column("bo_id", col_label("backorders", "bo_id")), Column("wo_no", col_label("backorders", "wo_no")),
         Column("part_no", col_label("backorders", "part_no")), Column("part", col_label("parts", "name")),
         Column("arrived", col_label("backorders", "arrived_date"), "date"),
         Column("due", Text("Tell by", "应通知日期"), "date"),
         Column("customer", col_label("work_orders", "customer_name")),
         Column("phone", col_label("work_orders", "customer_phone")),
         Column("advisor", col_label("work_orders", "advisor_id"))], notify, empty=T_NONE)
    return ctx


def finish(filled: Filled, ctx: Context, data: ReportData) -> None:
    """Headers of two lines get the height of two lines (LibreOffice keeps a wrapped header's row
    at one line), and the page prints on one A4 sheet wide."""
    for pos in filled.tables.values():
        ws = filled.wb[pos.sheet]
        two = any(len(str(ws.cell(pos.header_row, pos.first_col + j).value or "")) * 1.15 + 2
                  > (ws.column_dimensions[ws.cell(pos.header_row, pos.first_col + j).column_letter].width or 10)
                  for j in range(len(pos.columns)))
        if two:
            ws.row_dimensions[pos.header_row].height = 30


def calls_due(store: Any, day: dt.date) -> pd.DataFrame:
    """The follow-up calls due as of ``day`` (id, due, person), in working order (due date, advisor,
    wo_no): KPIS.md's followups_due read on the day, as KPIS.md reads "open" (no date by the
    end): jobs settled from the first day of the previous month to ``day``, not pdi or internal,
    with no follow-up by the day (followup_date, or the first reached call, blank or after it) and
    their call due (close_date + followup_window_days) before the day. (followups_due of the
    one-day Period would hold only jobs settled that day, none of them due yet.)"""
    from addin import sets

    end = pd.Timestamp(day)
    start = end.replace(day=1) - pd.offsets.MonthBegin(1)
    wo = sets.with_followups(store.table("work_orders"), store.table("followups"))
    S = sets.settled_jobs(wo, start, end)
    due = S["close_date"] + pd.Timedelta(days=store.settings.followup_window_days)
    called = S["followup_date"].notna().to_numpy() & (S["followup_date"].to_numpy() <= end.to_datetime64())
    sel = ~called & (due.to_numpy() < end.to_datetime64()) & ~S["repair_type"].isin(("pdi", "internal")).to_numpy()
    f = pd.DataFrame({"id": S.loc[sel, "wo_no"].to_numpy(dtype=object), "due": due[sel].to_numpy(),
                      "person": S.loc[sel, "advisor_id"].to_numpy(dtype=object)})
    f["_k"] = f["person"].where(f["person"].notna(), "\uffff").astype(str)
    f = f.sort_values(["due", "_k", "id"], kind="stable").drop_duplicates("id")
    return f.drop(columns="_k").reset_index(drop=True)


def _appointments(data: ReportData, tomorrow: dt.date) -> list[list[Any]]:
    """Tomorrow's booked and confirmed appointments by time (blank last), then appt_id."""
    ap = data.store.table("appointments")
    sel = ap["appt_date"].notna().to_numpy() & (ap["appt_date"].to_numpy() == pd.Timestamp(tomorrow).to_datetime64())
    sel &= ap["status"].isin(EXPECTED).to_numpy()
    rows = ap.loc[sel].copy()
    rows["_t"] = rows["appt_time"].fillna("\uffff").astype(str)
    rows = rows.sort_values(["_t", "appt_id"], kind="stable")
    loc = data.locale
    return [[r["appt_time"], r["customer_name"], r["plate"], enum_label("appointments", "reason", r["reason"], loc),
             data.staff_name(r["advisor_id"]) if r["advisor_id"] else None, r["est_hours"]]
            for r in rows.to_dict("records")]

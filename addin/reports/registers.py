"""Registers 登记簿 (DOMAIN.md "Reports": Registers): the month of the department's own registers.
Complaints received, resolved on time and still open, by category and channel; insurance renewals
due, renewed, lost (with the reasons counted) and pending; follow-up calls and what they found;
appointments booked, arrived and missed; courtesy cars lent, back, still out and overdue. Every
list in working order (due date, then person, then id) and printed in full."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from addin import sets, workshop
from addin.i18n import Text
from addin.kpis import KPIS
from addin.models import SHEETS
from addin.reports.common import ReportData, col_label, enum_label, header_rows, records_by
from addin.reports.engine import Column, Context, Filled, Table, Typed

NAME = "registers"
TITLE = Text("Registers", "登记簿汇总")

LABELS = {
    "title_registers": TITLE,
    "sheet_complaints": Text("Complaints", "投诉"),
    "sheet_renewals": Text("Renewals", "续保"),
    "sheet_followups": Text("Follow-up calls", "回访"),
    "sheet_appointments": Text("Appointments", "预约"),
    "sheet_loaners": Text("Courtesy cars", "代步车"),
    "complaint_figures": Text("Complaints of the month", "本月投诉"),
    "complaints_open_list": Text("Complaints open at the end of the month", "月末未结投诉"),
    "by_category": Text("By category", "按投诉类别"),
    "by_channel": Text("By channel", "按投诉渠道"),
    "renewal_figures": Text("Policies expiring in the month", "本月到期保单"),
    "lost_reasons": Text("Lost renewals by reason", "战败原因"),
    "renewals_list": Text("Every policy expiring in the month", "本月到期保单明细"),
    "followup_figures": Text("Follow-up calls made in the month", "本月回访"),
    "by_caller": Text("By caller", "按回访人"),
    "followup_issues": Text("Calls that raised an issue", "客户提出意见的回访"),
    "appointment_figures": Text("Appointments dated in the month", "本月预约"),
    "by_reason": Text("By reason", "按预约事由"),
    "no_shows": Text("Appointments missed (no-shows), to call back", "未到店预约（待联系）"),
    "loaner_figures": Text("Courtesy cars of the month", "本月代步车"),
    "loaners_list": Text("Courtesy cars lent in the month or still out at its end", "本月借出或月末未还的代步车"),
    "loaner_note": Text("A car is due back the day after its job is settled.", "代步车应在工单结算次日前归还。"),
}

_MEASURE = Column("measure", Text("Measure", "项目"))
_VALUE = Column("value", Text("Value", "数值"))
_TOTAL = Text("Total", "合计")
_COUNT = Text("Count", "数量")
_OPEN_N = Text("Open: {n}", "未结：{n} 件")
_POLICIES_N = Text("Policies: {n}", "保单：{n} 份")


def _figures(rows: Iterable[tuple[Text | str, Any, str]], loc: str) -> Table:
    """A two-column table of the section's figures, each value with its own number format."""
    return Table([_MEASURE, _VALUE],
                 [[label(loc) if isinstance(label, Text) else label, Typed(value, kind)] for label, value, kind in rows])


def _kpi_label(kid: str) -> Text:
    k = KPIS[kid]
    return Text(k.label("en-US"), k.label("zh-CN"))


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def _enum_keys(sheet: str, column: str) -> list[str]:
    enum = SHEETS[sheet].by_key[column].enum
    assert enum is not None
    return list(enum.labels())


def _in(frame: pd.DataFrame, column: str, data: ReportData) -> pd.DataFrame:
    return frame.loc[sets.within(frame[column], data.start, data.end)]


def _ordered(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows in working order: due date (blank last), then person (blank last), then id."""
    far = pd.Timestamp.max
    return sorted(rows, key=lambda r: (far if pd.isna(r["due"]) else r["due"],
                                       r["person"] is None, str(r["person"] or ""), str(r["id"])))


def _name(data: ReportData, staff_id: Any) -> Any:
    return None if staff_id is None or (isinstance(staff_id, float) and np.isnan(staff_id)) \
        else data.staff_name(staff_id)


# -- complaints -----------------------------------------------------------------------------------

def _complaints(ctx: Context, data: ReportData) -> None:
    loc, s = data.locale, data.store.settings
    cp = data.store.table("complaints").drop_duplicates("complaint_id")
    received = _in(cp, "received_date", data)
    days = (received["resolved_date"] - received["received_date"]).dt.days
    on_time = int((days <= s.complaint_resolve_days).sum())
    frames = data.care_lists
    open_f = frames["complaints_open"]
    ctx.tables["complaint_figures"] = _figures([
        (_kpi_label("complaints_received"), data.kpis.get("complaints_received"), "count"),
        (Text("Resolved within {d} days", "{d} 天内处理完毕")(loc, d=s.complaint_resolve_days), on_time, "count"),
        (_kpi_label("complaint_resolution_rate"), data.kpis.get("complaint_resolution_rate"), "ratio"),
        (_kpi_label("complaints_open"), data.kpis.get("complaints_open"), "count"),
    ], loc)

    by_id = cp.set_index("complaint_id")
    end = data.end
    rows = []
    for r in open_f.itertuples():
        c = by_id.loc[r.id]
        rows.append([r.id, c["received_date"], r.due, enum_label("complaints", "category", c["category"], loc),
                     enum_label("complaints", "channel", c["channel"], loc), c["wo_no"], c["customer_name"],
                     _name(data, r.person), int((end - c["received_date"]).days),
                     max(int((end - r.due).days), 0)])
    ctx.tables["complaints_open"] = Table(
        [Column("complaint_id", col_label("complaints", "complaint_id")),
         Column("received_date", col_label("complaints", "received_date"), "date"),
         Column("due", Text("Resolve by", "应处理完毕日期"), "date"),
         Column("category", col_label("complaints", "category")), Column("channel", col_label("complaints", "channel")),
         Column("wo_no", col_label("complaints", "wo_no")), Column("customer", col_label("complaints", "customer_name")),
         Column("owner", col_label("complaints", "owner_id")),
         Column("days_open", Text("Days open", "已受理天数"), "count"),
         Column("days_late", Text("Days overdue", "逾期天数"), "count")],
        rows, [_OPEN_N(loc, n=len(rows)), *([None] * 9)])

    open_cp = cp.loc[cp["complaint_id"].isin(open_f["id"])]
    cat_rows = []
    for key in _enum_keys("complaints", "category"):
        mine = received["category"] == key
        cat_rows.append([enum_label("complaints", "category", key, loc), int(mine.sum()),
                         int(((days <= s.complaint_resolve_days) & mine).sum()),
                         int((open_cp["category"] == key).sum())])
    ctx.tables["by_category"] = Table(
        [Column("category", col_label("complaints", "category")),
         Column("received", Text("Received in the month", "本月受理"), "count"),
         Column("on_time", Text("Resolved on time", "及时处理"), "count"),
         Column("open", Text("Open at the end", "月末未结"), "count")],
        cat_rows, [_TOTAL(loc), *(sum(r[i] for r in cat_rows) for i in (1, 2, 3))])
    ch_rows = [[enum_label("complaints", "channel", key, loc), int((received["channel"] == key).sum()),
                int((open_cp["channel"] == key).sum())] for key in _enum_keys("complaints", "channel")]
    ctx.tables["by_channel"] = Table(
        [Column("channel", col_label("complaints", "channel")),
         Column("received", Text("Received in the month", "本月受理"), "count"),
         Column("open", Text("Open at the end", "月末未结"), "count")],
        ch_rows, [_TOTAL(loc), sum(r[1] for r in ch_rows), sum(r[2] for r in ch_rows)])


# -- renewals -------------------------------------------------------------------------------------

def _renewals(ctx: Context, data: ReportData) -> None:
    loc = data.locale
    rn = _in(data.store.table("renewals").drop_duplicates("renewal_id"), "expiry_date", data)
    counts = {k: int((rn["outcome"] == k).sum()) for k in _enum_keys("renewals", "outcome")}
    ctx.tables["renewal_figures"] = _figures([
        (_kpi_label("renewals_due_count"), data.kpis.get("renewals_due_count"), "count"),
        (enum_label("renewals", "outcome", "renewed", loc), counts["renewed"], "count"),
        (enum_label("renewals", "outcome", "lost", loc), counts["lost"], "count"),
        (enum_label("renewals", "outcome", "pending", loc), counts["pending"], "count"),
        (_kpi_label("renewal_rate"), data.kpis.get("renewal_rate"), "ratio"),
    ], loc)
    lost = rn.loc[(rn["outcome"] == "lost").to_numpy()]
    reasons = [[enum_label("renewals", "lost_reason", k, loc), int((lost["lost_reason"] == k).sum())]
               for k in _enum_keys("renewals", "lost_reason")]
    blank = int(lost["lost_reason"].isna().sum())
    if blank:
        reasons.append([Text("(no reason entered)", "（未填写原因）")(loc), blank])
    n = len(lost)
    ctx.tables["lost_reasons"] = Table(
        [Column("reason", col_label("renewals", "lost_reason")), Column("count", _COUNT, "count"),
         Column("share", Text("Share", "占比"), "ratio")],
        [[r[0], r[1], _ratio(r[1], n)] for r in reasons], [_TOTAL(loc), n, 1.0 if n else None])

    cars = records_by(data.store.table("vehicles"), "vin", ("plate", "customer_name"))
    items = []
    for r in rn.to_dict("records"):
        car: dict[str, Any] = cars.get(r["vin"], {})
        items.append({"id": r["renewal_id"], "due": r["expiry_date"], "person": _name(data, r["by"]), "rec": r,
                      "car": car})
    rows = [[i["id"], i["rec"]["vin"], i["car"].get("plate"), i["car"].get("customer_name"), i["due"], i["person"],
             i["rec"]["contact_date"], enum_label("renewals", "outcome", i["rec"]["outcome"], loc),
             enum_label("renewals", "lost_reason", i["rec"]["lost_reason"], loc), i["rec"]["insurer"],
             i["rec"]["premium"]] for i in _ordered(items)]
    ctx.tables["renewals_list"] = Table(
        [Column("renewal_id", col_label("renewals", "renewal_id")), Column("vin", col_label("renewals", "vin")),
         Column("plate", col_label("vehicles", "plate")), Column("customer", col_label("vehicles", "customer_name")),
         Column("expiry_date", col_label("renewals", "expiry_date"), "date"), Column("by", col_label("renewals", "by")),
         Column("contact_date", col_label("renewals", "contact_date"), "date"),
         Column("outcome", col_label("renewals", "outcome")), Column("lost_reason", col_label("renewals", "lost_reason")),
         Column("insurer", col_label("renewals", "insurer")), Column("premium", col_label("renewals", "premium"), "money")],
        rows, [_POLICIES_N(loc, n=len(rows)), *([None] * 9), float(rn["premium"].fillna(0).sum())])


# -- follow-up calls ----------------------------------------------------------------------------------

def _text_set(series: pd.Series) -> np.ndarray:
    return np.asarray(series.fillna("").astype(str).str.strip().ne("").to_numpy(), dtype=bool)


def _followups(ctx: Context, data: ReportData) -> None:
    loc = data.locale
    fu = _in(data.store.table("followups").drop_duplicates("followup_id"), "call_date", data)
    reached = sets.flag(fu["reached"])
    score = fu["satisfaction"].where(reached)
    issues, complained = _text_set(fu["issues"]), _text_set(fu["complaint_id"])
    mean = float(score.mean()) if score.notna().any() else None
    ctx.tables["followup_figures"] = _figures([
        (Text("Calls made", "回访次数"), len(fu), "count"),
        (Text("Reached", "接通"), int(reached.sum()), "count"),
        (Text("Not reached", "未接通"), int((~reached).sum()), "count"),
        (Text("Reached share", "接通率"), _ratio(int(reached.sum()), len(fu)), "ratio"),
        (Text("Mean satisfaction of reached calls (0-10)", "接通回访平均满意度（0-10分）"), mean, "score"),
        (Text("Calls that raised an issue", "提出意见的回访"), int(issues.sum()), "count"),
        (Text("Calls that led to a complaint", "转为投诉的回访"), int(complained.sum()), "count"),
    ], loc)
    rows = []
    for by, g in fu.assign(_reached=reached, _score=score, _issue=issues).groupby("by", sort=False):
        rows.append([_name(data, by), len(g), int(g["_reached"].sum()), int((~g["_reached"]).sum()),
                     float(g["_score"].mean()) if g["_score"].notna().any() else None, int(g["_issue"].sum())])
    rows.sort(key=lambda r: str(r[0]))
    ctx.tables["by_caller"] = Table(
        [Column("by", col_label("followups", "by")), Column("calls", Text("Calls", "回访次数"), "count"),
         Column("reached", Text("Reached", "接通"), "count"), Column("not_reached", Text("Not reached", "未接通"), "count"),
         Column("satisfaction", Text("Mean satisfaction", "平均满意度"), "score"),
         Column("issues", Text("Issues raised", "提出意见"), "count")],
        rows, [_TOTAL(loc), len(fu), int(reached.sum()), int((~reached).sum()), mean, int(issues.sum())])
    wo = data.store.table("work_orders").drop_duplicates("wo_no").set_index("wo_no")
    items = [{"id": r["followup_id"], "due": r["call_date"], "person": _name(data, r["by"]), "rec": r}
             for r in fu.loc[issues].to_dict("records")]
    out = []
    for i in _ordered(items):
        r = i["rec"]
        job: dict[str, Any] = wo.loc[r["wo_no"]].to_dict() if r["wo_no"] in wo.index else {}
        out.append([i["id"], i["due"], r["wo_no"], job.get("customer_name"), i["person"],
                    r["satisfaction"] if bool(r["reached"]) else None, r["issues"], r["next_action"], r["complaint_id"]])
    ctx.tables["followup_issues"] = Table(
        [Column("followup_id", col_label("followups", "followup_id")),
         Column("call_date", col_label("followups", "call_date"), "date"), Column("wo_no", col_label("followups", "wo_no")),
         Column("customer", col_label("work_orders", "customer_name")), Column("by", col_label("followups", "by")),
         Column("satisfaction", col_label("followups", "satisfaction"), "number"),
         Column("issues", col_label("followups", "issues")), Column("next_action", col_label("followups", "next_action")),
         Column("complaint_id", col_label("followups", "complaint_id"))], out)


# -- appointments ----------------------------------------------------------------------------------

def _appointments(ctx: Context, data: ReportData) -> None:
    """Counted from the appointments sheet (KPIS.md appointments_booked, appointment_show_rate);
    the registry's values are shown when it has those KPIs."""
    loc = data.locale
    ap = _in(data.store.table("appointments").drop_duplicates("appt_id"), "appt_date", data)
    st = ap["status"]
    n = {k: int((st == k).sum()) for k in _enum_keys("appointments", "status")}
    booked: Any = len(ap) - n["cancelled"]
    rate: Any = _ratio(n["arrived"], n["arrived"] + n["no_show"])
    if "appointments_booked" in KPIS:
        booked = data.kpis.get("appointments_booked")
    if "appointment_show_rate" in KPIS:
        rate = data.kpis.get("appointment_show_rate")
    ctx.tables["appointment_figures"] = _figures([
        (Text("Booked (not cancelled)", "预约台次（不含取消）"), booked, "count"),
        (enum_label("appointments", "status", "arrived", loc), n["arrived"], "count"),
        (enum_label("appointments", "status", "no_show", loc), n["no_show"], "count"),
        (enum_label("appointments", "status", "cancelled", loc), n["cancelled"], "count"),
        (Text("Still booked or confirmed", "尚未到期（已预约或已确认）"), n["booked"] + n["confirmed"], "count"),
        (Text("Show rate (arrived ÷ (arrived + no-shows))", "预约到店率（到店 ÷（到店 + 未到店））"), rate, "ratio"),
    ], loc)
    rows = []
    for key in _enum_keys("appointments", "reason"):
        mine = ap.loc[(ap["reason"] == key).to_numpy()]
        arrived, missed = int((mine["status"] == "arrived").sum()), int((mine["status"] == "no_show").sum())
        rows.append([enum_label("appointments", "reason", key, loc), int((mine["status"] != "cancelled").sum()),
                     arrived, missed, int((mine["status"] == "cancelled").sum()), _ratio(arrived, arrived + missed)])
    ctx.tables["by_reason"] = Table(
        [Column("reason", col_label("appointments", "reason")), Column("booked", Text("Booked", "预约"), "count"),
         Column("arrived", Text("Arrived", "已到店"), "count"),
         Column("no_show", Text("No-shows", "未到店"), "count"), Column("cancelled", Text("Cancelled", "已取消"), "count"),
         Column("rate", Text("Show rate", "到店率"), "ratio")],
        rows, [_TOTAL(loc), *(sum(r[i] for r in rows) for i in (1, 2, 3, 4)),
               _ratio(n["arrived"], n["arrived"] + n["no_show"])])
    items = [{"id": r["appt_id"], "due": r["appt_date"], "person": _name(data, r["advisor_id"]), "rec": r}
             for r in ap.loc[(st == "no_show").to_numpy()].to_dict("records")]
    ctx.tables["no_shows"] = Table(
        [Column("appt_id", col_label("appointments", "appt_id")),
         Column("appt_date", col_label("appointments", "appt_date"), "date"),
         Column("appt_time", col_label("appointments", "appt_time")), Column("plate", col_label("appointments", "plate")),
         Column("customer", col_label("appointments", "customer_name")),
         Column("phone", col_label("appointments", "customer_phone")),
         Column("reason", col_label("appointments", "reason")), Column("advisor", col_label("appointments", "advisor_id"))],
        [[i["id"], i["due"], i["rec"]["appt_time"], i["rec"]["plate"], i["rec"]["customer_name"],
          i["rec"]["customer_phone"], enum_label("appointments", "reason", i["rec"]["reason"], loc), i["person"]]
         for i in _ordered(items)])


# -- courtesy cars ---------------------------------------------------------------------------------

def _loaners(ctx: Context, data: ReportData) -> None:
    """A car is due back the day after its job's settlement (DOMAIN.md Registers); overdue: still
    out at the end of the month with that day before it."""
    loc, start, end = data.locale, data.start, data.end
    ln = data.store.table("loaners").drop_duplicates("loan_id")
    jobs = data.store.table("work_orders").drop_duplicates("wo_no").set_index("wo_no")
    settled = jobs.loc[(jobs["status"] == "settled").to_numpy() & jobs["close_date"].notna().to_numpy()
                       & (jobs["close_date"] <= end).to_numpy(), "close_date"]
    lent = ln.loc[sets.within(ln["out_date"], start, end)]
    out = workshop.loaners_out(ln, end)
    back = ln.loc[sets.within(ln["return_date"], start, end)]
    shown = pd.concat([lent, out]).drop_duplicates("loan_id")
    items = []
    for r in shown.to_dict("records"):
        closed = settled.get(r["wo_no"])
        due = None if closed is None or pd.isna(closed) else closed + pd.Timedelta(days=1)
        returned = not pd.isna(r["return_date"]) and r["return_date"] <= end
        late = None
        if due is not None:
            when = r["return_date"] if returned else end
            late = max(int((when - due).days), 0)
        items.append({"id": r["loan_id"], "due": due, "person": _name(data, r["approved_by"]), "rec": r,
                      "returned": returned, "late": late, "overdue": due is not None and not returned and due < end})
    overdue = sum(1 for i in items if i["overdue"])
    ctx.tables["loaner_figures"] = _figures([
        (Text("Lent in the month", "本月借出"), len(lent), "count"),
        (Text("Returned in the month", "本月归还"), len(back), "count"),
        (_kpi_label("loaners_out"), data.kpis.get("loaners_out"), "count"),
        (Text("Overdue (still out after the day its job was settled)", "逾期未还（工单结算次日后仍未归还）"), overdue,
         "count"),
    ], loc)
    still = Text("still out", "未还")(loc)
    rows = [[i["id"], i["rec"]["loaner_vin"], i["rec"]["wo_no"], i["rec"]["customer_name"], i["rec"]["out_date"],
             i["due"], i["rec"]["return_date"] if i["returned"] else still, i["late"],
             Text("overdue", "逾期")(loc) if i["overdue"] else None, i["person"]] for i in _ordered(items)]
    ctx.tables["loaners_list"] = Table(
        [Column("loan_id", col_label("loaners", "loan_id")), Column("loaner_vin", col_label("loaners", "loaner_vin")),
         Column("wo_no", col_label("loaners", "wo_no")), Column("customer", col_label("loaners", "customer_name")),
         Column("out_date", col_label("loaners", "out_date"), "date"),
         Column("due", Text("Due back", "应还日期"), "date"),
         Column("return_date", col_label("loaners", "return_date"), "date"),
         Column("late", Text("Days late", "逾期天数"), "count"), Column("overdue", Text("Overdue", "逾期")),
         Column("approved_by", col_label("loaners", "approved_by"))], rows)


def context(data: ReportData) -> Context:
    """The sections of the registers report."""
    ctx = data.base_context()
    ctx.labels.update(LABELS)
    _complaints(ctx, data)
    _renewals(ctx, data)
    _followups(ctx, data)
    _appointments(ctx, data)
    _loaners(ctx, data)
    return ctx


def charts(filled: Filled, ctx: Context, data: ReportData) -> None:
    """No charts: after filling, give every table's header row room for two lines of its
    wrapped labels (LibreOffice keeps the template's row height)."""
    header_rows(filled)

"""Rules of the workshop registers (issue 12): loaners (代步车登记), equipment (设备台账), tools
(工具台账), tool loans (公用工具借用卡), tool issues (个人工具领用卡), training (培训记录), appraisal
weights (绩效考核权重) and the roster's also_roles (兼任岗位).

Every staff_id, wo_no and tool_id these sheets name is checked by GEN-REF (the models declare the
references). "Overdue" is as of the check's day: the end of the validated period, else the latest
activity date of the data (never the wall clock).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd

from addin import workshop
from addin.i18n import Text
from addin.kpis import KPIS
from addin.models import Role
from addin.roles import person_roles, split_also_roles
from addin.rules.registry import Context, Hit, hits_where, lookup, rule
from addin.scorecards import known_kpi

APPROVERS = ("service_manager", "front_desk_supervisor")


def _role_names(keys: tuple[str, ...]) -> Text:
    labels = Role.labels()
    return Text(" / ".join(labels[k][0] for k in keys), "或".join(labels[k][1] for k in keys))


# -- roster -------------------------------------------------------------------------------------


@rule("RO-ALSO-ROLES", "error", "roster", dated=False, uses=("roster.also_roles",), message=Text(
    "{part!r} is not a role; write role keys or titles separated by commas (e.g. team_leader, 质检员).",
    "“{part}”不是岗位；请填写岗位代码或名称，用逗号或顿号分隔（例如 维修班组长、质检员）。"))
def roster_also_roles(ctx: Context) -> Iterator[Hit]:
    """Every part of also_roles names a role (a key, a label or a synonym of the models)."""
    ro = ctx.table("roster")
    for row, value in zip(ro["_row"], ro["also_roles"]):
        for part in split_also_roles(value)[1]:
            yield Hit(int(row), "also_roles", value, {"part": part})


# -- loaners ------------------------------------------------------------------------------------


@rule("LN-APPROVER", "error", "loaners", uses=("loaners.approved_by",), message=Text(
    "{name} ({role}) may not approve a courtesy car: only a {may} may.",
    "{name}（{role}）无权批准代步车：只有{may}可以批准。"))
def loaner_approver(ctx: Context) -> Iterator[Hit]:
    """A loaner is approved by a service manager or a front desk supervisor (own role or
    also_roles). An approver who is not on the roster is GEN-REF's."""
    ln = ctx.table("loaners")
    staff = ctx.staff
    labels = Role.labels()
    verdicts: dict[str, dict[str, Any] | None] = {}  # by approver: the finding's parameters, or None

    def verdict(sid: str) -> dict[str, Any] | None:
        rec = staff.loc[sid].to_dict()
        if person_roles(rec) & set(APPROVERS):
            return None
        en, zh = labels.get(rec["role"], (rec["role"], rec["role"]))
        return {"name": rec["name"], "role": Text(str(en), str(zh)), "may": _role_names(APPROVERS)}

    for row, sid in zip(ln["_row"], ln["approved_by"]):
        if sid is None or sid not in staff.index:
            continue
        if sid not in verdicts:
            verdicts[sid] = verdict(sid)
        params = verdicts[sid]
        if params is not None:
            yield Hit(int(row), "approved_by", sid, dict(params))


@rule("LN-DATES", "error", "loaners", message=Text(
    "the car came back before it went out on {out}; correct whichever date is wrong.",
    "归还日期早于借出日期 {out}；请更正其中错误的日期。"))
def loaner_dates(ctx: Context) -> Iterator[Hit]:
    """return_date is not before out_date."""
    ln = ctx.table("loaners")
    bad = ln["return_date"] < ln["out_date"]
    for rec in ln.loc[bad, ["_row", "return_date", "out_date"]].to_dict("records"):
        yield Hit(rec["_row"], "return_date", rec["return_date"], {"out": rec["out_date"]})


@rule("LN-LATE", "warning", "loaners", message=Text(
    "job {wo_no} was settled on {closed}, and the courtesy car was not back by the next day; "
    "enter the return date or call the customer.",
    "工单 {wo_no} 已于 {closed} 结算，代步车在次日前未归还；请填写归还日期或联系客户。"))
def loaner_late(ctx: Context) -> Iterator[Hit]:
    """A loaner is returned by the day after its job's settlement (checked once that day is past)."""
    ln = ctx.table("loaners")
    job = lookup(ctx.jobs, ln["wo_no"], ("status", "close_date"))  # blank for a job not in the file
    closed, back = job["close_date"], ln["return_date"]
    limit = closed + pd.Timedelta(days=1)
    late = (job["status"] == "settled") & closed.notna() & (back.isna() & (ctx.as_of > limit) | (back > limit))
    for row, wo, came, on in zip(ln.loc[late, "_row"], ln.loc[late, "wo_no"], back[late], closed[late]):
        yield Hit(int(row), "return_date", None if pd.isna(came) else came, {"wo_no": wo, "closed": on})


# -- equipment -----------------------------------------------------------------------------------


@rule("EQ-INTERVAL", "error", "equipment", dated=False, message=Text(
    "a calibration interval is a whole number of months above 0 (blank: not a measuring device).",
    "检定周期应为大于0的整月数（空白表示非计量器具）。"))
def equipment_interval(ctx: Context) -> Iterator[Hit]:
    """calibration_months, when given, is above 0."""
    eq = ctx.table("equipment")
    yield from hits_where(eq, eq["calibration_months"] <= 0, "calibration_months")


@rule("EQ-CALIBRATION", "warning", "equipment", dated=False, message=Text(
    "this measuring device in use is overdue for calibration ({due}); send it for calibration and "
    "enter the new date.",
    "该在用计量器具已超过检定期限（{due}）；请送检并填写新的检定日期。"))
def equipment_calibration(ctx: Context) -> Iterator[Hit]:
    """A measuring device in use is calibrated by last_calibrated + calibration_months (a device
    never calibrated is due at once)."""
    eq = ctx.table("equipment")
    live = eq.loc[(eq["calibration_months"] > 0) & (eq["status"].isna() | (eq["status"] == "in_use"))]
    due = workshop.calibration_due_dates(live)
    for row, last, when in zip(live["_row"], live["last_calibrated"], due):
        if pd.isna(when) or when <= ctx.as_of:
            yield Hit(int(row), "last_calibrated", None if pd.isna(last) else last,
                      {"due": Text("never calibrated", "从未检定") if pd.isna(when) else
                       Text(f"due {when.date().isoformat()}", f"应于 {when.date().isoformat()} 检定")})


# -- tools, loans and issues -------------------------------------------------------------------------


@rule("TOOL-QTY", "error", "tools", dated=False, message=Text(
    "a quantity cannot be negative; correct it.", "数量不能为负数；请更正。"))
def tool_qty(ctx: Context) -> Iterator[Hit]:
    """qty is zero or more (a tool all lost or retired keeps its row with its status)."""
    tl = ctx.table("tools")
    yield from hits_where(tl, tl["qty"] < 0, "qty")


@rule("TLN-DATES", "error", "tool_loans", message=Text(
    "the tool was returned before it went out on {out}; correct whichever date is wrong.",
    "归还日期早于借出日期 {out}；请更正其中错误的日期。"))
def tool_loan_dates(ctx: Context) -> Iterator[Hit]:
    """A tool loan is not returned before it went out, nor due before it went out."""
    tl = ctx.table("tool_loans")
    for column in ("returned_date", "due_date"):
        bad = tl[column] < tl["out_date"]
        for rec in tl.loc[bad, ["_row", column, "out_date"]].to_dict("records"):
            yield Hit(rec["_row"], column, rec[column], {"out": rec["out_date"]})


@rule("TLN-OVERDUE", "warning", "tool_loans", message=Text(
    "{tool} lent to {staff} was due back on this date and is not back; get it back or enter the return.",
    "借给 {staff} 的 {tool} 应于此日归还，尚未归还；请收回或登记归还。"))
def tool_loan_overdue(ctx: Context) -> Iterator[Hit]:
    """A public tool is returned by its due_date (an open loan past it is overdue)."""
    tl = ctx.table("tool_loans")
    late = workshop.overdue_loans(tl, ctx.as_of)
    late = late.loc[late["out_date"].isna() | (late["out_date"] <= ctx.as_of)]
    tools = ctx.table("tools").drop_duplicates("tool_id").set_index("tool_id")["name"]
    names = ctx.staff["name"]
    for row, due, tool, sid in zip(late["_row"], late["due_date"], late["tool_id"], late["staff_id"]):
        yield Hit(int(row), "due_date", due, {"tool": tools.get(tool, tool), "staff": names.get(sid, sid)})


@rule("TIS-DATES", "error", "tool_issues", message=Text(
    "the tool was handed back before it was issued on {issued}; correct whichever date is wrong.",
    "归还日期早于领用日期 {issued}；请更正其中错误的日期。"))
def tool_issue_dates(ctx: Context) -> Iterator[Hit]:
    """A personal tool is not returned before it was issued."""
    ti = ctx.table("tool_issues")
    bad = ti["returned_date"] < ti["issue_date"]
    for rec in ti.loc[bad, ["_row", "returned_date", "issue_date"]].to_dict("records"):
        yield Hit(rec["_row"], "returned_date", rec["returned_date"], {"issued": rec["issue_date"]})


@rule("TIS-QTY", "error", "tool_issues", message=Text(
    "a quantity issued is above 0; correct it.", "领用数量应大于0；请更正。"))
def tool_issue_qty(ctx: Context) -> Iterator[Hit]:
    """qty is above 0."""
    ti = ctx.table("tool_issues")
    yield from hits_where(ti, ti["qty"] <= 0, "qty")


# -- training ------------------------------------------------------------------------------------


@rule("TR-HOURS", "error", "training", message=Text(
    "training hours cannot be negative; correct them.", "培训学时不能为负数；请更正。"))
def training_hours(ctx: Context) -> Iterator[Hit]:
    """hours, when given, are zero or more."""
    tr = ctx.table("training")
    yield from hits_where(tr, tr["hours"] < 0, "hours")


# -- appraisal weights ------------------------------------------------------------------------------


@rule("APW-WEIGHT", "error", "appraisal_weights", dated=False, message=Text(
    "a weight is above 0; correct it or delete the row.", "权重应大于0；请更正或删除该行。"))
def appraisal_weight(ctx: Context) -> Iterator[Hit]:
    """weight is above 0 (a row without weight counts for nothing in a scorecard)."""
    aw = ctx.table("appraisal_weights")
    yield from hits_where(aw, aw["weight"] <= 0, "weight")


@rule("APW-KPI", "error", "appraisal_weights", dated=False, message=Text(
    "this is not a KPI id of KPIS.md nor a per-person figure (flag_hours, efficiency, comebacks, "
    "revenue, csi ...); write one of the ids the kpi command lists.",
    "不是 KPIS.md 的指标代码，也不是个人指标（flag_hours、efficiency、comebacks、revenue、csi 等）；"
    "请填写 kpi 命令列出的代码。"))
def appraisal_kpi(ctx: Context) -> Iterator[Hit]:
    """kpi names a department KPI of the registry or a figure of the per-technician or
    per-advisor table."""
    aw = ctx.table("appraisal_weights")
    bad = aw["kpi"].notna() & ~aw["kpi"].map(lambda k: known_kpi(str(k).strip(), KPIS) if k is not None else True)
    yield from hits_where(aw, bad.astype(bool), "kpi")

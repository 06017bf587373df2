"""Rules of the work orders (维修工单) and of the vehicle file (客户车辆档案) they point to."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from addin import sets
from addin.checks import mobile_valid, plate_valid, vin_check_digit, vin_error, vin_valid, vins_valid
from addin.i18n import Text
from addin.models import Role
from addin.rules.registry import EPS, Context, Fragment, Hit, Phase, hits_where, in_key_order, lookup, rule

_VIN_MESSAGE = Text(
    "{reason}; copy the VIN again from the vehicle licence or the VIN plate.",
    "{reason}；请按行驶证或车架号铭牌重新抄录。")
_VIN_LENGTH = Text("a VIN has 17 characters, this one has {length}", "车架号应为17位，此处为{length}位")
_VIN_LETTERS = Text("a VIN holds only digits and capital letters other than I, O and Q",
                    "车架号只含数字和大写字母，且不含 I、O、Q")
_VIN_DIGIT = Text("the check digit (9th character) should be {digit} for the other 16 characters",
                  "按其余16位计算，第9位校验位应为 {digit}")
_PLATE_MESSAGE = Text(
    "this does not look like a licence plate (京A12345, or 沪AD12345 for a new-energy vehicle); check it.",
    "不像有效的车牌号（如 京A12345，新能源车 沪AD12345）；请核对。")
_PHONE_MESSAGE = Text(
    "this does not look like a mobile number (11 digits starting 13-19, +86 allowed); check it so "
    "that follow-up calls and reminders reach the customer.",
    "不像有效的手机号（1开头的11位数字，可带+86）；请核对，以免回访和提醒联系不到客户。")

ADVISOR_ROLES = ("service_advisor", "front_desk_supervisor", "service_manager")


def _vin_params(vin: str) -> dict[str, Any]:
    error = vin_error(vin)
    if error == "length":
        return {"reason": Fragment(_VIN_LENGTH, {"length": str(len(vin.strip()))})}
    if error == "characters":
        return {"reason": Fragment(_VIN_LETTERS)}
    return {"reason": Fragment(_VIN_DIGIT, {"digit": vin_check_digit(vin)})}


def format_hits(ctx: Context, sheet: str, column: str, valid: Callable[[Any], bool],
                params: Callable[[str], dict[str, Any]] | None = None,
                many: Callable[[list[Any]], Any] | None = None) -> Iterator[Hit]:
    """Hits for the filled cells of ``sheet.column`` that ``valid`` rejects (each distinct value
    is checked once per validation: a VIN recurs on every visit and in the vehicle file).
    ``many``, when given, is ``valid`` of a list of values at once (its verdicts in order)."""
    df = ctx.table(sheet)
    values = df[column]
    present = values.notna()
    if not present.any():
        return
    # Verdicts by (type, value), shared by the rules of one validator (work orders and vehicles).
    known: dict[tuple[type, Any], bool] = ctx.memo(f"format_hits:{valid.__module__}.{valid.__qualname__}", dict)
    distinct = values[present].unique()
    new = [v for v in distinct if (type(v), v) not in known]
    verdicts = many(new) if many is not None else map(valid, new)
    known.update(zip([(type(v), v) for v in new], map(bool, verdicts)))
    wrong = [v for v in distinct if not known[(type(v), v)]]
    if not wrong:
        return
    bad = values.isin(wrong)
    for row, value in zip(df.loc[bad, "_row"], df.loc[bad, column]):
        yield Hit(int(row), column, value, params(value) if params else {}, sheet=sheet)


# ---------------------------------------------------------------------------------------------
# Formats


@rule("WO-VIN", "error", "work_orders", phase=Phase.FORMAT, message=_VIN_MESSAGE)
def wo_vin(ctx: Context) -> Iterator[Hit]:
    """The VIN is 17 characters without I, O, Q and its check digit (position 9, ISO 3779 /
    GB 16735) holds. A malformed VIN is not also reported as a missing vehicle."""
    return format_hits(ctx, "work_orders", "vin", vin_valid, _vin_params, vins_valid)


@rule("VH-VIN", "error", "vehicles", phase=Phase.FORMAT, dated=False, message=_VIN_MESSAGE)
def vehicle_vin(ctx: Context) -> Iterator[Hit]:
    """The vehicle file's VIN passes the same test as the work order's."""
    return format_hits(ctx, "vehicles", "vin", vin_valid, _vin_params, vins_valid)


@rule("WO-PLATE", "warning", "work_orders", phase=Phase.FORMAT, message=_PLATE_MESSAGE)
def wo_plate(ctx: Context) -> Iterator[Hit]:
    """The plate looks like a mainland plate: 7 characters, or 8 for a new-energy vehicle."""
    return format_hits(ctx, "work_orders", "plate", plate_valid)


@rule("VH-PLATE", "warning", "vehicles", phase=Phase.FORMAT, dated=False, message=_PLATE_MESSAGE)
def vehicle_plate(ctx: Context) -> Iterator[Hit]:
    """The vehicle file's plate passes the same test as the work order's."""
    return format_hits(ctx, "vehicles", "plate", plate_valid)


@rule("WO-PHONE", "warning", "work_orders", phase=Phase.FORMAT, message=_PHONE_MESSAGE)
def wo_phone(ctx: Context) -> Iterator[Hit]:
    """The customer's phone is a mainland mobile number (follow-up calls and reminders need it)."""
    return format_hits(ctx, "work_orders", "customer_phone", mobile_valid)


@rule("VH-PHONE", "warning", "vehicles", phase=Phase.FORMAT, dated=False, message=_PHONE_MESSAGE)
def vehicle_phone(ctx: Context) -> Iterator[Hit]:
    """The vehicle file's customer phone passes the same test as the work order's."""
    return format_hits(ctx, "vehicles", "customer_phone", mobile_valid)


# ---------------------------------------------------------------------------------------------
# Dates and status


@rule("WO-DATES", "error", "work_orders", message=Text(
    "this is before the open date {open_date}; correct whichever of the two dates is wrong.",
    "早于开单日期 {open_date}；请更正两者中错误的日期。"))
def wo_dates(ctx: Context) -> Iterator[Hit]:
    """The settlement date (close_date), the promised date and the follow-up date are not before
    the open date."""
    wo = ctx.table("work_orders")
    for column in ("close_date", "promised_date", "followup_date"):
        bad = wo[column] < wo["open_date"]
        for rec in wo.loc[bad, ["_row", column, "open_date"]].to_dict("records"):
            yield Hit(rec["_row"], column, rec[column], {"open_date": rec["open_date"]})


@rule("WO-SETTLED", "error", "work_orders", uses=("work_orders.close_date", "wo_lines"), message=Text(
    "a settled job needs {what}; {todo}",
    "已结算的工单须有{what}；{todo}"))
def wo_settled(ctx: Context) -> Iterator[Hit]:
    """A settled job has a settlement date (close_date) and at least one line."""
    wo = ctx.table("work_orders")
    settled = wo["status"] == "settled"
    for row in wo.loc[settled & wo["close_date"].isna(), "_row"]:
        yield Hit(int(row), "close_date", None, {
            "what": Text("a settlement date", "结算日期"),
            "todo": Text("enter the date it was settled.", "请填写结算日期。")})
    with_lines = set(ctx.table("wo_lines")["wo_no"].dropna())
    for rec in wo.loc[settled & ~wo["wo_no"].isin(with_lines), ["_row", "status"]].to_dict("records"):
        yield Hit(rec["_row"], "status", rec["status"], {
            "what": Text("at least one line", "至少一条明细"),
            "todo": Text("enter its lines on the WO lines sheet, or correct the status.",
                         "请在工单明细表录入明细，或更正状态。")})


def billed_amounts(ctx: Context, jobs: set[str]) -> pd.Series:
    """Billed amount per wo_no of ``jobs``: qty x unit_price x (1 - discount) of the lines not
    declined."""
    ln = ctx.live_lines
    ln = ln[ln["wo_no"].isin(jobs)]
    return pd.Series(sets.gross(ln), index=ln.index).groupby(ln["wo_no"]).sum()


@rule("WO-CANCELLED", "error", "work_orders", uses=("wo_lines",), message=Text(
    "a cancelled job bills nothing, but its lines come to {amount}; mark the lines declined or "
    "delete them, or correct the status.",
    "已取消的工单不应计费，但其明细合计 {amount}；请将明细标为客户拒绝或删除，或更正状态。"))
def wo_cancelled(ctx: Context) -> Iterator[Hit]:
    """A cancelled job has no billed amount (lines not declined add up to zero)."""
    wo = ctx.table("work_orders")
    cancelled = wo[wo["status"] == "cancelled"]
    if not len(cancelled):
        return
    billed = billed_amounts(ctx, set(cancelled["wo_no"].dropna()))
    amount = cancelled["wo_no"].map(billed).fillna(0)
    for rec, value in zip(cancelled[amount.abs() > EPS].to_dict("records"), amount[amount.abs() > EPS]):
        yield Hit(rec["_row"], "status", rec["status"], {"amount": float(value)})


def employed_on(staff: pd.DataFrame, ids: pd.Series, dates: pd.Series) -> pd.Series:
    """Whether each staff id (of a roster indexed by staff_id) was employed on each date:
    hired on or before it and not left before it. Unknown dates count as employed."""
    person = lookup(staff, ids, ("hire_date", "leave_date"))
    hire, leave = person["hire_date"], person["leave_date"]
    before_hire = dates < hire
    after_leave = dates > leave
    return ~(before_hire | after_leave)


def staff_fragment(staff: pd.DataFrame, staff_id: str, on: Any, roles: tuple[str, ...]) -> Fragment:
    """Why a staff member cannot do the job: role, or employment dates."""
    person = staff.loc[staff_id]
    role = person["role"]
    if role not in roles:
        labels = Role.labels()
        return Fragment(Text("{name} is a {role}, not a {allowed}", "{name}的岗位是{role}，不是{allowed}"), {
            "name": person["name"] or staff_id,
            "role": Text(*labels[role]) if role in labels else "?",
            "allowed": [Text(*labels[r]) for r in roles]})
    return Fragment(Text("{name} was not employed on {date} (hired {hire}, left {leave})",
                         "{name}在{date}不在职（入职 {hire}，离职 {leave}）"), {
        "name": person["name"] or staff_id, "date": on, "hire": person["hire_date"],
        "leave": person["leave_date"]})


@rule("WO-ADVISOR", "error", "work_orders", uses=("roster.role",), message=Text(
    "{reason}; enter the advisor who received the vehicle.",
    "{reason}；请填写接车的服务顾问。"))
def wo_advisor(ctx: Context) -> Iterator[Hit]:
    """The advisor is a service advisor, front-desk supervisor or service manager employed on
    the open date (per the roster's role, hire_date and leave_date)."""
    wo = ctx.table("work_orders")
    staff = ctx.staff
    known = wo[wo["advisor_id"].isin(set(staff.index))]
    if not len(known):
        return
    role_ok = lookup(staff, known["advisor_id"], ("role",))["role"].isin(ADVISOR_ROLES)
    bad = ~role_ok | ~employed_on(staff, known["advisor_id"], known["open_date"])
    for rec in known[bad].to_dict("records"):
        yield Hit(rec["_row"], "advisor_id", rec["advisor_id"], {
            "reason": staff_fragment(staff, rec["advisor_id"], rec["open_date"], ADVISOR_ROLES)})


# ---------------------------------------------------------------------------------------------
# Vehicle history


@rule("WO-MILEAGE", "warning", "work_orders", message=Text(
    "this is below {previous} km recorded on {date} by job {prev_wo} for the same VIN; check the "
    "odometer reading (or the VIN).",
    "低于同一车架号在 {date} 工单 {prev_wo} 记录的 {previous} 公里；请核对里程表读数（或车架号）。"))
def wo_mileage(ctx: Context) -> Iterator[Hit]:
    """Mileage is not below the same VIN's previous visit (visits in open_date order, ties in
    sheet order): an odometer rollback or a typing error."""
    wo = ctx.table("work_orders")
    wo = wo[wo["vin"].notna() & wo["open_date"].notna() & wo["mileage"].notna()]
    wo, vin = in_key_order(wo, "vin", "open_date")
    km = wo["mileage"].to_numpy(dtype="float64")
    prev_km = np.full(len(km), np.nan)
    prev_km[1:] = np.where(vin[1:] == vin[:-1], km[:-1], np.nan)
    bad = np.flatnonzero(km < prev_km - EPS)
    if not len(bad):
        return
    prev_wo, prev_date = wo["wo_no"].iloc[bad - 1], wo["open_date"].iloc[bad - 1]
    for rec, previous, pwo, pdate in zip(wo.iloc[bad].to_dict("records"), prev_km[bad], prev_wo, prev_date):
        yield Hit(rec["_row"], "mileage", rec["mileage"], {"previous": previous, "date": pdate, "prev_wo": pwo or ""})


@rule("WO-REWORK", "error", "work_orders", message=Text(
    "{reason}; a rework (返修) names an earlier job on the same vehicle.",
    "{reason}；返修单须填写同一车辆之前的工单号。"))
def wo_rework(ctx: Context) -> Iterator[Hit]:
    """rework_of names an earlier job (opened on or before this one, not itself) on the same VIN."""
    wo = ctx.table("work_orders")
    jobs = ctx.jobs
    rw = wo[wo["rework_of"].isin(set(jobs.index))]
    if not len(rw):
        return
    orig = lookup(jobs, rw["rework_of"], ("vin", "open_date"))
    orig_vin, orig_open = orig["vin"], orig["open_date"]
    itself = rw["rework_of"] == rw["wo_no"]
    other_vin = orig_vin.notna() & rw["vin"].notna() & (orig_vin != rw["vin"])
    later = orig_open > rw["open_date"]
    for rec, s, v, ov, lt, od in zip(rw.to_dict("records"), itself, other_vin, orig_vin, later, orig_open):
        if s:
            reason = Fragment(Text("a job cannot redo itself", "工单不能返修其本身"))
        elif v:
            reason = Fragment(Text("that job is for another VIN ({vin})", "该工单属于另一车架号（{vin}）"),
                              {"vin": ov})
        elif lt:
            reason = Fragment(Text("that job opened later ({date})", "该工单开单更晚（{date}）"), {"date": od})
        else:
            continue
        yield Hit(rec["_row"], "rework_of", rec["rework_of"], {"reason": reason})


@rule("WO-REWORK-WINDOW", "warning", "work_orders", message=Text(
    "this job opened {days} days after job {orig} was settled ({date}), beyond the comeback window "
    "of {window} days; check whether it is really a rework.",
    "本单在原工单 {orig} 结算（{date}）后 {days} 天才开单，超出返修判定期 {window} 天；请确认是否确属返修。"))
def wo_rework_window(ctx: Context) -> Iterator[Hit]:
    """A rework opens within comeback_window_days (setting) of the original job's settlement."""
    wo = ctx.table("work_orders")
    jobs = ctx.jobs
    rw = wo[wo["rework_of"].isin(set(jobs.index))]
    if not len(rw):
        return
    settled = lookup(jobs, rw["rework_of"], ("close_date",))["close_date"]
    days = (rw["open_date"] - settled).dt.days
    window = ctx.settings.comeback_window_days
    bad = days > window
    for rec, d, s in zip(rw[bad].to_dict("records"), days[bad], settled[bad]):
        yield Hit(rec["_row"], "rework_of", rec["rework_of"], {
            "days": str(int(d)), "orig": rec["rework_of"], "date": s, "window": str(window)})


@rule("WO-CSI", "error", "work_orders", message=Text(
    "a satisfaction score is from 0 to 10; correct it.",
    "满意度评分应在0至10之间；请更正。"))
def wo_csi(ctx: Context) -> Iterator[Hit]:
    """The customer satisfaction score (csi_score) is between 0 and 10."""
    wo = ctx.table("work_orders")
    bad = (wo["csi_score"] < 0) | (wo["csi_score"] > 10)
    yield from hits_where(wo, bad, "csi_score")


# ---------------------------------------------------------------------------------------------
# Pay types: warranty, insurance, claims


@rule("WO-WARRANTY-COVER", "warning", "work_orders", uses=("wo_lines.pay_type",), message=Text(
    "this job has warranty lines but the vehicle is past its warranty ({why}); check the pay type "
    "or the vehicle's warranty data.",
    "本单有保修项目，但车辆已过保修期（{why}）；请核对付费方式或车辆保修信息。"))
def wo_warranty_cover(ctx: Context) -> Iterator[Hit]:
    """Warranty lines need the vehicle under warranty: opened on or before warranty_end_date and
    at or below warranty_km (vehicle file), where those are given."""
    wo = ctx.table("work_orders")
    ve = ctx.vehicles
    jobs = wo[wo["wo_no"].isin(ctx.jobs_paid_by("warranty")) & wo["vin"].isin(set(ve.index))]
    if not len(jobs):
        return
    cover = lookup(ve, jobs["vin"], ("warranty_end_date", "warranty_km"))
    end, km = cover["warranty_end_date"], cover["warranty_km"]
    past_date = jobs["open_date"] > end
    past_km = jobs["mileage"] > km + EPS
    past = past_date | past_km
    for rec, pd_, pk, e, k in zip(jobs.loc[past, ["_row", "vin", "mileage"]].to_dict("records"),
                                  past_date[past], past_km[past], end[past], km[past]):
        why = []
        if pd_:
            why.append(Fragment(Text("warranty ended {date}", "保修截止 {date}"), {"date": e}))
        if pk:
            why.append(Fragment(Text("{km} km limit, {mileage} km now", "限 {km} 公里，现 {mileage} 公里"),
                                {"km": k, "mileage": rec["mileage"]}))
        yield Hit(rec["_row"], "vin", rec["vin"], {"why": why})


@rule("WO-INSURER", "error", "work_orders", uses=("work_orders.insurer", "wo_lines.pay_type"), message=Text(
    "this job has insurance lines but no insurer; enter the insurance company that pays.",
    "本单有保险项目但未填写保险公司；请填写承保的保险公司。"))
def wo_insurer(ctx: Context) -> Iterator[Hit]:
    """A job with insurance lines names its insurer."""
    wo = ctx.table("work_orders")
    bad = wo["wo_no"].isin(ctx.jobs_paid_by("insurance")) & wo["insurer"].isna()
    for row in wo.loc[bad, "_row"]:
        yield Hit(int(row), "insurer", None)


@rule("WO-CLAIM", "error", "work_orders", uses=("claims", "wo_lines.pay_type"), message=Text(
    "this settled job has {types} lines but no {types} claim; enter the claim on the claims sheet "
    "(a draft will do) so that the money is collected.",
    "本单已结算，有{types}项目但没有相应的索赔；请在索赔台账登记（可先为待提交），以免漏收。"))
def wo_claim(ctx: Context) -> Iterator[Hit]:
    """Once a job is settled, its warranty lines need a warranty claim and its insurance lines
    an insurance claim on the same wo_no (any status, a draft counts)."""
    wo = ctx.table("work_orders")
    settled = wo[wo["status"] == "settled"]
    if not len(settled):
        return
    claims = ctx.table("claims")
    labels = {"warranty": Text("warranty", "保修"), "insurance": Text("insurance", "保险")}
    missing: dict[str, list[Text]] = {}
    for claim_type, label in labels.items():
        claimed = set(claims.loc[(claims["claim_type"] == claim_type).to_numpy(), "wo_no"].dropna())
        for wo_no in ctx.jobs_paid_by(claim_type) - claimed:
            missing.setdefault(wo_no, []).append(label)
    if not missing:
        return
    for rec in settled.loc[settled["wo_no"].isin(set(missing)), ["_row", "wo_no"]].to_dict("records"):
        yield Hit(rec["_row"], "wo_no", rec["wo_no"], {"types": missing[rec["wo_no"]]})

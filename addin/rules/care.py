"""Rules of the customer care registers (回访记录, 投诉登记, 续保跟进) and the "Claims, dates" rule
(DOMAIN.md "Registers" and "Claims, dates"; issue 11). References (every staff_id, wo_no, vin and
complaint_id named exists) are the general GEN-REF rule's, from the models' refs."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from addin.i18n import Text
from addin.models import SHEETS
from addin.rules.registry import Context, Hit, lookup, rule

#: Claim statuses that say the claim was submitted, and those that say it was decided.
SUBMITTED_STATUSES = ("submitted", "approved", "rejected", "resubmitted", "paid", "closed")
DECIDED_STATUSES = ("approved", "rejected", "paid", "closed")


@rule("FU-BEFORE-SETTLED", "error", "followups", uses=("work_orders.close_date",), message=Text(
    "the call is dated before job {wo} was settled on {settled}; correct the call date or the job's "
    "settlement date.",
    "回访日期早于工单 {wo} 的结算日期 {settled}；请更正回访日期或工单结算日期。"))
def followup_before_settlement(ctx: Context) -> Iterator[Hit]:
    """A follow-up call's call_date is not before its job's settlement (close_date). A job not
    yet settled has nobody to call back either: its call is dated before a settlement that has not
    happened."""
    fu = ctx.table("followups")
    if not len(fu):
        return
    job = lookup(ctx.jobs, fu["wo_no"], ["close_date", "status"])
    known = fu["wo_no"].isin(set(ctx.jobs.index))
    settled = job["close_date"]
    bad = known & fu["call_date"].notna() & (settled.isna() | (fu["call_date"] < settled))
    for rec, s in zip(fu[bad].to_dict("records"), settled[bad]):
        yield Hit(rec["_row"], "call_date", rec["call_date"], {"wo": rec["wo_no"], "settled": s})


@rule("FU-SATISFACTION", "error", "followups", message=Text(
    "satisfaction is scored from 0 to 10; correct the score.",
    "满意度按 0 至 10 分评分；请更正。"))
def followup_satisfaction(ctx: Context) -> Iterator[Hit]:
    """A call's satisfaction is within 0–10 (as a job's csi_score, which it stands in for)."""
    fu = ctx.table("followups")
    bad = fu["satisfaction"].notna() & ((fu["satisfaction"] < 0) | (fu["satisfaction"] > 10))
    for row, value in zip(fu.loc[bad, "_row"], fu.loc[bad, "satisfaction"]):
        yield Hit(int(row), "satisfaction", value)


@rule("CP-RESOLVED-BEFORE", "error", "complaints", message=Text(
    "the complaint is resolved before it was received on {received}; correct one of the two dates.",
    "投诉处理完成日期早于受理日期 {received}；请更正其中错误的日期。"))
def complaint_resolved_before(ctx: Context) -> Iterator[Hit]:
    """A complaint's resolved_date is not before its received_date."""
    cp = ctx.table("complaints")
    bad = cp["resolved_date"].notna() & cp["received_date"].notna() & (cp["resolved_date"] < cp["received_date"])
    for rec in cp[bad].to_dict("records"):
        yield Hit(rec["_row"], "resolved_date", rec["resolved_date"], {"received": rec["received_date"]})


@rule("CP-OVERDUE", "warning", "complaints", dated=False, message=Text(
    "received on {received}, the complaint was due to be resolved by {due} ({days} days) and is still "
    "open as of {as_of}; resolve it and enter the date, or escalate it.",
    "投诉于 {received} 受理，应在 {due} 前处理完毕（{days} 天），截至 {as_of} 仍未处理；请处理并填写完成日期，或上报。"))
def complaint_overdue(ctx: Context) -> Iterator[Hit]:
    """A complaint not resolved within complaint_resolve_days of its received_date, judged as of
    the end of the validated period (or the latest date in the data), never the wall clock."""
    cp = ctx.table("complaints")
    days = ctx.settings.complaint_resolve_days
    as_of = ctx.as_of
    due = cp["received_date"] + pd.Timedelta(days=days)
    resolved = cp["resolved_date"].notna() & (cp["resolved_date"] <= as_of)
    received = cp["received_date"].notna() & (cp["received_date"] <= as_of)
    bad = received & ~resolved & (due < as_of)
    for rec, d in zip(cp[bad].to_dict("records"), due[bad]):
        yield Hit(rec["_row"], "resolved_date", rec["resolved_date"],
                  {"received": rec["received_date"], "due": d, "days": days, "as_of": as_of})


@rule("RN-LOST-REASON", "error", "renewals", uses=("renewals.lost_reason",), message=Text(
    "a lost renewal needs its lost reason; enter why the customer did not renew with us.",
    "战败的续保须填写战败原因；请填写客户未在本店续保的原因。"))
def renewal_lost_reason(ctx: Context) -> Iterator[Hit]:
    """A renewal whose outcome is lost names its lost_reason."""
    rn = ctx.table("renewals")
    bad = (rn["outcome"] == "lost") & rn["lost_reason"].isna()
    for row in rn.loc[bad, "_row"]:
        yield Hit(int(row), "lost_reason", None)


@rule("RN-INSURER", "error", "renewals", uses=("renewals.insurer",), message=Text(
    "a renewed policy needs its insurer; enter the insurance company it was renewed with.",
    "已续保的保单须填写保险公司；请填写续保的保险公司。"))
def renewal_insurer(ctx: Context) -> Iterator[Hit]:
    """A renewal whose outcome is renewed names its insurer."""
    rn = ctx.table("renewals")
    bad = (rn["outcome"] == "renewed") & rn["insurer"].isna()
    for row in rn.loc[bad, "_row"]:
        yield Hit(int(row), "insurer", None)


@rule("CL-DATES", "error", "claims", uses=("claims.submitted_date", "claims.decided_date"), message=Text(
    "the status {status} says the claim was {what}, but its {column} is blank; enter the date (the "
    "claim counts in claims and receivables only with it) or correct the status.",
    "状态“{status}”表示索赔已{what}，但{column}为空；请填写日期（索赔额和应收款据此统计），或更正状态。"))
def claim_dates(ctx: Context) -> Iterator[Hit]:
    """A claim whose status says it was submitted (submitted, approved, rejected, resubmitted,
    paid, closed) has a submitted_date; a decided one (approved, rejected, paid, closed) has a
    decided_date. Without them the claim drops out of warranty_claimed, insurance_claimed and
    receivables."""
    cl = ctx.table("claims")
    spec = SHEETS["claims"]
    labels = spec.by_key["status"].enum.labels()  # type: ignore[union-attr]
    for statuses, column, what in ((SUBMITTED_STATUSES, "submitted_date", Text("submitted", "提交")),
                                   (DECIDED_STATUSES, "decided_date", Text("decided", "审批"))):
        bad = cl["status"].isin(statuses) & cl[column].isna()
        for rec in cl[bad].to_dict("records"):
            col = spec.by_key[column]
            yield Hit(rec["_row"], column, None, {"status": Text(*labels[rec["status"]]), "what": what,
                                                  "column": Text(col.label_en, col.label_zh)})

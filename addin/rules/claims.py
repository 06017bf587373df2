"""Rules of the claims ledger (索赔台账) and its payments (索赔到账)."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from addin import sets
from addin.i18n import Text
from addin.rules.registry import Context, Hit, rule

# Money is compared to the cent.
CENT = 0.005
PARTS_RETURN_DAYS = 30


def paid_totals(ctx: Context) -> pd.Series:
    """Total paid per claim_no (every dated payment)."""
    return sets.paid_by(ctx.table("claim_payments"))


@rule("CL-APPROVED", "error", "claims", message=Text(
    "the approved amount is above the {claimed} claimed; correct one of the two amounts.",
    "批准金额高于索赔金额 {claimed}；请更正其中错误的金额。"))
def claim_approved(ctx: Context) -> Iterator[Hit]:
    """approved_amount is not above claimed_amount."""
    cl = ctx.table("claims")
    bad = cl["approved_amount"] > cl["claimed_amount"] + CENT
    for rec in cl.loc[bad, ["_row", "approved_amount", "claimed_amount"]].to_dict("records"):
        yield Hit(rec["_row"], "approved_amount", rec["approved_amount"], {"claimed": rec["claimed_amount"]})


@rule("CL-DECISION", "error", "claims", uses=("claims.approved_amount", "claims.decided_date"), message=Text(
    "an approved or paid claim needs its {what}; enter it from the payer's decision.",
    "已批准或已到账的索赔须填写{what}；请按付款方的审批结果填写。"))
def claim_decision(ctx: Context) -> Iterator[Hit]:
    """Approved and paid claims carry approved_amount and decided_date."""
    cl = ctx.table("claims")
    decided = cl["status"].isin(("approved", "paid"))
    for column, what in (("approved_amount", Text("approved amount", "批准金额")),
                         ("decided_date", Text("decision date", "审批日期"))):
        for row in cl.loc[decided & cl[column].isna(), "_row"]:
            yield Hit(int(row), column, None, {"what": what})


@rule("CL-REJECTED", "error", "claims", uses=("claims.rejection_reason",), message=Text(
    "a rejected claim needs the payer's rejection reason; enter it (it decides whether to resubmit).",
    "已拒赔的索赔须填写拒赔原因；请填写（据此决定是否重新提交）。"))
def claim_rejected(ctx: Context) -> Iterator[Hit]:
    """Rejected claims carry a rejection_reason."""
    cl = ctx.table("claims")
    bad = (cl["status"] == "rejected") & cl["rejection_reason"].isna()
    for row in cl.loc[bad, "_row"]:
        yield Hit(int(row), "rejection_reason", None)


@rule("CL-PAID", "error", "claims", uses=("claim_payments",), message=Text(
    "the claim is marked paid but payments come to {paid} of {approved} approved; record the "
    "missing payment on the claim payments sheet or correct the status.",
    "索赔标为已到账，但到账合计 {paid}，批准金额 {approved}；请在索赔到账表补录到账，或更正状态。"))
def claim_paid(ctx: Context) -> Iterator[Hit]:
    """A paid claim has payments (claim payments sheet) covering its approved_amount."""
    cl = ctx.table("claims")
    paid = cl[(cl["status"] == "paid") & cl["approved_amount"].notna()]
    if not len(paid):
        return
    total = paid["claim_no"].map(paid_totals(ctx)).fillna(0.0)
    bad = total < paid["approved_amount"] - CENT
    for rec, t in zip(paid[bad].to_dict("records"), total[bad]):
        yield Hit(rec["_row"], "status", rec["status"], {"paid": t, "approved": rec["approved_amount"]})


@rule("CL-OVERPAID", "warning", "claim_payments", uses=("claims.approved_amount",), message=Text(
    "with this payment claim {claim} has received {paid}, more than the {approved} approved; "
    "check the payment and the approved amount.",
    "计入此笔到账后，索赔 {claim} 累计到账 {paid}，超过批准金额 {approved}；请核对到账记录和批准金额。"))
def claim_overpaid(ctx: Context) -> Iterator[Hit]:
    """Payments never exceed the claim's approved_amount: the payment (in paid_date order) that
    takes the total above it is reported."""
    pay = ctx.table("claim_payments")
    cl = ctx.table("claims").drop_duplicates("claim_no").set_index("claim_no")
    pay = pay[pay["claim_no"].isin(set(cl.index)) & pay["amount"].notna()]
    if not len(pay):
        return
    pay = pay.sort_values(["claim_no", "paid_date", "_row"], kind="stable")
    approved = pay["claim_no"].map(cl["approved_amount"])
    after = pay.groupby("claim_no")["amount"].cumsum()
    before = after - pay["amount"]
    bad = approved.notna() & (after > approved + CENT) & (before <= approved + CENT)
    for rec, a, ap in zip(pay[bad].to_dict("records"), after[bad], approved[bad]):
        yield Hit(rec["_row"], "amount", rec["amount"], {"claim": rec["claim_no"], "paid": a, "approved": ap})


@rule("CL-PARTS-RETURN", "warning", "claims", dated=False,
      uses=("claims.parts_return_required", "claims.parts_returned_date", "claims.decided_date"), message=Text(
          "the old parts were due back to the manufacturer by {due} (30 days after the decision of "
          "{decided}) and are not recorded as returned as of {as_of}; return them and enter the date.",
          "旧件应于 {due} 前回运厂家（审批日 {decided} 后30天），截至 {as_of} 未登记回运；请回运并填写回运日期。"))
def claim_parts_return(ctx: Context) -> Iterator[Hit]:
    """When parts_return_required, the old parts are returned within 30 days of decided_date.
    Judged as of the end of the validated period (or the latest date in the data), never the
    wall clock, so a validation can be repeated; overdue returns of earlier periods count."""
    cl = ctx.table("claims")
    as_of = ctx.as_of
    due = cl["decided_date"] + pd.Timedelta(days=PARTS_RETURN_DAYS)
    required = cl["parts_return_required"].fillna(False).astype(bool)
    returned = cl["parts_returned_date"].notna() & (cl["parts_returned_date"] <= as_of)
    bad = required & (due < as_of) & ~returned
    for rec, d in zip(cl[bad].to_dict("records"), due[bad]):
        yield Hit(rec["_row"], "parts_returned_date", rec["parts_returned_date"],
                  {"due": d, "decided": rec["decided_date"], "as_of": as_of})


@rule("CL-TYPE", "error", "claims", uses=("wo_lines.pay_type",), message=Text(
    "job {wo} has no {type} lines, so it cannot carry this claim; correct the claim type, the "
    "work order number, or the pay type of the job's lines.",
    "工单 {wo} 没有{type}项目，不能据此索赔；请更正索赔类型、工单号或工单明细的付费方式。"))
def claim_type(ctx: Context) -> Iterator[Hit]:
    """claim_type matches the pay type of the job's lines: a warranty claim needs warranty lines
    on its job, an insurance claim insurance lines (lines not declined)."""
    cl = ctx.table("claims")
    known = cl[cl["wo_no"].isin(set(ctx.jobs.index)) & cl["claim_type"].notna()]
    if not len(known):
        return
    labels = {"warranty": Text("warranty", "保修"), "insurance": Text("insurance", "保险")}
    for claim_type, label in labels.items():
        mine = known[known["claim_type"] == claim_type]
        bad = mine[~mine["wo_no"].isin(ctx.jobs_paid_by(claim_type))]
        for rec in bad[["_row", "wo_no", "claim_type"]].to_dict("records"):
            yield Hit(rec["_row"], "claim_type", rec["claim_type"], {"wo": rec["wo_no"], "type": label})

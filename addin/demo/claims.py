"""The claims of the demo store: a warranty or insurance claim for every settled job with lines
of that pay type, submitted, decided (approved, cut, rejected, resubmitted) and paid (sometimes in
two instalments) as the days of the span allow."""

from __future__ import annotations

import datetime as dt
from typing import Any

from addin.demo.context import Context, record
from addin.demo.jobs import Job
from addin.demo.people import Roster

MANUFACTURER = ("Aurora Automobile Co., Ltd.", "极光汽车有限公司")
REJECTIONS = {
    "warranty": (("Damage caused by misuse, not a defect", "人为损坏，非质量问题"),
                 ("Labor hours above the standard time", "工时超出标准工时"),
                 ("Claim documents incomplete", "索赔资料不全")),
    "insurance": (("Damage not consistent with the accident report", "损失与事故报告不符"),
                  ("Policy did not cover the driver", "驾驶人不在承保范围")),
}
_RESUBMITTED = ("Resubmitted on {day}", "已于 {day} 重新提交")


def build_claims(ctx: Context, roster: Roster, jobs: list[Job]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The claims and claim_payments records of the settled ``jobs``."""
    claims: list[dict[str, Any]] = []
    payments: list[dict[str, Any]] = []
    seq = {"warranty": 0, "insurance": 0}
    for job in jobs:
        if job.rec["status"] != "settled":
            continue
        assert job.close is not None
        for claim_type in ("warranty", "insurance"):
            billed = [ln for ln in job.lines if ln["pay_type"] == claim_type and not ln["declined"]]
            if not billed:
                continue
            seq[claim_type] += 1
            amount = round(sum(ln["qty"] * ln["unit_price"] * (1 - ln["discount_pct"]) for ln in billed), 2)
            claim_no = f"{'WC' if claim_type == 'warranty' else 'IC'}{job.close:%y%m}{seq[claim_type]:05d}"
            claim = _claim(ctx, roster, job, claim_type, claim_no, amount,
                           any(ln["line_type"] == "part" for ln in billed))
            claims.append(claim)
            payments.extend(_payments(ctx, claim))
    payments.sort(key=lambda p: (p["paid_date"], p["claim_no"]))
    for n, pay in enumerate(payments, 1):
        pay["payment_id"] = f"PAY{n:06d}"
    return claims, payments


def _claim(ctx: Context, roster: Roster, job: Job, claim_type: str, claim_no: str, amount: float,
           has_parts: bool) -> dict[str, Any]:
    rng, end = ctx.rng, ctx.end
    assert job.close is not None
    warranty = claim_type == "warranty"
    handler = roster.pick("claims_specialist" if warranty else "insurance_specialist", job.close)
    claim = record("claims", claim_no=claim_no, claim_type=claim_type, wo_no=job.rec["wo_no"], vin=job.vehicle.vin,
                   payer=ctx.t(MANUFACTURER) if warranty else job.rec["insurer"], status="draft",
                   claimed_amount=amount, handler_id=handler,
                   deductible=None if warranty else float(ctx.choice((0, 0, 0, 300, 500, 1000))))
    claim["parts_return_required"] = has_parts and rng.random() < (0.85 if warranty else 0.1)
    submitted = job.close + dt.timedelta(days=ctx.randint(1, 6))
    if submitted > end:
        return claim
    claim["submitted_date"] = submitted
    claim["status"] = "submitted"
    decided = submitted + dt.timedelta(days=ctx.randint(7, 35))
    if claim["parts_return_required"]:
        # Old parts go back with the claim, always within 30 days of the decision.
        returned = submitted + dt.timedelta(days=ctx.randint(2, 20))
        claim["parts_returned_date"] = returned if returned <= end else end if decided <= end else None
    if decided > end:
        return claim
    claim["decided_date"] = decided
    if rng.random() < (0.06 if warranty else 0.04):
        claim["status"] = "rejected"
        claim["rejection_reason"] = ctx.t(ctx.choice(REJECTIONS[claim_type]))
        again = decided + dt.timedelta(days=ctx.randint(3, 15))
        if again <= end and rng.random() < 0.5:
            claim["status"] = "resubmitted"
            claim["notes"] = ctx.t(_RESUBMITTED).format(day=again.isoformat())
        return claim
    cut = rng.random() < (0.25 if warranty else 0.6)
    claim["approved_amount"] = round(amount * rng.uniform(0.85, 0.99), 2) if cut else amount
    claim["status"] = "approved"
    return claim


def _payments(ctx: Context, claim: dict[str, Any]) -> list[dict[str, Any]]:
    rng, end = ctx.rng, ctx.end
    approved = claim["approved_amount"]
    if approved is None:
        return []
    first = claim["decided_date"] + dt.timedelta(days=ctx.randint(10, 45))
    plan = [(first, approved)]
    if rng.random() < 0.25:
        # Two instalments whose float sum is exactly the approved amount.
        for _ in range(10):
            part = round(approved * rng.uniform(0.4, 0.7), 2)
            rest = round(approved - part, 2)
            if part + rest == approved:
                plan = [(first, part), (first + dt.timedelta(days=ctx.randint(15, 40)), rest)]
                break
    made = [(day, amount) for day, amount in plan if day <= end]
    if len(made) == len(plan):
        claim["status"] = "paid"
        if made[-1][0] <= end - dt.timedelta(days=30) and rng.random() < 0.6:
            claim["status"] = "closed"
    return [record("claim_payments", claim_no=claim["claim_no"], paid_date=day, amount=amount,
                   reference=f"BK{day:%Y%m%d}{rng.randrange(10 ** 6):06d}") for day, amount in made]

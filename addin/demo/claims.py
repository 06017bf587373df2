"""The claims of the demo store: a warranty or insurance claim for every settled job with lines
of that pay type, submitted, decided (approved, cut, rejected, resubmitted) and paid (sometimes in
two instalments) as the days of the span allow. Then the claims work-list's cases (DOMAIN.md
"Reports", Registers), drawn from their own random stream so that the claims above stay as they
are for a seed: drafts left unsubmitted past claim_submit_days, claims submitted with no decision
past claim_decision_days, old parts due back and not returned, and short payments written off."""

from __future__ import annotations

import datetime as dt
import random
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


def build_claims(ctx: Context, roster: Roster, jobs: list[Job],
                 seed: int | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The claims and claim_payments records of the settled ``jobs``; with ``seed``, the
    work-list cases too (see :func:`worklist_cases`)."""
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
    if seed is not None:
        worklist_cases(random.Random(f"{seed}-claims-worklist"), ctx.end, ctx.lang,
                       {j.rec["wo_no"]: j.close for j in jobs}, claims, payments)
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


#: The demo settings' claim_submit_days and claim_decision_days (DOMAIN.md's defaults).
SUBMIT_DAYS, DECISION_DAYS = 7, 30
_SHORT_NOTE = ("Short payment of {amount:.2f} written off", "差额 {amount:.2f} 已核销")


def worklist_cases(rng: random.Random, end: dt.date, lang: int, closes: dict[str, dt.date | None],
                   claims: list[dict[str, Any]], payments: list[dict[str, Any]]) -> None:
    """Turn a few claims into the claims work-list's cases, in place, with ``rng`` only: three
    drafts never submitted although their job was settled more than SUBMIT_DAYS before ``end``;
    two claims submitted more than DECISION_DAYS before ``end`` and still without a decision;
    two warranty claims whose old parts were due back (30 days after the decision) and are not
    returned; and short payments closed in the last two months (the payer paid 3 to 12 % less
    than approved and the rest was written off: two in the last month, one the month before)."""
    paid_to: dict[str, int] = {}
    for p in payments:
        paid_to[p["claim_no"]] = paid_to.get(p["claim_no"], 0) + 1

    def pick(pool: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
        return rng.sample(pool, min(n, len(pool)))

    def unpaid(c: dict[str, Any]) -> bool:
        return c["claim_no"] not in paid_to

    late = end - dt.timedelta(days=SUBMIT_DAYS + 3)
    drafts = [c for c in claims if c["status"] == "submitted" and unpaid(c) and (closes.get(c["wo_no"]) or end) <= late
              and (closes.get(c["wo_no"]) or end) >= end - dt.timedelta(days=45)]
    for c in pick(drafts, 3):
        c.update(status="draft", submitted_date=None, parts_returned_date=None)
    old = end - dt.timedelta(days=DECISION_DAYS + 5)
    waiting = [c for c in claims if c["status"] == "approved" and unpaid(c) and c["submitted_date"] <= old
               and not c["parts_return_required"]]
    for c in pick(waiting, 2):
        c.update(status="submitted", approved_amount=None, decided_date=None)
    due_back = end - dt.timedelta(days=30 + 10)
    parts = [c for c in claims if c["claim_type"] == "warranty" and c["parts_return_required"]
             and c["decided_date"] is not None and c["decided_date"] <= due_back
             and c["decided_date"] >= due_back - dt.timedelta(days=60) and c["status"] in ("approved", "paid", "closed")]
    for c in pick(parts, 2):
        c["parts_returned_date"] = None
    last = end.replace(day=1)
    before = (last - dt.timedelta(days=1)).replace(day=1)
    for first, n in ((last, 2), (before, 1)):
        month_end = end if first == last else last - dt.timedelta(days=1)
        pool = [c for c in claims if c["status"] in ("approved", "paid") and c["decided_date"] is not None
                and first <= c["decided_date"] <= month_end - dt.timedelta(days=12) and c["approved_amount"] >= 300]
        for c in pick(pool, n):
            # The payer's one payment replaces whatever the claim was paid.
            payments[:] = [p for p in payments if p["claim_no"] != c["claim_no"]]
            approved = c["approved_amount"]
            amount = round(approved * (1 - rng.uniform(0.03, 0.12)), 2)
            day = c["decided_date"] + dt.timedelta(days=rng.randint(5, 10))
            c.update(status="closed", notes=_SHORT_NOTE[lang].format(amount=approved - amount))
            payments.append(record("claim_payments", claim_no=c["claim_no"], paid_date=day, amount=amount,
                                   reference=f"BK{day:%Y%m%d}{rng.randrange(10 ** 6):06d}"))


"""Claims, payments and roster rules: each with a row that fails it and one that passes."""

from __future__ import annotations

import datetime as dt

import pytest
from rules_store import add, edit, findings, records

D = dt.date
CL = "claims"
PAY = "claim_payments"


CASES = {
    "approved above claimed": (edit(CL, 0, approved_amount=1100), {("CL-APPROVED", CL, 2, "approved_amount"),
                                                                   ("CL-PAID", CL, 2, "status")}),
    "approved equal to claimed passes": (edit(CL, 0, approved_amount=1050, claimed_amount=1050), {
        ("CL-PAID", CL, 2, "status")}),
    "approved without amount": (edit(CL, 0, status="approved", approved_amount=None), {("CL-DECISION", CL, 2, "approved_amount")}),
    "approved without decision date": (edit(CL, 0, decided_date=None), {("CL-DECISION", CL, 2, "decided_date")}),
    "submitted without decision passes": (edit(CL, 0, status="submitted", approved_amount=None, decided_date=None), set()),
    "rejected without reason": (edit(CL, 1, status="rejected", submitted_date="2026-10-05", decided_date="2026-10-10"),
                                {("CL-REJECTED", CL, 3, "rejection_reason")}),
    "rejected with reason passes": (edit(CL, 1, status="rejected", rejection_reason="Not covered",
                                         submitted_date="2026-10-05", decided_date="2026-10-10"), set()),
    # Issue 11, "Claims, dates": a rejected claim was submitted and decided.
    "rejected without its dates": (edit(CL, 1, status="rejected", rejection_reason="Not covered"),
                                   {("CL-DATES", CL, 3, "submitted_date"), ("CL-DATES", CL, 3, "decided_date")}),
    "submitted without a date": (edit(CL, 1, status="submitted"), {("CL-DATES", CL, 3, "submitted_date")}),
    "paid short": (edit(PAY, 0, amount=900), {("CL-PAID", CL, 2, "status")}),
    "paid in two parts passes": (lambda r: (r[PAY][0].update(amount=600), r[PAY].append(
        {"payment_id": "PY2", "claim_no": "C1", "paid_date": D(2026, 10, 25), "amount": 400})), set()),
    "overpaid": (add(PAY, {"payment_id": "PY2", "claim_no": "C1", "paid_date": D(2026, 10, 25), "amount": 10}),
                 {("CL-OVERPAID", PAY, 3, "amount")}),
    "parts not returned": (edit(CL, 0, parts_returned_date=None, decided_date=D(2026, 9, 1)),
                           {("CL-PARTS-RETURN", CL, 2, "parts_returned_date")}),
    "parts not returned, not yet due": (edit(CL, 0, parts_returned_date=None), set()),
    "parts returned late but returned passes": (edit(CL, 0, decided_date=D(2026, 9, 1)), set()),
    "warranty claim on insurance job": (edit(CL, 0, wo_no="W3"), {("CL-TYPE", CL, 2, "claim_type"),
                                                                  ("WO-CLAIM", "work_orders", 3, "wo_no")}),
    "insurance claim on insurance job passes": (edit(CL, 1, status="submitted", submitted_date=D(2026, 10, 12)), set()),
    "claim on unknown job is GEN-REF only": (edit(CL, 1, wo_no="W99"), {("GEN-REF", CL, 3, "wo_no")}),
    # Roster
    "left before hired": (edit("roster", 3, leave_date=D(2019, 1, 1)), {("RO-DATES", "roster", 5, "leave_date")}),
    "left on hire day passes": (edit("roster", 3, leave_date=D(2019, 5, 1)), set()),
    "negative piece rate": (edit("roster", 1, piece_rate=-1), {("RO-RATE", "roster", 3, "piece_rate")}),
    "zero piece rate passes": (edit("roster", 1, piece_rate=0), set()),
    "unknown role": (edit("roster", 4, role="barista"), {("GEN-ENUM", "roster", 6, "role")}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_claim_rule(name):
    mutate, expected = CASES[name]
    recs = records()
    mutate(recs)
    assert findings(recs) == expected


def test_parts_return_is_judged_as_of_the_period_end():
    recs = records()
    recs[CL][0].update(parts_returned_date=D(2026, 12, 20), decided_date=D(2026, 10, 12))
    # As of the end of November the return (due 11 November) is overdue; by December it is done.
    assert findings(recs, period="2026-11") == {("CL-PARTS-RETURN", CL, 2, "parts_returned_date")}
    assert findings(recs, period="2026-12") == set()

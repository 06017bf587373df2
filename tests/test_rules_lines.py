"""Work order line rules: each with a row that fails it and one that passes."""

from __future__ import annotations

import datetime as dt

import pytest
from rules_store import edit, findings, records

D = dt.date
LN = "wo_lines"


CASES = {
    "qty zero": (edit(LN, 0, qty=0), {("LN-QTY", LN, 2, "qty")}),
    "qty negative on a part line is one finding": (edit(LN, 1, qty=-1), {("LN-QTY", LN, 3, "qty")}),
    "qty fractional hours pass": (edit(LN, 0, qty=0.5), set()),
    "price negative": (edit(LN, 0, unit_price=-5), {("LN-PRICE", LN, 2, "unit_price")}),
    "price zero passes": (edit(LN, 0, unit_price=0), set()),
    "discount 100%": (edit(LN, 0, discount_pct=1), {("LN-DISCOUNT", LN, 2, "discount_pct")}),
    "discount negative": (edit(LN, 0, discount_pct=-0.05), {("LN-DISCOUNT", LN, 2, "discount_pct")}),
    "discount above advisor limit": (edit(LN, 0, discount_pct="15%"), {("LN-DISCOUNT-APPROVAL", LN, 2, "discount_pct")}),
    "discount at advisor limit passes": (edit(LN, 0, discount_pct=0.10), set()),
    "warranty hours above clocked": (edit(LN, 2, qty=3), {("LN-WARRANTY-HOURS", LN, 4, "qty")}),
    "warranty hours without clock passes": (edit(LN, 2, qty=3, actual_hours=None), set()),
    "customer labor above clocked passes": (edit(LN, 0, qty=3), set()),
    "unknown part": (edit(LN, 1, item_code="P9"), {("LN-PART", LN, 3, "item_code")}),
    "part line without part no": (edit(LN, 1, item_code=None), {("LN-PART", LN, 3, "item_code")}),
    "technician who left": (edit(LN, 0, technician_id="T3"), {("LN-TECH", LN, 2, "technician_id")}),
    "technician is an advisor": (edit(LN, 0, technician_id="A1"), {("LN-TECH", LN, 2, "technician_id")}),
    "labor without technician": (edit(LN, 0, technician_id=None), {("LN-TECH", LN, 2, "technician_id")}),
    "technician unknown is GEN-REF only": (edit(LN, 0, technician_id="T9"), {("GEN-REF", LN, 2, "technician_id")}),
    "team leader passes": (edit(LN, 0, technician_id="T2"), set()),
    "added item not approved": (edit(LN, 4, customer_approved=False), {("LN-ADDED", LN, 6, "customer_approved")}),
    "added item approval blank": (edit(LN, 4, customer_approved=None), {("LN-ADDED", LN, 6, "customer_approved")}),
    "added item declined passes": (edit(LN, 4, customer_approved=None, declined=True), {
        ("CL-TYPE", "claims", 3, "claim_type")}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_line_rule(name):
    mutate, expected = CASES[name]
    recs = records()
    mutate(recs)
    assert findings(recs) == expected


def test_discount_limit_follows_the_setting():
    recs = records()
    recs[LN][0]["discount_pct"] = 0.15
    assert findings(recs, settings={"max_discount_advisor": 0.2}) == set()

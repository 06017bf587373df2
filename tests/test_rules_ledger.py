"""Parts ledger rules: each with a row that fails it and one that passes."""

from __future__ import annotations

import datetime as dt

import pytest
from rules_store import add, both, edit, findings, records

D = dt.date
PL = "parts_ledger"


CASES = {
    "qty zero": (edit(PL, 4, qty=0), {("PL-QTY", PL, 6, "qty")}),
    "receipt without cost": (edit(PL, 0, unit_cost=None), {("PL-COST", PL, 2, "unit_cost")}),
    "receipt at zero cost": (edit(PL, 0, unit_cost=0), {("PL-COST", PL, 2, "unit_cost")}),
    "issue without cost passes": (edit(PL, 2, unit_cost=None), set()),
    "issue without job": (edit(PL, 2, wo_no=None), {("PL-WO", PL, 4, "wo_no")}),
    "issue to unknown job is GEN-REF only": (edit(PL, 2, wo_no="W99"), {("GEN-REF", PL, 4, "wo_no")}),
    "issue before the job opened": (edit(PL, 2, txn_date=D(2026, 10, 1)), {("PL-WO", PL, 4, "txn_date")}),
    "issue after settlement": (edit(PL, 3, txn_date=D(2026, 10, 7)), {("PL-WO", PL, 5, "txn_date")}),
    "issue on settlement day passes": (edit(PL, 3, txn_date=D(2026, 10, 6)), set()),
    "issue to cancelled job": (both(edit("work_orders", 2, status="cancelled"), edit(LN_W3 := "wo_lines", 4, declined=True),
                                    lambda r: r["claims"].pop(),
                                    add(PL, {"txn_id": "I3", "txn_date": D(2026, 10, 11), "part_no": "P1",
                                             "txn_type": "issue", "qty": 1, "wo_no": "W3"})),
                               {("PL-WO", PL, 7, "wo_no")}),
    "stock negative": (edit(PL, 4, qty=2), {("PL-NEGATIVE", PL, 6, "qty")}),
    "stock to zero passes": (edit(PL, 4, qty=1), set()),
    # The sale comes before the receipt in date order, whatever the sheet order.
    "stock negative by date order": (edit(PL, 4, txn_date=D(2026, 9, 30)), {("PL-NEGATIVE", PL, 6, "qty")}),
    "same-day ties in sheet order": (both(edit(PL, 4, txn_date=D(2026, 10, 1)), lambda r: r[PL].insert(0, r[PL].pop(4))),
                                     {("PL-NEGATIVE", PL, 2, "qty")}),
    "unbilled issue": (add(PL, {"txn_id": "I3", "txn_date": D(2026, 10, 2), "part_no": "P1", "txn_type": "issue",
                                "qty": 1, "wo_no": "W1"}), {("PL-UNBILLED", PL, 7, "wo_no")}),
    "issue returned to stock passes": (both(
        add(PL, {"txn_id": "I3", "txn_date": D(2026, 10, 2), "part_no": "P1", "txn_type": "issue", "qty": 1, "wo_no": "W1"}),
        add(PL, {"txn_id": "B1", "txn_date": D(2026, 10, 2), "part_no": "P1", "txn_type": "return_to_stock", "qty": 1,
                 "wo_no": "W1"})), set()),
    "issue billed on a declined line": (edit("wo_lines", 1, declined=True), {("PL-UNBILLED", PL, 4, "wo_no")}),
    "billed never issued on a settled job": (lambda r: r[PL].pop(2), {("PL-UNISSUED", "wo_lines", 3, "qty")}),
    "billed not yet issued on an open job passes": (
        add("wo_lines", {"wo_no": "W3", "line_no": 2, "line_type": "part", "item_code": "P1", "qty": 2,
                         "unit_price": 80, "pay_type": "insurance"}), set()),
    "wrong part on the line is one finding": (edit("wo_lines", 1, item_code="P9"), {("LN-PART", "wo_lines", 3, "item_code")}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_ledger_rule(name):
    mutate, expected = CASES[name]
    recs = records()
    mutate(recs)
    assert findings(recs) == expected


def test_negative_stock_reported_once_while_it_stays_negative():
    recs = records()
    recs[PL][4]["qty"] = 2
    recs[PL].append({"txn_id": "S2", "txn_date": D(2026, 10, 9), "part_no": "P2", "txn_type": "counter_sale", "qty": 1})
    assert findings(recs) == {("PL-NEGATIVE", PL, 6, "qty")}

"""Work order and vehicle rules: each with a row that fails it and one that passes."""

from __future__ import annotations

import datetime as dt

import pytest
from rules_store import VIN1, VIN3, add, both, edit, findings, records

D = dt.date
WO = "work_orders"


BAD_DIGIT = VIN1[:8] + "5" + VIN1[9:]

CASES = {
    # WO-VIN: check digit, length, forbidden letters; a malformed VIN is not also a GEN-REF.
    "vin check digit": (edit(WO, 0, vin=BAD_DIGIT), {("WO-VIN", WO, 2, "vin")}),
    "vin too short": (edit(WO, 0, vin=VIN1[:16]), {("WO-VIN", WO, 2, "vin")}),
    "vin with O": (edit(WO, 0, vin="LSVAB218ON2000001"), {("WO-VIN", WO, 2, "vin")}),
    "vin lower case passes format, is unknown": (edit(WO, 0, vin=VIN1.lower()), {("GEN-REF", WO, 2, "vin")}),
    "vin valid but unknown vehicle": (edit(WO, 0, vin="LGBH52E07LY000004"), {("GEN-REF", WO, 2, "vin")}),
    "vehicle vin": (edit("vehicles", 2, vin=VIN3[:8] + "0" + VIN3[9:]), {("VH-VIN", "vehicles", 4, "vin")}),
    "plate": (edit(WO, 0, plate="京I12345"), {("WO-PLATE", WO, 2, "plate")}),
    "plate new energy passes": (edit(WO, 0, plate="京AF12345"), set()),
    "vehicle plate": (edit("vehicles", 0, plate="ABC123"), {("VH-PLATE", "vehicles", 2, "plate")}),
    "phone landline": (edit(WO, 0, customer_phone="010-88886666"), {("WO-PHONE", WO, 2, "customer_phone")}),
    "phone +86 passes": (edit(WO, 0, customer_phone="+86 138 0013 8000"), set()),
    "vehicle phone": (edit("vehicles", 1, customer_phone="1391234567"), {("VH-PHONE", "vehicles", 3, "customer_phone")}),
    # WO-DATES
    "close before open": (edit(WO, 1, close_date=D(2026, 10, 4)), {("WO-DATES", WO, 3, "close_date")}),
    "close on open day passes": (edit(WO, 1, close_date=D(2026, 10, 5)), set()),
    "promised before open": (edit(WO, 2, promised_date=D(2026, 10, 9)), {("WO-DATES", WO, 4, "promised_date")}),
    "followup before open": (edit(WO, 0, followup_date=D(2026, 10, 1)), {("WO-DATES", WO, 2, "followup_date")}),
    # WO-SETTLED
    "settled without close date": (edit(WO, 0, close_date=None, followup_date=None), {("WO-SETTLED", WO, 2, "close_date")}),
    "settled without lines": (add(WO, {"wo_no": "W4", "open_date": D(2026, 10, 11), "close_date": D(2026, 10, 11),
                                       "status": "settled", "vin": VIN3, "mileage": 500, "advisor_id": "A1",
                                       "repair_type": "pdi"}), {("WO-SETTLED", WO, 5, "status")}),
    "open job without lines passes": (add(WO, {"wo_no": "W4", "open_date": D(2026, 10, 11), "status": "open",
                                               "vin": VIN3, "mileage": 500, "advisor_id": "A1",
                                               "repair_type": "pdi"}), set()),
    # WO-CANCELLED
    "cancelled with billed lines": (edit(WO, 2, status="cancelled"), {("WO-CANCELLED", WO, 4, "status")}),
    "cancelled with declined lines passes": (both(edit(WO, 2, status="cancelled"), edit("wo_lines", 4, declined=True),
                                                  lambda r: r["claims"].pop()), set()),
    # WO-ADVISOR
    "advisor is a cashier": (edit(WO, 0, advisor_id="K1"), {("WO-ADVISOR", WO, 2, "advisor_id")}),
    "advisor not yet hired": (edit("roster", 0, hire_date=D(2026, 10, 3)), {("WO-ADVISOR", WO, 2, "advisor_id")}),
    "advisor hired on open day passes": (edit("roster", 0, hire_date=D(2026, 10, 2)), set()),
    "advisor unknown is GEN-REF only": (edit(WO, 0, advisor_id="X9"), {("GEN-REF", WO, 2, "advisor_id")}),
    # WO-MILEAGE
    "mileage rollback": (edit(WO, 2, mileage=14000), {("WO-MILEAGE", WO, 4, "mileage")}),
    "mileage equal passes": (edit(WO, 2, mileage=15000), set()),
    # WO-REWORK / WO-REWORK-WINDOW
    "rework of another vin": (edit(WO, 2, rework_of="W2"), {("WO-REWORK", WO, 4, "rework_of")}),
    "rework of a later job": (edit(WO, 0, rework_of="W3"), {("WO-REWORK", WO, 2, "rework_of")}),
    "rework of itself": (edit(WO, 0, rework_of="W1"), {("WO-REWORK", WO, 2, "rework_of")}),
    "rework of unknown job": (edit(WO, 2, rework_of="W99"), {("GEN-REF", WO, 4, "rework_of")}),
    "rework in window passes": (edit(WO, 2, rework_of="W1"), set()),
    "rework out of window": (edit(WO, 2, rework_of="W1"), {("WO-REWORK-WINDOW", WO, 4, "rework_of")}),
    # WO-CSI
    "csi 11": (edit(WO, 0, csi_score=11), {("WO-CSI", WO, 2, "csi_score")}),
    "csi 10 passes": (edit(WO, 0, csi_score=10), set()),
    # WO-WARRANTY-COVER
    "warranty expired": (edit("vehicles", 1, warranty_end_date=D(2026, 10, 1)), {("WO-WARRANTY-COVER", WO, 3, "vin")}),
    "warranty km exceeded": (edit("vehicles", 1, warranty_km=29999), {("WO-WARRANTY-COVER", WO, 3, "vin")}),
    "warranty ends on open day passes": (edit("vehicles", 1, warranty_end_date=D(2026, 10, 5)), set()),
    # WO-INSURER
    "insurance without insurer": (edit(WO, 2, insurer=None), {("WO-INSURER", WO, 4, "insurer")}),
    # WO-CLAIM
    "settled warranty job without claim": (lambda r: r["claims"].pop(0) and r["claim_payments"].clear(),
                                           {("WO-CLAIM", WO, 3, "wo_no")}),
    "open insurance job without claim passes": (lambda r: r["claims"].pop(1), set()),
    "settled insurance job with draft claim passes": (edit(WO, 2, status="settled", close_date=D(2026, 10, 20)), set()),
    "settled insurance job without claim": (both(edit(WO, 2, status="settled", close_date=D(2026, 10, 20)),
                                                 lambda r: r["claims"].pop(1)), {("WO-CLAIM", WO, 4, "wo_no")}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_work_order_rule(name):
    mutate, expected = CASES[name]
    recs = records()
    mutate(recs)
    settings = {"comeback_window_days": 5} if name == "rework out of window" else None
    assert findings(recs, settings=settings) == expected

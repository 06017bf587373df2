"""Rules of the customer care registers and the claims' dates (issue 11): each with a row that
fails it and one that passes, on tests/rules_store.py's small store (W1 settled 2026-10-02)."""

from __future__ import annotations

import datetime as dt

import pytest
from rules_store import both, findings, records

D = dt.date


def add(sheet, record):
    """Append ``record`` to ``sheet`` (the small store keeps no registers of its own)."""
    def apply(recs):
        recs.setdefault(sheet, []).append(record)
    return apply


FU, CP, RN = "followups", "complaints", "renewals"


def _call(**kw):
    return {"followup_id": "F1", "wo_no": "W1", "call_date": D(2026, 10, 3), "by": "A1", "reached": True, **kw}


def _complaint(**kw):
    return {"complaint_id": "CP1", "received_date": D(2026, 10, 1), "channel": "phone", "category": "quality",
            "owner_id": "A1", "resolved_date": D(2026, 10, 2), **kw}


def _renewal(**kw):
    return {"renewal_id": "R1", "vin": "LVHRW1869L5000003", "expiry_date": D(2026, 10, 20), "outcome": "pending", **kw}


CASES = {
    "call after settlement passes": (add(FU, _call(satisfaction=9)), set()),
    "call before settlement": (add(FU, _call(call_date=D(2026, 10, 1))), {("FU-BEFORE-SETTLED", FU, 2, "call_date")}),
    "satisfaction above 10": (add(FU, _call(satisfaction=11)), {("FU-SATISFACTION", FU, 2, "satisfaction")}),
    "call by nobody of the roster": (add(FU, _call(by="X9")), {("GEN-REF", FU, 2, "by")}),
    "call naming an unknown complaint": (add(FU, _call(complaint_id="CP9")), {("GEN-REF", FU, 2, "complaint_id")}),
    "complaint resolved in time passes": (add(CP, _complaint()), set()),
    "complaint resolved before received": (add(CP, _complaint(resolved_date=D(2026, 9, 30))),
                                           {("CP-RESOLVED-BEFORE", CP, 2, "resolved_date")}),
    "complaint open past the 3 days": (add(CP, _complaint(received_date=D(2026, 9, 1), resolved_date=None)),
                                       {("CP-OVERDUE", CP, 2, "resolved_date")}),
    "complaint on an unknown job": (add(CP, _complaint(wo_no="W99")), {("GEN-REF", CP, 2, "wo_no")}),
    "call naming a known complaint passes": (both(add(CP, _complaint()), add(FU, _call(complaint_id="CP1"))), set()),
    "renewal pending passes": (add(RN, _renewal()), set()),
    "renewal lost without reason": (add(RN, _renewal(outcome="lost")), {("RN-LOST-REASON", RN, 2, "lost_reason")}),
    "renewal lost with reason passes": (add(RN, _renewal(outcome="lost", lost_reason="price")), set()),
    "renewal renewed without insurer": (add(RN, _renewal(outcome="renewed")), {("RN-INSURER", RN, 2, "insurer")}),
    "renewal of an unknown vehicle": (add(RN, _renewal(vin="LVHRW1869L5000099")), {("GEN-REF", RN, 2, "vin")}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_care_rule(name):
    mutate, expected = CASES[name]
    recs = records()
    mutate(recs)
    assert findings(recs) == expected


def test_overdue_complaint_message_names_the_dates():
    from rules_store import store

    from addin.rules import validate_store

    recs = records()
    add(CP, _complaint(received_date=D(2026, 9, 1), resolved_date=None))(recs)
    got = [f for f in validate_store(store(recs)) if f.rule == "CP-OVERDUE"]
    assert got[0].severity == "warning"
    assert "received on 2026-09-01, the complaint was due to be resolved by 2026-09-04 (3 days)" in got[0].message

"""Rules of the workshop registers (issue 12): loaners, equipment, tools, tool loans and issues,
training, appraisal weights, also_roles; and role synonyms read as the canonical role."""

from __future__ import annotations

import datetime as dt

import pytest
from rules_store import add, both, edit, findings, records

from addin.rules import validate_store
from addin.store import Store

D = dt.date
P = "2026-10"   # checked as of 2026-10-31


def workshop_records():
    recs = records()
    recs["roster"].append({"staff_id": "M1", "name": "Zhou Min", "role": "站长", "hire_date": D(2018, 1, 1),
                           "also_roles": "前台主管"})
    recs.update({
        "loaners": [
            {"loan_id": "L1", "loaner_vin": "LV1", "wo_no": "W1", "out_date": D(2026, 10, 2),
             "return_date": D(2026, 10, 3), "approved_by": "M1"},
            {"loan_id": "L2", "loaner_vin": "LV2", "wo_no": "W3", "out_date": D(2026, 10, 10), "approved_by": "M1"},
        ],
        "equipment": [
            {"asset_id": "E1", "name": "Brake tester", "calibration_months": 12, "last_calibrated": D(2026, 1, 5),
             "status": "in_use", "custodian_id": "T2"},
            {"asset_id": "E2", "name": "Lift"},
        ],
        "tools": [{"tool_id": "G1", "name": "Torque wrench", "kind": "public", "qty": 2},
                  {"tool_id": "K1", "name": "Socket set", "kind": "personal", "qty": 3}],
        "tool_loans": [{"loan_id": "TL1", "tool_id": "G1", "staff_id": "T1", "out_date": D(2026, 10, 8),
                        "due_date": D(2026, 10, 9), "returned_date": D(2026, 10, 9), "condition": "ok"}],
        "tool_issues": [{"issue_id": "TI1", "tool_id": "K1", "staff_id": "T1", "issue_date": D(2026, 1, 2), "qty": 1}],
        "training": [{"training_id": "TR1", "date": D(2026, 10, 12), "topic": "EV safety", "staff_id": "T1",
                      "hours": 4, "passed": True}],
        "appraisal_weights": [{"role": "technician", "kpi": "flag_hours", "weight": 0.6, "target": 150},
                              {"role": "服务顾问", "kpi": "csi", "weight": 0.4}],
    })
    return recs


def test_the_workshop_records_are_clean():
    assert findings(workshop_records(), P) == set()


CASES = {
    "loaner approved by an advisor": (edit("loaners", 0, approved_by="A1"), {("LN-APPROVER", "loaners", 2, "approved_by")}),
    "loaner approved by a cashier who also supervises the front desk passes": (
        both(edit("roster", 4, also_roles="前台主管"), edit("loaners", 0, approved_by="K1")), set()),
    "loaner approver not on the roster": (edit("loaners", 0, approved_by="X9"), {("GEN-REF", "loaners", 2, "approved_by")}),
    "loaner job unknown": (edit("loaners", 1, wo_no="W9"), {("GEN-REF", "loaners", 3, "wo_no")}),
    "loaner back two days after settlement": (edit("loaners", 0, return_date=D(2026, 10, 4)),
                                              {("LN-LATE", "loaners", 2, "return_date")}),
    "loaner never back after settlement": (edit("loaners", 0, return_date=None), {("LN-LATE", "loaners", 2, "return_date")}),
    "loaner back before it went out": (edit("loaners", 0, return_date=D(2026, 10, 1)), {("LN-DATES", "loaners", 2, "return_date")}),
    "tool returned before it went out": (edit("tool_loans", 0, returned_date=D(2026, 10, 7)),
                                         {("TLN-DATES", "tool_loans", 2, "returned_date")}),
    "tool loan overdue": (edit("tool_loans", 0, returned_date=None, condition=None),
                          {("TLN-OVERDUE", "tool_loans", 2, "due_date")}),
    "tool loan due on the check day is not overdue": (
        edit("tool_loans", 0, returned_date=None, due_date=D(2026, 10, 31)), set()),
    "tool loan names an unknown tool and person": (edit("tool_loans", 0, tool_id="G9", staff_id="T9"),
                                                   {("GEN-REF", "tool_loans", 2, "tool_id"),
                                                    ("GEN-REF", "tool_loans", 2, "staff_id")}),
    "tool issue returned before issued": (edit("tool_issues", 0, returned_date=D(2025, 12, 1)),
                                          {("TIS-DATES", "tool_issues", 2, "returned_date")}),
    "tool issue qty 0": (edit("tool_issues", 0, qty=0), {("TIS-QTY", "tool_issues", 2, "qty")}),
    "negative tool qty": (edit("tools", 0, qty=-1), {("TOOL-QTY", "tools", 2, "qty")}),
    "calibration overdue": (edit("equipment", 0, last_calibrated=D(2025, 10, 30)),
                            {("EQ-CALIBRATION", "equipment", 2, "last_calibrated")}),
    "never calibrated": (edit("equipment", 0, last_calibrated=None), {("EQ-CALIBRATION", "equipment", 2, "last_calibrated")}),
    "retired device is not due": (edit("equipment", 0, last_calibrated=None, status="retired"), set()),
    "interval 0": (edit("equipment", 1, calibration_months=0), {("EQ-INTERVAL", "equipment", 3, "calibration_months")}),
    "custodian unknown": (edit("equipment", 0, custodian_id="Z1"), {("GEN-REF", "equipment", 2, "custodian_id")}),
    "negative training hours": (edit("training", 0, hours=-2), {("TR-HOURS", "training", 2, "hours")}),
    "training of an unknown person": (edit("training", 0, staff_id="Q1"), {("GEN-REF", "training", 2, "staff_id")}),
    "weight 0": (edit("appraisal_weights", 0, weight=0), {("APW-WEIGHT", "appraisal_weights", 2, "weight")}),
    "kpi unknown": (edit("appraisal_weights", 0, kpi="happiness"), {("APW-KPI", "appraisal_weights", 2, "kpi")}),
    "per-person figure and department KPI pass": (
        add("appraisal_weights", {"role": "technician", "kpi": "comebacks", "weight": 1}), set()),
    "unknown also_roles": (edit("roster", 0, also_roles="team_leader, 厨师"), {("RO-ALSO-ROLES", "roster", 2, "also_roles")}),
    "role by synonym": (edit("roster", 0, role="接待"), set()),
}


@pytest.mark.parametrize("name", list(CASES))
def test_workshop_rule(name):
    mutate, expected = CASES[name]
    recs = workshop_records()
    mutate(recs)
    assert findings(recs, P) == expected


def test_messages_name_the_sheet_row_column_and_value_in_both_languages():
    recs = workshop_records()
    recs["tool_loans"][0].update(returned_date=None, condition=None)
    recs["equipment"][0]["last_calibrated"] = D(2025, 10, 30)
    for locale, want in (("en-US", ("Tool loans, row 2, Due date = 2026-10-09: Torque wrench lent to Li Qiang",
                                    ("Equipment, row 2, Last calibrated = 2025-10-30: this measuring device in use "
                                     "is overdue for calibration (due 2026-10-30)"))),
                         ("zh-CN", ("公用工具借用卡 第2行 应还日期 = 2026-10-09：借给 Li Qiang 的 Torque wrench",
                                    "设备台账 第2行 上次检定日期 = 2025-10-30：该在用计量器具已超过检定期限（应于 2026-10-30 检定）"))):
        store = Store.from_records(recs, settings={"locale": locale})
        messages = [f.message for f in validate_store(store, P)]
        for start in want:
            assert any(m.startswith(start) for m in messages), (start, messages)


def test_role_synonyms_read_as_the_canonical_role():
    recs = workshop_records()
    roster = Store.from_records(recs).table("roster")
    assert roster.loc[roster["staff_id"] == "M1", "role"].tolist() == ["service_manager"]   # 站长
    weights = Store.from_records(recs).table("appraisal_weights")
    assert weights["role"].tolist() == ["technician", "service_advisor"]                    # 服务顾问


def test_role_synonyms_are_unambiguous():
    from addin.models import ROLE_SYNONYMS, Role
    from addin.tables import normalize_label

    seen: dict[str, str] = {}
    for key, (en, zh) in Role.labels().items():
        for form in (key, en, zh):
            seen[normalize_label(form)] = key
    for key, forms in ROLE_SYNONYMS.items():
        assert key in Role.labels()
        for form in forms:
            assert seen.setdefault(normalize_label(form), key) == key, form


def test_role_synonyms_are_written_back_as_the_label_of_the_locale():
    from addin.io.cells import converter
    from addin.models import SHEETS

    col = SHEETS["roster"].column("role")
    assert converter(col, "zh-CN")("站长")[0] == "服务经理"
    assert converter(col, "en-US")("保修鉴定员")[0] == "Claims specialist"
    assert converter(col, "en-US")("SA")[0] == "Service advisor"

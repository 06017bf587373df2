"""The registers report (登记簿汇总) on a hand-made store: every section's figures with the
arithmetic written out, every list in full and in working order (due date, person, id), the
zh-CN PDF with Chinese labels, rendered to PNG. The demo store's cells are golden in
tests/golden/reports/registers.json (tests/test_reports.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import need_tool
from openpyxl import load_workbook

from addin.reports import REPORTS, build_reports
from addin.store import Store
from tests.report_tables import table as _rows

AP = pytest.approx


def _wo(wo_no, close, vin, advisor, status="settled"):
    return {"wo_no": wo_no, "open_date": close or "2026-10-25", "close_date": close, "status": status, "vin": vin,
            "mileage": 1000, "advisor_id": advisor, "repair_type": "general_repair"}


RECORDS = {
    "roster": [
        {"staff_id": "M1", "name": "Zhou", "role": "service_manager", "hire_date": "2018-01-01"},
        {"staff_id": "A1", "name": "Li", "role": "service_advisor", "hire_date": "2020-01-01"},
        {"staff_id": "A2", "name": "Wang", "role": "service_advisor", "hire_date": "2020-01-01"},
        {"staff_id": "C1", "name": "Sun", "role": "customer_service", "hire_date": "2020-01-01"},
        {"staff_id": "I1", "name": "Ma", "role": "insurance_specialist", "hire_date": "2020-01-01"},
    ],
    "vehicles": [
        {"vin": f"V{n}", "plate": f"粤B0000{n}", "customer_name": f"Customer {n}"} for n in range(1, 5)
    ],
    "work_orders": [
        _wo("W1", "2026-10-03", "V1", "A1"), _wo("W2", "2026-10-10", "V2", "A2"),
        _wo("W3", None, "V3", "A1", status="in_progress"), _wo("W4", "2026-09-20", "V4", "A2"),
    ],
    "complaints": [
        # received, resolved, category, channel, owner
        {"complaint_id": "CP1", "received_date": "2026-10-05", "resolved_date": "2026-10-07", "category": "quality",
         "channel": "phone", "owner_id": "A1", "wo_no": "W1"},             # 2 days: on time
        {"complaint_id": "CP2", "received_date": "2026-10-08", "resolved_date": "2026-10-15", "category": "price",
         "channel": "online", "owner_id": "A2", "wo_no": "W2"},            # 7 days: late
        {"complaint_id": "CP3", "received_date": "2026-10-20", "category": "waiting", "channel": "phone",
         "owner_id": "A1", "customer_name": "Customer 3"},                  # open, due 23 Oct
        {"complaint_id": "CP4", "received_date": "2026-09-25", "resolved_date": "2026-11-02", "category": "quality",
         "channel": "manufacturer", "owner_id": "A2"},                      # open at the end of October
        {"complaint_id": "CP5", "received_date": "2026-10-30", "category": "attitude", "channel": "in_person",
         "owner_id": "A2"},                                                 # open, due 2 Nov
        {"complaint_id": "CP6", "received_date": "2026-09-01", "resolved_date": "2026-09-02", "category": "other",
         "channel": "other", "owner_id": "A1"},                             # September's, closed
    ],
    "renewals": [
        {"renewal_id": "R1", "vin": "V1", "expiry_date": "2026-10-05", "by": "I1", "outcome": "renewed",
         "insurer": "PICC", "premium": 5000},
        {"renewal_id": "R3", "vin": "V3", "expiry_date": "2026-10-12", "by": "C1", "outcome": "lost",
         "lost_reason": "other_insurer"},
        {"renewal_id": "R2", "vin": "V2", "expiry_date": "2026-10-12", "by": "I1", "outcome": "lost",
         "lost_reason": "price"},
        {"renewal_id": "R4", "vin": "V4", "expiry_date": "2026-10-20", "by": "I1", "outcome": "lost",
         "lost_reason": "price"},
        {"renewal_id": "R5", "vin": "V1", "expiry_date": "2026-10-28", "by": "I1", "outcome": "pending"},
        {"renewal_id": "R6", "vin": "V2", "expiry_date": "2026-11-05", "by": "I1", "outcome": "renewed",
         "insurer": "PICC", "premium": 4000},                               # November's
    ],
    "followups": [
        {"followup_id": "F1", "wo_no": "W1", "call_date": "2026-10-06", "by": "C1", "reached": False},
        {"followup_id": "F2", "wo_no": "W1", "call_date": "2026-10-07", "by": "C1", "reached": True, "satisfaction": 9},
        {"followup_id": "F3", "wo_no": "W2", "call_date": "2026-10-13", "by": "C1", "reached": True, "satisfaction": 4,
         "issues": "Noise again", "complaint_id": "CP2"},
        {"followup_id": "F4", "wo_no": "W2", "call_date": "2026-10-12", "by": "A2", "reached": True, "satisfaction": 6,
         "issues": "Invoice above the estimate"},
        {"followup_id": "F5", "wo_no": "W4", "call_date": "2026-09-25", "by": "C1", "reached": True,
         "satisfaction": 10},                                               # September's
    ],
    "appointments": [
        {"appt_id": "AP1", "appt_date": "2026-10-02", "reason": "maintenance", "status": "arrived", "advisor_id": "A1",
         "wo_no": "W1"},
        {"appt_id": "AP2", "appt_date": "2026-10-09", "reason": "repair", "status": "arrived", "advisor_id": "A2"},
        {"appt_id": "AP3", "appt_date": "2026-10-15", "reason": "maintenance", "status": "no_show", "advisor_id": "A1",
         "customer_name": "Zhang", "customer_phone": "13800000001"},
        {"appt_id": "AP4", "appt_date": "2026-10-16", "reason": "repair", "status": "no_show", "advisor_id": "A2"},
        {"appt_id": "AP5", "appt_date": "2026-10-16", "reason": "maintenance", "status": "no_show", "advisor_id": "A1"},
        {"appt_id": "AP6", "appt_date": "2026-10-20", "reason": "maintenance", "status": "cancelled", "advisor_id": "A1"},
        {"appt_id": "AP7", "appt_date": "2026-10-30", "reason": "warranty", "status": "confirmed", "advisor_id": "A2"},
        {"appt_id": "AP8", "appt_date": "2026-11-02", "reason": "repair", "status": "booked", "advisor_id": "A2"},
    ],
    "loaners": [
        {"loan_id": "L1", "loaner_vin": "LV1", "wo_no": "W1", "customer_name": "Customer 1", "out_date": "2026-10-02",
         "return_date": "2026-10-04", "approved_by": "M1"},                 # due 4 Oct (W1 settled 3 Oct)
        {"loan_id": "L2", "loaner_vin": "LV2", "wo_no": "W2", "out_date": "2026-10-08", "return_date": "2026-10-14",
         "approved_by": "M1"},                                              # due 11 Oct: 3 days late
        {"loan_id": "L3", "loaner_vin": "LV3", "wo_no": "W4", "out_date": "2026-09-15", "approved_by": "M1"},
        {"loan_id": "L4", "loaner_vin": "LV1", "wo_no": "W3", "out_date": "2026-10-25", "approved_by": "M1"},
        {"loan_id": "L5", "loaner_vin": "LV2", "wo_no": "W4", "out_date": "2026-09-01", "return_date": "2026-09-05",
         "approved_by": "M1"},                                              # September's
        {"loan_id": "L6", "loaner_vin": "LV2", "wo_no": "W3", "out_date": "2026-10-29", "return_date": "2026-11-03",
         "approved_by": "M1"},                                              # back after the month
    ],
}
SETTINGS = {"store_code": "S009", "complaint_resolve_days": 3}


def _store(locale: str = "en-US") -> Store:
    return Store.from_records(RECORDS, settings={**SETTINGS, "locale": locale})




def _day(text):
    import datetime as dt

    return dt.datetime.fromisoformat(text)


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    pack = build_reports(_store(), "2026-10", None, tmp_path_factory.mktemp("reg"), pdf=False, names=["registers"])
    return load_workbook(pack[0])


def test_registers_is_in_the_month_end_pack():
    assert "registers" in REPORTS


def test_complaints(book):
    ws = book["Complaints"]
    # Received in October: CP1, CP2, CP3, CP5 = 4; within 3 days: CP1 only (2 days; CP2 took 7);
    # open at 31 Oct: CP3, CP5 and CP4 (resolved in November).
    assert _rows(ws, "Measure") == [["Complaints received", 4], ["Resolved within 3 days", 1],
                                    ["Complaints resolved on time", AP(1 / 4)], ["Open complaints", 3]]
    assert _rows(ws, "Category") == [["Repair quality", 1, 1, 1], ["Price", 1, 0, 0], ["Staff attitude", 1, 0, 1],
                                     ["Waiting time", 1, 0, 1], ["Parts", 0, 0, 0], ["Comeback", 0, 0, 0],
                                     ["Other", 0, 0, 0], ["Total", 4, 1, 3]]
    assert _rows(ws, "Channel") == [["Phone", 2, 1], ["In person", 1, 1], ["From the manufacturer", 0, 1],
                                    ["Online", 1, 0], ["Other", 0, 0], ["Total", 4, 3]]
    # Due = received + 3 days; days open and overdue at 31 Oct.
    assert _rows(ws, "Complaint ID") == [
        ["CP4", _day("2026-09-25"), _day("2026-09-28"), "Repair quality", "From the manufacturer", None, None, "Wang",
         5 + 31, 2 + 31],                     # 25 Sep to 31 Oct open; 28 Sep to 31 Oct overdue
        ["CP3", _day("2026-10-20"), _day("2026-10-23"), "Waiting time", "Phone", None, "Customer 3", "Li", 11, 8],
        ["CP5", _day("2026-10-30"), _day("2026-11-02"), "Staff attitude", "In person", None, None, "Wang", 1, 0],
        ["Open: 3", None, None, None, None, None, None, None, None, None]]


def test_renewals(book):
    ws = book["Renewals"]
    # Expiring in October: R1-R5 = 5; renewed R1; lost R2, R3, R4; pending R5; rate 1 / 5.
    assert _rows(ws, "Measure") == [["Policies expiring", 5], ["Renewed", 1], ["Lost", 3], ["Pending", 1],
                                    ["Renewal rate", AP(1 / 5)]]
    assert _rows(ws, "Lost reason")[:2] == [["Price", 2, AP(2 / 3)], ["Went to another insurer", 1, AP(1 / 3)]]
    assert _rows(ws, "Lost reason")[-1] == ["Total", 3, 1]
    listed = _rows(ws, "Renewal ID")
    # By expiry date, then person: R2 (Ma) before R3 (Sun) on 12 Oct.
    assert [(r[0], r[5], r[7]) for r in listed[:-1]] == [("R1", "Ma", "Renewed"), ("R2", "Ma", "Lost"),
                                                          ("R3", "Sun", "Lost"), ("R4", "Ma", "Lost"),
                                                          ("R5", "Ma", "Pending")]
    assert listed[1][2:4] == ["粤B00002", "Customer 2"] and listed[1][8] == "Price"
    assert listed[-1][0] == "Policies: 5" and listed[-1][10] == 5000


def test_followup_outcomes(book):
    ws = book["Follow-up calls"]
    # October's calls F1-F4: reached F2, F3, F4; satisfaction (9 + 4 + 6) / 3; issues F3, F4; F3 a complaint.
    assert _rows(ws, "Measure") == [["Calls made", 4], ["Reached", 3], ["Not reached", 1], ["Reached share", AP(0.75)],
                                    ["Mean satisfaction of reached calls (0-10)", AP((9 + 4 + 6) / 3)],
                                    ["Calls that raised an issue", 2], ["Calls that led to a complaint", 1]]
    assert _rows(ws, "By") == [["Sun", 3, 2, 1, AP((9 + 4) / 2), 1], ["Wang", 1, 1, 0, 6, 1],
                               ["Total", 4, 3, 1, AP(19 / 3), 2]]
    issues = _rows(ws, "Follow-up ID")
    assert [(r[0], r[4], r[5], r[8]) for r in issues] == [("F4", "Wang", 6, None), ("F3", "Sun", 4, "CP2")]


def test_appointments(book):
    ws = book["Appointments"]
    # October: AP1-AP7; not cancelled 6; arrived AP1, AP2; no-shows AP3, AP4, AP5; cancelled AP6;
    # AP7 still confirmed; show rate 2 / (2 + 3).
    assert _rows(ws, "Measure") == [["Booked (not cancelled)", 6], ["Arrived", 2], ["No-show", 3], ["Cancelled", 1],
                                    ["Still booked or confirmed", 1],
                                    ["Show rate (arrived ÷ (arrived + no-shows))", AP(2 / 5)]]
    by_reason = _rows(ws, "Reason")
    assert by_reason[0] == ["Maintenance", 3, 1, 2, 1, AP(1 / 3)]
    assert by_reason[2] == ["Repair", 2, 1, 1, 0, AP(1 / 2)]
    assert by_reason[3] == ["Warranty", 1, 0, 0, 0, None]
    assert by_reason[-1] == ["Total", 6, 2, 3, 1, AP(2 / 5)]
    # Missed appointments by date, then advisor: AP5 (Li) before AP4 (Wang) on 16 Oct.
    assert [(r[0], r[7]) for r in _rows(ws, "Appointment ID")] == [("AP3", "Li"), ("AP5", "Li"), ("AP4", "Wang")]


def test_courtesy_cars(book):
    ws = book["Courtesy cars"]
    # Lent in October: L1, L2, L4, L6; back in October: L1, L2; out at 31 Oct: L3, L4, L6 (L6 came
    # back on 3 Nov); overdue: L3 (W4 settled 20 Sep, due back 21 Sep). L4 and L6 wait on W3.
    assert _rows(ws, "Measure") == [["Lent in the month", 4], ["Returned in the month", 2], ["Loaner cars out", 3],
                                    ["Overdue (still out after the day its job was settled)", 1]]
    listed = _rows(ws, "Loan ID")
    assert [(r[0], r[5], r[6], r[7], r[8]) for r in listed] == [
        ("L3", _day("2026-09-21"), "still out", 9 + 31, "overdue"),
        ("L1", _day("2026-10-04"), _day("2026-10-04"), 0, None),
        ("L2", _day("2026-10-11"), _day("2026-10-14"), 3, None),
        ("L4", None, "still out", None, None),
        ("L6", None, "still out", None, None)]
    assert listed[1][2:4] == ["W1", "Customer 1"] and {r[9] for r in listed} == {"Zhou"}


@pytest.mark.libreoffice
@pytest.mark.poppler
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_registers_pdf_holds_every_list_and_renders(tmp_path: Path, locale: str) -> None:
    need_tool("soffice", "pdftotext", "pdftoppm", *(["cjk-font"] if locale == "zh-CN" else []))
    pack = build_reports(_store(locale), "2026-10", None, tmp_path, pdf=True, names=["registers"])
    pdf = next(p for p in pack if p.suffix == ".pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    # The last row of every list.
    for last in ("CP5", "R5", "F3", "AP4", "L6"):
        assert last in text, last
    labels = (("登记簿汇总", "投诉", "续保", "回访", "预约", "代步车", "战败原因", "未结：3 件", "预约到店率", "逾期")
              if locale == "zh-CN" else ("Registers", "Lost renewals by reason", "Open: 3", "Show rate", "overdue"))
    for label in labels:
        assert label in text, label
    png = tmp_path / "registers"
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(png)], check=True)
    pages = sorted(tmp_path.glob("registers*.png"))
    assert len(pages) >= 5 and all(p.stat().st_size > 2000 for p in pages)

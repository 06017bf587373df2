"""Periods: month arithmetic, what a closed period freezes, and naming the records that changed.

``sample_records`` is the hand-made store that test_close.py and test_reports.py use too: a
small 4S store whose October 2026 holds settled, open and warranty jobs, a counter sale, a
stocktake with a gain, a loss and an exact count, a warranty claim with a part payment, and a
customer whose name would be a formula.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from addin.checks import vin_check_digit
from addin.periods import (
    Change,
    PeriodError,
    bounds,
    check_period,
    closed_period_changes,
    decode_notes,
    encode_notes,
    next_period,
    period_fingerprint,
    shift,
)
from addin.store import Store

D = dt.date


def vin(serial: int) -> str:
    draft = f"LVGBE40K0PG{serial:06d}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


V1, V2, V3 = vin(1), vin(2), vin(3)


def sample_records(locale: str = "en-US") -> dict[str, Any]:
    """Records and settings of the hand-made store (closing 2026-10)."""
    return {
        "settings": {"store_code": "S01", "store_name": "Demo Motors 示范店", "brand": "Aurora", "locale": locale,
                     "open_period": "2026-10", "labor_rate": 200, "target_revenue": 1500, "target_comeback_rate": 0.02},
        "roster": [
            {"staff_id": "M01", "name": "王经理", "role": "service_manager", "hire_date": D(2020, 1, 1), "excel_user": "wang.m"},
            {"staff_id": "A01", "name": "李顾问", "role": "service_advisor", "hire_date": D(2021, 1, 1)},
            {"staff_id": "T01", "name": "张师傅", "role": "technician", "team": "A", "grade": "senior",
             "hire_date": D(2019, 1, 1), "piece_rate": 30},
            {"staff_id": "T02", "name": "赵师傅", "role": "technician", "team": "A", "hire_date": D(2022, 1, 1),
             "piece_rate": 25},
            {"staff_id": "P01", "name": "钱仓管", "role": "parts_clerk", "hire_date": D(2022, 1, 1)},
        ],
        "positions": [{"role": "service_advisor", "planned": 2}, {"role": "technician", "planned": 3},
                      {"role": "service_manager", "planned": 1}],
        "vehicles": [
            {"vin": V1, "plate": "京A12345", "model": "Aurora S", "customer_name": "张三", "customer_phone": "13812341234",
             "sale_date": D(2026, 4, 15), "warranty_end_date": D(2029, 4, 15), "insurer": "PICC",
             "insurance_expiry": D(2026, 11, 20)},
            {"vin": V2, "plate": "京B22222", "model": "Aurora X", "customer_name": "李四", "customer_phone": "13900001111",
             "sale_date": D(2025, 1, 10), "warranty_end_date": D(2028, 1, 10)},
            {"vin": V3, "plate": "京C33333", "model": "Aurora S", "customer_name": "=1+2", "customer_phone": "+86 137 0000 2222",
             "sale_date": D(2024, 5, 1), "warranty_end_date": D(2027, 5, 1)},
        ],
        "work_orders": [
            {"wo_no": "WY", "open_date": D(2025, 10, 8), "close_date": D(2025, 10, 9), "status": "settled", "vin": V3,
             "mileage": 8000, "advisor_id": "A01", "team": "A", "repair_type": "maintenance", "customer_name": "=1+2"},
            {"wo_no": "W0", "open_date": D(2026, 9, 10), "close_date": D(2026, 9, 12), "status": "settled", "vin": V2,
             "mileage": 20000, "advisor_id": "A01", "team": "A", "repair_type": "general_repair",
             "customer_name": "李四", "followup_date": D(2026, 9, 13)},
            {"wo_no": "W1", "open_date": D(2026, 10, 3), "close_date": D(2026, 10, 5), "status": "settled", "vin": V1,
             "mileage": 5000, "advisor_id": "A01", "team": "A", "repair_type": "maintenance", "first_service": True,
             "qc_first_pass": True, "csi_score": 9, "followup_date": D(2026, 10, 6), "customer_name": "张三",
             "customer_phone": "13812341234", "next_service_date": D(2026, 11, 15), "appointment": True},
            {"wo_no": "W2", "open_date": D(2026, 10, 10), "close_date": D(2026, 10, 12), "status": "settled", "vin": V2,
             "mileage": 21000, "advisor_id": "A01", "team": "A", "repair_type": "warranty", "qc_first_pass": True,
             "followup_date": D(2026, 10, 13), "customer_name": "李四"},
            {"wo_no": "W3", "open_date": D(2026, 10, 20), "close_date": D(2026, 10, 25), "status": "settled", "vin": V3,
             "mileage": 9000, "advisor_id": "A01", "team": "A", "repair_type": "general_repair", "qc_first_pass": False,
             "customer_name": "=1+2", "customer_phone": "+86 137 0000 2222"},
            {"wo_no": "W4", "open_date": D(2026, 10, 29), "status": "in_progress", "vin": V1, "mileage": 5600,
             "advisor_id": "A01", "team": "A", "repair_type": "general_repair"},
        ],
        "wo_lines": [
            {"wo_no": "WY", "line_no": 1, "line_type": "labor", "qty": 1, "unit_price": 113, "pay_type": "customer",
             "technician_id": "T01"},
            {"wo_no": "W0", "line_no": 1, "line_type": "labor", "qty": 1, "unit_price": 226, "pay_type": "customer",
             "technician_id": "T02"},
            {"wo_no": "W1", "line_no": 1, "line_type": "labor", "qty": 1.5, "unit_price": 226, "pay_type": "customer",
             "technician_id": "T01", "actual_hours": 1.2},
            {"wo_no": "W1", "line_no": 2, "line_type": "part", "item_code": "P1", "qty": 1, "unit_price": 113,
             "pay_type": "customer"},
            {"wo_no": "W2", "line_no": 1, "line_type": "labor", "qty": 2, "unit_price": 180, "pay_type": "warranty",
             "technician_id": "T02", "actual_hours": 2},
            {"wo_no": "W2", "line_no": 2, "line_type": "part", "item_code": "P2", "qty": 2, "unit_price": 200,
             "pay_type": "warranty"},
            {"wo_no": "W3", "line_no": 1, "line_type": "labor", "qty": 3, "unit_price": 226, "discount_pct": 0.1,
             "pay_type": "customer", "technician_id": "T01", "actual_hours": 3.5, "description": "@SUM(A1)"},
            {"wo_no": "W3", "line_no": 2, "line_type": "sublet", "qty": 1, "unit_price": 565, "cost": 400,
             "pay_type": "customer"},
            {"wo_no": "W3", "line_no": 3, "line_type": "labor", "qty": 1, "unit_price": 226, "pay_type": "customer",
             "technician_id": "T01", "declined": True},
        ],
        "parts": [
            {"part_no": "P1", "name": "Oil filter 机滤", "category": "oem", "safety_stock": 30, "reorder_qty": 20,
             "sale_price": 113, "supplier": "Aurora Parts", "active": True},
            {"part_no": "P2", "name": "Brake pad 刹车片", "category": "oem", "safety_stock": 2, "reorder_qty": 4,
             "sale_price": 200, "active": True},
            {"part_no": "P3", "name": "Wiper 雨刮", "category": "accessory", "safety_stock": 1, "active": True},
        ],
        "parts_ledger": [
            {"txn_id": "R1", "txn_date": D(2025, 9, 1), "part_no": "P1", "txn_type": "receipt", "qty": 30, "unit_cost": 40},
            {"txn_id": "R2", "txn_date": D(2025, 9, 1), "part_no": "P2", "txn_type": "receipt", "qty": 10, "unit_cost": 150},
            {"txn_id": "R3", "txn_date": D(2025, 1, 10), "part_no": "P3", "txn_type": "receipt", "qty": 5, "unit_cost": 20},
            {"txn_id": "I0", "txn_date": D(2025, 10, 9), "part_no": "P1", "txn_type": "counter_sale", "qty": 1,
             "unit_price": 113},
            {"txn_id": "I1", "txn_date": D(2026, 10, 5), "part_no": "P1", "txn_type": "issue", "qty": 1, "wo_no": "W1"},
            {"txn_id": "I2", "txn_date": D(2026, 10, 12), "part_no": "P2", "txn_type": "issue", "qty": 2, "wo_no": "W2"},
            {"txn_id": "CS1", "txn_date": D(2026, 10, 15), "part_no": "P1", "txn_type": "counter_sale", "qty": 2,
             "unit_price": 113},
        ],
        "stocktake": [
            {"count_date": D(2026, 10, 31), "part_no": "P1", "counted_qty": 24, "counted_by": "P01"},
            {"count_date": D(2026, 10, 31), "part_no": "P2", "counted_qty": 8, "counted_by": "P01"},
            {"count_date": D(2026, 10, 31), "part_no": "P3", "counted_qty": 6, "counted_by": "P01"},
        ],
        "backorders": [{"bo_id": "B1", "request_date": D(2026, 10, 11), "wo_no": "W2", "part_no": "P2", "qty": 2}],
        "claims": [
            {"claim_no": "C1", "claim_type": "warranty", "wo_no": "W2", "vin": V2, "payer": "Aurora Automobile",
             "submitted_date": D(2026, 10, 13), "status": "approved", "claimed_amount": 500, "approved_amount": 480,
             "decided_date": D(2026, 10, 20)},
        ],
        "claim_payments": [{"payment_id": "PAY1", "claim_no": "C1", "paid_date": D(2026, 10, 30), "amount": 300}],
    }


def sample_store(locale: str = "en-US", records: dict[str, Any] | None = None) -> Store:
    recs = copy.deepcopy(records or sample_records(locale))
    settings = recs.pop("settings")
    return Store.from_records(recs, settings=settings)


def closed(records: dict[str, Any], period: str = "2026-10", budget: int | None = None) -> dict[str, Any]:
    """``records`` with ``period`` recorded as closed (its fingerprint as a close writes it)."""
    fp = period_fingerprint(sample_store(records=records), period)
    notes = encode_notes(fp) if budget is None else encode_notes(fp, budget)
    out = copy.deepcopy(records)
    out["periods"] = [{"period": period, "status": "closed", "closed_at": dt.datetime(2026, 11, 2, 9),
                       "closed_by": "M01", "data_hash": fp.data_hash, "notes": notes}]
    return out


# -- month arithmetic ---------------------------------------------------------------------------

def test_month_arithmetic() -> None:
    assert bounds("2026-02") == (dt.datetime(2026, 2, 1), dt.datetime(2026, 2, 28))
    assert next_period("2026-12") == "2027-01"
    assert shift("2026-10", -12) == "2025-10"
    assert shift("2026-01", -1) == "2025-12"


@pytest.mark.parametrize("bad", ["2026-13", "2026-1", "26-10", "", None, "2026/10"])
def test_bad_period_is_refused_with_the_value(bad: Any) -> None:
    with pytest.raises(PeriodError) as err:
        check_period(bad)
    assert repr(bad) in str(err.value)


# -- fingerprints -------------------------------------------------------------------------------

def test_fingerprint_counts_the_records_dated_in_the_period() -> None:
    fp = period_fingerprint(sample_store(), "2026-10")
    counts = {s: len(r) for s, r in fp.records.items()}
    # W1-W3 settled, W4 opened (entry columns only); lines of W1-W3; I1, I2, CS1; three counts;
    # the claim; the payment; the backorder.
    assert counts == {"work_orders": 4, "wo_lines": 7, "parts_ledger": 3, "stocktake": 3, "claims": 1,
                      "claim_payments": 1, "backorders": 1}
    assert sorted(fp.records["wo_lines"]) == ["W1|1", "W1|2", "W2|1", "W2|2", "W3|1", "W3|2", "W3|3"]
    assert fp.records["stocktake"]["2026-10-31|P1"].row == 2


def test_fingerprint_ignores_labels_row_order_and_locale() -> None:
    en = period_fingerprint(sample_store("en-US"), "2026-10")
    recs = sample_records("zh-CN")
    recs["wo_lines"].reverse()
    recs["work_orders"] = [{**w, "status": {"settled": "已结算", "in_progress": "在修"}[w["status"]]}
                           for w in recs["work_orders"]]
    zh = period_fingerprint(sample_store(records=recs), "2026-10")
    assert zh.data_hash == en.data_hash


def test_notes_fit_an_excel_cell_for_a_large_month() -> None:
    recs = sample_records()
    recs["parts_ledger"] += [{"txn_id": f"X{i}", "txn_date": D(2026, 10, 1 + i % 28), "part_no": "P1",
                              "txn_type": "receipt", "qty": 1, "unit_cost": 40} for i in range(20000)]
    notes = encode_notes(period_fingerprint(sample_store(records=recs), "2026-10"))
    assert len(notes) <= 30_000
    buckets = decode_notes(notes)
    assert buckets is not None and len(buckets["parts_ledger"]) > 10_000


def test_a_large_months_fingerprint_is_cut_into_cells_of_the_fingerprints_sheet() -> None:
    from addin.periods import FINGERPRINT_BUDGET, FINGERPRINT_CELL, fingerprint_rows

    recs = sample_records()
    recs["parts_ledger"] += [{"txn_id": f"X{i}", "txn_date": D(2026, 10, 1 + i % 28), "part_no": "P1",
                              "txn_type": "receipt", "qty": 1, "unit_cost": 40} for i in range(20000)]
    fp = period_fingerprint(sample_store(records=recs), "2026-10")
    rows = fingerprint_rows(fp)
    text = "".join(r["fingerprint"] for r in rows)
    # 20,022 records at up to 4 buckets each would take 80,088 × 8/3 characters: more than the
    # budget, so the buckets are scaled to fit it, in parts of at most 32,000 characters.
    assert len(text) <= FINGERPRINT_BUDGET and len(rows) == -(-len(text) // FINGERPRINT_CELL) >= 3
    assert [r["part"] for r in rows] == list(range(1, len(rows) + 1))
    assert all(len(r["fingerprint"]) <= 32_000 and r["data_hash"] == fp.data_hash for r in rows)
    buckets = decode_notes(text)
    # Three times the resolution the 30,000-character notes cell had.
    assert buckets is not None and len(buckets["parts_ledger"]) > 30_000


def test_the_sheets_fingerprint_is_read_before_the_notes_and_a_stale_one_is_not() -> None:
    from addin.periods import fingerprint_rows, stored_fingerprint

    store = sample_store()
    fp = period_fingerprint(store, "2026-10")
    rows = fingerprint_rows(fp, cell=100)
    assert len(rows) > 3
    recs = sample_records()
    recs["fingerprints"] = list(reversed(rows)) + [{**rows[0], "period": "2026-09"}]
    with_sheet = sample_store(records=recs)
    assert stored_fingerprint(with_sheet, "2026-10", fp.data_hash, None) == encode_notes(fp, 120_000)
    # Rows of another data_hash (a close since undone) are not this close's fingerprint: the
    # notes of an old workbook are read instead, else there is none.
    assert stored_fingerprint(with_sheet, "2026-10", "0" * 64, "fp1:old") == "fp1:old"
    assert stored_fingerprint(with_sheet, "2026-10", "0" * 64, "22 records closed") is None


# -- changes to a closed period -------------------------------------------------------------------

def test_an_untouched_closed_period_has_no_changes() -> None:
    assert closed_period_changes(sample_store(records=closed(sample_records()))) == []


def test_changing_a_settled_jobs_line_names_sheet_row_and_record() -> None:
    recs = closed(sample_records())
    recs["wo_lines"][6]["qty"] = 4  # W3 line 1, worksheet row 8
    assert closed_period_changes(sample_store(records=recs)) == [Change("2026-10", "wo_lines", 8, "W3|1", "changed")]


def test_added_and_deleted_records_are_named() -> None:
    recs = closed(sample_records())
    recs["parts_ledger"].append({"txn_id": "LATE", "txn_date": D(2026, 10, 20), "part_no": "P3",
                                 "txn_type": "counter_sale", "qty": 1, "unit_price": 30})
    del recs["claim_payments"][0]
    changes = closed_period_changes(sample_store(records=recs))
    assert Change("2026-10", "parts_ledger", 9, "LATE", "added") in changes
    assert Change("2026-10", "claim_payments", None, None, "deleted") in changes
    assert len(changes) == 2


def test_moving_a_settlement_out_of_the_period_is_a_change() -> None:
    recs = closed(sample_records())
    recs["work_orders"][2]["close_date"] = D(2026, 11, 1)  # W1
    changes = closed_period_changes(sample_store(records=recs))
    # W1 still counts as an entry of October, but no longer as settled in it, with its lines.
    assert changes == [Change("2026-10", "work_orders", 4, "W1", "changed"),
                       Change("2026-10", "wo_lines", None, None, "deleted"),
                       Change("2026-10", "wo_lines", None, None, "deleted")]


def test_work_that_continues_after_the_close_is_not_a_change() -> None:
    recs = closed(sample_records())
    w3, w4 = recs["work_orders"][4], recs["work_orders"][5]
    w3["followup_date"], w3["csi_score"] = D(2026, 11, 2), 8  # the 3-day call falls in November
    w4["status"], w4["close_date"] = "settled", D(2026, 11, 3)  # the open job is settled next month
    recs["claims"][0]["status"] = "paid"  # the claim moves on
    recs["backorders"][0]["arrived_date"] = D(2026, 11, 4)
    assert closed_period_changes(sample_store(records=recs)) == []


def test_a_reopened_period_is_not_checked() -> None:
    recs = closed(sample_records())
    recs["periods"][0]["status"] = "open"
    recs["wo_lines"][6]["qty"] = 4
    assert closed_period_changes(sample_store(records=recs)) == []


def test_with_few_buckets_the_changed_record_is_still_among_those_named() -> None:
    recs = closed(sample_records(), budget=220)
    recs["parts_ledger"][5]["qty"] = 3  # I2, worksheet row 7
    changes = closed_period_changes(sample_store(records=recs))
    assert Change("2026-10", "parts_ledger", 7, "I2", "changed") in changes
    assert {c.sheet for c in changes} == {"parts_ledger"}


def test_edited_notes_still_report_the_period_as_changed() -> None:
    recs = closed(sample_records())
    recs["periods"][0]["notes"] = "checked by finance"
    recs["wo_lines"][6]["qty"] = 4
    assert closed_period_changes(sample_store(records=recs)) == [Change("2026-10", "periods", None, "2026-10", "changed")]

"""A small, clean store for the rule tests: one October of a store with three jobs.

``records()`` gives fresh records to mutate; ``findings(records)`` validates them and gives the
findings as a set of (rule, sheet, row, column). Rows are record index + 2.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from addin.rules import validate_store
from addin.store import Store

D = dt.date
VIN1 = "LSVAB2181N2000001"
VIN2 = "LFV3A23C5K3000002"
VIN3 = "LVHRW1869L5000003"

_RECORDS: dict[str, list[dict[str, Any]]] = {
    "roster": [
        {"staff_id": "A1", "name": "Wang Fang", "role": "service_advisor", "hire_date": D(2020, 1, 1)},
        {"staff_id": "T1", "name": "Li Qiang", "role": "technician", "hire_date": D(2020, 1, 1), "piece_rate": 30},
        {"staff_id": "T2", "name": "Zhao Lei", "role": "team_leader", "hire_date": D(2021, 3, 1), "piece_rate": 35},
        {"staff_id": "T3", "name": "Sun Hao", "role": "technician", "hire_date": D(2019, 5, 1),
         "leave_date": D(2026, 9, 30), "piece_rate": 30},
        {"staff_id": "K1", "name": "Chen Jing", "role": "cashier", "hire_date": D(2022, 1, 1)},
    ],
    "vehicles": [
        {"vin": VIN1, "plate": "京A12345", "customer_name": "Liu", "customer_phone": "13800138000",
         "warranty_end_date": D(2028, 12, 31), "warranty_km": 100000, "insurer": "PICC"},
        {"vin": VIN2, "plate": "沪AD12345", "customer_name": "Zhou", "customer_phone": "+86 139-1234-5678",
         "warranty_end_date": D(2027, 6, 30), "warranty_km": 60000},
        {"vin": VIN3, "plate": "粤B12345D", "customer_name": "Wu", "customer_phone": "13612345678"},
    ],
    "parts": [
        {"part_no": "P1", "name": "Oil filter", "category": "oem", "sale_price": 80},
        {"part_no": "P2", "name": "Brake pads", "category": "oem", "sale_price": 450},
    ],
    "work_orders": [
        {"wo_no": "W1", "open_date": D(2026, 10, 2), "close_date": D(2026, 10, 2), "status": "settled",
         "vin": VIN1, "plate": "京A12345", "mileage": 15000, "customer_phone": "13800138000",
         "advisor_id": "A1", "repair_type": "maintenance", "csi_score": 9, "followup_date": D(2026, 10, 4)},
        {"wo_no": "W2", "open_date": D(2026, 10, 5), "close_date": D(2026, 10, 6), "status": "settled",
         "vin": VIN2, "plate": "沪AD12345", "mileage": 30000, "advisor_id": "A1", "repair_type": "warranty"},
        {"wo_no": "W3", "open_date": D(2026, 10, 10), "promised_date": D(2026, 10, 20), "status": "in_progress",
         "vin": VIN1, "mileage": 16000, "advisor_id": "A1", "repair_type": "accident", "insurer": "PICC"},
    ],
    "wo_lines": [
        {"wo_no": "W1", "line_no": 1, "line_type": "labor", "item_code": "OIL", "qty": 1, "unit_price": 200,
         "pay_type": "customer", "technician_id": "T1", "actual_hours": 1},
        {"wo_no": "W1", "line_no": 2, "line_type": "part", "item_code": "P1", "qty": 1, "unit_price": 80,
         "discount_pct": 0.10, "pay_type": "customer"},
        {"wo_no": "W2", "line_no": 1, "line_type": "labor", "item_code": "BRK", "qty": 2, "unit_price": 300,
         "pay_type": "warranty", "technician_id": "T2", "actual_hours": 2.5},
        {"wo_no": "W2", "line_no": 2, "line_type": "part", "item_code": "P2", "qty": 1, "unit_price": 450,
         "pay_type": "warranty"},
        {"wo_no": "W3", "line_no": 1, "line_type": "labor", "item_code": "BODY", "qty": 6, "unit_price": 300,
         "pay_type": "insurance", "technician_id": "T1", "added_item": True, "customer_approved": True},
    ],
    "parts_ledger": [
        {"txn_id": "R1", "txn_date": D(2026, 10, 1), "part_no": "P1", "txn_type": "receipt", "qty": 10, "unit_cost": 30},
        {"txn_id": "R2", "txn_date": D(2026, 10, 1), "part_no": "P2", "txn_type": "receipt", "qty": 2, "unit_cost": 200},
        {"txn_id": "I1", "txn_date": D(2026, 10, 2), "part_no": "P1", "txn_type": "issue", "qty": 1, "wo_no": "W1"},
        {"txn_id": "I2", "txn_date": D(2026, 10, 5), "part_no": "P2", "txn_type": "issue", "qty": 1, "wo_no": "W2"},
        {"txn_id": "S1", "txn_date": D(2026, 10, 8), "part_no": "P2", "txn_type": "counter_sale", "qty": 1,
         "unit_price": 450},
    ],
    "claims": [
        {"claim_no": "C1", "claim_type": "warranty", "wo_no": "W2", "vin": VIN2, "payer": "Manufacturer",
         "submitted_date": D(2026, 10, 7), "status": "paid", "claimed_amount": 1050, "approved_amount": 1000,
         "decided_date": D(2026, 10, 12), "parts_return_required": True, "parts_returned_date": D(2026, 10, 15)},
        {"claim_no": "C2", "claim_type": "insurance", "wo_no": "W3", "vin": VIN1, "payer": "PICC",
         "status": "draft", "claimed_amount": 1800},
    ],
    "claim_payments": [
        {"payment_id": "PY1", "claim_no": "C1", "paid_date": D(2026, 10, 20), "amount": 1000},
    ],
}


def records() -> dict[str, list[dict[str, Any]]]:
    """Fresh clean records (a deep copy: mutate freely)."""
    return copy.deepcopy(_RECORDS)


def store(recs: dict[str, list[dict[str, Any]]], settings: dict[str, Any] | None = None) -> Store:
    return Store.from_records(recs, settings=settings)


def findings(recs: dict[str, list[dict[str, Any]]], period: str | None = None,
             settings: dict[str, Any] | None = None) -> set[tuple[str, str, int | None, str | None]]:
    """Validate ``recs``: the findings as (rule, sheet, row, column)."""
    return {(f.rule, f.sheet, f.row, f.column) for f in validate_store(store(recs, settings), period)}


def edit(sheet: str, index: int, **values: Any) -> Any:
    """A change to one record of ``sheet``, applied to a records dict by the cases below."""
    def apply(recs: dict[str, list[dict[str, Any]]]) -> None:
        recs[sheet][index].update(values)
    return apply


def add(sheet: str, record: dict[str, Any]) -> Any:
    """A record appended to ``sheet``."""
    def apply(recs: dict[str, list[dict[str, Any]]]) -> None:
        recs[sheet].append(record)
    return apply


def both(*edits: Any) -> Any:
    """Several changes applied in order."""
    def apply(recs: dict[str, list[dict[str, Any]]]) -> None:
        for e in edits:
            e(recs)
    return apply

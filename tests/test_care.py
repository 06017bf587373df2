"""The customer care report of the demo store (issue 11): every list in full, in working order,
and the follow-up rows with the customer's phone from the vehicles sheet."""

from __future__ import annotations

import pytest

from addin import demo
from addin.kpis import compute_kpis
from addin.reports import render
from addin.reports.common import ReportData
from addin.store import Store


@pytest.fixture(scope="module")
def care():
    records = demo.generate(size="small", months=13, seed=7)
    settings = {r["key"]: r["value"] for r in records["settings"]}
    store = Store.from_records({k: v for k, v in records.items() if k != "settings"}, settings=settings)
    result = compute_kpis(store, "2026-10")
    wb = render("customer_care", ReportData(store, "2026-10", result))
    return store, result, wb


def _column(ws, header):
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == header:
                return [ws.cell(r, cell.column).value for r in range(cell.row + 1, ws.max_row + 1)]
    raise AssertionError(header)


def test_every_list_is_printed_in_full_in_working_order(care):
    store, result, wb = care
    assert all(not ws.print_area for ws in wb.worksheets)   # no PDF row limit on the work lists
    lapsed_sheet = wb.worksheets[2]
    vins = [v for v in _column(lapsed_sheet, "VIN") if isinstance(v, str) and len(v) == 17]
    assert vins == result.lists["lapsed"] + result.lists["churned"]
    assert len(result.lists["lapsed"]) > 250   # more than the old PDF limit
    assert result.lists["churned"][-1] in vins


def test_followups_take_the_phone_from_the_vehicles_sheet(care):
    store, result, wb = care
    phones = _column(wb.worksheets[0], "Customer phone")[: len(result.lists["followups_due"])]
    cars = store.table("vehicles").set_index("vin")["customer_phone"]
    jobs = store.table("work_orders").set_index("wo_no")
    for no, phone in zip(result.lists["followups_due"], phones):
        has = jobs.at[no, "customer_phone"] or cars.get(jobs.at[no, "vin"])
        assert (phone is not None) == bool(has), no
    assert jobs.loc[result.lists["followups_due"], "repair_type"].isin(("pdi", "internal")).sum() == 0


def test_demo_registers_are_realistic(care):
    store, result, _ = care
    calls = store.table("followups")
    assert (~calls["reached"].astype(bool)).sum() > 100 and calls["satisfaction"].notna().sum() > 1000
    complaints = store.table("complaints")
    assert set(complaints["category"]) >= {"quality", "waiting", "price", "attitude"}
    renewals = store.table("renewals")
    assert set(renewals["outcome"]) == {"pending", "renewed", "lost"}
    assert renewals.loc[renewals["outcome"] == "lost", "lost_reason"].notna().all()
    assert result["renewals_due_count"] == 84 and result["complaints_received"] == 4

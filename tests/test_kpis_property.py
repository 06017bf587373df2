"""Invariants of stock valuation over generated ledgers."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin.stock import valuate_ledger
from addin.tables import records_to_table

KINDS = ["receipt", "return_to_stock", "stocktake_gain", "issue", "counter_sale", "return_to_supplier",
         "stocktake_loss"]


@st.composite
def ledgers(draw, same_cost: float | None = None):
    n = draw(st.integers(1, 40))
    records = []
    for i in range(n):
        kind = draw(st.sampled_from(KINDS))
        cost = same_cost if same_cost is not None else draw(st.integers(1, 500)) / 4
        records.append({
            "txn_id": f"T{i}",
            "txn_date": dt.date(2026, 1, 1) + dt.timedelta(days=draw(st.integers(0, 60))),
            "part_no": draw(st.sampled_from(["P1", "P2", "P3"])),
            "txn_type": kind,
            "qty": float(draw(st.integers(1, 12))),
            "unit_cost": cost if kind == "receipt" else None,
            "wo_no": draw(st.sampled_from([None, "W1", "W2"])),
        })
    if same_cost is not None:
        # Every part starts with a receipt: a gain or return before any receipt has no cost basis
        # (it enters at 0), which is not "every inflow at the same cost".
        for i, part in enumerate(("P1", "P2", "P3")):
            records.insert(0, {"txn_id": f"R{i}", "txn_date": dt.date(2026, 1, 1), "part_no": part,
                               "txn_type": "receipt", "qty": 1.0, "unit_cost": same_cost, "wo_no": None})
    return records


def _flows(v, part):
    m = v.movements[v.movements["part_no"] == part]
    return float((m["sign"] * m["qty"]).sum()), float((m["sign"] * m["value"]).sum())


@settings(max_examples=150, deadline=None)
@given(ledgers(), st.sampled_from(["fifo", "moving_average"]))
def test_stock_is_conserved(records, method):
    v = valuate_ledger(records_to_table("parts_ledger", records), method)
    at = v.stock_at("2026-12-31")
    for part in at.index:
        qty_in_out, value_in_out = _flows(v, part)
        assert at.loc[part, "qty"] == pytest.approx(qty_in_out, abs=1e-9)
        assert at.loc[part, "value"] == pytest.approx(value_in_out, abs=1e-6)
    if (v.movements["qty_after"] >= 0).all():
        # without a shortfall every movement is valued at a non-negative cost
        assert np.all(v.movements["value"].to_numpy() >= -1e-9)


@settings(max_examples=150, deadline=None)
@given(ledgers(same_cost=12.5))
def test_fifo_and_moving_average_agree_when_every_receipt_costs_the_same(records):
    table = records_to_table("parts_ledger", records)
    fifo = valuate_ledger(table, "fifo").movements
    avg = valuate_ledger(table, "moving_average").movements
    assert fifo["unit_cost"].to_numpy() == pytest.approx(avg["unit_cost"].to_numpy(), abs=1e-9)
    assert fifo["value_after"].to_numpy() == pytest.approx(avg["value_after"].to_numpy(), abs=1e-9)

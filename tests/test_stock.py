"""Stock valuation: unit costs of every movement, stock at a date, job costs, COGS, shortfalls."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from addin.stock import valuate, valuate_ledger
from addin.store import Store
from addin.tables import records_to_table

AP = pytest.approx


def _mv(txn_id, date, part, kind, qty, **kw):
    return {"txn_id": txn_id, "txn_date": date, "part_no": part, "txn_type": kind, "qty": qty, **kw}


# One part through every kind of movement. Ties on 2026-10-05 are processed in sheet order.
LEDGER = [
    _mv("R1", "2026-10-01", "P1", "receipt", 5, unit_cost=100),
    _mv("R2", "2026-10-02", "P1", "receipt", 5, unit_cost=120),
    _mv("I1", "2026-10-03", "P1", "issue", 6, wo_no="W1"),
    _mv("I2", "2026-10-05", "P1", "issue", 1, wo_no="W2"),
    _mv("S1", "2026-10-05", "P1", "return_to_stock", 2, wo_no="W1"),
    _mv("G1", "2026-10-06", "P1", "stocktake_gain", 1),
    _mv("C1", "2026-10-07", "P1", "counter_sale", 2, unit_price=200),
    _mv("X1", "2026-10-08", "P1", "return_to_supplier", 1),
    _mv("L1", "2026-10-09", "P1", "stocktake_loss", 1),
]


def _valued(records, method):
    return valuate_ledger(records_to_table("parts_ledger", records), method)


def test_fifo_unit_costs():
    v = _valued(LEDGER, "fifo")
    m = v.movements.set_index("txn_id")
    # I1 takes 5 @ 100 + 1 @ 120; layers then [4 @ 120].
    assert m.loc["I1", "value"] == AP(5 * 100 + 120)
    assert m.loc["I2", "unit_cost"] == AP(120)                     # layers [3 @ 120]
    # S1 returns at the average of W1's issues: 620 / 6; layers [3 @ 120, 2 @ 103.33]
    assert m.loc["S1", "unit_cost"] == AP(620 / 6)
    # G1 at the current average: (360 + 2 × 620/6) / 5
    avg = (360 + 2 * 620 / 6) / 5
    assert m.loc["G1", "unit_cost"] == AP(avg)                     # layers [3@120, 2@103.3, 1@avg]
    assert m.loc["C1", "value"] == AP(240)
    assert m.loc["X1", "value"] == AP(120)
    assert m.loc["L1", "value"] == AP(620 / 6)
    assert v.on_hand("P1", "2026-10-09") == (2.0, AP(620 / 6 + avg))
    assert v.on_hand("P1", "2026-10-02") == (10.0, AP(1100))
    assert v.on_hand("P1", "2026-09-30") == (0.0, 0.0)
    assert v.on_hand("NOPE", "2026-10-09") == (0.0, 0.0)


def test_moving_average_unit_costs():
    v = _valued(LEDGER, "moving_average")
    m = v.movements.set_index("txn_id")
    assert m.loc["I1", "unit_cost"] == AP(110)                     # 10 @ 110 → 4 @ 110
    assert m.loc["I2", "unit_cost"] == AP(110)                     # 3 @ 110
    assert m.loc["S1", "unit_cost"] == AP(110)                     # W1's issue average → 5 @ 110
    assert m.loc["G1", "unit_cost"] == AP(110)                     # 6 @ 110
    assert m.loc["C1", "value"] == AP(220)
    assert v.on_hand("P1", "2026-10-09") == (2.0, AP(220))
    assert v.average_cost("P1", "2026-10-09") == AP(110)
    assert v.average_cost("P1", "2026-09-30") is None


def test_return_without_issue_and_gain_at_zero_stock():
    records = [
        _mv("R1", "2026-10-01", "P1", "receipt", 2, unit_cost=50),
        _mv("R2", "2026-10-02", "P1", "receipt", 2, unit_cost=70),
        _mv("I1", "2026-10-03", "P1", "issue", 4, wo_no="W1"),
        _mv("G1", "2026-10-04", "P1", "stocktake_gain", 1),          # zero stock: last receipt 70
        _mv("S1", "2026-10-05", "P1", "return_to_stock", 1, wo_no="W9"),  # no issue to W9: average 70
    ]
    for method in ("fifo", "moving_average"):
        m = _valued(records, method).movements.set_index("txn_id")
        assert m.loc["G1", "unit_cost"] == AP(70)
        assert m.loc["S1", "unit_cost"] == AP(70)


def test_ties_in_sheet_order():
    records = [
        _mv("I1", "2026-10-01", "P1", "issue", 1, wo_no="W1"),      # row 2: before the receipt
        _mv("R1", "2026-10-01", "P1", "receipt", 3, unit_cost=10),
    ]
    m = _valued(records, "fifo").movements
    assert list(m["txn_id"]) == ["I1", "R1"]
    assert list(m["qty_after"]) == [-1.0, 2.0]


@pytest.mark.parametrize("method", ["fifo", "moving_average"])
def test_outflow_beyond_stock_does_not_crash_and_conserves(method):
    records = [
        _mv("R1", "2026-10-01", "P1", "receipt", 2, unit_cost=10),
        _mv("I1", "2026-10-02", "P1", "issue", 5, wo_no="W1"),        # 2 exist, 3 short at average 10
        _mv("R2", "2026-10-03", "P1", "receipt", 1, unit_cost=40),    # still 2 short
        _mv("R3", "2026-10-04", "P1", "receipt", 4, unit_cost=16),    # settles; 2 left
        _mv("I2", "2026-10-05", "P1", "issue", 2, wo_no="W2"),
    ]
    v = _valued(records, method)
    m = v.movements.set_index("txn_id")
    assert m.loc["I1", "value"] == AP(50)
    assert v.on_hand("P1", "2026-10-03") == (-2.0, AP(20 - 50 + 40))
    # after R3: 2 units hold the whole value 20 − 50 + 40 + 64 = 74
    assert v.on_hand("P1", "2026-10-04") == (2.0, AP(74))
    assert m.loc["I2", "value"] == AP(74)
    assert v.on_hand("P1", "2026-10-05") == (0.0, AP(0, abs=1e-9))


def test_invalid_movements_are_skipped():
    records = [
        _mv("R1", "2026-10-01", "P1", "receipt", 2, unit_cost=10),
        _mv("B1", None, "P1", "issue", 1),
        _mv("B2", "2026-10-02", "P1", "issue", -1),
        _mv("B3", "2026-10-02", "P1", "teleport", 1),
    ]
    v = _valued(records, "fifo")
    assert list(v.movements["txn_id"]) == ["R1"]


def test_job_costs_cogs_and_stock_at():
    records = LEDGER + [_mv("R9", "2026-10-01", "P2", "receipt", 1, unit_cost=7)]
    v = _valued(records, "fifo")
    jobs = v.job_parts_cost()
    assert jobs["W1"] == AP(620 - 2 * 620 / 6)
    assert jobs["W2"] == AP(120)
    assert v.job_parts_cost("2026-10-04")["W1"] == AP(620)
    # COGS: issues + counter sale − return (supplier returns and losses are not cost of sales)
    assert v.cogs("2026-10-01", "2026-10-31") == AP(620 + 120 + 240 - 2 * 620 / 6)
    at = v.stock_at("2026-10-02")
    assert at.loc["P1", "qty"] == 10 and at.loc["P2", "value"] == 7
    assert v.stock_value("2026-10-02") == AP(1107)


def test_valuate_uses_settings_method():
    store = Store.from_records({"parts_ledger": LEDGER}, settings={"valuation_method": "moving_average"})
    assert valuate(store).method == "moving_average"
    assert valuate(store, "fifo").method == "fifo"
    with pytest.raises(ValueError):
        valuate(store, "lifo")  # type: ignore[arg-type]


@pytest.mark.parametrize("method", ["fifo", "moving_average"])
def test_sixty_thousand_movements_are_fast(method):
    rng = np.random.default_rng(1)
    n = 60_000
    parts = [f"P{i:04d}" for i in rng.integers(0, 1500, n)]
    kinds = np.where(rng.random(n) < 0.4, "receipt", "issue")
    table = records_to_table("parts_ledger", [
        {"txn_id": f"T{i}", "txn_date": pd.Timestamp("2026-01-01") + pd.Timedelta(days=int(i * 365 / n)),
         "part_no": parts[i], "txn_type": kinds[i], "qty": float(rng.integers(1, 5)),
         "unit_cost": float(rng.integers(10, 100)), "wo_no": f"W{i // 3}"}
        for i in range(n)])
    t = time.perf_counter()
    v = valuate_ledger(table, method)
    elapsed = time.perf_counter() - t
    assert len(v.movements) == n
    assert elapsed < 2.0, elapsed  # typically 0.3-0.6 s; the bar is "well under a second or two"

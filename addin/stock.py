"""Stock valuation of the parts ledger: FIFO or moving average, as KPIS.md defines them.

Movements are processed by ``txn_date``, ties in sheet order (``_row``). Every movement gets a
unit cost and a value; every part has a quantity and a value after every movement, so the stock
of any part (or of all parts) at the end of any day is a lookup.

Rules (KPIS.md "Stock valuation"):

* a receipt enters at its ``unit_cost`` (blank = 0, a validation error);
* a return_to_stock enters at the average unit cost of that part's earlier issue movements to the
  same job, or, without any, at the part's current average cost;
* a stocktake_gain enters at the part's current average cost;
* FIFO: every inflow is a cost layer at the end of the queue, outflows consume the oldest layers;
  moving average: every inflow re-averages, outflows leave at the current average.

The "current average cost" of a part is its stock value ÷ its quantity while the quantity is
positive; at zero (or negative) stock it is the unit cost of its last receipt (0 before any).

Negative stock is a validation error, but valuation must still give figures: an outflow beyond
the stock consumes what exists and costs the rest at the current average; the part's quantity
and value then go negative. The next inflow first settles that shortfall; if it leaves stock, the
remaining quantity becomes one layer carrying the part's whole remaining value, so that value is
conserved (on hand = inflows − outflows, in quantity and in value) in every case.
Movements without a date, part, known type or positive quantity are not valued (validation
reports them); they get NaN cost and do not change the stock.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd

from addin.models import INFLOW_TYPES, OUTFLOW_TYPES
from addin.store import Store

Method = Literal["fifo", "moving_average"]
METHODS: tuple[Method, ...] = ("fifo", "moving_average")

# Tolerance below which a float quantity counts as zero (quantities are entered with few decimals).
_EPS = 1e-9


@dataclass
class Valuation:
    """The valued parts ledger.

    ``movements``: one row per valued movement in processing order, columns ``txn_id``,
    ``txn_date``, ``part_no``, ``txn_type``, ``qty``, ``wo_no``, ``unit_price``, ``_row``,
    ``sign`` (+1 in, −1 out), ``unit_cost`` (the valued unit cost), ``value`` (qty × unit cost,
    positive), ``qty_after`` and ``value_after`` (the part's stock after the movement).
    """

    method: Method
    movements: pd.DataFrame

    # -- stock at a date -----------------------------------------------------------------------

    def stock_at(self, date: object) -> pd.DataFrame:
        """Every part that has moved by the end of ``date``: DataFrame indexed by part_no with
        ``qty`` and ``value`` (parts with zero stock included)."""
        m = self.movements
        day = pd.Timestamp(date).normalize()
        upto = m.loc[m["txn_date"].to_numpy() <= day.to_datetime64(), ["part_no", "qty_after", "value_after"]]
        last = upto.drop_duplicates("part_no", keep="last").set_index("part_no")
        return last.rename(columns={"qty_after": "qty", "value_after": "value"})

    def stock_value(self, date: object) -> float:
        """Value of all stock at the end of ``date``."""
        return float(self.stock_at(date)["value"].sum())

    def on_hand(self, part_no: str, date: object) -> tuple[float, float]:
        """(quantity, value) of one part at the end of ``date``; (0, 0) before its first movement."""
        m = self.movements
        day = pd.Timestamp(date).normalize().to_datetime64()
        mine = m[(m["part_no"].to_numpy() == part_no) & (m["txn_date"].to_numpy() <= day)]
        if mine.empty:
            return 0.0, 0.0
        return float(mine["qty_after"].iloc[-1]), float(mine["value_after"].iloc[-1])

    def average_cost(self, part_no: str, date: object) -> float | None:
        """Average unit cost of a part's stock at the end of ``date`` (None when none is held)."""
        qty, value = self.on_hand(part_no, date)
        return value / qty if qty > _EPS else None

    # -- costs ---------------------------------------------------------------------------------

    @cached_property
    def _job_movements(self) -> pd.DataFrame:
        m = self.movements
        sel = m.loc[m["txn_type"].isin(("issue", "return_to_stock")).to_numpy() & m["wo_no"].notna().to_numpy()]
        signed = np.where(sel["txn_type"].to_numpy() == "issue", 1.0, -1.0) * sel["value"].to_numpy()
        return pd.DataFrame({"txn_date": sel["txn_date"], "wo_no": sel["wo_no"],
                             "cost": pd.Series(signed, index=sel.index)})

    @cached_property
    def _job_costs(self) -> pd.Series:
        return self._job_movements.groupby("wo_no", sort=False)["cost"].sum()

    def job_parts_cost(self, up_to: object | None = None) -> pd.Series:
        """Parts cost per job (wo_no): cost of issues − cost of returns to stock, all dates or
        movements dated up to the end of ``up_to``."""
        if up_to is None:
            return self._job_costs
        j = self._job_movements
        sel = j.loc[j["txn_date"].to_numpy() <= pd.Timestamp(up_to).normalize().to_datetime64()]
        return sel.groupby("wo_no", sort=False)["cost"].sum()

    def cogs(self, start: object, end: object) -> float:
        """Cost of issue + counter_sale − return_to_stock movements dated from ``start`` to
        ``end`` inclusive (KPIS.md parts_cogs)."""
        m = self.movements
        d = m["txn_date"].to_numpy()
        mask = (d >= pd.Timestamp(start).normalize().to_datetime64()) & (
            d <= pd.Timestamp(end).normalize().to_datetime64())
        sel = m.loc[mask]
        t = sel["txn_type"].to_numpy()
        sign = np.where((t == "issue") | (t == "counter_sale"), 1.0, np.where(t == "return_to_stock", -1.0, 0.0))
        return float((sign * sel["value"].to_numpy()).sum())


def _valid_mask(ledger: pd.DataFrame) -> np.ndarray:
    known = ledger["txn_type"].isin(INFLOW_TYPES | OUTFLOW_TYPES).to_numpy()
    qty = ledger["qty"].to_numpy(dtype="float64")
    return (ledger["txn_date"].notna().to_numpy() & ledger["part_no"].notna().to_numpy() & known
            & (qty > 0))


def valuate_ledger(ledger: pd.DataFrame, method: Method = "fifo") -> Valuation:
    """Value a typed parts_ledger table (see :mod:`addin.tables`) by ``method``."""
    if method not in METHODS:
        raise ValueError(f"unknown valuation method {method!r}")
    cols = ["txn_id", "txn_date", "part_no", "txn_type", "qty", "unit_cost", "unit_price", "wo_no", "_row"]
    led = ledger.loc[_valid_mask(ledger), cols]
    led = led.sort_values(["txn_date", "_row"], kind="stable").reset_index(drop=True)
    parts = led["part_no"].tolist()
    types = led["txn_type"].tolist()
    qtys = led["qty"].to_numpy(dtype="float64").tolist()
    costs = np.nan_to_num(led["unit_cost"].to_numpy(dtype="float64"), nan=0.0).tolist()
    jobs = led["wo_no"].tolist()
    out_cost: list[float] = []
    out_value: list[float] = []
    out_qty: list[float] = []
    out_val: list[float] = []
    fifo = method == "fifo"
    inflows = INFLOW_TYPES

    # Per part: [quantity, value, last receipt's unit cost, FIFO layers [[qty, unit cost], ...]].
    state: dict[str, list] = {}
    issued: dict[tuple[str, str], list[float]] = {}  # (part, job) -> [qty, cost] of issues so far

    for part, kind, q, receipt_cost, job in zip(parts, types, qtys, costs, jobs):
        st = state.get(part)
        if st is None:
            st = state[part] = [0.0, 0.0, 0.0, deque()]
        have, value, last_receipt, layers = st
        average = value / have if have > _EPS else last_receipt
        if kind in inflows:
            if kind == "receipt":
                unit = receipt_cost
                st[2] = unit
            elif kind == "return_to_stock":
                prior = issued.get((part, job)) if job is not None else None
                unit = prior[1] / prior[0] if prior is not None and prior[0] > _EPS else average
            else:  # stocktake_gain
                unit = average
            cost = q * unit
            new_qty = have + q
            new_value = value + cost
            if fifo:
                if have >= -_EPS:
                    layers.append([q, unit])
                elif new_qty > _EPS:
                    # Settles a shortfall: what remains is one layer holding the whole value.
                    layers.append([new_qty, new_value / new_qty])
        else:
            if fifo:
                need = q
                cost = 0.0
                while need > _EPS and layers:
                    layer = layers[0]
                    if layer[0] <= need + _EPS:
                        cost += layer[0] * layer[1]
                        need -= layer[0]
                        layers.popleft()
                    else:
                        cost += need * layer[1]
                        layer[0] -= need
                        need = 0.0
                if need > _EPS:
                    cost += need * average
            elif -_EPS <= q - have <= _EPS:
                cost = value  # the last units take the exact remaining value: no float residue
            else:
                cost = q * average
            unit = cost / q
            new_qty = have - q
            new_value = value - cost
            if kind == "issue" and job is not None:
                acc = issued.get((part, job))
                if acc is None:
                    issued[(part, job)] = [q, cost]
                else:
                    acc[0] += q
                    acc[1] += cost
        if -_EPS <= new_qty <= _EPS:
            new_qty = 0.0
        st[0] = new_qty
        st[1] = new_value
        out_cost.append(unit)
        out_value.append(cost)
        out_qty.append(new_qty)
        out_val.append(new_value)

    led["sign"] = np.where(led["txn_type"].isin(INFLOW_TYPES).to_numpy(), 1, -1)
    led["unit_cost"] = np.asarray(out_cost, dtype="float64")
    led["value"] = np.asarray(out_value, dtype="float64")
    led["qty_after"] = np.asarray(out_qty, dtype="float64")
    led["value_after"] = np.asarray(out_val, dtype="float64")
    return Valuation(method, led)


def valuate(store: Store, method: Method | None = None) -> Valuation:
    """Value the store's parts ledger by ``method`` (default: settings.valuation_method)."""
    return valuate_ledger(store.table("parts_ledger"), method or store.settings.valuation_method)

"""Parts report: stock and valuation, movement summary 进销存 (opening, in, out, closing per part),
slow-moving and obsolete stock, parts below safety stock with a reorder suggestion, and the
stocktake variances of the month."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from addin import sets
from addin.i18n import Text
from addin.reports.common import KPI_COLUMNS, ReportData, bar_chart, chart_data, col_label
from addin.reports.engine import Column, Context, Filled, Table

NAME = "parts"
TITLE = Text("Parts report", "配件报表")

STOCK_KPIS = ["stock_value_open", "stock_value_close", "parts_cogs", "counter_sales_revenue", "stock_turnover",
              "stock_days", "slow_moving_value", "obsolete_value", "slow_moving_ratio", "below_safety_count",
              "fill_rate", "stocktake_accuracy", "wip_parts_value"]

LABELS = {
    "title_parts": TITLE,
    "sheet_summary": Text("Summary", "汇总"),
    "sheet_movements": Text("Movements", "进销存"),
    "sheet_reorder": Text("Reorder", "补货建议"),
    "sheet_stocktake": Text("Stocktake", "盘点差异"),
    "sheet_charts": Text("Charts", "图表"),
    "movements": Text("Movement summary (opening, in, out, closing)", "进销存汇总（期初、入库、出库、期末）"),
    "aged": Text("Slow-moving and obsolete stock", "滞销与呆滞库存"),
    "reorder": Text("Below safety stock: reorder suggestion", "低于安全库存：补货建议"),
    "stocktake": Text("Stocktake variances", "盘点差异"),
    "method_note": Text("Valuation: {method}", "计价方法：{method}"),
}

T_FIFO = Text("FIFO", "先进先出")
T_MOVING = Text("moving average", "移动加权平均")
T_SLOW = Text("Slow-moving", "滞销")
T_OBSOLETE = Text("Obsolete", "呆滞")
_QTY = "number"


def _movement_rows(data: ReportData) -> tuple[list[list[Any]], list[Any], list[list[Any]]]:
    """进销存 per part, plus the slow-moving/obsolete rows."""
    v = data.valuation
    m = v.movements
    names = data.store.table("parts").drop_duplicates("part_no").set_index("part_no")["name"]
    opening = v.stock_at(data.start - pd.Timedelta(days=1))
    closing = v.stock_at(data.end)
    d = m["txn_date"].to_numpy()
    inside = m[(d >= data.start.to_datetime64()) & (d <= data.end.to_datetime64())]
    flows = inside.assign(q=inside["qty"], val=inside["value"]).groupby(["part_no", "sign"])[["q", "val"]].sum()
    parts = sorted(set(opening.index) | set(closing.index) | set(inside["part_no"]))
    # Looked up per part in dicts (pandas' .at costs tens of microseconds a lookup, eight a part).
    opening_qv = _by_key(opening["qty"], opening["value"])
    closing_qv = _by_key(closing["qty"], closing["value"])
    flows_qv = _by_key(flows["q"], flows["val"])
    rows: list[list[Any]] = []
    for p in parts:
        oq, ov = opening_qv.get(p, (0.0, 0.0))
        cq, cv = closing_qv.get(p, (0.0, 0.0))
        iq, iv = flows_qv.get((p, 1), (0.0, 0.0))
        xq, xv = flows_qv.get((p, -1), (0.0, 0.0))
        if not any((oq, iq, xq, cq)):
            continue
        rows.append([p, names.get(p), oq, ov, iq, iv, xq, xv, cq, cv])
    total = [Text("Total", "合计")(data.locale), None] + [
        sum(r[i] for r in rows) if i % 2 == 1 else None for i in range(2, 10)]

    # Slow-moving/obsolete, as KPIS.md's slow_moving_value: in stock at the end of P with no issue
    # or counter sale after (end − days); a part never issued counts from its first inflow.
    upto = m[d <= data.end.to_datetime64()]
    out_dates = upto[upto["txn_type"].isin(("issue", "counter_sale"))].groupby("part_no")["txn_date"].max()
    first_in = upto[upto["sign"] > 0].groupby("part_no")["txn_date"].min()
    s = data.store.settings
    aged: list[list[Any]] = []
    for p, (q, val) in closing_qv.items():
        if q <= 1e-9:
            continue
        since = out_dates.get(p, pd.NaT)
        ref = since if not pd.isna(since) else first_in.get(p, pd.NaT)
        if pd.isna(ref):
            continue
        idle = int((data.end - ref).days)
        if idle >= s.obsolete_days:
            status = T_OBSOLETE(data.locale)
        elif idle >= s.slow_moving_days:
            status = T_SLOW(data.locale)
        else:
            continue
        aged.append([p, names.get(p), q, val, None if pd.isna(since) else since, idle, status])
    aged.sort(key=lambda r: -r[5])
    return rows, total, aged


def _by_key(qty: pd.Series, value: pd.Series) -> dict[Any, tuple[float, float]]:
    """Index label -> (quantity, value) as floats, in the index's order."""
    return dict(zip(qty.index, zip(map(float, qty.tolist()), map(float, value.tolist()))))


def _reorder_rows(data: ReportData) -> list[list[Any]]:
    parts = data.store.table("parts").drop_duplicates("part_no")
    closing = data.valuation.stock_at(data.end)
    rows = []
    for r in parts.to_dict("records"):
        if r["active"] is False or pd.isna(r["safety_stock"]):
            continue
        q = float(closing.at[r["part_no"], "qty"]) if r["part_no"] in closing.index else 0.0
        safety = float(r["safety_stock"])
        if q >= safety:
            continue
        short = safety - q
        lot = r["reorder_qty"]
        # Order whole lots of reorder_qty when one is set, else just the shortfall.
        suggest = math.ceil(short / lot - 1e-9) * lot if not pd.isna(lot) and lot > 0 else short
        rows.append([r["part_no"], r["name"], r["supplier"], q, safety, None if pd.isna(lot) else lot, suggest])
    return rows


def _stocktake_rows(data: ReportData) -> list[list[Any]]:
    """The counts of the month: book quantity before the count was posted (as stocktake_accuracy
    counts it), counted, variance and its value at the posting's unit cost."""
    counts = data.store.table("stocktake")
    counts = counts[(counts["count_date"] >= data.start) & (counts["count_date"] <= data.end)]
    counts = counts.sort_values(["count_date", "part_no"])
    m = data.valuation.movements
    names = data.store.table("parts").drop_duplicates("part_no").set_index("part_no")["name"]
    books = sets.book_quantities(m, counts["part_no"], counts["count_date"], before_posting=True)
    records = counts.to_dict("records")
    postings = [sets.stocktake_txn_id(c["count_date"], c["part_no"]) for c in records]
    # The unit cost of each count's posting: its first movement's (one look-up, not a scan per count).
    posted = m.loc[m["txn_id"].isin(postings).to_numpy(), ["txn_id", "unit_cost"]].drop_duplicates("txn_id")
    unit_of = dict(zip(posted["txn_id"], posted["unit_cost"]))
    rows = []
    for c, book, posting in zip(records, books, postings):
        book = float(book)
        variance = float(c["counted_qty"]) - book
        if posting in unit_of:
            unit = float(unit_of[posting])
        else:
            unit = data.valuation.average_cost(c["part_no"], c["count_date"]) or 0.0
        rows.append([c["count_date"], c["part_no"], names.get(c["part_no"]), book, float(c["counted_qty"]),
                     variance, unit, variance * unit])
    return rows


def context(data: ReportData) -> Context:
    """Fill values for the parts template."""
    ctx = data.base_context()
    ctx.labels.update(LABELS)
    loc = data.locale
    method = data.store.settings.valuation_method
    ctx.values["method_note"] = LABELS["method_note"](loc, method=(T_FIFO if method == "fifo" else T_MOVING)(loc))
    ctx.tables["kpis"] = Table(KPI_COLUMNS, data.kpi_table(STOCK_KPIS))
    rows, total, aged = _movement_rows(data)
    pn, name = col_label("parts", "part_no"), col_label("parts", "name")
    ctx.tables["movements"] = Table(
        [Column("part_no", pn), Column("name", name),
         Column("open_qty", Text("Opening qty", "期初数量"), _QTY), Column("open_value", Text("Opening value", "期初金额"), "money"),
         Column("in_qty", Text("In qty", "入库数量"), _QTY), Column("in_value", Text("In value", "入库金额"), "money"),
         Column("out_qty", Text("Out qty", "出库数量"), _QTY), Column("out_value", Text("Out value", "出库金额"), "money"),
         Column("close_qty", Text("Closing qty", "期末数量"), _QTY), Column("close_value", Text("Closing value", "期末金额"), "money")],
        rows, total)
    ctx.tables["aged"] = Table(
        [Column("part_no", pn), Column("name", name), Column("qty", Text("On hand", "库存数量"), _QTY),
         Column("value", Text("Value", "库存金额"), "money"), Column("last_out", Text("Last issue or sale", "最后出库日期"), "date"),
         Column("days", Text("Days without outflow", "未出库天数"), "count"), Column("status", Text("Status", "状态"))], aged)
    ctx.tables["reorder"] = Table(
        [Column("part_no", pn), Column("name", name), Column("supplier", col_label("parts", "supplier")),
         Column("qty", Text("On hand", "库存数量"), _QTY), Column("safety", col_label("parts", "safety_stock"), _QTY),
         Column("lot", col_label("parts", "reorder_qty"), _QTY), Column("suggest", Text("Suggested order", "建议订货量"), _QTY)],
        _reorder_rows(data))
    ctx.tables["stocktake"] = Table(
        [Column("count_date", col_label("stocktake", "count_date"), "date"), Column("part_no", pn), Column("name", name),
         Column("book", Text("Book qty", "账面数量"), _QTY), Column("counted", col_label("stocktake", "counted_qty"), _QTY),
         Column("variance", Text("Variance", "差异数量"), _QTY), Column("unit_cost", Text("Unit cost", "单位成本"), "money"),
         Column("variance_value", Text("Variance value", "差异金额"), "money")],
        _stocktake_rows(data))
    return ctx


def charts(filled: Filled, ctx: Context, data: ReportData) -> None:
    """Opening against closing value of the ten parts with the highest closing value."""
    table = ctx.tables["movements"]
    if not table.rows:
        return
    top = sorted(table.rows, key=lambda r: -r[9])[:10]
    loc = data.locale
    # Bars labelled with the part's name (its number when it has none); the data on the hidden sheet.
    pos = chart_data(filled, [Text("Part", "配件")(loc), Text("Opening value", "期初金额")(loc),
                              Text("Closing value", "期末金额")(loc)],
                     [[r[1] or r[0], r[3], r[9]] for r in top], ("text", "money", "money"))
    bar_chart(filled, pos, "c0", ["c1", "c2"], Text("Stock value, top 10 parts", "库存金额前十配件")(loc),
              "A3", horizontal=True, width=22, height=12)

"""Rules of the parts ledger (配件台账): every stock movement, replayed in date order, and the
parts issued to each job against the parts billed on it."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from addin.i18n import Text
from addin.models import INFLOW_TYPES
from addin.rules.registry import EPS, Context, Fragment, Hit, hits_where, in_key_order, lookup, rule

JOB_MOVEMENTS = ("issue", "return_to_stock")


@rule("PL-QTY", "error", "parts_ledger", message=Text(
    "a movement's quantity must be above zero (the type gives the direction); correct it.",
    "出入库数量须大于0（方向由类型决定）；请更正。"))
def ledger_qty(ctx: Context) -> Iterator[Hit]:
    """qty is above zero: the movement type says whether stock goes in or out."""
    pl = ctx.table("parts_ledger")
    bad = pl["qty"] <= 0
    yield from hits_where(pl, bad, "qty")


@rule("PL-COST", "error", "parts_ledger", message=Text(
    "a receipt needs its ex-tax unit cost above zero (from the supplier's delivery note or "
    "invoice); without it stock cannot be valued.",
    "采购入库须填写大于0的不含税单位成本（见供应商送货单或发票），否则无法核算库存成本。"))
def ledger_cost(ctx: Context) -> Iterator[Hit]:
    """Receipts carry unit_cost above zero (ex-tax purchase cost)."""
    pl = ctx.table("parts_ledger")
    bad = (pl["txn_type"] == "receipt") & ~(pl["unit_cost"] > 0)
    yield from hits_where(pl, bad, "unit_cost")


@rule("PL-WO", "error", "parts_ledger", message=Text(
    "{reason}; parts are issued to (and returned from) a job that is not cancelled, between its "
    "open date and its settlement.",
    "{reason}；维修领料和退料须对应未取消的工单，且日期在开单日与结算日之间。"))
def ledger_work_order(ctx: Context) -> Iterator[Hit]:
    """Issues and returns to stock name a work order that is not cancelled, and are dated on or
    after its open date and, once settled, not after its close date."""
    pl = ctx.table("parts_ledger")
    moves = pl[pl["txn_type"].isin(JOB_MOVEMENTS)]
    if not len(moves):
        return
    for row in moves.loc[moves["wo_no"].isna(), "_row"]:
        yield Hit(int(row), "wo_no", None, {"reason": Fragment(Text("no work order is given", "未填写工单号"))})
    jobs = ctx.jobs
    known = moves[moves["wo_no"].isin(set(jobs.index))]
    job = lookup(jobs, known["wo_no"], ("status", "open_date", "close_date"))
    status, opened, closed = job["status"], job["open_date"], job["close_date"]
    cancelled = Fragment(Text("that job is cancelled", "该工单已取消"))
    for rec in known[status == "cancelled"].to_dict("records"):
        yield Hit(rec["_row"], "wo_no", rec["wo_no"], {"reason": cancelled})
    # A job whose own dates were reported is not used to judge the movement's date.
    wo = ctx.table("work_orders")
    doubtful = set(wo.loc[wo["_row"].isin(ctx.flagged_rows("work_orders", ("open_date", "close_date"))), "wo_no"])
    judged = (status != "cancelled") & ~known["wo_no"].isin(doubtful)
    early = judged & (known["txn_date"] < opened)
    late = judged & (known["txn_date"] > closed)
    for rec, o in zip(known[early].to_dict("records"), opened[early]):
        yield Hit(rec["_row"], "txn_date", rec["txn_date"], {"reason": Fragment(Text(
            "job {wo} opened later, on {date}", "工单 {wo} 在 {date} 才开单"), {"wo": rec["wo_no"], "date": o})})
    for rec, c in zip(known[late].to_dict("records"), closed[late]):
        yield Hit(rec["_row"], "txn_date", rec["txn_date"], {"reason": Fragment(Text(
            "job {wo} was settled earlier, on {date}", "工单 {wo} 已于 {date} 结算"), {"wo": rec["wo_no"], "date": c})})


@rule("PL-NEGATIVE", "error", "parts_ledger", message=Text(
    "this movement takes part {part} below zero: {before} in stock, {after} after it (movements "
    "in date order); enter the missing receipt or correct the quantity or date.",
    "此笔出库使配件 {part} 库存为负：出库前 {before}，出库后 {after}（按日期顺序）；请补录漏记的入库，或更正数量或日期。"))
def ledger_negative(ctx: Context) -> Iterator[Hit]:
    """Stock never goes below zero: the ledger is replayed per part by txn_date, ties in sheet
    order, over all periods; the movement that takes stock below zero is reported."""
    pl = ctx.table("parts_ledger")
    pl = pl[pl["part_no"].notna() & pl["txn_date"].notna() & pl["txn_type"].notna() & (pl["qty"] > 0)]
    if not len(pl):
        return
    pl, part = in_key_order(pl, "part_no", "txn_date")
    signed = np.where(pl["txn_type"].isin(INFLOW_TYPES), pl["qty"], -pl["qty"])
    after = pd.Series(signed, index=pl.index).groupby(part).cumsum()
    before = after - signed
    bad = (after < -EPS) & (before >= -EPS)
    for rec, b, a in zip(pl[bad].to_dict("records"), before[bad], after[bad]):
        yield Hit(rec["_row"], "qty", rec["qty"], {"part": rec["part_no"], "before": float(b), "after": float(a)})


# Cells whose finding makes a movement or a line unusable for matching issues to billing.
_LEDGER_INPUTS = ("wo_no", "part_no", "qty", "txn_type", "txn_date")
_LINE_INPUTS = ("wo_no", "item_code", "qty", "line_type", "declined")


def _issued_and_billed(ctx: Context) -> pd.DataFrame:
    return ctx.memo("issued_and_billed", lambda: _match_issues(ctx))


def _match_issues(ctx: Context) -> pd.DataFrame:
    """Per (wo_no, part_no): net issued (issues less returns), billed qty on part and accessory
    lines not declined, the last issue's row, the first line's row and qty.

    A movement or line already reported makes its job (or, when the job itself is in doubt, its
    part) unfit for matching: that mistake has its finding and is not reported a second time."""
    pl = ctx.table("parts_ledger")
    pl = pl[pl["txn_type"].isin(JOB_MOVEMENTS) & pl["part_no"].notna()]
    ln = ctx.live_lines
    ln = ln[ln["line_type"].isin(("part", "accessory"))]
    skip_jobs: set[str] = set()
    skip_parts: set[str] = set()
    jobs = set(ctx.jobs.index)
    for sheet, df, part_col in (("parts_ledger", pl, "part_no"), ("wo_lines", ln, "item_code")):
        inputs = _LEDGER_INPUTS if sheet == "parts_ledger" else _LINE_INPUTS
        flagged = df[df["_row"].isin(ctx.flagged_rows(sheet, inputs))]
        job_doubt = flagged["_row"].isin(ctx.flagged_rows(sheet, ("wo_no",))) | ~flagged["wo_no"].isin(jobs)
        skip_jobs |= set(flagged.loc[~job_doubt, "wo_no"])
        skip_parts |= set(flagged.loc[job_doubt, part_col].dropna())
    pl = pl[pl["wo_no"].notna()]
    ln = ln[ln["item_code"].notna() & ln["wo_no"].notna()]
    n_pl = len(pl)
    wo_no = np.concatenate([pl["wo_no"].to_numpy(), ln["wo_no"].to_numpy()])
    part = np.concatenate([pl["part_no"].to_numpy(), ln["item_code"].to_numpy()])
    # One integer key per (job, part): grouping on it is much cheaper than on two text columns.
    wo_code, wo_values = pd.factorize(wo_no)
    part_code, part_values = pd.factorize(part)
    key = wo_code.astype(np.int64) * max(len(part_values), 1) + part_code
    is_issue = (pl["txn_type"] == "issue").to_numpy()
    qty_pl = pl["qty"].to_numpy()
    frame = pd.DataFrame({
        "key": key,
        "issued": np.concatenate([np.where(is_issue, qty_pl, -qty_pl), np.zeros(len(ln))]),
        "issue_row": np.concatenate([np.where(is_issue, pl["_row"].to_numpy(), np.nan), np.full(len(ln), np.nan)]),
        "billed": np.concatenate([np.zeros(n_pl), ln["qty"].to_numpy()]),
        "line_row": np.concatenate([np.full(n_pl, np.nan), ln["_row"].to_numpy()]),
    })
    both = frame.groupby("key", sort=False).agg(
        issued=("issued", "sum"), billed=("billed", "sum"), issue_row=("issue_row", "max"),
        line_row=("line_row", "min"))
    keys = both.index.to_numpy()
    # dtype=object: pandas would otherwise convert the keys to (slower) Arrow strings.
    both["wo_no"] = pd.Series(wo_values[keys // max(len(part_values), 1)], index=both.index, dtype=object)
    both["part_no"] = pd.Series(part_values[keys % max(len(part_values), 1)], index=both.index, dtype=object)
    # The first line's own quantity, for the finding's value.
    first_qty = pd.Series(ln["qty"].to_numpy(), index=ln["_row"].to_numpy())
    both["line_qty"] = both["line_row"].map(first_qty)
    return both[~both["wo_no"].isin(skip_jobs) & ~both["part_no"].isin(skip_parts)]


@rule("PL-UNBILLED", "warning", "parts_ledger", uses=("wo_lines", "parts_ledger.wo_no"), message=Text(
    "{issued} of part {part} were issued to this job but {billed} are billed on its lines; bill "
    "the part, return it to stock, or correct the issue (an unbilled part is lost revenue).",
    "配件 {part} 向本工单领料 {issued}，但工单明细只计费 {billed}；请补计费、办理退料或更正领料（漏计费即收入流失）。"))
def ledger_unbilled(ctx: Context) -> Iterator[Hit]:
    """Per work order and part, the net issued quantity (issues less returns to stock) is not
    above the quantity on the job's part and accessory lines that are not declined. Reported on
    the last issue."""
    both = _issued_and_billed(ctx)
    bad = both[(both["issued"] > both["billed"] + EPS) & both["issue_row"].notna()]
    for rec in bad.to_dict("records"):
        yield Hit(int(rec["issue_row"]), "wo_no", rec["wo_no"],
                  {"part": rec["part_no"], "issued": rec["issued"], "billed": rec["billed"]})


@rule("PL-UNISSUED", "warning", "wo_lines", uses=("parts_ledger", "wo_lines.item_code"), message=Text(
    "{billed} of part {part} are billed on this settled job but {issued} were issued from stock; "
    "record the issue in the parts ledger or correct the line (stock is off otherwise).",
    "本工单已结算，配件 {part} 计费 {billed}，但出库只有 {issued}；请在配件台账补录领料或更正明细（否则账实不符）。"))
def ledger_unissued(ctx: Context) -> Iterator[Hit]:
    """Per settled work order and part, the quantity billed on part and accessory lines (not
    declined) is not above the net quantity issued from stock. Open jobs may still draw parts.
    Reported on the job's first line for the part."""
    both = _issued_and_billed(ctx)
    settled = set(ctx.jobs.index[ctx.jobs["status"] == "settled"])
    bad = both[(both["billed"] > both["issued"] + EPS) & both["wo_no"].isin(settled) & both["line_row"].notna()]
    for rec in bad.to_dict("records"):
        yield Hit(int(rec["line_row"]), "qty", rec["line_qty"],
                  {"part": rec["part_no"], "issued": rec["issued"], "billed": rec["billed"]})

"""Claims report: warranty and insurance claim ledgers, receivable aging, and approved against paid
per payer."""

from __future__ import annotations

from typing import Any

import pandas as pd

from addin import sets
from addin.i18n import Text
from addin.models import ClaimType
from addin.reports.common import KPI_COLUMNS, ReportData, bar_chart, col_label, enum_label, header_rows, records_by
from addin.reports.engine import Column, Context, Filled, Table

NAME = "claims"
TITLE = Text("Claims report", "索赔报表")

CLAIM_KPIS = ["warranty_claimed", "insurance_claimed", "claims_paid", "claim_rejection_rate", "claim_days_to_pay",
              "receivables", "warranty_revenue", "insurance_revenue"]

LABELS = {
    "title_claims": TITLE,
    "sheet_summary": Text("Summary", "汇总"),
    "sheet_warranty": Text("Warranty claims", "保修索赔"),
    "sheet_insurance": Text("Insurance claims", "保险理赔"),
    "sheet_charts": Text("Charts", "图表"),
    "aging": Text("Receivable aging at the end of the month", "月末应收账龄"),
    "reconciliation": Text("Approved against paid, per payer", "批准金额与到账金额核对（按付款方）"),
    "sheet_worklist": Text("Work-list", "索赔待办"),
    "worklist_note": Text("As of the end of the month; each list by due date, then handler, then claim.",
                          "截至月末；各清单按到期日、经办人、索赔单号排序。"),
    "claims_to_submit": Text("Drafts not submitted within {d} days of the job's settlement",
                             "工单结算后 {d} 天内未提交的索赔草稿"),
    "claims_awaiting_decision": Text("Submitted claims without a decision for {d} days", "提交后 {d} 天仍未审批的索赔"),
    "claims_parts_due": Text("Old parts due back and not returned", "旧件应返还未返还"),
    "claims_unpaid": Text("Decided claims not fully paid", "已审批未足额到账的索赔"),
    "claims_written_off": Text("Short payments written off in the month", "本月核销的索赔差额"),
    "ledger_note": Text("Claims submitted by the end of the month that were open during it or are still outstanding.",
                        "截至月末已提交、本月内仍在处理或仍有未收款的索赔。"),
}


def _ledger(data: ReportData) -> pd.DataFrame:
    """Claims submitted by the end of P that were live in P: not finished before P started
    (decided or paid in P, or outstanding at the end), with paid-to-date and outstanding."""
    claims = data.store.table("claims").drop_duplicates("claim_no")
    pays = data.store.table("claim_payments")
    paid_in = pays[pays["paid_date"].between(data.start, data.end)].groupby("claim_no")["amount"].sum()
    c = claims[claims["submitted_date"].notna() & (claims["submitted_date"] <= data.end)].copy()
    c["paid"] = c["claim_no"].map(sets.paid_by(pays, data.end)).fillna(0.0)
    live = sets.receivable_mask(c, data.end)
    c["outstanding"] = sets.outstanding(c, pays, data.end).where(live, 0.0)
    touched = (c["submitted_date"] >= data.start) | (c["decided_date"].between(data.start, data.end)) \
        | c["claim_no"].isin(paid_in.index) | (c["outstanding"] > 1e-6)
    c = c[touched.fillna(False).to_numpy(dtype=bool)]
    c["days"] = (data.end - c["submitted_date"]).dt.days
    return c.sort_values(["submitted_date", "claim_no"])


def _ledger_table(data: ReportData, ledger: pd.DataFrame, claim_type: str) -> Table:
    loc = data.locale
    cols = [Column("claim_no", col_label("claims", "claim_no")), Column("wo_no", col_label("claims", "wo_no")),
            Column("vin", col_label("claims", "vin")), Column("payer", col_label("claims", "payer")),
            Column("submitted_date", col_label("claims", "submitted_date"), "date"),
            Column("status", col_label("claims", "status")),
            Column("claimed_amount", col_label("claims", "claimed_amount"), "money"),
            Column("approved_amount", col_label("claims", "approved_amount"), "money"),
            Column("decided_date", col_label("claims", "decided_date"), "date"),
            Column("paid", Text("Paid to date", "累计到账"), "money"),
            Column("outstanding", Text("Outstanding", "未收金额"), "money"),
            Column("days", Text("Days since submission", "提交天数"), "count")]
    mine = ledger[ledger["claim_type"] == claim_type]
    rows = [[r["claim_no"], r["wo_no"], r["vin"], r["payer"], r["submitted_date"],
             enum_label("claims", "status", r["status"], loc), r["claimed_amount"], r["approved_amount"],
             r["decided_date"], r["paid"], r["outstanding"], r["days"]] for r in mine.to_dict("records")]
    total = [Text("Total", "合计")(loc), None, None, None, None, None, float(mine["claimed_amount"].sum()),
             float(mine["approved_amount"].sum()), None, float(mine["paid"].sum()), float(mine["outstanding"].sum()), None]
    return Table(cols, rows, total)


def _reconciliation(data: ReportData) -> list[list[Any]]:
    claims = data.store.table("claims").drop_duplicates("claim_no")
    approved = claims[claims["approved_amount"].notna() & claims["decided_date"].notna()
                      & (claims["decided_date"] <= data.end)]
    paid = sets.paid_by(data.store.table("claim_payments"), data.end)
    approved = approved.assign(paid=approved["claim_no"].map(paid).fillna(0.0))
    rows = []
    for (ctype, payer), g in approved.groupby(["claim_type", "payer"], sort=True):
        a, p = float(g["approved_amount"].sum()), float(g["paid"].sum())
        rows.append([ClaimType(ctype).label(data.locale), payer, len(g), a, p, a - p])
    return rows


def context(data: ReportData) -> Context:
    """Fill values for the claims template."""
    ctx = data.base_context()
    ctx.labels.update(LABELS)
    loc = data.locale
    ctx.tables["kpis"] = Table(KPI_COLUMNS, data.kpi_table(CLAIM_KPIS))
    aging = data.kpis.get("aging", {})
    buckets = list(next(iter(aging.values()), {}).keys()) if aging else []
    rows = []
    for b in buckets:
        w, i = float(aging.get("warranty", {}).get(b) or 0.0), float(aging.get("insurance", {}).get(b) or 0.0)
        rows.append([b, w, i, w + i])
    ctx.tables["aging"] = Table(
        [Column("bucket", Text("Days", "账龄（天）")), Column("warranty", ClaimType("warranty").label(loc), "money"),
         Column("insurance", ClaimType("insurance").label(loc), "money"), Column("total", Text("Total", "合计"), "money")],
        rows, [Text("Total", "合计")(loc), *(sum(r[i] for r in rows) for i in (1, 2, 3))])
    recon = _reconciliation(data)
    ctx.tables["reconciliation"] = Table(
        [Column("type", col_label("claims", "claim_type")), Column("payer", col_label("claims", "payer")),
         Column("claims", Text("Approved claims", "已批准索赔数"), "count"),
         Column("approved", col_label("claims", "approved_amount"), "money"),
         Column("paid", Text("Paid to date", "累计到账"), "money"),
         Column("difference", Text("Not yet paid", "未到账差额"), "money")],
        recon, [Text("Total", "合计")(loc), None, sum(r[2] for r in recon), sum(r[3] for r in recon),
                sum(r[4] for r in recon), sum(r[5] for r in recon)])
    ledger = _ledger(data)
    ctx.tables["warranty"] = _ledger_table(data, ledger, "warranty")
    ctx.tables["insurance"] = _ledger_table(data, ledger, "insurance")
    _worklist(ctx, data)
    return ctx


def _worklist(ctx: Context, data: ReportData) -> None:
    """The claims work-list (CLAIM_LISTS, KPIS.md's lists), every list in full: claimed amount of
    the claims waiting on the store or the payer, the amount still unpaid of the decided ones, and
    each short payment written off with the month's total (= claims_written_off)."""
    from addin.kpis import CLAIM_LISTS

    loc, end, s = data.locale, data.end, data.store.settings
    for key, days in (("claims_to_submit", s.claim_submit_days), ("claims_awaiting_decision", s.claim_decision_days)):
        ctx.labels[key] = Text(LABELS[key].en.format(d=days), LABELS[key].zh.format(d=days))
    frames = data.care_lists
    claims = data.store.table("claims").drop_duplicates("claim_no")
    owed = dict(zip(claims["claim_no"].tolist(),
                    sets.outstanding(claims, data.store.table("claim_payments"), end).tolist()))
    by_no = records_by(claims, "claim_no", ("claim_type", "wo_no", "payer", "status", "claimed_amount"))
    head = [Column("claim_no", col_label("claims", "claim_no")), Column("type", col_label("claims", "claim_type")),
            Column("wo_no", col_label("claims", "wo_no")), Column("payer", col_label("claims", "payer")),
            Column("status", col_label("claims", "status")), Column("handler", col_label("claims", "handler_id"))]
    for name in CLAIM_LISTS:
        written = name == "claims_written_off"
        if written:
            tail = [Column("due", col_label("claims", "decided_date"), "date"),
                    Column("amount", Text("Written off", "核销差额"), "money")]
        else:
            # A decided claim is owed from its decision: its days count from then.
            unpaid = name == "claims_unpaid"
            tail = [Column("due", col_label("claims", "decided_date") if unpaid else Text("Due", "到期日"), "date"),
                    Column("days", Text("Days since the decision", "审批后天数") if unpaid
                           else Text("Days overdue", "逾期天数"), "count"),
                    Column("amount", Text("Outstanding", "未收金额") if unpaid
                           else col_label("claims", "claimed_amount"), "money")]
        rows = []
        for r in frames[name].itertuples():
            c = by_no[r.id]
            value = max(float(owed[r.id]), 0.0) if name in ("claims_unpaid", "claims_written_off") \
                else float(c["claimed_amount"])
            row = [r.id, ClaimType(c["claim_type"]).label(loc), c["wo_no"], c["payer"],
                   enum_label("claims", "status", c["status"], loc), data.staff_name(r.person) if r.person else None, r.due]
            if not written:
                row.append(max(int((end - r.due).days), 0))
            rows.append([*row, value])
        total = [Text("Total: {n}", "合计：{n} 笔")(loc, n=len(rows)), *([None] * (len(head) + len(tail) - 2)),
                 float(sum(r[-1] for r in rows))]
        ctx.tables[name] = Table(head + tail, rows, total if rows else None)


def charts(filled: Filled, ctx: Context, data: ReportData) -> None:
    """Receivable aging by claim type; two-line header rows."""
    bar_chart(filled, filled.tables["aging"], "bucket", ["warranty", "insurance"],
              LABELS["aging"](data.locale), "A3", width=18, height=9)
    header_rows(filled)

"""Manufacturer report 厂家报表: the month's figures for the brand, with every customer name and
phone number masked (张*, 138****1234) because the file leaves the dealership."""

from __future__ import annotations

from addin.i18n import Text
from addin.models import RepairType
from addin.reports.common import (
    KPI_COLUMNS,
    ReportData,
    bar_chart,
    col_label,
    enum_label,
    mask_name,
    mask_phone,
    share_rows,
)
from addin.reports.engine import Column, Context, Filled, Table

NAME = "manufacturer"
TITLE = Text("Manufacturer report", "厂家报表")

BRAND_KPIS = ["entries", "settled_ros", "revenue", "labor_revenue", "parts_revenue", "warranty_revenue",
              "revenue_per_ro", "hours_per_ro", "first_time_fix_rate", "comeback_rate", "csi", "followup_rate",
              "appointment_rate", "first_service_rate", "churn_rate", "warranty_claimed", "claims_paid",
              "claim_rejection_rate", "fill_rate"]

LABELS = {
    "title_manufacturer": TITLE,
    "sheet_summary": Text("Summary", "汇总"),
    "sheet_jobs": Text("Settled jobs", "结算工单"),
    "sheet_charts": Text("Charts", "图表"),
    "by_repair_type": Text("Settled jobs and revenue by repair type", "按维修类型的结算台次与营业额"),
    "masked_note": Text("Customer names and phone numbers are masked.", "客户姓名与电话已脱敏。"),
}


def context(data: ReportData) -> Context:
    """Fill values for the manufacturer template."""
    ctx = data.base_context()
    ctx.labels.update(LABELS)
    loc = data.locale
    ctx.tables["kpis"] = Table(KPI_COLUMNS, data.kpi_table(BRAND_KPIS))
    lines = data.settled_lines
    by_type = lines.groupby("repair_type")["amount"].sum()
    jobs = data.settled.groupby("repair_type").size()
    shares, total = share_rows([(k, float(by_type.get(k, 0.0))) for k in RepairType.labels()],
                               data.kpis.get("revenue") or 0.0)
    ctx.tables["repair_type"] = Table(
        [Column("label", col_label("work_orders", "repair_type")), Column("ros", Text("Settled ROs", "结算台次"), "count"),
         Column("revenue", Text("Revenue", "营业额"), "money"), Column("share", Text("Share", "占比"), "ratio")],
        [[RepairType(k).label(loc), int(jobs.get(k, 0)), r[1], r[2]] for k, r in zip(RepairType.labels(), shares)],
        [Text("Total", "合计")(loc), data.kpis.get("settled_ros"), total[1], total[2]])
    revenue = lines.groupby("wo_no")["amount"].sum()
    vehicles = data.store.table("vehicles").drop_duplicates("vin").set_index("vin")["model"]
    rows = []
    for r in data.settled.sort_values(["close_date", "wo_no"]).to_dict("records"):
        rows.append([r["wo_no"], r["close_date"], r["vin"], vehicles.get(r["vin"]), r["mileage"],
                     enum_label("work_orders", "repair_type", r["repair_type"], loc),
                     mask_name(r["customer_name"]), mask_phone(r["customer_phone"]), float(revenue.get(r["wo_no"], 0.0))])
    ctx.tables["jobs"] = Table(
        [Column("wo_no", col_label("work_orders", "wo_no")), Column("close_date", col_label("work_orders", "close_date"), "date"),
         Column("vin", col_label("work_orders", "vin")), Column("model", col_label("vehicles", "model")),
         Column("mileage", col_label("work_orders", "mileage"), "count"),
         Column("repair_type", col_label("work_orders", "repair_type")),
         Column("customer", col_label("work_orders", "customer_name")),
         Column("phone", col_label("work_orders", "customer_phone")), Column("revenue", Text("Revenue", "营业额"), "money")],
        rows)
    return ctx


def charts(filled: Filled, ctx: Context, data: ReportData) -> None:
    """Settled jobs by repair type (counts: the revenue is in the table beside)."""
    bar_chart(filled, filled.tables["repair_type"], "label", ["ros"],
              Text("Settled jobs by repair type", "按维修类型的结算台次")(data.locale), "A3", horizontal=True,
              width=20, height=9)

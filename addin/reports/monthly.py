"""Monthly service report 维修统计月报: KPIs against target, the previous month and the same month
last year, the year to date (本年累计, KPIS.md: from the first day of the fiscal year to the month's
last day) against the year's target; revenue by pay type and by repair type; the teams and the
advisors; charts.

The year's target is the Σ of the monthly targets (settings target_<kpi> is monthly): 12 × the
target of a KPI that sums over time (money, counts, hours), and the year to date's progress is
its share of it; a ratio, a mean or a score keeps its target and shows no progress (its year to
date is compared with the target as it is). A level at the end of the month (jobs in progress)
has no year to date."""

from __future__ import annotations

from typing import Any

from addin.i18n import Text
from addin.kpis import KPIS, kpi_values
from addin.models import PayType, RepairType
from addin.periods import year_to_date
from addin.reports.common import KPI_COLUMNS, ReportData, bar_chart, col_label, pie_chart, share_rows
from addin.reports.engine import Column, Context, Filled, Table, Typed

NAME = "monthly"
TITLE = Text("Monthly service report", "维修统计月报")

#: The KPIs of the summary, in the order a service manager reads them.
SUMMARY_KPIS = [
    "entries", "settled_ros", "revenue", "labor_revenue", "parts_revenue", "accessory_revenue", "sublet_revenue",
    "misc_revenue", "gross_profit", "gross_margin", "revenue_per_ro", "flag_hours", "hours_per_ro",
    "effective_labor_rate", "declined_amount", "comeback_rate", "first_time_fix_rate", "qc_first_pass_rate",
    "csi", "followup_rate", "appointment_rate", "complaint_rate", "first_service_rate", "wip_count",
    # issue 18
    "on_time_rate", "turnaround_days", "appointments_booked", "appointment_show_rate",
]
#: KPIs of the summary that are a level at the end of the period, not a sum over it.
LEVELS = frozenset({"wip_count"})
#: Months of a year: the year's target of a KPI that sums is 12 monthly targets.
MONTHS_A_YEAR = 12
YTD_COLUMNS = [Column("ytd", Text("Year to date", "本年累计")), Column("year_target", Text("Year target", "全年目标")),
               Column("year_progress", Text("Year progress", "年度完成率"), "ratio")]
_YTD_NOTE = Text("Year to date: {range} (the fiscal year starts in month {first}). Year target: {months} × the "
                 "monthly target of a sum; a rate or an average keeps its monthly target and shows no progress.",
                 "本年累计：{range}（财年自 {first} 月起）。全年目标：累计类指标为月度目标 × {months}；"
                 "比率和平均类指标沿用月度目标，不计完成率。")

LABELS = {
    "title_monthly": TITLE,
    "sheet_summary": Text("Summary", "汇总"),
    "sheet_revenue": Text("Revenue", "产值构成"),
    "sheet_teams": Text("Teams and advisors", "班组与顾问"),
    "sheet_charts": Text("Charts", "图表"),
    "by_pay_type": Text("Revenue by pay type", "按付费方式的营业额"),
    "by_repair_type": Text("Revenue by repair type", "按维修类型的营业额"),
    "teams": Text("Teams", "班组"),
    "advisors": Text("Service advisors", "服务顾问"),
    "pay_type": Text("Pay type", "付费方式"),
    "repair_type": Text("Repair type", "维修类型"),
    "revenue_col": Text("Revenue", "营业额"),
    "name": Text("Name", "姓名"),
}

_PAY_KPI = {"customer": "customer_revenue", "warranty": "warranty_revenue", "insurance": "insurance_revenue",
            "internal": "internal_revenue", "goodwill": "goodwill_revenue"}


def year_to_date_cells(kid: str, ytd: Any, target: float | None) -> list[Typed]:
    """A summary row's year to date, year target and progress (see the module docstring)."""
    k = KPIS[kid]
    if kid in LEVELS:
        return [Typed(None, k.unit), Typed(None, k.unit), Typed(None, "ratio")]
    if k.is_ratio:
        return [Typed(ytd, k.unit), Typed(target, k.unit), Typed(None, "ratio")]
    year = None if target is None else MONTHS_A_YEAR * float(target)
    progress = None if ytd is None or not year else float(ytd) / year
    return [Typed(ytd, k.unit), Typed(year, k.unit), Typed(progress, "ratio")]


def context(data: ReportData) -> Context:
    """Fill values for the monthly template."""
    ctx = data.base_context()
    ctx.labels.update(LABELS)
    loc = data.locale
    ytd, first = year_to_date(data.bounds, data.store.settings.fiscal_year_start), data.store.settings.fiscal_year_start
    ctx.values["ytd_note"] = _YTD_NOTE(loc, range=ytd.label, first=f"{first:02d}", months=MONTHS_A_YEAR)
    so_far = kpi_values(data.store, ytd, SUMMARY_KPIS, valuation=data.valuation, shared=data.shared)
    targets = data.store.settings.targets
    ctx.tables["kpis"] = Table(KPI_COLUMNS + YTD_COLUMNS, [
        row + year_to_date_cells(kid, so_far[kid], targets.get(kid))
        for kid, row in zip(SUMMARY_KPIS, data.kpi_table(SUMMARY_KPIS))])

    pay = [(PayType(k).label(loc), float(data.kpis.get(kid) or 0.0)) for k, kid in _PAY_KPI.items()]
    rows, total = share_rows(pay)
    ctx.tables["pay_type"] = Table(
        [Column("label", LABELS["pay_type"]), Column("revenue", LABELS["revenue_col"], "money"),
         Column("share", Text("Share", "占比"), "ratio")], rows, [Text("Total", "合计")(loc), *total[1:]])

    lines = data.settled_lines
    by_type = lines.groupby("repair_type")["amount"].sum()
    jobs = data.settled.groupby("repair_type").size()
    # The totals are the period's settled_ros and revenue KPIs that the rows break down.
    rt_rows, rt_total = share_rows([(k, float(by_type.get(k, 0.0))) for k in RepairType.labels()],
                                   data.kpis.get("revenue") or 0.0)
    table_rows = [[RepairType(k).label(loc), int(jobs.get(k, 0)), r[1], r[2]]
                  for k, r in zip(RepairType.labels(), rt_rows)]
    ctx.tables["repair_type"] = Table(
        [Column("label", LABELS["repair_type"]), Column("ros", Text("Settled ROs", "结算台次"), "count"),
         Column("revenue", LABELS["revenue_col"], "money"), Column("share", Text("Share", "占比"), "ratio")],
        table_rows, [Text("Total", "合计")(loc), data.kpis.get("settled_ros"), rt_total[1], rt_total[2]])

    ctx.tables["teams"] = Table(
        [Column("team", col_label("work_orders", "team")), Column("settled_ros", Text("Settled ROs", "结算台次"), "count"),
         Column("flag_hours", Text("Flag hours", "工时数"), "hours"),
         Column("labor_revenue", Text("Labor revenue", "工时收入"), "money"),
         Column("comeback_rate", Text("Comeback rate", "返修率"), "ratio"),
         Column("qc_first_pass_rate", Text("QC first-pass rate", "终检一次合格率"), "ratio")],
        [[t["team"], t["settled_ros"], t["flag_hours"], t["labor_revenue"], t["comeback_rate"], t["qc_first_pass_rate"]]
         for t in data.kpis.get("teams", [])])
    ctx.tables["advisors"] = Table(
        [Column("staff_id", col_label("work_orders", "advisor_id")), Column("name", LABELS["name"]),
         Column("entries", Text("Entries", "进厂台次"), "count"),
         Column("settled_ros", Text("Settled ROs", "结算台次"), "count"),
         Column("revenue", LABELS["revenue_col"], "money"), Column("revenue_per_ro", Text("Revenue per RO", "单台产值"), "money"),
         Column("declined_amount", Text("Declined", "未成交建议项目"), "money"), Column("csi", Text("CSI", "客户满意度"), "score"),
         Column("complaint_rate", Text("Complaint rate", "投诉率"), "ratio")],
        [[a["staff_id"], data.staff_name(a["staff_id"]), a["entries"], a["settled_ros"], a["revenue"], a["revenue_per_ro"],
          a["declined_amount"], a["csi"], a["complaint_rate"]] for a in data.kpis.get("advisors", [])])
    return ctx


def charts(filled: Filled, ctx: Context, data: ReportData) -> None:
    """On the charts sheet: revenue by pay type (pie), by repair type (bar), flag hours by team."""
    loc = data.locale
    pie_chart(filled, filled.tables["pay_type"], "label", "revenue", LABELS["by_pay_type"](loc), "A3")
    bar_chart(filled, filled.tables["repair_type"], "label", ["revenue"], LABELS["by_repair_type"](loc), "H3",
              horizontal=True, height=9)
    bar_chart(filled, filled.tables["teams"], "team", ["flag_hours"], Text("Flag hours by team", "各班组工时数")(loc),
              "A22")

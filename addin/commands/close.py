"""`service-addin close WORKBOOK [--period YYYY-MM] [--out DIR] [--user NAME] [--dry-run]`:
month-end close (月结) in DOMAIN.md's order, with the report pack."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from addin.i18n import Text

HELP = "month-end close: validate, post stocktake, value stock, KPIs, dashboard, reports, lock the period"

STEPS = {
    "read": Text("Reading the workbook", "读取工作簿"),
    "validate": Text("Validating every entry", "校验全部数据"),
    "post": Text("Posting stocktake variances", "盘点差异过账"),
    "value": Text("Valuing stock", "库存计价"),
    "kpis": Text("Computing the KPIs", "计算关键指标"),
    "fingerprint": Text("Fingerprinting the period", "生成期间数据指纹"),
    "reports": Text("Building the reports", "生成报表"),
    "pdf": Text("Converting the reports to PDF (LibreOffice)", "报表转换为 PDF（LibreOffice）"),
    "write": Text("Writing the workbook", "写入工作簿"),
}
SUMMARY_KPIS = ("revenue", "entries", "settled_ros", "revenue_per_ro", "gross_profit", "gross_margin",
                "flag_hours", "csi", "comeback_rate", "stock_value_close", "receivables")
T_CLOSED = Text("Period {period} closed by {user}: {records} records locked (data hash {hash}); open period now {next}.",
                "期间 {period} 已由 {user} 结账：锁定 {records} 条记录（数据指纹 {hash}）；当前期间为 {next}。")
T_DRY = Text("Dry run: nothing was written to the workbook. The reports were built, without PDFs, in {folder}.",
             "试运行：未写入工作簿。报表（不含 PDF）已生成在 {folder}。")
T_POSTINGS = Text("Stocktake postings: {n}", "盘点过账：{n} 笔")
T_WARNINGS = Text("Warnings (do not block the close): {n}; run `service-addin validate` to see them.",
                  "警告（不阻止结账）：{n} 个；运行 `service-addin validate` 查看。")
T_REPORTS = Text("Reports ({n} files): {folder}", "报表（{n} 个文件）：{folder}")
T_TIMES = Text("Time per step: {steps}", "各步骤耗时：{steps}")
T_STEP = Text("{step} {seconds:.1f} s", "{step} {seconds:.1f} 秒")
T_STEP_SEPARATOR = Text(", ", "，")
#: The close's steps (addin.month_end), as the summary line names them.
STEP_NAMES = {"read": Text("read", "读取"), "validate": Text("validate", "校验"), "post": Text("post", "盘点过账"),
         "value": Text("value", "库存计价"), "kpis": Text("kpis", "指标"), "fingerprint": Text("fingerprint", "数据指纹"),
         "reports": Text("reports", "报表"), "pdf": Text("pdf", "PDF"), "write": Text("write", "写入")}


def step_times(timings: dict[str, float], locale: str) -> str:
    """The summary line of the seconds per step, in ``locale``."""
    steps = T_STEP_SEPARATOR(locale).join(
        T_STEP(locale, step=STEP_NAMES[k](locale) if k in STEP_NAMES else k, seconds=v) for k, v in timings.items())
    return T_TIMES(locale, steps=steps)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("workbook", help="the workbook (.xlsx/.xlsm) to close")
    parser.add_argument("--period", help="the month to close, YYYY-MM (default: the open_period setting)")
    parser.add_argument("--out", help="folder for the reports (default: <workbook>_reports/<period>/ beside it)")
    parser.add_argument("--user", help="who closes: Excel user, staff ID or name of a service manager of the roster "
                                       "(default: the login, which must be a service manager's Excel user)")
    parser.add_argument("--dry-run", action="store_true", help="do everything but write the workbook")
    parser.add_argument("--no-pdf", action="store_true", help="build the reports as workbooks only")


def kpi_summary(result: Any, locale: str) -> list[str]:
    """Lines 'label: value' of the headline KPIs."""
    from addin.kpis import KPIS
    from addin.reports.engine import format_value

    values = result.to_json()
    width = max(len(KPIS[k].label(locale)) for k in SUMMARY_KPIS)
    return [f"  {KPIS[k].label(locale):<{width}}  {format_value(values.get(k), KPIS[k].unit)}"
            for k in SUMMARY_KPIS]


def run(args: argparse.Namespace) -> int:
    from addin.month_end import close_workbook

    locale = os.environ.get("SERVICE_ADDIN_LOCALE")

    def progress(step: str, workbook_locale: str | None) -> None:
        print(f"- {STEPS[step](workbook_locale or locale)} ...", flush=True)

    outcome = close_workbook(args.workbook, args.period, user=args.user, out_dir=args.out, dry_run=args.dry_run,
                             pdf=not args.no_pdf, progress=progress)
    plan = outcome.plan
    if plan.already_closed:
        print(plan.message)
        return 0
    loc = plan.store.locale if plan.store is not None else locale
    print(T_POSTINGS(loc, n=len(plan.postings)))
    if plan.warnings:
        print(T_WARNINGS(loc, n=len(plan.warnings)))
    print()
    print("\n".join(kpi_summary(plan.result, loc)))
    print()
    if outcome.dry_run:
        print(T_DRY(loc, folder=outcome.report_dir))
    else:
        print(T_CLOSED(loc, period=plan.period, user=plan.user, records=plan.record_count, hash=plan.data_hash[:12],
                       next=plan.settings_updates.get("open_period", plan.store.settings.open_period if plan.store else "")))
        print(T_REPORTS(loc, n=len(outcome.reports), folder=outcome.report_dir))
        if outcome.no_pdf_reason:
            print(outcome.no_pdf_reason, file=sys.stderr)
    print(step_times(outcome.timings, loc))
    return 0

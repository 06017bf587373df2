"""`service-addin report WORKBOOK --period YYYY-MM --name NAME [--format xlsx|pdf] [--out DIR]`:
build one report of the pack (or all with --name all); `--name daily --date YYYY-MM-DD` the daily
report (维修日报) of one day, into <workbook>_reports/<day>/."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from addin.errors import ServiceError
from addin.i18n import Text

HELP = ("build one report of a month (monthly, technicians, parts, claims, customer_care, manufacturer, headcount, all), "
        "or the daily report of a day (--name daily --date YYYY-MM-DD)")

T_WROTE = Text("Wrote {path}", "已生成 {path}")
T_NEED_DATE = Text("The daily report is of one day: give --date YYYY-MM-DD (e.g. --date 2026-10-15).",
                   "维修日报按日生成：请用 --date 年-月-日 指定日期（如 --date 2026-10-15）。")
T_NEED_PERIOD = Text("Report {name!r} is of a month: give --period YYYY-MM.", "报表 {name!r} 按月生成：请用 --period 年-月 指定月份。")


class ReportArgumentError(ServiceError):
    """--date or --period missing for the report named (exit 2)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # The names are checked when the command runs (an unknown one is refused with the list), so
    # that `report --help` need not import the reports.
    parser.add_argument("workbook", help="the workbook (.xlsx/.xlsm) to read")
    parser.add_argument("--period", help="the month, YYYY-MM (every report but daily)")
    parser.add_argument("--date", help="the day of the daily report, YYYY-MM-DD (within the workbook's data)")
    parser.add_argument("--name", required=True, help="which report (a name of the pack, or all)")
    parser.add_argument("--format", default="pdf", choices=("xlsx", "pdf"),
                        help="pdf (the default) also keeps the xlsx; xlsx skips LibreOffice")
    parser.add_argument("--out", help="folder (default: <workbook>_reports/<period>/ beside it)")


def run(args: argparse.Namespace) -> int:
    from addin.io.reader import read_store
    from addin.month_end import default_report_dir
    from addin.reports import build_reports

    path = Path(args.workbook)
    if args.name == "daily":
        if not args.date:
            raise ReportArgumentError(T_NEED_DATE)
    elif not args.period:
        raise ReportArgumentError(T_NEED_PERIOD, name=args.name)
    store = read_store(path)
    period = args.period
    if args.name == "daily":
        from addin.board import check_day

        period = check_day(store, args.date).isoformat()
    out = Path(args.out) if args.out else default_report_dir(path, period)
    names = None if args.name == "all" else [args.name]
    pack = build_reports(store, period, None, out, pdf=args.format == "pdf", names=names)
    for p in pack:
        print(T_WROTE(store.locale, path=p))
    if pack.no_pdf_reason:
        print(pack.no_pdf_reason, file=sys.stderr)
    return 0

"""`service-addin report WORKBOOK --period YYYY-MM --name NAME [--format xlsx|pdf] [--out DIR]`:
build one report of the pack (or all with --name all)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from addin.i18n import Text

HELP = "build one report of a month (monthly, technicians, parts, claims, customer_care, manufacturer, headcount, all)"

T_WROTE = Text("Wrote {path}", "已生成 {path}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # The names are checked when the command runs (an unknown one is refused with the list), so
    # that `report --help` need not import the reports.
    parser.add_argument("workbook", help="the workbook (.xlsx/.xlsm) to read")
    parser.add_argument("--period", required=True, help="the month, YYYY-MM")
    parser.add_argument("--name", required=True, help="which report (a name of the pack, or all)")
    parser.add_argument("--format", default="pdf", choices=("xlsx", "pdf"),
                        help="pdf (the default) also keeps the xlsx; xlsx skips LibreOffice")
    parser.add_argument("--out", help="folder (default: <workbook>_reports/<period>/ beside it)")


def run(args: argparse.Namespace) -> int:
    from addin.io.reader import read_store
    from addin.month_end import default_report_dir
    from addin.reports import build_reports

    path = Path(args.workbook)
    store = read_store(path)
    period = args.period
    out = Path(args.out) if args.out else default_report_dir(path, period)
    names = None if args.name == "all" else [args.name]
    pack = build_reports(store, period, None, out, pdf=args.format == "pdf", names=names)
    for p in pack:
        print(T_WROTE(store.locale, path=p))
    if pack.no_pdf_reason:
        print(pack.no_pdf_reason, file=sys.stderr)
    return 0

"""`service-addin batch validate|kpi|close PATH... --period YYYY-MM`: many stores at once."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from addin.i18n import Text, tr

HELP = "validate, measure or close many stores' workbooks and write one group report"

T_SUMMARY = Text("{action}: {stores} store(s) processed, {failed} file(s) failed, in {seconds:.1f} s.",
                 "{action}：已处理 {stores} 家门店，{failed} 个文件失败，用时 {seconds:.1f} 秒。")
T_STATUS = Text("{n} store(s) with validation errors or a refused close.", "{n} 家门店有校验错误或月结被拒绝。")
T_FAILED = Text("Failed: {file}: {reason}", "失败：{file}：{reason}")
T_WROTE = Text("Wrote {path}", "已写入 {path}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # The action is checked when the batch starts (addin.batch.ACTIONS; an unknown one is refused
    # with the list), so that `batch --help` need not import pandas or Dask.
    parser.add_argument("action", help="validate (check every rule), kpi (measure the KPIs of the period) or close "
                                       "(month-end close, then measure)")
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="workbooks, folders (searched recursively for .xlsx/.xlsm) or globs")
    parser.add_argument("--period", required=True, help="the month, YYYY-MM")
    parser.add_argument("--out", type=Path, help="folder for the group report and the KPI files "
                        "(default: ./batch_<action>_<period>)")
    parser.add_argument("--workers", type=int, help="processes on this machine (default: one per CPU)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (files must be "
                        "reachable under the same paths from its workers), or 'local': a Dask cluster of "
                        "--workers processes on this machine")
    parser.add_argument("--user", help="who closes (close; default: the login name)")
    parser.add_argument("--locale", choices=("en-US", "zh-CN"), default="en-US",
                        help="language of the group report and the messages")
    parser.add_argument("--macros", type=Path, help="folder of official .bas/.cls sources to compare with "
                        "(default: the VBA project that `service-addin build` installs)")
    parser.add_argument("--no-macros", action="store_true", help="do not compare the VBA modules")
    parser.add_argument("--no-pdf", action="store_true", help="no PDF of the group report")
    parser.add_argument("--quiet", action="store_true", help="no progress output")


def run(args: argparse.Namespace) -> int:
    from addin.batch import run_batch

    locale = args.locale
    out = args.out or Path(f"batch_{args.action}_{args.period}")
    result = run_batch(
        args.paths, args.action, args.period, out_dir=out, workers=args.workers, scheduler=args.scheduler,
        user=args.user,
        progress=False if args.quiet else None, locale=locale,
        macros=False if args.no_macros else args.macros, pdf=not args.no_pdf, keep_stores=False,
    )
    for failure in result.failures:
        print(tr(T_FAILED, locale, file=failure["file"], reason=failure["reason"]), file=sys.stderr)
    print(tr(T_SUMMARY, locale, action=args.action, stores=result.store_count, failed=len(result.failures),
             seconds=result.seconds))
    if result.flagged:
        print(tr(T_STATUS, locale, n=result.flagged))
    for note in result.notes:
        print(note, file=sys.stderr)
    for path in result.outputs.values():
        print(tr(T_WROTE, locale, path=path))
    return result.exit_code

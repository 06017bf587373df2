"""`service-addin board WORKBOOK [--date YYYY-MM-DD] [--json] [--write] [--user NAME]`: the
workshop board (在修看板) of a day.

The day defaults to the last day with data in the workbook (the latest open_date or close_date
of work_orders), not the machine's today. A day before the first job or after that last day is
refused in one line (exit 2), nothing written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from addin.i18n import Text, tr

HELP = "the workshop board (在修看板): the jobs in the workshop as of a day, overdue first; --write puts it on the Board sheet"

T_HEAD = Text("Workshop board of {store}, {day}: {total} job(s) in the workshop, {overdue} overdue",
              "{store} {day} 在修看板：在修 {total} 台，超期 {overdue} 台")
T_BY_STATUS = Text("By status: {parts}", "按状态：{parts}")
T_BY_ADVISOR = Text("By advisor: {parts}", "按服务顾问：{parts}")
T_NONE = Text("No job is in the workshop on {day}.", "{day} 没有在修工单。")
T_WRITTEN = Text("Board of {day} written to the sheet \u201c{sheet}\u201d of {file} ({total} job(s)).",
                 "{day} 的在修看板已写入 {file} 的工作表\u201c{sheet}\u201d（{total} 台）。")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("workbook", help="the workbook (.xlsx/.xlsm) to read")
    parser.add_argument("--date", help="the day, YYYY-MM-DD (default: the last day with data in the workbook, "
                                       "the latest open_date or close_date of work_orders - not today's date)")
    parser.add_argument("--json", action="store_true",
                        help='print {"date", "jobs": [...], "counts": {"total", "by_status", "by_advisor", "overdue"}}')
    parser.add_argument("--write", action="store_true", help="write the board to the workbook's Board sheet (在修看板)")
    parser.add_argument("--user", help="who writes (with --write): Excel user, staff ID or name of the roster "
                                       "(default: the login, which must be someone's Excel user)")
    parser.add_argument("--locale", choices=("en-US", "zh-CN"), help="language of the table (default: the workbook's)")


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def render_table(b: Any, locale: str, store_name: str) -> str:
    """The board as a terminal table: head line, counts, one row per job."""
    from addin.board import JOB_COLUMNS, LABELS, job_row, status_label

    c = b.counts
    lines = [tr(T_HEAD, locale, store=store_name, day=b.day.isoformat(), total=c["total"], overdue=c["overdue"])]
    lines.append(tr(T_BY_STATUS, locale, parts=", ".join(f"{status_label(s, locale)} {n}"
                                                          for s, n in c["by_status"].items())))
    lines.append(tr(T_BY_ADVISOR, locale, parts=", ".join(f"{b.name(a) or '-'} {n}" for a, n in c["by_advisor"].items())
                    or "-"))
    lines.append("")
    if not b.jobs:
        lines.append(tr(T_NONE, locale, day=b.day.isoformat()))
        return "\n".join(lines)
    head = [tr(LABELS[k], locale) for k in JOB_COLUMNS]
    # The backorders column's header is long: the short form in the terminal.
    head[-1] = tr(Text("Open backorders", "待到配件"), locale)
    rows = [[("" if v is None else v.isoformat() if isinstance(v, dt.date) else str(v)) for v in job_row(j, b, locale)]
            for j in b.jobs]
    widths = [max(_width(r[i]) for r in (head, *rows)) for i in range(len(head) - 1)]
    for r in (head, *rows):
        lines.append("  ".join([*(_pad(cell, widths[i]) for i, cell in enumerate(r[:-1])), r[-1]]).rstrip())
    lines.insert(5, "  ".join("-" * w for w in widths) + "  " + "-" * _width(head[-1]))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    if args.write:
        from addin.io.files import FileStamp, WriteLock

        # One writer at a time, and only over the file as it was read.
        with WriteLock(args.workbook) as lock:
            return _run(args, lock, FileStamp.of(lock.dest))
    return _run(args, None, None)


def _run(args: argparse.Namespace, lock: Any, stamp: Any) -> int:
    from addin.board import board, check_day
    from addin.io.reader import read_to_write

    store, package = read_to_write(args.workbook, write=bool(args.write))
    if args.locale:
        store.settings.locale = args.locale
    locale = store.locale
    day = check_day(store, args.date)
    actor = None
    if args.write:
        from addin.identity import identify
        from addin.month_end import login_name

        # Who writes is checked before anything is printed or written.
        actor = identify(store, args.user, dt.date.today(), login=login_name())
    b = board(store, day)
    if args.json:
        json.dump(b.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(render_table(b, locale, store.settings.store_name or store.settings.store_code or args.workbook))
    if args.write:
        from addin.io.builder import sheet_title
        from addin.io.edit import WorkbookEdit, apply_edit
        from addin.io.writer import check_safe

        assert actor is not None
        check_safe(lock.dest, package=package)
        apply_edit(lock.dest, WorkbookEdit(board=b), locale=locale, stamp=stamp, locked=True, checked=True)
        print(tr(T_WRITTEN, locale, day=b.day.isoformat(), sheet=sheet_title("board", locale), file=args.workbook,
                 total=len(b.jobs)), file=sys.stderr if args.json else sys.stdout)
    return 0

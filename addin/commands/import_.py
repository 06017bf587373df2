"""`service-addin import SOURCE --into WORKBOOK --sheet KEY [--map MAP.toml] [--mode upsert|append]
[--dry-run] [--keep-extra] [--source-sheet NAME] --user U`: a DMS export or CSV file into one sheet.

Exit status: 0 when every row of the file was imported (or was already there), 1 when rows were
not imported (the count is printed) or the import was refused (nothing written), 2 when a file
cannot be read or written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from addin.i18n import Text, sheet_label, tr

HELP = "import a DMS export or CSV file (.csv/.xlsx/.xlsm) into one sheet of a workbook, by the sheet's key"

T_WRITTEN = Text("Written to {file} by {user}: {new} new and {changed} changed record(s) on {sheet} "
                 "(previous file kept as {backup}).",
                 "已由 {user} 写入 {file}：{sheet}新增 {new} 条、修改 {changed} 条（原文件保留为 {backup}）。")
T_DRY = Text("Dry run: nothing was written.", "试运行：未写入任何内容。")
T_REFUSED = Text("Import refused: {count} row(s) would change closed periods or existing records; nothing of {file} "
                 "was written.", "拒绝导入：{count} 行将改动已结账期间或已有记录；{file} 的任何内容都未写入。")
T_NOT_IMPORTED = Text("{count} row(s) of {file} were not imported (see above).", "{file} 中有 {count} 行未导入（见上文）。")
T_AUDIT = Text("import {sheet} from {file} ({mode}): {new} new, {changed} changed",
               "导入{sheet}，来源 {file}（{mode}）：新增 {new}，修改 {changed}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="the file to import: .csv (UTF-8, UTF-8 with BOM, GBK/GB18030), .xlsx or .xlsm")
    parser.add_argument("--into", required=True, help="the workbook (.xlsx/.xlsm) to import into")
    parser.add_argument("--sheet", required=True, help="the sheet to fill: work_orders, wo_lines, parts, parts_ledger, "
                                                       "claims, vehicles, roster, ... (key or label)")
    parser.add_argument("--map", help="a TOML mapping file: [columns] header = key, [values.<key>] value = key, "
                                      "date_format, source_sheet")
    parser.add_argument("--mode", choices=("upsert", "append"), default="upsert",
                        help="upsert (default): new rows appended, changed rows replaced; append: only new rows, a "
                             "changed row is refused")
    parser.add_argument("--dry-run", action="store_true", help="print what would change and write nothing")
    parser.add_argument("--keep-extra", action="store_true", help="keep the file's unknown columns as extra columns")
    parser.add_argument("--source-sheet", help="the sheet of an .xlsx/.xlsm source (default: its only sheet, or the "
                                               "one named like --sheet)")
    parser.add_argument("--user", help="who imports: Excel user, staff ID or name of the roster (default: the login)")


def run(args: argparse.Namespace) -> int:
    from addin.importer import check_sheet, load_mapping, read_source

    sheet = check_sheet(args.sheet)
    mapping = load_mapping(args.map, sheet)
    source = read_source(args.source, sheet, args.source_sheet or mapping.source_sheet)
    if args.dry_run:
        return _run(args, sheet, mapping, source, None, None)
    from addin.io.files import FileStamp, WriteLock

    # One writer at a time, and only over the file as it was read.
    with WriteLock(args.into) as lock:
        return _run(args, sheet, mapping, source, lock, FileStamp.of(lock.dest))


def _run(args: argparse.Namespace, sheet: str, mapping: Any, source: Any, lock: Any, stamp: Any) -> int:
    from addin.identity import identify
    from addin.importer import convert_source, plan_import, render_plan
    from addin.io.reader import read_store
    from addin.month_end import login_name
    from addin.rules import validate_store

    store = read_store(args.into)
    locale = store.locale
    now = dt.datetime.now().replace(microsecond=0)
    actor = identify(store, args.user, now.date(), login=login_name())
    incoming = convert_source(source, sheet, mapping, keep_extra=args.keep_extra, locale=locale)
    plan = plan_import(store, incoming, sheet, mode=args.mode, source=source.name)
    plan.findings_before = len(validate_store(store)) if plan.findings else 0
    print(render_plan(plan, locale))
    status = 0
    if plan.refused:
        print(tr(T_REFUSED, locale, count=len(plan.refused), file=source.name), file=sys.stderr)
        status = 1
    elif args.dry_run:
        print(tr(T_DRY, locale))
    elif plan.edit is not None:
        from addin.io.edit import apply_edit
        from addin.io.files import backup_path

        details = tr(T_AUDIT, locale, sheet=sheet_label(sheet, locale), file=source.name, mode=args.mode,
                     new=len(plan.new), changed=len(plan.changed))
        plan.edit.appends["audit_log"] = [{"timestamp": now, "user": actor.audit_user, "action": "import",
                                           "details": details}]
        apply_edit(lock.dest, plan.edit, locale=locale, stamp=stamp, locked=True)
        print(tr(T_WRITTEN, locale, file=args.into, user=actor.audit_user, new=len(plan.new),
                 changed=len(plan.changed), sheet=sheet_label(sheet, locale), backup=backup_path(lock.dest).name))
    if plan.bad:
        print(tr(T_NOT_IMPORTED, locale, count=len(plan.bad), file=source.name), file=sys.stderr)
        status = 1
    return status

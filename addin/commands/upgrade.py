"""`service-addin upgrade OLD --out NEW`: every table of an older or plain workbook moved into a
freshly built Service.xlsm of the current version, with its settings and extra columns. NEW must
not exist. Exit status: 0 done, 2 a file could not be read or written (or NEW exists)."""

from __future__ import annotations

import argparse

from addin.i18n import Text, sheet_label, tr

HELP = "move every table of an older or plain workbook into a freshly built Service.xlsm (never overwrites)"

T_DONE = Text("{out}: {records} record(s) in {sheets} sheet(s), {settings} setting(s) carried over from {old}.",
              "{out}：从 {old} 迁移 {records} 条记录（{sheets} 张工作表）和 {settings} 项设置。")
T_EXTRA = Text("  extra columns kept on {sheet}: {columns}", "  {sheet}保留的附加列：{columns}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", help="the workbook to upgrade (.xlsx/.xlsm of an older layout, or a plain one)")
    parser.add_argument("--out", required=True, help="the new Service.xlsm (must not exist)")


def run(args: argparse.Namespace) -> int:
    from addin.upgrade import upgrade_workbook

    outcome = upgrade_workbook(args.old, args.out)
    from addin.io.reader import read_store

    locale = read_store(outcome.out).locale
    print(tr(T_DONE, locale, out=args.out, records=sum(outcome.records.values()), sheets=len(outcome.records),
             settings=outcome.settings, old=args.old))
    for key, names in outcome.extra_columns.items():
        print(tr(T_EXTRA, locale, sheet=sheet_label(key, locale), columns=", ".join(names)))
    return 0

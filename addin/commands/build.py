"""`service-addin build`: make the empty Service workbook from the models."""

from __future__ import annotations

import argparse
from pathlib import Path

from addin.i18n import LOCALES, Text, tr

HELP = "build the empty Service workbook (sheets, tables, dropdowns, VBA and ribbon) from the models"

_BUILT = Text("Built {path} ({lang}).", "已生成 {path}（{lang}）。")
_BACKUP = Text("The previous file is kept as {backup}.", "原文件已备份为 {backup}。")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--locale", choices=LOCALES, default="en-US",
                        help="language of sheet names, headers, dropdowns and messages (default: en-US)")
    parser.add_argument("--out", type=Path, default=Path("Service.xlsm"),
                        help="the workbook to write: .xlsm with macros and ribbon, or .xlsx for the layout only "
                             "(default: Service.xlsm in the current folder)")


def run(args: argparse.Namespace) -> int:
    from addin.io.builder import build
    from addin.io.writer import backup_path

    existed = args.out.exists()
    path = build(args.out, args.locale)
    print(tr(_BUILT, args.locale, path=path, lang=args.locale))
    if existed:
        print(tr(_BACKUP, args.locale, backup=backup_path(path)))
    return 0

"""`service-addin locale WORKBOOK en-US|zh-CN`: switch the workbook's language setting and write the
ribbon's static labels in that language, in place and atomically."""

from __future__ import annotations

import argparse
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from addin.i18n import LOCALES, Text

HELP = "switch a workbook's locale setting and rewrite its ribbon labels in that language (in place, with a .bak)"

T_DONE = Text("{path}: the locale setting and the ribbon's labels are now {lang}.",
              "{path}：语言设置和功能区文字已改为 {lang}。")
T_NO_RIBBON = Text("{path}: the locale setting is now {lang} (the workbook has no ribbon).",
                   "{path}：语言设置已改为 {lang}（该工作簿没有功能区）。")
T_KEPT = Text("Sheet names, headers and dropdown lists stay as they were built; the previous file is kept "
              "as {backup}.",
              "工作表名、表头和下拉列表保持原样；原文件已备份为 {backup}。")

#: Relationship types of a ribbon part (Office 2007 and Office 2010+ flavours).
_RIBBON_RELS = ("http://schemas.microsoft.com/office/2006/relationships/ui/extensibility",
                "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility")
_RELATIONSHIP = re.compile(rb"<Relationship\b[^>]*>")


@dataclass
class LocaleChange:
    """What :func:`set_workbook_locale` rewrote: the ribbon parts (none for a workbook without a
    ribbon), in the workbook at ``path``."""

    ribbon_parts: list[str]
    path: str


def ribbon_parts(zf: zipfile.ZipFile) -> list[str]:
    """The customUI parts the package's root relationships name."""
    rels = zf.read("_rels/.rels") if "_rels/.rels" in zf.namelist() else b""
    parts = []
    for tag in _RELATIONSHIP.findall(rels):
        kind = re.search(rb'\bType="([^"]*)"', tag)
        target = re.search(rb'\bTarget="([^"]*)"', tag)
        if kind and target and kind.group(1).decode() in _RIBBON_RELS:
            parts.append(target.group(1).decode().lstrip("/"))
    return [p for p in parts if p in zf.namelist()]


def set_workbook_locale(path: str | Path, locale: str) -> LocaleChange:
    """Set the ``locale`` setting of the workbook at ``path`` and write the static labels of its
    ribbon in that language (:func:`addin.vba.localize_ribbon`; the Settings button's tag with it),
    all in one atomic replacement of the file (temporary file, fsync, rename; the previous file
    kept as ``<name>.bak``). Nothing is written when the workbook is open in Excel, read-only or
    not a sane workbook."""
    from addin.io.edit import WorkbookEdit, apply_edit
    from addin.io.safety import check_workbook
    from addin.vba import localize_ribbon

    src = check_workbook(path)
    with zipfile.ZipFile(src) as zf:
        parts = ribbon_parts(zf)
    edit = WorkbookEdit(settings={"locale": locale},
                        part_edits={part: (lambda data: localize_ribbon(data, locale)) for part in parts})
    apply_edit(src, edit, locale=locale)
    return LocaleChange(ribbon_parts=parts, path=str(src))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("workbook", type=Path, help="the workbook (.xlsm/.xlsx), closed in Excel")
    parser.add_argument("locale", choices=LOCALES, help="the language of the ribbon and of the add-in's messages")


def run(args: argparse.Namespace) -> int:
    from addin.io.writer import backup_path

    change = set_workbook_locale(args.workbook, args.locale)
    done = T_DONE if change.ribbon_parts else T_NO_RIBBON
    print(done(args.locale, path=args.workbook, lang=args.locale))
    print(T_KEPT(args.locale, backup=backup_path(Path(change.path))))
    return 0

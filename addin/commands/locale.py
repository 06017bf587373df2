"""`service-addin locale WORKBOOK en-US|zh-CN`: switch the workbook's language setting and write the
ribbon's static labels in that language, in place and atomically."""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from addin.i18n import Text
from addin.models import LOCALES

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


def _with_ribbon_labels(src: Path, dest: Path, locale: str) -> list[str]:
    """Write ``dest``: ``src`` with its ribbon parts' labels in ``locale``; every other part's
    content copied byte for byte, under its own name, date and attributes."""
    from addin.vba import localize_ribbon

    with zipfile.ZipFile(src) as zin:
        parts = ribbon_parts(zin)
        with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                data = zin.read(info)
                if info.filename in parts:
                    data = localize_ribbon(data, locale)
                copy = zipfile.ZipInfo(info.filename, info.date_time)
                copy.compress_type, copy.external_attr = info.compress_type, info.external_attr
                zout.writestr(copy, data)
    return parts


def _set_locale_openpyxl(locale: str):  # type: ignore[no-untyped-def]
    def edit(wb) -> None:  # type: ignore[no-untyped-def]
        from addin.io.writer import sheet_columns

        ws, header_row, columns = sheet_columns(wb, "settings")
        key_col, value_col = columns.get("key", 1), columns.get("value", 2)
        for row in range(header_row + 1, ws.max_row + 1):
            if str(ws.cell(row, key_col).value or "").strip().lower() == "locale":
                ws.cell(row, value_col).value = locale
                return
        ws.cell(ws.max_row + 1, key_col).value = "locale"
        ws.cell(ws.max_row, value_col).value = locale

    return edit


def set_workbook_locale(path: str | Path, locale: str) -> LocaleChange:
    """Set the ``locale`` setting of the workbook at ``path`` and write the static labels of its
    ribbon in that language (:func:`addin.vba.localize_ribbon`; the Settings button's tag with it),
    all in one atomic replacement of the file (temporary file, fsync, rename; the previous file
    kept as ``<name>.bak``). Nothing is written when the workbook is open in Excel, read-only or
    not a sane workbook."""
    from addin.io.package import FastPathUnavailable, edit_package
    from addin.io.safety import check_workbook
    from addin.io.writer import check_destination, update_workbook

    src = check_workbook(path)
    check_destination(src)
    fd, name = tempfile.mkstemp(prefix=f".{src.stem}.locale.", suffix=src.suffix, dir=src.parent)
    os.close(fd)
    staged = Path(name)
    try:
        parts = _with_ribbon_labels(src, staged, locale)
        try:
            # The settings value is set as text in its part; every other part, the relabelled
            # ribbon included, is copied as staged.
            edit_package(staged, locale=locale, settings={"locale": locale}, out=src, backup=True)
        except FastPathUnavailable:
            update_workbook(staged, _set_locale_openpyxl(locale), out=src, backup=True)
    finally:
        staged.unlink(missing_ok=True)
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

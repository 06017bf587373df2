"""`service-addin info WORKBOOK`: what the reader found in a workbook, sheet by sheet."""

from __future__ import annotations

import argparse
import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from addin.errors import WorkbookReadError
from addin.i18n import LOCALES, Text, column_label, sheet_label, tr

if TYPE_CHECKING:  # the module stays light: `info --help` imports neither pandas nor the models
    import pandas as pd

    from addin.store import Store
    from addin.tables import ReadProblem

HELP = "Show what a workbook holds: rows per sheet, date span, missing columns and unreadable cells."
#: addin.cli.console: the process ends once the output is flushed (no interpreter teardown).
EXIT_AT_ONCE = True

#: How many unreadable cells are shown per sheet (the count says how many there are in all).
SHOWN_PROBLEMS = 3

HEADER = Text("{file}: {found} of {total} sheets found.", "{file}：找到 {found}/{total} 个工作表。")
SHEET_LINE = Text("{label} [{name}]: {rows} rows{span}", "{label}［{name}］：{rows} 行{span}")
SPAN = Text(", {column} {first} .. {last}", "，{column} {first} 至 {last}")
NO_DATES = Text(", no {column}", "，无{column}")
MISSING_COLUMNS = Text("  missing columns: {columns}", "  缺少列：{columns}")
UNREADABLE = Text("  unreadable cells: {count} ({cells}{more})", "  无法读取的单元格：{count} 个（{cells}{more}）")
CELL = Text("row {row} {column}: {value!r}", "第 {row} 行 {column}：{value!r}")
MORE = Text(", ...", "，……")
MISSING_SHEETS = Text("Missing sheets: {sheets}", "缺少的工作表：{sheets}")
SEPARATOR = Text(", ", "、")
CELL_SEPARATOR = Text("; ", "；")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("workbook", type=Path, help="the .xlsx/.xlsm file")
    parser.add_argument("--locale", choices=LOCALES, help="language of the output (default: the workbook's)")
    parser.add_argument("--engine", choices=("calamine", "openpyxl"), default="calamine",
                        help="reading engine (calamine is fast; openpyxl reads as the writer does)")


def run(args: argparse.Namespace) -> int:
    """Print the summary; exit 0, or 2 (the error's code) when the file cannot be read."""
    from addin.io.reader import read_store

    try:
        store = read_store(args.workbook, engine=args.engine)
    except WorkbookReadError as exc:
        exc.locale = args.locale  # type: ignore[attr-defined]  # the CLI prints it in this language
        raise
    print("\n".join(describe(store, args.locale or store.locale)))
    return 0


def main_date_column(sheet: str) -> str | None:
    """The date a sheet's records are dated by: its first required date column, else its first
    date column (open_date of work orders, txn_date of the ledger, sale_date of vehicles)."""
    from addin.models import SHEETS

    dates = [c for c in SHEETS[sheet].columns if c.kind in ("date", "datetime")]
    chosen = next((c for c in dates if c.required), dates[0] if dates else None)
    return chosen.key if chosen else None


def describe(store: Store, locale: str) -> list[str]:
    """The lines of the summary, in ``locale``."""
    from addin.models import SHEETS

    problems: dict[str, list[ReadProblem]] = defaultdict(list)
    for p in store.problems:
        problems[p.sheet].append(p)
    name = store.path.name if store.path else "-"
    lines = [tr(HEADER, locale, file=name, found=len(SHEETS) - len(store.missing_sheets), total=len(SHEETS))]
    for key in SHEETS:
        if key in store.missing_sheets:
            continue
        table = store.tables[key]
        order = {c: i for i, c in enumerate(table.columns)}
        lines.append(tr(SHEET_LINE, locale, label=sheet_label(key, locale), name=store.sheet_names.get(key, key),
                        rows=f"{len(table):,}", span=_span(key, table, locale)))
        missing = store.missing_columns.get(key)
        if missing:
            lines.append(tr(MISSING_COLUMNS, locale,
                            columns=tr(SEPARATOR, locale).join(column_label(key, c, locale) for c in missing)))
        bad = sorted(problems.get(key, []), key=lambda p: (p.row or 0, order.get(p.column or "", len(order))))
        if bad:
            cells = tr(CELL_SEPARATOR, locale).join(tr(CELL, locale, row=p.row if p.row is not None else "-",
                                 column=column_label(key, p.column, locale) if p.column else "-",
                                 value=_plain(p.value)) for p in bad[:SHOWN_PROBLEMS])
            lines.append(tr(UNREADABLE, locale, count=len(bad), cells=cells,
                            more=tr(MORE, locale) if len(bad) > SHOWN_PROBLEMS else ""))
    if store.missing_sheets:
        lines.append(tr(MISSING_SHEETS, locale, sheets=tr(SEPARATOR, locale).join(sheet_label(k, locale)
                                                            for k in store.missing_sheets)))
    return lines


def _span(sheet: str, table: pd.DataFrame, locale: str) -> str:
    column = main_date_column(sheet)
    if column is None:
        return ""
    label = column_label(sheet, column, locale)
    dates = table[column].dropna()
    if dates.empty:
        return tr(NO_DATES, locale, column=label)
    return tr(SPAN, locale, column=label, first=_day(dates.min()), last=_day(dates.max()))


def _day(stamp: pd.Timestamp) -> str:
    return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat(sep=" ")


def _plain(value: Any) -> Any:
    """A cell value as the user typed it (dates as ISO text, whole numbers without .0)."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value

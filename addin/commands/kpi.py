"""`service-addin kpi WORKBOOK --period P [--json]`: every KPI of KPIS.md for a period P: a month
YYYY-MM, a day YYYY-MM-DD, a quarter YYYY-Qn, a year YYYY or a range A..B (KPIS.md "Period P")."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from addin.i18n import Text, tr

HELP = "compute every KPI of a period (KPIS.md) from a workbook; --json for the machine-readable form"
#: addin.cli.console: the process ends once the output is flushed (no interpreter teardown).
EXIT_AT_ONCE = True

_HEAD = Text("KPIs of {store} for {period} (parts valued by {method})",
             "{store} {period} 关键指标（配件计价：{method}）")
_COLUMNS = (Text("KPI", "指标"), Text("Value", "本期"), Text("Target", "目标"), Text("Previous", "上期"))
_PREVIOUS = Text("previous: {period}", "上期：{period}")
_METHOD = {"fifo": Text("FIFO", "先进先出"), "moving_average": Text("moving average", "移动加权平均")}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("workbook", help="the workbook (.xlsx/.xlsm) to read")
    parser.add_argument("--period", required=True,
                        help="the month YYYY-MM, or a day YYYY-MM-DD, a quarter YYYY-Qn, a year YYYY, a range A..B")
    parser.add_argument("--json", action="store_true", help="print KPIS.md's JSON shape (full precision)")
    parser.add_argument("--locale", choices=("en-US", "zh-CN"), help="language of the table (default: the workbook's)")
    parser.add_argument("--engine", default="calamine", choices=("calamine", "openpyxl"), help=argparse.SUPPRESS)


def format_value(value: Any, unit: str) -> str:
    """A KPI value as shown (the registry's unit formats, addin.kpis.UNIT_FORMATS); a dash when
    there is no value (zero denominator)."""
    from addin.kpis import format_kpi

    return format_kpi(value, unit)


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(width - _width(text), 0)
    return gap + text if right else text + gap


def render_table(result: Any, previous: Any, targets: dict[str, float], locale: str | None) -> str:
    """The human table: label, value, target, previous period."""
    from addin.kpis import KPIS

    rows = []
    for kid, k in KPIS.items():
        target = targets.get(kid)
        rows.append((k.label(locale), format_value(result[kid], k.unit),
                     "" if target is None else format_value(target, k.unit),
                     format_value(previous[kid], k.unit)))
    head = tuple(tr(c, locale) for c in _COLUMNS)
    widths = [max(_width(r[i]) for r in (head, *rows)) for i in range(4)]
    lines = []
    for r in (head, *rows):
        lines.append("  ".join(_pad(cell, widths[i], right=i > 0) for i, cell in enumerate(r)))
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def previous_of(period: Any) -> Any:
    """The period of the same length just before ``period``: as many whole months earlier (the
    month before a month, the quarter before a quarter, the year before a year), else as many
    days earlier (the day before a day)."""
    import pandas as pd

    from addin.periods import Period

    months = period.whole_months
    if months is not None:
        return period.shift(-months)
    days = pd.Timedelta(days=period.days)
    start, end = period.start - days, period.end - days
    return Period.parse(f"{start:%Y-%m-%d}" if period.kind == "day" else f"{start:%Y-%m-%d}..{end:%Y-%m-%d}")


def run(args: argparse.Namespace) -> int:
    from addin.io.reader import gc_paused

    # The read's tables are millions of objects that the KPIs' work would have the cyclic
    # collector walk again (0.05 s on a large year): paused for the command, as for the read.
    with gc_paused():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from addin.io.reader import read_store
    from addin.kpis import KPI_SHEETS, KPIS, compute_kpis, kpi_values, shared_frames
    from addin.periods import Period
    from addin.stock import valuate

    # Parsed once, before the workbook is read: everything below takes the Period.
    period = Period.parse(args.period)
    store = read_store(args.workbook, engine=args.engine, sheets=KPI_SHEETS)
    valuation = valuate(store)
    if args.json:
        json.dump(compute_kpis(store, period, valuation=valuation).to_json(), sys.stdout, ensure_ascii=False,
                  indent=2)
        sys.stdout.write("\n")
        return 0
    # The table shows the department KPIs of two periods: their values alone (the same formulas
    # as compute_kpis, without the per-person tables, lists and scorecards it does not print).
    locale = args.locale or store.locale
    before = previous_of(period)
    shared = shared_frames()  # what does not depend on the period, computed once for both
    result = kpi_values(store, period, tuple(KPIS), valuation=valuation, shared=shared)
    previous = kpi_values(store, before, tuple(KPIS), valuation=valuation, shared=shared)
    print(tr(_HEAD, locale, store=store.settings.store_name or store.settings.store_code or args.workbook,
             period=period.label, method=tr(_METHOD[valuation.method], locale))
          + ("" if period.kind == "month" else f" ({tr(_PREVIOUS, locale, period=before.label)})"))
    # Targets are monthly (settings target_<kpi>): shown beside a month only.
    print(render_table(result, previous, store.settings.targets if period.kind == "month" else {}, locale))
    return 0

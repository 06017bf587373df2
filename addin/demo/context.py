"""What every part of the demo store shares: its size and span, its language, and the one random
generator every draw comes from (the order of the draws is what makes a seed give one store)."""

from __future__ import annotations

import calendar
import datetime as dt
import random
from bisect import bisect
from collections.abc import Sequence
from itertools import accumulate
from typing import Any

from addin.errors import ServiceError
from addin.i18n import Text
from addin.models import SHEETS

#: Work orders a month, by size.
SIZES: dict[str, int] = {"small": 150, "medium": 800, "large": 2000}
#: The sheets :func:`addin.demo.generate` fills, in workbook order.
DEMO_SHEETS: tuple[str, ...] = (
    "settings", "roster", "positions", "vehicles", "work_orders", "wo_lines", "parts",
    "parts_ledger", "stocktake", "backorders", "claims", "claim_payments",
    # The registers of the department's day (each filled by its own module, with its own random
    # stream, so the records above stay as they are for a seed).
    "appointments", "followups", "complaints", "renewals", "loaners", "equipment", "tools", "tool_loans",
    "tool_issues", "training", "appraisal_weights",
)
DEFAULT_END = "2026-10"
TAX_RATE = 0.13
# Text is (English, Chinese); the store is in Shenzhen and sells one fictional brand.
STORE_NAME = ("Demo Motors 4S", "示范4S店")

_BAD_SIZE = Text("Unknown demo size '{value}': use small, medium or large.",
                 "未知的示例规模“{value}”：请使用 small、medium 或 large。")
_BAD_END = Text("The end month '{value}' is not a month: write it as YYYY-MM, e.g. 2026-10.",
                "结束月份“{value}”无效：请写成 年-月，例如 2026-10。")
_BAD_MONTHS = Text("The number of months must be between 1 and 60, not {value}.",
                   "月数应在 1 至 60 之间，而不是 {value}。")
_BAD_LOCALE = Text("Unknown locale '{value}': use en-US or zh-CN.", "未知语言“{value}”：请使用 en-US 或 zh-CN。")


class DemoError(ServiceError):
    """The demo store cannot be made with these arguments."""


# ---------------------------------------------------------------------------------------------
# Calendar helpers (calendar month arithmetic as KPIS.md defines it)

def _parse_month(text: str) -> tuple[int, int]:
    try:
        year, month = (int(p) for p in str(text).strip().split("-"))
        dt.date(year, month, 1)
    except ValueError:
        raise DemoError(_BAD_END, value=text) from None
    return year, month


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months (the day of the month clipped to its end)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def span(months: int, end: str) -> tuple[dt.date, dt.date]:
    """First and last day of the ``months`` calendar months ending with month ``end`` (YYYY-MM)."""
    year, month = _parse_month(end)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    return add_months(dt.date(year, month, 1), 1 - months), last


_COLUMNS = {key: tuple(c.key for c in SHEETS[key].columns) for key in DEMO_SHEETS}


def record(sheet: str, **values: Any) -> dict[str, Any]:
    """A record with every column of the sheet in model order (missing ones None)."""
    rec: dict[str, Any] = dict.fromkeys(_COLUMNS[sheet])
    rec.update(values)
    return rec


class Context:
    """One demo store's arguments, its span and its random generator, passed to every builder."""

    def __init__(self, size: str, months: int, seed: int, end: str, locale: str) -> None:
        if size not in SIZES:
            raise DemoError(_BAD_SIZE, value=size)
        if not 1 <= int(months) <= 60:
            raise DemoError(_BAD_MONTHS, value=months)
        if locale not in ("en-US", "zh-CN"):
            raise DemoError(_BAD_LOCALE, value=locale)
        self.size, self.months = size, int(months)
        self.lang = 1 if locale == "zh-CN" else 0
        self.locale = locale
        self.rng = random.Random(seed)
        self.random = self.rng.random
        self._cum: dict[tuple[float, ...], list[float]] = {}
        self.start, self.end = span(self.months, end)
        self.end_text = f"{self.end.year:04d}-{self.end.month:02d}"
        self.per_month = SIZES[size]
        self.scale = self.per_month / SIZES["small"]

    def t(self, pair: tuple[str, str]) -> str:
        """The text of an (English, Chinese) pair in the store's language."""
        return pair[self.lang]

    # The draws below are random.Random's, without its argument checks: a large store makes
    # about a million of them.
    def choice(self, seq: Sequence[Any]) -> Any:
        """A random element of ``seq``."""
        return seq[int(self.random() * len(seq))]

    def randint(self, low: int, high: int) -> int:
        """A random integer from ``low`` to ``high``, both included."""
        return low + int(self.random() * (high - low + 1))

    def weighted(self, items: Sequence[Any], weights: tuple[float, ...]) -> Any:
        """A random element of ``items`` drawn with ``weights``."""
        cum = self._cum.get(weights)
        if cum is None:
            cum = self._cum[weights] = list(accumulate(weights))
        return items[bisect(cum, self.random() * cum[-1])]

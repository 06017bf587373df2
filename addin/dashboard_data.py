"""The figures of the dashboard's chart, computed without openpyxl: the KPI results of every
month of a period's calendar year up to it (the dashboard plots their revenue and gross margin)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def year_months(period: str) -> list[str]:
    """The months (YYYY-MM) of the calendar year of ``period`` (YYYY-MM) up to it."""
    year, month = int(period[:4]), int(period[5:7])
    return [f"{year:04d}-{m:02d}" for m in range(1, month + 1)]


def compute_months(store: Any, period: str, valuation: Any = None, known: Iterable[Any] = ()) -> dict[str, Any]:
    """{YYYY-MM: KpiResult} of every month of ``period``'s year up to it, sharing one stock
    valuation (``valuation``, else valued once here); results in ``known`` (the period's and
    the previous month's, computed already) are taken as they are."""
    from addin.kpis import compute_kpis
    from addin.stock import valuate

    have = {r.period: r for r in known if r is not None}
    months = year_months(str(period)[:7])
    if any(m not in have for m in months) and valuation is None:
        valuation = valuate(store)
    return {m: have[m] if m in have else compute_kpis(store, m, valuation=valuation) for m in months}

"""The figures of the dashboard's chart, computed without openpyxl: the KPI results of every
month of a period's calendar year up to it (the dashboard plots their revenue and gross margin)."""

from __future__ import annotations

from typing import Any


def year_months(period: str) -> list[str]:
    """The months (YYYY-MM) of the calendar year of ``period`` (YYYY-MM) up to it."""
    year, month = int(period[:4]), int(period[5:7])
    return [f"{year:04d}-{m:02d}" for m in range(1, month + 1)]


def compute_months(store: Any, period: str, valuation: Any = None) -> dict[str, Any]:
    """{YYYY-MM: KpiResult} of every month of ``period``'s year up to it, sharing one stock
    valuation (``valuation``, else valued once here)."""
    from addin.kpis import compute_kpis
    from addin.stock import valuate

    valuation = valuate(store) if valuation is None else valuation
    return {m: compute_kpis(store, m, valuation=valuation) for m in year_months(str(period)[:7])}

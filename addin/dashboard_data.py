"""The figures of the dashboard's chart, computed without openpyxl: the KPI results of every
month of a period's calendar year up to it (the dashboard plots their revenue and gross margin)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def year_months(period: str) -> list[str]:
    """The months (YYYY-MM) of the calendar year of ``period`` (YYYY-MM) up to it."""
    year, month = int(period[:4]), int(period[5:7])
    return [f"{year:04d}-{m:02d}" for m in range(1, month + 1)]


#: The KPIs the chart's months need: revenue and gross margin plotted, entries and settled ROs
#: telling a month with data from one without (dashboard.has_data).
CHART_KPIS = ("entries", "settled_ros", "revenue", "gross_margin")


def compute_months(store: Any, period: str, valuation: Any = None, known: Iterable[Any] = (),
                   shared: dict[str, Any] | None = None) -> dict[str, Any]:
    """{YYYY-MM: KpiResult} of every month of ``period``'s year up to it, sharing one stock
    valuation (``valuation``, else valued once here); results in ``known`` (the period's and
    the previous month's, computed already) are taken as they are. The other months hold the
    values of :data:`CHART_KPIS` alone (addin.kpis.kpi_values: the same formulas, without the
    other KPIs, tables and lists a chart does not show; another KPI of them is a KeyError).
    The months share the frames that do not depend on the period (``shared``, else their own
    addin.kpis.shared_frames)."""
    from addin.kpis import KpiResult, kpi_values, shared_frames
    from addin.stock import valuate

    have = {r.period: r for r in known if r is not None}
    months = year_months(str(period)[:7])
    if any(m not in have for m in months) and valuation is None:
        valuation = valuate(store)
    shared = shared if shared is not None else shared_frames()
    out: dict[str, Any] = {}
    for m in months:
        if m in have:
            out[m] = have[m]
            continue
        out[m] = KpiResult(period=m, store_code=store.settings.store_code, valuation_method=valuation.method,
                           values=kpi_values(store, m, CHART_KPIS, valuation=valuation, shared=shared), aging={}, technicians=[],
                           advisors=[], teams=[], lists={})
    return out

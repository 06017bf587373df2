"""Periods of any length (KPIS.md "Period P"): the figures that add up over time do add up.

On the small demo store (13 months, 2025-10 to 2026-10): a quarter's revenue, entries, settled
ROs, flag hours and appointments booked are the sums of its three months; a range of one month
is that month, KPI for KPI; the days of a month sum to the month; and a range cut at any day is
the sum of its two parts. Then the ``kpi`` command takes every form and says which in "period".
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin import demo
from addin.kpis import KPIS, compute_kpis, kpi_values
from addin.stock import valuate
from addin.store import Store

#: The KPIs that are sums over the period's records.
ADDITIVE = ("revenue", "labor_revenue", "entries", "settled_ros", "flag_hours", "appointments_booked")
MONTHS = [f"{y}-{m:02d}" for y, m in [(2025, 10), (2025, 11), (2025, 12)] + [(2026, m) for m in range(1, 11)]]
FIRST, LAST = dt.date(2025, 10, 1), dt.date(2026, 10, 31)
AP = pytest.approx


@pytest.fixture(scope="module")
def small():
    records = demo.generate(size="small", months=13, seed=7)
    values = {r["key"]: r["value"] for r in records["settings"]}
    store = Store.from_records({k: v for k, v in records.items() if k != "settings"}, settings=values)
    return store, valuate(store)


def _sums(store, periods):
    total = dict.fromkeys(ADDITIVE, 0.0)
    for p in periods:
        for kid, value in kpi_values(store, p, ADDITIVE).items():
            total[kid] += value
    return total


def _same(got, want):
    return {kid: (got[kid], want[kid]) for kid in want if got[kid] != AP(want[kid], rel=1e-12, abs=1e-6)}


def test_the_figures_are_not_zero_and_kpi_values_is_compute_kpis(small):
    store, valuation = small
    full = compute_kpis(store, "2026-10", valuation=valuation)
    assert kpi_values(store, "2026-10", list(KPIS), valuation=valuation) == {k: full[k] for k in KPIS}
    assert all(full[k] > 0 for k in ADDITIVE)


@settings(max_examples=8, deadline=None)
@given(st.sampled_from(["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]))
def test_a_quarter_is_the_sum_of_its_months(small, quarter):
    store, _ = small
    year, n = int(quarter[:4]), int(quarter[-1])
    months = [f"{year}-{m:02d}" for m in range(3 * n - 2, 3 * n + 1)]
    assert _same(kpi_values(store, quarter, ADDITIVE), _sums(store, months)) == {}


def test_a_year_is_the_sum_of_its_quarters(small):
    store, _ = small
    assert _same(kpi_values(store, "2026", ADDITIVE), _sums(store, [f"2026-Q{n}" for n in range(1, 5)])) == {}


@settings(max_examples=6, deadline=None)
@given(st.sampled_from(MONTHS))
def test_a_range_of_one_month_is_the_month(small, month):
    store, valuation = small
    ranged = kpi_values(store, f"{month}..{month}", list(KPIS), valuation=valuation)
    assert ranged == kpi_values(store, month, list(KPIS), valuation=valuation)


@settings(max_examples=3, deadline=None)
@given(st.sampled_from(MONTHS))
def test_the_days_of_a_month_sum_to_the_month(small, month):
    store, _ = small
    first = dt.date(int(month[:4]), int(month[5:]), 1)
    days, day = [], first
    while day.month == first.month:
        days.append(day.isoformat())
        day += dt.timedelta(days=1)
    assert _same(kpi_values(store, month, ADDITIVE), _sums(store, days)) == {}


@settings(max_examples=10, deadline=None)
@given(st.data())
def test_a_range_cut_at_any_day_is_the_sum_of_its_parts(small, data):
    store, _ = small
    span = (LAST - FIRST).days
    start = FIRST + dt.timedelta(days=data.draw(st.integers(0, span - 1)))
    end = start + dt.timedelta(days=data.draw(st.integers(1, (LAST - start).days)))
    cut = start + dt.timedelta(days=data.draw(st.integers(0, (end - start).days - 1)))
    whole = kpi_values(store, f"{start}..{end}", ADDITIVE)
    parts = _sums(store, [f"{start}..{cut}", f"{cut + dt.timedelta(days=1)}..{end}"])
    assert _same(whole, parts) == {}


# -- the command ------------------------------------------------------------------------------------

@pytest.mark.parametrize("period, label, entries", [
    ("2026-10-15", "2026-10-15", 0),       # W6 opened that day was cancelled
    ("2026-Q3", "2026-Q3", 2),             # W0, W7 opened in September
    ("2026", "2026", 1 + 2 + 5),           # W9 (March), W0, W7, W1..W5; W8 is of 2025, W6 cancelled
    ("2026-08..2026-10", "2026-08..2026-10", 2 + 5),
    ("2026-q4", "2026-Q4", 5),
])
def test_the_kpi_command_takes_every_form_and_names_it(tmp_path, capsys, period, label, entries):
    """On tests/test_kpis.py's hand-made store: entries W1..W5 in October, W0 and W7 in
    September, W9 in March 2026."""
    from test_kpis import _run_kpi, workbook_from_records

    path = tmp_path / "service.xlsx"
    workbook_from_records().save(path)
    code, out = _run_kpi(capsys, str(path), "--period", period, "--json")
    data = json.loads(out)
    assert code == 0 and data["period"] == label and data["entries"] == entries


@pytest.mark.parametrize("period, before", [
    ("2026-10", "2026-09"), ("2026-Q3", "2026-Q2"), ("2026", "2025"), ("2026-10-15", "2026-10-14"),
    ("2026-08..2026-10", "2026-05..2026-07"), ("2026-10-01..2026-10-10", "2026-09-21..2026-09-30"),
])
def test_the_command_compares_with_the_period_of_the_same_length_before(period, before):
    from addin.commands.kpi import previous_of
    from addin.periods import Period

    assert previous_of(Period.parse(period)).label == before


@pytest.mark.parametrize("period, first_month, ytd", [
    ("2026-10", 1, "2026-01..2026-10"), ("2026-10", 4, "2026-04..2026-10"), ("2026-03", 4, "2025-04..2026-03"),
    ("2026-10-15", 1, "2026-01..2026-10-15"), ("2026-Q3", 7, "2026-07..2026-09"), ("2026-10", 10, "2026-10..2026-10"),
])
def test_year_to_date_starts_with_the_fiscal_year_holding_the_last_day(period, first_month, ytd):
    from addin.periods import year_to_date

    assert year_to_date(period, first_month).label == ytd


def test_year_to_date_figures_are_the_sum_of_the_months_so_far(small):
    from addin.periods import year_to_date

    store, _ = small
    months = [f"2026-{m:02d}" for m in range(1, 11)]
    assert _same(kpi_values(store, year_to_date("2026-10"), ADDITIVE), _sums(store, months)) == {}

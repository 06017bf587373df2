"""KpiResult.parts: the numerator and denominator of every ratio KPI, and the group figures that
addin/batch/group.py pools from them."""

from __future__ import annotations

import math

import pytest

from addin.batch.actions import TaskOptions, measure
from addin.batch.group import GROUP_RULES, Pooled, group_kpis
from addin.kpis import KPIS, compute_kpis
from addin.store import Store

RATIOS = ("gross_margin", "revenue_per_ro", "hours_per_ro", "effective_labor_rate", "comeback_rate",
          "first_time_fix_rate", "qc_first_pass_rate", "csi", "followup_rate", "appointment_rate",
          "complaint_rate", "first_service_rate", "claim_rejection_rate", "claim_days_to_pay",
          "stock_turnover", "stock_days", "slow_moving_ratio", "fill_rate", "stocktake_accuracy", "churn_rate",
          "on_time_rate", "turnaround_days", "appointment_show_rate",   # issue 18
          "complaint_resolution_rate", "renewal_rate", "staff_turnover")  # issues 11, 12


def test_every_ratio_kpi_has_its_parts_and_its_value_is_their_quotient():
    from test_kpis import make_store

    result = compute_kpis(make_store(), "2026-10")
    assert list(result.parts) == [k for k in KPIS if k in RATIOS]
    for kid, (num, den) in result.parts.items():
        assert den != 0 and result[kid] == pytest.approx(num / den, rel=1e-12), kid
    # The counts the hand-made store's figures are taken over (tests/test_kpis.py spells them out).
    assert result.parts["qc_first_pass_rate"] == (2, 3)
    assert result.parts["csi"] == (32, 4)   # W3 scored by its first reached call (issue 11)
    assert result.parts["fill_rate"] == (4, 5)
    assert result.parts["first_time_fix_rate"] == (3, 4)
    assert result.parts["claim_days_to_pay"] == (33, 2)
    assert result.parts["stocktake_accuracy"] == (2, 4)
    assert result.parts["churn_rate"] == (1, 6)
    assert result.parts["staff_turnover"] == (1, 5)   # issue 12: T3 left; (5 + 5) / 2 on duty
    # issue 18: W1, W4 on time of the 3 promised; 1 + 3 + 2 + 5 days over 4 jobs; AP1, AP2, AP8 of 4
    assert result.parts["on_time_rate"] == (2, 3) and result.parts["turnaround_days"] == (11, 4)
    assert result.parts["appointment_show_rate"] == (3, 4) and result.parts["appointment_rate"] == (3, 5)
    assert "parts" not in result.to_json()


def test_zero_denominators_are_kept_and_the_value_is_blank():
    from test_kpis import make_store

    result = compute_kpis(make_store(), "2030-01")
    for kid in ("csi", "fill_rate", "claim_days_to_pay", "stocktake_accuracy", "qc_first_pass_rate"):
        assert result.parts[kid] == (0, 0) and result[kid] is None, kid


def _close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def test_group_pools_the_workers_parts_into_the_figures_of_one_big_store():
    from test_batch import PERIOD, store_records

    (ra, sa), (rb, _) = store_records("A", 1), store_records("B", 2)
    a, b = Store.from_records(ra, sa), Store.from_records(rb, sa)
    both = Store.from_records({sheet: ra[sheet] + rb[sheet] for sheet in ra}, sa)
    results = [measure(s, TaskOptions(PERIOD)) for s in (a, b)]
    assert all("parts" in r and "bases" not in r for r in results)
    group = group_kpis(results, PERIOD)
    truth = compute_kpis(both, PERIOD).to_json()
    assert {k: (group[k], truth[k]) for k in GROUP_RULES if not _close(group[k], truth[k])} == {}
    pooled = [k for k, rule in GROUP_RULES.items() if isinstance(rule, Pooled)]
    assert sorted(pooled) == sorted(["qc_first_pass_rate", "first_service_rate", "claim_rejection_rate",
                                     "claim_days_to_pay", "fill_rate", "stocktake_accuracy", "churn_rate",
                                     "staff_turnover",  # issue 12
                                     "on_time_rate", "turnaround_days", "appointment_show_rate"])  # issue 18
    for kpi in pooled:  # really pooled: the stores differ, so their mean is not the group figure
        x, y = results[0]["kpis"][kpi], results[1]["kpis"][kpi]
        if x is not None and y is not None and not _close(x, y):
            assert not _close(group[kpi], (x + y) / 2), kpi


def test_pooled_rule_by_hand():
    stores = [
        {"kpis": {"fill_rate": 0.75}, "parts": {"fill_rate": [3, 4]}},
        {"kpis": {"fill_rate": 1.0}, "parts": {"fill_rate": [12, 12]}},
        {"kpis": {"fill_rate": None}, "parts": {"fill_rate": [0, 0]}},
        {"kpis": {"fill_rate": 0.5}},  # a result without parts adds nothing to either sum
    ]
    assert GROUP_RULES["fill_rate"].compute("fill_rate", stores, "2026-10", {}) == (3 + 12) / (4 + 12)
    assert GROUP_RULES["fill_rate"].compute("fill_rate", stores[2:3], "2026-10", {}) is None

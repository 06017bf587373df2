"""The demo store: clean, it has no finding; with the planted problems, validation finds exactly them."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from addin import demo
from addin.demo import plant_problems
from addin.rules import validate_store
from addin.store import Store


@pytest.fixture(scope="module")
def clean():
    return demo.generate(size="small")


def _store(records):
    return Store.from_records(records)


def test_clean_demo_store_has_no_finding(clean):
    findings = validate_store(_store(clean))
    # Issue 12: the tool room's work-list holds public tools not back by their due date on purpose
    # (KPIS.md loans_overdue); issue 11 keeps complaints open past complaint_resolve_days (KPIS.md
    # complaints_open), and the claims work-list old parts not returned (claims_parts_due). They
    # are the only findings, as warnings.
    from addin.kpis import compute_kpis

    lists = compute_kpis(_store(clean), "2026-10").lists
    overdue = lists["loans_overdue"]
    late = sum(1 for f in findings if f.rule == "CP-OVERDUE")
    assert len(overdue) >= 2
    parts = lists["claims_parts_due"]
    assert len(parts) == 2 and {f.value for f in findings if f.rule == "CL-PARTS-RETURN"} == {None}
    assert Counter((f.rule, f.severity) for f in findings) == Counter({("TLN-OVERDUE", "warning"): len(overdue),
                                                                      ("CP-OVERDUE", "warning"): late,
                                                                      ("CL-PARTS-RETURN", "warning"): len(parts)})


@pytest.mark.parametrize("seed", [1, 2])
def test_validation_finds_exactly_the_planted_problems(clean, seed):
    import copy

    records = copy.deepcopy(clean)
    planted = plant_problems(records, random.Random(seed))
    assert len({p.rule for p in planted}) == len(planted) == 16
    # Issue 12: leave out the clean store's own overdue tool loans (see the test above).
    baseline = {(f.rule, f.sheet, f.row, f.column) for f in validate_store(_store(clean))}
    findings = [f for f in validate_store(_store(records)) if (f.rule, f.sheet, f.row, f.column) not in baseline]
    found = {(f.rule, f.sheet, f.row, f.column) for f in findings}
    assert found == {(p.rule, p.sheet, p.row, p.column) for p in planted}
    assert len(findings) == len(found) == len({(f.sheet, f.row, f.column) for f in findings})
    severities = {f.rule: f.severity for f in findings}
    assert all(severities[p.rule] == p.severity for p in planted)

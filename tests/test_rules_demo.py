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
    assert Counter((f.rule, f.severity) for f in findings) == Counter()


@pytest.mark.parametrize("seed", [1, 2])
def test_validation_finds_exactly_the_planted_problems(clean, seed):
    import copy

    records = copy.deepcopy(clean)
    planted = plant_problems(records, random.Random(seed))
    assert len({p.rule for p in planted}) == len(planted) == 16
    findings = validate_store(_store(records))
    found = {(f.rule, f.sheet, f.row, f.column) for f in findings}
    assert found == {(p.rule, p.sheet, p.row, p.column) for p in planted}
    assert len(findings) == len(found) == len({(f.sheet, f.row, f.column) for f in findings})
    severities = {f.rule: f.severity for f in findings}
    assert all(severities[p.rule] == p.severity for p in planted)

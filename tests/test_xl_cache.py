"""The cache behind the worksheet functions (addin.xl.cache): equal data is served from it, a change
of any one cell is not, and it stays within its bounds."""

from __future__ import annotations

import copy

import pytest
from test_kpis import REVENUE_GROSS, T
from test_udfs import _kpi_args

from addin import udfs
from addin.xl.cache import SAMPLE, InputCache, fingerprint, freeze

AP = pytest.approx


@pytest.fixture(autouse=True)
def _fresh_cache():
    udfs.clear_cache()


def _revenue(rows: list[list]) -> float:
    return dict((r[0], r[2]) for r in rows)["revenue"]


def _cell(args: list, sheet: str, row: int, column: str) -> tuple[int, int]:
    """(table index, column index) of ``column`` in the argument of ``sheet``."""
    table = udfs.KPI_TABLES.index(sheet)
    return table, args[table][0].index(column)


def test_equal_data_in_new_lists_is_served_from_the_cache() -> None:
    args = _kpi_args()
    first = udfs.SERVICE_KPIS("2026-10", *args)
    assert _revenue(first) == AP(REVENUE_GROSS / T)
    hits = udfs.CACHE.hits
    again = udfs.SERVICE_KPIS("2026-10", *copy.deepcopy(args))  # Excel hands over new lists each call
    assert again is first and udfs.CACHE.hits == hits + 1


def test_a_change_of_one_cell_is_computed_again() -> None:
    args = _kpi_args()
    first = udfs.SERVICE_KPIS("2026-10", *args)
    changed = copy.deepcopy(args)
    table, col = _cell(changed, "wo_lines", 0, "unit_price")
    misc = next(i for i, r in enumerate(changed[table]) if r[0] == "W2" and r[1] == 3)  # W2's misc line, 30
    assert changed[table][misc][col] == 30
    changed[table][misc][col] = 40
    second = udfs.SERVICE_KPIS("2026-10", *changed)
    assert second is not first
    assert _revenue(second) == AP((REVENUE_GROSS + 10) / T)  # 10 more ex-tax at 13 %
    # and the first data still gives the first result
    assert udfs.SERVICE_KPIS("2026-10", *copy.deepcopy(args)) is first


def test_changing_the_lists_after_a_call_does_not_change_what_is_cached() -> None:
    args = _kpi_args()
    first = udfs.SERVICE_KPIS("2026-10", *args)
    table, col = _cell(args, "wo_lines", 0, "unit_price")
    misc = next(i for i, r in enumerate(args[table]) if r[0] == "W2" and r[1] == 3)
    args[table][misc][col] = 40  # in place: the cache holds its own copy of the rows
    second = udfs.SERVICE_KPIS("2026-10", *args)
    assert second is not first and _revenue(second) == AP((REVENUE_GROSS + 10) / T)


def test_a_cell_outside_the_fingerprints_sample_still_counts() -> None:
    grid = [["id", "value"]] + [[f"R{i}", float(i)] for i in range(1000)]
    cache = InputCache()
    calls: list[int] = []

    def total(g: list[list]) -> float:
        calls.append(1)
        return sum(r[1] for r in g[1:])

    assert cache.lookup(("sum", grid), lambda: total(grid)) == 999 * 1000 / 2
    other = copy.deepcopy(grid)
    other[500][1] = 0.0
    assert fingerprint(("sum", other)) == fingerprint(("sum", grid))  # row 500 is not in the sample
    assert cache.lookup(("sum", other), lambda: total(other)) == 999 * 1000 / 2 - 499
    assert cache.lookup(("sum", copy.deepcopy(grid)), lambda: total(grid)) == 999 * 1000 / 2
    assert len(calls) == 2 and (cache.hits, cache.misses) == (1, 2)


def test_the_fingerprint_samples_a_bounded_number_of_rows() -> None:
    grid = [[i, str(i)] for i in range(100_000)]
    kind, n, rows = fingerprint(grid)  # type: ignore[misc]
    assert (kind, n, len(rows)) == ("list", 100_000, SAMPLE + 2)
    assert rows[0] == ("list", 2, (0, "0")) and rows[-1] == ("list", 2, (99_999, "99999"))


def test_freeze_copies_lists_and_shares_cells() -> None:
    grid = [["a", 1.0], ["b", 2.0]]
    frozen, cells = freeze(("x", [grid, None]))
    assert frozen == ("x", [grid, None])
    assert frozen[1][0] is not grid and frozen[1][0][0] is not grid[0] and frozen[1][0][0][0] is grid[0][0]
    assert cells == 1 + 4 + 1


def test_bounded_by_entries_and_by_cells() -> None:
    cache = InputCache(max_entries=2, max_cells=25)
    grids = [[[i, i], [i, i]] for i in range(4)]  # 4 cells each, plus the tag
    for g in grids[:3]:
        cache.lookup(("t", g), lambda g=g: g[0][0])
    assert len(cache) == 2 and cache.cells == 10  # the first went: two entries at most
    assert cache.lookup(("t", copy.deepcopy(grids[0])), lambda: "again") == "again"  # computed again
    big = [[0] * 10 for _ in range(3)]  # 30 cells: more than the cache keeps
    assert cache.lookup(("t", big), lambda: "big") == "big"
    assert cache.lookup(("t", copy.deepcopy(big)), lambda: "big, again") == "big, again"
    assert cache.cells <= 25
    many = InputCache(max_entries=10, max_cells=12)
    for g in grids:
        many.lookup(("t", g), lambda g=g: g[0][0])
    assert len(many) == 2 and many.cells == 10  # 5 cells each, 12 at most: the two latest


def test_unhashable_cells_are_computed_without_caching() -> None:
    cache = InputCache()
    assert cache.lookup(("t", [[{"a": 1}]]), lambda: 1) == 1
    assert len(cache) == 0

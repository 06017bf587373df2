"""The cache behind the worksheet functions (addin.udfs): the same tables again give the result
already computed, without converting them or computing again.

Excel hands a UDF new Python lists at every call, so a cache has to recognise equal *data*.
Hashing every cell (or pickling the tables, as before) costs more than a cell can wait on a large
year (4.3 million cells: pickle and hash 3 s, a hash of every row 0.2-0.3 s). Instead:

- the key is a cheap fingerprint: each table's size and a sample of its rows (the first, the
  last and up to :data:`SAMPLE` spread between them), a few thousand cells whatever the size;
- the entry keeps a copy of the inputs (lists copied, cells shared: Excel's values are
  immutable primitives), and a hit is only served when the inputs *equal* that copy, compared
  cell by cell in C (about 10-20 ns a cell). A change of any one cell, sampled or not, is a miss.

The cache is bounded by entries (:data:`MAX_ENTRIES`) and by the cells it keeps alive
(:data:`MAX_CELLS`, about two large years); the least recently used entry goes first, and inputs
larger than the bound are computed and not kept.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

MAX_ENTRIES = 16
MAX_CELLS = 10_000_000
SAMPLE = 32

_SEQUENCES = frozenset((list, tuple))


def _is_seq(value: Any) -> bool:
    return type(value) in _SEQUENCES


def fingerprint(value: Any) -> Hashable:
    """A cheap, hashable summary of ``value`` (nested lists/tuples of cell values): the length
    of each list and a spread sample of its items, recursively. Equal inputs have equal
    fingerprints; different inputs usually differ, and :class:`InputCache` checks equality."""
    if not _is_seq(value):
        return value  # type: ignore[no-any-return]  # a cell: hashable, or TypeError in lookup
    n = len(value)
    if n <= SAMPLE + 2:
        picked = value
    else:
        step = (n - 1) / (SAMPLE + 1)
        picked = [value[round(i * step)] for i in range(SAMPLE + 2)]
    return (type(value).__name__, n, tuple(fingerprint(item) if _is_seq(item) else item for item in picked))


def freeze(value: Any) -> tuple[Any, int]:
    """A copy of ``value`` that the caller's later changes to its lists cannot reach, and the
    number of cells it holds: lists and tuples are copied down to the cells, the cells (immutable
    primitives) are shared."""
    if not _is_seq(value):
        return value, 1
    kinds = set(map(type, value))
    if kinds.isdisjoint(_SEQUENCES):  # a row of cells
        return (list(value) if type(value) is list else value), len(value)
    if kinds <= _SEQUENCES and _SEQUENCES.isdisjoint(map(type, itertools.chain.from_iterable(value))):
        # a table: rows of cells (checked in one pass over its cells), each row copied
        rows = [row.copy() if type(row) is list else row for row in value]
        return (rows if type(value) is list else tuple(rows)), sum(map(len, value))
    items = [freeze(item) for item in value]
    return type(value)(item for item, _ in items), sum(cells for _, cells in items)


class InputCache:
    """Results by their inputs: ``lookup(inputs, compute)`` returns the result stored for inputs
    equal to ``inputs``, else ``compute()`` (stored when the inputs fit the bounds)."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_cells: int = MAX_CELLS) -> None:
        self.max_entries = max_entries
        self.max_cells = max_cells
        self._entries: OrderedDict[tuple[Hashable, int], tuple[Any, Any, int]] = OrderedDict()
        self._serial = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def cells(self) -> int:
        """The cells the stored inputs hold."""
        return sum(cells for _, _, cells in self._entries.values())

    def clear(self) -> None:
        self._entries.clear()

    def lookup(self, inputs: Any, compute: Callable[[], Any]) -> Any:
        from addin.io.reader import gc_paused  # the reader's: a read and a copy allocate alike

        with gc_paused():
            try:
                key = fingerprint(inputs)
                hash(key)
            except TypeError:  # a value that cannot be a key (not from Excel): no caching
                return compute()
            for slot, (stored, result, _) in self._entries.items():
                if slot[0] == key and stored == inputs:
                    self._entries.move_to_end(slot)
                    self.hits += 1
                    return result
            self.misses += 1
            result = compute()
            frozen, cells = freeze(inputs)
            if cells <= self.max_cells:
                self._serial += 1
                self._entries[(key, self._serial)] = (frozen, result, cells)
                while len(self._entries) > self.max_entries or self.cells > self.max_cells:
                    self._entries.popitem(last=False)
            return result

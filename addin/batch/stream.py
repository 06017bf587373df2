"""Per-store results streamed to the batch's files as they arrive, so that the coordinator holds
no store it has written.

Results come back in the order the workers finish; :class:`Reorder` passes them on in input
order (holding only those that came early), so the files are the same whatever the timing: one
JSON line per measured store, written and flushed at once; the Parquet table in row groups of
:data:`ROW_GROUP` stores; and a spool of every store's result (pickled, beside the outputs, removed
once the group report is written) that the group report reads back (:class:`SpoolResult`).
"""

from __future__ import annotations

import contextlib
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from addin.batch.result import BatchResult, is_measured

#: Stores per Parquet row group: the coordinator holds at most this many rows.
ROW_GROUP = 256


class Reorder:
    """Items numbered by their input position, passed on in that order."""

    def __init__(self) -> None:
        self.next = 0
        self.waiting: dict[int, dict[str, Any]] = {}

    def push(self, index: int, item: dict[str, Any]) -> list[dict[str, Any]]:
        """The items now ready, in order: ``item`` and those it was the gap before."""
        self.waiting[index] = item
        ready = []
        while self.next in self.waiting:
            ready.append(self.waiting.pop(self.next))
            self.next += 1
        return ready


class Spool:
    """Store results pickled one after the other into a file; read back as often as needed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._fh = path.open("wb")

    def add(self, store: dict[str, Any]) -> None:
        # The parts of the ratios are in the group figures already; the report does not show them.
        pickle.dump({k: v for k, v in store.items() if k != "parts"}, self._fh, protocol=pickle.HIGHEST_PROTOCOL)
        self.count += 1

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if not self._fh.closed:
            self._fh.flush()
        with self.path.open("rb") as fh:
            for _ in range(self.count):
                yield pickle.load(fh)

    def remove(self) -> None:
        self.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


class _Measured:
    def __init__(self, spool: Spool) -> None:
        self.spool = spool

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (store for store in self.spool if is_measured(store))


class SpoolResult:
    """What :func:`addin.batch.outputs.write_group_report` reads, with the stores read back from
    the spool (each time they are iterated) instead of held."""

    def __init__(self, result: BatchResult, spool: Spool) -> None:
        self.action = result.action
        self.period = result.period
        self.gives_kpis = result.gives_kpis
        self.group = result.group
        self.failures = result.failures
        self.macros_note = result.macros_note
        self.stores = spool
        self.measured = _Measured(spool)


class StreamSink:
    """The files of a batch written store by store: ``add`` each store result (in input order),
    ``close`` when the last has come."""

    def __init__(self, out: Path, result: BatchResult) -> None:
        self.out = out
        self.period = result.period
        self.gives_kpis = result.gives_kpis
        self.jsonl = out / f"kpis_{result.period}.jsonl"
        self.parquet = out / f"kpis_{result.period}.parquet"
        self.spool = Spool(out / f".group_{result.action}_{result.period}.spool")
        self._lines = self.jsonl.open("w", encoding="utf-8") if self.gives_kpis else None
        self._rows: list[dict[str, Any]] = []
        self._writer: Any = None

    def add(self, store: dict[str, Any]) -> None:
        from addin.batch import outputs

        self.spool.add(store)
        if self._lines is None or not is_measured(store):
            return
        self._lines.write(outputs.jsonl_line(store))
        self._lines.flush()
        self._rows.append(outputs.parquet_row(store, self.period))
        if len(self._rows) >= ROW_GROUP:
            self._flush_rows()

    def _flush_rows(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        from addin.batch import outputs

        schema = outputs.parquet_schema()
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.parquet, schema)
        self._writer.write_table(pa.Table.from_pylist(self._rows, schema=schema))
        self._rows = []

    def close(self) -> None:
        """Finish the JSON lines and the Parquet table (the spool stays for the group report)."""
        self.spool.close()
        if self._lines is None:
            return
        self._lines.close()
        if self._rows or self._writer is None:
            self._flush_rows()
        self._writer.close()

    def abort(self) -> None:
        """After a failure of the batch itself (no cluster, interrupted): close everything and
        remove what was written, which would be incomplete."""
        with contextlib.suppress(Exception):
            self.close()
        self.spool.remove()
        if self.gives_kpis:
            for path in (self.jsonl, self.parquet):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()

"""What a batch returns, and the error that stops it before it starts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from addin.errors import ServiceError


def is_measured(store: dict[str, Any]) -> bool:
    """A store whose KPIs count in the group figures (read, and closed when closing)."""
    return store.get("kpis") is not None and store["status"] != "refused"


def is_flagged(store: dict[str, Any]) -> bool:
    """A store with validation errors or a refused close."""
    return store["status"] in ("errors", "refused")


class BatchError(ServiceError):
    """The batch cannot start (bad arguments, no input, a missing part of the add-in)."""


@dataclass
class BatchResult:
    """What a batch did. ``stores``: one worker result per workbook that was read (status ok,
    errors or refused), in input order, when the batch keeps them (``run_batch(keep_stores=...)``;
    ``store_count`` and ``flagged`` count them either way); ``failures``: ``{"file", "reason"}`` per file that could
    not be processed; ``group``: every KPI over the measured stores (addin.batch.group);
    ``outputs``: "xlsx", "pdf", "jsonl", "parquet" -> path of each file written; ``notes``: what
    the user should know (no PDF, macros not compared); ``peak_rss_mb``: per worker process id,
    its peak resident memory."""

    action: str
    period: str
    gives_kpis: bool
    stores: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)
    group: dict[str, float | None] = field(default_factory=dict)
    outputs: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    macros_note: str | None = None
    peak_rss_mb: dict[int, float] = field(default_factory=dict)
    seconds: float = 0.0
    store_count: int = 0
    flagged: int = 0

    def count(self, store: dict[str, Any]) -> None:
        """Count a store that was read (whether or not ``stores`` keeps it)."""
        self.store_count += 1
        self.flagged += is_flagged(store)

    @property
    def measured(self) -> list[dict[str, Any]]:
        """Stores whose KPIs count in the group figures (read, and closed when closing)."""
        return [s for s in self.stores if is_measured(s)]

    @property
    def exit_code(self) -> int:
        """0 all ok, 1 a store has validation errors or refused to close, 2 a file failed."""
        if self.failures:
            return 2
        return 1 if self.flagged or any(is_flagged(s) for s in self.stores) else 0

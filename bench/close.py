"""Benchmark: the month-end close of the large demo year, without and with PDFs, against the bare
calamine parse of the same file.

    .venv/bin/python bench/close.py [WORKBOOK] [--keep DIR] [--no-pdf] [--repeat 2] [--limit 3.0] [--pdf-limit 30]

Without WORKBOOK it closes the large demo year /tmp/bench_large.xlsm (generated once, see
bench/kpi.py). In one run: python-calamine's bare parse of every sheet (best of --repeat); the close
of the workbook's open month on a fresh copy through addin.month_end.close_workbook without PDFs
(best of --repeat, each on a fresh copy: the machine is shared, and both sides of the ratio are
measured the same way); then on another fresh copy with PDFs (LibreOffice, once). For each close it
prints the seconds of every step (read, validate, post, value, kpis, fingerprint, reports, pdf,
write) with its share of the whole, and how the workbook was written ("package": part by part;
"openpyxl": the whole workbook).

Targets (issue 15): the close without PDFs within --limit (3) times the bare parse, in CPU time of
this process (the machine is shared; wall time is printed beside it); with PDFs within --pdf-limit
(30) seconds of wall time (LibreOffice runs as its own process). Exits 1 above either. If the demo
store has validation errors the bench says how many and closes anyway (treating them as
warnings), so that every step is measured.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from kpi import DEMO, compiled, ensure_demo  # noqa: E402  (the large demo year the benches share)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
LIMIT = 3.0
PDF_LIMIT = 30.0


def bare_parse(path: Path) -> tuple[float, float]:
    """CPU and wall seconds of python-calamine alone: open, and every sheet to Python lists."""
    from python_calamine import CalamineWorkbook

    cpu, wall = time.process_time(), time.perf_counter()
    wb = CalamineWorkbook.from_path(str(path))
    for name in wb.sheet_names:
        wb.get_sheet_by_name(name).to_python()
    return time.process_time() - cpu, time.perf_counter() - wall


def close_copy(source: Path, keep: Path, pdf: bool, found: dict[str, Any]) -> tuple[Any, float, float]:
    """Close a fresh copy of ``source``; the outcome, and the CPU and wall seconds of the close."""
    import addin.month_end

    book = keep / f"close{'-pdf' if pdf else ''}{source.suffix}"
    shutil.copyfile(source, book)
    reports = keep / f"reports{'-pdf' if pdf else ''}"
    shutil.rmtree(reports, ignore_errors=True)
    cpu, wall = time.process_time(), time.perf_counter()
    outcome = addin.month_end.close_workbook(book, user="S001", out_dir=reports, pdf=pdf)
    return outcome, time.process_time() - cpu, time.perf_counter() - wall


def show(title: str, outcome: Any, cpu: float, wall: float) -> None:
    print(f"{title}: {wall:.1f} s wall, {cpu:.1f} s CPU; written through {outcome.writer}; "
          f"{len(outcome.reports)} report files; {outcome.plan.record_count:,} records locked")
    total = sum(outcome.timings.values()) or 1.0
    for step, seconds in outcome.timings.items():
        print(f"  {step:<12} {seconds:6.2f} s  {seconds / total:5.1%}")
    if outcome.no_pdf_reason:
        print(f"  {outcome.no_pdf_reason}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workbook", nargs="?", type=Path, default=DEMO)
    parser.add_argument("--keep", type=Path, default=Path("/tmp/service-bench-close"),
                        help="folder of the copies closed and their reports")
    parser.add_argument("--no-pdf", action="store_true", help="only the close without PDFs")
    parser.add_argument("--repeat", type=int, default=2,
                        help="runs of the bare parse and of the close without PDFs, the best kept (default 2)")
    parser.add_argument("--limit", type=float, default=LIMIT, help=f"largest ratio without PDFs (default {LIMIT:g})")
    parser.add_argument("--pdf-limit", type=float, default=PDF_LIMIT,
                        help=f"most seconds with PDFs (default {PDF_LIMIT:g})")
    args = parser.parse_args(argv)
    source: Path = args.workbook
    if not ensure_demo(source):
        return 2
    compiled()
    args.keep.mkdir(parents=True, exist_ok=True)

    import addin.close
    from addin.rules import validate_store

    real = addin.close.validate_for_close
    found: dict[str, Any] = {}

    def validate(store: Any, period: str) -> list[Any]:
        try:
            return real(store, period)
        except addin.close.CloseError:
            findings = validate_store(store, period)
            found["errors"] = sum(f.severity == "error" for f in findings)
            return findings

    addin.close.validate_for_close = validate  # type: ignore[assignment]

    bare_parse(source)  # warm the file cache
    bare_cpu, bare_wall = (min(t) for t in zip(*(bare_parse(source) for _ in range(max(args.repeat, 1)))))
    print(f"workbook {source} ({source.stat().st_size / 1e6:.1f} MB)")
    print(f"bare calamine parse: {bare_cpu:.2f} s CPU, {bare_wall:.2f} s wall")
    outcome, cpu, wall = min((close_copy(source, args.keep, False, found) for _ in range(max(args.repeat, 1))),
                             key=lambda run: run[1])
    if found:
        print(f"note: the demo store has {found['errors']} validation error(s); closed anyway for the bench")
    show(f"close {outcome.plan.period} without PDFs", outcome, cpu, wall)
    ratio = cpu / bare_cpu
    failed = ratio > args.limit
    print(f"  = {ratio:.2f}x the bare parse in CPU (limit {args.limit:g}x), {wall / bare_wall:.2f}x in wall time"
          + ("  OVER" if failed else ""))
    if not args.no_pdf:
        outcome, cpu, wall = close_copy(source, args.keep, True, found)
        show(f"close {outcome.plan.period} with PDFs", outcome, cpu, wall)
        over = wall > args.pdf_limit or outcome.no_pdf_reason is not None
        failed |= over
        print(f"  {wall:.1f} s wall (limit {args.pdf_limit:g} s)" + ("  OVER (or no PDFs made)" if over else ""))
    print("FAIL" if failed else "OK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: month-end close of the last month of the large demo year, PDFs included.

    .venv/bin/python bench/close.py [--size large] [--months 12] [--no-pdf] [--keep DIR]

Writes the demo workbook once (cached in the --keep folder, default /tmp/service-bench-close),
copies it, closes its last month through addin.month_end.close_workbook and prints the seconds of
each step: read, validate, post, value, kpis, fingerprint, reports, pdf, write, and how the
workbook was written ("package": part by part; "openpyxl": the whole workbook). The target is a
whole close under 60 s. If the demo store has validation errors the bench says how many and
closes anyway (treating them as warnings), so that every step is measured.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="large", choices=("small", "medium", "large"))
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-pdf", action="store_true")
    parser.add_argument("--keep", type=Path, default=Path("/tmp/service-bench-close"))
    args = parser.parse_args()

    import addin.close
    import addin.month_end
    from addin.commands.demo import write_demo
    from addin.demo import DEFAULT_END, generate

    args.keep.mkdir(parents=True, exist_ok=True)
    source = args.keep / f"demo_{args.size}_{args.months}_{args.seed}.xlsx"
    if not source.exists():
        t = time.perf_counter()
        records = generate(size=args.size, months=args.months, seed=args.seed)
        rows = write_demo(records, source, "en-US")
        print(f"demo workbook written ({sum(rows.values()):,} rows) in {time.perf_counter() - t:.1f} s: {source}")
    book = args.keep / "close.xlsx"
    shutil.copyfile(source, book)
    print(f"workbook {book.stat().st_size / 1e6:.1f} MB; closing {DEFAULT_END}")

    real = addin.close.validate_for_close
    found: dict[str, Any] = {}

    def validate(store: Any, period: str) -> list[Any]:
        from addin.rules import validate_store

        try:
            return real(store, period)
        except addin.close.CloseError:
            findings = validate_store(store, period)
            found["errors"] = sum(f.severity == "error" for f in findings)
            return findings

    addin.close.validate_for_close = validate
    start = time.perf_counter()
    outcome = addin.month_end.close_workbook(book, user="S001", out_dir=args.keep / "reports", pdf=not args.no_pdf)
    total = time.perf_counter() - start
    if found:
        print(f"note: the demo store has {found['errors']} validation error(s); closed anyway for the bench")
    for step, seconds in outcome.timings.items():
        print(f"  {step:<12} {seconds:6.1f} s")
    print(f"  {'total':<12} {total:6.1f} s  ({'under' if total < 60 else 'OVER'} the 60 s target)")
    print(f"written through: {outcome.writer}")
    print(f"records locked: {outcome.plan.record_count:,}; reports: {len(outcome.reports)} files in {outcome.report_dir}")
    if outcome.no_pdf_reason:
        print(outcome.no_pdf_reason)
    return 0


if __name__ == "__main__":
    sys.exit(main())

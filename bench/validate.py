"""Benchmark: validating the large demo year against the bare calamine parse of the same file.

    .venv/bin/python bench/validate.py [WORKBOOK] [--limit 3.0]

Times, in one run, (a) python-calamine reading every sheet of the workbook to Python lists and
(b) addin.io.reader.read_store + addin.rules.validate_store on it; prints both and their ratio and
exits 1 when (b) takes more than ``--limit`` times (a), in CPU time of the process. The workbook defaults to
/tmp/bench_large.xlsm, made first when missing with
``service-addin demo --size large --months 12 --out /tmp/bench_large.xlsm``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

DEFAULT = Path("/tmp/bench_large.xlsm")


def bare_parse(path: Path) -> int:
    """Read every sheet with python-calamine, as the cheapest possible read; returns the rows."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    return sum(len(wb.get_sheet_by_name(name).to_python()) for name in wb.sheet_names)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workbook", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--limit", type=float, default=3.0, help="largest allowed ratio (default 3)")
    args = parser.parse_args(argv)
    if not args.workbook.exists():
        print(f"making {args.workbook} (service-addin demo --size large --months 12) ...", flush=True)
        subprocess.run([sys.executable, "-m", "addin", "demo", "--size", "large", "--months", "12",
                        "--out", str(args.workbook)], check=True)

    from addin.io.reader import read_store
    from addin.rules import validate_store

    bare_parse(args.workbook)  # warm the file cache, so both timings read from memory
    # CPU time of this process decides (the machine is shared, so wall time depends on the
    # neighbours); wall time is printed beside it.
    clocks = (time.process_time, time.perf_counter)
    t0 = [c() for c in clocks]
    rows = bare_parse(args.workbook)
    t1 = [c() for c in clocks]
    store = read_store(args.workbook)
    t2 = [c() for c in clocks]
    findings = validate_store(store)
    t3 = [c() for c in clocks]
    parse, read, validate = ([b - a for a, b in zip(x, y)] for x, y in ((t0, t1), (t1, t2), (t2, t3)))
    ratio = (read[0] + validate[0]) / parse[0]
    sizes = ", ".join(f"{k} {len(store.tables[k]):,}" for k in ("work_orders", "wo_lines", "parts_ledger"))
    print(f"workbook: {args.workbook} ({rows:,} rows; {sizes})")
    print(f"{'':29}{'CPU':>8}{'wall':>9}")
    for label, (cpu, wall) in (("bare calamine parse", parse), ("read_store", read),
                               (f"validate_store ({len(findings)} findings)", validate),
                               ("read_store + validate_store", (read[0] + validate[0], read[1] + validate[1]))):
        print(f"{label:29}{cpu:7.2f}s{wall:8.2f}s")
    print(f"ratio (CPU): {ratio:.2f} x the bare parse (limit {args.limit:g} x); "
          f"wall: {(read[1] + validate[1]) / parse[1]:.2f} x")
    return 0 if ratio <= args.limit else 1


if __name__ == "__main__":
    sys.exit(main())

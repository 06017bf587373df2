"""`kpi`, `validate` and `info` end to end, as processes, against the bare calamine parse.

    .venv/bin/python bench/commands.py [WORKBOOK] [--period YYYY-MM] [--repeat N] [--limit 1.5]

Without WORKBOOK it uses the large demo year /tmp/bench_large.xlsm (generated once, see
bench/kpi.py). In one run, one after the other, each repeated --repeat times (the best kept):
python-calamine's bare parse of every sheet in this process (open, every sheet to Python lists:
what no reader can go below), and ``python -m addin kpi WORKBOOK --period P``, ``validate
WORKBOOK --period P`` and ``info WORKBOOK`` as processes (interpreter start, imports, the read,
the work, the output). The machine is shared, so what decides is CPU time (the child's user +
system time beside this process's own for the parse); wall time is printed beside it. Exits 1
when a command takes more than --limit times the bare parse (the issue's bar, 1.5).

Beside each command it prints what no version of it can go below, measured in the same run: an
interpreter importing the command's modules (as a process), the package safety scan that must
precede the parse (in this process), and the parse the reader does of only the sheets the command
reads (fastexcel's load to Arrow, python-calamine for a sheet fastexcel cannot type). What is
left above that floor is the typing, the work and the output.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from kpi import DEMO, compiled, ensure_demo, last_period  # noqa: E402  (the large demo year the benches share)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the floors below import the package in this process
LIMIT = 1.5


def bare_parse(path: Path) -> tuple[float, float]:
    """CPU and wall seconds of python-calamine alone: open, and every sheet to Python lists."""
    from python_calamine import CalamineWorkbook

    cpu, wall = time.process_time(), time.perf_counter()
    wb = CalamineWorkbook.from_path(str(path))
    for name in wb.sheet_names:
        wb.get_sheet_by_name(name).to_python()
    return time.process_time() - cpu, time.perf_counter() - wall


def run_process(args: list[str]) -> tuple[float, float, int]:
    """CPU (user + system of the child) and wall seconds of ``python -m addin ARGS``, and its exit
    code; its output is discarded (a terminal would only add the neighbours' noise)."""
    return run_python(["-m", "addin", *args])


def run_python(args: list[str]) -> tuple[float, float, int]:
    """CPU (user + system) and wall seconds of ``python ARGS`` as a child, and its exit code."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    code = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                          check=False).returncode
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, code


#: The modules each command imports before it reads (what its process cannot do without).
MODULES = {"kpi": ("addin.cli", "addin.io._calamine", "addin.kpis", "addin.stock", "addin.commands.kpi"),
           "validate": ("addin.cli", "addin.io._calamine", "addin.rules", "addin.commands.validate"),
           "info": ("addin.cli", "addin.io._calamine", "addin.models", "addin.commands.info")}


def import_cpu(modules: tuple[str, ...]) -> float:
    """CPU seconds of an interpreter that imports ``modules`` and exits."""
    cpu, _, code = run_python(["-c", "import " + ", ".join(modules)])
    if code:
        raise SystemExit(f"importing {', '.join(modules)} failed (exit {code})")
    return cpu


def safety_cpu(path: Path) -> float:
    """CPU seconds of the package check the reader runs before python-calamine opens the file."""
    from addin.io.safety import inspect_workbook

    cpu = time.process_time()
    inspect_workbook(path)
    return time.process_time() - cpu


def sheets_parse_cpu(path: Path, keys: tuple[str, ...] | None) -> float:
    """CPU seconds of the parse the reader does of only the worksheets of sheet ``keys`` (and the
    settings), as it matches them, every sheet when ``keys`` is None: fastexcel's strict load to
    Arrow (addin/io/_arrow.py), or python-calamine's cells for a sheet fastexcel does not type."""
    import fastexcel
    from python_calamine import CalamineWorkbook

    import addin.io._arrow  # noqa: F401  (quiets fastexcel's warning on a column of mixed kinds)
    from addin.io.reader import match_sheets

    wb = CalamineWorkbook.from_path(str(path))
    found = match_sheets(wb.sheet_names, [])
    names = list(found.values()) if keys is None else [found[k] for k in ("settings", *keys) if k in found]
    cpu = time.process_time()
    reader = fastexcel.read_excel(str(path))
    for name in names:
        try:
            reader.load_sheet(name, header_row=0, schema_sample_rows=None, dtype_coercion="strict").to_arrow()
        except Exception:  # mixed kinds in a column: the reader parses it with python-calamine
            wb.get_sheet_by_name(name).to_python()
    return time.process_time() - cpu


def best_of(times: list[tuple[float, float]]) -> tuple[float, float]:
    return min(t[0] for t in times), min(t[1] for t in times)


def commands(path: Path, period: str) -> dict[str, list[str]]:
    return {"kpi": ["kpi", str(path), "--period", period],
            "validate": ["validate", str(path), "--period", period],
            "info": ["info", str(path)]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workbook", nargs="?", type=Path, default=DEMO)
    parser.add_argument("--period", help="the month for kpi and validate (default: the last month of the file)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--limit", type=float, default=LIMIT, help=f"largest allowed ratio (default {LIMIT})")
    parser.add_argument("--only", nargs="+", choices=("kpi", "validate", "info"), help="time only these commands")
    args = parser.parse_args(argv)
    path: Path = args.workbook
    if not ensure_demo(path):
        return 2
    compiled()
    period = args.period or last_period(path)
    chosen = {k: v for k, v in commands(path, period).items() if not args.only or k in args.only}

    bare_parse(path)  # warm the file cache: every figure below reads from memory
    bare_runs: list[tuple[float, float]] = []
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in chosen}
    codes: dict[str, int] = {}
    for _ in range(args.repeat):  # interleaved, so that a busy moment of the machine hits all alike
        bare_runs.append(bare_parse(path))
        for name, cmd in chosen.items():
            cpu, wall, codes[name] = run_process(cmd)
            runs[name].append((cpu, wall))
    bare_cpu, bare_wall = best_of(bare_runs)
    from addin.kpis import KPI_SHEETS

    reads = {"kpi": KPI_SHEETS, "validate": None, "info": None}
    safety = min(safety_cpu(path) for _ in range(args.repeat))
    floors = {name: min(import_cpu(MODULES[name]) for _ in range(args.repeat)) + safety
              + min(sheets_parse_cpu(path, reads[name]) for _ in range(args.repeat)) for name in chosen}

    print(f"workbook {path} ({path.stat().st_size / 1e6:.1f} MB), period {period}, best of {args.repeat}")
    print(f"{'':34}{'CPU':>8}{'wall':>9}{'CPU ratio':>11}{'wall ratio':>12}")
    print(f"{'bare calamine parse (in process)':34}{bare_cpu:7.2f}s{bare_wall:8.2f}s")
    failed = False
    for name, times in runs.items():
        cpu, wall = best_of(times)
        over = cpu > args.limit * bare_cpu
        failed |= over
        label = f"{name} (process, exit {codes[name]})"
        print(f"{label:34}{cpu:7.2f}s{wall:8.2f}s{cpu / bare_cpu:10.2f}x{wall / bare_wall:11.2f}x"
              + (f"  OVER {args.limit:g}x" if over else ""))
        print(f"{'  its floor: imports+scan+parse':34}{floors[name]:7.2f}s{'':9}{floors[name] / bare_cpu:10.2f}x"
              f"  (above it: {cpu - floors[name]:.2f} s of typing, work and output)")
    print(f"  (the package safety scan alone: {safety:.2f} s, {safety / bare_cpu:.2f}x)")
    print("FAIL" if failed else "OK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

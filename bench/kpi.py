"""KPI speed on the large demo year: `kpi` (read + compute) against the bare calamine parse.

    .venv/bin/python bench/kpi.py [WORKBOOK] [--period YYYY-MM] [--repeat N]

Without WORKBOOK it uses the large demo year /tmp/bench_large.xlsm, generating it once with
``service-addin demo --size large --months 12 --out /tmp/bench_large.xlsm``. In one process, one
after the other: python-calamine's bare parse of every sheet; what ``service-addin kpi --json``
does for the last month (read_store, valuation, compute_kpis, JSON); and the computation alone
on the tables already read (valuation + compute_kpis); then ``service-addin kpi`` as a process
(interpreter start, imports, read, both periods of its table, output), in CPU time of the child
against this process's CPU time for the bare parse (bench/commands.py does the same for kpi,
validate and info). Each is repeated (--repeat, best kept) because the machine is shared. Exits 1
when kpi in process takes more than 2x the bare parse, the process more than 1.5x, or the
computation alone takes 2 s or more (the issue's bars).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

DEMO = Path("/tmp/bench_large.xlsm")
KPI_LIMIT = 2.0        # kpi / bare parse
PROCESS_LIMIT = 1.5    # the kpi command as a process / bare parse (CPU)
COMPUTE_LIMIT = 2.0    # seconds


def bare_calamine(path: Path) -> int:
    """What python-calamine alone costs: open, and every sheet to Python lists."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    return sum(len(wb.get_sheet_by_name(name).to_python()) for name in wb.sheet_names)


def kpi_command(path: Path, period: str) -> str:
    """What `service-addin kpi PATH --period P --json` does, without the process start."""
    from addin.io.reader import read_store
    from addin.kpis import compute_kpis

    store = read_store(path)
    return json.dumps(compute_kpis(store, period).to_json(), ensure_ascii=False)


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def last_period(path: Path) -> str:
    """The last month with a settled job in the workbook."""
    from addin.io.reader import read_store

    wo = read_store(path).table("work_orders")
    return str(wo["close_date"].max().strftime("%Y-%m"))


def compiled() -> None:
    """The package's bytecode written, as an installed wheel has it (pip compiles a wheel at
    install; an editable checkout run with PYTHONDONTWRITEBYTECODE=1, as here, would compile the
    package's modules from source at every start): every bench measures the commands as a user's
    installation runs them. Only modules changed since are compiled again."""
    import compileall

    compileall.compile_dir(str(Path(__file__).resolve().parents[1] / "addin"), quiet=1)


def ensure_demo(path: Path) -> bool:
    """False (and says so) when ``path`` is missing and is not the default demo; the default demo,
    the large year, is generated when missing (other benches share it)."""
    if path.exists():
        return True
    if path != DEMO:
        print(f"{path} does not exist", file=sys.stderr)
        return False
    print(f"generating {DEMO} (service-addin demo --size large --months 12) ...", flush=True)
    subprocess.run([sys.executable, "-m", "addin", "demo", "--size", "large", "--months", "12",
                    "--out", str(DEMO)], check=True)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workbook", nargs="?", type=Path, default=DEMO)
    parser.add_argument("--period", help="the month to compute (default: the last month of the file)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    path: Path = args.workbook
    if not ensure_demo(path):
        return 2
    compiled()

    from addin.io.reader import read_store
    from addin.kpis import compute_kpis
    from addin.stock import valuate

    period = args.period or last_period(path)
    bare, rows = best(lambda: bare_calamine(path), args.repeat)
    kpi, _ = best(lambda: kpi_command(path, period), args.repeat)
    store = read_store(path)
    valuation_time, valuation = best(lambda: valuate(store), args.repeat)
    compute, result = best(lambda: compute_kpis(store, period), args.repeat)
    sizes = {k: len(store.table(k)) for k in ("work_orders", "wo_lines", "parts_ledger")}
    from commands import bare_parse, run_process

    bare_cpu = min(bare_parse(path)[0] for _ in range(args.repeat))
    process = min(run_process(["kpi", str(path), "--period", period])[0] for _ in range(args.repeat))

    print(f"workbook {path} ({path.stat().st_size / 1e6:.1f} MB, {rows:,} worksheet rows), period {period}")
    print("  " + ", ".join(f"{k} {n:,}" for k, n in sizes.items()))
    print(f"  bare calamine parse            {bare:7.3f} s")
    print(f"  kpi (read + compute + JSON)    {kpi:7.3f} s   = {kpi / bare:.2f}x bare (limit {KPI_LIMIT}x)")
    print(f"  compute alone (valuation+KPIs) {compute:7.3f} s   (limit {COMPUTE_LIMIT} s; "
          f"of which valuation {valuation_time:.3f} s)")
    print(f"  kpi as a process (CPU)         {process:7.3f} s   = {process / bare_cpu:.2f}x the bare parse's "
          f"{bare_cpu:.3f} s CPU (limit {PROCESS_LIMIT}x)")
    print(f"  revenue {result['revenue']:,.2f}, settled ROs {result['settled_ros']:,}")
    failed = kpi > KPI_LIMIT * bare or compute >= COMPUTE_LIMIT or process > PROCESS_LIMIT * bare_cpu
    print("FAIL" if failed else "OK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

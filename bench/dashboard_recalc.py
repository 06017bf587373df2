"""LibreOffice open-with-recalc time of the demo year with the dashboard's live column, against
the same workbook with that column cleared.

    .venv/bin/python bench/dashboard_recalc.py [--size small|medium|large] [--months 12] [--locale en-US]

Builds the demo store (service-addin demo, default --size large, 12 months to 2026-10) in a
temporary folder, writes the dashboard of its last month through the one write path (as a close
does: the period cell set, so every live formula computes), then converts it twice with
LibreOffice headless, recalculating every formula on load (addin.libreoffice.convert,
OOXMLRecalcMode 0): the workbook as it is, and a copy whose live column (dashboard column J from
the first KPI row down) and the cell only it reads (A2, whether the WO nos. are in order) are
cleared. Prints both times and their ratio; exits 1 when the live
workbook takes more than twice as long (issue 13's bar).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LIMIT = 2.0  # live / cleared


def build_demo(folder: Path, size: str, months: int, locale: str) -> Path:
    """The demo store with its dashboard written for the last month (2026-10)."""
    path = folder / f"demo_{size}.xlsx"
    subprocess.run([sys.executable, "-m", "addin", "demo", "--size", size, "--months", str(months),
                    "--locale", locale, "--out", str(path)], check=True, stdout=subprocess.DEVNULL)
    from addin.dashboard_data import compute_months
    from addin.io.edit import DashboardValues, WorkbookEdit, apply_edit
    from addin.io.reader import read_store
    from addin.kpis import compute_with_comparisons

    store = read_store(path)
    now, previous, last_year = compute_with_comparisons(store, "2026-10")
    months = compute_months(store, "2026-10", known=(now, previous))
    apply_edit(path, WorkbookEdit(dashboard=DashboardValues(now, previous, last_year, months)), locale=locale,
               backup=False)
    return path


def cleared_copy(path: Path, out: Path) -> Path:
    """A copy of ``path`` (a benchmark file, not a user's workbook) without the live formulas."""
    from openpyxl import load_workbook

    from addin.dashboard import DASHBOARD_KEY, LIVE_COLUMN, SORTED_CELL, TITLE, live_rows

    wb = load_workbook(path)
    ws = next(ws for ws in wb.worksheets if ws.title in (TITLE.en, TITLE.zh, DASHBOARD_KEY))
    for r in live_rows().values():
        ws.cell(r, LIVE_COLUMN).value = None
    ws[SORTED_CELL.replace("$", "")].value = None  # only the live formulas read it
    wb.save(out)
    return out


def timed_convert(path: Path, outdir: Path) -> float:
    from addin.libreoffice import convert

    start = time.perf_counter()
    convert(path, "xlsx", outdir, recalc=True, timeout=1800)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("small", "medium", "large"), default="large")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--locale", choices=("en-US", "zh-CN"), default="en-US")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        folder = Path(tmp)
        print(f"building the {args.size} demo store ({args.months} months, {args.locale}) ...", flush=True)
        live = build_demo(folder, args.size, args.months, args.locale)
        (folder / "cleared").mkdir()
        cleared = cleared_copy(live, folder / "cleared" / live.name)
        t_cleared = timed_convert(cleared, folder / "out_cleared")
        t_live = timed_convert(live, folder / "out_live")
    ratio = t_live / t_cleared
    print(f"  LibreOffice open + recalc + convert, live column    {t_live:8.2f} s")
    print(f"  LibreOffice open + recalc + convert, column cleared {t_cleared:8.2f} s")
    print(f"  ratio {ratio:.2f}x (limit {LIMIT}x)")
    print("FAIL" if ratio > LIMIT else "OK")
    return 1 if ratio > LIMIT else 0


if __name__ == "__main__":
    sys.exit(main())

"""Import speed: a year of the large demo store's jobs and lines from CSV vs the bare
python-calamine parse of the same data as xlsx.

    .venv/bin/python bench/import.py [--repeat N]

The large demo year (/tmp/bench_large.xlsm, ``service-addin demo --size large --months 12``,
generated once) gives its work_orders and wo_lines; they are written once as GB18030 CSV files
(as Excel on Chinese Windows saves them, with DMS headers for the job's key, dates and VIN) and
as one plain .xlsx of the two sheets. The import measured is the pure part of ``service-addin
import`` for both files into an empty store: decode, sniff, parse, header match, convert, merge
by key (addin.importer read_source, convert_source, plan_import without validation). Best of
--repeat runs each, in this one process. The write of the merged sheets into a built workbook
is timed once and printed, without a target (it is the one write path's cost, bench/close.py).

Exits 1 above LIMIT: read_store's own bar is 1.5x the bare parse; an import does that much and
more (text to numbers and dates from strings rather than typed cells, encoding detection, the
key index and the per-key comparison), so twice the bare parse is the bar.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from read import DEMO, demo_workbook  # noqa: E402

LIMIT = 2.0
FOLDER = Path("/tmp/bench_import")
DMS_NAMES = {"wo_no": "维修单号", "open_date": "进厂日期", "close_date": "结算日期", "vin": "车架号", "mileage": "里程"}


def _cell(v: Any) -> Any:
    import math

    import pandas as pd

    if v is None or v is pd.NaT or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, pd.Timestamp):
        return f"{v.year}/{v.month}/{v.day}"
    return v


def _xlsx(v: Any) -> Any:
    import pandas as pd

    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    return None if _cell(v) == "" else v


def prepare(path: Path) -> tuple[dict[str, Path], Path]:
    """The CSV files and the xlsx of the demo's jobs and lines (written once)."""
    FOLDER.mkdir(exist_ok=True)
    csvs = {key: FOLDER / f"{key}.csv" for key in ("work_orders", "wo_lines")}
    xlsx = FOLDER / "jobs_and_lines.xlsx"
    if all(p.exists() for p in csvs.values()) and xlsx.exists():
        return csvs, xlsx
    import openpyxl

    from addin.io.reader import read_store

    store = read_store(path)
    wb = openpyxl.Workbook(write_only=True)
    for key, target in csvs.items():
        table = store.table(key).drop(columns=["_row"])
        header = [DMS_NAMES.get(c, c) if key == "work_orders" else c for c in table.columns]
        rows = [[_cell(v) for v in r] for r in table.itertuples(index=False, name=None)]
        with target.open("w", encoding="gb18030", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(rows)
        ws = wb.create_sheet(key)
        ws.append(list(table.columns))
        for r in table.itertuples(index=False, name=None):
            ws.append([_xlsx(v) for v in r])
    wb.save(xlsx)
    return csvs, xlsx


def bare_calamine(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    return sum(sum(len(r) for r in wb.get_sheet_by_name(n).to_python()) for n in wb.sheet_names)


def project_import(csvs: dict[str, Path]) -> Any:
    from addin.importer import Mapping, convert_source, plan_import, read_source
    from addin.store import Store

    store = Store.from_records({})
    plans = []
    for key, path in csvs.items():
        incoming = convert_source(read_source(path, key), key, Mapping())
        plan = plan_import(store, incoming, key, source=path.name, validate=False)
        assert not plan.bad and not plan.refused, (plan.bad[:3], plan.refused[:3])
        store = plan.merged
        plans.append(plan)
    return store, plans


def best(fn: Any, arg: Any, repeat: int) -> tuple[float, Any]:
    out, result = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn(arg)
        out = min(out, time.perf_counter() - t)
    return out, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    path = demo_workbook() or DEMO
    csvs, xlsx = prepare(path)
    bare, cells = best(bare_calamine, xlsx, args.repeat)
    imp, (store, plans) = best(project_import, csvs, args.repeat)
    rows = {p.sheet: len(p.new) for p in plans}
    print(f"source: {', '.join(f'{k} {n:,} rows' for k, n in rows.items())} "
          f"({sum(p.stat().st_size for p in csvs.values()) / 1e6:.1f} MB of CSV; xlsx {xlsx.stat().st_size / 1e6:.1f} MB)")
    print(f"bare calamine parse of the xlsx: {bare:.2f} s ({cells:,} cells)")
    print(f"import from CSV (decode, sniff, parse, convert, merge): {imp:.2f} s")
    ratio = imp / bare
    print(f"ratio: {ratio:.2f}x (limit {LIMIT}x)")
    import shutil
    import tempfile

    from addin.io.builder import build_workbook
    from addin.io.edit import WorkbookEdit, apply_edit

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "Empty.xlsx"
        build_workbook("en-US").save(target)
        edit = WorkbookEdit(appends={p.sheet: p.new.drop(columns=["_row"]) for p in plans})
        t = time.perf_counter()
        engine = apply_edit(target, edit, locale="en-US", backup=False).engine
        print(f"write of both sheets into a built workbook ({engine} engine): {time.perf_counter() - t:.1f} s")
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ratio <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())

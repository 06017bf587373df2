"""Measure a dealer group's month from Python: every store's KPIs, the group figures, the files.

    .venv/bin/python examples/batch_example.py [FOLDER] [--period 2026-10] [--out group-report]

FOLDER holds the stores' workbooks (searched recursively). Without it the example first writes
three small demo stores into a temporary folder, so that it runs anywhere.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from addin.batch import run_batch


def demo_group(folder: Path, period: str) -> Path:
    """Three demo stores with their own store codes (what `service-addin demo` writes)."""
    from addin import demo
    from addin.commands.demo import write_demo

    for seed, code in ((1, "SH01"), (2, "SH02"), (3, "BJ01")):
        records = demo.generate("small", 1, seed, period)
        records["settings"] = [dict(r, value=code) if r["key"] == "store_code" else r for r in records["settings"]]
        write_demo(records, folder / f"{code}.xlsm", "en-US")
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path)
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--out", type=Path, default=Path("group-report"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="stores-") as tmp:
        folder = args.folder or demo_group(Path(tmp), args.period)
        result = run_batch([folder], "kpi", args.period, out_dir=args.out, workers=2)

        print(f"{len(result.stores)} stores measured, {len(result.failures)} failed")
        for store in result.stores:
            kpis = store["kpis"]
            margin = kpis["gross_margin"]
            print(f"  {store['store_code']:<6} revenue {kpis['revenue']:>14,.2f}  gross margin "
                  f"{'-' if margin is None else f'{margin:.1%}'}  macros: {store['macros']['status']}")
        for failure in result.failures:
            print(f"  failed: {failure['file']}: {failure['reason']}")
        group = result.group
        print(f"group revenue {group['revenue']:,.2f}, gross margin {group['gross_margin']:.1%} "
              f"(Σ gross profit / Σ revenue), revenue per RO {group['revenue_per_ro']:,.2f}")
        for name, path in result.outputs.items():
            print(f"{name}: {path}")
        for note in result.notes:
            print(note)
    return result.exit_code


if __name__ == "__main__":
    raise SystemExit(main())

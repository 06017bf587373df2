"""`service-addin demo`: write a realistic demo store into a copy of Service.xlsm."""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

from addin.errors import ServiceError
from addin.i18n import Text, sheet_label, tr
from addin.resources import REPO

HELP = "write a realistic demo store (roster, vehicles, jobs, parts, claims ...) into a copy of Service.xlsm"

#: The committed workbook at the root of the repository (absent in a regular install, where the
#: demo builds its blank workbook instead).
COMMITTED = REPO / "Service.xlsm"

_ROWS = Text("  {sheet} {rows:>8,} rows", "  {sheet} {rows:>8,} 行")
_WROTE = Text("Demo store {size} ({months} months to {end}, seed {seed}) written to {path} in {seconds:.1f} s.",
              "示例门店 {size}（截至 {end} 的 {months} 个月，种子 {seed}）已写入 {path}，用时 {seconds:.1f} 秒。")
_PLANTED = Text("{n} known problems planted; their list is in {path}.", "已植入 {n} 个已知问题，清单见 {path}。")


#: The demo's sizes (addin.demo.SIZES; tests/test_demo.py holds the two equal).
SIZE_NAMES = ("small", "medium", "large")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # Sizes and the default month are the generator's, checked when it runs, so that
    # `demo --help` does not import it (and the models).
    parser.add_argument("--size", choices=SIZE_NAMES, default="small",
                        help="about 150, 800 or 2,000 jobs a month (default: small)")
    parser.add_argument("--months", type=int, default=13, help="calendar months of history (default: 13)")
    parser.add_argument("--seed", type=int, default=7, help="the same seed gives the same workbook (default: 7)")
    parser.add_argument("--end", default=None, help="last month, YYYY-MM (default: 2026-10, the demo's year)")
    parser.add_argument("--locale", choices=("en-US", "zh-CN"), default="en-US",
                        help="language of the workbook and of the demo's text (default: en-US)")
    parser.add_argument("--store-code", default=None,
                        help="store code in the settings (default DEMO01): give each store of a group demo its own")
    parser.add_argument("--with-problems", action="store_true",
                        help="plant known bad entries and list them in <name>.problems.json beside the workbook")
    parser.add_argument("--out", type=Path, default=Path("demo") / "DEMO01.xlsm",
                        help="workbook to write (default: demo/DEMO01.xlsm)")


def _template(locale: str, folder: Path, suffix: str) -> Path:
    """A fresh blank workbook in ``folder``: a copy of the committed Service.xlsm for an en-US
    .xlsm, else one built for the locale (an .xlsx is the layout without macros)."""
    copy = folder / f"Service{suffix}"
    if suffix == ".xlsm" and locale == "en-US" and COMMITTED.is_file():
        shutil.copyfile(COMMITTED, copy)
        return copy
    from addin.io.builder import build

    return build(copy, locale, backup=False)


def write_demo(records: dict[str, list[dict[str, Any]]], out: Path, locale: str) -> dict[str, int]:
    """Write every sheet's records into a copy of Service.xlsm at ``out`` (.xlsm, or .xlsx for
    the layout without macros; the previous file kept as ``<name>.bak``). Returns the rows
    written per sheet.

    The sheets are written part by part (addin.io.package: seconds for a large year, every other
    part of the template copied as it is); a template the fast path cannot edit with certainty
    goes through openpyxl (addin.io.writer), which writes the same values."""
    from addin.io.edit import WorkbookEdit, apply_edit

    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="service-demo-") as tmp:
        template = _template(locale, Path(tmp), out.suffix.lower())
        from addin.demo import DEMO_SHEETS

        sheets = [sheet for sheet in DEMO_SHEETS if sheet in records]
        done = apply_edit(template, WorkbookEdit(replacements={sheet: records[sheet] for sheet in sheets}),
                          locale=locale, out=out, backup=True)
        return {sheet: done.replaced[sheet] for sheet in sheets}


def plant(records: dict[str, list[dict[str, Any]]], seed: int, out: Path) -> Path:
    """Plant the known problems into ``records`` and list them in ``<stem>.problems.json``
    beside ``out`` (rule, severity, sheet, worksheet row, column)."""
    from addin.demo import plant_problems

    planted = plant_problems(records, random.Random(f"problems-{seed}"))
    listing = [{"rule": p.rule, "severity": p.severity, "sheet": p.sheet, "row": p.row, "column": p.column}
               for p in planted]
    path = out.with_name(out.stem + ".problems.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(listing, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _padded(text: str, width: int = 24) -> str:
    # Chinese characters take two columns in a terminal.
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - used, 1)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    try:
        from addin.demo import DEFAULT_END, generate

        records = generate(args.size, args.months, args.seed, args.end or DEFAULT_END, args.locale)
    except ServiceError as exc:
        exc.locale = args.locale  # type: ignore[attr-defined]  # the CLI prints it in this language
        raise
    if args.store_code:
        for setting in records["settings"]:
            if setting["key"] == "store_code":
                setting["value"] = args.store_code
    listing = plant(records, args.seed, args.out) if args.with_problems else None
    rows = write_demo(records, args.out, args.locale)
    for sheet, n in rows.items():
        print(tr(_ROWS, args.locale, sheet=_padded(sheet_label(sheet, args.locale)), rows=n))
    end = next(r["value"] for r in records["settings"] if r["key"] == "open_period")
    print(tr(_WROTE, args.locale, size=args.size, months=args.months, end=end, seed=args.seed, path=args.out,
             seconds=time.perf_counter() - started))
    if listing is not None:
        print(tr(_PLANTED, args.locale, n=len(json.loads(listing.read_text(encoding="utf-8"))), path=listing))
    return 0

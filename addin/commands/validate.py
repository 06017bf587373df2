"""`service-addin validate WORKBOOK [--period YYYY-MM] [--json] [--write]`: check every rule.

Exit status: 0 when there is no error (warnings allowed), 1 when there are errors, 2 when the
workbook cannot be read (or --period is not a month).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from addin.findings import Finding
from addin.i18n import Text, sheet_label, tr

HELP = "check every rule of DOMAIN.md on a workbook; --write puts the findings on its checks sheet"
#: addin.cli.console: the process ends once the output is flushed (no interpreter teardown).
EXIT_AT_ONCE = True

_SUMMARY = Text("{errors} error(s), {warnings} warning(s) in {sheets} sheet(s).",
                "共 {errors} 个错误、{warnings} 个警告，涉及 {sheets} 张工作表。")
_CLEAN = Text("No problems found ({rules} rules checked).", "未发现问题（已检查 {rules} 条规则）。")
_SHEET_HEAD = Text("{sheet}: {errors} error(s), {warnings} warning(s)", "{sheet}：{errors} 个错误，{warnings} 个警告")
_SEVERITY = {"error": Text("ERROR", "错误"), "warning": Text("warning", "警告")}
_WRITTEN = Text("Findings written to the checks sheet of {file}; {cells} cell(s) marked.",
                "校验结果已写入 {file} 的校验结果表；标记了 {cells} 个单元格。")



def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("workbook", help="the workbook (.xlsx/.xlsm) to check")
    parser.add_argument("--period", help="report only records dated in this month (YYYY-MM)")
    parser.add_argument("--json", action="store_true",
                        help="print the findings as a JSON list (rule, severity, sheet, row, column, value, message)")
    parser.add_argument("--write", action="store_true",
                        help="write the findings to the checks sheet and mark the offending cells "
                             "(marks of an earlier run are cleared first)")
    parser.add_argument("--locale", choices=("en-US", "zh-CN"), help="language of the messages (default: the workbook's)")
    parser.add_argument("--engine", default="calamine", choices=("calamine", "openpyxl"), help=argparse.SUPPRESS)


def render_human(findings: list[Finding], locale: str, rules: int) -> str:
    """Findings grouped by sheet (workbook order), each group headed by its counts."""
    if not findings:
        return tr(_CLEAN, locale, rules=rules)
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.sheet, []).append(f)
    lines = []
    for sheet, group in groups.items():
        errors = sum(f.severity == "error" for f in group)
        lines.append(tr(_SHEET_HEAD, locale, sheet=sheet_label(sheet, locale), errors=errors,
                        warnings=len(group) - errors))
        for f in group:
            lines.append(f"  {tr(_SEVERITY[f.severity], locale)} {f.rule}: {f.message}")
        lines.append("")
    errors = sum(f.severity == "error" for f in findings)
    lines.append(tr(_SUMMARY, locale, errors=errors, warnings=len(findings) - errors, sheets=len(groups)))
    return "\n".join(lines)


def findings_edit(findings: list[Finding], locale: str) -> Any:
    """The checks sheet replaced with ``findings``, and each offending cell of the data sheets
    marked (fill and comment) after the marks of an earlier run are cleared: a WorkbookEdit."""
    from addin.io.edit import Mark, WorkbookEdit
    from addin.rules import checks_records

    marks = [Mark(f.sheet, f.row, f.column, f.severity, f"{f.rule}: {f.message}")
             for f in findings if f.row is not None and f.column is not None]
    return WorkbookEdit(replacements={"checks": checks_records(findings, locale)}, marks=marks)


def run(args: argparse.Namespace) -> int:
    from addin.rules.registry import parse_period

    parse_period(args.period)
    if args.write:
        from addin.io.files import FileStamp, WriteLock

        # One writer at a time, and only over the file as it was read.
        with WriteLock(args.workbook) as lock:
            return _run(args, lock, FileStamp.of(lock.dest))
    return _run(args, None, None)


def _run(args: argparse.Namespace, lock: Any, stamp: Any) -> int:
    from addin.io.reader import gc_paused, read_to_write
    from addin.rules import RULES, validate_store

    store, package = read_to_write(args.workbook, engine=args.engine, write=bool(args.write))
    if args.locale:
        store.settings.locale = args.locale
    locale = store.locale
    # The rules' work would have the cyclic collector walk the read's tables again (0.04 s on a
    # large year): paused for it, as for the read.
    with gc_paused():
        findings = validate_store(store, args.period)
    if args.json:
        json.dump([f.to_json() for f in findings], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(render_human(findings, locale, len(RULES)))
    if args.write:
        from addin.io.edit import apply_edit
        from addin.io.writer import check_safe

        # read_to_write has just checked the package (the lock and the stamp keep it the same file):
        # what is left is what an openpyxl save would lose.
        check_safe(lock.dest, package=package)
        cells = apply_edit(lock.dest, findings_edit(findings, locale), locale=locale, stamp=stamp, locked=True,
                           checked=True).marked
        print(tr(_WRITTEN, locale, file=args.workbook, cells=cells), file=sys.stderr if args.json else sys.stdout)
    return 1 if any(f.severity == "error" for f in findings) else 0

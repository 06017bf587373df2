"""docs/rules.md, generated from the registry: ``python -m addin.rules --doc > docs/rules.md``
(a test fails when the file and the registry drift apart)."""

from __future__ import annotations

from addin.i18n import sheet_label
from addin.rules.registry import Phase, ordered_rules

_PHASES = {
    Phase.READ: "read (sheets, columns, required cells, types, enums, settings)",
    Phase.FORMAT: "format (unique keys, VIN, plate, phone)",
    Phase.REFERENCE: "reference (records of other sheets)",
    Phase.BUSINESS: "business rules",
}


def _sheet(sheet: str) -> str:
    if sheet == "*":
        return "every sheet"
    return f"{sheet} ({sheet_label(sheet, 'en-US')} / {sheet_label(sheet, 'zh-CN')})"


def rules_markdown() -> str:
    """The rules reference as Markdown: one section per rule, in the order they run."""
    rules = ordered_rules()
    out = [
        "# Validation rules",
        "",
        "Generated from the rule registry (addin/rules/) by `python -m addin.rules --doc`; do not edit.",
        "",
        "`service-addin validate WORKBOOK` checks every rule below. Errors block month-end close;",
        "warnings are reported. Each finding names the sheet, row, column and value, then says what",
        "is wrong and what to do, in the workbook's language (the message texts below follow",
        "'<sheet>, row <n>, <column> = <value>: ').",
        "",
        "One mistake gives one finding: rules run in phases, and a cell reported in an earlier phase",
        "is not checked again by a later rule; rules that match records across sheets leave out",
        "records already reported. A rule that needs a sheet or column the workbook lacks is skipped",
        "(the missing sheet or required column is itself a finding).",
        "",
        "With `--period YYYY-MM` only records dated in that month are reported (work orders opened or",
        "settled in it and their lines, ledger movements, claims submitted or decided, payments,",
        "counts, backorders); master data (roster, vehicles, parts, settings) is always checked. The",
        "stock replay, overdue parts returns and closed-period changes always read all the data.",
        "",
        "| id | severity | sheet | phase |",
        "|---|---|---|---|",
    ]
    out += [f"| [{r.id}](#{r.id.lower()}) | {r.severity} | {_sheet(r.sheet)} | {r.phase.name.lower()} |" for r in rules]
    for r in rules:
        out += [
            "",
            f"## {r.id}",
            "",
            f"{r.severity.capitalize()}, {_sheet(r.sheet)}; phase: {_PHASES[r.phase]}"
            + (f"; needs: {', '.join(r.uses)}" if r.uses else "")
            + ("" if r.dated else "; not restricted to the validated period") + ".",
            "",
            r.doc,
            "",
            f"- en-US: {r.message.en}",
            f"- zh-CN: {r.message.zh}",
        ]
    return "\n".join(out) + "\n"

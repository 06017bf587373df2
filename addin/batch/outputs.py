"""The files a batch leaves: the group report (xlsx, PDF), the KPI JSON lines and the Parquet table.

Nothing here depends on when or where the batch ran: the same results give the same cells, the
same JSON lines and the same table (stores in input order), so a batch on a Dask cluster can be
compared with one on this machine.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from addin.batch.group import GROUP_RULES, MAIN_KPIS, Sum, ranking
from addin.batch.macros import STATUS_TEXT as MACRO_STATUS
from addin.i18n import Text, tr
from addin.kpis import KPIS
from addin.kpis import UNIT_FORMATS as _UNITS

if TYPE_CHECKING:
    from addin.batch.result import BatchResult


class Report(Protocol):
    """What the group report is made from: a batch's result with its stores held
    (addin.batch.result.BatchResult) or read back from the spool (addin.batch.stream.SpoolResult)."""

    @property
    def action(self) -> str: ...
    @property
    def period(self) -> str: ...
    @property
    def gives_kpis(self) -> bool: ...
    @property
    def group(self) -> dict[str, float | None]: ...
    @property
    def failures(self) -> list[dict[str, str]]: ...
    @property
    def macros_note(self) -> str | None: ...
    @property
    def stores(self) -> Iterable[dict[str, Any]]: ...
    @property
    def measured(self) -> Iterable[dict[str, Any]]: ...

#: Number formats by the unit of addin.kpis.KPIS (the registry's addin.kpis.UNIT_FORMATS).
UNIT_FORMATS = {unit: f.excel for unit, f in _UNITS.items()}

T = {
    "stores": Text("Stores", "门店"),
    "group": Text("Group", "集团汇总"),
    "targets": Text("Targets", "目标达成"),
    "ranking": Text("Ranking", "排名"),
    "macros": Text("Macros", "宏检查"),
    "checks": Text("Checks", "校验"),
    "failures": Text("Failures", "失败"),
    "title": Text("Group report {action}, period {period}", "集团报告 {action}，期间 {period}"),
    "store_code": Text("Store code", "门店代码"),
    "store_name": Text("Store name", "门店名称"),
    "file": Text("File", "文件"),
    "status": Text("Status", "状态"),
    "reason": Text("Reason", "原因"),
    "group_total": Text("Group", "集团合计"),
    "kpi": Text("KPI", "指标"),
    "kpi_id": Text("KPI id", "指标代码"),
    "value": Text("Value", "数值"),
    "rule": Text("How the group figure is computed", "集团数值计算方法"),
    "actual": Text("Actual", "实际"),
    "target": Text("Target", "目标"),
    "variance": Text("Variance", "差异"),
    "achievement": Text("Achievement", "达成率"),
    "met": Text("Met", "达成"),
    "yes": Text("yes", "是"),
    "no": Text("no", "否"),
    "rank": Text("Rank", "名次"),
    "by": Text("By {kpi}", "按{kpi}"),
    "missing": Text("Missing modules", "缺少的模块"),
    "changed": Text("Changed modules", "被修改的模块"),
    "extra": Text("Extra modules", "多出的模块"),
    "errors": Text("Errors", "错误"),
    "warnings": Text("Warnings", "警告"),
    "severity": Text("Severity", "级别"),
    "sheet": Text("Sheet", "工作表"),
    "row": Text("Row", "行"),
    "column": Text("Column", "列"),
    "message": Text("Message", "说明"),
    "check_rule": Text("Rule", "规则"),
    "no_failures": Text("No file failed.", "没有失败的文件。"),
    "ok": Text("ok", "正常"),
    "has_errors": Text("errors", "有错误"),
    "refused": Text("close refused", "拒绝月结"),
    "failed": Text("failed", "失败"),
}
STATUS_KEYS = {"ok": "ok", "errors": "has_errors", "refused": "refused", "failed": "failed"}


def kpi_label(kpi: str, locale: str) -> str:
    return KPIS[kpi].label(locale) if kpi in KPIS else kpi


def _unit(kpi: str) -> str:
    return KPIS[kpi].unit if kpi in KPIS else "money"


def _higher(kpi: str) -> bool | None:
    return KPIS[kpi].higher_is_better if kpi in KPIS else None


def scalar_kpis(kpis: dict[str, Any]) -> dict[str, float | None]:
    """The department KPIs of one store's KPI JSON (numbers or None), in registry order."""
    return {k: (None if kpis.get(k) is None else float(kpis[k])) for k in GROUP_RULES}


def jsonl_line(store: dict[str, Any]) -> str:
    """A measured store's line of the JSON lines file: its KPI JSON plus ``file``,
    ``store_code`` and ``store_name``."""
    line = {"file": store["file"], "store_code": store.get("store_code"),
            "store_name": store.get("store_name"), **store["kpis"]}
    return json.dumps(line, ensure_ascii=False, allow_nan=False) + "\n"


def write_jsonl(result: BatchResult, dest: Path) -> Path:
    """One line per measured store: its KPI JSON plus ``file``, ``store_code`` and ``store_name``."""
    with dest.open("w", encoding="utf-8") as fh:
        for store in result.measured:
            fh.write(jsonl_line(store))
    return dest


def parquet_schema() -> Any:
    """file, store_code, store_name, period, then every department KPI as float64."""
    import pyarrow as pa

    fields = [pa.field(name, pa.string()) for name in ("file", "store_code", "store_name", "period")]
    fields += [pa.field(kpi, pa.float64()) for kpi in GROUP_RULES]
    return pa.schema(fields)


def parquet_row(store: dict[str, Any], period: str) -> dict[str, Any]:
    return {"file": store["file"], "store_code": store.get("store_code"), "store_name": store.get("store_name"),
            "period": period, **scalar_kpis(store["kpis"])}


def write_parquet(result: BatchResult, dest: Path) -> Path:
    """One row per measured store: file, store_code, store_name, period, then every department KPI
    as a float64 column (null where KPIS.md says blank)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [parquet_row(s, result.period) for s in result.measured]
    pq.write_table(pa.Table.from_pylist(rows, schema=parquet_schema()), dest)
    return dest


# --- the workbook ---------------------------------------------------------------------------------

def _append(ws: Any, values: Sequence[Any]) -> None:
    """Append a row whose text stays text: a file or store named ``=HYPERLINK(...)`` is written
    as the per-store reports write text (addin.reports.engine.put), never as a formula."""
    from addin.reports.engine import put

    ws.append(list(values))
    if values:
        row = ws.max_row
        for col, value in enumerate(values, start=1):
            if isinstance(value, str):
                put(ws.cell(row, col), value)


def _cell(ws: Any, row: int, col: int, value: Any) -> Any:
    """Write one value (text stays text, as in :func:`_append`) and return the cell."""
    from addin.reports.engine import put

    cell = ws.cell(row, col)
    if isinstance(value, str):
        put(cell, value)
    else:
        cell.value = value
    return cell


def _header(ws: Any, labels: Sequence[str]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    _append(ws, list(labels))
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[ws.max_row].height = 30  # two lines of a wrapped label
    ws.freeze_panes = f"A{ws.max_row + 1}"


def _width(value: Any) -> int:
    """Characters a value takes as shown: numbers with thousands separators and 2 decimals, CJK
    characters two columns wide."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return len(f"{value:,.2f}")
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(value))


def _fit(ws: Any, first_row: int = 1) -> None:
    """Column widths from the values (headers wrap, so they count only up to 14 characters), and
    a landscape page one sheet wide for the PDF."""
    from openpyxl.utils import get_column_letter

    for index, column in enumerate(ws.iter_cols(min_row=first_row), start=1):
        widths = [min(_width(c.value), 14) if c.font.b else _width(c.value) for c in column if c.value is not None]
        ws.column_dimensions[get_column_letter(index)].width = min(max(8, max(widths, default=8) + 2), 50)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True


def _status(store: dict[str, Any], locale: str) -> str:
    return tr(T[STATUS_KEYS.get(store["status"], "failed")], locale)


def _macro_status(store: dict[str, Any], locale: str) -> str:
    macros = store.get("macros")
    return tr(MACRO_STATUS[macros["status"] if macros else "not_checked"], locale)


def _stores_sheet(wb: Any, result: Report, locale: str) -> None:
    from openpyxl.styles import Font

    ws = wb.active
    ws.title = tr(T["stores"], locale)
    _append(ws, [tr(T["title"], locale, action=result.action, period=result.period)])
    ws["A1"].font = Font(bold=True, size=14)
    _append(ws, [])
    ident = [tr(T[k], locale) for k in ("store_code", "store_name", "file", "status", "macros")]
    if result.gives_kpis:
        _header(ws, ident + [kpi_label(k, locale) for k in MAIN_KPIS])
        for store in result.stores:
            kpis = store.get("kpis") or {}
            _append(ws, [store.get("store_code"), store.get("store_name"), Path(store["file"]).name,
                       _status(store, locale), _macro_status(store, locale)] + [kpis.get(k) for k in MAIN_KPIS])
        _append(ws, [tr(T["group_total"], locale), None, None, None, None] + [result.group.get(k) for k in MAIN_KPIS])
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
        for offset, kpi in enumerate(MAIN_KPIS, start=len(ident) + 1):
            for (cell,) in ws.iter_rows(min_row=4, min_col=offset, max_col=offset):
                cell.number_format = UNIT_FORMATS.get(_unit(kpi), "General")
    else:
        _header(ws, ident + [tr(T["errors"], locale), tr(T["warnings"], locale)])
        for store in result.stores:
            findings = store.get("findings") or {}
            _append(ws, [store.get("store_code"), store.get("store_name"), Path(store["file"]).name,
                       _status(store, locale), _macro_status(store, locale),
                       findings.get("errors"), findings.get("warnings")])
    _fit(ws, first_row=3)


def _group_sheet(wb: Any, result: Report, locale: str) -> None:
    ws = wb.create_sheet(tr(T["group"], locale))
    _header(ws, [tr(T["kpi"], locale), tr(T["kpi_id"], locale), tr(T["value"], locale), tr(T["rule"], locale)])
    for kpi, rule in GROUP_RULES.items():
        _append(ws, [kpi_label(kpi, locale), kpi, result.group.get(kpi), rule.text(kpi)])
        ws.cell(ws.max_row, 3).number_format = UNIT_FORMATS.get(_unit(kpi), "General")
    _fit(ws)


def _against(code: str | None, name: str | None, kpi: str, actual: float | None, target: float) -> dict[str, Any]:
    higher = _higher(kpi)
    met = None if actual is None or higher is None else (actual >= target if higher else actual <= target)
    return {"store_code": code, "store_name": name, "kpi": kpi, "actual": actual, "target": target,
            "variance": None if actual is None else actual - target,
            "achievement": None if actual is None or not target else actual / target, "met": met}


def target_rows(result: Report, group_label: str = "Group") -> list[dict[str, Any]]:
    """Actual against target for every KPI a store has a target for (settings target_<kpi>):
    variance = actual − target, achievement = actual / target, met by the KPI's direction. Then
    the group, for each summed KPI that every measured store has a target for: Σ targets.
    One pass over the stores (they may be read back from a spool)."""
    rows = []
    sums: dict[str, float] = {kpi: 0 for kpi, rule in GROUP_RULES.items() if isinstance(rule, Sum)}
    complete = dict.fromkeys(sums, True)
    count = 0
    for store in result.measured:
        count += 1
        targets = store.get("targets") or {}
        for kpi, target in targets.items():
            if kpi in GROUP_RULES:
                rows.append(_against(store.get("store_code"), store.get("store_name"), kpi,
                                     store["kpis"].get(kpi), target))
        for kpi in sums:
            target = targets.get(kpi)
            if target is None:
                complete[kpi] = False
            elif complete[kpi]:
                sums[kpi] += target
    for kpi in sums:
        if count and complete[kpi]:
            rows.append(_against(group_label, None, kpi, result.group.get(kpi), sums[kpi]))
    return rows


def _targets_sheet(wb: Any, result: Report, locale: str) -> None:
    from openpyxl.styles import Font

    ws = wb.create_sheet(tr(T["targets"], locale))
    _header(ws, [tr(T[k], locale) for k in ("store_code", "store_name", "kpi", "actual", "target", "variance",
                                              "achievement", "met")])
    for row in target_rows(result, tr(T["group_total"], locale)):
        met = None if row["met"] is None else tr(T["yes" if row["met"] else "no"], locale)
        _append(ws, [row["store_code"], row["store_name"], kpi_label(row["kpi"], locale), row["actual"],
                   row["target"], row["variance"], row["achievement"], met])
        fmt = UNIT_FORMATS.get(_unit(row["kpi"]), "General")
        for column in (4, 5, 6):
            ws.cell(ws.max_row, column).number_format = fmt
        ws.cell(ws.max_row, 7).number_format = "0.0%"
        if row["met"] is False:
            ws.cell(ws.max_row, 8).font = Font(bold=True, color="C00000")
    _fit(ws)


def _ranking_sheet(wb: Any, result: Report, locale: str) -> None:
    from openpyxl.styles import Font

    ws = wb.create_sheet(tr(T["ranking"], locale))
    for block, kpi in enumerate(("revenue", "gross_margin")):
        col = block * 5 + 1
        _cell(ws, 1, col, tr(T["by"], locale, kpi=kpi_label(kpi, locale))).font = Font(bold=True)
        for offset, key in enumerate(("rank", "store_code", "store_name", "value")):
            _cell(ws, 2, col + offset, tr(T[key], locale)).font = Font(bold=True)
        for line, (rank, store, value) in enumerate(ranking(result.measured, kpi), start=3):
            _cell(ws, line, col, rank or None)
            _cell(ws, line, col + 1, store.get("store_code"))
            _cell(ws, line, col + 2, store.get("store_name"))
            _cell(ws, line, col + 3, value).number_format = UNIT_FORMATS.get(_unit(kpi), "General")
    _fit(ws)


def _macros_sheet(wb: Any, result: Report, locale: str) -> None:
    ws = wb.create_sheet(tr(T["macros"], locale))
    _header(ws, [tr(T[k], locale) for k in ("store_code", "file", "status", "missing", "changed", "extra", "reason")])
    for store in result.stores:
        macros = store.get("macros") or {}
        _append(ws, [store.get("store_code"), Path(store["file"]).name, _macro_status(store, locale),
                   ", ".join(macros.get("missing", [])), ", ".join(macros.get("changed", [])),
                   ", ".join(macros.get("extra", [])), macros.get("reason") or result.macros_note])
    _fit(ws)


def _checks_sheet(wb: Any, result: Report, locale: str) -> None:
    ws = wb.create_sheet(tr(T["checks"], locale))
    _header(ws, [tr(T[k], locale) for k in ("store_code", "file", "severity", "check_rule", "sheet", "row",
                                              "column", "value", "message")])
    for store in result.stores:
        for item in (store.get("findings") or {}).get("items", []):
            _append(ws, [store.get("store_code"), Path(store["file"]).name, item["severity"], item["rule"],
                       item["sheet"], item["row"], item["column"], item["value"], item["message"]])
    _fit(ws)


def _failures_sheet(wb: Any, result: Report, locale: str) -> None:
    ws = wb.create_sheet(tr(T["failures"], locale))
    _header(ws, [tr(T["file"], locale), tr(T["reason"], locale)])
    for failure in result.failures:
        _append(ws, [failure["file"], failure["reason"]])
    if not result.failures:
        _append(ws, [tr(T["no_failures"], locale)])
    _fit(ws)


def write_group_report(result: Report, dest: Path, locale: str = "en-US") -> Path:
    """The group report workbook: stores (with the group row), group figures and how each is
    computed, targets, ranking (KPI actions), checks (validate), macros and failures."""
    from openpyxl import Workbook

    wb = Workbook()
    _stores_sheet(wb, result, locale)
    if result.gives_kpis:
        _group_sheet(wb, result, locale)
        _targets_sheet(wb, result, locale)
        _ranking_sheet(wb, result, locale)
    else:
        _checks_sheet(wb, result, locale)
    _macros_sheet(wb, result, locale)
    _failures_sheet(wb, result, locale)
    wb.save(dest)
    return dest

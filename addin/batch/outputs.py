"""The files a batch leaves: the group report (xlsx, PDF), the KPI JSON lines and the Parquet table.

Nothing here depends on when or where the batch ran: the same results give the same cells, the
same JSON lines and the same table (stores in input order), so a batch on a Dask cluster can be
compared with one on this machine.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
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
#
# Written with openpyxl's write-only workbook: each sheet's rows are made twice from the stores
# (once for the column widths, once to write them) and streamed to the file, so that the report
# of a thousand stores takes no more memory than the report of ten.

#: A cell of a sheet: (value, number format or None, style or None); style is one of STYLES.
Cell = tuple[Any, str | None, str | None]
Row = list[Any]  # of Cell, or None for a cell left empty
Rows = Callable[[], Iterator[Row]]
STYLES = ("header", "bold", "title", "red")
_BOLD = frozenset(STYLES)


def _c(value: Any, fmt: str | None = None, style: str | None = None) -> Cell:
    return value, fmt, style


def _head(labels: Sequence[str]) -> Row:
    return [_c(label, style="header") for label in labels]


@dataclass(frozen=True)
class _Sheet:
    """A sheet of the report: its title, its rows (a function, called once per pass), the row of
    its column headers (frozen below, two lines high) and the first row the widths count from."""

    title: str
    rows: Rows
    header_row: int | None = 1
    fit_from: int = 1


def _width(value: Any) -> int:
    """Characters a value takes as shown: numbers with thousands separators and 2 decimals, CJK
    characters two columns wide."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return len(f"{value:,.2f}")
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(value))


def _widths(sheet: _Sheet) -> list[float]:
    """Column widths from the values (headers and other bold cells wrap, so they count only up to
    14 characters): 2 more than the widest, 8 to 50."""
    widest: dict[int, int] = {}
    columns = 0
    for number, row in enumerate(sheet.rows(), start=1):
        columns = max(columns, len(row))
        if number < sheet.fit_from:
            continue
        for index, cell in enumerate(row):
            if cell is None or cell[0] is None:
                continue
            width = min(_width(cell[0]), 14) if cell[2] in _BOLD else _width(cell[0])
            widest[index] = max(widest.get(index, 0), width)
    return [min(max(8, widest.get(index, 8) + 2), 50) for index in range(columns)]


class _Styles:
    """The fonts, fill and alignment of the report, made once per workbook."""

    def __init__(self) -> None:
        from openpyxl.styles import Alignment, Font, PatternFill

        bold = Font(bold=True)
        self.fonts = {"header": bold, "bold": bold, "title": Font(bold=True, size=14),
                      "red": Font(bold=True, color="C00000")}
        self.fill = PatternFill("solid", fgColor="DDEBF7")
        self.wrap = Alignment(wrap_text=True, vertical="top")


def _write_sheet(wb: Any, sheet: _Sheet, styles: _Styles) -> None:
    """One sheet of the write-only workbook: widths, frozen header, page set-up, then the rows.
    Text stays text: a file or store named ``=HYPERLINK(...)`` is written as the per-store
    reports write text (addin.reports.engine.put), never as a formula."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    from addin.reports.engine import put

    ws = wb.create_sheet(sheet.title)
    for index, width in enumerate(_widths(sheet), start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    if sheet.header_row is not None:
        ws.row_dimensions[sheet.header_row].height = 30  # two lines of a wrapped label
        ws.freeze_panes = f"A{sheet.header_row + 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True
    for row in sheet.rows():
        out: list[Any] = []
        for cell in row:
            if cell is None:
                out.append(None)
                continue
            value, fmt, style = cell
            written = WriteOnlyCell(ws)
            if isinstance(value, str):
                put(written, value)
            else:
                written.value = value
            if fmt is not None:
                written.number_format = fmt
            if style is not None:
                written.font = styles.fonts[style]
                if style == "header":
                    written.fill = styles.fill
                    written.alignment = styles.wrap
            out.append(written)
        ws.append(out)


def _status(store: dict[str, Any], locale: str) -> str:
    return tr(T[STATUS_KEYS.get(store["status"], "failed")], locale)


def _macro_status(store: dict[str, Any], locale: str) -> str:
    macros = store.get("macros")
    return tr(MACRO_STATUS[macros["status"] if macros else "not_checked"], locale)


def _stores_sheet(result: Report, locale: str) -> _Sheet:
    ident = [tr(T[k], locale) for k in ("store_code", "store_name", "file", "status", "macros")]
    formats = [UNIT_FORMATS.get(_unit(kpi), "General") for kpi in MAIN_KPIS]

    def rows() -> Iterator[Row]:
        yield [_c(tr(T["title"], locale, action=result.action, period=result.period), style="title")]
        yield []
        if result.gives_kpis:
            yield _head(ident + [kpi_label(k, locale) for k in MAIN_KPIS])
            for store in result.stores:
                kpis = store.get("kpis") or {}
                yield ([_c(store.get("store_code")), _c(store.get("store_name")), _c(Path(store["file"]).name),
                        _c(_status(store, locale)), _c(_macro_status(store, locale))]
                       + [_c(kpis.get(k), fmt) for k, fmt in zip(MAIN_KPIS, formats)])
            total: Row = [_c(tr(T["group_total"], locale), style="bold")]
            yield (total + [_c(None, style="bold")] * 4
                   + [_c(result.group.get(k), fmt, "bold") for k, fmt in zip(MAIN_KPIS, formats)])
        else:
            yield _head(ident + [tr(T["errors"], locale), tr(T["warnings"], locale)])
            for store in result.stores:
                findings = store.get("findings") or {}
                yield [_c(store.get("store_code")), _c(store.get("store_name")), _c(Path(store["file"]).name),
                       _c(_status(store, locale)), _c(_macro_status(store, locale)),
                       _c(findings.get("errors")), _c(findings.get("warnings"))]

    return _Sheet(tr(T["stores"], locale), rows, header_row=3, fit_from=3)


def _group_sheet(result: Report, locale: str) -> _Sheet:
    def rows() -> Iterator[Row]:
        yield _head([tr(T["kpi"], locale), tr(T["kpi_id"], locale), tr(T["value"], locale), tr(T["rule"], locale)])
        for kpi, rule in GROUP_RULES.items():
            yield [_c(kpi_label(kpi, locale)), _c(kpi), _c(result.group.get(kpi), UNIT_FORMATS.get(_unit(kpi), "General")),
                   _c(rule.text(kpi))]

    return _Sheet(tr(T["group"], locale), rows)


def _against(code: str | None, name: str | None, kpi: str, actual: float | None, target: float) -> dict[str, Any]:
    higher = _higher(kpi)
    met = None if actual is None or higher is None else (actual >= target if higher else actual <= target)
    return {"store_code": code, "store_name": name, "kpi": kpi, "actual": actual, "target": target,
            "variance": None if actual is None else actual - target,
            "achievement": None if actual is None or not target else actual / target, "met": met}


def target_rows(result: Report, group_label: str = "Group") -> Iterator[dict[str, Any]]:
    """Actual against target for every KPI a store has a target for (settings target_<kpi>):
    variance = actual − target, achievement = actual / target, met by the KPI's direction. Then
    the group, for each summed KPI that every measured store has a target for: Σ targets.
    One pass over the stores (they may be read back from a spool)."""
    sums: dict[str, float] = {kpi: 0 for kpi, rule in GROUP_RULES.items() if isinstance(rule, Sum)}
    complete = dict.fromkeys(sums, True)
    count = 0
    for store in result.measured:
        count += 1
        targets = store.get("targets") or {}
        for kpi, target in targets.items():
            if kpi in GROUP_RULES:
                yield _against(store.get("store_code"), store.get("store_name"), kpi, store["kpis"].get(kpi), target)
        for kpi in sums:
            target = targets.get(kpi)
            if target is None:
                complete[kpi] = False
            elif complete[kpi]:
                sums[kpi] += target
    for kpi in sums:
        if count and complete[kpi]:
            yield _against(group_label, None, kpi, result.group.get(kpi), sums[kpi])


def _targets_sheet(result: Report, locale: str) -> _Sheet:
    def rows() -> Iterator[Row]:
        yield _head([tr(T[k], locale) for k in ("store_code", "store_name", "kpi", "actual", "target", "variance",
                                                  "achievement", "met")])
        for row in target_rows(result, tr(T["group_total"], locale)):
            met = None if row["met"] is None else tr(T["yes" if row["met"] else "no"], locale)
            fmt = UNIT_FORMATS.get(_unit(row["kpi"]), "General")
            yield [_c(row["store_code"]), _c(row["store_name"]), _c(kpi_label(row["kpi"], locale)),
                   _c(row["actual"], fmt), _c(row["target"], fmt), _c(row["variance"], fmt),
                   _c(row["achievement"], "0.0%"), _c(met, style="red" if row["met"] is False else None)]

    return _Sheet(tr(T["targets"], locale), rows)


def _slim(stores: Iterable[dict[str, Any]], kpi: str) -> Iterator[dict[str, Any]]:
    """What a ranking shows of a store: its code, its name and the one KPI."""
    for store in stores:
        yield {"store_code": store.get("store_code"), "store_name": store.get("store_name"),
               "kpis": {kpi: store["kpis"].get(kpi)}}


def _ranking_sheet(result: Report, locale: str) -> _Sheet:
    kpis = ("revenue", "gross_margin")

    def rows() -> Iterator[Row]:
        blocks = [ranking(list(_slim(result.measured, kpi)), kpi) for kpi in kpis]
        gap: Row = [None]
        titles = [_c(tr(T["by"], locale, kpi=kpi_label(kpi, locale)), style="bold") for kpi in kpis]
        yield [titles[0], None, None, None] + gap + [titles[1]]
        labels: Row = [_c(tr(T[key], locale), style="bold") for key in ("rank", "store_code", "store_name", "value")]
        yield labels + gap + labels
        for entries in zip(*blocks):
            line: Row = []
            for block, ((rank, store, value), kpi) in enumerate(zip(entries, kpis)):
                if block:
                    line += gap
                line += [_c(rank or None), _c(store.get("store_code")), _c(store.get("store_name")),
                         _c(value, UNIT_FORMATS.get(_unit(kpi), "General"))]
            yield line

    return _Sheet(tr(T["ranking"], locale), rows, header_row=None)


def _macros_sheet(result: Report, locale: str) -> _Sheet:
    def rows() -> Iterator[Row]:
        yield _head([tr(T[k], locale) for k in ("store_code", "file", "status", "missing", "changed", "extra",
                                                  "reason")])
        for store in result.stores:
            macros = store.get("macros") or {}
            yield [_c(store.get("store_code")), _c(Path(store["file"]).name), _c(_macro_status(store, locale)),
                   _c(", ".join(macros.get("missing", []))), _c(", ".join(macros.get("changed", []))),
                   _c(", ".join(macros.get("extra", []))), _c(macros.get("reason") or result.macros_note)]

    return _Sheet(tr(T["macros"], locale), rows)


def _checks_sheet(result: Report, locale: str) -> _Sheet:
    def rows() -> Iterator[Row]:
        yield _head([tr(T[k], locale) for k in ("store_code", "file", "severity", "check_rule", "sheet", "row",
                                                  "column", "value", "message")])
        for store in result.stores:
            for item in (store.get("findings") or {}).get("items", []):
                yield [_c(store.get("store_code")), _c(Path(store["file"]).name), _c(item["severity"]),
                       _c(item["rule"]), _c(item["sheet"]), _c(item["row"]), _c(item["column"]), _c(item["value"]),
                       _c(item["message"])]

    return _Sheet(tr(T["checks"], locale), rows)


def _failures_sheet(result: Report, locale: str) -> _Sheet:
    def rows() -> Iterator[Row]:
        yield _head([tr(T["file"], locale), tr(T["reason"], locale)])
        for failure in result.failures:
            yield [_c(failure["file"]), _c(failure["reason"])]
        if not result.failures:
            yield [_c(tr(T["no_failures"], locale))]

    return _Sheet(tr(T["failures"], locale), rows)


def write_group_report(result: Report, dest: Path, locale: str = "en-US") -> Path:
    """The group report workbook: stores (with the group row), group figures and how each is
    computed, targets, ranking (KPI actions), checks (validate), macros and failures."""
    from openpyxl import Workbook

    sheets = [_stores_sheet(result, locale)]
    if result.gives_kpis:
        sheets += [_group_sheet(result, locale), _targets_sheet(result, locale), _ranking_sheet(result, locale)]
    else:
        sheets.append(_checks_sheet(result, locale))
    sheets += [_macros_sheet(result, locale), _failures_sheet(result, locale)]
    wb = Workbook(write_only=True)
    styles = _Styles()
    for sheet in sheets:
        _write_sheet(wb, sheet, styles)
    wb.save(dest)
    return dest

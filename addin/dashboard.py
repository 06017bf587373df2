"""The dashboard sheet (看板): the KPIs of a period against target, previous period and the same
month last year, plus a LIVE column of plain formulas that Excel (or LibreOffice) computes from
the data tables without Python.

Layout (1-based rows; columns A–G):

* A1 title; B2 "Period" / C2 the period text (YYYY-MM) that every live formula reads; C3 and C4
  its first and last day; C5 the ex-tax divisor (1 + tax_rate when prices include tax, else 1);
  C6 the follow-up window in days (both read from the settings table, defaults when missing).
* Row 8: headers. From row 9: one row per KPI of :data:`addin.kpis.KPIS`, in registry order:
  A id, B label, C value (static, from the KpiResult), D target (a live lookup of
  ``target_<id>`` in the settings table), E previous period, F same month last year, G live.

The live formulas use COUNTIFS, SUMIFS, SUMPRODUCT and arithmetic over ``Table[Column]``
references only (no [#Data], no [@Col], no XLOOKUP/FILTER/UNIQUE/LET), with the column labels and
enum labels of the workbook's locale, so LibreOffice 7.4 computes them too. KPIs that need the
stock valuation or per-vehicle history (costs, stock, churn ...) have no live formula.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from addin.i18n import Text, tr
from addin.kpis import KPIS, UNIT_FORMATS, LiveRefs, live_formulas

if TYPE_CHECKING:
    from addin.kpis import KpiResult

DASHBOARD_KEY = "dashboard"
TITLE = Text("Dashboard", "看板")
FIRST_ROW = 9
PERIOD_CELL = "$C$2"
_START, _END, _DIVISOR, _WINDOW = "$C$3", "$C$4", "$C$5", "$C$6"

_LABELS = {
    "period": Text("Period", "期间"),
    "from": Text("From", "起"),
    "to": Text("To", "止"),
    "divisor": Text("Ex-tax divisor", "不含税除数"),
    "window": Text("Follow-up window, days", "回访时限天数"),
    "id": Text("KPI id", "指标代码"),
    "kpi": Text("KPI", "指标"),
    "value": Text("Value", "本期"),
    "target": Text("Target", "目标"),
    "previous": Text("Previous period", "上期"),
    "last_year": Text("Same month last year", "去年同期"),
    "live": Text("Live (formulas)", "实时（公式）"),
    "hint": Text("Values are as computed by the add-in for the period; the live column recalculates from "
                 "the tables for the period in C2.",
                 "本期数值由插件计算；“实时”列按 C2 的期间由各表公式实时计算。"),
}
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")


def _set_header(ws: Worksheet, row: int, values: list[str]) -> None:
    for col, text in enumerate(values, start=1):
        cell = ws.cell(row, col, text)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def _sheet(wb: Workbook, locale: str) -> Worksheet:
    """The dashboard worksheet emptied (found by key or label), or a new one after settings."""
    forms = {DASHBOARD_KEY, TITLE.en.casefold(), TITLE.zh}
    for ws in wb.worksheets:
        if ws.title.strip().casefold() in forms:
            index = wb.sheetnames.index(ws.title)
            code = ws.sheet_properties.codeName
            wb.remove(ws)
            new = wb.create_sheet(tr(TITLE, locale), index)
            if code:
                new.sheet_properties.codeName = code
            return new
    return wb.create_sheet(tr(TITLE, locale), min(1, len(wb.sheetnames)))


def write_dashboard(wb: Workbook, result: KpiResult | None, locale: str, *,
                    previous: KpiResult | None = None, last_year: KpiResult | None = None,
                    period: str | None = None) -> Worksheet:
    """(Re)create the dashboard sheet of ``wb``. With ``result`` None (a new workbook) the layout
    and live formulas are written with an empty period cell; otherwise the static columns hold
    ``result``, ``previous`` and ``last_year`` and the period cell is ``result.period``."""
    ws = _sheet(wb, locale)
    ws["A1"] = tr(TITLE, locale)
    ws["A1"].font = Font(bold=True, size=16)
    ws["D1"] = tr(_LABELS["hint"], locale)
    ws["D1"].font = Font(italic=True, color="666666")
    row_of = live_rows()
    refs = LiveRefs(locale, _START, _END, _DIVISOR, _WINDOW, lambda kid: f"$G${row_of[kid]}")
    ws["B2"], ws["C2"] = tr(_LABELS["period"], locale), (result.period if result else period)
    ws["C2"].number_format = "@"
    ws["B3"], ws["C3"] = tr(_LABELS["from"], locale), (
        '=IF(C2="","",IF(ISNUMBER(C2),DATE(YEAR(C2),MONTH(C2),1),DATE(VALUE(LEFT(C2,4)),VALUE(MID(C2,6,2)),1)))')
    ws["B4"], ws["C4"] = tr(_LABELS["to"], locale), '=IF(C2="","",EOMONTH(C3,0))'
    ws["C3"].number_format = ws["C4"].number_format = "yyyy-mm-dd"
    incl = refs.setting("prices_include_tax")
    tax = refs.number_setting("tax_rate", "0.13")
    ws["B5"], ws["C5"] = tr(_LABELS["divisor"], locale), (
        f'=IF(ISNA(MATCH("prices_include_tax",{refs.col("settings", "key")},0)),1+{tax},'
        f'IF(OR({incl}=TRUE,{incl}="TRUE",{incl}="是"),1+{tax},1))')
    ws["B6"], ws["C6"] = tr(_LABELS["window"], locale), f'={refs.number_setting("followup_window_days", "3")}'
    for r in range(2, 7):
        ws.cell(r, 2).font = Font(bold=True)
    _set_header(ws, FIRST_ROW - 1, [tr(_LABELS[k], locale) for k in
                                    ("id", "kpi", "value", "target", "previous", "last_year", "live")])
    live = live_formulas(refs)
    for kid, k in KPIS.items():
        r = row_of[kid]
        ws.cell(r, 1, kid).font = Font(color="808080")
        ws.cell(r, 2, k.label(locale))
        for col, source in ((3, result), (5, previous), (6, last_year)):
            if source is not None and source[kid] is not None:
                ws.cell(r, col, source[kid])
        ws.cell(r, 4, f'={refs.number_setting("target_" + kid, chr(34) * 2)}')
        if kid in live:
            ws.cell(r, 7, f'=IF($C$2="","",{live[kid]})')
        for col in range(3, 8):
            ws.cell(r, col).number_format = UNIT_FORMATS[k.unit].excel
    for letter, width in (("A", 22), ("B", 28), ("C", 16), ("D", 14), ("E", 16), ("F", 16), ("G", 16)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = f"C{FIRST_ROW}"
    return ws


def live_rows() -> dict[str, int]:
    """KPI id -> worksheet row of the dashboard (the live value is in column G)."""
    return {kid: FIRST_ROW + i for i, kid in enumerate(KPIS)}



def dashboard_labels(locale: str) -> dict[str, str]:
    """The constant text cells :func:`write_dashboard` writes in ``locale`` (A1 reference ->
    text): title, hint, the labels of rows 2-6, the header row and each KPI's id and label. A
    dashboard holding these was written by write_dashboard for the same KPIs and language, so
    only :func:`dashboard_cells` change from one close to the next."""
    cells = {"A1": tr(TITLE, locale), "D1": tr(_LABELS["hint"], locale)}
    for r, key in enumerate(("period", "from", "to", "divisor", "window"), start=2):
        cells[f"B{r}"] = tr(_LABELS[key], locale)
    for col, key in zip("ABCDEFG", ("id", "kpi", "value", "target", "previous", "last_year", "live")):
        cells[f"{col}{FIRST_ROW - 1}"] = tr(_LABELS[key], locale)
    for kid, r in live_rows().items():
        cells[f"A{r}"], cells[f"B{r}"] = kid, KPIS[kid].label(locale)
    return cells


def dashboard_cells(result: KpiResult | None, locale: str, *, previous: KpiResult | None = None,
                    last_year: KpiResult | None = None, period: str | None = None) -> dict[str, object]:
    """The cells :func:`write_dashboard` fills from the results (A1 reference -> value, None for
    a cell it leaves empty): the period in C2, and per KPI row the value (C), previous period (E)
    and same month last year (F). ``locale`` is write_dashboard's; the values do not depend on it."""
    cells: dict[str, object] = {"C2": result.period if result else period}
    for kid, r in live_rows().items():
        for col, source in (("C", result), ("E", previous), ("F", last_year)):
            cells[f"{col}{r}"] = source[kid] if source is not None else None
    return cells

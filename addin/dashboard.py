"""The dashboard sheet (看板): the KPIs of a period against target, previous period and the same
month last year, plus a LIVE column of plain formulas that Excel (or LibreOffice) computes from
the data tables without Python, and a chart of the year's revenue and gross margin by month.

Layout (1-based rows; columns A–J):

* B1 title; B2 "Period" / C2 the period text (YYYY-MM) that every live formula reads; C3 and C4
  its first and last day; C5 the ex-tax divisor (1 + tax_rate when prices include tax, else 1);
  C6 the follow-up window in days; C7 the highest achievement (settings appraisal_cap), all read
  from the settings table, defaults when missing.
* A2 (in the hidden column A): TRUE when the work orders' WO nos. are in order, so that the live
  formulas find a line's job by a binary search (:meth:`addin.kpis.LiveRefs.jobs_sorted`).
* Row 8: headers (wrapped, tall enough for two lines). From row 9: one row per KPI of
  :data:`addin.kpis.KPIS`, in registry order: A the KPI id (a hidden column), B label, C value
  (static, from the KpiResult), D target (a live lookup of ``target_<id>`` in the settings
  table), E achievement, F previous period, G change against it, H same month last year, I change
  against it, J live.
* Achievement (as the scorecards define it, addin.scorecards.achievement): value ÷ target, or
  target ÷ value where lower is better (the cap when that value is 0), clamped to 0..cap; blank
  without a value or a target, with target 0, or for a KPI that has no direction.
* Change: relative for money, counts, hours ... ("n/a" from zero or beyond ±999%); percentage
  points for ratios ("pp" / "个百分点"); blank when either period has no value. A comparison
  period without data (no job opened or settled in it) is left blank, not 0.
* Conditional formats colour value and achievement green when the target is met and red when it
  is missed, by the registry's direction (higher or lower is better).
* Below the KPIs: the months of the period's calendar year (period, revenue, gross margin) and
  a bar-and-line chart of them beside the table.

The live formulas use COUNTIFS, SUMIFS, SUMPRODUCT and arithmetic over ``Table[Column]``
references only (no [#Data], no [@Col], no XLOOKUP/FILTER/UNIQUE/LET), with the column labels and
enum labels of the workbook's locale, so LibreOffice 7.4 computes them too. KPIs that need the
stock valuation or per-vehicle history (costs, stock, churn ...) have no live formula.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from addin.dashboard_data import compute_months, year_months
from addin.i18n import Text, tr
from addin.kpis import KPIS, UNIT_FORMATS, LiveRefs, live_formulas

if TYPE_CHECKING:
    from addin.kpis import KpiResult

DASHBOARD_KEY = "dashboard"
TITLE = Text("Dashboard", "看板")
FIRST_ROW = 9
PERIOD_CELL = "$C$2"
_START, _END, _DIVISOR, _WINDOW, _CAP = "$C$3", "$C$4", "$C$5", "$C$6", "$C$7"
#: TRUE when the work orders' WO nos. are in order, so the live formulas find a line's job by a
#: binary search (addin.kpis.LiveRefs.jobs_sorted); in the hidden column A.
SORTED_CELL = "$A$2"
#: The columns (1-based) of the KPI table.
ID_COLUMN, LABEL_COLUMN, VALUE_COLUMN, TARGET_COLUMN, ACHIEVEMENT_COLUMN = 1, 2, 3, 4, 5
PREVIOUS_COLUMN, PREVIOUS_CHANGE_COLUMN, LAST_YEAR_COLUMN, LAST_YEAR_CHANGE_COLUMN, LIVE_COLUMN = 6, 7, 8, 9, 10
_HEADERS = ("id", "kpi", "value", "target", "achievement", "previous", "change_previous", "last_year",
            "change_last_year", "live")
#: Relative changes beyond this (±999%) are shown as "n/a".
CHANGE_LIMIT = 9.99
#: Fills of the conditional formats: target met, missed.
MET_FILL, MISSED_FILL = "FFC6EFCE", "FFFFC7CE"

_LABELS = {
    "period": Text("Period", "期间"),
    "from": Text("From", "起"),
    "to": Text("To", "止"),
    "divisor": Text("Ex-tax divisor", "不含税除数"),
    "window": Text("Follow-up window, days", "回访时限天数"),
    "cap": Text("Highest achievement", "达成率上限"),
    "id": Text("KPI id", "指标代码"),
    "kpi": Text("KPI", "指标"),
    "value": Text("Value", "本期"),
    "target": Text("Target", "目标"),
    "achievement": Text("Achievement", "达成率"),
    "previous": Text("Previous period", "上期"),
    "change_previous": Text("Change vs previous", "环比"),
    "last_year": Text("Same month last year", "去年同期"),
    "change_last_year": Text("Change vs last year", "同比"),
    "live": Text("Live (formulas)", "实时（公式）"),
    "hint": Text("Values are as computed by the add-in for the period; the live column recalculates from "
                 "the tables for the period in C2.",
                 "本期数值由插件计算；“实时”列按 C2 的期间由各表公式实时计算。"),
    "month": Text("Month", "月份"),
    "revenue": Text("Revenue", "营业收入"),
    "gross_margin": Text("Gross margin", "毛利率"),
    "chart": Text("Revenue and gross margin by month", "各月营业收入与毛利率"),
    "na": Text("n/a", "不适用"),
}
_PP = Text(" pp", " 个百分点")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
#: The first row of the months' table (period, revenue, gross margin) below the KPIs.
MONTHS_ROW = FIRST_ROW + len(KPIS) + 3


def _set_header(ws: Worksheet, row: int, values: list[str]) -> None:
    for col, text in enumerate(values, start=1):
        cell = ws.cell(row, col, text)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")


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


def _letter(col: int) -> str:
    return "ABCDEFGHIJ"[col - 1]


def has_data(result: KpiResult | None) -> bool:
    """Whether a comparison period has data: a job opened or settled in it. A period without
    data is shown blank on the dashboard, not as zeros."""
    return result is not None and bool(result["entries"] or result["settled_ros"])


def change_formula(kid: str, row: int, other_col: int, locale: str) -> str:
    """The change of the value (column C) against ``other_col`` of ``row``: percentage points
    for a ratio, else relative ("n/a" from zero or beyond ±999%); blank when either is blank."""
    now, then = f"$C{row}", f"${_letter(other_col)}{row}"
    blank = f'OR(NOT(ISNUMBER({now})),NOT(ISNUMBER({then})))'
    if KPIS[kid].unit == "ratio":
        return f'=IF({blank},"",({now}-{then})*100)'
    na = '"' + tr(_LABELS["na"], locale) + '"'
    return (f'=IF({blank},"",IF({then}=0,{na},IF(ABS({now}/{then}-1)>{CHANGE_LIMIT},{na},'
            f'{now}/{then}-1)))')


def change_format(kid: str, locale: str) -> str:
    """The number format of a change cell: signed percent, or signed percentage points."""
    if KPIS[kid].unit == "ratio":
        pp = tr(_PP, locale)
        return f'+0.0"{pp}";-0.0"{pp}";0.0"{pp}"'
    return "+0.0%;-0.0%;0.0%"


def achievement_formula(kid: str, row: int) -> str | None:
    """addin.scorecards.achievement as a formula of value (C) and target (D), capped by C7;
    None for a KPI without a direction."""
    higher = KPIS[kid].higher_is_better
    if higher is None:
        return None
    v, t = f"$C{row}", f"$D{row}"
    raw = f"{v}/{t}" if higher else f"IF({v}=0,{_CAP},{t}/{v})"
    return f'=IF(OR(NOT(ISNUMBER({v})),NOT(ISNUMBER({t}))),"",IF({t}=0,"",MIN(MAX({raw},0),{_CAP})))'


def _conditional_formats(ws: Worksheet) -> None:
    """Green where the target is met, red where missed, by each KPI's direction."""
    for higher, met, missed in ((True, ">=", "<"), (False, "<=", ">")):
        rows = [r for kid, r in live_rows().items() if KPIS[kid].higher_is_better is higher]
        if not rows:
            continue
        first = rows[0]
        ranges = " ".join(f"C{r}:E{r}" for r in rows)
        known = f"ISNUMBER($C{first}),ISNUMBER($D{first})"
        ws.conditional_formatting.add(ranges, FormulaRule(
            formula=[f"AND({known},$C{first}{met}$D{first})"], fill=PatternFill("solid", bgColor=MET_FILL)))
        ws.conditional_formatting.add(ranges, FormulaRule(
            formula=[f"AND({known},$C{first}{missed}$D{first})"], fill=PatternFill("solid", bgColor=MISSED_FILL)))


def _chart(ws: Worksheet, locale: str) -> None:
    """Revenue (bars, left axis) and gross margin (line, right axis) of the months' table."""
    last = MONTHS_ROW + 12
    bars = BarChart()
    bars.title = tr(_LABELS["chart"], locale)
    bars.add_data(Reference(ws, min_col=3, min_row=MONTHS_ROW, max_row=last), titles_from_data=True)
    bars.set_categories(Reference(ws, min_col=2, min_row=MONTHS_ROW + 1, max_row=last))
    bars.y_axis.title = tr(_LABELS["revenue"], locale)
    bars.y_axis.numFmt = "#,##0"
    bars.y_axis.majorGridlines = None
    line = LineChart()
    line.add_data(Reference(ws, min_col=4, min_row=MONTHS_ROW, max_row=last), titles_from_data=True)
    line.y_axis.axId = 200
    line.y_axis.title = tr(_LABELS["gross_margin"], locale)
    line.y_axis.numFmt = "0%"
    line.y_axis.crosses = "max"
    bars.x_axis.delete = False
    bars.y_axis.delete = False
    line.y_axis.delete = False
    bars += line
    bars.legend.position = "b"
    bars.height, bars.width = 9, 18
    ws.add_chart(bars, "L8")


def write_dashboard(wb: Workbook, result: KpiResult | None, locale: str, *,
                    previous: KpiResult | None = None, last_year: KpiResult | None = None,
                    period: str | None = None, months: Mapping[str, Any] | None = None) -> Worksheet:
    """(Re)create the dashboard sheet of ``wb``. With ``result`` None (a new workbook) the layout
    and live formulas are written with an empty period cell; otherwise the static columns hold
    ``result``, ``previous`` and ``last_year`` and the period cell is ``result.period``.
    ``months``: {YYYY-MM: KpiResult} of the year's months for the chart (:func:`addin.dashboard_data.compute_months`)."""
    ws = _sheet(wb, locale)
    ws["B1"] = tr(TITLE, locale)  # column A (the ids) is hidden
    ws["B1"].font = Font(bold=True, size=16)
    ws["D1"] = tr(_LABELS["hint"], locale)
    ws["D1"].font = Font(italic=True, color="666666")
    row_of = live_rows()
    live_letter = _letter(LIVE_COLUMN)
    refs = LiveRefs(locale, _START, _END, _DIVISOR, _WINDOW, lambda kid: f"${live_letter}${row_of[kid]}",
                    sorted_cell=SORTED_CELL)
    ws[SORTED_CELL.replace("$", "")] = f"={refs.jobs_sorted()}"
    ws["B2"] = tr(_LABELS["period"], locale)
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
    ws["B7"], ws["C7"] = tr(_LABELS["cap"], locale), f'={refs.number_setting("appraisal_cap", "1.2")}'
    ws["C7"].number_format = "0%"
    for r in range(2, 8):
        ws.cell(r, 2).font = Font(bold=True)
    _set_header(ws, FIRST_ROW - 1, [tr(_LABELS[k], locale) for k in _HEADERS])
    ws.row_dimensions[FIRST_ROW - 1].height = 32
    live = live_formulas(refs)
    for kid, k in KPIS.items():
        r = row_of[kid]
        ws.cell(r, ID_COLUMN, kid).font = Font(color="808080")
        ws.cell(r, LABEL_COLUMN, k.label(locale))
        fmt = UNIT_FORMATS[k.unit].excel
        for col in (VALUE_COLUMN, TARGET_COLUMN, PREVIOUS_COLUMN, LAST_YEAR_COLUMN, LIVE_COLUMN):
            ws.cell(r, col).number_format = fmt
        ws.cell(r, TARGET_COLUMN, f'={refs.number_setting("target_" + kid, chr(34) * 2)}')
        ach = achievement_formula(kid, r)
        if ach is not None:
            ws.cell(r, ACHIEVEMENT_COLUMN, ach).number_format = "0.0%"
        for col, other in ((PREVIOUS_CHANGE_COLUMN, PREVIOUS_COLUMN), (LAST_YEAR_CHANGE_COLUMN, LAST_YEAR_COLUMN)):
            cell = ws.cell(r, col, change_formula(kid, r, other, locale))
            cell.number_format = change_format(kid, locale)
            cell.alignment = Alignment(horizontal="right")
        if kid in live:
            ws.cell(r, LIVE_COLUMN, f'=IF($C$2="","",{live[kid]})')
    ws["B" + str(MONTHS_ROW)] = tr(_LABELS["month"], locale)
    ws["C" + str(MONTHS_ROW)] = tr(_LABELS["revenue"], locale)
    ws["D" + str(MONTHS_ROW)] = tr(_LABELS["gross_margin"], locale)
    for letter in "BCD":
        ws[f"{letter}{MONTHS_ROW}"].font = Font(bold=True)
    for i in range(1, 13):
        ws[f"B{MONTHS_ROW + i}"].number_format = "@"
        ws[f"C{MONTHS_ROW + i}"].number_format = UNIT_FORMATS["money"].excel
        ws[f"D{MONTHS_ROW + i}"].number_format = UNIT_FORMATS["ratio"].excel
    for ref, value in dashboard_cells(result, locale, previous=previous, last_year=last_year, period=period,
                                      months=months).items():
        if value is not None:
            ws[ref] = value
    for letter, width in zip("ABCDEFGHIJ", (22, 30, 16, 14, 14, 16, 16, 16, 16, 16)):
        ws.column_dimensions[letter].width = width
    ws.column_dimensions["A"].hidden = True
    ws.freeze_panes = f"C{FIRST_ROW}"
    _conditional_formats(ws)
    _chart(ws, locale)
    return ws


def live_rows() -> dict[str, int]:
    """KPI id -> worksheet row of the dashboard (the live value is in :data:`LIVE_COLUMN`)."""
    return {kid: FIRST_ROW + i for i, kid in enumerate(KPIS)}


def dashboard_labels(locale: str) -> dict[str, str]:
    """The constant text cells :func:`write_dashboard` writes in ``locale`` (A1 reference ->
    text): title, hint, the labels of rows 2-7, the header row, each KPI's id and label and the
    months' headers. A dashboard holding these was written by write_dashboard for the same KPIs
    and language, so only :func:`dashboard_cells` change from one close to the next."""
    cells = {"B1": tr(TITLE, locale), "D1": tr(_LABELS["hint"], locale)}
    for r, key in enumerate(("period", "from", "to", "divisor", "window", "cap"), start=2):
        cells[f"B{r}"] = tr(_LABELS[key], locale)
    for col, key in enumerate(_HEADERS, start=1):
        cells[f"{_letter(col)}{FIRST_ROW - 1}"] = tr(_LABELS[key], locale)
    for kid, r in live_rows().items():
        cells[f"A{r}"], cells[f"B{r}"] = kid, KPIS[kid].label(locale)
    for letter, key in zip("BCD", ("month", "revenue", "gross_margin")):
        cells[f"{letter}{MONTHS_ROW}"] = tr(_LABELS[key], locale)
    return cells


def dashboard_cells(result: KpiResult | None, locale: str, *, previous: KpiResult | None = None,
                    last_year: KpiResult | None = None, period: str | None = None,
                    months: Mapping[str, Any] | None = None) -> dict[str, object]:
    """The cells :func:`write_dashboard` fills from the results (A1 reference -> value, None for
    a cell it leaves empty): the period in C2, per KPI row the value (C), previous period (F)
    and same month last year (H) (blank for a period without data), and the months' rows
    (period, revenue, gross margin). ``locale`` is write_dashboard's; the values do not depend on it."""
    cells: dict[str, object] = {"C2": result.period if result else period}
    sources = ((VALUE_COLUMN, result), (PREVIOUS_COLUMN, previous if has_data(previous) else None),
               (LAST_YEAR_COLUMN, last_year if has_data(last_year) else None))
    for kid, r in live_rows().items():
        for col, source in sources:
            cells[f"{_letter(col)}{r}"] = source[kid] if source is not None else None
    shown = cells["C2"]
    listed = year_months(str(shown)) if isinstance(shown, str) and len(shown) == 7 else []
    for i in range(12):
        month = listed[i] if i < len(listed) else None
        got = months.get(month) if months and month else None
        cells[f"B{MONTHS_ROW + 1 + i}"] = month
        cells[f"C{MONTHS_ROW + 1 + i}"] = got["revenue"] if got is not None and has_data(got) else None
        cells[f"D{MONTHS_ROW + 1 + i}"] = got["gross_margin"] if got is not None and has_data(got) else None
    return cells


__all__ = ["compute_months", "dashboard_cells", "dashboard_labels", "live_rows", "write_dashboard"]

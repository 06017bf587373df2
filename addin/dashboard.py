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
from addin.models import SHEETS, ClaimStatus, ClaimType, LineType, PayType, TxnType, WoStatus

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
_FORMATS = {"money": "#,##0.00", "ratio": "0.0%", "count": "0", "hours": "#,##0.00", "days": "0.0",
            "score": "0.00", "times": "0.00"}
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")


def _escape(label: str) -> str:
    return "".join("'" + ch if ch in "[]#'" else ch for ch in label)


class _Refs:
    """Structured references and enum labels of one locale."""

    def __init__(self, locale: str) -> None:
        self.locale = locale

    def col(self, sheet: str, column: str) -> str:
        spec = SHEETS[sheet]
        # The double-bracket form: labels hold spaces, "/" and "." that need it in Excel's
        # grammar (LibreOffice fails on "Qty / hours" in single brackets).
        return f"{spec.table_name}[[{_escape(spec.column(column).label(self.locale))}]]"

    def label(self, enum: type, key: str) -> str:
        return '"' + enum(key).label(self.locale).replace('"', '""') + '"'

    def truthy(self, sheet: str, column: str) -> str:
        # Booleans are TRUE/FALSE cells (en-US) or the words 是/否 (zh-CN); accept both.
        r = self.col(sheet, column)
        return f'(({r}=TRUE)+({r}="TRUE")+({r}="是")>0)'

    def setting(self, key: str) -> str:
        """The settings value of ``key`` (a scalar INDEX/MATCH; #N/A when the key is missing).
        Values may be numbers or text (the writer stores the value column as text)."""
        return f'INDEX({self.col("settings", "value")},MATCH("{key}",{self.col("settings", "key")},0))'

    def number_setting(self, key: str, default: str) -> str:
        return f"IFERROR(VALUE({self.setting(key)}),{default})"


def _live_formulas(refs: _Refs, row_of: dict[str, int]) -> dict[str, str]:
    """KPI id -> live formula (without the leading '=') for the KPIs formulas can express."""
    c, lab = refs.col, refs.label
    wo_no, status, close, opened = (c("work_orders", k) for k in ("wo_no", "status", "close_date", "open_date"))
    settled, cancelled = lab(WoStatus, "settled"), lab(WoStatus, "cancelled")
    s_crit = f'{status},{settled},{close},">="&{_START},{close},"<="&{_END}'
    o_crit = f'{opened},">="&{_START},{opened},"<="&{_END},{status},"<>"&{cancelled}'
    s_mask = f"({status}={settled})*({close}>={_START})*({close}<={_END})"
    o_mask = f"({opened}>={_START})*({opened}<={_END})*({status}<>{cancelled})"
    l_wo, l_type, l_pay, qty = (c("wo_lines", k) for k in ("wo_no", "line_type", "pay_type", "qty"))
    in_s = f"(COUNTIFS({wo_no},{l_wo},{s_crit})>0)"
    in_o = f"(COUNTIFS({wo_no},{l_wo},{o_crit})>0)"
    billed = f"(1-{refs.truthy('wo_lines', 'declined')})"
    gross = f"{qty}*{c('wo_lines', 'unit_price')}*(1-{c('wo_lines', 'discount_pct')})"

    def cell(kid: str) -> str:
        return f"$G${row_of[kid]}"

    def ratio(num: str, den: str) -> str:
        return f'IF({den}=0,"",{num}/{den})'

    f: dict[str, str] = {
        "entries": f"COUNTIFS({o_crit})",
        "settled_ros": f"COUNTIFS({s_crit})",
        "revenue": f"SUMPRODUCT({in_s}*{billed}*{gross})/{_DIVISOR}",
    }
    for key in ("labor", "part", "accessory", "sublet", "misc"):
        kid = {"part": "parts_revenue"}.get(key, f"{key}_revenue")
        f[kid] = f"SUMPRODUCT({in_s}*{billed}*({l_type}={lab(LineType, key)})*{gross})/{_DIVISOR}"
    for key in ("customer", "warranty", "insurance", "internal", "goodwill"):
        f[f"{key}_revenue"] = f"SUMPRODUCT({in_s}*{billed}*({l_pay}={lab(PayType, key)})*{gross})/{_DIVISOR}"
    labor = f"({l_type}={lab(LineType, 'labor')})"
    rate = f"SUMIFS({c('roster', 'piece_rate')},{c('roster', 'staff_id')},{c('wo_lines', 'technician_id')})"
    f["labor_cost"] = f"SUMPRODUCT({in_s}*{billed}*{labor}*{qty}*{rate})"
    f["sublet_cost"] = (f"SUMPRODUCT({in_s}*{billed}*({l_type}={lab(LineType, 'sublet')})"
                        f"*{c('wo_lines', 'cost')})")
    f["revenue_per_ro"] = ratio(cell("revenue"), cell("settled_ros"))
    f["flag_hours"] = f"SUMPRODUCT({in_s}*{billed}*{labor}*{qty})"
    f["hours_per_ro"] = ratio(cell("flag_hours"), cell("settled_ros"))
    f["effective_labor_rate"] = ratio(cell("labor_revenue"), cell("flag_hours"))
    f["declined_amount"] = f"SUMPRODUCT({in_s}*(1-{billed})*{gross})/{_DIVISOR}"
    f["comeback_rate"] = ratio(f'COUNTIFS({s_crit},{c("work_orders", "rework_of")},"<>")', cell("settled_ros"))
    f["first_time_fix_rate"] = f'IF({cell("comeback_rate")}="","",1-{cell("comeback_rate")})'
    qc = c("work_orders", "qc_first_pass")
    f["qc_first_pass_rate"] = ratio(f"SUMPRODUCT({s_mask}*{refs.truthy('work_orders', 'qc_first_pass')})",
                                    f'SUMPRODUCT({s_mask}*({qc}<>""))')
    csi = c("work_orders", "csi_score")
    f["csi_responses"] = f'COUNTIFS({s_crit},{csi},"<>")'
    f["csi"] = ratio(f"SUMIFS({csi},{s_crit})", cell("csi_responses"))
    follow = c("work_orders", "followup_date")
    f["followup_rate"] = ratio(f'SUMPRODUCT({s_mask}*({follow}<>"")*(({follow}-{close})<={_WINDOW}))',
                               cell("settled_ros"))
    f["appointment_rate"] = ratio(f"SUMPRODUCT({o_mask}*{refs.truthy('work_orders', 'appointment')})",
                                  cell("entries"))
    f["complaint_rate"] = ratio(f"SUMPRODUCT({s_mask}*{refs.truthy('work_orders', 'complaint')})",
                                cell("settled_ros"))
    ctype, csub, cstat, cdec = (c("claims", k) for k in ("claim_type", "submitted_date", "status", "decided_date"))
    for key in ("warranty", "insurance"):
        f[f"{key}_claimed"] = (f'SUMIFS({c("claims", "claimed_amount")},{ctype},{lab(ClaimType, key)},'
                               f'{csub},">="&{_START},{csub},"<="&{_END})')
    paid = c("claim_payments", "paid_date")
    f["claims_paid"] = f'SUMIFS({c("claim_payments", "amount")},{paid},">="&{_START},{paid},"<="&{_END})'
    decided = f'{cdec},">="&{_START},{cdec},"<="&{_END}'
    f["claim_rejection_rate"] = ratio(f"COUNTIFS({cstat},{lab(ClaimStatus, 'rejected')},{decided})",
                                      f"COUNTIFS({decided})")
    approved, claimed = c("claims", "approved_amount"), c("claims", "claimed_amount")
    open_claim = "*".join(f"({cstat}<>{lab(ClaimStatus, s)})" for s in ("draft", "rejected", "closed"))
    outstanding = (f"({approved}+({approved}=\"\")*{claimed}"
                   f"-SUMIFS({c('claim_payments', 'amount')},{c('claim_payments', 'claim_no')},"
                   f"{c('claims', 'claim_no')},{paid},\"<=\"&{_END}))")
    f["receivables"] = (f'SUMPRODUCT(({csub}<>"")*({csub}<={_END})*{open_claim}'
                        f"*({outstanding}>0)*{outstanding})")
    t_type, t_date = c("parts_ledger", "txn_type"), c("parts_ledger", "txn_date")
    f["counter_sales_revenue"] = (f"SUMPRODUCT(({t_type}={lab(TxnType, 'counter_sale')})*({t_date}>={_START})"
                                  f"*({t_date}<={_END})*{c('parts_ledger', 'qty')}"
                                  f"*{c('parts_ledger', 'unit_price')})/{_DIVISOR}")
    req = c("backorders", "request_date")
    part_lines = f"SUMPRODUCT({in_o}*{billed}*({l_type}={lab(LineType, 'part')}))"
    f["fill_rate"] = f'IF({part_lines}=0,"",1-COUNTIFS({req},">="&{_START},{req},"<="&{_END})/{part_lines})'
    f["wip_count"] = (f'COUNTIFS({opened},"<="&{_END},{status},"<>"&{cancelled})'
                      f'-COUNTIFS({opened},"<="&{_END},{status},{settled},{close},"<="&{_END})')
    hire, leave = c("roster", "hire_date"), c("roster", "leave_date")
    employed = f'({hire}<>"")*({hire}<={_END})*((({leave}="")+({leave}>={_END}))>0)'
    f["on_duty"] = f"SUMPRODUCT({employed})"
    role, planned = c("positions", "role"), c("positions", "planned")
    staff_role = c("roster", "role")
    on_duty_by_role = (f'(COUNTIFS({staff_role},{role},{hire},"<="&{_END},{leave},">="&{_END})'
                       f'+COUNTIFS({staff_role},{role},{hire},"<="&{_END},{leave},""))')
    gap = f"({planned}-{on_duty_by_role})"
    f["vacancies"] = f'SUMPRODUCT(({role}<>"")*({gap}>0)*{gap})'
    part, t_qty = c("parts", "part_no"), c("parts_ledger", "qty")

    def moved(kinds: tuple[str, ...]) -> str:
        return "+".join(f'SUMIFS({t_qty},{c("parts_ledger", "part_no")},{part},{t_date},"<="&{_END},'
                        f'{t_type},{lab(TxnType, k)})' for k in kinds)

    on_hand = (f"(({moved(('receipt', 'return_to_stock', 'stocktake_gain'))})"
               f"-({moved(('issue', 'counter_sale', 'return_to_supplier', 'stocktake_loss'))}))")
    safety, active = c("parts", "safety_stock"), c("parts", "active")
    # A blank cell equals FALSE in a comparison: only a filled-in FALSE makes a part inactive.
    inactive = f'(({active}<>"")*((({active}=FALSE)+({active}="FALSE")+({active}="否"))>0))'
    f["below_safety_count"] = (f'SUMPRODUCT(({part}<>"")*(1-{inactive})*({safety}<>"")'
                               f"*({on_hand}<{safety}))")
    return f


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
    from addin.kpis import KPIS

    ws = _sheet(wb, locale)
    ws["A1"] = tr(TITLE, locale)
    ws["A1"].font = Font(bold=True, size=16)
    ws["D1"] = tr(_LABELS["hint"], locale)
    ws["D1"].font = Font(italic=True, color="666666")
    refs = _Refs(locale)
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
    row_of = {kid: FIRST_ROW + i for i, kid in enumerate(KPIS)}
    live = _live_formulas(refs, row_of)
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
            ws.cell(r, col).number_format = _FORMATS[k.unit]
    for letter, width in (("A", 22), ("B", 28), ("C", 16), ("D", 14), ("E", 16), ("F", 16), ("G", 16)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = f"C{FIRST_ROW}"
    return ws


def live_rows() -> dict[str, int]:
    """KPI id -> worksheet row of the dashboard (the live value is in column G)."""
    from addin.kpis import KPIS

    return {kid: FIRST_ROW + i for i, kid in enumerate(KPIS)}



def dashboard_labels(locale: str) -> dict[str, str]:
    """The constant text cells :func:`write_dashboard` writes in ``locale`` (A1 reference ->
    text): title, hint, the labels of rows 2-6, the header row and each KPI's id and label. A
    dashboard holding these was written by write_dashboard for the same KPIs and language, so
    only :func:`dashboard_cells` change from one close to the next."""
    from addin.kpis import KPIS

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

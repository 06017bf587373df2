"""What every report reads: the store, the period's KPI results and helpers shared by reports."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.chart.label import DataLabelList

from addin import sets
from addin.i18n import Text
from addin.io.cells import xml_text
from addin.kpis import KPIS
from addin.models import SHEETS
from addin.periods import Period
from addin.reports.engine import Column, Context, Filled, TablePos, Typed
from addin.reports.layout import period_label
from addin.store import Store

LABELS: dict[str, Text] = {
    "store": Text("Store", "门店"),
    "period": Text("Period", "期间"),
    "this_month": Text("This month", "本月"),
    "target": Text("Target", "目标"),
    "vs_target": Text("Achieved", "达成率"),
    "previous": Text("Previous month", "上月"),
    "change": Text("Change", "环比"),
    "last_year": Text("Same month last year", "去年同期"),
    "change_yoy": Text("Change YoY", "同比"),
    "kpi": Text("KPI", "指标"),
    "share": Text("Share", "占比"),
    "total": Text("Total", "合计"),
    "currency_note": Text("Amounts ex-tax, in {currency}", "金额不含税，单位：{currency}"),
}


def enum_label(sheet: str, column: str, key: Any, locale: str) -> Any:
    """An enum key as its label in ``locale`` (the key itself when unknown or blank)."""
    spec = SHEETS[sheet].by_key[column]
    if key is None or spec.enum is None:
        return key
    pair = spec.enum.labels().get(key)
    return (pair[1] if locale == "zh-CN" else pair[0]) if pair else key


def col_label(sheet: str, column: str) -> Text:
    """A model column's labels as a Text pair."""
    spec = SHEETS[sheet].by_key[column]
    return Text(spec.label_en, spec.label_zh)


def records_by(frame: pd.DataFrame, key: str, columns: tuple[str, ...]) -> dict[Any, dict[str, Any]]:
    """``key`` -> the values of ``columns`` (those the frame has) of the first row of each key:
    what ``drop_duplicates(key).set_index(key).to_dict("index")`` gives (a missing text None),
    from whole columns rather than row by row (a report's list has thousands of rows, and a row
    lookup with ``.loc`` costs tens of microseconds)."""
    frame = frame.drop_duplicates(key)
    names = [c for c in columns if c != key and c in frame.columns]
    lists = []
    for c in names:
        values = frame[c].tolist()
        if isinstance(frame[c].dtype, pd.StringDtype):
            values = [None if v is pd.NA else v for v in values]  # to_dict's None for a missing text
        lists.append(values)
    return {k: dict(zip(names, values)) for k, *values in zip(frame[key].tolist(), *lists)}


def mask_name(name: Any) -> Any:
    """A customer name with all but its first character hidden: 张三 -> 张*, 欧阳明 -> 欧**."""
    if not isinstance(name, str) or not name.strip():
        return name
    text = name.strip()
    return text[0] + "*" * max(1, min(len(text) - 1, 2))


def mask_phone(phone: Any) -> Any:
    """A phone number with its middle digits hidden: 13812341234 -> 138****1234."""
    if not isinstance(phone, str) or not phone.strip():
        return phone
    digits = re.sub(r"\D", "", phone)
    if len(digits) >= 7:
        return digits[:3] + "****" + digits[-4:]
    return "*" * len(digits)


@dataclass
class ReportData:
    """The inputs of the report pack: the store (after the close's postings), the KPI results of
    the period, the previous month and the same month last year, and the stock valuation; and
    the store's frames that do not depend on the period (addin.kpis.shared_frames: those the
    close made for its KPIs, else the pack's own) for the KPIs a report computes itself."""

    store: Store
    period: str
    result: Any
    previous: Any = None
    last_year: Any = None
    valuation: Any = None
    shared: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def locale(self) -> str:
        return self.store.locale

    @cached_property
    def bounds(self) -> Period:
        return Period.parse(self.period)

    @cached_property
    def start(self) -> pd.Timestamp:
        return self.bounds.start

    @cached_property
    def end(self) -> pd.Timestamp:
        return self.bounds.end

    @cached_property
    def kpis(self) -> dict[str, Any]:
        return self.result.to_json()

    @cached_property
    def care_lists(self) -> dict[str, pd.DataFrame]:
        """Every work list of the period (addin.kpis.care_lists), made once for all the reports
        that print one (customer care, claims, registers, daily)."""
        from addin.kpis import care_lists

        known = self.result.care_frames(self.store, self.period) if hasattr(self.result, "care_frames") else None
        return known if known is not None else care_lists(self.store, self.period)

    @cached_property
    def staff(self) -> dict[str, dict[str, Any]]:
        roster = self.store.table("roster").drop_duplicates("staff_id")
        return {r["staff_id"]: r for r in roster.to_dict("records") if r["staff_id"]}

    def staff_name(self, staff_id: Any) -> Any:
        rec = self.staff.get(staff_id)
        return rec["name"] if rec else staff_id

    @cached_property
    def settled(self) -> pd.DataFrame:
        """Work orders settled in the period (KPIS.md's S)."""
        return sets.settled_jobs(self.store.table("work_orders"), self.start, self.end)

    @cached_property
    def settled_lines(self) -> pd.DataFrame:
        """Billed lines of S with their ex-tax ``amount`` (sets.amount: blank for a blank qty or
        unit price, which every sum counts as 0) and the job's repair_type."""
        lines = self.store.table("wo_lines")
        lines = lines[lines["wo_no"].isin(self.settled["wo_no"]).to_numpy() & sets.billed_mask(lines)].copy()
        lines["amount"] = sets.amount(lines, self.store.settings)
        types = self.settled.drop_duplicates("wo_no").set_index("wo_no")["repair_type"]
        lines["repair_type"] = lines["wo_no"].map(types)
        return lines

    def base_context(self) -> Context:
        """Values every template may use, with the shared labels."""
        s = self.store.settings
        return Context(
            locale=self.locale,
            values={
                "store_name": s.store_name or s.store_code or "", "store_code": s.store_code or "",
                "brand": s.brand or "", "period": self.period, "period_start": self.start.date(),
                "period_label": period_label(self.bounds, self.locale),
                "period_end": self.end.date(), "currency": s.currency,
                "currency_note": LABELS["currency_note"](self.locale, currency=s.currency),
            },
            labels=dict(LABELS),
            kpis={k: (self.kpis.get(k), unit) for k, unit in kpi_units().items()},
        )

    @cached_property
    def previous_has_data(self) -> bool:
        """Whether the previous month has data (:func:`has_data`)."""
        return has_data(self.store, self.bounds.shift(-1))

    @cached_property
    def last_year_has_data(self) -> bool:
        """Whether the same month last year has data (:func:`has_data`)."""
        return has_data(self.store, self.bounds.shift(-12))

    def _opening_known(self, months: int) -> bool:
        """Whether the records reach back before the comparison month ``months`` away: the
        opening stock of the month the records start with is no figure but their beginning."""
        start = self.bounds.shift(months).start
        ledger = self.store.table("parts_ledger")["txn_date"].to_numpy(dtype="datetime64[ns]")
        return bool((ledger < start.to_datetime64()).any())

    def kpi_table(self, ids: list[str]) -> list[list[Any]]:
        """Rows: KPI label, this month, target, achieved, previous, change, last year, change YoY.
        A comparison month without data (:func:`has_data`) is blank, and so is its change."""
        prev = self.previous.to_json() if self.previous is not None and self.previous_has_data else {}
        ly = self.last_year.to_json() if self.last_year is not None and self.last_year_has_data else {}
        targets = self.store.settings.targets
        rows = []
        for kid in ids:
            k = KPIS[kid]
            kind = k.unit
            now, p, y, t = self.kpis.get(kid), prev.get(kid), ly.get(kid), targets.get(kid)
            if kid in OPENING_KPIS:
                p = p if self._opening_known(-1) else None
                y = y if self._opening_known(-12) else None
            rows.append([k.label(self.locale), Typed(now, kind), Typed(t, kind),
                         achievement(now, t, k.higher_is_better is False, self.locale),
                         Typed(p, kind), change(now, p, kind, self.locale),
                         Typed(y, kind), change(now, y, kind, self.locale)])
        return rows


KPI_COLUMNS = [Column("kpi", LABELS["kpi"]), Column("value", LABELS["this_month"]), Column("target", LABELS["target"]),
               Column("vs_target", LABELS["vs_target"], "ratio"), Column("previous", LABELS["previous"]),
               Column("change", LABELS["change"], "change"), Column("last_year", LABELS["last_year"]),
               Column("change_yoy", LABELS["change_yoy"], "change")]


def kpi_units() -> dict[str, str]:
    """KPI id -> unit, from the registry."""
    return {k: v.unit for k, v in KPIS.items()}


#: KPIs that are a balance at the start of the period: blank for a comparison month the records
#: begin with (nothing dated before it), where they would show the 0 before the first record.
OPENING_KPIS = frozenset({"stock_value_open"})
T_NA = Text("n/a", "不适用")
T_MET = Text("Met", "达成")
#: A relative change or an achievement beyond this (±999%) prints as n/a.
CHANGE_LIMIT = 9.99


def has_data(store: Store, period: Period) -> bool:
    """A period has data when a work order was opened or settled in it or a parts ledger movement
    is dated in it; a month before the records start (or one with nothing at all) has none, and
    its KPIs (zeros) are not a comparison."""
    wo = store.table("work_orders")
    for col in ("open_date", "close_date"):
        if sets.within(wo[col], period.start, period.end).any():
            return True
    return bool(sets.within(store.table("parts_ledger")["txn_date"], period.start, period.end).any())


def achievement(now: Any, target: Any, lower_is_better: bool, locale: str) -> Typed:
    """value ÷ target, or target ÷ value where lower is better (comebacks); a lower-is-better
    KPI at 0 has met its target; beyond ±999% n/a; blank without a value or a target."""
    if now is None or target is None:
        return Typed(None, "ratio")
    now, target = float(now), float(target)
    if lower_is_better:
        if now <= 0:
            return Typed(T_MET(locale), "na")
        value = target / now
    else:
        if target == 0:
            return Typed(T_NA(locale), "na")
        value = now / target
    return Typed(T_NA(locale), "na") if abs(value) > CHANGE_LIMIT else Typed(value, "ratio")


def change(now: Any, before: Any, kind: str, locale: str) -> Typed:
    """The change against a comparison month: relative for money, counts and the other units;
    for ratios the difference in percentage points (stored in points: 0.8 = 0.8 pp), labelled
    pp / 个百分点. From zero, or beyond ±999%, n/a; blank when either value is blank."""
    if now is None or before is None:
        return Typed(None, "change")
    now, before = float(now), float(before)
    if kind == "ratio":
        return Typed((now - before) * 100, "pp_zh" if locale == "zh-CN" else "pp")
    if before == 0:
        return Typed(T_NA(locale), "na")
    value = (now - before) / abs(before)
    return Typed(T_NA(locale), "na") if abs(value) > CHANGE_LIMIT else Typed(value, "change")


def share_rows(values: list[tuple[Any, float]], total: float | None = None) -> tuple[list[list[Any]], list[Any]]:
    """Rows (label, amount, share of the total) and a totals row; ``total`` is the KPI the rows
    break down (the sum of the rows when None)."""
    total = float(sum(v for _, v in values)) if total is None else float(total)
    rows = [[label, v, (v / total) if total else None] for label, v in values]
    return rows, [None, total, 1.0 if total else None]


#: The hidden sheet that holds the data every chart plots (not printed; issue 13).
CHART_DATA = "chart_data"
#: Axis number formats by the kind of the values plotted (money without ".00").
AXIS_FORMATS = {"money": "#,##0", "count": "#,##0", "hours": "#,##0", "int": "#,##0", "ratio": "0%"}


def chart_data(filled: Filled, header: list[str], rows: list[list[Any]], kinds: tuple[str, ...] = ()) -> TablePos:
    """Write a chart's data (a header row and rows) on the hidden :data:`CHART_DATA` sheet, below
    what is there; returns where it landed (columns named c0, c1, ...)."""
    wb = filled.wb
    if CHART_DATA in wb.sheetnames:
        ws = wb[CHART_DATA]
        top = ws.max_row + 2
    else:
        ws = wb.create_sheet(CHART_DATA)
        ws.sheet_state = "hidden"
        top = 1
    for j, text in enumerate(header, start=1):
        ws.cell(top, j).value = xml_text(text)
        ws.cell(top, j).data_type = "s"
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row, start=1):
            cell = ws.cell(top + i, j)
            if isinstance(value, str) or j == 1:
                cell.value = None if value is None else xml_text(str(value))
                cell.data_type = "s"
            else:
                cell.value = value
    keys = tuple(f"c{j}" for j in range(len(header)))
    return TablePos(ws.title, top, top + 1, top + len(rows), 1, keys, end_row=top + len(rows), kinds=kinds)


def _copy_columns(filled: Filled, pos: TablePos, keys: list[str]) -> TablePos:
    """The columns ``keys`` of a filled report table, copied to the chart data sheet."""
    ws = filled.wb[pos.sheet]
    header = [ws.cell(pos.header_row, pos.col(k)).value for k in keys]
    rows = [[ws.cell(r, pos.col(k)).value for k in keys] for r in range(pos.first_row, pos.last_row + 1)]
    kinds = tuple(pos.kinds[pos.columns.index(k)] if pos.kinds else "text" for k in keys)
    return chart_data(filled, [str(h or "") for h in header], rows, kinds)


def _chart_text(chart: Any, locale: str) -> None:
    """Chart text in the report's font (Carlito / Noto Sans CJK in the PDFs)."""
    from openpyxl.chart.text import RichText
    from openpyxl.drawing.text import CharacterProperties, Font, Paragraph, ParagraphProperties

    from addin.reports.layout import font_name

    face = Font(typeface=font_name(locale))
    props = CharacterProperties(latin=face, ea=face, cs=face, sz=900)
    chart.txPr = RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=props), endParaRPr=props)])
    for part in (getattr(chart, "x_axis", None), getattr(chart, "y_axis", None), chart.legend, chart.dataLabels):
        if part is not None:
            part.txPr = RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=props), endParaRPr=props)])
    if chart.title is not None and chart.title.tx is not None and chart.title.tx.rich is not None:
        # The title carries its own text properties: the same face, bold, 14 pt.
        bold = CharacterProperties(latin=face, ea=face, cs=face, sz=1400, b=True)
        for para in chart.title.tx.rich.p:
            para.pPr = ParagraphProperties(defRPr=bold)
            for run in para.r or []:
                run.rPr = bold


def bar_chart(filled: Filled, pos: TablePos, label_key: str, value_keys: list[str], title: str, anchor: str,
              *, horizontal: bool = False, width: float = 16, height: float = 7.5) -> None:
    """A native bar chart of a filled table's columns (categories from ``label_key``), its data
    copied to the hidden chart data sheet; every category labelled, the value axis formatted by
    the kind of the values (money without decimals)."""
    if pos.last_row < pos.first_row:
        return
    from openpyxl.chart.data_source import NumFmt

    src = pos if pos.sheet == CHART_DATA else _copy_columns(filled, pos, [label_key, *value_keys])
    ws = filled.wb[src.sheet]
    chart = BarChart()
    chart.type = "bar" if horizontal else "col"
    chart.title = title
    chart.width, chart.height = width, height
    for j in range(1, len(value_keys) + 1):
        c = src.first_col + j
        chart.add_data(Reference(ws, min_col=c, min_row=src.header_row, max_row=src.last_row), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=src.first_col, min_row=src.first_row, max_row=src.last_row))
    if len(value_keys) == 1:
        chart.legend = None
    chart.x_axis.tickLblSkip = 1
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    kind = src.kinds[1] if len(src.kinds) > 1 else "number"
    chart.y_axis.numFmt = NumFmt(formatCode=AXIS_FORMATS.get(kind, "General"), sourceLinked=False)
    _chart_text(chart, filled.locale)
    chart_sheet(filled).add_chart(chart, anchor)


def pie_chart(filled: Filled, pos: TablePos, label_key: str, value_key: str, title: str, anchor: str) -> None:
    """A native pie chart of one column of a filled table, with percentages shown."""
    if pos.last_row < pos.first_row:
        return
    src = _copy_columns(filled, pos, [label_key, value_key])
    ws = filled.wb[src.sheet]
    chart = PieChart()
    chart.title = title
    chart.width, chart.height = 12, 7.5
    chart.add_data(Reference(ws, min_col=2, min_row=src.header_row, max_row=src.last_row), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=src.first_row, max_row=src.last_row))
    chart.dataLabels = DataLabelList()
    chart.dataLabels.showPercent = True
    chart.dataLabels.showVal = chart.dataLabels.showSerName = chart.dataLabels.showCatName = False
    chart.dataLabels.showLegendKey = False
    _chart_text(chart, filled.locale)
    chart_sheet(filled).add_chart(chart, anchor)


def header_rows(filled: Filled, height: float = 30.0) -> None:
    """Room for two lines in every table's header row (its labels wrap; LibreOffice and Excel keep
    the template's row height when the file is opened)."""
    for pos in filled.tables.values():
        filled.wb[pos.sheet].row_dimensions[pos.header_row].height = height


def chart_sheet(filled: Filled) -> Any:
    """Charts go on the template's last visible sheet (its charts sheet)."""
    return [ws for ws in filled.wb.worksheets if ws.sheet_state == "visible"][-1]


def num(value: Any) -> float | None:
    """A table value as a float (None for blanks)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    f = float(value)
    return None if np.isnan(f) else f

"""What every report reads: the store, the period's KPI results and helpers shared by reports."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.chart.label import DataLabelList

from addin import sets
from addin.i18n import Text
from addin.kpis import KPIS
from addin.models import SHEETS
from addin.periods import Period
from addin.reports.engine import Column, Context, Filled, TablePos, Typed
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
    the period, the previous month and the same month last year, and the stock valuation."""

    store: Store
    period: str
    result: Any
    previous: Any = None
    last_year: Any = None
    valuation: Any = None

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
                "period_end": self.end.date(), "currency": s.currency,
                "currency_note": LABELS["currency_note"](self.locale, currency=s.currency),
            },
            labels=dict(LABELS),
            kpis={k: (self.kpis.get(k), unit) for k, unit in kpi_units().items()},
        )

    def kpi_table(self, ids: list[str]) -> list[list[Any]]:
        """Rows: KPI label, this month, target, achieved, previous, change, last year, change YoY."""
        prev = self.previous.to_json() if self.previous is not None else {}
        ly = self.last_year.to_json() if self.last_year is not None else {}
        targets = self.store.settings.targets
        rows = []
        for kid in ids:
            k = KPIS[kid]
            kind = k.unit
            now, p, y, t = self.kpis.get(kid), prev.get(kid), ly.get(kid), targets.get(kid)
            # Achievement is value ÷ target, or target ÷ value where lower is better (comebacks).
            achieved = _ratio(t, now) if k.higher_is_better is False else _ratio(now, t)
            rows.append([k.label(self.locale), Typed(now, kind), Typed(t, kind), Typed(achieved, "ratio"),
                         Typed(p, kind), Typed(_change(now, p, kind), "ratio"),
                         Typed(y, kind), Typed(_change(now, y, kind), "ratio")])
        return rows


KPI_COLUMNS = [Column("kpi", LABELS["kpi"]), Column("value", LABELS["this_month"]), Column("target", LABELS["target"]),
               Column("vs_target", LABELS["vs_target"], "ratio"), Column("previous", LABELS["previous"]),
               Column("change", LABELS["change"], "ratio"), Column("last_year", LABELS["last_year"]),
               Column("change_yoy", LABELS["change_yoy"], "ratio")]


def kpi_units() -> dict[str, str]:
    """KPI id -> unit, from the registry."""
    return {k: v.unit for k, v in KPIS.items()}


def _ratio(num: Any, den: Any) -> float | None:
    if num is None or den is None or den == 0:
        return None
    return float(num) / float(den)


def _change(now: Any, before: Any, kind: str) -> float | None:
    """Relative change; for ratios the difference in points (0.05 = 5 percentage points)."""
    if now is None or before is None:
        return None
    if kind == "ratio":
        return float(now) - float(before)
    return None if before == 0 else (float(now) - float(before)) / abs(float(before))


def share_rows(values: list[tuple[Any, float]], total: float | None = None) -> tuple[list[list[Any]], list[Any]]:
    """Rows (label, amount, share of the total) and a totals row; ``total`` is the KPI the rows
    break down (the sum of the rows when None)."""
    total = float(sum(v for _, v in values)) if total is None else float(total)
    rows = [[label, v, (v / total) if total else None] for label, v in values]
    return rows, [None, total, 1.0 if total else None]


def bar_chart(filled: Filled, pos: TablePos, label_key: str, value_keys: list[str], title: str, anchor: str,
              *, horizontal: bool = False, width: float = 16, height: float = 7.5) -> None:
    """A native bar chart of a filled table's columns (categories from ``label_key``)."""
    if pos.last_row < pos.first_row:
        return
    ws = filled.wb[pos.sheet]
    chart = BarChart()
    chart.type = "bar" if horizontal else "col"
    chart.title = title
    chart.width, chart.height = width, height
    for key in value_keys:
        c = pos.col(key)
        chart.add_data(Reference(ws, min_col=c, min_row=pos.header_row, max_row=pos.last_row), titles_from_data=True)
    c = pos.col(label_key)
    chart.set_categories(Reference(ws, min_col=c, min_row=pos.first_row, max_row=pos.last_row))
    if len(value_keys) == 1:
        chart.legend = None
    chart_sheet(filled).add_chart(chart, anchor)


def pie_chart(filled: Filled, pos: TablePos, label_key: str, value_key: str, title: str, anchor: str) -> None:
    """A native pie chart of one column of a filled table, with percentages shown."""
    if pos.last_row < pos.first_row:
        return
    ws = filled.wb[pos.sheet]
    chart = PieChart()
    chart.title = title
    chart.width, chart.height = 12, 7.5
    c = pos.col(value_key)
    chart.add_data(Reference(ws, min_col=c, min_row=pos.header_row, max_row=pos.last_row), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=pos.col(label_key), min_row=pos.first_row, max_row=pos.last_row))
    chart.dataLabels = DataLabelList()
    chart.dataLabels.showPercent = True
    chart.dataLabels.showVal = chart.dataLabels.showSerName = chart.dataLabels.showCatName = False
    chart.dataLabels.showLegendKey = False
    chart_sheet(filled).add_chart(chart, anchor)


def header_rows(filled: Filled, height: float = 30.0) -> None:
    """Room for two lines in every table's header row (its labels wrap; LibreOffice and Excel keep
    the template's row height when the file is opened)."""
    for pos in filled.tables.values():
        filled.wb[pos.sheet].row_dimensions[pos.header_row].height = height


def chart_sheet(filled: Filled) -> Any:
    """Charts go on the template's last sheet (its charts sheet), beside nothing they could hide."""
    return filled.wb.worksheets[-1]


def num(value: Any) -> float | None:
    """A table value as a float (None for blanks)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    f = float(value)
    return None if np.isnan(f) else f

"""A small template engine: an .xlsx template with placeholders, filled with openpyxl.

Placeholders are cell text in double braces:

* ``{{name}}`` — a value of the report (``store_name``, ``period``, ``generated`` ...); a cell that
  is only a placeholder takes the typed value (a number stays a number), text around
  placeholders gives text;
* ``{{kpi:revenue}}`` — a KPI of the period, formatted by its unit in the KPI registry;
* ``{{label:revenue}}`` — a label in the report's language: the report's own labels, else the
  KPI registry's (addin.kpis.KPIS);
* ``{{table:technicians}}`` — a table anchor: the header row replaces the anchor, the rows follow
  and push whatever is below them down. Sheet titles hold a label key,
  ``{{sheet_summary}}``, since a sheet name may not contain ':'.

One template serves both languages, since every label is a placeholder. Text that comes from the
data is always written as text: a value such as ``=HYPERLINK(...)`` or ``+86 138...`` never
becomes a formula.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from addin.errors import ServiceError
from addin.i18n import Text
from addin.io.cells import xml_text
from addin.kpis import UNIT_FORMATS
from addin.resources import templates_dir

TEMPLATE_DIR = templates_dir()
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+(?::[A-Za-z0-9_\-]+)?)\s*\}\}")

#: Number formats by value kind: the KPI units' (the registry's addin.kpis.UNIT_FORMATS), then
#: the kinds of report columns that are not KPI units.
FORMATS = {
    **{unit: f.excel for unit, f in UNIT_FORMATS.items()},
    # Quantities: General shows 17 and 1.5 as they are ("#,##0.##" shows "17.").
    "int": UNIT_FORMATS["count"].excel, "number": "General", "date": "yyyy-mm-dd", "text": "General",
    # Change columns: relative change, and the difference of two ratios in percentage points.
    "change": '+0.0%;-0.0%;0.0%', "pp": '+0.0" pp";-0.0" pp";0.0" pp"',
    "pp_zh": '+0.0"个百分点";-0.0"个百分点";0.0"个百分点"',
}
_FORMULA_START = ("=", "+", "-", "@")
_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
_MAX_WIDTH = 48

T_UNKNOWN = Text("Report template {template}, sheet {sheet}, cell {cell}: unknown placeholder {{{{{name}}}}}.",
                 "报表模板 {template}，工作表 {sheet}，单元格 {cell}：未知占位符 {{{{{name}}}}}。")
T_MISSING = Text("Report template {template} not found in {folder}; run `python -m addin.reports.make_templates`.",
                 "在 {folder} 中找不到报表模板 {template}；请运行 `python -m addin.reports.make_templates`。")


class TemplateError(ServiceError):
    """A template is missing or holds a placeholder the report does not provide."""


@dataclass(frozen=True)
class Column:
    """A table column: key, header label (Text or plain text) and value kind (see FORMATS)."""

    key: str
    label: Text | str
    kind: str = "text"


class Typed(NamedTuple):
    """A table value with its own kind, for columns whose rows differ (a KPI table's values)."""

    value: Any
    kind: str


@dataclass
class Table:
    """Rows of values in column order, an optional totals row, and a text shown when empty."""

    columns: list[Column]
    rows: list[list[Any]]
    total: list[Any] | None = None
    empty: Text | None = None


@dataclass(frozen=True)
class TablePos:
    """Where a table landed: sheet, header row, first and last data row, first column."""

    sheet: str
    header_row: int
    first_row: int
    last_row: int
    first_col: int
    columns: tuple[str, ...]
    #: The table's last row (data, the empty text or the totals row); the kinds of its columns.
    end_row: int = 0
    kinds: tuple[str, ...] = ()

    def col(self, key: str) -> int:
        """Worksheet column number of ``key``."""
        return self.first_col + self.columns.index(key)


@dataclass
class Context:
    """What fills a template: plain values, labels, KPI values with their kinds, and tables."""

    locale: str
    values: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, Text] = field(default_factory=dict)
    kpis: dict[str, tuple[Any, str]] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)

    def label(self, key: str) -> str | None:
        if key in self.labels:
            return self.labels[key](self.locale)
        from addin.kpis import KPIS

        kpi = KPIS.get(key)
        return kpi.label(self.locale) if kpi else None

    def resolve(self, name: str) -> tuple[Any, str] | None:
        """(value, kind) of a placeholder, or None when the report does not know it."""
        kind, _, arg = name.partition(":")
        if not arg:
            if name not in self.values:
                return None
            value = self.values[name]
            return value, _kind_of(value)
        if kind == "label":
            text = self.label(arg)
            return None if text is None else (text, "text")
        if kind == "kpi":
            return self.kpis.get(arg)
        return None


def _kind_of(value: Any) -> str:
    if isinstance(value, (dt.date, pd.Timestamp)):
        return "date"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "number"
    return "text"


def plain(value: Any) -> Any:
    """A value as openpyxl writes it: NaN/NaT/NA -> None, Timestamps -> date, numpy -> Python."""
    t = type(value)
    if t is str or t is int or t is bool:
        return value
    if t is float:
        return None if math.isnan(value) or math.isinf(value) else value
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date() if value == value.normalize() else value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.date() if value == dt.datetime(value.year, value.month, value.day) else value
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def put(cell: Cell, value: Any, kind: str = "text") -> None:
    """Write one value; text is always text, whatever it starts with."""
    if isinstance(value, Typed):
        value, kind = value
    _put_plain(cell, plain(value), kind)


@functools.lru_cache(maxsize=1 << 16)
def _checked_text(value: str) -> str:
    """A cell's text as openpyxl's check leaves it (Cell.check_string: at most 32,767 characters),
    without what XML cannot hold (:func:`xml_text`: openpyxl would refuse the whole report for one
    control character in a customer's remark), once per distinct text: a report's columns repeat
    their values."""
    return xml_text(value[:32767])


def _put_plain(cell: Cell, value: Any, kind: str) -> None:
    """:func:`put` of a value :func:`plain` already made plain. Text and Python numbers are
    stored as openpyxl's value setter stores them (the same value and data type), without it."""
    t = type(value)
    if isinstance(value, str):
        # Stored as text even when it starts with "=" (openpyxl's setter would make it a
        # formula), with Excel's quote prefix so that editing the cell in Excel keeps it text.
        cell._value = _checked_text(value if t is str else str(value))
        cell.data_type = "s"
        if value.startswith(_FORMULA_START):
            cell.quotePrefix = True
        return
    if t is int or t is float:
        cell._value = value
        cell.data_type = "n"
    else:
        cell.value = value
    fmt = FORMATS["date"] if isinstance(value, dt.date) else FORMATS.get(kind, "General")
    if value is not None and (kind != "text" or isinstance(value, dt.date)) and cell.number_format != fmt:
        cell.number_format = fmt


#: Width of a Latin character or digit in the report's font, in column-width units (Calibri's
#: digit): Noto Sans CJK, which prints the Chinese reports, sets Latin text about a quarter wider.
LATIN_WIDTH = {"en-US": 1.0, "zh-CN": 1.25}


def text_width(value: Any, latin: float = 1.0) -> int:
    """Width of a value as printed, in characters (a CJK character counts two, a Latin one
    ``latin``)."""
    if value is None:
        return 0
    t = type(value)
    if t is int or (t is float and math.isfinite(value)):
        # Digits, sign, point and commas are all narrow: the width of as many zeros (cached by
        # length, the same sum), where the amounts of a report would each miss the text cache.
        return _text_width("0" * len(f"{value:,.2f}" if t is float else str(value)), latin)
    if isinstance(value, float):
        text = f"{value:,.2f}"
    elif isinstance(value, dt.date):
        text = "2026-10-31"
    else:
        text = str(value)
    return _text_width(text, latin)


class _CharWidths(dict[str, float]):
    """Character -> its width for one Latin width, each character measured the first time it is
    met: 2 for a wide (CJK) character, ``latin`` for a letter, a little less for digits and
    punctuation (closer to Calibri's widths than letters are)."""

    def __init__(self, latin: float) -> None:
        super().__init__()
        self.latin = latin
        self.narrow = 1 + (latin - 1) * 0.4

    def __missing__(self, ch: str) -> float:
        width = 2 if unicodedata.east_asian_width(ch) in "WF" else self.latin if ch.isalpha() else self.narrow
        self[ch] = width
        return width


_CHAR_WIDTHS: dict[float, _CharWidths] = {}


@functools.lru_cache(maxsize=1 << 16)
def _text_width(text: str, latin: float) -> int:
    # A report's columns repeat their values (dates, teams, amounts): each is measured once, its
    # characters' widths summed in order from a table (a customer list is tens of thousands of
    # names, each new).
    widths = _CHAR_WIDTHS.get(latin)
    if widths is None:
        widths = _CHAR_WIDTHS.setdefault(latin, _CharWidths(latin))
    return math.ceil(sum(map(widths.__getitem__, text)))


#: What a number format adds to a number's printed width: a sign and a unit ("+21.5个百分点").
_SUFFIX_WIDTH = {"ratio": 1, "change": 2, "pp": 4, "pp_zh": 10}


def head_width(label: str, latin: float = 1.0) -> int:
    """The width a header label asks of its column: a long label wraps onto two lines (at a space,
    or anywhere in CJK text), so it asks for about half its width, never less than its longest
    word."""
    width = text_width(label, latin)
    if width <= 12:
        return width
    if any(unicodedata.east_asian_width(ch) in "WF" for ch in label):
        return (width + 1) // 2 + 1
    longest = max(text_width(w, latin) for w in label.split())
    return max(longest, (width + 1) // 2 + 2)


class _Styles:
    """Cell styles of a table, each built once and copied to every cell (openpyxl registers a
    style per assignment, which dominates the time of large tables)."""

    def __init__(self, ws: Worksheet) -> None:
        self._ws = ws
        self._cache: dict[tuple[str, str], Any] = {}

    def apply(self, cell: Cell, role: str, kind: str) -> None:
        key = (role, kind if kind == "na" else FORMATS.get(kind, "General") if role != "head" else "")
        style = self._cache.get(key)
        if style is None:
            cell.border = _BORDER
            if role == "head":
                # Named: a bold font without a name falls back to a wider serif face in LibreOffice's
                # PDFs, and the header then wraps inside a one-line row and is cut off.
                cell.font = Font(name="Calibri", bold=True)
                cell.fill = _HEAD_FILL
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            elif role == "total":
                cell.font = Font(bold=True)
                cell.fill = _TOTAL_FILL
            if role != "head" and kind in FORMATS and kind != "text":
                cell.number_format = FORMATS[kind]
            if kind == "na":
                # A word in a column of numbers ("n/a", "Met"): aligned with the numbers.
                cell.alignment = Alignment(horizontal="right")
            self._cache[key] = copy(cell._style)
        else:
            cell._style = StyleArray(style)


def write_table(ws: Worksheet, row: int, col: int, table: Table, locale: str) -> TablePos:
    """Write a table with its header at (row, col), pushing the content below it down."""
    n = max(len(table.rows), 1) + (1 if table.total is not None else 0)
    ws.insert_rows(row + 1, n)
    styles = _Styles(ws)
    latin = LATIN_WIDTH.get(locale, 1.0)
    widths = [0] * len(table.columns)
    for j, c in enumerate(table.columns):
        label = c.label(locale) if isinstance(c.label, Text) else c.label
        cell = ws.cell(row, col + j)
        put(cell, label)
        styles.apply(cell, "head", "text")
        widths[j] = head_width(label, latin)
    r = row + 1
    if not table.rows:
        put(ws.cell(r, col), (table.empty or T_EMPTY)(locale))
        ws.cell(r, col).font = Font(italic=True, color="808080")
        r += 1
    lines = [(values, "body") for values in table.rows]
    if table.total is not None:
        lines.append((table.total, "total"))
    cells = ws._cells
    kinds = [c.kind for c in table.columns]
    created = 0
    for values, role in lines:
        for j, column_kind in enumerate(kinds):
            value = values[j]
            value, kind = value if isinstance(value, Typed) else (value, column_kind)
            value = plain(value)
            # The cell as ws.cell(r, col + j) gives it (the rows were just inserted: it is new).
            cell = cells.get((r, col + j))
            if cell is None:
                cell = cells[(r, col + j)] = Cell(ws, row=r, column=col + j)
                created = r
            styles.apply(cell, role, kind if kind == "na" or (value is not None and not isinstance(value, str)) else "text")
            _put_plain(cell, value, kind)
            width = text_width(value, latin) + _SUFFIX_WIDTH.get(kind, 0)
            if width > widths[j]:
                widths[j] = width
        r += 1
    ws._current_row = max(ws._current_row, created)
    for j, w in enumerate(widths):
        letter = get_column_letter(col + j)
        current = ws.column_dimensions[letter].width or 0
        ws.column_dimensions[letter].width = max(current, min(w + 2, _MAX_WIDTH))
    first = row + 1
    last = row + len(table.rows)
    return TablePos(ws.title, row, first, last, col, tuple(c.key for c in table.columns), end_row=r - 1,
                    kinds=tuple(c.kind for c in table.columns))


T_EMPTY = Text("(none this month)", "（本月无）")


@dataclass
class Filled:
    """A filled template: the workbook and where each table landed."""

    wb: Workbook
    tables: dict[str, TablePos]
    locale: str = "en-US"


def _sheet_title(title: str, ctx: Context, template: str) -> str:
    """A sheet title's placeholders: ``{{key}}`` is a label (a sheet name cannot hold ':')."""
    def sub(m: re.Match[str]) -> str:
        label = ctx.label(m.group(1))
        if label is not None:
            return label
        got = ctx.resolve(m.group(1))
        if got is None:
            raise TemplateError(T_UNKNOWN, template=template, sheet=title, cell="(title)", name=m.group(1))
        return str(got[0])

    text = PLACEHOLDER.sub(sub, title)
    return re.sub(r"[\\*?:/\[\]]", "-", text)[:31]


def fill(template: str | Path, ctx: Context) -> Filled:
    """Open ``template`` (a name under workbook/templates/ or a path) and fill it from ``ctx``."""
    path = Path(template)
    if not path.suffix:
        path = TEMPLATE_DIR / f"{template}.xlsx"
    if not path.exists():
        raise TemplateError(T_MISSING, template=path.name, folder=str(path.parent))
    wb = load_workbook(path)
    positions: dict[str, TablePos] = {}
    for ws in wb.worksheets:
        ws.title = _sheet_title(ws.title, ctx, path.name)
        row = 1
        notes: list[Cell] = []
        # The sheet's extent, measured again only when a table wrote rows (each measure is a
        # pass over every cell, and a large table's sheet has a hundred thousand).
        max_row, max_col = ws.max_row, ws.max_column
        while row <= max_row:
            after = row + 1
            for cell in next(ws.iter_rows(min_row=row, max_row=row, max_col=max_col)):
                if isinstance(cell.value, str) and cell.value.strip() == "{{currency_note}}":
                    notes.append(cell)
                if isinstance(cell.value, str) and "{{" in cell.value:
                    end = _fill_cell(ws, cell, ctx, path.name, positions)
                    if end is not None:
                        # Rows a table wrote hold data, never placeholders: skip past them.
                        after = max(after, end + 1)
                        max_row, max_col = ws.max_row, ws.max_column
            row = after
        _currency_note(ws, notes, ctx, positions)
    return Filled(wb, positions, ctx.locale)


def _has_money(table: Table) -> bool:
    if any(c.kind == "money" for c in table.columns):
        return True
    return any(isinstance(v, Typed) and v.kind == "money" for row in table.rows for v in row)


def _currency_note(ws: Worksheet, notes: list[Cell], ctx: Context, positions: dict[str, TablePos]) -> None:
    """The currency note ("Amounts ex-tax, in CNY") only on a sheet whose tables hold amounts."""
    if not notes:
        return
    if any(pos.sheet == ws.title and _has_money(ctx.tables[name]) for name, pos in positions.items()):
        return
    for cell in notes:
        cell.value = None


def _fill_cell(ws: Worksheet, cell: Cell, ctx: Context, template: str, positions: dict[str, TablePos]) -> int | None:
    """Fill one placeholder cell; for a table anchor, return the last row the table wrote."""
    text = str(cell.value)
    whole = PLACEHOLDER.fullmatch(text.strip())
    if whole and whole.group(1).startswith("table:"):
        name = whole.group(1)[len("table:"):]
        table = ctx.tables.get(name)
        if table is None:
            raise TemplateError(T_UNKNOWN, template=template, sheet=ws.title, cell=cell.coordinate, name=whole.group(1))
        cell.value = None
        pos = write_table(ws, cell.row, cell.column, table, ctx.locale)
        positions[name] = pos
        return cell.row + max(len(table.rows), 1) + (1 if table.total is not None else 0)
    if whole:
        got = ctx.resolve(whole.group(1))
        if got is None:
            raise TemplateError(T_UNKNOWN, template=template, sheet=ws.title, cell=cell.coordinate, name=whole.group(1))
        put(cell, got[0], got[1])
        return None

    def sub(m: re.Match[str]) -> str:
        got = ctx.resolve(m.group(1))
        if got is None:
            raise TemplateError(T_UNKNOWN, template=template, sheet=ws.title, cell=cell.coordinate, name=m.group(1))
        value, kind = got
        return format_value(value, kind)

    put(cell, PLACEHOLDER.sub(sub, text))
    return None


def format_value(value: Any, kind: str) -> str:
    """A value as text the way the report prints it (money with 2 decimals, ratios in %)."""
    value = plain(value)
    if value is None:
        return "—"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        unit = "count" if kind == "int" else kind
        # Numbers of a kind that is no KPI unit (plain numbers) show as the hours do.
        return UNIT_FORMATS[unit if unit in UNIT_FORMATS else "hours"].format(value)
    return str(value)


def visible_cells(wb: Workbook) -> dict[str, list[list[Any]]]:
    """Every sheet's cell values as JSON-ready rows (dates as ISO text, floats rounded to 6
    places): what the golden files hold."""
    out: dict[str, list[list[Any]]] = {}
    for ws in wb.worksheets:
        rows = []
        for row in ws.iter_rows(values_only=True):
            rows.append([_json_value(v) for v in row])
        while rows and all(v is None for v in rows[-1]):
            rows.pop()
        out[ws.title] = rows
    return out


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 6)
    return value


"""The live workbook behind the ribbon: the one place that calls xlwings.

:class:`LiveBook` wraps the few xlwings calls the entry points need (docs/excel_boundary.md lists
them; addin.xl.fake implements exactly those for the tests): the book and its sheets by name,
range values read and written as 2-D lists, the used range, the sheet's Excel Table, a message
box, an input box, the Excel user, save. On top of them it reads the whole book into a
:class:`~addin.store.Store` and writes records of a sheet back by its header row, so values cross
the boundary as 2-D lists of primitives and the core never sees Excel.
"""

from __future__ import annotations

import datetime as dt
import getpass
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from addin.i18n import sheet_label
from addin.models import SHEETS, ColumnSpec
from addin.store import Store
from addin.tables import normalize_label

Grid = list[list[Any]]
#: Excel's XlSheetVisibility value of a sheet the Unhide dialog does not list.
XL_SHEET_VERY_HIDDEN = 2


class LiveBook:
    """An xlwings Book (or the fake of addin.xl.fake) seen through the boundary's calls."""

    def __init__(self, book: Any) -> None:
        self.book = book

    @classmethod
    def caller(cls) -> LiveBook:
        """The workbook whose button ran the entry point (xlwings' ``Book.caller()``)."""
        import xlwings as xw

        return cls(xw.Book.caller())

    # -- the xlwings calls ------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return Path(self.book.fullname)

    def sheet_names(self) -> list[str]:
        return [sheet.name for sheet in self.book.sheets]

    def grid(self, name: str) -> Grid:
        """The sheet's values from A1 to the used range's last cell, always 2-D."""
        sheet = self.book.sheets[name]
        last = sheet.used_range.last_cell
        return sheet.range((1, 1), (last.row, last.column)).options(ndim=2).value

    def write(self, name: str, row: int, values: Grid, column: int = 1) -> None:
        """Write a 2-D block with its top-left cell at (``row``, ``column``)."""
        if values:
            self.book.sheets[name].range((row, column)).value = values

    def clear(self, name: str, first_row: int, last_row: int, columns: int) -> None:
        if last_row >= first_row and columns > 0:
            self.book.sheets[name].range((first_row, 1), (last_row, columns)).clear_contents()

    def fit_tables(self, name: str, last_row: int, columns: int) -> None:
        """Make the sheet's Excel Table span A1 down to ``last_row`` (at least one data row)."""
        sheet = self.book.sheets[name]
        for table in sheet.tables:
            table.resize(sheet.range((1, 1), (max(last_row, 2), columns)))

    def add_sheet(self, name: str) -> None:
        sheets = self.book.sheets
        self.book.sheets.add(name, after=sheets[len(sheets) - 1])

    def activate(self, name: str) -> None:
        self.book.sheets[name].activate()

    def hide(self, name: str) -> None:
        """Make a sheet very hidden (xlSheetVeryHidden: not in Excel's Unhide list)."""
        self.book.sheets[name].api.Visible = XL_SHEET_VERY_HIDDEN

    def set_name(self, name: str, refers_to: str) -> None:
        """Define workbook name ``name`` as ``refers_to`` (A1 style, e.g. "=lists!$B$2:$B$4");
        Excel's Names.Add replaces a name that exists."""
        self.book.names.add(name, refers_to)

    def alert(self, message: str, title: str, *, buttons: str = "ok", critical: bool = False) -> str:
        """A message box; returns the button pressed ("ok", "yes", "no", "cancel")."""
        return str(self.book.app.alert(message, title=title, buttons=buttons,
                                       mode="critical" if critical else "info"))

    def ask(self, prompt: str, title: str) -> str | None:
        """Excel's input box; None when the user cancels."""
        answer = self.book.app.api.InputBox(prompt, title)
        return None if answer is False or answer is None else str(answer)

    def user(self) -> str:
        """Excel's user name (File > Options > General), else the Windows login."""
        try:
            name = self.book.app.api.UserName
        except Exception:  # COM may refuse while Excel is busy; the login still identifies the user
            name = None
        return str(name).strip() if name and str(name).strip() else getpass.getuser()

    def save(self) -> None:
        self.book.save()

    def selection(self) -> tuple[str, int] | None:
        """The sheet and the first row of the selected cells (``book.selection``), or None."""
        selected = self.book.selection
        if selected is None:
            return None
        return str(selected.sheet.name), int(selected.row)

    # -- the store in, records out ------------------------------------------------------------

    def read_store(self, keys: Iterable[str] | None = None) -> Store:
        """The data sheets' values as one typed Store (addin.io.reader.store_from_grids). Only
        worksheets named by a sheet's key or label are read (not the dashboard, the lists or
        xlwings.conf), and with ``keys`` only those sheets, which spares reading a large book
        through COM when a button needs the settings only."""
        from addin.io.reader import store_from_grids

        wanted = SHEETS if keys is None else keys
        forms = {normalize_label(f) for key in wanted for f in (key, SHEETS[key].label_en, SHEETS[key].label_zh)}
        names = [n for n in self.sheet_names() if normalize_label(n) in forms]
        return store_from_grids({name: self.grid(name) for name in names}, path=self.path)

    def sheet_of(self, store: Store, key: str) -> str:
        """The worksheet that holds sheet ``key``, added with its header when the book has none."""
        name = store.sheet_names.get(key)
        if name in self.sheet_names():
            return name  # type: ignore[return-value]
        forms = {normalize_label(f) for f in (key, SHEETS[key].label_en, SHEETS[key].label_zh)}
        for existing in self.sheet_names():
            if normalize_label(existing) in forms:
                return existing
        name = sheet_label(key, store.locale)
        self.add_sheet(name)
        self.write(name, 1, [[c.label(store.locale) for c in SHEETS[key].columns]])
        return name

    def _layout(self, name: str) -> tuple[list[Any], int]:
        """The header row of a sheet and the last row that holds anything."""
        grid = self.grid(name)
        header = list(grid[0]) if grid else []
        last = len(grid)
        while last > 1 and all(_blank(v) for v in grid[last - 1]):
            last -= 1
        return header, max(last, 1)

    def append_records(self, store: Store, key: str, records: Sequence[dict[str, Any]]) -> list[int]:
        """Append records below the last filled row of sheet ``key``; returns their row numbers."""
        if not records:
            return []
        name = self.sheet_of(store, key)
        header, last = self._layout(name)
        rows = records_to_rows(key, header, records, store.locale)
        self.write(name, last + 1, rows)
        self.fit_tables(name, last + len(rows), len(header))
        return list(range(last + 1, last + 1 + len(rows)))

    def replace_records(self, store: Store, key: str, records: Sequence[dict[str, Any]]) -> None:
        """Replace every record of sheet ``key`` (the header row stays)."""
        name = self.sheet_of(store, key)
        header, last = self._layout(name)
        self.clear(name, 2, last, len(header))
        self.write(name, 2, records_to_rows(key, header, records, store.locale))
        self.fit_tables(name, 1 + len(records), len(header))

    def set_settings(self, store: Store, updates: dict[str, str]) -> None:
        """Set values of the settings table in place; a key it lacks is appended."""
        from addin.models import SETTING_LABELS

        name = self.sheet_of(store, "settings")
        grid = self.grid(name)
        key_col, value_col = settings_columns(grid)
        missing = []
        for key, value in updates.items():
            forms = {normalize_label(f) for f in (key, *SETTING_LABELS.get(key, ()))}
            row = next((r for r in range(1, len(grid)) if len(grid[r]) > key_col
                        and not _blank(grid[r][key_col]) and normalize_label(grid[r][key_col]) in forms), None)
            if row is None:
                missing.append({"key": key, "value": value})
            else:
                self.write(name, row + 1, [[value]], value_col + 1)
        self.append_records(store, "settings", missing)


def settings_columns(grid: Grid) -> tuple[int, int]:
    """The key and value columns (0-based) of a settings sheet's values, by its header."""
    header = [normalize_label(v) for v in grid[0]] if grid else []
    return _index(header, ("key", "参数"), 0), _index(header, ("value", "值"), 1)


def _index(header: list[str], names: Iterable[str], default: int) -> int:
    wanted = {normalize_label(n) for n in names}
    return next((i for i, h in enumerate(header) if h in wanted), default)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_value(column: ColumnSpec | None, value: Any, locale: str) -> Any:
    """A record's value as a cell takes it: enums as labels of the locale, dates as datetimes,
    blanks (None, NaN, NaT) as None, numpy scalars as Python numbers."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalar
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "to_pydatetime"):
        value = None if str(value) == "NaT" else value.to_pydatetime()
    if value is None:
        return None
    if column is not None and column.enum is not None and isinstance(value, str):
        labels = column.enum.labels().get(value)
        if labels:
            return labels[1] if locale == "zh-CN" else labels[0]
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def records_to_rows(key: str, header: Sequence[Any], records: Sequence[dict[str, Any]], locale: str) -> Grid:
    """Records (canonical keys, plus extra columns by their header text) as rows in the order of
    the sheet's header; a header cell that names no column of the record gets None."""
    spec = SHEETS[key]
    forms: dict[str, ColumnSpec] = {}
    for col in spec.columns:
        for form in (col.key, col.label_en, col.label_zh):
            forms[normalize_label(form)] = col
    columns = [forms.get(normalize_label(h)) if not _blank(h) else None for h in header]
    rows = []
    for record in records:
        row = []
        for text, col in zip(header, columns):
            value = record.get(col.key) if col is not None else record.get(text) if not _blank(text) else None
            row.append(cell_value(col, value, locale))
        rows.append(row)
    return rows

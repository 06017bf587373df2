"""A fake of exactly the xlwings calls addin.xl.book makes, for running the entry points without
Excel (docs/excel_boundary.md is the contract both sides keep).

Only what LiveBook uses exists here, with xlwings' semantics: ``book.sheets`` (iterate, len,
index by name or position, ``add(name, after=)``), ``sheet.name``, ``sheet.used_range.last_cell``
(``row``, ``column``), ``sheet.range((r, c)[, (r2, c2)])`` with ``options(ndim=2)``, ``value``
(get and set, a scalar, a row or a 2-D block that expands from its top-left cell) and
``clear_contents()``, ``sheet.tables`` (``name``, ``range``, ``resize(range)``),
``sheet.activate()``, ``book.app.alert(prompt, title=, buttons=, mode=)``,
``book.app.api.UserName`` and ``book.app.api.InputBox(prompt, title)``, ``book.save()``,
``book.fullname`` and ``book.selection`` (the selected range: ``sheet``, ``row``; set it with
``select(sheet, row)``). Anything else raises AttributeError, so a new xlwings call in LiveBook shows
up in the tests as a missing piece of the contract.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any


class FakeRange:
    """A rectangle of a FakeSheet (1-based, inclusive)."""

    def __init__(self, sheet: FakeSheet, first: tuple[int, int], last: tuple[int, int] | None = None,
                 ndim: int | None = None) -> None:
        self.sheet = sheet
        self.row, self.column = first
        self.last_row, self.last_column = last or first
        self._ndim = ndim

    def options(self, *, ndim: int | None = None) -> FakeRange:
        return FakeRange(self.sheet, (self.row, self.column), (self.last_row, self.last_column), ndim)

    @property
    def last_cell(self) -> FakeRange:
        return FakeRange(self.sheet, (self.last_row, self.last_column))

    @property
    def value(self) -> Any:
        grid = [[self.sheet.cells.get((r, c)) for c in range(self.column, self.last_column + 1)]
                for r in range(self.row, self.last_row + 1)]
        if self._ndim == 2:
            return grid
        if len(grid) == 1 and len(grid[0]) == 1:
            return grid[0][0]
        if len(grid) == 1:
            return grid[0]
        if all(len(row) == 1 for row in grid):
            return [row[0] for row in grid]
        return grid

    @value.setter
    def value(self, data: Any) -> None:
        if not isinstance(data, (list, tuple)):
            data = [[data]]
        elif data and not isinstance(data[0], (list, tuple)):
            data = [data]
        for i, row in enumerate(data):
            for j, item in enumerate(row):
                self.sheet.set(self.row + i, self.column + j, item)

    def clear_contents(self) -> None:
        for r in range(self.row, self.last_row + 1):
            for c in range(self.column, self.last_column + 1):
                self.sheet.cells.pop((r, c), None)


class FakeTable:
    """An Excel Table (ListObject): its name and range."""

    def __init__(self, sheet: FakeSheet, name: str, first: tuple[int, int], last: tuple[int, int]) -> None:
        self.name = name
        self.range = FakeRange(sheet, first, last)

    def resize(self, range: FakeRange) -> None:  # noqa: A002 - xlwings' parameter name
        self.range = range


class FakeSheetApi:
    """``sheet.api``: the sheet's Visible (-1 visible, 0 hidden, 2 very hidden)."""

    def __init__(self) -> None:
        self.Visible = -1  # noqa: N815 - Excel's COM name


class FakeNames:
    """``book.names``: defined names by name (case-insensitive, as in Excel) -> refers_to."""

    def __init__(self) -> None:
        self.refers_to: dict[str, str] = {}

    def add(self, name: str, refers_to: str) -> None:
        key = next((k for k in self.refers_to if k.casefold() == name.casefold()), name)
        self.refers_to[key] = refers_to


class FakeSheet:
    """A worksheet: values by (row, column), tables, activation."""

    def __init__(self, book: FakeBook, name: str) -> None:
        self.book = book
        self.name = name
        self.cells: dict[tuple[int, int], Any] = {}
        self.tables: list[FakeTable] = []
        self.api = FakeSheetApi()

    def set(self, row: int, column: int, value: Any) -> None:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            value = dt.datetime(value.year, value.month, value.day)  # Excel keeps dates as datetimes
        if value is None or value == "":
            self.cells.pop((row, column), None)
        else:
            self.cells[(row, column)] = value

    @property
    def used_range(self) -> FakeRange:
        if not self.cells:
            return FakeRange(self, (1, 1))
        rows = [r for r, _ in self.cells]
        cols = [c for _, c in self.cells]
        return FakeRange(self, (min(rows), min(cols)), (max(rows), max(cols)))

    def range(self, first: tuple[int, int], last: tuple[int, int] | None = None) -> FakeRange:
        return FakeRange(self, first, last)

    def activate(self) -> None:
        self.book.active = self.name

    def rows(self) -> list[list[Any]]:
        """The values from A1 to the used range's last cell (for assertions)."""
        return self.range((1, 1), (self.used_range.last_row, self.used_range.last_column)).options(ndim=2).value


class FakeSheets:
    def __init__(self, book: FakeBook) -> None:
        self._book = book
        self._sheets: list[FakeSheet] = []

    def __iter__(self) -> Iterator[FakeSheet]:
        return iter(list(self._sheets))

    def __len__(self) -> int:
        return len(self._sheets)

    def __getitem__(self, key: str | int) -> FakeSheet:
        if isinstance(key, int):
            return self._sheets[key]
        for sheet in self._sheets:
            if sheet.name.lower() == key.lower():
                return sheet
        raise KeyError(key)

    def add(self, name: str, before: FakeSheet | None = None, after: FakeSheet | None = None) -> FakeSheet:
        if any(s.name.lower() == name.lower() for s in self._sheets):
            raise ValueError(f"A sheet named {name!r} exists already")
        sheet = FakeSheet(self._book, name)
        at = self._sheets.index(after) + 1 if after is not None else (
            self._sheets.index(before) if before is not None else 0)
        self._sheets.insert(at, sheet)
        return sheet


class FakeApi:
    """``app.api``: Excel's user name and input box."""

    def __init__(self, app: FakeApp) -> None:
        self._app = app

    @property
    def UserName(self) -> str:  # noqa: N802 - Excel's COM name
        return self._app.user

    def InputBox(self, prompt: str, title: str) -> Any:  # noqa: N802 - Excel's COM name
        self._app.prompts.append((prompt, title))
        return self._app.inputs.pop(0) if self._app.inputs else False


class FakeApp:
    """``book.app``: message boxes with scripted answers, the user, the input box.

    ``answers`` are the buttons pressed, in order (default: "yes" to a question, "ok" else);
    ``inputs`` the texts typed into input boxes (False: cancelled). Every box shown is kept in
    ``alerts`` as (prompt, title, buttons, mode)."""

    def __init__(self, user: str, answers: Sequence[str] = (), inputs: Sequence[Any] = ()) -> None:
        self.user = user
        self.answers = list(answers)
        self.inputs = list(inputs)
        self.alerts: list[tuple[str, str | None, str, str | None]] = []
        self.prompts: list[tuple[str, str]] = []
        self.api = FakeApi(self)

    def alert(self, prompt: str, title: str | None = None, buttons: str = "ok", mode: str | None = None,
              callback: str | None = None) -> str:
        self.alerts.append((prompt, title, buttons, mode))
        if self.answers:
            return self.answers.pop(0)
        return "yes" if buttons.startswith("yes") else "ok"


class FakeBook:
    """A workbook in memory with the xlwings surface LiveBook uses."""

    def __init__(self, fullname: str | Path = "Service.xlsm", user: str = "tester",
                 answers: Sequence[str] = (), inputs: Sequence[Any] = ()) -> None:
        self.fullname = str(fullname)
        self.sheets = FakeSheets(self)
        self.names = FakeNames()
        self.app = FakeApp(user, answers, inputs)
        self.active: str | None = None
        self.saved = 0
        self.selection: FakeRange | None = None

    def save(self) -> None:
        self.saved += 1

    def select(self, sheet: str, row: int, column: int = 1) -> None:
        """Select a cell, as the user does before pressing a button that acts on a row."""
        self.selection = FakeRange(self.sheets[sheet], (row, column))
        self.active = self.sheets[sheet].name

    def put(self, name: str, rows: Sequence[Sequence[Any]], table: str | None = None,
            first: tuple[int, int] = (1, 1)) -> FakeSheet:
        """Add a sheet holding ``rows`` from ``first``; ``table`` names an Excel Table over it."""
        sheet = self.sheets.add(name, after=self.sheets[len(self.sheets) - 1] if len(self.sheets) else None)
        sheet.range(first).value = [list(r) for r in rows]
        if table:
            width = max((len(r) for r in rows), default=1)
            sheet.tables.append(FakeTable(sheet, table, first, (first[0] - 1 + max(len(rows), 2), first[1] - 1 + width)))
        return sheet

    @classmethod
    def from_file(cls, path: str | Path, **kwargs: Any) -> FakeBook:
        """A fake holding a workbook file's worksheets and tables as python-calamine reads them."""
        from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

        book = cls(fullname=Path(path), **kwargs)
        wb = CalamineWorkbook.from_path(str(path), load_tables=True)
        try:
            tables: dict[str, list[Any]] = {}
            for name in wb.table_names or []:
                t = wb.get_table_by_name(name)
                tables.setdefault(t.sheet, []).append(t)
            for meta in wb.sheets_metadata:
                if meta.typ != SheetTypeEnum.WorkSheet:
                    continue
                data = wb.get_sheet_by_name(meta.name)
                # calamine leaves out empty leading rows and columns; start says where data begins
                start = data.start or (0, 0)
                sheet = book.put(meta.name, data.to_python(), first=(start[0] + 1, start[1] + 1))
                sheet.api.Visible = (2 if meta.visible == SheetVisibleEnum.VeryHidden
                                     else 0 if meta.visible == SheetVisibleEnum.Hidden else -1)
                for t in tables.get(meta.name, []):
                    if t.start is not None and t.end is not None:
                        # calamine's start is the first data cell (0-based): the header is the row above
                        sheet.tables.append(FakeTable(sheet, t.name, (t.start[0], t.start[1] + 1),
                                                      (t.end[0] + 1, t.end[1] + 1)))
        finally:
            wb.close()
        return book

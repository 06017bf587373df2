"""Any .xlsx/.xlsm into a :class:`~addin.store.Store`: one reading interface, engines behind it.

An engine (``_calamine.py``: fast, the default for everything that does not write;
``_openpyxl.py``: fidelity) only lists worksheets and Excel Tables and returns a sheet's cells as a
2-D list. Everything else is shared here, and shared with the xlwings entry points through
:func:`store_from_grids`: finding each sheet by key, English or Chinese label or Table name;
finding the header row (the Table's, else the best-matching of the first 10 rows); matching
headers by key or label ignoring case and spaces; and handing the raw columns to
:func:`addin.tables.make_table`, the one place cell values are parsed.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import re
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from defusedxml.ElementTree import fromstring

from addin.errors import ServiceError, WorkbookReadError
from addin.i18n import Text
from addin.io.safety import (
    DAMAGE,
    LOCKED,
    PackageInfo,
    column_number,
    damage_error,
    inspect_workbook,
    part_relationships,
    worksheet_names,
)
from addin.models import DISPLAY_COLUMNS, SHEETS, SheetSpec
from addin.store import Store
from addin.tables import ROW, ReadProblem, as_text, make_table, normalize_label

#: How many rows (from the first non-empty one) may precede the header row of a sheet without a Table.
HEADER_SCAN_ROWS = 10

_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+):\$?([A-Z]{1,3})\$?\d+$")

ENGINES = {"calamine": "addin.io._calamine:CalamineReader", "openpyxl": "addin.io._openpyxl:OpenpyxlReader"}

UNKNOWN_ENGINE = Text("Unknown reading engine {engine!r}; use one of: {known}.",
                      "未知的读取引擎 {engine!r}；可用：{known}。")


@dataclass(frozen=True)
class TableInfo:
    """Where an Excel Table sits: its worksheet, header row and column span (all 1-based)."""

    name: str
    sheet: str
    header_row: int
    first_col: int
    last_col: int


@dataclass(frozen=True)
class Grid:
    """A worksheet's cells as rows of values; ``rows[0][0]`` is cell (first_row, first_col).
    Rows may be ragged; blank cells are None or ''."""

    rows: Sequence[Sequence[Any]]
    first_row: int = 1
    first_col: int = 1


#: What a reader's typed fast path gives for one sheet (:meth:`BaseReader.typed`): the table and
#: the model columns its header lacks.
TypedSheet = tuple[pd.DataFrame, list[str]]


class BaseReader(ABC):
    """What an engine provides. Subclasses open ``path`` in ``__init__`` and list in ``errors``
    the exceptions their library raises on a damaged file (they become a WorkbookReadError)."""

    errors: ClassVar[tuple[type[BaseException], ...]] = ()
    #: Whether :meth:`grid` parses without holding the interpreter (another thread can work
    #: meanwhile), so that the read parses the next sheet while it types one.
    parses_in_parallel: ClassVar[bool] = False

    def __init__(self, path: Path) -> None:
        self.path = path

    @abstractmethod
    def sheet_names(self) -> list[str]:
        """Worksheet names in workbook order (chart sheets left out)."""

    @abstractmethod
    def tables(self) -> list[TableInfo]:
        """Every Excel Table of the workbook."""

    @abstractmethod
    def grid(self, sheet_name: str) -> Grid:
        """The cells of one worksheet (cached values for formulas)."""

    def typed(self, sheet: str, sheet_name: str, tables: list[TableInfo], problems: list[ReadProblem]) -> TypedSheet | None:
        """The typed table of worksheet ``sheet_name`` (sheet key ``sheet``, its Excel Tables
        ``tables``) and the model columns it lacks, without a grid, appending what does not
        parse to ``problems``; or None (and ``problems`` untouched) when the engine cannot tell
        that it reads the sheet exactly as :func:`find_header` and :func:`make_table` would
        from the grid, which is then read."""
        return None

    def close(self) -> None:  # noqa: B027  (engines without a file to release keep it)
        """Release the file."""

    def __enter__(self) -> BaseReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def reader_class(engine: str) -> type[BaseReader]:
    """The reader class of an engine name (imported lazily: openpyxl is only loaded when asked)."""
    target = ENGINES.get(engine)
    if target is None:
        raise ServiceError(UNKNOWN_ENGINE, engine=engine, known=", ".join(ENGINES))
    module, name = target.split(":")
    cls: type[BaseReader] = getattr(importlib.import_module(module), name)
    return cls


def read_store(path: str | Path, *, engine: str = "calamine", sheets: Collection[str] | None = None,
               package: PackageInfo | None = None) -> Store:
    """Read a workbook into a Store (every sheet typed; what is missing or unreadable listed).

    ``sheets`` (sheet keys) reads only those and the settings, for a command that needs no more
    (``kpi`` reads :data:`addin.kpis.KPI_SHEETS`): the others are empty tables, listed in
    ``Store.unread``, not in ``missing_sheets``; what is read is typed exactly as in a full read.

    The file is checked by :func:`addin.io.safety.check_workbook` before the engine opens it;
    any failure is a :class:`WorkbookReadError` with one line naming the file. ``package`` is
    the caller's :func:`~addin.io.safety.inspect_workbook` of this very file, just made (for what
    else it found, such as the extensions :func:`addin.io.writer.check_safe` asks about): the
    file is then not checked a second time.

    A workbook with Excel 4.0 macro sheets is read with openpyxl whatever the engine asked:
    python-calamine refuses to open it at all, and the macro sheets hold macros, not records, so
    the user expects the data sheets read as from any other workbook."""
    info = package if package is not None else inspect_workbook(path)
    p = info.path
    if info.macro_sheets and engine == "calamine":
        engine = "openpyxl"
    cls = reader_class(engine)
    with _engine_errors(p, cls.errors):
        reader = cls(p)
    with reader, gc_paused():
        with _engine_errors(p, cls.errors):
            tables = reader.tables()
            found = match_sheets(reader.sheet_names(), tables)

        def grid(name: str) -> Grid:
            with _engine_errors(p, cls.errors, f"sheet {name}"):
                return reader.grid(name)

        return _store(found, grid, tables, p, sheets, prefetch=cls.parses_in_parallel, typed_of=reader.typed)


def read_to_write(path: str | Path, *, engine: str = "calamine", write: bool = True) -> tuple[Store, PackageInfo]:
    """:func:`read_store` of a workbook the caller may write back, and the package check it was
    read after: with ``write``, that check's one scan of each worksheet also found the worksheet's
    extensions, so that :func:`addin.io.writer.check_safe` (``package=``) inflates none again."""
    package = inspect_workbook(path, extensions=write)
    return read_store(path, engine=engine, package=package), package


def store_from_grids(grids: dict[str, Sequence[Sequence[Any]]], path: str | Path | None = None) -> Store:
    """The same as :func:`read_store`, from worksheet name -> 2-D list of cell values whose first
    row and column are the worksheet's row 1 and column A (what the xlwings entry points pass:
    ``sheet.range("A1", last_cell).options(ndim=2).value``; a flat list is taken as one row)."""
    found = match_sheets(list(grids), [])
    with gc_paused():
        return _store(found, lambda name: Grid(_two_d(grids[name])), [], Path(path) if path is not None else None)


def _two_d(values: Any) -> Sequence[Sequence[Any]]:
    # xlwings gives a scalar for one cell and a flat list for one row unless asked for ndim=2
    if not isinstance(values, (list, tuple)):
        return [[values]]
    if values and not isinstance(values[0], (list, tuple)):
        return [values]
    return values


@contextlib.contextmanager
def gc_paused(collect: bool = False) -> Iterator[None]:
    """A read allocates millions of objects and no reference cycles: the cyclic collector would
    walk them again and again for nothing (a tenth of a large read). Nested pauses leave the
    collector to the outermost; with ``collect`` that one collects once as it resumes (what the
    paused work left in reference cycles, such as report workbooks)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            if collect:
                gc.collect()


@contextlib.contextmanager
def _engine_errors(path: Path, errors: tuple[type[BaseException], ...], where: str | None = None) -> Iterator[None]:
    """What an engine raises on a damaged file becomes the one-line refusal: the errors its
    library declares, anything zip or XML parsing raises (the checks cannot foresee every damage
    the engine meets in the rest of a part) and a panic of Rust code (a BaseException)."""
    try:
        yield
    except PermissionError:
        raise WorkbookReadError(LOCKED, file=path.name) from None
    except (*errors, *DAMAGE) as exc:
        raise damage_error(path.name, where, exc) from None
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":
            raise
        raise damage_error(path.name, where, exc) from None


# --------------------------------------------------------------------------------------------
# Excel Tables, from the package (both engines: calamine's own table loading parses each table's
# cells again, which doubled the time of a read; openpyxl's read-only mode has no tables)


def package_tables(path: Path) -> list[TableInfo]:
    """Every Excel Table of an .xlsx/.xlsm package, read from its XML parts (with defusedxml)."""
    out: list[TableInfo] = []
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        for part, sheet in worksheet_names(zf).items():
            for target in part_relationships(zf, part, names).values():
                if not target.startswith("xl/tables/") or target not in names:
                    continue
                table = fromstring(zf.read(target))
                bounds = _REF.match(table.get("ref", ""))
                if bounds is None or table.get("headerRowCount", "1") == "0":
                    continue  # a Table without a header row leaves the header to be found by matching
                out.append(TableInfo(table.get("displayName") or table.get("name") or "", sheet, int(bounds[2]),
                                     column_number(bounds[1]), column_number(bounds[3])))
    return out


# --------------------------------------------------------------------------------------------
# Sheets and headers


def _sheet_forms() -> dict[str, str]:
    forms: dict[str, str] = {}
    for key, spec in SHEETS.items():
        for form in (key, spec.label_en, spec.label_zh, key.replace("_", " ")):
            forms.setdefault(normalize_label(form), key)
    return forms


def _table_names() -> dict[str, str]:
    return {normalize_label(spec.table_name): key for key, spec in SHEETS.items()}


def _header_forms(spec: SheetSpec) -> dict[str, str]:
    forms: dict[str, str] = {}
    for c in spec.columns:
        for form in (c.key, c.label_en, c.label_zh, c.key.replace("_", " ")):
            forms.setdefault(normalize_label(form), c.key)
    return forms


_SHEET_FORMS = _sheet_forms()
_TABLE_NAMES = _table_names()
_HEADER_FORMS = {key: _header_forms(spec) for key, spec in SHEETS.items()}


def match_sheets(names: Sequence[str], tables: Sequence[TableInfo]) -> dict[str, str]:
    """Sheet key -> worksheet name. A worksheet is known by the sheet's key, English or Chinese
    label (case and spaces ignored); failing that, by the name of the Excel Table it holds."""
    found: dict[str, str] = {}
    for name in names:
        key = _SHEET_FORMS.get(normalize_label(name))
        if key is not None and key not in found:
            found[key] = name
    taken = set(found.values())
    for t in tables:
        key = _TABLE_NAMES.get(normalize_label(t.name))
        if key is not None and key not in found and t.sheet in names and t.sheet not in taken:
            found[key] = t.sheet
            taken.add(t.sheet)
    return {key: found[key] for key in SHEETS if key in found}


def _header_hits(forms: dict[str, str], row: Sequence[Any]) -> int:
    return len({forms[n] for n in (normalize_label(v) for v in row if isinstance(v, str)) if n in forms})


def header_hits(sheet: str, row: Sequence[Any]) -> int:
    """How many of the sheet's model columns the cells of ``row`` name."""
    return _header_hits(_HEADER_FORMS[sheet], row)


def find_header(sheet: str, grid: Grid, tables: Sequence[TableInfo] = ()) -> int | None:
    """Index in ``grid.rows`` of the sheet's header row, or None when no row names any column.

    An Excel Table on the sheet gives it (the one naming most columns, if several); otherwise it
    is the row naming most of the sheet's columns among the first 10 non-empty rows (the first
    such row on a tie), so title rows above the header are skipped."""
    forms = _HEADER_FORMS[sheet]
    rows = grid.rows
    best, best_hits = None, 0
    for t in tables:
        i = t.header_row - grid.first_row
        if 0 <= i < len(rows):
            hits = _header_hits(forms, rows[i])
            if hits > best_hits:
                best, best_hits = i, hits
    if best is not None:
        return best
    start = next((i for i, r in enumerate(rows) if not _row_empty(r)), len(rows))
    for i in range(start, min(start + HEADER_SCAN_ROWS, len(rows))):
        hits = _header_hits(forms, rows[i])
        if hits > best_hits:
            best, best_hits = i, hits
    return best


def _row_empty(row: Sequence[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def _kept(rows: Sequence[Sequence[Any]]) -> list[int]:
    """The indexes of the rows that are not empty. A record nearly always has a value in its
    first cell, which is looked at inline; only a row without one is scanned cell by cell."""
    return [i for i, r in enumerate(rows)
            if (r and (v := r[0]) is not None and not (isinstance(v, str) and not v.strip())) or not _row_empty(r)]


def header_columns(sheet: str, cells: Sequence[Any], first_col: int) -> tuple[dict[str, int], dict[str, int]]:
    """Where each column is, from the header row's ``cells`` (the first in worksheet column
    ``first_col``): model key -> index, and the name of each other headed column (its header as
    read, made unique with its column letter) -> index."""
    forms = _HEADER_FORMS[sheet]
    positions: dict[str, int] = {}
    extras: dict[str, int] = {}
    for j, cell in enumerate(cells):
        text = as_text(cell)
        if text is None:
            continue  # a column without a header holds nothing we can name
        key = forms.get(normalize_label(text))
        if key is not None and key not in positions:
            positions[key] = j
        else:
            name = text
            while name in extras or name in SHEETS[sheet].by_key or name == ROW:
                name = f"{name} ({_column_letter(first_col + j)})"
            extras[name] = j
    return positions, extras


def missing_columns(sheet: str, positions: Collection[str]) -> list[str]:
    """The model columns a header without ``positions`` lacks."""
    return [c.key for c in SHEETS[sheet].columns if c.key not in positions]


def _sheet_table(sheet: str, grid: Grid, header: int, problems: list[ReadProblem]) -> TypedSheet:
    """The typed table under header row ``header``, and the model columns the header lacks."""
    positions, extras = header_columns(sheet, grid.rows[header], grid.first_col)
    # Rows left empty anywhere (a clerk cleared a record's cells, or a Table's spare last row)
    # are not records; the others keep their worksheet row numbers for messages.
    first = grid.first_row + header + 1
    data = grid.rows[header + 1:]
    kept = _kept(data)
    rows = [first + i for i in kept]
    body = data if len(kept) == len(data) else [data[i] for i in kept]
    columns = _columns(body, len(grid.rows[header]), positions, extras)
    table = make_table(sheet, columns, rows, problems)
    return table, missing_columns(sheet, positions)


def _columns(
    body: list[Sequence[Any]], width: int, positions: dict[str, int], extras: dict[str, int]
) -> dict[str, Sequence[Any]]:
    """The raw values of each wanted column. One 2-D object array splits rows into columns in C
    (zip(*rows) costs twice as much on a large sheet)."""
    if not body:
        return {name: [] for name in [*positions, *extras]}
    if set(map(len, body)) != {width}:
        body = [list(r[:width]) + [None] * (width - len(r)) for r in body]
    matrix = np.empty((len(body), width), dtype=object)
    matrix[:] = body
    columns: dict[str, Sequence[Any]] = {key: matrix[:, j].tolist() for key, j in positions.items()}
    for name, j in extras.items():
        columns[name] = extra_values(matrix[:, j].tolist())
    return columns


def extra_values(values: Sequence[Any]) -> list[Any]:
    """A column the model does not know, kept as read; but blank is None whatever the engine said
    ('' from calamine), and whole numbers are floats as calamine gives them, so that every engine
    gives the same table."""
    return [None if isinstance(v, str) and not v.strip() else float(v) if type(v) is int else v for v in values]


def _column_letter(n: int) -> str:
    letters = ""
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _store(
    found: dict[str, str], grid_of: Callable[[str], Grid], tables: Sequence[TableInfo], path: Path | None,
    sheets: Collection[str] | None = None, prefetch: bool = False,
    typed_of: Callable[[str, str, list[TableInfo], list[ReadProblem]], TypedSheet | None] | None = None,
) -> Store:
    """Type every found sheet (of ``sheets`` and the settings, when given).

    ``typed_of`` (an engine's :meth:`BaseReader.typed`) is asked first for each sheet; the sheets
    it declines are typed from their grids. Grids are fetched one at a time so that only one
    sheet's raw cells are in memory at once (a large year is millions of Python objects); with
    ``prefetch`` (an engine that parses without holding the interpreter, as python-calamine
    does), the next sheet is parsed on another core while this one is typed, and two sheets'
    cells are held at once. Problems are listed in sheet order, whichever way a sheet was read."""
    unread: list[str] = []
    if sheets is not None:
        wanted = {*sheets, "settings"}
        unknown = wanted - set(SHEETS)
        if unknown:
            raise ValueError(f"unknown sheet keys: {sorted(unknown)}")
        unread = [key for key in SHEETS if key not in wanted]
        found = {key: name for key, name in found.items() if key in wanted}
    problems: dict[str, list[ReadProblem]] = {key: [] for key in found}
    results: dict[str, TypedSheet | None] = {}
    for key, name in found.items():
        fast = typed_of(key, name, [t for t in tables if t.sheet == name], problems[key]) if typed_of else None
        if fast is not None:
            results[key] = fast
    slow = {key: name for key, name in found.items() if key not in results}
    with _grids(list(slow.values()), grid_of, prefetch) as grids:
        for (key, name), grid in zip(slow.items(), grids):
            header = find_header(key, grid, [t for t in tables if t.sheet == name])
            results[key] = None if header is None else _sheet_table(key, grid, header, problems[key])
    typed: dict[str, pd.DataFrame] = {}
    missing_columns: dict[str, list[str]] = {}
    for key in found:
        result = results[key]
        if result is None:
            missing_columns[key] = [c.key for c in SHEETS[key].columns]
            continue
        typed[key], missing = result
        missing = [c for c in missing if c not in DISPLAY_COLUMNS.get(key, ())]
        if missing:
            missing_columns[key] = missing
    missing_sheets = [key for key in SHEETS if key not in found and key not in unread]
    return Store.from_tables(typed, [p for key in found for p in problems[key]], path, missing_sheets=missing_sheets,
                             missing_columns=missing_columns, sheet_names=dict(found), unread=unread)


@contextlib.contextmanager
def _grids(names: list[str], grid_of: Callable[[str], Grid], prefetch: bool) -> Iterator[Iterator[Grid]]:
    """The grids of ``names`` in order; with ``prefetch`` and more than one core, each fetched by
    a worker thread while the caller works on the one before (a failure is raised when the
    caller reaches its sheet, as without it)."""
    if not prefetch or len(names) < 2 or (os.cpu_count() or 1) < 2:
        yield map(grid_of, names)
        return
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="service-read")

    def ahead() -> Iterator[Grid]:
        pending = pool.submit(grid_of, names[0])
        for name in names[1:]:
            grid = pending.result()
            pending = pool.submit(grid_of, name)
            yield grid
        yield pending.result()

    try:
        yield ahead()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)

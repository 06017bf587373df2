"""The bulk path of the calamine engine: fastexcel (calamine straight to Arrow columns) types a
sheet without a Python object per number, date or flag.

A sheet is read this way only when the result is, by construction, what the grid path gives
(:func:`~addin.io.reader.find_header` and :func:`~addin.tables.make_table` on python-calamine's
cells); otherwise :meth:`ArrowSheets.typed` declines and the sheet is read from its grid:

* the header is the worksheet's row 1: row 1 holds values (so calamine's cells start there, and
  fastexcel's first row is the worksheet's), all text, exactly in the columns where fastexcel
  found headers, and names at least one model column; the sheet holds no Excel Table, or one whose
  header row is row 1; without a Table, none of the next nine rows names more model columns
  (:func:`~addin.io.reader.find_header` would take that one);
* every column holds one kind of cell (fastexcel's strict typing over all rows: numbers, text,
  dates from 1900-03-01, or flags, with blanks; and no cell it could not convert, such as an
  "n/a" it took for a blank among numbers), and no header is one fastexcel had to rename;
* numbers in a number column, dates in a date column and flags in a flag column are converted
  in bulk, exactly as :func:`~addin.tables.convert_column` converts such cells one by one; any
  other column (text, references, enumerations, and a column whose cells are not its kind) is
  handed to it as the same Python values python-calamine gives (blank as '', a date at
  midnight as a date).

A sheet with a column of mixed kinds (a clerk's "n/a" among the amounts) is declined after
fastexcel parsed it, and parsed again by python-calamine: correct, and slower for that sheet.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import zipfile
from pathlib import Path
from typing import Any

import fastexcel
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from addin.io.reader import (
    HEADER_SCAN_ROWS,
    TableInfo,
    TypedSheet,
    extra_values,
    header_columns,
    header_hits,
    missing_columns,
)
from addin.io.safety import column_number, worksheet_names
from addin.models import SHEETS
from addin.tables import ReadProblem, make_table

_MS_PER_DAY = 86_400_000
_NS_PER_MS = 1_000_000
#: Milliseconds since 1970 that datetime64[ns] holds (1677-09-21 .. 2262-04-11), with a day's margin.
_MS_RANGE = (int(pd.Timestamp.min.value // _NS_PER_MS) + _MS_PER_DAY, int(pd.Timestamp.max.value // _NS_PER_MS) - _MS_PER_DAY)
_NUMBER_KINDS = ("money", "number", "int", "percent")
_HEAD_CHUNK = 1 << 16
_HEAD_LIMIT = 1 << 20
_ROW_END = re.compile(rb"</row>|<row\b[^>]*/>")
#: The first row of the sheet data, written the regular way (no prefix, an r attribute).
_FIRST_ROW = re.compile(rb'\s*<row r="(\d+)"[^>]*>(.*?)</row>', re.S)
_CELL = re.compile(rb'<c r="([A-Z]{1,3})1"(\s[^>]*)?(?:/>|>(.*?)</c>)', re.S)
_VALUE = re.compile(rb"<v>[^<]|<is>")
#: The cell types of a header as text (shared, inline, or a formula's text): fastexcel and
#: python-calamine name a column of another type (a number, a flag, an error) differently.
_TEXT_TYPE = re.compile(rb'\st="(?:s|inlineStr|str)"')
_RENAMED = re.compile(r"^(.*)_\d+$", re.S)
_MIDNIGHT = dt.time()
#: The first date the bulk path takes as fastexcel gives it: below, python-calamine gives times of
#: day (serials under 1) and 1900 has Excel's 29 February.
_FIRST_DATE = dt.datetime(1900, 3, 1)


# fastexcel logs a warning for each column of mixed kinds it types as text; the declined sheet is
# read from its grid, and the user has nothing to do about it.
logging.getLogger("fastexcel").setLevel(logging.ERROR)


class _Declined(Exception):
    """The sheet holds something the bulk path does not read exactly as the grid path."""


class ArrowSheets:
    """fastexcel's reader of one workbook, opened at the first sheet asked for."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._reader: Any = None
        self._zip: zipfile.ZipFile | None = None
        self._parts: dict[str, str] = {}

    def typed(self, sheet: str, sheet_name: str, tables: list[TableInfo], problems: list[ReadProblem]) -> TypedSheet | None:
        """:meth:`addin.io.reader.BaseReader.typed` (see the module's text for when it declines)."""
        if len(tables) > 1 or (tables and tables[0].header_row != 1):
            return None
        try:
            row_one = self._row_one(sheet_name)
            if row_one is None:
                return None
            if self._reader is None:
                self._reader = fastexcel.read_excel(str(self.path))
            # Typed from every row: from a sample, fastexcel converts a later cell of another
            # kind silently (1.5 in a text column becomes "1.5", 1.5 in a flag column True).
            loaded = self._reader.load_sheet(sheet_name, header_row=0, schema_sample_rows=None,
                                             dtype_coercion="strict")
            infos = loaded.selected_columns
            batch, errors = loaded.to_arrow_with_errors()
            if errors is not None and errors.errors:
                return None  # a cell fastexcel could not give as its column's type ("n/a" among numbers)
        except Exception:  # mixed kinds in a column, or anything fastexcel meets: the grid path decides
            return None
        except BaseException as exc:  # a panic of Rust code; the grid path names the damage
            if type(exc).__name__ != "PanicException":
                raise
            return None
        try:
            return _typed(sheet, row_one, not tables, infos, batch, problems)
        except _Declined:
            return None

    def close(self) -> None:
        """Let fastexcel's reader and the package go (and the files they hold)."""
        self._reader = None
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    def _row_one(self, sheet_name: str) -> set[int] | None:
        """The columns (0-based) of worksheet row 1's cells with a value, from the start of the
        sheet's part; None when the part does not begin with row 1 written the regular way."""
        if self._zip is None:
            self._zip = zipfile.ZipFile(self.path)
            self._parts = {name: part for part, name in worksheet_names(self._zip).items()}
        part = self._parts.get(sheet_name)
        if part is None:
            return None
        head = b""
        with self._zip.open(part) as fh:
            while len(head) < _HEAD_LIMIT:
                chunk = fh.read(_HEAD_CHUNK)
                head += chunk
                if not chunk or _ROW_END.search(head) is not None:
                    break
        data = head.find(b"<sheetData>")
        row = _FIRST_ROW.match(head, data + len(b"<sheetData>")) if data >= 0 else None
        if row is None or row[1] != b"1":
            return None
        columns = set()
        for cell in _CELL.finditer(row[2]):
            if cell[3] is None or not _VALUE.search(cell[3]):
                continue  # no value: not a header
            if cell[2] is None or not _TEXT_TYPE.search(cell[2]):
                return None
            columns.add(column_number(cell[1].decode("ascii")) - 1)
        return columns or None


def _typed(sheet: str, row_one: set[int], scan: bool, infos: list[Any], batch: pa.RecordBatch,
           problems: list[ReadProblem]) -> TypedSheet:
    """The typed table of a loaded sheet (problems appended only when it is not declined); with
    ``scan``, the header is also checked against the nine rows below it."""
    cells = _header_cells(infos)
    first_col = infos[0].absolute_index + 1 if infos else 1
    if {first_col - 1 + j for j, c in enumerate(cells) if c is not None} != row_one:
        raise _Declined  # fastexcel's first row is not the worksheet's row 1
    hits = header_hits(sheet, cells)
    if hits == 0:
        raise _Declined
    arrays = [_checked(a) for a in batch.columns]
    if scan and batch.num_rows:
        below = min(HEADER_SCAN_ROWS - 1, batch.num_rows)
        head = [_values(a.slice(0, below)) for a in arrays]
        if any(header_hits(sheet, row) > hits for row in zip(*head)):
            raise _Declined
    positions, extras = header_columns(sheet, cells, first_col)
    keep = _kept(arrays, batch.num_rows)
    if not keep.all():
        arrays = [a.filter(pa.array(keep)) for a in arrays]
    rows = (np.flatnonzero(keep) + 2).tolist()  # the header is row 1
    spec = SHEETS[sheet]
    columns: dict[str, Any] = {}
    for key, j in positions.items():
        columns[key] = _column(spec.by_key[key].kind, arrays[j])
    for name, j in extras.items():
        columns[name] = extra_values(_values(arrays[j]))
    found: list[ReadProblem] = []
    typed = make_table(sheet, columns, rows, found)
    problems.extend(found)
    return typed, missing_columns(sheet, positions)


def _header_cells(infos: list[Any]) -> list[str | None]:
    """The header row's cells as the grid would hold them: a blank header is None; a header
    fastexcel renamed (a second "Notes" becomes "Notes_1") declines the sheet."""
    cells: list[str | None] = []
    seen: set[str] = set()
    for info in infos:
        if info.absolute_index != infos[0].absolute_index + len(cells):
            raise _Declined  # columns not side by side from the first
        if info.column_name_from == "generated":
            cells.append(None)
            continue
        name = info.name
        renamed = _RENAMED.match(name)
        if renamed is not None and renamed[1] in seen:
            raise _Declined
        seen.add(name)
        cells.append(name)
    return cells


def _checked(array: pa.Array) -> pa.Array:
    """A column of one of the kinds fastexcel gives for worksheet cells, else the sheet is declined."""
    t = array.type
    if pa.types.is_string(t) or pa.types.is_large_string(t) or t == pa.float64() or t == pa.bool_() or t == pa.null():
        return array
    if pa.types.is_timestamp(t) and t.tz is None:
        array = array.cast(pa.timestamp("ms"))
        first = pc.min(array).as_py()
        if first is not None and first < _FIRST_DATE:
            raise _Declined  # python-calamine gives a time of day for serials below 1, a date from 1
        return array
    raise _Declined  # durations, whole numbers of other formats: the grid path reads them


def _kept(arrays: list[pa.Array], n: int) -> np.ndarray:
    """Which rows are records: a row with any value that is not blank (a text of only spaces is
    blank, as :func:`addin.io.reader._kept` has it)."""
    keep = np.zeros(n, dtype=bool)
    texts = []
    for a in arrays:
        if pa.types.is_string(a.type) or pa.types.is_large_string(a.type):
            texts.append(a)
        elif a.null_count < n:
            keep |= ~np.asarray(a.is_null())
    for a in texts:
        left = np.flatnonzero(~keep)
        if not len(left):
            break
        values = a.take(pa.array(left)).to_numpy(zero_copy_only=False)
        keep[left] = [v is not None and bool(v.strip()) for v in values]
    return keep


def _column(kind: str, array: pa.Array) -> pd.Series | list[Any]:
    """A model column: typed here when its cells are its kind, else the cells as python-calamine
    gives them for :func:`~addin.tables.convert_column`."""
    t = array.type
    if kind in _NUMBER_KINDS and t == pa.float64():
        return pd.Series(array.to_numpy(zero_copy_only=False), dtype="float64")
    if kind in ("date", "datetime") and pa.types.is_timestamp(t):
        ms = array.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
        valid = ~np.asarray(array.is_null())
        if ((ms[valid] < _MS_RANGE[0]) | (ms[valid] > _MS_RANGE[1])).any():
            return _values(array)  # years datetime64[ns] cannot hold: reported cell by cell
        if kind == "date":
            ms = ms // _MS_PER_DAY * _MS_PER_DAY
        ns = np.where(valid, ms * _NS_PER_MS, np.iinfo(np.int64).min)
        return pd.Series(ns.view("datetime64[ns]"))
    if kind == "bool" and t == pa.bool_():
        values = np.asarray(array.fill_null(False), dtype=bool)
        return pd.Series(pd.arrays.BooleanArray(values, np.asarray(array.is_null())))
    return _values(array)


def _values(array: pa.Array) -> list[Any]:
    """The cells as python-calamine's ``to_python`` gives them: floats, str, bools, a date for a
    date at midnight and a datetime otherwise, '' for a blank."""
    t = array.type
    if pa.types.is_timestamp(t):
        return ["" if v is None else v.date() if v.time() == _MIDNIGHT else v for v in array.to_pylist()]
    if t == pa.null():
        return [""] * len(array)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return array.fill_null("").to_numpy(zero_copy_only=False).tolist()  # type: ignore[no-any-return]
    values = array.to_numpy(zero_copy_only=False).astype(object)
    values[np.asarray(array.is_null())] = ""
    return values.tolist()  # type: ignore[no-any-return]

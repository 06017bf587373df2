"""Typed tables: raw cell values of a sheet turned into a pandas DataFrame by the sheet's model.

This is the one place where cell values are parsed, whatever read them (calamine, openpyxl,
xlwings, records built in code). The result of every sheet follows one contract:

* one column per model field, in model order, named by its canonical key; columns the sheet does
  not have are present and empty;
* then any extra columns of the sheet, kept as read;
* then ``_row``: the worksheet row number of the record (for messages).

Column dtypes by kind: date and datetime -> ``datetime64[ns]`` (NaT when blank; dates have no
time); money, number, int, percent -> ``float64`` (NaN when blank, never 0); bool -> pandas
``boolean`` (NA when blank); text, ref, enum -> ``object`` holding ``str`` or ``None``, enums
holding their canonical key. A value that does not parse is left blank in the table and reported
as a :class:`ReadProblem`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from addin.models import ENUM_SYNONYMS, SHEETS, ColumnSpec, SheetSpec

ROW = "_row"
EXCEL_EPOCH = dt.datetime(1899, 12, 30)

_TRUE = {"true", "是", "y", "yes", "1", "t", "x", "✓"}
_FALSE = {"false", "否", "n", "no", "0", "f"}
_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_NUMBER_CLEAN = str.maketrans("", "", ", ¥￥")


@dataclass(frozen=True)
class ReadProblem:
    """A cell whose value could not be read as its column's kind (or a missing sheet/column)."""

    sheet: str
    row: int | None
    column: str | None
    value: Any
    expected: str  # the column kind, an enum name, or "sheet" / "column" for what is missing


def normalize_label(text: Any) -> str:
    """How headers, sheet names and enum values are compared: case and spaces ignored."""
    return re.sub(r"\s+", "", str(text)).casefold()


def _enum_lookup(spec: ColumnSpec) -> dict[str, str]:
    assert spec.enum is not None
    lookup: dict[str, str] = {}
    for key, (en, zh) in spec.enum.labels().items():
        for form in (key, en, zh, key.replace("_", " ")):
            lookup[normalize_label(form)] = key
    # Synonyms never shadow a key or label of another value.
    for key, forms in ENUM_SYNONYMS.get(spec.enum.__name__, {}).items():
        for form in forms:
            lookup.setdefault(normalize_label(form), key)
    return lookup


_ENUM_CACHE: dict[str, dict[str, str]] = {}


def enum_lookup(spec: ColumnSpec) -> dict[str, str]:
    """Normalized key, English label, Chinese label or synonym (models.ENUM_SYNONYMS) -> canonical key."""
    assert spec.enum is not None
    name = spec.enum.__name__
    if name not in _ENUM_CACHE:
        _ENUM_CACHE[name] = _enum_lookup(spec)
    return _ENUM_CACHE[name]


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)
    return value is pd.NaT or value is pd.NA


def parse_date(value: Any, with_time: bool = False) -> dt.datetime | None:
    """An Excel date (datetime, date or serial number) or ISO text -> datetime; None if not a date."""
    if isinstance(value, dt.datetime):
        return value if with_time else dt.datetime(value.year, value.month, value.day)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if not 1 <= value < 2958466:  # 1900-01-01 .. 9999-12-31
            return None
        stamp = EXCEL_EPOCH + dt.timedelta(days=float(value))
        if with_time:
            return stamp.replace(microsecond=0)
        return dt.datetime(stamp.year, stamp.month, stamp.day)
    if isinstance(value, str):
        m = _ISO_DATE.match(value.strip())
        if not m:
            return None
        y, mo, d, hh, mm, ss = m.groups()
        try:
            if with_time and hh is not None:
                return dt.datetime(int(y), int(mo), int(d), int(hh), int(mm), int(ss or 0))
            return dt.datetime(int(y), int(mo), int(d))
        except ValueError:
            return None
    return None


def parse_number(value: Any, percent: bool = False) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(value, str):
        text = value.strip().translate(_NUMBER_CLEAN)
        scale = 1.0
        if text.endswith("%"):
            text, scale = text[:-1], 0.01
        try:
            f = float(text) * scale
        except ValueError:
            return None
        return None if math.isnan(f) or math.isinf(f) else f
    return None


def parse_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return {1: True, 0: False}.get(value)  # type: ignore[call-overload]
    if isinstance(value, str):
        text = value.strip().casefold()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return None


def as_text(value: Any) -> str | None:
    """Cell value -> trimmed text; integral numbers lose their '.0' (wo_no typed as 1001)."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if (value.hour or value.minute or value.second) else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    return str(value).strip() or None


def convert_column(
    sheet: str, spec: ColumnSpec, values: Sequence[Any], rows: Sequence[int], problems: list[ReadProblem]
) -> pd.Series:
    """Parse one column's raw values into its typed Series, appending what does not parse.

    A year of a large store is millions of cells, so the common shapes are parsed without a
    function call per cell: text that is all ``str``, numbers that are floats, and enums, dates
    and booleans through their few distinct values (each parsed once). The result is the same as
    parsing cell by cell. A date outside 1677-2262 (what datetime64[ns] holds) is reported as
    unreadable."""
    kind = spec.kind
    if kind in ("text", "ref"):
        try:
            stripped = list(map(str.strip, values))  # TypeError unless every value is a str
        except TypeError:
            return pd.Series([as_text(v) for v in values], dtype=object)
        return pd.Series([t or None for t in stripped], dtype=object)
    if kind in ("money", "number", "int", "percent"):
        return _number_column(sheet, spec, values, rows, problems)
    if kind == "enum":
        lookup = enum_lookup(spec)
        expected = spec.enum.__name__ if spec.enum else "enum"
        out = _parse_distinct(sheet, spec.key, values, rows, problems, lambda v: lookup.get(normalize_label(v)),
                              expected)
        return pd.Series(out, dtype=object)
    if kind in ("date", "datetime"):
        with_time = kind == "datetime"
        out = _parse_distinct(sheet, spec.key, values, rows, problems, lambda v: _date_ns(v, with_time), kind,
                              blank=_NAT)
        return pd.Series(np.array(out, dtype=np.int64).view("datetime64[ns]"))
    out = _parse_distinct(sheet, spec.key, values, rows, problems, parse_bool, kind)
    return pd.Series(pd.array(out, dtype="boolean"))


_NAT = np.iinfo(np.int64).min
_BAD = object()
_NUMBER_TYPES = {bool, int, float}
_PLAIN_TYPES = {str, bool, int, float, type(None), dt.date, dt.datetime, dt.time, dt.timedelta}


def _date_ns(value: Any, with_time: bool) -> int | None:
    """A date cell as nanoseconds since 1970 (the storage of datetime64[ns]); None if it is not a
    date or lies outside the years 1677-2262 that datetime64[ns] can hold."""
    d = parse_date(value, with_time)
    if d is None:
        return None
    try:
        return int(pd.Timestamp(d).as_unit("ns").value)
    except (OverflowError, ValueError, pd.errors.OutOfBoundsDatetime):
        return None


def _parse_distinct(
    sheet: str, column: str, values: Sequence[Any], rows: Sequence[int], problems: list[ReadProblem],
    parse: Any, expected: str, blank: Any = None,
) -> list[Any]:
    """``parse`` applied to every non-blank value (blank -> ``blank``); a value it cannot parse
    (None) becomes ``blank`` and a ReadProblem. Each distinct value is parsed once."""
    try:
        parsed: dict[Any, Any] = dict.fromkeys(values)
    except TypeError:  # an unhashable value (only from records built in code)
        return _parse_each(sheet, column, values, rows, problems, parse, expected, blank)
    # True, 1 and 1.0 are equal in Python but do not parse alike: when a column mixes kinds of
    # number (or holds values of other types), distinct values are keyed by (type, value).
    keys: Sequence[Any] = values
    distinct_types = set(map(type, parsed))
    by_value = distinct_types <= _PLAIN_TYPES
    if by_value and distinct_types & _NUMBER_TYPES:
        by_value = len(set(map(type, values)) & _NUMBER_TYPES) <= 1
    if not by_value:
        keys = list(zip(map(type, values), values))
        parsed = dict.fromkeys(keys)
    bad = False
    for key in parsed:
        v = key if by_value else key[1]
        if is_blank(v):
            parsed[key] = blank
            continue
        result = parse(v)
        if result is None:
            result, bad = _BAD, True
        parsed[key] = result
    out = list(map(parsed.__getitem__, keys))
    if bad:
        for i, (v, r) in enumerate(zip(values, rows)):
            if out[i] is _BAD:
                problems.append(ReadProblem(sheet, r, column, v, expected))
                out[i] = blank
    return out


def _parse_each(
    sheet: str, column: str, values: Sequence[Any], rows: Sequence[int], problems: list[ReadProblem],
    parse: Any, expected: str, blank: Any,
) -> list[Any]:
    out = []
    for v, r in zip(values, rows):
        if is_blank(v):
            out.append(blank)
            continue
        result = parse(v)
        if result is None:
            problems.append(ReadProblem(sheet, r, column, v, expected))
            result = blank
        out.append(result)
    return out


def _number_column(
    sheet: str, spec: ColumnSpec, values: Sequence[Any], rows: Sequence[int], problems: list[ReadProblem]
) -> pd.Series:
    percent = spec.kind == "percent"
    if set(map(type, values)) <= {float}:
        return pd.Series(np.array(values, dtype="float64"))
    # Floats stay as they are (NaN is a float column's blank); the other cells (blanks, text,
    # ints) are few in kind, so each distinct one is parsed once.
    others: dict[tuple[type, Any], float | None] = {}
    bad = False

    def other(v: Any) -> float | None:
        nonlocal bad
        try:
            key = (type(v), v)
            if key not in others:
                others[key] = _number_cell(v, percent)
            f = others[key]
        except TypeError:  # unhashable
            f = _number_cell(v, percent)
        bad = bad or f is None
        return f

    nan = np.nan
    out = [v if isinstance(v, float) else nan if v is None or (type(v) is str and not v) else other(v)
           for v in values]
    if bad:
        for v, r, f in zip(values, rows, out):
            if f is None:
                problems.append(ReadProblem(sheet, r, spec.key, v, spec.kind))
    return pd.Series(np.array(out, dtype="float64"))


def _number_cell(value: Any, percent: bool) -> float | None:
    """One non-float cell of a number column: NaN when blank, None when it does not parse."""
    if is_blank(value):
        return np.nan
    return parse_number(value, percent)


def _blank_column(kind: str, n: int) -> pd.Series:
    """A column the sheet does not have: all blank, in its kind's dtype."""
    if kind in ("date", "datetime"):
        return pd.Series(np.full(n, _NAT, dtype=np.int64).view("datetime64[ns]"))
    if kind == "bool":
        return pd.Series(pd.array([None] * n, dtype="boolean"))
    if kind in ("money", "number", "int", "percent"):
        return pd.Series(np.full(n, np.nan))
    return pd.Series([None] * n, dtype=object)


def make_table(
    sheet: str,
    columns: dict[str, Sequence[Any]],
    rows: Sequence[int],
    problems: list[ReadProblem] | None = None,
) -> pd.DataFrame:
    """Build a sheet's typed table from raw values keyed by canonical column key (or, for columns
    the model does not know, by their header as read). ``rows`` are the worksheet row numbers.
    A model column given as a pandas Series is taken as typed already (a reader that typed it
    in bulk, exactly as :func:`convert_column` would have)."""
    spec: SheetSpec = SHEETS[sheet]
    problems = problems if problems is not None else []
    n = len(rows)
    data: dict[str, Any] = {}
    for c in spec.columns:
        values = columns.get(c.key)
        if values is None:
            data[c.key] = _blank_column(c.kind, n)
        elif isinstance(values, pd.Series):
            data[c.key] = values.reset_index(drop=True)
        else:
            data[c.key] = convert_column(sheet, c, values, rows, problems)
    for name, values in columns.items():
        if name not in spec.by_key:
            data[name] = pd.Series(list(values), dtype=object)
    data[ROW] = pd.Series(np.asarray(rows, dtype="int64"))
    return pd.DataFrame(data)


def records_to_table(
    sheet: str, records: Iterable[dict[str, Any]], problems: list[ReadProblem] | None = None, first_row: int = 2
) -> pd.DataFrame:
    """Typed table from dicts keyed by canonical column key (tests, demo data, scripts)."""
    records = list(records)
    names: dict[str, None] = {c.key: None for c in SHEETS[sheet].columns}
    for r in records:
        names.update(dict.fromkeys(r))
    columns = {k: [r.get(k) for r in records] for k in names}
    return make_table(sheet, columns, list(range(first_row, first_row + len(records))), problems)


def empty_table(sheet: str) -> pd.DataFrame:
    return make_table(sheet, {}, [])


def table_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A typed table back to plain Python records (NaN/NaT/NA -> None, timestamps -> date or
    datetime), without the ``_row`` column. Used to compare what different readers produced."""
    out = []
    cols = [c for c in df.columns if c != ROW]
    for rec in df[cols].to_dict("records"):
        clean = {}
        for k, v in rec.items():
            if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
                clean[k] = None
            elif isinstance(v, pd.Timestamp):
                py = v.to_pydatetime()
                clean[k] = py if (py.hour or py.minute or py.second) else py.date()
            elif isinstance(v, (np.bool_,)):
                clean[k] = bool(v)
            else:
                clean[k] = v
        out.append(clean)
    return out

"""Cells as the add-in writes them, and sheets and columns as it finds them: one place for both.

Every writer (the part-level package engine, the openpyxl engine, the live workbook through
xlwings) converts a record's value with :func:`converter` (enum labels of the locale, 是/否 in
zh-CN, dates as dates, text always text) and finds a sheet or a column by the forms
:func:`sheet_forms` and :func:`column_forms` derive from the models (canonical key, English and
Chinese label, compared by :func:`addin.tables.normalize_label`). No Excel library is imported
here: values come out as (value, data type) with openpyxl's type letters ("s", "n", "b", "d").
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from addin.models import SETTING_LABELS, SHEETS, ColumnSpec
from addin.tables import ROW, as_text, enum_lookup, normalize_label, parse_date

# openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE, kept here so the core need not import openpyxl.
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
#: A character no XML 1.0 text can hold: a control character, a lone surrogate, U+FFFE or U+FFFF.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_BROKEN = re.compile("[\ud800-\udfff\ufffe\uffff]")

#: The number format of each column kind, as the builder lays columns out and every writer
#: writes new cells. Text formats keep codes such as part numbers, phones and VINs exactly as typed
#: (no lost leading zeros, no 1.23E+16) and make a typed "=..." plain text.
NUMBER_FORMATS: dict[str, str] = {
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
    "money": "#,##0.00",
    "percent": "0.0%",
    "int": "0",
    "text": "@",
    "ref": "@",
    "enum": "@",
}

#: Worksheet names by key of the add-in's sheets that the models do not describe.
EXTRA_SHEET_LABELS: dict[str, tuple[str, str]] = {
    "dashboard": ("Dashboard", "看板"),
    # issue 18: the workshop board (看板 is the dashboard's)
    "board": ("Board", "在修看板"),
    "lists": ("lists", "lists"),
    "xlwings.conf": ("xlwings.conf", "xlwings.conf"),
}


def sheet_forms(sheet_key: str) -> tuple[str, str, str]:
    """A sheet's canonical key and its English and Chinese names."""
    if sheet_key in SHEETS:
        spec = SHEETS[sheet_key]
        return sheet_key, spec.label_en, spec.label_zh
    en, zh = EXTRA_SHEET_LABELS.get(sheet_key, (sheet_key, sheet_key))
    return sheet_key, en, zh


def find_sheet_name(names: Iterable[str], sheet_key: str) -> str | None:
    """The worksheet among ``names`` that holds ``sheet_key`` (by key or either label, case and
    spaces ignored), or None."""
    wanted = {normalize_label(f) for f in sheet_forms(sheet_key)}
    return next((n for n in names if normalize_label(n) in wanted), None)


def column_forms(col: ColumnSpec) -> set[str]:
    """The normalized header texts that name a column: its key and both labels."""
    return {normalize_label(col.key), normalize_label(col.label_en), normalize_label(col.label_zh)}


def setting_forms(key: str) -> set[str]:
    """The normalized texts that name a setting in the settings table's key column."""
    return {normalize_label(f) for f in (key, *SETTING_LABELS.get(key, ()))}


def header_columns(sheet_key: str, header: Sequence[Any]) -> dict[str, int]:
    """Canonical key -> 0-based position in ``header`` of each model column the header names
    (the first one wins when two cells name the same column)."""
    forms = {c.key: column_forms(c) for c in SHEETS[sheet_key].columns}
    out: dict[str, int] = {}
    for i, value in enumerate(header):
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        norm = normalize_label(value)
        for key, keyforms in forms.items():
            if key not in out and norm in keyforms:
                out[key] = i
    return out


#: Yes/no as a locale shows them: the builder's dropdowns offer these, so cells are written the same.
BOOL_WORDS = {"zh-CN": ("是", "否")}


def blank(v: Any) -> bool:
    if v is None or v is pd.NaT or v is pd.NA:
        return True
    if isinstance(v, float):
        return math.isnan(v)
    if isinstance(v, np.floating):
        return bool(np.isnan(v))
    if isinstance(v, (np.datetime64, np.timedelta64)):
        return bool(np.isnat(v))
    return False


_MAX_TEXT = 32_767  # Excel's limit per cell: a longer text makes Excel "repair" the file


def xml_text(v: str) -> str:
    """``v`` as a cell's XML can hold it (openpyxl and lxml refuse the rest with an error): control
    characters, noise from exports, removed; a lone surrogate, U+FFFE or U+FFFF (a character broken
    on its way, from the Excel path or an import) shown as U+FFFD, as any text tool shows it."""
    if NOT_XML.search(v) is None:
        return v
    return _BROKEN.sub("\ufffd", ILLEGAL_CHARACTERS_RE.sub("", v))


def text_cell(v: str) -> tuple[str, str]:
    v = xml_text(v)
    if len(v) > _MAX_TEXT:
        v = v[: _MAX_TEXT - 1] + "…"
    # Type "s" whatever the text: "=HYPERLINK(...)" from a customer's concern stays text.
    return v, "s"


def plain(v: Any) -> tuple[Any, str]:
    """A value written as what it is (numbers, booleans, dates; anything else as text)."""
    cls = v.__class__
    if cls is float or cls is int:
        return v, "n"
    if isinstance(v, str):
        return text_cell(v)
    if isinstance(v, (bool, np.bool_)):
        return bool(v), "b"
    if isinstance(v, numbers.Integral):
        return int(v), "n"
    if isinstance(v, (numbers.Real, Decimal)):  # numpy floats, Fraction, Decimal
        return float(v), "n"
    if isinstance(v, (pd.Timestamp, np.datetime64)):
        return naive(pd.Timestamp(v).to_pydatetime()), "d"
    if isinstance(v, dt.datetime):
        return naive(v), "d"
    if isinstance(v, dt.date):
        return v, "d"
    return text_cell(str(v))


def naive(v: dt.datetime) -> dt.datetime:
    # Excel has no time zones: an aware timestamp is shown in this computer's local time.
    return v.astimezone().replace(tzinfo=None) if v.tzinfo is not None else v


#: A settings value that reads as a number or a boolean is written as one (Excel flags a number
#: stored as text): plain decimals without a leading zero (30, 0.13, 8001, -2.5) and TRUE/FALSE.
#: Anything else stays text: codes with leading zeros ("01", "0123"), "2026-10", "30,60,90".
_SETTING_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?")


_TARGET = ("Target: {kpi}", "目标：{kpi}")


def setting_label(key: str, locale: str) -> str | None:
    """The label column's text of a settings key in ``locale``: SETTING_LABELS, "Target: <KPI>"
    for target_<kpi>, None for a key the add-in does not know."""
    zh = locale == "zh-CN"
    if key in SETTING_LABELS:
        return SETTING_LABELS[key][1 if zh else 0]
    if key.startswith("target_"):
        from addin.kpis import KPIS

        kpi = KPIS.get(key.removeprefix("target_"))
        if kpi is not None:
            return _TARGET[1 if zh else 0].format(kpi=kpi.label(locale))
    return None


def with_setting_labels(records: Any, locale: str) -> Any:
    """Settings records with their label (:func:`setting_label`) where they name none."""
    if isinstance(records, pd.DataFrame):
        out = records.copy()
        labels = [setting_label(str(k), locale) for k in out["key"]] if "key" in out else []
        if "label" not in out:
            out["label"] = labels
        else:
            out["label"] = [old if isinstance(old, str) and old.strip() else new
                            for old, new in zip(out["label"], labels)]
        return out
    rows = []
    for rec in records:
        rec = dict(rec)
        if not (isinstance(rec.get("label"), str) and rec["label"].strip()):
            rec["label"] = setting_label(str(rec.get("key", "")), locale)
        rows.append(rec)
    return rows


def setting_value(v: Any) -> tuple[Any, str]:
    """A value of the settings table's value column as a typed cell (see _SETTING_NUMBER); the
    reader gives the same text back for either form."""
    if isinstance(v, str):
        text = v.strip()
        if text.upper() in ("TRUE", "FALSE"):
            return text.upper() == "TRUE", "b"
        if _SETTING_NUMBER.fullmatch(text):
            return (float(text) if "." in text else int(text)), "n"
        return text_cell(v)
    return plain(v)


def converter(col: ColumnSpec, locale: str) -> Callable[[Any], tuple[Any, str]]:
    """A function turning a value of the column into (cell value, data type)."""
    kind = col.kind
    if col is SHEETS["settings"].by_key["value"]:
        return setting_value
    if kind == "enum":
        lookup = enum_lookup(col)
        assert col.enum is not None
        labels = {key: (zh if locale == "zh-CN" else en) for key, (en, zh) in col.enum.labels().items()}

        def enum_value(v: Any) -> tuple[Any, str]:
            if isinstance(v, str):
                key = lookup.get(normalize_label(v))
                # An unknown value is written as given: validation reports it with its row.
                return text_cell(labels[key] if key is not None else v)
            return plain(v)
        return enum_value
    if kind in ("date", "datetime"):
        def date_value(v: Any) -> tuple[Any, str]:
            if isinstance(v, (pd.Timestamp, np.datetime64)):
                v = pd.Timestamp(v).to_pydatetime()
            if isinstance(v, dt.datetime):
                v = naive(v)
                return (v if kind == "datetime" else v.date()), "d"
            if isinstance(v, str) and (parsed := parse_date(v, kind == "datetime")) is not None:
                # ISO text becomes a real date; text that is no date is kept for validation to report.
                return (parsed if kind == "datetime" else parsed.date()), "d"
            return plain(v)
        return date_value
    if kind == "bool":
        words = BOOL_WORDS.get(locale)

        def bool_value(v: Any) -> tuple[Any, str]:
            if isinstance(v, (bool, np.bool_)):
                # In zh-CN the dropdown offers 是/否: write what a user would pick.
                return (words[0 if v else 1], "s") if words else (bool(v), "b")
            return plain(v)
        return bool_value
    if kind in ("text", "ref"):
        def text_value(v: Any) -> tuple[Any, str]:
            return text_cell(v if isinstance(v, str) else (as_text(v) or ""))
        return text_value
    return plain


def columns_of(records: Iterable[Mapping[str, Any]] | pd.DataFrame) -> tuple[int, dict[str, list[Any]]]:
    """Records -> (count, values by key). Keys no record has are absent."""
    if isinstance(records, pd.DataFrame):
        return len(records), {str(k): records[k].tolist() for k in records.columns if k != ROW}
    rows = list(records)
    keys: dict[str, None] = {}
    for r in rows:
        keys.update(dict.fromkeys(r))
    keys.pop(ROW, None)
    return len(rows), {k: [r.get(k) for r in rows] for k in keys}

"""Data in from where stores keep it: a DMS export or a CSV file merged into one sheet of a store.

The pure part of ``service-addin import`` and of the ribbon's Import button. A source (a CSV file
in UTF-8 with or without BOM or in GBK/GB18030 as Excel on Chinese Windows saves it, or one sheet
of an .xlsx/.xlsm) becomes rows of raw values (:func:`read_source`); its header is matched to the
sheet's columns by key, English and Chinese label (as the reader does), by the usual DMS names of
the models (``aliases`` of :func:`addin.models.col`) and by a mapping file (:func:`load_mapping`);
its values are converted by :func:`addin.tables.make_table`, the reader's own conversion, after
the date forms DMS exports use (2026/10/5, 2026年10月5日, 20261005, a format of the mapping) and
the mapping's enum values are put in a form it reads.

:func:`plan_import` merges the rows into the store by the sheet's key columns and says what the
merge would do: rows new, changed (per column), unchanged, refused (a record of a closed period
would change), rows not imported (a value that does not convert, no key, a key twice in the
file), the unknown columns, and the validation findings of the merged store. The plan holds the
one :class:`~addin.io.edit.WorkbookEdit` that writes it, or None when nothing may be written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from addin.errors import ServiceError
from addin.findings import Finding
from addin.i18n import Text, column_label, sheet_label, tr
from addin.io.edit import WorkbookEdit
from addin.models import INPUT_SHEETS, SHEETS
from addin.periods import FROZEN_SHEETS, canonical, closed_periods, period_fingerprint
from addin.store import Store
from addin.tables import ROW, ReadProblem, as_text, is_blank, make_table, normalize_label

MODES = ("upsert", "append")
HEADER_SCAN_ROWS = 10

T_NOT_SHEET = Text("{sheet!r} is not a sheet that can be imported; use one of: {known}.",
                   "{sheet!r} 不是可导入的工作表；可用：{known}。")
T_NO_FILE = Text("{file}: no such file.", "{file}：文件不存在。")
T_SOURCE_KIND = Text("{file}: not a CSV, .xlsx or .xlsm file.", "{file}：不是 CSV、.xlsx 或 .xlsm 文件。")
T_UNDECODABLE = Text("{file}: the text is neither UTF-8 nor GBK/GB18030; save it again as CSV UTF-8.",
                     "{file}：文本既不是 UTF-8 也不是 GBK/GB18030；请另存为 CSV UTF-8。")
T_WHICH_SHEET = Text("{file} has several sheets ({names}) and none is named like {sheet}: name one with "
                     "--source-sheet.", "{file} 有多个工作表（{names}），没有与 {sheet} 同名的：请用 --source-sheet 指定。")
T_NO_SOURCE_SHEET = Text("{file} has no sheet {name!r} (it has: {names}).", "{file} 中没有工作表 {name!r}（现有：{names}）。")
T_NO_HEADER = Text("{file}: no row among the first {rows} names a column of {sheet} (by key, label or DMS name); "
                   "give a mapping file with --map.",
                   "{file}：前 {rows} 行中没有任何一行包含{sheet}的列名（键名、标签或 DMS 列名）；请用 --map 指定映射文件。")
T_NO_KEY_COLUMN = Text("{file}: the key column {columns} of {sheet} is not in the header; map it with --map.",
                       "{file}：表头中没有{sheet}的关键列 {columns}；请用 --map 映射。")
T_BAD_MAP = Text("Mapping file {file}: {detail}", "映射文件 {file}：{detail}")
T_MAP_TARGET = Text("column {header!r} maps to {key!r}, which is not a column of {sheet}.",
                    "列 {header!r} 映射到 {key!r}，但{sheet}没有该列。")
T_MAP_VALUES = Text("[values.{key}] names no enum column of {sheet}.", "[values.{key}] 不是{sheet}的枚举列。")
T_MAP_VALUE = Text("[values.{key}] maps {value!r} to {target!r}, which is not a value of the column.",
                   "[values.{key}] 将 {value!r} 映射为 {target!r}，但该列没有此值。")

T_BAD_VALUE = Text("{file} row {row}, column {header!r}: {value!r} is not a {expected}; the row was not imported.",
                   "{file} 第 {row} 行，列 {header!r}：{value!r} 不是有效的{expected}；该行未导入。")
T_NO_KEY = Text("{file} row {row}: no {columns}; the row was not imported.",
                "{file} 第 {row} 行：缺少 {columns}；该行未导入。")
T_DUPLICATE = Text("{file} row {row}: key {key} is already on row {first} of the file; the row was not imported.",
                   "{file} 第 {row} 行：关键值 {key} 已在文件第 {first} 行出现；该行未导入。")
T_CLOSED = Text("{file} row {row}: {key} is a record of the closed period {period}; import refused.",
                "{file} 第 {row} 行：{key} 属于已结账期间 {period}；拒绝导入。")
T_EXISTS = Text("{file} row {row}: {key} is already on row {sheet_row} of {sheet} with other values; "
                "--mode upsert replaces it.", "{file} 第 {row} 行：{key} 已在{sheet}第 {sheet_row} 行且内容不同；"
                "--mode upsert 可替换。")

T_SUMMARY = Text("{sheet} from {file}: {new} new, {changed} changed, {unchanged} unchanged, {refused} refused, "
                 "{bad} not imported.",
                 "从 {file} 导入{sheet}：新增 {new}，修改 {changed}，未变 {unchanged}，拒绝 {refused}，未导入 {bad}。")
T_COLUMNS = Text("Columns: {columns}.", "列：{columns}。")
T_UNKNOWN = Text("Unknown columns ({count}), {kept}: {columns}.", "未识别的列（{count} 个），{kept}：{columns}。")
T_KEPT = Text("kept as extra columns", "作为附加列保留")
T_DROPPED = Text("not imported (--keep-extra keeps them)", "未导入（--keep-extra 可保留）")
T_CHANGED_ROW = Text("  {key} (row {row} of {sheet}): {changes}", "  {key}（{sheet}第 {row} 行）：{changes}")
T_REFUSED_HEAD = Text("Refused: records of closed periods (reopen the period first); nothing of the file is written:",
                      "拒绝：属于已结账期间的记录（请先反结账）；文件中的任何内容都不会写入：")
T_FINDINGS_HEAD = Text("After the import the workbook would have {errors} error(s) and {warnings} warning(s){more}:",
                       "导入后工作簿将有 {errors} 个错误、{warnings} 个警告{more}：")
T_FINDINGS_NEW = Text(" ({new} not there before)", "（其中 {new} 个为新增）")
T_MORE = Text("  ... and {count} more", "  ……另有 {count} 条")
T_NOTHING = Text("Nothing to write: the file holds nothing the sheet does not already have.",
                 "无需写入：文件中没有工作表尚未包含的内容。")

_KIND_NAMES = {
    "date": Text("date", "日期"), "datetime": Text("date and time", "日期时间"), "money": Text("amount", "金额"),
    "number": Text("number", "数字"), "int": Text("whole number", "整数"), "percent": Text("percentage", "百分比"),
    "bool": Text("yes/no value", "是/否值"),
}
_CN_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?(?:\s*(\d{1,2})[:：时](\d{2})分?)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


# -- the mapping file -----------------------------------------------------------------------------

@dataclass
class Mapping:
    """A mapping file: source header -> column key ("" or "-" to skip a column), per enum column a
    map of source values to keys, a date format (strptime) and the source's sheet."""

    columns: dict[str, str] = field(default_factory=dict)  # normalized header -> key or ""
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # key -> normalized value -> enum key
    date_format: str | None = None
    source_sheet: str | None = None


def load_mapping(path: str | Path | None, sheet: str) -> Mapping:
    """Read a TOML mapping file::

        source_sheet = "工单"            # optional: the sheet of an .xlsx source
        date_format = "%d.%m.%Y"         # optional: dates the built-in forms do not cover
        [columns]
        "接待人编号" = "advisor_id"
        "内部备注" = ""                   # skip this column
        [values.repair_type]
        "保养" = "maintenance"
        "首保" = "maintenance"
    """
    if path is None:
        return Mapping()
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ServiceError(T_NO_FILE, file=p.name) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ServiceError(T_BAD_MAP, file=p.name, detail=str(exc)) from None
    spec = SHEETS[sheet]
    out = Mapping(date_format=data.get("date_format"), source_sheet=data.get("source_sheet"))
    for header, key in dict(data.get("columns", {})).items():
        key = str(key).strip()
        if key in ("", "-"):
            out.columns[normalize_label(header)] = ""
            continue
        if key not in spec.by_key:
            raise ServiceError(T_BAD_MAP, file=p.name, detail=T_MAP_TARGET("en-US", header=header, key=key,
                                                                          sheet=spec.key))
        out.columns[normalize_label(header)] = key
    for key, table in dict(data.get("values", {})).items():
        col = spec.by_key.get(key)
        if col is None or col.enum is None:
            raise ServiceError(T_BAD_MAP, file=p.name, detail=T_MAP_VALUES("en-US", key=key, sheet=spec.key))
        known = set(col.enum.labels())
        for value, target in dict(table).items():
            if target not in known:
                raise ServiceError(T_BAD_MAP, file=p.name,
                                   detail=T_MAP_VALUE("en-US", key=key, value=value, target=target))
        out.values[key] = {normalize_label(v): str(t) for v, t in dict(table).items()}
    return out


# -- the source -----------------------------------------------------------------------------------

@dataclass
class Source:
    """The cells of the source: ``rows[0]`` is row ``first_row`` of the file (CSV line or
    worksheet row), so a message names the row a user sees."""

    name: str
    rows: list[list[Any]]
    first_row: int = 1
    first_col: int = 1


def decode_text(data: bytes, name: str) -> str:
    """CSV bytes as text: UTF-8 (a BOM dropped), else GB18030 (a superset of GBK, what Excel on
    Chinese Windows writes as "CSV")."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise ServiceError(T_UNDECODABLE, file=name) from None


def parse_csv(text: str) -> list[list[Any]]:
    """Rows of a CSV text, the delimiter (comma, semicolon, tab or bar) found by csv.Sniffer."""
    sample = text[:65536]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    return [[None if v == "" else v for v in row] for row in reader]


def read_source(path: str | Path, sheet: str, source_sheet: str | None = None) -> Source:
    """The cells of a CSV file or of one sheet of a workbook (the one named ``source_sheet``, the
    only one, or the one named like ``sheet``)."""
    p = Path(path)
    if not p.is_file():
        raise ServiceError(T_NO_FILE, file=p.name)
    suffix = p.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return Source(p.name, parse_csv(decode_text(p.read_bytes(), p.name)))
    if suffix not in (".xlsx", ".xlsm"):
        raise ServiceError(T_SOURCE_KIND, file=p.name)
    from addin.io.cells import find_sheet_name
    from addin.io.reader import _engine_errors, reader_class
    from addin.io.safety import check_workbook

    p = check_workbook(p)
    cls = reader_class("calamine")
    with _engine_errors(p, cls.errors):
        reader = cls(p)
    with reader, _engine_errors(p, cls.errors):
        names = reader.sheet_names()
        if source_sheet is not None:
            name = next((n for n in names if normalize_label(n) == normalize_label(source_sheet)), None)
            if name is None:
                raise ServiceError(T_NO_SOURCE_SHEET, file=p.name, name=source_sheet, names=", ".join(names))
        elif len(names) == 1:
            name = names[0]
        else:
            name = find_sheet_name(names, sheet)
            if name is None:
                raise ServiceError(T_WHICH_SHEET, file=p.name, names=", ".join(names), sheet=sheet)
        grid = reader.grid(name)
    return Source(f"{p.name} [{name}]", [list(r) for r in grid.rows], grid.first_row, grid.first_col)


# -- header and values ----------------------------------------------------------------------------

def header_forms(sheet: str, mapping: Mapping) -> dict[str, str]:
    """Normalized header text -> column key: the mapping first, then key and labels (as the
    reader), then the DMS names of the models. "" marks a column the mapping skips."""
    forms: dict[str, str] = dict(mapping.columns)
    spec = SHEETS[sheet]
    for c in spec.columns:
        for form in (c.key, c.label_en, c.label_zh, c.key.replace("_", " ")):
            forms.setdefault(normalize_label(form), c.key)
    for c in spec.columns:
        for form in c.aliases:
            forms.setdefault(normalize_label(form), c.key)
    return forms


def _find_header(rows: Sequence[Sequence[Any]], forms: dict[str, str]) -> int | None:
    start = next((i for i, r in enumerate(rows) if any(not is_blank(v) for v in r)), len(rows))
    best, best_hits = None, 0
    for i in range(start, min(start + HEADER_SCAN_ROWS, len(rows))):
        hits = len({forms[n] for n in (normalize_label(v) for v in rows[i] if isinstance(v, str)) if forms.get(n)})
        if hits > best_hits:
            best, best_hits = i, hits
    return best


def _column_letter(n: int) -> str:
    letters = ""
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def coerce_date(value: Any, date_format: str | None = None) -> Any:
    """The date forms of DMS exports that the reader does not take as they are, as a datetime:
    2026年10月5日, 20261005 (as text or number) and ``date_format``. Anything else is returned
    unchanged (2026/10/5, ISO text and Excel serial numbers the reader converts itself)."""
    if isinstance(value, str):
        text = value.strip()
        if date_format:
            try:
                return dt.datetime.strptime(text, date_format)
            except ValueError:
                pass
        m = _CN_DATE.match(text) or _COMPACT_DATE.match(text)
        if m:
            y, mo, d, *hm = m.groups()
            try:
                return dt.datetime(int(y), int(mo), int(d), int(hm[0] or 0) if hm else 0,
                                   int(hm[1] or 0) if hm else 0)
            except ValueError:
                return value
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 19000101 <= value <= 29991231 \
            and float(value).is_integer():
        return coerce_date(str(int(value)))
    return value


@dataclass(frozen=True)
class Incoming:
    """The source's records typed like the reader types a sheet: ``table`` (only the rows that
    converted, ``_row`` being the source row), the model columns and extra headers the source
    has, the rows not imported as findings, and the unknown headers."""

    table: pd.DataFrame
    columns: list[str]
    extras: list[str]
    unknown: list[str]
    bad: list[Finding]
    headers: dict[str, str]  # column key or extra name -> the source header


def convert_source(source: Source, sheet: str, mapping: Mapping, *, keep_extra: bool = False,
                   locale: str = "en-US") -> Incoming:
    """Match the source's header and convert its rows (see the module docstring)."""
    spec = SHEETS[sheet]
    forms = header_forms(sheet, mapping)
    header_at = _find_header(source.rows, forms)
    if header_at is None:
        raise ServiceError(T_NO_HEADER, file=source.name, rows=HEADER_SCAN_ROWS, sheet=spec.label_en)
    header = source.rows[header_at]
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    unknown: list[str] = []
    extras: dict[str, int] = {}
    for j, cell in enumerate(header):
        text = as_text(cell)
        if text is None:
            continue
        key = forms.get(normalize_label(text))
        if key == "":
            continue
        if key is not None and key not in positions:
            positions[key] = j
            headers[key] = text
            continue
        unknown.append(text)
        if keep_extra:
            name = text
            while name in extras or name in spec.by_key or name == ROW:
                name = f"{name} ({_column_letter(source.first_col + j)})"
            extras[name] = j
            headers[name] = text
    missing_key = [k for k in spec.key_columns if k not in positions]
    if missing_key:
        raise ServiceError(T_NO_KEY_COLUMN, file=source.name, sheet=spec.label_en, columns=" + ".join(missing_key))
    width = len(header)
    body, rows = [], []
    first = source.first_row + header_at + 1
    for i, r in enumerate(source.rows[header_at + 1:]):
        if any(not is_blank(v) for v in r):
            body.append(list(r[:width]) + [None] * (width - len(r)))
            rows.append(first + i)
    raw: dict[str, list[Any]] = {}
    for key, j in positions.items():
        values = [r[j] for r in body]
        col = spec.by_key[key]
        if col.kind in ("date", "datetime"):
            # A year holds few distinct dates: each is looked at once.
            try:
                seen = {v: coerce_date(v, mapping.date_format) for v in dict.fromkeys(values)}
                values = [seen[v] for v in values]
            except TypeError:
                values = [coerce_date(v, mapping.date_format) for v in values]
        elif col.kind == "enum" and key in mapping.values:
            vmap = mapping.values[key]
            values = [vmap.get(normalize_label(v), v) if isinstance(v, str) else v for v in values]
        raw[key] = values
    for name, j in extras.items():
        raw[name] = [r[j] for r in body]
    problems: list[ReadProblem] = []
    table = make_table(sheet, raw, rows, problems)
    bad: list[Finding] = []
    dropped: set[int] = set()
    for pr in problems:
        if pr.row in dropped:
            continue
        dropped.add(int(pr.row))  # type: ignore[arg-type]
        kind = _KIND_NAMES.get(pr.expected)
        expected = tr(kind, locale) if kind else (pr.expected if locale != "zh-CN" else "取值")
        head = headers.get(str(pr.column), str(pr.column))
        bad.append(Finding("IMP-VALUE", "error", sheet, pr.row, pr.column, pr.value,
                           tr(T_BAD_VALUE, locale, file=source.name, row=pr.row, header=head, value=pr.value,
                              expected=expected)))
    keep = ~table[ROW].isin(dropped).to_numpy()
    key_blank = np.zeros(len(table), dtype=bool)
    for k in spec.key_columns:
        key_blank |= table[k].isna().to_numpy()
    for r in table.loc[key_blank & keep, ROW].tolist():
        bad.append(Finding("IMP-KEY", "error", sheet, int(r), spec.key_columns[0], None,
                           tr(T_NO_KEY, locale, file=source.name, row=r,
                              columns=" + ".join(headers.get(k, k) for k in spec.key_columns))))
    table = table[keep & ~key_blank].reset_index(drop=True)
    return Incoming(table, list(positions), list(extras), unknown, bad, headers)


# -- the merge ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ColumnChange:
    column: str
    old: Any
    new: Any


@dataclass(frozen=True)
class RowChange:
    """A record of the sheet the source changes: its key, worksheet row, source row, columns."""

    key: str
    row: int
    source_row: int
    changes: tuple[ColumnChange, ...]


@dataclass(frozen=True)
class Refusal:
    key: str
    source_row: int
    reason: str  # "closed" or "exists"
    period: str | None = None
    row: int | None = None


@dataclass
class ImportPlan:
    """What an import would do, and the edit that does it (None when nothing may be written)."""

    sheet: str
    source: str
    mode: str
    incoming: Incoming
    new: pd.DataFrame
    changed: list[RowChange]
    unchanged: int
    refused: list[Refusal]
    bad: list[Finding]
    merged: Store
    findings: list[Finding] = field(default_factory=list)
    findings_before: int = 0
    edit: WorkbookEdit | None = None

    @property
    def writes(self) -> bool:
        return self.edit is not None


def _canonical_rows(df: pd.DataFrame, columns: Sequence[str]) -> list[tuple[Any, ...]]:
    lists = [[canonical(v) for v in df[c].tolist()] for c in columns]
    return list(zip(*lists)) if lists else [()] * len(df)


def _keys(sheet: str, df: pd.DataFrame) -> list[str]:
    cols = SHEETS[sheet].key_columns
    values = [[str(canonical(v) or "") for v in df[c].tolist()] for c in cols]
    return ["|".join(parts) for parts in zip(*values)]


def plan_import(store: Store, incoming: Incoming, sheet: str, *, mode: str = "upsert", source: str = "",
                validate: bool = True) -> ImportPlan:
    """Merge ``incoming`` into ``store``'s sheet by its key columns (see the module docstring).

    In both modes a row whose key is not in the sheet is new and a row equal to the sheet's record
    (in the columns the source has) is unchanged; a row that differs replaces those columns of the
    record in "upsert" mode and is refused in "append" mode. A row that would add, change or move
    a record of a closed period is refused; any refusal means nothing is written."""
    if mode not in MODES:
        raise ServiceError(Text("Unknown mode {mode!r}; use upsert or append.", "未知模式 {mode!r}；请用 upsert 或 append。"),
                           mode=mode)
    spec = SHEETS[sheet]
    locale = store.locale
    existing = store.table(sheet)
    inc = incoming.table
    bad = list(incoming.bad)
    in_keys = _keys(sheet, inc)
    first_of: dict[str, int] = {}
    dup_pos: list[int] = []
    for i, k in enumerate(in_keys):
        if k in first_of:
            dup_pos.append(i)
            bad.append(Finding("IMP-DUPLICATE", "error", sheet, int(inc[ROW].iat[i]), spec.key_columns[0], k,
                               tr(T_DUPLICATE, locale, file=source, row=int(inc[ROW].iat[i]), key=k,
                                  first=int(inc[ROW].iat[first_of[k]]))))
        else:
            first_of[k] = i
    if dup_pos:
        inc = inc.drop(index=dup_pos).reset_index(drop=True)
        in_keys = [k for i, k in enumerate(in_keys) if i not in set(dup_pos)]
    ex_keys = _keys(sheet, existing)
    ex_pos: dict[str, int] = {}
    for i, k in enumerate(ex_keys):
        ex_pos.setdefault(k, i)
    columns = [*incoming.columns, *incoming.extras]
    matched = [(i, ex_pos[k]) for i, k in enumerate(in_keys) if k in ex_pos]
    new_pos = [i for i, k in enumerate(in_keys) if k not in ex_pos]
    changed: list[RowChange] = []
    change_pairs: list[tuple[int, int]] = []
    refused: list[Refusal] = []
    unchanged = 0
    if matched:
        a = inc.iloc[[i for i, _ in matched]]
        b = existing.iloc[[j for _, j in matched]]
        extras_present = [c for c in columns if c in existing.columns]
        new_vals = _canonical_rows(a, extras_present)
        old_vals = _canonical_rows(b, extras_present)
        for (i, j), nv, ov in zip(matched, new_vals, old_vals):
            diffs = tuple(ColumnChange(c, o, n) for c, o, n in zip(extras_present, ov, nv) if o != n)
            missing_extra = [c for c in columns if c not in existing.columns and not is_blank(inc[c].iat[i])]
            diffs += tuple(ColumnChange(c, None, canonical(inc[c].iat[i])) for c in missing_extra)
            if not diffs:
                unchanged += 1
                continue
            row = int(existing[ROW].iat[j])
            if mode == "append":
                refused.append(Refusal(in_keys[i], int(inc[ROW].iat[i]), "exists", row=row))
                continue
            changed.append(RowChange(in_keys[i], row, int(inc[ROW].iat[i]), diffs))
            change_pairs.append((i, j))
    merged_table, new_df = _merged_table(existing, inc, columns, change_pairs, new_pos)
    merged = replace(store, tables={**store.tables, sheet: merged_table})
    touched = {in_keys[i]: int(inc[ROW].iat[i]) for i, _ in change_pairs}
    touched.update({in_keys[i]: int(inc[ROW].iat[i]) for i in new_pos})
    refused.extend(_closed_refusals(store, merged, sheet, touched))
    plan = ImportPlan(sheet, source, mode, incoming, new_df, changed, unchanged, refused, bad, merged)
    if validate:
        from addin.rules import validate_store

        plan.findings = validate_store(merged)
    if not refused and (changed or len(new_df)):
        write_cols = [c for c in merged_table.columns if c != ROW]
        if changed:
            plan.edit = WorkbookEdit(replacements={sheet: merged_table[write_cols]})
        else:
            plan.edit = WorkbookEdit(appends={sheet: new_df[[c for c in new_df.columns if c != ROW]]})
        missing = [c for c in incoming.extras if c not in existing.columns]
        if missing:
            plan.edit.new_columns = {sheet: missing}
    return plan


def _merged_table(existing: pd.DataFrame, inc: pd.DataFrame, columns: list[str],
                  change_pairs: list[tuple[int, int]], new_pos: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sheet after the merge (changed records updated in the source's columns, new records
    after the last with the rows they will be written to) and the new records alone."""
    merged = existing.copy()
    for c in columns:
        if c not in merged.columns:
            merged.insert(len(merged.columns) - 1, c, pd.Series([None] * len(merged), dtype=object))
    if change_pairs:
        src = [i for i, _ in change_pairs]
        dst = merged.index[[j for _, j in change_pairs]]
        for c in columns:
            values = inc[c].iloc[src]
            merged.loc[dst, c] = values.to_numpy()
    new_df = inc.iloc[new_pos].reset_index(drop=True).copy()
    last = int(existing[ROW].max()) if len(existing) else 1
    new_df[ROW] = np.arange(last + 1, last + 1 + len(new_df), dtype="int64")
    if len(new_df):
        merged = pd.concat([merged, new_df[[c for c in merged.columns if c in new_df.columns]]], ignore_index=True)
    return merged.reset_index(drop=True), new_df


def _closed_refusals(store: Store, merged: Store, sheet: str, touched: dict[str, int]) -> list[Refusal]:
    """Touched records whose fingerprint in a closed period differs after the merge (added to,
    changed in or moved out of the period)."""
    if sheet not in FROZEN_SHEETS or not touched:
        return []
    out: list[Refusal] = []
    seen: set[str] = set()
    for rec in closed_periods(store):
        period = rec["period"].strip()
        before = period_fingerprint(store, period).records.get(sheet, {})
        after = period_fingerprint(merged, period).records.get(sheet, {})
        for key, src_row in touched.items():
            b, a = before.get(key), after.get(key)
            if key in seen or (b is None and a is None) or (b is not None and a is not None and b.digest == a.digest):
                continue
            seen.add(key)
            out.append(Refusal(key, src_row, "closed", period=period))
    return sorted(out, key=lambda r: r.source_row)


# -- the summary ----------------------------------------------------------------------------------

def refusal_messages(plan: ImportPlan, locale: str) -> list[str]:
    out = []
    for r in plan.refused:
        if r.reason == "closed":
            out.append(tr(T_CLOSED, locale, file=plan.source, row=r.source_row, key=r.key, period=r.period))
        else:
            out.append(tr(T_EXISTS, locale, file=plan.source, row=r.source_row, key=r.key, sheet_row=r.row,
                          sheet=sheet_label(plan.sheet, locale)))
    return out


def _show(value: Any) -> str:
    return "∅" if value is None else str(value)


def render_plan(plan: ImportPlan, locale: str, *, limit: int = 50) -> str:
    """The dry-run summary: counts, columns, changed rows per column, refusals, rows not
    imported, and the findings the merged store would have."""
    sheet = plan.sheet
    inc = plan.incoming
    lines = [tr(T_SUMMARY, locale, sheet=sheet_label(sheet, locale), file=plan.source, new=len(plan.new),
                changed=len(plan.changed), unchanged=plan.unchanged, refused=len(plan.refused), bad=len(plan.bad))]
    cols = ", ".join(f"{inc.headers.get(c, c)} → {column_label(sheet, c, locale)}" for c in inc.columns)
    lines.append(tr(T_COLUMNS, locale, columns=cols))
    if inc.unknown:
        lines.append(tr(T_UNKNOWN, locale, count=len(inc.unknown), kept=tr(T_KEPT if inc.extras else T_DROPPED, locale),
                        columns=", ".join(inc.unknown)))
    for ch in plan.changed[:limit]:
        changes = "; ".join(f"{column_label(sheet, c.column, locale)} {_show(c.old)} → {_show(c.new)}"
                            for c in ch.changes)
        lines.append(tr(T_CHANGED_ROW, locale, key=ch.key, row=ch.row, sheet=sheet_label(sheet, locale),
                        changes=changes))
    if len(plan.changed) > limit:
        lines.append(tr(T_MORE, locale, count=len(plan.changed) - limit))
    if plan.refused:
        lines.append(tr(T_REFUSED_HEAD, locale))
        msgs = refusal_messages(plan, locale)
        lines.extend(f"  {m}" for m in msgs[:limit])
        if len(msgs) > limit:
            lines.append(tr(T_MORE, locale, count=len(msgs) - limit))
    for f in plan.bad[:limit]:
        lines.append(f"  {f.rule}: {f.message}")
    if len(plan.bad) > limit:
        lines.append(tr(T_MORE, locale, count=len(plan.bad) - limit))
    if plan.findings:
        errors = sum(f.severity == "error" for f in plan.findings)
        more = tr(T_FINDINGS_NEW, locale, new=max(len(plan.findings) - plan.findings_before, 0)) \
            if plan.findings_before else ""
        lines.append(tr(T_FINDINGS_HEAD, locale, errors=errors, warnings=len(plan.findings) - errors, more=more))
        lines.extend(f"  {f.rule}: {f.message}" for f in plan.findings[:limit])
        if len(plan.findings) > limit:
            lines.append(tr(T_MORE, locale, count=len(plan.findings) - limit))
    if plan.edit is None and not plan.refused:
        lines.append(tr(T_NOTHING, locale))
    return "\n".join(lines)


def check_sheet(sheet: str) -> str:
    """``sheet`` as a key of a sheet staff fill in (key or label accepted)."""
    wanted = normalize_label(sheet)
    for key in INPUT_SHEETS:
        spec = SHEETS[key]
        if wanted in {normalize_label(f) for f in (key, spec.label_en, spec.label_zh)}:
            return key
    raise ServiceError(T_NOT_SHEET, sheet=sheet, known=", ".join(INPUT_SHEETS))


__all__ = ["ColumnChange", "ImportPlan", "Incoming", "MODES", "Mapping", "Refusal", "RowChange", "Source",
           "check_sheet", "coerce_date", "convert_source", "decode_text", "load_mapping", "parse_csv",
           "plan_import", "read_source", "refusal_messages", "render_plan"]

"""Rules that hold on every sheet: sheets and columns present, required cells filled, values of
the right type and enum, keys unique, references to existing records, settings readable."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from addin.i18n import Text
from addin.models import INPUT_SHEETS, SHEETS
from addin.rules.registry import Context, Hit, Phase, rule

# How each kind of value is described to the user when a cell does not parse.
_KIND_HELP = {
    "date": Text("a date (2026-10-31 or an Excel date)", "日期（2026-10-31 或 Excel 日期）"),
    "datetime": Text("a date and time (2026-10-31 14:30)", "日期时间（2026-10-31 14:30）"),
    "money": Text("an amount", "金额"),
    "number": Text("a number", "数字"),
    "int": Text("a whole number", "整数"),
    "percent": Text("a percentage (15% or 0.15)", "百分比（15% 或 0.15）"),
    "bool": Text("TRUE/FALSE (是/否, Y/N, 1/0)", "是/否（TRUE/FALSE、Y/N、1/0）"),
}
_NOT_READ_KINDS = {"sheet", "column", "setting"}


@rule("GEN-SHEET", "error", "*", phase=Phase.READ, dated=False, message=Text(
    "the sheet is missing from the workbook; add it (service-addin build makes a workbook with "
    "every sheet) or rename the sheet that holds this data.",
    "工作簿缺少此工作表；请添加（service-addin build 可生成完整工作簿），或将存放这些数据的工作表改名。"))
def missing_sheet(ctx: Context) -> Iterator[Hit]:
    """Every sheet that staff fill in is present (by key, English or Chinese name). The other
    checks still run; the missing sheet counts as empty."""
    for sheet in ctx.store.missing_sheets:
        if sheet in INPUT_SHEETS:
            yield Hit(None, None, sheet, sheet=sheet)


@rule("GEN-COLUMN", "error", "*", phase=Phase.READ, dated=False, message=Text(
    "this required column is missing; add a column headed '{key}' (or its English or Chinese label).",
    "缺少此必填列；请添加列标题为“{key}”（或其中文、英文名称）的列。"))
def missing_column(ctx: Context) -> Iterator[Hit]:
    """Every required column (marked * in DOMAIN.md) is present in its sheet. Rules that need
    a missing column are skipped rather than report every row."""
    for sheet, columns in ctx.store.missing_columns.items():
        if sheet not in SHEETS or sheet in ctx.store.missing_sheets:
            continue
        spec = SHEETS[sheet]
        for key in columns:
            if key in spec.by_key and spec.by_key[key].required:
                yield Hit(None, key, None, {"key": key}, sheet=sheet)


@rule("GEN-TYPE", "error", "*", phase=Phase.READ, message=Text(
    "this is not {expected}; correct the entry.",
    "不是有效的{expected}；请更正。"))
def bad_type(ctx: Context) -> Iterator[Hit]:
    """Dates, numbers and yes/no cells parse (an unreadable cell counts as blank elsewhere);
    whole-number columns (mileage, line number, headcount) hold whole numbers."""
    for p in ctx.store.problems:
        if p.sheet != "settings" and p.expected in _KIND_HELP:
            yield Hit(p.row, p.column, p.value, {"expected": _KIND_HELP[p.expected]}, sheet=p.sheet)
    for sheet in INPUT_SHEETS:
        df = ctx.table(sheet)
        for c in SHEETS[sheet].columns:
            if c.kind == "int" and len(df):
                v = df[c.key].to_numpy()
                bad = ~np.isnan(v) & (v != np.round(v))
                for row, value in zip(df["_row"].to_numpy()[bad], v[bad]):
                    yield Hit(int(row), c.key, float(value), {"expected": _KIND_HELP["int"]}, sheet=sheet)


@rule("GEN-ENUM", "error", "*", phase=Phase.READ, message=Text(
    "this is not a known value; use one of: {allowed}.",
    "不是允许的取值；请使用：{allowed}。"))
def bad_enum(ctx: Context) -> Iterator[Hit]:
    """Enum cells (status, types, role ...) hold a known value: its key, English or Chinese label."""
    for p in ctx.store.problems:
        if p.sheet == "settings" or p.expected in _KIND_HELP or p.expected in _NOT_READ_KINDS:
            continue
        spec = SHEETS[p.sheet].by_key.get(p.column or "")
        if spec is None or spec.enum is None:
            continue
        labels = spec.enum.labels()
        allowed = [Text(en, zh) for en, zh in labels.values()]
        yield Hit(p.row, p.column, p.value, {"allowed": allowed}, sheet=p.sheet)


@rule("GEN-SETTING", "error", "settings", phase=Phase.READ, dated=False, message=Text(
    "this setting's value is not valid, so the default is used; enter a valid value (see the "
    "settings sheet's description of '{key}').",
    "此参数取值无效，暂按默认值处理；请填写有效值（见设置表中“{key}”的说明）。"))
def bad_setting(ctx: Context) -> Iterator[Hit]:
    """Every setting reads as its type and range (tax_rate below 1, locale en-US or zh-CN,
    open_period YYYY-MM, a number for every target_<kpi>)."""
    settings = ctx.table("settings")
    keys = dict(zip(settings["_row"], settings["key"]))
    for p in ctx.store.problems:
        if p.sheet == "settings":
            key = keys.get(p.row) or p.column or ""
            yield Hit(p.row, "value", p.value, {"key": key}, sheet="settings")


@rule("GEN-REQUIRED", "error", "*", phase=Phase.READ, message=Text(
    "this required cell is blank; fill it in.",
    "必填项为空；请填写。"))
def required_blank(ctx: Context) -> Iterator[Hit]:
    """Required cells (marked * in DOMAIN.md) are filled in."""
    for sheet in INPUT_SHEETS:
        df = ctx.table(sheet)
        if not len(df):
            continue
        rows = df["_row"].to_numpy()
        for key in SHEETS[sheet].required:
            if ctx.missing(sheet, key):
                continue
            for row in rows[df[key].isna().to_numpy()]:
                yield Hit(int(row), key, None, sheet=sheet)


@rule("GEN-UNIQUE", "error", "*", phase=Phase.FORMAT, message=Text(
    "{keys} repeats row {first}; each record needs its own {keys}: renumber or delete the copy.",
    "{keys}与第{first}行重复；每条记录须有唯一的{keys}：请重新编号或删除重复行。"))
def duplicate_key(ctx: Context) -> Iterator[Hit]:
    """The key of every record is unique (wo_no; wo_no and line_no; txn_id; claim_no ...). The
    later copies are reported; rules that look records up by key use the first."""
    for sheet in INPUT_SHEETS:
        keys = list(SHEETS[sheet].key_columns)
        df = ctx.table(sheet)
        if not keys or not len(df) or any(ctx.missing(sheet, k) for k in keys):
            continue
        full = df.loc[df[keys].notna().all(axis=1), [*keys, "_row"]]  # what the findings name, not every column
        dup = full.duplicated(keys, keep="first")
        if not dup.any():
            continue
        first_row = full.drop_duplicates(keys).set_index(keys)["_row"]
        spec = SHEETS[sheet]
        label = [Text(spec.by_key[k].label_en, spec.by_key[k].label_zh) for k in keys]
        for rec in full[dup].to_dict("records"):
            key = tuple(rec[k] for k in keys)
            first = first_row.loc[key if len(keys) > 1 else key[0]]
            yield Hit(rec["_row"], keys[-1], rec[keys[-1]], {"keys": label, "first": int(first)}, sheet=sheet)


def _keys(ctx: Context, sheet: str, column: str) -> pd.Index:
    """The distinct values of ``sheet.column`` as an index (looked up by hash). Of objects, as the
    columns looked up in it are: pandas would make a str index, and convert each of them first."""
    return pd.Index(ctx.table(sheet)[column].dropna().unique(), dtype=object)


@rule("GEN-REF", "error", "*", phase=Phase.REFERENCE, message=Text(
    "no record of {target} has this {target_column}; correct it or add the record to {target} first.",
    "{target}中没有此{target_column}的记录；请更正，或先在{target}中添加该记录。"))
def missing_reference(ctx: Context) -> Iterator[Hit]:
    """Every reference (wo_no, vin, part_no, staff_id, claim_no, rework_of ...) names an existing
    record of the sheet it points to."""
    for sheet in INPUT_SHEETS:
        df = ctx.table(sheet)
        if not len(df):
            continue
        for c in SHEETS[sheet].columns:
            if not c.ref or ctx.missing(sheet, c.key):
                continue
            target, _, target_col = c.ref.partition(".")
            if ctx.missing(target, target_col):
                continue
            # The keys of the target as an index (its hash table built once for every column
            # that points to it: the work orders' numbers for the lines, the ledger, the claims ...).
            known = ctx.memo(f"GEN-REF:{c.ref}", lambda t=target, col=target_col: _keys(ctx, t, col))
            bad = df[c.key].notna() & (known.get_indexer(df[c.key]) < 0)
            if not bad.any():
                continue
            spec = SHEETS[target]
            params = {"target": Text(spec.label_en, spec.label_zh),
                      "target_column": Text(spec.by_key[target_col].label_en, spec.by_key[target_col].label_zh)}
            for row, value in zip(df.loc[bad, "_row"], df.loc[bad, c.key]):
                yield Hit(int(row), c.key, value, params, sheet=sheet)

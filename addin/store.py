"""A store's data in memory: typed tables of every sheet plus typed settings.

The core (validation, stock valuation, KPIs, close, reports) takes a :class:`Store` and never
opens a file; readers produce one, tests build one from records with :meth:`Store.from_records`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from addin.models import SETTING_LABELS, SHEETS, WEEKDAYS, Settings
from addin.tables import ReadProblem, as_text, empty_table, normalize_label, records_to_table

_SETTING_KEYS: dict[str, str] = {}
for _key, (_en, _zh) in SETTING_LABELS.items():
    for _form in (_key, _en, _zh):
        _SETTING_KEYS[normalize_label(_form)] = _key


def _split_list(text: str) -> list[str]:
    return [p.strip() for p in text.replace("，", ",").replace("；", ",").replace(";", ",").split(",") if p.strip()]


def split_names(value: Any) -> list[str]:
    """The names of a list setting (insurers, payers), in order, blanks dropped, each once (case
    as typed): separated by ";" or "；" when the text holds one (so that a name may hold a comma:
    "Aurora Automobile Co., Ltd.; PICC P&C"), else by "," or "，"."""
    if value is None or (isinstance(value, float) and value != value):
        return []
    text = str(value)
    names: list[str] = []
    for part in re.split(r"[;；]" if re.search(r"[;；]", text) else r"[,，]", text):
        name = part.strip()
        if name and name not in names:
            names.append(name)
    return names


def parse_settings(table: pd.DataFrame, problems: list[ReadProblem] | None = None) -> Settings:
    """The settings key/value table -> :class:`Settings`. Unknown keys are ignored; a value that
    does not fit its setting keeps the default and is reported as a problem on its row."""
    problems = problems if problems is not None else []
    values: dict[str, Any] = {}
    rows: dict[str, tuple[int, Any]] = {}
    targets: dict[str, float] = {}
    for key, value, row in zip(table["key"], table["value"], table["_row"]):
        if key is None:
            continue
        norm = normalize_label(key)
        text = as_text(value)
        if norm.startswith("target_"):
            if text is None:
                continue
            try:
                targets[key.strip()[len("target_"):]] = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
            except ValueError:
                problems.append(ReadProblem("settings", int(row), "value", value, "number"))
            continue
        canon = _SETTING_KEYS.get(norm)
        if canon is None or text is None:
            continue
        if canon == "aging_buckets":
            values[canon] = _split_list(text)
        elif canon in ("insurers", "payers"):
            values[canon] = split_names(text)
        elif canon == "work_weekdays":
            values[canon] = [d[:3].capitalize() for d in _split_list(text)]
        else:
            values[canon] = text
        rows[canon] = (int(row), value)
    values["targets"] = targets
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        bad = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
        for name in sorted(bad):
            row, raw = rows.get(name, (None, values.get(name)))
            problems.append(ReadProblem("settings", row, name, raw, "setting"))
        return Settings.model_validate({k: v for k, v in values.items() if k not in bad})


def _check_weekdays(settings: Settings) -> None:
    unknown = [d for d in settings.work_weekdays if d not in WEEKDAYS]
    if unknown:
        settings.work_weekdays = [d for d in settings.work_weekdays if d in WEEKDAYS]


@dataclass
class Store:
    """Every sheet as a typed table (see addin.tables for the contract), plus typed settings.

    ``missing_sheets`` and ``missing_columns`` say what the workbook did not have (those tables
    and columns are present but empty); ``problems`` lists cells that could not be read.
    """

    tables: dict[str, pd.DataFrame]
    settings: Settings
    path: Path | None = None
    problems: list[ReadProblem] = field(default_factory=list)
    missing_sheets: list[str] = field(default_factory=list)
    missing_columns: dict[str, list[str]] = field(default_factory=dict)
    # Actual worksheet name of each sheet key as found in the workbook (for writers and messages).
    sheet_names: dict[str, str] = field(default_factory=dict)
    # Sheets a partial read (read_store(..., sheets=...)) left out: empty tables, not missing ones.
    unread: list[str] = field(default_factory=list)

    @property
    def locale(self) -> str:
        return self.settings.locale

    def table(self, sheet: str) -> pd.DataFrame:
        return self.tables[sheet]

    @classmethod
    def from_tables(
        cls,
        tables: dict[str, pd.DataFrame],
        problems: list[ReadProblem] | None = None,
        path: Path | None = None,
        **kwargs: Any,
    ) -> Store:
        """Complete ``tables`` with empty ones for missing sheets and parse the settings."""
        problems = problems if problems is not None else []
        full = {key: tables[key] if key in tables else empty_table(key) for key in SHEETS}
        settings = parse_settings(full["settings"], problems)
        _check_weekdays(settings)
        return cls(full, settings, path, problems, **kwargs)

    @classmethod
    def from_records(
        cls, records: dict[str, Iterable[dict[str, Any]]], settings: dict[str, Any] | None = None
    ) -> Store:
        """A store from plain records keyed by canonical keys, e.g. in tests::

            Store.from_records({"work_orders": [{"wo_no": "W1", ...}]}, settings={"tax_rate": 0.13})

        ``settings`` values may be typed (0.13, True) or text; ``target_<kpi>`` keys set targets.
        """
        problems: list[ReadProblem] = []
        tables = {sheet: records_to_table(sheet, rows, problems) for sheet, rows in records.items()}
        if settings:
            rows = [{"key": k, "value": ",".join(map(str, v)) if isinstance(v, list) else v}
                    for k, v in settings.items()]
            tables["settings"] = records_to_table("settings", rows, problems)
        return cls.from_tables(tables, problems)

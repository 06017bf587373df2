"""JSON Schemas of the sheets, generated from the models (schemas/<sheet>.json).

Each schema describes one record (one row) of a sheet: the canonical keys as properties, their
types, the required columns, enums listing the canonical keys, and the workbook's vocabulary as
``x-`` annotations (``x-label-en``/``x-label-zh`` on the sheet and every column, ``x-kind``,
``x-ref``, ``x-help-en``/``x-help-zh``, ``x-enum-labels``). The settings schema also carries the
typed settings (``x-settings``, from :class:`addin.models.Settings`) with their labels and the
defaults a new workbook is built with.

The committed files are compared with :func:`all_schemas` by the tests, so the files cannot drift
from the models.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from addin.models import SETTING_DEFAULTS, SETTING_LABELS, SHEETS, Settings, SheetSpec

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

# json_schema_extra keys of addin.models.col -> the annotation names used in the schema files.
_RENAMES = {
    "label_en": "x-label-en",
    "label_zh": "x-label-zh",
    "help_en": "x-help-en",
    "help_zh": "x-help-zh",
    "kind": "x-kind",
    "ref": "x-ref",
}


def _annotate_column(prop: dict[str, Any], spec_kind: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in prop.items():
        if name == "aliases":
            continue  # the importer's DMS names (addin.models.col): not part of the data contract
        if name in _RENAMES:
            if name.startswith("help_") and not value:
                continue  # empty help is noise in the file
            out[_RENAMES[name]] = value
        else:
            out[name] = value
    out["x-kind"] = spec_kind
    return dict(sorted(out.items()))


def sheet_schema(sheet: str) -> dict[str, Any]:
    """The JSON Schema of one record of ``sheet`` (a key of :data:`addin.models.SHEETS`)."""
    spec: SheetSpec = SHEETS[sheet]
    raw = spec.model.model_json_schema()
    props = {
        key: _annotate_column(raw["properties"][key], spec.by_key[key].kind) for key in raw["properties"]
    }
    defs = raw.get("$defs", {})
    for col in spec.columns:
        if col.enum is not None and col.enum.__name__ in defs:
            defs[col.enum.__name__]["x-enum-labels"] = {
                key: {"en": en, "zh": zh} for key, (en, zh) in col.enum.labels().items()
            }
    schema: dict[str, Any] = {
        "$schema": SCHEMA_DIALECT,
        "$id": f"{sheet}.json",
        "title": spec.label_en,
        "description": f"One row of the {spec.label_en} sheet ({spec.label_zh}) of Service.xlsm.",
        "type": "object",
        "x-sheet-key": sheet,
        "x-label-en": spec.label_en,
        "x-label-zh": spec.label_zh,
        "x-table-name": spec.table_name,
        "x-written-by": spec.written_by,
        "x-key-columns": list(spec.key_columns),
        "properties": props,
        "required": list(spec.required),
        # A sheet may carry more columns than the model; they are kept untouched.
        "additionalProperties": True,
    }
    if defs:
        schema["$defs"] = defs
    if sheet == "settings":
        schema["x-settings"] = settings_schema()
        # A key is a known setting or a KPI target (target_<kpi id>).
        props["key"]["anyOf"] = [
            {"enum": list(SETTING_LABELS)},
            {"pattern": r"^target_[a-z0-9_]+$"},
        ]
    return schema


def settings_schema() -> dict[str, Any]:
    """The typed settings (values of the settings sheet) with labels and built-in defaults."""
    raw = Settings.model_json_schema()
    for key, prop in raw["properties"].items():
        if key in SETTING_LABELS:
            prop["x-label-en"], prop["x-label-zh"] = SETTING_LABELS[key]
        if key in SETTING_DEFAULTS:
            prop["x-sheet-default"] = SETTING_DEFAULTS[key]
    raw["properties"]["targets"]["x-label-en"] = "Monthly targets (rows target_<kpi id>)"
    raw["properties"]["targets"]["x-label-zh"] = "月度目标（target_<指标编号> 行）"
    return raw


def all_schemas() -> dict[str, dict[str, Any]]:
    """Every sheet's schema, by sheet key, in workbook order."""
    return {key: sheet_schema(key) for key in SHEETS}


def render(schema: dict[str, Any]) -> str:
    """The exact text a schema file holds (stable key order, UTF-8, trailing newline)."""
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


def write_schemas(out_dir: Path) -> list[Path]:
    """Write one ``<sheet>.json`` per sheet into ``out_dir``; return the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for key, schema in all_schemas().items():
        path = out_dir / f"{key}.json"
        path.write_text(render(schema), encoding="utf-8")
        paths.append(path)
    return paths


def drifted(schema_dir: Path) -> list[str]:
    """Names of the schema files in ``schema_dir`` that are missing, differ from the models, or
    describe no sheet any more. Empty when the folder is up to date."""
    expected = {f"{key}.json": render(schema) for key, schema in all_schemas().items()}
    out = []
    for name, text in expected.items():
        path = schema_dir / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            out.append(name)
    if schema_dir.is_dir():
        out.extend(sorted(p.name for p in schema_dir.glob("*.json") if p.name not in expected))
    return out

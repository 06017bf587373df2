"""The committed JSON Schemas are generated from the models and must not drift from them."""

from __future__ import annotations

import json
from pathlib import Path

from addin.models import SETTING_DEFAULTS, SHEETS
from addin.schemas import all_schemas, drifted, render, sheet_schema, write_schemas

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas"


def test_committed_schemas_match_the_models():
    assert drifted(SCHEMA_DIR) == [], "run `service-addin schemas` and commit schemas/"


def test_one_schema_per_sheet_in_workbook_order():
    assert list(all_schemas()) == list(SHEETS)
    assert sorted(p.stem for p in SCHEMA_DIR.glob("*.json")) == sorted(SHEETS)


def test_work_orders_schema_has_labels_enums_refs_and_required_columns():
    schema = sheet_schema("work_orders")
    assert schema["x-label-en"] == "Work orders" and schema["x-label-zh"] == "维修工单"
    assert schema["x-table-name"] == "tblWorkOrders"
    assert schema["required"] == ["wo_no", "open_date", "status", "vin", "mileage", "advisor_id", "repair_type"]
    status = schema["properties"]["status"]
    assert status["x-label-zh"] == "状态" and status["x-kind"] == "enum"
    assert schema["$defs"]["WoStatus"]["enum"] == [
        "open", "in_progress", "waiting_parts", "qc", "completed", "settled", "cancelled"]
    assert schema["$defs"]["WoStatus"]["x-enum-labels"]["settled"] == {"en": "Settled", "zh": "已结算"}
    assert schema["properties"]["vin"]["x-ref"] == "vehicles.vin"
    assert schema["properties"]["open_date"]["format"] == "date"
    assert schema["properties"]["csi_score"]["x-help-en"] == "0 to 10"


def test_settings_schema_lists_known_keys_and_typed_settings():
    schema = sheet_schema("settings")
    assert schema["properties"]["key"]["anyOf"][0]["enum"] == list(SETTING_DEFAULTS)
    typed = schema["x-settings"]["properties"]
    assert typed["valuation_method"]["enum"] == ["fifo", "moving_average"]
    assert typed["tax_rate"]["x-label-zh"] == "增值税率"
    assert typed["tax_rate"]["x-sheet-default"] == "0.13"


def test_drift_is_detected(tmp_path):
    write_schemas(tmp_path)
    assert drifted(tmp_path) == []
    doc = json.loads((tmp_path / "parts.json").read_text(encoding="utf-8"))
    doc["required"] = ["part_no"]
    (tmp_path / "parts.json").write_text(render(doc), encoding="utf-8")
    (tmp_path / "roster.json").unlink()
    (tmp_path / "old_sheet.json").write_text("{}", encoding="utf-8")
    assert drifted(tmp_path) == ["roster.json", "parts.json", "old_sheet.json"]


def test_schemas_command_writes_and_checks(tmp_path, capsys):
    import argparse

    from addin.commands import schemas as command

    assert command.run(argparse.Namespace(out=tmp_path, check=True)) == 1
    assert command.run(argparse.Namespace(out=tmp_path, check=False)) == 0
    from addin.models import SHEETS

    assert f"Wrote {len(SHEETS)} schemas into {tmp_path}" in capsys.readouterr().out
    assert command.run(argparse.Namespace(out=tmp_path, check=True)) == 0


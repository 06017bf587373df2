"""The built workbook: layout from the models, compared with the golden description and with the
committed Service.xlsm."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from conftest import need_tool
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from addin.errors import ServiceError
from addin.io.builder import (
    CONF_SHEET,
    LISTS_SHEET,
    build,
    build_workbook,
    code_name,
    describe_workbook,
    golden_description,
)
from addin.io.writer import append_rows, preflight, save_atomic
from addin.models import SETTING_DEFAULTS, SHEETS

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "service_layout.json"
SERVICE = ROOT / "Service.xlsm"


@pytest.fixture(scope="module")
def golden() -> dict:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def built_en(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("built") / "layout.xlsx"
    build(path, "en-US")
    return path


@pytest.fixture(scope="module")
def built_zh(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("built_zh") / "layout.xlsx"
    build(path, "zh-CN")
    return path


def test_rebuilt_layout_matches_golden(golden, built_en):
    assert describe_workbook(load_workbook(built_en)) == golden
    assert golden_description() == golden


def test_committed_service_xlsm_matches_golden(golden):
    assert SERVICE.exists(), "Service.xlsm is committed: run `service-addin build --out Service.xlsm`"
    assert describe_workbook(load_workbook(SERVICE, keep_vba=True)) == golden


def test_committed_service_xlsm_passes_preflight_and_carries_macros():
    assert preflight(SERVICE) == []
    with zipfile.ZipFile(SERVICE) as zf:
        names = set(zf.namelist())
        rels = zf.read("_rels/.rels").decode()
    assert "xl/vbaProject.bin" in names
    assert "customUI/customUI.xml" in names
    assert "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility" in rels


def test_build_xlsm_matches_golden_and_is_safe_to_update(golden, tmp_path):
    out = build(tmp_path / "Service.xlsm", "en-US")
    assert describe_workbook(load_workbook(out, keep_vba=True)) == golden
    assert preflight(out) == []
    with zipfile.ZipFile(out) as zf:
        assert "xl/vbaProject.bin" in zf.namelist()


def test_sheet_order_names_and_code_names(built_en, built_zh):
    en, zh = load_workbook(built_en), load_workbook(built_zh)
    data = [s.label_en for k, s in SHEETS.items() if k != "settings"]
    # issue 18: the workshop board follows the data sheets
    assert en.sheetnames == ["Settings", "Dashboard", *data, "Board", LISTS_SHEET, CONF_SHEET]
    assert zh.sheetnames[:6] == ["设置", "看板", "人员花名册", "岗位编制", "客户车辆档案", "维修工单"]
    assert zh.sheetnames[-3] == "在修看板"
    for wb in (en, zh):
        names = [ws.sheet_properties.codeName for ws in wb.worksheets]
        assert names[:4] == ["shSettings", "shDashboard", "shRoster", "shPositions"]
        assert "shWorkOrders" in names and names[-3:] == ["shBoard", "shLists", "shXlwingsConf"]
        assert len(set(names)) == len(names)
        assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,30}", n) for n in names)
        for title in wb.sheetnames:
            assert len(title) <= 31 and not set(title) & set("[]:*?/\\")
    assert en[LISTS_SHEET].sheet_state == "veryHidden"
    assert code_name("claim_payments") == "shClaimPayments"


def test_every_data_sheet_has_one_table_with_header_in_row_1(built_zh):
    wb = load_workbook(built_zh)
    for key, spec in SHEETS.items():
        ws = wb[spec.label_zh]
        assert list(ws.tables) == [spec.table_name]
        table = ws.tables[spec.table_name]
        width = len(spec.columns)
        rows = 1 + (len(SETTING_DEFAULTS) if key == "settings" else 1)
        assert table.ref == f"A1:{ws.cell(1, width).column_letter}{rows}"
        assert [c.value for c in ws[1]][: len(spec.columns)] == [c.label_zh for c in spec.columns]
        assert ws.freeze_panes == ("B2" if key != "settings" and len(spec.columns) > 12 else "A2")


def test_number_formats_widths_and_header_style(built_en):
    ws = load_workbook(built_en)["WO lines"]
    by_header = {ws.cell(1, c).value: ws.cell(2, c).number_format for c in range(1, ws.max_column + 1)}
    assert by_header["Unit price"] == "#,##0.00"
    assert by_header["Discount"] == "0.0%"
    assert by_header["Line"] == "0"
    assert by_header["WO no."] == "@"
    assert by_header["Qty / hours"] == "General"
    assert ws.column_dimensions["A"].width >= 10
    assert ws["A1"].font.b and ws["A1"].fill.fgColor.rgb == "001F4E78"  # required column
    assert ws["D1"].fill.fgColor.rgb == "005B7FA6"  # optional column
    orders = load_workbook(built_en)["Work orders"]
    assert orders["B2"].number_format == "yyyy-mm-dd"
    assert load_workbook(built_en)["Periods"]["C2"].number_format == "yyyy-mm-dd hh:mm"


def test_dropdowns_for_enums_booleans_and_references(built_en):
    wb = load_workbook(built_en)
    ws = wb["Work orders"]
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert rules["E2:E1048576"].type == "list" and rules["E2:E1048576"].formula1 == "lst_WoStatus"
    assert rules["F2:F1048576"].formula1 == "ref_vehicles_vin"
    assert rules["K2:K1048576"].formula1 == "ref_roster_staff_id"
    assert rules["P2:P1048576"].formula1 == "lst_Bool"
    assert rules["B2:B1048576"].type is None and rules["B2:B1048576"].prompt == "Required. Date, e.g. 2026-10-31."
    assert rules["E2:E1048576"].promptTitle == "Status"
    names = {k: v.attr_text for k, v in wb.defined_names.items()}
    assert names["ref_vehicles_vin"] == "tblVehicles[VIN]"
    assert names["ref_work_orders_wo_no"] == "tblWorkOrders[[WO no.]]"
    assert names["lst_WoStatus"] == "lists!$C$2:$C$8"
    lists = wb[LISTS_SHEET]
    assert [lists.cell(r, 3).value for r in range(1, 9)] == [
        "WoStatus", "Open", "In progress", "Waiting for parts", "Quality check", "Completed", "Settled", "Cancelled"]
    with zipfile.ZipFile(built_en) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any(b"extLst" in zf.read(n) for n in sheets)


def test_zh_cn_dropdown_lists_and_help_are_chinese(built_zh):
    wb = load_workbook(built_zh)
    lists = wb[LISTS_SHEET]
    assert [lists.cell(r, 3).value for r in range(2, 9)] == ["接车", "在修", "待料", "质检", "完工", "已结算", "已取消"]
    bool_column = next(c for c in range(1, lists.max_column + 1) if lists.cell(1, c).value == "Bool")
    assert [lists.cell(r, bool_column).value for r in (1, 2, 3)] == ["Bool", "是", "否"]
    assert {k: v.attr_text for k, v in wb.defined_names.items()}["ref_work_orders_wo_no"] == "tblWorkOrders[工单号]"
    rules = {str(dv.sqref): dv for dv in wb["维修工单"].data_validations.dataValidation}
    assert rules["F2:F1048576"].prompt == "必填。须在“客户车辆档案”表（车架号）中存在。"


def test_settings_sheet_reads_back_as_defaults_in_the_locale(built_zh):
    from addin.io.reader import read_store

    store = read_store(built_zh)
    assert store.settings.locale == "zh-CN"
    assert store.settings.tax_rate == 0.13
    assert store.settings.prices_include_tax is True
    assert store.settings.aging_buckets == [30, 60, 90]
    assert store.settings.work_weekdays == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    assert store.problems == []
    assert all(len(store.tables[k]) == 0 for k in SHEETS if k != "settings")
    ws = load_workbook(built_zh)["设置"]
    assert [c.value for c in ws[1]] == ["参数", "值", "说明"]
    assert [c.value for c in ws[9]] == ["tax_rate", 0.13, "增值税率"]  # issue 18: store_address, store_phone above it


def test_xlwings_conf_sheet(built_en, built_zh):
    for path in (built_en, built_zh):
        ws = load_workbook(path)[CONF_SHEET]
        pairs = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
        assert pairs == {"UDF Modules": "addin.udfs", "Debug UDFs": False, "Use UDF Server": False,
                         "Show Console": False}
        # A key with a blank value stops xlwings' search (xlwings.bas GetConfig): none is blank,
        # and the interpreter comes from the user's xlwings.conf that install.ps1 writes.
        assert all(value not in (None, "") for value in pairs.values())
        # xlwings reads keys from A1 down to the first blank: no gaps.
        assert all(ws.cell(r, 1).value for r in range(1, ws.max_row + 1))
        notes = " ".join(str(ws.cell(r, 3).value or "") for r in range(1, ws.max_row + 1))
        assert "SERVICE_..." in notes and "SVC_" not in notes and "Interpreter_Win" in notes
    en = " ".join(str(c.value) for c in load_workbook(built_en)[CONF_SHEET]["C"])
    assert "blank value stops xlwings' search" in en and "install.ps1" in en
    assert "pythonw.exe" in load_workbook(built_zh)[CONF_SHEET]["C4"].value


def test_bad_locale_and_suffix_are_refused(tmp_path):
    with pytest.raises(ServiceError, match="Unknown locale 'fr-FR'"):
        build_workbook("fr-FR")
    with pytest.raises(ServiceError, match=r"\.xlsm \(with macros and ribbon\) or \.xlsx"):
        build(tmp_path / "Service.ods", "en-US")
    assert list(tmp_path.iterdir()) == []


def test_build_command_writes_atomically_with_backup(tmp_path, capsys):
    import argparse

    from addin.commands import build as command

    out = tmp_path / "layout.xlsx"
    assert command.run(argparse.Namespace(locale="zh-CN", out=out)) == 0
    first = out.read_bytes()
    assert command.run(argparse.Namespace(locale="en-US", out=out)) == 0
    assert (tmp_path / "layout.xlsx.bak").read_bytes() == first
    assert capsys.readouterr().out == (f"已生成 {out}（zh-CN）。\nBuilt {out} (en-US).\n"
                                       f"The previous file is kept as {out}.bak.\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["layout.xlsx", "layout.xlsx.bak"]


@pytest.mark.libreoffice
def test_libreoffice_resolves_reference_names_over_the_table(tmp_path):
    """The ref_* names use Table[Column] and Table[[Col.]]: LibreOffice must resolve them to the
    table's data rows."""
    need_tool("soffice")
    from addin.libreoffice import convert

    wb = build_workbook("zh-CN")
    append_rows(wb, "vehicles", [{"vin": f"LSVAA4182E212345{i}"} for i in range(3)], "zh-CN")
    save_atomic(wb, tmp_path / "v.xlsx")
    ods = convert(tmp_path / "v.xlsx", "ods", tmp_path / "lo", recalc=False)
    content = zipfile.ZipFile(ods).read("content.xml").decode()
    m = re.search(r'table:name="ref_vehicles_vin"[^>]*table:expression="([^"]+)"', content)
    assert m and m.group(1) == "[$客户车辆档案.$A$2:.$A$4]"
    en = build_workbook("en-US")
    append_rows(en, "work_orders", [{"wo_no": f"WO{i}"} for i in range(2)], "en-US")
    save_atomic(en, tmp_path / "w.xlsx")
    ods = convert(tmp_path / "w.xlsx", "ods", tmp_path / "lo", recalc=False)
    content = zipfile.ZipFile(ods).read("content.xml").decode()
    m = re.search(r'table:name="ref_work_orders_wo_no"[^>]*table:expression="([^"]+)"', content)
    assert m and m.group(1) == "[$&apos;Work orders&apos;.$A$2:.$A$3]"
    assert "of:cell-content-is-in-list(lst_WoStatus)" in content


def test_role_dropdown_offers_each_label_then_its_synonyms(built_en, built_zh):
    from addin.models import ROLE_SYNONYMS, Role

    for path, half in ((built_en, 0), (built_zh, 1)):
        wb = load_workbook(path)
        lists = wb[LISTS_SHEET]
        column = next(c for c in range(1, lists.max_column + 1) if lists.cell(1, c).value == "Role")
        values = [lists.cell(r, column).value for r in range(2, lists.max_row + 1)]
        values = values[:values.index(None)] if None in values else values
        expected = []
        for key, pair in Role.labels().items():
            expected += [pair[half], *(s for s in ROLE_SYNONYMS.get(key, ()) if s != pair[half])]
        assert values == expected
        assert values[:2] == (["Service manager", "站长"] if half == 0 else ["服务经理", "站长"])
        letter = lists.cell(1, column).column_letter
        assert {k: v.attr_text for k, v in wb.defined_names.items()}["lst_Role"] == \
            f"lists!${letter}$2:${letter}${len(values) + 1}"
# -- issue 13: the workbook a store manager works in ------------------------------------------------

def test_vin_plate_and_date_columns_are_wide_enough(built_en, built_zh):
    from addin.io.builder import sheet_title

    for path, locale in ((built_en, "en-US"), (built_zh, "zh-CN")):
        wb = load_workbook(path)
        for key, spec in SHEETS.items():
            if key == "settings":
                continue
            ws = wb[sheet_title(key, locale)]
            for idx, col in enumerate(spec.columns, start=1):
                width = ws.column_dimensions[get_column_letter(idx)].width
                if col.key == "vin" or col.ref == "vehicles.vin":
                    assert width >= 17 + 4, (key, col.key, width)  # 17 capitals and digits
                elif col.key == "plate":
                    assert width >= 12, (key, width)
                elif col.kind == "date":
                    assert width >= 12, (key, col.key, width)  # yyyy-mm-dd


def test_wide_sheets_freeze_the_first_column_too(built_en):
    from addin.io.builder import WIDE_SHEET_COLUMNS, sheet_title

    wb = load_workbook(built_en)
    frozen = {key: wb[sheet_title(key, "en-US")].freeze_panes for key in SHEETS if key != "settings"}
    assert frozen["work_orders"] == "B2" and len(SHEETS["work_orders"].columns) > WIDE_SHEET_COLUMNS
    for key, pane in frozen.items():
        assert pane == ("B2" if len(SHEETS[key].columns) > WIDE_SHEET_COLUMNS else "A2"), key


def test_lists_and_xlwings_conf_are_very_hidden(built_en, built_zh):
    from addin.io.builder import CONF_SHEET, LISTS_SHEET

    for path in (built_en, built_zh):
        wb = load_workbook(path)
        assert wb[LISTS_SHEET].sheet_state == "veryHidden"
        assert wb[CONF_SHEET].sheet_state == "veryHidden"


def test_enums_stop_a_wrong_value_and_references_warn(built_en):
    from addin.io.builder import sheet_title

    ws = load_workbook(built_en)[sheet_title("work_orders", "en-US")]
    spec = SHEETS["work_orders"]
    styles = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            styles[spec.columns[rng.min_col - 1].key] = (dv.type, dv.errorStyle)
    status = next(c for c in spec.columns if c.enum is not None)
    ref = next(c for c in spec.columns if c.ref)
    assert styles[status.key] == ("list", "stop")
    assert styles[ref.key] == ("list", "warning")
    for key, (_kind, style) in styles.items():
        col = spec.by_key[key]
        if col.enum is not None or col.kind == "bool":
            assert style == "stop", key
        elif col.ref:
            assert style == "warning", key


def test_team_dropdown_lists_the_roster_teams(built_zh):
    from addin.io.builder import sheet_title

    wb = load_workbook(built_zh)
    assert wb.defined_names["ref_roster_team"].attr_text == "tblRoster[班组]"
    spec = SHEETS["work_orders"]
    team = next(i for i, c in enumerate(spec.columns, start=1) if c.key == "team")
    ws = wb[sheet_title("work_orders", "zh-CN")]
    (dv,) = [dv for dv in ws.data_validations.dataValidation
             if any(r.min_col == team for r in dv.sqref.ranges)]
    assert (dv.type, dv.formula1, dv.errorStyle) == ("list", "ref_roster_team", "warning")
    roster = wb[sheet_title("roster", "zh-CN")]
    own = next(i for i, c in enumerate(SHEETS["roster"].columns, start=1) if c.key == "team")
    assert not [dv for dv in roster.data_validations.dataValidation
                if dv.type == "list" and any(r.min_col == own for r in dv.sqref.ranges)]  # the roster names them

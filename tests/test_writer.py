"""The safe writer: refusal before losing content, typed rows into Tables, atomic saves."""

from __future__ import annotations

import datetime as dt
import os
import stat
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from openpyxl import Workbook, load_workbook

from addin.errors import UnsafeWriteError, WorkbookReadError
from addin.io.builder import build_workbook, describe_workbook
from addin.io.writer import (
    append_rows,
    check_safe,
    find_sheet,
    open_for_update,
    preflight,
    replace_rows,
    save_atomic,
    sheet_columns,
    update_workbook,
)
from addin.tables import records_to_table, table_records

RIBBON_REL = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
RIBBON14_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"

ORDERS = [
    {"wo_no": "WO-1001", "open_date": dt.date(2026, 10, 3), "status": "settled", "vin": "LSVAA4182E2123456",
     "mileage": 15230.0, "advisor_id": "SA01", "repair_type": "maintenance", "close_date": dt.date(2026, 10, 4),
     "first_service": True, "csi_score": 9.0, "concern": "=HYPERLINK(\"http://x\")", "notes": "+86 138 0000"},
    {"wo_no": "WO-1002", "open_date": dt.date(2026, 10, 5), "status": "in_progress", "vin": "LSVAA4182E2123457",
     "mileage": 880.0, "advisor_id": "SA02", "repair_type": "warranty", "appointment": False,
     "concern": "-noise at 60 km/h", "notes": "@front desk"},
]


def _layout(tmp_path: Path, locale: str = "en-US", name: str = "Service.xlsx") -> Path:
    path = tmp_path / name
    build_workbook(locale).save(path)
    return path


def _rezip(src: Path, dst: Path, add: dict[str, bytes] | None = None, edit: dict | None = None) -> Path:
    """Copy a package, replacing members through ``edit`` (name -> function of bytes) and adding ``add``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if edit and item.filename in edit:
                data = edit[item.filename](data)
            zout.writestr(item, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ---------------------------------------------------------------------------------------------
# Preflight and refusal

_DRAWING_SHAPE = (b'<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
                  b'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><xdr:twoCellAnchor>'
                  b'<xdr:from/><xdr:to/><xdr:sp macro="" textlink=""><xdr:nvSpPr/><xdr:spPr/>'
                  b'<xdr:txBody><a:p><a:r><a:t>Note</a:t></a:r></a:p></xdr:txBody></xdr:sp>'
                  b'<xdr:clientData/></xdr:twoCellAnchor></xdr:wsDr>')
_DRAWING_PIC = (b'<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing">'
                b'<xdr:oneCellAnchor><xdr:pic><xdr:nvPicPr/></xdr:pic></xdr:oneCellAnchor></xdr:wsDr>')
_X14_VALIDATION = (b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
                   b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
                   b'<x14:dataValidations count="1"><x14:dataValidation type="list"><x14:formula1>'
                   b'<xm:f xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">lists!$A$2:$A$5</xm:f>'
                   b'</x14:formula1><xm:sqref xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">C2'
                   b'</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst></worksheet>')


def _with_x14(data: bytes) -> bytes:
    return data.replace(b"</worksheet>", _X14_VALIDATION)


def _with_rel(rel_type: str, target: str) -> object:
    def edit(data: bytes) -> bytes:
        rel = f'<Relationship Id="rId99" Type="{rel_type}" Target="{target}"/></Relationships>'
        return data.replace(b"</Relationships>", rel.encode())
    return edit


REFUSALS = {
    "shape": ({"xl/drawings/drawing9.xml": _DRAWING_SHAPE}, {}, "shapes or text boxes (xl/drawings/drawing9.xml)",
              "形状或文本框"),
    "picture": ({"xl/drawings/drawing9.xml": _DRAWING_PIC}, {}, "pictures (xl/drawings/drawing9.xml", "图片"),
    "x14 validation": ({}, {"xl/worksheets/sheet3.xml": _with_x14},
                       "x14 data validation (lists from other sheets) (xl/worksheets/sheet3.xml)", "x14 数据验证"),
    "customUI14": ({"customUI/customUI14.xml": b"<customUI/>"},
                   {"_rels/.rels": _with_rel(RIBBON14_REL, "customUI/customUI14.xml")},
                   "the Office 2010 ribbon (customUI14)", "Office 2010 功能区"),
    "pivot cache": ({"xl/pivotCache/pivotCacheDefinition1.xml": b"<pivotCacheDefinition/>"}, {}, "pivot caches",
                    "数据透视表缓存"),
    "external link": ({"xl/externalLinks/externalLink1.xml": b"<externalLink/>"}, {}, "links to other workbooks",
                      "外部工作簿链接"),
    "slicer": ({"xl/slicers/slicer1.xml": b"<slicers/>",},
               {}, "slicers", "切片器"),
    "slicer cache": ({"xl/slicerCaches/slicerCache1.xml": b"<slicerCacheDefinition/>"}, {}, "slicer caches",
                     "切片器缓存"),
    "timeline": ({"xl/timelines/timeline1.xml": b"<timelines/>"}, {}, "timelines", "日程表"),
    "dynamic arrays": ({"xl/metadata.xml": b"<metadata/>"}, {}, "dynamic-array formulas (metadata)", "动态数组公式"),
}


@pytest.fixture(scope="module")
def layout(tmp_path_factory) -> Path:
    return _layout(tmp_path_factory.mktemp("layout"))


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refuses_what_openpyxl_would_drop(case, layout, tmp_path):
    add, edit, en, zh = REFUSALS[case]
    path = _rezip(layout, tmp_path / "store.xlsx", add, edit)
    before = path.read_bytes()
    found = preflight(path)
    assert len(found) == 1 and found[0].startswith(en)
    assert zh in preflight(path, "zh-CN")[0]
    with pytest.raises(UnsafeWriteError) as err:
        open_for_update(path)
    assert err.value.message("en-US").startswith(f"Not written: saving {path} would lose {en}")
    assert err.value.message("zh-CN").startswith(f"未写入：保存 {path} 将丢失{zh}")
    with pytest.raises(UnsafeWriteError):
        update_workbook(path, lambda wb: append_rows(wb, "work_orders", ORDERS))
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["store.xlsx"]


def test_refusal_names_every_finding(layout, tmp_path):
    path = _rezip(layout, tmp_path / "store.xlsx", {"xl/metadata.xml": b"<metadata/>",
                                                    "xl/drawings/drawing9.xml": _DRAWING_SHAPE},
                  {"xl/worksheets/sheet5.xml": _with_x14})
    with pytest.raises(UnsafeWriteError) as err:
        open_for_update(path)
    assert err.value.message() == (
        f"Not written: saving {path} would lose dynamic-array formulas (metadata); x14 data validation (lists from other sheets) "
        "(xl/worksheets/sheet5.xml); shapes or text boxes (xl/drawings/drawing9.xml). "
        "Nothing was changed; remove them or save a copy from Excel first.")


@pytest.mark.parametrize("case", list(REFUSALS))
def test_the_read_scan_finds_the_worksheet_extensions_the_writer_would(case, layout, tmp_path, monkeypatch):
    """The close reads and checks a workbook with one scan of each worksheet: check_safe with the
    read's PackageInfo refuses with the same message as its own scan, and inflates no worksheet."""
    from addin.io import writer
    from addin.io.safety import inspect_workbook

    add, edit, _, _ = REFUSALS[case]
    path = _rezip(layout, tmp_path / "store.xlsx", add, {**edit, "xl/worksheets/sheet5.xml": _with_x14})
    with pytest.raises(UnsafeWriteError) as own:
        check_safe(path)
    package = inspect_workbook(path, extensions=True)
    assert package.extensions["xl/worksheets/sheet5.xml"] == (b"{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}",)
    assert package.extensions["xl/worksheets/sheet3.xml"] == ((b"{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}",)
                                                            if case == "x14 validation" else ())
    scanned = []
    scan = writer._scan_member
    monkeypatch.setattr(writer, "_scan_member", lambda zf, name, *a: scanned.append(name) or scan(zf, name, *a))
    with pytest.raises(UnsafeWriteError) as shared:
        check_safe(path, package=package)
    assert shared.value.message("en-US") == own.value.message("en-US")
    assert shared.value.message("zh-CN") == own.value.message("zh-CN")
    assert not [n for n in scanned if n.startswith("xl/worksheets/")]
    assert inspect_workbook(path).extensions == {}  # collected only when asked


def test_the_refused_content_is_really_lost_by_openpyxl(layout, tmp_path):
    """Why preflight exists: an openpyxl round trip drops x14 validation without a word."""
    path = _rezip(layout, tmp_path / "store.xlsx", edit={"xl/worksheets/sheet3.xml": _with_x14})
    load_workbook(path).save(tmp_path / "round.xlsx")
    with zipfile.ZipFile(tmp_path / "round.xlsx") as zf:
        assert not any(b"x14:dataValidation" in zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/"))


def test_excel_default_extensions_are_not_findings(layout, tmp_path):
    ext = (b'<extLst><ext uri="{B58B0392-4F1F-4190-BB64-5DF3571DCE5F}" '
           b'xmlns:xcalcf="http://schemas.microsoft.com/office/spreadsheetml/2018/calcfeatures"/></extLst></workbook>')
    path = _rezip(layout, tmp_path / "store.xlsx", edit={"xl/workbook.xml": lambda d: d.replace(b"</workbook>", ext)})
    assert preflight(path) == []
    unknown = ext.replace(b"B58B0392-4F1F-4190-BB64-5DF3571DCE5F", b"01234567-89AB-CDEF-0123-456789ABCDEF")
    path = _rezip(layout, tmp_path / "other.xlsx", edit={"xl/workbook.xml": lambda d: d.replace(b"</workbook>", unknown)})
    assert preflight(path) == ["extension content {01234567-89AB-CDEF-0123-456789ABCDEF} (xl/workbook.xml)"]


def test_built_layout_passes_and_a_non_workbook_is_refused(layout, tmp_path):
    assert preflight(layout) == []
    bad = tmp_path / "notes.xlsx"
    bad.write_text("not a workbook")
    with pytest.raises(WorkbookReadError):
        preflight(bad)


# ---------------------------------------------------------------------------------------------
# Round trip of the macro workbook: VBA, ribbon, tables, validations and names survive.


def test_xlsm_round_trip_keeps_vba_ribbon_tables_validations_and_names(layout, tmp_path):
    from addin.vba import install_vba

    xlsm = tmp_path / "Service.xlsm"
    install_vba(layout, xlsm, "en-US", udf_module=None)
    assert preflight(xlsm) == []
    with zipfile.ZipFile(xlsm) as zf:
        vba, ribbon = zf.read("xl/vbaProject.bin"), zf.read("customUI/customUI.xml")
    before = describe_workbook(load_workbook(xlsm, keep_vba=True))

    rows = update_workbook(xlsm, lambda wb: append_rows(wb, "work_orders", ORDERS))
    assert rows == [2, 3]

    with zipfile.ZipFile(xlsm) as zf:
        assert zf.read("xl/vbaProject.bin") == vba
        assert zf.read("customUI/customUI.xml") == ribbon
        assert f'Type="{RIBBON_REL}"' in zf.read("_rels/.rels").decode()
        assert "macroEnabled" in zf.read("[Content_Types].xml").decode()
    after = describe_workbook(load_workbook(xlsm, keep_vba=True))
    orders = next(s for s in after["sheets"] if s["name"] == "Work orders")
    assert orders["tables"] == [{"name": "tblWorkOrders", "ref": "A1:AA3"}]
    orders["tables"] = next(s for s in before["sheets"] if s["name"] == "Work orders")["tables"]
    orders["formats"] = next(s for s in before["sheets"] if s["name"] == "Work orders")["formats"]
    assert after == before
    assert preflight(xlsm) == []
    assert (tmp_path / "Service.xlsm.bak").exists()


# ---------------------------------------------------------------------------------------------
# Rows


def test_append_writes_typed_cells_labels_and_never_formulas(tmp_path):
    path = _layout(tmp_path)
    rows = update_workbook(path, lambda wb: append_rows(wb, "work_orders", ORDERS, "en-US"))
    assert rows == [2, 3]
    ws = load_workbook(path)["Work orders"]
    assert ws.tables["tblWorkOrders"].ref == "A1:AA3"
    assert ws.tables["tblWorkOrders"].autoFilter.ref == "A1:AA3"
    assert [ws["A2"].value, ws["E2"].value, ws["E3"].value, ws["M3"].value] == [
        "WO-1001", "Settled", "In progress", "Warranty"]
    assert ws["B2"].value == dt.datetime(2026, 10, 3) and ws["B2"].number_format == "yyyy-mm-dd"
    assert ws["H2"].value == 15230 and ws["H2"].number_format == "0"
    assert ws["P2"].value is True and ws["O3"].value is False
    assert ws["C2"].value is None  # promised_date not given: blank, not zero
    for ref, text in (("N2", '=HYPERLINK("http://x")'), ("AA2", "+86 138 0000"), ("N3", "-noise at 60 km/h"),
                      ("AA3", "@front desk")):
        assert ws[ref].value == text and ws[ref].data_type == "s"
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet6.xml")
    assert b"<f>" not in sheet and b'<c r="N2" s="6" t="inlineStr"><is><t>=HYPERLINK(' in sheet
    assert [ws.cell(4, c).value for c in range(1, 28)] == [None] * 27


def test_rows_read_back_as_the_records(tmp_path):
    from addin.io.reader import read_store

    for locale in ("en-US", "zh-CN"):
        path = _layout(tmp_path, locale, f"{locale}.xlsx")
        update_workbook(path, lambda wb, locale=locale: append_rows(wb, "work_orders", ORDERS, locale), backup=False)
        store = read_store(path)
        assert table_records(store.tables["work_orders"]) == table_records(records_to_table("work_orders", ORDERS))
        assert store.problems == []


def test_zh_cn_writes_chinese_labels_and_booleans(tmp_path):
    path = _layout(tmp_path, "zh-CN")
    update_workbook(path, lambda wb: append_rows(wb, "work_orders", ORDERS, "zh-CN"))
    ws = load_workbook(path)["维修工单"]
    assert [ws["E2"].value, ws["M2"].value, ws["P2"].value, ws["O3"].value] == ["已结算", "保养", "是", "否"]


def test_replace_shrinks_the_table_and_append_continues(tmp_path):
    wb = build_workbook("en-US")
    lines = [{"wo_no": "WO-1", "line_no": i, "line_type": "labor", "qty": 1.0, "unit_price": 100.0,
              "pay_type": "customer"} for i in range(1, 6)]
    assert append_rows(wb, "wo_lines", lines) == [2, 3, 4, 5, 6]
    assert append_rows(wb, "wo_lines", lines[:1]) == [7]
    assert replace_rows(wb, "wo_lines", lines[:2]) == [2, 3]
    ws = find_sheet(wb, "wo_lines")
    assert ws.tables["tblWoLines"].ref == "A1:Q3"
    assert [ws.cell(r, 2).value for r in range(2, 8)] == [1, 2, None, None, None, None]
    assert append_rows(wb, "wo_lines", [lines[4]]) == [4]
    assert replace_rows(wb, "wo_lines", []) == []
    assert ws.tables["tblWoLines"].ref == "A1:Q2"
    assert ws["G2"].value is None and ws["G2"].number_format == "#,##0.00"
    assert append_rows(wb, "wo_lines", lines[:1]) == [2]


def test_dataframe_input_blank_is_empty_and_row_column_ignored(tmp_path):
    df = records_to_table("parts_ledger", [
        {"txn_id": "R1", "txn_date": "2026-10-01", "part_no": "P-100", "txn_type": "Receipt", "qty": 10,
         "unit_cost": 12.5},
        {"txn_id": "I1", "txn_date": "2026-10-02", "part_no": "P-100", "txn_type": "issue", "qty": 2,
         "wo_no": "WO-1001"},
    ])
    assert df["unit_cost"].isna().iloc[1] and df["_row"].tolist() == [2, 3]
    wb = build_workbook("en-US")
    assert append_rows(wb, "parts_ledger", df) == [2, 3]
    ws = find_sheet(wb, "Parts Ledger")
    assert [ws["A3"].value, ws["B3"].value, ws["D2"].value, ws["D3"].value] == [
        "I1", dt.date(2026, 10, 2), "Receipt", "Issue to job"]
    assert ws["F2"].value == 12.5 and ws["F3"].value is None
    assert ws["E2"].value == 10.0 and ws["E2"].data_type == "n"
    assert ws.max_column == 11


def test_plain_sheet_header_found_extra_columns_untouched_missing_column_added():
    wb = Workbook()
    ws = wb.active
    ws.title = "parts"
    ws.append(["Parts export from DMS"])
    ws.append([])
    ws.append(["part_no", "配件名称", "my_shelf_note", "Sale price"])
    ws.append(["P-1", "Oil filter", "top shelf", 35])
    ws.append(["P-2", "Air filter", "keep", 48])
    rows = replace_rows(wb, "parts", [{"part_no": "P-9", "name": "Wiper", "sale_price": 60.0, "supplier": "ACME",
                                       "active": np.True_, "safety_stock": np.float64("nan")}])
    assert rows == [4]
    assert [c.value for c in ws[3]] == ["part_no", "配件名称", "my_shelf_note", "Sale price", "Supplier", "Active"]
    assert [c.value for c in ws[4]] == ["P-9", "Wiper", "top shelf", 60.0, "ACME", True]
    assert [c.value for c in ws[5]] == [None, None, "keep", None, None, None]
    assert append_rows(wb, "parts", [{"part_no": "P-10", "name": "Bulb", "category": "mystery"}]) == [6]
    assert ws["A6"].value == "P-10" and ws["C6"].value is None
    assert append_rows(wb, "parts", [{"part_no": "P-11", "name": "Mat", "category": "accessory"}]) == [7]
    # An enum value that is no key nor label is written as given (validation reports it).
    assert [find_sheet(wb, "parts").cell(r, 7).value for r in (6, 7)] == ["mystery", "Accessory"]


def test_find_sheet_by_key_or_either_label():
    wb = build_workbook("zh-CN")
    assert find_sheet(wb, "work_orders").title == "维修工单"
    assert find_sheet(wb, "dashboard").title == "看板"
    wb_en = build_workbook("en-US")
    wb_en["Work orders"].title = "  WORK Orders "
    assert find_sheet(wb_en, "work_orders").title == "  WORK Orders "
    del wb_en["Checks"]
    with pytest.raises(WorkbookReadError) as err:
        find_sheet(wb_en, "checks")
    assert err.value.message("zh-CN") == "工作簿中没有工作表 checks（Checks / 校验结果）。"


@pytest.mark.slow
def test_writing_a_year_of_lines_is_fast():
    wb = build_workbook("en-US")
    line = {"wo_no": "WO-000001", "line_no": 1, "line_type": "part", "item_code": "P-100", "description": "Oil filter",
            "qty": 1.0, "unit_price": 35.0, "discount_pct": 0.05, "pay_type": "customer", "technician_id": "T01",
            "actual_hours": 1.2, "cause": "worn", "correction": "replaced", "added_item": False,
            "customer_approved": True, "declined": False, "cost": 12.0}
    records = [dict(line, line_no=i) for i in range(120_000)]
    start = time.process_time()
    rows = append_rows(wb, "wo_lines", records)
    spent = time.process_time() - start
    assert rows[-1] == 120_001 and find_sheet(wb, "wo_lines").tables["tblWoLines"].ref == "A1:Q120001"
    assert spent < 30, f"{spent:.1f} s of CPU for 120,000 x 17 cells"


# ---------------------------------------------------------------------------------------------
# Atomic save


def test_failure_during_save_leaves_the_original_and_no_temp_file(tmp_path, monkeypatch):
    path = _layout(tmp_path)
    before = path.read_bytes()
    wb = open_for_update(path)
    append_rows(wb, "work_orders", ORDERS)

    def broken_save(filename):
        Path(filename).write_bytes(b"PK half a zip")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(wb, "save", broken_save)
    with pytest.raises(UnsafeWriteError) as err:
        save_atomic(wb, path)
    assert err.value.message() == f"Not written: saving {path} failed (No space left on device). The previous file is unchanged."
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["Service.xlsx"]


def test_failure_at_rename_leaves_the_original_and_no_temp_file(tmp_path, monkeypatch):
    path = _layout(tmp_path)
    before = path.read_bytes()
    wb = open_for_update(path)
    real_replace = os.replace

    def refuse_workbook(src, dst):
        if Path(dst) == path:
            raise PermissionError(13, "Permission denied")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", refuse_workbook)
    with pytest.raises(UnsafeWriteError, match="Permission denied"):
        save_atomic(wb, path, backup=False)
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["Service.xlsx"]


def test_backup_keeps_the_previous_version_only(tmp_path):
    path = tmp_path / "Service.xlsx"
    versions = []
    for n in range(3):
        wb = build_workbook("en-US")
        append_rows(wb, "positions", [{"role": "technician", "planned": n + 1}])
        save_atomic(wb, path)
        versions.append(path.read_bytes())
    assert (tmp_path / "Service.xlsx.bak").read_bytes() == versions[1]
    assert _files(tmp_path) == ["Service.xlsx", "Service.xlsx.bak"]
    save_atomic(build_workbook("en-US"), tmp_path / "Copy.xlsx", backup=True)
    save_atomic(build_workbook("en-US"), tmp_path / "Copy.xlsx", backup=False)
    assert "Copy.xlsx.bak" not in _files(tmp_path)


def test_keeps_the_file_mode(tmp_path):
    path = _layout(tmp_path)
    path.chmod(0o640)
    save_atomic(load_workbook(path), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_workbook_open_in_excel_is_refused(tmp_path):
    path = _layout(tmp_path)
    before = path.read_bytes()
    (tmp_path / "~$Service.xlsx").write_bytes(b"owner")
    with pytest.raises(UnsafeWriteError) as err:
        update_workbook(path, lambda wb: append_rows(wb, "work_orders", ORDERS))
    assert err.value.message("zh-CN") == f"未写入：{path} 正在 Excel 中打开或被锁定（~$Service.xlsx）。请关闭后重试；文件未作任何改动。"
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["Service.xlsx", "~$Service.xlsx"]


def test_read_only_workbook_is_refused(tmp_path, monkeypatch):
    path = _layout(tmp_path)
    before = path.read_bytes()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == path else real_access(p, mode))
    with pytest.raises(UnsafeWriteError, match="is read-only"):
        save_atomic(load_workbook(path), path)
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["Service.xlsx"]


def test_update_workbook_returns_the_edit_result_and_writes_nothing_when_it_fails(tmp_path):
    path = _layout(tmp_path)
    before = path.read_bytes()

    def failing(wb):
        append_rows(wb, "work_orders", ORDERS)
        raise RuntimeError("edit failed")

    with pytest.raises(RuntimeError):
        update_workbook(path, failing)
    assert path.read_bytes() == before and _files(tmp_path) == ["Service.xlsx"]
    out = tmp_path / "copy.xlsx"
    assert update_workbook(path, lambda wb: append_rows(wb, "work_orders", ORDERS[:1]), out=out) == [2]
    assert path.read_bytes() == before
    assert load_workbook(out)["Work orders"]["A2"].value == "WO-1001"


def test_sheet_columns_locates_header_and_keys():
    wb = build_workbook("zh-CN")
    ws, header_row, columns = sheet_columns(wb, "wo_lines")
    assert ws.title == "工单明细" and header_row == 1
    assert columns["wo_no"] == 1 and columns["discount_pct"] == 8 and len(columns) == 17


def test_timestamps_lose_their_zone_and_overlong_or_control_text_is_made_storable(tmp_path):
    utc = dt.datetime(2026, 10, 31, 9, 30, tzinfo=dt.UTC)
    path = _layout(tmp_path)
    update_workbook(path, lambda wb: append_rows(wb, "audit_log", [
        {"timestamp": utc, "user": "li.na", "action": "close\x07", "details": "x" * 40_000}]))
    ws = load_workbook(path)["Audit log"]
    assert ws["A2"].value == utc.astimezone().replace(tzinfo=None) and ws["A2"].number_format == "yyyy-mm-dd hh:mm"
    assert ws["C2"].value == "close"
    assert len(ws["E2"].value) == 32_767 and ws["E2"].value.endswith("x…")


def test_workbooks_saved_by_excel_pass_preflight():
    """Files saved by Excel 365 (pyopenvba's blank workbook) and Excel for Mac (xlwings' quickstart)
    carry only the application's own workbook extensions: nothing to refuse."""
    import pyopenvba
    import xlwings

    blank = Path(pyopenvba.__file__).parent / "_templates" / "blank_files" / "blank_workbook.xlsx"
    assert b"{D14903EA-33C4-47F7-8F05-3474C54BE107}" in zipfile.ZipFile(blank).read("xl/workbook.xml")
    assert preflight(blank) == []
    assert preflight(Path(xlwings.__file__).parent / "quickstart.xlsm") == []
    assert preflight(Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam") == [
        "the Office 2010 ribbon (customUI14)"]


def test_numbers_of_any_numeric_type_are_numbers():
    from decimal import Decimal
    from fractions import Fraction

    wb = build_workbook("en-US")
    append_rows(wb, "claim_payments", [
        {"payment_id": "P1", "claim_no": "C1", "paid_date": np.datetime64("2026-10-31"), "amount": Decimal("1234.56")},
        {"payment_id": "P2", "claim_no": "C1", "paid_date": "2026-11-01", "amount": np.int64(7)},
        {"payment_id": "P4", "claim_no": "C1", "paid_date": "2026-13-45", "amount": 1.0},
        {"payment_id": "P3", "claim_no": "C1", "paid_date": dt.date(2026, 11, 2), "amount": Fraction(1, 4)},
    ])
    ws = find_sheet(wb, "claim_payments")
    assert [(ws.cell(r, 4).value, ws.cell(r, 4).data_type) for r in (2, 3, 5)] == [(1234.56, "n"), (7, "n"), (0.25, "n")]
    assert ws["C2"].value == dt.date(2026, 10, 31) and ws["C5"].value == dt.date(2026, 11, 2)
    assert ws["C3"].value == dt.date(2026, 11, 1) and ws["C3"].number_format == "yyyy-mm-dd"
    assert ws["C4"].value == "2026-13-45" and ws["C4"].data_type == "s"  # no date: kept for validation

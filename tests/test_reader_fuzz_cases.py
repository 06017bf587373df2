"""Each damaged workbook of tests/data/fuzz gives its exact one-line message, and the commands a
user runs on it exit 2 with that line on stderr and no traceback."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from addin.cli import main
from addin.errors import WorkbookReadError
from addin.io.reader import read_store

FUZZ = Path(__file__).parent / "data" / "fuzz"
REPO = Path(__file__).parent.parent
COMMANDS = (["info"], ["validate"], ["kpi", "--period", "2026-01"])

_SPREAD = ("refused, sheet {sheet} has a value in {far}, so it spans A1:{corner} ({cells} cells, more than "
           "25,000,000); delete the stray cells far to the right of or below the data and save it again.")
_FAR = _SPREAD.format(sheet="work_orders", far="XFD1048576", corner="XFD1048576", cells="17,179,869,184")
_DAMAGED = "the workbook is damaged or incomplete ({}); use an intact copy."

#: file -> its message after "FILE: "
CASES = {
    "zip_version_byte.xlsm": "the workbook is damaged: its zip directory describes a part in a way no Excel "
                             "writes (zip file version 21.3); use an intact copy.",
    "zip_encrypted_flag.xlsm": "the workbook is damaged: its part [Content_Types].xml is marked as a "
                               "password-protected zip entry, which Excel never writes; use an intact copy.",
    "stray_cell_nodim.xlsm": _SPREAD.format(sheet="Vehicles", far="XFD1048576", corner="XFD1048576",
                                            cells="17,179,869,184"),
    "stray_cell_stale_dim.xlsm": _SPREAD.format(sheet="Vehicles", far="XFD1048576", corner="XFD1048576",
                                                cells="17,179,869,184"),
    "truncated.xlsx": _DAMAGED.format("File is not a zip file"),
    "zip_unknown_method.xlsx": "the workbook is damaged: its part xl/worksheets/sheet1.xml is stored in a way no "
                               "Excel writes (That compression method is not supported); use an intact copy.",
    "zip_encrypted_sheet.xlsx": "the workbook is damaged: its part xl/worksheets/sheet1.xml is marked as a "
                                "password-protected zip entry, which Excel never writes; use an intact copy.",
    "zip_deflate_damaged.xlsx": _DAMAGED.format("xl/worksheets/sheet1.xml: Error -3 while decompressing data: "
                                                "invalid code lengths set"),
    "zip_bad_local_header.xlsx": _DAMAGED.format("docProps/app.xml: Bad magic number for file header"),
    "zip_name_not_utf8.xlsx": _DAMAGED.format("'utf-8' codec can't decode byte 0xff in position 19: invalid "
                                              "start byte"),
    "xml_workbook_not_well_formed.xlsx": _DAMAGED.format("xl/workbook.xml: unclosed token: line 1, column 121"),
    "xml_rels_not_well_formed.xlsx": _DAMAGED.format("xl/_rels/workbook.xml.rels: not well-formed (invalid "
                                                     "token): line 1, column 14"),
    "xml_sheet_not_well_formed.xlsx": _DAMAGED.format("sheet work_orders: XmlError: sheetData"),
    "part_missing_sheet.xlsx": _DAMAGED.format("sheet work_orders: no part xl/worksheets/sheet1.xml"),
    "part_missing_content_types.xlsx": "the workbook is damaged or incomplete (it lacks the part "
                                       "[Content_Types].xml every Excel file has); use an intact copy.",
    "stray_cell_prefixed.xlsx": _FAR,
    "stray_cell_attribute_order.xlsx": _FAR,
    "stray_cell_lowercase.xlsx": _FAR,
    "stray_cell_in_wrong_row.xlsx": _FAR,
    "stray_cell_no_reference.xlsx": _SPREAD.format(sheet="work_orders", far="AD1048576 / A1048576",
                                                   corner="AD1048576", cells="31,457,280"),
    "stray_cell_beyond_excel.xlsx": _SPREAD.format(sheet="work_orders", far="ZZZZ99999999", corner="ZZZZ99999999",
                                                   cells="47,525,399,524,746"),
    "shared_strings_unique_count.xlsx": "the workbook is damaged: its shared strings part xl/sharedStrings.xml "
                                        "declares 999,999,999 strings but its 154 bytes can hold at most 30; use an "
                                        "intact copy.",
    "backslash_names.xlsx": "a zip archive whose part names use backslashes (xl\\workbook.xml), as some Windows zip "
                            "tools write them, not an Excel workbook (Excel names its parts with forward slashes): "
                            "use the original workbook, or open it in Excel and save it again.",
    "workbook_elsewhere.xlsx": "a spreadsheet package whose workbook part is book/workbook.xml, not xl/workbook.xml "
                               "where Excel saves it (the file was written by another program); open it in Excel "
                               "and save it again.",
    "word_document.xlsx": "a Word document, not an Excel workbook; open it in its program and save the data as an "
                          "Excel workbook (.xlsx/.xlsm).",
}

#: Read like any workbook: an Excel 4.0 macro sheet beside the data; a formatted empty far cell.
READ = ("macro_sheet.xlsm", "far_empty_cell.xlsx")

#: Cases run as a user would, `python -m addin`, for every command: those that aborted the process
#: (and the zip ones that were internal errors); the others run in-process.
SUBPROCESS = ("stray_cell_nodim.xlsm", "stray_cell_stale_dim.xlsm", "stray_cell_prefixed.xlsx",
              "zip_version_byte.xlsm", "zip_encrypted_flag.xlsm", "shared_strings_unique_count.xlsx")


def run_cli(args: list[str]) -> tuple[int, str, str]:
    """main() in-process: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_every_file_has_a_case() -> None:
    files = {p.name for p in FUZZ.iterdir() if p.suffix in (".xlsx", ".xlsm")}
    assert files == set(CASES) | set(READ)


@pytest.mark.parametrize("name", sorted(CASES))
def test_message(name: str) -> None:
    with pytest.raises(WorkbookReadError) as info:
        read_store(FUZZ / name)
    assert info.value.message() == f"{name}: {CASES[name]}"
    assert info.value.exit_code == 2
    assert "\n" not in info.value.message("zh-CN")


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_commands_exit_2(name: str, command: list[str]) -> None:
    code, _, err = run_cli([*command, str(FUZZ / name)])
    assert (code, err) == (2, f"{name}: {CASES[name]}\n")


@pytest.mark.parametrize("name", SUBPROCESS)
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_commands_exit_2_as_a_process(name: str, command: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("SERVICE_ADDIN_LOCALE", None)
    result = subprocess.run([sys.executable, "-m", "addin", *command, str(FUZZ / name)], capture_output=True,
                            text=True, env=env, timeout=120)
    assert (result.returncode, result.stderr) == (2, f"{name}: {CASES[name]}\n")


@pytest.mark.parametrize("name", READ)
def test_read_like_any_workbook(name: str) -> None:
    store = read_store(FUZZ / name)
    assert store.tables["work_orders"]["wo_no"].tolist() == ["W1", "W2"]
    code, out, err = run_cli(["info", str(FUZZ / name)])
    assert (code, err) == (0, "")
    assert "2 rows" in out


def test_chinese_messages() -> None:
    messages = {}
    for name in ("zip_encrypted_flag.xlsm", "stray_cell_nodim.xlsm", "shared_strings_unique_count.xlsx",
                 "word_document.xlsx", "backslash_names.xlsx", "zip_version_byte.xlsm"):
        with pytest.raises(WorkbookReadError) as info:
            read_store(FUZZ / name)
        messages[name] = info.value.message("zh-CN")
    assert messages == {
        "zip_encrypted_flag.xlsm": "zip_encrypted_flag.xlsm：工作簿已损坏：其部件 [Content_Types].xml 被标记为带密码的 "
                                   "zip 条目，Excel 从不这样写入；请使用完好的副本。",
        "stray_cell_nodim.xlsm": "stray_cell_nodim.xlsm：已拒绝，工作表 Vehicles 在 XFD1048576 有值，使用区域因此为 "
                                 "A1:XFD1048576（17,179,869,184 个单元格，超过 25,000,000）；请删除数据右侧或下方远处的"
                                 "多余单元格后重新保存。",
        "shared_strings_unique_count.xlsx": "shared_strings_unique_count.xlsx：工作簿已损坏：共享字符串部件 "
                                            "xl/sharedStrings.xml 声明有 999,999,999 个字符串，但其 154 字节最多只能"
                                            "容纳 30 个；请使用完好的副本。",
        "word_document.xlsx": "word_document.xlsx：Word 文档，不是 Excel 工作簿；请在相应程序中打开，并把数据另存为 "
                              "Excel 工作簿（.xlsx/.xlsm）。",
        "backslash_names.xlsx": "backslash_names.xlsx：这个 zip 压缩包的部件名使用反斜杠（xl\\workbook.xml），是某些 "
                                "Windows 压缩工具的写法，不是 Excel 工作簿（Excel 的部件名使用正斜杠）：请使用原工作簿，"
                                "或在 Excel 中打开后重新保存。",
        "zip_version_byte.xlsm": "zip_version_byte.xlsm：工作簿已损坏：其 zip 目录对某个部件的描述不是 Excel 会写入的"
                                 "（zip file version 21.3）；请使用完好的副本。",
    }

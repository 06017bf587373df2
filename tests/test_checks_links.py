"""Issue 13: each row of the checks sheet links to the cell it reports, whichever engine writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from addin.io.builder import build
from addin.io.edit import WorkbookEdit, apply_edit
from addin.io.writer import find_sheet

ROWS = [
    {"sheet": "维修工单", "row": 7, "column": "车牌号", "severity": "warning", "rule": "WO-PLATE", "message": "x"},
    {"sheet": "工单明细", "row": 3, "column": None, "severity": "error", "rule": "LN-QTY", "message": "y"},
    {"sheet": "Settings", "row": None, "column": None, "severity": "error", "rule": "SET-X", "message": "z"},
    {"sheet": "no such sheet", "row": 2, "column": "A", "severity": "error", "rule": "R", "message": "w"},
]


@pytest.mark.parametrize("engine", ["auto", "openpyxl"])
def test_checks_rows_link_to_their_cells(tmp_path: Path, engine: str) -> None:
    book = build(tmp_path / "Service.xlsx", "zh-CN", backup=False)
    done = apply_edit(book, WorkbookEdit(replacements={"checks": ROWS}), locale="zh-CN", backup=False,
                      engine=engine)
    assert done.engine == "openpyxl"  # the part-level engine leaves the links to openpyxl
    wb = load_workbook(book)
    plate = next(c for c in find_sheet(wb, "work_orders")[1] if c.value == "车牌号").column_letter
    ws = find_sheet(wb, "checks")
    links = {c.coordinate: c.hyperlink.location for c in ws["A"] if c.hyperlink}
    assert links == {"A2": f"'维修工单'!{plate}7", "A3": "'工单明细'!A3", "A4": "'设置'!A1"}
    assert ws["A2"].font.underline == "single" and ws["A5"].hyperlink is None
    # a second write replaces the links with those of the new rows
    apply_edit(book, WorkbookEdit(replacements={"checks": ROWS[1:2]}), locale="zh-CN", backup=False)
    ws = find_sheet(load_workbook(book), "checks")
    assert {c.coordinate: c.hyperlink.location for c in ws["A"] if c.hyperlink} == {"A2": "'工单明细'!A3"}


def test_the_package_engine_refuses_a_checks_edit_before_writing(tmp_path: Path) -> None:
    from addin.io.package import FastPathUnavailable

    book = build(tmp_path / "Service.xlsx", "en-US", backup=False)
    before = book.read_bytes()
    with pytest.raises(FastPathUnavailable):
        apply_edit(book, WorkbookEdit(replacements={"checks": ROWS[:1]}), locale="en-US", backup=False,
                   engine="package")
    assert book.read_bytes() == before

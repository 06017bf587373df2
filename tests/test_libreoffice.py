"""LibreOffice as an independent engine: recalculation on load and PDF output."""

from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from addin import libreoffice
from tests.conftest import need_tool


def test_recalculates_formulas_on_load(tmp_path: Path) -> None:
    need_tool("soffice")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["A2"] = 2, 3
    ws["A3"] = "=A1*A2+SUMPRODUCT((A1:A2>1)*1)"  # openpyxl stores no cached value
    wb.save(tmp_path / "f.xlsx")
    out = libreoffice.convert(tmp_path / "f.xlsx", "xlsx", tmp_path / "out")
    values = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert values[2][0] == 8.0


def test_many_files_to_pdf_in_one_run(tmp_path: Path) -> None:
    need_tool("soffice", "pdftotext")
    import subprocess

    paths = []
    for name, text in (("a", "门店 A"), ("b", "Store B")):
        wb = openpyxl.Workbook()
        wb.active["A1"] = text
        wb.save(tmp_path / f"{name}.xlsx")
        paths.append(tmp_path / f"{name}.xlsx")
    outs = libreoffice.convert(paths, "pdf", tmp_path / "pdf")
    assert [p.name for p in outs] == ["a.pdf", "b.pdf"]
    assert "门店 A" in subprocess.run(["pdftotext", str(outs[0]), "-"], capture_output=True, text=True).stdout


def test_missing_libreoffice_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(libreoffice.shutil, "which", lambda name: None)
    assert libreoffice.available("zh-CN") is not None and "LibreOffice" in libreoffice.available("zh-CN")
    with pytest.raises(libreoffice.ConversionError) as err:
        libreoffice.convert(tmp_path / "x.xlsx", "pdf", tmp_path)
    assert err.value.message("en-US").startswith("LibreOffice is not installed")

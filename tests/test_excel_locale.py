"""`service-addin locale WORKBOOK zh-CN|en-US`: the locale setting and the ribbon's static labels
rewritten in place, atomically, every other part's content unchanged."""

from __future__ import annotations

import zipfile
from pathlib import Path

import defusedxml.ElementTree as ET
import pytest

from addin import vba
from addin.cli import main
from addin.io.builder import build
from addin.io.reader import read_store

NS = {"ui": vba.CUSTOM_UI_NS}


@pytest.fixture(scope="module")
def built_en(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("locale") / "Service.xlsm"
    build(path, "en-US")
    return path.read_bytes()


def _labels(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as zf:
        ribbon = ET.fromstring(zf.read(vba.CUSTOM_UI_PART))
    return {e.get("id"): e.get("label") for e in ribbon.iter() if e.get("label")} | {
        "tag": ribbon.find(".//ui:button[@id='ButtonSettings']", NS).get("tag")}


def test_locale_rewrites_labels_and_setting_and_nothing_else(built_en, tmp_path, capsys) -> None:
    book = tmp_path / "Service.xlsm"
    book.write_bytes(built_en)
    assert main(["locale", str(book), "zh-CN"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"{book}：语言设置和功能区文字已改为 zh-CN。"
    assert f"{book}.bak" in out
    assert (tmp_path / "Service.xlsm.bak").read_bytes() == built_en
    labels = _labels(book)
    assert labels["ButtonValidate"] == "校验数据" and labels["GroupCheck"] == "检查" and labels["tag"] == "zh-CN"
    assert labels["ServiceTab"] == "Service 售后"
    assert read_store(book).settings.locale == "zh-CN"
    with zipfile.ZipFile(book.with_name("Service.xlsm.bak")) as before, zipfile.ZipFile(book) as after:
        assert [i.filename for i in after.infolist()] == [i.filename for i in before.infolist()]
        changed = sorted(n for n in before.namelist() if before.read(n) != after.read(n))
        assert changed == sorted([vba.CUSTOM_UI_PART, "xl/worksheets/sheet1.xml"])
        assert after.read("xl/vbaProject.bin") == before.read("xl/vbaProject.bin")
        assert after.testzip() is None
    from pyopenvba import check_file

    assert check_file(book).ok
    # ... and back: the ribbon part is the one a build in en-US writes.
    assert main(["locale", str(book), "en-US"]) == 0
    with zipfile.ZipFile(book) as zf:
        assert zf.read(vba.CUSTOM_UI_PART) == vba.ribbon_xml("en-US")
    assert read_store(book).settings.locale == "en-US"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Service.xlsm", "Service.xlsm.bak"]


def test_locale_refuses_a_workbook_open_in_excel(built_en, tmp_path, capsys) -> None:
    book = tmp_path / "Service.xlsm"
    book.write_bytes(built_en)
    (tmp_path / "~$Service.xlsm").write_bytes(b"lock")
    assert main(["locale", str(book), "zh-CN"]) == 2
    assert "Service.xlsm" in capsys.readouterr().err
    assert book.read_bytes() == built_en
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Service.xlsm", "~$Service.xlsm"]


def test_locale_of_a_workbook_without_ribbon(tmp_path, capsys) -> None:
    book = tmp_path / "layout.xlsx"
    build(book, "zh-CN", backup=False)
    assert main(["locale", str(book), "en-US"]) == 0
    assert "(the workbook has no ribbon)" in capsys.readouterr().out
    assert read_store(book).settings.locale == "en-US"


def test_locale_command_is_listed(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["locale", "--help"])
    assert "zh-CN" in capsys.readouterr().out

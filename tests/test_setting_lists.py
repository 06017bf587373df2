"""issue 13: the insurer and payer dropdowns list the names the settings hold (addin.io.setting_lists),
laid out by the builder and refreshed alike by both file engines whenever the settings are written."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from addin.io.builder import build, build_workbook
from addin.io.edit import WorkbookEdit, apply_edit
from addin.io.setting_lists import list_values
from addin.store import split_names


def _lists(path: Path) -> tuple[dict[str, list[Any]], dict[str, str]]:
    """The Insurer and Payer columns of the lists sheet (to their last name) and their defined names."""
    wb = load_workbook(path)
    ws = wb["lists"]
    cols = {c.value: c.column for c in ws[1]}
    out: dict[str, list[Any]] = {}
    for name in ("Insurer", "Payer"):
        values = [ws.cell(r, cols[name]).value for r in range(2, ws.max_row + 1)]
        while values and values[-1] is None:
            values.pop()
        out[name] = values
    return out, {n: wb.defined_names[n].attr_text for n in ("lst_Insurer", "lst_Payer")}


def test_names_are_split_on_semicolons_else_commas() -> None:
    assert split_names("PICC P&C; Ping An；CPIC ;; PICC P&C") == ["PICC P&C", "Ping An", "CPIC"]
    assert split_names("人保，平安,太平洋") == ["人保", "平安", "太平洋"]
    # A name holding a comma: semicolons separate, or a single name ends with one.
    assert split_names("Aurora Automobile Co., Ltd.;") == ["Aurora Automobile Co., Ltd."]
    assert split_names(None) == [] and split_names("  ") == []
    # The payers' list is the payers, then the insurers not already named.
    assert list_values({"insurers": "B; A", "payers": "M; A"}) == {"Insurer": ["B", "A"], "Payer": ["M", "A", "B"]}


def test_the_builder_lays_out_the_lists_and_warning_dropdowns() -> None:
    wb = build_workbook("zh-CN")
    ws = wb["lists"]
    header = [c.value for c in ws[1]]
    assert header[-2:] == ["Insurer", "Payer"] and ws.sheet_state == "veryHidden"
    # Empty in a new workbook: one blank cell, as a defined name needs a range.
    n = len(header)
    assert wb.defined_names["lst_Payer"].attr_text == "lists!$AA$2:$AA$2" and n == 27
    found = {}
    for title, column in (("客户车辆档案", "I"), ("维修工单", "Z"), ("索赔台账", "E"), ("续保跟进", "I")):
        dvs = [dv for dv in wb[title].data_validations.dataValidation if str(dv.sqref) == f"{column}2:{column}1048576"]
        assert len(dvs) == 1, title
        found[title] = (dvs[0].formula1, dvs[0].errorStyle, dvs[0].prompt)
    assert found == {
        "客户车辆档案": ("lst_Insurer", "warning", "从设置中的保险公司（insurers）选择，或输入新的保险公司。"),
        "维修工单": ("lst_Insurer", "warning", "从设置中的保险公司（insurers）选择，或输入新的保险公司。"),
        "索赔台账": ("lst_Payer", "warning",
                     "必填。厂家或保险公司。从设置中的付款方或保险公司（payers、insurers）选择，或输入新的付款方。"),
        "续保跟进": ("lst_Insurer", "warning", "从设置中的保险公司（insurers）选择，或输入新的保险公司。"),
    }


def test_both_engines_refresh_the_lists_when_the_settings_change(tmp_path: Path) -> None:
    built = build(tmp_path / "Service.xlsx", "en-US", backup=False)
    seen = []
    for engine in ("package", "openpyxl"):
        book = tmp_path / f"{engine}.xlsx"
        shutil.copyfile(built, book)
        done = apply_edit(book, WorkbookEdit(settings={"insurers": "PICC P&C; Ping An Insurance; PICC P&C",
                                                       "payers": "Aurora Automobile Co., Ltd.;"}),
                          locale="en-US", backup=False, engine=engine)
        assert done.engine == engine
        first = _lists(book)
        # Fewer names later: the column is cleared below them and the range shrinks.
        apply_edit(book, WorkbookEdit(settings={"insurers": "CPIC"}), locale="en-US", backup=False, engine=engine)
        seen.append((first, _lists(book)))
    assert seen[0] == seen[1]
    assert seen[0][0] == ({"Insurer": ["PICC P&C", "Ping An Insurance"],
                           "Payer": ["Aurora Automobile Co., Ltd.", "PICC P&C", "Ping An Insurance"]},
                          {"lst_Insurer": "lists!$Z$2:$Z$3", "lst_Payer": "lists!$AA$2:$AA$4"})
    assert seen[0][1] == ({"Insurer": ["CPIC"], "Payer": ["Aurora Automobile Co., Ltd.", "CPIC"]},
                          {"lst_Insurer": "lists!$Z$2:$Z$2", "lst_Payer": "lists!$AA$2:$AA$3"})


def test_the_live_engine_refreshes_the_lists_as_the_file_engines_do(tmp_path: Path) -> None:
    from addin.xl.book import LiveBook
    from addin.xl.edit import apply_to_live
    from addin.xl.fake import FakeBook

    built = build(tmp_path / "Service.xlsx", "en-US", backup=False)
    fake = FakeBook.from_file(built)
    live = LiveBook(fake)

    def lists() -> tuple[dict[str, list[Any]], dict[str, str]]:
        rows = fake.sheets["lists"].rows()
        cols = {name: rows[0].index(name) for name in ("Insurer", "Payer")}
        out = {}
        for name, j in cols.items():
            values = [r[j] for r in rows[1:]]
            while values and values[-1] is None:
                values.pop()
            out[name] = values
        return out, dict(fake.names.refers_to)

    apply_to_live(live, live.read_store(), WorkbookEdit(settings={"insurers": "PICC P&C; Ping An Insurance; PICC P&C",
                                                                  "payers": "Aurora Automobile Co., Ltd.;"}))
    assert lists() == ({"Insurer": ["PICC P&C", "Ping An Insurance"],
                        "Payer": ["Aurora Automobile Co., Ltd.", "PICC P&C", "Ping An Insurance"]},
                       {"lst_Insurer": "=lists!$Z$2:$Z$3", "lst_Payer": "=lists!$AA$2:$AA$4"})
    apply_to_live(live, live.read_store(), WorkbookEdit(settings={"insurers": "CPIC"}))
    assert lists() == ({"Insurer": ["CPIC"], "Payer": ["Aurora Automobile Co., Ltd.", "CPIC"]},
                       {"lst_Insurer": "=lists!$Z$2:$Z$2", "lst_Payer": "=lists!$AA$2:$AA$3"})
    # Settings that leave the lists as they are define no name again.
    fake.names.refers_to.clear()
    apply_to_live(live, live.read_store(), WorkbookEdit(settings={"open_period": "2026-11"}))
    assert fake.names.refers_to == {}


def test_settings_that_leave_the_lists_as_they_are_leave_their_parts_untouched(tmp_path: Path) -> None:
    book = build(tmp_path / "Service.xlsx", "en-US", backup=False)
    apply_edit(book, WorkbookEdit(settings={"insurers": "A; B"}), locale="en-US", backup=False, engine="package")
    with zipfile.ZipFile(book) as zf:
        before = {n: zf.read(n) for n in ("xl/workbook.xml", *[n for n in zf.namelist() if n.startswith("xl/worksheets/")])}
    # A close sets open_period: the lists and the workbook part are copied as they are.
    apply_edit(book, WorkbookEdit(settings={"open_period": "2026-11"}), locale="en-US", backup=False, engine="package")
    with zipfile.ZipFile(book) as zf:
        changed = sorted(n for n, data in before.items() if zf.read(n) != data)
    assert changed == ["xl/worksheets/sheet1.xml"]  # the settings sheet only


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_the_demo_workbook_lists_the_insurers_its_claims_use(tmp_path: Path, locale: str) -> None:
    from addin.cli import main
    from addin.io.reader import read_store

    out = tmp_path / "DEMO01.xlsm"
    assert main(["demo", "--size", "small", "--months", "2", "--locale", locale, "--out", str(out)]) == 0
    store = read_store(out)
    lists, names = _lists(out)
    claims = store.table("claims")
    insured = set(claims.loc[claims["claim_type"] == "insurance", "payer"])
    assert insured and insured <= set(lists["Insurer"])
    assert set(claims["payer"]) <= set(lists["Payer"])
    assert lists["Insurer"] == store.settings.insurers and len(lists["Insurer"]) == 5
    manufacturer = "极光汽车有限公司" if locale == "zh-CN" else "Aurora Automobile Co., Ltd."
    assert lists["Payer"] == [manufacturer, *lists["Insurer"]]
    assert names == {"lst_Insurer": "lists!$Z$2:$Z$6", "lst_Payer": "lists!$AA$2:$AA$7"}

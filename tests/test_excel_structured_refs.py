"""Structured references in the built workbook, held against Excel's grammar: a column name that
holds one of , : . [ ] # ' " { } $ ^ & * + = - > < / (or a tab or line break) needs the
double-bracket form ``tbl[[WO no.]]``, and inside a column specifier [ ] # ' are escaped with an
apostrophe. Excel drops a defined name that breaks the rule when it opens the file ("repaired
records: named range"), and the dropdowns built on it lose their lists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from addin.io.builder import STRUCTURED_SPECIAL, build, structured_ref
from addin.models import LOCALES, SHEETS

_TABLE_START = re.compile(r"\b(tbl[A-Za-z0-9_]+)\[")


def _bracket(text: str, start: int) -> tuple[str, int]:
    """The raw text inside the bracket opening at ``start`` and the index after its close; an
    apostrophe escapes the next character, an unescaped [ opens a nested bracket."""
    assert text[start] == "["
    depth, i = 0, start
    while i < len(text):
        ch = text[i]
        if ch == "'":
            i += 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return text[start + 1:i], i + 1
        i += 1
    raise AssertionError(f"unclosed structured reference in {text!r}")


def _unescape(item: str) -> str:
    return re.sub(r"'(.)", r"\1", item)


def structured_refs(formula: str) -> list[tuple[str, str, list[str]]]:
    """(table, form, raw column items) of every structured reference in ``formula``; form is
    "single" for ``tbl[Col]`` and "double" for ``tbl[[...],...]``. Special items (#This Row) and
    the @ of the this-row form are left out of the items."""
    found = []
    for match in _TABLE_START.finditer(formula):
        inner, _ = _bracket(formula, match.end() - 1)
        body = inner[1:] if inner.startswith("@") else inner
        if not body.startswith("["):
            found.append((match.group(1), "single", [body]))
            continue
        items, i = [], 0
        while i < len(body):
            if body[i] in ", :":
                i += 1
                continue
            item, i = _bracket(body, i)
            items.append(item)
        found.append((match.group(1), "double", [it for it in items if not it.startswith("#")]))
    return found


def check_reference(table: str, form: str, items: list[str], columns: dict[str, list[str]]) -> list[str]:
    """What is wrong with one structured reference: an unknown table or column (a missing or
    wrong escape shows as one), or a special character in the single-bracket form."""
    problems = []
    if table not in columns:
        return [f"{table}: no such table"]
    for raw in items:
        name = _unescape(raw)
        if name not in columns[table]:
            problems.append(f"{table}[{raw}]: no column {name!r}")
        if form == "single" and (STRUCTURED_SPECIAL.intersection(name) or raw != name):
            problems.append(f"{table}[{raw}]: needs the double-bracket form")
    return problems


def test_the_checker_knows_the_rule() -> None:
    columns = {"tblWorkOrders": ["WO no.", "VIN", "a'b#[c]"]}
    assert structured_refs("=COUNTIFS(tblWorkOrders[[WO no.]],1,tblWorkOrders[VIN],2)") == [
        ("tblWorkOrders", "double", ["WO no."]), ("tblWorkOrders", "single", ["VIN"])]
    assert check_reference("tblWorkOrders", "single", ["WO no."], columns) == [
        "tblWorkOrders[WO no.]: needs the double-bracket form"]
    assert check_reference("tblWorkOrders", "double", ["a'b#[c]"], columns)  # unescaped
    assert structured_refs("=tblWorkOrders[[#This Row],[a'''b'#'[c']]]") == [
        ("tblWorkOrders", "double", ["a'''b'#'[c']"])]
    assert check_reference("tblWorkOrders", "double", ["a'''b'#'[c']"], columns) == []


@pytest.mark.parametrize("label", ["VIN", "Qty / hours", "WO no.", "工单号", "a'b", "#x[1]", "x-y", "价格（元）"])
def test_structured_ref_follows_the_rule(label: str) -> None:
    ref = structured_ref("tblX", label)
    [(table, form, items)] = structured_refs(ref)
    assert check_reference(table, form, items, {"tblX": [label]}) == [], ref


@pytest.fixture(scope="module", params=LOCALES)
def built(request, tmp_path_factory) -> tuple[str, Path]:
    path = tmp_path_factory.mktemp(f"refs-{request.param}") / "layout.xlsx"
    build(path, request.param)
    return request.param, path


def test_every_defined_name_and_formula_follows_the_rule(built) -> None:
    locale, path = built
    wb = load_workbook(path)
    columns = {t.displayName: [c.name for c in t.tableColumns] for ws in wb.worksheets for t in ws.tables.values()}
    assert len(columns) == len(SHEETS)
    texts = [(f"name {name}", dn.attr_text) for name, dn in wb.defined_names.items()]
    for ws in wb.worksheets:
        texts += [(f"{ws.title}!{c.coordinate}", c.value) for row in ws.iter_rows() for c in row
                  if c.data_type == "f" and isinstance(c.value, str)]
        texts += [(f"{ws.title} validation {dv.sqref}", dv.formula1) for dv in ws.data_validations.dataValidation
                  if dv.formula1]
    refs = [(where, ref) for where, text in texts for ref in structured_refs(text)]
    problems = [f"{where}: {p}" for where, (table, form, items) in refs for p in check_reference(table, form, items, columns)]
    assert problems == []
    # The names of every reference dropdown and the dashboard's live formulas are all there.
    names = [where for where, _ in refs if where.startswith("name ")]
    from addin.io.builder import LISTED_FROM

    listed = {col.ref for spec in SHEETS.values() for col in spec.columns if col.ref} | set(LISTED_FROM.values())
    assert len(names) == len(listed)  # the reference dropdowns and the team list (issue 13)
    assert len(refs) > len(names) + 50
    if locale == "en-US":
        attr = {name: dn.attr_text for name, dn in wb.defined_names.items()}
        assert attr["ref_work_orders_wo_no"] == "tblWorkOrders[[WO no.]]"
        assert attr["ref_vehicles_vin"] == "tblVehicles[VIN]"
        doubled = [where for where, (_, form, _) in refs if form == "double" and where.startswith("name ")]
        assert len(doubled) >= 3

"""The Service ribbon (macros/ribbon.xml) against the VBA that answers it (macros/*.bas) and the
Python that the VBA calls (addin.xl.entry)."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import defusedxml.ElementTree as ET
import pytest

from addin import vba

NS = {"ui": vba.CUSTOM_UI_NS}
SOURCES = vba.macro_sources()
ALL_VBA = "\n".join(SOURCES.values())
RIBBON = ET.fromstring(vba.ribbon_xml())
#: Microsoft's published Excel control ids (tests/data/README.md names the source).
EXCEL_CONTROL_IDS = frozenset(
    (Path(__file__).parent / "data" / "excel_imagemso.txt").read_text(encoding="utf-8").split())


def subs_with_signature(pattern: str) -> set[str]:
    return set(re.findall(rf"^Sub (\w+)\({pattern}\)\r?$", ALL_VBA, re.MULTILINE))


def run_python_commands() -> list[tuple[str, str]]:
    """(Sub, Python command) of every RunPython call in the macros."""
    found = []
    for name, body in re.findall(r"^Sub (\w+)\(.*?\)\r?\n(.*?)^End Sub", ALL_VBA, re.MULTILINE | re.DOTALL):
        found += [(name, command) for command in re.findall(r'RunPython "([^"]*)"', body)]
    return found


def test_ribbon_is_the_2006_flavour_with_groups_in_order() -> None:
    assert RIBBON.tag == f"{{{vba.CUSTOM_UI_NS}}}customUI"
    tab = RIBBON.find("ui:ribbon/ui:tabs/ui:tab", NS)
    assert tab.get("label") == "Service 售后"
    groups = [g.get("tag") for g in tab.findall("ui:group", NS)]
    assert groups == ["Check|检查", "Close|月结", "Reports|报表", "Parts|配件", "Help|帮助"]


def test_every_on_action_names_a_sub_taking_the_ribbon_control() -> None:
    callbacks = subs_with_signature(r"control As IRibbonControl")
    actions = [b.get("onAction") for b in RIBBON.iter(f"{{{vba.CUSTOM_UI_NS}}}button")]
    assert len(actions) == 14
    assert set(actions) <= callbacks, set(actions) - callbacks
    # ... and every such Sub is on the ribbon: no callback is left without its button.
    assert callbacks == set(actions)
    ids = [e.get("id") for e in RIBBON.iter() if e.get("id")]
    assert len(ids) == len(set(ids))


def test_every_label_comes_from_get_label_in_both_languages() -> None:
    assert subs_with_signature(r"control As IRibbonControl, ByRef label") == {"GetLabel"}
    for element in [*RIBBON.iter(f"{{{vba.CUSTOM_UI_NS}}}group"), *RIBBON.iter(f"{{{vba.CUSTOM_UI_NS}}}button")]:
        assert element.get("getLabel") == "GetLabel", element.get("id")
        en, zh = element.get("tag").split("|")
        assert en.isascii() and en.strip() and zh.strip() and not zh.isascii(), element.get("id")
    for button in RIBBON.iter(f"{{{vba.CUSTOM_UI_NS}}}button"):
        assert re.fullmatch(r"[A-Za-z]+", button.get("imageMso") or ""), button.get("id")


def test_each_callback_is_one_run_python_line() -> None:
    commands = run_python_commands()
    assert len(commands) == 14
    for name, body in re.findall(r"^Sub (\w+)\(control As IRibbonControl\)\r?\n(.*?)^End Sub", ALL_VBA,
                                 re.MULTILINE | re.DOTALL):
        assert len(body.strip().splitlines()) == 1, name


@pytest.mark.parametrize("sub,command", run_python_commands())
def test_every_run_python_target_imports_and_is_callable(sub: str, command: str) -> None:
    tree = ast.parse(command)
    imports, call = tree.body[:-1], tree.body[-1]
    assert all(isinstance(node, ast.Import) for node in imports), sub
    aliases = {a.asname or a.name: importlib.import_module(a.name) for node in imports for a in node.names}
    assert isinstance(call, ast.Expr) and isinstance(call.value, ast.Call), sub
    func = call.value.func
    assert isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name), sub
    target = getattr(aliases[func.value.id], func.attr)
    assert callable(target), sub
    args = [ast.literal_eval(a) for a in call.value.args]
    inspect.signature(target).bind(*args)
    if func.attr == "report":
        from addin.reports import REPORT_NAMES

        assert args[0] in REPORT_NAMES, args


def test_every_image_is_one_of_excel_s_own_controls() -> None:
    assert len(EXCEL_CONTROL_IDS) > 2000 and "TableInsertExcel" in EXCEL_CONTROL_IDS
    images = {e.get("id"): e.get("imageMso") for e in RIBBON.iter() if e.get("imageMso")}
    assert len(images) == 14
    assert {button: image for button, image in images.items() if image not in EXCEL_CONTROL_IDS} == {}
    # Word's and Outlook's ids that show as blank buttons in Excel.
    assert not {"TableInsert", "AddressBook", "ContactPictureMenu"} & set(images.values())

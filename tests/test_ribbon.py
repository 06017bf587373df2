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
TEMPLATE = ET.fromstring(vba.ribbon_template())
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
    groups = [g.get("label") for g in tab.findall("ui:group", NS)]
    assert groups == ["Check", "Front desk", "Close", "Reports", "Parts", "Help"]  # issue 18: Front desk


def test_every_on_action_names_a_sub_taking_the_ribbon_control() -> None:
    callbacks = subs_with_signature(r"control As IRibbonControl")
    actions = [b.get("onAction") for b in RIBBON.iter(f"{{{vba.CUSTOM_UI_NS}}}button")]
    assert len(actions) == 20  # issue 16: Import; issue 18: Workshop board, Print job documents; issues 11-12: appraisal, tools, registers
    assert set(actions) <= callbacks, set(actions) - callbacks
    # ... and every such Sub is on the ribbon: no callback is left without its button.
    assert callbacks == set(actions)
    ids = [e.get("id") for e in RIBBON.iter() if e.get("id")]
    assert len(ids) == len(set(ids))


def test_template_holds_every_label_in_both_languages() -> None:
    controls = [*TEMPLATE.iter(f"{{{vba.CUSTOM_UI_NS}}}group"), *TEMPLATE.iter(f"{{{vba.CUSTOM_UI_NS}}}button")]
    assert len(controls) == 26  # issue 16: Import; issue 18: the Front desk group and its two buttons; issues 11-12: appraisal, tools, registers
    labels = vba.ribbon_labels()
    assert sorted(labels) == sorted(e.get("id") for e in controls)
    for control, (en, zh) in labels.items():
        assert en.isascii() and en.strip() and zh.strip() and not zh.isascii(), control


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_labels_are_static_in_the_locale_and_callbacks_only_act(locale: str) -> None:
    """Labels show before macros are enabled: written into the part, no getLabel anywhere."""
    ribbon = ET.fromstring(vba.ribbon_xml(locale))
    half = 1 if locale == "zh-CN" else 0
    labels = vba.ribbon_labels()
    for element in ribbon.iter():
        callbacks = {k: v for k, v in element.attrib.items() if k.startswith("get") or k.startswith("on")}
        assert set(callbacks) <= {"onAction"}, (element.get("id"), callbacks)
        if element.get("id") in labels:
            assert element.get("label") == labels[element.get("id")][half]
    assert ribbon.find(".//ui:button[@id='ButtonSettings']", NS).get("tag") == locale
    assert b"getLabel" not in vba.ribbon_xml(locale) and not subs_with_signature(r"control As IRibbonControl, ByRef \w+")
    assert not [e.get("id") for e in ribbon.iter() if "|" in (e.get("label") or "")]


def test_localize_ribbon_rewrites_labels_in_place() -> None:
    built = vba.ribbon_xml("en-US")
    again = vba.localize_ribbon(vba.localize_ribbon(built, "zh-CN"), "en-US")
    assert again == built
    # An older ribbon with getLabel callbacks gets static labels instead.
    old = (b'<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui"><ribbon><tabs><tab id="T" label="x">'
           b'<group id="GroupCheck" getLabel="GetLabel" tag="Check|&#26816;&#26597;"><button id="ButtonSettings" '
           b'getLabel="GetLabel" onAction="OpenSettings"/></group></tab></tabs></ribbon></customUI>')
    new = ET.fromstring(vba.localize_ribbon(old, "zh-CN"))
    group = new.find(".//ui:group", NS)
    assert group.get("label") == "检查" and group.get("getLabel") is None
    button = new.find(".//ui:button", NS)
    assert (button.get("label"), button.get("tag"), button.get("getLabel")) == ("设置", "zh-CN", None)


def test_each_callback_is_one_run_python_line() -> None:
    commands = run_python_commands()
    assert len(commands) == 20  # issue 16: Import; issue 18: Workshop board, Print job documents; issues 11-12: appraisal, tools, registers
    for name, body in re.findall(r"^Sub (\w+)\(control As IRibbonControl\)\r?\n(.*?)^End Sub", ALL_VBA,
                                 re.MULTILINE | re.DOTALL):
        lines = body.strip().splitlines()
        # The Settings button also checks that the ribbon's language is the locale setting's.
        extra = ["ThisWorkbook.CheckRibbonLocale control.Tag"] if name == "OpenSettings" else []
        assert [line.strip() for line in lines[1:]] == extra, name


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
    assert len(images) == 20  # issue 16: Import; issue 18: Workshop board, Print job documents; issues 11-12: appraisal, tools, registers
    assert {button: image for button, image in images.items() if image not in EXCEL_CONTROL_IDS} == {}
    # Word's and Outlook's ids that show as blank buttons in Excel.
    assert not {"TableInsert", "AddressBook", "ContactPictureMenu"} & set(images.values())

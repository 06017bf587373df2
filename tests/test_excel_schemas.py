"""Every XML part of the built Service.xlsm (both locales) and of a closed demo store, validated by
libxml2 (lxml) against the ECMA-376 transitional schemas and Microsoft's customUI schema kept in
tests/data (tests/data/README.md names their sources), after the Markup Compatibility pass Office
itself makes: attributes and elements of the namespaces a part lists in mc:Ignorable are dropped,
and mc:AlternateContent is replaced by its mc:Fallback."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from functools import cache
from pathlib import Path

import pytest

etree = pytest.importorskip("lxml.etree")

from addin.io.builder import build  # noqa: E402
from addin.models import LOCALES  # noqa: E402

XSD = Path(__file__).parent / "data" / "ooxml"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
#: Root namespace of a part -> its schema.
SCHEMAS = {
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main": "sml.xsd",
    "http://schemas.openxmlformats.org/drawingml/2006/main": "dml-main.xsd",
    # the dashboard's chart (issue 13): its drawing part and the chart part
    "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing": "dml-spreadsheetDrawing.xsd",
    "http://schemas.openxmlformats.org/drawingml/2006/chart": "dml-chart.xsd",
    "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties": "shared-documentPropertiesExtended.xsd",
    "http://schemas.openxmlformats.org/package/2006/content-types": "opc-xsd/opc-contentTypes.xsd",
    "http://schemas.openxmlformats.org/package/2006/relationships": "opc-xsd/opc-relationships.xsd",
    "http://schemas.microsoft.com/office/2006/01/customui": "customUI.patched.xsd",
}
#: Parts not validated, and why.
SKIPPED = {
    # opc-coreProperties.xsd imports the Dublin Core schemas from dublincore.org: not fetched in tests.
    "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
}


@cache
def schema(name: str):  # type: ignore[no-untyped-def]
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(XSD / name), parser))


def compatibility_pass(root):  # type: ignore[no-untyped-def]
    """The part as a consumer of the transitional schemas sees it (ECMA-376 Part 3)."""
    ignorable: set[str] = set()
    for element in root.iter():
        prefixes = element.get(f"{{{MC}}}Ignorable")
        if prefixes:
            ignorable |= {element.nsmap[p] for p in prefixes.split() if p in element.nsmap}
    for alternate in list(root.iter(f"{{{MC}}}AlternateContent")):
        fallback = alternate.find(f"{{{MC}}}Fallback")
        parent = alternate.getparent()
        index = parent.index(alternate)
        parent.remove(alternate)
        for child in reversed(list(fallback) if fallback is not None else []):
            parent.insert(index, child)
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        if etree.QName(element).namespace in ignorable:
            element.getparent().remove(element)
            continue
        for attribute in list(element.attrib):
            namespace = etree.QName(attribute).namespace
            if namespace in ignorable or namespace == MC:
                del element.attrib[attribute]
    etree.cleanup_namespaces(root)
    return root


def validate_package(path: Path) -> tuple[int, list[str]]:
    """(count of parts validated, problems): every XML part, by its root's namespace."""
    problems, count = [], 0
    parser = etree.XMLParser(no_network=True, resolve_entities=False, huge_tree=True)
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if not (name.endswith(".xml") or name.endswith(".rels")):
                continue
            root = etree.fromstring(zf.read(name), parser)
            namespace = etree.QName(root).namespace
            if namespace in SKIPPED:
                continue
            if namespace not in SCHEMAS:
                problems.append(f"{name}: no schema for {namespace}")
                continue
            xsd = schema(SCHEMAS[namespace])
            if not xsd.validate(compatibility_pass(root)):
                problems += [f"{name}:{e.line}: {e.message}" for e in list(xsd.error_log)[:5]]
            count += 1
    return count, problems


def test_the_checker_rejects_what_excel_would_repair(tmp_path: Path) -> None:
    book = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(book, "w") as zf:
        zf.writestr("xl/workbook.xml", '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                       "<sheets><sheet/></sheets></workbook>")
        zf.writestr("customUI/customUI.xml", '<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui">'
                                             '<ribbon><tabs><tab id="a" lable="x"/></tabs></ribbon></customUI>')
    count, problems = validate_package(book)
    assert count == 2 and len(problems) >= 2
    assert any("sheet" in p for p in problems) and any("lable" in p for p in problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_built_service_workbook_validates(locale: str, tmp_path: Path) -> None:
    out = build(tmp_path / "Service.xlsm", locale)
    count, problems = validate_package(out)
    assert problems == []
    assert count >= 50  # workbook, 18 sheets with their rels, 15 tables, styles, theme, ribbon, ...


def test_committed_service_xlsm_validates() -> None:
    count, problems = validate_package(Path(__file__).resolve().parents[1] / "Service.xlsm")
    assert problems == [] and count >= 50


@pytest.mark.slow
def test_a_closed_demo_store_validates(tmp_path: Path) -> None:
    store = tmp_path / "DEMO.xlsm"
    run = [sys.executable, "-m", "addin"]
    made = subprocess.run([*run, "demo", "--size", "small", "--months", "3", "--out", str(store)],
                          capture_output=True, text=True, timeout=600)
    assert made.returncode == 0, made.stderr
    closed = subprocess.run([*run, "close", str(store), "--user", "S001"], capture_output=True, text=True,
                            timeout=600)
    if closed.returncode != 0 and "--user" in closed.stderr:
        pytest.skip(f"the close's --user rules refused the demo user: {closed.stderr.strip()}")
    assert closed.returncode == 0, closed.stdout + closed.stderr
    count, problems = validate_package(store)
    assert problems == []
    assert count >= 50

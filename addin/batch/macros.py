"""Compare the VBA modules of a store's workbook with the official sources in macros/.

A store that edited a macro, lost one or added its own runs code head office never reviewed.
Sources are compared after normalising what Excel changes on its own: line endings, the
``Attribute`` lines, the ``VERSION/BEGIN/END`` header of an exported class, trailing spaces and
blank lines at either end. Document modules (ThisWorkbook, one per sheet) exist in every workbook;
they count only when macros/ holds one of the same name.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from addin.i18n import Text

SOURCE_SUFFIXES = (".bas", ".cls")

# VB_Base of the document modules: Workbook, Worksheet, Chart (MS-OVBA / the Excel type library).
_DOCUMENT_BASES = ("00020819-0000-0000-c000-000000000046", "00020820-0000-0000-c000-000000000046",
                   "00020821-0000-0000-c000-000000000046")
_VB_NAME = re.compile(r'^\s*Attribute\s+VB_Name\s*=\s*"([^"]+)"', re.IGNORECASE | re.MULTILINE)
_VB_BASE = re.compile(r'^\s*Attribute\s+VB_Base\s*=\s*"([^"]+)"', re.IGNORECASE | re.MULTILINE)
_CLASS_HEADER = re.compile(r"\AVERSION\s+[\d.]+\s+CLASS\s*\nBEGIN\s*\n.*?^END\s*\n", re.IGNORECASE | re.MULTILINE | re.DOTALL)

STATUS_TEXT = {
    "same": Text("same as official", "与官方一致"),
    "differs": Text("differs from official", "与官方不一致"),
    "no_macros": Text("no macros", "无宏"),
    "unreadable": Text("macros unreadable", "宏无法读取"),
    "not_checked": Text("not checked", "未检查"),
}
NO_OFFICIAL = Text("The macros were not compared: the official project could not be assembled ({detail}).",
                   "未比较宏：无法生成官方 VBA 工程（{detail}）。")


def normalise(source: str) -> str:
    """Module text without what Excel or an export adds or changes by itself."""
    text = source.replace("\r\n", "\n").replace("\r", "\n")
    text = _CLASS_HEADER.sub("", text.lstrip("\ufeff"))
    lines = [line.rstrip() for line in text.split("\n")
             if not line.lstrip().lower().startswith("attribute ")]
    return "\n".join(lines).strip("\n")


def module_name(source: str, default: str) -> str:
    match = _VB_NAME.search(source)
    return match.group(1) if match else default


def is_document_module(source: str) -> bool:
    match = _VB_BASE.search(source)
    return bool(match) and any(base in match.group(1).lower() for base in _DOCUMENT_BASES)


def official_modules(folder: Path) -> dict[str, str]:
    """Module name -> normalised source of every .bas and .cls file in ``folder``. The name is the
    file's VB_Name attribute, else its stem."""
    modules = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in SOURCE_SUFFIXES and path.is_file():
            source = path.read_bytes().decode("utf-8-sig", errors="replace")
            modules[module_name(source, path.stem)] = normalise(source)
    return modules


def expected_project() -> dict[str, str]:
    """Module name -> normalised source of the VBA project that ``service-addin build`` installs:
    every macros/*.bas, the generated ``xlwings_udfs`` wrappers of the UDF module, and the
    ``xlwings`` module and ``Dictionary`` class of the pinned xlwings' template (addin.vba)."""
    from addin import vba

    modules = {name: normalise(source) for name, source in vba.macro_sources().items()}
    modules[vba.UDF_VBA_MODULE] = normalise(vba.udf_module_source(vba.UDF_MODULE))
    template = workbook_modules(vba.xlwings_template()) or {}
    for name in vba.XLWINGS_MODULES:
        modules[name] = normalise(template[name])
    return modules


def workbook_modules(path: str | Path) -> dict[str, str] | None:
    """Module name -> raw source of the workbook's VBA project, None when it has none. Reads only."""
    from pyopenvba import ExcelFile

    if Path(path).suffix.lower() == ".xlsx":
        return None
    book = ExcelFile(path)
    try:
        if not book.has_vba_project():
            return None
        return dict(book.vba_modules())
    finally:
        book.close()


def compare_macros(path: str | Path, official: dict[str, str]) -> dict[str, Any]:
    """How the workbook's modules differ from ``official`` (name -> normalised source).

    Returns ``{"status": same|differs|no_macros|unreadable, "missing": [...], "changed": [...],
    "extra": [...], "reason": str|None}``; ``extra`` lists only modules that are not document
    modules (sheet and workbook modules exist in every workbook).
    """
    result: dict[str, Any] = {"status": "same", "missing": [], "changed": [], "extra": [], "reason": None}
    try:
        modules = workbook_modules(path)
    except Exception as exc:  # a damaged VBA project must not stop the batch: it is reported
        result.update(status="unreadable", reason=f"{type(exc).__name__}: {exc}")
        return result
    if modules is None:
        result["status"] = "no_macros"
        result["missing"] = sorted(official)
        return result
    by_lower = {name.lower(): (name, source) for name, source in modules.items()}
    for name, source in sorted(official.items()):
        found = by_lower.pop(name.lower(), None)
        if found is None:
            result["missing"].append(name)
        elif normalise(found[1]) != source:
            result["changed"].append(name)
    result["extra"] = sorted(name for name, source in by_lower.values() if not is_document_module(source))
    if result["missing"] or result["changed"] or result["extra"]:
        result["status"] = "differs"
    return result

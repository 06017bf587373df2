"""The VBA project and the ribbon of Service.xlsm, built from text.

:func:`install_vba` turns the macro-free workbook the builder made with openpyxl into a working
.xlsm:

- the VBA project starts from the one xlwings ships, Excel-saved, in
  ``xlwings/quickstart_standalone.xlsm``, so the ``xlwings`` module and its ``Dictionary`` class
  are exactly those of the pinned xlwings, with that project's references (Office, MSForms);
- pyopenvba gives the project a document module for ``ThisWorkbook`` and for every sheet's code
  name, as Excel does for a first macro, and drops the template's sample ``Module1`` and its
  sheets' modules;
- every ``macros/*.bas`` becomes a standard module, and the ``xlwings_udfs`` module is generated
  here from the UDF module with xlwings' own generator, so users need neither "Import Functions"
  nor trust access to the VBA project object model;
- ``macros/ribbon.xml`` goes in as ``customUI/customUI.xml`` with the 2006 relationship type,
  the flavour openpyxl keeps when the workbook is written again, its static labels in the
  workbook's locale (:func:`localize_ribbon`, also used by ``service-addin locale``).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import os
import re
import sys
import tempfile
import types
import zipfile
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from addin.errors import ServiceError
from addin.i18n import Text
from addin.resources import macros_dir

#: The module whose ``@xw.func`` functions become worksheet functions (UDF_MODULES).
UDF_MODULE = "addin.udfs"
#: The name xlwings' "Import Functions" gives the wrapper module; its VBA looks for it by name.
UDF_VBA_MODULE = "xlwings_udfs"
#: The modules of xlwings' template that stay as they are.
XLWINGS_MODULES = ("xlwings", "Dictionary")

CUSTOM_UI_PART = "customUI/customUI.xml"
CUSTOM_UI_NS = "http://schemas.microsoft.com/office/2006/01/customui"
CUSTOM_UI_REL = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
_MAIN_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_MAIN_XLSM = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
# The VBA project is stored in the Western code page its template was saved with.
_CODE_PAGE = "cp1252"

NO_MACROS_DIR = Text("The VBA sources are missing: {path} does not exist.",
                     "缺少 VBA 源代码：{path} 不存在。")
NOT_ENCODABLE = Text(
    "{file}, line {line}: the VBA project holds only Western characters (code page 1252); move "
    "the text {chars!r} into the ribbon's labels or into Python.",
    "{file} 第 {line} 行：VBA 工程只能保存西文字符（代码页 1252）；请把文字 {chars!r} 移到功能区的标签或 Python 中。",
)
NAME_MISMATCH = Text("{file} declares the module {name!r}; the file and the module must have the same name.",
                     "{file} 声明的模块名为 {name!r}；文件名与模块名必须一致。")
HAS_MACROS = Text("{path} already holds a VBA project; install_vba takes a macro-free .xlsx.",
                  "{path} 已包含 VBA 工程；install_vba 只接受不含宏的 .xlsx。")
NOT_A_WORKBOOK = Text("{path} is not an .xlsx workbook ({detail}).", "{path} 不是 .xlsx 工作簿（{detail}）。")
CHECK_FAILED = Text("The built workbook failed pyopenvba's file check: {issues}",
                    "生成的工作簿未通过 pyopenvba 文件检查：{issues}")
UDF_IMPORT_FAILED = Text("The UDF module {module} cannot be imported: {detail}",
                         "无法导入自定义函数模块 {module}：{detail}")


class VbaBuildError(ServiceError):
    """The VBA project or the ribbon could not be built; nothing was written."""


def macro_sources(folder: Path | None = None) -> dict[str, str]:
    """Every ``*.bas`` of ``folder`` (default :func:`macros_dir`): module name -> source, CRLF
    line ends as the VBA editor keeps them. The name is the file's stem and must match its
    ``Attribute VB_Name``; the text must fit the project's code page."""
    folder = folder or macros_dir()
    if not folder.is_dir():
        raise VbaBuildError(NO_MACROS_DIR, path=folder)
    sources: dict[str, str] = {}
    for path in sorted(folder.glob("*.bas")):
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), start=1):
            try:
                line.encode(_CODE_PAGE)
            except UnicodeEncodeError:
                bad = "".join(ch for ch in line if ch.encode(_CODE_PAGE, "ignore") == b"")
                raise VbaBuildError(NOT_ENCODABLE, file=path.name, line=number, chars=bad) from None
        declared = re.search(r'^Attribute VB_Name = "([^"]+)"', text, re.MULTILINE)
        if declared and declared.group(1) != path.stem:
            raise VbaBuildError(NAME_MISMATCH, file=path.name, name=declared.group(1))
        sources[path.stem] = _crlf(text)
    return sources


#: The button whose tag records the locale of the ribbon's labels (its callback compares it with
#: the locale setting and says how to rewrite the labels when they differ).
SETTINGS_BUTTON = "ButtonSettings"
_LABEL_SEPARATOR = "|"
_START_TAG = re.compile(r"<(?P<name>[A-Za-z]\w*)\b(?P<attrs>[^<>]*?)(?P<end>/?)>")
_ID_ATTR = re.compile(r'\sid="([^"]*)"')


def ribbon_template(folder: Path | None = None) -> bytes:
    """``macros/ribbon.xml`` as it is kept: every label as "English|Chinese"."""
    return ((folder or macros_dir()) / "ribbon.xml").read_bytes()


def ribbon_labels(template: bytes | None = None) -> dict[str, tuple[str, str]]:
    """Control id -> (English, Chinese) label, from the template's "English|Chinese" labels."""
    import defusedxml.ElementTree as ET

    labels = {}
    for element in ET.fromstring(template if template is not None else ribbon_template()).iter():
        label, control = element.get("label"), element.get("id")
        if control and label and _LABEL_SEPARATOR in label:
            en, zh = label.split(_LABEL_SEPARATOR, 1)
            labels[control] = (en, zh)
    return labels


def _set_attribute(attrs: str, name: str, value: str | None) -> str:
    """The attribute text of a start tag with ``name`` set to ``value`` (None: removed), in place
    when it is there, else after the id."""
    pattern = re.compile(rf'(\s){name}="[^"]*"')
    if value is None:
        return pattern.sub("", attrs)
    quoted = xml_escape(value, {'"': "&quot;"})
    if pattern.search(attrs):
        return pattern.sub(lambda m: f'{m.group(1)}{name}="{quoted}"', attrs, count=1)
    return _ID_ATTR.sub(lambda m: f'{m.group(0)} {name}="{quoted}"', attrs, count=1)


def localize_ribbon(xml: bytes, locale: str, labels: dict[str, tuple[str, str]] | None = None) -> bytes:
    """The customUI part ``xml`` with the static label of every control of ``labels`` (default:
    :func:`ribbon_labels` of the template) in ``locale``, any getLabel callback taken out, and
    the Settings button's tag set to ``locale``. Everything else of the text stays as it is, so
    the same call serves the build and ``service-addin locale`` on a workbook's own ribbon."""
    labels = ribbon_labels() if labels is None else labels
    half = 1 if locale == "zh-CN" else 0

    def rewrite(match: re.Match[str]) -> str:
        attrs = match.group("attrs")
        found = _ID_ATTR.search(attrs)
        control = found.group(1) if found else None
        if control in labels:
            attrs = _set_attribute(_set_attribute(attrs, "getLabel", None), "label", labels[control][half])
        if control == SETTINGS_BUTTON:
            attrs = _set_attribute(attrs, "tag", locale)
        return f"<{match.group('name')}{attrs}{match.group('end')}>"

    return _START_TAG.sub(rewrite, xml.decode("utf-8")).encode("utf-8")


def ribbon_xml(locale: str = "en-US", folder: Path | None = None) -> bytes:
    """The ribbon definition as it goes into the package: the template with its labels in
    ``locale``, without its comment."""
    template = ribbon_template(folder)
    # The template's comment speaks of its "English|Chinese" labels: not true of the built part.
    built = re.sub(rb"<!--.*?-->\s*", b"", template, flags=re.S)
    return localize_ribbon(built, locale, ribbon_labels(template))


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


# ---------------------------------------------------------------------------------------------
# The UDF wrapper module, as xlwings' "Import Functions" writes it


@contextlib.contextmanager
def _xlwings_udfs() -> Iterator[types.ModuleType]:
    """xlwings.udfs, importable off Windows too.

    It imports pywin32 at the top but uses it only when a function runs inside Excel, so where
    pywin32 is missing (Linux, CI) placeholders stand in while it is imported and are taken out
    again afterwards, together with the module itself.
    """
    placeholders: dict[str, types.ModuleType] = {}
    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        if name not in sys.modules and importlib.util.find_spec(name.split(".")[0]) is None:
            placeholders[name] = types.ModuleType(name)
    if placeholders:
        placeholders.get("pythoncom", types.ModuleType("pythoncom")).CoInitialize = None  # type: ignore[attr-defined]
        placeholders.get("pywintypes", types.ModuleType("pywintypes")).com_error = OSError  # type: ignore[attr-defined]
        placeholders.get("win32com.client", types.ModuleType("win32com.client")).Dispatch = None  # type: ignore[attr-defined]
    had_udfs = "xlwings.udfs" in sys.modules
    sys.modules.update(placeholders)
    try:
        yield importlib.import_module("xlwings.udfs")
    finally:
        for name in placeholders:
            sys.modules.pop(name, None)
        if placeholders and not had_udfs:
            sys.modules.pop("xlwings.udfs", None)


def _decorated(module_name: str, udfs: types.ModuleType) -> types.ModuleType:
    """A fresh copy of the UDF module with xlwings' real decorators in place.

    Without pywin32, ``xw.func``, ``xw.arg`` and ``xw.ret`` pass functions through untouched, and
    the signature metadata the wrapper generator reads is never recorded; so the module is
    executed once more, privately, with the decorators xlwings uses on Windows.
    """
    import xlwings

    real = {"func": udfs.xlfunc, "arg": udfs.xlarg, "ret": udfs.xlret, "sub": udfs.xlsub, "script": udfs.xlsub}
    saved = {name: getattr(xlwings, name) for name in real}
    try:
        spec = importlib.util.find_spec(module_name)
    except ImportError as exc:
        raise VbaBuildError(UDF_IMPORT_FAILED, module=module_name, detail=str(exc)) from None
    if spec is None or spec.loader is None:
        raise VbaBuildError(UDF_IMPORT_FAILED, module=module_name, detail="module not found")
    module = importlib.util.module_from_spec(spec)
    try:
        for name, decorator in real.items():
            setattr(xlwings, name, decorator)
        spec.loader.exec_module(module)
    except Exception as exc:  # any error of the UDF module is a build error, named
        raise VbaBuildError(UDF_IMPORT_FAILED, module=module_name, detail=f"{type(exc).__name__}: {exc}") from None
    finally:
        for name, original in saved.items():
            setattr(xlwings, name, original)
    return module


# Words a VBA parameter may not be called: the language's keywords and type names, and the names
# the generated wrapper itself uses (a parameter "range" would hide Range in its TypeOf test).
_VBA_RESERVED = frozenset(w.casefold() for w in """
    AddressOf And Any As Boolean ByRef Byte ByVal Call Case CBool CByte CCur CDate CDbl CDec CInt
    CLng CLngLng CLngPtr Close Const CSng CStr Currency CVar CVErr Date Debug Decimal Declare Dim Do
    Double Each Else ElseIf Empty End EndIf Enum Eqv Erase Error Event Exit False For Friend Function
    Get Global GoSub GoTo If Imp Implements In Input Integer Is LBound Len Let Like Lib Line Lock Long
    LongLong LongPtr Loop LSet Me Mid Mod Name New Next Not Nothing Null Object On Open Option Optional
    Or ParamArray Preserve Print Private Property PtrSafe Public Put RaiseEvent ReDim Rem Resume Return
    RSet Seek Select Set Shared Single Static Step Stop String Sub Then To True Type TypeOf UBound
    Unlock Until Variant Wend While Width With WithEvents Write Xor
    Application ActiveWorkbook Array Err Range ThisWorkbook XLPy argsArray k failed
""".split())


def vba_parameter_name(name: str, taken: AbstractSet[str] = frozenset()) -> str:
    """A Python parameter name as a VBA wrapper can declare it: a reserved word (``date``), a name
    already ``taken`` (casefolded) in the same function, or one VBA cannot start with (``_x``) is
    changed. Arguments travel to Python by position, so the name only shows in Excel's function
    wizard."""
    vba = name.lstrip("_") or "arg"
    while vba.casefold() in _VBA_RESERVED or vba.casefold() in taken or not vba[0].isalpha():
        vba = vba + "_" if vba[0].isalpha() else "p" + vba
    return vba


def _vba_safe(module: types.ModuleType) -> None:
    """Give every UDF parameter of the private copy a name VBA accepts (see vba_parameter_name)."""
    for value in vars(module).values():
        meta = getattr(value, "__xlfunc__", None)
        if meta is None:
            continue
        taken = {meta["name"].casefold()}
        for arg in meta["args"]:
            if arg["name"] != "caller":  # xlwings passes the calling cell for a parameter named caller
                arg["name"] = vba_parameter_name(arg["name"], taken)
            taken.add(arg["name"].casefold())


class _Workbook:
    """What the generator asks of the workbook: only its name (an .xlam calls ActiveWorkbook)."""

    Name = "Service.xlsm"


def udf_module_source(module_name: str = UDF_MODULE) -> str:
    """The ``xlwings_udfs`` VBA module for ``module_name``, as xlwings' "Import Functions" would
    write it into Service.xlsm (the same header, one wrapper per ``@xw.func``)."""
    with _xlwings_udfs() as udfs:
        module = _decorated(module_name, udfs)
        _vba_safe(module)
        out = io.StringIO()
        writer = udfs.VBAWriter(out)
        writer.writeln(f'Attribute VB_Name = "{UDF_VBA_MODULE}"')
        writer.writeln("'Autogenerated code by xlwings - changes will be lost with next import!")
        writer.writeln("""#Const App = "Microsoft Excel" 'Adjust when using outside of Excel""")
        udfs.generate_vba_wrapper(module_name, module, out, _Workbook())
    return _crlf(out.getvalue())


# ---------------------------------------------------------------------------------------------
# ThisWorkbook: the function wizard's help, and the ribbon's language check

#: The document module of the workbook, generated here (Excel's default code name).
WORKBOOK_MODULE = "ThisWorkbook"
#: The category the worksheet functions are listed under in Excel's function wizard.
UDF_CATEGORY = "Service"
#: What Excel's MacroOptions accepts for a description and for each argument's help.
_MACRO_OPTIONS_LIMIT = 255
_VBA_CHUNK = 80

RIBBON_LANGUAGE_NOTE = Text(
    "The ribbon's labels are in {ribbon}, the locale setting is {setting}. The labels are written "
    "into the file: save and close this workbook, then run\n\n"
    "service-addin locale \"{path}\" {setting}\n\nand open it again.",
    "功能区文字为 {ribbon}，设置中的语言为 {setting}。功能区文字保存在文件中：请保存并关闭本工作簿，然后运行\n\n"
    "service-addin locale \"{path}\" {setting}\n\n再重新打开。",
)


def vba_string(text: str) -> str:
    """``text`` as a VBA string expression in ASCII only: printable ASCII runs as literals
    (quotes doubled), every other character as ``ChrW(&H...)``, line breaks as vbLf."""
    pieces: list[str] = []
    run = ""
    for ch in text:
        if " " <= ch <= "~":
            run += ch.replace('"', '""')
            continue
        if run:
            pieces.append(f'"{run}"')
            run = ""
        pieces.append("vbLf" if ch == "\n" else f"ChrW(&H{ord(ch):X})")
    if run or not pieces:
        pieces.append(f'"{run}"')
    return " & ".join(pieces)


def _assign(variable: str, text: str, *, append: bool = False, indent: str = "    ") -> list[str]:
    """VBA lines that set ``variable`` to ``text`` (or append it), in short lines (VBA allows 1023
    characters a line and 24 continuations, so long texts are appended piece by piece)."""
    chunks = [""]
    for ch in text:
        if len(chunks[-1]) >= _VBA_CHUNK or len(vba_string(chunks[-1] + ch)) > 4 * _VBA_CHUNK:
            chunks.append("")
        chunks[-1] += ch
    first = f"{variable} & " if append else ""
    lines = [f"{indent}{variable} = {first}{vba_string(chunks[0])}"]
    lines += [f"{indent}{variable} = {variable} & {vba_string(chunk)}" for chunk in chunks[1:]]
    return lines


def _doc_paragraphs(doc: str | None) -> list[str]:
    paragraphs = re.split(r"\n\s*\n", (doc or "").strip())
    # Double backticks mark code in the docstrings; the wizard shows plain text.
    return [" ".join(p.replace("``", "").split()) for p in paragraphs if p.strip()]


def _argument_docs(doc: str | None, names: list[str]) -> dict[str, str]:
    """Argument help from a docstring's "name: text" lines; "first ... last: text" covers every
    argument from first to last."""
    found: dict[str, str] = {}
    for line in (doc or "").splitlines():
        m = re.match(r"\s*(\w+)(?:\s*\.\.\.\s*(\w+))?:\s+(\S.*)$", line)
        if not m or m.group(1) not in names:
            continue
        first = names.index(m.group(1))
        last = names.index(m.group(2)) if m.group(2) in names else first
        for name in names[first:last + 1]:
            found[name] = m.group(3).strip()
    return found


def udf_help(module_name: str = UDF_MODULE) -> list[tuple[str, str, list[str]]]:
    """(function, description, argument helps) of every worksheet function of ``module_name``,
    for Excel's function wizard: the description is the docstring's first paragraph, an
    argument's help its "name: text" line, else its ``@xw.arg(doc=...)``, else its name (with
    its default when it has one).
    Each text is cut to the 255 characters MacroOptions takes."""
    import inspect

    with _xlwings_udfs() as udfs:
        module = _decorated(module_name, udfs)
    found = []
    for value in vars(module).values():
        meta = getattr(value, "__xlfunc__", None)
        if meta is None:
            continue
        doc = inspect.getdoc(value)
        names = [arg["name"] for arg in meta["args"] if not arg.get("vba")]
        documented = _argument_docs(doc, names)
        helps = []
        for arg in meta["args"]:
            if arg.get("vba"):
                continue
            own = arg.get("doc") or ""  # @xw.arg(..., doc=...), else xlwings' "Positional argument n"
            plain = own if own and not own.startswith("Positional argument") else arg["name"].replace("_", " ")
            text = documented.get(arg["name"], plain)
            if "optional" in arg and arg["name"] not in documented:
                default = arg["optional"]
                if isinstance(default, bool):
                    default = str(default).upper()
                text += " (optional" + ("" if default in (None, "") else f"; default {default}") + ")"
            helps.append(text[:_MACRO_OPTIONS_LIMIT])
        description = (_doc_paragraphs(doc) or [meta["name"]])[0]
        found.append((meta["name"], description[:_MACRO_OPTIONS_LIMIT], helps))
    return sorted(found)


def workbook_module_source(module_name: str | None = UDF_MODULE) -> str:
    """The body of the ThisWorkbook module: Workbook_Open registers the description and argument
    help of every worksheet function with Application.MacroOptions (what xlwings' "Import
    Functions" does), and CheckRibbonLocale tells, in the settings' language, how to rewrite the
    ribbon's static labels when the locale setting no longer matches them. ASCII only."""
    lines = [
        "Option Explicit",
        "' Generated by addin/vba.py (workbook_module_source) from the docstrings of addin.udfs and",
        "' the add-in's messages: a rebuild replaces it. ASCII only; other characters are ChrW.",
        "",
        "Private Sub Workbook_Open()",
        "    Dim wasSaved As Boolean",
        "    wasSaved = ThisWorkbook.Saved",
        "    ' Protected or shared workbooks refuse MacroOptions: the functions still work then.",
        "    On Error Resume Next",
        "    RegisterFunctionHelp",
        "    On Error GoTo 0",
        "    ' MacroOptions marks the workbook changed; opening it should not ask to save.",
        "    ThisWorkbook.Saved = wasSaved",
        "End Sub",
        "",
        "Private Sub RegisterFunctionHelp()",
        "    Dim book As String, d As String, args() As Variant",
        "    book = \"'\" & Replace(ThisWorkbook.Name, \"'\", \"''\") & \"'!\"",
    ]
    for name, description, helps in (udf_help(module_name) if module_name else []):
        lines += _assign("d", description)
        options = f'Description:=d, Category:="{UDF_CATEGORY}"'
        if helps:
            lines.append(f"    ReDim args(0 To {len(helps) - 1})")
            for i, text in enumerate(helps):
                lines += _assign(f"args({i})", text)
            options += ", ArgumentDescriptions:=args"
        lines.append(f'    Application.MacroOptions Macro:=book & "{name}", {options}')
    lines += [
        "End Sub",
        "",
        "' Called by the Settings button with its tag: the locale its static labels were written in.",
        "Public Sub CheckRibbonLocale(ByVal ribbonLocale As String)",
        "    Dim setting As String, msg As String",
        "    setting = WorkbookLocale()",
        "    If LCase(setting) = LCase(ribbonLocale) Then Exit Sub",
    ]
    for locale, keyword in (("zh-CN", "If"), ("en-US", "Else")):
        rendered = RIBBON_LANGUAGE_NOTE(locale, ribbon="\0R", setting="\0S", path="\0P")
        variables = {"\0R": "ribbonLocale", "\0S": "setting", "\0P": "ThisWorkbook.FullName"}
        lines.append('    If LCase(setting) = "zh-cn" Then' if keyword == "If" else "    Else")
        lines.append('        msg = ""')
        for part in re.split(r"(\0[RSP])", rendered):
            if part in variables:
                lines.append(f"        msg = msg & {variables[part]}")
            elif part:
                lines += _assign("msg", part, append=True, indent="        ")
    lines += [
        "    End If",
        '    MsgBox msg, vbInformation, "Service"',
        "End Sub",
    ]
    return _crlf("\n".join(lines) + "\n")


# ---------------------------------------------------------------------------------------------
# The package


def xlwings_template() -> Path:
    """The Excel-saved standalone workbook of the installed xlwings."""
    import xlwings

    return Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"


def _excel_file_class() -> type:
    from pyopenvba import ExcelFile

    class XlwingsProjectFile(ExcelFile):  # type: ignore[misc]
        """An ExcelFile whose new VBA project starts from xlwings' template instead of an empty one.

        pyopenvba's ``add_vba_project`` builds the project the way Excel does (document modules
        declared as documents, code names written into the parts, the project's relationship and
        content type); these two hooks make it start from xlwings' project and keep the xlwings
        module and class as they are (a None header keeps a template module untouched).
        """

        def _project_template(self) -> bytes:
            return xlwings_template().read_bytes()

        def _new_documents(self) -> list[tuple[str, str | None]]:
            return [*super()._new_documents(), *((name, None) for name in XLWINGS_MODULES)]

    return XlwingsProjectFile


def _with_ribbon_and_macro_type(parts: dict[str, bytes], ribbon: bytes) -> dict[str, bytes]:
    """The package's parts with the ribbon added and the workbook typed as macro-enabled."""
    parts = dict(parts)
    types_xml = parts["[Content_Types].xml"].decode("utf-8").replace(_MAIN_XLSX, _MAIN_XLSM)
    if 'Extension="xml"' not in types_xml:
        types_xml = types_xml.replace(
            "</Types>", '<Default Extension="xml" ContentType="application/xml"/></Types>', 1)
    parts["[Content_Types].xml"] = types_xml.encode("utf-8")
    rels = parts["_rels/.rels"].decode("utf-8")
    numbers = [int(n) for n in re.findall(r'\bId="rId(\d+)"', rels)]
    relationship = (f'<Relationship Id="rId{max(numbers, default=0) + 1}" Type="{CUSTOM_UI_REL}" '
                    f'Target="{CUSTOM_UI_PART}"/>')
    parts["_rels/.rels"] = rels.replace("</Relationships>", relationship + "</Relationships>", 1).encode("utf-8")
    parts[CUSTOM_UI_PART] = ribbon
    return parts


def _read_parts(path: Path) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(path) as zf:
            parts = {name: zf.read(name) for name in zf.namelist()}
    except (OSError, zipfile.BadZipFile) as exc:
        raise VbaBuildError(NOT_A_WORKBOOK, path=path, detail=str(exc)) from None
    if "xl/workbook.xml" not in parts or "[Content_Types].xml" not in parts:
        raise VbaBuildError(NOT_A_WORKBOOK, path=path, detail="no xl/workbook.xml")
    if "xl/vbaProject.bin" in parts:
        raise VbaBuildError(HAS_MACROS, path=path)
    return parts


def _write_parts(parts: dict[str, bytes], dest: Path) -> None:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        # [Content_Types].xml first, as Office writes it.
        for name in sorted(parts, key=lambda n: n != "[Content_Types].xml"):
            zf.writestr(name, parts[name])


def install_vba(xlsx: Path, out: Path, locale: str = "en-US", *, udf_module: str | None = UDF_MODULE) -> None:
    """Write ``out``: the macro-free workbook ``xlsx`` as a working .xlsm with the VBA project
    (xlwings' module and class, every ``macros/*.bas``, the generated ``xlwings_udfs`` module,
    a document module for the workbook and every sheet) and the Service ribbon.

    Every worksheet should carry a code name (``ws.sheet_properties.codeName``); one without gets
    Excel's default (Sheet<n>). ``udf_module=None`` leaves the UDF wrappers out. ``out`` is
    written atomically and only after pyopenvba's file check passed; ``locale`` is the language of
    the error messages.
    """
    from pyopenvba import check_file

    xlsx, out = Path(xlsx), Path(out)
    try:
        modules = macro_sources()
        if udf_module:
            modules[UDF_VBA_MODULE] = udf_module_source(udf_module)
        parts = _with_ribbon_and_macro_type(_read_parts(xlsx), ribbon_xml(locale))
        out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".vba-", dir=out.parent) as tmp:
            staged, built = Path(tmp) / "staged.xlsm", Path(tmp) / "built.xlsm"
            _write_parts(parts, staged)
            with _excel_file_class()(staged) as book:
                project = book.add_vba_project()
                for name, source in modules.items():
                    project.add_module(name, source)
                project.get_module(WORKBOOK_MODULE).body = workbook_module_source(udf_module)
                book.save(built)
            report = check_file(built)
            if not report.ok:
                issues = "; ".join(f"{issue.location}: {issue.message}" for issue in report.errors)
                raise VbaBuildError(CHECK_FAILED, issues=issues)
            os.replace(built, out)
    except VbaBuildError as exc:
        exc.locale = locale  # type: ignore[attr-defined]
        raise


def vba_modules(path: Path) -> dict[str, str]:
    """The VBA modules of a workbook, name -> source, as pyopenvba reads them."""
    from pyopenvba import ExcelFile

    with ExcelFile(path) as book:
        return book.vba_modules()


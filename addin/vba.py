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
  the flavour openpyxl keeps when the workbook is written again.
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
from pathlib import Path
from collections.abc import Iterator, Set as AbstractSet

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
    "the text {chars!r} into the ribbon's tag or into Python.",
    "{file} 第 {line} 行：VBA 工程只能保存西文字符（代码页 1252）；请把文字 {chars!r} 移到功能区的 tag 或 Python 中。",
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


def ribbon_xml(folder: Path | None = None) -> bytes:
    """The ribbon definition as it goes into the package."""
    return ((folder or macros_dir()) / "ribbon.xml").read_bytes()


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
        parts = _with_ribbon_and_macro_type(_read_parts(xlsx), ribbon_xml())
        out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".vba-", dir=out.parent) as tmp:
            staged, built = Path(tmp) / "staged.xlsm", Path(tmp) / "built.xlsm"
            _write_parts(parts, staged)
            with _excel_file_class()(staged) as book:
                project = book.add_vba_project()
                for name, source in modules.items():
                    project.add_module(name, source)
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


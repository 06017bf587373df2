"""The VBA project and the ribbon that install_vba builds, read back by independent readers:
pyopenvba, olevba (oletools), LibreOffice over UNO, and openpyxl writing the workbook again."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from addin import vba
from tests.conftest import need_tool

UDFS = '''
import xlwings as xw


@xw.func
@xw.arg("wo_no", doc="work order number")
def SVC_WO_AMOUNT(wo_no, date, pay_type="customer"):
    """Billed amount of a work order."""
    return 0.0


@xw.func(volatile=True)
def SVC_TOTAL(*values):
    return sum(values)


def helper():
    return None
'''

CODE_NAMES = {"Settings": "shSettings", "维修工单": "shWorkOrders", "xlwings.conf": "shConf"}

# Run by /usr/bin/python3 (the interpreter that has UNO): prints {module: source} of the
# VBAProject Basic library LibreOffice made from the workbook's VBA project.
UNO_SCRIPT = r'''
import json, os, pathlib, subprocess, sys, tempfile, time
import uno
from com.sun.star.beans import PropertyValue

def prop(name, value):
    p = PropertyValue(); p.Name = name; p.Value = value; return p

path = pathlib.Path(sys.argv[1]).resolve()
profile = tempfile.mkdtemp(prefix="lo-basic-")
pipe = "svc_basic_%d" % os.getpid()
proc = subprocess.Popen(["soffice", "-env:UserInstallation=" + pathlib.Path(profile).as_uri(), "--headless",
                         "--invisible", "--norestore", "--nolockcheck",
                         "--accept=pipe,name=%s;urp;StarOffice.ComponentContext" % pipe],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
desktop = None
try:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(240):
        try:
            ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
            break
        except Exception:
            time.sleep(0.25)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    doc = desktop.loadComponentFromURL(path.as_uri(), "_blank", 0,
                                       (prop("Hidden", True), prop("MacroExecutionMode", 4)))
    libs = doc.BasicLibraries
    modules = {}
    if libs.hasByName("VBAProject"):
        libs.loadLibrary("VBAProject")
        lib = libs.getByName("VBAProject")
        modules = {name: lib.getByName(name) for name in lib.getElementNames()}
    doc.close(True)
    print(json.dumps(modules))
finally:
    if desktop is not None:
        try:
            desktop.terminate()
        except Exception:
            pass
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
'''


def body(source: str) -> str:
    """A module's code without what each reader adds or drops: Attribute lines, LibreOffice's
    Rem/Option prefix lines, line-end style and trailing blank lines."""
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = [line for line in lines
            if not line.startswith("Attribute ")
            and not line.startswith("Rem Attribute VBA_ModuleType=")
            and line not in ("Option VBASupport 1", "Option ClassModule")]
    return "\n".join(kept).strip("\n")


def expected_modules(udf_source: str) -> dict[str, str]:
    """What the project must hold, module name -> body: every macros/*.bas, the UDF wrappers,
    and xlwings' module and class as its template holds them."""
    from pyopenvba import ExcelFile

    with ExcelFile(vba.xlwings_template()) as template:
        shipped = template.vba_modules()
    modules = {name: body(src) for name, src in vba.macro_sources().items()}
    modules[vba.UDF_VBA_MODULE] = body(udf_source)
    modules.update({name: body(shipped[name]) for name in vba.XLWINGS_MODULES})
    return modules


@pytest.fixture(scope="module")
def udf_module(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("udfs")
    (folder / "svc_test_udfs.py").write_text(UDFS, encoding="utf-8")
    sys.path.insert(0, str(folder))
    yield "svc_test_udfs"
    sys.path.remove(str(folder))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, udf_module: str) -> Path:
    """A tiny workbook as the builder makes one (code names set), through install_vba."""
    folder = tmp_path_factory.mktemp("built")
    wb = openpyxl.Workbook()
    first = True
    for name, code in CODE_NAMES.items():
        ws = wb.active if first else wb.create_sheet(name)
        ws.title, first = name, False
        ws.sheet_properties.codeName = code
    wb["Settings"].append(["key", "value"])
    wb["Settings"].append(["locale", "zh-CN"])
    wb["xlwings.conf"].append(["UDF_MODULES", udf_module])
    xlsx = folder / "tiny.xlsx"
    wb.save(xlsx)
    out = folder / "Service.xlsm"
    vba.install_vba(xlsx, out, "en-US", udf_module=udf_module)
    return out


def test_udf_wrappers_are_xlwings_own(udf_module: str) -> None:
    source = vba.udf_module_source(udf_module)
    assert source.startswith('Attribute VB_Name = "xlwings_udfs"\r\n')
    assert re.findall(r"^Function (\w+)\((.*)\)\r$", source, re.MULTILINE) == [
        ("SVC_TOTAL", "ParamArray values()"), ("SVC_WO_AMOUNT", "wo_no, date_, Optional pay_type")]
    assert ('SVC_WO_AMOUNT = XLPy.CallUDF("svc_test_udfs", "SVC_WO_AMOUNT", Array(wo_no, date_, pay_type), '
            "ThisWorkbook, Application.Caller)") in source
    assert "Application.Volatile" in source.split("Function SVC_WO_AMOUNT")[0]
    assert "helper" not in source
    # Generating leaves no placeholder of pywin32 behind.
    assert "pythoncom" not in sys.modules or sys.modules["pythoncom"].__spec__ is not None


def test_vba_parameter_names() -> None:
    # VBA rejects Date as a parameter name, and a parameter "range" would hide Range in the wrapper.
    assert [vba.vba_parameter_name(n) for n in ("date", "Range", "_x", "part_no", "k", "__")] == [
        "date_", "Range_", "x", "part_no", "k_", "arg"]
    assert vba.vba_parameter_name("x", {"x"}) == "x_"


def test_udf_wrappers_of_addin_udfs() -> None:
    source = vba.udf_module_source()
    signatures = re.findall(r"^Function (\w+)\((.*)\)\r$", source, re.MULTILINE)
    assert signatures, "addin.udfs has no @xw.func function"
    assert '"addin.udfs"' in source
    for name, params in signatures:
        for param in params.split(", "):
            word = param.removeprefix("Optional ").removeprefix("ParamArray ").removesuffix("()")
            assert word == vba.vba_parameter_name(word), (name, word)


def test_project_holds_every_module_and_a_document_per_sheet(built: Path, udf_module: str) -> None:
    from pyopenvba import ExcelFile, check_file

    report = check_file(built)
    assert report.ok and report.issues == (), report.issues
    with ExcelFile(built) as book:
        modules = book.vba_modules()
        assert book.validate() == []
    wanted = expected_modules(vba.udf_module_source(udf_module))
    assert sorted(modules) == sorted([*wanted, "ThisWorkbook", *CODE_NAMES.values()])
    for name, source in wanted.items():
        assert body(modules[name]) == source, name
    # Document modules are declared as documents, with the base Excel gives sheets.
    for code in CODE_NAMES.values():
        assert 'Attribute VB_Base = "0{00020820-0000-0000-C000-000000000046}"' in modules[code]
    assert "Module1" not in modules and "Sheet1" not in modules
    import xlwings

    assert f"'Version: {xlwings.__version__}\n" in modules["xlwings"]


def test_package_is_macro_enabled_with_the_ribbon(built: Path) -> None:
    with zipfile.ZipFile(built) as zf:
        types = zf.read("[Content_Types].xml").decode()
        rels = zf.read("_rels/.rels").decode()
        book_rels = zf.read("xl/_rels/workbook.xml.rels").decode()
        ribbon = zf.read(vba.CUSTOM_UI_PART)
        workbook = zf.read("xl/workbook.xml").decode()
    assert 'PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"' in types
    assert 'Extension="bin" ContentType="application/vnd.ms-office.vbaProject"' in types
    assert f'Type="{vba.CUSTOM_UI_REL}" Target="customUI/customUI.xml"' in rels
    assert 'Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"' in book_rels
    assert ribbon == vba.ribbon_xml()
    assert 'codeName="ThisWorkbook"' in workbook


def test_olevba_lists_the_same_modules(built: Path, udf_module: str) -> None:
    found = olevba_modules(built)
    wanted = expected_modules(vba.udf_module_source(udf_module))
    assert sorted(found) == sorted([*wanted, "ThisWorkbook", *CODE_NAMES.values()])
    for name, source in wanted.items():
        assert body(found[name]) == source, name


def libreoffice_modules(book: Path, folder: Path) -> dict[str, str]:
    """Module name -> source of the VBAProject Basic library LibreOffice makes of ``book``."""
    need_tool("soffice", "uno")
    script = folder / "basic_modules.py"
    script.write_text(UNO_SCRIPT, encoding="utf-8")
    proc = subprocess.run(["/usr/bin/python3", str(script), str(book)], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def olevba_modules(book: Path) -> dict[str, str]:
    need_tool("olevba")
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(book))
    try:
        return {Path(name).stem: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


@pytest.mark.libreoffice
def test_libreoffice_imports_every_module_unchanged(built: Path, tmp_path: Path, udf_module: str) -> None:
    modules = libreoffice_modules(built, tmp_path)
    wanted = expected_modules(vba.udf_module_source(udf_module))
    assert sorted(modules) == sorted([*wanted, "ThisWorkbook", *CODE_NAMES.values()])
    for name, source in wanted.items():
        assert body(modules[name]) == source, name
    assert len(modules["xlwings"]) > 45_000


def test_openpyxl_round_trip_keeps_project_and_ribbon(built: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(built, keep_vba=True)
    wb["Settings"].append(["store_code", "S01"])
    again = tmp_path / "again.xlsm"
    wb.save(again)
    with zipfile.ZipFile(built) as before, zipfile.ZipFile(again) as after:
        assert after.read("xl/vbaProject.bin") == before.read("xl/vbaProject.bin")
        assert after.read(vba.CUSTOM_UI_PART) == before.read(vba.CUSTOM_UI_PART)
        assert vba.CUSTOM_UI_REL in after.read("_rels/.rels").decode()


def test_refuses_a_workbook_that_has_macros(built: Path, tmp_path: Path) -> None:
    with pytest.raises(vba.VbaBuildError) as caught:
        vba.install_vba(built, tmp_path / "twice.xlsm", "zh-CN", udf_module=None)
    assert "已包含 VBA 工程" in caught.value.message("zh-CN")
    assert not (tmp_path / "twice.xlsm").exists()


def test_macro_text_must_fit_the_code_page(tmp_path: Path) -> None:
    (tmp_path / "Bad.bas").write_text('Attribute VB_Name = "Bad"\nSub A()\n    MsgBox "校验"\nEnd Sub\n',
                                      encoding="utf-8")
    with pytest.raises(vba.VbaBuildError) as caught:
        vba.macro_sources(tmp_path)
    assert caught.value.message("en-US") == (
        "Bad.bas, line 3: the VBA project holds only Western characters (code page 1252); move the "
        "text '校验' into the ribbon's labels or into Python.")


@pytest.mark.libreoffice
def test_built_service_workbook(tmp_path: Path) -> None:
    """The real Service.xlsm of `service-addin build`: every reader finds every module of
    macros/, the UDF wrappers of addin.udfs and xlwings' module, and a document module for the
    workbook and each sheet's code name."""
    from pyopenvba import ExcelFile, check_file

    from addin.io import builder

    out = builder.build(tmp_path / "Service.xlsm", "zh-CN")
    report = check_file(out)
    assert report.ok and report.issues == (), report.issues
    wb = openpyxl.load_workbook(out, keep_vba=True)
    documents = ["ThisWorkbook", *(ws.sheet_properties.codeName for ws in wb.worksheets)]
    assert all(documents)
    wanted = expected_modules(vba.udf_module_source())
    with ExcelFile(out) as book:
        readers = {"pyopenvba": book.vba_modules()}
    readers["olevba"] = olevba_modules(out)
    readers["libreoffice"] = libreoffice_modules(out, tmp_path)
    for reader, modules in readers.items():
        assert sorted(modules) == sorted([*wanted, *documents]), reader
        for name, source in wanted.items():
            assert body(modules[name]) == source, (reader, name)


# ---------------------------------------------------------------------------------------------
# The function wizard's help, registered by Workbook_Open


def _vba_value(expression: str, variables: dict[str, str]) -> str:
    """The value of a VBA string expression of literals, ChrW(&H..), vbLf and variables joined by &."""
    out = []
    for token in re.findall(r'"(?:[^"]|"")*"|ChrW\(&H[0-9A-F]+\)|\w+(?:\(\d+\))?', expression):
        if token.startswith('"'):
            out.append(token[1:-1].replace('""', '"'))
        elif token.startswith("ChrW("):
            out.append(chr(int(token[7:-1], 16)))
        elif token == "vbLf":
            out.append("\n")
        else:
            out.append(variables[token])
    return "".join(out)


def registered_help(source: str) -> dict[str, tuple[str, list[str]]]:
    """Function -> (description, argument helps) as RegisterFunctionHelp's MacroOptions calls pass them."""
    variables: dict[str, str] = {}
    args: list[str] = []
    found = {}
    body = source.split("Private Sub RegisterFunctionHelp()")[1].split("End Sub")[0]
    for line in body.replace("\r\n", "\n").split("\n"):
        line = line.strip()
        if m := re.fullmatch(r"ReDim args\(0 To (\d+)\)", line):
            args = [""] * (int(m.group(1)) + 1)
        elif m := re.fullmatch(r"args\((\d+)\) = (.*)", line):
            args[int(m.group(1))] = _vba_value(m.group(2), {f"args({m.group(1)})": args[int(m.group(1))]})
        elif m := re.fullmatch(r"(d|book) = (.*)", line):
            variables[m.group(1)] = _vba_value(m.group(2), variables) if m.group(1) == "d" else "book"
        elif m := re.fullmatch(r'Application\.MacroOptions Macro:=book & "(\w+)", (.*)', line):
            assert 'Category:="Service"' in m.group(2)
            found[m.group(1)] = (variables["d"], list(args) if "ArgumentDescriptions:=args" in m.group(2) else [])
    return found


def test_workbook_open_registers_every_udf_with_its_docstring(tmp_path: Path) -> None:
    """Read back by olevba from the built Service.xlsm: Workbook_Open -> MacroOptions for every
    @xw.func of addin.udfs, the docstring's first paragraph as description, help for each argument."""
    import inspect

    from addin import udfs
    from addin.io import builder

    out = builder.build(tmp_path / "Service.xlsm", "en-US")
    source = olevba_modules(out)["ThisWorkbook"]
    assert source.isascii()
    assert re.search(r"^Private Sub Workbook_Open\(\)\r?$", source, re.MULTILINE)
    assert "ThisWorkbook.Saved = wasSaved" in source
    functions = {name: f for name, f in vars(udfs).items() if name.startswith("SERVICE_") and callable(f)}
    registered = registered_help(source)
    assert sorted(registered) == sorted(functions)
    for name, f in functions.items():
        description, helps = registered[name]
        first = " ".join(inspect.getdoc(f).split("\n\n")[0].replace("``", "").split())
        assert description == first[:255], name
        parameters = list(inspect.signature(f).parameters)
        assert len(helps) == len(parameters) and all(helps), name
        assert all(len(h) <= 255 for h in [description, *helps]), name
    assert registered["SERVICE_KPIS"][1][0] == 'the month, text YYYY-MM (e.g. "2026-10").'
    assert registered["SERVICE_STOCK_VALUE"][1][3] == "method (optional; default fifo)"
    assert "×" in registered["SERVICE_LINE_AMOUNT"][0]  # non-ASCII text travels as ChrW


def test_udf_help_prefers_the_docstring_then_xlwings_doc(udf_module: str) -> None:
    [(_, total_doc, total_args), (name, doc, args)] = vba.udf_help(udf_module)
    assert (name, doc) == ("SVC_WO_AMOUNT", "Billed amount of a work order.")
    assert args == ["work order number", "date", "pay type (optional; default customer)"]
    assert total_args == ["values"]


def test_ribbon_language_note_names_the_command() -> None:
    source = vba.workbook_module_source(None)
    body = source.split("Public Sub CheckRibbonLocale")[1]
    assert "If LCase(setting) = LCase(ribbonLocale) Then Exit Sub" in body
    zh, en = body.split("    Else")
    value = {"ribbonLocale": "en-US", "setting": "zh-CN", "ThisWorkbook.FullName": r"D:\Service\Service.xlsm"}

    def message(part: str) -> str:
        text = ""
        for line in re.findall(r"msg = msg & (.*)", part):
            text += value.get(line.strip(), None) or _vba_value(line, {})
        return text

    assert message(zh) == vba.RIBBON_LANGUAGE_NOTE("zh-CN", ribbon="en-US", setting="zh-CN",
                                                   path=r"D:\Service\Service.xlsm")
    assert 'service-addin locale "D:\\Service\\Service.xlsm" zh-CN' in message(en)

"""Build Service.xlsm from the models: the layout of every sheet, nothing typed by hand.

Every data sheet of :data:`addin.models.SHEETS` becomes one worksheet holding one Excel Table
(header in row 1, first record in row 2) with the locale's labels, styled headers, input help,
widths, number formats by kind, a frozen header row and dropdowns for every enum, boolean and
reference column. Dropdowns are plain data validations (no x14 extension, which openpyxl would
drop) whose lists are defined names: ``lst_<Enum>`` over a column of the hidden ``lists`` sheet,
``ref_<sheet>_<column>`` over the referenced Excel Table column (``tblVehicles[VIN]``,
``tblWorkOrders[[WO no.]]``: :func:`structured_ref`, forms both Excel and LibreOffice resolve). A ``dashboard`` sheet follows the settings, and an
``xlwings.conf`` sheet closes the workbook. The VBA project and the ribbon are added by
:func:`addin.vba.install_vba` in :func:`build`.

``python -m addin.io.builder --golden`` rewrites tests/golden/service_layout.json, the description
of the built workbook that the tests compare against.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from addin.errors import ServiceError
from addin.i18n import Text, tr
from addin.io.cells import BOOL_WORDS, EXTRA_SHEET_LABELS, NUMBER_FORMATS
from addin.io.setting_lists import LISTED_FROM_SETTINGS, list_range, list_values
from addin.models import ENUM_SYNONYMS, LOCALES, SETTING_DEFAULTS, SETTING_LABELS, SHEETS, ColumnSpec, SheetSpec

# Sheets that are not data sheets: key -> (English, Chinese) name.
DASHBOARD_KEY = "dashboard"
DASHBOARD_LABELS = ("Dashboard", "看板")
LISTS_SHEET = "lists"
BOARD_KEY = "board"  # issue 18: the workshop board (addin.board)
CONF_SHEET = "xlwings.conf"
#: The settings table's third column: the setting's label in the workbook's locale.

_WIDTHS: dict[str, float] = {
    "date": 12, "datetime": 17, "money": 13, "percent": 10, "int": 10, "number": 11, "bool": 10,
    "enum": 14, "ref": 14, "text": 16,
}
_WIDE_TEXT = {"notes", "description", "concern", "cause", "correction", "message", "details",
              "rejection_reason", "name", "customer_name", "model"}
MAX_ROW = 1_048_576
#: Columns that hold a VIN (17 characters, capitals and digits) or a plate (粤B12345): wide
#: enough to show one whole.
VIN_WIDTH, PLATE_WIDTH = 21.0, 13.0
#: Columns whose dropdown lists the values of another table's column without being a reference
#: of the models (a team is whatever the roster names): column key -> "sheet.column". Warns only.
LISTED_FROM = {"team": "roster.team"}
#: Sheets only the add-in reads, very hidden (not in Excel's Unhide list): the closed periods'
#: per-record fingerprints (issue 13).
VERY_HIDDEN_SHEETS = frozenset({"fingerprints"})
#: A data sheet with more columns than this keeps its first column in view too (freeze B2).
WIDE_SHEET_COLUMNS = 12
TABLE_STYLE = "TableStyleMedium2"
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL_REQUIRED = PatternFill("solid", fgColor="1F4E78")
HEADER_FILL_OPTIONAL = PatternFill("solid", fgColor="5B7FA6")
HEADER_ALIGN = Alignment(wrap_text=True, vertical="center")

_REQUIRED = Text("Required.", "必填。")
_HINTS: dict[str, Text] = {
    "date": Text("Date, e.g. 2026-10-31.", "日期，如 2026-10-31。"),
    "datetime": Text("Date and time, e.g. 2026-10-31 14:30.", "日期时间，如 2026-10-31 14:30。"),
    "money": Text("Amount in the store currency.", "金额（本店币种）。"),
    "percent": Text("Percent, e.g. 5%.", "百分比，如 5%。"),
    "int": Text("Whole number.", "整数。"),
    "number": Text("Number.", "数字。"),
    "bool": Text("TRUE or FALSE.", "是 或 否。"),
    "enum": Text("Pick from the list.", "从下拉列表选择。"),
}
_SETTING_LIST_HINT = {
    "Insurer": Text("Pick one of the insurers of the settings (insurers), or type a new one.",
                    "从设置中的保险公司（insurers）选择，或输入新的保险公司。"),
    "Payer": Text("Pick one of the payers or insurers of the settings (payers, insurers), or type a new one.",
                  "从设置中的付款方或保险公司（payers、insurers）选择，或输入新的付款方。"),
}
_REF_HINT = Text("Must exist on the {sheet} sheet ({column}).", "须在“{sheet}”表（{column}）中存在。")
_BAD_VALUE = Text("Not a value of the list. Keep it anyway?", "不在下拉列表中。仍要保留吗？")
_BAD_TITLE = Text("Check the value", "请检查")
_NOT_IN_LIST = Text("Not a value of the list: choose one from the dropdown.", "不是下拉列表中的值：请从列表中选择。")
_DASHBOARD_HINT = Text(
    "Compute the KPIs (ribbon: KPIs, or `service-addin kpi`) to fill this sheet.",
    "计算 KPI（功能区“KPI”按钮，或 `service-addin kpi`）后，此表显示本期看板。",
)
_BOARD_HINT = Text(
    "The jobs in the workshop as of a day: ribbon Workshop board, or `service-addin board WORKBOOK --write`.",
    "某日在修工单：功能区“在修看板”按钮，或 `service-addin board 工作簿 --write`。",
)
_BAD_LOCALE = Text("Unknown locale {name!r}: use en-US or zh-CN.", "未知语言 {name!r}：请用 en-US 或 zh-CN。")
_BAD_SUFFIX = Text(
    "Cannot build {path}: the workbook is .xlsm (with macros and ribbon) or .xlsx (layout only).",
    "无法生成 {path}：工作簿须为 .xlsm（含宏与功能区）或 .xlsx（仅版式）。",
)
_BAD_TITLE_NAME = Text("Sheet name {name!r} is not allowed by Excel.", "Excel 不允许的工作表名 {name!r}。")

# xlwings reads key/value pairs from A1 down (keys upper-cased) to the first blank key, so notes
# live in column C. A key that is present ends xlwings' search for it even when its value is blank
# (xlwings.bas GetConfig: sheet, then xlwings.conf beside the workbook, then the user's
# %USERPROFILE%\.xlwings\xlwings.conf, then its default): only keys with values are listed.
# The interpreter is per PC, so it is not here: install.ps1 writes it into the user's file.
_CONF_ROWS: tuple[tuple[str, Any, Text | None], ...] = (
    ("UDF Modules", "addin.udfs", Text("The worksheet functions (SERVICE_...) come from this module.",
                                       "工作表函数（SERVICE_...）来自此模块。")),
    ("Debug UDFs", False, Text(
        "Only keys with a value belong on this sheet: a key with a blank value stops xlwings' search "
        "and its default is used (for Interpreter_Win: pythonw from the PATH).",
        "此表只应列出有值的键：键存在而值为空时，xlwings 不再往下查找，直接用默认值（Interpreter_Win 即 PATH 中的 pythonw）。")),
    ("Use UDF Server", False, Text(
        "The Python interpreter is not set here: install.ps1 writes Interpreter_Win into "
        "%USERPROFILE%\\.xlwings\\xlwings.conf, which xlwings reads when this sheet has no such key.",
        "此处不设置 Python 解释器：install.ps1 把 Interpreter_Win 写入 %USERPROFILE%\\.xlwings\\xlwings.conf，"
        "本表没有该键时 xlwings 读取该文件。")),
    ("Show Console", False, Text(
        "To use another interpreter for this workbook only, add a row Interpreter_Win with the full path "
        "of its pythonw.exe, e.g. C:\\ServiceAddin\\.venv\\Scripts\\pythonw.exe.",
        "若仅本工作簿使用另一解释器，请添加一行 Interpreter_Win，值为其 pythonw.exe 的完整路径，"
        "如 C:\\ServiceAddin\\.venv\\Scripts\\pythonw.exe。")),
)


def code_name(key: str) -> str:
    """The VBA code name of a sheet: sh + CamelCase key (shWorkOrders, shXlwingsConf)."""
    parts = key.replace(".", "_").split("_")
    return "sh" + "".join(p[:1].upper() + p[1:] for p in parts)


def sheet_title(key: str, locale: str) -> str:
    """The worksheet name of a sheet key in a locale (data sheets and the dashboard)."""
    if key in SHEETS:
        name = SHEETS[key].label(locale)
    else:
        en, zh = EXTRA_SHEET_LABELS[key]
        name = zh if locale == "zh-CN" else en
    if len(name) > 31 or any(ch in name for ch in "[]:*?/\\") or not name.strip():
        raise ServiceError(_BAD_TITLE_NAME, name=name)
    return name


def enum_list_name(enum_name: str) -> str:
    """Defined name of an enum's dropdown list (lst_WoStatus)."""
    return f"lst_{enum_name}"


def ref_list_name(ref: str) -> str:
    """Defined name of a reference dropdown: "vehicles.vin" -> ref_vehicles_vin."""
    return "ref_" + ref.replace(".", "_")


#: Characters that oblige Excel's structured-reference grammar to put a column name in a second
#: pair of brackets (``tbl[[WO no.]]``; Microsoft's list, with tab and line breaks); Excel drops a
#: defined name written otherwise on open.
STRUCTURED_SPECIAL = frozenset("\t\n\r,:.[]#'\"{}$^&*+=-></")
#: Of those, the ones a column specifier escapes with a leading apostrophe.
STRUCTURED_ESCAPED = frozenset("[]#'")


def structured_ref(table: str, column: str) -> str:
    """The structured reference to the data rows of ``column`` in Excel Table ``table``, written as
    Excel's grammar requires: ``tblVehicles[VIN]``, but ``tblWorkOrders[[WO no.]]`` when the
    column name holds one of ``, : . [ ] # ' " { } $ ^ & * + = - > < /``, with ``[ ] # '``
    escaped by an apostrophe (``tbl[['#Parts]]``)."""
    escaped = "".join("'" + ch if ch in STRUCTURED_ESCAPED else ch for ch in column)
    if STRUCTURED_SPECIAL.intersection(column):
        return f"{table}[[{escaped}]]"
    return f"{table}[{escaped}]"


def _display_width(text: str) -> float:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _column_width(col: ColumnSpec, locale: str) -> float:
    base = _WIDTHS[col.kind]
    if col.kind == "text" and col.key in _WIDE_TEXT:
        base = 28
    if col.key == "vin" or col.ref == "vehicles.vin":
        base = VIN_WIDTH
    elif col.key == "plate" or col.ref == "vehicles.plate":
        base = PLATE_WIDTH
    if col.enum is not None:
        base = max(base, max(_display_width(lab) for lab in _enum_labels(col, locale)) + 3)
    return min(40.0, max(base, _display_width(col.label(locale)) * 1.1 + 3))


def _enum_labels(col: ColumnSpec, locale: str) -> list[str]:
    assert col.enum is not None
    return [zh if locale == "zh-CN" else en for en, zh in col.enum.labels().values()]


def _dropdown_choices(col: ColumnSpec, locale: str) -> list[str]:
    """An enum's dropdown list: each value's label of the locale followed by the synonyms the
    reader accepts for it (models.ENUM_SYNONYMS: 站长 for the service manager), so that a typed
    synonym is no validation warning; the reader writes back the canonical label."""
    assert col.enum is not None
    synonyms = ENUM_SYNONYMS.get(col.enum.__name__, {})
    choices: list[str] = []
    for key, (en, zh) in col.enum.labels().items():
        for text in (zh if locale == "zh-CN" else en, *synonyms.get(key, ())):
            if text not in choices:
                choices.append(text)
    return choices


def _input_help(col: ColumnSpec, locale: str) -> str:
    parts = []
    if col.required:
        parts.append(tr(_REQUIRED, locale))
    if col.help(locale):
        parts.append(col.help(locale).rstrip("。.") + ("。" if locale == "zh-CN" else "."))
    if col.ref:
        sheet, column = col.ref.split(".")
        parts.append(tr(_REF_HINT, locale, sheet=SHEETS[sheet].label(locale),
                        column=SHEETS[sheet].column(column).label(locale)))
    elif col.key in LISTED_FROM_SETTINGS:
        parts.append(tr(_SETTING_LIST_HINT[LISTED_FROM_SETTINGS[col.key]], locale))
    elif col.kind in _HINTS:
        parts.append(tr(_HINTS[col.kind], locale))
    return ("" if locale == "zh-CN" else " ").join(parts)[:255]


def _list_validation(formula: str, col: ColumnSpec, locale: str, style: str = "stop") -> DataValidation:
    # An enum or boolean is one of its labels: a wrong value is refused ("stop"). A reference to
    # another table only warns ("warning"): the record it names may be entered later, and
    # validation reports it with its row.
    return DataValidation(
        type="list", formula1=formula, allow_blank=True, showDropDown=False,
        showInputMessage=True, promptTitle=col.label(locale)[:32], prompt=_input_help(col, locale),
        showErrorMessage=True, errorStyle=style, errorTitle=tr(_BAD_TITLE, locale)[:32],
        error=tr(_BAD_VALUE if style == "warning" else _NOT_IN_LIST, locale),
    )


def _style_header(cell: Any, required: bool) -> None:
    cell.font = HEADER_FONT
    cell.fill = HEADER_FILL_REQUIRED if required else HEADER_FILL_OPTIONAL
    cell.alignment = HEADER_ALIGN


def _add_table(ws: Worksheet, name: str, headers: list[str], rows: int) -> None:
    # Excel Tables cannot have zero data rows: at least one (empty) row below the header.
    ref = f"A1:{get_column_letter(len(headers))}{1 + max(rows, 1)}"
    table = Table(displayName=name, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name=TABLE_STYLE, showRowStripes=True)
    ws.add_table(table)


def _build_lists(wb: Workbook, locale: str) -> dict[str, str]:
    """The hidden lists sheet: one column per enum (labels of the locale), the booleans, then the
    lists of the settings (``Insurer``, ``Payer``: addin.io.setting_lists, from the settings'
    defaults). Returns list name -> defined name."""
    ws = wb.create_sheet(LISTS_SHEET)
    ws.sheet_properties.codeName = code_name(LISTS_SHEET)
    ws.sheet_state = "veryHidden"  # only the dropdowns read it; not in Excel's Unhide list
    lists: dict[str, list[str]] = {}
    for spec in SHEETS.values():
        for col in spec.columns:
            if col.enum is not None and col.enum.__name__ not in lists:
                lists[col.enum.__name__] = _dropdown_choices(col, locale)
    lists["Bool"] = list(BOOL_WORDS.get(locale, ("TRUE", "FALSE")))
    # issue 13: the insurers and payers the settings list (addin.io.setting_lists; empty in a new
    # workbook, refreshed by every writer of the settings).
    lists.update(list_values(SETTING_DEFAULTS))
    names = {}
    for idx, (enum_name, labels) in enumerate(lists.items(), start=1):
        ws.cell(1, idx, enum_name).font = Font(bold=True)
        for r, label in enumerate(labels, start=2):
            # Text cells, so that TRUE/FALSE stay the words offered in the dropdown.
            ws.cell(r, idx, label).data_type = "s"
        letter = get_column_letter(idx)
        defined = enum_list_name(enum_name)
        wb.defined_names[defined] = DefinedName(defined, attr_text=list_range(LISTS_SHEET, idx, len(labels)))
        names[enum_name] = defined
        ws.column_dimensions[letter].width = max(12, max((_display_width(x) for x in labels), default=0) + 2)
    return names


def _build_data_sheet(wb: Workbook, spec: SheetSpec, locale: str, lists: dict[str, str]) -> Worksheet:
    ws = wb.create_sheet(sheet_title(spec.key, locale))
    ws.sheet_properties.codeName = code_name(spec.key)
    headers = [c.label(locale) for c in spec.columns]
    for idx, col in enumerate(spec.columns, start=1):
        letter = get_column_letter(idx)
        _style_header(ws.cell(1, idx, headers[idx - 1]), col.required)
        ws.column_dimensions[letter].width = round(_column_width(col, locale), 1)
        fmt = NUMBER_FORMATS.get(col.kind)
        if fmt:
            ws.column_dimensions[letter].number_format = fmt
            ws.cell(2, idx).number_format = fmt
        span = f"{letter}2:{letter}{MAX_ROW}"
        if col.enum is not None:
            dv = _list_validation(lists[col.enum.__name__], col, locale)
        elif col.kind == "bool":
            dv = _list_validation(lists["Bool"], col, locale)
        elif col.key in LISTED_FROM_SETTINGS and LISTED_FROM_SETTINGS[col.key] in lists:
            # A new insurer or payer may be typed: warning only (issue 13).
            dv = _list_validation(lists[LISTED_FROM_SETTINGS[col.key]], col, locale, "warning")
        elif col.ref:
            dv = _list_validation(ref_list_name(col.ref), col, locale, "warning")
        elif col.key in LISTED_FROM and not LISTED_FROM[col.key].startswith(spec.key + "."):
            dv = _list_validation(ref_list_name(LISTED_FROM[col.key]), col, locale, "warning")
        else:
            prompt = _input_help(col, locale)
            if not prompt:
                continue
            dv = DataValidation(allow_blank=True, showInputMessage=True, promptTitle=col.label(locale)[:32],
                                prompt=prompt)
        dv.add(span)
        ws.add_data_validation(dv)
    ws.row_dimensions[1].height = 30
    ws.freeze_panes = "B2" if len(spec.columns) > WIDE_SHEET_COLUMNS else "A2"
    _add_table(ws, spec.table_name, headers, 0)
    if spec.key in VERY_HIDDEN_SHEETS:
        ws.sheet_state = "veryHidden"
    return ws


def add_own_sheet(wb: Workbook, key: str, locale: str) -> Worksheet:
    """Add one of the add-in's own sheets (periods, fingerprints, audit_log, checks, dashboard) to a workbook
    that lacks it, laid out as :func:`build_workbook` lays it out; its dropdowns list their
    choices inline, as such a workbook may have no lists sheet."""
    if key == DASHBOARD_KEY:
        return _build_dashboard(wb, locale)
    if key == BOARD_KEY:
        return _build_board(wb, locale)
    spec = SHEETS[key]
    inline = {"Bool": '"' + ",".join(BOOL_WORDS.get(locale, ("TRUE", "FALSE"))) + '"'}
    for col in spec.columns:
        if col.enum is not None:
            inline[col.enum.__name__] = '"' + ",".join(_enum_labels(col, locale)) + '"'
    return _build_data_sheet(wb, spec, locale, inline)


def _setting_value(text: str) -> Any:
    # Typed cells where the default is a number or a boolean, so Excel does not flag
    # "number stored as text"; the reader takes either.
    if text == "":
        return None
    if text in ("TRUE", "FALSE"):
        return text == "TRUE"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


_SETTING_CHOICES = {
    "locale": '"en-US,zh-CN"',
    "valuation_method": '"fifo,moving_average"',
    "prices_include_tax": '"TRUE,FALSE"',
}


def _build_settings(wb: Workbook, locale: str) -> Worksheet:
    spec = SHEETS["settings"]
    ws = wb.create_sheet(sheet_title("settings", locale))
    ws.sheet_properties.codeName = code_name("settings")
    headers = [c.label(locale) for c in spec.columns]
    for idx, header in enumerate(headers, start=1):
        _style_header(ws.cell(1, idx, header), idx == 1)
    defaults = dict(SETTING_DEFAULTS, locale=locale)
    for r, (key, text) in enumerate(defaults.items(), start=2):
        ws.cell(r, 1, key)
        ws.cell(r, 2, _setting_value(text))
        en, zh = SETTING_LABELS[key]
        ws.cell(r, 3, zh if locale == "zh-CN" else en)
        if key in _SETTING_CHOICES:
            dv = DataValidation(type="list", formula1=_SETTING_CHOICES[key], allow_blank=True)
            dv.add(f"B{r}")
            ws.add_data_validation(dv)
    for letter, width in (("A", 24), ("B", 22), ("C", 40)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    _add_table(ws, spec.table_name, headers, len(defaults))
    return ws


def _build_dashboard(wb: Workbook, locale: str) -> Worksheet:
    ws = wb.create_sheet(sheet_title(DASHBOARD_KEY, locale))
    ws.sheet_properties.codeName = code_name(DASHBOARD_KEY)
    ws["A1"] = ws.title
    ws["A1"].font = Font(bold=True, size=16)
    ws["A2"] = tr(_DASHBOARD_HINT, locale)
    return ws


def _build_board(wb: Workbook, locale: str) -> Worksheet:
    """The workshop board (issue 18), empty until refreshed: after the data sheets, before the
    lists and xlwings.conf sheets (so that the data sheets keep their part names)."""
    ws = wb.create_sheet(sheet_title(BOARD_KEY, locale), board_index(wb))
    ws.sheet_properties.codeName = code_name(BOARD_KEY)
    ws["A1"] = ws.title
    ws["A1"].font = Font(bold=True, size=16)
    ws["A2"] = tr(_BOARD_HINT, locale)
    return ws


def board_index(wb: Workbook) -> int | None:
    """Where the board goes: before the lists or xlwings.conf sheet, else at the end (None)."""
    names = [n.casefold() for n in wb.sheetnames]
    return next((i for i, n in enumerate(names) if n in (LISTS_SHEET, CONF_SHEET)), None)


def _build_conf(wb: Workbook, locale: str) -> Worksheet:
    ws = wb.create_sheet(CONF_SHEET)
    ws.sheet_properties.codeName = code_name(CONF_SHEET)
    ws.sheet_state = "veryHidden"  # xlwings reads it hidden; a user has no business there
    for r, (key, value, note) in enumerate(_CONF_ROWS, start=1):
        ws.cell(r, 1, key)
        if value is not None:
            ws.cell(r, 2, value)
        if note is not None:
            ws.cell(r, 3, tr(note, locale))
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 90
    return ws


def build_workbook(locale: str = "en-US") -> Workbook:
    """The empty Service workbook's layout in ``locale`` (en-US or zh-CN), from the models only.

    Sheet order: settings, dashboard, the other sheets of SHEETS in order, the board, the hidden lists sheet,
    xlwings.conf. Every sheet has a VBA code name (:func:`code_name`)."""
    if locale not in LOCALES:
        raise ServiceError(_BAD_LOCALE, name=locale)
    wb = Workbook()
    wb.remove(wb.active)
    _build_settings(wb, locale)
    _build_dashboard(wb, locale)
    lists = _build_lists(wb, locale)
    for key, spec in SHEETS.items():
        if key != "settings":
            _build_data_sheet(wb, spec, locale, lists)
    # Reference dropdowns (and LISTED_FROM) list a Table column through a defined name.
    sources = [c.ref for s in SHEETS.values() for c in s.columns if c.ref] + list(LISTED_FROM.values())
    for source in dict.fromkeys(sources):
        sheet, column = source.split(".")
        target = SHEETS[sheet]
        name = ref_list_name(source)
        ref = structured_ref(target.table_name, target.column(column).label(locale))
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
    # The lists sheet is made before the data sheets (their dropdowns name its lists) but sits
    # after them (and the board), just before xlwings.conf.
    wb.move_sheet(LISTS_SHEET, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(LISTS_SHEET))
    _build_board(wb, locale)
    _build_conf(wb, locale)
    wb.active = 0
    from addin.dashboard import write_dashboard

    write_dashboard(wb, None, locale)
    return wb


def build(out: Path, locale: str = "en-US", backup: bool = True) -> Path:
    """Build the workbook into ``out``: an .xlsm gets the VBA project and ribbon from
    :func:`addin.vba.install_vba`; an .xlsx is the layout only. The file is put in place
    atomically (the previous one kept as ``<name>.bak``)."""
    from addin.io.writer import replace_file, save_atomic

    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".xlsm", ".xlsx"):
        raise ServiceError(_BAD_SUFFIX, path=out)
    wb = build_workbook(locale)
    if suffix == ".xlsx":
        save_atomic(wb, out, backup=backup)
        return out
    from addin.vba import install_vba

    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".build-") as tmp:
        layout = Path(tmp) / "layout.xlsx"
        wb.save(layout)
        staged = Path(tmp) / out.name
        install_vba(layout, staged, locale)
        replace_file(staged, out, backup=backup)
    return out


# ---------------------------------------------------------------------------------------------
# The golden description of a built workbook (compared by tests/test_builder.py).

_SMALL_SHEETS = {"settings", LISTS_SHEET, CONF_SHEET}


def _sheet_key_of(title: str) -> str | None:
    for key in SHEETS:
        if title in (SHEETS[key].label_en, SHEETS[key].label_zh):
            return key
    for key, labels in EXTRA_SHEET_LABELS.items():
        if title in labels:
            return key
    return None


def describe_workbook(wb: Workbook) -> dict[str, Any]:
    """What the golden file records of a workbook: per sheet its name, code name, state, frozen
    panes, table (name, ref, header), data validations, number formats of the first data row;
    the values of the small sheets (settings, lists, xlwings.conf); and the defined names."""
    sheets = []
    for ws in wb.worksheets:
        key = _sheet_key_of(ws.title)
        entry: dict[str, Any] = {
            "name": ws.title,
            "code_name": ws.sheet_properties.codeName,
            "state": ws.sheet_state,
            "freeze_panes": ws.freeze_panes,
        }
        tables = list(ws.tables.values())
        if tables:
            table = tables[0]
            entry["tables"] = [{"name": t.displayName, "ref": t.ref} for t in tables]
            first = ws[table.ref][0]
            entry["header"] = [c.value for c in first]
            entry["formats"] = {c.value: ws.cell(first[0].row + 1, c.column).number_format for c in first}
        entry["validations"] = sorted(
            ({"type": dv.type, "formula1": dv.formula1, "sqref": str(dv.sqref),
              "prompt": dv.prompt} for dv in ws.data_validations.dataValidation),
            key=lambda d: d["sqref"],
        )
        if key in _SMALL_SHEETS:
            entry["values"] = [list(row) for row in ws.iter_rows(values_only=True)]
        sheets.append(entry)
    names = {name: dn.attr_text for name, dn in wb.defined_names.items()}
    return {"sheets": sheets, "defined_names": dict(sorted(names.items()))}


GOLDEN = Path(__file__).resolve().parents[2] / "tests" / "golden" / "service_layout.json"


def golden_description(locale: str = "en-US") -> dict[str, Any]:
    """The description of a freshly built workbook, read back from a saved file (as the tests
    read the committed Service.xlsm)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "layout.xlsx"
        build_workbook(locale).save(path)
        return describe_workbook(load_workbook(path))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m addin.io.builder",
                                     description="Regenerate the golden description of the built workbook.")
    parser.add_argument("--golden", action="store_true", help=f"rewrite {GOLDEN}")
    parser.add_argument("--out", type=Path, default=GOLDEN)
    args = parser.parse_args(argv)
    if not args.golden:
        parser.print_help()
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(golden_description(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

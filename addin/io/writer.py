"""The safe writer: every change the add-in makes to a workbook file goes through here.

Two promises. (1) Nothing is lost silently: openpyxl rewrites the whole package on save and drops
what it does not model, so :func:`preflight` inspects the zip package first (without openpyxl) and
:func:`open_for_update` refuses, naming each thing that would be lost. (2) A write is all or
nothing: :func:`save_atomic` saves beside the destination, fsyncs, keeps the previous file as
``<name>.bak`` and renames into place, so a crash or a locked file leaves the original as it was.

:func:`replace_rows` and :func:`append_rows` write typed records (dicts keyed by canonical keys,
or a typed DataFrame of addin.tables) into a sheet's Excel Table: enums as the locale's labels,
numbers and dates with their column's format, text always as text (a leading = never makes a
formula), and the Table resized to its records.
"""

from __future__ import annotations

import importlib.util
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from copy import copy
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.table import Table, TableColumn
from openpyxl.worksheet.worksheet import Worksheet

from addin.errors import UnsafeWriteError, WorkbookReadError
from addin.i18n import Text, tr
from addin.io.cells import NUMBER_FORMATS, find_sheet_name, with_setting_labels
from addin.io.cells import blank as _blank
from addin.io.cells import column_forms as _column_forms
from addin.io.cells import columns_of as _columns_of
from addin.io.cells import converter as _converter
from addin.io.cells import plain as _plain
from addin.io.cells import sheet_forms as _sheet_forms
from addin.io.files import FileStamp, backup_path, check_destination, replace_file, target_of, temp_beside  # noqa: F401
from addin.io.safety import EXT_URI, PackageInfo, check_workbook
from addin.models import SHEETS, ColumnSpec, SheetSpec
from addin.tables import normalize_label

T = TypeVar("T")

# ---------------------------------------------------------------------------------------------
# Preflight: what an openpyxl load/save round trip would drop.

_CUSTOM_UI14_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
_CUSTOM_UI_REL = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
_MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlam")

_LOST_SHAPES = Text("shapes or text boxes ({part})", "形状或文本框（{part}）")
_LOST_IMAGES = Text("pictures ({part}; openpyxl keeps them only with Pillow installed)",
                    "图片（{part}；openpyxl 仅在安装 Pillow 时保留）")
_LOST_EXT = Text("{what} ({part})", "{what_zh}（{part}）")
_LOST_CUSTOM_UI14 = Text("the Office 2010 ribbon (customUI14)", "Office 2010 功能区（customUI14）")
_LOST_RIBBON_XLSX = Text("the ribbon (customUI) of a workbook without macros", "无宏工作簿中的功能区（customUI）")
_LOST_PARTS: tuple[tuple[str, Text], ...] = (
    ("xl/slicers/", Text("slicers", "切片器")),
    ("xl/slicerCaches/", Text("slicer caches", "切片器缓存")),
    ("xl/pivotCache/", Text("pivot caches", "数据透视表缓存")),
    ("xl/pivotTables/", Text("pivot tables", "数据透视表")),
    ("xl/externalLinks/", Text("links to other workbooks", "外部工作簿链接")),
    ("xl/timelines/", Text("timelines", "日程表")),
    ("xl/timelineCaches/", Text("timeline caches", "日程表缓存")),
    ("xl/metadata.xml", Text("dynamic-array formulas (metadata)", "动态数组公式（metadata）")),
    ("xl/threadedComments/", Text("threaded comments", "批注会话")),
    ("xl/model/", Text("the data model (Power Pivot)", "数据模型（Power Pivot）")),
    ("xl/connections.xml", Text("data connections", "数据连接")),
    ("xl/queryTables/", Text("query tables", "查询表")),
    ("xl/macrosheets/", Text("Excel 4.0 macro sheets", "Excel 4.0 宏表")),
    ("xl/dialogsheets/", Text("dialog sheets", "对话框工作表")),
    # Office web add-ins (xlwings Lite among them) keep their code and settings here.
    ("customXml/", Text("custom XML parts (Office add-ins' data)", "自定义 XML 部件（Office 加载项数据）")),
    ("xl/webextensions/", Text("Office web add-ins (webextensions)", "Office Web 加载项（webextensions）")),
)
# extLst entries by uri: what they hold. openpyxl drops every extLst of sheets and workbook.
_EXT_URIS: dict[str, tuple[str, str]] = {
    "{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}": ("x14 data validation (lists from other sheets)", "x14 数据验证"),
    "{78C0D931-6437-407d-A8EE-F0AAD7539E65}": ("x14 conditional formatting", "x14 条件格式"),
    "{B025F937-C7B1-47D3-B67F-A62EFF666E3E}": ("x14 conditional formatting", "x14 条件格式"),
    "{05C60535-1F16-4fd2-B633-F4F36F0B64E0}": ("sparklines", "迷你图"),
    "{A8765BA9-456A-4dab-B4F3-ACF838C121DE}": ("slicers", "切片器"),
    "{3A4CF648-6AED-40f4-86FF-DC5316D8AED3}": ("table slicers", "表格切片器"),
    "{7E03D99C-DC04-49d9-9315-930204A7B6E9}": ("timelines", "日程表"),
    "{BBE1A952-AA13-448e-AADC-164F8A28A991}": ("slicer caches", "切片器缓存"),
    "{46BE6895-7355-4a93-B00E-2C351335B9C9}": ("table slicer caches", "表格切片器缓存"),
    "{D0CA8CA8-9F24-4464-BF8E-62219DCF47F9}": ("timeline caches", "日程表缓存"),
    "{FCE2AD5D-F65C-4FA6-A056-5C36A1767C68}": ("the data model (Power Pivot)", "数据模型（Power Pivot）"),
    "{876F7934-8845-4945-9796-88D515C7AA90}": ("pivot caches", "数据透视表缓存"),
    "{841E416B-1EF1-43b6-AB56-02D37102CBD5}": ("pivot caches", "数据透视表缓存"),
}
# Workbook extensions that only record the application's own settings (chart tracking,
# calculation features, image DPI, compatibility version, the Mac build): every file Excel saves
# has some of them and nothing a user made is lost with them.
_HARMLESS_URIS = {
    "{140A7094-0E35-4892-8432-C4D2E57EDEB5}",
    "{B58B0392-4F1F-4190-BB64-5DF3571DCE5F}",
    "{79F54976-1DA5-4618-B147-4CDE4B953A38}",
    "{D14903EA-33C4-47F7-8F05-3474C54BE107}",
    "{7523E5D3-25F3-A5E0-1632-64F254C22452}",
}
_SHAPE_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(sp|grpSp|cxnSp)[\s>/]")
_PIC_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?pic[\s>/]")
_REL_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Relationship\b[^>]*>")
_TYPE_RE = re.compile(rb"\bType=\"([^\"]+)\"")
_CHUNK = 1 << 20

_REFUSED = Text(
    "Not written: saving {file} would lose {items}. Nothing was changed; remove them or save a copy from Excel first.",
    "未写入：保存 {file} 将丢失{items_zh}。文件未作任何改动；请先删除这些内容，或在 Excel 中另存一份。",
)
_LOCKED = Text("Not written: {file} is open in Excel or locked ({reason}). Close it and try again; nothing was changed.",
               "未写入：{file} 正在 Excel 中打开或被锁定（{reason}）。请关闭后重试；文件未作任何改动。")
_READONLY = Text("Not written: {file} is read-only. Nothing was changed.", "未写入：{file} 为只读。文件未作任何改动。")
_SAVE_FAILED = Text("Not written: saving {file} failed ({reason}). The previous file is unchanged.",
                    "未写入：保存 {file} 失败（{reason}）。原文件未改动。")
_NO_SHEET = Text("The workbook has no sheet {sheet} ({label_en} / {label_zh}).",
                 "工作簿中没有工作表 {sheet}（{label_en} / {label_zh}）。")
_NO_HEADER = Text("Sheet {sheet}: no header row with its columns in rows 1-10, so nothing can be written.",
                  "工作表 {sheet}：前 10 行中没有含其列名的表头行，无法写入。")
_NOT_A_WORKBOOK = Text("{file} cannot be opened for writing ({reason}).", "{file} 无法打开写入（{reason}）。")


def _scan_member(zf: zipfile.ZipFile, name: str, pattern: re.Pattern[bytes], needle: bytes = b"") -> list[bytes]:
    """All matches of ``pattern`` in a part, streamed (sheet XML of a large store is ~100 MB).
    ``needle``: text every match contains; a chunk without it is not searched (the pattern
    starts at every "<" of the XML, the needle is found at memory speed)."""
    found: list[bytes] = []
    tail = b""
    with zf.open(name) as part:
        while chunk := part.read(_CHUNK):
            buf = tail + chunk
            # Matches are short; keep the last 4 KB for one that straddles two chunks.
            cut = max(0, len(buf) - 4096)
            if needle and needle not in buf:
                tail = buf[cut:]
                continue
            for m in pattern.finditer(buf):
                if m.start() < cut:
                    found.append(m.group(1) if m.groups() else m.group(0))
            tail = buf[cut:]
    for m in pattern.finditer(tail):
        found.append(m.group(1) if m.groups() else m.group(0))
    return found


def _findings(
    path: Path, sane: bool = False, package: PackageInfo | None = None
) -> list[tuple[Text, dict[str, Any]]]:
    if not sane and package is None:
        check_workbook(path)
    known = package.extensions if package is not None else {}
    out: list[tuple[Text, dict[str, Any]]] = []
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        for prefix, text in _LOST_PARTS:
            if any(n == prefix or (prefix.endswith("/") and n.startswith(prefix)) for n in names):
                out.append((text, {}))
        if "_rels/.rels" in names:
            for rel in _REL_RE.findall(zf.read("_rels/.rels")):
                m = _TYPE_RE.search(rel)
                rel_type = m.group(1).decode() if m else ""
                if rel_type == _CUSTOM_UI14_REL:
                    out.append((_LOST_CUSTOM_UI14, {}))
                elif rel_type == _CUSTOM_UI_REL and path.suffix.lower() not in _MACRO_SUFFIXES:
                    out.append((_LOST_RIBBON_XLSX, {}))
        pillow = importlib.util.find_spec("PIL") is not None
        for name in names:
            if re.fullmatch(r"xl/drawings/drawing\d+\.xml", name):
                if _scan_member(zf, name, _SHAPE_RE):
                    out.append((_LOST_SHAPES, {"part": name}))
                if not pillow and _scan_member(zf, name, _PIC_RE):
                    out.append((_LOST_IMAGES, {"part": name}))
            elif re.fullmatch(r"xl/(worksheets/sheet\d+|workbook)\.xml", name):
                seen: set[str] = set()
                found = known[name] if name in known else _scan_member(zf, name, EXT_URI, b"ext")
                for uri in (u.decode() for u in found):
                    if uri in _HARMLESS_URIS:
                        continue
                    en, zh = _EXT_URIS.get(uri, (f"extension content {uri}", f"扩展内容 {uri}"))
                    if en not in seen:
                        seen.add(en)
                        out.append((_LOST_EXT, {"part": name, "what": en, "what_zh": zh}))
    return out


def preflight(path: str | Path, locale: str | None = None) -> list[str]:
    """What an openpyxl load and save of ``path`` would drop, one line per thing (empty: safe).

    Reads the zip package only (no openpyxl). Raises WorkbookReadError when ``path`` is not a
    readable workbook package."""
    return [tr(text, locale, **values) for text, values in _findings(Path(path))]


def check_safe(path: str | Path, sane: bool = False, package: PackageInfo | None = None) -> None:
    """Raise :class:`UnsafeWriteError` naming every finding of :func:`preflight` and the file.
    ``sane``: the caller has just run :func:`addin.io.safety.check_workbook` on it (reading it), so
    the package is not checked a second time in one run. ``package``: that check's
    :func:`~addin.io.safety.inspect_workbook`, whose scan of each worksheet also found its
    extensions: the worksheets are then not inflated again."""
    path = Path(path)
    found = _findings(path, sane, package)
    if found:
        raise UnsafeWriteError(
            _REFUSED, file=path,
            items="; ".join(tr(t, "en-US", **v) for t, v in found),
            items_zh="；".join(tr(t, "zh-CN", **v) for t, v in found),
        )


def open_for_update(path: str | Path, checked: bool = False) -> Workbook:
    """Load ``path`` with openpyxl for a read-modify-write, after :func:`preflight` found nothing
    that would be lost (else :class:`UnsafeWriteError`; skipped when ``checked``: the caller ran
    :func:`check_safe` in this run). Macros are kept for .xlsm files."""
    path = Path(path)
    if not checked:
        check_safe(path)
    try:
        return load_workbook(path, keep_vba=path.suffix.lower() in _MACRO_SUFFIXES, keep_links=True)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise WorkbookReadError(_NOT_A_WORKBOOK, file=path, reason=str(exc) or type(exc).__name__) from None


# ---------------------------------------------------------------------------------------------
# Sheets and their header row.


def find_sheet(wb: Workbook, sheet_key: str) -> Worksheet:
    """The worksheet of a sheet key, named by its key, English or Chinese label (case and spaces
    ignored). Also knows the dashboard, lists and xlwings.conf sheets. Raises WorkbookReadError."""
    name = find_sheet_name(wb.sheetnames, sheet_key)
    if name is None:
        forms = _sheet_forms(sheet_key)
        raise WorkbookReadError(_NO_SHEET, sheet=sheet_key, label_en=forms[1], label_zh=forms[2])
    return wb[name]


def _sheet_table(ws: Worksheet, spec: SheetSpec) -> Table | None:
    tables = list(ws.tables.values())
    for table in tables:
        if normalize_label(table.displayName) == normalize_label(spec.table_name):
            return table
    return tables[0] if len(tables) == 1 else None


class _Layout:
    """Where a sheet's records live: header row, column of each key, the Table if any."""

    def __init__(self, ws: Worksheet, spec: SheetSpec) -> None:
        self.ws, self.spec = ws, spec
        self.table = _sheet_table(ws, spec)
        forms = {c.key: _column_forms(c) for c in spec.columns}
        if self.table is not None:
            min_col, min_row, max_col, _ = range_boundaries(self.table.ref)
            self.header_row, self.first_col, self.last_col = min_row, min_col, max_col
        else:
            self.header_row, self.first_col, self.last_col = self._find_header(forms)
        self.columns: dict[str, int] = {}
        self.headers: dict[str, int] = {}  # normalized header text -> column (extra columns too)
        cells = ws._cells
        for c in range(self.first_col, self.last_col + 1):
            cell = cells.get((self.header_row, c))
            value = cell.value if cell is not None else None
            if value is None:
                continue
            norm = normalize_label(value)
            self.headers.setdefault(norm, c)
            for key, keyforms in forms.items():
                if norm in keyforms and key not in self.columns:
                    self.columns[key] = c

    def _find_header(self, forms: dict[str, set[str]]) -> tuple[int, int, int]:
        every = set().union(*forms.values())
        cells, width = self.ws._cells, self.ws.max_column
        best, best_row, best_cols = 0, 0, [1]
        for r in range(1, 11):
            row = {c: cell.value for c in range(1, width + 1)
                   if (cell := cells.get((r, c))) is not None and cell.value is not None}
            hits = sum(1 for v in row.values() if normalize_label(v) in every)
            if hits > best:
                best, best_row, best_cols = hits, r, list(row)
        if not best:
            raise UnsafeWriteError(_NO_HEADER, sheet=self.ws.title)
        return best_row, 1, max(best_cols)

    def data_end(self) -> int:
        """The last row holding a value in the layout's columns (the header row when empty)."""
        bottom = range_boundaries(self.table.ref)[3] if self.table is not None else self.ws.max_row
        cells = self.ws._cells
        cols = range(self.first_col, self.last_col + 1)
        for r in range(bottom, self.header_row, -1):
            if any((cell := cells.get((r, c))) is not None and cell.value is not None for c in cols):
                return r
        return self.header_row

    def add_column(self, col: ColumnSpec, locale: str) -> int:
        """Append a header for a model column the sheet lacks, widening its Table."""
        c = self.last_col + 1
        header = self.ws.cell(self.header_row, c, col.label(locale))
        left = self.ws.cell(self.header_row, self.last_col)
        if left.has_style:
            header._style = copy(left._style)
        self.last_col = c
        self.columns[col.key] = c
        if self.table is not None:
            self.table.tableColumns.append(TableColumn(id=len(self.table.tableColumns) + 1, name=header.value))
        return c

    def add_header(self, name: str) -> int:
        """Append a header for a column the models do not know (kept as read), widening the Table."""
        c = self.last_col + 1
        header = self.ws.cell(self.header_row, c, name)
        header.data_type = "s"
        left = self.ws.cell(self.header_row, self.last_col)
        if left.has_style:
            header._style = copy(left._style)
        self.last_col = c
        self.headers.setdefault(normalize_label(name), c)
        if self.table is not None:
            self.table.tableColumns.append(TableColumn(id=len(self.table.tableColumns) + 1, name=name))
            self.resize(max(self.data_end(), self.header_row + 1))
        return c

    def resize(self, last_row: int) -> None:
        if self.table is None:
            return
        # Excel Tables need at least one data row.
        last_row = max(last_row, self.header_row + 1)
        ref = f"{get_column_letter(self.first_col)}{self.header_row}:{get_column_letter(self.last_col)}{last_row}"
        self.table.ref = ref
        if self.table.autoFilter is not None:
            self.table.autoFilter.ref = ref


def sheet_columns(wb: Workbook, sheet_key: str) -> tuple[Worksheet, int, dict[str, int]]:
    """A sheet's worksheet, its header row and the column number of each canonical key found in
    that header (for callers that mark or edit single cells)."""
    layout = _Layout(find_sheet(wb, sheet_key), SHEETS[sheet_key])
    return layout.ws, layout.header_row, dict(layout.columns)


def add_extra_columns(wb: Workbook, sheet_key: str, names: Iterable[str]) -> list[int]:
    """Add a header for each of ``names`` the sheet's header lacks (columns the models do not know);
    returns their column numbers."""
    layout = _Layout(find_sheet(wb, sheet_key), SHEETS[sheet_key])
    return [layout.add_header(n) for n in names if normalize_label(n) not in layout.headers]


def _template(ws: Worksheet, row: int, column: int, kind: str) -> StyleArray:
    """The style for new cells of a column: the first data cell's, with the kind's number format."""
    base = ws._cells.get((row, column))
    probe = Cell(ws, row=row, column=column, style_array=base._style if base is not None else None)
    fmt = NUMBER_FORMATS.get(kind)
    if fmt is not None:
        probe.number_format = fmt
    return probe._style


def _write(layout: _Layout, count: int, values: dict[str, list[Any]], first_row: int, locale: str) -> None:
    ws, spec = layout.ws, layout.spec
    cells = ws._cells
    for key, column_values in values.items():
        col_spec = spec.by_key.get(key)
        if col_spec is None:
            column = layout.headers.get(normalize_label(key))
            if column is None:
                continue  # not a column of the model nor of the sheet: nothing to write it into
            convert, kind = _plain, "unknown"
        else:
            if key not in layout.columns:
                if not any(not _blank(v) for v in column_values):
                    continue
                layout.add_column(col_spec, locale)
            column, convert, kind = layout.columns[key], _converter(col_spec, locale), col_spec.kind
        style = _template(ws, layout.header_row + 1, column, kind)
        for offset, v in enumerate(column_values):
            r = first_row + offset
            if v is None or (v.__class__ is float and v != v) or (v.__class__ is not str and _blank(v)):
                continue  # the row was cleared (replace) or is new (append)
            value, data_type = convert(v)
            cell = Cell(ws, row=r, column=column, style_array=style)  # Cell copies the style array
            # Set the stored value and type directly: no formula or error-code guessing.
            cell._value = value
            cell.data_type = data_type
            cells[(r, column)] = cell


def replace_rows(wb: Workbook, sheet_key: str, records: Iterable[Mapping[str, Any]] | pd.DataFrame,
                 locale: str = "en-US") -> list[int]:
    """Replace every record of a sheet with ``records`` (dicts keyed by canonical keys, or a
    typed DataFrame). Columns are found by the header row; cells of columns the records do not
    name are cleared, columns the model does not know are left untouched. Returns the rows written."""
    spec = SHEETS[sheet_key]
    if sheet_key == "settings":  # every settings row carries its label (addin.io.cells.setting_label)
        records = with_setting_labels(records, locale)
    layout = _Layout(find_sheet(wb, sheet_key), spec)
    count, values = _columns_of(records)
    old_end = layout.data_end()
    first = layout.header_row + 1
    cells = layout.ws._cells
    keep_style = {c: _template(layout.ws, first, c, spec.by_key[k].kind) for k, c in layout.columns.items()}
    for r in range(first, old_end + 1):
        for c in layout.columns.values():
            cells.pop((r, c), None)
    # The first data row keeps its formats when it ends up empty (the layout of a new workbook).
    for c, style in keep_style.items():
        cells[(first, c)] = Cell(layout.ws, row=first, column=c, style_array=style)
    _write(layout, count, values, first, locale)
    layout.resize(layout.header_row + count)
    return list(range(first, first + count))


def append_rows(wb: Workbook, sheet_key: str, records: Iterable[Mapping[str, Any]] | pd.DataFrame,
                locale: str = "en-US") -> list[int]:
    """Append ``records`` below the last record of a sheet (see :func:`replace_rows`); the Table
    grows to hold them. Returns the worksheet rows written, in order."""
    spec = SHEETS[sheet_key]
    if sheet_key == "settings":  # every settings row carries its label (addin.io.cells.setting_label)
        records = with_setting_labels(records, locale)
    layout = _Layout(find_sheet(wb, sheet_key), spec)
    count, values = _columns_of(records)
    first = layout.data_end() + 1
    _write(layout, count, values, first, locale)
    layout.resize(max(first + count - 1, layout.header_row + 1))
    return list(range(first, first + count))


# ---------------------------------------------------------------------------------------------
# Atomic save.


#: Parts an openpyxl save may leave out without losing anything a user made: Excel rebuilds the
#: calculation chain, and the shared strings are written anew (inline text needs none).
_REBUILT_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml",
}
_LOST_ON_SAVE = Text("{kind} ({parts})", "{kind}（{parts}）")


def part_types(zf: zipfile.ZipFile) -> dict[str, str]:
    """Every part of a package with its content type ([Content_Types].xml: overrides by part
    name, defaults by extension)."""
    from defusedxml.ElementTree import fromstring

    ns = "{http://schemas.openxmlformats.org/package/2006/content-types}"
    root = fromstring(zf.read("[Content_Types].xml"))
    defaults = {d.get("Extension", "").lower(): d.get("ContentType", "") for d in root.iter(f"{ns}Default")}
    overrides = {o.get("PartName", "").lstrip("/"): o.get("ContentType", "") for o in root.iter(f"{ns}Override")}
    out = {}
    for name in zf.namelist():
        if name.endswith("/") or name == "[Content_Types].xml":
            continue
        out[name] = overrides.get(name) or defaults.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")
    return out


#: What an edit that clears its own cell notes (validate --write's marks) may leave out.
NOTE_PARTS = (
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml", ""),
    ("application/vnd.openxmlformats-officedocument.vmlDrawing", "commentsDrawing"),
)


def lost_parts(original: Path, saved: Path, may_drop: Iterable[tuple[str, str]] = ()) -> list[tuple[str, list[str]]]:
    """What a save dropped, by construction rather than from a list of known losses: for each
    content type, the parts of ``original`` beyond the number ``saved`` still holds (openpyxl
    renumbers parts, so they are compared by kind and count). ``may_drop``: (content type, text
    in the part's name) of parts the edit means to remove. Empty: nothing lost."""
    with zipfile.ZipFile(original) as a, zipfile.ZipFile(saved) as b:
        before, after = part_types(a), part_types(b)
    counts: dict[str, int] = {}
    for kind in after.values():
        counts[kind] = counts.get(kind, 0) + 1
    allowed = list(may_drop)
    lost = []
    for kind in sorted(set(before.values()) - _REBUILT_TYPES):
        parts = sorted(n for n, k in before.items() if k == kind
                       and not any(kind == t and text in n for t, text in allowed))
        if len(parts) > counts.get(kind, 0):
            lost.append((kind, parts))
    return lost


def save_atomic(wb: Workbook, dest: str | Path, backup: bool = True, stamp: FileStamp | None = None,
                original: str | Path | None = None, may_drop: Iterable[tuple[str, str]] = ()) -> Path:
    """Save ``wb`` to ``dest`` all or nothing: written to a temporary file in the same folder,
    fsynced, the previous ``dest`` kept as ``<name>.bak`` (replacing an older backup), then
    renamed into place (with ``stamp``, only while ``dest`` is still that file). With
    ``original`` (the file ``wb`` was loaded from), the saved package is compared with it first:
    any kind of part the save would drop refuses the write, naming the parts (nothing written).
    A locked or read-only destination raises UnsafeWriteError before anything is written; any
    failure leaves ``dest`` as it was and no temporary file behind."""
    dest = target_of(dest)
    check_destination(dest)
    tmp = temp_beside(dest)
    try:
        wb.save(tmp)
        if original is not None:
            lost = lost_parts(Path(original), tmp, may_drop)
            if lost:
                items = "; ".join(tr(_LOST_ON_SAVE, "en-US", kind=k, parts=", ".join(p)) for k, p in lost)
                raise UnsafeWriteError(_REFUSED, file=Path(original).name, items=items,
                                       items_zh="；".join(tr(_LOST_ON_SAVE, "zh-CN", kind=k, parts="、".join(p))
                                                         for k, p in lost))
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UnsafeWriteError(_SAVE_FAILED, file=dest, reason=exc.strerror or str(exc)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    replace_file(tmp, dest, backup=backup, stamp=stamp)
    return dest


def update_workbook(path: str | Path, edit: Callable[[Workbook], T], out: str | Path | None = None,
                    backup: bool = True, stamp: FileStamp | None = None, checked: bool = False,
                    may_drop: Iterable[tuple[str, str]] = ()) -> T:
    """Open ``path`` safely (:func:`open_for_update`; ``checked``: the caller already ran the safety
    scan in this run), apply ``edit(wb)``, save atomically to ``out`` (default: ``path``) and return
    what ``edit`` returned. If ``edit`` raises, nothing is written."""
    wb = open_for_update(path, checked=checked)
    result = edit(wb)
    save_atomic(wb, Path(out) if out is not None else Path(path), backup=backup, stamp=stamp, original=path,
                may_drop=may_drop)
    return result

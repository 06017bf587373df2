"""The fast writer: edits only the zip parts that change and copies every other part byte for byte.

:mod:`addin.io.writer` loads and saves the whole workbook with openpyxl: correct, but a large
store's year (3.8 million cells) takes about 90 s, and anything openpyxl does not model has to
be refused first. :func:`edit_package` instead rewrites only the worksheet and table parts it
edits, as text: new rows are spliced in after the last record (the rest of a 70,000-row sheet is
never parsed), replaced records drop the Table's old rows, and single cells (settings values, the
dashboard's figures) are set in place. Every other part, the VBA project and ribbon included, is
copied compressed as it is, so nothing can be lost.

Values are converted exactly as the openpyxl path converts them (its ``_converter``: enum labels
of the locale, 是/否 in zh-CN, dates as Excel serials, text always text) and written as inline
strings, so the shared-strings part is never touched. Each new cell takes the style of the
column's cell in the first data row, as the openpyxl path does.

Whenever the fast path cannot be sure to write what the openpyxl path would (no Table where one
is expected, merged cells or formulas among the rows it rewrites, values below the Table,
a column to add, a style without the column's number format, ...) it raises
:class:`FastPathUnavailable` before the destination is touched, and the caller uses
:func:`addin.io.writer.update_workbook` instead. The write itself is atomic like the openpyxl
path's (temporary file beside the destination, fsync, ``<name>.bak``, rename).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import struct
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any

import pandas as pd
from defusedxml.ElementTree import fromstring, iterparse
from openpyxl.styles.numbers import BUILTIN_FORMATS
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, to_excel

from addin.io.cells import (
    NUMBER_FORMATS,
    blank,
    column_forms,
    columns_of,
    converter,
    find_sheet_name,
    plain,
    setting_forms,
    setting_value,
    with_setting_labels,
)
from addin.io.files import FileStamp, check_destination, replace_file, target_of, temp_beside
from addin.io.safety import check_workbook, part_relationships, worksheet_names
from addin.models import SHEETS, SheetSpec
from addin.tables import normalize_label

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_SST_PART = "xl/sharedStrings.xml"
_STYLES_PART = "xl/styles.xml"

Records = Iterable[Mapping[str, Any]] | pd.DataFrame


class FastPathUnavailable(Exception):
    """The package edit cannot be made safely as text; use the openpyxl path. Raised before the
    destination is touched. ``str(exc)`` says why (for logs, not for users)."""


# ---------------------------------------------------------------------------------------------
# Cells and rows as text.

_ROW_OPEN = re.compile(rb"<row\b([^>]*?)(/?)>")
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_ATTR_R = re.compile(rb'\br="([A-Z]{0,3})(\d+)"')
_ATTR_S = re.compile(rb'\bs="(\d+)"')
_ATTR_T = re.compile(rb'\bt="(\w+)"')
_SPANS = re.compile(rb'\s+spans="[^"]*"')
_HAS_VALUE = re.compile(rb"<v>[^<]|<is>|<f[\s>]")
_FORMULA = re.compile(rb"<f[\s>/]")
_TEXT = re.compile(rb"<t\b[^>]*?(?:/>|>(.*?)</t>)", re.S)
_PHONETIC = re.compile(rb"<rPh\b.*?</rPh>", re.S)
_V = re.compile(rb"<v>([^<]*)</v>")


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


@dataclass
class _Row:
    """One <row> element: its number, its other attributes and its cells by column."""

    r: int
    attrs: bytes
    cells: dict[int, bytes] = field(default_factory=dict)

    def xml(self) -> bytes:
        if not self.cells:
            return b"<row" + self.attrs + b"/>"
        return b"<row" + self.attrs + b">" + b"".join(self.cells[c] for c in sorted(self.cells)) + b"</row>"


def _parse_rows(region: bytes) -> list[_Row]:
    """The <row> elements of a piece of sheetData (which holds nothing else)."""
    rows: list[_Row] = []
    pos = 0
    while (m := _ROW_OPEN.search(region, pos)) is not None:
        attrs = m.group(1)
        r = re.search(rb'\br="(\d+)"', attrs)
        if r is None:
            raise FastPathUnavailable("a row without its number")
        # Cell spans are an optional hint that edits would make wrong: dropped.
        row = _Row(int(r.group(1)), _SPANS.sub(b"", attrs))
        if m.group(2):
            pos = m.end()
        else:
            end = region.find(b"</row>", m.end())
            if end < 0:
                raise FastPathUnavailable("an unterminated row")
            for cell in _CELL.finditer(region, m.end(), end):
                ref = _ATTR_R.search(cell.group(1))
                if ref is None or not ref.group(1):
                    raise FastPathUnavailable("a cell without its reference")
                row.cells[_col_number(ref.group(1))] = cell.group(0)
            pos = end + len(b"</row>")
        rows.append(row)
    return rows


def _has_value(cell: bytes) -> bool:
    return _HAS_VALUE.search(cell) is not None


def _style_of(cell: bytes | None) -> bytes | None:
    if cell is None:
        return None
    m = _ATTR_S.search(cell.split(b">", 1)[0])
    return m.group(1) if m else None


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _SharedStrings:
    """The shared strings, parsed lazily and only as far as the highest index asked for (files
    saved by Excel keep text there; the parts this module writes never add to it)."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self._zf = zf
        self._items: list[str] = []
        self._events: Iterator[Any] | None = None

    def __getitem__(self, index: int) -> str:
        if self._events is None:
            if _SST_PART not in self._zf.namelist():
                raise FastPathUnavailable("a shared string without the shared strings part")
            self._events = iterparse(self._zf.open(_SST_PART), events=("end",))
        while len(self._items) <= index:
            event = next(self._events, None)
            if event is None:
                raise FastPathUnavailable(f"shared string {index} does not exist")
            elem = event[1]
            if elem.tag == f"{_MAIN}si":
                # Plain text (si/t) or rich-text runs (si/r/t); phonetic runs (si/rPh) are not text.
                runs = [*elem.iterfind(f"./{_MAIN}t"), *elem.iterfind(f"./{_MAIN}r/{_MAIN}t")]
                self._items.append("".join(t.text or "" for t in runs))
                elem.clear()
        return self._items[index]


def _cell_value(cell: bytes, sst: _SharedStrings) -> Any:
    """The value of a cell fragment: str, float, bool or None (a formula gives its cached value)."""
    head = cell.split(b">", 1)[0]
    t = _ATTR_T.search(head)
    kind = t.group(1) if t else b"n"
    if kind == b"inlineStr":
        body = _PHONETIC.sub(b"", cell)
        return unescape(b"".join(m.group(1) or b"" for m in _TEXT.finditer(body)).decode("utf-8"))
    v = _V.search(cell)
    if v is None:
        return None
    text = unescape(v.group(1).decode("utf-8"))
    if kind == b"s":
        return sst[int(text)]
    if kind == b"b":
        return text == "1"
    if kind in (b"str", b"e"):
        return text
    return float(text)


# ---------------------------------------------------------------------------------------------
# Styles: the number format of a style index (to check a template style before reusing it).


def _cell_styles(zf: zipfile.ZipFile) -> list[tuple[str, tuple[Any, ...]]]:
    """Per cellXfs style index: its number-format code, and everything else about it (font,
    fill, border, alignment, protection ...) to find the same style with another format."""
    if _STYLES_PART not in zf.namelist():
        return []
    root = fromstring(zf.read(_STYLES_PART))
    codes = dict(BUILTIN_FORMATS)
    for fmt in root.iter(f"{_MAIN}numFmt"):
        codes[int(fmt.get("numFmtId", "0"))] = fmt.get("formatCode", "")
    xfs = root.find(f"{_MAIN}cellXfs")
    out = []
    for xf in xfs.iterfind(f"{_MAIN}xf") if xfs is not None else ():
        rest = tuple(sorted((k, v) for k, v in xf.attrib.items() if k not in ("numFmtId", "applyNumberFormat")))
        children = tuple((child.tag, tuple(sorted(child.attrib.items()))) for child in xf)
        out.append((codes.get(int(xf.get("numFmtId", "0")), ""), rest + children))
    return out


def _same_format(code: str, wanted: str) -> bool:
    """Whether two number-format codes show a value alike: Excel and LibreOffice save
    "yyyy-mm-dd" as "yyyy\\-mm\\-dd" or "YYYY-MM-DD" (escaped or quoted literals, any case)."""
    def plain(c: str) -> str:
        return re.sub(r"\\(.)", r"\1", c).replace('"', "").casefold()

    return code == wanted or plain(code) == plain(wanted)


# ---------------------------------------------------------------------------------------------
# The package: sheets by key, their Tables.


@dataclass
class _Table:
    part: str
    xml: bytes
    header_row: int
    first_col: int
    last_col: int
    bottom: int
    names: list[str]


class _Package:
    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.names = set(zf.namelist())
        self.sheets = worksheet_names(zf)  # part -> worksheet name
        self.sst = _SharedStrings(zf)
        self._styles: list[tuple[str, tuple[Any, ...]]] | None = None
        workbook = zf.read("xl/workbook.xml")
        self.epoch = CALENDAR_MAC_1904 if re.search(rb'date1904="(1|true)"', workbook) else CALENDAR_WINDOWS_1900

    def style_with_format(self, style: bytes | None, wanted: str | None) -> bytes | None:
        """The style ``style`` with number format ``wanted`` (None: as it is), as the openpyxl
        path makes it, if the package has that style (else FastPathUnavailable: styles.xml is
        not edited)."""
        if wanted is None:
            return style
        if self._styles is None:
            self._styles = _cell_styles(self.zf)
        base = int(style) if style is not None else 0
        if base >= len(self._styles):
            raise FastPathUnavailable(f"style {base} does not exist")
        code, rest = self._styles[base]
        if _same_format(code, wanted):
            return style
        for i, (other_code, other_rest) in enumerate(self._styles):
            if _same_format(other_code, wanted) and other_rest == rest:
                return str(i).encode()
        raise FastPathUnavailable(f"no style {base} with number format {wanted}")

    def sheet_part(self, sheet_key: str) -> str:
        name = find_sheet_name(self.sheets.values(), sheet_key)
        if name is None:
            raise FastPathUnavailable(f"no sheet {sheet_key}")
        return next(part for part, title in self.sheets.items() if title == name)

    def table(self, part: str, spec: SheetSpec) -> _Table:
        found = []
        for target in part_relationships(self.zf, part, self.names).values():
            if target.startswith("xl/tables/") and target in self.names:
                xml = self.zf.read(target)
                found.append((target, xml, fromstring(xml)))
        chosen = [t for t in found if normalize_label(t[2].get("displayName", "")) == normalize_label(spec.table_name)]
        if not chosen and len(found) == 1:
            chosen = found
        if not chosen:
            raise FastPathUnavailable(f"no Excel Table on {part}")
        target, xml, root = chosen[0]
        ref = re.fullmatch(r"\$?([A-Z]{1,3})\$?(\d+):\$?([A-Z]{1,3})\$?(\d+)", root.get("ref", ""))
        if (ref is None or root.get("headerRowCount", "1") != "1" or root.get("totalsRowCount", "0") != "0"
                or root.find(f"{_MAIN}sortState") is not None
                or root.find(f".//{_MAIN}calculatedColumnFormula") is not None):
            raise FastPathUnavailable(f"a Table layout the fast path does not edit ({target})")
        columns = root.find(f"{_MAIN}tableColumns")
        names = [c.get("name", "") for c in columns.iter(f"{_MAIN}tableColumn")] if columns is not None else []
        first, last = _col_number(ref[1].encode()), _col_number(ref[3].encode())
        if len(names) != last - first + 1:
            raise FastPathUnavailable(f"Table columns do not match its range ({target})")
        return _Table(target, xml, int(ref[2]), first, last, int(ref[4]), names)


# ---------------------------------------------------------------------------------------------
# One worksheet part being edited.

_SHEET_DATA = re.compile(rb"<sheetData\s*(/?)>")
_DIMENSION = re.compile(rb'(<dimension\s+ref=")([^"]*)(")')
_RISKY_TAIL = (b"<mergeCell ", b"<mergeCell>", b"<hyperlink ")


class _Sheet:
    """A worksheet's XML split into what precedes the rows, the rows, and what follows them."""

    def __init__(self, pkg: _Package, part: str) -> None:
        self.pkg, self.part = pkg, part
        data = pkg.zf.read(part)
        m = _SHEET_DATA.search(data)
        if m is None:
            raise FastPathUnavailable(f"no sheetData in {part}")
        if m.group(1):  # <sheetData/>
            self.head, self.rows, self.tail = data[:m.start()] + b"<sheetData>", b"", b"</sheetData>" + data[m.end():]
        else:
            end = data.find(b"</sheetData>", m.end())
            self.head, self.rows, self.tail = data[:m.end()], data[m.end():end], data[end:]
        self.table: _Table | None = None

    def check_plain_rows(self) -> None:
        """Refuse sheets whose rows carry merged cells or hyperlinks (their ranges would move)."""
        if any(marker in self.tail for marker in _RISKY_TAIL):
            raise FastPathUnavailable(f"merged cells or hyperlinks on {self.part}")

    def xml(self) -> bytes:
        """The part, its dimension updated to the last row (and at least the Table's columns)."""
        dim = _DIMENSION.search(self.head)
        last = self.rows.rfind(b"<row")
        opened = _ROW_OPEN.match(self.rows, last) if last >= 0 else None
        r = re.search(rb'\br="(\d+)"', opened.group(1)) if opened is not None else None
        if dim is not None and r is not None:
            corners = re.findall(rb"([A-Z]{1,3})(\d+)", dim.group(2))
            if corners:
                cols = [_col_number(c) for c, _ in corners]
                if self.table is not None:
                    cols.append(self.table.last_col)
                start = corners[0][0] + corners[0][1]
                ref = start + b":" + get_column_letter(max(cols)).encode() + r.group(1)
                self.head = self.head[:dim.start(2)] + ref + self.head[dim.end(2):]
        return self.head + self.rows + self.tail


def _layout(pkg: _Package, sheet: _Sheet, spec: SheetSpec) -> tuple[_Table, dict[str, int], dict[str, int]]:
    """The sheet's Table, the column of each model key in it, and of every header (normalized)."""
    table = sheet.table or pkg.table(sheet.part, spec)
    sheet.table = table
    forms = {c.key: column_forms(c) for c in spec.columns}
    columns: dict[str, int] = {}
    headers: dict[str, int] = {}
    for i, name in enumerate(table.names):
        c, norm = table.first_col + i, normalize_label(name)
        headers.setdefault(norm, c)
        for key, keyforms in forms.items():
            if norm in keyforms and key not in columns:
                columns[key] = c
    return table, columns, headers


def _first_row_styles(sheet: _Sheet, table: _Table) -> dict[int, bytes]:
    """Style index of each column's cell in the first data row (the template of new cells)."""
    m = re.search(rb'<row\b[^>]*?\br="%d"' % (table.header_row + 1), sheet.rows)
    if m is None:
        return {}
    opened = _ROW_OPEN.match(sheet.rows, m.start())
    assert opened is not None
    end = opened.end() if opened.group(2) else sheet.rows.find(b"</row>", opened.end()) + len(b"</row>")
    out: dict[int, bytes] = {}
    for row in _parse_rows(sheet.rows[m.start():end]):
        for c, cell in row.cells.items():
            s = _style_of(cell)
            if s is not None:
                out[c] = s
    return out


# ---------------------------------------------------------------------------------------------
# Records -> cell XML, converted as the openpyxl path converts them.

def _cell_writers(pkg: _Package, spec: SheetSpec, columns: dict[str, int], headers: dict[str, int],
                  styles: dict[int, bytes], values: dict[str, list[Any]],
                  locale: str) -> list[tuple[int, list[str | None]]]:
    """(column, cell XML without its row number per record) for each written column; a cell is
    a format string with ``{r}`` for the row, or None when blank."""
    out: list[tuple[int, list[str | None]]] = []
    for key, column_values in values.items():
        col_spec = spec.by_key.get(key)
        if col_spec is None:
            column = headers.get(normalize_label(key))
            if column is None:
                continue  # not a column of the model nor of the sheet (the openpyxl path skips it too)
            convert, kind = plain, "unknown"
        else:
            if key not in columns:
                if not any(not blank(v) for v in column_values):
                    continue
                raise FastPathUnavailable(f"column {key} must be added to {spec.key}")
            column, convert, kind = columns[key], converter(col_spec, locale), col_spec.kind
        style = pkg.style_with_format(styles.get(column), NUMBER_FORMATS.get(kind))
        letter = get_column_letter(column)
        prefix = f'<c r="{letter}{{r}}"' + (f' s="{style.decode()}"' if style is not None else "")
        cells: list[str | None] = []
        for v in column_values:
            if v is None or (v.__class__ is float and v != v) or (v.__class__ is not str and blank(v)):
                cells.append(None)
                continue
            cells.append(prefix + _typed(*convert(v), pkg.epoch))
        out.append((column, cells))
    return out


def _typed(value: Any, data_type: str, epoch: dt.datetime) -> str:
    """The rest of a cell's XML after its reference and style, braces escaped for format()."""
    if data_type == "s":
        text = _escape(value).replace("{", "{{").replace("}", "}}")
        space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
        return f' t="inlineStr"><is><t{space}>{text}</t></is></c>'
    if data_type == "b":
        return f' t="b"><v>{1 if value else 0}</v></c>'
    if data_type == "d":
        value = to_excel(value, epoch)
    if isinstance(value, float) and not math.isfinite(value):
        raise FastPathUnavailable(f"a number Excel cannot store ({value})")
    return f' t="n"><v>{value}</v></c>'


def _new_rows(first: int, count: int, writers: list[tuple[int, list[str | None]]]) -> list[_Row]:
    """Rows ``first`` ... holding the cells of :func:`_cell_writers`."""
    rows = []
    try:
        for i in range(count):
            r = first + i
            cells = {}
            for column, texts in writers:
                text = texts[i]
                if text is not None:
                    cells[column] = text.format(r=r).encode("utf-8")
            rows.append(_Row(r, b' r="%d"' % r, cells))
    except UnicodeEncodeError:  # a lone surrogate from a broken export: not storable as XML text
        raise FastPathUnavailable("text that cannot be encoded") from None
    return rows


def _merge(existing: list[_Row], new: list[_Row]) -> list[_Row]:
    """Rows of both, by row number; a new row's cells replace the existing row's same columns."""
    by_r = {row.r: row for row in existing}
    for row in new:
        old = by_r.get(row.r)
        if old is None:
            by_r[row.r] = row
        else:
            old.cells.update(row.cells)
    return [by_r[r] for r in sorted(by_r)]


def _set_table_ref(table: _Table, last_row: int) -> None:
    last_row = max(last_row, table.header_row + 1)  # Excel Tables need one data row
    ref = f"{get_column_letter(table.first_col)}{table.header_row}:{get_column_letter(table.last_col)}{last_row}"
    xml = re.sub(rb'(<(?:\w+:)?table\b[^>]*?\sref=")[^"]*(")', rb"\g<1>" + ref.encode() + rb"\g<2>", table.xml, count=1)
    table.xml = re.sub(rb'(<(?:\w+:)?autoFilter\b[^>]*?\sref=")[^"]*(")', rb"\g<1>" + ref.encode() + rb"\g<2>",
                       xml, count=1)
    table.bottom = last_row


def _replace(pkg: _Package, sheet: _Sheet, spec: SheetSpec, records: Records, locale: str) -> int:
    """Replace a sheet's records (as addin.io.writer.replace_rows): the model columns of every old
    data row are cleared, other columns kept, the first data row keeps its styles."""
    sheet.check_plain_rows()
    if spec.key == "settings":
        records = with_setting_labels(records, locale)
    table, columns, headers = _layout(pkg, sheet, spec)
    count, values = columns_of(records)
    styles = _first_row_styles(sheet, table)
    rows = _parse_rows(sheet.rows)
    keep, old = [r for r in rows if r.r <= table.header_row], [r for r in rows if r.r > table.header_row]
    model_cols = set(columns.values())
    for row in old:
        if row.r > table.bottom and any(_has_value(c) for c in row.cells.values()):
            raise FastPathUnavailable(f"values below the Table on {spec.key}")
        for c in [c for c in row.cells if c in model_cols]:
            if _FORMULA.search(row.cells[c]):
                # Excel's calculation chain lists formula cells: removing one is for openpyxl,
                # which drops the chain.
                raise FastPathUnavailable(f"formulas in the rows of {spec.key}")
            del row.cells[c]
    first = table.header_row + 1
    template = _Row(first, b' r="%d"' % first)
    for key, c in columns.items():
        style = pkg.style_with_format(styles.get(c), NUMBER_FORMATS.get(spec.by_key[key].kind))
        if style is not None:
            template.cells[c] = b'<c r="%s%d" s="%s"/>' % (get_column_letter(c).encode(), first, style)
    writers = _cell_writers(pkg, spec, columns, headers, styles, values, locale)
    merged = _merge([r for r in old if r.cells], [template])
    merged = _merge(merged, _new_rows(first, count, writers))
    sheet.rows = b"".join(r.xml() for r in keep) + b"".join(r.xml() for r in merged)
    _set_table_ref(table, table.header_row + count)
    return count


def _without_records(pkg: _Package, key: str) -> bool:
    """Whether sheet ``key`` holds no value below its header row."""
    sheet = _Sheet(pkg, pkg.sheet_part(key))
    table, _columns, _headers = _layout(pkg, sheet, SHEETS[key])
    return not any(_has_value(c) for row in _parse_rows(sheet.rows) if row.r > table.header_row
                   for c in row.cells.values())


def _data_end(sheet: _Sheet, table: _Table) -> int:
    """Byte offset in the rows after which records may be appended, and the last record's row."""
    pos = len(sheet.rows)
    while True:
        start = sheet.rows.rfind(b"<row", 0, pos)
        if start < 0:
            return 0
        row = _parse_rows(sheet.rows[start:pos])[0]
        filled = any(_has_value(cell) for c, cell in row.cells.items()
                     if table.first_col <= c <= table.last_col)
        if row.r > table.bottom and any(_has_value(cell) for cell in row.cells.values()):
            raise FastPathUnavailable("values below the Table")
        if row.r <= table.header_row or (filled and row.r <= table.bottom):
            return pos
        pos = start


def _append(pkg: _Package, sheet: _Sheet, spec: SheetSpec, records: Records, locale: str) -> list[int]:
    """Append records after the last one (as addin.io.writer.append_rows); returns their rows."""
    sheet.check_plain_rows()
    if spec.key == "settings":
        records = with_setting_labels(records, locale)
    table, columns, headers = _layout(pkg, sheet, spec)
    count, values = columns_of(records)
    styles = _first_row_styles(sheet, table)
    cut = _data_end(sheet, table)
    before = sheet.rows[:cut]
    last = before.rfind(b"<row")
    last_row = int(re.search(rb'\br="(\d+)"', before[last:]).group(1)) if last >= 0 else 0  # type: ignore[union-attr]
    first = max(last_row, table.header_row) + 1
    writers = _cell_writers(pkg, spec, columns, headers, styles, values, locale)
    spare = _parse_rows(sheet.rows[cut:])
    merged = _merge(spare, _new_rows(first, count, writers))
    sheet.rows = before + b"".join(r.xml() for r in merged)
    _set_table_ref(table, max(first + count - 1, table.header_row + 1))
    return list(range(first, first + count))


def _split_ref(ref: str) -> tuple[int, int]:
    m = re.fullmatch(r"([A-Z]{1,3})(\d+)", ref)
    if m is None:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(m[2]), _col_number(m[1].encode())


def _set_cells(pkg: _Package, sheet: _Sheet, cells: Mapping[str, Any], expect: Mapping[str, Any]) -> None:
    """Check the ``expect`` cells hold their values, then set ``cells`` (None clears a value; a
    cell keeps its style; missing cells and rows are inserted in order)."""
    rows = _parse_rows(sheet.rows)
    by_r = {row.r: row for row in rows}
    for ref, wanted in expect.items():
        r, c = _split_ref(ref)
        row = by_r.get(r)
        have = _cell_value(row.cells[c], pkg.sst) if row is not None and c in row.cells else None
        if isinstance(wanted, (int, float)) and isinstance(have, float):
            same = float(wanted) == have
        else:
            same = have == wanted
        if not same:
            raise FastPathUnavailable(f"{sheet.part}!{ref} holds {have!r}, not {wanted!r}")
    for ref, value in cells.items():
        r, c = _split_ref(ref)
        row = by_r.get(r)
        if row is None:
            row = by_r[r] = _Row(r, b' r="%d"' % r)
        old = row.cells.get(c)
        if old is not None and _FORMULA.search(old):
            raise FastPathUnavailable(f"{sheet.part}!{ref} holds a formula")
        style = _style_of(old)
        prefix = f'<c r="{ref}"' + (f' s="{style.decode()}"' if style is not None else "")
        if value is None or (isinstance(value, float) and value != value):
            row.cells[c] = (prefix + "/>").encode()
        else:
            try:
                row.cells[c] = (prefix + _typed(*plain(value), pkg.epoch)).format(r=r).encode("utf-8")
            except UnicodeEncodeError:
                raise FastPathUnavailable(f"{sheet.part}!{ref}: text that cannot be encoded") from None
    sheet.rows = b"".join(by_r[r].xml() for r in sorted(by_r))


def _settings_cells(pkg: _Package, sheet: _Sheet, updates: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict]]:
    """The value cells of settings keys found in the key column, and records for the others
    (as addin.close sets settings: key by key, English or Chinese label)."""
    table, columns, _ = _layout(pkg, sheet, SHEETS["settings"])
    key_col, value_col = columns.get("key", 1), columns.get("value", 2)
    rows = {row.r: row for row in _parse_rows(sheet.rows)}
    cells: dict[str, Any] = {}
    missing = []
    for key, value in updates.items():
        forms = setting_forms(key)
        for r in sorted(rows):
            cell = rows[r].cells.get(key_col)
            if r <= table.header_row or cell is None:
                continue
            text = _cell_value(cell, pkg.sst)
            if text is not None and normalize_label(text) in forms:
                # typed as every writer types a settings value (addin.io.cells.setting_value)
                cells[f"{get_column_letter(value_col)}{r}"] = setting_value(value)[0]
                break
        else:
            missing.append({"key": key, "value": value})
    return cells, missing


# ---------------------------------------------------------------------------------------------
# The lists the settings maintain (issue 13: insurers, payers; addin.io.setting_lists).

_WORKBOOK_PART = "xl/workbook.xml"


def _refresh_setting_lists(pkg: _Package, sheet_of: Callable[[str], _Sheet]) -> Callable[[bytes], bytes] | None:
    """Set the lists-sheet columns of the setting lists to what the (edited) settings sheet now
    holds, as :func:`addin.io.setting_lists.refresh_openpyxl` does; returns the rewrite of the
    workbook part's defined names, or None when no list changed (nothing else is touched)."""
    from addin.io.setting_lists import list_name, list_range, list_settings, list_updates

    title = find_sheet_name(pkg.sheets.values(), "lists")
    if title is None:
        return None
    settings = sheet_of("settings")
    table, columns, _ = _layout(pkg, settings, SHEETS["settings"])
    key_col, value_col = columns.get("key", 1), columns.get("value", 2)

    def value(row: Any, column: int) -> Any:
        cell = row.cells.get(column)
        return _cell_value(cell, pkg.sst) if cell is not None else None

    values = list_settings((value(row, key_col), value(row, value_col))
                           for row in _parse_rows(settings.rows) if row.r > table.header_row)
    # Read apart from the edited sheets: the lists part is rewritten only when a list changes.
    rows = {row.r: row for row in _parse_rows(_Sheet(pkg, pkg.sheet_part("lists")).rows)}
    header = rows.get(1)
    width = max(header.cells, default=0) if header is not None else 0
    heads = [value(header, c) for c in range(1, width + 1)] if header is not None else []
    below = {c: [value(rows[r], c) if r in rows else None for r in range(2, max(rows, default=1) + 1)]
             for c in range(1, width + 1)}
    cells: dict[str, Any] = {}
    ranges: dict[str, str] = {}
    for name, column, names, old in list_updates(heads, below, values):
        letter = get_column_letter(column)
        for r in range(2, max(old, len(names)) + 2):
            cells[f"{letter}{r}"] = names[r - 2] if r - 2 < len(names) else None
        ranges[list_name(name)] = list_range(title, column, len(names))
    if not ranges:
        return None
    xml = pkg.zf.read(_WORKBOOK_PART)
    for defined, ref in ranges.items():
        pattern = re.compile(rb'(<definedName\b[^>]*\bname="' + re.escape(defined.encode()) + rb'"[^>]*>)[^<]*(</definedName>)')
        xml, n = pattern.subn(lambda m, ref=ref: m.group(1) + _escape(ref).encode() + m.group(2), xml, count=1)
        if n != 1:
            raise FastPathUnavailable(f"no defined name {defined}")
    _set_cells(pkg, sheet_of("lists"), cells, {})
    return lambda _old: xml


# ---------------------------------------------------------------------------------------------
# Copying zip members as they are.

_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")


def _copy_raw(src: zipfile.ZipFile, dst: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Copy a member's compressed bytes unchanged (no inflate, no deflate). zipfile has no public
    call for this; it uses the same steps as ZipFile.writestr around a raw body."""
    if info.flag_bits & 0x1:
        raise FastPathUnavailable(f"encrypted part {info.filename}")
    fp = src.fp
    assert fp is not None and dst.fp is not None
    fp.seek(info.header_offset)
    header = _LOCAL_HEADER.unpack(fp.read(_LOCAL_HEADER.size))
    fp.seek(header[10] + header[11], os.SEEK_CUR)  # file name, extra field
    raw = fp.read(info.compress_size)
    out = zipfile.ZipInfo(info.filename, info.date_time)
    out.compress_type, out.CRC = info.compress_type, info.CRC
    out.compress_size, out.file_size = info.compress_size, info.file_size
    out.external_attr, out.create_system = info.external_attr, info.create_system
    # keep the UTF-8 name flag and the deflate level bits; no data descriptor follows
    out.flag_bits = info.flag_bits & 0x806
    out.header_offset = dst.fp.tell()
    dst.fp.write(out.FileHeader(zip64=out.file_size > zipfile.ZIP64_LIMIT
                                or out.compress_size > zipfile.ZIP64_LIMIT))
    dst.fp.write(raw)
    dst.filelist.append(out)
    dst.NameToInfo[out.filename] = out
    dst.start_dir = dst.fp.tell()
    dst._didModify = True  # noqa: SLF001  (ZipFile.close writes the central directory only then)


# ---------------------------------------------------------------------------------------------
# The edit.

@dataclass
class PackageEdit:
    """What :func:`edit_package` did: the rows appended per sheet key, the count of records
    written per replaced sheet, and the parts rewritten (every other part was copied as is)."""

    appended: dict[str, list[int]] = field(default_factory=dict)
    replaced: dict[str, int] = field(default_factory=dict)
    parts: list[str] = field(default_factory=list)


def edit_package(
    path: str | Path,
    *,
    locale: str,
    appends: Mapping[str, Records] | None = None,
    replacements: Mapping[str, Records] | None = None,
    cells: Mapping[str, Mapping[str, Any]] | None = None,
    expect: Mapping[str, Mapping[str, Any]] | None = None,
    settings: Mapping[str, Any] | None = None,
    out: str | Path | None = None,
    backup: bool = True,
    stamp: FileStamp | None = None,
    checked: bool = False,
    part_edits: Mapping[str, Callable[[bytes], bytes]] | None = None,
) -> PackageEdit:
    """Edit the workbook at ``path`` part by part and save it atomically to ``out`` (default
    ``path``; the previous file kept as ``<name>.bak`` when ``backup``).

    ``replacements`` {sheet key: records} replace a sheet's records (as
    :func:`addin.io.writer.replace_rows`); ``appends`` append records after the last one (as
    :func:`~addin.io.writer.append_rows`); ``settings`` {setting key: value} set values in the
    settings table, appending rows for keys it lacks; ``cells`` {sheet key: {"C9": value}} set
    single cells (None clears one) after checking that every ``expect`` {sheet key: {"A9":
    value}} cell holds its value. Records are dicts keyed by canonical keys or typed DataFrames.
    Replacements come first, then appends, settings and cells.

    ``part_edits`` {part name: function of its bytes} rewrite other parts as a whole (the ribbon's
    labels). ``stamp``: the destination must still be that file at the rename (else UnsafeWriteError,
    nothing written); ``checked``: the caller already ran the safety scan on ``path`` in this run.

    Raises :class:`FastPathUnavailable` (nothing written) when the edit cannot be made as text
    with certainty, and UnsafeWriteError / WorkbookReadError as the openpyxl path does.
    """
    if "checks" in (replacements or {}) or columns_of((appends or {}).get("checks", ()))[0]:
        # Each checks row links to its cell (addin.io.checks_links): the openpyxl engine writes them.
        raise FastPathUnavailable("checks rows carry hyperlinks to their cells")
    src = Path(path) if checked else check_workbook(path)
    dest = target_of(out if out is not None else src)
    check_destination(dest)
    result = PackageEdit()
    with zipfile.ZipFile(src) as zf:
        pkg = _Package(zf)
        sheets: dict[str, _Sheet] = {}

        def sheet_of(key: str) -> _Sheet:
            part = pkg.sheet_part(key)
            if part not in sheets:
                sheets[part] = _Sheet(pkg, part)
            return sheets[part]

        for key, records in (replacements or {}).items():
            if not columns_of(records)[0] and _without_records(pkg, key):
                result.replaced[key] = 0  # nothing to clear and nothing to write: the part stays as it is
                continue
            result.replaced[key] = _replace(pkg, sheet_of(key), SHEETS[key], records, locale)
        for key, records in (appends or {}).items():
            result.appended[key] = _append(pkg, sheet_of(key), SHEETS[key], records, locale)
        if settings:
            found, missing = _settings_cells(pkg, sheet_of("settings"), settings)
            _set_cells(pkg, sheet_of("settings"), found, {})
            if missing:
                _append(pkg, sheet_of("settings"), SHEETS["settings"], missing, locale)
        for key in {*(cells or {}), *(expect or {})}:
            _set_cells(pkg, sheet_of(key), (cells or {}).get(key, {}), (expect or {}).get(key, {}))
        names_edit = None
        if settings or "settings" in (replacements or {}) or columns_of((appends or {}).get("settings", ()))[0]:
            # issue 13: the insurer and payer dropdowns list what the settings now hold.
            names_edit = _refresh_setting_lists(pkg, sheet_of)

        edited: dict[str, Callable[[], bytes]] = {}
        for part, sheet in sheets.items():
            edited[part] = sheet.xml
            if sheet.table is not None:
                edited[sheet.table.part] = lambda table=sheet.table: table.xml
        for part, rewrite in (part_edits or {}).items():
            if part not in edited and part in zf.NameToInfo:
                edited[part] = lambda part=part, rewrite=rewrite: rewrite(zf.read(part))
        if names_edit is not None:
            if _WORKBOOK_PART in edited:
                raise FastPathUnavailable("the workbook part is rewritten twice")
            edited[_WORKBOOK_PART] = lambda: names_edit(zf.read(_WORKBOOK_PART))
        result.parts = sorted(edited)
        tmp = temp_beside(dest)
        try:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
                for info in zf.infolist():
                    if info.filename in edited:
                        new = zipfile.ZipInfo(info.filename, info.date_time)
                        new.compress_type = zipfile.ZIP_DEFLATED
                        new.external_attr = info.external_attr
                        zout.writestr(new, edited[info.filename]())
                    else:
                        _copy_raw(zf, zout, info)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    try:
        replace_file(tmp, dest, backup=backup, stamp=stamp)
    finally:
        tmp.unlink(missing_ok=True)  # already gone when it took the destination's place
    return result

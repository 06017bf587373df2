"""Saving a report workbook (issue 15): openpyxl's own writer, whose worksheets' rows are written
by a leaner loop of the same output, byte for byte.

openpyxl spends most of a large report's save on each cell's style id (a Python-level hash of its
style array, twice per cell) and on the layers of lxml calls around the writing of one ``<c>``.
Here a cell of plain text, a number, a boolean or a date is written as the very bytes lxml writes
for openpyxl's calls (ASCII, &, <, > and the carriage return escaped, other characters as decimal
references), its style id looked up by the style's values; any other cell (a formula, rich text,
a comment, a hyperlink, a merged cell) goes through openpyxl's own cell writer into the same
file. With another openpyxl than the one this copies (3.1.5), the workbook is saved by openpyxl
alone.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections import defaultdict
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile

import openpyxl
from openpyxl.cell.cell import Cell
from openpyxl.cell.rich_text import CellRichText
from openpyxl.comments.comment_sheet import CommentRecord
from openpyxl.compat import safe_string
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel, to_ISO8601
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._writer import WorksheetWriter, write_cell
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.functions import Element

from addin.io.cells import NOT_XML

#: The openpyxl whose writer this follows; with another, :func:`save` is openpyxl's save.
OPENPYXL_VERSION = "3.1.5"
_PLAIN_TYPES = frozenset({"s", "n", "b", "d"})


class _SheetWriter(WorksheetWriter):  # type: ignore[misc]
    """openpyxl's worksheet writer with :meth:`rows` and :meth:`write_row` of the same output."""

    def __init__(self, ws: Any) -> None:
        # Into memory rather than openpyxl's temporary file: the rows' bytes go to the same buffer.
        super().__init__(ws, out=BytesIO())
        wb = ws.parent
        self._styles = wb._cell_styles
        self._style_ids: dict[tuple[int, ...], int] = {}
        self._epoch = wb.epoch
        self._iso_dates = wb.iso_dates
        self._letters: dict[int, str] = {}
        self._row_cache: dict[tuple[Any, ...], bytes] = {}

    def rows(self) -> list[tuple[int, list[Any]]]:
        cells = self.ws._cells
        rows: defaultdict[int, list[Any]] = defaultdict(list)
        for key in sorted(cells):  # (row, column) keys are unique: the same order as sorting the items
            rows[key[0]].append(cells[key])
        for row in self.ws.row_dimensions.keys() - rows.keys():
            rows[row] = []
        return sorted(rows.items())

    def _style_id(self, style: Any) -> int:
        key = tuple(style)
        sid = self._style_ids.get(key)
        if sid is None:
            sid = self._style_ids[key] = self._styles.add(style)
        return sid

    def _row_attrs(self, rd: Any) -> bytes:
        """A row's attributes after its number, as openpyxl writes its dimension ``rd`` (None: no
        dimension), once per distinct dimension: a report's rows share a few heights."""
        if rd is None:
            return b""
        style = rd._style
        key = (rd.ht, rd.hidden, rd.outlineLevel, rd.collapsed, rd.thickBot, rd.thickTop,
               None if style is None else tuple(style))
        attrs = self._row_cache.get(key)
        if attrs is None:
            attrs = self._row_cache[key] = b"".join(b' %s="%s"' % (k.encode("ascii"), _attr(v)) for k, v in rd)
        return attrs

    def write_row(self, xf: Any, row: list[Any], row_idx: int) -> None:
        """One ``<row>`` as the bytes lxml writes for openpyxl's calls; a cell of another kind is
        written by openpyxl's own cell writer in its place."""
        xf.flush()  # what lxml holds goes first
        out = [b'<row r="%d"%s>' % (row_idx, self._row_attrs(self.ws.row_dimensions.get(row_idx)))]
        letters = self._letters
        for cell in row:
            value = cell._value
            kind = cell.data_type
            if (type(cell) is not Cell or cell._comment is not None or cell._hyperlink is not None
                    or kind not in _PLAIN_TYPES or isinstance(value, CellRichText)):
                self._write_other(xf, cell, out)
                continue
            style = cell._style
            styled = style is not None and any(style)
            if value is None and not styled:
                continue
            column = cell.column
            letter = letters.get(column)
            if letter is None:
                letter = letters[column] = get_column_letter(column)
            start = f'<c r="{letter}{cell.row}"' + (f' s="{self._style_id(style)}"' if styled else "")
            if kind == "d":
                if getattr(value, "tzinfo", None) is not None:
                    self._write_other(xf, cell, out)  # openpyxl's error for a datetime with a time zone
                    continue
                if self._iso_dates and not isinstance(value, timedelta):
                    value = to_ISO8601(value)
                else:
                    kind = "n"
                    value = to_excel(value, self._epoch)
            if value == "" or value is None:
                out.append(f'{start} t="{"inlineStr" if kind == "s" else kind}"></c>'.encode())
            elif kind == "s":
                if isinstance(value, str):
                    out.append(f'{start} t="inlineStr"><is>'.encode())
                    out.append(_inline_text(value))
                    out.append(b"</is></c>")
                else:
                    out.append(f'{start} t="inlineStr"><is></is></c>'.encode())
            else:
                out.append(f'{start} t="{kind}"><v>'.encode())
                out.append(_text(safe_string(value)))
                out.append(b"</v></c>")
        out.append(b"</row>")
        self.out.write(b"".join(out))

    def _write_other(self, xf: Any, cell: Any, out: list[bytes]) -> None:
        """A cell as openpyxl's own ``write_row`` writes it, after the row's bytes in ``out``."""
        if cell._comment is not None:
            self.ws._comments.append(CommentRecord.from_cell(cell))
        if cell._value is None and not cell.has_style and not cell._comment:
            return
        self.out.write(b"".join(out))
        out.clear()
        write_cell(xf, self.ws, cell, cell.has_style)
        xf.flush()


def _text(value: str) -> bytes:
    """Text content as lxml writes it in openpyxl's ASCII output: &, < and > and the carriage
    return escaped, every other character beyond ASCII as a decimal character reference."""
    if value.isascii() and not _ESCAPED.search(value):
        return value.encode("ascii")
    if NOT_XML.search(value):
        Element("t").text = value  # lxml's own error for a text XML cannot hold, as openpyxl's save raises
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
            .encode("ascii", "xmlcharrefreplace"))


@functools.lru_cache(maxsize=1 << 16)
def _inline_text(value: str) -> bytes:
    """``<t>value</t>`` of an inline string (``xml:space="preserve"`` when it has outer blanks),
    once per distinct text: a report's columns repeat their values."""
    start = b'<t xml:space="preserve">' if value != value.strip() else b"<t>"
    return start + _text(value) + b"</t>"


def _attr(value: str) -> bytes:
    """An attribute value as lxml writes it: as text, and the quote and the blanks that are not a
    space escaped too."""
    if value.isascii() and not _ESCAPED_ATTR.search(value):
        return value.encode("ascii")
    return _text(value).replace(b'"', b"&quot;").replace(b"\n", b"&#10;").replace(b"\t", b"&#9;")


_ESCAPED = re.compile(r"[&<>\r]")
_ESCAPED_ATTR = re.compile(r'[&<>"\r\n\t]')


class _BookWriter(ExcelWriter):  # type: ignore[misc]
    """openpyxl's workbook writer, its worksheets written by :class:`_SheetWriter`."""

    def write_worksheet(self, ws: Any) -> None:
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = _SheetWriter(ws)
        writer.write()
        ws._rels = writer._rels
        self._archive.writestr(ws.path[1:], writer.read())
        self.manifest.append(ws)


def save(wb: Workbook, path: str | Path) -> None:
    """Save ``wb`` (a report, never write-only) at ``path``: the file openpyxl's ``wb.save`` writes."""
    if openpyxl.__version__ != OPENPYXL_VERSION or wb.write_only:
        wb.save(path)
        return
    archive = ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True)
    wb.properties.modified = datetime.datetime.now(tz=datetime.UTC).replace(tzinfo=None)
    _BookWriter(wb, archive).save()

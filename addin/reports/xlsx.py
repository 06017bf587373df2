"""Saving a report workbook (issue 15): openpyxl's own writer, whose worksheets' cells are written
by a leaner loop of the same output, byte for byte.

openpyxl spends most of a large report's save on each cell's style id (a Python-level hash of its
style array, twice per cell) and on the layers of calls around the writing of one ``<c>``. Here a
cell of plain text, a number, a boolean or a date is written with the same lxml calls in the same
order, its style id looked up by the style's values; any other cell (a formula, rich text, a
comment, a hyperlink, a merged cell) goes through openpyxl's own cell writer. With another
openpyxl than the one this copies (3.1.5), the workbook is saved by openpyxl alone.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from datetime import timedelta
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
from openpyxl.xml.constants import XML_NS
from openpyxl.xml.functions import Element

#: The openpyxl whose writer this follows; with another, :func:`save` is openpyxl's save.
OPENPYXL_VERSION = "3.1.5"
_SPACE = f"{{{XML_NS}}}space"
_PLAIN_TYPES = frozenset({"s", "n", "b", "d"})


class _SheetWriter(WorksheetWriter):  # type: ignore[misc]
    """openpyxl's worksheet writer with :meth:`rows` and :meth:`write_row` of the same output."""

    def __init__(self, ws: Any) -> None:
        super().__init__(ws)
        wb = ws.parent
        self._styles = wb._cell_styles
        self._style_ids: dict[tuple[int, ...], int] = {}
        self._epoch = wb.epoch
        self._iso_dates = wb.iso_dates
        self._letters: dict[int, str] = {}

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

    def write_row(self, xf: Any, row: list[Any], row_idx: int) -> None:
        attrs = {"r": f"{row_idx}"}
        attrs.update(self.ws.row_dimensions.get(row_idx, {}))
        letters = self._letters
        with xf.element("row", attrs):
            for cell in row:
                value = cell._value
                kind = cell.data_type
                if (type(cell) is not Cell or cell._comment is not None or cell._hyperlink is not None
                        or kind not in _PLAIN_TYPES or isinstance(value, CellRichText)):
                    self._write_other(xf, cell)
                    continue
                style = cell._style
                styled = style is not None and any(style)
                if value is None and not styled:
                    continue
                column = cell.column
                letter = letters.get(column)
                if letter is None:
                    letter = letters[column] = get_column_letter(column)
                a = {"r": f"{letter}{cell.row}"}
                if styled:
                    a["s"] = f"{self._style_id(style)}"
                a["t"] = "inlineStr" if kind == "s" else kind
                if kind == "d":
                    if getattr(value, "tzinfo", None) is not None:
                        self._write_other(xf, cell)  # openpyxl's error for a datetime with a time zone
                        continue
                    if self._iso_dates and not isinstance(value, timedelta):
                        value = to_ISO8601(value)
                    else:
                        a["t"] = "n"
                        value = to_excel(value, self._epoch)
                if value == "" or value is None:
                    with xf.element("c", a):
                        pass
                    continue
                with xf.element("c", a):
                    if kind == "s":
                        with xf.element("is"):
                            if isinstance(value, str):
                                el = Element("t", {_SPACE: "preserve"} if value != value.strip() else {})
                                el.text = value
                                xf.write(el)
                    else:
                        with xf.element("v"):
                            xf.write(safe_string(value))

    def _write_other(self, xf: Any, cell: Any) -> None:
        """A cell as openpyxl's own ``write_row`` writes it."""
        if cell._comment is not None:
            self.ws._comments.append(CommentRecord.from_cell(cell))
        if cell._value is None and not cell.has_style and not cell._comment:
            return
        write_cell(xf, self.ws, cell, cell.has_style)


class _BookWriter(ExcelWriter):  # type: ignore[misc]
    """openpyxl's workbook writer, its worksheets written by :class:`_SheetWriter`."""

    def write_worksheet(self, ws: Any) -> None:
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = _SheetWriter(ws)
        writer.write()
        ws._rels = writer._rels
        self._archive.write(writer.out, ws.path[1:])
        self.manifest.append(ws)
        writer.cleanup()


def save(wb: Workbook, path: str | Path) -> None:
    """Save ``wb`` (a report, never write-only) at ``path``: the file openpyxl's ``wb.save`` writes."""
    if openpyxl.__version__ != OPENPYXL_VERSION or wb.write_only:
        wb.save(path)
        return
    archive = ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True)
    wb.properties.modified = datetime.datetime.now(tz=datetime.UTC).replace(tzinfo=None)
    _BookWriter(wb, archive).save()

"""The fidelity engine: openpyxl in read-only mode (streams the sheets, cached formula values).

Read-only worksheets do not expose Excel Tables; their positions come from
:func:`addin.io.reader.package_tables`.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree.ElementTree import ParseError

import openpyxl
from defusedxml import DefusedXmlException
from openpyxl.utils.exceptions import InvalidFileException

from addin.io.reader import BaseReader, Grid, TableInfo, package_tables


class OpenpyxlReader(BaseReader):
    """Reads with openpyxl (read_only, data_only); slower than calamine, but the same library the
    writer uses, so it sees the workbook exactly as a write would."""

    errors = (InvalidFileException, zipfile.BadZipFile, ParseError, DefusedXmlException, ValueError,
              KeyError, TypeError, EOFError)

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._wb = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)

    def sheet_names(self) -> list[str]:
        return [ws.title for ws in self._wb.worksheets]

    def tables(self) -> list[TableInfo]:
        return package_tables(self.path)

    def grid(self, sheet_name: str) -> Grid:
        ws = self._wb[sheet_name]
        # The stored dimension of files written by other programs is often wrong; without it,
        # rows come as stored (ragged), from row 1.
        ws.reset_dimensions()
        return Grid(list(ws.iter_rows(values_only=True)))

    def close(self) -> None:
        self._wb.close()

"""The fast engine: python-calamine (Rust) reads the cells; Excel Tables come from
:func:`addin.io.reader.package_tables`; a sheet whose header is row 1 is typed in bulk from
fastexcel's Arrow columns where that gives the same table (:mod:`addin.io._arrow`)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

from addin.io._arrow import ArrowSheets
from addin.io.reader import BaseReader, Grid, TableInfo, TypedSheet, package_tables
from addin.tables import ReadProblem


class CalamineReader(BaseReader):
    """Reads with python-calamine; formulas give their cached values, dates come as date objects
    in date-formatted cells and as serial numbers elsewhere (make_table takes both)."""

    errors = (CalamineError, zipfile.BadZipFile, ParseError, DefusedXmlException, ValueError, KeyError)
    parses_in_parallel = True  # python-calamine releases the interpreter while it parses a sheet

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._wb = CalamineWorkbook.from_path(str(path))
        self._arrow = ArrowSheets(path)

    def sheet_names(self) -> list[str]:
        return [m.name for m in self._wb.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]

    def tables(self) -> list[TableInfo]:
        return package_tables(self.path)

    def grid(self, sheet_name: str) -> Grid:
        sheet = self._wb.get_sheet_by_name(sheet_name)
        start = sheet.start
        if start is None:
            return Grid([])
        # calamine skips empty leading rows and columns; start says where the data begins
        return Grid(sheet.to_python(), start[0] + 1, start[1] + 1)

    def typed(self, sheet: str, sheet_name: str, tables: list[TableInfo], problems: list[ReadProblem]) -> TypedSheet | None:
        """The sheet typed in bulk from fastexcel's Arrow columns where that reads it exactly as
        the grid would (:mod:`addin.io._arrow`), else None."""
        return self._arrow.typed(sheet, sheet_name, tables, problems)

    def close(self) -> None:
        self._wb.close()
        self._arrow.close()

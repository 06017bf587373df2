"""The one write path: an edit described once, applied by one of three engines.

Every command that changes a workbook (close, reopen, validate --write, stocktake posting, the
demo, imports, the registers) builds a :class:`WorkbookEdit` — records appended or replaced per
sheet, settings values, single cells, the dashboard, the marks of a validation — and hands it to
:func:`apply_edit`, which writes it in one safe write:

- the part-level package engine (:mod:`addin.io.package`): rewrites only the sheet and table
  parts that change and copies every other part byte for byte; seconds on a large year;
- the openpyxl engine (:mod:`addin.io.writer`): the whole workbook, for what the package engine
  cannot do with certainty (it says so before writing anything): sheets to add, marks, layouts
  it does not know;
- the live workbook through xlwings (:func:`addin.xl.edit.apply_to_live`), for the ribbon.

Both file engines write the same values (tests/test_package_writer.py holds them to it). A
workbook that lacks the add-in's own sheets (:data:`OWN_SHEETS`) gains them, laid out as the
builder lays them out. Callers never touch a zip or an openpyxl workbook.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import pandas as pd

from addin.io.cells import find_sheet_name, setting_forms, setting_value
from addin.io.files import FileStamp, WriteLock
from addin.models import SHEETS
from addin.tables import normalize_label

Records: TypeAlias = Iterable[Mapping[str, Any]] | pd.DataFrame

#: The sheets the add-in itself writes (DOMAIN.md "Written by the add-in"): any write adds them
#: to a workbook that lacks them.
OWN_SHEETS: tuple[str, ...] = ("periods", "audit_log", "checks", "dashboard")
# issue 18: the workshop board (addin.board), refreshed by `board --write` and the ribbon.
OWN_SHEETS += ("board",)
# issue 13: the closed periods' fingerprints (very hidden; addin.periods).
OWN_SHEETS += ("fingerprints",)

#: Who marked a cell (the comment's author), and the fill per severity: a later run clears exactly these.
MARK_AUTHOR = "Service add-in"
MARK_FILLS = {"error": "FFFFC7CE", "warning": "FFFFEB9C"}


@dataclass(frozen=True)
class Mark:
    """A cell of a data sheet to mark with a fill and a note (validate --write)."""

    sheet: str
    row: int
    column: str
    severity: str
    note: str


@dataclass(frozen=True)
class DashboardValues:
    """The KPI results the dashboard shows: the period, the previous month, last year, and the
    months of the year for its chart ({YYYY-MM: KpiResult}, addin.dashboard.compute_months)."""

    result: Any
    previous: Any = None
    last_year: Any = None
    months: Any = None


@dataclass
class WorkbookEdit:
    """What one command changes in a workbook.

    ``replacements`` {sheet key: records} replace a sheet's records; ``appends`` add records after
    the last one; ``settings`` {key: value} set settings values (rows appended for keys the table
    lacks); ``cells`` {sheet key: {"C9": value}} set single cells after every ``expect`` cell was
    found holding its value; ``dashboard`` rewrites the dashboard's figures; ``marks`` (when not
    None) replace the marks of an earlier validation with these; ``part_edits`` {part name:
    function of its bytes} rewrite package parts that no sheet holds (the ribbon's labels). Records are dicts keyed by
    canonical keys, or typed DataFrames. Applied in that order."""

    replacements: dict[str, Records] = field(default_factory=dict)
    appends: dict[str, Records] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    cells: dict[str, dict[str, Any]] = field(default_factory=dict)
    expect: dict[str, dict[str, Any]] = field(default_factory=dict)
    dashboard: DashboardValues | None = None
    marks: list[Mark] | None = None
    part_edits: dict[str, Callable[[bytes], bytes]] = field(default_factory=dict)
    #: issue 18: the workshop board (an addin.board.Board) to lay out on the board sheet.
    board: Any = None
    #: {sheet key: header names}: columns the models do not know, added to the sheet (and its
    #: Table) before the records are written, so their values are kept (import --keep-extra).
    new_columns: dict[str, list[str]] = field(default_factory=dict)

    def sheets(self) -> set[str]:
        """The sheet keys this edit writes to."""
        out = {*self.replacements, *(k for k, v in self.appends.items() if _count(v)), *self.cells, *self.expect}
        if self.settings:
            out.add("settings")
        if self.dashboard is not None:
            out.add("dashboard")
        if self.board is not None:
            out.add("board")
        return out


def _count(records: Records) -> int:
    return len(records) if isinstance(records, (pd.DataFrame, list, tuple)) else 1


@dataclass
class EditOutcome:
    """What :func:`apply_edit` did: the engine ("package", "openpyxl" or "xlwings"), the rows
    appended per sheet, the records written per replaced sheet, the sheets added, cells marked."""

    engine: str
    appended: dict[str, list[int]] = field(default_factory=dict)
    replaced: dict[str, int] = field(default_factory=dict)
    added_sheets: list[str] = field(default_factory=list)
    marked: int = 0


def missing_own_sheets(sheet_names: Iterable[str]) -> list[str]:
    """The add-in's own sheets (:data:`OWN_SHEETS`) a workbook with these worksheet names lacks."""
    names = list(sheet_names)
    return [key for key in OWN_SHEETS if find_sheet_name(names, key) is None]


def _package_sheet_names(path: Path) -> list[str]:
    from addin.io.safety import worksheet_names

    with zipfile.ZipFile(path) as zf:
        return list(worksheet_names(zf).values())


def apply_edit(
    path: str | Path,
    edit: WorkbookEdit,
    *,
    locale: str,
    out: str | Path | None = None,
    backup: bool = True,
    stamp: FileStamp | None = None,
    checked: bool = False,
    locked: bool = False,
    engine: str = "auto",
) -> EditOutcome:
    """Write ``edit`` into the workbook at ``path`` in one safe write to ``out`` (default ``path``;
    the previous file kept as ``<name>.bak``), with the part-level engine when it can be sure and
    openpyxl otherwise (``engine`` "package" or "openpyxl" forces one).

    ``stamp``: the workbook must still be that file at the rename, else nothing is written.
    ``checked``: the caller already ran the safety scan (:func:`addin.io.writer.check_safe`) on
    this file in this run. ``locked``: the caller holds the workbook's :class:`WriteLock` (else it
    is taken for the write). Raises UnsafeWriteError / WorkbookReadError; nothing is written then."""
    if not locked:
        with WriteLock(out if out is not None else path):
            return apply_edit(path, edit, locale=locale, out=out, backup=backup, stamp=stamp, checked=checked,
                              locked=True, engine=engine)
    from addin.io.package import FastPathUnavailable, edit_package

    path = Path(path)
    adding = missing_own_sheets(_package_sheet_names(path))
    # The board's layout changes with its jobs: laid out by openpyxl, never patched cell by cell.
    if engine in ("auto", "package") and not adding and edit.marks is None and not edit.new_columns \
            and edit.board is None:
        cells = {k: dict(v) for k, v in edit.cells.items()}
        expect = {k: dict(v) for k, v in edit.expect.items()}
        if edit.dashboard is not None:
            from addin.dashboard import dashboard_cells, dashboard_labels

            d = edit.dashboard
            cells["dashboard"] = {**cells.get("dashboard", {}),
                                  **dashboard_cells(d.result, locale, previous=d.previous, last_year=d.last_year,
                                                   months=d.months)}
            expect["dashboard"] = {**expect.get("dashboard", {}), **dashboard_labels(locale)}
        try:
            done = edit_package(path, locale=locale, appends=edit.appends, replacements=edit.replacements,
                                settings=edit.settings, cells=cells, expect=expect, out=out, backup=backup,
                                stamp=stamp, checked=checked, part_edits=edit.part_edits)
            return EditOutcome("package", done.appended, done.replaced)
        except FastPathUnavailable:
            if engine == "package":
                raise
    from addin.io.writer import update_workbook

    outcome = EditOutcome("openpyxl")
    from addin.io.writer import NOTE_PARTS

    # Clearing an earlier validation's notes removes their parts; nothing else may go.
    may_drop = NOTE_PARTS if edit.marks is not None else ()
    if not edit.part_edits:
        update_workbook(path, lambda wb: apply_to_openpyxl(wb, edit, locale, outcome), out=out, backup=backup,
                        stamp=stamp, checked=checked, may_drop=may_drop)
        return outcome
    # openpyxl cannot rewrite a part it does not model: save its edit beside the destination,
    # then rewrite those parts of that file into the destination, part by part.
    from addin.io.files import target_of, temp_beside

    staged = temp_beside(target_of(out if out is not None else path))
    try:
        update_workbook(path, lambda wb: apply_to_openpyxl(wb, edit, locale, outcome), out=staged, backup=False,
                        checked=checked, may_drop=may_drop)
        edit_package(staged, locale=locale, part_edits=edit.part_edits, out=out if out is not None else path,
                     backup=backup, stamp=stamp, checked=True)
    finally:
        staged.unlink(missing_ok=True)
    return outcome


def apply_to_openpyxl(wb: Any, edit: WorkbookEdit, locale: str, outcome: EditOutcome | None = None) -> EditOutcome:
    """Apply ``edit`` to an open openpyxl workbook (the openpyxl engine's edit of one safe update)."""
    from addin.io.builder import add_own_sheet
    from addin.io.writer import append_rows, replace_rows

    outcome = outcome or EditOutcome("openpyxl")
    for key in missing_own_sheets(wb.sheetnames):
        add_own_sheet(wb, key, locale)
        outcome.added_sheets.append(key)
    if edit.new_columns:
        from addin.io.writer import add_extra_columns

        for key, names in edit.new_columns.items():
            add_extra_columns(wb, key, names)
    for key, records in edit.replacements.items():
        outcome.replaced[key] = len(replace_rows(wb, key, records, locale))
    for key, records in edit.appends.items():
        if _count(records):
            outcome.appended[key] = append_rows(wb, key, records, locale)
    if edit.settings:
        set_settings(wb, edit.settings, locale)
    for key in {*edit.cells, *edit.expect}:
        _set_cells(wb, key, edit.cells.get(key, {}), edit.expect.get(key, {}))
    if "settings" in edit.sheets():
        # issue 13: the insurer and payer dropdowns list what the settings now hold.
        from addin.io.setting_lists import refresh_openpyxl

        refresh_openpyxl(wb)
    if edit.dashboard is not None:
        from addin.dashboard import write_dashboard

        d = edit.dashboard
        write_dashboard(wb, d.result, locale, previous=d.previous, last_year=d.last_year, months=d.months)
    if edit.board is not None:
        from addin.board import write_board

        write_board(wb, edit.board, locale)
    if edit.marks is not None:
        outcome.marked = _mark(wb, edit.marks)
    if "checks" in edit.replacements or _count(edit.appends.get("checks", ())):
        from addin.io.checks_links import link_checks

        link_checks(wb)
    return outcome


def set_settings(wb: Any, updates: Mapping[str, Any], locale: str) -> None:
    """Set settings values in place, key by key (the key column may hold the key or either label);
    a key the table lacks is appended. A text value stays text (never a formula)."""
    from addin.io.writer import append_rows, sheet_columns

    ws, header_row, columns = sheet_columns(wb, "settings")
    key_col, val_col = columns.get("key", 1), columns.get("value", 2)
    missing = []
    for key, value in updates.items():
        forms = setting_forms(key)
        for row in range(header_row + 1, ws.max_row + 1):
            cell = ws.cell(row, key_col).value
            if cell is not None and normalize_label(cell) in forms:
                target = ws.cell(row, val_col)
                # typed as every writer types a settings value; text stays text (never a formula)
                target.value, kind = setting_value(value)
                target.data_type = kind
                break
        else:
            missing.append({"key": key, "value": value})
    if missing:
        append_rows(wb, "settings", missing, locale)


def _set_cells(wb: Any, key: str, cells: Mapping[str, Any], expect: Mapping[str, Any]) -> None:
    from addin.errors import UnsafeWriteError
    from addin.i18n import Text
    from addin.io.writer import find_sheet

    ws = find_sheet(wb, key)
    for ref, value in expect.items():
        if ws[ref].value != value:
            raise UnsafeWriteError(Text("Sheet {sheet}: cell {ref} holds {found!r}, not {value!r}; nothing was written.",
                                        "工作表 {sheet}：单元格 {ref} 的内容为 {found!r}，而非 {value!r}；未写入任何内容。"),
                                   sheet=ws.title, ref=ref, found=ws[ref].value, value=value)
    for ref, value in cells.items():
        ws[ref].value = value
        if isinstance(value, str):
            ws[ref].data_type = "s"


def _mark(wb: Any, marks: list[Mark]) -> int:
    """Clear the marks of an earlier run on every data sheet, then mark each cell of ``marks``
    (fill and comment). Returns the number of cells marked."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    from addin.errors import WorkbookReadError
    from addin.io.writer import find_sheet, sheet_columns

    sheets = {}
    for key, spec in SHEETS.items():
        if spec.written_by != "input":
            continue
        try:
            sheets[key] = find_sheet(wb, key)
        except WorkbookReadError:
            continue
    ours = set(MARK_FILLS.values())
    for ws in sheets.values():
        for cell in list(ws._cells.values()):
            comment = cell.comment
            if comment is not None and comment.author == MARK_AUTHOR:
                cell.comment = None
                if cell.fill is not None and cell.fill.fgColor is not None and cell.fill.fgColor.rgb in ours:
                    cell.fill = PatternFill()
    layouts: dict[str, Any] = {}
    marked = 0
    for m in marks:
        if m.sheet not in sheets:
            continue
        if m.sheet not in layouts:
            layouts[m.sheet] = sheet_columns(wb, m.sheet)
        ws, _header_row, columns = layouts[m.sheet]
        col = columns.get(m.column)
        if col is None:
            continue
        cell = ws.cell(row=m.row, column=col)
        fill = MARK_FILLS.get(m.severity, MARK_FILLS["warning"])
        cell.fill = PatternFill(fill_type="solid", fgColor=fill, bgColor=fill)
        if ws.legacy_drawing is None:
            # A sheet with form controls keeps its own legacy drawing: no comments there.
            cell.comment = Comment(m.note, MARK_AUTHOR, width=320, height=120)
        marked += 1
    return marked


__all__ = ["DashboardValues", "EditOutcome", "MARK_AUTHOR", "MARK_FILLS", "Mark", "OWN_SHEETS", "WorkbookEdit",
           "apply_edit", "apply_to_openpyxl", "missing_own_sheets", "set_settings"]

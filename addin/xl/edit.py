"""The third engine of the one write path: a :class:`~addin.io.edit.WorkbookEdit` applied to the
live workbook through xlwings (:class:`~addin.xl.book.LiveBook`), then saved by Excel.

Values cross the boundary as 2-D lists of primitives; the dashboard is laid out by
:mod:`addin.dashboard` in a scratch openpyxl workbook and written as its values, so the live
sheet and the one the command line writes look the same.
"""

from __future__ import annotations

from typing import Any

from addin.io.edit import OWN_SHEETS, EditOutcome, WorkbookEdit
from addin.store import Store
from addin.tables import table_records
from addin.xl.book import LiveBook, settings_columns


def dashboard_grid(result: Any, previous: Any, last_year: Any, locale: str,
                   months: Any = None) -> tuple[str, list[list[Any]]]:
    """The dashboard's title and values as addin.dashboard lays them out."""
    from openpyxl import Workbook

    from addin.dashboard import write_dashboard

    ws = write_dashboard(Workbook(), result, locale, previous=previous, last_year=last_year, months=months)
    return ws.title, [[cell.value for cell in row] for row in ws.iter_rows()]


def write_grid_sheet(live: LiveBook, title: str, grid: list[list[Any]]) -> str:
    """Replace the whole content of sheet ``title`` (added when missing) with ``grid``."""
    names = {n.casefold(): n for n in live.sheet_names()}
    name = names.get(title.casefold())
    if name is None:
        live.add_sheet(title)
        name = title
    old = live.grid(name)
    live.clear(name, 1, len(old), max((len(r) for r in old), default=0))
    live.write(name, 1, grid)
    return name


def refresh_setting_lists(live: LiveBook, store: Store) -> bool:
    """The insurer and payer dropdown lists (the very hidden lists sheet and their defined names)
    set to what the live settings now hold, as the file engines do (addin.io.setting_lists);
    a book without the lists sheet or its columns is left as it is. Returns whether a list
    changed."""
    from addin.io.cells import find_sheet_name
    from addin.io.setting_lists import list_name, list_range, list_settings, list_updates

    title = find_sheet_name(live.sheet_names(), "lists")
    if title is None:
        return False
    grid = live.grid(title)
    settings = live.grid(live.sheet_of(store, "settings"))
    key_col, value_col = settings_columns(settings)
    values = list_settings((r[key_col] if len(r) > key_col else None, r[value_col] if len(r) > value_col else None)
                           for r in settings[1:])
    header = grid[0] if grid else []
    below = {c: [r[c - 1] if len(r) >= c else None for r in grid[1:]] for c in range(1, len(header) + 1)}
    updates = list_updates(header, below, values)
    for name, column, names, old in updates:
        count = max(old, len(names))
        live.write(title, 2, [[names[i] if i < len(names) else None] for i in range(count)], column)
        live.set_name(list_name(name), "=" + list_range(title, column, len(names)))
    return bool(updates)


def _records(records: Any) -> list[dict[str, Any]]:
    if hasattr(records, "to_dict"):
        return table_records(records)
    return [dict(r) for r in records]


def apply_to_live(live: LiveBook, store: Store, edit: WorkbookEdit, *, save: bool = True) -> EditOutcome:
    """Write ``edit`` into the live workbook the store was read from, then save it (Excel keeps
    the previous file until its own save succeeds). Marks are not drawn in a live book: its
    checks sheet lists every finding with its cell."""
    from openpyxl.utils.cell import coordinate_to_tuple

    from addin.io.builder import VERY_HIDDEN_SHEETS

    locale = store.locale
    outcome = EditOutcome("xlwings")
    for key in OWN_SHEETS:
        if key not in ("dashboard", "board") and key not in store.sheet_names and key in edit.sheets():
            name = live.sheet_of(store, key)
            if key in VERY_HIDDEN_SHEETS:
                live.hide(name)  # as the builder lays it out: the fingerprints are no one's to edit
            outcome.added_sheets.append(key)
    for key, records in edit.replacements.items():
        rows = _records(records)
        live.replace_records(store, key, rows)
        outcome.replaced[key] = len(rows)
    for key, records in edit.appends.items():
        rows = _records(records)
        if rows:
            outcome.appended[key] = live.append_records(store, key, rows)
    if edit.settings:
        live.set_settings(store, dict(edit.settings))
    if "settings" in edit.sheets():
        refresh_setting_lists(live, store)
    for key, cells in edit.cells.items():
        name = live.sheet_of(store, key)
        for ref, value in cells.items():
            row, column = coordinate_to_tuple(ref)
            live.write(name, row, [[value]], column)
    if edit.dashboard is not None:
        d = edit.dashboard
        title, grid = dashboard_grid(d.result, d.previous, d.last_year, locale, d.months)
        write_grid_sheet(live, title, grid)
    if edit.board is not None:
        from addin.board import board_grid

        title, grid = board_grid(edit.board, locale)
        write_grid_sheet(live, title, grid)
    if save:
        live.save()
    return outcome


class LiveTarget:
    """The workbook open in Excel as a :class:`addin.month_end.Target`: the store the entry point
    already read, and edits written through :func:`apply_to_live` (then saved by Excel)."""

    def __init__(self, live: LiveBook, store: Store) -> None:
        self.live, self.store, self.path = live, store, live.path

    def read(self) -> Store:
        return self.store

    def write(self, store: Store, edit: WorkbookEdit) -> str:
        return apply_to_live(self.live, store, edit).engine

    def close(self) -> None:
        """Nothing to release: Excel holds the workbook."""


__all__ = ["LiveTarget", "apply_to_live", "dashboard_grid", "refresh_setting_lists", "write_grid_sheet"]

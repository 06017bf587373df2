"""Dropdown lists the store maintains in its settings (issue 13): insurers and payers.

The settings ``insurers`` and ``payers`` hold names separated by "," "，" ";" or "；" (typed as
text). The builder expands them into columns of the very hidden lists sheet, each with a defined
name (``lst_Insurer``, ``lst_Payer``), and the insurer and payer columns get a dropdown of that
list in warning style: a new insurer may still be typed. The payer list is the payers followed by
the insurers (a claim is paid by the manufacturer or by an insurer).

Every writer refreshes the lists when it writes the settings (:func:`refresh_openpyxl` for the
openpyxl engine, ``addin.io.package`` for the part-level one): the columns and their defined
names then hold what the settings hold, in their order, each name once. A workbook without the
lists sheet or without these columns (built before) is left as it is; `service-addin build` or
`upgrade` lays them out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from openpyxl.utils import get_column_letter

from addin.store import split_names

#: List name (lists-sheet header, defined name lst_<name>) -> the settings whose names it lists.
SETTING_LISTS: dict[str, tuple[str, ...]] = {"Insurer": ("insurers",), "Payer": ("payers", "insurers")}
#: Column key -> the list its dropdown offers (warning style).
LISTED_FROM_SETTINGS: dict[str, str] = {"insurer": "Insurer", "payer": "Payer"}
#: The settings keys the lists read.
LIST_SETTINGS: frozenset[str] = frozenset(k for keys in SETTING_LISTS.values() for k in keys)


def list_values(settings: Mapping[str, Any]) -> dict[str, list[str]]:
    """Each list's names from settings values by canonical key (missing keys: empty)."""
    out: dict[str, list[str]] = {}
    for name, keys in SETTING_LISTS.items():
        names: list[str] = []
        for key in keys:
            names += [n for n in split_names(settings.get(key)) if n not in names]
        out[name] = names
    return out


def list_range(sheet: str, column: int, count: int) -> str:
    """The defined name's range of a list of ``count`` names in ``column`` (from row 2; one blank
    cell when the list is empty, as a defined name needs a range)."""
    letter = get_column_letter(column)
    return f"{sheet}!${letter}$2:${letter}${max(count, 1) + 1}"


def list_name(name: str) -> str:
    return f"lst_{name}"


def touches_settings(sheets: Iterable[str]) -> bool:
    return "settings" in set(sheets)


def list_settings(pairs: Iterable[tuple[Any, Any]]) -> dict[str, Any]:
    """The values of the list settings (by canonical key) among (key cell, value cell) pairs of
    a settings sheet; a key is known by its key, label or synonym, the first row of it counts."""
    from addin.io.cells import setting_forms
    from addin.tables import normalize_label

    forms = {key: setting_forms(key) for key in LIST_SETTINGS}
    values: dict[str, Any] = {}
    for cell, value in pairs:
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            continue
        norm = normalize_label(cell)
        for key, keyforms in forms.items():
            if norm in keyforms and key not in values:
                values[key] = value
    return values


def _settings_of_openpyxl(wb: Any) -> dict[str, Any]:
    from addin.io.writer import sheet_columns

    ws, header_row, columns = sheet_columns(wb, "settings")
    key_col, val_col = columns.get("key", 1), columns.get("value", 2)
    return list_settings((ws.cell(row, key_col).value, ws.cell(row, val_col).value)
                         for row in range(header_row + 1, ws.max_row + 1))


def list_updates(header: Sequence[Any], columns: Mapping[int, Sequence[Any]],
                 settings: Mapping[str, Any]) -> list[tuple[str, int, list[str], int]]:
    """The lists-sheet columns that no longer hold what ``settings`` lists: (list name, column
    (1-based), its names now, the rows its old names took), from the lists sheet's header row
    and its columns' values below the header (``columns`` by 1-based column)."""
    out = []
    for name, names in list_values(settings).items():
        if name not in header:
            continue
        column = list(header).index(name) + 1
        old = list(columns.get(column, ()))
        while old and (old[-1] is None or old[-1] == ""):
            old.pop()
        if old != names:
            out.append((name, column, names, len(old)))
    return out


def refresh_openpyxl(wb: Any) -> bool:
    """Rewrite the lists-sheet columns and defined names of the setting lists from the settings
    the workbook now holds (the openpyxl engine, after it wrote the settings). Returns whether
    anything changed."""
    from openpyxl.workbook.defined_name import DefinedName

    from addin.io.cells import find_sheet_name

    title = find_sheet_name(wb.sheetnames, "lists")
    if title is None:
        return False
    ws = wb[title]
    header = [ws.cell(1, c).value for c in range(1, ws.max_column + 1)]
    columns = {c: [ws.cell(r, c).value for r in range(2, ws.max_row + 1)] for c in range(1, ws.max_column + 1)}
    updates = list_updates(header, columns, _settings_of_openpyxl(wb))
    for name, column, names, old in updates:
        for r in range(2, max(old, len(names)) + 2):
            cell = ws.cell(r, column)
            cell.value = names[r - 2] if r - 2 < len(names) else None
            if cell.value is not None:
                cell.data_type = "s"
        defined = list_name(name)
        wb.defined_names[defined] = DefinedName(defined, attr_text=list_range(title, column, len(names)))
    return bool(updates)


__all__ = ["LISTED_FROM_SETTINGS", "LIST_SETTINGS", "SETTING_LISTS", "list_name", "list_range", "list_settings",
           "list_updates", "list_values", "refresh_openpyxl", "split_names", "touches_settings"]

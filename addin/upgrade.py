"""Upgrading a workbook: every table of a workbook of an older layout, or of a plain one (a DMS
export, a store's own spreadsheet with the keys or labels as headers), moved into a freshly built
Service.xlsm of the current version (VBA project, ribbon, Tables, dropdowns), with its settings and
its extra columns. The new file is written through the one write path; the old one is not touched.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from addin.errors import ServiceError
from addin.i18n import Text
from addin.io.edit import WorkbookEdit, apply_edit
from addin.models import SETTING_LABELS, SHEETS
from addin.store import Store
from addin.tables import ROW, as_text, normalize_label

T_EXISTS = Text("{file} already exists; the upgrade writes a new file and never overwrites one.",
                "{file} 已存在；升级只写入新文件，不覆盖已有文件。")
T_SAME = Text("The upgraded workbook must be a new file, not {file} itself.", "升级后的工作簿必须是新文件，不能是 {file} 本身。")
T_SUFFIX = Text("{file}: the upgraded workbook is an .xlsm (it carries the add-in's VBA and ribbon).",
                "{file}：升级后的工作簿须为 .xlsm（包含插件的 VBA 和功能区）。")

_SETTING_KEYS = {normalize_label(f): key for key, labels in SETTING_LABELS.items() for f in (key, *labels)}


@dataclass
class UpgradeOutcome:
    """What moved: records per sheet, the settings carried over, extra columns per sheet."""

    out: Path
    records: dict[str, int] = field(default_factory=dict)
    settings: int = 0
    extra_columns: dict[str, list[str]] = field(default_factory=dict)


def upgrade_edit(store: Store) -> tuple[WorkbookEdit, UpgradeOutcome]:
    """The edit that fills a freshly built workbook with ``store``: every sheet's records (extra
    columns added), the add-in's own sheets and the settings values."""
    from addin.io.builder import _setting_value

    edit = WorkbookEdit()
    outcome = UpgradeOutcome(Path())
    for key in SHEETS:
        if key == "settings" or key == "checks":
            continue
        table = store.table(key)
        if not len(table):
            continue
        extras = [c for c in table.columns if c != ROW and c not in SHEETS[key].by_key]
        edit.replacements[key] = table.drop(columns=[ROW])
        outcome.records[key] = len(table)
        if extras:
            edit.new_columns[key] = extras
            outcome.extra_columns[key] = extras
    for raw_key, value in zip(store.table("settings")["key"], store.table("settings")["value"]):
        text = as_text(value)
        if raw_key is None or text is None:
            continue
        norm = normalize_label(raw_key)
        key = _SETTING_KEYS.get(norm, raw_key.strip())
        edit.settings[key] = _setting_value(text)
    outcome.settings = len(edit.settings)
    return edit, outcome


def upgrade_workbook(old: str | Path, out: str | Path) -> UpgradeOutcome:
    """Build a current Service.xlsm at ``out`` (which must not exist) holding ``old``'s data."""
    from addin.io.builder import build
    from addin.io.reader import read_store

    old, out = Path(old), Path(out)
    if out.suffix.lower() != ".xlsm":
        raise ServiceError(T_SUFFIX, file=out.name)
    if out.exists():
        raise ServiceError(T_EXISTS, file=out.name)
    if out.resolve() == old.resolve():
        raise ServiceError(T_SAME, file=old.name)
    store = read_store(old)
    locale = store.locale
    edit, outcome = upgrade_edit(store)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".upgrade-") as tmp:
        fresh = build(Path(tmp) / out.name, locale, backup=False)
        if out.exists():  # someone else wrote it meanwhile
            raise ServiceError(T_EXISTS, file=out.name)
        apply_edit(fresh, edit, locale=locale, out=out, backup=False)
    outcome.out = out
    return outcome


__all__ = ["UpgradeOutcome", "upgrade_edit", "upgrade_workbook"]

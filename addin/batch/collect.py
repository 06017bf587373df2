"""Turn the PATH arguments of a batch (files, folders, globs) into the list of workbooks to process."""

from __future__ import annotations

import glob
from collections.abc import Iterable
from pathlib import Path

from addin.i18n import Text

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")

NOT_FOUND = Text("No such file or folder: {path}", "找不到文件或文件夹：{path}")
NO_MATCH = Text("No workbook matches {pattern}", "没有与 {pattern} 匹配的工作簿")


def is_candidate(path: Path) -> bool:
    """A workbook found in a folder or by a glob: .xlsx/.xlsm, not Excel's ``~$`` lock file and not
    a backup the add-in left beside a workbook (``.bak`` anywhere in the name)."""
    name = path.name
    return (path.suffix.lower() in WORKBOOK_SUFFIXES and not name.startswith("~$")
            and ".bak" not in name.lower() and path.is_file())


#: Report packs that a close writes beside a workbook (``<stem>_reports/<period>/``) hold xlsx
#: files that are not stores.
REPORTS_SUFFIX = "_reports"


def _ours(path: Path, skip: tuple[Path, ...]) -> bool:
    """Output of the add-in itself: a report pack, or anything under the batch's output folder."""
    resolved = path.resolve()
    return (any(part.endswith(REPORTS_SUFFIX) for part in resolved.parent.parts)
            or any(resolved.is_relative_to(folder) for folder in skip))


def _expand(path: Path, skip: tuple[Path, ...]) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if is_candidate(p) and not _ours(p, skip))
    return [path]


def collect_paths(specs: Iterable[str | Path], locale: str | None = None,
                  skip: Iterable[str | Path] = ()) -> tuple[list[Path], list[dict[str, str]]]:
    """The workbooks named by ``specs`` and the specs that named nothing.

    A file given by name is taken whatever its type (a batch reports what it cannot read); a folder
    is searched recursively for workbooks; a glob (``stores/**/*.xlsm``) keeps the workbooks it
    matches. Folders and globs pass over the add-in's own output: report packs and the folders in
    ``skip`` (the batch's output folder, so that a second run does not read the first one's group
    report as a store). Returns (absolute paths in a stable order without duplicates, failures as
    ``{"file", "reason"}``).
    """
    skipped = tuple(Path(folder).expanduser().resolve() for folder in skip)
    seen: set[Path] = set()
    found: list[Path] = []
    failures: list[dict[str, str]] = []
    for spec in specs:
        path = Path(spec).expanduser()
        if path.exists():
            matches = _expand(path, skipped)
        elif glob.has_magic(str(spec)):
            matches = [m for hit in sorted(glob.glob(str(path), recursive=True))
                       for m in _expand(Path(hit), skipped) if is_candidate(m) and not _ours(m, skipped)]
            if not matches:
                failures.append({"file": str(spec), "reason": NO_MATCH(locale, pattern=spec)})
        else:
            failures.append({"file": str(spec), "reason": NOT_FOUND(locale, path=spec)})
            continue
        for match in matches:
            resolved = match.resolve()
            if resolved not in seen:
                seen.add(resolved)
                found.append(resolved)
    return found, failures

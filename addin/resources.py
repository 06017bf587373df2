"""Where the files the engine reads but does not generate live: the VBA sources and the ribbon
(macros/) and the report templates (workbook/templates/).

Their source of truth is the top-level folders of the repository. pyproject.toml maps them into
the package as ``addin/_macros`` and ``addin/_templates`` (setuptools ``package-dir`` and
``package-data``), so a wheel or a regular ``pip install`` carries them inside ``addin``. An
editable install or a plain checkout has no such folders inside ``addin``: there the top-level
folders are read directly, so an edit to a .bas or a template is seen without reinstalling.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

#: The repository root when the package runs from a checkout (source tree or editable install).
#: In a regular install this is site-packages, where none of the repository's files exist.
REPO = Path(__file__).resolve().parent.parent


def _folder(installed: str, checkout: str) -> Path:
    """``addin/<installed>`` when the package was installed with its data, else the checkout's
    ``<checkout>`` folder (returned even when missing, so the caller's error names it)."""
    bundled = Path(str(resources.files("addin") / installed))
    return bundled if bundled.is_dir() else REPO / checkout


def macros_dir() -> Path:
    """The folder of the VBA sources (``*.bas``) and ``ribbon.xml``."""
    return _folder("_macros", "macros")


def templates_dir() -> Path:
    """The folder of the report templates (``<report>.xlsx``)."""
    return _folder("_templates", "workbook/templates")

"""A regular install (a wheel) carries the VBA sources, the ribbon and the report templates, and
the package finds them there; a checkout reads the top-level folders."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from addin import resources

ROOT = Path(__file__).resolve().parent.parent
MAPPED = {"addin._macros": "macros", "addin._templates": "workbook/templates"}


def _setuptools_config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_addin_subpackage_is_listed_in_pyproject():
    # The list is explicit (a find directive cannot discover the mapped folders): a subpackage
    # missing from it would be missing from every regular install.
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "addin").rglob("__init__.py")}
    config = _setuptools_config()
    assert set(config["packages"]) == found | set(MAPPED)
    assert config["package-dir"] == MAPPED


def test_a_checkout_reads_the_top_level_folders():
    assert resources.macros_dir() == ROOT / "macros"
    assert resources.templates_dir() == ROOT / "workbook" / "templates"
    assert (resources.macros_dir() / "ribbon.xml").is_file()
    assert (resources.templates_dir() / "monthly.xlsx").is_file()


def test_an_installed_package_reads_its_bundled_folders(tmp_path, monkeypatch):
    # As in site-packages after `pip install .`: addin/_macros and addin/_templates beside the code.
    (tmp_path / "_macros").mkdir()
    (tmp_path / "_templates").mkdir()
    monkeypatch.setattr(resources.resources, "files", lambda package: tmp_path)
    assert resources.macros_dir() == tmp_path / "_macros"
    assert resources.templates_dir() == tmp_path / "_templates"


@pytest.mark.slow
def test_the_wheel_holds_the_macros_the_ribbon_and_the_templates(tmp_path):
    # Built from a copy of what the wheel is made of, so the build leaves nothing in the checkout
    # and would fail if it needed any other file of the repository.
    src = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("addin", "macros", "workbook"):
        shutil.copytree(ROOT / folder, src / folder, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path / "dist"), str(src)],
                   check=True, capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("service_addin-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        expected = {f"addin/_macros/{p.name}": p for p in (ROOT / "macros").iterdir()
                    if p.suffix in (".bas", ".cls") or p.name == "ribbon.xml"}
        expected |= {f"addin/_templates/{p.name}": p for p in (ROOT / "workbook" / "templates").glob("*.xlsx")}
        assert {"addin/_macros/Service.bas", "addin/_macros/ribbon.xml",
                "addin/_templates/monthly.xlsx"} <= set(expected)
        for name, path in expected.items():
            assert zf.read(name) == path.read_bytes(), name
    code = {p.relative_to(ROOT).as_posix() for p in (ROOT / "addin").rglob("*.py") if "__pycache__" not in p.parts}
    assert code <= names
    assert "addin/py.typed" in names

"""The release a Windows user installs from: the wheel installs into a fresh environment and its
entry points work from there; the install scripts do what docs/windows.md says."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

from addin.cli import main

ROOT = Path(__file__).resolve().parent.parent
WINDOWS = ROOT / "windows"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def test_version_flag(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"service-addin {VERSION}\n"


@pytest.mark.slow
def test_the_wheel_installs_into_a_fresh_environment_and_runs(tmp_path: Path) -> None:
    # The wheel is built from a copy of what it is made of (as tests/test_packaging.py does).
    src = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("addin", "macros", "workbook"):
        shutil.copytree(ROOT / folder, src / folder, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path / "dist"),
                    str(src)], check=True, capture_output=True)
    (wheel,) = (tmp_path / "dist").glob(f"service_addin-{VERSION}-*.whl")

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / "python"
    # The dependencies come from this test's environment (offline): its site-packages as a plain
    # path after the new environment's own, so its .pth files (an editable checkout) do not load.
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "deps-of-the-test.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    # From outside the checkout: its service_addin.egg-info (an editable install) would make pip
    # believe the package is installed already.
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--quiet", "--disable-pip-version-check",
                    str(wheel)], check=True, capture_output=True, cwd=tmp_path)

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    work = tmp_path / "elsewhere"
    work.mkdir()
    version = subprocess.run([str(bin_dir / "service-addin"), "--version"], cwd=work, env=env,
                             capture_output=True, text=True, timeout=120)
    assert version.returncode == 0, version.stderr
    assert version.stdout == f"service-addin {VERSION}\n"
    imports = subprocess.run(
        [str(python), "-c", "import addin, addin.xl.entry, addin.udfs, addin.commands.locale, xlwings; "
                            "from addin.resources import macros_dir; "
                            "print(addin.__file__); print(macros_dir()); print(xlwings.__version__)"],
        cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert imports.returncode == 0, imports.stderr
    module, macros, xlwings_version = imports.stdout.splitlines()
    assert Path(module).is_relative_to(venv) and Path(macros).is_relative_to(venv)
    assert (Path(macros) / "ribbon.xml").is_file()
    assert xlwings_version == "0.37.8"
    # ... and it builds the workbook from what the wheel holds.
    built = subprocess.run([str(bin_dir / "service-addin"), "build", "--locale", "zh-CN", "--out", "S.xlsm"],
                           cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    assert (work / "S.xlsm").stat().st_size > 50_000


def test_install_scripts_are_ascii_and_write_what_xlwings_reads() -> None:
    scripts = {p.name: p.read_text(encoding="ascii") for p in WINDOWS.iterdir()}
    assert sorted(scripts) == ["install.cmd", "install.ps1", "uninstall.cmd", "uninstall.ps1"]
    install = scripts["install.ps1"]
    assert "-m venv" in install and "-m pip install" in install and "--version" in install
    # xlwings.bas reads the user's file with VBA's `Input #`: "KEY","value" per line, ANSI.
    assert """'"INTERPRETER_WIN","' + $pythonw + '"'""" in install
    assert "ANSICodePage" in install
    assert "WindowsApps" in install  # refuses the Microsoft Store Python
    assert "install.ps1" in scripts["install.cmd"] and "uninstall.ps1" in scripts["uninstall.cmd"]
    assert "INTERPRETER_WIN" in scripts["uninstall.ps1"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "dist: install" in makefile and "dist/release" in makefile

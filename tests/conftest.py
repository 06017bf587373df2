"""Shared test plumbing.

``need_tool("soffice")`` skips a test when a system tool is missing, with the reason, except in CI
(SERVICE_ADDIN_REQUIRE_TOOLS=1, set by .ci/run), where a missing tool is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

REQUIRE_TOOLS = os.environ.get("SERVICE_ADDIN_REQUIRE_TOOLS") == "1"


def _uno_available() -> bool:
    try:
        return subprocess.run(["/usr/bin/python3", "-c", "import uno"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _cjk_font() -> bool:
    try:
        out = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return bool(out.strip())


def _carlito() -> bool:
    try:
        out = subprocess.run(["fc-list", "Carlito"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return bool(out.strip())


_CHECKS = {
    "soffice": lambda: shutil.which("soffice") is not None,
    "uno": _uno_available,
    "pdftotext": lambda: shutil.which("pdftotext") is not None,
    "pdftoppm": lambda: shutil.which("pdftoppm") is not None,
    "cjk-font": _cjk_font,
    "carlito": _carlito,
    "olevba": lambda: shutil.which("olevba") is not None or _module("oletools"),
}
_cache: dict[str, bool] = {}


def _module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def need_tool(*names: str) -> None:
    """Skip (or, in CI, fail) unless every named tool is present."""
    for name in names:
        if name not in _cache:
            _cache[name] = _CHECKS[name]()
        if not _cache[name]:
            reason = f"{name} is not installed (make test installs it with apt-get when run as root)"
            if REQUIRE_TOOLS:
                pytest.fail(f"required tool missing in CI: {reason}")
            pytest.skip(reason)

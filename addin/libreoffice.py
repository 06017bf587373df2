"""LibreOffice headless: PDFs of the reports, and an independent spreadsheet engine for tests.

Each ``soffice`` start costs 1.3-1.6 s, so :func:`convert` takes many files in one call. Every call
uses a private profile (``-env:UserInstallation``) so it neither touches the user's LibreOffice nor
collides with another conversion running at the same time; the profile makes Calc recalculate
xlsx formulas on load (OOXMLRecalcMode 0), which LibreOffice does not do by default.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from addin.errors import ServiceError
from addin.i18n import Text

_FILTERS = {
    "pdf": "pdf:calc_pdf_Export",
    "xlsx": "xlsx:Calc MS Excel 2007 XML",
    "csv": "csv:Text - txt - csv (StarCalc):44,34,76,1",
}

_PROFILE_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>{mode}</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>{mode}</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Font/Substitution"><prop oor:name="Replacement" oor:op="fuse"><value>true</value></prop></item>
{fonts}</oor:items>
"""

#: Fonts of the reports replaced in PDFs by a metric-compatible or covering face (issue 13): the
#: Chinese reports' 等线 has no Linux counterpart of that name, and fontconfig alone would give
#: its Latin text DejaVu Sans.
FONT_SUBSTITUTES = {"等线": "Noto Sans CJK SC", "DengXian": "Noto Sans CJK SC", "Calibri": "Carlito"}
_FONT_PAIR = ('<item oor:path="/org.openoffice.Office.Common/Font/Substitution/FontPairs">'
              '<node oor:name="_{i}" oor:op="replace">'
              '<prop oor:name="Always" oor:op="fuse"><value>true</value></prop>'
              '<prop oor:name="OnScreenOnly" oor:op="fuse"><value>false</value></prop>'
              '<prop oor:name="ReplaceFont" oor:op="fuse"><value>{font}</value></prop>'
              '<prop oor:name="SubstituteFont" oor:op="fuse"><value>{by}</value></prop></node></item>\n')

MISSING = Text(
    "LibreOffice is not installed (soffice not found), so no PDF was made; install LibreOffice "
    "(Debian: libreoffice-calc-nogui) to get PDFs.",
    "未安装 LibreOffice（找不到 soffice），因此未生成 PDF；请安装 LibreOffice（Debian：libreoffice-calc-nogui）。",
)
FAILED = Text(
    "LibreOffice could not convert {files} to {fmt}: {detail}",
    "LibreOffice 无法将 {files} 转换为 {fmt}：{detail}",
)


#: The watchdog beside every LibreOffice run: it waits for its stdin to close — when the add-in
#: ends, however it ends, even killed — then kills LibreOffice's whole process group and removes
#: its private profile. A run that finishes closes the pipe itself.
_WATCHDOG = (
    "import os, shutil, signal, sys\n"
    "sys.stdin.buffer.read()\n"
    "try:\n    os.killpg(int(sys.argv[1]), signal.SIGKILL)\nexcept OSError:\n    pass\n"
    "shutil.rmtree(sys.argv[2], ignore_errors=True)\n"
)


class Stopped(Exception):
    """A conversion given up because its ``stop`` event was set (the run it served failed)."""


def _run_guarded(cmd: list[str], profile: Path, timeout: float,
                 stop: threading.Event | None = None) -> subprocess.CompletedProcess[str]:
    """Run LibreOffice in its own process group, killed with the add-in (the watchdog), on a
    timeout, when ``stop`` is set (:class:`Stopped`), or on any error here; its profile folder
    is removed in every case."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    watchdog = subprocess.Popen([sys.executable, "-I", "-c", _WATCHDOG, str(proc.pid), str(profile)],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
    try:
        if stop is None:
            out, err = proc.communicate(timeout=timeout)
        else:
            deadline = time.monotonic() + timeout
            while True:
                if stop.is_set():
                    raise Stopped()
                left = deadline - time.monotonic()
                try:
                    out, err = proc.communicate(timeout=max(0.0, min(0.2, left)))
                    break
                except subprocess.TimeoutExpired:
                    if left <= 0.2:
                        raise
        return subprocess.CompletedProcess(cmd, proc.returncode, out, err)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # whatever LibreOffice left running in its group
        except OSError:
            pass
        proc.wait()
        assert watchdog.stdin is not None
        watchdog.stdin.close()  # the watchdog removes the profile and exits
        watchdog.wait(timeout=30)


class ConversionError(ServiceError):
    """LibreOffice is missing or failed; the message says which files."""


def soffice() -> str | None:
    """Path of the soffice executable, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def available(locale: str | None = None) -> str | None:
    """None when LibreOffice can be used, else the reason (a sentence in the locale)."""
    return None if soffice() else MISSING(locale)


def convert(
    sources: Path | Iterable[Path],
    fmt: str,
    outdir: Path,
    *,
    recalc: bool = True,
    timeout: float = 300,
    stop: threading.Event | None = None,
) -> Path | list[Path]:
    """Convert one file (returns its output path) or many files in one LibreOffice run (returns
    the list of output paths, in order) to ``fmt`` (pdf, xlsx, csv) in ``outdir``.

    With ``recalc`` Calc recalculates every formula on load, so the output holds LibreOffice's own
    results rather than the cached values of the file. Setting ``stop`` (from another thread)
    ends the run: LibreOffice is killed and :class:`Stopped` raised.
    """
    single = isinstance(sources, (str, Path))
    files = [Path(sources)] if isinstance(sources, (str, Path)) else [Path(s) for s in sources]
    exe = soffice()
    if exe is None:
        raise ConversionError(MISSING)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="service-lo-"))
    user = profile / "user"
    user.mkdir()
    (user / "registrymodifications.xcu").write_text(_PROFILE_XCU.format(
        mode=0 if recalc else 1,
        fonts="".join(_FONT_PAIR.format(i=i, font=f, by=b) for i, (f, b) in enumerate(FONT_SUBSTITUTES.items()))), encoding="utf-8")
    cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
           "--nolockcheck", "--convert-to", _FILTERS.get(fmt, fmt), "--outdir", str(outdir), *map(str, files)]
    try:
        proc = _run_guarded(cmd, profile, timeout, stop)
    except subprocess.TimeoutExpired:
        raise ConversionError(FAILED, files=", ".join(f.name for f in files), fmt=fmt,
                              detail=f"timed out after {timeout:.0f} s") from None
    outputs = [outdir / f"{f.stem}.{fmt}" for f in files]
    missing = [f for f, o in zip(files, outputs) if not o.exists()]
    if missing:
        detail = (proc.stderr or proc.stdout or f"exit code {proc.returncode}").strip().splitlines()
        raise ConversionError(FAILED, files=", ".join(f.name for f in missing), fmt=fmt,
                              detail=detail[-1] if detail else f"exit code {proc.returncode}")
    return outputs[0] if single else outputs

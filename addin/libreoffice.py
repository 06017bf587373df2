"""LibreOffice headless: PDFs of the reports, and an independent spreadsheet engine for tests.

Each ``soffice`` start costs 1.3-1.6 s, so :func:`convert` takes many files in one call. Every call
uses a private profile (``-env:UserInstallation``) so it neither touches the user's LibreOffice nor
collides with another conversion running at the same time; the profile makes Calc recalculate
xlsx formulas on load (OOXMLRecalcMode 0), which LibreOffice does not do by default.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterable

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
</oor:items>
"""

MISSING = Text(
    "LibreOffice is not installed (soffice not found), so no PDF was made; install LibreOffice "
    "(Debian: libreoffice-calc-nogui) to get PDFs.",
    "未安装 LibreOffice（找不到 soffice），因此未生成 PDF；请安装 LibreOffice（Debian：libreoffice-calc-nogui）。",
)
FAILED = Text(
    "LibreOffice could not convert {files} to {fmt}: {detail}",
    "LibreOffice 无法将 {files} 转换为 {fmt}：{detail}",
)


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
) -> Path | list[Path]:
    """Convert one file (returns its output path) or many files in one LibreOffice run (returns
    the list of output paths, in order) to ``fmt`` (pdf, xlsx, csv) in ``outdir``.

    With ``recalc`` Calc recalculates every formula on load, so the output holds LibreOffice's own
    results rather than the cached values of the file.
    """
    single = isinstance(sources, (str, Path))
    files = [Path(sources)] if single else [Path(s) for s in sources]  # type: ignore[arg-type]
    exe = soffice()
    if exe is None:
        raise ConversionError(MISSING)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="service-lo-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(
            _PROFILE_XCU.format(mode=0 if recalc else 1), encoding="utf-8")
        cmd = [exe, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
               "--nolockcheck", "--convert-to", _FILTERS.get(fmt, fmt), "--outdir", str(outdir),
               *map(str, files)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
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

"""What a killed or failing run leaves behind: no LibreOffice still running and no profile folder
of it, no half-written report, and a report folder that says it is incomplete."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import need_tool
from test_close import write_workbook
from test_periods import sample_records, sample_store

ROOT = Path(__file__).resolve().parents[1]


def _soffice_with(profile_prefix: str) -> list[int]:
    """Processes whose command line names a LibreOffice profile starting with ``profile_prefix``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if profile_prefix in cmdline and "python" not in cmdline.split(" ")[0]:
            found.append(int(entry.name))
    return found


@pytest.mark.slow
def test_libreoffice_dies_with_the_add_in_and_its_profile_is_removed(tmp_path: Path) -> None:
    need_tool("soffice")
    book = write_workbook(tmp_path / "Service.xlsx", sample_records())
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    code = ("import sys; from pathlib import Path; from addin import libreoffice; "
            "libreoffice.convert([Path(sys.argv[1])] * 1, 'pdf', Path(sys.argv[2]))")
    proc = subprocess.Popen([sys.executable, "-c", code, str(book), str(tmp_path / "out")], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmpdir)})
    deadline = time.monotonic() + 30
    while not _soffice_with(str(tmpdir)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _soffice_with(str(tmpdir)), "LibreOffice did not start"
    os.kill(proc.pid, signal.SIGKILL)  # the add-in dies mid-conversion
    proc.wait()
    deadline = time.monotonic() + 15
    while (_soffice_with(str(tmpdir)) or list(tmpdir.glob("service-lo-*"))) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _soffice_with(str(tmpdir)) == []
    assert list(tmpdir.glob("service-lo-*")) == []


def test_a_conversion_that_times_out_leaves_nothing_running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from addin import libreoffice

    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmpdir))
    # A stand-in for soffice that never finishes, with a child of its own.
    fake = tmp_path / "soffice"
    fake.write_text(f"#!/bin/sh\nsleep 300 & sleep 300 # {tmpdir}\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr(libreoffice, "soffice", lambda: str(fake))
    with pytest.raises(libreoffice.ConversionError, match="timed out after 1 s"):
        libreoffice.convert(tmp_path / "x.xlsx", "pdf", tmp_path / "out", timeout=1)
    time.sleep(0.3)
    assert list(tmpdir.glob("service-lo-*")) == []
    assert not [pid for pid in _soffice_with(str(tmpdir))]


def test_a_report_pack_that_fails_half_way_leaves_no_half_file_and_says_incomplete(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import addin.reports as reports

    real = reports.render
    calls = []

    def third_fails(name, data):  # type: ignore[no-untyped-def]
        calls.append(name)
        if len(calls) == 3:
            raise RuntimeError("planted failure")
        return real(name, data)

    monkeypatch.setattr(reports, "render", third_fails)
    out = tmp_path / "reports"
    with pytest.raises(RuntimeError, match="planted failure"):
        reports.build_reports(sample_store(), "2026-10", None, out, pdf=False)
    assert sorted(p.name for p in out.iterdir()) == [reports.INCOMPLETE]
    monkeypatch.setattr(reports, "render", real)
    pack = reports.build_reports(sample_store(), "2026-10", None, out, pdf=False)
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in pack.files)
    assert len(pack.files) == len(reports.REPORT_NAMES)

"""The command line's last line of defence: one clear line, never a traceback."""

from __future__ import annotations

import pytest

from addin import cli
from addin.errors import WorkbookReadError
from addin.i18n import Text


def _failing_command(exc: BaseException):
    def run(args):
        raise exc

    return run


@pytest.fixture
def info_raises(monkeypatch: pytest.MonkeyPatch):
    import addin.commands.info as info

    def arrange(exc: BaseException) -> None:
        monkeypatch.setattr(info, "run", _failing_command(exc))

    return arrange


def test_an_internal_error_is_one_line_with_the_debug_hint(info_raises, capsys) -> None:
    info_raises(KeyError("open_date"))
    assert cli.main(["info", "x.xlsx"]) == 3
    err = capsys.readouterr().err
    assert err == ("Internal error (KeyError: 'open_date'). Run it again as "
                   "`service-addin --debug info ...` and report the output.\n")


def test_debug_shows_the_traceback(info_raises, capsys) -> None:
    info_raises(KeyError("open_date"))
    assert cli.main(["--debug", "info", "x.xlsx"]) == 3
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def test_a_service_error_is_its_message_in_the_chosen_language(info_raises, capsys, monkeypatch) -> None:
    info_raises(WorkbookReadError(Text("{file} is not a workbook.", "{file} 不是工作簿。"), file="a.txt"))
    monkeypatch.setenv("SERVICE_ADDIN_LOCALE", "zh-CN")
    assert cli.main(["info", "a.txt"]) == 2
    assert capsys.readouterr().err == "a.txt 不是工作簿。\n"


def test_a_closed_output_pipe_is_not_an_error(tmp_path) -> None:
    """The reader of our output went away (`service-addin info BOOK | head`): exit 0, no message."""
    import subprocess
    import sys

    from addin.io.builder import build_workbook

    build_workbook("en-US").save(tmp_path / "s.xlsx")
    proc = subprocess.Popen([sys.executable, "-m", "addin", "info", str(tmp_path / "s.xlsx")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    # Closed before the command prints anything (it spends a while importing pandas), so its
    # first write meets a broken pipe, as behind `| head -0`.
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and err == b""


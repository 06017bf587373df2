"""`service-addin validate`: human and JSON output, exit codes, --period, --write marks."""

from __future__ import annotations

import json
import shutil

import pytest
import rules_store as rs

from addin.cli import main
from addin.models import SETTING_DEFAULTS

pytestmark = pytest.mark.slow  # builds three small workbooks (a few seconds each)


def _workbook(path, recs):
    from addin.commands.demo import write_demo

    for sheet in ("positions", "stocktake", "backorders"):
        recs.setdefault(sheet, [])
    # The template's settings rows, in its order (its label column stays beside them).
    recs["settings"] = [{"key": k, "value": v} for k, v in SETTING_DEFAULTS.items()]
    write_demo(recs, path, "en-US")
    return path


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    folder = tmp_path_factory.mktemp("validate")
    clean = _workbook(folder / "clean.xlsx", rs.records())
    recs = rs.records()
    recs["wo_lines"][0]["qty"] = 0  # error, row 2
    recs["work_orders"][0]["plate"] = "京A1234"  # warning, row 2
    bad = _workbook(folder / "bad.xlsx", recs)
    recs = rs.records()
    recs["work_orders"][0]["plate"] = "京A1234"
    warn = _workbook(folder / "warn.xlsx", recs)
    return {"clean": clean, "bad": bad, "warn": warn, "folder": folder}


def test_clean_workbook_exits_0(books, capsys):
    assert main(["validate", str(books["clean"])]) == 0
    assert capsys.readouterr().out.startswith("No problems found (")


def test_errors_exit_1_grouped_by_sheet(books, capsys):
    assert main(["validate", str(books["bad"])]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Work orders: 0 error(s), 1 warning(s)"
    assert out[1].startswith("  warning WO-PLATE: Work orders, row 2, Plate = '京A1234': ")
    assert out[3] == "WO lines: 1 error(s), 0 warning(s)"
    assert out[4].startswith("  ERROR LN-QTY: WO lines, row 2, Qty / hours = 0: ")
    assert out[-1] == "1 error(s), 1 warning(s) in 2 sheet(s)."


def test_json_lists_the_findings(books, capsys):
    assert main(["validate", str(books["bad"]), "--json"]) == 1
    got = json.loads(capsys.readouterr().out)
    assert [(f["rule"], f["severity"], f["sheet"], f["row"], f["column"], f["value"]) for f in got] == [
        ("WO-PLATE", "warning", "work_orders", 2, "plate", "京A1234"),
        ("LN-QTY", "error", "wo_lines", 2, "qty", 0)]
    assert set(got[0]) == {"rule", "severity", "sheet", "row", "column", "value", "message"}


def test_warnings_only_exit_0_and_locale(books, capsys):
    assert main(["validate", str(books["warn"]), "--locale", "zh-CN"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "维修工单：0 个错误，1 个警告"
    assert out[-1] == "共 0 个错误、1 个警告，涉及 1 张工作表。"


def test_period_restricts_the_findings(books, capsys):
    assert main(["validate", str(books["bad"]), "--period", "2026-09", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["validate", str(books["bad"]), "--period", "2026/10"]) == 2
    assert "YYYY-MM" in capsys.readouterr().err


def test_unreadable_file_exits_2(books, capsys):
    junk = books["folder"] / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    assert main(["validate", str(junk)]) == 2
    assert main(["validate", str(books["folder"] / "missing.xlsx")]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_write_marks_cells_and_clears_them_on_the_next_run(books, capsys):
    from openpyxl import load_workbook

    from addin.io.edit import MARK_AUTHOR, MARK_FILLS
    from addin.io.writer import find_sheet

    path = books["folder"] / "write.xlsx"
    shutil.copy(books["bad"], path)
    assert main(["validate", str(path), "--write"]) == 1
    wb = load_workbook(path)
    checks = list(find_sheet(wb, "checks").iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in checks] == [
        ("Work orders", 2, "Plate", "Warning", "WO-PLATE"), ("WO lines", 2, "Qty / hours", "Error", "LN-QTY")]
    ws = find_sheet(wb, "wo_lines")
    qty = next(c for c in ws[1] if c.value == "Qty / hours").column
    plate = next(c for c in find_sheet(wb, "work_orders")[1] if c.value == "Plate").column_letter
    links = {c.coordinate: c.hyperlink.location for c in find_sheet(wb, "checks")["A"] if c.hyperlink}
    assert links == {"A2": f"'Work orders'!{plate}2", "A3": f"'WO lines'!{ws.cell(1, qty).column_letter}2"}
    cell = ws.cell(2, qty)
    assert cell.fill.fgColor.rgb == MARK_FILLS["error"]
    assert cell.comment.author == MARK_AUTHOR and cell.comment.text.startswith("LN-QTY: ")
    # Fix the quantity by hand; the next run clears the mark and the checks sheet's old rows.
    cell.value = 1
    wb.save(path)
    assert main(["validate", str(path), "--write"]) == 0
    wb = load_workbook(path)
    ws = find_sheet(wb, "wo_lines")
    assert ws.cell(2, qty).comment is None and ws.cell(2, qty).fill.fgColor.rgb != MARK_FILLS["error"]
    checks = [r for r in find_sheet(wb, "checks").iter_rows(min_row=2, values_only=True) if any(r)]
    assert [(r[0], r[4]) for r in checks] == [("Work orders", "WO-PLATE")]
    capsys.readouterr()


def test_missing_sheet_and_columns_still_get_every_other_check(books, capsys):
    from openpyxl import load_workbook

    from addin.io.writer import find_sheet

    path = books["folder"] / "missing.xlsx"
    wb = load_workbook(books["bad"])
    wb.remove(find_sheet(wb, "claims"))
    for key, header in (("work_orders", "Advisor"), ("wo_lines", "Technician")):
        ws = find_sheet(wb, key)
        next(c for c in ws[1] if c.value == header).value = f"Old {header}"
    wb.save(path)
    assert main(["validate", str(path), "--json"]) == 1
    got = {(f["rule"], f["sheet"], f["row"], f["column"]) for f in json.loads(capsys.readouterr().out)}
    # The required advisor column and the claims sheet are findings; the optional technician
    # column is not, and no rule reports rows for what is missing (no LN-TECH, WO-CLAIM, GEN-REF).
    assert got == {("GEN-SHEET", "claims", None, None), ("GEN-COLUMN", "work_orders", None, "advisor_id"),
                   ("WO-PLATE", "work_orders", 2, "plate"), ("LN-QTY", "wo_lines", 2, "qty")}


def _console(folder, command):
    """``addin.cli.console`` in a child with an exit handler that says so when it runs (at the
    interpreter's teardown, which os._exit skips)."""
    import os
    import subprocess
    import sys

    # Buffered as a user's shell has it (this machine's environment may say PYTHONUNBUFFERED).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    code = ("import atexit, sys\n"
            "atexit.register(lambda: print('torn down', file=sys.stderr))\n"
            f"sys.argv = ['service-addin', *{command!r}]\n"
            "from addin.cli import console\n"
            "console()\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=folder,
                          env=env)


def test_a_reading_command_exits_once_its_output_is_flushed(books, capsys):
    """validate, kpi and info end without the interpreter's teardown, and nothing they print is
    lost on the way: through a pipe, the same output and exit status as main() in this process.
    A command that writes files (schemas) exits the usual way."""
    bad = str(books["bad"])
    printed = {}
    for command in (["validate", bad, "--json"], ["kpi", bad, "--period", "2026-10", "--json"], ["info", bad]):
        expected = main(command)
        printed[command[0]] = out = capsys.readouterr().out
        done = _console(books["folder"], command)
        assert (done.returncode, done.stderr, done.stdout) == (expected, "", out)
    # Python holds a pipe's output until 8 KiB or the exit: unflushed, the child's would be empty.
    assert len(json.loads(printed["validate"])) == 2 and len(json.loads(printed["kpi"])) > 50
    assert "WO lines" in printed["info"]
    built = _console(books["folder"], ["schemas", "--out", str(books["folder"] / "schemas")])
    assert (built.returncode, built.stderr) == (0, "torn down\n")

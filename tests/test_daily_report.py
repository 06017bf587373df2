"""The daily report (维修日报, addin/reports/daily.py) of 2026-10-15 on the hand-made store of
tests/test_board.py: its cells (golden values), the command's bad input, that the month's pack
leaves it out, and its PDF in both languages (pdftotext, one page, PNG).

The figures of the day (prices without tax): J4 settled on 10-15 with 2 flag hours at 200 and a
part at 300, so revenue 700, labor 400, parts 300, flag hours 2, one settled RO; J14 opened on
10-15 (one entry). The board (tests/test_board.py): 7 jobs, J1 (Li) and J8 (Wang) overdue.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from addin.cli import main
from addin.reports import REPORT_NAMES, REPORTS, build_reports, check_names
from addin.store import Store
from tests.conftest import need_tool
from tests.test_board import RECORDS, SETTINGS, make_workbook

DAY = "2026-10-15"


def _store(locale: str = "en-US") -> Store:
    return Store.from_records(RECORDS, settings={**SETTINGS, "locale": locale})


def _section(ws: Any, title: str) -> list[list[Any]]:
    """The rows of the table under the section titled ``title`` (header first), to the blank row."""
    start = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == title)
    rows = []
    r = start + 1
    while any(ws.cell(r, c).value is not None for c in range(1, 10)):
        rows.append([ws.cell(r, c).value for c in range(1, 10)])
        r += 1
    width = max(len([v for v in row if v is not None]) for row in rows)
    return [row[:max(width, 1)] for row in rows]


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("daily")
    pack = build_reports(_store(), DAY, None, out, pdf=False, names=["daily"])
    assert [p.name for p in pack] == ["S009_2026-10-15_daily.xlsx"]
    return load_workbook(pack[0]).worksheets[0]


def test_head_and_kpis_of_the_day(filled: Any) -> None:
    ws = filled
    assert ws["A1"].value == "Daily service report"
    assert ws["A2"].value == "Test Motors (S009) · Day 2026-10-15"
    assert _section(ws, "KPIs of the day") == [
        ["KPI", "Value"], ["Entries (ROs opened)", 1], ["Settled ROs", 1], ["Revenue", 2 * 200 + 300],
        ["Labor revenue", 2 * 200], ["Parts revenue", 300], ["Flag hours", 2]]


def test_page_header_names_the_report_once(filled: Any) -> None:
    # The sheet is named as the report: the header's centre is the title alone, not "title · title".
    assert filled.title == "Daily service report"
    assert filled.oddHeader.center.text == "Daily service report"
    assert filled.oddHeader.right.text == "15 October 2026"


def test_board_counts(filled: Any) -> None:
    assert _section(filled, "Jobs in the workshop by status") == [
        ["Status", "Jobs", "Overdue"], ["Open", 1, 0], ["In progress", 2, 1], ["Waiting for parts", 2, 0],
        ["Quality check", 1, 0], ["Completed", 1, 1], ["Total", 7, 2]]
    assert _section(filled, "Jobs in the workshop by advisor") == [
        ["Advisor", "Jobs", "Overdue"], ["Li", 4, 1], ["Wang", 3, 1], ["Total", 7, 2]]


def test_tomorrows_appointments(filled: Any) -> None:
    # booked or confirmed on 10-16, by time (blank last): AP2 08:00, AP1 09:30, AP5; AP3 cancelled, AP4 on 10-17
    assert _section(filled, "Tomorrow's appointments (2026-10-16)") == [
        ["Time", "Customer", "Plate", "Reason", "Advisor", "Estimated hours"],
        ["08:00", "Liu", "粤B00001", "Repair", "Wang", 2],
        ["09:30", "Chen", "粤A12345", "Maintenance", "Li", 1.5],
        [None, "He", None, "Other", None, None]]


def test_calls_due_and_backorders_to_notify(filled: Any) -> None:
    rows = _section(filled, "Follow-up calls due")
    # J11 settled 10-09 (due 10-12; its follow-up is dated after the day), J10 settled 10-10 (due
    # 10-13); J12 was reached on 10-10, J13 is a pdi, J4's call is not due until 10-18.
    assert [[r[0], r[1].date().isoformat(), r[2].date().isoformat(), r[6]] for r in rows[1:]] == [
        ["J11", "2026-10-09", "2026-10-12", "Wang"], ["J10", "2026-10-10", "2026-10-13", "Li"]]
    rows = _section(filled, "Backorders arrived, customer not yet told")
    assert rows[0] == ["Backorder ID", "WO no.", "Part no.", "Name", "Arrived date", "Tell by", "Customer",
                       "Customer phone", "Advisor"]
    # arrived + 1 day before 10-15, not told by then: B9 (told 10-16) due 10-11, B7 due 10-13
    assert [[r[0], r[1], r[2], r[3], r[4].date().isoformat(), r[5].date().isoformat(), r[6], r[8]]
            for r in rows[1:]] == [["B9", "J9", "P1", "Brake pad", "2026-10-10", "2026-10-11", "Chen", "Li"],
                                   ["B7", "J10", "P2", "Wiper", "2026-10-12", "2026-10-13", "Chen", "Li"]]


def test_empty_sections_say_none(tmp_path: Path) -> None:
    # 10-01: no entries but J3, nothing settled, no appointment on 10-02, nothing due
    pack = build_reports(_store(), "2026-10-01", None, tmp_path, pdf=False, names=["daily"])
    ws = load_workbook(pack[0]).worksheets[0]
    for title in ("Tomorrow's appointments (2026-10-02)", "Follow-up calls due",
                  "Backorders arrived, customer not yet told"):
        assert _section(ws, title)[1][0] == "None", title
    zh = build_reports(_store("zh-CN"), "2026-10-01", None, tmp_path / "zh", pdf=False, names=["daily"])
    ws = load_workbook(zh[0]).worksheets[0]
    assert ws["A1"].value == "维修日报" and _section(ws, "待回访")[1][0] == "无"


def test_daily_is_not_part_of_the_month_pack() -> None:
    assert "daily" in REPORTS and "daily" not in REPORT_NAMES and "daily" not in check_names(None)
    assert check_names(["daily"]) == ["daily"]
    from addin.reports import ReportError

    with pytest.raises(ReportError, match="The daily report is built on its own, not with daily, monthly"):
        build_reports(_store(), DAY, None, "/nonexistent", pdf=False, names=["daily", "monthly"])


@pytest.mark.parametrize("argv,message", [
    (["--name", "daily"], "The daily report is of one day: give --date YYYY-MM-DD"),
    (["--name", "daily", "--date", "2026-09-30"], "The day 2026-09-30 is outside the data of the workbook"),
    (["--name", "daily", "--date", "2026-10-21"], "The day 2026-10-21 is outside the data of the workbook"),
    (["--name", "monthly"], "Report 'monthly' is of a month: give --period YYYY-MM."),
])
def test_command_bad_input(tmp_path: Path, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_workbook(tmp_path / "Service.xlsx")
    assert main(["report", str(path), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(message) and "\n" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Service.xlsx"]


def test_command_writes_xlsx_and_pdf_in_a_folder_of_the_day(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    need_tool("soffice")
    path = make_workbook(tmp_path / "Service.xlsx")
    assert main(["report", str(path), "--name", "daily", "--date", DAY]) == 0
    folder = tmp_path / "Service_reports" / DAY
    assert sorted(p.name for p in folder.iterdir()) == ["S009_2026-10-15_daily.pdf", "S009_2026-10-15_daily.xlsx"]
    assert capsys.readouterr().out.splitlines()[0] == f"Wrote {folder / 'S009_2026-10-15_daily.xlsx'}"


@pytest.mark.parametrize("locale,labels", [
    ("en-US", ["Daily service report", "KPIs of the day", "Tomorrow's appointments (2026-10-16)",
               "Follow-up calls due", "Backorders arrived, customer not yet told"]),
    ("zh-CN", ["维修日报", "当日指标", "在修工单（按状态）", "在修工单（按服务顾问）", "明日预约（2026-10-16）", "待回访",
               "配件已到货、尚未通知客户", "预约时间", "待料"]),
])
def test_pdf_one_page_with_the_labels_and_png(tmp_path: Path, locale: str, labels: list[str]) -> None:
    need_tool("soffice", "pdftotext", "pdftoppm", "cjk-font")
    pack = build_reports(_store(locale), DAY, None, tmp_path, pdf=True, names=["daily"])
    pdf = next(p for p in pack if p.suffix == ".pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for label in labels:
        assert label in text, label
    assert text.count("\f") == 1   # one A4 page
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(tmp_path / locale)], check=True)
    pngs = sorted(tmp_path.glob(f"{locale}*.png"))
    assert len(pngs) == 1 and pngs[0].stat().st_size > 10_000

"""The workshop board (addin/board.py, DOMAIN.md "Daily views") on a hand-made store, its JSON,
the `board` command (exit codes, nothing written on bad input, --write through the one write
path) and the ribbon's Workshop board button through the fake xlwings.

The day D is 2026-10-15. Jobs (open → promised, status, advisor):
  J1  10-10 → 10-14 in_progress A1 Red    on the board, age 5, overdue (10-14 < 10-15)
  J2  10-12 → 10-15 waiting_parts A2 Blue  age 3, promised on D: not overdue; open B1, B2
  J3  10-01 → 10-20 settled 10-18 A1       settled after D: still in the workshop; its backorder B4
                                           was open on D, so it shows as waiting_parts; age 14
  J4  10-02 settled on D (10-15) A2        settled as of D: not on the board
  J5  10-13 cancelled                       never on the board
  J6  10-16 open                            opened after D
  J7  10-14 → (none) qc A2                  age 1
  J8  10-08 → 10-11 completed A2            age 7, overdue
  J9  10-05 → 10-17 settled 10-20 A1        settled after D, no open backorder: in_progress; age 10
  J10..J13 settled before D                 not on the board (they feed the daily report's lists)
  J14 10-15 → 10-16 open A1 Red             opened on D: age 0
Reading order: overdue first (J8 promised 10-11, J1 10-14), then by promised date (J2 10-15,
J14 10-16, J9 10-17, J3 10-20), blank last (J7).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from addin.board import BoardError, board, check_day, data_range
from addin.cli import main
from addin.store import Store

DAY = "2026-10-15"


def _wo(no: str, opened: str, status: str, advisor: str, **kw: Any) -> dict[str, Any]:
    return {"wo_no": no, "open_date": opened, "status": status, "vin": "V1", "mileage": 1000, "advisor_id": advisor,
            "repair_type": kw.pop("repair_type", "general_repair"), **kw}


RECORDS: dict[str, list[dict[str, Any]]] = {
    "roster": [
        {"staff_id": "A1", "name": "Li", "role": "service_advisor", "hire_date": "2020-01-01", "excel_user": "li"},
        {"staff_id": "A2", "name": "Wang", "role": "service_advisor", "hire_date": "2020-01-01"},
        {"staff_id": "T1", "name": "Zhao", "role": "technician", "team": "Red", "hire_date": "2020-01-01"},
        {"staff_id": "M1", "name": "Zhou", "role": "service_manager", "hire_date": "2018-01-01"},
    ],
    "vehicles": [{"vin": "V1", "plate": "粤A12345", "customer_name": "Chen", "customer_phone": "13800000001"}],
    "parts": [{"part_no": "P1", "name": "Brake pad"}, {"part_no": "P2", "name": "Wiper"}],
    "work_orders": [
        _wo("J1", "2026-10-10", "in_progress", "A1", promised_date="2026-10-14", team="Red"),
        _wo("J2", "2026-10-12", "waiting_parts", "A2", promised_date="2026-10-15", team="Blue"),
        _wo("J3", "2026-10-01", "settled", "A1", promised_date="2026-10-20", close_date="2026-10-18", team="Blue"),
        _wo("J4", "2026-10-02", "settled", "A2", close_date="2026-10-15", followup_date="2026-10-16"),
        _wo("J5", "2026-10-13", "cancelled", "A1"),
        _wo("J6", "2026-10-16", "open", "A1"),
        _wo("J7", "2026-10-14", "qc", "A2", team="Red"),
        _wo("J8", "2026-10-08", "completed", "A2", promised_date="2026-10-11", team="Red"),
        _wo("J9", "2026-10-05", "settled", "A1", promised_date="2026-10-17", close_date="2026-10-20"),
        _wo("J10", "2026-10-09", "settled", "A1", close_date="2026-10-10"),
        _wo("J11", "2026-10-08", "settled", "A2", close_date="2026-10-09", followup_date="2026-10-16"),
        _wo("J12", "2026-10-07", "settled", "A2", close_date="2026-10-08"),
        _wo("J13", "2026-10-04", "settled", "A1", close_date="2026-10-05", repair_type="pdi"),
        _wo("J14", "2026-10-15", "open", "A1", promised_date="2026-10-16", team="Red"),
    ],
    "wo_lines": [
        # J4, settled on D: 2 flag hours at 200 and a part at 300 (prices without tax)
        {"wo_no": "J4", "line_no": 1, "line_type": "labor", "qty": 2, "unit_price": 200, "pay_type": "customer",
         "technician_id": "T1"},
        {"wo_no": "J4", "line_no": 2, "line_type": "part", "item_code": "P1", "qty": 1, "unit_price": 300,
         "pay_type": "customer"},
    ],
    "followups": [{"followup_id": "F1", "wo_no": "J12", "call_date": "2026-10-10", "by": "A2", "reached": True}],
    "backorders": [
        {"bo_id": "B1", "request_date": "2026-10-12", "wo_no": "J2", "part_no": "P1", "qty": 2,
         "ordered_date": "2026-10-13"},                                                  # open
        {"bo_id": "B2", "request_date": "2026-10-13", "wo_no": "J2", "part_no": "P2", "qty": 1,
         "arrived_date": "2026-10-16"},                                                  # arrives after D: open
        {"bo_id": "B3", "request_date": "2026-10-12", "wo_no": "J2", "part_no": "P2", "qty": 1,
         "arrived_date": "2026-10-14"},                                                  # arrived: not open
        {"bo_id": "B4", "request_date": "2026-10-05", "wo_no": "J3", "part_no": "P1", "qty": 1,
         "ordered_date": "2026-10-06", "arrived_date": "2026-10-16"},                    # open on D
        {"bo_id": "B5", "request_date": "2026-10-16", "wo_no": "J2", "part_no": "P1", "qty": 1},   # after D
        {"bo_id": "B6", "request_date": "2026-10-11", "wo_no": "J1", "part_no": "P2", "qty": 1},   # J1 not waiting
        # to notify as of D (arrived + 1 day before D, not told by D): B9 due 10-11, B7 due 10-13
        {"bo_id": "B7", "request_date": "2026-10-08", "wo_no": "J10", "part_no": "P2", "qty": 1,
         "arrived_date": "2026-10-12"},
        {"bo_id": "B8", "request_date": "2026-10-08", "wo_no": "J11", "part_no": "P2", "qty": 1,
         "arrived_date": "2026-10-11", "notified_date": "2026-10-13"},
        {"bo_id": "B9", "request_date": "2026-10-06", "wo_no": "J9", "part_no": "P1", "qty": 3,
         "arrived_date": "2026-10-10", "notified_date": "2026-10-16"},
    ],
    "appointments": [
        {"appt_id": "AP1", "appt_date": "2026-10-16", "appt_time": "09:30", "plate": "粤A12345", "customer_name": "Chen",
         "reason": "maintenance", "advisor_id": "A1", "est_hours": 1.5, "status": "booked"},
        {"appt_id": "AP2", "appt_date": "2026-10-16", "appt_time": "08:00", "plate": "粤B00001", "customer_name": "Liu",
         "reason": "repair", "advisor_id": "A2", "est_hours": 2, "status": "confirmed"},
        {"appt_id": "AP3", "appt_date": "2026-10-16", "appt_time": "10:00", "customer_name": "Gao",
         "reason": "repair", "status": "cancelled"},
        {"appt_id": "AP4", "appt_date": "2026-10-17", "appt_time": "10:00", "customer_name": "Ma",
         "reason": "repair", "status": "booked"},
        {"appt_id": "AP5", "appt_date": "2026-10-16", "customer_name": "He", "reason": "other", "status": "booked"},
    ],
}
SETTINGS = {"store_code": "S009", "store_name": "Test Motors", "prices_include_tax": False, "tax_rate": 0.13}

ORDER = ["J8", "J1", "J2", "J14", "J9", "J3", "J7"]


def make_store() -> Store:
    return Store.from_records(RECORDS, settings=SETTINGS)


def make_workbook(path: Path, locale: str = "en-US") -> Path:
    """The hand-made store in a workbook laid out by the builder (typed cells)."""
    from addin.io.builder import build_workbook
    from addin.io.writer import replace_rows

    wb = build_workbook(locale)
    typed = Store.from_records(RECORDS)
    for sheet in RECORDS:
        replace_rows(wb, sheet, typed.table(sheet), locale)
    replace_rows(wb, "settings", [{"key": k, "value": v} for k, v in {**SETTINGS, "locale": locale}.items()], locale)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_workbook(tmp_path_factory.mktemp("board") / "Service.xlsx")


@pytest.fixture
def copy(workbook: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "work" / workbook.name
    dest.parent.mkdir()
    shutil.copy(workbook, dest)
    return dest


def test_jobs_ages_overdue_and_order() -> None:
    b = board(make_store(), DAY)
    assert [j.wo_no for j in b.jobs] == ORDER
    got = {j.wo_no: (j.status, j.age_days, j.overdue, j.advisor_id, j.team) for j in b.jobs}
    assert got == {
        "J8": ("completed", 15 - 8, True, "A2", "Red"),
        "J1": ("in_progress", 15 - 10, True, "A1", "Red"),
        "J2": ("waiting_parts", 15 - 12, False, "A2", "Blue"),
        "J14": ("open", 0, False, "A1", "Red"),
        "J9": ("in_progress", 15 - 5, False, "A1", None),     # settled 10-20, nothing open on D
        "J3": ("waiting_parts", 15 - 1, False, "A1", "Blue"),  # settled 10-18, B4 open on D
        "J7": ("qc", 15 - 14, False, "A2", "Red"),
    }


def test_open_backorders_of_waiting_jobs() -> None:
    jobs = {j.wo_no: j for j in board(make_store(), DAY).jobs}
    import datetime as dt

    assert jobs["J2"].backorders == [
        {"bo_id": "B1", "request_date": dt.date(2026, 10, 12), "part_no": "P1", "qty": 2,
         "ordered_date": dt.date(2026, 10, 13)},
        {"bo_id": "B2", "request_date": dt.date(2026, 10, 13), "part_no": "P2", "qty": 1, "ordered_date": None},
    ]
    assert [b["bo_id"] for b in jobs["J3"].backorders] == ["B4"]
    assert jobs["J1"].backorders == []   # B6 is open, but J1 is not waiting for parts


def test_counts() -> None:
    assert board(make_store(), DAY).counts == {
        "total": 7,
        "by_status": {"open": 1, "in_progress": 2, "waiting_parts": 2, "qc": 1, "completed": 1},
        "by_advisor": {"A1": 4, "A2": 3},   # A1: J1 J14 J9 J3; A2: J8 J2 J7
        "overdue": 2,
    }


def test_the_board_moves_with_the_day() -> None:
    store = make_store()
    # On 10-18 J3 is settled; J2 and J14 are now overdue too; J6 (opened 10-16) is on the board.
    b = board(store, "2026-10-18")
    assert [j.wo_no for j in b.jobs] == ["J8", "J1", "J2", "J14", "J9", "J6", "J7"]
    assert b.counts["overdue"] == 5
    # J9 after its settlement on 10-20 leaves the board.
    assert "J9" not in [j.wo_no for j in board(store, "2026-10-20").jobs]


def test_json_shape() -> None:
    data = board(make_store(), DAY).to_json()
    json.dumps(data)
    assert list(data) == ["date", "jobs", "counts"] and data["date"] == DAY
    assert list(data["jobs"][0]) == ["wo_no", "status", "age_days", "promised_date", "overdue", "advisor_id", "team",
                                     "backorders"]
    assert data["jobs"][0] == {"wo_no": "J8", "status": "completed", "age_days": 7, "promised_date": "2026-10-11",
                               "overdue": True, "advisor_id": "A2", "team": "Red", "backorders": []}
    assert data["jobs"][2]["backorders"][0] == {"bo_id": "B1", "request_date": "2026-10-12", "part_no": "P1",
                                                "qty": 2, "ordered_date": "2026-10-13"}
    assert data["jobs"][-1]["promised_date"] is None
    assert list(data["counts"]) == ["total", "by_status", "by_advisor", "overdue"]


def test_the_days_of_the_data() -> None:
    store = make_store()
    # earliest open_date J3 10-01; latest of open (J6 10-16) and close (J9 10-20) dates
    assert [d.isoformat() for d in data_range(store)] == ["2026-10-01", "2026-10-20"]
    assert check_day(store, None).isoformat() == "2026-10-20"
    for bad in ("2026-09-30", "2026-10-21", "15/10/2026"):
        with pytest.raises(BoardError):
            check_day(store, bad)
    with pytest.raises(BoardError, match="no job has an open_date"):
        data_range(Store.from_records({}))


def test_command_table_and_json(workbook: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["board", str(workbook), "--date", DAY]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Workshop board of Test Motors, 2026-10-15: 7 job(s) in the workshop, 2 overdue"
    assert out[1] == "By status: Open 1, In progress 2, Waiting for parts 2, Quality check 1, Completed 1"
    assert out[2] == "By advisor: Li 4, Wang 3"
    assert [line.split()[0] for line in out[6:]] == ORDER
    assert out[8].endswith("P1 × 2 (2026-10-13); P2 × 1 (not ordered)")
    assert main(["board", str(workbook), "--json"]) == 0   # default: the last day with data
    data = json.loads(capsys.readouterr().out)
    assert data["date"] == "2026-10-20" and data["counts"]["total"] == len(data["jobs"])


def test_command_in_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_workbook(tmp_path / "zh.xlsx", "zh-CN")
    assert main(["board", str(path), "--date", DAY]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Test Motors 2026-10-15 在修看板：在修 7 台，超期 2 台"
    assert out[1] == "按状态：接车 1, 在修 2, 待料 2, 质检 1, 完工 1"


@pytest.mark.parametrize("argv,message", [
    (["--date", "2026-09-30"], "The day 2026-09-30 is outside the data of the workbook"),
    (["--date", "2026-10-21"], "The day 2026-10-21 is outside the data of the workbook"),
    (["--date", "2026-10-32"], "'2026-10-32' is not a day"),
    (["--date", DAY, "--user", "nobody"], "'nobody' is not on the roster"),
])
def test_bad_input_is_one_line_exit_code_and_nothing_written(copy: Path, argv: list[str], message: str,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    before = copy.read_bytes()
    code = main(["board", str(copy), "--write", *argv])
    err = capsys.readouterr().err.strip()
    assert code == (1 if "nobody" in argv else 2)
    assert err.startswith(message) and "\n" not in err
    assert copy.read_bytes() == before and not copy.with_name(copy.name + ".bak").exists()


def test_write_puts_the_board_on_its_sheet(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["board", str(copy), "--date", DAY, "--write", "--user", "Li"]) == 0
    assert 'Board of 2026-10-15 written to the sheet “Board”' in capsys.readouterr().out
    assert copy.with_name(copy.name + ".bak").exists()   # the one write path keeps the previous file
    wb = load_workbook(copy)
    assert wb.sheetnames[-3:] == ["Board", "lists", "xlwings.conf"]
    ws = wb["Board"]
    assert ws["A1"].value == "Board · 2026-10-15"
    assert (ws["A3"].value, ws["B3"].value, ws["A4"].value, ws["B4"].value) == (
        "Jobs in the workshop", 7, "Overdue", 2)
    assert [[ws.cell(r, c).value for c in (1, 2, 4, 5)] for r in range(6, 12)] == [
        ["Status", "Jobs", "Advisor", "Jobs"], ["Open", 1, "Li (A1)", 4], ["In progress", 2, "Wang (A2)", 3],
        ["Waiting for parts", 2, None, None], ["Quality check", 1, None, None], ["Completed", 1, None, None]]
    assert ws["A13"].value == "WO no." and ws.freeze_panes == "A14"
    assert [ws.cell(r, 1).value for r in range(14, 21)] == ORDER
    assert [ws.cell(14, c).value for c in range(1, 8)][:3] == ["J8", "Completed", 7]
    assert ws.cell(14, 4).value.date().isoformat() == "2026-10-11" and ws.cell(14, 5).value == "yes"
    assert ws.cell(16, 8).value == "P1 × 2 (2026-10-13); P2 × 1 (not ordered)"
    # the data is still read as it was, and a second write replaces the sheet in its place
    from addin.io.reader import read_store

    assert len(read_store(copy).table("work_orders")) == len(RECORDS["work_orders"])
    assert main(["board", str(copy), "--date", "2026-10-20", "--write", "--user", "A1"]) == 0
    wb = load_workbook(copy)
    assert wb.sheetnames.count("Board") == 1 and wb["Board"]["A1"].value == "Board · 2026-10-20"


def test_ribbon_button_writes_the_board(workbook: Path, tmp_path: Path) -> None:
    from addin.xl import entry
    from addin.xl.fake import FakeBook

    path = tmp_path / workbook.name
    shutil.copy(workbook, path)
    fake = FakeBook.from_file(path, user="li")
    entry.refresh_board(fake)
    message = fake.app.alerts[-1][0]
    # the last day with data: 10-20 (J9 settled that day; J3 on 10-18); J8, J1, J2 and J14 are
    # past their promised dates, J6 and J7 have none
    assert message == "Workshop board of 2026-10-20: 6 job(s) in the workshop, 4 overdue, on the sheet “Board”."
    rows = fake.sheets["Board"].rows()
    assert rows[0][0] == "Board · 2026-10-20"
    assert [r[0] for r in rows[13:19]] == ["J8", "J1", "J2", "J14", "J6", "J7"]


def test_ribbon_button_refuses_an_unknown_login(workbook: Path, tmp_path: Path) -> None:
    from addin.xl import entry
    from addin.xl.fake import FakeBook

    path = tmp_path / workbook.name
    shutil.copy(workbook, path)
    fake = FakeBook.from_file(path, user="stranger")
    entry.refresh_board(fake)
    message, _, _, mode = fake.app.alerts[-1]
    assert mode == "critical" and message.startswith("'stranger' is not on the roster")
    assert "Board" not in [s.name for s in fake.sheets] or not any(
        v for row in fake.sheets["Board"].rows()[2:] for v in row)


def test_blank_status_shows_as_open_and_a_settled_job_without_date_is_settled() -> None:
    store = Store.from_records({"work_orders": [
        _wo("X1", "2026-10-10", None, "A1"),                     # blank status: opened, nothing more known
        _wo("X2", "2026-10-10", "settled", "A1"),                # settled, close_date missing: not on the board
        _wo("X3", "2026-10-10", "waiting_parts", "A2"),          # waiting, no backorder registered
    ]})
    b = board(store, "2026-10-12")
    assert [(j.wo_no, j.status, j.age_days, j.backorders) for j in b.jobs] == [
        ("X1", "open", 2, []), ("X3", "waiting_parts", 2, [])]
    assert b.counts["by_status"] == {"open": 1, "in_progress": 0, "waiting_parts": 1, "qc": 0, "completed": 0}

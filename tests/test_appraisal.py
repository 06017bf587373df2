"""The appraisal (绩效考核), tools and equipment and headcount reports of issue 12 on
tests/test_kpis.py's hand-made store, its zh-CN PDF, and the SERVICE_SCORE worksheet function.
The demo store's cells are golden in tests/golden/reports/ (tests/test_reports.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import need_tool
from openpyxl import load_workbook
from test_kpis import RECORDS, REVENUE_GROSS, SETTINGS, T

from addin.reports import build_reports
from addin.store import Store
from tests.report_tables import table as _rows

AP = pytest.approx


def _store(locale: str = "en-US") -> Store:
    return Store.from_records(RECORDS, settings={**SETTINGS, "locale": locale})




@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    return build_reports(_store(), "2026-10", None, tmp_path_factory.mktemp("ws"), pdf=False,
                         names=["appraisal", "tools", "headcount"])


def _book(pack, name):
    return load_workbook(next(p for p in pack if p.stem.endswith(f"_{name}")))


def test_appraisal_scores_teams_and_items(pack):
    wb = _book(pack, "appraisal")
    assert wb.sheetnames == ["Scores", "Items", "Charts", "chart_data"]  # chart data hidden (issue 13)
    scores = wb["Scores"]
    assert _rows(scores, "Rank")[:2] == [[1, "Red", 1, AP(93.75)], [2, "Blue", 1, AP(82.5)]]
    people = _rows(scores, "Rank", 1)
    # A1's complaint rate is 1.0 (W2 flagged, W1 named by complaint CP1) against 0.1; A2's csi is
    # (6 + 10) / 2 = 8 against 8 (W3's score from its first reached call).
    a1 = 100 * (2 * 1214 / T / 1000 + 1 + 0.1) / 4
    a2 = 100 * (2 * 1.2 + 1.0 + 1.2) / 4
    m1 = 100 * (0.6 * REVENUE_GROSS / T / 5000 + 0.2 * 1.2) / 0.8
    assert m1 == AP(91.91, abs=0.01) and a1 == AP(81.22, abs=0.01) and a2 == AP(115.0)
    assert [(r[0], r[1], r[6]) for r in people] == [
        (1, "A2", AP(a2)), (2, "T1", AP(93.75)), (3, "M1", AP(m1)), (4, "T2", AP(82.5)), (5, "A1", AP(a1))]
    items = _rows(wb["Items"], "Staff ID")
    t1 = [r for r in items if r[0] == "T1"]
    # staff, name, KPI, actual, target, achievement, weight, points (= 100 × w × a / Σ w used)
    assert t1 == [["T1", "Zhao", "Flag hours", AP(4.5), 5, AP(0.9), 0.5, AP(100 * 0.5 * 0.9 / 0.8)],
                  ["T1", "Zhao", "Comebacks (lower is better)", 1, 1, 1, 0.3, AP(100 * 0.3 / 0.8)],
                  ["T1", "Zhao", "Efficiency", AP(4.5 / 4.7), None, None, 0.2, None]]
    m1_items = [r for r in items if r[0] == "M1"]
    assert [r[2:6] for r in m1_items] == [["Revenue", AP(REVENUE_GROSS / T), 5000, AP(REVENUE_GROSS / T / 5000)],
                                          ["Gross margin", m1_items[1][3], 0, None],
                                          ["Vacancies (lower is better)", 1, 2, 1.2]]


def test_tools_report_lists(pack):
    wb = _book(pack, "tools")
    first = wb.worksheets[0]
    assert [r[0] for r in _rows(first, "Asset ID")] == ["E3", "E7", "E1", "E6"]
    overdue = _rows(first, "Loan ID")
    assert [(r[0], r[5]) for r in overdue] == [("K5", 51), ("K3", 6), ("K2", 6)]   # days past due at 31 Oct
    loaners = _rows(wb["Courtesy cars"], "Loan ID")
    assert [r[0] for r in loaners] == ["L1", "L2", "L3", "Out at the end: 2"]
    assert [r[5] for r in loaners[:3]] == [loaners[0][5], "still out", "still out"]


def test_headcount_with_concurrent_posts_and_turnover(pack):
    ws = _book(pack, "headcount").worksheets[0]
    assert _rows(ws, "Role") == [["Service manager", 1, 1, 0, 0], ["Service advisor", 3, 2, 0, 1],
                                 ["Technician", 2, 2, 0, 0], ["QC inspector", 1, 0, 1, 0], ["Total", 7, 5, 1, 1]]
    assert _rows(ws, "On duty the day before") == [[5, 5, 1, 1, AP(0.2)]]


@pytest.mark.libreoffice
@pytest.mark.poppler
def test_appraisal_pdf_renders_chinese(tmp_path: Path) -> None:
    need_tool("soffice", "pdftotext", "pdftoppm", "cjk-font")
    pack = build_reports(_store("zh-CN"), "2026-10", None, tmp_path, pdf=True, names=["appraisal"])
    pdf = next(p for p in pack if p.suffix == ".pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    for label in ("绩效考核", "班组排名", "考核明细", "达成率", "权重", "工时数", "返修台次 (越低越好)", "93.75"):
        assert label in text, label
    png = tmp_path / "appraisal"
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(png)], check=True)
    assert png.with_suffix(".png").stat().st_size > 2000

"""The report pack: golden cells for the demo store, PDFs through LibreOffice, masking, text that
looks like a formula, locale labels and the templates.

Golden files (tests/golden/reports/<report>.json: every sheet's cell values) are made from the
demo store (addin.demo.generate(size="small", months=13, seed=7), period 2026-10). After an
intended change to a report, a template or the demo store, regenerate them and review the diff:

    SERVICE_ADDIN_REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/test_reports.py -k golden
"""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import need_tool
from openpyxl import load_workbook
from test_periods import sample_records, sample_store

from addin.reports import REPORT_NAMES, ReportError, build_reports, check_names, headcount
from addin.reports.common import mask_name, mask_phone
from addin.reports.engine import Context, Table, TemplateError, fill, visible_cells
from addin.reports.make_templates import LAYOUTS, template_workbook
from addin.store import Store
from tests.report_tables import table as _table
from tests.report_tables import tables as _tables

GOLDEN = Path(__file__).parent / "golden" / "reports"
REGEN = os.environ.get("SERVICE_ADDIN_REGEN_GOLDEN") == "1"


@pytest.fixture(scope="module")
def demo_pack(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    from addin.demo import generate

    records = generate(size="small", months=13, seed=7)
    settings = {r["key"]: r["value"] for r in records.pop("settings")}
    store = Store.from_records(records, settings=settings)
    return build_reports(store, "2026-10", None, tmp_path_factory.mktemp("demo"), pdf=False)


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_golden_cells_of_the_demo_store(demo_pack: list[Path], name: str) -> None:
    path = next(p for p in demo_pack if p.stem.endswith(f"_{name}"))
    cells = visible_cells(load_workbook(path))
    golden = GOLDEN / f"{name}.json"
    if REGEN:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(cells, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    expected = json.loads(golden.read_text(encoding="utf-8"))
    assert list(cells) == list(expected)
    for sheet, rows in expected.items():
        assert cells[sheet] == rows, f"{name}: sheet {sheet} differs from {golden}"


def test_the_demo_pack_has_native_charts(demo_pack: list[Path]) -> None:
    charts = {}
    for p in demo_pack:
        with zipfile.ZipFile(p) as z:
            charts[p.stem.split("_", 2)[2]] = sum(n.startswith("xl/charts/chart") for n in z.namelist())
    assert charts == {"monthly": 3, "technicians": 1, "parts": 1, "claims": 1, "customer_care": 0,
                      "manufacturer": 1, "headcount": 1,
                      "appraisal": 1, "tools": 0,  # issue 12
                      "registers": 0}  # issues 11 and 12


# -- the hand-made store -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def en_pack(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return build_reports(sample_store(), "2026-10", None, tmp_path_factory.mktemp("en"), pdf=False)


def _sheets(pack: list[Path], name: str) -> Any:
    return load_workbook(next(p for p in pack if p.name.endswith(f"_{name}.xlsx")))


def test_monthly_kpis_against_target_previous_and_last_year(en_pack: list[Path]) -> None:
    ws = _sheets(en_pack, "monthly").worksheets[0]
    assert ws["A1"].value == "Monthly service report"
    assert ws["A2"].value == "Demo Motors 示范店 (S01) · Period October 2026"
    header = [c.value for c in ws[5]]
    assert header == ["KPI", "This month", "Target", "Achieved", "Previous month", "Change",
                      "Same month last year", "Change YoY", "Year to date", "Year target", "Year progress"]
    rows = {r[0].value: [c.value for c in r] for r in ws.iter_rows(min_row=6) if r[0].value}
    revenue = 2387.2 / 1.13
    assert rows["Revenue"][1] == pytest.approx(revenue)
    assert rows["Revenue"][2] == 1500 and rows["Revenue"][3] == pytest.approx(revenue / 1500)
    assert rows["Revenue"][4] == pytest.approx(226 / 1.13) and rows["Revenue"][6] == pytest.approx(100.0)
    assert rows["Revenue"][5] == pytest.approx((revenue - 200) / 200)
    assert ws.cell(7, 2).number_format == "#,##0" and ws.cell(8, 2).number_format == "#,##0.00"
    # Issue 18: the year to date 2026-01..2026-10 adds September's W0 (226 gross); WY is of 2025. The
    # year's target of a sum is 12 monthly targets; a ratio keeps its target and shows no progress.
    ytd = (226 + 2387.2) / 1.13
    assert rows["Revenue"][8:] == [pytest.approx(ytd), 12 * 1500, pytest.approx(ytd / (12 * 1500))]
    assert rows["Entries (ROs opened)"][8:] == [5, None, None]             # W0, W1..W4; no target
    assert rows["Comeback rate"][8:] == [0.0, 0.02, None]
    assert rows["Work in progress"][8:] == [None, None, None]              # a level, not a sum
    assert rows["Appointments booked"][1] == 0 and rows["On-time delivery"][1] is None
    note = next(r[0].value for r in ws.iter_rows(min_row=6) if str(r[0].value).startswith("Year to date"))
    assert note.startswith("Year to date: 2026-01..2026-10 (the fiscal year starts in month 01).")


def test_stocktake_variances_and_reorder(en_pack: list[Path]) -> None:
    wb = _sheets(en_pack, "parts")
    take = [[c.value for c in r] for r in wb.worksheets[3].iter_rows(min_row=7, max_row=9)]
    assert [r[1:6] for r in take] == [["P1", "Oil filter 机滤", 26, 24, -2], ["P2", "Brake pad 刹车片", 8, 8, 0],
                                     ["P3", "Wiper 雨刮", 5, 6, 1]]
    reorder = [[c.value for c in r] for r in wb.worksheets[2].iter_rows(min_row=7, max_row=7)]
    # P1: 26 on hand (the count is not posted here), safety 30, lots of 20 -> order 20.
    assert reorder == [["P1", "Oil filter 机滤", "Aurora Parts", 26, 30, 20, 20]]


def test_manufacturer_report_masks_names_and_phones(en_pack: list[Path]) -> None:
    ws = _sheets(en_pack, "manufacturer").worksheets[1]
    jobs = {r[0].value: [c.value for c in r] for r in ws.iter_rows(min_row=7) if r[0].value in ("W1", "W2", "W3")}
    assert jobs["W1"][6:8] == ["张*", "138****1234"]
    assert jobs["W3"][6:8] == ["=**", "861****2222"]
    text = json.dumps(visible_cells(_sheets(en_pack, "manufacturer")), ensure_ascii=False)
    assert "张三" not in text and "13812341234" not in text


@pytest.mark.parametrize("name, masked", [("张三", "张*"), ("欧阳明", "欧**"), ("Li", "L*"), (None, None)])
def test_mask_name(name: str | None, masked: str | None) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize("phone, masked", [("13812341234", "138****1234"), ("138-1234-1234", "138****1234"),
                                           ("12345", "*****")])
def test_mask_phone(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


def test_text_that_looks_like_a_formula_stays_text(en_pack: list[Path]) -> None:
    ws = _sheets(en_pack, "customer_care").worksheets[0]
    row = next(r for r in ws.iter_rows(min_row=6) if r[0].value == "W3")
    assert (row[4].value, row[4].data_type) == ("=1+2", "s")
    assert (row[5].value, row[5].data_type) == ("+86 137 0000 2222", "s")
    assert row[4].quotePrefix and row[5].quotePrefix
    for path in en_pack:
        with zipfile.ZipFile(path) as z:
            for part in z.namelist():
                if part.startswith("xl/worksheets/sheet"):
                    assert b"<f>" not in z.read(part) and b"<f " not in z.read(part), f"{path.name} {part}"


def test_text_xml_cannot_hold_is_cleaned_and_the_reports_are_built(tmp_path: Path) -> None:
    """A customer name with a control character (Excel keeps one as _x0001_, python-calamine reads
    it back), a lone surrogate or U+FFFE/U+FFFF (the Excel path, an import) once made openpyxl refuse
    the whole report and the close stop: now the control character is dropped, a broken character
    shows as U+FFFD, and the user's own cells are never touched (the report is a copy)."""
    records = sample_records()
    for sheet in ("vehicles", "work_orders", "care_calls"):
        for r in records.get(sheet, []):
            if r.get("customer_name") == "=1+2":
                r["customer_name"] = "Li\x01 Wei\x0b\ud800\ufffe\uffff"
    records["settings"]["store_name"] = "Demo\x02 & Motors\ufffe"
    pack = build_reports(sample_store(records=records), "2026-10", None, tmp_path, names=["customer_care"], pdf=False)
    ws = _sheets(pack, "customer_care").worksheets[0]
    row = next(r for r in ws.iter_rows(min_row=6) if r[0].value == "W3")
    assert (row[4].value, row[4].data_type) == ("Li Wei\ufffd\ufffd\ufffd", "s")
    assert ws.oddHeader.left.text == "Demo && Motors\ufffd (S01)"


def test_zh_cn_labels(tmp_path: Path) -> None:
    pack = build_reports(sample_store("zh-CN"), "2026-10", None, tmp_path, pdf=False, names=["monthly"])
    wb = load_workbook(pack[0])
    assert wb.sheetnames == ["汇总", "产值构成", "班组与顾问", "图表", "chart_data"]
    assert wb["chart_data"].sheet_state == "hidden"
    assert wb.worksheets[0]["A2"].value == "Demo Motors 示范店 (S01) · 期间 2026年10月"
    assert wb.worksheets[0]["A1"].value == "维修统计月报"
    assert wb.worksheets[0]["A6"].value == "进厂台次"
    assert [wb.worksheets[0].cell(5, c).value for c in (9, 10, 11)] == ["本年累计", "全年目标", "年度完成率"]


def test_unknown_report_and_placeholder(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="Unknown report 'sales'"):
        check_names(["sales"])
    wb = template_workbook("headcount")
    wb.worksheets[0]["B1"] = "{{kpi:nonsense}}"
    wb.save(tmp_path / "t.xlsx")
    with pytest.raises(TemplateError, match=r"sheet Headcount, cell B1: unknown placeholder \{\{kpi:nonsense\}\}"):
        fill(tmp_path / "t.xlsx", Context("en-US", labels=headcount.LABELS,
                                          tables={"roles": Table([], []), "staff": Table([], [])}))


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_templates_on_disk_match_their_generator(name: str) -> None:
    made = visible_cells(template_workbook(name))
    from addin.reports.engine import TEMPLATE_DIR

    assert visible_cells(load_workbook(TEMPLATE_DIR / f"{name}.xlsx")) == made


# -- PDFs ---------------------------------------------------------------------------------------

def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.libreoffice
@pytest.mark.poppler
def test_pdfs_hold_the_store_and_revenue_and_render(tmp_path: Path) -> None:
    need_tool("soffice", "pdftotext", "pdftoppm", "cjk-font")
    pack = build_reports(sample_store(), "2026-10", None, tmp_path / "en", pdf=True)
    assert pack.no_pdf_reason is None
    pdfs = [p for p in pack if p.suffix == ".pdf"]
    assert [p.stem for p in pdfs] == [f"S01_2026-10_{n}" for n in REPORT_NAMES]
    monthly = _text(pdfs[0])
    assert "Demo Motors 示范店" in monthly and "2,112.57" in monthly
    for pdf in pdfs:
        assert "Demo Motors" in _text(pdf), pdf.name
        png = tmp_path / pdf.stem
        subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(png)],
                       check=True)
        assert png.with_suffix(".png").stat().st_size > 2000


@pytest.mark.libreoffice
@pytest.mark.poppler
def test_zh_cn_pdf_renders_chinese(tmp_path: Path) -> None:
    need_tool("soffice", "pdftotext", "cjk-font")
    pack = build_reports(sample_store("zh-CN"), "2026-10", None, tmp_path, pdf=True, names=["monthly"])
    text = _text(pack[1])
    assert "维修统计月报" in text and "营业额" in text and "2,112.57" in text


@pytest.mark.libreoffice
@pytest.mark.poppler
def test_demo_monthly_pdf_holds_store_and_revenue(demo_pack: list[Path], tmp_path: Path) -> None:
    need_tool("soffice", "pdftotext")
    from addin.libreoffice import convert

    monthly = next(p for p in demo_pack if p.stem.endswith("_monthly"))
    revenue = next(r[1] for r in load_workbook(monthly).worksheets[0].iter_rows(values_only=True) if r[0] == "Revenue")
    text = _text(convert(monthly, "pdf", tmp_path, recalc=False))  # type: ignore[arg-type]
    assert "Demo Motors 4S (DEMO01)" in text and f"{revenue:,.2f}" in text


def test_without_libreoffice_there_is_a_reason_and_the_workbooks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import addin.libreoffice

    monkeypatch.setattr(addin.libreoffice, "soffice", lambda: None)
    pack = build_reports(sample_store(), "2026-10", None, tmp_path, pdf=True, names=["headcount"])
    assert [p.name for p in pack] == ["S01_2026-10_headcount.xlsx"]
    assert pack.no_pdf_reason is not None and "LibreOffice is not installed" in pack.no_pdf_reason


def test_technicians_piece_pay(en_pack: list[Path]) -> None:
    rows = _table(_sheets(en_pack, "technicians").worksheets[0], "Staff ID")
    t01, t02, total = rows
    # T01: 1.5 h (W1) + 3 h (W3; the declined hour is not billed) at 30 a flag hour.
    assert t01[:5] == ["T01", "张师傅", "A", "Senior", 4.5] and t01[5] == 4.7
    assert t01[10] == pytest.approx((1.5 * 226 + 3 * 226 * 0.9) / 1.13) and t01[11:14] == [30, 135, 0]
    assert t02[0] == "T02" and t02[4] == 2 and t02[12] == 50
    assert total[0] == "Total" and total[4] == 6.5 and total[12] == 185


def test_headcount_per_role(en_pack: list[Path]) -> None:
    rows = _table(_sheets(en_pack, "headcount").worksheets[0], "Role")
    # Issue 12: role, planned, on duty, concurrent (holding it in also_roles), vacancies.
    assert rows == [["Service manager", 1, 1, 0, 0], ["Service advisor", 2, 1, 0, 1], ["Technician", 3, 2, 0, 1],
                    ["Parts clerk", None, 1, 0, 0], ["Total", 6, 5, 0, 2]]


def test_claims_aging_and_reconciliation(en_pack: list[Path]) -> None:
    ws = _sheets(en_pack, "claims").worksheets[0]
    assert _table(ws, "Days") == [["0-30", 180, 0, 180], ["31-60", 0, 0, 0], ["61-90", 0, 0, 0], ["90+", 0, 0, 0],
                                  ["Total", 180, 0, 180]]
    assert _table(ws, "Claim type") == [["Warranty claim", "Aurora Automobile", 1, 480, 300, 180],
                                        ["Total", None, 1, 480, 300, 180]]
    ledger = _table(_sheets(en_pack, "claims").worksheets[1], "Claim no.")
    assert [r[0] for r in ledger] == ["C1", "Total"] and ledger[0][9:12] == [300, 180, 18]


# -- the claims work-list (issue 11) --------------------------------------------------------------

def _worklist_store() -> Store:
    """Claims waiting on someone at 31 Oct 2026: K1 a draft of a job settled on 1 Sep (due for
    submission 8 Sep); K2 a draft of a job settled on 28 Oct (not due yet); K3 submitted on 10 Sep
    without a decision (due 10 Oct); K4 approved on 20 Aug, old parts not back (due 19 Sep) and
    unpaid; K5, K7 short payments closed in October; K6 closed in full; K8 short, closed in September."""
    wo = [{"wo_no": w, "open_date": d, "close_date": d, "status": "settled", "vin": "V1", "mileage": 1,
           "advisor_id": "A1", "repair_type": "warranty"} for w, d in
          (("W1", "2026-09-01"), ("W2", "2026-10-20"), ("W3", "2026-10-28"))]
    oem = {"claim_type": "warranty", "payer": "OEM", "handler_id": "H1"}
    claims = [
        {"claim_no": "K1", "wo_no": "W1", "status": "draft", "claimed_amount": 500, **oem},
        {"claim_no": "K2", "wo_no": "W3", "status": "draft", "claimed_amount": 50, **oem},
        {"claim_no": "K3", "wo_no": "W1", "status": "submitted", "submitted_date": "2026-09-10", "claimed_amount": 800,
         **oem},
        {"claim_no": "K4", "wo_no": "W1", "status": "approved", "submitted_date": "2026-08-01",
         "decided_date": "2026-08-20", "claimed_amount": 1000, "approved_amount": 900, "parts_return_required": True,
         **oem},
        {"claim_no": "K5", "wo_no": "W2", "status": "closed", "submitted_date": "2026-09-25",
         "decided_date": "2026-10-05", "claimed_amount": 1000, "approved_amount": 1000, **oem},
        {"claim_no": "K6", "wo_no": "W2", "status": "closed", "submitted_date": "2026-10-01",
         "decided_date": "2026-10-12", "claimed_amount": 300, **oem},
        {"claim_no": "K7", "wo_no": "W2", "status": "closed", "submitted_date": "2026-10-01",
         "decided_date": "2026-10-20", "claimed_amount": 2100, "approved_amount": 2000, **oem},
        {"claim_no": "K8", "wo_no": "W1", "status": "closed", "submitted_date": "2026-09-02",
         "decided_date": "2026-09-15", "claimed_amount": 400, "approved_amount": 400, **oem},
    ]
    pays = [("K5", "2026-10-15", 940), ("K6", "2026-10-20", 300), ("K7", "2026-10-25", 1500),
            ("K7", "2026-11-03", 250), ("K8", "2026-09-30", 350)]
    return Store.from_records({
        "roster": [{"staff_id": "H1", "name": "Qin", "role": "claims_specialist", "hire_date": "2020-01-01"},
                   {"staff_id": "A1", "name": "Li", "role": "service_advisor", "hire_date": "2020-01-01"}],
        "work_orders": wo, "claims": claims,
        "claim_payments": [{"payment_id": f"P{n}", "claim_no": c, "paid_date": d, "amount": a}
                           for n, (c, d, a) in enumerate(pays, 1)],
    }, settings={"store_code": "S02", "claim_submit_days": 7, "claim_decision_days": 30})


def test_claims_work_list_in_full_with_the_amount_written_off(tmp_path: Path) -> None:
    import datetime as dt

    from addin.kpis import CLAIM_LISTS, compute_kpis

    store = _worklist_store()
    result = compute_kpis(store, "2026-10")
    pack = build_reports(store, "2026-10", result, tmp_path, pdf=False, names=["claims"])
    wb = load_workbook(pack[0])
    assert wb.sheetnames == ["Summary", "Warranty claims", "Insurance claims", "Work-list", "Charts", "chart_data"]
    lists = _tables(wb["Work-list"], "Claim no.")
    assert len(lists) == len(CLAIM_LISTS) == 5
    day = dt.datetime.fromisoformat
    to_submit, waiting, parts, unpaid, written = lists
    # claim no, type, wo_no, payer, status, handler, due, days overdue at 31 Oct, amount
    assert to_submit == [["K1", "Warranty claim", "W1", "OEM", "Draft", "Qin", day("2026-09-08"), 22 + 31, 500],
                         ["Total: 1", None, None, None, None, None, None, None, 500]]
    assert [len(t) for t in (waiting, parts, unpaid)] == [2, 2, 2]   # one claim and the total each
    assert waiting[0] == ["K3", "Warranty claim", "W1", "OEM", "Submitted", "Qin", day("2026-10-10"), 21, 800]
    assert parts[0] == ["K4", "Warranty claim", "W1", "OEM", "Approved", "Qin", day("2026-09-19"), 11 + 31, 1000]
    assert unpaid[0] == ["K4", "Warranty claim", "W1", "OEM", "Approved", "Qin", day("2026-08-20"), 11 + 30 + 31, 900]
    # Written off in October: K5 1000 − 940 = 60; K7 2000 − 1500 = 500 (the 250 came in November);
    # K6 was paid in full and K8 was closed in September.
    assert written == [["K5", "Warranty claim", "W2", "OEM", "Closed", "Qin", day("2026-10-05"), 60],
                       ["K7", "Warranty claim", "W2", "OEM", "Closed", "Qin", day("2026-10-20"), 500],
                       ["Total: 2", None, None, None, None, None, None, 60 + 500]]
    assert written[-1][-1] == pytest.approx(result.values["claims_written_off"]) == 560
    assert result.lists["claims_written_off"] == ["K5", "K7"]

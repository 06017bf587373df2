"""The day's documents of a work order (issue 18): a hand-made job with customer, warranty and
insurance lines (one discounted, one declined), its settlement statement to the cent, its pick
list, every document in both languages as PDF and PNG, a long job over two pages, bad input,
the command and the ribbon's entry point."""

from __future__ import annotations

import datetime as dt
import subprocess
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from addin import cli
from addin.documents import DOCS, DocumentError, documents, print_documents
from addin.documents.job import load_job
from addin.documents.layouts import LAYOUTS
from addin.documents.make_templates import template_workbook
from addin.io.builder import build_workbook
from addin.io.writer import replace_rows
from addin.reports.engine import TEMPLATE_DIR, visible_cells
from addin.store import Store
from addin.xl import entry
from addin.xl.fake import FakeBook
from tests.conftest import need_tool

WHEN = dt.datetime(2026, 10, 8, 16, 30)
SETTINGS = {"store_code": "S01", "store_name": "Demo Motors 示范店", "store_address": "1 Test Road, Beijing",
            "store_phone": "010-1234 5678", "tax_rate": 0.13, "prices_include_tax": True, "currency": "CNY"}
VIN = "LSVAU2180N2183294"


def _line(n: int, line_type: str, code: str, desc: str, qty: float, price: float, pay: str, **kw: Any) -> dict[str, Any]:
    return {"wo_no": kw.pop("wo_no", "W1"), "line_no": n, "line_type": line_type, "item_code": code,
            "description": desc, "qty": qty, "unit_price": price, "pay_type": pay, **kw}


#: W1: customer, warranty and insurance lines; line 1 discounted 10 %, line 8 15 %, line 7 declined.
LINES = [
    _line(1, "labor", "L100", "Bumper repair", 2.5, 180, "customer", discount_pct=0.1, technician_id="S010"),
    _line(2, "labor", "L200", "Replace parking sensor", 1.2, 200, "warranty", technician_id="S011"),
    _line(3, "part", "P1", "Front bumper", 1, 1234.56, "insurance"),
    _line(4, "part", "P2", "Clip", 8, 3.35, "customer"),
    _line(5, "part", "P3", "Parking sensor", 1, 456.78, "warranty"),
    _line(6, "labor", "L300", "Paint bumper", 3, 180, "insurance", technician_id="S010"),
    _line(7, "misc", "M1", "Wiper blades", 1, 120, "customer", declined=True),
    _line(8, "part", "P2", "Clip", 2, 3.35, "customer", discount_pct=0.15),
]


def _records(extra_lines: list[dict[str, Any]] = ()) -> dict[str, list[dict[str, Any]]]:  # type: ignore[assignment]
    job = {"open_date": dt.date(2026, 10, 5), "vin": VIN, "plate": "京A12345", "mileage": 12000,
           "advisor_id": "S001", "team": "T1", "repair_type": "accident"}
    return {
        "work_orders": [
            {"wo_no": "W1", **job, "status": "settled", "close_date": dt.date(2026, 10, 8),
             "promised_date": dt.date(2026, 10, 9), "customer_name": "张三", "customer_phone": "13812345678",
             "concern": "Front bumper damaged", "insurer": "PICC"},
            {"wo_no": "W2", **job, "status": "cancelled"},
            {"wo_no": "W3", **job, "status": "open"},
            {"wo_no": "W4", **job, "status": "in_progress", "customer_name": None},
        ],
        "wo_lines": [*LINES, *extra_lines, _line(1, "labor", "L100", "Check", 1, 180, "customer", wo_no="W2")],
        "vehicles": [{"vin": VIN, "plate": "京A12345", "model": "Aurora A5", "customer_name": "李四",
                      "customer_phone": "13900001111"}],
        "roster": [{"staff_id": "S001", "name": "王顾问", "role": "service_advisor", "hire_date": dt.date(2020, 1, 1)},
                   {"staff_id": "S010", "name": "赵技师", "role": "technician", "team": "T1",
                    "hire_date": dt.date(2020, 1, 1)},
                   {"staff_id": "S011", "name": "钱技师", "role": "technician", "team": "T1",
                    "hire_date": dt.date(2020, 1, 1)},
                   {"staff_id": "S020", "name": "孙班长", "role": "team_leader", "team": "T1",
                    "hire_date": dt.date(2020, 1, 1)}],
        "parts": [{"part_no": "P1", "name": "Bumper, front", "bin": "A-01-1", "unit": "pc"},
                  {"part_no": "P2", "name": "Clip 8 mm", "bin": "B-02-3", "unit": "pc"},
                  {"part_no": "P3", "name": "PDC sensor", "bin": "C-03-2", "unit": "pc"}],
        "parts_ledger": [
            {"txn_id": "T1", "txn_date": dt.date(2026, 10, 6), "part_no": "P1", "txn_type": "issue", "qty": 1,
             "wo_no": "W1", "staff_id": "S010"},
            {"txn_id": "T2", "txn_date": dt.date(2026, 10, 6), "part_no": "P2", "txn_type": "issue", "qty": 10,
             "wo_no": "W1", "staff_id": "S010"},
            {"txn_id": "T3", "txn_date": dt.date(2026, 10, 7), "part_no": "P2", "txn_type": "return_to_stock",
             "qty": 1, "wo_no": "W1", "staff_id": "S010"},
            {"txn_id": "T4", "txn_date": dt.date(2026, 10, 6), "part_no": "P3", "txn_type": "issue", "qty": 1,
             "wo_no": "W9", "staff_id": "S010"},
        ],
        "claims": [{"claim_no": "C1", "claim_type": "insurance", "wo_no": "W1", "payer": "PICC", "status": "submitted",
                    "claimed_amount": 1774.56, "deductible": 300},
                   {"claim_no": "C2", "claim_type": "warranty", "wo_no": "W1", "payer": "OEM", "status": "draft",
                    "claimed_amount": 696.78}],
    }


def store(locale: str = "en-US", extra_lines: list[dict[str, Any]] = ()) -> Store:  # type: ignore[assignment]
    return Store.from_records(_records(extra_lines), settings={**SETTINGS, "locale": locale})


def cents(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def amount(qty: str, price: str, disc: str = "0") -> Decimal:
    return cents(Decimal(qty) * Decimal(price) * (1 - Decimal(disc)))


# The statement's figures, by hand.
CUSTOMER = amount("2.5", "180", "0.1") + amount("8", "3.35") + amount("2", "3.35", "0.15")   # 405.00 + 26.80 + 5.70
WARRANTY = amount("1.2", "200") + amount("1", "456.78")                                     # 240.00 + 456.78
INSURANCE = amount("1", "1234.56") + amount("3", "180")                                     # 1234.56 + 540.00
TOTAL = CUSTOMER + WARRANTY + INSURANCE
EX_TAX = cents(TOTAL / Decimal("1.13"))
VAT = TOTAL - EX_TAX
DEDUCTIBLE = Decimal("300.00")


def test_the_hand_made_figures() -> None:
    assert (CUSTOMER, WARRANTY, INSURANCE, TOTAL) == (Decimal("437.50"), Decimal("696.78"), Decimal("1774.56"),
                                                     Decimal("2908.84"))
    assert (EX_TAX, VAT) == (Decimal("2574.19"), Decimal("334.65"))


def _sheet(doc: str, locale: str = "en-US", s: Store | None = None, wo_no: str = "W1") -> Worksheet:
    return documents(s or store(locale), wo_no, doc, locale, printed=WHEN)[doc].worksheets[0]


def _summary(ws: Worksheet) -> dict[str, Decimal]:
    """Label (column A) -> amount (column H) of every row that has both."""
    out = {}
    for row in ws.iter_rows(min_row=1, max_col=8):
        label, value = row[0].value, row[7].value
        if isinstance(label, str) and isinstance(value, (int, float)):
            out[label] = Decimal(str(value))
    return out


def _table(ws: Worksheet, first_header: str) -> list[list[Any]]:
    """The rows (totals row included) of the table whose header row starts with ``first_header``,
    up to the first empty row."""
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r[0] == first_header and r[1] is not None)
    out = []
    for r in rows[start + 1:]:
        if all(v is None for v in r):
            break
        out.append(r)
    return out


def test_settlement_statement_to_the_cent() -> None:
    ws = _sheet("settlement")
    summary = _summary(ws)
    assert summary["Subtotal, Customer pay"] == CUSTOMER
    assert summary["Subtotal, Warranty"] == WARRANTY
    assert summary["Subtotal, Insurance"] == INSURANCE
    assert summary["Total"] == TOTAL
    assert summary["of which VAT (13%)"] == VAT
    assert summary["Paid by the manufacturer (warranty)"] == WARRANTY
    assert summary["Paid by the insurer PICC (insurance less deductible)"] == INSURANCE - DEDUCTIBLE
    assert summary["Insurance deductible, paid by the customer"] == DEDUCTIBLE
    assert summary["Customer pays"] == CUSTOMER + DEDUCTIBLE == Decimal("737.50")
    lines = _table(ws, "No.")
    # Every billed line, labor first, with its amount as entered; the declined line is not billed.
    assert [r[0] for r in lines] == [1, 2, 6, 3, 4, 5, 8]
    assert [Decimal(str(r[7])) for r in lines] == [amount("2.5", "180", "0.1"), amount("1.2", "200"),
                                                   amount("3", "180"), amount("1", "1234.56"), amount("8", "3.35"),
                                                   amount("1", "456.78"), amount("2", "3.35", "0.15")]
    assert "Amount excl. VAT 2,574.19; VAT contained 334.65." in [c.value for c in ws["A"]]
    # Nothing of the customer's is masked, and the header carries the store and the WO no.
    values = [c.value for row in ws.iter_rows() for c in row]
    assert "张三" in values and "13812345678" in values and VIN in values
    assert ws.oddHeader.left.text == "Demo Motors 示范店" and ws.oddHeader.right.text == "WO no. W1"
    assert ws.oddFooter.right.text == "Page &P of &N"


def test_settlement_without_tax_in_prices() -> None:
    s = Store.from_records(_records(), settings={**SETTINGS, "prices_include_tax": False})
    summary = _summary(_sheet("settlement", s=s))
    assert summary["Total"] == TOTAL and summary["Customer pays"] == Decimal("737.50")
    assert not any(k.startswith("of which VAT") for k in summary)


def test_pick_list_quantities_are_the_job_s_part_lines() -> None:
    ws = _sheet("picklist")
    parts = _table(ws, "No.")
    # Part lines not declined, with the parts sheet's name and bin; issues (10 clips, 1 returned)
    # count against the clip lines in line order.
    assert [(r[0], r[1], r[2], r[3], r[5], r[6], r[7]) for r in parts] == [
        (3, "P1", "Bumper, front", "A-01-1", 1, 1, 0), (4, "P2", "Clip 8 mm", "B-02-3", 8, 8, 0),
        (5, "P3", "PDC sensor", "C-03-2", 1, 0, 1), (8, "P2", "Clip 8 mm", "B-02-3", 2, 1, 1)]
    job = load_job(store(), "W1")
    assert [r[5] for r in parts] == [ln.qty for ln in job.lines if ln.line_type == "part" and not ln.declined]
    movements = _table(ws, "#")
    assert [(r[1], r[3], r[5], r[6], r[8]) for r in movements] == [
        ("P1", dt.date(2026, 10, 6), 1, "赵技师", "T1"), ("P2", dt.date(2026, 10, 6), 10, "赵技师", "T2"),
        ("P2", dt.date(2026, 10, 7), -1, "赵技师", "T3")]


def test_job_sheet_dispatch_and_gate_pass_contents() -> None:
    job = _sheet("jobsheet")
    estimate = _table(job, "No.")
    assert [r[0] for r in estimate if isinstance(r[0], int)] == [1, 2, 6, 3, 4, 5, 8]
    total = next(r for r in estimate if r[3] == "Total")
    assert Decimal(str(total[7])) == TOTAL
    assert "Wiper blades" not in [r[3] for r in estimate]
    values = [c.value for row in job.iter_rows() for c in row]
    assert "Wiper blades" in values  # in the declined items, for the customer's signature
    assert "Front bumper damaged" in values and "Aurora A5" in values and "王顾问" in values
    dispatch = _sheet("dispatch")
    labor = _table(dispatch, "No.")
    assert [(r[0], r[3], r[6]) for r in labor if isinstance(r[0], int)] == [
        (1, 2.5, "赵技师"), (2, 1.2, "钱技师"), (6, 3, "赵技师")]
    assert next(r for r in labor if r[2] == "Total")[3] == 6.7  # 2.5 + 1.2 + 3
    assert "孙班长" in [c.value for row in dispatch.iter_rows() for c in row]
    gate = [c.value for row in _sheet("gatepass").iter_rows() for c in row]
    assert ("Vehicle 京A12345 (VIN LSVAU2180N2183294) of work order W1, settled on 2026-10-08, may leave the "
            "premises.") in gate


def test_customer_falls_back_to_the_vehicle() -> None:
    values = [c.value for row in _sheet("jobsheet", wo_no="W4",
                                         s=store(extra_lines=[_line(1, "labor", "L1", "Check", 1, 100, "customer",
                                                                    wo_no="W4")])).iter_rows() for c in row]
    assert "李四" in values and "13900001111" in values


def test_zh_cn_labels() -> None:
    ws = _sheet("settlement", "zh-CN")
    summary = _summary(ws)
    assert summary["客户应付"] == Decimal("737.50") and summary["其中增值税（13%）"] == VAT
    assert ws["F1"].value == "结算单" and ws.title == "结算单"
    assert ws.oddFooter.right.text == "第 &P 页，共 &N 页"


# -- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("wo_no,doc,message", [
    ("W404", "all", "Work orders: there is no work order with WO no. 'W404'."),
    ("W2", "settlement", "Work orders row 3: work order W2 is cancelled (Status Cancelled); no Settlement statement "
                         "is printed for it."),
    ("W2", "gatepass", "Work orders row 3: work order W2 is cancelled (Status Cancelled); no Gate pass is printed "
                       "for it."),
    ("W4", "gatepass", "Work orders row 5: work order W4 is not settled yet (Status In progress); a gate pass is "
                       "printed after settlement."),
    ("W3", "jobsheet", "Work orders: work order W3 has no lines, so there is no Job sheet to print; enter its lines "
                       "first."),
    ("W3", "all", "Work orders: work order W3 has no lines, so there is no Job sheet to print; enter its lines "
                  "first."),
    ("W1", "invoice", "Unknown document 'invoice'; the documents are: jobsheet, dispatch, picklist, settlement, "
                      "gatepass, all."),
])
def test_refusals_write_nothing(tmp_path: Path, wo_no: str, doc: str, message: str) -> None:
    out = tmp_path / "docs"
    with pytest.raises(DocumentError) as info:
        print_documents(store(), wo_no, out, doc, pdf=False)
    assert info.value.message("en-US") == message
    assert not out.exists()


def test_all_leaves_out_what_a_job_s_status_does_not_allow(tmp_path: Path) -> None:
    pack = print_documents(store(), "W2", tmp_path, "all", pdf=False)
    assert [p.name for p in pack.files] == ["W2_jobsheet.xlsx", "W2_dispatch.xlsx", "W2_picklist.xlsx"]
    assert len(pack.skipped) == 2 and "cancelled" in pack.skipped[0]


def _workbook(path: Path, locale: str = "en-US") -> Path:
    wb = build_workbook(locale)
    for key, rows in _records().items():
        replace_rows(wb, key, rows, locale)
    replace_rows(wb, "settings", [{"key": k, "value": v} for k, v in {**SETTINGS, "locale": locale}.items()], locale)
    wb.save(path)
    return path


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = _workbook(tmp_path / "Store.xlsx")
    assert cli.main(["print", str(book), "W1", "--doc", "settlement", "--format", "xlsx"]) == 0
    out = tmp_path / "Store_documents"
    assert sorted(p.name for p in out.iterdir()) == ["W1_settlement.xlsx"]
    assert capsys.readouterr().out.strip() == f"Wrote {out / 'W1_settlement.xlsx'}"
    assert _summary(load_workbook(out / "W1_settlement.xlsx").worksheets[0])["Customer pays"] == Decimal("737.50")
    for args, code, message in [
        (["W404"], 1, "Work orders: there is no work order with WO no. 'W404'."),
        (["W2", "--doc", "gatepass"], 1, "work order W2 is cancelled"),
        (["W1", "--doc", "invoice"], 2, "Unknown document 'invoice'"),
    ]:
        other = tmp_path / "other"
        assert cli.main(["print", str(book), *args, "--out", str(other)]) == code
        err = capsys.readouterr().err.strip()
        assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err
        assert not other.exists()


# -- the ribbon ---------------------------------------------------------------------------------

@pytest.fixture
def no_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    from addin import libreoffice

    monkeypatch.setattr(libreoffice, "soffice", lambda: None)


@pytest.mark.parametrize("sheet,row", [("Work orders", 2), ("WO lines", 4)])
def test_ribbon_prints_the_job_of_the_selected_row(tmp_path: Path, no_pdf: None, sheet: str, row: int) -> None:
    fake = FakeBook.from_file(_workbook(tmp_path / "Store.xlsx"))
    fake.select(sheet, row)
    entry.print_documents(fake)
    folder = tmp_path / "Store_documents"
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"W1_{d}.xlsx" for d in DOCS)
    prompt, _, _, mode = fake.app.alerts[-1]
    assert mode == "info" and prompt.startswith("5 document(s) of work order W1 (5 files) are in:\n" + str(folder))
    assert "LibreOffice is not installed" in prompt


def test_ribbon_without_a_job_row_says_what_to_select(tmp_path: Path) -> None:
    fake = FakeBook.from_file(_workbook(tmp_path / "Store.xlsx", "zh-CN"))
    fake.select("设置", 3)
    entry.print_documents(fake)
    prompt, _, _, mode = fake.app.alerts[-1]
    assert mode == "critical" and prompt == "请先在工作表“维修工单”或“工单明细”中选中一行：将打印该行工单的单据。"
    assert not (tmp_path / "Store_documents").exists()


# -- templates and PDFs -------------------------------------------------------------------------

@pytest.mark.parametrize("doc", list(LAYOUTS))
def test_templates_on_disk_match_their_generator(doc: str) -> None:
    made = template_workbook(doc)
    on_disk = load_workbook(TEMPLATE_DIR / f"{doc}.xlsx")
    assert visible_cells(on_disk) == visible_cells(made)
    ws = on_disk.worksheets[0]
    assert ws.page_setup.orientation == "portrait" and int(ws.page_setup.paperSize) == 9  # A4
    assert (ws.print_title_rows is not None) == (doc != "gatepass")


def _pdf_text(pdf: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", *pages, str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.mark.libreoffice
@pytest.mark.poppler
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_every_document_renders_to_pdf_and_png_on_one_page(tmp_path: Path, locale: str) -> None:
    need_tool("soffice", "pdftotext", "pdftoppm", "cjk-font")
    pack = print_documents(store(locale), "W1", tmp_path, "all", printed=WHEN)
    assert pack.no_pdf_reason is None
    pdfs = [p for p in pack.files if p.suffix == ".pdf"]
    assert [p.name for p in pdfs] == [f"W1_{d}.pdf" for d in DOCS]
    titles = {"en-US": ["Job sheet", "Dispatch sheet", "Parts pick list", "Settlement statement", "Gate pass"],
              "zh-CN": ["任务委托书", "派工单", "领料单", "结算单", "出门证"]}[locale]
    for pdf, title in zip(pdfs, titles):
        text = _pdf_text(pdf)
        assert title in text and "W1" in text and "Demo Motors 示范店" in text, pdf.name
        assert _pages(pdf) == 1, pdf.name
        png = tmp_path / pdf.stem
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf), str(png)], check=True)
        assert png.with_suffix(".png").stat().st_size > 5000
    settlement = _pdf_text(pdfs[3])
    for figure in ("437.50", "696.78", "1,774.56", "2,908.84", "334.65", "1,474.56", "300.00", "737.50"):
        assert figure in settlement, figure
    if locale == "zh-CN":
        assert "客户应付" in settlement and "其中增值税" in settlement and "张三" in settlement


@pytest.mark.libreoffice
@pytest.mark.poppler
def test_a_long_job_continues_on_a_second_page_with_the_header(tmp_path: Path) -> None:
    need_tool("soffice", "pdftotext")
    extra = [_line(10 + i, "part", "P2", f"Clip, position {i + 1}", 1, 3.35, "customer") for i in range(32)]
    s = store(extra_lines=extra)
    assert len(load_job(s, "W1").lines) == 40
    pack = print_documents(s, "W1", tmp_path, "settlement", printed=WHEN)
    pdf = next(p for p in pack.files if p.suffix == ".pdf")
    assert _pages(pdf) == 2
    first, second = _pdf_text(pdf, 1), _pdf_text(pdf, 2)
    for page in (first, second):
        assert "Unit price" in page and "Description" in page and "WO no. W1" in page
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert "Customer pays" in second and f"{CUSTOMER + Decimal('107.20') + DEDUCTIBLE:,.2f}" in second

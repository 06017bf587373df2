"""The PDFs of a month's pack (issue 15): with two cores, customer care's in a LibreOffice run of its
own, started once it is rendered, the others in a second run; one run with one core; a failing run
gives no PDF at all; the report workbooks are the same bytes whichever writer saved them.

LibreOffice is stood in for by a script that writes a PDF per file it is given and logs its runs.
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import pytest
from test_periods import sample_store

import addin.reports as reports
from addin import libreoffice
from addin.reports import PDF_FIRST, REPORT_NAMES, build_reports, render, xlsx

FAKE = """#!{python}
import json, sys
from pathlib import Path
args = sys.argv[1:]
out = Path(args[args.index("--outdir") + 1])
files = [a for a in args[args.index("--outdir") + 2:]]
with open({log!r}, "a", encoding="utf-8") as log:
    log.write(json.dumps([Path(f).name for f in files]) + "\\n")
for f in files:
    if {fail!r} not in Path(f).name:
        (out / (Path(f).stem + ".pdf")).write_bytes(b"%PDF-1.4 fake")
"""


def _fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail: str = "\0") -> Path:
    log = tmp_path / "runs.log"
    exe = tmp_path / "soffice"
    exe.write_text(FAKE.format(python=sys.executable, log=str(log), fail=fail), encoding="utf-8")
    exe.chmod(0o755)
    monkeypatch.setattr(libreoffice, "soffice", lambda: str(exe))
    return log


def _runs(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def _names(files: list[str]) -> list[str]:
    return [f.split("_", 2)[2].rsplit(".", 1)[0] for f in files]


def test_two_cores_convert_customer_care_in_a_run_of_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = _fake(tmp_path, monkeypatch)
    monkeypatch.setattr(reports.os, "cpu_count", lambda: 2)
    order: list[str] = []

    def rendered(name, data):  # type: ignore[no-untyped-def]
        order.append(name)
        return render(name, data)

    monkeypatch.setattr(reports, "render", rendered)
    pack = build_reports(sample_store(), "2026-10", None, tmp_path / "out", pdf=True)
    assert PDF_FIRST == ("customer_care",)
    rest = [n for n in REPORT_NAMES if n != "customer_care"]
    assert order == ["customer_care", *rest]
    runs = _runs(log)
    assert sorted(_names(r)[0] for r in runs) == ["customer_care", rest[0]]  # two runs, in either order
    assert sorted(map(_names, runs)) == sorted([["customer_care"], rest])
    # The pack lists the workbooks, then the PDFs, each in the pack's order.
    assert [p.name.split("_", 2)[2] for p in pack.files] == (
        [f"{n}.xlsx" for n in REPORT_NAMES] + [f"{n}.pdf" for n in REPORT_NAMES])
    assert pack.no_pdf_reason is None
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in pack.files)


def test_one_core_converts_every_report_in_one_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = _fake(tmp_path, monkeypatch)
    monkeypatch.setattr(reports.os, "cpu_count", lambda: 1)
    pack = build_reports(sample_store(), "2026-10", None, tmp_path / "out", pdf=True)
    assert [_names(r) for r in _runs(log)] == [list(REPORT_NAMES)]
    assert len(pack.files) == 2 * len(REPORT_NAMES)


def test_a_failing_run_gives_no_pdf_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake(tmp_path, monkeypatch, fail="customer_care")
    monkeypatch.setattr(reports.os, "cpu_count", lambda: 2)
    pack = build_reports(sample_store(), "2026-10", None, tmp_path / "out", pdf=True)
    assert [p.suffix for p in pack.files] == [".xlsx"] * len(REPORT_NAMES)
    assert pack.no_pdf_reason is not None
    assert pack.no_pdf_reason.startswith("No PDF was made: LibreOffice could not convert ")
    assert "customer_care.xlsx" in pack.no_pdf_reason
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in pack.files)


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_report_workbooks_are_the_bytes_openpyxl_saves(tmp_path: Path, locale: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from addin.kpis import compute_comparison
    from addin.reports.common import ReportData
    from addin.stock import valuate

    monkeypatch.setenv("SERVICE_ADDIN_TODAY", "2026-11-05")  # the footers' print time
    store = sample_store(locale)
    c = compute_comparison(store, "2026-10")
    data = ReportData(store, "2026-10", c.result, c.previous, c.last_year, valuate(store))
    for name in REPORT_NAMES:
        # Two renders of one report (a save changes the workbook it saves), one saved by each.
        render(name, data).save(tmp_path / "a.xlsx")
        xlsx.save(render(name, data), tmp_path / "b.xlsx")
        with zipfile.ZipFile(tmp_path / "a.xlsx") as a, zipfile.ZipFile(tmp_path / "b.xlsx") as b:
            assert a.namelist() == b.namelist()
            for part in a.namelist():
                if part != "docProps/core.xml":  # the time it was saved
                    assert a.read(part) == b.read(part), (name, part)


def _every_xml_char() -> list[str]:
    """Every character an openpyxl cell may hold (XML 1.0's, without the control characters
    openpyxl refuses), in texts of 1,000, some with blanks around them."""
    chars = [chr(c) for c in [9, 10, 13, *range(32, 0xD800), *range(0xE000, 0xFFFE), *range(0x10000, 0x10400),
                              0x1F600, 0x10FFFF]]
    texts = ["".join(chars[i:i + 1000]) for i in range(0, len(chars), 1000)]
    return texts + [" lead", "trail ", "\ttab", "a\r\nb", "&<>\"'", "=SUM(A1)", "中文 ", ""]


def test_the_row_writer_writes_every_kind_of_cell_as_openpyxl(tmp_path: Path) -> None:
    """Text of every character, numbers, booleans, dates, empty styled cells, row heights, and the
    cells openpyxl itself writes (a formula, a comment, a hyperlink, a merged range) between them."""
    import datetime as dt

    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    def book() -> Workbook:
        wb = Workbook()
        ws = wb.active
        for i, text in enumerate(_every_xml_char(), start=1):
            ws.cell(i, 1).value = text
            ws.cell(i, 2).value = i * 1.1 if i % 3 else -i
            ws.cell(i, 3).value = i % 2 == 0
            ws.cell(i, 4).value = dt.date(2026, 10, 1) + dt.timedelta(days=i)
            ws.cell(i, 5).font = Font(bold=True)
            if i % 7 == 0:
                ws.row_dimensions[i].height = 20 + i % 5
            if i % 11 == 0:  # rows of one height, some with a style or hidden (the writer keeps each kind once)
                ws.row_dimensions[i].height = 18
                ws.row_dimensions[i].font = Font(italic=True) if i % 2 else Font(bold=True)
                ws.row_dimensions[i].hidden = i % 3 == 0
        ws["F3"] = "=SUM(B1:B2)"
        ws["F4"] = "noted"
        ws["F4"].comment = Comment("a comment", "test")
        ws["F5"] = "link"
        ws["F5"].hyperlink = "https://example.com/?a=1&b=2"
        ws["G6"] = dt.datetime(2026, 10, 31, 17, 30)
        ws["H7"] = float("nan")
        ws.merge_cells("A100:C101")
        return wb

    book().save(tmp_path / "a.xlsx")
    xlsx.save(book(), tmp_path / "b.xlsx")
    with zipfile.ZipFile(tmp_path / "a.xlsx") as a, zipfile.ZipFile(tmp_path / "b.xlsx") as b:
        assert a.namelist() == b.namelist()
        for part in a.namelist():
            if part != "docProps/core.xml":
                assert a.read(part) == b.read(part), part
        sheet = b.read("xl/worksheets/sheet1.xml")
    assert b"&#20013;&#25991;" in sheet and b"&#128512;" in sheet and b"&#13;" in sheet  # what was compared


def test_row_heights_set_in_one_pass_are_openpyxls_own(tmp_path: Path) -> None:
    """layout.set_heights gives every row the dimension ``ws.row_dimensions[r].height = h`` gives
    it (new rows and rows that had one, with a style), saved to the same bytes by openpyxl."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from addin.reports.layout import set_heights

    heights = [15.0, 30.0, 15, 22.5] * 50

    def book(fast: bool) -> Workbook:
        wb = Workbook()
        ws = wb.active
        for r in range(1, 120):
            ws.cell(r, 1).value = f"row {r}"
        ws.row_dimensions[3].font = Font(bold=True)
        ws.row_dimensions[7].height = 40
        if fast:
            set_heights(ws, heights)
        else:
            for r, h in enumerate(heights, start=1):
                ws.row_dimensions[r].height = h
        return wb

    fast, slow = book(True), book(False)
    a, b = fast.active.row_dimensions, slow.active.row_dimensions
    assert sorted(a) == sorted(b) == list(range(1, 201))
    for r in b:
        assert a[r].__dict__ == b[r].__dict__ and a[r]._style == b[r]._style and a[r].parent is fast.active, r
    fast.save(tmp_path / "a.xlsx")
    slow.save(tmp_path / "b.xlsx")
    with zipfile.ZipFile(tmp_path / "a.xlsx") as x, zipfile.ZipFile(tmp_path / "b.xlsx") as y:
        assert x.read("xl/worksheets/sheet1.xml") == y.read("xl/worksheets/sheet1.xml")
        assert b'<row r="200" ht="22.5" customHeight="1"' in x.read("xl/worksheets/sheet1.xml")


def test_attribute_values_are_escaped_as_lxml_escapes_them() -> None:
    from io import BytesIO

    from lxml.etree import xmlfile

    for value in ["20", "1", 'a "b" <c> & d', "tab\tnew\nline\rreturn", "中文", "\U0001F600"]:
        out = BytesIO()
        with xmlfile(out) as xf, xf.element("row", {"x": value}):
            pass
        assert out.getvalue() == b'<row x="' + xlsx._attr(value) + b'"></row>', value


@pytest.mark.parametrize("text", ["a\ufffe", "b\uffff", "c\ud800"])
def test_a_text_xml_cannot_hold_fails_the_save_as_openpyxl_fails_it(tmp_path: Path, text: str) -> None:
    from openpyxl import Workbook

    errors = []
    for save in (lambda wb, path: wb.save(path), xlsx.save):
        wb = Workbook()
        wb.active["A1"] = text
        with pytest.raises(ValueError) as caught:
            save(wb, tmp_path / "x.xlsx")
        errors.append((type(caught.value), str(caught.value)))
    assert errors[0] == errors[1]

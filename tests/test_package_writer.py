"""The part-level writer (addin.io.package): the same edits as the openpyxl path give the same
tables read back by both engines; every part it does not edit is copied byte for byte (VBA
project and ribbon included); formula-looking text stays text; what it cannot do with certainty
falls back; a failed write leaves the workbook as it was."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import need_tool

from addin.demo import DEMO_SHEETS, generate
from addin.io.package import FastPathUnavailable, edit_package
from addin.io.reader import read_store
from addin.io.writer import append_rows, replace_rows, update_workbook
from addin.models import SHEETS

ROOT = Path(__file__).resolve().parents[1]
SERVICE = ROOT / "Service.xlsm"
#: The periods sheet's Table part in a built workbook (tables are numbered in sheet order).
PERIODS_TABLE = f"xl/tables/table{list(SHEETS).index('periods') + 1}.xml"
NOW = dt.datetime(2026, 11, 2, 9, 30)

#: Text that would be a formula, an error, a number or broken XML if written carelessly.
TRICKY = [
    '=HYPERLINK("http://evil.example","click")', "+1+1", "-2", "@SUM(A1)", "=1+1", "<b>&amp;</b> & < >",
    "  leading and trailing  ", "tab\there\x07bell\x00nul", "发动机异响 {r} {0}", "x" * 40_000,
    "broken \ud800\ufffe\uffff", "#N/A", "TRUE",
]


@pytest.fixture(scope="module")
def records() -> dict[str, list[dict[str, Any]]]:
    return generate("small", months=2)


def _both(tmp_path: Path, source: Path, name: str = "book") -> tuple[Path, Path]:
    fast, slow = tmp_path / f"{name}_fast{source.suffix}", tmp_path / f"{name}_slow{source.suffix}"
    shutil.copyfile(source, fast)
    shutil.copyfile(source, slow)
    return fast, slow


def _same_stores(a: Path, b: Path) -> None:
    for engine in ("calamine", "openpyxl"):
        sa, sb = read_store(a, engine=engine), read_store(b, engine=engine)
        assert sorted(sa.tables) == sorted(sb.tables)
        for key in sa.tables:
            assert sa.table(key).equals(sb.table(key)), (engine, key)
        assert sa.settings == sb.settings and not sa.problems and not sb.problems


def _table_refs(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as zf:
        return {n: re.search(rb'<table\b[^>]*?\sref="([^"]+)"', zf.read(n)).group(1).decode()  # type: ignore[union-attr]
                for n in zf.namelist() if n.startswith("xl/tables/")}


@pytest.fixture(scope="module")
def demo_pair(records: dict[str, list[dict[str, Any]]], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Any]:
    """Service.xlsm with the small demo written by each path; the fast path's PackageEdit."""
    folder = tmp_path_factory.mktemp("demo")
    fast, slow = _both(folder, SERVICE)
    done = edit_package(fast, locale="en-US", replacements={k: records[k] for k in DEMO_SHEETS})
    # As the openpyxl engine's edit does (addin.io.edit.apply_to_openpyxl): the settings written,
    # the insurer and payer lists follow them (issue 13).
    from addin.io.setting_lists import refresh_openpyxl

    update_workbook(slow, lambda wb: ([replace_rows(wb, k, records[k], "en-US") for k in DEMO_SHEETS],
                                      refresh_openpyxl(wb)))
    return fast, slow, done


def test_replacing_every_sheet_reads_back_as_the_openpyxl_path(demo_pair, records) -> None:
    fast, slow, done = demo_pair
    assert done.replaced == {k: len(records[k]) for k in DEMO_SHEETS}
    _same_stores(fast, slow)
    assert len(read_store(fast).table("wo_lines")) == 1657


def test_table_refs_cover_exactly_the_records(demo_pair, records) -> None:
    fast, slow, _ = demo_pair
    refs = _table_refs(fast)
    assert refs == _table_refs(slow)
    ref = f"A1:Q{len(records['wo_lines']) + 1}"  # tblWoLines, 17 columns
    assert refs["xl/tables/table6.xml"] == ref
    assert refs[PERIODS_TABLE] == "A1:F2"  # periods: untouched, one empty row
    with zipfile.ZipFile(fast) as zf:
        table = zf.read("xl/tables/table6.xml").decode()
        sheet = zf.read("xl/worksheets/sheet7.xml")[:2000].decode()
    assert f'<autoFilter ref="{ref}"' in table and f'<dimension ref="{ref}"' in sheet


def test_styles_and_number_formats_match_the_openpyxl_path(demo_pair) -> None:
    from openpyxl import load_workbook

    fast, slow, _ = demo_pair
    wa, wb = load_workbook(fast), load_workbook(slow)
    compared = 0
    for ws in wa.worksheets:
        other = wb[ws.title]
        for key in set(ws._cells) | set(other._cells):
            a, b = ws._cells.get(key), other._cells.get(key)
            if a is None or b is None:  # an empty cell exists in one file only
                assert (a or b).value is None, (ws.title, key)
                continue
            assert (a.value, a.number_format, a.style_id) == (b.value, b.number_format, b.style_id), (ws.title, key)
            compared += 1
    assert compared > 40_000


def test_every_part_not_edited_is_copied_byte_for_byte(demo_pair) -> None:
    fast, _, done = demo_pair
    with zipfile.ZipFile(SERVICE) as before, zipfile.ZipFile(fast) as after:
        assert after.namelist() == before.namelist()
        assert "xl/vbaProject.bin" not in done.parts and "customUI/customUI.xml" not in done.parts
        for info in before.infolist():
            new = after.getinfo(info.filename)
            if info.filename in done.parts:
                continue
            assert after.read(info.filename) == before.read(info.filename), info.filename
            # compressed as it was: not even re-deflated
            assert (new.CRC, new.compress_size, new.compress_type) == (info.CRC, info.compress_size,
                                                                       info.compress_type), info.filename
        assert after.read("xl/vbaProject.bin") == before.read("xl/vbaProject.bin")
        assert after.read("customUI/customUI.xml") == before.read("customUI/customUI.xml")
        assert after.testzip() is None
    assert set(done.parts) == {f"xl/worksheets/sheet{n}.xml" for n in (1, *range(3, 14))} | {
        f"xl/tables/table{n}.xml" for n in range(1, 13)} | {
        # the registers the demo fills: issue 18 (appointments), issue 11 (followups, complaints,
        # renewals), issue 12 (loaners, equipment, tools, tool_loans, tool_issues, training,
        # appraisal_weights)
        f"xl/worksheets/sheet{n}.xml" for n in range(14, 25)} | {f"xl/tables/table{n}.xml" for n in range(13, 24)} | {
        # issue 13: the demo's settings list its insurers and payers: the lists sheet (after the
        # 28 sheets and the board) and the defined names of the workbook part follow them
        "xl/worksheets/sheet30.xml", "xl/workbook.xml"}


def _tricky_rows() -> dict[str, list[dict[str, Any]]]:
    ledger = [{"txn_id": f"X{i}", "txn_date": dt.date(2026, 10, 31), "part_no": text, "txn_type": "issue",
               "qty": 1.5 + i, "unit_cost": None, "notes": text} for i, text in enumerate(TRICKY)]
    audit = [{"timestamp": dt.datetime(2026, 11, 2, 9, 30, 15), "user": "M01", "action": "close",
              "period": "2026-10", "details": "=cmd|' /C calc'!A0"}]
    return {"parts_ledger": ledger, "audit_log": audit}


def test_appends_read_back_as_the_openpyxl_path_and_text_stays_text(demo_pair, tmp_path) -> None:
    fast, slow = _both(tmp_path, demo_pair[0])
    rows = _tricky_rows()
    done = edit_package(fast, locale="en-US", appends=rows)
    update_workbook(slow, lambda wb: [append_rows(wb, k, v, "en-US") for k, v in rows.items()])
    first = 965  # 963 ledger records in rows 2-964
    assert done.appended == {"parts_ledger": list(range(first, first + len(TRICKY))), "audit_log": [2]}
    _same_stores(fast, slow)
    ledger = read_store(fast).table("parts_ledger")
    notes = list(ledger["notes"].iloc[-len(TRICKY):])
    # the reader trims text; the file keeps the spaces (xml:space="preserve"); control characters go
    assert notes[:9] == [*TRICKY[:6], "leading and trailing", "tab\therebellnul", "发动机异响 {r} {0}"]
    assert len(notes[9]) == 32_767 and notes[9].endswith("…")
    # a lone surrogate, U+FFFE and U+FFFF (no XML holds them) are shown as U+FFFD
    assert notes[10:] == ["broken \ufffd\ufffd\ufffd", "#N/A", "TRUE"]
    with zipfile.ZipFile(fast) as zf:
        sheet = zf.read("xl/worksheets/sheet9.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    assert '<t xml:space="preserve">  leading and trailing  </t>' in sheet
    assert '<t>=HYPERLINK("http://evil.example","click")</t>' in sheet and "<t>&lt;b&gt;&amp;amp;" in sheet
    assert f'<dimension ref="A1:K{first + len(TRICKY) - 1}"' in sheet
    assert _table_refs(fast)["xl/tables/table8.xml"] == f"A1:K{first + len(TRICKY) - 1}"
    assert _table_refs(fast) == _table_refs(slow)


def test_append_into_an_empty_table_keeps_its_styled_first_row(tmp_path) -> None:
    fast, slow = _both(tmp_path, SERVICE)
    row = [{"timestamp": NOW, "user": "M01", "action": "close", "period": "2026-10", "details": "ok"}]
    assert edit_package(fast, locale="en-US", appends={"audit_log": row}).appended == {"audit_log": [2]}
    update_workbook(slow, lambda wb: append_rows(wb, "audit_log", row, "en-US"))
    _same_stores(fast, slow)
    assert _table_refs(fast) == _table_refs(slow)


def _shared_strings(path: Path, part: str) -> None:
    """Rewrite one sheet's inline strings as shared strings (as Excel saves them)."""
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    table: list[bytes] = []

    def shared(m: re.Match[bytes]) -> bytes:
        table.append(m.group(2))
        return m.group(1) + b't="s"><v>%d</v></c>' % (len(table) - 1)

    members[part] = re.sub(rb'(<c [^>]*?)t="inlineStr"><is>(<t[^>]*>.*?</t>)</is></c>', shared, members[part])
    ns = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    members["xl/sharedStrings.xml"] = (b'<sst xmlns="%s" count="%d">' % (ns, len(table))
                                       + b"".join(b"<si>" + t + b"</si>" for t in table) + b"</sst>")
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                     b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/'
                             b'2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def test_settings_found_through_shared_strings_and_appended_when_missing(demo_pair, tmp_path) -> None:
    from addin.io.edit import set_settings as _set_settings

    fast, slow = _both(tmp_path, demo_pair[0])
    _shared_strings(fast, "xl/worksheets/sheet1.xml")
    _shared_strings(slow, "xl/worksheets/sheet1.xml")
    updates = {"open_period": "2026-12", "store_name": "Main store", "no_such_key": "7"}
    edit_package(fast, locale="en-US", settings=updates)
    update_workbook(slow, lambda wb: _set_settings(wb, updates, "en-US"))
    _same_stores(fast, slow)
    store = read_store(fast)
    assert store.settings.open_period == "2026-12" and store.settings.store_name == "Main store"
    assert list(store.table("settings")["key"])[-1] == "no_such_key"
    # a value is text whatever it looks like (openpyxl's cell.value = "=..." would make a formula)
    edit_package(fast, locale="en-US", settings={"store_name": "=Main store"})
    assert read_store(fast).settings.store_name == "=Main store"


def test_numbers_keep_every_digit(tmp_path) -> None:
    book = tmp_path / "Service.xlsm"
    shutil.copyfile(SERVICE, book)
    row = {"txn_id": "T1", "txn_date": dt.date(2026, 10, 31), "part_no": "P1", "txn_type": "issue",
           "qty": 0.1 + 0.2, "unit_cost": 1158.5840707964603}
    edit_package(book, locale="en-US", appends={"parts_ledger": [row]})
    for engine in ("calamine", "openpyxl"):
        ledger = read_store(book, engine=engine).table("parts_ledger")
        assert (ledger["qty"].iloc[0], ledger["unit_cost"].iloc[0]) == (0.30000000000000004, 1158.5840707964603)


def test_a_zh_cn_workbook_gets_chinese_labels_and_words(records, tmp_path) -> None:
    from addin.io.builder import build_workbook

    base = tmp_path / "zh.xlsx"
    build_workbook("zh-CN").save(base)
    fast, slow = _both(tmp_path, base)
    some = {k: records[k] for k in ("parts", "work_orders")}
    edit_package(fast, locale="zh-CN", replacements=some)
    update_workbook(slow, lambda wb: [replace_rows(wb, k, v, "zh-CN") for k, v in some.items()])
    _same_stores(fast, slow)
    with zipfile.ZipFile(fast) as zf:
        parts = zf.read("xl/worksheets/sheet8.xml").decode()
    assert "<t>是</t>" in parts and 't="b"' not in parts.split("</row>", 1)[1]


def test_the_dashboard_cells_are_those_write_dashboard_writes() -> None:
    from openpyxl import Workbook
    from test_periods import sample_store

    from addin.close import close_period
    from addin.dashboard import dashboard_cells, dashboard_labels, write_dashboard

    plan = close_period(sample_store(), "2026-10", "M01", NOW)
    wb = Workbook()
    ws = write_dashboard(wb, plan.result, "zh-CN", previous=plan.previous, last_year=plan.last_year)
    written = {c.coordinate: c.value for row in ws.iter_rows() for c in row
               if c.value is not None and not (isinstance(c.value, str) and c.value.startswith("="))}
    labels = dashboard_labels("zh-CN")
    cells = dashboard_cells(plan.result, "zh-CN", previous=plan.previous, last_year=plan.last_year)
    assert not set(labels) & set(cells)
    assert written == {**labels, **{k: v for k, v in cells.items() if v is not None}}
    assert cells["C2"] == "2026-10" and labels["B2"] == "期间" and labels["A9"] == "entries"


@pytest.fixture()
def close_books(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    from test_close import write_workbook
    from test_periods import sample_records

    import addin.month_end

    monkeypatch.setattr(addin.month_end, "clock_now", lambda: NOW)
    book = write_workbook(tmp_path / "Service.xlsx", sample_records())
    other = tmp_path / "slow" / "Service.xlsx"
    other.parent.mkdir()
    shutil.copyfile(book, other)
    return book, other


def _force_openpyxl(monkeypatch: pytest.MonkeyPatch) -> None:
    import addin.io.package

    def refuse(*_a: Any, **_k: Any) -> Any:
        raise FastPathUnavailable("forced by the test")

    monkeypatch.setattr(addin.io.package, "edit_package", refuse)


def test_close_through_the_package_equals_close_through_openpyxl(close_books, tmp_path, monkeypatch) -> None:
    from openpyxl import load_workbook

    from addin.month_end import close_workbook

    book, other = close_books
    fast = close_workbook(book, user="M01", out_dir=tmp_path / "r1", now=NOW, pdf=False)
    _force_openpyxl(monkeypatch)
    slow = close_workbook(other, user="M01", out_dir=tmp_path / "r2", now=NOW, pdf=False)
    assert (fast.writer, slow.writer) == ("package", "openpyxl")
    _same_stores(book, other)
    assert read_store(book).settings.open_period == "2026-11"
    a, b = load_workbook(book)["Dashboard"], load_workbook(other)["Dashboard"]
    values = {c.coordinate: c.value for row in a.iter_rows() for c in row}
    other_values = {c.coordinate: c.value for row in b.iter_rows() for c in row}
    assert values.keys() == other_values.keys()
    for ref, value in values.items():
        # openpyxl writes numbers with 16 significant digits; the package writer with all 17
        expected = other_values[ref]
        assert value == (pytest.approx(expected, rel=1e-15) if isinstance(value, float) else expected), ref
    assert values["C2"] == "2026-10" and values["C11"] == pytest.approx(fast.plan.result["revenue"])


def test_a_dashboard_of_another_layout_falls_back_to_openpyxl(close_books, tmp_path) -> None:
    from addin.io.writer import find_sheet
    from addin.month_end import close_workbook

    book, _ = close_books
    update_workbook(book, lambda wb: setattr(find_sheet(wb, "dashboard")["A9"], "value", "old_kpi"))
    outcome = close_workbook(book, user="M01", out_dir=tmp_path / "r", now=NOW, pdf=False)
    assert outcome.writer == "openpyxl"
    store = read_store(book)
    assert store.settings.open_period == "2026-11" and list(store.table("periods")["status"]) == ["closed"]


def test_merged_cells_among_the_records_are_refused_and_nothing_is_written(demo_pair, tmp_path) -> None:
    from addin.io.writer import find_sheet

    book = tmp_path / "merged.xlsm"
    shutil.copyfile(demo_pair[0], book)
    update_workbook(book, lambda wb: find_sheet(wb, "parts_ledger").merge_cells("K5:K6"), backup=False)
    before = book.read_bytes()
    with pytest.raises(FastPathUnavailable, match="merged"):
        edit_package(book, locale="en-US", appends=_tricky_rows())
    assert book.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["merged.xlsm"]


def test_a_column_to_add_is_left_to_the_openpyxl_path(tmp_path) -> None:
    from addin.io.builder import build_workbook
    from addin.io.writer import find_sheet

    wb = build_workbook("en-US")
    find_sheet(wb, "audit_log").tables["tblAuditLog"].ref = "A1:D2"  # no Details column in the Table
    book = tmp_path / "narrow.xlsx"
    wb.save(book)
    with pytest.raises(FastPathUnavailable, match="details"):
        edit_package(book, locale="en-US", appends={"audit_log": [{"user": "M01", "details": "x"}]})


def test_a_failure_mid_write_leaves_the_workbook_byte_identical(demo_pair, tmp_path, monkeypatch) -> None:
    book = tmp_path / "Service.xlsm"
    shutil.copyfile(demo_pair[0], book)
    before = book.read_bytes()
    calls = []
    real = zipfile.ZipFile.writestr

    def failing(self: zipfile.ZipFile, *args: Any, **kwargs: Any) -> None:
        calls.append(args[0])
        if len(calls) == 3:  # a few parts are already in the temporary file
            raise OSError(28, "No space left on device")
        real(self, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", failing)
    with pytest.raises(OSError, match="No space"):
        edit_package(book, locale="en-US", appends=_tricky_rows(), settings={"open_period": "2026-12"})
    assert len(calls) == 3
    assert book.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Service.xlsm"]


def test_the_previous_file_is_kept_as_bak(demo_pair, tmp_path) -> None:
    book = tmp_path / "Service.xlsm"
    shutil.copyfile(demo_pair[0], book)
    before = book.read_bytes()
    edit_package(book, locale="en-US", settings={"open_period": "2026-12"})
    assert (tmp_path / "Service.xlsm.bak").read_bytes() == before
    assert read_store(book).settings.open_period == "2026-12"


def test_a_workbook_open_in_excel_is_not_written(demo_pair, tmp_path) -> None:
    from addin.errors import UnsafeWriteError

    book = tmp_path / "Service.xlsm"
    shutil.copyfile(demo_pair[0], book)
    (tmp_path / "~$Service.xlsm").write_bytes(b"owner")
    with pytest.raises(UnsafeWriteError, match="open in Excel"):
        edit_package(book, locale="en-US", settings={"open_period": "2026-12"})


def test_libreoffice_opens_the_output_and_sees_the_same_values(demo_pair, tmp_path) -> None:
    need_tool("soffice")
    from addin.libreoffice import convert

    book = tmp_path / "Service.xlsm"
    shutil.copyfile(demo_pair[0], book)
    rows = _tricky_rows()
    rows["parts_ledger"] = [r for r in rows["parts_ledger"] if len(r["notes"]) < 1000]
    edit_package(book, locale="en-US", appends=rows, settings={"open_period": "2026-12"})
    converted = convert(book, "xlsx", tmp_path / "lo", recalc=False)
    ours, theirs = read_store(book), read_store(converted)
    for key in ("parts_ledger", "audit_log", "work_orders", "wo_lines"):
        assert ours.table(key).drop(columns="_row").equals(theirs.table(key).drop(columns="_row")), key
    # Settings values are typed cells (issue 13); LibreOffice saves a boolean as 1 with a boolean
    # format, which reads back as the text "1": the keys, labels and parsed settings are the same.
    for column in ("key", "label"):
        assert ours.table("settings")[column].equals(theirs.table("settings")[column]), column
    assert ours.settings == theirs.settings
    assert theirs.settings.open_period == "2026-12"
    ledger = theirs.table("parts_ledger")
    assert ledger["notes"].iloc[-1] == TRICKY[-1] and '=HYPERLINK("http://evil.example","click")' in set(ledger["notes"])


def test_a_workbook_saved_by_libreoffice_is_edited_in_place(records, tmp_path) -> None:
    """Shared strings, LibreOffice's row attributes and its spelling of the number formats: the
    fast path still applies and reads back as the openpyxl path on the original."""
    need_tool("soffice")
    from addin.io.builder import build_workbook
    from addin.io.edit import set_settings as _set_settings
    from addin.libreoffice import convert

    wb = build_workbook("en-US")
    for key in ("settings", "parts", "parts_ledger"):
        replace_rows(wb, key, records[key], "en-US")
    original = tmp_path / "original.xlsx"
    wb.save(original)
    saved = convert(original, "xlsx", tmp_path / "lo", recalc=False)
    with zipfile.ZipFile(saved) as zf:
        assert "xl/sharedStrings.xml" in zf.namelist()
        assert b'formatCode="yyyy-mm-dd"' not in zf.read("xl/styles.xml")  # LibreOffice's own spelling
    rows = _tricky_rows()
    edit_package(saved, locale="en-US", appends=rows, settings={"open_period": "2026-12"})
    update_workbook(original, lambda wb: ([append_rows(wb, k, v, "en-US") for k, v in rows.items()],
                                          _set_settings(wb, {"open_period": "2026-12"}, "en-US")))
    for engine in ("calamine", "openpyxl"):
        ours, theirs = read_store(saved, engine=engine), read_store(original, engine=engine)
        for key in ("parts", "parts_ledger", "audit_log"):
            assert ours.table(key).equals(theirs.table(key)), (engine, key)
        # LibreOffice saved the typed boolean settings value as 1 (boolean format): same settings.
        for column in ("key", "label", "_row"):
            assert ours.table("settings")[column].equals(theirs.table("settings")[column]), (engine, column)
        assert ours.settings == theirs.settings
        assert ours.settings.open_period == "2026-12"


def test_close_reopen_close_replaces_the_periods_row(close_books, tmp_path) -> None:
    from addin.month_end import close_workbook, reopen_workbook

    book, _ = close_books
    assert close_workbook(book, user="M01", out_dir=tmp_path / "r1", now=NOW, pdf=False).writer == "package"
    reopen_workbook(book, "2026-10", user="M01", reason="late invoice", now=NOW)  # openpyxl reads our output
    again = close_workbook(book, user="M01", out_dir=tmp_path / "r2", now=NOW, pdf=False)
    assert again.writer == "package" and again.plan.periods  # the period's row is replaced, not appended
    store = read_store(book)
    assert list(zip(store.table("periods")["period"], store.table("periods")["status"])) == [("2026-10", "closed")]
    assert list(store.table("audit_log")["action"]) == ["close", "reopen", "close"]
    assert store.settings.open_period == "2026-11"
    assert _table_refs(book)[PERIODS_TABLE] == "A1:F2"


def test_formulas_among_the_replaced_rows_are_left_to_the_openpyxl_path(tmp_path) -> None:
    from addin.io.builder import build_workbook
    from addin.io.writer import find_sheet

    wb = build_workbook("en-US")
    replace_rows(wb, "periods", [{"period": "2026-09", "status": "open"}], "en-US")
    find_sheet(wb, "periods")["F2"] = '="note "&A2'
    book = tmp_path / "formula.xlsx"
    wb.save(book)
    before = book.read_bytes()
    with pytest.raises(FastPathUnavailable, match="formulas"):
        edit_package(book, locale="en-US", replacements={"periods": [{"period": "2026-10", "status": "closed"}]})
    assert book.read_bytes() == before


def test_parts_written_with_data_descriptors_are_copied_intact(tmp_path) -> None:
    """Zip writers that stream (some Excel versions, Python on a pipe) put sizes after the data."""
    import io

    class Unseekable(io.RawIOBase):
        def __init__(self, fh: Any) -> None:
            self.fh = fh

        def writable(self) -> bool:
            return True

        def write(self, data: Any) -> int:
            return self.fh.write(data)

    book = tmp_path / "streamed.xlsm"
    with zipfile.ZipFile(SERVICE) as src, open(book, "wb") as fh:
        with zipfile.ZipFile(Unseekable(fh), "w", zipfile.ZIP_DEFLATED) as zout:
            for info in src.infolist():
                zout.writestr(info.filename, src.read(info.filename))
    with zipfile.ZipFile(book) as zf:
        assert {i.flag_bits & 0x8 for i in zf.infolist()} == {0x8}
    edit_package(book, locale="en-US", settings={"open_period": "2026-12"}, backup=False)
    with zipfile.ZipFile(book) as zf, zipfile.ZipFile(SERVICE) as src:
        assert zf.testzip() is None
        assert zf.read("xl/vbaProject.bin") == src.read("xl/vbaProject.bin")
    assert read_store(book).settings.open_period == "2026-12"


# -- issue 13: settings values are typed by both engines -----------------------------------------

def test_replaced_settings_rows_carry_their_labels_in_both_engines(tmp_path: Path) -> None:
    """The demo and imports replace the settings rows: each row's label follows its key (14 target
    rows included), whichever engine writes."""
    from openpyxl import load_workbook

    from addin.io.builder import build
    from addin.io.cells import find_sheet_name
    from addin.io.edit import WorkbookEdit, apply_edit
    from addin.kpis import KPIS

    rows = [{"key": "target_comeback_rate", "value": 0.02}, {"key": "store_code", "value": "S1"},
            {"key": "custom_key", "value": "x"}]
    seen = []
    for engine in ("package", "openpyxl"):
        (tmp_path / engine).mkdir()
        book = build(tmp_path / engine / "Service.xlsx", "en-US", backup=False)
        apply_edit(book, WorkbookEdit(replacements={"settings": rows}), locale="en-US", backup=False, engine=engine)
        wb = load_workbook(book)
        ws = wb[find_sheet_name(wb.sheetnames, "settings")]
        seen.append([tuple(c.value for c in row) for row in ws.iter_rows(min_row=2) if row[0].value])
    assert seen[0] == seen[1] == [("target_comeback_rate", 0.02, "Target: " + KPIS["comeback_rate"].label_en),
                                  ("store_code", "S1", "Store code"), ("custom_key", "x", None)]


@pytest.mark.parametrize("engine", ["package", "openpyxl"])
def test_settings_values_are_written_typed_and_read_back_the_same(tmp_path: Path, engine: str) -> None:
    from openpyxl import load_workbook

    from addin.io.builder import build
    from addin.io.cells import find_sheet_name
    from addin.io.edit import WorkbookEdit, apply_edit
    from addin.io.reader import read_store

    book = build(tmp_path / "Service.xlsx", "zh-CN", backup=False)
    updates = {"tax_rate": "0.09", "labor_rate": 120, "prices_include_tax": "FALSE", "store_code": "0123",
               "open_period": "2026-11", "comeback_window_days": "45", "target_revenue": 5000.5,
               "aging_buckets": "30,60,90"}
    done = apply_edit(book, WorkbookEdit(settings=updates), locale="zh-CN", backup=False, engine=engine)
    assert done.engine == engine
    wb = load_workbook(book)
    ws = wb[find_sheet_name(wb.sheetnames, "settings")]
    got = {row[0].value: row[1].value for row in ws.iter_rows(min_row=2) if row[0].value}
    labels = {row[0].value: row[2].value for row in ws.iter_rows(min_row=2) if row[0].value}
    from addin.kpis import KPIS

    assert [c.value for c in ws[1]] == ["参数", "值", "说明"]
    assert labels["tax_rate"] == "增值税率" and labels["target_revenue"] == "目标：" + KPIS["revenue"].label_zh
    assert got["tax_rate"] == 0.09 and isinstance(got["tax_rate"], float)
    assert got["labor_rate"] == 120 and type(got["labor_rate"]) is int
    assert got["comeback_window_days"] == 45 and type(got["comeback_window_days"]) is int
    assert got["prices_include_tax"] is False
    assert got["target_revenue"] == 5000.5  # a key the table lacked: appended, typed
    assert got["store_code"] == "0123" and got["open_period"] == "2026-11" and got["aging_buckets"] == "30,60,90"
    assert got["churn_months"] == 12 and got["appraisal_cap"] == 1.2  # the builder's defaults, typed too
    s = read_store(book).settings
    assert (s.tax_rate, s.labor_rate, s.prices_include_tax, s.store_code) == (0.09, 120, False, "0123")
    assert s.comeback_window_days == 45 and s.open_period == "2026-11" and s.targets["revenue"] == 5000.5

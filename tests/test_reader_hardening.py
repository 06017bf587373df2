"""Bad input to the reader: each gets its one-line message naming the file, never a traceback."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest

from addin.errors import WorkbookReadError
from addin.io import safety
from addin.io.reader import read_store


def _workbook(path: Path) -> Path:
    """A small valid workbook: a work_orders sheet with one record."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "work_orders"
    ws.append(["wo_no", "notes"])
    ws.append(["W1", "hello"])
    wb.save(path)
    return path


def _rewrite(src: Path, dest: Path, replace: dict[str, bytes | None], add: dict[str, bytes] | None = None) -> Path:
    """Copy a package, replacing (or, with None, dropping) some parts and adding others."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = replace.get(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dest


def _ole(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE2 compound file (version 3, 512-byte sectors) holding ``streams`` at its root.

    Streams are padded to 4096 bytes so they live in regular sectors (no mini stream)."""
    end, free, fat_sect, no_stream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    names = list(streams)
    fat = [fat_sect, end]  # sector 0: the FAT, sector 1: the directory
    starts = []
    for _name in names:
        first = len(fat)
        starts.append(first)
        fat += [first + i + 1 for i in range(7)] + [end]  # 8 sectors = 4096 bytes each
    fat += [free] * (128 - len(fat))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
              + struct.pack("<HHHHH6xIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<I", 0) + struct.pack("<I", free) * 108)

    def entry(name: str, kind: int, right: int, child: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (raw.ljust(64, b"\0") + struct.pack("<HBBIII", len(raw), kind, 1, no_stream, right, child)
                + bytes(16 + 4 + 16) + struct.pack("<IQ", start, size))

    directory = entry("Root Entry", 5, no_stream, 1, end, 0)
    for i, name in enumerate(names):
        directory += entry(name, 2, i + 2 if i + 1 < len(names) else no_stream, no_stream, starts[i], 4096)
    directory = directory.ljust(512, b"\0")
    body = b"".join(streams[n].ljust(4096, b"\0") for n in names)
    return header + struct.pack("<128I", *fat) + directory + body


def _error(path: Path, engine: str = "calamine") -> WorkbookReadError:
    with pytest.raises(WorkbookReadError) as info:
        read_store(path, engine=engine)
    return info.value


def test_missing_file(tmp_path: Path) -> None:
    err = _error(tmp_path / "Service.xlsm")
    assert err.message() == "Service.xlsm: no such file."
    assert err.message("zh-CN") == "Service.xlsm：文件不存在。"
    assert err.exit_code == 2


def test_text_file_renamed(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text("wo_no,open_date\nW1,2026-01-02\n")
    assert _error(path).message() == "notes.xlsx: not an Excel workbook (.xlsx or .xlsm)."
    assert _error(path).message("zh-CN") == "notes.xlsx：不是 Excel 工作簿（.xlsx 或 .xlsm）。"


def test_a_folder_is_not_a_workbook(tmp_path: Path) -> None:
    assert _error(tmp_path).message() == f"{tmp_path.name}: not an Excel workbook (.xlsx or .xlsm)."


def test_old_xls(tmp_path: Path) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(_ole({"Workbook": b"\x09\x08\x10\x00\x00\x06\x05\x00", "SummaryInformation": b"x"}))
    assert _error(path).message() == (
        "old.xls: an old-format Excel file (.xls or .xlsb); open it in Excel and save it as .xlsx/.xlsm.")
    assert _error(path).message("zh-CN") == (
        "old.xls：旧格式的 Excel 文件（.xls 或 .xlsb）；请在 Excel 中打开并另存为 .xlsx/.xlsm。")


def test_encrypted(tmp_path: Path) -> None:
    path = tmp_path / "locked.xlsm"
    path.write_bytes(_ole({"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00", "EncryptedPackage": b"\x10" * 64}))
    assert _error(path).message() == (
        "locked.xlsm: the workbook is encrypted; open it in Excel, remove the password and save it again.")
    assert _error(path, "openpyxl").message("zh-CN") == "locked.xlsm：工作簿已加密；请在 Excel 中打开，取消密码后重新保存。"


def test_other_ole_file(tmp_path: Path) -> None:
    path = tmp_path / "letter.xlsx"
    path.write_bytes(_ole({"WordDocument": b"\xec\xa5"}))
    assert _error(path).message() == "letter.xlsx: not an Excel workbook (.xlsx or .xlsm)."


def test_damaged_ole_header(tmp_path: Path) -> None:
    path = tmp_path / "broken.xls"
    path.write_bytes(safety.OLE_MAGIC + b"\0" * 100)
    assert _error(path).message() == "broken.xls: not an Excel workbook (.xlsx or .xlsm)."


def test_truncated(tmp_path: Path) -> None:
    data = _workbook(tmp_path / "full.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    assert _error(path).message() == (
        "cut.xlsx: the workbook is damaged or incomplete (File is not a zip file); use an intact copy.")
    assert _error(path).message("zh-CN") == "cut.xlsx：工作簿已损坏或不完整（File is not a zip file）；请使用完好的副本。"


def test_damaged_part(tmp_path: Path) -> None:
    """A part whose compressed bytes are damaged past the prolog fails in the engine: same message."""
    src = _workbook(tmp_path / "full.xlsx")
    path = _rewrite(src, tmp_path / "bad.xlsx", {"xl/worksheets/sheet1.xml": None},
                    {"xl/worksheets/sheet1.xml": b"<worksheet xmlns='http://schemas.openxmlformats.org/"
                                                 b"spreadsheetml/2006/main'><sheetData><row r='1'><c"})
    for engine in ("calamine", "openpyxl"):
        message = _error(path, engine).message()
        assert message.startswith("bad.xlsx: the workbook is damaged or incomplete (")
        assert message.endswith("); use an intact copy.")


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<document/>")
    assert _error(path).message() == (
        "report.xlsx: a Word document, not an Excel workbook; open it in its program and save the data as "
        "an Excel workbook (.xlsx/.xlsm).")
    assert _error(path).message("zh-CN") == (
        "report.xlsx：Word 文档，不是 Excel 工作簿；请在相应程序中打开，并把数据另存为 Excel 工作簿（.xlsx/.xlsm）。")


def test_xlsb(tmp_path: Path) -> None:
    path = tmp_path / "binary.xlsb"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.bin", b"\x83\x01\x00")
    assert _error(path).message().startswith("binary.xlsb: an old-format Excel file (.xls or .xlsb)")


def test_zip_bomb_ratio(tmp_path: Path) -> None:
    """One part inflating 1000 times (200 MiB of zeros in ~200 KB)."""
    path = _workbook(tmp_path / "bomb.xlsx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf, zf.open("xl/media/pad.bin", "w") as part:
        chunk = bytes(1 << 20)
        for _ in range(200):
            part.write(chunk)
    assert _error(path).message() == (
        "bomb.xlsx: refused, the workbook would inflate beyond safe limits (xl/media/pad.bin 1,028:1).")
    assert _error(path).message("zh-CN") == (
        "bomb.xlsx：已拒绝，工作簿解压后超出安全限制（xl/media/pad.bin 1,028:1）。")


def test_zip_bomb_total_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 1 GiB would take seconds to write: the same check against a smaller limit
    monkeypatch.setattr(safety, "MAX_UNCOMPRESSED", 1 << 20)
    path = _workbook(tmp_path / "big.xlsx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/pad.bin", bytes(2 << 20))
    assert _error(path).message() == "big.xlsx: refused, the workbook would inflate beyond safe limits (2 MiB > 1 MiB)."


def test_zip_bomb_member_count(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "many.xlsx")
    with zipfile.ZipFile(path, "a") as zf:
        for i in range(safety.MAX_MEMBERS):
            zf.writestr(f"xl/media/{i}.bin", b"")
    assert _error(path).message() == (
        "many.xlsx: refused, the workbook would inflate beyond safe limits (10,009 parts > 10,000).")


LOL = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol0 "lol">'
       + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)) + "]>\n")
SST = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'


def _shared_strings_workbook(src: Path, dest: Path, sst: str) -> Path:
    """``src`` with cell B2 moved to a sharedStrings part holding ``sst``."""
    with zipfile.ZipFile(src) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
        types = zf.read("[Content_Types].xml")
    sheet = sheet.replace(b'<c r="B2" t="inlineStr"><is><t>hello</t></is></c>', b'<c r="B2" t="s"><v>0</v></c>')
    rels = rels.replace(b"</Relationships>", b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/'
                        b'2006/relationships/sharedStrings" Target="sharedStrings.xml" Id="rId9" /></Relationships>')
    types = types.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                          b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" /></Types>')
    return _rewrite(src, dest, {"xl/worksheets/sheet1.xml": sheet, "xl/_rels/workbook.xml.rels": rels,
                                "[Content_Types].xml": types}, {"xl/sharedStrings.xml": sst.encode()})


def test_shared_strings_fixture_reads(tmp_path: Path) -> None:
    """The fixture is a valid workbook when its shared strings are plain (so the bomb below is
    refused for its DTD, nothing else)."""
    src = _workbook(tmp_path / "full.xlsx")
    plain = SST.replace("&lol9;", "hello")
    path = _shared_strings_workbook(src, tmp_path / "sst.xlsx", '<?xml version="1.0"?>\n' + plain)
    for engine in ("calamine", "openpyxl"):
        assert read_store(path, engine=engine).tables["work_orders"]["notes"].tolist() == ["hello"]


def test_billion_laughs(tmp_path: Path) -> None:
    src = _workbook(tmp_path / "full.xlsx")
    path = _shared_strings_workbook(src, tmp_path / "lol.xlsx", LOL + SST)
    message = ("lol.xlsx: refused, part xl/sharedStrings.xml declares a DTD or entities, which Excel never "
               "writes (possible XML bomb).")
    assert _error(path).message() == message
    assert _error(path, "openpyxl").message() == message
    assert _error(path).message("zh-CN") == (
        "lol.xlsx：已拒绝，部件 xl/sharedStrings.xml 含有 DTD 或实体声明，Excel 从不写入此类内容（可能是 XML 炸弹）。")


def test_dtd_hidden_behind_a_long_comment(tmp_path: Path) -> None:
    src = _workbook(tmp_path / "full.xlsx")
    with zipfile.ZipFile(src) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
    hidden = b'<?xml version="1.0"?><!--' + b"x" * 20000 + b'--><!DOCTYPE w [<!ENTITY e "e">]>' + sheet
    path = _rewrite(src, tmp_path / "hidden.xlsx", {"xl/worksheets/sheet1.xml": hidden})
    assert "part xl/worksheets/sheet1.xml declares a DTD" in _error(path).message()


def test_utf16_dtd(tmp_path: Path) -> None:
    src = _workbook(tmp_path / "full.xlsx")
    with zipfile.ZipFile(src) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    doc = ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE w [<!ENTITY e "e">]>' + sheet).encode("utf-16")
    path = _rewrite(src, tmp_path / "u16.xlsx", {"xl/worksheets/sheet1.xml": doc})
    assert "part xl/worksheets/sheet1.xml declares a DTD" in _error(path).message()


def test_locked_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _workbook(tmp_path / "Service.xlsm")

    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)
    assert _error(path).message() == (
        "Service.xlsm: cannot open the file (it is locked by another program or you lack permission); "
        "close it in Excel and try again.")


def test_prolog_scan() -> None:
    verdict = safety._prolog_verdict
    assert verdict(b'<?xml version="1.0"?>\n<!-- a --><worksheet/>', at_end=True) is False
    assert verdict(b'\xef\xbb\xbf<?xml version="1.0"?><!DOCTYPE x>', at_end=True) is True
    assert verdict(b"<?xml ", at_end=False) is None
    assert verdict(b"<!-", at_end=False) is None  # a comment opener cut by the chunk boundary


def test_valid_workbook_passes(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "ok.xlsx")
    assert safety.check_workbook(path) == path


def test_behind_the_guard_nothing_expands_entities(tmp_path: Path) -> None:
    """Defence in depth, should the prolog scan ever miss: our own XML parsing (defusedxml) and
    python-calamine (quick-xml, which knows no DTD) both refuse the entities instead of expanding."""
    from defusedxml import EntitiesForbidden
    from python_calamine import CalamineWorkbook, XmlError

    from addin.io.reader import package_tables

    src = _workbook(tmp_path / "full.xlsx")
    bomb = _shared_strings_workbook(src, tmp_path / "lol.xlsx", LOL + SST)
    with pytest.raises(XmlError, match="unrecognized entity"):
        CalamineWorkbook.from_path(str(bomb)).get_sheet_by_name("work_orders").to_python()
    with zipfile.ZipFile(src) as zf:
        workbook = zf.read("xl/workbook.xml")
    doctored = _rewrite(src, tmp_path / "wb.xlsx", {"xl/workbook.xml": LOL.encode() + workbook.split(b"?>", 1)[-1]})
    with pytest.raises(EntitiesForbidden):
        package_tables(doctored)


def test_stray_cell_far_away(tmp_path: Path) -> None:
    """One value typed in ZZ200000 would make the fast engine allocate 140 million cells (it
    aborts the process): refused from the scan of its cells, naming the worksheet and the cell."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "维修工单"
    ws.append(["wo_no"])
    ws["ZZ200000"] = "oops"
    path = tmp_path / "spread.xlsx"
    wb.save(path)
    assert _error(path).message() == (
        "spread.xlsx: refused, sheet 维修工单 has a value in ZZ200000, so it spans A1:ZZ200000 (140,400,000 cells, "
        "more than 25,000,000); delete the stray cells far to the right of or below the data and save it again.")
    assert _error(path).message("zh-CN") == (
        "spread.xlsx：已拒绝，工作表 维修工单 在 ZZ200000 有值，使用区域因此为 A1:ZZ200000（140,400,000 个单元格，"
        "超过 25,000,000）；"
        "请删除数据右侧或下方远处的多余单元格后重新保存。")


def test_dimension_within_limits_passes(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "work_orders"
    ws.append(["wo_no"])
    ws["CV250000"] = "far but fine"  # 100 x 250,000 = 25,000,000 cells
    path = tmp_path / "wide.xlsx"
    wb.save(path)
    assert safety.check_workbook(path) == path


def test_dimension_is_not_trusted(tmp_path: Path) -> None:
    """A dimension claiming the whole grid over two cells is read (the cells decide, not the claim)."""
    src = _workbook(tmp_path / "full.xlsx")
    with zipfile.ZipFile(src) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
    path = _rewrite(src, tmp_path / "claim.xlsx", {"xl/worksheets/sheet1.xml": sheet.replace(
        b'<dimension ref="A1:B2"/>', b'<dimension ref="A1:XFD1048576"/>')})
    assert read_store(path).tables["work_orders"]["notes"].tolist() == ["hello"]


@pytest.mark.parametrize("claim", [b"A1", b"A1:B2", b"B2:C3000", b"A1:CV250000"])
def test_a_dimension_claiming_less_than_the_cells_hold_is_not_believed(tmp_path: Path, claim: bytes) -> None:
    """The fast scan starts from the dimension's corner; the stray cell beyond it is still found,
    and the sheet refused naming it, whatever the dimension claims."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "work_orders"
    ws.append(["wo_no"])
    ws["ZZ200000"] = "oops"
    wb.save(tmp_path / "spread.xlsx")
    with zipfile.ZipFile(tmp_path / "spread.xlsx") as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
    assert b'<dimension ref="A1:ZZ200000"/>' in sheet
    path = _rewrite(tmp_path / "spread.xlsx", tmp_path / "claim.xlsx", {"xl/worksheets/sheet1.xml": sheet.replace(
        b'<dimension ref="A1:ZZ200000"/>', b'<dimension ref="' + claim + b'"/>')})
    assert "has a value in ZZ200000, so it spans A1:ZZ200000 (140,400,000 cells" in _error(path).message()


def test_a_right_dimension_spares_the_fast_scan_its_widenings(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15: from the dimension openpyxl writes, the fast scan compiles its bounds once for a
    sheet of 600 rows and 12 columns (from nothing it widened them 35 times), and proves it."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, 601):
        ws.append([f"r{r}c{c}" for c in range(1, 13)])
    wb.save(tmp_path / "rows.xlsx")
    compiled: list[tuple[str, str]] = []
    real = safety._outside
    monkeypatch.setattr(safety, "_outside", lambda cols, rows: compiled.append((cols, rows)) or real(cols, rows))
    assert safety.check_workbook(tmp_path / "rows.xlsx") == tmp_path / "rows.xlsx"
    assert compiled == [("L", "600")]
    with zipfile.ZipFile(tmp_path / "rows.xlsx") as zf:
        part = zf.getinfo("xl/worksheets/sheet1.xml")
        assert safety._fast_extent(safety._pieces(zf, part, False)) == 12 * 699
        assert len(compiled) == 1 + 35  # the same bound from nothing, widened column by column and row by row


@pytest.mark.parametrize("cols, rows", [("Q", "128725"), ("AD", "9"), ("XFD", "1048576"), ("A", "1")])
def test_fast_scan_bounds_match_what_they_claim(cols: str, rows: str) -> None:
    """The fast scan's expression lets through exactly the regular cells within its bounds."""
    outside = safety._outside(cols, rows)
    limit_col, limit_row = safety.column_number(cols), safety._row_bound(rows)
    for c in (1, 2, 25, 26, 27, 30, 702, 703, 16384, 16385):
        for r in (1, 9, 10, 99999, 128725, 199999, 200000, 1048576, 1999999):
            tag = f'<c r="{safety.column_letters(c)}{r}" s="1">'.encode()
            assert (outside.search(tag) is None) == (c <= limit_col and r <= limit_row), tag


def test_the_scan_inflates_each_part_to_the_bytes_zipfile_reads(tmp_path: Path) -> None:
    """The safety scan's own inflate (ISA-L, straight from the file) gives every part of a
    workbook byte for byte what zipfile's reader (zlib, with its CRC check) gives, in pieces cut
    before a "<"; a deflate stream damaged in the middle is one of the reader's DAMAGE errors."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, 3001):
        ws.append([f"RO{r:08d}", r * 1.25, "京A12345" if r % 7 else None, f"line {r} " * (r % 5)])
    wb.save(tmp_path / "big.xlsx")
    with zipfile.ZipFile(tmp_path / "big.xlsx") as zf:
        for info in zf.infolist():
            whole = b"".join(safety._inflate(zf, info))
            assert whole == zf.read(info), info.filename
            pieces = list(safety._pieces(zf, info, False))
            assert b"".join(pieces) == whole
            assert all(p.startswith(b"<") for p in pieces[1:])
        part = zf.getinfo("xl/worksheets/sheet1.xml")
    assert part.compress_size > 20_000
    data = bytearray((tmp_path / "big.xlsx").read_bytes())
    name_len, extra_len = struct.unpack("<HH", data[part.header_offset + 26:part.header_offset + 30])
    middle = part.header_offset + 30 + name_len + extra_len + part.compress_size // 2
    data[middle:middle + 64] = b"\xff" * 64
    (tmp_path / "damaged.xlsx").write_bytes(bytes(data))
    with zipfile.ZipFile(tmp_path / "damaged.xlsx") as zf, pytest.raises(safety.DAMAGE):
        b"".join(safety._inflate(zf, zf.getinfo("xl/worksheets/sheet1.xml")))

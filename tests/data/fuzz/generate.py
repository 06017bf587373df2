"""Writes the generated damaged workbooks of this folder (one per damage kind the fuzzing found).

    python tests/data/fuzz/generate.py

Each starts from the same small workbook built with openpyxl (a work_orders sheet of two
records) and damages one thing; the expected one-line message of each is in
tests/test_reader_fuzz_cases.py. The files are committed so that a change of openpyxl cannot
change them; run this again only to add a case.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl

HERE = Path(__file__).parent
SHEET = "xl/worksheets/sheet1.xml"
MAIN = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def base() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "work_orders"
    ws.append(["wo_no", "open_date", "notes"])
    ws.append(["W1", "2026-01-05", "brakes"])
    ws.append(["W2", "2026-01-06", "oil"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rewrite(data: bytes, parts: Callable[[str, bytes], bytes | None], add: dict[str, bytes] | None = None,
            rename: Callable[[str], str] = lambda n: n) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = parts(info.filename, zin.read(info.filename))
            if body is not None:
                zout.writestr(rename(info.filename), body)
        for name, body in (add or {}).items():
            zout.writestr(name, body)
    return out.getvalue()


def edit(part: str, fn: Callable[[bytes], bytes]) -> Callable[[str, bytes], bytes | None]:
    return lambda name, body: fn(body) if name == part else body


def stray(cell: bytes) -> Callable[[str, bytes], bytes | None]:
    """Add one cell (raw XML) in a last row of the worksheet."""
    return edit(SHEET, lambda b: b.replace(b"</sheetData>", cell + b"</sheetData>"))


def central_field(data: bytes, part: str, offset: int, value: bytes) -> bytes:
    """Overwrite bytes of ``part``'s central directory entry (offset from its signature)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = [i.filename for i in zf.infolist()]
    buf = bytearray(data)
    pos = buf.find(b"PK\x01\x02")
    while pos >= 0:
        name_len, = struct.unpack_from("<H", buf, pos + 28)
        if buf[pos + 46:pos + 46 + name_len].decode() == part:
            buf[pos + offset:pos + offset + len(value)] = value
            return bytes(buf)
        pos = buf.find(b"PK\x01\x02", pos + 4)
    raise KeyError(f"{part} not in {names}")


def flip_deflate(data: bytes, part: str) -> bytes:
    """Damage the compressed bytes of ``part`` (its headers stay right)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(part)
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + name_len + extra_len
    buf = bytearray(data)
    for i in range(start + 2, start + info.compress_size - 2, 3):
        buf[i] ^= 0xFF
    return bytes(buf)


MACRO_SHEET = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><xm:macrosheet ' + MAIN
               + b' xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData><row r="1">'
               b'<c r="A1" t="str"><f>HALT()</f><v>TRUE</v></c></row></sheetData></xm:macrosheet>')


def with_macro_sheet(data: bytes) -> bytes:
    def parts(name: str, body: bytes) -> bytes:
        if name == "xl/workbook.xml":
            return body.replace(b"</sheets>", b'<sheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
                                b'name="Macro1" sheetId="9" r:id="rId99"/></sheets>')
        if name == "xl/_rels/workbook.xml.rels":
            return body.replace(b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.microsoft.com/'
                                b'office/2006/relationships/xlMacrosheet" Target="macrosheets/sheet1.xml"/>'
                                b"</Relationships>")
        if name == "[Content_Types].xml":
            return body.replace(b"</Types>", b'<Override PartName="/xl/macrosheets/sheet1.xml" '
                                b'ContentType="application/vnd.ms-excel.macrosheet+xml"/></Types>')
        return body
    return rewrite(data, parts, {"xl/macrosheets/sheet1.xml": MACRO_SHEET})


def with_shared_strings(data: bytes, unique_count: bytes) -> bytes:
    sst = (b'<?xml version="1.0"?><sst ' + MAIN + b' count="1" uniqueCount="' + unique_count
           + b'"><si><t>brakes</t></si></sst>')

    def parts(name: str, body: bytes) -> bytes:
        if name == SHEET:
            return body.replace(b'<c r="C2" t="inlineStr"><is><t>brakes</t></is></c>', b'<c r="C2" t="s"><v>0</v></c>')
        if name == "xl/_rels/workbook.xml.rels":
            return body.replace(b"</Relationships>", b'<Relationship Type="http://schemas.openxmlformats.org/'
                                b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml" '
                                b'Id="rId9" /></Relationships>')
        if name == "[Content_Types].xml":
            return body.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" /></Types>')
        return body
    return rewrite(data, parts, {"xl/sharedStrings.xml": sst})


def cases(data: bytes) -> dict[str, bytes]:
    keep = lambda name, body: body  # noqa: E731
    return {
        # zip damage
        "truncated.xlsx": data[: len(data) // 2],
        "zip_unknown_method.xlsx": central_field(data, SHEET, 10, struct.pack("<H", 99)),
        "zip_encrypted_sheet.xlsx": central_field(data, SHEET, 8, struct.pack("<H", 1)),
        "zip_deflate_damaged.xlsx": flip_deflate(data, SHEET),
        "zip_bad_local_header.xlsx": data.replace(b"PK\x03\x04", b"PK\x03\x05", 2),
        "zip_name_not_utf8.xlsx": central_field(data, SHEET, 8, struct.pack("<H", 0x800)).replace(
            b"xl/worksheets/sheet1.xml", b"xl/worksheets/sheet\xff.xml"),
        # XML damage
        "xml_workbook_not_well_formed.xlsx": rewrite(data, edit("xl/workbook.xml", lambda b: b[: len(b) // 2])),
        "xml_sheet_not_well_formed.xlsx": rewrite(data, edit(SHEET, lambda b: b.replace(b"</sheetData>", b"</sheetDat>"))),
        "xml_rels_not_well_formed.xlsx": rewrite(data, edit("xl/_rels/workbook.xml.rels", lambda b: b"<Relationships"
                                                            + b"\x00" + b[14:])),
        "part_missing_sheet.xlsx": rewrite(data, lambda n, b: None if n == SHEET else b),
        "part_missing_content_types.xlsx": rewrite(data, lambda n, b: None if n == "[Content_Types].xml" else b),
        # extents and string tables
        "stray_cell_prefixed.xlsx": rewrite(data, stray(b'<row r="1048576"><x:c xmlns:x="http://schemas.openxmlformats.'
                                                        b'org/spreadsheetml/2006/main" r="XFD1048576"><x:v>1</x:v></x:c></row>')),
        "stray_cell_attribute_order.xlsx": rewrite(data, stray(b"<row r=\"1048576\"><c t=\"n\" r='XFD1048576'><v>1</v></c></row>")),
        "stray_cell_lowercase.xlsx": rewrite(data, stray(b'<row r="1048576"><c r="xfd1048576"><v>1</v></c></row>')),
        "stray_cell_no_reference.xlsx": rewrite(data, stray(b'<row r="1048576">' + b"<c><v>1</v></c>" * 30 + b"</row>")),
        "stray_cell_beyond_excel.xlsx": rewrite(data, stray(b'<row r="99999999"><c r="ZZZZ99999999"><v>1</v></c></row>')),
        "stray_cell_in_wrong_row.xlsx": rewrite(data, edit(SHEET, lambda b: b.replace(
            b'<c r="C3" t="inlineStr">', b'<c r="XFD1048576" t="n"><v>1</v></c><c r="C3" t="inlineStr">'))),
        "shared_strings_unique_count.xlsx": with_shared_strings(data, b"999999999"),
        # what a file is
        "backslash_names.xlsx": rewrite(data, keep, rename=lambda n: n.replace("/", "\\")),
        "workbook_elsewhere.xlsx": rewrite(data, keep, rename=lambda n: n.replace("xl/workbook.xml", "book/workbook.xml")),
        "word_document.xlsx": rewrite(data, lambda n, b: b if n == "[Content_Types].xml" else None,
                                      {"word/document.xml": b"<w:document/>"}),
        # read: a workbook with an Excel 4.0 macro sheet
        "macro_sheet.xlsm": with_macro_sheet(data),
        # read: empty far cells (formatting only) do not count
        "far_empty_cell.xlsx": rewrite(data, stray(b'<row r="1048576"><c r="XFD1048576" s="0"/></row>')),
    }


def main() -> None:
    for name, body in cases(base()).items():
        (HERE / name).write_bytes(body)
        print(name, len(body))


if __name__ == "__main__":
    main()

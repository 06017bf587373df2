"""Checks a file before any reading engine touches it.

A workbook comes from a colleague's e-mail, a DMS export or a USB stick. Whatever it is, the user
gets one clear line naming the file (never a traceback), and nothing in it can make us use
unbounded memory: a zip bomb is refused from its central directory; an XML bomb (entity
expansion, "billion laughs") is refused by scanning the prolog of every XML part for a DTD,
which Office never writes; a worksheet whose used range is huge (one stray value in a far
corner) is refused from the dimension written before its cells. python-calamine parses in Rust
without our defences (it aborts the process when a range does not fit in memory), so these
checks run before it; the XML that we parse ourselves goes through defusedxml as well.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import ParseError

import olefile
from defusedxml.ElementTree import fromstring

from addin.errors import WorkbookReadError
from addin.i18n import Text

#: Refuse packages that would inflate beyond this (a year of a large store is ~150 MB of XML).
MAX_UNCOMPRESSED = 1 << 30
#: Refuse packages with more parts than this (a workbook has tens; thousands is an attack).
MAX_MEMBERS = 10_000
#: A part inflating more than this many times its stored size, once it is large, is a bomb.
#: Real sheet XML compresses 10-40x; deflate itself cannot exceed ~1032x.
MAX_RATIO = 200
RATIO_MIN_SIZE = 10 << 20
#: The prolog of an XML part (declaration, comments) before its root element is tiny; a long one
#: is only there to hide a DTD beyond a naive scan.
MAX_PROLOG = 64 << 10
#: A worksheet whose used range spans more cells than this is refused: python-calamine allocates
#: the whole rectangle, so one stray value in XFD1048576 would be 17 billion cells and the process
#: would abort. The largest sheet of a large store's year is ~3 million.
MAX_SHEET_CELLS = 25_000_000

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK"

MISSING = Text("{file}: no such file.", "{file}：文件不存在。")
LOCKED = Text(
    "{file}: cannot open the file (it is locked by another program or you lack permission); "
    "close it in Excel and try again.",
    "{file}：无法打开文件（被其他程序占用或没有权限）；请在 Excel 中关闭后重试。",
)
NOT_WORKBOOK = Text("{file}: not an Excel workbook (.xlsx or .xlsm).",
                    "{file}：不是 Excel 工作簿（.xlsx 或 .xlsm）。")
OLD_FORMAT = Text(
    "{file}: an old-format Excel file (.xls or .xlsb); open it in Excel and save it as .xlsx/.xlsm.",
    "{file}：旧格式的 Excel 文件（.xls 或 .xlsb）；请在 Excel 中打开并另存为 .xlsx/.xlsm。",
)
ENCRYPTED = Text(
    "{file}: the workbook is encrypted; open it in Excel, remove the password and save it again.",
    "{file}：工作簿已加密；请在 Excel 中打开，取消密码后重新保存。",
)
CORRUPT = Text("{file}: the workbook is damaged or incomplete ({detail}); use an intact copy.",
               "{file}：工作簿已损坏或不完整（{detail}）；请使用完好的副本。")
TOO_BIG = Text(
    "{file}: refused, the workbook would inflate beyond safe limits ({detail}).",
    "{file}：已拒绝，工作簿解压后超出安全限制（{detail}）。",
)
XML_DTD = Text(
    "{file}: refused, part {part} declares a DTD or entities, which Excel never writes (possible XML bomb).",
    "{file}：已拒绝，部件 {part} 含有 DTD 或实体声明，Excel 从不写入此类内容（可能是 XML 炸弹）。",
)


TOO_SPREAD = Text(
    "{file}: refused, sheet {sheet} spans {ref} ({cells:,} cells, more than {limit:,}); delete the stray "
    "cells far to the right of or below the data and save it again.",
    "{file}：已拒绝，工作表 {sheet} 的使用区域为 {ref}（{cells:,} 个单元格，超过 {limit:,}）；"
    "请删除数据右侧或下方远处的多余单元格后重新保存。",
)

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([^\"]+)\"")
_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def check_workbook(path: str | Path) -> Path:
    """Make sure ``path`` is a readable, sane .xlsx/.xlsm package; return it as a Path.

    Raises :class:`WorkbookReadError` with a one-line message naming the file when it is missing,
    locked, not a workbook, an old .xls/.xlsb, encrypted, damaged, a zip bomb, an XML bomb or has
    a worksheet whose used range is too large to hold (a stray value far from the data).
    """
    p = Path(path)
    name = p.name or str(p)
    if not p.exists():
        raise WorkbookReadError(MISSING, file=name)
    if not p.is_file():
        raise WorkbookReadError(NOT_WORKBOOK, file=name)
    try:
        with p.open("rb") as fh:
            head = fh.read(8)
            if head.startswith(OLE_MAGIC):
                raise WorkbookReadError(_ole_verdict(fh), file=name)
            if not head.startswith(ZIP_MAGIC):
                raise WorkbookReadError(NOT_WORKBOOK, file=name)
            fh.seek(0)
            _check_package(fh, name)
    except PermissionError:
        raise WorkbookReadError(LOCKED, file=name) from None
    except OSError as exc:  # I/O error on a network share, a file vanished mid-read
        raise WorkbookReadError(CORRUPT, file=name, detail=exc.strerror or type(exc).__name__) from None
    return p


def _ole_verdict(fh: BinaryIO) -> Text:
    """An OLE2 compound file is either an encrypted OOXML package, a BIFF .xls or something else."""
    fh.seek(0)
    try:
        with olefile.OleFileIO(fh) as ole:
            streams = {"/".join(entry).casefold() for entry in ole.listdir(streams=True, storages=False)}
    except Exception:  # a damaged compound file fails olefile in many ways; none is a workbook we read
        return NOT_WORKBOOK
    if {"encryptioninfo", "encryptedpackage"} <= streams:
        return ENCRYPTED
    if "workbook" in streams or "book" in streams:
        return OLD_FORMAT
    return NOT_WORKBOOK


def _check_package(fh: BinaryIO, name: str) -> None:
    try:
        zf = zipfile.ZipFile(fh)
    except zipfile.BadZipFile as exc:
        raise WorkbookReadError(CORRUPT, file=name, detail=str(exc)) from None
    with zf:
        members = zf.infolist()
        if len(members) > MAX_MEMBERS:
            raise WorkbookReadError(TOO_BIG, file=name, detail=f"{len(members):,} parts > {MAX_MEMBERS:,}")
        total = sum(m.file_size for m in members)
        if total > MAX_UNCOMPRESSED:
            raise WorkbookReadError(TOO_BIG, file=name, detail=f"{total / (1 << 20):,.0f} MiB > "
                                                               f"{MAX_UNCOMPRESSED / (1 << 20):,.0f} MiB")
        for m in members:
            if m.file_size > RATIO_MIN_SIZE and m.file_size > MAX_RATIO * max(m.compress_size, 1):
                raise WorkbookReadError(TOO_BIG, file=name,
                                        detail=f"{m.filename} {m.file_size // max(m.compress_size, 1):,}:1")
        names = {m.filename for m in members}
        if "xl/workbook.bin" in names:
            raise WorkbookReadError(OLD_FORMAT, file=name)
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise WorkbookReadError(NOT_WORKBOOK, file=name)
        for m in members:
            if m.filename.endswith((".xml", ".rels", ".vml")):
                worksheet = m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml")
                head = _check_prolog(zf, m, name, until=b"<sheetData" if worksheet else None)
                if worksheet:
                    _check_dimension(zf, m, head, name)


def _check_prolog(zf: zipfile.ZipFile, member: zipfile.ZipInfo, name: str, until: bytes | None = None) -> bytes:
    """Refuse a part whose prolog holds <!DOCTYPE (the only place a DTD, hence an entity, can be).
    Returns the bytes read: the prolog, or everything before ``until`` when that comes soon after.

    Only the beginning of a part is inflated, so this costs microseconds whatever its size."""
    buf = b""
    verdict = None
    try:
        with zf.open(member) as part:
            while True:
                chunk = part.read(4096)
                buf += chunk
                if verdict is None:
                    verdict = _prolog_verdict(buf, at_end=not chunk)
                if verdict or not chunk or len(buf) > MAX_PROLOG:
                    break
                if verdict is False and (until is None or until in buf):
                    break
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError) as exc:
        raise WorkbookReadError(CORRUPT, file=name, detail=f"{member.filename}: {exc}") from None
    if verdict is not False:  # a DTD, or a prolog too long to be anything but a disguise
        raise WorkbookReadError(XML_DTD, file=name, part=member.filename)
    return buf


def _check_dimension(zf: zipfile.ZipFile, member: zipfile.ZipInfo, head: bytes, name: str) -> None:
    """Refuse a worksheet whose declared used range (the dimension Excel writes before the cells)
    is too large to hold in memory."""
    found = _DIMENSION.search(head)
    if found is None:
        return
    ref = found[1].decode("ascii", errors="replace")
    corners = []
    for cell in ref.upper().split(":"):
        match = _CELL.match(cell)
        if match is None:
            return  # not a range we understand: the engine will judge the cells themselves
        corners.append((int(match[2]), column_number(match[1])))
    (r1, c1), (r2, c2) = corners[0], corners[-1]
    cells = (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1)
    if cells > MAX_SHEET_CELLS:
        try:
            sheet = worksheet_names(zf).get(member.filename, member.filename)
        except (ParseError, ValueError, KeyError):  # a damaged workbook part: name the sheet's part
            sheet = member.filename
        raise WorkbookReadError(TOO_SPREAD, file=name, sheet=sheet, ref=ref, cells=cells, limit=MAX_SHEET_CELLS)


def column_number(letters: str) -> int:
    """Column letters -> number (A -> 1, XFD -> 16384)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def worksheet_names(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part (xl/worksheets/sheet1.xml) -> worksheet name, from the workbook part and its
    relationships (parsed with defusedxml)."""
    names = set(zf.namelist())
    rels = part_relationships(zf, "xl/workbook.xml", names)
    out = {}
    for sheet in fromstring(zf.read("xl/workbook.xml")).iter(f"{_MAIN}sheet"):
        part = rels.get(sheet.get(_R_ID, ""))
        if part is not None:
            out[part] = sheet.get("name", "")
    return out


def part_relationships(zf: zipfile.ZipFile, part: str, names: set[str]) -> dict[str, str]:
    """Relationship id -> target part path, for the internal relationships of ``part``."""
    folder, base = posixpath.split(part)
    rels_part = posixpath.join(folder, "_rels", base + ".rels")
    if rels_part not in names:
        return {}
    out = {}
    for rel in fromstring(zf.read(rels_part)).iter(f"{_REL}Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        full = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id", "")] = full
    return out


def _prolog_verdict(data: bytes, at_end: bool) -> bool | None:
    """True: DTD found (refuse); False: root element reached without one; None: need more bytes."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="ignore")
    else:
        text = data.lstrip(b"\xef\xbb\xbf").decode("utf-8", errors="ignore")
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in " \t\r\n\ufeff":
            i += 1
        if i >= n:
            return False if at_end else None
        rest = text[i:i + 4]
        if rest.startswith("<?"):
            close = "?>"
        elif rest == "<!--":
            close = "-->"
        elif rest.startswith("<!"):
            if not at_end and "<!--".startswith(rest):
                return None  # a comment opener cut by the chunk boundary
            return True  # <!DOCTYPE or <!ENTITY
        elif rest == "<" and not at_end:
            return None
        else:
            return False
        end = text.find(close, i + 2)
        if end < 0:
            return False if at_end else None
        i = end + len(close)

"""Checks a file before any reading engine touches it.

A workbook comes from a colleague's e-mail, a DMS export or a USB stick. Whatever it is, the user
gets one clear line naming the file (never a traceback), and nothing in it can make us use
unbounded memory: a zip bomb is refused from its central directory; an XML bomb (entity
expansion, "billion laughs") is refused by scanning the prolog of every XML part for a DTD,
which Office never writes; a worksheet whose used range is huge (one stray value in a far
corner) is refused from a streaming scan of its cell references (the <dimension> Excel writes
is not trusted: a stale or missing one is what a damaged file has); a shared-strings table that
declares more strings than its part can hold is refused. python-calamine parses in Rust without
our defences (it aborts the process when a range or a reservation does not fit in memory), so
these checks run before it; the XML that we parse ourselves goes through defusedxml as well.
Any exception zip or XML parsing raises on a damaged file becomes a one-line refusal.
"""

from __future__ import annotations

import codecs
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import ParseError

import olefile
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from isal import isal_zlib

from addin.errors import NotAWorkbookError, WorkbookReadError
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
#: A worksheet whose used range (from A1 to its farthest value) spans more cells than this is
#: refused: python-calamine allocates the whole rectangle, so one stray value in XFD1048576 would
#: be 17 billion cells and the process would abort. The largest sheet of a large store's year is
#: ~3 million.
MAX_SHEET_CELLS = 25_000_000
#: The shortest string item of a shared-strings part (``<si/>``): a part of N bytes holds at most
#: N / 5 strings, so a larger uniqueCount is a lie (python-calamine reserves 24 bytes per string).
MIN_STRING_ITEM = 5

#: What zip and XML parsing raise on a damaged file (besides the errors named in the messages).
DAMAGE: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, isal_zlib.error, EOFError, OSError, ParseError,
    DefusedXmlException, UnicodeError, KeyError, ValueError, NotImplementedError, RuntimeError,
    OverflowError, struct.error, IndexError, MemoryError,
)

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
OTHER_DOCUMENT = Text(
    "{file}: {kind}, not an Excel workbook; open it in its program and save the data as an Excel workbook (.xlsx/.xlsm).",
    "{file}：{kind}，不是 Excel 工作簿；请在相应程序中打开，并把数据另存为 Excel 工作簿（.xlsx/.xlsm）。",
)
#: What a zip holding no xl/workbook.xml is, by a part only that kind of file has.
OTHER_KINDS: tuple[tuple[str, Text], ...] = (
    ("word/document.xml", Text("a Word document", "Word 文档")),
    ("ppt/presentation.xml", Text("a PowerPoint presentation", "PowerPoint 演示文稿")),
    ("content.xml", Text("an OpenDocument file (.odt/.odp)", "OpenDocument 文件（.odt/.odp）")),
)
ZIP_ONLY = Text("a zip archive", "zip 压缩包")
ODS = Text("an OpenDocument spreadsheet (.ods, from LibreOffice or WPS)", "OpenDocument 电子表格（.ods，来自 LibreOffice 或 WPS）")
BACKSLASH_NAMES = Text(
    "{file}: a zip archive whose part names use backslashes ({part}), as some Windows zip tools write "
    "them, not an Excel workbook (Excel names its parts with forward slashes): use the original "
    "workbook, or open it in Excel and save it again.",
    "{file}：这个 zip 压缩包的部件名使用反斜杠（{part}），是某些 Windows 压缩工具的写法，不是 Excel 工作簿"
    "（Excel 的部件名使用正斜杠）：请使用原工作簿，或在 Excel 中打开后重新保存。",
)
WORKBOOK_ELSEWHERE = Text(
    "{file}: a spreadsheet package whose workbook part is {part}, not xl/workbook.xml where Excel "
    "saves it (the file was written by another program); open it in Excel and save it again.",
    "{file}：这个电子表格包的工作簿部件是 {part}，而不是 Excel 保存的位置 xl/workbook.xml（文件由其他程序写入）；"
    "请在 Excel 中打开并重新保存。",
)
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
ZIP_ENCRYPTED_ENTRY = Text(
    "{file}: the workbook is damaged: its part {part} is marked as a password-protected zip entry, "
    "which Excel never writes; use an intact copy.",
    "{file}：工作簿已损坏：其部件 {part} 被标记为带密码的 zip 条目，Excel 从不这样写入；请使用完好的副本。",
)
ZIP_UNSUPPORTED = Text(
    "{file}: the workbook is damaged: its part {part} is stored in a way no Excel writes ({detail}); "
    "use an intact copy.",
    "{file}：工作簿已损坏：其部件 {part} 的存储方式不是 Excel 会写入的（{detail}）；请使用完好的副本。",
)
ZIP_DIRECTORY_UNSUPPORTED = Text(
    "{file}: the workbook is damaged: its zip directory describes a part in a way no Excel writes "
    "({detail}); use an intact copy.",
    "{file}：工作簿已损坏：其 zip 目录对某个部件的描述不是 Excel 会写入的（{detail}）；请使用完好的副本。",
)
NO_CONTENT_TYPES = Text(
    "{file}: the workbook is damaged or incomplete (it lacks the part [Content_Types].xml every Excel "
    "file has); use an intact copy.",
    "{file}：工作簿已损坏或不完整（缺少每个 Excel 文件都有的部件 [Content_Types].xml）；请使用完好的副本。",
)
TOO_BIG = Text(
    "{file}: refused, the workbook would inflate beyond safe limits ({detail}).",
    "{file}：已拒绝，工作簿解压后超出安全限制（{detail}）。",
)
XML_DTD = Text(
    "{file}: refused, part {part} declares a DTD or entities, which Excel never writes (possible XML bomb).",
    "{file}：已拒绝，部件 {part} 含有 DTD 或实体声明，Excel 从不写入此类内容（可能是 XML 炸弹）。",
)


TOO_SPREAD = Text(
    "{file}: refused, sheet {sheet} has a value in {far}, so it spans {ref} ({cells:,} cells, more than "
    "{limit:,}); delete the stray cells far to the right of or below the data and save it again.",
    "{file}：已拒绝，工作表 {sheet} 在 {far} 有值，使用区域因此为 {ref}（{cells:,} 个单元格，超过 {limit:,}）；"
    "请删除数据右侧或下方远处的多余单元格后重新保存。",
)
STRINGS_OVERSTATED = Text(
    "{file}: the workbook is damaged: its shared strings part {part} declares {count:,} strings but its "
    "{size:,} bytes can hold at most {most:,}; use an intact copy.",
    "{file}：工作簿已损坏：共享字符串部件 {part} 声明有 {count:,} 个字符串，但其 {size:,} 字节最多只能容纳 {most:,} 个；"
    "请使用完好的副本。",
)

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")
#: Root elements of the parts whose cells python-calamine reads.
_SHEET_ROOTS = ("worksheet", "dialogsheet")
_MACRO_SHEET_TYPES = ("/xlMacrosheet", "/xlIntlMacrosheet")


@dataclass(frozen=True)
class PackageInfo:
    """A workbook that passed :func:`inspect_workbook`, and what the reader must know about it."""

    path: Path
    #: Names of its Excel 4.0 macro sheets (xl/macrosheets/). They hold macros, not records, and
    #: python-calamine refuses to open a workbook that has any; openpyxl reads its worksheets.
    macro_sheets: tuple[str, ...] = ()
    #: The ``uri`` of every extension element (``<ext uri="...">``, x14 validations and
    #: formats, sparklines, slicers) of each worksheet part, in document order, found in the same
    #: pass as its extent: what :func:`addin.io.writer.check_safe` asks of a worksheet that the
    #: reader has just checked, without inflating it a second time. Only collected when asked
    #: (``inspect_workbook(path, extensions=True)``); a part not listed is scanned by the writer.
    extensions: dict[str, tuple[bytes, ...]] = field(default_factory=dict)


def check_workbook(path: str | Path) -> Path:
    """Make sure ``path`` is a readable, sane .xlsx/.xlsm package; return it as a Path.

    Raises :class:`WorkbookReadError` with a one-line message naming the file when it is missing,
    locked, not a workbook (saying what it is), an old .xls/.xlsb, encrypted, damaged (any zip or
    XML damage), a zip bomb, an XML bomb, has a worksheet whose used range is too large to hold (a
    stray value far from the data) or a shared-strings table that declares more strings than it
    can hold.
    """
    return inspect_workbook(path).path


def inspect_workbook(path: str | Path, *, extensions: bool = False) -> PackageInfo:
    """:func:`check_workbook`, also returning what the reader needs to know about the package;
    with ``extensions``, also each worksheet's extension uris (:attr:`PackageInfo.extensions`:
    a search of every piece of every worksheet, for a caller about to write the file)."""
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
            macro_sheets, found = _check_package(fh, name, extensions)
    except PermissionError:
        raise WorkbookReadError(LOCKED, file=name) from None
    except OSError as exc:  # I/O error on a network share, a file vanished mid-read
        raise WorkbookReadError(CORRUPT, file=name, detail=exc.strerror or type(exc).__name__) from None
    return PackageInfo(p, macro_sheets, found)


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


def damage_error(file: str, part: str | None, exc: BaseException) -> WorkbookReadError:
    """The one-line refusal for an exception that zip or XML parsing raised on a damaged file."""
    text = _first_line(exc)
    where = f"{part}: " if part else ""
    if isinstance(exc, NotImplementedError):  # "zip file version 21.3", "That compression method..."
        if part is None:  # raised while reading the central directory, before any part is named
            return WorkbookReadError(ZIP_DIRECTORY_UNSUPPORTED, file=file, detail=text)
        return WorkbookReadError(ZIP_UNSUPPORTED, file=file, part=part, detail=text)
    if isinstance(exc, RuntimeError) and "password required" in text:
        return WorkbookReadError(ZIP_ENCRYPTED_ENTRY, file=file, part=part or "?")
    return WorkbookReadError(CORRUPT, file=file, detail=where + text)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    if not lines:
        return type(exc).__name__
    if " " not in lines[0]:  # a bare word ("sheetData" from python-calamine's XmlError) needs its kind
        return f"{type(exc).__name__}: {lines[0][:120]}"
    return lines[0][:160]


def _check_package(
    fh: BinaryIO, name: str, extensions: bool = False
) -> tuple[tuple[str, ...], dict[str, tuple[bytes, ...]]]:
    """Check the package; return the names of its Excel 4.0 macro sheets and, with
    ``extensions``, the extension uris of each worksheet part (:attr:`PackageInfo.extensions`)."""
    try:
        zf = zipfile.ZipFile(fh)
    except DAMAGE as exc:  # not a zip, a central directory that is cut or lies, a name that is not UTF-8
        raise damage_error(name, None, exc) from None
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
        part = None
        try:
            if "xl/workbook.xml" not in names:
                raise _not_a_workbook(zf, names, name)
            if "[Content_Types].xml" not in names:
                raise WorkbookReadError(NO_CONTENT_TYPES, file=name)
            heads: dict[str, bytes] = {}
            for m in members:
                part = m.filename
                if m.filename.endswith((".xml", ".rels", ".vml")):
                    heads[m.filename] = _check_prolog(zf, m, name)
            part = "xl/_rels/workbook.xml.rels"
            part_relationships(zf, "xl/workbook.xml", names)
            part = "xl/workbook.xml"
            sheets = worksheet_names(zf)
            missing = next((p for p in sheets if p not in names), None)
            if missing is not None:
                raise WorkbookReadError(CORRUPT, file=name, detail=f"sheet {sheets[missing]}: no part {missing}")
            macro_sheets = _macro_sheets(zf, names, sheets)
            found: dict[str, tuple[bytes, ...]] = {}
            for m in members:
                part = m.filename
                root = _root_name(heads[part]) if part in heads else None
                if root in _SHEET_ROOTS:
                    uris: list[bytes] | None = [] if extensions else None
                    _check_extent(zf, m, heads[part], name, sheets.get(part, part), uris)
                    if uris is not None:
                        found[part] = tuple(uris)
                elif root == "sst":
                    _check_string_count(zf, m, heads[part], name)
        except WorkbookReadError:
            raise
        except DAMAGE as exc:
            raise damage_error(name, part, exc) from None
        return macro_sheets, found


def _not_a_workbook(zf: zipfile.ZipFile, names: set[str], name: str) -> WorkbookReadError:
    """A zip without xl/workbook.xml: say what it is instead."""
    backslashed = sorted(n for n in names if "\\" in n)
    if backslashed:
        part = next((n for n in backslashed if n.replace("\\", "/") == "xl/workbook.xml"), backslashed[0])
        return WorkbookReadError(BACKSLASH_NAMES, file=name, part=part)
    for part in sorted(names):
        if part.endswith(".xml") and _root_name(_head(zf, part)) == "workbook":
            return WorkbookReadError(WORKBOOK_ELSEWHERE, file=name, part=part)
    if any(n.startswith("xl/") for n in names):
        return WorkbookReadError(CORRUPT, file=name, detail="no part xl/workbook.xml")
    kind = ZIP_ONLY
    if "mimetype" in names and b"opendocument.spreadsheet" in zf.read("mimetype")[:200]:
        kind = ODS
    else:
        kind = next((k for part, k in OTHER_KINDS if part in names), ZIP_ONLY)
    return NotAWorkbookError(OTHER_DOCUMENT, file=name, kind=kind)


def _head(zf: zipfile.ZipFile, part: str, size: int = 4096) -> bytes:
    with zf.open(part) as fh:
        return fh.read(size)


def _macro_sheets(zf: zipfile.ZipFile, names: set[str], sheets: dict[str, str]) -> tuple[str, ...]:
    rels = part_relationship_types(zf, "xl/workbook.xml", names)
    return tuple(sheets[part] for part, typ in rels.items() if typ.endswith(_MACRO_SHEET_TYPES) and part in sheets)


def _check_prolog(zf: zipfile.ZipFile, member: zipfile.ZipInfo, name: str) -> bytes:
    """Refuse a part whose prolog holds <!DOCTYPE (the only place a DTD, hence an entity, can be).
    Returns the bytes read: the prolog and the beginning of the root element.

    Only the beginning of a part is inflated, so this costs microseconds whatever its size."""
    buf = b""
    verdict = None
    with zf.open(member) as part:
        while True:
            chunk = part.read(4096)
            buf += chunk
            if verdict is None:
                verdict = _prolog_verdict(buf, at_end=not chunk)
            if verdict is not None or not chunk or len(buf) > MAX_PROLOG:
                break
    if verdict is not False:  # a DTD, or a prolog too long to be anything but a disguise
        raise WorkbookReadError(XML_DTD, file=name, part=member.filename)
    return buf


def _check_string_count(zf: zipfile.ZipFile, member: zipfile.ZipInfo, head: bytes, name: str) -> None:
    """Refuse a shared-strings table whose uniqueCount is more than its part can hold:
    python-calamine reserves room for that many strings before reading one (24 GB for 999999999)."""
    with zf.open(member) as part:
        head = part.read(MAX_PROLOG)
    tag = _SST_TAG.search(_head_text(head))
    if tag is None:
        raise WorkbookReadError(CORRUPT, file=name, detail=f"{member.filename}: no complete <sst> element")
    count = _UNIQUE_COUNT.search(tag[0])
    if count is None:
        return
    declared = int(count[1][:20])
    most = member.file_size // MIN_STRING_ITEM
    if declared > most:
        raise WorkbookReadError(STRINGS_OVERSTATED, file=name, part=member.filename, count=declared,
                                size=member.file_size, most=most)


# --------------------------------------------------------------------------------------------
# The extent of a worksheet, from its cell references (<dimension> only says where to start)

_SST_TAG = re.compile(r"<(?:[\w.-]+:)?sst\b[^>]*>")
_UNIQUE_COUNT = re.compile(r"""\suniqueCount\s*=\s*["']\s*(\d+)""")
#: The pieces a part is scanned in, and the longest stretch without a "<" that is not damage
#: (a cell's text is at most 32,767 characters).
_CHUNK = 1 << 18
MAX_TAG = 1 << 20
#: A cell element that some program other than Excel wrote (a prefix: <x:c ...>).
_PREFIXED_CELL = re.compile(rb":c(?![\w.:-])")
#: A cell as Excel, openpyxl, LibreOffice and our writer write it: r first, double quotes.
_REGULAR_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^<>]*?(/?)>')
#: How many leading digits of the largest row the fast scan tells apart (its bound is at most twice
#: the row; one digit keeps the bound changes, each a compiled expression, to 9 per digit count).
_ROW_PREFIX = 1
#: Beyond this many bound changes or cells outside the bounds that change nothing (empty cells
#: far away, leading zeros), the fast scan gives way to the exact one.
_MAX_RECOMPILES = 300
_MAX_SKIPS = 10_000
#: Every start tag of a row or a cell, whatever its prefix and attributes (the exact scan).
_TAG = re.compile(rb"<(/?)(?:[\w.-]+:)?(row|c)(?=[\s/>])([^>]*)>")
_R_ATTR = re.compile(rb"""(?:^|\s)r\s*=\s*["']\s*([A-Za-z]*)(\d*)""")


class _Irregular(Exception):
    """The fast scan met a cell it does not read exactly: the exact scan takes over."""


def _check_extent(
    zf: zipfile.ZipFile, member: zipfile.ZipInfo, head: bytes, name: str, sheet: str, uris: list[bytes] | None = None
) -> None:
    """Refuse a worksheet whose used range, from A1 to its farthest value, would be more than
    MAX_SHEET_CELLS: python-calamine allocates that rectangle, and aborts the process if it cannot.
    With ``uris``, the part's extension uris (:data:`EXT_URI`) are added to it, found in the same
    pass.

    A fast scan (one regular-expression search per piece of the part, that stops only at cells
    beyond the bounds seen so far) proves most sheets within the limit; a sheet it cannot prove
    (near the limit, or written by another program) gets the exact scan of every cell."""
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))

    def scan() -> Iterator[bytes]:
        pieces = _pieces(zf, member, utf16)
        return pieces if uris is None else _with_uris(pieces, uris)

    try:
        if _fast_extent(scan(), _seed(head)) <= MAX_SHEET_CELLS:
            return
    except _Irregular:
        pass
    if uris is not None:
        uris.clear()  # the exact scan reads the part again from its start
    rows, cols, far = _exact_extent(scan())
    if rows * cols > MAX_SHEET_CELLS:
        raise WorkbookReadError(TOO_SPREAD, file=name, sheet=sheet, far=far,
                                ref=f"A1:{column_letters(cols)}{rows}", cells=rows * cols, limit=MAX_SHEET_CELLS)


#: An extension element and its uri, whatever its prefix (what openpyxl drops on a save).
EXT_URI = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?ext\b[^>]*?\buri=\"([^\"]+)\"")


def _with_uris(pieces: Iterator[bytes], uris: list[bytes]) -> Iterator[bytes]:
    """The pieces, passed on as they come, with the :data:`EXT_URI` uris of each added to ``uris``
    (a piece starts at a "<", so no element straddles two; most hold no "ext" at all)."""
    for piece in pieces:
        if b"ext" in piece:
            uris.extend(EXT_URI.findall(piece))
        yield piece


def _pieces(zf: zipfile.ZipFile, member: zipfile.ZipInfo, utf16: bool) -> Iterator[bytes]:
    """The part as UTF-8 bytes, in pieces cut just before a "<" so that no tag straddles two."""
    decoder = codecs.getincrementaldecoder("utf-16")() if utf16 else None
    pending = b""
    for data in _inflate(zf, member):
        if decoder is not None:
            data = decoder.decode(data).encode("utf-8")
        data = pending + data
        cut = data.rfind(b"<")
        if cut < 0:
            cut = len(data)
        elif cut == 0:
            if len(data) > MAX_TAG:
                raise ValueError(f"{member.filename}: an element longer than {MAX_TAG >> 20} MiB")
            pending = data
            continue
        yield data[:cut]
        pending = data[cut:]
    if decoder is not None:
        pending += decoder.decode(b"", final=True).encode("utf-8")
    if pending:
        yield pending


_LOCAL_HEADER = struct.Struct("<4s22xHH")


def _inflate(zf: zipfile.ZipFile, member: zipfile.ZipInfo) -> Iterator[bytes]:
    """A part's bytes, piece by piece. A deflated part is inflated straight from the file by
    ISA-L (isal), a third of the time of zipfile's reader with zlib (and no CRC: the engine
    checks it when it reads the part)."""
    if member.compress_type != zipfile.ZIP_DEFLATED or member.flag_bits & 1 or zf.fp is None:
        with zf.open(member) as part:  # stored, another method, or the flag zipfile refuses with
            while chunk := part.read(_CHUNK):
                yield chunk
        return
    fp = zf.fp
    fp.seek(member.header_offset)
    magic, name_len, extra_len = _LOCAL_HEADER.unpack(fp.read(_LOCAL_HEADER.size))
    if magic != b"PK\x03\x04":
        raise zipfile.BadZipFile("bad local file header")
    fp.seek(member.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
    inflater = isal_zlib.decompressobj(-15)
    left = member.compress_size
    while left > 0:
        raw = fp.read(min(_CHUNK >> 2, left))
        if not raw:
            raise EOFError("the part ends before its compressed data")
        left -= len(raw)
        out = inflater.decompress(raw)
        while True:
            if out:
                yield out
            if not inflater.unconsumed_tail:
                break
            out = inflater.decompress(inflater.unconsumed_tail)
    rest = inflater.flush()
    if rest:
        yield rest


def _not_above(bound: str, alphabet: str, any_char: str) -> str:
    """A regular expression for the strings over ``alphabet`` as long as ``bound`` that sort at or
    below it (for column letters and row digits of one length, that is numeric order)."""
    parts = []
    for i, ch in enumerate(bound):
        k = alphabet.index(ch)
        last = i == len(bound) - 1
        top = k if last else k - 1  # the last character may equal the bound's
        if top >= 0:
            rest = len(bound) - i - 1
            parts.append(bound[:i] + f"[{alphabet[0]}-{alphabet[top]}]" + (f"{any_char}{{{rest}}}" if rest else ""))
    return "|".join(parts)


def _outside(cols: str, rows: str) -> re.Pattern[bytes]:
    """A cell start tag that is not a regular one within columns ``cols`` and rows up to ``rows``
    (its first _ROW_PREFIX digits, the rest any)."""
    col = _not_above(cols, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "[A-Z]")
    if len(cols) > 1:
        col = f"[A-Z]{{1,{len(cols) - 1}}}|{col}"
    if len(rows) > _ROW_PREFIX:
        row = f"(?:{_not_above(rows[:_ROW_PREFIX], '0123456789', '[0-9]')})[0-9]{{{len(rows) - _ROW_PREFIX}}}"
    else:
        row = _not_above(rows, "0123456789", "[0-9]")
    if len(rows) > 1:
        row = f"[0-9]{{1,{len(rows) - 1}}}|{row}"
    return re.compile(f'<c(?! r="(?:{col})(?:{row})"|[\\w.:-])'.encode())


def _row_bound(rows: str) -> int:
    if len(rows) > _ROW_PREFIX:
        return (int(rows[:_ROW_PREFIX]) + 1) * 10 ** (len(rows) - _ROW_PREFIX) - 1
    return int(rows)


#: The far corner of a worksheet's <dimension> (its only one, or the second of two).
_DIMENSION_CORNER = re.compile(rb'<dimension\s+ref="(?:[A-Z]{1,3}[0-9]{1,7}:)?([A-Z]{1,3})([0-9]{1,7})"')


def _seed(head: bytes) -> tuple[str, str]:
    """Where the fast scan's bounds start: the far corner of the part's <dimension>, when there
    is one within MAX_SHEET_CELLS, else nothing. Not trusted: a cell beyond it widens the bounds as
    from nothing, and one claiming more than the cells hold only loosens the bound the scan
    proves. Excel, openpyxl and our writer write it right, so the bounds are rarely widened
    (each widening is a regular expression compiled: from nothing, a sheet took 30)."""
    corner = _DIMENSION_CORNER.search(head)
    if corner is None:
        return "", ""
    cols, rows = corner.group(1).decode("ascii"), corner.group(2).decode("ascii").lstrip("0")
    if not rows or _row_bound(rows) * column_number(cols) > MAX_SHEET_CELLS:
        return "", ""
    return cols, rows


def _fast_extent(pieces: Iterator[bytes], seed: tuple[str, str] = ("", "")) -> int:
    """An upper bound of rows x columns from A1 of the cells with a value, for a part whose cells
    are all written the regular way (else :class:`_Irregular`); the bounds start at ``seed``
    (column letters and row digits, :func:`_seed`)."""
    cols, rows = seed
    outside = _outside(cols, rows) if cols else re.compile(rb"<c(?![\w.:-])")
    recompiles = skips = 0
    for piece in pieces:
        if _PREFIXED_CELL.search(piece):
            raise _Irregular
        pos = 0
        while (hit := outside.search(piece, pos)) is not None:
            cell = _REGULAR_CELL.match(piece, hit.start())
            if cell is None:
                raise _Irregular
            pos = cell.end()
            letters, digits, empty = (g.decode("ascii") for g in cell.groups())
            digits = digits.lstrip("0") or "0"
            wider = (len(letters), letters) > (len(cols), cols)
            lower = not rows or (len(digits), digits) > (len(rows), rows) and int(digits[:18]) > _row_bound(rows)
            if empty or not (wider or lower):
                skips += 1  # a cell without a value (no engine keeps it), or a row written 007
                if skips > _MAX_SKIPS:
                    raise _Irregular
                continue
            if len(letters) > 3 or len(digits) > 7:
                raise _Irregular  # beyond Excel's grid: let the exact scan name it
            cols = letters if wider else cols
            rows = digits if lower else rows
            recompiles += 1
            if recompiles > _MAX_RECOMPILES:
                raise _Irregular
            outside = _outside(cols, rows)
    return _row_bound(rows) * column_number(cols) if cols else 0


def _exact_extent(pieces: Iterator[bytes]) -> tuple[int, int, str]:
    """Rows and columns from A1 to the farthest cells with a value, and those cells: every row
    and cell tag is read, with or without its r attribute, prefix, quotes or letter case."""
    row = col = max_row = max_col = 0
    row_cell = col_cell = ""
    for piece in pieces:
        for close, tag, attrs in _TAG.findall(piece):
            if close:
                continue
            r = _R_ATTR.search(attrs)
            if tag == b"row":
                row = _number(r[2]) if r is not None and r[2] else row + 1
                col = 0
                continue
            cell_row = row
            if r is not None and (r[1] or r[2]):
                col = _letters_number(r[1]) if r[1] else col + 1
                cell_row = _number(r[2]) if r[2] else row
            else:
                col += 1
            if attrs.rstrip().endswith(b"/"):
                continue  # a cell without a value: no engine keeps it
            if col > max_col:
                max_col, col_cell = col, f"{column_letters(col)}{cell_row}"
            if cell_row > max_row:
                max_row, row_cell = cell_row, f"{column_letters(col)}{cell_row}"
    far = col_cell if col_cell == row_cell else f"{col_cell} / {row_cell}"
    return max_row, max_col, far


def _number(digits: bytes) -> int:
    return int(digits[:16])


def _letters_number(letters: bytes) -> int:
    return column_number(letters[:8].decode("ascii").upper())


def column_letters(n: int) -> str:
    """Column number -> letters (1 -> A, 16384 -> XFD)."""
    letters = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_MISC = re.compile(r"(?:[\s\ufeff]+|<\?.*?\?>|<!--.*?-->)*", re.S)
_ROOT = re.compile(r"<(?:[\w.-]+:)?([\w.-]+)")


def _head_text(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="ignore")
    return data.lstrip(b"\xef\xbb\xbf").decode("utf-8", errors="ignore")


def _root_name(head: bytes) -> str | None:
    """The local name of a part's root element, from its first bytes (None if not found there)."""
    text = _head_text(head)
    misc = _MISC.match(text)
    root = _ROOT.match(text, misc.end() if misc else 0)
    return root[1] if root else None


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
    return {rid: target for rid, target, _ in _relationships(zf, part, names)}


def part_relationship_types(zf: zipfile.ZipFile, part: str, names: set[str]) -> dict[str, str]:
    """Target part path -> relationship type, for the internal relationships of ``part``."""
    return {target: typ for _, target, typ in _relationships(zf, part, names)}


def _relationships(zf: zipfile.ZipFile, part: str, names: set[str]) -> list[tuple[str, str, str]]:
    folder, base = posixpath.split(part)
    rels_part = posixpath.join(folder, "_rels", base + ".rels")
    if rels_part not in names:
        return []
    out = []
    for rel in fromstring(zf.read(rels_part)).iter(f"{_REL}Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        full = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out.append((rel.get("Id", ""), full, rel.get("Type", "")))
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

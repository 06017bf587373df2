"""No silent loss by construction: before an openpyxl save replaces a workbook, the saved package
is compared with the original part kind by part kind, and any kind the save would drop (an
embedded OLE object, printer settings ... that no list of known losses names) refuses the write."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from test_close import write_workbook
from test_periods import sample_records

from addin.errors import UnsafeWriteError
from addin.io.edit import Mark, WorkbookEdit, apply_edit
from addin.io.writer import lost_parts

OLE = "application/vnd.openxmlformats-officedocument.oleObject"
PRINTER = "application/vnd.openxmlformats-officedocument.spreadsheetml.printerSettings"


def _graft(path: Path, parts: dict[str, tuple[str, bytes]]) -> Path:
    """``path`` with extra parts (name -> (content type, bytes)), each related from sheet1."""
    out = path.with_name("grafted.xlsx")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "[Content_Types].xml":
                extra = "".join(f'<Override PartName="/{n}" ContentType="{t}"/>' for n, (t, _) in parts.items())
                data = data.replace(b"</Types>", extra.encode() + b"</Types>")
            elif info.filename == "xl/worksheets/_rels/sheet1.xml.rels":
                extra = "".join(f'<Relationship Id="rIdX{i}" Type="http://schemas.openxmlformats.org/officeDocument/'
                                f'2006/relationships/oleObject" Target="../{n[3:]}"/>'
                                for i, n in enumerate(parts))
                data = data.replace(b"</Relationships>", extra.encode() + b"</Relationships>")
            zout.writestr(info, data)
        names = set(zin.namelist())
        if "xl/worksheets/_rels/sheet1.xml.rels" not in names:
            rels = "".join(f'<Relationship Id="rIdX{i}" Type="http://schemas.openxmlformats.org/officeDocument/'
                           f'2006/relationships/oleObject" Target="../{n[3:]}"/>' for i, n in enumerate(parts))
            zout.writestr("xl/worksheets/_rels/sheet1.xml.rels",
                          '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
                          f'.org/package/2006/relationships">{rels}</Relationships>')
        for name, (_, data) in parts.items():
            zout.writestr(name, data)
    return out


@pytest.fixture()
def grafted(tmp_path: Path) -> Path:
    book = write_workbook(tmp_path / "Service.xlsx", sample_records())
    return _graft(book, {"xl/embeddings/oleObject1.bin": (OLE, b"\xd0\xcf\x11\xe0 an embedded document"),
                         "xl/printerSettings/printerSettings1.bin": (PRINTER, b"DEVMODE")})


def test_an_openpyxl_save_that_would_drop_parts_is_refused(grafted: Path) -> None:
    before = grafted.read_bytes()
    edit = WorkbookEdit(marks=[Mark("work_orders", 2, "vin", "error", "VIN: check digit")])
    with pytest.raises(UnsafeWriteError) as err:
        apply_edit(grafted, edit, locale="en-US")
    message = err.value.message()
    assert message.startswith("Not written: saving grafted.xlsx would lose ")
    assert f"{OLE} (xl/embeddings/oleObject1.bin)" in message
    assert f"{PRINTER} (xl/printerSettings/printerSettings1.bin)" in message
    assert grafted.read_bytes() == before
    assert not [p for p in grafted.parent.iterdir() if re.search(r"\.tmp$", p.name)]


def test_the_validate_command_refuses_too(grafted: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from addin.cli import main

    before = grafted.read_bytes()
    assert main(["validate", str(grafted), "--write"]) == 2
    assert "would lose" in capsys.readouterr().err
    assert grafted.read_bytes() == before


def test_a_save_that_keeps_every_kind_of_part_passes(tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "Service.xlsx", sample_records())
    outcome = apply_edit(book, WorkbookEdit(marks=[]), locale="en-US")
    assert outcome.engine == "openpyxl"
    assert lost_parts(book.with_name("Service.xlsx.bak"), book) == []

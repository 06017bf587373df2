"""Fuzzing the reader: mutated copies of a small workbook (flipped bytes, truncation, zip members
rewritten, XML mutated where the damage found so far was) through `info`, `validate` and `kpi`.
Whatever the damage, each exits 0, 1 or 2 and never prints a traceback or an internal error."""

from __future__ import annotations

import importlib.util
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from addin.io import safety
from tests.test_reader_fuzz_cases import COMMANDS, FUZZ, REPO, run_cli

_spec = importlib.util.spec_from_file_location("fuzz_generate", FUZZ / "generate.py")
assert _spec is not None and _spec.loader is not None
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)

#: The small workbook every mutation starts from (with a shared-strings part, so that is fuzzed too).
BASE = generate.with_shared_strings(generate.base(), b"1")
with zipfile.ZipFile(io.BytesIO(BASE)) as _zf:
    MEMBERS = {i.filename: _zf.read(i) for i in _zf.infolist()}
XML_PARTS = sorted(n for n in MEMBERS if n.endswith((".xml", ".rels")))

#: What the fuzzing of the demo store found to break things, and XML's own special characters.
TOKENS = [b"<", b">", b'"', b"'", b"/", b"&", b"&amp;", b"<!DOCTYPE x>", b'r="XFD1048576"', b'r="A1048576"',
          b'<c r="XFD1048576"><v>1</v></c>', b'<row r="1048576">', b"</row>", b"<c>", b"<v>1</v>", b"</c>",
          b'uniqueCount="999999999"', b'<dimension ref="A1:B2"/>', b"<x:c ", b"\xff\xfe", b"\x00", b"9999999999",
          b"xfd", b"<sheetData>", b"</sheetData>", b"<si><t>x</t></si>"]


def rezip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return out.getvalue()


@st.composite
def xml_mutation(draw: st.DrawFn) -> bytes:
    """The package with one XML part edited: a slice replaced by tokens, deleted or repeated."""
    part = draw(st.sampled_from(XML_PARTS))
    body = MEMBERS[part]
    start = draw(st.integers(0, len(body)))
    end = draw(st.integers(start, min(len(body), start + 64)))
    kind = draw(st.sampled_from(["replace", "delete", "repeat"]))
    if kind == "replace":
        body = body[:start] + b"".join(draw(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=4))) + body[end:]
    elif kind == "delete":
        body = body[:start] + body[end:]
    else:
        body = body[:end] + body[start:end] * draw(st.integers(2, 50)) + body[end:]
    return rezip({**MEMBERS, part: body})


@st.composite
def member_rewrite(draw: st.DrawFn) -> bytes:
    """The package with a member dropped, renamed, emptied or replaced by random bytes."""
    members = dict(MEMBERS)
    name = draw(st.sampled_from(sorted(members)))
    kind = draw(st.sampled_from(["drop", "rename", "empty", "random"]))
    body = members.pop(name)
    if kind == "rename":
        members[draw(st.sampled_from([name.upper(), name.replace("/", "\\"), "x/" + name, name + ".bak"]))] = body
    elif kind == "empty":
        members[name] = b""
    elif kind == "random":
        members[name] = draw(st.binary(max_size=200))
    return rezip(members)


@st.composite
def byte_flips(draw: st.DrawFn) -> bytes:
    data = bytearray(BASE)
    for _ in range(draw(st.integers(1, 8))):
        data[draw(st.integers(0, len(data) - 1))] ^= draw(st.integers(1, 255))
    return bytes(data)


truncation = st.integers(0, len(BASE) - 1).map(lambda n: BASE[:n])
MUTATED = st.one_of(byte_flips(), truncation, member_rewrite(), xml_mutation())


@pytest.fixture(autouse=True)
def _small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    # A mutated digit can move a cell to A9999999: legal under the real limit but seconds of work
    # each; the same refusal against a smaller limit keeps the fuzzing fast.
    monkeypatch.setattr(safety, "MAX_SHEET_CELLS", 200_000)
    monkeypatch.delenv("SERVICE_ADDIN_LOCALE", raising=False)


@settings(max_examples=120, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=MUTATED)
def test_mutated_workbooks_exit_0_1_or_2_without_a_traceback(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzzed.xlsx"
    path.write_bytes(data)
    for command in COMMANDS:
        code, _, err = run_cli([*command, str(path)])
        assert code in (0, 1, 2), err
        assert "Traceback" not in err and "Internal error" not in err, err
        if code == 2:
            assert err.count("\n") == 1 and err.startswith("fuzzed.xlsx"), err


@pytest.mark.parametrize("cell", [b'<c r="XFD1048576"><v>1</v></c>', b"<c r='xfd1048576' t=\"n\"><v>1</v></c>",
                                  b'<x:c r="XFD1048576"><x:v>1</x:v></x:c>'])
def test_the_abort_kind_as_a_process(tmp_path: Path, cell: bytes) -> None:
    """A stray cell in a sheet whose dimension says otherwise, run as a user runs it: python-calamine
    aborting the process would show as a negative exit code and a Rust backtrace."""
    sheet = MEMBERS[generate.SHEET].replace(b"</sheetData>", b'<row r="1048576">' + cell + b"</row></sheetData>")
    path = tmp_path / "stray.xlsx"
    path.write_bytes(rezip({**MEMBERS, generate.SHEET: sheet}))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("SERVICE_ADDIN_LOCALE", None)
    result = subprocess.run([sys.executable, "-m", "addin", "info", str(path)], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 2
    assert result.stderr.startswith("stray.xlsx: refused, sheet work_orders has a value in XFD1048576")
    assert result.stderr.count("\n") == 1

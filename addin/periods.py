"""Accounting periods: month arithmetic, what a closed period freezes, and how a change is found.

A period is a calendar month, ``YYYY-MM``. When it is closed (addin.close) the add-in records a
fingerprint of the records *dated in* it, so that any later change to one of them is found and
reported (rule PER-CLOSED, wrapped by addin.rules) until the period is reopened.

What a period freezes (the records dated in P, and of each the columns that are final by then):

* work_orders settled in P (close_date in P), every column except the customer-care ones entered
  after settlement (followup_date, followup_by, csi_score, complaint: the 3-day call can fall in
  the next month); other work orders opened in P: the columns that make an entry (wo_no,
  open_date, vin, mileage, advisor_id, repair_type, appointment, first_service) — their status
  and lines still move on after the month is closed;
* wo_lines of the work orders settled in P;
* parts_ledger movements with txn_date in P; stocktake counts with count_date in P;
* claims submitted in P (what was claimed) and claims decided in P (also the decision); a claim's
  status and payments move on after its month;
* claim_payments with paid_date in P;
* backorders requested in P (the request; ordered, arrived and notified dates come later).

Fingerprints hash canonical keys and normalized values (ISO dates, ``repr`` of floats, enum keys),
never labels or worksheet rows, so they are the same whichever engine read the workbook and in
whichever language it is shown.

Per-record fingerprints are kept compactly (a large store has ~15,000 records a month): the
records of each sheet are spread over buckets by a hash of their key, and the fingerprint holds a
16-bit hash of each bucket. The bucket count per sheet is chosen so that the whole fits in a
budget of characters; for a small or medium store that is several buckets per record, so a
changed bucket names exactly the record that changed, and on a large store a bucket holds one
record or less on average. ``periods.data_hash`` keeps the full SHA-256 of the period, so a
change is never missed even when its bucket hash happens to collide.

Where the fingerprint is kept (issue 13): on the very hidden ``fingerprints`` sheet, one row per
part of at most :data:`FINGERPRINT_CELL` characters (Excel's cell limit is 32,767), each row
carrying the period and its data_hash (:func:`fingerprint_rows`); the periods row's notes say in
words what was closed. Workbooks closed before kept the fingerprint in the periods row's notes
(at most :data:`NOTES_BUDGET` characters): it is still read from there when the sheet holds none
for the period (:func:`stored_fingerprint`).
"""

from __future__ import annotations

import base64
import calendar
import datetime as dt
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from addin.errors import ServiceError
from addin.i18n import Text
from addin.models import SHEETS
from addin.store import Store

PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

#: Characters of the notes cell the bucket fingerprints may use (Excel's cell limit is 32,767).
NOTES_BUDGET = 30_000
#: Notes format marker, so that a later format can be told apart.
NOTES_PREFIX = "fp1:"
#: Characters of the fingerprint of one period on the fingerprints sheet, and of one of its cells.
FINGERPRINT_BUDGET = 120_000
FINGERPRINT_CELL = 32_000

NOTES_TEXT = Text("{records} records closed; their fingerprint is on the hidden sheet {sheet}.",
                  "已结账 {records} 条记录；其指纹存于隐藏的“{sheet}”表。")

BAD_PERIOD = Text("Period {value!r} is not a month written YYYY-MM (e.g. 2026-10).",
                  "期间 {value!r} 不是 年-月 格式（例如 2026-10）。")


class PeriodError(ServiceError):
    """A period that is not written YYYY-MM."""


# -- month arithmetic ----------------------------------------------------------------------------

def check_period(period: str | None) -> str:
    """``period`` if it is a valid YYYY-MM, else a :class:`PeriodError`."""
    if not isinstance(period, str) or not PERIOD_RE.match(period.strip()):
        raise PeriodError(BAD_PERIOD, value=period)
    return period.strip()


def bounds(period: str | Period) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of ``period`` (both inclusive): a month YYYY-MM, or a :class:`Period`
    of any form."""
    if isinstance(period, Period):
        return period.start, period.end
    y, m = map(int, check_period(period).split("-"))
    return pd.Timestamp(y, m, 1), pd.Timestamp(y, m, calendar.monthrange(y, m)[1])


def shift(period: str, months: int) -> str:
    """``period`` moved by ``months`` calendar months (negative: back)."""
    y, m = map(int, check_period(period).split("-"))
    index = y * 12 + (m - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def next_period(period: str) -> str:
    return shift(period, 1)


# -- the period value: parsed once ---------------------------------------------------------------

PeriodKind = Literal["day", "month", "quarter", "year", "range"]

_DAY_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
_QUARTER_RE = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR_RE = re.compile(r"^(\d{4})$")

BAD_ANY_PERIOD = Text(
    "Period {value!r} is not a month written YYYY-MM (e.g. 2026-10), a day YYYY-MM-DD, a quarter "
    "YYYY-Qn, a year YYYY or a range A..B of days or months (e.g. 2026-08..2026-10).",
    "期间 {value!r} 不是 年-月 格式（例如 2026-10）、日期（年-月-日）、季度（2026-Q3）、年份（2026）"
    "或由日期或月份组成的区间 A..B（例如 2026-08..2026-10）。")


def _month_end(y: int, m: int) -> pd.Timestamp:
    return pd.Timestamp(y, m, calendar.monthrange(y, m)[1])


def _bound(text: str, value: object) -> tuple[pd.Timestamp, pd.Timestamp, bool]:
    """First day, last day and whether ``text`` (one end of a range) is a day: a day or a month."""
    m = PERIOD_RE.match(text)
    if m:
        y, mo = int(m.group(1)), int(m.group(2))
        return pd.Timestamp(y, mo, 1), _month_end(y, mo), False
    d = _DAY_RE.match(text)
    if d:
        try:
            day = pd.Timestamp(dt.date(int(d.group(1)), int(d.group(2)), int(d.group(3))))
        except ValueError:
            raise PeriodError(BAD_ANY_PERIOD, value=value) from None
        return day, day, True
    raise PeriodError(BAD_ANY_PERIOD, value=value)


@dataclass(frozen=True)
class Period:
    """A period of KPIS.md "Sets and helpers", parsed once from its text: a month YYYY-MM, a day
    YYYY-MM-DD, a quarter YYYY-Qn, a year YYYY or a range A..B (A and B each a day or a month;
    from the first day of A to the last day of B). ``start`` and ``end`` are both inclusive days;
    ``label`` is the canonical text (what the JSON's "period" and the dashboard show)."""

    start: pd.Timestamp
    end: pd.Timestamp
    kind: PeriodKind
    label: str

    @classmethod
    def parse(cls, value: Period | str | None) -> Period:
        """``value`` as a Period (a Period is returned as it is); :class:`PeriodError` otherwise."""
        if isinstance(value, Period):
            return value
        if not isinstance(value, str):
            raise PeriodError(BAD_ANY_PERIOD, value=value)
        text = value.strip()
        m = PERIOD_RE.match(text)
        if m:
            y, mo = int(m.group(1)), int(m.group(2))
            return cls(pd.Timestamp(y, mo, 1), _month_end(y, mo), "month", text)
        q = _QUARTER_RE.match(text)
        if q:
            y, n = int(q.group(1)), int(q.group(2))
            return cls(pd.Timestamp(y, 3 * n - 2, 1), _month_end(y, 3 * n), "quarter", f"{y:04d}-Q{n}")
        if _YEAR_RE.match(text):
            y = int(text)
            return cls(pd.Timestamp(y, 1, 1), pd.Timestamp(y, 12, 31), "year", text)
        if _DAY_RE.match(text):
            day = _bound(text, value)[0]
            return cls(day, day, "day", text)
        if text.count("..") == 1:
            a, b = (part.strip() for part in text.split(".."))
            start, _, _ = _bound(a, value)
            _, end, _ = _bound(b, value)
            if end < start:
                raise PeriodError(BAD_ANY_PERIOD, value=value)
            return cls(start, end, "range", f"{a}..{b}")
        raise PeriodError(BAD_ANY_PERIOD, value=value)

    @classmethod
    def month(cls, value: Period | str | None) -> Period:
        """A month YYYY-MM only (the close and everything monthly): :class:`PeriodError` with the
        month message otherwise."""
        if isinstance(value, Period):
            if value.kind != "month":
                raise PeriodError(BAD_PERIOD, value=value.label)
            return value
        return cls.parse(check_period(value))

    def __str__(self) -> str:
        return self.label

    @property
    def whole_months(self) -> int | None:
        """How many whole calendar months the period is made of (None when a bound is a day
        inside a month)."""
        if self.start.day != 1 or self.end != self.end + pd.offsets.MonthEnd(0):
            return None
        return int((self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1)

    @property
    def days(self) -> int:
        """Days in the period, both ends included."""
        return int((self.end - self.start).days) + 1

    def shift(self, months: int) -> Period:
        """KPIS.md's "month P − k" (``months`` = −k): a period of whole months becomes the same
        number of whole months that many months away (2026-09 shifted by −6 is all of March);
        a period with a day bound moves each bound by calendar arithmetic (a day missing in the
        target month becomes its last day)."""
        n = self.whole_months
        if n is not None:
            first = self.start + pd.DateOffset(months=months)
            last = (first + pd.DateOffset(months=n - 1)) + pd.offsets.MonthEnd(0)
            return _of_months(first, last, self.kind)
        start = self.start + pd.DateOffset(months=months)
        end = self.end + pd.DateOffset(months=months)
        if self.kind == "day":
            return Period(start, start, "day", f"{start:%Y-%m-%d}")
        return Period(start, end, "range", f"{start:%Y-%m-%d}..{end:%Y-%m-%d}")

def year_to_date(period: Period | str, fiscal_year_start: int = 1) -> Period:
    """KPIS.md "Year to date (本年累计) of P": from the first day of the fiscal year (starting in
    month ``fiscal_year_start``) that holds P's last day, to P's last day (2026-10 with the year
    starting in January: 2026-01..2026-10; starting in April: 2026-04..2026-10)."""
    end = Period.parse(period).end
    year = end.year if end.month >= fiscal_year_start else end.year - 1
    first = pd.Timestamp(year, fiscal_year_start, 1)
    last = f"{end:%Y-%m}" if end == end + pd.offsets.MonthEnd(0) else f"{end:%Y-%m-%d}"
    return Period.parse(f"{first:%Y-%m}..{last}")


def _of_months(first: pd.Timestamp, last: pd.Timestamp, kind: PeriodKind) -> Period:
    """The whole months from ``first``'s month to ``last``'s, named as ``kind`` when they fit it."""
    n = (last.year - first.year) * 12 + last.month - first.month + 1
    if n == 1 and kind == "month":
        return Period(first, last, "month", f"{first:%Y-%m}")
    if kind == "quarter" and n == 3 and first.month % 3 == 1:
        return Period(first, last, "quarter", f"{first.year:04d}-Q{first.month // 3 + 1}")
    if kind == "year" and n == 12 and first.month == 1:
        return Period(first, last, "year", f"{first.year:04d}")
    if n == 1:
        return Period(first, last, "month", f"{first:%Y-%m}")
    return Period(first, last, "range", f"{first:%Y-%m}..{last:%Y-%m}")


# -- what a period freezes -------------------------------------------------------------------------

_WO_CARE = ("followup_date", "followup_by", "csi_score", "complaint")
_WO_ENTRY = ("wo_no", "open_date", "vin", "mileage", "advisor_id", "repair_type", "appointment", "first_service")
_CLAIM_SUBMITTED = ("claim_no", "claim_type", "wo_no", "vin", "payer", "submitted_date", "claimed_amount")
_CLAIM_DECIDED = _CLAIM_SUBMITTED + ("approved_amount", "decided_date", "rejection_reason")
_BACKORDER = ("bo_id", "request_date", "wo_no", "part_no", "qty")

#: The sheets a closed period freezes, in the order changes are reported.
FROZEN_SHEETS = ("work_orders", "wo_lines", "parts_ledger", "stocktake", "claims", "claim_payments", "backorders")


def _model_columns(sheet: str) -> tuple[str, ...]:
    return tuple(c.key for c in SHEETS[sheet].columns)


def _in(series: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    values = series.to_numpy(dtype="datetime64[ns]")
    return np.asarray((values >= start.to_datetime64()) & (values <= end.to_datetime64()), dtype=bool)


@dataclass(frozen=True)
class _Selection:
    """Records of one sheet dated in a period: table positions and the columns frozen for each."""

    sheet: str
    positions: np.ndarray
    columns: list[tuple[str, ...]]


def _selections(store: Store, period: str) -> list[_Selection]:
    start, end = bounds(period)
    out: list[_Selection] = []

    wo = store.table("work_orders")
    settled = (wo["status"].to_numpy() == "settled") & _in(wo["close_date"], start, end)
    entry = _in(wo["open_date"], start, end)
    full_wo = tuple(c for c in _model_columns("work_orders") if c not in _WO_CARE)
    pos = np.flatnonzero(settled | entry)
    out.append(_Selection("work_orders", pos, [full_wo if settled[i] else _WO_ENTRY for i in pos]))

    settled_nos = set(wo.loc[settled, "wo_no"].dropna())
    lines = store.table("wo_lines")
    pos = np.flatnonzero(lines["wo_no"].isin(settled_nos).to_numpy())
    out.append(_Selection("wo_lines", pos, [_model_columns("wo_lines")] * len(pos)))

    for sheet, column in (("parts_ledger", "txn_date"), ("stocktake", "count_date"),
                          ("claim_payments", "paid_date")):
        t = store.table(sheet)
        pos = np.flatnonzero(_in(t[column], start, end))
        out.append(_Selection(sheet, pos, [_model_columns(sheet)] * len(pos)))

    claims = store.table("claims")
    submitted = _in(claims["submitted_date"], start, end)
    decided = _in(claims["decided_date"], start, end)
    pos = np.flatnonzero(submitted | decided)
    out.append(_Selection("claims", pos, [_CLAIM_DECIDED if decided[i] else _CLAIM_SUBMITTED for i in pos]))

    bo = store.table("backorders")
    pos = np.flatnonzero(_in(bo["request_date"], start, end))
    out.append(_Selection("backorders", pos, [_BACKORDER] * len(pos)))
    return out


# -- canonical values and hashes ---------------------------------------------------------------

def canonical(value: Any) -> Any:
    """A cell value as the same JSON value whichever engine read it: None for blanks, ISO text
    for dates, integral floats as int, other floats by ``repr`` (full precision), bool as bool."""
    # Ordered by how common each type is in the tables (text, then numbers): this runs per cell.
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, float):
        if value != value:
            return None
        return int(value) if value.is_integer() and abs(value) < 2**53 else repr(float(value))
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, np.floating):
        return canonical(float(value))
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        ts = pd.Timestamp(value)
        return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


_DAY_NS = 86_400_000_000_000


def _canonical_column(series: pd.Series) -> list[Any]:
    """:func:`canonical` of every value of a column. A date column whose dates have no time of
    day (every date column but a few datetimes) becomes ISO text in one vectorised step."""
    if series.dtype.kind == "M" and getattr(series.dtype, "tz", None) is None:
        values = series.to_numpy(dtype="datetime64[ns]")
        nat = np.isnat(values)
        if not (values.view("int64")[~nat] % _DAY_NS).any():
            text = np.datetime_as_string(values, unit="D").tolist()
            return [None if missing else t for t, missing in zip(text, nat.tolist())]
    return [canonical(v) for v in series.tolist()]


def _digest(payload: Any) -> bytes:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    return hashlib.sha256(text.encode("utf-8")).digest()


@dataclass(frozen=True)
class RecordPrint:
    """One record dated in a period: its key, worksheet row and the hash of its frozen values."""

    sheet: str
    key: str
    row: int | None
    digest: bytes


@dataclass
class PeriodFingerprint:
    """The fingerprint of one period: ``data_hash`` (hex SHA-256 of every frozen record) and the
    records themselves, per sheet, keyed by canonical key (a duplicate key gets ``#2``, ``#3``)."""

    period: str
    data_hash: str
    records: dict[str, dict[str, RecordPrint]] = field(default_factory=dict)

    def count(self) -> int:
        return sum(len(r) for r in self.records.values())


def period_fingerprint(store: Store, period: str) -> PeriodFingerprint:
    """Hash the records dated in ``period`` (see the module docstring for what that means)."""
    period = check_period(period)
    overall = hashlib.sha256(period.encode())
    records: dict[str, dict[str, RecordPrint]] = {}
    for sel in _selections(store, period):
        table = store.table(sel.sheet)
        mine: dict[str, RecordPrint] = {}
        if len(sel.positions):
            sub = table.iloc[sel.positions]
            rows = sub["_row"].tolist()
            key_columns = SHEETS[sel.sheet].key_columns
            wanted = {c for cols in set(sel.columns) for c in cols}.union(key_columns)
            # canonical values column by column (a column the table lacks is blank, as a
            # record's missing key is): the same values as record by record, without boxing
            blank = [None] * len(rows)
            canon = {c: _canonical_column(sub[c]) if c in sub.columns else blank for c in wanted}
            keys = [canon[c] for c in key_columns]
            for i, (row, cols) in enumerate(zip(rows, sel.columns)):
                key = "|".join(str(values[i] or "") for values in keys)  # the record's canonical key
                unique, n = key, 1
                while unique in mine:
                    n += 1
                    unique = f"{key}#{n}"
                digest = _digest([sel.sheet, unique, {c: canon[c][i] for c in cols}])
                mine[unique] = RecordPrint(sel.sheet, unique, int(row), digest)
        records[sel.sheet] = mine
        overall.update(sel.sheet.encode())
        for key in sorted(mine):
            overall.update(mine[key].digest)
    return PeriodFingerprint(period, overall.hexdigest(), records)


# -- compact storage in the notes cell -----------------------------------------------------------

def _bucket_of(key: str, buckets: int) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big") % buckets


def _bucket_hashes(prints: dict[str, RecordPrint], buckets: int) -> list[int]:
    members: list[list[RecordPrint]] = [[] for _ in range(buckets)]
    for rp in prints.values():
        members[_bucket_of(rp.key, buckets)].append(rp)
    out = []
    for group in members:
        if not group:
            out.append(0)
            continue
        h = hashlib.blake2b(digest_size=2)
        for rp in sorted(group, key=lambda r: r.key):
            h.update(rp.key.encode("utf-8"))
            h.update(rp.digest)
        # 0 means "empty bucket"; a non-empty bucket never encodes as 0.
        out.append(int.from_bytes(h.digest(), "big") or 1)
    return out


def _bucket_counts(fp: PeriodFingerprint, budget: int, scale: float) -> dict[str, int]:
    """Buckets per sheet: up to 4 per record, scaled down to fit ``budget`` characters."""
    sizes = {s: len(r) for s, r in fp.records.items()}
    total = sum(sizes.values())
    # base64 of 2 bytes per bucket = 8/3 characters.
    capacity = budget * 3 / 8 * scale
    per_record = min(4.0, capacity / total) if total else 4.0
    return {s: max(1, int(n * per_record)) if n else 0 for s, n in sizes.items()}


def encode_notes(fp: PeriodFingerprint, budget: int = NOTES_BUDGET) -> str:
    """The compact text stored in periods.notes at close: record counts and bucket hashes, at
    most ``budget`` characters."""
    scale = 1.0
    while True:
        payload: dict[str, Any] = {"n": {}, "b": {}}
        for sheet, buckets in _bucket_counts(fp, budget, scale).items():
            payload["n"][sheet] = len(fp.records[sheet])
            if buckets:
                raw = b"".join(h.to_bytes(2, "big") for h in _bucket_hashes(fp.records[sheet], buckets))
                payload["b"][sheet] = base64.b64encode(raw).decode("ascii")
        text = NOTES_PREFIX + json.dumps(payload, separators=(",", ":"))
        if len(text) <= budget or scale < 0.05:
            return text
        scale *= 0.95


def decode_notes(notes: str | None) -> dict[str, list[int]] | None:
    """Bucket hashes per sheet from a periods.notes cell (None when it holds no fingerprint)."""
    if not notes or not notes.startswith(NOTES_PREFIX):
        return None
    try:
        payload = json.loads(notes[len(NOTES_PREFIX):])
        out: dict[str, list[int]] = {}
        for sheet, n in payload["n"].items():
            raw = base64.b64decode(payload["b"].get(sheet, ""))
            out[sheet] = [int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw), 2)] if n else []
        return out
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


# -- the fingerprints sheet (issue 13) -----------------------------------------------------------

def fingerprint_rows(fp: PeriodFingerprint, budget: int = FINGERPRINT_BUDGET,
                     cell: int = FINGERPRINT_CELL) -> list[dict[str, Any]]:
    """The rows of the fingerprints sheet for one closed period: its encoded fingerprint (at most
    ``budget`` characters) cut into parts of at most ``cell`` characters, numbered from 1."""
    text = encode_notes(fp, budget)
    return [{"period": fp.period, "part": i, "data_hash": fp.data_hash, "fingerprint": text[at:at + cell]}
            for i, at in enumerate(range(0, len(text), cell), start=1)]


def period_notes(fp: PeriodFingerprint, locale: str) -> str:
    """The periods row's notes at close: what was closed, in words (the fingerprint is elsewhere)."""
    from addin.models import SHEETS as _SHEETS

    return NOTES_TEXT(locale, records=f"{fp.count():,}", sheet=_SHEETS["fingerprints"].label(locale))


def with_fingerprint(store: Store, fp: PeriodFingerprint,
                     moved: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """The fingerprints sheet's records once ``fp`` is recorded: the rows of every other period
    as they are, those ``moved`` from old notes (:func:`moved_from_notes`), then those of
    ``fp.period`` (replacing any it had: a period closed again)."""
    from addin.tables import table_records

    kept = [r for r in table_records(store.table("fingerprints"))
            if not (isinstance(r.get("period"), str) and r["period"].strip() == fp.period)]
    return kept + [r for r in moved if r["period"] != fp.period] + fingerprint_rows(fp)


def moved_from_notes(store: Store, locale: str) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """The closed periods of a workbook closed before the fingerprints sheet existed, whose
    fingerprint is still in their notes: {period: the notes in words} and their rows for the
    fingerprints sheet (the notes' text as it is, cut into parts). A close moves them there."""
    notes_of: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    for rec in closed_periods(store):
        period, notes = rec["period"].strip(), rec["notes"]
        if not (isinstance(notes, str) and notes.startswith(NOTES_PREFIX)) or not rec["data_hash"]:
            continue
        if stored_fingerprint(store, period, rec["data_hash"], None) is not None:
            continue
        try:
            count = sum(int(n) for n in json.loads(notes[len(NOTES_PREFIX):])["n"].values())
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
        from addin.models import SHEETS as _SHEETS

        notes_of[period] = NOTES_TEXT(locale, records=f"{count:,}", sheet=_SHEETS["fingerprints"].label(locale))
        rows += [{"period": period, "part": i, "data_hash": rec["data_hash"].strip(),
                  "fingerprint": notes[at:at + FINGERPRINT_CELL]}
                 for i, at in enumerate(range(0, len(notes), FINGERPRINT_CELL), start=1)]
    return notes_of, rows


def stored_fingerprint(store: Store, period: str, data_hash: str | None, notes: str | None) -> str | None:
    """The encoded fingerprint recorded when ``period`` was closed: its parts on the fingerprints
    sheet (those carrying the period's data_hash, in part order), else the periods notes of a
    workbook closed before the sheet existed; None when neither holds one."""
    t = store.table("fingerprints")
    if len(t):
        periods = t["period"].astype("string").str.strip()
        mine = t[(periods == period).fillna(False).to_numpy()]
        if data_hash:
            mine = mine[(mine["data_hash"].astype("string").str.strip() == data_hash.strip()).fillna(False).to_numpy()]
        if len(mine):
            mine = mine.sort_values("part", kind="stable")
            return "".join(str(v) for v in mine["fingerprint"] if isinstance(v, str))
    if notes and notes.startswith(NOTES_PREFIX):
        return notes
    return None


# -- changes to closed periods ---------------------------------------------------------------------

ChangeKind = Literal["added", "changed", "deleted"]


@dataclass(frozen=True)
class Change:
    """A record dated in a closed period that differs from what was closed.

    ``row`` is the worksheet row of the record now (None when it was deleted); ``key`` its
    canonical key ('wo_no', 'wo_no|line_no', ...; None when a deleted record cannot be named).
    """

    period: str
    sheet: str
    row: int | None
    key: str | None
    kind: ChangeKind


def _changes_of(store: Store, period: str, data_hash: str | None, notes: str | None) -> list[Change]:
    fp = period_fingerprint(store, period)
    if data_hash and fp.data_hash == data_hash:
        return []
    stored = decode_notes(stored_fingerprint(store, period, data_hash, notes))
    changes: list[Change] = []
    if stored is not None:
        for sheet in FROZEN_SHEETS:
            prints = fp.records.get(sheet, {})
            then = stored.get(sheet, [])
            if not then:
                changes.extend(Change(period, sheet, rp.row, rp.key, "added") for rp in prints.values())
                continue
            now = _bucket_hashes(prints, len(then))
            members: dict[int, list[RecordPrint]] = {}
            for rp in prints.values():
                members.setdefault(_bucket_of(rp.key, len(then)), []).append(rp)
            for b, (old, new) in enumerate(zip(then, now)):
                if old == new:
                    continue
                group = sorted(members.get(b, []), key=lambda r: r.row or 0)
                if old == 0:
                    changes.extend(Change(period, sheet, rp.row, rp.key, "added") for rp in group)
                elif not group:
                    changes.append(Change(period, sheet, None, None, "deleted"))
                else:
                    changes.extend(Change(period, sheet, rp.row, rp.key, "changed") for rp in group)
    if not changes and data_hash and fp.data_hash != data_hash:
        # No per-record fingerprint (an older or edited notes cell) or a bucket collision: the
        # period changed but the record cannot be named.
        changes.append(Change(period, "periods", None, period, "changed"))
    return changes


def closed_periods(store: Store) -> list[dict[str, Any]]:
    """The rows of the periods sheet whose status is closed, as records, in sheet order."""
    t = store.table("periods")
    rows = t[t["status"].to_numpy() == "closed"]
    return [{"period": p, "data_hash": h, "notes": n, "row": int(r)}
            for p, h, n, r in zip(rows["period"], rows["data_hash"], rows["notes"], rows["_row"])
            if isinstance(p, str) and PERIOD_RE.match(p.strip())]


def is_closed(store: Store, period: str) -> bool:
    return any(r["period"].strip() == period for r in closed_periods(store))


def closed_period_changes(store: Store) -> list[Change]:
    """Every change to a record dated in a period whose status is closed in the periods sheet."""
    out: list[Change] = []
    for rec in closed_periods(store):
        out.extend(_changes_of(store, rec["period"].strip(), rec["data_hash"], rec["notes"]))
    return out

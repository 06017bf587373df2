"""One work order as its documents print it (DOMAIN.md "The day's documents"): the job, its lines
with their amounts as entered, to the cent, the vehicle, the people by name, the parts' bins, the
movements posted against it and the settlement's figures. Pure: it reads a Store and returns
values; it opens no file.

Money is :class:`~decimal.Decimal`. A line's amount as entered is qty × unit_price × (1 −
discount_pct) (KPIS.md gross(line)), computed exactly from the cells' values and rounded half up
to the cent once per line; subtotals and totals add the rounded lines, so a statement adds up
to the cent as printed. The VAT contained in a total is total − total ÷ (1 + tax_rate), rounded
likewise (KPIS.md ex_tax).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from addin.errors import ServiceError
from addin.i18n import Text, column_label, sheet_label
from addin.models import LineType, PayType
from addin.store import Store

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

#: The order of a job's lines on its documents: labor operations, parts, then the other lines.
LINE_ORDER = {t: i for i, t in enumerate(LineType.labels())}
PAY_ORDER = {t: i for i, t in enumerate(PayType.labels())}
#: Part lines for the pick list: what the parts counter issues against a job.
PART_TYPES = ("part", "accessory")
#: The parts_ledger movements that a pick list shows as posted against the job (issues, and
#: returns to stock, which undo them).
JOB_MOVEMENTS = ("issue", "return_to_stock")

T_UNKNOWN_WO = Text("{sheet}: there is no work order with {column} {value!r}.",
                    "{sheet}：没有{column}为 {value!r} 的工单。")
T_DUPLICATE_WO = Text("{sheet} rows {rows}: {column} {value!r} appears more than once; correct it before printing.",
                      "{sheet} 第 {rows} 行：{column} {value!r} 重复，请更正后再打印。")


class DocumentError(ServiceError):
    """A document cannot be printed for this job (unknown WO no., cancelled, no lines, unknown
    document): nothing was written."""

    exit_code = 1

    def __init__(self, text: Text, locale: str | None = None, **values: Any) -> None:
        super().__init__(text, **values)
        self.locale = locale


def cents(value: Decimal) -> Decimal:
    """``value`` rounded half up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def dec(value: Any) -> Decimal:
    """A cell's number as a Decimal of its shortest text (0.1 stays 0.1); blank is 0."""
    if blank(value):
        return Decimal(0)
    return Decimal(repr(float(value))) if isinstance(value, float) else Decimal(str(value))


def blank(value: Any) -> bool:
    """None, NaN, NaT, NA or empty text."""
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return isinstance(value, str) and not value.strip()


def text(value: Any) -> str | None:
    """A cell as text for a document (None for a blank; 12345.0 as 12345)."""
    if blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def day(value: Any) -> dt.date | None:
    if blank(value):
        return None
    if isinstance(value, pd.Timestamp):
        return dt.date(value.year, value.month, value.day)
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def line_amount(qty: Any, unit_price: Any, discount_pct: Any) -> Decimal:
    """The amount as entered of one line, to the cent: qty × unit_price × (1 − discount_pct)."""
    return cents(dec(qty) * dec(unit_price) * (1 - dec(discount_pct)))


@dataclass
class Line:
    """A wo_lines row as the documents show it."""

    line_no: Any
    line_type: str
    item_code: str | None
    description: str | None
    qty: float
    unit_price: float
    discount_pct: float | None
    pay_type: str
    technician_id: str | None
    actual_hours: float | None
    declined: bool
    amount: Decimal


@dataclass
class Movement:
    """A parts_ledger movement posted against the job."""

    txn_id: str | None
    txn_date: dt.date | None
    part_no: str
    txn_type: str
    qty: float
    staff_id: str | None
    doc_no: str | None


@dataclass
class Settlement:
    """The settlement statement's figures (DOMAIN.md): subtotals per pay type of the billed lines,
    their total, the VAT it contains, the insurance deductible and who pays what."""

    subtotals: dict[str, Decimal]
    total: Decimal
    vat: Decimal | None
    ex_tax: Decimal
    deductible: Decimal

    def share(self, pay_type: str) -> Decimal:
        return self.subtotals.get(pay_type, ZERO)

    @property
    def customer_pays(self) -> Decimal:
        """Σ amount as entered of billed customer-pay lines + the insurance deductible."""
        return self.share("customer") + self.deductible

    @property
    def manufacturer_pays(self) -> Decimal:
        """The warranty lines, claimed from the manufacturer."""
        return self.share("warranty")

    @property
    def insurer_pays(self) -> Decimal:
        """The insurance lines less the deductible the customer pays."""
        return self.share("insurance") - self.deductible

    @property
    def store_bears(self) -> Decimal:
        """Internal and goodwill lines: borne by the store."""
        return self.share("internal") + self.share("goodwill")


@dataclass
class Job:
    """A work order and what its documents print."""

    wo_no: str
    row: int | None
    record: dict[str, Any]
    lines: list[Line]
    vehicle: dict[str, Any]
    names: dict[str, str] = field(default_factory=dict)
    bins: dict[str, dict[str, Any]] = field(default_factory=dict)
    movements: list[Movement] = field(default_factory=list)
    deductible: Decimal = ZERO
    claims: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return str(self.record.get("status") or "")

    def get(self, key: str) -> Any:
        """A work_orders value (None for a blank)."""
        value = self.record.get(key)
        return None if blank(value) else value

    @property
    def customer_name(self) -> str | None:
        """The job's customer, else the vehicle's."""
        return text(self.record.get("customer_name")) or text(self.vehicle.get("customer_name"))

    @property
    def customer_phone(self) -> str | None:
        return text(self.record.get("customer_phone")) or text(self.vehicle.get("customer_phone"))

    @property
    def plate(self) -> str | None:
        return text(self.record.get("plate")) or text(self.vehicle.get("plate"))

    def name(self, staff_id: Any) -> str | None:
        """A staff member's name from the roster (the ID when the roster does not know it)."""
        sid = text(staff_id)
        return None if sid is None else self.names.get(sid, sid)

    @property
    def billed(self) -> list[Line]:
        return [ln for ln in self.lines if not ln.declined]

    @property
    def declined(self) -> list[Line]:
        return [ln for ln in self.lines if ln.declined]

    @property
    def labor(self) -> list[Line]:
        """Labor lines not declined: what the workshop is dispatched to do."""
        return [ln for ln in self.billed if ln.line_type == "labor"]

    @property
    def part_lines(self) -> list[Line]:
        """Part and accessory lines not declined: what the parts counter issues."""
        return [ln for ln in self.billed if ln.line_type in PART_TYPES]

    def issued(self, part_no: str | None) -> float:
        """Net quantity of ``part_no`` issued against the job (issues − returns to stock)."""
        return sum(m.qty if m.txn_type == "issue" else -m.qty for m in self.movements if m.part_no == part_no)

    def settlement(self, tax_rate: float, prices_include_tax: bool) -> Settlement:
        subtotals: dict[str, Decimal] = {}
        for ln in self.billed:
            subtotals[ln.pay_type] = subtotals.get(ln.pay_type, ZERO) + ln.amount
        subtotals = dict(sorted(subtotals.items(), key=lambda kv: PAY_ORDER.get(kv[0], len(PAY_ORDER))))
        total = sum(subtotals.values(), ZERO)
        if prices_include_tax:
            ex = cents(total / (1 + dec(tax_rate)))
            return Settlement(subtotals, total, total - ex, ex, self.deductible)
        return Settlement(subtotals, total, None, total, self.deductible)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = frame.to_dict("records")
    return records


def load_job(store: Store, wo_no: str) -> Job:
    """The work order ``wo_no`` of ``store`` with everything its documents print, or a
    :class:`DocumentError` naming the sheet, column and value when there is no such job."""
    locale = store.locale
    wo_no = str(wo_no).strip()
    orders = store.table("work_orders")
    found = orders.loc[orders["wo_no"].astype("string").str.strip() == wo_no]
    values = dict(sheet=sheet_label("work_orders", locale), column=column_label("work_orders", "wo_no", locale),
                  value=wo_no)
    if found.empty:
        raise DocumentError(T_UNKNOWN_WO, locale, **values)
    if len(found) > 1:
        raise DocumentError(T_DUPLICATE_WO, locale, rows=", ".join(str(r) for r in found["_row"]), **values)
    record = _records(found)[0]
    lines_table = store.table("wo_lines")
    rows = lines_table.loc[lines_table["wo_no"].astype("string").str.strip() == wo_no]
    lines = [Line(line_no=r["line_no"], line_type=str(r["line_type"]), item_code=text(r["item_code"]),
                  description=text(r["description"]), qty=r["qty"], unit_price=r["unit_price"],
                  discount_pct=None if blank(r["discount_pct"]) else r["discount_pct"],
                  pay_type=str(r["pay_type"]), technician_id=text(r["technician_id"]),
                  actual_hours=None if blank(r["actual_hours"]) else r["actual_hours"],
                  declined=r["declined"] is True or (not blank(r["declined"]) and bool(r["declined"])),
                  amount=line_amount(r["qty"], r["unit_price"], r["discount_pct"]))
             for r in _records(rows)]
    lines.sort(key=lambda ln: (LINE_ORDER.get(ln.line_type, len(LINE_ORDER)),
                               ln.line_no if isinstance(ln.line_no, (int, float)) and not blank(ln.line_no) else 0))
    vehicles = store.table("vehicles")
    vin = text(record.get("vin"))
    match = vehicles.loc[vehicles["vin"].astype("string").str.strip() == vin] if vin else vehicles.iloc[0:0]
    vehicle = _records(match)[0] if not match.empty else {}
    roster = store.table("roster")
    names = {str(r["staff_id"]).strip(): str(r["name"]).strip() for r in _records(roster)
             if not blank(r["staff_id"]) and not blank(r["name"])}
    parts = store.table("parts")
    bins = {str(r["part_no"]).strip(): r for r in _records(parts) if not blank(r["part_no"])}
    ledger = store.table("parts_ledger")
    posted = ledger.loc[(ledger["wo_no"].astype("string").str.strip() == wo_no).fillna(False).to_numpy()
                        & ledger["txn_type"].isin(JOB_MOVEMENTS).to_numpy()]
    movements = [Movement(text(r["txn_id"]), day(r["txn_date"]), str(r["part_no"]).strip(), str(r["txn_type"]),
                          r["qty"], text(r["staff_id"]), text(r["doc_no"])) for r in _records(posted)]
    movements.sort(key=lambda m: (m.txn_date or dt.date.min))
    claims = store.table("claims")
    ins = claims.loc[(claims["wo_no"].astype("string").str.strip() == wo_no).fillna(False).to_numpy()
                     & (claims["claim_type"] == "insurance").fillna(False).to_numpy()
                     & (claims["status"] != "rejected").fillna(True).to_numpy()]
    deductible = cents(sum((dec(v) for v in ins["deductible"]), Decimal(0)))
    job_claims = claims.loc[(claims["wo_no"].astype("string").str.strip() == wo_no).fillna(False).to_numpy()]
    return Job(wo_no=wo_no, row=record.get("_row"), record=record, lines=lines, vehicle=vehicle, names=names,
               bins=bins, movements=movements, deductible=deductible,
               claims=[str(c) for c in job_claims["claim_no"] if not blank(c)])

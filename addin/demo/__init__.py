"""The demo store: a realistic, deterministic 4S service department to run everything on.

:func:`generate` returns records for every input sheet, keyed by canonical keys, with Python values
(str, int, float, bool, datetime.date, None; enum values as canonical keys). The same arguments
always give the same records: everything is drawn from one ``random.Random(seed)`` and no date is
taken from the clock. The clean store passes validation without errors;
:func:`plant_problems` plants known problems into it for the validation tests.

What the store holds, one module each: the people (``people``: a workshop staffed for its volume,
2 teams, 4 technicians and team leaders for about 150 jobs a month; 4 and 20 for 800; 7 and 51 for
2,000, so that each flags what a real technician does), the vehicles (``vehicles``: the fleet, new
cars sold), the jobs (``jobs``: month by month, walk-in and booked jobs of every repair and pay
type, pre-delivery inspection before the sale, first service about six months after it, comebacks,
follow-up calls and CSI), the parts (``parts``: a parts ledger replayed day by day, receipts
arriving before the issues they feed, reorders at safety stock, special orders for body parts,
costs drifting slightly so FIFO and moving average differ; backorders and the last month's
stocktake), the claims (``claims``: warranty and insurance claims with their payments), the
registers (``care``, ``appointments``, ``workshop``) and the settings (``settings``). ``problems`` holds the planted problems.

The order of the steps in :func:`generate` is the order of the draws: keep it.
"""

from __future__ import annotations

from typing import Any

from addin.demo.appointments import build_appointments
from addin.demo.care import build_care
from addin.demo.claims import build_claims
from addin.demo.context import (
    DEFAULT_END,
    DEMO_SHEETS,
    SIZES,
    TAX_RATE,
    Context,
    DemoError,
    span,
)
from addin.demo.jobs import LABOR_RATE, Workshop
from addin.demo.parts import PART_COUNTS, Parts
from addin.demo.people import Roster
from addin.demo.problems import Planted, plant_problems
from addin.demo.settings import STORE_CODE, build_settings
from addin.demo.vehicles import Fleet
from addin.demo.workshop import build_workshop

__all__ = [
    "DEFAULT_END", "DEMO_SHEETS", "LABOR_RATE", "PART_COUNTS", "SIZES", "STORE_CODE", "TAX_RATE",
    "DemoError", "Planted", "generate", "plant_problems", "span",
]


def generate(size: str = "small", months: int = 13, seed: int = 7, end: str = DEFAULT_END,
             locale: str = "en-US") -> dict[str, list[dict[str, Any]]]:
    """Records for every input sheet of a demo store of ``size`` (small, medium or large: about
    150, 800 or 2,000 jobs a month) covering ``months`` calendar months that end with ``end``
    (YYYY-MM). Text (names, descriptions, the settings' locale) is in ``locale``. Deterministic:
    the same arguments give identical records."""
    ctx = Context(size, months, seed, end, locale)
    roster = Roster(ctx)
    roster.build()
    parts = Parts(ctx, roster)
    parts.build()
    fleet = Fleet(ctx)
    fleet.build()
    workshop = Workshop(ctx, roster, fleet, parts)
    workshop.build()
    ledger = parts.build_ledger()
    stocktake = parts.build_stocktake()
    claims, payments = build_claims(ctx, roster, workshop.jobs, seed)
    # Issue 11: the customer care registers, from their own random stream (after every draw above).
    followups, complaints, renewals = build_care(ctx, seed, roster, fleet, workshop.jobs)
    # Issue 18: the appointments register, from its own random stream too.
    appointments = build_appointments(ctx, seed, roster, fleet, workshop.jobs)
    records = {
        "settings": build_settings(ctx, workshop.jobs),
        "roster": roster.records,
        "positions": roster.positions,
        "vehicles": fleet.records(),
        "work_orders": [j.rec for j in workshop.jobs],
        "wo_lines": workshop.lines,
        "parts": [p.rec for p in parts.parts],
        "parts_ledger": ledger,
        "stocktake": stocktake,
        "backorders": sorted(parts.backorders, key=lambda b: b["bo_id"]),
        "claims": claims,
        "claim_payments": payments,
        "appointments": appointments,
        "followups": followups,
        "complaints": complaints,
        "renewals": renewals,
        "loaners": [],
        "equipment": [],
        "tools": [],
        "tool_loans": [],
        "tool_issues": [],
        "training": [],
        "appraisal_weights": [],
    }
    # Issue 12: the tool room, equipment, training, loaners, appraisal weights and two concurrent
    # posts, from their own random stream after every other step.
    records.update(build_workshop(ctx, seed, roster, fleet, records["work_orders"], records["settings"]))
    return records

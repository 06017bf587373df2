"""Known problems planted into a clean demo store, so that validation can be shown (and tested)
to find exactly them: ``service-addin demo --with-problems`` lists them beside the workbook.

:func:`plant_problems` mutates the records of :func:`addin.demo.generate` in place: one of each
kind of everyday mistake at a service desk, each chosen so that it gives exactly one finding (its
job, part, claim or vehicle is not touched by another planted problem, and nothing else follows
from it). Records are only edited or appended, so a record's worksheet row stays its index + 2.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from addin.checks import vin_check_digit
from addin.models import INFLOW_TYPES

Records = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class Planted:
    """One planted problem: the finding validation must give (row = record index + 2)."""

    rule: str
    severity: str
    sheet: str
    row: int
    column: str


class _Planter:
    def __init__(self, records: Records, rng: random.Random) -> None:
        self.r = records
        self.rng = rng
        self.planted: list[Planted] = []
        self.used_jobs: set[str] = set()
        self.used_vins: set[str] = set()
        self.used_parts: set[str] = set()
        self.used_claims: set[str] = set()
        jobs = records["work_orders"]
        self.job_index = {j["wo_no"]: i for i, j in enumerate(jobs)}
        # Jobs in a rework relation move with their partner: never planted on.
        self.rework = {j["rework_of"] for j in jobs if j.get("rework_of")} | {
            j["wo_no"] for j in jobs if j.get("rework_of")}
        self.lines_of: dict[str, list[int]] = {}
        for i, ln in enumerate(records["wo_lines"]):
            self.lines_of.setdefault(ln["wo_no"], []).append(i)

    def add(self, rule: str, severity: str, sheet: str, index: int, column: str) -> None:
        self.planted.append(Planted(rule, severity, sheet, index + 2, column))

    def pick(self, items: list[Any], ok: Callable[[Any], bool]) -> Any:
        """A random item that passes ``ok``; the demo store always has one."""
        order = list(items)
        self.rng.shuffle(order)
        for item in order:
            if ok(item):
                return item
        raise LookupError("the demo store has no record fit for a planted problem")

    def free_job(self, job: dict[str, Any], status: str = "settled") -> bool:
        return (job["status"] == status and job["wo_no"] not in self.used_jobs
                and job["wo_no"] not in self.rework and job["vin"] not in self.used_vins
                and bool(self.lines_of.get(job["wo_no"])))

    def take_job(self, job: dict[str, Any]) -> int:
        self.used_jobs.add(job["wo_no"])
        self.used_vins.add(job["vin"])
        return self.job_index[job["wo_no"]]

    # -- work orders -----------------------------------------------------------------------------
    def bad_vin(self) -> None:
        job = self.pick(self.r["work_orders"], self.free_job)
        i = self.take_job(job)
        vin = job["vin"]
        wrong = next(d for d in "0123456789" if d != vin_check_digit(vin))
        job["vin"] = vin[:8] + wrong + vin[9:]
        self.add("WO-VIN", "error", "work_orders", i, "vin")

    def bad_plate(self) -> None:
        job = self.pick(self.r["work_orders"], lambda j: self.free_job(j) and bool(j.get("plate")))
        i = self.take_job(job)
        job["plate"] = job["plate"][:-1]  # a digit dropped
        self.add("WO-PLATE", "warning", "work_orders", i, "plate")

    def bad_phone(self) -> None:
        job = self.pick(self.r["work_orders"], lambda j: self.free_job(j) and bool(j.get("customer_phone")))
        i = self.take_job(job)
        job["customer_phone"] = job["customer_phone"][:-1]
        self.add("WO-PHONE", "warning", "work_orders", i, "customer_phone")

    def closed_before_opened(self) -> None:
        job = self.pick(self.r["work_orders"], self.free_job)
        i = self.take_job(job)
        job["close_date"] = job["open_date"] - dt.timedelta(days=1)
        self.add("WO-DATES", "error", "work_orders", i, "close_date")

    def unknown_advisor(self) -> None:
        staff = {s["staff_id"] for s in self.r["roster"]}
        job = self.pick(self.r["work_orders"], self.free_job)
        i = self.take_job(job)
        job["advisor_id"] = next(f"{job['advisor_id']}{n}" for n in range(10, 100)
                                 if f"{job['advisor_id']}{n}" not in staff)
        self.add("GEN-REF", "error", "work_orders", i, "advisor_id")

    def duplicate_wo_no(self) -> None:
        # The same job keyed in twice: the copy is the duplicate.
        job = self.pick(self.r["work_orders"], self.free_job)
        self.take_job(job)
        self.r["work_orders"].append(dict(job))
        self.add("GEN-UNIQUE", "error", "work_orders", len(self.r["work_orders"]) - 1, "wo_no")

    def mileage_rollback(self) -> None:
        visits: dict[str, list[dict[str, Any]]] = {}
        for j in self.r["work_orders"]:
            visits.setdefault(j["vin"], []).append(j)

        def ok(vin: str) -> bool:
            jobs = visits[vin]
            return (len(jobs) >= 2 and vin not in self.used_vins
                    and all(j["wo_no"] not in self.used_jobs and j["wo_no"] not in self.rework for j in jobs)
                    and jobs[0]["mileage"] >= 2000)

        vin = self.pick(sorted(visits), ok)
        ordered = sorted(visits[vin], key=lambda j: (j["open_date"], self.job_index[j["wo_no"]]))
        later = ordered[1]
        for j in ordered:
            self.take_job(j)
        later["mileage"] = ordered[0]["mileage"] - 1000
        self.add("WO-MILEAGE", "warning", "work_orders", self.job_index[later["wo_no"]], "mileage")

    # -- lines -------------------------------------------------------------------------------------
    def line_of_free_job(self, ok: Callable[[dict[str, Any]], bool]) -> int:
        jobs = [j for j in self.r["work_orders"] if self.free_job(j)
                and any(ok(self.r["wo_lines"][k]) for k in self.lines_of[j["wo_no"]])]
        job = self.pick(jobs, lambda j: True)
        self.take_job(job)
        line: int = self.pick(self.lines_of[job["wo_no"]], lambda k: ok(self.r["wo_lines"][k]))
        return line

    def discount_above_limit(self) -> None:
        k = self.line_of_free_job(lambda ln: not ln.get("declined") and ln["line_type"] == "labor")
        self.r["wo_lines"][k]["discount_pct"] = 0.25
        self.add("LN-DISCOUNT-APPROVAL", "warning", "wo_lines", k, "discount_pct")

    def added_without_approval(self) -> None:
        k = self.line_of_free_job(lambda ln: not ln.get("declined") and ln["line_type"] == "labor")
        self.r["wo_lines"][k].update(added_item=True, customer_approved=False)
        self.add("LN-ADDED", "error", "wo_lines", k, "customer_approved")

    def unknown_part(self) -> None:
        k = self.line_of_free_job(lambda ln: ln["line_type"] == "part" and not ln.get("declined"))
        self.r["wo_lines"][k]["item_code"] = self.r["wo_lines"][k]["item_code"] + "-X"
        self.add("LN-PART", "error", "wo_lines", k, "item_code")

    def technician_who_left(self) -> None:
        left = [s for s in self.r["roster"] if s.get("leave_date") and s["role"] in ("technician", "team_leader")]
        self.rng.shuffle(left)
        jobs = self.r["work_orders"]
        for tech in left:
            def after_leaving(ln: dict[str, Any], tech: dict[str, Any] = tech) -> bool:
                return bool(ln["line_type"] == "labor"
                            and jobs[self.job_index[ln["wo_no"]]]["open_date"] > tech["leave_date"])

            try:
                k = self.line_of_free_job(after_leaving)
            except LookupError:
                continue
            self.r["wo_lines"][k]["technician_id"] = tech["staff_id"]
            self.add("LN-TECH", "error", "wo_lines", k, "technician_id")
            return
        raise LookupError("no technician of the demo roster has left")

    # -- parts ledger ------------------------------------------------------------------------------
    def replay_ok(self, part: str) -> bool:
        """No movement of ``part`` takes its stock below zero (date order, ties in sheet order)."""
        moves = [(m["txn_date"], i, m) for i, m in enumerate(self.r["parts_ledger"]) if m["part_no"] == part]
        balance = 0.0
        for _, _, m in sorted(moves, key=lambda t: (t[0], t[1])):
            balance += m["qty"] if m["txn_type"] in INFLOW_TYPES else -m["qty"]
            if balance < -1e-9:
                return False
        return True

    def unbilled_issue(self) -> None:
        ledger = self.r["parts_ledger"]
        parts = sorted({m["part_no"] for m in ledger})
        for _ in range(200):
            job = self.pick(self.r["work_orders"], self.free_job)
            billed = {self.r["wo_lines"][k]["item_code"] for k in self.lines_of[job["wo_no"]]}
            part = self.rng.choice(parts)
            if part in billed or part in self.used_parts:
                continue
            ledger.append({"txn_id": "TXN-PLANTED-1", "txn_date": job["open_date"], "part_no": part,
                           "txn_type": "issue", "qty": 1.0, "wo_no": job["wo_no"]})
            if self.replay_ok(part):
                self.take_job(job)
                self.used_parts.add(part)
                self.add("PL-UNBILLED", "warning", "parts_ledger", len(ledger) - 1, "wo_no")
                return
            ledger.pop()
        raise LookupError("no part in stock for a planted unbilled issue")

    def negative_stock(self) -> None:
        ledger = self.r["parts_ledger"]
        part = self.pick(sorted({m["part_no"] for m in ledger}), lambda p: p not in self.used_parts)
        self.used_parts.add(part)
        moves = sorted(((m["txn_date"], i, m) for i, m in enumerate(ledger) if m["part_no"] == part),
                       key=lambda t: (t[0], t[1]))
        balance = sum(m["qty"] if m["txn_type"] in INFLOW_TYPES else -m["qty"] for _, _, m in moves)
        # A counter sale of one more than is left, after the part's last movement.
        ledger.append({"txn_id": "TXN-PLANTED-2", "txn_date": moves[-1][0], "part_no": part,
                       "txn_type": "counter_sale", "qty": float(balance + 1), "unit_price": 100.0})
        self.add("PL-NEGATIVE", "error", "parts_ledger", len(ledger) - 1, "qty")

    def receipt_without_cost(self) -> None:
        ledger = self.r["parts_ledger"]
        i = self.pick(list(range(len(ledger))), lambda i: ledger[i]["txn_type"] == "receipt"
                      and ledger[i]["part_no"] not in self.used_parts)
        ledger[i]["unit_cost"] = None
        self.add("PL-COST", "error", "parts_ledger", i, "unit_cost")

    # -- claims ------------------------------------------------------------------------------------
    def claim(self, ok: Callable[[dict[str, Any]], bool]) -> int:
        claims = self.r["claims"]
        i: int = self.pick(list(range(len(claims))), lambda i: claims[i]["claim_no"] not in self.used_claims
                      and claims[i]["wo_no"] not in self.used_jobs and ok(claims[i]))
        self.used_claims.add(claims[i]["claim_no"])
        self.used_jobs.add(claims[i]["wo_no"])
        return i

    def approved_above_claimed(self) -> None:
        i = self.claim(lambda c: c["status"] == "approved" and c.get("approved_amount") is not None)
        c = self.r["claims"][i]
        c["approved_amount"] = c["claimed_amount"] + 100.0
        self.add("CL-APPROVED", "error", "claims", i, "approved_amount")

    def rejected_without_reason(self) -> None:
        i = self.claim(lambda c: c["status"] == "rejected")
        self.r["claims"][i]["rejection_reason"] = None
        self.add("CL-REJECTED", "error", "claims", i, "rejection_reason")


def plant_problems(records: Records, rng: random.Random) -> list[Planted]:
    """Plant one of each kind of problem into a clean demo store's ``records`` (edited in place)
    and return what validation must find, sorted by sheet, row and rule."""
    p = _Planter(records, rng)
    for plant in (p.bad_vin, p.bad_plate, p.bad_phone, p.closed_before_opened, p.unknown_advisor,
                  p.duplicate_wo_no, p.mileage_rollback, p.discount_above_limit, p.added_without_approval,
                  p.unknown_part, p.technician_who_left, p.unbilled_issue, p.negative_stock,
                  p.receipt_without_cost, p.approved_above_claimed, p.rejected_without_reason):
        plant()
    return sorted(p.planted, key=lambda x: (x.sheet, x.row, x.rule))

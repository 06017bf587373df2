"""The customer care registers of the demo store (issue 11): follow-up calls for the settled
jobs (unreached tries, then the call that reached the customer with the score the job records),
complaints by category (the jobs marked complained and a few that come through other channels;
some still open past complaint_resolve_days) and insurance renewals won and lost, with reasons.

Everything is drawn from the register's own random stream, ``random.Random(f"{seed}-care")``,
after every other record was made, so that the records of the other sheets stay identical for a
seed. The calls agree with the jobs: a job's followup_date and csi_score are its first reached
call's, so no KPI of the jobs moves because of them."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from addin.demo.context import Context, add_months, record
from addin.demo.jobs import Job
from addin.demo.people import Roster
from addin.demo.vehicles import INSURERS, Fleet

#: Complaint categories (comebacks aside) and how often each comes.
CATEGORIES = (("quality", 0.34), ("waiting", 0.22), ("price", 0.16), ("attitude", 0.14), ("parts", 0.1),
              ("other", 0.04))
DESCRIPTIONS = {
    "quality": ("Noise still there after the repair", "维修后异响仍在"),
    "waiting": ("Car delivered a day later than promised", "交车比承诺晚了一天"),
    "price": ("Invoice higher than the estimate", "结算金额高于报价"),
    "attitude": ("Advisor did not return calls", "服务顾问未回电"),
    "parts": ("Part had to be ordered, second visit needed", "配件缺货，需二次进厂"),
    "other": ("Car returned dirty", "交车时车辆未清洗"),
    "comeback": ("Same fault again after the repair", "修后同一故障再次出现"),
}
ACTIONS = ("Re-inspected and fixed free of charge", "免费复检并修复")
ISSUES = ("Customer unhappy, complaint registered", "客户不满意，已登记投诉")
NEXT_CALL = ("Call again tomorrow", "明日再次回访")
LOST = (("price", 0.32), ("other_insurer", 0.28), ("unreachable", 0.18), ("sold_vehicle", 0.1),
        ("service", 0.07), ("other", 0.05))
#: How long before the expiry the insurance specialist calls, and how many renew with the store.
RENEWAL_LEAD = (10, 45)
RENEWED_SHARE = 0.68


def _pick(rng: random.Random, items: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([k for k, _ in items], weights=[w for _, w in items])[0]


class Care:
    """Builds the followups, complaints and renewals records of one demo store."""

    def __init__(self, ctx: Context, seed: int, roster: Roster, fleet: Fleet, jobs: list[Job]) -> None:
        self.ctx = ctx
        self.rng = random.Random(f"{seed}-care")
        self.roster, self.fleet, self.jobs = roster, fleet, jobs
        self.followups: list[dict[str, Any]] = []
        self.complaints: list[dict[str, Any]] = []
        self.renewals: list[dict[str, Any]] = []

    def _staff(self, role: str, day: dt.date) -> str | None:
        staff = self.roster.on_duty(role, day)
        return self.rng.choice(staff).staff_id if staff else None

    def build(self) -> None:
        """Complaints first (a reached call that hears one names it), then calls, then renewals."""
        linked = self._complaints()
        self._followups(linked)
        self._renewals()

    # -- complaints --------------------------------------------------------------------------

    def _complaint(self, day: dt.date, channel: str, category: str, job: Job | None, vehicle: Any,
                   keep_open: bool = False) -> dict[str, Any]:
        ctx, rng = self.ctx, self.rng
        number = f"CP{day:%y%m}{len(self.complaints) + 1:04d}"
        owner = self._staff("front_desk_supervisor", day) or self._staff("service_manager", day)
        rec = record("complaints", complaint_id=number, received_date=day, channel=channel,
                     wo_no=job.rec["wo_no"] if job else None, vin=vehicle.vin,
                     customer_name=(job.rec["customer_name"] if job else None) or vehicle.customer,
                     category=category, severity=rng.choices(("minor", "major", "critical"), (0.7, 0.25, 0.05))[0],
                     description=ctx.t(DESCRIPTIONS[category]), owner_id=owner)
        settings_days = 3  # complaint_resolve_days of the demo settings (the default)
        roll = rng.random()
        took = rng.randint(0, settings_days) if roll < 0.75 else rng.randint(settings_days + 1, 9)
        resolved = day + dt.timedelta(days=took)
        # The last days' complaints may still be open at the end (within the 3 days, so the clean
        # demo validates clean); earlier months' late ones were open past the 3 days at a month end.
        recent = (ctx.end - day).days < settings_days
        if resolved <= ctx.end and not keep_open and not (recent and rng.random() < 0.5):
            rec["resolved_date"] = resolved
            rec["action"] = ctx.t(ACTIONS)
            callback = resolved + dt.timedelta(days=rng.randint(0, 2))
            if callback <= ctx.end:
                rec["callback_date"] = callback
                rec["customer_satisfied"] = rng.random() < 0.8
        self.complaints.append(rec)
        return rec

    def _complaints(self) -> dict[str, dict[str, Any]]:
        ctx, rng = self.ctx, self.rng
        linked: dict[str, dict[str, Any]] = {}
        for job in self.jobs:
            if not job.rec.get("complaint"):
                continue
            assert job.close is not None
            call = job.rec["followup_date"]
            day = call or min(job.close + dt.timedelta(days=rng.randint(0, 2)), ctx.end)
            category = "comeback" if job.rec["rework_of"] else _pick(rng, CATEGORIES)
            channel = "phone" if call else rng.choice(("in_person", "phone", "online"))
            linked[job.rec["wo_no"]] = self._complaint(day, channel, category, job, job.vehicle)
        # Complaints that come without a job: through the manufacturer's hotline or online.
        vehicles = self.fleet.vehicles
        day = ctx.start
        while day <= ctx.end:
            for _ in range(rng.randint(1, max(2, round(3 * ctx.scale)))):
                when = day + dt.timedelta(days=rng.randint(0, 27))
                owned = [v for v in vehicles if v.sale <= when and v.customer]
                if when <= ctx.end and owned:
                    self._complaint(when, rng.choice(("manufacturer", "online", "other")),
                                    _pick(rng, CATEGORIES), None, rng.choice(owned))
            day = add_months(day, 1)
        # The last day's call to the manufacturer's hotline is still being handled at the end.
        owned = [v for v in vehicles if v.sale <= ctx.end and v.customer]
        self._complaint(ctx.end - dt.timedelta(days=1), "manufacturer", _pick(rng, CATEGORIES), None,
                        rng.choice(owned), keep_open=True)
        self.complaints.sort(key=lambda c: (c["received_date"], c["complaint_id"]))
        for n, rec in enumerate(self.complaints, 1):
            rec["complaint_id"] = f"CP{rec['received_date']:%y%m}{n:05d}"
        return linked

    # -- follow-up calls ---------------------------------------------------------------------

    def _followups(self, linked: dict[str, dict[str, Any]]) -> None:
        ctx, rng = self.ctx, self.rng
        calls = self.followups
        for job in self.jobs:
            rec = job.rec
            if rec["status"] != "settled" or rec["repair_type"] in ("pdi", "internal"):
                continue
            assert job.close is not None
            reached_on = rec["followup_date"]
            first_try = job.close + dt.timedelta(days=1)
            # Tries that did not reach the customer: before the call that did, or with none.
            tries = rng.choices((0, 1, 2), (0.75, 0.2, 0.05))[0] if reached_on else rng.choices((0, 1, 2), (0.3, 0.5, 0.2))[0]
            day = first_try
            for _ in range(tries):
                if day > ctx.end or (reached_on and day >= reached_on):
                    break
                calls.append(record("followups", wo_no=rec["wo_no"], call_date=day,
                                    by=self._staff("customer_service", day), reached=False,
                                    next_action=ctx.t(NEXT_CALL)))
                day += dt.timedelta(days=1)
            if reached_on:
                complaint = linked.get(rec["wo_no"])
                calls.append(record("followups", wo_no=rec["wo_no"], call_date=reached_on,
                                    by=rec["followup_by"] or self._staff("customer_service", reached_on),
                                    reached=True, satisfaction=rec["csi_score"],
                                    issues=ctx.t(ISSUES) if complaint else None,
                                    complaint_id=complaint["complaint_id"] if complaint else None))
        calls.sort(key=lambda c: (c["call_date"], c["wo_no"]))
        for n, call in enumerate(calls, 1):
            call["followup_id"] = f"FU{n:06d}"

    # -- renewals ----------------------------------------------------------------------------

    def _renewals(self) -> None:
        ctx, rng = self.ctx, self.rng
        horizon = ctx.end + dt.timedelta(days=60)
        names = [ctx.t(name) for name, _ in INSURERS]
        for vehicle in self.fleet.vehicles:
            if vehicle.insurer is None:
                continue
            years = 1
            while (expiry := add_months(vehicle.sale, 12 * years)) <= horizon:
                years += 1
                if expiry < ctx.start:
                    continue
                contact = expiry - dt.timedelta(days=rng.randint(*RENEWAL_LEAD))
                by = self._staff("insurance_specialist", max(contact, ctx.start))
                quoted = float(round(rng.uniform(3200, 9800), -1))
                rec = record("renewals", vin=vehicle.vin, expiry_date=expiry, outcome="pending",
                             contact_date=contact if contact <= ctx.end else None,
                             by=by if contact <= ctx.end else None,
                             quoted_premium=quoted if contact <= ctx.end else None)
                if expiry <= ctx.end and rng.random() > 0.04:
                    if rng.random() < RENEWED_SHARE:
                        rec.update(outcome="renewed", insurer=vehicle.insurer if rng.random() < 0.8 else rng.choice(names),
                                   premium=float(round(quoted * rng.uniform(0.9, 1.0), 2)))
                    else:
                        rec.update(outcome="lost", lost_reason=_pick(rng, LOST))
                self.renewals.append(rec)
        self.renewals.sort(key=lambda r: (r["expiry_date"], r["vin"]))
        for n, rec in enumerate(self.renewals, 1):
            rec["renewal_id"] = f"RN{n:06d}"


def build_care(ctx: Context, seed: int, roster: Roster, fleet: Fleet,
               jobs: list[Job]) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The followups, complaints and renewals records (own random stream; see the module)."""
    care = Care(ctx, seed, roster, fleet, jobs)
    care.build()
    return care.followups, care.complaints, care.renewals

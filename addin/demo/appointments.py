"""The appointments register of the demo store (预约登记, issue 18).

Every job the workshop records as booked (its appointment cell TRUE) that opened on a work weekday
comes from an arrived appointment of that day naming it: the time slot of the booking (08:30 to
16:30, mornings busier), where it came from (mostly the reminder calls of customer service, the
phone and the store's online booking), the job's advisor and, as estimated hours, the labor the job
was quoted for its first day (spread over the days it was promised for). Beside them some
customers did not come (about 8 % of the appointments) and some cancelled (about 5 %), with no
work order; and the days after the demo's last day hold the bookings and confirmations of the
week ahead, within the capacity the rules allow (appointment_capacity_share of the technicians'
and team leaders' hours).

Everything is drawn from the register's own ``random.Random(f"{seed}-appointments")`` after every
other record was made, so the records of the other sheets stay identical for a seed, and no KPI of
the jobs moves: every job an appointment names was already marked booked.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any

from addin.demo.context import Context, record
from addin.demo.jobs import Job
from addin.demo.people import Roster
from addin.demo.vehicles import Fleet

#: Work weekdays of the demo's settings (the default: Monday to Saturday).
WORK_WEEKDAYS = range(6)
#: Booking slots, every half hour from 08:30 to 16:30, and how often each is asked for.
SLOTS = tuple(f"{8 + (30 + 30 * i) // 60:02d}:{(30 + 30 * i) % 60:02d}" for i in range(17))
SLOT_WEIGHTS = tuple(3.0 if s < "11:30" else 1.2 if s < "13:30" else 2.0 for s in SLOTS)
#: Where bookings come from: (source, weight), and the manufacturer's for campaigns.
SOURCES = (("reminder", 0.42), ("phone", 0.3), ("online", 0.2), ("walk_in", 0.05), ("manufacturer", 0.03))
REASON = {"maintenance": "maintenance", "general_repair": "repair", "body_paint": "repair", "accident": "insurance",
          "warranty": "warranty", "recall": "recall"}
NO_SHOW_SHARE, CANCELLED_SHARE = 0.08, 0.05
#: The bookings for the days after the last one: work days ahead, and the share already confirmed.
DAYS_AHEAD = 6
CAPACITY_SHARE = 0.6  # settings appointment_capacity_share (its default)
NOTES = {
    "no_show": ("Did not come; call to rebook", "未到店，需回电改约"),
    "cancelled": ("Cancelled by phone", "客户来电取消"),
}
WORKSHOP_ROLES = ("technician", "team_leader")


class Appointments:
    """Builds the appointments records of one demo store."""

    def __init__(self, ctx: Context, seed: int, roster: Roster, fleet: Fleet, jobs: list[Job]) -> None:
        self.ctx = ctx
        self.rng = random.Random(f"{seed}-appointments")
        self.roster, self.fleet, self.jobs = roster, fleet, jobs
        self.records: list[dict[str, Any]] = []
        self.seq: dict[tuple[int, int], int] = defaultdict(int)
        self.booked_hours: dict[dt.date, float] = defaultdict(float)

    def build(self) -> list[dict[str, Any]]:
        """Arrived appointments for the booked jobs, then no-shows and cancellations, then the
        week ahead; sorted by day and time, numbered per month in that order."""
        self._arrived()
        self._missed()
        self._ahead()
        self.records.sort(key=lambda r: (r["appt_date"], r["appt_time"], r["vin"] or ""))
        for rec in self.records:
            day = rec["appt_date"]
            self.seq[day.year, day.month] += 1
            rec["appt_id"] = f"AP{day:%y%m}{self.seq[day.year, day.month]:04d}"
        return self.records

    # -- the parts of a booking ------------------------------------------------------------

    def _slot(self) -> str:
        return self.rng.choices(SLOTS, weights=SLOT_WEIGHTS)[0]

    def _source(self, reason: str) -> str:
        if reason == "recall":
            return "manufacturer" if self.rng.random() < 0.7 else "phone"
        if reason == "first_service":
            return "reminder" if self.rng.random() < 0.8 else "phone"
        return self.rng.choices([s for s, _ in SOURCES], weights=[w for _, w in SOURCES])[0]

    def capacity(self, day: dt.date) -> float:
        """appointment_capacity_share × the hours of the technicians and team leaders on duty
        on ``day`` (each 8 a day in the demo), 0 on a day that is not a work weekday."""
        if day.weekday() not in WORK_WEEKDAYS:
            return 0.0
        staff = sum(len(self.roster.on_duty(role, day)) for role in WORKSHOP_ROLES)
        return CAPACITY_SHARE * 8.0 * staff

    def _booking(self, day: dt.date, reason: str, status: str, vehicle: Any, hours: float,
                 advisor: str | None, wo_no: str | None = None, notes: str | None = None) -> dict[str, Any]:
        rec = record("appointments", appt_id=None, appt_date=day, appt_time=self._slot(), vin=vehicle.vin,
                     plate=vehicle.plate, customer_name=vehicle.customer, customer_phone=vehicle.phone,
                     reason=reason, source=self._source(reason), advisor_id=advisor, est_hours=hours,
                     status=status, wo_no=wo_no, notes=notes)
        self.records.append(rec)
        if status in ("booked", "confirmed", "arrived"):
            self.booked_hours[day] += hours
        return rec

    # -- the three kinds ---------------------------------------------------------------------

    def _arrived(self) -> None:
        for job in self.jobs:
            rec = job.rec
            if not rec["appointment"] or rec["repair_type"] not in REASON or job.open.weekday() not in WORK_WEEKDAYS:
                continue
            reason = "first_service" if rec["first_service"] else REASON[rec["repair_type"]]
            # The labor quoted, spread over the days the job was promised for: a body job of 30
            # flag hours over five days books six of its first day.
            quoted = sum(ln["qty"] for ln in job.lines if ln["line_type"] == "labor" and not ln["declined"])
            days = max(1, (rec["promised_date"] - job.open).days) if rec["promised_date"] else 1
            hours = max(0.5, round(quoted / days, 1))
            self._booking(job.open, reason, "arrived", job.vehicle, hours, rec["advisor_id"], rec["wo_no"])

    def _customer_cars(self, day: dt.date) -> list[Any]:
        return [v for v in self.fleet.fleet if v.customer and v.sale <= day]

    def _missed(self) -> None:
        """No-shows and cancellations: about 8 % and 5 % of all appointments, on work days of
        the span with room left, for maintenance mostly."""
        ctx, rng = self.ctx, self.rng
        arrived = len(self.records)
        total = arrived / (1 - NO_SHOW_SHARE - CANCELLED_SHARE)
        days = [ctx.start + dt.timedelta(days=i) for i in range((ctx.end - ctx.start).days + 1)]
        days = [d for d in days if d.weekday() in WORK_WEEKDAYS]
        for status, share in (("no_show", NO_SHOW_SHARE), ("cancelled", CANCELLED_SHARE)):
            for _ in range(round(total * share)):
                day = rng.choice(days)
                cars = self._customer_cars(day)
                if not cars:
                    continue
                reason = rng.choices(("maintenance", "repair", "first_service"), weights=(0.7, 0.22, 0.08))[0]
                hours = round(rng.uniform(1.0, 2.0), 1)
                if status == "no_show" and self.booked_hours[day] + hours > self.capacity(day):
                    continue  # the day was full: the booking would not have been taken
                advisors = self.roster.on_duty("service_advisor", day)
                advisor = rng.choice(advisors).staff_id if advisors else None
                self._booking(day, reason, status, rng.choice(cars), hours, advisor, notes=ctx.t(NOTES[status]))

    def _ahead(self) -> None:
        """The week after the last day: two to five bookings a work day (more for a larger
        store), the next two days mostly confirmed by the reminder call, within capacity."""
        ctx, rng = self.ctx, self.rng
        day, added = ctx.end, 0
        while added < DAYS_AHEAD:
            day += dt.timedelta(days=1)
            if day.weekday() not in WORK_WEEKDAYS:
                continue
            added += 1
            cars = self._customer_cars(ctx.end)
            advisors = self.roster.on_duty("service_advisor", ctx.end)
            for _ in range(round(rng.randint(2, 5) * ctx.scale)):
                reason = rng.choices(("maintenance", "repair", "first_service", "warranty"),
                                     weights=(0.6, 0.22, 0.1, 0.08))[0]
                hours = round(rng.uniform(1.0, 2.5), 1)
                if self.booked_hours[day] + hours > self.capacity(day):
                    break
                status = "confirmed" if added <= 2 and rng.random() < 0.75 else "booked"
                self._booking(day, reason, status, rng.choice(cars), hours,
                              rng.choice(advisors).staff_id if advisors else None)


def build_appointments(ctx: Context, seed: int, roster: Roster, fleet: Fleet, jobs: list[Job]) -> list[dict[str, Any]]:
    """The appointments records of the demo store (see the module docstring)."""
    return Appointments(ctx, seed, roster, fleet, jobs).build()

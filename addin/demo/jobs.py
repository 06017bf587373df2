"""The jobs of the demo store: work orders month by month (walk-in and booked jobs of every
repair and pay type, PDIs and first services of the cars sold, comebacks, work in progress at the
end, QC, CSI, complaints and follow-up calls) and their lines (labor dispatched to the team's
technicians, parts issued through the parts desk, sublet, misc)."""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from addin.demo.context import TAX_RATE, Context, add_months, record
from addin.demo.parts import GROUP, WARRANTY_REPAIRS, Part, Parts
from addin.demo.people import Roster, Staff
from addin.demo.vehicles import Fleet, Vehicle

LABOR_RATE = 180.0

# Labor operations that are not "replace <part>": code, English, Chinese, hours (low, high).
LABOR = {
    "service": ("M001", "Periodic maintenance (oil and filter)", "常规保养（换机油机滤）", (1.2, 1.6)),
    "first": ("M002", "First service", "首次保养", (1.0, 1.0)),
    "inspection": ("M003", "Multi-point inspection", "全车安全检查", (0.5, 0.5)),
    "rotation": ("M004", "Tyre rotation", "轮胎换位", (0.5, 0.5)),
    "diag": ("D001", "Fault diagnosis", "故障诊断", (0.8, 1.5)),
    "ac_clean": ("M010", "Air conditioning system cleaning", "空调系统清洗", (0.5, 0.5)),
    "throttle": ("M011", "Throttle body cleaning", "节气门清洗", (0.6, 0.6)),
    "alignment": ("M020", "Wheel alignment", "四轮定位", (1.0, 1.0)),
    "panel": ("B001", "Panel beating", "钣金修复", (2.5, 6.0)),
    "paint": ("B002", "Paint one panel", "单面喷漆", (3.0, 4.5)),
    "polish": ("B003", "Polishing", "抛光打蜡", (1.0, 1.5)),
    "recall": ("C001", "Service campaign inspection and fix", "服务活动检查与处理", (0.5, 1.0)),
    "pdi": ("P001", "Pre-delivery inspection", "新车交车前检查", (2.0, 2.0)),
    "internal": ("I001", "Courtesy car service", "代步车维护", (0.8, 1.5)),
    "rework": ("R001", "Rework: recheck and repair", "返修：复检与维修", (0.5, 1.5)),
}
SUBLET = (
    ("S01", "Windscreen replacement by glass specialist", "玻璃专业店更换挡风玻璃", 1200, 2800),
    ("S02", "Transmission valve body repair (sublet)", "变速箱阀体外修", 3500, 7000),
    ("S03", "ECU repair (sublet)", "电脑板外修", 800, 1800),
    ("S04", "Towing", "拖车服务", 300, 800),
    ("S05", "Wheel rim repair (sublet)", "轮毂修复外协", 400, 900),
)
# Body and paint work sent to a partner body shop when the store's own is full that month.
BODY_SUBLET = ("S06", "Body and paint work by a partner body shop", "钣喷外协（合作钣喷厂）")
#: Flag hours a month a team takes on per member (81% of 27 working days of 8 hours).
TEAM_CAPACITY = 176.0
MISC = (
    ("X01", "Waste oil and filter disposal", "废油废件环保处理费", 20.0),
    ("X02", "Car wash and interior cleaning", "洗车及内饰清洁", 50.0),
)
CONCERNS = {
    "maintenance": (("Due for scheduled maintenance", "到期常规保养"),
                    ("Service reminder on the dashboard", "仪表保养提示灯亮"),
                    ("Oil change and check-up", "换机油及常规检查")),
    "first": (("First free service", "首次免费保养"),),
    "general_repair": (("Noise from the front when braking", "刹车时前部异响"),
                       ("Engine warning light on", "发动机故障灯亮"),
                       ("Car hard to start in the morning", "早上启动困难"),
                       ("Steering wheel vibrates at speed", "高速方向盘抖动"),
                       ("Air conditioning not cold", "空调不制冷")),
    "body_paint": (("Scratches on the side", "车身侧面刮花"), ("Dent in the rear bumper", "后保险杠凹陷"),
                   ("Paint damage on the bonnet", "发动机盖掉漆")),
    "accident": (("Front collision, insured", "前部碰撞，保险理赔"), ("Rear-ended in traffic", "追尾事故"),
                 ("Side impact at a junction", "路口侧面碰撞")),
    "warranty": (("Warning light on, under warranty", "保修期内故障灯亮"),
                 ("Window regulator noise", "车窗升降异响"), ("Coolant leak", "冷却液渗漏")),
    "recall": (("Service campaign letter received", "收到服务活动通知"),),
    "pdi": (("New car pre-delivery inspection", "新车交车前检查"),),
    "internal": (("Courtesy car routine care", "代步车例行维护"),),
    "rework": (("Same problem again after the last repair", "上次维修后问题复现"),),
}
CAUSES = {
    "maint": ("Due by interval", "到期更换"),
    "fluid": ("Due by interval", "到期更换"),
    "repair": ("Worn beyond the limit", "磨损超限"),
    "warranty": ("Manufacturing defect", "制造缺陷"),
    "body": ("Collision damage", "碰撞损伤"),
    "recall": ("Service campaign", "服务活动"),
}
NOTES = {
    "cancelled": ("Customer cancelled before work started", "客户取消，未施工"),
    "rework": ("Comeback of {wo}", "返修，原工单 {wo}"),
}
# Body and paint (钣喷) is a quarter of a 4S store's walk-ins and about half of its flag hours.
REPAIR_MIX = (("maintenance", 0.42), ("general_repair", 0.22), ("body_paint", 0.10), ("accident", 0.10),
              ("warranty", 0.09), ("recall", 0.03), ("internal", 0.015))
MONTH_FACTOR = {1: 1.05, 2: 0.80, 3: 0.95, 4: 1.0, 5: 1.0, 6: 0.95, 7: 1.0, 8: 1.0, 9: 1.05, 10: 0.95,
                11: 1.05, 12: 1.12}
WEEKDAY_FACTOR = (1.1, 1.0, 1.0, 1.0, 1.05, 1.2, 0.35)  # Mon .. Sun


@dataclass
class Job:
    rec: dict[str, Any]
    vehicle: Vehicle
    open: dt.date
    close: dt.date | None  # settlement date; None while not settled
    last_day: dt.date  # the last day parts may be issued to it
    lines: list[dict[str, Any]] = field(default_factory=list)


class Workshop:
    """The work orders and their lines, day by day over the span; the parts they use are issued
    through ``parts`` and the counter sales of each day registered there too."""

    def __init__(self, ctx: Context, roster: Roster, fleet: Fleet, parts: Parts) -> None:
        self.ctx = ctx
        self.roster = roster
        self.fleet = fleet
        self.parts = parts
        self.jobs: list[Job] = []
        self.lines: list[dict[str, Any]] = []
        self.wo_seq: dict[tuple[int, int], int] = {}
        self.wip = {False: 0, True: 0}  # jobs left in the workshop: before / on the last day
        # Flag hours dispatched a month, by staff_id and by team.
        self.load: dict[tuple[str, tuple[int, int]], float] = {}

    # -- work orders ----------------------------------------------------------------------

    def daily_mean(self, day: dt.date) -> float:
        """The jobs expected on ``day`` (the month's volume spread by season and weekday)."""
        first = day.replace(day=1)
        days = calendar.monthrange(day.year, day.month)[1]
        weight = sum(WEEKDAY_FACTOR[(first + dt.timedelta(days=i)).weekday()] for i in range(days))
        return self.ctx.per_month * MONTH_FACTOR[day.month] * WEEKDAY_FACTOR[day.weekday()] / weight

    def build(self) -> None:
        """Every day of the span: its scheduled visits, its walk-ins and comebacks, and the
        parts counter's sales."""
        ctx = self.ctx
        rng = ctx.rng
        recent: deque[Job] = deque(maxlen=max(60, int(ctx.per_month * 1.2)))
        types, weights = zip(*REPAIR_MIX)
        # Comebacks come at a steady 1.8% of walk-ins (the quality a service manager watches
        # monthly), so that every month has a few: each walk-in adds to a credit spent by one.
        comeback_credit = 0.0
        vehicle: Vehicle | None
        day = ctx.start
        while day <= ctx.end:
            mean = self.daily_mean(day)
            count = max(0, round(rng.gauss(mean, math.sqrt(mean) * 0.6)))
            scheduled = self.fleet.scheduled.get(day, [])
            for kind, vehicle in scheduled:
                if vehicle.busy_until < day:
                    self._job(day, "pdi" if kind == "pdi" else "maintenance", vehicle, first=kind == "first")
            for _ in range(max(0, count - len(scheduled))):
                comeback_credit += 0.018
                if comeback_credit >= 1 and recent:
                    original = self._comeback_of(recent, day)
                    if original is not None:
                        comeback_credit -= 1
                        self._job(day, "rework", original.vehicle, rework=original)
                        continue
                repair_type = ctx.weighted(types, weights)
                vehicle = self._vehicle_for(repair_type, day)
                if vehicle is None:
                    repair_type = "general_repair"
                    vehicle = self._vehicle_for(repair_type, day)
                if vehicle is not None:
                    job = self._job(day, repair_type, vehicle)
                    if job.close is not None and job.rec["status"] == "settled":
                        recent.append(job)
            self.parts.counter_sales(day, self.daily_mean(day), self.fleet.fleet)
            day += dt.timedelta(days=1)

    def _comeback_of(self, recent: deque[Job], day: dt.date) -> Job | None:
        for _ in range(8):
            job: Job = self.ctx.choice(recent)
            if (job.close is not None and job.close < day and (day - job.close).days <= 30
                    and job.rec["repair_type"] in ("general_repair", "warranty", "maintenance")
                    and job.rec["rework_of"] is None and job.vehicle.busy_until < day):
                return job
        return None

    def _vehicle_for(self, repair_type: str, day: dt.date) -> Vehicle | None:
        pool = self.fleet.courtesy if repair_type == "internal" else self.fleet.fleet
        for _ in range(30):
            vehicle: Vehicle = self.ctx.choice(pool)
            if vehicle.busy_until >= day or vehicle.sale > day - dt.timedelta(days=10):
                continue
            if repair_type in ("warranty", "recall") and not self.fleet.under_warranty(vehicle, day):
                continue
            if repair_type == "accident" and vehicle.insurer is None:
                continue
            return vehicle
        return None

    def _wo_no(self, day: dt.date) -> str:
        key = (day.year, day.month)
        self.wo_seq[key] = self.wo_seq.get(key, 0) + 1
        return f"RO{day.year % 100:02d}{day.month:02d}{self.wo_seq[key]:04d}"

    def _duration(self, repair_type: str) -> int:
        ctx = self.ctx
        rng = ctx.rng
        draws: dict[str, Callable[[], int]] = {
            "maintenance": lambda: 0 if rng.random() < 0.9 else 1,
            "general_repair": lambda: ctx.weighted((0, 1, 2, 3), (0.45, 0.3, 0.15, 0.1)),
            "body_paint": lambda: ctx.randint(2, 6),
            "accident": lambda: ctx.randint(4, 14),
            "warranty": lambda: ctx.randint(0, 4),
            "recall": lambda: ctx.randint(0, 1),
            "pdi": lambda: ctx.randint(0, 1),
            "internal": lambda: ctx.randint(0, 2),
            "rework": lambda: ctx.randint(0, 2),
        }
        return draws[repair_type]()

    def _job(self, day: dt.date, kind: str, vehicle: Vehicle, first: bool = False,
             rework: Job | None = None) -> Job:
        ctx = self.ctx
        rng = ctx.rng
        repair_type = "general_repair" if kind == "rework" else kind
        if rework is not None and rework.rec["repair_type"] == "warranty":
            repair_type = "warranty"
        duration = self._duration(kind)
        # The advisor promises the car for the estimated time; a part that turns out to be on
        # backorder delays the job past it (the late deliveries of on_time_rate, issue 18).
        promised = day + dt.timedelta(days=duration)
        backordered = (repair_type in ("general_repair", "warranty", "accident") and rng.random() < 0.04)
        if backordered:
            duration += ctx.randint(2, 5)
        planned = day + dt.timedelta(days=duration)
        status = "settled"
        close: dt.date | None = planned
        if rng.random() < 0.006 and not first and kind != "pdi":
            status, close = "cancelled", None
        elif planned > ctx.end or (day == ctx.end and rng.random() < 0.3):
            # Still in the workshop at the end (cars received late on the last day stay overnight),
            # taking the work-in-progress statuses in turn so that each of them shows.
            close = None
            on_last_day = day == ctx.end
            turn = self.wip[on_last_day]
            self.wip[on_last_day] += 1
            status = ("open", "in_progress", "open")[turn % 3] if on_last_day else \
                ("waiting_parts", "in_progress", "qc", "in_progress")[turn % 4]
        elif planned >= ctx.end - dt.timedelta(days=1) and rng.random() < 0.45:
            # Finished on the last days: in final inspection, or waiting for the customer.
            status, close = ("qc" if rng.random() < 0.45 else "completed"), None
        if status == "waiting_parts":
            backordered = False  # its open backorder is registered below
        # The workshop supervisor gives the job to the less loaded this month of two teams of its kind.
        teams = self.roster.teams_body if repair_type in ("body_paint", "accident") else self.roster.teams_mech
        month = (day.year, day.month)
        team, other = ctx.choice(teams), ctx.choice(teams)
        if self.load.get((other, month), 0.0) < self.load.get((team, month), 0.0):
            team = other
        if repair_type == "pdi":
            customer, phone, plate, km = None, None, None, self.fleet.km(vehicle, day)
        else:
            customer, phone, plate, km = vehicle.customer, vehicle.phone, vehicle.plate, self.fleet.km(vehicle, day)
        concern_key = "first" if first else ("rework" if rework else repair_type)
        wo_no = self._wo_no(day)
        rec = record(
            "work_orders", wo_no=wo_no, open_date=day, promised_date=promised,
            close_date=close, status=status, vin=vehicle.vin, plate=plate, mileage=km, customer_name=customer,
            customer_phone=phone, advisor_id=self.roster.pick("service_advisor", day), team=team,
            repair_type=repair_type, concern=ctx.t(ctx.choice(CONCERNS[concern_key])),
            appointment=rng.random() < (0.7 if first else 0.5 if repair_type == "maintenance" else 0.15),
            first_service=first, rework_of=rework.rec["wo_no"] if rework else None,
            insurer=vehicle.insurer if repair_type == "accident" else None,
            notes=ctx.t(NOTES["rework"]).format(wo=rework.rec["wo_no"]) if rework else None,
        )
        last_day = close if close is not None else ctx.end
        job = Job(rec, vehicle, day, close, last_day)
        vehicle.busy_until = close if close is not None else dt.date.max
        if status == "cancelled":
            rec["notes"] = ctx.t(NOTES["cancelled"])
            vehicle.busy_until = day
            self.jobs.append(job)
            return job
        self._lines(job, kind, first, backordered)
        self.load[team, month] = self.load.get((team, month), 0.0) + sum(
            ln["qty"] for ln in job.lines if ln["line_type"] == "labor")
        self._after_work(job, status)
        if status == "waiting_parts":
            self.parts.open_backorder(job.rec["wo_no"], job.open, job.vehicle)
        self.jobs.append(job)
        return job

    def _after_work(self, job: Job, status: str) -> None:
        """QC, CSI, complaints, follow-up call and the next service reminder."""
        ctx = self.ctx
        rng, rec = ctx.rng, job.rec
        if status in ("settled", "completed"):
            rec["qc_first_pass"] = rng.random() < (0.8 if rec["rework_of"] else 0.95)
            rec["qc_inspector_id"] = self.roster.pick("qc_inspector", job.open)
        if rec["repair_type"] == "maintenance" and status != "cancelled":
            rec["next_service_date"] = add_months(job.open, 6)
            rec["next_service_km"] = int(math.ceil((rec["mileage"] + 5000) / 1000) * 1000)
        if status != "settled" or rec["repair_type"] in ("pdi", "internal"):
            return
        assert job.close is not None
        complaint = rng.random() < (0.08 if rec["rework_of"] else 0.012)
        rec["complaint"] = complaint
        if rng.random() < 0.82:
            if complaint:
                rec["csi_score"] = ctx.choice((2, 3, 4, 5, 6))
            else:
                rec["csi_score"] = ctx.weighted((10, 9, 8, 7, 6, 5), (0.48, 0.26, 0.14, 0.07, 0.03, 0.02))
        roll = rng.random()
        delay = ctx.randint(1, 3) if roll < 0.86 else ctx.randint(4, 7) if roll < 0.92 else None
        if delay is not None and job.close + dt.timedelta(days=delay) <= ctx.end:
            call = job.close + dt.timedelta(days=delay)
            rec["followup_date"] = call
            rec["followup_by"] = self.roster.pick("customer_service", call)

    # -- lines ----------------------------------------------------------------------------

    def _add_line(self, job: Job, line_type: str, item_code: str | None, description: str, qty: float,
                  unit_price: float, pay_type: str, discount_pct: float = 0.0, technician_id: str | None = None,
                  actual_hours: float | None = None, cause: str | None = None, correction: str | None = None,
                  added_item: bool = False, customer_approved: bool | None = None, declined: bool = False,
                  cost: float | None = None) -> None:
        line = {
            "wo_no": job.rec["wo_no"], "line_no": len(job.lines) + 1, "line_type": line_type,
            "item_code": item_code, "description": description, "qty": qty, "unit_price": unit_price,
            "discount_pct": discount_pct, "pay_type": pay_type, "technician_id": technician_id,
            "actual_hours": actual_hours, "cause": cause, "correction": correction, "added_item": added_item,
            "customer_approved": customer_approved, "declined": declined, "cost": cost,
        }
        job.lines.append(line)
        self.lines.append(line)

    def _labor(self, job: Job, code: str, en: str, zh: str, hours: float, pay: str, discount: float = 0.0,
               cause: tuple[str, str] | None = None, added: bool = False, declined: bool = False) -> None:
        ctx = self.ctx
        rng = ctx.rng
        # The team leader dispatches (派工) to someone who stays until the job is done: of two
        # members, the one given fewer hours a day on duty this month, so that the hours spread
        # as evenly as in a real team (a newcomer catches up with the others).
        team = job.rec["team"]
        crew = self.roster.on_duty("team_leader", job.open, team) + self.roster.on_duty("technician", job.open, team)
        staying = [s for s in crew if s.leave is None or s.leave >= job.last_day]
        pool = staying or crew or self.roster.on_duty("technician", job.open)
        month = (job.open.year, job.open.month)
        first_day = job.open.replace(day=1)

        def load(staff: Staff) -> float:
            days = (job.open - max(first_day, staff.hire)).days + 1
            return self.load.get((staff.staff_id, month), 0.0) / days

        first, second = ctx.choice(pool), ctx.choice(pool)
        tech = (first if load(first) <= load(second) else second).staff_id
        self.load[tech, month] = self.load.get((tech, month), 0.0) + hours
        # A declined item names the technician who found it; only work done has clock hours.
        actual = None
        if not declined:
            # Warranty time is paid at the standard time: the clock is never below it. Otherwise
            # a technician beats the standard time slightly on average (efficiency about 103%).
            low, high = (1.0, 1.3) if pay == "warranty" else (0.75, 1.2)
            actual = round(hours * rng.uniform(low, high), 1)
        self._add_line(job, line_type="labor", item_code=code, description=ctx.t((en, zh)), qty=hours,
                       unit_price=LABOR_RATE, discount_pct=discount, pay_type=pay, technician_id=tech,
                       actual_hours=actual, cause=ctx.t(cause) if cause and not declined else None,
                       correction=ctx.t((en, zh)) if cause and not declined else None, added_item=added,
                       customer_approved=True if added else False if declined else None, declined=declined)

    def _part_line(self, job: Job, part: Part | None, pay: str, discount: float = 0.0, qty: int | None = None,
                   added: bool = False, declined: bool = False, issue_on: dt.date | None = None) -> None:
        if part is None:
            return
        item = part.item
        qty = qty if qty is not None else self.ctx.randint(*item.qty)
        line_type = "accessory" if item.category == "accessory" else "part"
        self._add_line(job, line_type=line_type, item_code=part.rec["part_no"], description=part.rec["name"],
                       qty=float(qty), unit_price=part.rec["sale_price"], discount_pct=discount, pay_type=pay,
                       added_item=added, customer_approved=True if added else False if declined else None,
                       declined=declined)
        if not declined:
            self.parts.issue(job.rec["wo_no"], job.open, job.last_day, part, qty, issue_on)
            if issue_on is not None:
                self.parts.register_backorder(job.rec["wo_no"], job.open, part, qty, issue_on)

    def _replace(self, job: Job, num: str, pay: str, discount: float, cause_key: str,
                 issue_on: dt.date | None = None, added: bool = False) -> bool:
        """Replace a part: its labor line and its part line. False when the part does not fit."""
        part = self.parts.part_for(num, job.vehicle)
        if part is None:
            return False
        item = part.item
        if item.hours:
            self._labor(job, f"R{item.num}", f"Replace {item.en.lower()}", f"更换{item.zh}", item.hours, pay,
                        discount, CAUSES[cause_key], added=added)
        self._part_line(job, part, pay, discount, issue_on=issue_on, added=added)
        return True

    def _discount(self) -> float:
        discount: float = self.ctx.weighted((0.0, 0.05, 0.1), (0.85, 0.1, 0.05))
        return discount

    def _lines(self, job: Job, kind: str, first: bool, backordered: bool) -> None:
        ctx = self.ctx
        rng = ctx.rng
        part_for = self.parts.part_for
        repair_type = job.rec["repair_type"]
        disc = self._discount()
        # A backordered part arrives on the last day of the job and is fitted then.
        issue_late = job.last_day if backordered else None
        if kind == "pdi":
            code, en, zh, hrs = LABOR["pdi"]
            self._labor(job, code, en, zh, hrs[0], "internal")
            return
        if kind == "internal":
            code, en, zh, hrs = LABOR["internal"]
            self._labor(job, code, en, zh, round(rng.uniform(*hrs), 1), "internal")
            self._part_line(job, part_for("15400", job.vehicle), "internal")
            self._part_line(job, part_for("08880", None), "internal")
            return
        if kind == "rework":
            pay = "warranty" if repair_type == "warranty" and self.fleet.under_warranty(job.vehicle, job.open) \
                else "internal"
            code, en, zh, hrs = LABOR["rework"]
            self._labor(job, code, en, zh, round(rng.uniform(*hrs), 1), pay, cause=CAUSES["repair"])
            if rng.random() < 0.4:
                self._part_line(job, part_for("88101", None), pay)
            return
        if repair_type == "maintenance":
            self._maintenance(job, first, disc)
        elif repair_type == "general_repair":
            self._general(job, disc, issue_late)
        elif repair_type == "body_paint":
            self._body(job, "customer", disc, panels=ctx.randint(1, 2), parts=rng.random() < 0.35)
        elif repair_type == "accident":
            self._accident(job, issue_late)
        elif repair_type == "warranty":
            self._warranty(job, issue_late)
        elif repair_type == "recall":
            self._recall(job)
        if repair_type != "recall" and rng.random() < 0.08:
            # Accessories sold at the service desk.
            self._part_line(job, part_for(ctx.choice(GROUP["accessory"]), job.vehicle), "customer", disc)
        if repair_type in ("maintenance", "general_repair") and rng.random() < 0.12:
            code, en, zh, price = ctx.choice(MISC)
            self._add_line(job, line_type="misc", item_code=code, description=ctx.t((en, zh)), qty=1.0,
                           unit_price=price, pay_type="customer")

    def _maintenance(self, job: Job, first: bool, disc: float) -> None:
        ctx = self.ctx
        rng = ctx.rng
        part_for = self.parts.part_for
        pay = "warranty" if first else "customer"
        disc = 0.0 if first else disc
        code, en, zh, hrs = LABOR["first" if first else "service"]
        self._labor(job, code, en, zh, round(rng.uniform(*hrs), 1), pay, disc)
        code, en, zh, hrs = LABOR["inspection"]
        self._labor(job, code, en, zh, hrs[0], pay, disc)
        self._part_line(job, part_for("08880", None), pay, disc)
        self._part_line(job, part_for("15400", job.vehicle), pay, disc)
        if first:
            return
        if rng.random() < 0.4:
            code, en, zh, hrs = LABOR["rotation"]
            self._labor(job, code, en, zh, hrs[0], pay, disc)
        for num, chance in (("17220", 0.4), ("80292", 0.3), ("12290", 0.12), ("08203", 0.08)):
            if rng.random() < chance:
                self._replace(job, num, pay, disc, "maint")
        roll = rng.random()
        if roll < 0.15:  # suggested and declined: brake pads, an AC or a throttle cleaning
            if rng.random() < 0.5:
                self._part_line(job, part_for("45022", job.vehicle), "customer", declined=True)
            else:
                code, en, zh, hrs = LABOR[ctx.choice(("ac_clean", "throttle"))]
                self._labor(job, code, en, zh, hrs[0], "customer", declined=True)
        elif roll < 0.25:  # found during the service, approved by the customer
            self._replace(job, "76620", "customer", disc, "maint", added=True)
        elif roll < 0.4:  # the cleaning a 4S store offers with every service, approved
            code, en, zh, hrs = LABOR[ctx.choice(("ac_clean", "throttle"))]
            self._labor(job, code, en, zh, hrs[0], "customer", disc, added=True)

    def _general(self, job: Job, disc: float, issue_late: dt.date | None) -> None:
        ctx = self.ctx
        rng = ctx.rng
        part_for = self.parts.part_for
        goodwill = rng.random() < 0.05
        pay = "goodwill" if goodwill else "customer"
        disc = 0.0 if goodwill else disc
        if rng.random() < 0.7:
            code, en, zh, hrs = LABOR["diag"]
            self._labor(job, code, en, zh, round(rng.uniform(*hrs), 1), pay, disc)
        # Only parts the store carries for this car (a small store stocks fewer families).
        fits = [num for num in GROUP["repair"] if part_for(num, job.vehicle) is not None]
        count = min(len(fits), ctx.weighted((1, 2, 3), (0.4, 0.4, 0.2)))
        for n, num in enumerate(rng.sample(fits, count)):
            self._replace(job, num, pay, disc, "repair", issue_on=None if n else issue_late)
        if rng.random() < 0.3:
            self._part_line(job, part_for(ctx.choice(("88101", "88102", "88103")), None), pay, disc)
        if rng.random() < 0.15:
            code, en, zh, hrs = LABOR["alignment"]
            self._labor(job, code, en, zh, hrs[0], "customer", disc, added=rng.random() < 0.5)
        if rng.random() < 0.05:
            self._sublet(job, "customer")
        if rng.random() < 0.08:
            self._replace(job, "43022", "customer", 0.0, "repair", added=True)
        if rng.random() < 0.1:
            self._part_line(job, part_for("51605", job.vehicle), "customer", declined=True)

    def _shop_full(self, job: Job) -> bool:
        """Whether the job's team has already been given its capacity of flag hours this month."""
        team = job.rec["team"]
        members = len(self.roster.on_duty("team_leader", job.open, team)
                      + self.roster.on_duty("technician", job.open, team))
        return self.load.get((team, (job.open.year, job.open.month)), 0.0) >= TEAM_CAPACITY * members

    def _body(self, job: Job, pay: str, disc: float, panels: int, parts: bool) -> None:
        ctx = self.ctx
        rng = ctx.rng
        work = [(LABOR[key], round(rng.uniform(*LABOR[key][3]), 1))
                for _ in range(panels) for key in ("panel", "paint")]
        if self._shop_full(job):
            # A full body shop sends the panel and paint work out at the store's labor price.
            price = float(round(sum(hours for _, hours in work) * LABOR_RATE, -1))
            cost = round(price / (1 + TAX_RATE) * rng.uniform(0.6, 0.75), 2)
            code, en, zh = BODY_SUBLET
            self._add_line(job, line_type="sublet", item_code=code, description=ctx.t((en, zh)), qty=1.0,
                           unit_price=price, discount_pct=disc, pay_type=pay, cost=cost)
        else:
            for (code, en, zh, _), hours in work:
                self._labor(job, code, en, zh, hours, pay, disc, CAUSES["body"])
        if parts:
            for num in rng.sample(GROUP["body"], ctx.randint(1, 2)):
                self._replace(job, num, pay, disc, "body")
        for num in ("88001", "88002"):
            self._part_line(job, self.parts.part_for(num, None), pay, disc)
        if rng.random() < 0.4:
            self._part_line(job, self.parts.part_for(ctx.choice(("88003", "88004", "88005", "88006")), None),
                            pay, disc)
        if rng.random() < 0.2:
            code, en, zh, hrs = LABOR["polish"]
            self._labor(job, code, en, zh, round(rng.uniform(*hrs), 1), "customer", disc, added=True)

    def _accident(self, job: Job, issue_late: dt.date | None) -> None:
        ctx = self.ctx
        rng = ctx.rng
        first = True
        for num in rng.sample(GROUP["body"], ctx.randint(1, 3)):
            if self._replace(job, num, "insurance", 0.0, "body", issue_on=issue_late if first else None):
                first = False
        self._body(job, "insurance", 0.0, panels=ctx.randint(1, 3), parts=False)
        if rng.random() < 0.15:
            self._sublet(job, "insurance")
        if rng.random() < 0.15:  # the customer's own extra, paid by them
            self._replace(job, "76620", "customer", 0.0, "maint", added=True)

    def _warranty(self, job: Job, issue_late: dt.date | None) -> None:
        ctx = self.ctx
        rng = ctx.rng
        part_for = self.parts.part_for
        code, en, zh, hrs = LABOR["diag"]
        self._labor(job, code, en, zh, round(rng.uniform(*hrs), 1), "warranty")
        fits = [num for num in WARRANTY_REPAIRS if part_for(num, job.vehicle) is not None]
        count = min(len(fits), ctx.weighted((1, 2), (0.8, 0.2)))
        for n, num in enumerate(rng.sample(fits, count)):
            self._replace(job, num, "warranty", 0.0, "warranty", issue_on=None if n else issue_late)
        if rng.random() < 0.2:  # due maintenance done on the same visit, customer pay
            code, en, zh, hrs = LABOR["service"]
            self._labor(job, code, en, zh, hrs[0], "customer")
            self._part_line(job, part_for("08880", None), "customer")
            self._part_line(job, part_for("15400", job.vehicle), "customer")

    def _recall(self, job: Job) -> None:
        rng = self.ctx.rng
        code, en, zh, hrs = LABOR["recall"]
        self._labor(job, code, en, zh, round(rng.uniform(*hrs), 1), "warranty", cause=CAUSES["recall"])
        if rng.random() < 0.5:
            self._replace(job, "90001", "warranty", 0.0, "recall")

    def _sublet(self, job: Job, pay: str) -> None:
        ctx = self.ctx
        rng = ctx.rng
        code, en, zh, low, high = ctx.choice(SUBLET)
        price = float(round(rng.uniform(low, high), -1))
        cost = round(price / (1 + TAX_RATE) * rng.uniform(0.6, 0.8), 2)
        self._add_line(job, line_type="sublet", item_code=code, description=ctx.t((en, zh)), qty=1.0,
                       unit_price=price, pay_type=pay, cost=cost)

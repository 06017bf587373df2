"""The demo's workshop registers (issue 12): the tool room (tools, public-tool loans with some
overdue and one lost, personal tool kits), the equipment ledger with calibration intervals (one
device due next month), training sessions, courtesy cars lent and returned,
appraisal weights for every role of the roster, and two people holding a second post.

Everything is drawn from its own ``random.Random(f"{seed}-workshop")``, after every other step, so
that the records of the other sheets stay identical for a seed; the concurrent posts are chosen
without drawing at all.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from addin.demo.context import Context, add_months, record
from addin.demo.people import Roster
from addin.demo.vehicles import Fleet

WORKSHOP_ROLES = ("technician", "team_leader")

# (name, kind, qty): the public tools a small tool room lends and the personal kit of each
# technician (三帐二卡: 工具台账, 公用工具借用卡, 个人工具领用卡).
PUBLIC_TOOLS = (
    (("Torque wrench 40-200 Nm", "扭力扳手 40-200Nm"), 2), (("Diagnostic scanner", "诊断仪"), 2),
    (("Oscilloscope", "示波器"), 1), (("Engine hoist", "发动机吊架"), 1), (("Transmission jack", "变速箱托架"), 1),
    (("Spring compressor", "弹簧压缩器"), 2), (("Timing tool kit", "正时专用工具"), 1),
    (("Battery tester", "蓄电池检测仪"), 1), (("Coolant pressure tester", "冷却系统测漏仪"), 1),
    (("Insulated tool set (EV)", "绝缘工具组（新能源）"), 1),
)
PERSONAL_TOOLS = (
    (("Socket set 1/2\"", "套筒组 1/2\""), 1), (("Combination spanners", "梅花开口扳手组"), 1),
    (("Screwdriver set", "螺丝刀组"), 1), (("Multimeter", "万用表"), 1),
)
# (name, category, calibration months or None, value): the equipment ledger (设备台账).
EQUIPMENT = (
    (("Two-post lift", "双柱举升机"), ("Lift", "举升设备"), None, 18000),
    (("Four-post lift", "四柱举升机"), ("Lift", "举升设备"), None, 32000),
    (("Wheel aligner", "四轮定位仪"), ("Measuring", "检测设备"), 12, 120000),
    (("Brake tester", "制动检测台"), ("Measuring", "检测设备"), 12, 85000),
    (("Exhaust gas analyser", "尾气分析仪"), ("Measuring", "检测设备"), 12, 46000),
    (("Torque wrench tester", "扭力扳手检定仪"), ("Measuring", "检测设备"), 6, 15000),
    (("Tyre pressure gauge", "胎压表"), ("Measuring", "检测设备"), 12, 600),
    (("Headlamp tester", "前照灯检测仪"), ("Measuring", "检测设备"), 12, 22000),
    (("AC recovery machine", "空调冷媒回收机"), ("Service", "维修设备"), None, 28000),
    (("Paint booth", "烤漆房"), ("Body", "钣喷设备"), None, 150000),
    (("Spray gun viscosity cup", "涂料粘度杯"), ("Measuring", "检测设备"), 12, 300),
)
TRAINING_TOPICS = (
    (("New model technical training", "新车型技术培训"), WORKSHOP_ROLES + ("technical_director", "qc_inspector")),
    (("EV high-voltage safety", "新能源高压安全"), WORKSHOP_ROLES + ("workshop_supervisor",)),
    (("Reception and walk-around check", "接车与环车检查规范"), ("service_advisor", "front_desk_supervisor")),
    (("Warranty policy update", "保修政策更新"), ("claims_specialist", "service_advisor", "insurance_specialist")),
    (("Final inspection standard", "终检标准"), ("qc_inspector", "team_leader", "workshop_supervisor")),
    (("Parts FIFO and stocktake", "配件先进先出与盘点"), ("parts_manager", "parts_planner", "parts_clerk")),
    (("Follow-up call etiquette", "回访话术"), ("customer_service", "service_advisor")),
)
# Appraisal weights per role (绩效考核权重): (kpi, weight, target or None for the settings target).
# A technician's and a team leader's flag_hours are their own (the per-technician table), an
# advisor's revenue and csi their own (the per-advisor table); the rest are the department's.
WEIGHTS: dict[str, tuple[tuple[str, float, float | None], ...]] = {
    "service_manager": (("revenue", 0.4, None), ("gross_margin", 0.3, None), ("csi", 0.2, None),
                        ("staff_turnover", 0.1, 0.02)),
    # A front desk supervisor takes the per-advisor figures of their own jobs: these are not among them.
    "front_desk_supervisor": (("appointment_rate", 0.4, None), ("followup_rate", 0.3, None),
                              ("gross_margin", 0.3, None)),
    "service_advisor": (("revenue", 0.5, None), ("csi", 0.3, 9.0), ("declined_amount", 0.2, 3000)),
    "claims_specialist": (("claim_rejection_rate", 0.6, None), ("receivables", 0.4, 60000)),
    "insurance_specialist": (("claim_days_to_pay", 0.5, 30), ("claim_rejection_rate", 0.5, None)),
    "workshop_supervisor": (("settled_ros", 0.4, None), ("comeback_rate", 0.3, None),
                            ("qc_first_pass_rate", 0.3, None)),
    "technical_director": (("first_time_fix_rate", 0.5, None), ("comeback_rate", 0.5, None)),
    # The team leader's weights add to 1.2, not 1: a score divides by the weights it uses.
    "team_leader": (("flag_hours", 0.5, 170), ("efficiency", 0.3, 1.0), ("comebacks", 0.2, 1),
                    ("qc_first_pass_rate", 0.2, None)),
    "technician": (("flag_hours", 0.5, 150), ("efficiency", 0.3, 1.0), ("productivity", 0.2, 0.75)),
    "qc_inspector": (("qc_first_pass_rate", 0.5, None), ("comeback_rate", 0.5, None)),
    "parts_manager": (("stock_turnover", 0.4, None), ("fill_rate", 0.3, None), ("stocktake_accuracy", 0.3, 1.0)),
    "parts_planner": (("fill_rate", 0.6, None), ("below_safety_count", 0.4, 5)),
    "parts_clerk": (("stocktake_accuracy", 0.5, 1.0), ("fill_rate", 0.5, None)),
    "customer_service": (("followup_rate", 0.6, None), ("appointment_rate", 0.4, None)),
    "cashier": (("settled_ros", 1.0, None),),
    "info_clerk": (("entries", 0.5, None), ("training_hours", 0.5, 40)),
}
# The concurrent posts (兼职): the technical director also leads a team, the workshop supervisor
# also does final inspection (the QC vacancy is filled that way).
ALSO_ROLES = (("technical_director", "team_leader"), ("workshop_supervisor", "qc_inspector"))


class WorkshopRegisters:
    """Builds the registers of issue 12 from the finished roster, fleet and jobs."""

    def __init__(self, ctx: Context, seed: int, roster: Roster, fleet: Fleet, jobs: list[dict[str, Any]],
                 settings: list[dict[str, Any]]) -> None:
        self.ctx = ctx
        self.settings = settings
        self.rng = random.Random(f"{seed}-workshop")
        self.roster = roster
        self.fleet = fleet
        self.jobs = jobs
        self.out: dict[str, list[dict[str, Any]]] = {}

    def _day(self, lo: dt.date, hi: dt.date) -> dt.date:
        return lo + dt.timedelta(days=self.rng.randint(0, max((hi - lo).days, 0)))

    def _on_duty(self, roles: tuple[str, ...], day: dt.date) -> list[dict[str, Any]]:
        return [r for r in self.roster.records if r["role"] in roles and r["hire_date"] <= day
                and (r["leave_date"] is None or r["leave_date"] >= day)]

    def build(self) -> dict[str, list[dict[str, Any]]]:
        self._also_roles()
        self._tools()
        self._equipment()
        self._training()
        self._loaners()
        self._weights()
        return self.out

    def _also_roles(self) -> None:
        end = self.ctx.end
        for role, also in ALSO_ROLES:
            holders = self._on_duty((role,), end)
            if holders:
                holders[0]["also_roles"] = also

    def _tools(self) -> None:
        ctx, rng = self.ctx, self.rng
        tools, loans, issues = [], [], []
        for i, (name, qty) in enumerate(PUBLIC_TOOLS, start=1):
            tools.append(record("tools", tool_id=f"GT{i:03d}", name=ctx.t(name), kind="public", qty=qty,
                                location=ctx.t(("Tool room", "工具室")), status="in_use"))
        for i, (name, qty) in enumerate(PERSONAL_TOOLS, start=1):
            tools.append(record("tools", tool_id=f"PT{i:03d}", name=ctx.t(name), kind="personal", qty=qty,
                                location=ctx.t(("Issued to technicians", "已发放技工")), status="in_use"))
        public = [t for t in tools if t["kind"] == "public"]
        # Public-tool loans: a few a working day, returned the same or the next day, some late.
        day, n = ctx.start, 0
        last_month = ctx.end.replace(day=1)
        while day <= ctx.end:
            if day.weekday() < 6:
                for _ in range(rng.randint(0, 2)):
                    staff = self._on_duty(WORKSHOP_ROLES, day)
                    if not staff:
                        continue
                    n += 1
                    who = rng.choice(staff)
                    due = day + dt.timedelta(days=rng.choice((0, 1, 1, 2)))
                    late = rng.random() < 0.08
                    back: dt.date | None = due + dt.timedelta(days=rng.randint(1, 4) if late else 0)
                    if who["leave_date"] is not None and back is not None and back > who["leave_date"]:
                        back = who["leave_date"]
                    condition: str | None = "damaged" if rng.random() < 0.02 else "ok"
                    if back is not None and back > ctx.end:
                        back, condition = None, None
                    loans.append(record("tool_loans", loan_id=f"TL{n:05d}", tool_id=rng.choice(public)["tool_id"],
                                        staff_id=who["staff_id"], out_date=day, due_date=due, returned_date=back,
                                        condition=condition))
            day += dt.timedelta(days=1)
        # The last month: two loans not back by their due date (overdue at the end) and one tool lost.
        techs = self._on_duty(WORKSHOP_ROLES, ctx.end)
        for k, offset in enumerate((12, 6)):
            out = ctx.end - dt.timedelta(days=offset + 2)
            n += 1
            loans.append(record("tool_loans", loan_id=f"TL{n:05d}", tool_id=public[k]["tool_id"],
                                staff_id=techs[k % len(techs)]["staff_id"], out_date=out,
                                due_date=out + dt.timedelta(days=2)))
        lost_out = last_month + dt.timedelta(days=3)
        n += 1
        loans.append(record("tool_loans", loan_id=f"TL{n:05d}", tool_id=public[-1]["tool_id"],
                            staff_id=techs[-1]["staff_id"], out_date=lost_out, due_date=lost_out + dt.timedelta(days=1),
                            returned_date=lost_out + dt.timedelta(days=4), condition="lost"))
        public[-1]["status"] = "lost"
        # Personal kits: issued at hire (or the span's start), returned on leaving.
        m = 0
        for r in self.roster.records:
            if r["role"] not in WORKSHOP_ROLES:
                continue
            if r["leave_date"] is not None and r["leave_date"] < ctx.start:
                continue
            issued = max(r["hire_date"], ctx.start)
            for t in tools:
                if t["kind"] != "personal":
                    continue
                m += 1
                gone = r["leave_date"] if r["leave_date"] is not None and r["leave_date"] <= ctx.end else None
                issues.append(record("tool_issues", issue_id=f"TI{m:05d}", tool_id=t["tool_id"],
                                     staff_id=r["staff_id"], issue_date=issued, qty=1, returned_date=gone,
                                     condition=("ok" if rng.random() < 0.9 else "damaged") if gone else None))
        self.out.update(tools=tools, tool_loans=loans, tool_issues=issues)

    def _equipment(self) -> None:
        ctx, rng = self.ctx, self.rng
        custodians = self._on_duty(("workshop_supervisor", "technical_director"), ctx.end) or self.roster.records[:1]
        rows = []
        next_month = add_months(ctx.end.replace(day=1), 1)
        for i, (name, category, months, value) in enumerate(EQUIPMENT, start=1):
            bought = ctx.start - dt.timedelta(days=rng.randint(200, 1500))
            last: dt.date | None = None
            if months:
                if i == 3:    # the wheel aligner falls due next month
                    last = add_months(next_month + dt.timedelta(days=9), -months)
                else:
                    last = ctx.end - dt.timedelta(days=rng.randint(40, months * 30 - 70))
            rows.append(record(
                "equipment", asset_id=f"EQ{i:03d}", name=ctx.t(name), category=ctx.t(category),
                location=ctx.t(("Workshop", "车间") if i != 10 else ("Body shop", "钣喷车间")),
                serial_no=f"SN{rng.randint(100000, 999999)}", purchase_date=bought, value=float(value),
                calibration_months=months, last_calibrated=last, status="in_use",
                custodian_id=custodians[i % len(custodians)]["staff_id"]))
        rows[7]["status"] = "repair"   # the headlamp tester is away for repair: not due while it is
        self.out["equipment"] = rows

    def _training(self) -> None:
        ctx, rng = self.ctx, self.rng
        trainers = self._on_duty(("technical_director",), ctx.end)
        rows = []
        month = ctx.start.replace(day=1)
        n = 0
        while month <= ctx.end:
            for _ in range(rng.randint(1, 2)):
                topic, roles = rng.choice(TRAINING_TOPICS)
                last = add_months(month, 1) - dt.timedelta(days=1)
                day = self._day(month, min(last, ctx.end))
                people = self._on_duty(roles, day)
                if not people:
                    continue
                n += 1
                hours = float(rng.choice((2, 3, 4, 8)))
                trainer = (ctx.t(("Manufacturer trainer", "厂家讲师")) if rng.random() < 0.4 or not trainers
                           else trainers[0]["name"])
                for p in people:
                    score = float(rng.randint(62, 100))
                    rows.append(record("training", training_id=f"TR{n:04d}", date=day, topic=ctx.t(topic),
                                       trainer=trainer, staff_id=p["staff_id"], hours=hours, passed=score >= 70,
                                       score=score))
            month = add_months(month, 1)
        self.out["training"] = rows

    def _loaners(self) -> None:
        """Courtesy cars lent for longer jobs, approved by the service manager or the front desk
        supervisor, back the day the job is settled or the day after; some still out at the end."""
        ctx, rng = self.ctx, self.rng
        cars = [v.vin for v in self.fleet.courtesy]
        if not cars:
            self.out["loaners"] = []
            return
        free_from = dict.fromkeys(cars, ctx.start)
        rows = []
        long_jobs = [j for j in self.jobs if j["repair_type"] in ("general_repair", "accident", "body_paint", "warranty")
                     and j["status"] != "cancelled" and (j["close_date"] is None or (j["close_date"] - j["open_date"]).days >= 2)]
        for job in sorted(long_jobs, key=lambda j: (j["open_date"], j["wo_no"])):
            if rng.random() > 0.25:
                continue
            out = job["open_date"]
            car = next((c for c in cars if free_from[c] <= out), None)
            if car is None:
                continue
            approvers = self._on_duty(("service_manager", "front_desk_supervisor"), out)
            if not approvers:
                continue
            back = None
            if job["status"] == "settled" and job["close_date"] is not None:
                back = job["close_date"] + dt.timedelta(days=rng.choice((0, 0, 1)))
                if back > ctx.end:
                    back = None
            free_from[car] = back + dt.timedelta(days=1) if back else dt.date.max
            km = rng.randint(8000, 40000)
            rows.append(record("loaners", loan_id=f"LN{len(rows) + 1:04d}", loaner_vin=car, wo_no=job["wo_no"],
                               customer_name=job["customer_name"], out_date=out, out_km=km, return_date=back,
                               return_km=km + rng.randint(20, 400) if back else None,
                               approved_by=rng.choice(approvers)["staff_id"]))
        self.out["loaners"] = rows

    def _weights(self) -> None:
        """Every role's weights; an advisor's own revenue is set against the department's revenue
        target shared over the advisors on duty at the end (the settings target is the store's),
        settled ROs against the entries target."""
        roles = {r["role"] for r in self.roster.records}
        advisors = len(self._on_duty(("service_advisor",), self.ctx.end)) or 1
        targets = {s["key"]: float(s["value"]) for s in self.settings if str(s["key"]).startswith("target_")}
        store_target = targets.get("target_revenue")
        entries_target = targets.get("target_entries")
        rows: list[dict[str, Any]] = []
        for role, items in WEIGHTS.items():
            if role not in roles:
                continue
            for kpi, weight, target in items:
                if role == "service_advisor" and kpi == "revenue" and store_target:
                    target = round(store_target / advisors, -2)
                elif kpi == "settled_ros" and target is None:
                    target = entries_target
                rows.append(record("appraisal_weights", role=role, kpi=kpi, weight=weight, target=target))
        self.out["appraisal_weights"] = rows


def build_workshop(ctx: Context, seed: int, roster: Roster, fleet: Fleet, jobs: list[dict[str, Any]],
                   settings: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The issue-12 registers of the demo store; sets also_roles on two roster records."""
    return WorkshopRegisters(ctx, seed, roster, fleet, jobs, settings).build()

"""The parts of the demo store: the parts master (a catalog of part families per model and
universal), and the parts desk's books: the parts ledger replayed day by day (receipts arriving
before the issues they feed, reorders at safety stock, special orders for body parts, costs
drifting slightly so FIFO and moving average differ), backorders and the last month's stocktake.

The workshop registers its issues here as it opens jobs (:meth:`Parts.issue`); the ledger is
built from them afterwards."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from addin.demo.context import TAX_RATE, Context, record
from addin.demo.people import Roster
from addin.demo.vehicles import MODELS, Vehicle

#: Parts in the parts master, by size.
PART_COUNTS: dict[str, int] = {"small": 150, "medium": 400, "large": 800}

UNITS = {
    "pc": ("pc", "个"), "set": ("set", "套"), "bottle": ("bottle", "瓶"), "can": ("can", "罐"),
    "L": ("L", "升"), "roll": ("roll", "卷"), "pack": ("pack", "包"), "tube": ("tube", "支"),
}

NOTES = {
    "special": ("Special order for {wo}", "为工单 {wo} 专项订货"),
    "over_issue": ("Unused, returned to stock", "未用完退回"),
    "to_supplier": ("Damaged on arrival, returned", "到货破损退回"),
    "opening": ("Opening stock", "期初库存"),
}


@dataclass(frozen=True)
class Item:
    """A catalog item: a part family (per model or universal) and the labor to fit it."""

    num: str
    en: str
    zh: str
    group: str  # maint, fluid, repair, body, recall, accessory, paint, shop
    category: str
    unit: str
    cost: float
    per_model: bool
    qty: tuple[int, int] = (1, 1)
    hours: float = 0.0
    safety: float = 0.0  # safety stock for a small store and one model


def _items() -> tuple[Item, ...]:
    m, u = True, False
    rows = [
        # Per-model parts, in order of how often a store carries them (the tail is cut for
        # the smaller part counts).
        ("15400", "Oil filter", "机油滤清器", "maint", "oem", "pc", 28, m, (1, 1), 0, 6),
        ("17220", "Air filter", "空气滤清器", "maint", "oem", "pc", 45, m, (1, 1), 0.2, 3),
        ("80292", "Cabin air filter", "空调滤清器", "maint", "oem", "pc", 55, m, (1, 1), 0.3, 3),
        ("12290", "Spark plug", "火花塞", "maint", "oem", "pc", 38, m, (4, 4), 0.8, 8),
        ("76620", "Wiper blade set", "雨刮片总成", "maint", "oem", "set", 85, m, (1, 1), 0.2, 2),
        ("45022", "Front brake pads", "前刹车片", "repair", "oem", "set", 260, m, (1, 1), 1.0, 2),
        ("43022", "Rear brake pads", "后刹车片", "repair", "oem", "set", 220, m, (1, 1), 1.0, 2),
        ("90001", "Airbag inflator (campaign)", "气囊气体发生器（服务活动）", "recall", "oem", "pc", 600, m,
         (1, 1), 1.5, 1),
        ("71101", "Front bumper cover", "前保险杠皮", "body", "oem", "pc", 980, m, (1, 1), 1.5, 0),
        ("33100", "Headlamp assembly", "前大灯总成", "body", "oem", "pc", 1680, m, (1, 1), 1.0, 0),
        ("45251", "Front brake disc", "前刹车盘", "repair", "oem", "pc", 340, m, (2, 2), 1.5, 2),
        ("31500", "Battery 12V 60Ah", "蓄电池12V 60Ah", "repair", "oem", "pc", 520, m, (1, 1), 0.3, 1),
        ("71501", "Rear bumper cover", "后保险杠皮", "body", "oem", "pc", 920, m, (1, 1), 1.5, 0),
        ("60211", "Front fender", "前翼子板", "body", "oem", "pc", 560, m, (1, 1), 2.0, 0),
        ("76200", "Door mirror assembly", "外后视镜总成", "body", "oem", "pc", 780, m, (1, 1), 0.6, 0),
        ("51605", "Front shock absorber", "前减震器", "repair", "oem", "pc", 480, m, (1, 2), 1.8, 1),
        ("30520", "Ignition coil", "点火线圈", "repair", "oem", "pc", 290, m, (1, 1), 0.5, 1),
        ("36532", "Oxygen sensor", "氧传感器", "repair", "oem", "pc", 380, m, (1, 1), 0.6, 1),
        ("57450", "ABS wheel speed sensor", "ABS轮速传感器", "repair", "oem", "pc", 240, m, (1, 1), 0.8, 1),
        ("99110", "All-weather floor mats", "全包围脚垫", "accessory", "accessory", "set", 320, m, (1, 1), 0, 2),
        ("33500", "Tail lamp assembly", "尾灯总成", "body", "oem", "pc", 620, m, (1, 1), 0.6, 0),
        ("71120", "Radiator grille", "中网", "body", "oem", "pc", 460, m, (1, 1), 0.8, 0),
        ("51350", "Front lower control arm", "前下摆臂", "repair", "oem", "pc", 390, m, (1, 1), 1.2, 1),
        ("44300", "Front wheel bearing", "前轮轴承", "repair", "oem", "pc", 320, m, (1, 1), 1.2, 1),
        ("19301", "Thermostat", "节温器", "repair", "oem", "pc", 160, m, (1, 1), 1.0, 1),
        ("99120", "Trunk mat", "后备箱垫", "accessory", "accessory", "pc", 150, m, (1, 1), 0, 1),
        ("44305", "CV joint", "传动轴球笼", "repair", "oem", "pc", 560, m, (1, 1), 1.5, 0),
        ("19200", "Water pump", "水泵", "repair", "oem", "pc", 450, m, (1, 1), 2.0, 0),
        ("60100", "Bonnet", "发动机盖", "body", "oem", "pc", 1350, m, (1, 1), 1.5, 0),
        ("19010", "Radiator", "散热器", "body", "oem", "pc", 890, m, (1, 1), 2.0, 0),
        ("67010", "Front door shell", "前车门壳", "body", "oem", "pc", 1890, m, (1, 1), 3.0, 0),
        ("73111", "Windscreen", "前挡风玻璃", "body", "oem", "pc", 1450, m, (1, 1), 2.0, 0),
        ("31100", "Alternator", "发电机", "repair", "oem", "pc", 1450, m, (1, 1), 1.5, 0),
        ("31200", "Starter motor", "起动机", "repair", "oem", "pc", 1180, m, (1, 1), 1.2, 0),
        ("14400", "Timing belt kit", "正时皮带套件", "repair", "oem", "set", 980, m, (1, 1), 3.0, 0),
        ("17040", "Fuel pump", "燃油泵", "repair", "oem", "pc", 760, m, (1, 1), 1.5, 0),
        ("38810", "AC compressor", "空调压缩机", "repair", "oem", "pc", 2600, m, (1, 1), 2.5, 0),
        ("99130", "Roof rack", "车顶行李架", "accessory", "accessory", "set", 880, m, (1, 1), 0, 0),
        ("99140", "Car cover", "车衣", "accessory", "accessory", "pc", 260, m, (1, 1), 0, 1),
        # Universal parts, fluids and consumables.
        ("08880", "Engine oil 5W-30 4L", "全合成机油5W-30 4L", "fluid", "oem", "bottle", 210, u, (1, 1), 0, 25),
        ("08203", "Brake fluid DOT4 1L", "制动液DOT4 1L", "fluid", "oem", "bottle", 48, u, (1, 1), 0.8, 4),
        ("08216", "Coolant 2L", "防冻冷却液2L", "fluid", "oem", "bottle", 65, u, (1, 2), 0.6, 4),
        ("08266", "Automatic transmission fluid 1L", "自动变速箱油1L", "fluid", "oem", "bottle", 75, u, (4, 6), 1.0, 8),
        ("08300", "AC system cleaner", "空调清洗剂", "fluid", "consumable", "can", 35, u, (1, 1), 0.5, 4),
        ("08350", "Fuel system cleaner", "燃油系统清洁剂", "fluid", "consumable", "bottle", 40, u, (1, 1), 0.3, 4),
        ("88001", "Base coat paint 1L", "色漆1L", "paint", "consumable", "L", 260, u, (1, 3), 0, 6),
        ("88002", "Clear coat 1L", "清漆1L", "paint", "consumable", "L", 180, u, (1, 2), 0, 5),
        ("88003", "Primer 1L", "底漆1L", "paint", "consumable", "L", 120, u, (1, 1), 0, 4),
        ("88004", "Masking tape", "遮蔽胶带", "paint", "consumable", "roll", 12, u, (2, 6), 0, 20),
        ("88005", "Sandpaper pack", "砂纸（包）", "paint", "consumable", "pack", 35, u, (1, 3), 0, 8),
        ("88006", "Polishing compound", "抛光剂", "paint", "consumable", "bottle", 90, u, (1, 1), 0, 3),
        ("88101", "Brake cleaner", "刹车清洗剂", "shop", "consumable", "can", 22, u, (1, 2), 0, 8),
        ("88102", "Multi-purpose grease", "通用润滑脂", "shop", "consumable", "tube", 28, u, (1, 1), 0, 4),
        ("88103", "Thread locker", "螺纹紧固胶", "shop", "consumable", "tube", 45, u, (1, 1), 0, 2),
        ("99201", "Dash camera", "行车记录仪", "accessory", "accessory", "pc", 480, u, (1, 1), 0.5, 2),
        ("99202", "Window tint film (full car)", "全车隔热膜", "accessory", "accessory", "set", 900, u, (1, 1), 3.0, 1),
        ("99203", "Seat cushion set", "座垫套装", "accessory", "accessory", "set", 360, u, (1, 1), 0, 1),
        ("99204", "Phone holder", "手机支架", "accessory", "accessory", "pc", 60, u, (1, 1), 0, 3),
        ("99205", "Tire pressure monitor", "胎压监测", "accessory", "accessory", "set", 420, u, (1, 1), 0.5, 1),
        ("99206", "Car air purifier", "车载空气净化器", "accessory", "accessory", "pc", 380, u, (1, 1), 0, 1),
    ]
    return tuple(Item(*r) for r in rows)


ITEMS = _items()
ITEM = {i.num: i for i in ITEMS}
GROUP = {g: [i.num for i in ITEMS if i.group == g] for g in ("repair", "body", "accessory")}
WARRANTY_REPAIRS = [n for n in GROUP["repair"] if n not in ("45022", "43022", "45251")]
_BACKORDERABLE = GROUP["repair"] + GROUP["body"]

SUPPLIERS = {
    "oem": ("Aurora Parts Distribution Center", "极光配件分拨中心"),
    "accessory": ("Aurora Lifestyle Accessories", "极光精品中心"),
    "paint": ("Nanfang Auto Paint Co.", "南方汽车涂料有限公司"),
    "consumable": ("Pengcheng Auto Supplies", "鹏城汽配用品商行"),
}


@dataclass
class Part:
    rec: dict[str, Any]
    item: Item
    cost: float


class Parts:
    """The parts master, the movements registered by day, the backorders, and the books built
    from them (ledger, stock, stocktake)."""

    def __init__(self, ctx: Context, roster: Roster) -> None:
        self.ctx = ctx
        self.roster = roster
        self.parts: list[Part] = []
        self.by_family: dict[tuple[str, int], list[Part]] = {}
        # Parts movements by day, in the order they happen on that day.
        self.events: dict[dt.date, list[tuple[Any, ...]]] = {}
        self.backorders: list[dict[str, Any]] = []
        self.stock: dict[str, float] = {}

    # -- parts master ---------------------------------------------------------------------

    def build(self) -> None:
        """The parts master: the size's part count of families, and a few superseded numbers."""
        ctx = self.ctx
        rng = ctx.rng
        target = PART_COUNTS[ctx.size]
        inactive = max(3, target // 40)
        universal = [i for i in ITEMS if not i.per_model]
        per_model = [i for i in ITEMS if i.per_model]
        families: list[tuple[Item, int, int]] = [(i, -1, 0) for i in universal]
        variant = 0
        while len(families) < target - inactive:
            for item in per_model:
                for m in range(len(MODELS)):
                    families.append((item, m, variant))
            variant += 1
        families = families[:target - inactive]
        for item, m, v in families:
            self._add_part(item, m, v, active=True)
        # Superseded numbers: still in stock from before the span, no longer issued (obsolete stock).
        old = [f for f in families if f[1] >= 0 and f[2] == 0 and f[0].group in ("repair", "maint")]
        for item, m, _v in rng.sample(old, inactive):
            self._add_part(item, m, -1, active=False)

    def _add_part(self, item: Item, model: int, variant: int, active: bool) -> None:
        ctx = self.ctx
        rng = ctx.rng
        factor = MODELS[model][4] if model >= 0 else 1.0
        if model >= 0:
            part_no = f"{item.num}-{MODELS[model][0]}{'S' if variant < 0 else variant + 1}"
        else:
            part_no = f"{item.num}-000"
        cost = round(item.cost * factor * (1 + 0.08 * max(variant, 0)) * rng.uniform(0.95, 1.05), 2)
        markup = {"oem": (1.30, 1.45), "accessory": (1.6, 1.9), "consumable": (1.35, 1.5)}[item.category]
        sale_price = float(round(cost * (1 + TAX_RATE) * rng.uniform(*markup)))
        share = MODELS[model][5] * len(MODELS) if model >= 0 else 1.0
        safety = float(round(item.safety * ctx.scale * share / (1 + max(variant, 0)))) if active else 0.0
        reorder = max(2.0, float(math.ceil(safety * 4))) if item.safety else 1.0
        name = ctx.t((item.en, item.zh))
        if model >= 0:
            name = f"{name} {MODELS[model][1 + ctx.lang]}"
            if variant > 0:
                name += f" ({'2.0T' if variant == 1 else 'Hybrid' if variant == 2 else f'V{variant + 1}'})"
        if not active:
            name += ctx.t((" (superseded)", "（已替代）"))
        supplier = SUPPLIERS["paint" if item.group == "paint" else item.category]
        bin_ = f"{'ABCDEFGH'[len(self.parts) % 8]}{len(self.parts) // 8 % 40 + 1:02d}-{len(self.parts) % 5 + 1}"
        rec = record("parts", part_no=part_no, name=name, category=item.category,
                     unit=ctx.t(UNITS[item.unit]), bin=bin_, sale_price=sale_price, safety_stock=safety,
                     reorder_qty=reorder, supplier=ctx.t(supplier), active=active)
        part = Part(rec, item, cost)
        self.parts.append(part)
        if active:
            self.by_family.setdefault((item.num, model), []).append(part)

    def part_for(self, num: str, vehicle: Vehicle | None) -> Part | None:
        """The part of family ``num`` that fits the vehicle (its model and engine variant)."""
        item = ITEM[num]
        if not item.per_model:
            found = self.by_family.get((num, -1))
            return found[0] if found else None
        if vehicle is None:
            return None
        found = self.by_family.get((num, vehicle.model))
        return found[vehicle.variant % len(found)] if found else None

    # -- movements registered as the jobs are opened --------------------------------------

    def issue(self, wo_no: str, opened: dt.date, last_day: dt.date, part: Part, qty: int, on: dt.date | None) -> None:
        """Issue ``qty`` of ``part`` to job ``wo_no`` (open from ``opened`` to ``last_day``) on
        ``on``, or on a day of the job drawn at random."""
        ctx = self.ctx
        rng = ctx.rng
        span_days = (last_day - opened).days
        if on is None:
            on = opened if span_days == 0 or rng.random() < 0.7 else \
                opened + dt.timedelta(days=ctx.randint(0, span_days))
        if rng.random() < 0.012:
            # One too many fetched from the store; the spare goes back before settlement.
            back = on + dt.timedelta(days=ctx.randint(0, (last_day - on).days))
            self.events.setdefault(on, []).append(("issue", part, qty + 1, wo_no, None))
            self.events.setdefault(back, []).append(("return_to_stock", part, 1, wo_no, None))
        else:
            self.events.setdefault(on, []).append(("issue", part, qty, wo_no, None))

    def register_backorder(self, wo_no: str, opened: dt.date, part: Part, qty: int, arrived: dt.date) -> None:
        """A part that was out of stock for the job: ordered on opening, issued the day it came."""
        ordered = min(opened + dt.timedelta(days=self.ctx.randint(0, 1)), arrived)
        bo_id = f"BO{len(self.backorders) + 1:05d}"
        self.backorders.append(record(
            "backorders", bo_id=bo_id, request_date=opened, wo_no=wo_no, part_no=part.rec["part_no"],
            qty=float(qty), ordered_date=ordered, arrived_date=arrived, notified_date=arrived))
        # The special order is received just before it is issued to the job.
        events = self.events[arrived]
        index = max(i for i, e in enumerate(events) if e[0] == "issue" and e[1] is part and e[3] == wo_no)
        events.insert(index, ("special", part, qty, wo_no, bo_id))

    def open_backorder(self, wo_no: str, opened: dt.date, vehicle: Vehicle) -> None:
        """A part the job waits for at the end: ordered, not arrived."""
        for _ in range(5):
            part = self.part_for(self.ctx.choice(_BACKORDERABLE), vehicle)
            if part is not None:
                break
        else:
            return
        ordered = min(opened + dt.timedelta(days=1), self.ctx.end)
        self.backorders.append(record(
            "backorders", bo_id=f"BO{len(self.backorders) + 1:05d}", request_date=opened, wo_no=wo_no,
            part_no=part.rec["part_no"], qty=1.0, ordered_date=ordered))

    def counter_sales(self, day: dt.date, daily_mean: float, fleet: list[Vehicle]) -> None:
        """The day's sales at the parts counter (a tenth of ``daily_mean``, the day's expected
        jobs), and now and then a customer order."""
        ctx = self.ctx
        rng = ctx.rng
        mean = daily_mean * 0.1
        sellable = [("08880", None), ("15400", True), ("17220", True), ("80292", True), ("76620", True),
                    ("45022", True), ("08216", None), ("99204", None), ("99201", None)]
        for _ in range(int(mean) + (rng.random() < mean - int(mean))):
            num, per_model = ctx.choice(sellable)
            vehicle = ctx.choice(fleet) if per_model else None
            part = self.part_for(num, vehicle)
            if part is not None:
                self.events.setdefault(day, []).append(("counter_sale", part, ctx.randint(1, 3), None, None))
        # A customer order at the parts counter, now and then.
        if rng.random() < 0.02 * ctx.scale ** 0.5:
            part = self.part_for("99110", ctx.choice(fleet))
            if part is not None:
                arrived = day + dt.timedelta(days=ctx.randint(2, 6))
                self.backorders.append(record(
                    "backorders", bo_id=f"BO{len(self.backorders) + 1:05d}", request_date=day, part_no=part.rec["part_no"],
                    qty=1.0, ordered_date=day, arrived_date=arrived if arrived <= ctx.end else None,
                    notified_date=arrived + dt.timedelta(days=1) if arrived + dt.timedelta(days=1) <= ctx.end else None))

    # -- the books ------------------------------------------------------------------------

    def _unit_cost(self, part: Part, day: dt.date) -> float:
        ctx = self.ctx
        months = (day.year - ctx.start.year) * 12 + day.month - ctx.start.month
        return round(part.cost * (1 + 0.004 * months) * ctx.rng.uniform(0.98, 1.03), 2)

    def build_ledger(self) -> list[dict[str, Any]]:
        """Replay the day's movements in order, receiving stock before it is needed: the opening
        stock on the first day, reorders when stock reaches safety stock (arriving one to four
        days later), and a special order for anything else (how body parts are bought)."""
        ctx = self.ctx
        rng = ctx.rng
        ledger: list[dict[str, Any]] = []
        stock: dict[str, float] = {}
        on_order: dict[str, float] = {}
        arrivals: dict[dt.date, list[tuple[Part, float]]] = {}
        doc_seq: dict[dt.date, int] = {}

        def doc(prefix: str, day: dt.date) -> str:
            doc_seq[day] = doc_seq.get(day, 0) + 1
            return f"{prefix}{day:%y%m%d}{doc_seq[day]:03d}"

        def post(day: dt.date, part: Part, txn: str, qty: float, **extra: Any) -> None:
            ledger.append(record("parts_ledger", txn_id=f"T{len(ledger) + 1:06d}", txn_date=day,
                                 part_no=part.rec["part_no"], txn_type=txn, qty=float(qty),
                                 staff_id=self.roster.pick("parts_clerk", day), **extra))
            sign = 1 if txn in ("receipt", "return_to_stock") else -1
            stock[part.rec["part_no"]] = stock.get(part.rec["part_no"], 0.0) + sign * qty

        def receive(day: dt.date, part: Part, qty: float, notes: str | None = None) -> None:
            post(day, part, "receipt", qty, unit_cost=self._unit_cost(part, day), doc_no=doc("DN", day), notes=notes)

        opening = ctx.start
        for part in self.parts:
            qty = part.rec["safety_stock"] + part.rec["reorder_qty"] if part.rec["active"] else ctx.randint(1, 4)
            if part.rec["active"] and not part.item.safety:
                qty = 0.0 if part.item.group == "body" else 1.0
            if qty:
                receive(opening, part, qty, ctx.t(NOTES["opening"]))
        day = ctx.start
        while day <= ctx.end:
            for part, qty in arrivals.pop(day, []):
                on_order[part.rec["part_no"]] -= qty
                receive(day, part, qty)
            for kind, part, qty, wo_no, ref in self.events.get(day, []):
                no = part.rec["part_no"]
                if kind == "special":
                    receive(day, part, qty, ctx.t(NOTES["special"]).format(wo=wo_no))
                    continue
                if kind == "return_to_stock":
                    post(day, part, kind, qty, wo_no=wo_no, notes=ctx.t(NOTES["over_issue"]))
                    continue
                if kind == "return_to_supplier":
                    if stock.get(no, 0.0) >= qty:
                        post(day, part, kind, qty, doc_no=ref, notes=ctx.t(NOTES["to_supplier"]))
                    continue
                if stock.get(no, 0.0) < qty:
                    receive(day, part, qty - stock.get(no, 0.0) + (part.rec["reorder_qty"] if part.item.safety else 0),
                            ctx.t(NOTES["special"]).format(wo=wo_no) if wo_no else None)
                if kind == "issue":
                    post(day, part, kind, qty, wo_no=wo_no)
                else:
                    post(day, part, kind, qty, unit_price=part.rec["sale_price"], doc_no=doc("XS", day))
                safety = part.rec["safety_stock"]
                if safety and stock[no] + on_order.get(no, 0.0) <= safety:
                    lead = day + dt.timedelta(days=ctx.randint(1, 4))
                    arrivals.setdefault(lead, []).append((part, part.rec["reorder_qty"]))
                    on_order[no] = on_order.get(no, 0.0) + part.rec["reorder_qty"]
                    if rng.random() < 0.01 and lead + dt.timedelta(days=2) <= ctx.end:
                        # Damaged in transit: sent back a few days after it arrived.
                        back = lead + dt.timedelta(days=ctx.randint(1, 3))
                        self.events.setdefault(back, []).append(("return_to_supplier", part, 1, None,
                                                                   f"TH{back:%y%m%d}{len(ledger) % 1000:03d}"))
            day += dt.timedelta(days=1)
        self.stock = stock
        return ledger

    def build_stocktake(self) -> list[dict[str, Any]]:
        """The last month's count on its last day: most counts match the book, a few do not."""
        ctx = self.ctx
        rng = ctx.rng
        counted = rng.sample([p for p in self.parts if p.rec["active"]], min(ctx.randint(20, 30), len(self.parts)))
        by = [s.staff_id for s in self.roster.on_duty("parts_clerk", ctx.end)
              + self.roster.on_duty("parts_manager", ctx.end)]
        rows = []
        books = [self.stock.get(part.rec["part_no"], 0.0) for part in counted]
        # Every ninth count a surplus, and a shortfall where the book has two or more; at least
        # one shortfall, on the first such part left matching, when the ninths fell on none.
        losses = {n for n, book in enumerate(books) if n % 9 == 7 and book >= 2}
        if not losses:
            losses = {n for n, book in enumerate(books) if n % 9 != 4 and book >= 2}
            losses = {min(losses)} if losses else set()
        for n, (part, book) in enumerate(zip(counted, books)):
            qty = book
            if n % 9 == 4:
                qty = book + ctx.randint(1, 2)
            elif n in losses:
                qty = book - ctx.randint(1, 2)
            rows.append(record("stocktake", count_date=ctx.end, part_no=part.rec["part_no"], counted_qty=qty,
                               counted_by=ctx.choice(by)))
        return rows

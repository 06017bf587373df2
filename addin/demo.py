"""The demo store: a realistic, deterministic 4S service department to run everything on.

:func:`generate` returns records for every input sheet, keyed by canonical keys, with Python values
(str, int, float, bool, datetime.date, None; enum values as canonical keys). The same arguments
always give the same records: everything is drawn from one ``random.Random(seed)`` and no date is
taken from the clock. The clean store passes validation without errors; ``addin.demo_problems``
plants known problems into it for the validation tests.

What the store holds: a workshop staffed for its volume (2 teams, 4 technicians and team leaders
for about 150 jobs a month; 4 and 20 for 800; 7 and 51 for 2,000), so that each flags what a real
technician does; month by month, walk-in and booked jobs of every repair and pay type, new
cars sold (pre-delivery inspection before the sale, first service about six months after it),
comebacks, follow-up calls and CSI, a parts ledger replayed day by day (receipts arriving before
the issues they feed, reorders at safety stock, special orders for body parts, costs drifting
slightly so FIFO and moving average differ), warranty and insurance claims with their payments,
backorders and the last month's stocktake.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import math
import random
import sys
from bisect import bisect
from collections import deque
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, Sequence

from addin.checks import vin_check_digit
from addin.errors import ServiceError
from addin.i18n import Text
from addin.models import SETTING_DEFAULTS, SHEETS

#: Work orders a month, by size.
SIZES: dict[str, int] = {"small": 150, "medium": 800, "large": 2000}
#: Parts in the parts master, by size.
PART_COUNTS: dict[str, int] = {"small": 150, "medium": 400, "large": 800}
#: The sheets :func:`generate` fills, in workbook order.
DEMO_SHEETS: tuple[str, ...] = (
    "settings", "roster", "positions", "vehicles", "work_orders", "wo_lines", "parts",
    "parts_ledger", "stocktake", "backorders", "claims", "claim_payments",
)
STORE_CODE = "DEMO01"
DEFAULT_END = "2026-10"
TAX_RATE = 0.13
LABOR_RATE = 180.0

_BAD_SIZE = Text("Unknown demo size '{value}': use small, medium or large.",
                 "未知的示例规模“{value}”：请使用 small、medium 或 large。")
_BAD_END = Text("The end month '{value}' is not a month: write it as YYYY-MM, e.g. 2026-10.",
                "结束月份“{value}”无效：请写成 年-月，例如 2026-10。")
_BAD_MONTHS = Text("The number of months must be between 1 and 60, not {value}.",
                   "月数应在 1 至 60 之间，而不是 {value}。")
_BAD_LOCALE = Text("Unknown locale '{value}': use en-US or zh-CN.", "未知语言“{value}”：请使用 en-US 或 zh-CN。")


class DemoError(ServiceError):
    """The demo store cannot be made with these arguments."""


# ---------------------------------------------------------------------------------------------
# VINs: ISO 3779 with the check digit at position 9 (mandatory in China, GB 16735).

# Model-year letters (position 10) cycle every 30 years; 2010 = A.
_MODEL_YEAR = "ABCDEFGHJKLMNPRSTVWXY123456789"


def _make_vin(wmi: str, vds: str, year: int, plant: str, serial: int) -> str:
    # The check digit's own position has weight 0: any placeholder will do before computing it.
    draft = f"{wmi}{vds}0{_MODEL_YEAR[(year - 2010) % 30]}{plant}{serial:06d}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


# ---------------------------------------------------------------------------------------------
# Calendar helpers (calendar month arithmetic as KPIS.md defines it)

def _parse_month(text: str) -> tuple[int, int]:
    try:
        year, month = (int(p) for p in str(text).strip().split("-"))
        dt.date(year, month, 1)
    except ValueError:
        raise DemoError(_BAD_END, value=text) from None
    return year, month


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def span(months: int, end: str) -> tuple[dt.date, dt.date]:
    """First and last day of the ``months`` calendar months ending with month ``end`` (YYYY-MM)."""
    year, month = _parse_month(end)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    return _add_months(dt.date(year, month, 1), 1 - months), last


# ---------------------------------------------------------------------------------------------
# Catalogs. Text is (English, Chinese); the store is in Shenzhen and sells one fictional brand.

BRAND = ("Aurora", "极光")
STORE_NAME = ("Demo Motors 4S", "示范4S店")
MANUFACTURER = ("Aurora Automobile Co., Ltd.", "极光汽车有限公司")
INSURERS = (
    (("PICC P&C", "中国人保财险"), 0.34), (("Ping An Insurance", "平安保险"), 0.30),
    (("CPIC", "太平洋保险"), 0.18), (("China Continent Insurance", "大地保险"), 0.10),
    (("China United Insurance", "中华联合保险"), 0.08),
)

# code, English, Chinese, VDS (positions 4-8), parts cost factor, share of the fleet
MODELS: tuple[tuple[str, str, str, str, float, float], ...] = (
    ("A3", "Aurora A3", "极光A3", "SA3C1", 1.00, 0.34),
    ("A5", "Aurora A5", "极光A5", "SA5C2", 1.15, 0.26),
    ("S7", "Aurora S7 SUV", "极光S7 SUV", "UA7D3", 1.35, 0.30),
    ("X9", "Aurora X9 MPV", "极光X9 MPV", "MX9E4", 1.60, 0.10),
)

_MODEL_INDEX = tuple(range(len(MODELS)))
_MODEL_WEIGHTS = tuple(m[5] for m in MODELS)
_INSURER_NAMES = tuple(i[0] for i in INSURERS)
_INSURER_WEIGHTS = tuple(i[1] for i in INSURERS)

UNITS = {
    "pc": ("pc", "个"), "set": ("set", "套"), "bottle": ("bottle", "瓶"), "can": ("can", "罐"),
    "L": ("L", "升"), "roll": ("roll", "卷"), "pack": ("pack", "包"), "tube": ("tube", "支"),
}


@dataclass(frozen=True)
class _Item:
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


def _items() -> tuple[_Item, ...]:
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
    return tuple(_Item(*r) for r in rows)


ITEMS = _items()
_ITEM = {i.num: i for i in ITEMS}
_GROUP = {g: [i.num for i in ITEMS if i.group == g] for g in ("repair", "body", "accessory")}
_WARRANTY_REPAIRS = [n for n in _GROUP["repair"] if n not in ("45022", "43022", "45251")]
_BACKORDERABLE = _GROUP["repair"] + _GROUP["body"]

SUPPLIERS = {
    "oem": ("Aurora Parts Distribution Center", "极光配件分拨中心"),
    "accessory": ("Aurora Lifestyle Accessories", "极光精品中心"),
    "paint": ("Nanfang Auto Paint Co.", "南方汽车涂料有限公司"),
    "consumable": ("Pengcheng Auto Supplies", "鹏城汽配用品商行"),
}

# Workshop teams (班组): the name of a team that is alone of its kind, then numbered names.
TEAMS = {
    "mech": (("Mechanical", "机修组"), ("Mechanical 1", "机修一组"), ("Mechanical 2", "机修二组"),
             ("Mechanical 3", "机修三组"), ("Mechanical 4", "机修四组"), ("Mechanical 5", "机修五组")),
    "body": (("Body & paint", "钣喷组"), ("Body & paint 1", "钣喷一组"), ("Body & paint 2", "钣喷二组"),
             ("Body & paint 3", "钣喷三组")),
}

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
REJECTIONS = {
    "warranty": (("Damage caused by misuse, not a defect", "人为损坏，非质量问题"),
                 ("Labor hours above the standard time", "工时超出标准工时"),
                 ("Claim documents incomplete", "索赔资料不全")),
    "insurance": (("Damage not consistent with the accident report", "损失与事故报告不符"),
                  ("Policy did not cover the driver", "驾驶人不在承保范围")),
}
NOTES = {
    "cancelled": ("Customer cancelled before work started", "客户取消，未施工"),
    "rework": ("Comeback of {wo}", "返修，原工单 {wo}"),
    "resubmitted": ("Resubmitted on {day}", "已于 {day} 重新提交"),
    "special": ("Special order for {wo}", "为工单 {wo} 专项订货"),
    "over_issue": ("Unused, returned to stock", "未用完退回"),
    "to_supplier": ("Damaged on arrival, returned", "到货破损退回"),
    "opening": ("Opening stock", "期初库存"),
}

_SURNAMES = (("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"),
             ("黄", "Huang"), ("赵", "Zhao"), ("吴", "Wu"), ("周", "Zhou"), ("徐", "Xu"), ("孙", "Sun"),
             ("马", "Ma"), ("朱", "Zhu"), ("胡", "Hu"), ("郭", "Guo"), ("何", "He"), ("林", "Lin"),
             ("罗", "Luo"), ("高", "Gao"), ("梁", "Liang"), ("郑", "Zheng"), ("谢", "Xie"), ("宋", "Song"),
             ("唐", "Tang"), ("邓", "Deng"), ("冯", "Feng"), ("韩", "Han"), ("曹", "Cao"), ("彭", "Peng"))
_GIVEN = (("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
          ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
          ("杰", "jie"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀", "xiu"), ("霞", "xia"),
          ("平", "ping"), ("刚", "gang"), ("华", "hua"), ("辉", "hui"), ("鹏", "peng"), ("斌", "bin"),
          ("建", "jian"), ("国", "guo"), ("文", "wen"), ("丹", "dan"), ("晨", "chen"), ("宇", "yu"),
          ("浩", "hao"), ("婷", "ting"), ("琳", "lin"), ("欣", "xin"), ("博", "bo"), ("凯", "kai"),
          ("毅", "yi"), ("峰", "feng"), ("雪", "xue"), ("琴", "qin"))

# Head count on duty at the end, by size: (small, medium, large); the workshop is WORKSHOP's.
HEADCOUNT = {
    "service_manager": (1, 1, 1), "front_desk_supervisor": (1, 1, 2), "service_advisor": (3, 6, 12),
    "claims_specialist": (1, 2, 3), "insurance_specialist": (1, 2, 3), "workshop_supervisor": (1, 1, 2),
    "technical_director": (1, 1, 1), "qc_inspector": (1, 2, 4), "parts_manager": (1, 1, 1),
    "parts_planner": (1, 1, 2), "parts_clerk": (2, 4, 6), "customer_service": (2, 4, 6),
    "cashier": (1, 2, 3), "info_clerk": (1, 1, 1),
}
# The workshop, by size: (mechanical teams, technicians per mechanical team, body and paint teams,
# technicians per body team), technicians on duty at the end besides each team's leader. Sized so
# that the flag hours of the jobs (about 4.5 an RO, half of them body and paint work) keep everyone
# flagging about 130-200 of the 216 hours available a month (productivity and proficiency about
# 60-95%), as in a real 4S workshop; a body shop over TEAM_CAPACITY sublets the rest.
WORKSHOP = {"small": (1, 1, 1, 1), "medium": (2, 4, 2, 4), "large": (4, 5, 3, 8)}
# Planned minus on duty at the end: the vacancies the headcount report shows.
VACANCIES = {"service_advisor": 1, "technician": 1, "qc_inspector": 1, "customer_service": 1, "parts_clerk": 1}
PIECE_RATES = {"junior": 25.0, "intermediate": 32.0, "senior": 40.0, "master": 48.0}
# Body and paint (钣喷) is a quarter of a 4S store's walk-ins and about half of its flag hours.
REPAIR_MIX = (("maintenance", 0.42), ("general_repair", 0.22), ("body_paint", 0.10), ("accident", 0.10),
              ("warranty", 0.09), ("recall", 0.03), ("internal", 0.015))
MONTH_FACTOR = {1: 1.05, 2: 0.80, 3: 0.95, 4: 1.0, 5: 1.0, 6: 0.95, 7: 1.0, 8: 1.0, 9: 1.05, 10: 0.95,
                11: 1.05, 12: 1.12}
WEEKDAY_FACTOR = (1.1, 1.0, 1.0, 1.0, 1.05, 1.2, 0.35)  # Mon .. Sun


def _typed(text: str) -> Any:
    """A settings default as the typed value a workbook cell holds (number, boolean or text)."""
    if text in ("TRUE", "FALSE"):
        return text == "TRUE"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _record(sheet: str, **values: Any) -> dict[str, Any]:
    """A record with every column of the sheet in model order (missing ones None)."""
    rec: dict[str, Any] = dict.fromkeys(_COLUMNS[sheet])
    rec.update(values)
    return rec


_COLUMNS = {key: tuple(c.key for c in SHEETS[key].columns) for key in DEMO_SHEETS}


@dataclass
class _Staff:
    staff_id: str
    role: str
    team: str | None
    hire: dt.date
    leave: dt.date | None

    def on_duty(self, day: dt.date) -> bool:
        return self.hire <= day and (self.leave is None or day <= self.leave)


@dataclass
class _Vehicle:
    vin: str
    plate: str | None
    model: int
    variant: int
    customer: str | None
    phone: str | None
    sale: dt.date
    warranty_end: dt.date
    warranty_km: int
    insurer: str | None
    km_per_day: float
    km_at_sale: int
    last_km: int = 0
    busy_until: dt.date = dt.date.min


@dataclass
class _Job:
    rec: dict[str, Any]
    vehicle: _Vehicle
    open: dt.date
    close: dt.date | None  # settlement date; None while not settled
    last_day: dt.date  # the last day parts may be issued to it
    lines: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Part:
    rec: dict[str, Any]
    item: _Item
    cost: float


class _Generator:
    """One demo store. The order of the steps matters: every draw comes from one generator."""

    def __init__(self, size: str, months: int, seed: int, end: str, locale: str) -> None:
        if size not in SIZES:
            raise DemoError(_BAD_SIZE, value=size)
        if not 1 <= int(months) <= 60:
            raise DemoError(_BAD_MONTHS, value=months)
        if locale not in ("en-US", "zh-CN"):
            raise DemoError(_BAD_LOCALE, value=locale)
        self.size, self.months = size, int(months)
        self.lang = 1 if locale == "zh-CN" else 0
        self.locale = locale
        self.rng = random.Random(seed)
        self.random = self.rng.random
        self._cum: dict[tuple[float, ...], list[float]] = {}
        self.start, self.end = span(self.months, end)
        self.end_text = f"{self.end.year:04d}-{self.end.month:02d}"
        self.per_month = SIZES[size]
        self.scale = self.per_month / SIZES["small"]
        self.staff: list[_Staff] = []
        self.roster: list[dict[str, Any]] = []
        self.logins: set[str] = set()
        self._duty: dict[tuple[str, str | None, dt.date], list[_Staff]] = {}
        # Flag hours dispatched a month, by staff_id and by team.
        self.load: dict[tuple[str, tuple[int, int]], float] = {}
        self.vehicles: list[_Vehicle] = []
        self.plates: set[str] = set()
        self.parts: list[_Part] = []
        self.by_family: dict[tuple[str, int], list[_Part]] = {}
        self.jobs: list[_Job] = []
        self.lines: list[dict[str, Any]] = []
        self.wo_seq: dict[tuple[int, int], int] = {}
        self.wip = {False: 0, True: 0}  # jobs left in the workshop: before / on the last day
        # Parts movements by day, in the order they happen on that day.
        self.events: dict[dt.date, list[tuple[Any, ...]]] = {}
        self.backorders: list[dict[str, Any]] = []

    def t(self, pair: tuple[str, str]) -> str:
        return pair[self.lang]

    # The draws below are random.Random's, without its argument checks: a large store makes
    # about a million of them.
    def choice(self, seq: Sequence[Any]) -> Any:
        return seq[int(self.random() * len(seq))]

    def randint(self, low: int, high: int) -> int:
        return low + int(self.random() * (high - low + 1))

    def weighted(self, items: Sequence[Any], weights: tuple[float, ...]) -> Any:
        cum = self._cum.get(weights)
        if cum is None:
            cum = self._cum[weights] = list(accumulate(weights))
        return items[bisect(cum, self.random() * cum[-1])]

    # -- people ---------------------------------------------------------------------------

    def _person(self) -> tuple[str, str]:
        """(display name in the locale, pinyin login stem)."""
        sur_zh, sur_py = self.choice(_SURNAMES)
        given = [self.choice(_GIVEN) for _ in range(self.choice((1, 2, 2)))]
        zh = sur_zh + "".join(g[0] for g in given)
        py_given = "".join(g[1] for g in given)
        en = f"{sur_py} {py_given.capitalize()}"
        return (zh if self.lang else en), (sur_py + py_given).lower()

    def _phone(self) -> str:
        return f"1{self.choice('3456789')}{self.rng.randrange(10 ** 9):09d}"

    def _add_staff(self, role: str, hire: dt.date, leave: dt.date | None = None, team: str | None = None,
                   grade: str | None = None) -> _Staff:
        name, stem = self._person()
        login, n = stem, 1
        while login in self.logins:
            n += 1
            login = f"{stem}{n}"
        self.logins.add(login)
        staff = _Staff(f"S{len(self.staff) + 1:03d}", role, team, hire, leave)
        self.staff.append(staff)
        workshop = role in ("technician", "team_leader")
        piece = PIECE_RATES[grade] + (5.0 if role == "team_leader" else 0.0) if workshop and grade else None
        self.roster.append(_record(
            "roster", staff_id=staff.staff_id, name=name, role=role, team=team, grade=grade, hire_date=hire,
            leave_date=leave, piece_rate=piece, daily_hours=8.0 if workshop else None, excel_user=login,
            phone=self._phone()))
        return staff

    def _hire_date(self) -> dt.date:
        return self.start - dt.timedelta(days=self.randint(60, 9 * 365))

    def _within_span(self, lo_frac: float, hi_frac: float) -> dt.date:
        days = (self.end - self.start).days
        return self.start + dt.timedelta(days=int(days * self.rng.uniform(lo_frac, hi_frac)))

    def _staff_group(self, role: str, count: int) -> None:
        """``count`` people on duty at the end; in bigger groups one left during the span and a
        replacement was hired ten days before, so the role is never empty."""
        for _ in range(count):
            self._add_staff(role, self._hire_date())
        if count >= 3:
            self._leaver(role)

    def _leaver(self, role: str, team: str | None = None, grade: str | None = None) -> None:
        """Someone of ``role`` who left during the span; the last one added before is re-dated
        as the replacement, hired ten days before, so that the count on duty at the end holds."""
        leave = self._within_span(0.2, 0.8)
        self._add_staff(role, self._hire_date(), leave=leave, team=team, grade=grade)
        replacement = self.staff[-2]
        replacement.hire = leave - dt.timedelta(days=10)
        self.roster[-2]["hire_date"] = replacement.hire

    def build_roster(self) -> None:
        col = ("small", "medium", "large").index(self.size)
        for role, counts in HEADCOUNT.items():
            self._staff_group(role, counts[col])
        mech_teams, mech_n, body_teams, body_n = WORKSHOP[self.size]
        self.teams_mech = self._team_names("mech", mech_teams)
        self.teams_body = self._team_names("body", body_teams)
        for team in self.teams_mech:
            self._crew(team, mech_n)
        for team in self.teams_body:
            self._crew(team, body_n)
        self.positions: list[dict[str, Any]] = []
        for role in list(HEADCOUNT)[:7] + ["team_leader", "technician"] + list(HEADCOUNT)[7:]:
            on_duty = sum(1 for s in self.staff if s.role == role and s.on_duty(self.end))
            self.positions.append(_record("positions", role=role, planned=on_duty + VACANCIES.get(role, 0),
                                          notes=None))

    def _team_names(self, kind: str, count: int) -> list[str]:
        names = TEAMS[kind]
        return [self.t(names[0])] if count == 1 else [self.t(n) for n in names[1:count + 1]]

    def _crew(self, team: str, count: int) -> None:
        """A team: its leader and ``count`` technicians on duty at the end. In every team one
        technician left during the span (the replacement was hired ten days before), and a team
        of three or more also grew by a junior hired within the span."""
        grades = ("junior", "intermediate", "intermediate", "senior", "senior", "master")
        self._add_staff("team_leader", self._hire_date(), team=team, grade="master")
        grew = count >= 3
        for i in range(count - grew):
            self._add_staff("technician", self._hire_date(), team=team, grade=grades[i % len(grades)])
        self._leaver("technician", team, self.choice(grades))
        if grew:
            self._add_staff("technician", self._within_span(0.3, 0.9), team=team, grade="junior")

    def on_duty(self, role: str, day: dt.date, team: str | None = None) -> list[_Staff]:
        key = (role, team, day)
        found = self._duty.get(key)
        if found is None:
            found = [s for s in self.staff if s.role == role and s.on_duty(day) and (team is None or s.team == team)]
            self._duty[key] = found
        return found

    def _pick(self, role: str, day: dt.date) -> str:
        return self.choice(self.on_duty(role, day)).staff_id

    # -- parts ----------------------------------------------------------------------------

    def build_parts(self) -> None:
        rng = self.rng
        target = PART_COUNTS[self.size]
        inactive = max(3, target // 40)
        universal = [i for i in ITEMS if not i.per_model]
        per_model = [i for i in ITEMS if i.per_model]
        families: list[tuple[_Item, int, int]] = [(i, -1, 0) for i in universal]
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

    def _add_part(self, item: _Item, model: int, variant: int, active: bool) -> None:
        rng = self.rng
        factor = MODELS[model][4] if model >= 0 else 1.0
        if model >= 0:
            part_no = f"{item.num}-{MODELS[model][0]}{'S' if variant < 0 else variant + 1}"
        else:
            part_no = f"{item.num}-000"
        cost = round(item.cost * factor * (1 + 0.08 * max(variant, 0)) * rng.uniform(0.95, 1.05), 2)
        markup = {"oem": (1.30, 1.45), "accessory": (1.6, 1.9), "consumable": (1.35, 1.5)}[item.category]
        sale_price = float(round(cost * (1 + TAX_RATE) * rng.uniform(*markup)))
        share = MODELS[model][5] * len(MODELS) if model >= 0 else 1.0
        safety = float(round(item.safety * self.scale * share / (1 + max(variant, 0)))) if active else 0.0
        reorder = max(2.0, float(math.ceil(safety * 4))) if item.safety else 1.0
        name = self.t((item.en, item.zh))
        if model >= 0:
            name = f"{name} {MODELS[model][1 + self.lang]}"
            if variant > 0:
                name += f" ({'2.0T' if variant == 1 else 'Hybrid' if variant == 2 else f'V{variant + 1}'})"
        if not active:
            name += self.t((" (superseded)", "（已替代）"))
        supplier = SUPPLIERS["paint" if item.group == "paint" else item.category]
        bin_ = f"{'ABCDEFGH'[len(self.parts) % 8]}{len(self.parts) // 8 % 40 + 1:02d}-{len(self.parts) % 5 + 1}"
        rec = _record("parts", part_no=part_no, name=name, category=item.category,
                      unit=self.t(UNITS[item.unit]), bin=bin_, sale_price=sale_price, safety_stock=safety,
                      reorder_qty=reorder, supplier=self.t(supplier), active=active)
        part = _Part(rec, item, cost)
        self.parts.append(part)
        if active:
            self.by_family.setdefault((item.num, model), []).append(part)

    def part_for(self, num: str, vehicle: _Vehicle | None) -> _Part | None:
        """The part of family ``num`` that fits the vehicle (its model and engine variant)."""
        item = _ITEM[num]
        if not item.per_model:
            found = self.by_family.get((num, -1))
            return found[0] if found else None
        if vehicle is None:
            return None
        found = self.by_family.get((num, vehicle.model))
        return found[vehicle.variant % len(found)] if found else None

    # -- vehicles -------------------------------------------------------------------------

    def _plate(self) -> str:
        rng = self.rng
        letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
        while True:
            city = self.choice("BBBBBBBBAS")
            if rng.random() < 0.6:
                tail = f"{self.choice(letters)}{rng.randrange(10000):04d}"
            else:
                tail = f"{rng.randrange(100000):05d}"
            plate = f"粤{city}{tail}"
            if plate not in self.plates:
                self.plates.add(plate)
                return plate

    def _vehicle(self, sale: dt.date, store_owned: bool = False) -> _Vehicle:
        rng = self.rng
        model = self.weighted(_MODEL_INDEX, _MODEL_WEIGHTS)
        serial = 100000 + len(self.vehicles) * 7 + rng.randrange(7)
        vin = _make_vin("LRA", MODELS[model][3], sale.year, "B", serial)
        if store_owned:
            customer, phone = self.t(STORE_NAME), None
        else:
            customer, phone = self._person()[0], self._phone()
        insurer = None
        if rng.random() < 0.96:
            insurer = self.t(self.weighted(_INSURER_NAMES, _INSURER_WEIGHTS))
        km_per_day = rng.uniform(18, 75)
        vehicle = _Vehicle(vin, self._plate(), model, rng.randrange(3), customer, phone, sale,
                           _add_months(sale, 36), 100000, insurer, km_per_day, self.randint(8, 60))
        self.vehicles.append(vehicle)
        return vehicle

    def build_fleet(self) -> None:
        rng = self.rng
        base = int(self.per_month * max(self.months, 12) / 2.2)
        for _ in range(base):
            sale = self.start - dt.timedelta(days=int(rng.triangular(20, 8 * 365, 600)))
            self._vehicle(sale)
        self.fleet = list(self.vehicles)
        self.courtesy = [self._vehicle(self.start - dt.timedelta(days=self.randint(100, 700)), store_owned=True)
                         for _ in range(max(2, int(2 * self.scale ** 0.5)))]
        # Cars sold during the span, and at the same pace in the seven months before it (so that
        # a short span has as many first services as a long one): a PDI job a few days before the sale.
        self.scheduled: dict[dt.date, list[tuple[str, _Vehicle]]] = {}
        month = _add_months(dt.date(self.start.year, self.start.month, 1), -7)
        sold: list[_Vehicle] = []
        while month <= self.end:
            days = calendar.monthrange(month.year, month.month)[1]
            for _ in range(max(1, round(self.per_month * 0.12 * rng.uniform(0.8, 1.2)))):
                sale = month + dt.timedelta(days=rng.randrange(days))
                if sale > self.end:
                    continue
                vehicle = self._vehicle(sale)
                sold.append(vehicle)
                pdi = sale - dt.timedelta(days=self.randint(1, 4))
                if pdi >= self.start:
                    self.scheduled.setdefault(pdi, []).append(("pdi", vehicle))
            month = _add_months(month, 1)
        # First service about first_service_months (6) after the sale, for most customers.
        for vehicle in self.fleet + sold:
            due = _add_months(vehicle.sale, 6) + dt.timedelta(days=self.randint(-20, 20))
            if self.start <= due <= self.end and rng.random() < 0.85:
                self.scheduled.setdefault(due, []).append(("first", vehicle))
        self.fleet.extend(sold)

    def insurance_expiry(self, vehicle: _Vehicle) -> dt.date | None:
        if vehicle.insurer is None:
            return None
        years = 1
        while _add_months(vehicle.sale, 12 * years) <= self.end - dt.timedelta(days=60):
            years += 1
        return _add_months(vehicle.sale, 12 * years)

    # -- work orders ----------------------------------------------------------------------

    def _daily_mean(self, day: dt.date) -> float:
        first = day.replace(day=1)
        days = calendar.monthrange(day.year, day.month)[1]
        weight = sum(WEEKDAY_FACTOR[(first + dt.timedelta(days=i)).weekday()] for i in range(days))
        return self.per_month * MONTH_FACTOR[day.month] * WEEKDAY_FACTOR[day.weekday()] / weight

    def build_jobs(self) -> None:
        rng = self.rng
        recent: deque[_Job] = deque(maxlen=max(60, int(self.per_month * 1.2)))
        types, weights = zip(*REPAIR_MIX)
        # Comebacks come at a steady 1.8% of walk-ins (the quality a service manager watches
        # monthly), so that every month has a few: each walk-in adds to a credit spent by one.
        comeback_credit = 0.0
        day = self.start
        while day <= self.end:
            mean = self._daily_mean(day)
            count = max(0, round(rng.gauss(mean, math.sqrt(mean) * 0.6)))
            scheduled = self.scheduled.get(day, [])
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
                repair_type = self.weighted(types, weights)
                vehicle = self._vehicle_for(repair_type, day)
                if vehicle is None:
                    repair_type = "general_repair"
                    vehicle = self._vehicle_for(repair_type, day)
                if vehicle is not None:
                    job = self._job(day, repair_type, vehicle)
                    if job.close is not None and job.rec["status"] == "settled":
                        recent.append(job)
            self._counter_sales(day)
            day += dt.timedelta(days=1)

    def _comeback_of(self, recent: deque[_Job], day: dt.date) -> _Job | None:
        for _ in range(8):
            job = self.choice(recent)
            if (job.close is not None and job.close < day and (day - job.close).days <= 30
                    and job.rec["repair_type"] in ("general_repair", "warranty", "maintenance")
                    and job.rec["rework_of"] is None and job.vehicle.busy_until < day):
                return job
        return None

    def _under_warranty(self, vehicle: _Vehicle, day: dt.date) -> bool:
        return day <= vehicle.warranty_end and self._expected_km(vehicle, day) <= vehicle.warranty_km * 0.97

    def _vehicle_for(self, repair_type: str, day: dt.date) -> _Vehicle | None:
        pool = self.courtesy if repair_type == "internal" else self.fleet
        for _ in range(30):
            vehicle = self.choice(pool)
            if vehicle.busy_until >= day or vehicle.sale > day - dt.timedelta(days=10):
                continue
            if repair_type in ("warranty", "recall") and not self._under_warranty(vehicle, day):
                continue
            if repair_type == "accident" and vehicle.insurer is None:
                continue
            return vehicle
        return None

    def _expected_km(self, vehicle: _Vehicle, day: dt.date) -> int:
        return max(vehicle.last_km, int(vehicle.km_at_sale + max(0, (day - vehicle.sale).days) * vehicle.km_per_day))

    def _km(self, vehicle: _Vehicle, day: dt.date) -> int:
        """The odometer at a visit: never below the last visit's (a PDI is a few km before the sale)."""
        if day < vehicle.sale:
            km = vehicle.km_at_sale - self.randint(0, 5)
        else:
            km = self._expected_km(vehicle, day)
        vehicle.last_km = km
        return km

    def _wo_no(self, day: dt.date) -> str:
        key = (day.year, day.month)
        self.wo_seq[key] = self.wo_seq.get(key, 0) + 1
        return f"RO{day.year % 100:02d}{day.month:02d}{self.wo_seq[key]:04d}"

    def _duration(self, repair_type: str) -> int:
        rng = self.rng
        return {
            "maintenance": lambda: 0 if rng.random() < 0.9 else 1,
            "general_repair": lambda: self.weighted((0, 1, 2, 3), (0.45, 0.3, 0.15, 0.1)),
            "body_paint": lambda: self.randint(2, 6),
            "accident": lambda: self.randint(4, 14),
            "warranty": lambda: self.randint(0, 4),
            "recall": lambda: self.randint(0, 1),
            "pdi": lambda: self.randint(0, 1),
            "internal": lambda: self.randint(0, 2),
            "rework": lambda: self.randint(0, 2),
        }[repair_type]()

    def _job(self, day: dt.date, kind: str, vehicle: _Vehicle, first: bool = False,
             rework: _Job | None = None) -> _Job:
        rng = self.rng
        repair_type = "general_repair" if kind == "rework" else kind
        if rework is not None and rework.rec["repair_type"] == "warranty":
            repair_type = "warranty"
        duration = self._duration(kind)
        backordered = (repair_type in ("general_repair", "warranty", "accident") and rng.random() < 0.04)
        if backordered:
            duration += self.randint(2, 5)
        planned = day + dt.timedelta(days=duration)
        status = "settled"
        close: dt.date | None = planned
        if rng.random() < 0.006 and not first and kind != "pdi":
            status, close = "cancelled", None
        elif planned > self.end or (day == self.end and rng.random() < 0.3):
            # Still in the workshop at the end (cars received late on the last day stay overnight),
            # taking the work-in-progress statuses in turn so that each of them shows.
            close = None
            last_day = day == self.end
            turn = self.wip[last_day]
            self.wip[last_day] += 1
            status = ("open", "in_progress", "open")[turn % 3] if last_day else \
                ("waiting_parts", "in_progress", "qc", "in_progress")[turn % 4]
        elif planned >= self.end - dt.timedelta(days=1) and rng.random() < 0.45:
            # Finished on the last days: in final inspection, or waiting for the customer.
            status, close = ("qc" if rng.random() < 0.45 else "completed"), None
        if status == "waiting_parts":
            backordered = False  # its open backorder is registered below
        # The workshop supervisor gives the job to the less loaded this month of two teams of its kind.
        teams = self.teams_body if repair_type in ("body_paint", "accident") else self.teams_mech
        month = (day.year, day.month)
        team, other = self.choice(teams), self.choice(teams)
        if self.load.get((other, month), 0.0) < self.load.get((team, month), 0.0):
            team = other
        if repair_type == "pdi":
            customer, phone, plate, km = None, None, None, self._km(vehicle, day)
        else:
            customer, phone, plate, km = vehicle.customer, vehicle.phone, vehicle.plate, self._km(vehicle, day)
        concern_key = "first" if first else ("rework" if rework else repair_type)
        wo_no = self._wo_no(day)
        rec = _record(
            "work_orders", wo_no=wo_no, open_date=day, promised_date=planned,
            close_date=close, status=status, vin=vehicle.vin, plate=plate, mileage=km, customer_name=customer,
            customer_phone=phone, advisor_id=self._pick("service_advisor", day), team=team,
            repair_type=repair_type, concern=self.t(self.choice(CONCERNS[concern_key])),
            appointment=rng.random() < (0.7 if first else 0.5 if repair_type == "maintenance" else 0.15),
            first_service=first, rework_of=rework.rec["wo_no"] if rework else None,
            insurer=vehicle.insurer if repair_type == "accident" else None,
            notes=self.t(NOTES["rework"]).format(wo=rework.rec["wo_no"]) if rework else None,
        )
        last_day = close if close is not None else self.end
        job = _Job(rec, vehicle, day, close, last_day)
        vehicle.busy_until = close if close is not None else dt.date.max
        if status == "cancelled":
            rec["notes"] = self.t(NOTES["cancelled"])
            vehicle.busy_until = day
            self.jobs.append(job)
            return job
        self._lines(job, kind, first, backordered)
        self.load[team, month] = self.load.get((team, month), 0.0) + sum(
            ln["qty"] for ln in job.lines if ln["line_type"] == "labor")
        self._after_work(job, status)
        if status == "waiting_parts":
            self._open_backorder(job)
        self.jobs.append(job)
        return job

    def _after_work(self, job: _Job, status: str) -> None:
        """QC, CSI, complaints, follow-up call and the next service reminder."""
        rng, rec = self.rng, job.rec
        if status in ("settled", "completed"):
            rec["qc_first_pass"] = rng.random() < (0.8 if rec["rework_of"] else 0.95)
            rec["qc_inspector_id"] = self._pick("qc_inspector", job.open)
        if rec["repair_type"] == "maintenance" and status != "cancelled":
            rec["next_service_date"] = _add_months(job.open, 6)
            rec["next_service_km"] = int(math.ceil((rec["mileage"] + 5000) / 1000) * 1000)
        if status != "settled" or rec["repair_type"] in ("pdi", "internal"):
            return
        assert job.close is not None
        complaint = rng.random() < (0.08 if rec["rework_of"] else 0.012)
        rec["complaint"] = complaint
        if rng.random() < 0.82:
            if complaint:
                rec["csi_score"] = self.choice((2, 3, 4, 5, 6))
            else:
                rec["csi_score"] = self.weighted((10, 9, 8, 7, 6, 5), (0.48, 0.26, 0.14, 0.07, 0.03, 0.02))
        roll = rng.random()
        delay = self.randint(1, 3) if roll < 0.86 else self.randint(4, 7) if roll < 0.92 else None
        if delay is not None and job.close + dt.timedelta(days=delay) <= self.end:
            call = job.close + dt.timedelta(days=delay)
            rec["followup_date"] = call
            rec["followup_by"] = self._pick("customer_service", call)

    # -- lines ----------------------------------------------------------------------------

    def _add_line(self, job: _Job, line_type: str, item_code: str | None, description: str, qty: float,
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

    def _labor(self, job: _Job, code: str, en: str, zh: str, hours: float, pay: str, discount: float = 0.0,
               cause: tuple[str, str] | None = None, added: bool = False, declined: bool = False) -> None:
        rng = self.rng
        # The team leader dispatches (派工) to someone who stays until the job is done: of two
        # members, the one given fewer hours a day on duty this month, so that the hours spread
        # as evenly as in a real team (a newcomer catches up with the others).
        team = job.rec["team"]
        crew = self.on_duty("team_leader", job.open, team) + self.on_duty("technician", job.open, team)
        staying = [s for s in crew if s.leave is None or s.leave >= job.last_day]
        pool = staying or crew or self.on_duty("technician", job.open)
        month = (job.open.year, job.open.month)
        first_day = job.open.replace(day=1)

        def load(staff: _Staff) -> float:
            days = (job.open - max(first_day, staff.hire)).days + 1
            return self.load.get((staff.staff_id, month), 0.0) / days

        first, second = self.choice(pool), self.choice(pool)
        tech = (first if load(first) <= load(second) else second).staff_id
        self.load[tech, month] = self.load.get((tech, month), 0.0) + hours
        # A declined item names the technician who found it; only work done has clock hours.
        actual = None
        if not declined:
            # Warranty time is paid at the standard time: the clock is never below it. Otherwise
            # a technician beats the standard time slightly on average (efficiency about 103%).
            low, high = (1.0, 1.3) if pay == "warranty" else (0.75, 1.2)
            actual = round(hours * rng.uniform(low, high), 1)
        self._add_line(job, line_type="labor", item_code=code, description=self.t((en, zh)), qty=hours,
                       unit_price=LABOR_RATE, discount_pct=discount, pay_type=pay, technician_id=tech,
                       actual_hours=actual, cause=self.t(cause) if cause and not declined else None,
                       correction=self.t((en, zh)) if cause and not declined else None, added_item=added,
                       customer_approved=True if added else False if declined else None, declined=declined)

    def _part_line(self, job: _Job, part: _Part | None, pay: str, discount: float = 0.0, qty: int | None = None,
                   added: bool = False, declined: bool = False, issue_on: dt.date | None = None) -> None:
        if part is None:
            return
        item = part.item
        qty = qty if qty is not None else self.randint(*item.qty)
        line_type = "accessory" if item.category == "accessory" else "part"
        self._add_line(job, line_type=line_type, item_code=part.rec["part_no"], description=part.rec["name"],
                       qty=float(qty), unit_price=part.rec["sale_price"], discount_pct=discount, pay_type=pay,
                       added_item=added, customer_approved=True if added else False if declined else None,
                       declined=declined)
        if not declined:
            self._issue(job, part, qty, issue_on)
            if issue_on is not None:
                self._register_backorder(job, part, qty, issue_on)

    def _replace(self, job: _Job, num: str, pay: str, discount: float, cause_key: str,
                 issue_on: dt.date | None = None, added: bool = False) -> bool:
        """Replace a part: its labor line and its part line. False when the part does not fit."""
        part = self.part_for(num, job.vehicle)
        if part is None:
            return False
        item = part.item
        if item.hours:
            self._labor(job, f"R{item.num}", f"Replace {item.en.lower()}", f"更换{item.zh}", item.hours, pay,
                        discount, CAUSES[cause_key], added=added)
        self._part_line(job, part, pay, discount, issue_on=issue_on, added=added)
        return True

    def _discount(self) -> float:
        return self.weighted((0.0, 0.05, 0.1), (0.85, 0.1, 0.05))

    def _lines(self, job: _Job, kind: str, first: bool, backordered: bool) -> None:
        rng = self.rng
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
            self._part_line(job, self.part_for("15400", job.vehicle), "internal")
            self._part_line(job, self.part_for("08880", None), "internal")
            return
        if kind == "rework":
            pay = "warranty" if repair_type == "warranty" and self._under_warranty(job.vehicle, job.open) else "internal"
            code, en, zh, hrs = LABOR["rework"]
            self._labor(job, code, en, zh, round(rng.uniform(*hrs), 1), pay, cause=CAUSES["repair"])
            if rng.random() < 0.4:
                self._part_line(job, self.part_for("88101", None), pay)
            return
        if repair_type == "maintenance":
            self._maintenance(job, first, disc)
        elif repair_type == "general_repair":
            self._general(job, disc, issue_late)
        elif repair_type == "body_paint":
            self._body(job, "customer", disc, panels=self.randint(1, 2), parts=rng.random() < 0.35)
        elif repair_type == "accident":
            self._accident(job, issue_late)
        elif repair_type == "warranty":
            self._warranty(job, issue_late)
        elif repair_type == "recall":
            self._recall(job)
        if repair_type != "recall" and rng.random() < 0.08:
            # Accessories sold at the service desk.
            self._part_line(job, self.part_for(self.choice(_GROUP["accessory"]), job.vehicle), "customer", disc)
        if repair_type in ("maintenance", "general_repair") and rng.random() < 0.12:
            code, en, zh, price = self.choice(MISC)
            self._add_line(job, line_type="misc", item_code=code, description=self.t((en, zh)), qty=1.0,
                           unit_price=price, pay_type="customer")

    def _maintenance(self, job: _Job, first: bool, disc: float) -> None:
        rng = self.rng
        pay = "warranty" if first else "customer"
        disc = 0.0 if first else disc
        code, en, zh, hrs = LABOR["first" if first else "service"]
        self._labor(job, code, en, zh, round(rng.uniform(*hrs), 1), pay, disc)
        code, en, zh, hrs = LABOR["inspection"]
        self._labor(job, code, en, zh, hrs[0], pay, disc)
        self._part_line(job, self.part_for("08880", None), pay, disc)
        self._part_line(job, self.part_for("15400", job.vehicle), pay, disc)
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
                self._part_line(job, self.part_for("45022", job.vehicle), "customer", declined=True)
            else:
                code, en, zh, hrs = LABOR[self.choice(("ac_clean", "throttle"))]
                self._labor(job, code, en, zh, hrs[0], "customer", declined=True)
        elif roll < 0.25:  # found during the service, approved by the customer
            self._replace(job, "76620", "customer", disc, "maint", added=True)
        elif roll < 0.4:  # the cleaning a 4S store offers with every service, approved
            code, en, zh, hrs = LABOR[self.choice(("ac_clean", "throttle"))]
            self._labor(job, code, en, zh, hrs[0], "customer", disc, added=True)

    def _general(self, job: _Job, disc: float, issue_late: dt.date | None) -> None:
        rng = self.rng
        goodwill = rng.random() < 0.05
        pay = "goodwill" if goodwill else "customer"
        disc = 0.0 if goodwill else disc
        if rng.random() < 0.7:
            code, en, zh, hrs = LABOR["diag"]
            self._labor(job, code, en, zh, round(rng.uniform(*hrs), 1), pay, disc)
        # Only parts the store carries for this car (a small store stocks fewer families).
        fits = [num for num in _GROUP["repair"] if self.part_for(num, job.vehicle) is not None]
        count = min(len(fits), self.weighted((1, 2, 3), (0.4, 0.4, 0.2)))
        for n, num in enumerate(rng.sample(fits, count)):
            self._replace(job, num, pay, disc, "repair", issue_on=None if n else issue_late)
        if rng.random() < 0.3:
            self._part_line(job, self.part_for(self.choice(("88101", "88102", "88103")), None), pay, disc)
        if rng.random() < 0.15:
            code, en, zh, hrs = LABOR["alignment"]
            self._labor(job, code, en, zh, hrs[0], "customer", disc, added=rng.random() < 0.5)
        if rng.random() < 0.05:
            self._sublet(job, "customer")
        if rng.random() < 0.08:
            self._replace(job, "43022", "customer", 0.0, "repair", added=True)
        if rng.random() < 0.1:
            self._part_line(job, self.part_for("51605", job.vehicle), "customer", declined=True)

    def _shop_full(self, job: _Job) -> bool:
        """Whether the job's team has already been given its capacity of flag hours this month."""
        team = job.rec["team"]
        members = len(self.on_duty("team_leader", job.open, team) + self.on_duty("technician", job.open, team))
        return self.load.get((team, (job.open.year, job.open.month)), 0.0) >= TEAM_CAPACITY * members

    def _body(self, job: _Job, pay: str, disc: float, panels: int, parts: bool) -> None:
        rng = self.rng
        work = [(LABOR[key], round(rng.uniform(*LABOR[key][3]), 1))
                for _ in range(panels) for key in ("panel", "paint")]
        if self._shop_full(job):
            # A full body shop sends the panel and paint work out at the store's labor price.
            price = float(round(sum(hours for _, hours in work) * LABOR_RATE, -1))
            cost = round(price / (1 + TAX_RATE) * rng.uniform(0.6, 0.75), 2)
            code, en, zh = BODY_SUBLET
            self._add_line(job, line_type="sublet", item_code=code, description=self.t((en, zh)), qty=1.0,
                           unit_price=price, discount_pct=disc, pay_type=pay, cost=cost)
        else:
            for (code, en, zh, _), hours in work:
                self._labor(job, code, en, zh, hours, pay, disc, CAUSES["body"])
        if parts:
            for num in rng.sample(_GROUP["body"], self.randint(1, 2)):
                self._replace(job, num, pay, disc, "body")
        for num in ("88001", "88002"):
            self._part_line(job, self.part_for(num, None), pay, disc)
        if rng.random() < 0.4:
            self._part_line(job, self.part_for(self.choice(("88003", "88004", "88005", "88006")), None), pay, disc)
        if rng.random() < 0.2:
            code, en, zh, hrs = LABOR["polish"]
            self._labor(job, code, en, zh, round(rng.uniform(*hrs), 1), "customer", disc, added=True)

    def _accident(self, job: _Job, issue_late: dt.date | None) -> None:
        rng = self.rng
        first = True
        for num in rng.sample(_GROUP["body"], self.randint(1, 3)):
            if self._replace(job, num, "insurance", 0.0, "body", issue_on=issue_late if first else None):
                first = False
        self._body(job, "insurance", 0.0, panels=self.randint(1, 3), parts=False)
        if rng.random() < 0.15:
            self._sublet(job, "insurance")
        if rng.random() < 0.15:  # the customer's own extra, paid by them
            self._replace(job, "76620", "customer", 0.0, "maint", added=True)

    def _warranty(self, job: _Job, issue_late: dt.date | None) -> None:
        rng = self.rng
        code, en, zh, hrs = LABOR["diag"]
        self._labor(job, code, en, zh, round(rng.uniform(*hrs), 1), "warranty")
        fits = [num for num in _WARRANTY_REPAIRS if self.part_for(num, job.vehicle) is not None]
        count = min(len(fits), self.weighted((1, 2), (0.8, 0.2)))
        for n, num in enumerate(rng.sample(fits, count)):
            self._replace(job, num, "warranty", 0.0, "warranty", issue_on=None if n else issue_late)
        if rng.random() < 0.2:  # due maintenance done on the same visit, customer pay
            code, en, zh, hrs = LABOR["service"]
            self._labor(job, code, en, zh, hrs[0], "customer")
            self._part_line(job, self.part_for("08880", None), "customer")
            self._part_line(job, self.part_for("15400", job.vehicle), "customer")

    def _recall(self, job: _Job) -> None:
        code, en, zh, hrs = LABOR["recall"]
        self._labor(job, code, en, zh, round(self.rng.uniform(*hrs), 1), "warranty", cause=CAUSES["recall"])
        if self.rng.random() < 0.5:
            self._replace(job, "90001", "warranty", 0.0, "recall")

    def _sublet(self, job: _Job, pay: str) -> None:
        rng = self.rng
        code, en, zh, low, high = self.choice(SUBLET)
        price = float(round(rng.uniform(low, high), -1))
        cost = round(price / (1 + TAX_RATE) * rng.uniform(0.6, 0.8), 2)
        self._add_line(job, line_type="sublet", item_code=code, description=self.t((en, zh)), qty=1.0,
                       unit_price=price, pay_type=pay, cost=cost)

    # -- parts movements ------------------------------------------------------------------

    def _issue(self, job: _Job, part: _Part, qty: int, on: dt.date | None) -> None:
        rng = self.rng
        span_days = (job.last_day - job.open).days
        if on is None:
            on = job.open if span_days == 0 or rng.random() < 0.7 else \
                job.open + dt.timedelta(days=self.randint(0, span_days))
        wo_no = job.rec["wo_no"]
        if rng.random() < 0.012:
            # One too many fetched from the store; the spare goes back before settlement.
            back = on + dt.timedelta(days=self.randint(0, (job.last_day - on).days))
            self.events.setdefault(on, []).append(("issue", part, qty + 1, wo_no, None))
            self.events.setdefault(back, []).append(("return_to_stock", part, 1, wo_no, None))
        else:
            self.events.setdefault(on, []).append(("issue", part, qty, wo_no, None))

    def _register_backorder(self, job: _Job, part: _Part, qty: int, arrived: dt.date) -> None:
        """A part that was out of stock for the job: ordered on opening, issued the day it came."""
        ordered = min(job.open + dt.timedelta(days=self.randint(0, 1)), arrived)
        bo_id = f"BO{len(self.backorders) + 1:05d}"
        self.backorders.append(_record(
            "backorders", bo_id=bo_id, request_date=job.open, wo_no=job.rec["wo_no"], part_no=part.rec["part_no"],
            qty=float(qty), ordered_date=ordered, arrived_date=arrived, notified_date=arrived))
        # The special order is received just before it is issued to the job.
        events = self.events[arrived]
        index = max(i for i, e in enumerate(events) if e[0] == "issue" and e[1] is part and e[3] == job.rec["wo_no"])
        events.insert(index, ("special", part, qty, job.rec["wo_no"], bo_id))

    def _open_backorder(self, job: _Job) -> None:
        for _ in range(5):
            part = self.part_for(self.choice(_BACKORDERABLE), job.vehicle)
            if part is not None:
                break
        else:
            return
        ordered = min(job.open + dt.timedelta(days=1), self.end)
        self.backorders.append(_record(
            "backorders", bo_id=f"BO{len(self.backorders) + 1:05d}", request_date=job.open, wo_no=job.rec["wo_no"],
            part_no=part.rec["part_no"], qty=1.0, ordered_date=ordered))

    def _counter_sales(self, day: dt.date) -> None:
        rng = self.rng
        mean = self._daily_mean(day) * 0.1
        sellable = [("08880", None), ("15400", True), ("17220", True), ("80292", True), ("76620", True),
                    ("45022", True), ("08216", None), ("99204", None), ("99201", None)]
        for _ in range(int(mean) + (rng.random() < mean - int(mean))):
            num, per_model = self.choice(sellable)
            vehicle = self.choice(self.fleet) if per_model else None
            part = self.part_for(num, vehicle)
            if part is not None:
                self.events.setdefault(day, []).append(("counter_sale", part, self.randint(1, 3), None, None))
        # A customer order at the parts counter, now and then.
        if rng.random() < 0.02 * self.scale ** 0.5:
            part = self.part_for("99110", self.choice(self.fleet))
            if part is not None:
                arrived = day + dt.timedelta(days=self.randint(2, 6))
                self.backorders.append(_record(
                    "backorders", bo_id=f"BO{len(self.backorders) + 1:05d}", request_date=day, part_no=part.rec["part_no"],
                    qty=1.0, ordered_date=day, arrived_date=arrived if arrived <= self.end else None,
                    notified_date=arrived + dt.timedelta(days=1) if arrived + dt.timedelta(days=1) <= self.end else None))

    def _unit_cost(self, part: _Part, day: dt.date) -> float:
        months = (day.year - self.start.year) * 12 + day.month - self.start.month
        return round(part.cost * (1 + 0.004 * months) * self.rng.uniform(0.98, 1.03), 2)

    def build_ledger(self) -> list[dict[str, Any]]:
        """Replay the day's movements in order, receiving stock before it is needed: the opening
        stock on the first day, reorders when stock reaches safety stock (arriving one to four
        days later), and a special order for anything else (how body parts are bought)."""
        rng = self.rng
        ledger: list[dict[str, Any]] = []
        stock: dict[str, float] = {}
        on_order: dict[str, float] = {}
        arrivals: dict[dt.date, list[tuple[_Part, float]]] = {}
        doc_seq: dict[dt.date, int] = {}

        def doc(prefix: str, day: dt.date) -> str:
            doc_seq[day] = doc_seq.get(day, 0) + 1
            return f"{prefix}{day:%y%m%d}{doc_seq[day]:03d}"

        def post(day: dt.date, part: _Part, txn: str, qty: float, **extra: Any) -> None:
            ledger.append(_record("parts_ledger", txn_id=f"T{len(ledger) + 1:06d}", txn_date=day,
                                  part_no=part.rec["part_no"], txn_type=txn, qty=float(qty),
                                  staff_id=self._pick("parts_clerk", day), **extra))
            sign = 1 if txn in ("receipt", "return_to_stock") else -1
            stock[part.rec["part_no"]] = stock.get(part.rec["part_no"], 0.0) + sign * qty

        def receive(day: dt.date, part: _Part, qty: float, notes: str | None = None) -> None:
            post(day, part, "receipt", qty, unit_cost=self._unit_cost(part, day), doc_no=doc("DN", day), notes=notes)

        opening = self.start
        for part in self.parts:
            qty = part.rec["safety_stock"] + part.rec["reorder_qty"] if part.rec["active"] else self.randint(1, 4)
            if part.rec["active"] and not part.item.safety:
                qty = 0.0 if part.item.group == "body" else 1.0
            if qty:
                receive(opening, part, qty, self.t(NOTES["opening"]))
        day = self.start
        while day <= self.end:
            for part, qty in arrivals.pop(day, []):
                on_order[part.rec["part_no"]] -= qty
                receive(day, part, qty)
            for kind, part, qty, wo_no, ref in self.events.get(day, []):
                no = part.rec["part_no"]
                if kind == "special":
                    receive(day, part, qty, self.t(NOTES["special"]).format(wo=wo_no))
                    continue
                if kind == "return_to_stock":
                    post(day, part, kind, qty, wo_no=wo_no, notes=self.t(NOTES["over_issue"]))
                    continue
                if kind == "return_to_supplier":
                    if stock.get(no, 0.0) >= qty:
                        post(day, part, kind, qty, doc_no=ref, notes=self.t(NOTES["to_supplier"]))
                    continue
                if stock.get(no, 0.0) < qty:
                    receive(day, part, qty - stock.get(no, 0.0) + (part.rec["reorder_qty"] if part.item.safety else 0),
                            self.t(NOTES["special"]).format(wo=wo_no) if wo_no else None)
                if kind == "issue":
                    post(day, part, kind, qty, wo_no=wo_no)
                else:
                    post(day, part, kind, qty, unit_price=part.rec["sale_price"], doc_no=doc("XS", day))
                safety = part.rec["safety_stock"]
                if safety and stock[no] + on_order.get(no, 0.0) <= safety:
                    lead = day + dt.timedelta(days=self.randint(1, 4))
                    arrivals.setdefault(lead, []).append((part, part.rec["reorder_qty"]))
                    on_order[no] = on_order.get(no, 0.0) + part.rec["reorder_qty"]
                    if rng.random() < 0.01 and lead + dt.timedelta(days=2) <= self.end:
                        # Damaged in transit: sent back a few days after it arrived.
                        back = lead + dt.timedelta(days=self.randint(1, 3))
                        self.events.setdefault(back, []).append(("return_to_supplier", part, 1, None,
                                                                   f"TH{back:%y%m%d}{len(ledger) % 1000:03d}"))
            day += dt.timedelta(days=1)
        self.stock = stock
        return ledger

    def build_stocktake(self) -> list[dict[str, Any]]:
        """The last month's count on its last day: most counts match the book, a few do not."""
        rng = self.rng
        counted = rng.sample([p for p in self.parts if p.rec["active"]], min(self.randint(20, 30), len(self.parts)))
        by = [s.staff_id for s in self.on_duty("parts_clerk", self.end) + self.on_duty("parts_manager", self.end)]
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
                qty = book + self.randint(1, 2)
            elif n in losses:
                qty = book - self.randint(1, 2)
            rows.append(_record("stocktake", count_date=self.end, part_no=part.rec["part_no"], counted_qty=qty,
                                counted_by=self.choice(by)))
        return rows

    # -- claims ---------------------------------------------------------------------------

    def build_claims(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        claims: list[dict[str, Any]] = []
        payments: list[dict[str, Any]] = []
        seq = {"warranty": 0, "insurance": 0}
        for job in self.jobs:
            if job.rec["status"] != "settled":
                continue
            assert job.close is not None
            for claim_type in ("warranty", "insurance"):
                billed = [ln for ln in job.lines if ln["pay_type"] == claim_type and not ln["declined"]]
                if not billed:
                    continue
                seq[claim_type] += 1
                amount = round(sum(ln["qty"] * ln["unit_price"] * (1 - ln["discount_pct"]) for ln in billed), 2)
                claim_no = f"{'WC' if claim_type == 'warranty' else 'IC'}{job.close:%y%m}{seq[claim_type]:05d}"
                claim = self._claim(job, claim_type, claim_no, amount, any(ln["line_type"] == "part" for ln in billed))
                claims.append(claim)
                payments.extend(self._payments(claim, job))
        payments.sort(key=lambda p: (p["paid_date"], p["claim_no"]))
        for n, pay in enumerate(payments, 1):
            pay["payment_id"] = f"PAY{n:06d}"
        return claims, payments

    def _claim(self, job: _Job, claim_type: str, claim_no: str, amount: float, has_parts: bool) -> dict[str, Any]:
        rng, end = self.rng, self.end
        assert job.close is not None
        warranty = claim_type == "warranty"
        handler = self._pick("claims_specialist" if warranty else "insurance_specialist", job.close)
        claim = _record("claims", claim_no=claim_no, claim_type=claim_type, wo_no=job.rec["wo_no"], vin=job.vehicle.vin,
                        payer=self.t(MANUFACTURER) if warranty else job.rec["insurer"], status="draft",
                        claimed_amount=amount, handler_id=handler,
                        deductible=None if warranty else float(self.choice((0, 0, 0, 300, 500, 1000))))
        claim["parts_return_required"] = has_parts and rng.random() < (0.85 if warranty else 0.1)
        submitted = job.close + dt.timedelta(days=self.randint(1, 6))
        if submitted > end:
            return claim
        claim["submitted_date"] = submitted
        claim["status"] = "submitted"
        decided = submitted + dt.timedelta(days=self.randint(7, 35))
        if claim["parts_return_required"]:
            # Old parts go back with the claim, always within 30 days of the decision.
            returned = submitted + dt.timedelta(days=self.randint(2, 20))
            claim["parts_returned_date"] = returned if returned <= end else end if decided <= end else None
        if decided > end:
            return claim
        claim["decided_date"] = decided
        if rng.random() < (0.06 if warranty else 0.04):
            claim["status"] = "rejected"
            claim["rejection_reason"] = self.t(self.choice(REJECTIONS[claim_type]))
            again = decided + dt.timedelta(days=self.randint(3, 15))
            if again <= end and rng.random() < 0.5:
                claim["status"] = "resubmitted"
                claim["notes"] = self.t(NOTES["resubmitted"]).format(day=again.isoformat())
            return claim
        cut = rng.random() < (0.25 if warranty else 0.6)
        claim["approved_amount"] = round(amount * rng.uniform(0.85, 0.99), 2) if cut else amount
        claim["status"] = "approved"
        return claim

    def _payments(self, claim: dict[str, Any], job: _Job) -> list[dict[str, Any]]:
        rng, end = self.rng, self.end
        approved = claim["approved_amount"]
        if approved is None:
            return []
        first = claim["decided_date"] + dt.timedelta(days=self.randint(10, 45))
        plan = [(first, approved)]
        if rng.random() < 0.25:
            # Two instalments whose float sum is exactly the approved amount.
            for _ in range(10):
                part = round(approved * rng.uniform(0.4, 0.7), 2)
                rest = round(approved - part, 2)
                if part + rest == approved:
                    plan = [(first, part), (first + dt.timedelta(days=self.randint(15, 40)), rest)]
                    break
        made = [(day, amount) for day, amount in plan if day <= end]
        if len(made) == len(plan):
            claim["status"] = "paid"
            if made[-1][0] <= end - dt.timedelta(days=30) and rng.random() < 0.6:
                claim["status"] = "closed"
        return [_record("claim_payments", claim_no=claim["claim_no"], paid_date=day, amount=amount,
                        reference=f"BK{day:%Y%m%d}{rng.randrange(10 ** 6):06d}") for day, amount in made]

    # -- settings -------------------------------------------------------------------------

    def build_settings(self) -> list[dict[str, Any]]:
        settled = [j for j in self.jobs if j.rec["status"] == "settled"]
        revenue = sum(ln["qty"] * ln["unit_price"] * (1 - ln["discount_pct"])
                      for j in settled for ln in j.lines if not ln["declined"]) / (1 + TAX_RATE)
        months = max(1, self.months)
        values: dict[str, Any] = {k: _typed(v) for k, v in SETTING_DEFAULTS.items()}
        values.update({
            "store_code": STORE_CODE, "store_name": self.t(STORE_NAME), "brand": self.t(BRAND),
            "locale": self.locale, "tax_rate": TAX_RATE, "prices_include_tax": True, "labor_rate": LABOR_RATE,
            "valuation_method": "fifo", "open_period": self.end_text,
        })
        rows = [_record("settings", key=k, value=v) for k, v in values.items()]
        # Monthly targets a little above what the store achieves on average.
        targets = {
            "revenue": round(revenue / months * 1.05, -3), "entries": round(len(self.jobs) / months * 1.05),
            "gross_margin": 0.45, "csi": 9.0, "followup_rate": 0.9, "comeback_rate": 0.02,
            "first_time_fix_rate": 0.98, "qc_first_pass_rate": 0.95, "appointment_rate": 0.35,
            "complaint_rate": 0.01, "first_service_rate": 0.85, "fill_rate": 0.95, "stock_turnover": 8,
            "claim_rejection_rate": 0.05,
        }
        rows += [_record("settings", key=f"target_{k}", value=float(v)) for k, v in targets.items()]
        return rows

    def vehicle_records(self) -> list[dict[str, Any]]:
        models = [m[1 + self.lang] for m in MODELS]
        return [_record("vehicles", vin=v.vin, plate=v.plate, model=models[v.model], customer_name=v.customer,
                        customer_phone=v.phone, sale_date=v.sale, warranty_end_date=v.warranty_end,
                        warranty_km=v.warranty_km, insurer=v.insurer, insurance_expiry=self.insurance_expiry(v))
                for v in self.vehicles]


def generate(size: str = "small", months: int = 13, seed: int = 7, end: str = DEFAULT_END,
             locale: str = "en-US") -> dict[str, list[dict[str, Any]]]:
    """Records for every input sheet of a demo store of ``size`` (small, medium or large: about
    150, 800 or 2,000 jobs a month) covering ``months`` calendar months that end with ``end``
    (YYYY-MM). Text (names, descriptions, the settings' locale) is in ``locale``. Deterministic:
    the same arguments give identical records."""
    gen = _Generator(size, months, seed, end, locale)
    gen.build_roster()
    gen.build_parts()
    gen.build_fleet()
    gen.build_jobs()
    ledger = gen.build_ledger()
    stocktake = gen.build_stocktake()
    claims, payments = gen.build_claims()
    return {
        "settings": gen.build_settings(),
        "roster": gen.roster,
        "positions": gen.positions,
        "vehicles": gen.vehicle_records(),
        "work_orders": [j.rec for j in gen.jobs],
        "wo_lines": gen.lines,
        "parts": [p.rec for p in gen.parts],
        "parts_ledger": ledger,
        "stocktake": stocktake,
        "backorders": sorted(gen.backorders, key=lambda b: b["bo_id"]),
        "claims": claims,
        "claim_payments": payments,
    }


def _main(argv: Sequence[str] | None = None) -> int:
    """``python -m addin.demo --last-period``: the demo's last month (what ``make demo`` closes)."""
    parser = argparse.ArgumentParser(prog="python -m addin.demo")
    parser.add_argument("--last-period", action="store_true", required=True)
    parser.add_argument("--months", type=int, default=13)
    parser.add_argument("--end", default=DEFAULT_END)
    args = parser.parse_args(argv)
    span(args.months, args.end)
    print(args.end)
    return 0


if __name__ == "__main__":
    sys.exit(_main())

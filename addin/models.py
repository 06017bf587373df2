"""The sheets of the workbook as typed models: the one source of truth.

Every sheet of DOMAIN.md is a pydantic model whose fields carry the canonical column keys, the
English and Chinese labels, the kind of value (date, money, enum, reference ...) and whether the
column is required. The layout of Service.xlsm, header matching in the reader, dropdowns, the
JSON Schemas under schemas/ and the type checks of validation are all derived from these models
through :data:`SHEETS`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

Locale = Literal["en-US", "zh-CN"]
LOCALES: tuple[Locale, ...] = ("en-US", "zh-CN")

# The kinds of cell value. They decide parsing, number formats, widths and JSON types.
Kind = Literal["text", "enum", "ref", "date", "datetime", "money", "number", "int", "percent", "bool"]


class LabeledEnum(StrEnum):
    """An enum whose values are canonical keys, each with an English and a Chinese label."""

    @classmethod
    def labels(cls) -> dict[str, tuple[str, str]]:
        return _ENUM_LABELS[cls.__name__]

    def label(self, locale: str) -> str:
        en, zh = _ENUM_LABELS[type(self).__name__][self.value]
        return zh if locale == "zh-CN" else en


_ENUM_LABELS: dict[str, dict[str, tuple[str, str]]] = {}


def _labeled(name: str, items: dict[str, tuple[str, str]]) -> type[LabeledEnum]:
    _ENUM_LABELS[name] = items
    enum_cls = LabeledEnum(name, {k.upper(): k for k in items})  # type: ignore[call-overload]
    enum_cls.__module__ = __name__
    return enum_cls  # type: ignore[no-any-return]


Role = _labeled("Role", {
    "service_manager": ("Service manager", "服务经理"),
    "front_desk_supervisor": ("Front desk supervisor", "前台主管"),
    "service_advisor": ("Service advisor", "服务顾问"),
    "claims_specialist": ("Claims specialist", "索赔专员"),
    "insurance_specialist": ("Insurance specialist", "保险理赔员"),
    "workshop_supervisor": ("Workshop supervisor", "车间主管"),
    "technical_director": ("Technical director", "技术总监"),
    "team_leader": ("Team leader", "维修班组长"),
    "technician": ("Technician", "维修技工"),
    "qc_inspector": ("QC inspector", "质检员"),
    "parts_manager": ("Parts manager", "配件经理"),
    "parts_planner": ("Parts planner", "配件计划员"),
    "parts_clerk": ("Parts clerk", "配件仓管员"),
    "customer_service": ("Customer service", "客服专员"),
    "cashier": ("Cashier", "结算员"),
    "info_clerk": ("Information clerk", "信息员"),
})

#: Role synonyms (issue 12): the titles stores use beside the canonical labels, accepted by the
#: reader, the writers and the dropdown's check and written back as the role's label of the locale.
ROLE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "service_manager": ("站长", "服务站长", "售后经理", "售后服务经理", "服务总监", "售后总监", "After-sales manager",
                        "Station manager"),
    "front_desk_supervisor": ("前台经理", "接待主管", "服务主管", "前台组长", "Front desk manager"),
    "service_advisor": ("SA", "接待", "服务接待", "业务接待", "前台接待", "Advisor"),
    "claims_specialist": ("索赔员", "保修鉴定员", "索赔鉴定员", "三包专员", "保修专员", "Warranty administrator",
                          "Claims clerk"),
    "insurance_specialist": ("理赔员", "保险专员", "续保专员", "事故专员", "Insurance clerk"),
    "workshop_supervisor": ("车间主任", "车间经理", "维修主管", "调度", "派工员", "Workshop manager", "Foreman"),
    "technical_director": ("技术经理", "技术主管", "技术总工", "Technical manager"),
    "team_leader": ("班组长", "组长", "维修组长", "班长", "Team lead"),
    "technician": ("技工", "技师", "维修工", "机修工", "钣金工", "喷漆工", "Mechanic"),
    "qc_inspector": ("质检", "终检员", "检验员", "质量检验员", "Inspector"),
    "parts_manager": ("配件主管", "备件经理", "备件主管"),
    "parts_planner": ("配件计划", "备件计划员", "订货员"),
    "parts_clerk": ("仓管员", "库管员", "配件员", "备件管理员", "发料员", "Storekeeper"),
    "customer_service": ("客服", "回访员", "CRM专员", "Customer service officer"),
    "cashier": ("收银员", "收款员", "结算", "Settlement clerk"),
    "info_clerk": ("信息专员", "统计员", "资料员", "Information officer"),
}

#: Further accepted forms of enum values, by enum name (see tables.enum_lookup).
ENUM_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {"Role": ROLE_SYNONYMS}

Grade = _labeled("Grade", {
    "junior": ("Junior", "初级"),
    "intermediate": ("Intermediate", "中级"),
    "senior": ("Senior", "高级"),
    "master": ("Master", "技师"),
})
WoStatus = _labeled("WoStatus", {
    "open": ("Open", "接车"),
    "in_progress": ("In progress", "在修"),
    "waiting_parts": ("Waiting for parts", "待料"),
    "qc": ("Quality check", "质检"),
    "completed": ("Completed", "完工"),
    "settled": ("Settled", "已结算"),
    "cancelled": ("Cancelled", "已取消"),
})
RepairType = _labeled("RepairType", {
    "maintenance": ("Maintenance", "保养"),
    "general_repair": ("General repair", "一般维修"),
    "body_paint": ("Body and paint", "钣喷"),
    "accident": ("Accident repair", "事故车"),
    "warranty": ("Warranty", "保修"),
    "recall": ("Recall / campaign", "召回/服务活动"),
    "pdi": ("Pre-delivery inspection", "新车检查"),
    "internal": ("Internal", "内部"),
})
LineType = _labeled("LineType", {
    "labor": ("Labor", "工时"),
    "part": ("Part", "配件"),
    "accessory": ("Accessory", "精品"),
    "sublet": ("Sublet", "外协"),
    "misc": ("Miscellaneous", "其他"),
})
PayType = _labeled("PayType", {
    "customer": ("Customer pay", "自费"),
    "warranty": ("Warranty", "保修"),
    "insurance": ("Insurance", "保险"),
    "internal": ("Internal", "内部"),
    "goodwill": ("Goodwill", "善意"),
})
PartCategory = _labeled("PartCategory", {
    "oem": ("OEM part", "原厂件"),
    "accessory": ("Accessory", "精品"),
    "consumable": ("Consumable", "辅料"),
})
TxnType = _labeled("TxnType", {
    "receipt": ("Receipt", "采购入库"),
    "return_to_stock": ("Return to stock", "退料"),
    "stocktake_gain": ("Stocktake gain", "盘盈"),
    "issue": ("Issue to job", "维修领料"),
    "counter_sale": ("Counter sale", "配件外销"),
    "return_to_supplier": ("Return to supplier", "退货"),
    "stocktake_loss": ("Stocktake loss", "盘亏"),
})
ClaimType = _labeled("ClaimType", {
    "warranty": ("Warranty claim", "保修索赔"),
    "insurance": ("Insurance claim", "保险理赔"),
})
ClaimStatus = _labeled("ClaimStatus", {
    "draft": ("Draft", "待提交"),
    "submitted": ("Submitted", "已提交"),
    "approved": ("Approved", "已批准"),
    "rejected": ("Rejected", "已拒赔"),
    "resubmitted": ("Resubmitted", "重新提交"),
    "paid": ("Paid", "已到账"),
    "closed": ("Closed", "已核销"),
})
PeriodStatus = _labeled("PeriodStatus", {
    "open": ("Open", "未结"),
    "closed": ("Closed", "已结"),
})
Severity = _labeled("Severity", {
    "error": ("Error", "错误"),
    "warning": ("Warning", "警告"),
})
# The registers of the department's day (DOMAIN.md "The registers of the department's day").
ApptReason = _labeled("ApptReason", {
    "maintenance": ("Maintenance", "保养"),
    "first_service": ("First service", "首保"),
    "repair": ("Repair", "维修"),
    "warranty": ("Warranty", "保修"),
    "recall": ("Recall / campaign", "召回/服务活动"),
    "insurance": ("Accident / insurance", "事故/保险"),
    "other": ("Other", "其他"),
})
ApptSource = _labeled("ApptSource", {
    "reminder": ("Reminder call", "提醒回访"),
    "phone": ("Phone", "电话"),
    "walk_in": ("Walk-in", "到店"),
    "online": ("Online", "线上"),
    "manufacturer": ("Manufacturer", "厂家"),
})
ApptStatus = _labeled("ApptStatus", {
    "booked": ("Booked", "已预约"),
    "confirmed": ("Confirmed", "已确认"),
    "arrived": ("Arrived", "已到店"),
    "no_show": ("No-show", "未到店"),
    "cancelled": ("Cancelled", "已取消"),
})
ComplaintChannel = _labeled("ComplaintChannel", {
    "phone": ("Phone", "电话"),
    "in_person": ("In person", "到店"),
    "manufacturer": ("From the manufacturer", "厂家转办"),
    "online": ("Online", "网络"),
    "other": ("Other", "其他"),
})
ComplaintCategory = _labeled("ComplaintCategory", {
    "quality": ("Repair quality", "维修质量"),
    "price": ("Price", "价格"),
    "attitude": ("Staff attitude", "服务态度"),
    "waiting": ("Waiting time", "等待时间"),
    "parts": ("Parts", "配件"),
    "comeback": ("Comeback", "返修"),
    "other": ("Other", "其他"),
})
ComplaintSeverity = _labeled("ComplaintSeverity", {
    "minor": ("Minor", "一般"),
    "major": ("Major", "重大"),
    "critical": ("Critical", "严重"),
})
RenewalOutcome = _labeled("RenewalOutcome", {
    "pending": ("Pending", "跟进中"),
    "renewed": ("Renewed", "已续保"),
    "lost": ("Lost", "战败"),
})
LostReason = _labeled("LostReason", {
    "price": ("Price", "价格"),
    "other_insurer": ("Went to another insurer", "转投他司"),
    "sold_vehicle": ("Vehicle sold", "车辆已售"),
    "unreachable": ("Unreachable", "联系不上"),
    "service": ("Unhappy with service", "服务不满"),
    "other": ("Other", "其他"),
})
EquipmentStatus = _labeled("EquipmentStatus", {
    "in_use": ("In use", "在用"),
    "repair": ("Under repair", "维修中"),
    "retired": ("Retired", "报废"),
})
ToolKind = _labeled("ToolKind", {
    "public": ("Public", "公用"),
    "personal": ("Personal", "个人"),
})
ToolStatus = _labeled("ToolStatus", {
    "in_use": ("In use", "在用"),
    "repair": ("Under repair", "维修中"),
    "lost": ("Lost", "丢失"),
    "retired": ("Retired", "报废"),
})
ToolCondition = _labeled("ToolCondition", {
    "ok": ("OK", "完好"),
    "damaged": ("Damaged", "损坏"),
    "lost": ("Lost", "丢失"),
})

INFLOW_TYPES = frozenset({"receipt", "return_to_stock", "stocktake_gain"})
OUTFLOW_TYPES = frozenset({"issue", "counter_sale", "return_to_supplier", "stocktake_loss"})


def col(
    en: str,
    zh: str,
    *,
    required: bool = False,
    kind: Kind | None = None,
    ref: str | None = None,
    help_en: str = "",
    help_zh: str = "",
    default: Any = None,
    aliases: tuple[str, ...] = (),
) -> Any:
    """Declare a column: labels, required flag, kind (inferred from the type when omitted),
    the referenced "sheet.column" for references, and input help shown in the workbook.

    ``aliases``: the names DMS exports and stores' own spreadsheets commonly give the column
    (车架号/VIN码/底盘号); only the importer (addin.importer) matches them, so they appear neither
    in the workbook nor in the JSON schemas."""
    extra: dict[str, Any] = {"label_en": en, "label_zh": zh, "help_en": help_en, "help_zh": help_zh}
    if aliases:
        extra["aliases"] = tuple(aliases)
    if kind:
        extra["kind"] = kind
    if ref:
        extra["ref"] = ref
    if required:
        return Field(..., title=en, description=help_en or None, json_schema_extra=extra)
    return Field(default, title=en, description=help_en or None, json_schema_extra=extra)


class SheetModel(BaseModel):
    """One row of a sheet. Subclasses set the sheet's key and labels."""

    model_config = ConfigDict(extra="allow", use_enum_values=True)

    sheet_key: ClassVar[str]
    label_en: ClassVar[str]
    label_zh: ClassVar[str]
    # Who writes the sheet: staff ("input") or the add-in ("addin").
    written_by: ClassVar[Literal["input", "addin"]] = "input"
    # The columns that identify a record (unique together).
    key_columns: ClassVar[tuple[str, ...]] = ()


class SettingRow(SheetModel):
    sheet_key = "settings"
    label_en, label_zh = "Settings", "设置"
    key_columns = ("key",)
    key: str = col("Key", "参数", required=True)
    value: str | None = col("Value", "值", kind="text")
    # What the key means, in the workbook's language (written by the add-in; never read as a value).
    label: str | None = col("Label", "说明", kind="text")


#: Columns the add-in writes for the reader's eyes only (never read as data): a workbook without
#: them lacks nothing, so `info` does not list them as missing.
DISPLAY_COLUMNS: dict[str, frozenset[str]] = {"settings": frozenset({"label"})}


class RosterRow(SheetModel):
    sheet_key = "roster"
    label_en, label_zh = "Roster", "人员花名册"
    key_columns = ("staff_id",)
    staff_id: str = col("Staff ID", "工号", required=True, aliases=("员工编号", "员工号", "人员编号"))
    name: str = col("Name", "姓名", required=True, aliases=("员工姓名",))
    role: Role = col("Role", "岗位", required=True, aliases=("职务", "职位"))  # type: ignore[valid-type]
    also_roles: str | None = col("Also roles", "兼任岗位",
                                 help_en="Further roles held concurrently, separated by commas",
                                 help_zh="兼任的其他岗位，用逗号或顿号分隔")
    team: str | None = col("Team", "班组", aliases=("所属班组",))
    grade: Grade | None = col("Grade", "等级")  # type: ignore[valid-type]
    hire_date: dt.date = col("Hire date", "入职日期", required=True, aliases=("入职时间",))
    leave_date: dt.date | None = col("Leave date", "离职日期", aliases=("离职时间",))
    piece_rate: float | None = col("Piece rate", "计件单价", kind="money",
                                   help_en="Pay per flag hour (technicians)", help_zh="每工时计件工资（技工）")
    daily_hours: float | None = col("Daily hours", "日工作小时", kind="number", help_en="Blank = 8",
                                    help_zh="空白=8")
    excel_user: str | None = col("Excel user", "Excel用户名", help_en="The login that identifies this person in Excel",
                                 help_zh="在Excel中识别此人的登录名")
    phone: str | None = col("Phone", "电话", aliases=("手机", "联系电话"))


class PositionRow(SheetModel):
    sheet_key = "positions"
    label_en, label_zh = "Positions", "岗位编制"
    key_columns = ("role",)
    role: Role = col("Role", "岗位", required=True)  # type: ignore[valid-type]
    planned: int = col("Planned", "编制人数", required=True, kind="int")
    notes: str | None = col("Notes", "备注")


class VehicleRow(SheetModel):
    sheet_key = "vehicles"
    label_en, label_zh = "Vehicles", "客户车辆档案"
    key_columns = ("vin",)
    vin: str = col("VIN", "车架号", required=True, help_en="17 characters, no I, O, Q", help_zh="17位，不含I、O、Q",
                   aliases=("VIN码", "底盘号", "车辆识别代号", "VIN号"))
    plate: str | None = col("Plate", "车牌号", aliases=("车牌", "车牌号码"))
    model: str | None = col("Model", "车型", aliases=("车型名称", "车系"))
    customer_name: str | None = col("Customer", "客户姓名", aliases=("车主", "车主姓名", "客户名称"))
    customer_phone: str | None = col("Customer phone", "客户电话", aliases=("联系电话", "手机", "手机号", "车主电话"))
    sale_date: dt.date | None = col("Sale date", "销售日期", aliases=("购车日期", "开票日期"))
    warranty_end_date: dt.date | None = col("Warranty end", "保修截止日期", aliases=("保修到期日",))
    warranty_km: float | None = col("Warranty km", "保修里程", kind="int")
    insurer: str | None = col("Insurer", "保险公司")
    insurance_expiry: dt.date | None = col("Insurance expiry", "保险到期日", aliases=("保险到期日期", "商业险到期日"))


class WorkOrderRow(SheetModel):
    sheet_key = "work_orders"
    label_en, label_zh = "Work orders", "维修工单"
    key_columns = ("wo_no",)
    wo_no: str = col("WO no.", "工单号", required=True, aliases=("维修单号", "委托书号", "工单编号", "RO号", "RO No"))
    open_date: dt.date = col("Open date", "开单日期", required=True, aliases=("进厂日期", "进厂时间", "开单时间", "接车日期"))
    promised_date: dt.date | None = col("Promised date", "预计完工日期", aliases=("预计交车日期", "预交车日期", "预计完工时间"))
    close_date: dt.date | None = col("Settlement date", "结算日期", aliases=("结算时间", "结账日期"))
    status: WoStatus = col("Status", "状态", required=True, aliases=("工单状态",))  # type: ignore[valid-type]
    vin: str = col("VIN", "车架号", required=True, ref="vehicles.vin", aliases=("VIN码", "底盘号", "车辆识别代号", "VIN号"))
    plate: str | None = col("Plate", "车牌号", aliases=("车牌", "车牌号码"))
    mileage: float = col("Mileage", "进厂里程", required=True, kind="int", aliases=("里程", "行驶里程", "进厂公里数"))
    customer_name: str | None = col("Customer", "客户姓名", aliases=("车主", "送修人", "客户名称"))
    customer_phone: str | None = col("Customer phone", "客户电话", aliases=("联系电话", "手机", "手机号", "送修人电话"))
    advisor_id: str = col("Advisor", "服务顾问", required=True, ref="roster.staff_id", aliases=("服务顾问工号", "接待员", "接车员"))
    team: str | None = col("Team", "班组")
    repair_type: RepairType = col("Repair type", "维修类型", required=True,
                                  aliases=("维修类别", "修理类型", "业务类型"))  # type: ignore[valid-type]
    concern: str | None = col("Concern", "用户陈述", aliases=("故障描述", "客户描述"))
    appointment: bool | None = col("Appointment", "预约")
    first_service: bool | None = col("First service", "首保")
    rework_of: str | None = col("Rework of", "返修原工单", ref="work_orders.wo_no",
                                help_en="WO no. of the job this one redoes", help_zh="本单返修的原工单号")
    qc_first_pass: bool | None = col("QC first pass", "终检一次合格")
    qc_inspector_id: str | None = col("QC inspector", "质检员", ref="roster.staff_id")
    csi_score: float | None = col("CSI score", "满意度评分", kind="number", help_en="0 to 10", help_zh="0至10分")
    complaint: bool | None = col("Complaint", "投诉")
    followup_date: dt.date | None = col("Follow-up date", "回访日期")
    followup_by: str | None = col("Follow-up by", "回访人", ref="roster.staff_id")
    next_service_date: dt.date | None = col("Next service date", "下次保养日期")
    next_service_km: float | None = col("Next service km", "下次保养里程", kind="int")
    insurer: str | None = col("Insurer", "保险公司", aliases=("承保公司",))
    notes: str | None = col("Notes", "备注")


class WoLineRow(SheetModel):
    sheet_key = "wo_lines"
    label_en, label_zh = "WO lines", "工单明细"
    key_columns = ("wo_no", "line_no")
    wo_no: str = col("WO no.", "工单号", required=True, ref="work_orders.wo_no",
                     aliases=("维修单号", "委托书号", "工单编号", "RO号", "RO No"))
    line_no: int = col("Line", "行号", required=True, kind="int", aliases=("序号", "明细行号"))
    line_type: LineType = col("Line type", "项目类型", required=True,
                              aliases=("明细类型", "收费项目类型"))  # type: ignore[valid-type]
    item_code: str | None = col("Item code", "项目代码", help_en="Labor operation code or part no.",
                                help_zh="工时代码或配件编号", aliases=("项目编码", "工时代码", "配件代码"))
    description: str | None = col("Description", "项目名称")
    qty: float = col("Qty / hours", "数量/工时", required=True, kind="number",
                     help_en="Flag hours for labor, units otherwise", help_zh="工时项目为工时数，其余为数量", aliases=("数量", "工时数"))
    unit_price: float = col("Unit price", "单价", required=True, kind="money")
    discount_pct: float | None = col("Discount", "折扣率", kind="percent", help_en="0 to below 100%",
                                     help_zh="0至100%（不含）", aliases=("折扣",))
    pay_type: PayType = col("Pay type", "付费方式", required=True,
                            aliases=("收费类型", "付费类型", "收费性质"))  # type: ignore[valid-type]
    technician_id: str | None = col("Technician", "维修技工", ref="roster.staff_id", aliases=("维修工", "主修技师", "技师"))
    actual_hours: float | None = col("Actual hours", "实际工时", kind="number")
    cause: str | None = col("Cause", "故障原因")
    correction: str | None = col("Correction", "维修措施")
    added_item: bool | None = col("Added item", "增项")
    customer_approved: bool | None = col("Customer approved", "客户确认")
    declined: bool | None = col("Declined", "客户拒绝", help_en="Customer said no: not billed",
                                help_zh="客户未同意：不计费")
    cost: float | None = col("Sublet cost", "外协成本", kind="money", help_en="Ex-tax, sublet lines",
                             help_zh="不含税，外协项目")


class PartRow(SheetModel):
    sheet_key = "parts"
    label_en, label_zh = "Parts", "配件档案"
    key_columns = ("part_no",)
    part_no: str = col("Part no.", "配件编号", required=True, aliases=("零件号", "零件编号", "配件代码", "备件号"))
    name: str = col("Name", "配件名称", required=True, aliases=("零件名称", "备件名称"))
    category: PartCategory | None = col("Category", "类别")  # type: ignore[valid-type]
    unit: str | None = col("Unit", "单位", aliases=("计量单位",))
    bin: str | None = col("Bin", "货位", aliases=("库位",))
    sale_price: float | None = col("Sale price", "销售价", kind="money", aliases=("销售价格", "零售价"))
    safety_stock: float | None = col("Safety stock", "安全库存", kind="number")
    reorder_qty: float | None = col("Reorder qty", "订货批量", kind="number")
    supplier: str | None = col("Supplier", "供应商")
    active: bool | None = col("Active", "在用")


class PartsLedgerRow(SheetModel):
    sheet_key = "parts_ledger"
    label_en, label_zh = "Parts ledger", "配件台账"
    key_columns = ("txn_id",)
    txn_id: str = col("Txn ID", "单据号", required=True, aliases=("流水号", "出入库单号"))
    txn_date: dt.date = col("Date", "日期", required=True, aliases=("业务日期", "出入库日期"))
    part_no: str = col("Part no.", "配件编号", required=True, ref="parts.part_no", aliases=("零件号", "零件编号", "配件代码", "备件号"))
    txn_type: TxnType = col("Type", "类型", required=True, aliases=("出入库类型", "业务类型"))  # type: ignore[valid-type]
    qty: float = col("Qty", "数量", required=True, kind="number", help_en="> 0; the type gives the direction",
                     help_zh="大于0，方向由类型决定")
    unit_cost: float | None = col("Unit cost", "单位成本", kind="money", help_en="Receipts: ex-tax purchase cost",
                                  help_zh="入库：不含税采购成本", aliases=("成本价", "进价", "采购单价"))
    unit_price: float | None = col("Unit price", "销售单价", kind="money", help_en="Counter sales: sale price",
                                   help_zh="外销：销售价")
    wo_no: str | None = col("WO no.", "工单号", ref="work_orders.wo_no", aliases=("维修单号", "委托书号", "工单编号"))
    doc_no: str | None = col("Document no.", "单据编号")
    staff_id: str | None = col("Staff", "经办人", ref="roster.staff_id")
    notes: str | None = col("Notes", "备注")


class StocktakeRow(SheetModel):
    sheet_key = "stocktake"
    label_en, label_zh = "Stocktake", "盘点"
    key_columns = ("count_date", "part_no")
    count_date: dt.date = col("Count date", "盘点日期", required=True)
    part_no: str = col("Part no.", "配件编号", required=True, ref="parts.part_no")
    counted_qty: float = col("Counted qty", "实盘数量", required=True, kind="number")
    counted_by: str | None = col("Counted by", "盘点人", ref="roster.staff_id")


class BackorderRow(SheetModel):
    sheet_key = "backorders"
    label_en, label_zh = "Backorders", "缺件登记"
    key_columns = ("bo_id",)
    bo_id: str = col("Backorder ID", "缺件单号", required=True)
    request_date: dt.date = col("Request date", "登记日期", required=True)
    wo_no: str | None = col("WO no.", "工单号", ref="work_orders.wo_no")
    part_no: str = col("Part no.", "配件编号", required=True, ref="parts.part_no")
    qty: float = col("Qty", "数量", required=True, kind="number")
    ordered_date: dt.date | None = col("Ordered date", "订货日期")
    arrived_date: dt.date | None = col("Arrived date", "到货日期")
    notified_date: dt.date | None = col("Notified date", "通知日期")


class ClaimRow(SheetModel):
    sheet_key = "claims"
    label_en, label_zh = "Claims", "索赔台账"
    key_columns = ("claim_no",)
    claim_no: str = col("Claim no.", "索赔单号", required=True, aliases=("索赔编号", "理赔单号"))
    claim_type: ClaimType = col("Claim type", "索赔类型", required=True)  # type: ignore[valid-type]
    wo_no: str = col("WO no.", "工单号", required=True, ref="work_orders.wo_no", aliases=("维修单号", "委托书号", "工单编号"))
    vin: str | None = col("VIN", "车架号", ref="vehicles.vin", aliases=("VIN码", "底盘号", "车辆识别代号"))
    payer: str = col("Payer", "付款方", required=True, help_en="Manufacturer or insurer", help_zh="厂家或保险公司")
    submitted_date: dt.date | None = col("Submitted date", "提交日期", aliases=("申请日期", "提报日期"))
    status: ClaimStatus = col("Status", "状态", required=True, aliases=("索赔状态",))  # type: ignore[valid-type]
    claimed_amount: float = col("Claimed amount", "索赔金额", required=True, kind="money", aliases=("申请金额", "索赔申请金额"))
    approved_amount: float | None = col("Approved amount", "批准金额", kind="money", aliases=("核准金额", "审核金额"))
    decided_date: dt.date | None = col("Decided date", "审批日期")
    rejection_reason: str | None = col("Rejection reason", "拒赔原因")
    parts_return_required: bool | None = col("Parts return required", "需回运旧件")
    parts_returned_date: dt.date | None = col("Parts returned date", "旧件回运日期")
    handler_id: str | None = col("Handler", "经办人", ref="roster.staff_id")
    deductible: float | None = col("Deductible", "免赔额", kind="money")
    notes: str | None = col("Notes", "备注")


class ClaimPaymentRow(SheetModel):
    sheet_key = "claim_payments"
    label_en, label_zh = "Claim payments", "索赔到账"
    key_columns = ("payment_id",)
    payment_id: str = col("Payment ID", "到账编号", required=True)
    claim_no: str = col("Claim no.", "索赔单号", required=True, ref="claims.claim_no")
    paid_date: dt.date = col("Paid date", "到账日期", required=True)
    amount: float = col("Amount", "金额", required=True, kind="money")
    reference: str | None = col("Reference", "银行流水号")


class AppointmentRow(SheetModel):
    sheet_key = "appointments"
    label_en, label_zh = "Appointments", "预约登记"
    key_columns = ("appt_id",)
    appt_id: str = col("Appointment ID", "预约单号", required=True)
    appt_date: dt.date = col("Date", "预约日期", required=True)
    appt_time: str | None = col("Time", "预约时间", help_en="hh:mm", help_zh="时:分")
    vin: str | None = col("VIN", "车架号", ref="vehicles.vin")
    plate: str | None = col("Plate", "车牌号")
    customer_name: str | None = col("Customer", "客户姓名")
    customer_phone: str | None = col("Customer phone", "客户电话")
    reason: ApptReason = col("Reason", "预约事由", required=True)  # type: ignore[valid-type]
    source: ApptSource | None = col("Source", "预约来源")  # type: ignore[valid-type]
    advisor_id: str | None = col("Advisor", "服务顾问", ref="roster.staff_id")
    est_hours: float | None = col("Estimated hours", "预估工时", kind="number")
    status: ApptStatus = col("Status", "状态", required=True)  # type: ignore[valid-type]
    wo_no: str | None = col("WO no.", "工单号", ref="work_orders.wo_no", help_en="The job it became",
                            help_zh="到店后开出的工单")
    notes: str | None = col("Notes", "备注")


class FollowupRow(SheetModel):
    sheet_key = "followups"
    label_en, label_zh = "Follow-ups", "回访记录"
    key_columns = ("followup_id",)
    followup_id: str = col("Follow-up ID", "回访编号", required=True)
    wo_no: str = col("WO no.", "工单号", required=True, ref="work_orders.wo_no")
    call_date: dt.date = col("Call date", "回访日期", required=True)
    by: str = col("By", "回访人", required=True, ref="roster.staff_id")
    reached: bool = col("Reached", "接通", required=True)
    satisfaction: float | None = col("Satisfaction", "满意度", kind="number", help_en="0 to 10", help_zh="0至10分")
    issues: str | None = col("Issues", "客户意见")
    next_action: str | None = col("Next action", "后续措施")
    complaint_id: str | None = col("Complaint ID", "投诉编号", ref="complaints.complaint_id")


class ComplaintRow(SheetModel):
    sheet_key = "complaints"
    label_en, label_zh = "Complaints", "投诉登记"
    key_columns = ("complaint_id",)
    complaint_id: str = col("Complaint ID", "投诉编号", required=True)
    received_date: dt.date = col("Received date", "受理日期", required=True)
    channel: ComplaintChannel = col("Channel", "投诉渠道", required=True)  # type: ignore[valid-type]
    wo_no: str | None = col("WO no.", "工单号", ref="work_orders.wo_no")
    vin: str | None = col("VIN", "车架号", ref="vehicles.vin")
    customer_name: str | None = col("Customer", "客户姓名")
    category: ComplaintCategory = col("Category", "投诉类别", required=True)  # type: ignore[valid-type]
    severity: ComplaintSeverity | None = col("Severity", "严重程度")  # type: ignore[valid-type]
    description: str | None = col("Description", "投诉内容")
    owner_id: str = col("Owner", "责任人", required=True, ref="roster.staff_id")
    action: str | None = col("Action", "处理措施")
    resolved_date: dt.date | None = col("Resolved date", "处理完成日期")
    callback_date: dt.date | None = col("Callback date", "回复客户日期")
    customer_satisfied: bool | None = col("Customer satisfied", "客户满意")


class RenewalRow(SheetModel):
    sheet_key = "renewals"
    label_en, label_zh = "Renewals", "续保跟进"
    key_columns = ("renewal_id",)
    renewal_id: str = col("Renewal ID", "续保编号", required=True)
    vin: str = col("VIN", "车架号", required=True, ref="vehicles.vin")
    expiry_date: dt.date = col("Expiry date", "保险到期日", required=True)
    contact_date: dt.date | None = col("Contact date", "联系日期")
    by: str | None = col("By", "跟进人", ref="roster.staff_id")
    quoted_premium: float | None = col("Quoted premium", "报价保费", kind="money")
    outcome: RenewalOutcome = col("Outcome", "跟进结果", required=True)  # type: ignore[valid-type]
    lost_reason: LostReason | None = col("Lost reason", "战败原因")  # type: ignore[valid-type]
    insurer: str | None = col("Insurer", "保险公司")
    premium: float | None = col("Premium", "保费", kind="money")
    notes: str | None = col("Notes", "备注")


class LoanerRow(SheetModel):
    sheet_key = "loaners"
    label_en, label_zh = "Loaners", "代步车登记"
    key_columns = ("loan_id",)
    loan_id: str = col("Loan ID", "借车单号", required=True)
    loaner_vin: str = col("Loaner VIN", "代步车车架号", required=True)
    wo_no: str = col("WO no.", "工单号", required=True, ref="work_orders.wo_no")
    customer_name: str | None = col("Customer", "客户姓名")
    out_date: dt.date = col("Out date", "借出日期", required=True)
    out_km: float | None = col("Out km", "借出里程", kind="int")
    return_date: dt.date | None = col("Return date", "归还日期")
    return_km: float | None = col("Return km", "归还里程", kind="int")
    approved_by: str = col("Approved by", "批准人", required=True, ref="roster.staff_id")


class EquipmentRow(SheetModel):
    sheet_key = "equipment"
    label_en, label_zh = "Equipment", "设备台账"
    key_columns = ("asset_id",)
    asset_id: str = col("Asset ID", "设备编号", required=True)
    name: str = col("Name", "设备名称", required=True)
    category: str | None = col("Category", "类别")
    location: str | None = col("Location", "存放位置")
    serial_no: str | None = col("Serial no.", "出厂编号")
    purchase_date: dt.date | None = col("Purchase date", "购置日期")
    value: float | None = col("Value", "原值", kind="money")
    calibration_months: float | None = col("Calibration months", "检定周期（月）", kind="int",
                                           help_en="Blank: not a measuring device", help_zh="空白：非计量器具")
    last_calibrated: dt.date | None = col("Last calibrated", "上次检定日期")
    status: EquipmentStatus | None = col("Status", "状态")  # type: ignore[valid-type]
    custodian_id: str | None = col("Custodian", "保管人", ref="roster.staff_id")


class ToolRow(SheetModel):
    sheet_key = "tools"
    label_en, label_zh = "Tools", "工具台账"
    key_columns = ("tool_id",)
    tool_id: str = col("Tool ID", "工具编号", required=True)
    name: str = col("Name", "工具名称", required=True)
    kind: ToolKind = col("Kind", "类别", required=True)  # type: ignore[valid-type]
    qty: float = col("Qty", "数量", required=True, kind="number")
    location: str | None = col("Location", "存放位置")
    status: ToolStatus | None = col("Status", "状态")  # type: ignore[valid-type]


class ToolLoanRow(SheetModel):
    sheet_key = "tool_loans"
    label_en, label_zh = "Tool loans", "公用工具借用卡"
    key_columns = ("loan_id",)
    loan_id: str = col("Loan ID", "借用单号", required=True)
    tool_id: str = col("Tool ID", "工具编号", required=True, ref="tools.tool_id")
    staff_id: str = col("Staff", "借用人", required=True, ref="roster.staff_id")
    out_date: dt.date = col("Out date", "借出日期", required=True)
    due_date: dt.date | None = col("Due date", "应还日期")
    returned_date: dt.date | None = col("Returned date", "归还日期")
    condition: ToolCondition | None = col("Condition", "归还状况")  # type: ignore[valid-type]


class ToolIssueRow(SheetModel):
    sheet_key = "tool_issues"
    label_en, label_zh = "Tool issues", "个人工具领用卡"
    key_columns = ("issue_id",)
    issue_id: str = col("Issue ID", "领用单号", required=True)
    tool_id: str = col("Tool ID", "工具编号", required=True, ref="tools.tool_id")
    staff_id: str = col("Staff", "领用人", required=True, ref="roster.staff_id")
    issue_date: dt.date = col("Issue date", "领用日期", required=True)
    qty: float = col("Qty", "数量", required=True, kind="number")
    returned_date: dt.date | None = col("Returned date", "归还日期")
    condition: ToolCondition | None = col("Condition", "归还状况")  # type: ignore[valid-type]


class TrainingRow(SheetModel):
    sheet_key = "training"
    label_en, label_zh = "Training", "培训记录"
    key_columns = ("training_id", "staff_id")
    training_id: str = col("Training ID", "培训编号", required=True)
    date: dt.date = col("Date", "培训日期", required=True)
    topic: str = col("Topic", "培训内容", required=True)
    trainer: str | None = col("Trainer", "讲师")
    staff_id: str = col("Staff", "参训人", required=True, ref="roster.staff_id")
    hours: float | None = col("Hours", "学时", kind="number")
    passed: bool | None = col("Passed", "考核通过")
    score: float | None = col("Score", "成绩", kind="number")


class AppraisalWeightRow(SheetModel):
    sheet_key = "appraisal_weights"
    label_en, label_zh = "Appraisal weights", "绩效考核权重"
    key_columns = ("role", "kpi")
    role: Role = col("Role", "岗位", required=True)  # type: ignore[valid-type]
    kpi: str = col("KPI", "考核指标", required=True, help_en="A KPI id of KPIS.md", help_zh="KPIS.md 中的指标代码")
    weight: float = col("Weight", "权重", required=True, kind="number", help_en="> 0", help_zh="大于0")
    target: float | None = col("Target", "目标值", kind="number",
                               help_en="Blank: the settings target of that KPI", help_zh="空白：取设置中的目标")


class PeriodRow(SheetModel):
    sheet_key = "periods"
    label_en, label_zh = "Periods", "会计期间"
    written_by = "addin"
    key_columns = ("period",)
    period: str = col("Period", "期间", required=True, help_en="YYYY-MM", help_zh="年-月")
    status: PeriodStatus = col("Status", "状态", required=True)  # type: ignore[valid-type]
    closed_at: dt.datetime | None = col("Closed at", "结账时间", kind="datetime")
    closed_by: str | None = col("Closed by", "结账人")
    data_hash: str | None = col("Data hash", "数据指纹")
    notes: str | None = col("Notes", "备注")


class FingerprintRow(SheetModel):
    """issue 13: the per-record fingerprint of a closed period (addin.periods), on a very hidden
    sheet, cut into parts of at most periods.FINGERPRINT_CELL characters (Excel's cell limit is
    32,767); the periods sheet's notes stay for people."""

    sheet_key = "fingerprints"
    label_en, label_zh = "Fingerprints", "期间指纹"
    written_by = "addin"
    key_columns = ("period", "part")
    period: str = col("Period", "期间", required=True, help_en="YYYY-MM", help_zh="年-月")
    part: int = col("Part", "分段", required=True, kind="int")
    data_hash: str = col("Data hash", "数据指纹", required=True)
    fingerprint: str = col("Fingerprint", "记录指纹", required=True)


class AuditLogRow(SheetModel):
    sheet_key = "audit_log"
    label_en, label_zh = "Audit log", "操作日志"
    written_by = "addin"
    timestamp: dt.datetime = col("Timestamp", "时间", required=True, kind="datetime")
    user: str = col("User", "用户", required=True)
    action: str = col("Action", "操作", required=True)
    period: str | None = col("Period", "期间")
    details: str | None = col("Details", "详情")


class CheckRow(SheetModel):
    sheet_key = "checks"
    label_en, label_zh = "Checks", "校验结果"
    written_by = "addin"
    sheet: str = col("Sheet", "工作表", required=True)
    row: int | None = col("Row", "行", kind="int")
    column: str | None = col("Column", "列")
    severity: Severity = col("Severity", "级别", required=True)  # type: ignore[valid-type]
    rule: str = col("Rule", "规则", required=True)
    message: str = col("Message", "说明", required=True)


MODELS: tuple[type[SheetModel], ...] = (
    SettingRow, RosterRow, PositionRow, VehicleRow, WorkOrderRow, WoLineRow, PartRow,
    PartsLedgerRow, StocktakeRow, BackorderRow, ClaimRow, ClaimPaymentRow, AppointmentRow, FollowupRow,
    ComplaintRow, RenewalRow, LoanerRow, EquipmentRow, ToolRow, ToolLoanRow, ToolIssueRow, TrainingRow,
    AppraisalWeightRow, PeriodRow, AuditLogRow, CheckRow, FingerprintRow,
)


@dataclass(frozen=True)
class ColumnSpec:
    """A column of a sheet, derived from its model field."""

    key: str
    label_en: str
    label_zh: str
    kind: Kind
    required: bool
    enum: type[LabeledEnum] | None = None
    ref: str | None = None
    help_en: str = ""
    help_zh: str = ""
    aliases: tuple[str, ...] = ()

    def label(self, locale: str) -> str:
        return self.label_zh if locale == "zh-CN" else self.label_en

    def help(self, locale: str) -> str:
        return self.help_zh if locale == "zh-CN" else self.help_en


@dataclass(frozen=True)
class SheetSpec:
    """A sheet: key, labels, table name, columns in order."""

    key: str
    label_en: str
    label_zh: str
    model: type[SheetModel]
    columns: tuple[ColumnSpec, ...]
    written_by: str
    key_columns: tuple[str, ...]
    by_key: dict[str, ColumnSpec] = field(default_factory=dict, compare=False, repr=False)

    def label(self, locale: str) -> str:
        return self.label_zh if locale == "zh-CN" else self.label_en

    @property
    def table_name(self) -> str:
        """The Excel Table name: tbl + CamelCase key (tblWorkOrders)."""
        return "tbl" + "".join(p.capitalize() for p in self.key.split("_"))

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns if c.required)

    def column(self, key: str) -> ColumnSpec:
        return self.by_key[key]


def _kind_of(annotation: Any) -> tuple[Kind, type[LabeledEnum] | None]:
    args = getattr(annotation, "__args__", None)
    base = next((a for a in args if a is not type(None)), annotation) if args else annotation
    if isinstance(base, type) and issubclass(base, LabeledEnum):
        return "enum", base
    if base is dt.datetime:
        return "datetime", None
    if base is dt.date:
        return "date", None
    if base is bool:
        return "bool", None
    if base is int:
        return "int", None
    if base is float:
        return "number", None
    return "text", None


def _spec(model: type[SheetModel]) -> SheetSpec:
    columns = []
    for key, info in model.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        kind, enum_cls = _kind_of(info.annotation)
        if "kind" in extra:
            kind = extra["kind"]  # type: ignore[assignment]
        if "ref" in extra and kind == "text":
            kind = "ref"
        columns.append(ColumnSpec(
            key=key, label_en=str(extra["label_en"]), label_zh=str(extra["label_zh"]), kind=kind,
            required=info.is_required(), enum=enum_cls, ref=extra.get("ref"),  # type: ignore[arg-type]
            help_en=str(extra.get("help_en", "")), help_zh=str(extra.get("help_zh", "")),
            aliases=tuple(extra.get("aliases", ())),  # type: ignore[arg-type]
        ))
    spec = SheetSpec(model.sheet_key, model.label_en, model.label_zh, model, tuple(columns),
                     model.written_by, model.key_columns)
    spec.by_key.update({c.key: c for c in columns})
    return spec


#: Every sheet, by key, in workbook order.
SHEETS: dict[str, SheetSpec] = {m.sheet_key: _spec(m) for m in MODELS}

#: Sheets that staff fill in (the data the KPIs and rules read).
INPUT_SHEETS: tuple[str, ...] = tuple(k for k, s in SHEETS.items() if s.written_by == "input")


# ---------------------------------------------------------------------------------------------
# Settings: the key/value sheet, typed.

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class Settings(BaseModel):
    """The settings sheet as typed values, with DOMAIN.md's defaults.

    ``targets`` holds every ``target_<kpi id>`` row, keyed by KPI id.
    """

    model_config = ConfigDict(extra="ignore")

    store_code: str | None = None
    store_name: str | None = None
    brand: str | None = None
    # Printed in the header of the day's documents (issue 18).
    store_address: str | None = None
    store_phone: str | None = None
    currency: str = "CNY"
    locale: Locale = "en-US"
    tax_rate: float = Field(0.13, ge=0, lt=1)
    prices_include_tax: bool = True
    labor_rate: float | None = Field(None, ge=0)
    valuation_method: Literal["fifo", "moving_average"] = "fifo"
    open_period: str | None = Field(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    comeback_window_days: int = Field(30, ge=0)
    followup_window_days: int = Field(3, ge=0)
    lapsed_months: int = Field(3, ge=1)
    churn_months: int = Field(12, ge=1)
    first_service_months: int = Field(6, ge=0)
    renewal_lead_days: int = Field(60, ge=0)
    aging_buckets: list[int] = Field(default_factory=lambda: [30, 60, 90])
    slow_moving_days: int = Field(180, ge=1)
    obsolete_days: int = Field(365, ge=1)
    max_discount_advisor: float = Field(0.10, ge=0, le=1)
    work_weekdays: list[str] = Field(default_factory=lambda: list(WEEKDAYS[:6]))
    appointment_capacity_share: float = Field(0.6, ge=0, le=1)
    complaint_resolve_days: int = Field(3, ge=0)
    warranty_notice_days: int = Field(60, ge=0)
    backorder_notify_days: int = Field(1, ge=0)
    claim_submit_days: int = Field(7, ge=0)
    claim_decision_days: int = Field(30, ge=0)
    appraisal_cap: float = Field(1.2, gt=0)
    fiscal_year_start: int = Field(1, ge=1, le=12)
    # issue 13: the names the insurer and payer dropdowns offer (addin.io.setting_lists).
    insurers: list[str] = Field(default_factory=list)
    payers: list[str] = Field(default_factory=list)
    targets: dict[str, float] = Field(default_factory=dict)


#: Labels of the settings keys (the settings sheet shows them beside the key).
SETTING_LABELS: dict[str, tuple[str, str]] = {
    "store_code": ("Store code", "门店代码"),
    "store_name": ("Store name", "门店名称"),
    "brand": ("Brand", "品牌"),
    "store_address": ("Store address", "门店地址"),
    "store_phone": ("Store phone", "门店电话"),
    "currency": ("Currency", "币种"),
    "locale": ("Language (en-US or zh-CN)", "语言（en-US 或 zh-CN）"),
    "tax_rate": ("VAT rate", "增值税率"),
    "prices_include_tax": ("Sale prices include VAT", "销售价含税"),
    "labor_rate": ("Labor rate per flag hour", "工时单价"),
    "valuation_method": ("Parts valuation (fifo or moving_average)", "配件计价方法（fifo 或 moving_average）"),
    "open_period": ("Open period (YYYY-MM)", "当前会计期间（年-月）"),
    "comeback_window_days": ("Comeback window, days", "返修判定天数"),
    "followup_window_days": ("Follow-up window, days", "回访时限天数"),
    "lapsed_months": ("Lapsed after, months", "流失预警月数"),
    "churn_months": ("Churned after, months", "流失月数"),
    "first_service_months": ("First service due, months after sale", "首保月数"),
    "renewal_lead_days": ("Insurance renewal lead, days", "续保提醒天数"),
    "aging_buckets": ("Receivable aging buckets, days", "账龄区间（天）"),
    "slow_moving_days": ("Slow-moving after, days", "滞销天数"),
    "obsolete_days": ("Obsolete after, days", "呆滞天数"),
    "max_discount_advisor": ("Largest discount without approval", "顾问最大折扣"),
    "work_weekdays": ("Working weekdays", "工作日"),
    "appointment_capacity_share": ("Share of technician hours appointments may book", "预约可占技师工时比例"),
    "complaint_resolve_days": ("Complaint resolved within, days", "投诉处理时限天数"),
    "warranty_notice_days": ("Warranty-expiry reminder lead, days", "三包到期提醒天数"),
    "backorder_notify_days": ("Tell the customer of an arrived part within, days", "到货通知时限天数"),
    "claim_submit_days": ("Submit a claim within, days of settlement", "索赔提交时限天数"),
    "claim_decision_days": ("Claim decision expected within, days", "索赔审批时限天数"),
    "appraisal_cap": ("Highest achievement a scorecard counts", "考核达成率上限"),
    "fiscal_year_start": ("Month that starts the year (01-12)", "财年起始月（01-12）"),
    "insurers": ("Insurers (names separated by ; or ,)", "保险公司（名称以；或，分隔）"),
    "payers": ("Claim payers besides the insurers (names separated by ; or ,)", "除保险公司外的索赔付款方（名称以；或，分隔）"),
}

#: Default values written into a new workbook's settings sheet, as text.
SETTING_DEFAULTS: dict[str, str] = {
    "store_code": "", "store_name": "", "brand": "", "store_address": "", "store_phone": "", "currency": "CNY", "locale": "en-US",
    "tax_rate": "0.13", "prices_include_tax": "TRUE", "labor_rate": "", "valuation_method": "fifo",
    "open_period": "", "comeback_window_days": "30", "followup_window_days": "3",
    "lapsed_months": "3", "churn_months": "12", "first_service_months": "6",
    "renewal_lead_days": "60", "aging_buckets": "30,60,90", "slow_moving_days": "180",
    "obsolete_days": "365", "max_discount_advisor": "0.10",
    "work_weekdays": "Mon,Tue,Wed,Thu,Fri,Sat",
    "appointment_capacity_share": "0.6", "complaint_resolve_days": "3", "warranty_notice_days": "60",
    "backorder_notify_days": "1", "claim_submit_days": "7", "claim_decision_days": "30",
    "appraisal_cap": "1.2", "fiscal_year_start": "01", "insurers": "", "payers": "",
}

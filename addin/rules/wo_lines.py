"""Rules of the work order lines (工单明细): quantities, prices, discounts, parts, technicians,
added items."""

from __future__ import annotations

from collections.abc import Iterator

from addin.i18n import Text
from addin.rules.registry import EPS, Context, Hit, hits_where, lookup, rule
from addin.rules.work_orders import employed_on, staff_fragment

TECHNICIAN_ROLES = ("technician", "team_leader")


@rule("LN-QTY", "error", "wo_lines", message=Text(
    "the quantity (flag hours for labor) must be above zero; correct it, or delete the line.",
    "数量（工时项目为工时数）须大于0；请更正或删除此行。"))
def line_qty(ctx: Context) -> Iterator[Hit]:
    """qty is above zero: hours for labor, units otherwise."""
    ln = ctx.table("wo_lines")
    bad = ln["qty"] <= 0
    yield from hits_where(ln, bad, "qty")


@rule("LN-PRICE", "error", "wo_lines", message=Text(
    "a unit price cannot be negative; enter the price (0 for free of charge) and use the discount "
    "for reductions.",
    "单价不能为负数；请填写单价（免费填0），减价请用折扣率。"))
def line_price(ctx: Context) -> Iterator[Hit]:
    """unit_price is zero or more."""
    ln = ctx.table("wo_lines")
    bad = ln["unit_price"] < 0
    yield from hits_where(ln, bad, "unit_price")


@rule("LN-DISCOUNT", "error", "wo_lines", message=Text(
    "a discount is from 0 up to (not including) 100% (0.15 or 15%); correct it, or set the price "
    "to 0 for a free item.",
    "折扣率须大于等于0且小于100%（如0.15或15%）；请更正，免费项目请将单价填0。"))
def line_discount(ctx: Context) -> Iterator[Hit]:
    """discount_pct is at least 0 and below 1 (100 %)."""
    ln = ctx.table("wo_lines")
    bad = (ln["discount_pct"] < 0) | (ln["discount_pct"] >= 1)
    yield from hits_where(ln, bad, "discount_pct")


@rule("LN-DISCOUNT-APPROVAL", "warning", "wo_lines", message=Text(
    "this discount is above the {limit} an advisor may give (setting max_discount_advisor); it "
    "needs the service manager's approval: note who approved it.",
    "折扣超过服务顾问权限 {limit}（设置 max_discount_advisor），须经服务经理批准：请注明批准人。"))
def line_discount_approval(ctx: Context) -> Iterator[Hit]:
    """A discount above max_discount_advisor (setting, default 10 %) needs a manager's approval."""
    ln = ctx.table("wo_lines")
    limit = ctx.settings.max_discount_advisor
    bad = ln["discount_pct"] > limit + EPS
    shown = f"{limit * 100:g}%"
    yield from hits_where(ln, bad, "discount_pct", {"limit": shown})


@rule("LN-WARRANTY-HOURS", "warning", "wo_lines", uses=("wo_lines.actual_hours",), message=Text(
    "warranty labor is flagged above the {actual} hours the technician clocked; the manufacturer "
    "pays flagged hours only when they were worked: check the hours.",
    "保修工时高于技工实际工时 {actual} 小时；厂家只认可实际发生的工时：请核对。"))
def line_warranty_hours(ctx: Context) -> Iterator[Hit]:
    """Warranty labor lines flag no more hours (qty) than the technician's actual_hours."""
    ln = ctx.table("wo_lines")
    bad = (ln["line_type"] == "labor") & (ln["pay_type"] == "warranty") & (ln["qty"] > ln["actual_hours"] + EPS)
    for rec in ln.loc[bad, ["_row", "qty", "actual_hours"]].to_dict("records"):
        yield Hit(rec["_row"], "qty", rec["qty"], {"actual": rec["actual_hours"]})


@rule("LN-PART", "error", "wo_lines", uses=("parts",), message=Text(
    "a part or accessory line needs a part no. of the parts sheet in its item code; correct it or "
    "add the part to the parts sheet first.",
    "配件/精品项目的项目代码须为配件档案中的配件编号；请更正，或先在配件档案中添加该配件。"))
def line_part(ctx: Context) -> Iterator[Hit]:
    """Part and accessory lines name a known part_no (item_code) so that issues can be matched."""
    ln = ctx.table("wo_lines")
    bad = ln["line_type"].isin(("part", "accessory")) & ~ln["item_code"].isin(ctx.part_numbers)
    yield from hits_where(ln, bad, "item_code")


@rule("LN-TECH", "error", "wo_lines", uses=("wo_lines.technician_id", "roster.role"), message=Text(
    "{reason}; a labor line names the technician or team leader who did the work, employed on "
    "the job's open date.",
    "{reason}；工时项目须填写实际作业、且在开单日在职的维修技工或班组长。"))
def line_technician(ctx: Context) -> Iterator[Hit]:
    """Labor lines name a technician or team leader (roster) employed on the job's open date."""
    ln = ctx.table("wo_lines")
    labor = ln[ln["line_type"] == "labor"]
    if not len(labor):
        return
    staff = ctx.staff
    blank = Text("no technician is given", "未填写维修技工")
    for row in labor.loc[labor["technician_id"].isna(), "_row"]:
        yield Hit(int(row), "technician_id", None, {"reason": blank})
    known = labor[labor["technician_id"].isin(set(staff.index))]
    opened = lookup(ctx.jobs, known["wo_no"], ("open_date",))["open_date"]
    role_ok = lookup(staff, known["technician_id"], ("role",))["role"].isin(TECHNICIAN_ROLES)
    bad = ~role_ok | ~employed_on(staff, known["technician_id"], opened)
    for rec, on in zip(known[bad].to_dict("records"), opened[bad]):
        yield Hit(rec["_row"], "technician_id", rec["technician_id"], {
            "reason": staff_fragment(staff, rec["technician_id"], on, TECHNICIAN_ROLES)})


@rule("LN-ADDED", "error", "wo_lines", uses=("wo_lines.added_item",), message=Text(
    "this added item (增项) has no customer approval; get the customer's consent and tick "
    "Customer approved, or mark the line declined.",
    "追加项目须客户确认；请取得客户同意后勾选“客户确认”，或将此项标为客户拒绝。"))
def line_added(ctx: Context) -> Iterator[Hit]:
    """An added item (found during the repair) needs customer_approved, unless it was declined."""
    ln = ctx.table("wo_lines")
    added = ln["added_item"].fillna(False).astype(bool)
    approved = ln["customer_approved"].fillna(False).astype(bool)
    declined = ln["declined"].fillna(False).astype(bool)
    bad = added & ~approved & ~declined
    yield from hits_where(ln, bad, "customer_approved")

"""Rules of the roster (人员花名册)."""

from __future__ import annotations

from collections.abc import Iterator

from addin.i18n import Text
from addin.rules.registry import Context, Hit, hits_where, rule


@rule("RO-DATES", "error", "roster", dated=False, uses=("roster.leave_date",), message=Text(
    "the leave date is before the hire date {hire}; correct whichever date is wrong.",
    "离职日期早于入职日期 {hire}；请更正其中错误的日期。"))
def roster_dates(ctx: Context) -> Iterator[Hit]:
    """hire_date is on or before leave_date."""
    ro = ctx.table("roster")
    bad = ro["leave_date"] < ro["hire_date"]
    for rec in ro.loc[bad, ["_row", "leave_date", "hire_date"]].to_dict("records"):
        yield Hit(rec["_row"], "leave_date", rec["leave_date"], {"hire": rec["hire_date"]})


@rule("RO-RATE", "error", "roster", dated=False, message=Text(
    "a piece rate (pay per flag hour) cannot be negative; correct it.",
    "计件单价（每工时工资）不能为负数；请更正。"))
def roster_rate(ctx: Context) -> Iterator[Hit]:
    """piece_rate is zero or more."""
    ro = ctx.table("roster")
    bad = ro["piece_rate"] < 0
    yield from hits_where(ro, bad, "piece_rate")

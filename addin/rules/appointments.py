"""Rules of the appointments register (预约登记, DOMAIN.md "Registers"; issue 18).

An arrived appointment names the work order it became, opened on the appointment's day, and that
job says it came from an appointment; a booked or confirmed appointment is not left in the past;
and a day is not booked beyond appointment_capacity_share of the hours its technicians and team
leaders are there. Every vin, advisor_id and wo_no an appointment names exists: GEN-REF's, from
the models' refs.

"Today" (the day the check runs) is the day every other rule judges overdue work as of: the end of
the validated period, else the latest activity date of the data (never the wall clock, so that a
validation can be repeated). Booked appointments for the days after it are not in the past.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from addin import sets
from addin.i18n import Text
from addin.roles import person_roles
from addin.rules.registry import Context, Fragment, Hit, lookup, rule

#: The statuses that hold a slot in the workshop on their day.
HOLDING = ("booked", "confirmed", "arrived")
#: The roles whose hours appointments book (DOMAIN.md: technicians and team leaders).
WORKSHOP_ROLES = frozenset({"technician", "team_leader"})
_STATUS_LABELS = {"booked": Text("booked", "已预约"), "confirmed": Text("confirmed", "已确认")}


@rule("AP-ARRIVED-WO", "error", "appointments", uses=("appointments.wo_no",), message=Text(
    "an arrived appointment names the work order it became, opened on its day {day}; {problem}.",
    "已到店的预约须填写到店当天（{day}）开出的工单号；{problem}。"))
def arrived_names_its_job(ctx: Context) -> Iterator[Hit]:
    """An appointment with status arrived names a work order (wo_no) opened on its appt_date. A
    wo_no that names no work order is GEN-REF's."""
    ap = ctx.table("appointments")
    if not len(ap):
        return
    arrived = (ap["status"] == "arrived").to_numpy() & ap["appt_date"].notna().to_numpy()
    blank = arrived & ap["wo_no"].isna().to_numpy()
    for rec in ap[blank].to_dict("records"):
        yield Hit(rec["_row"], "wo_no", None, {"day": rec["appt_date"], "problem": Text(
            "enter the WO no. of the job opened when the customer came", "请填写客户到店时开出的工单号")})
    opened = lookup(ctx.jobs, ap["wo_no"], ["open_date"])["open_date"]
    other_day = arrived & opened.notna().to_numpy() & (opened.to_numpy() != ap["appt_date"].to_numpy())
    for rec, day in zip(ap[other_day].to_dict("records"), opened[other_day]):
        yield Hit(rec["_row"], "wo_no", rec["wo_no"], {"day": rec["appt_date"], "problem": Fragment(Text(
            "job {wo} was opened on {opened}; correct the WO no. or the appointment's date",
            "工单 {wo} 的开单日期是 {opened}；请更正工单号或预约日期"), {"wo": rec["wo_no"], "opened": day})})


@rule("AP-JOB-FLAG", "warning", "appointments", uses=("work_orders.appointment",), message=Text(
    "the job came from appointment {appt} of {day} but its Appointment cell is not TRUE; set it to TRUE.",
    "该工单来自 {day} 的预约 {appt}，但“预约”一栏不是“是”；请改为“是”。"))
def job_says_it_was_booked(ctx: Context) -> Iterator[Hit]:
    """The job an arrived appointment names (opened on the appointment's day) has appointment TRUE
    (reported on the job's appointment cell). The appointment_rate KPI counts the job either way."""
    ap = ctx.table("appointments")
    if not len(ap):
        return
    flagged = ctx.flagged_rows("appointments", ("wo_no", "appt_date", "status"))
    jobs = lookup(ctx.jobs, ap["wo_no"], ["open_date", "appointment", "_row"])
    same_day = jobs["open_date"].notna().to_numpy() & (jobs["open_date"].to_numpy() == ap["appt_date"].to_numpy())
    named = (ap["status"] == "arrived").to_numpy() & same_day & ~ap["_row"].isin(flagged).to_numpy()
    not_flagged = ~sets.flag(jobs["appointment"].astype("object"))
    for rec, row, value in zip(ap[named & not_flagged].to_dict("records"), jobs.loc[named & not_flagged, "_row"],
                               jobs.loc[named & not_flagged, "appointment"]):
        yield Hit(int(row), "appointment", None if pd.isna(value) else value,
                  {"appt": rec["appt_id"], "day": rec["appt_date"]}, sheet="work_orders")


@rule("AP-PAST-BOOKED", "warning", "appointments", message=Text(
    "the appointment is still {status} on a day that has passed (as of {as_of}); mark it arrived (with the "
    "WO no.), no-show or cancelled.",
    "预约日期已过（截至 {as_of}），状态仍为“{status}”；请改为已到店（并填写工单号）、未到店或已取消。"))
def booked_in_the_past(ctx: Context) -> Iterator[Hit]:
    """A booked or confirmed appointment dated before today: the day the check runs as of (the
    end of the validated period, else the latest activity date in the data)."""
    ap = ctx.table("appointments")
    if not len(ap):
        return
    as_of = ctx.as_of
    bad = ap["status"].isin(_STATUS_LABELS).to_numpy() & ap["appt_date"].notna().to_numpy()
    bad &= ap["appt_date"].to_numpy() < as_of.to_datetime64()
    for rec in ap[bad].to_dict("records"):
        yield Hit(rec["_row"], "appt_date", rec["appt_date"], {"status": _STATUS_LABELS[rec["status"]],
                                                                "as_of": as_of})


def _workshop_staff(roster: pd.DataFrame) -> pd.DataFrame:
    """Roster members who are technicians or team leaders (own role or also_roles), once each."""
    ro = roster.loc[roster["staff_id"].notna().to_numpy()].drop_duplicates("staff_id")
    keep = [bool(person_roles(rec) & WORKSHOP_ROLES) for rec in ro[["role", "also_roles"]].to_dict("records")]
    return ro.loc[np.asarray(keep, dtype=bool)]


@rule("AP-CAPACITY", "warning", "appointments", uses=("appointments.est_hours",), message=Text(
    "{day} is booked with {booked} estimated hours, above its capacity of {capacity} hours ({share} of the "
    "{available} hours its technicians and team leaders work that day); move this appointment to another day.",
    "{day} 已预约预估工时 {booked} 小时，超过当天可预约工时 {capacity} 小时（技师和班组长当天出勤工时 {available} 小时的 "
    "{share}）；请将此预约改到其他日期。"))
def day_over_capacity(ctx: Context) -> Iterator[Hit]:
    """Per day, Σ est_hours of its booked, confirmed and arrived appointments is at most
    appointment_capacity_share × that day's available hours: the daily_hours (blank = 8) of the
    technicians and team leaders (own role or also_roles) employed that day, on a work weekday
    (a day that is not one has none). The finding is on the appointment that takes the day over
    its capacity (in sheet order), one per day; rows with a finding on appt_date, status or
    est_hours are left out."""
    ap = ctx.table("appointments")
    if not len(ap):
        return
    flagged = ctx.flagged_rows("appointments", ("appt_date", "status", "est_hours"))
    held = ap.loc[ap["status"].isin(HOLDING).to_numpy() & ap["appt_date"].notna().to_numpy()
                  & ~ap["_row"].isin(flagged).to_numpy()]
    if held.empty:
        return
    held = held.sort_values("_row", kind="stable")
    days = pd.DatetimeIndex(sorted(held["appt_date"].unique()))
    available = pd.Series(sets.available_hours_per_day(_workshop_staff(ctx.table("roster")), days,
                                                        ctx.settings.work_weekdays), index=days)
    share = float(ctx.settings.appointment_capacity_share)
    for day, rows in held.groupby("appt_date", sort=True):
        hours = rows["est_hours"].fillna(0.0).to_numpy(dtype="float64")
        capacity = share * float(available[day])
        over = np.flatnonzero(np.cumsum(hours) > capacity + 1e-9)
        if not len(over):
            continue
        rec = rows.iloc[int(over[0])]
        yield Hit(int(rec["_row"]), "est_hours", rec["est_hours"], {
            "day": day, "booked": float(hours.sum()), "capacity": capacity, "share": f"{share:.0%}",
            "available": float(available[day])})

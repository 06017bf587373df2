"""Rules of the appointments register (issue 18): each with a row that fails it and one that passes,
on tests/rules_store.py's small store.

The store's October: W1 opened Friday 2 Oct, W2 Monday 5 Oct. On a working day of October the
workshop has T1 (technician, 8 h) and T2 (team leader, 8 h): 16 available hours, so appointments
may book 0.6 × 16 = 9.6 h a day; T3 left on 30 Sep. Sunday is not a working day (0 h). Without a
period, "today" is the latest activity date of the data: the payment of 2026-10-20.
"""

from __future__ import annotations

import datetime as dt

import pytest
from rules_store import VIN1, VIN2, both, edit, findings, records, store

from addin.rules import RULES, validate_store

D = dt.date
AP = "appointments"


def add(record):
    def apply(recs):
        recs.setdefault(AP, []).append(record)
    return apply


AHEAD = D(2026, 10, 22)   # a Thursday after "today"


def _appt(appt_id="AP1", day=AHEAD, status="booked", **kw):
    return {"appt_id": appt_id, "appt_date": day, "appt_time": "09:30", "vin": VIN1, "reason": "maintenance",
            "source": "phone", "advisor_id": "A1", "est_hours": 1.5, "status": status, **kw}


FLAG_W1 = edit("work_orders", 0, appointment=True)

CASES = {
    "booked ahead passes": (add(_appt()), set()),
    "arrived naming the job of its day passes": (both(FLAG_W1, add(_appt(day=D(2026, 10, 2), status="arrived",
                                                                         wo_no="W1"))), set()),
    "arrived without a job": (add(_appt(day=D(2026, 10, 2), status="arrived")), {("AP-ARRIVED-WO", AP, 2, "wo_no")}),
    "arrived naming a job of another day": (add(_appt(day=D(2026, 10, 2), status="arrived", wo_no="W2")),
                                            {("AP-ARRIVED-WO", AP, 2, "wo_no")}),
    "arrived naming an unknown job": (add(_appt(day=D(2026, 10, 2), status="arrived", wo_no="W99")),
                                      {("GEN-REF", AP, 2, "wo_no")}),
    "the job it became is not marked booked": (add(_appt(day=D(2026, 10, 2), status="arrived", wo_no="W1")),
                                               {("AP-JOB-FLAG", "work_orders", 2, "appointment")}),
    "a no-show names no job and passes": (add(_appt(day=D(2026, 10, 2), status="no_show")), set()),
    "unknown vehicle": (add(_appt(vin="LSVAB2181N2000099")), {("GEN-REF", AP, 2, "vin")}),
    "unknown advisor": (add(_appt(advisor_id="X9")), {("GEN-REF", AP, 2, "advisor_id")}),
    "booked on a day that has passed": (add(_appt(day=D(2026, 10, 19))), {("AP-PAST-BOOKED", AP, 2, "appt_date")}),
    "confirmed for today passes": (add(_appt(day=D(2026, 10, 20), status="confirmed")), set()),
    "confirmed in the past": (add(_appt(day=D(2026, 10, 1), status="confirmed")),
                              {("AP-PAST-BOOKED", AP, 2, "appt_date")}),
    # 4 + 5 = 9 h ≤ 9.6 h; the cancelled 3 h hold no slot.
    "a day booked to 9 of its 9.6 hours passes": (both(add(_appt("AP1", est_hours=4)), add(_appt("AP2", est_hours=5)),
                                                     add(_appt("AP3", status="cancelled", est_hours=3))), set()),
    # 4 + 5 + 1 = 10 h > 9.6 h: the third booking takes the day over.
    "a day booked over its capacity": (both(add(_appt("AP1", est_hours=4)), add(_appt("AP2", est_hours=5)),
                                            add(_appt("AP3", est_hours=1))), {("AP-CAPACITY", AP, 4, "est_hours")}),
    # T2 works 6 h a day: 0.6 × (8 + 6) = 8.4 h < 4 + 5, the second booking is over.
    "shorter days lower the capacity": (both(edit("roster", 2, daily_hours=6), add(_appt("AP1", est_hours=4)),
                                             add(_appt("AP2", est_hours=5))), {("AP-CAPACITY", AP, 3, "est_hours")}),
    # The cashier also works as a technician: 0.6 × 24 = 14.4 h ≥ 4 + 5 + 1.
    "a concurrent technician adds hours": (both(edit("roster", 4, also_roles="technician"),
                                                add(_appt("AP1", est_hours=4)), add(_appt("AP2", est_hours=5)),
                                                add(_appt("AP3", est_hours=1))), set()),
    # Sunday 25 October is not a work weekday: nothing may be booked on it.
    "a booking on a Sunday": (add(_appt(day=D(2026, 10, 25))), {("AP-CAPACITY", AP, 2, "est_hours")}),
    "a Sunday booking without hours passes": (add(_appt(day=D(2026, 10, 25), est_hours=None)), set()),
}


@pytest.mark.parametrize("name", list(CASES))
def test_appointment_rule(name):
    mutate, expected = CASES[name]
    recs = records()
    mutate(recs)
    assert findings(recs) == expected


def test_severities():
    assert RULES["AP-ARRIVED-WO"].severity == "error"
    assert {RULES[r].severity for r in ("AP-JOB-FLAG", "AP-PAST-BOOKED", "AP-CAPACITY")} == {"warning"}


def test_today_is_the_end_of_the_validated_period():
    """With period 2026-10, "today" is 31 October: a booking of the 25th has passed, and the
    bookings of September are not reported (they are not of the period)."""
    recs = records()
    both(add(_appt("AP1", day=D(2026, 10, 24))), add(_appt("AP2", day=D(2026, 9, 29))),
         add(_appt("AP3", day=D(2026, 11, 2))))(recs)
    assert findings(recs, "2026-10") == {("AP-PAST-BOOKED", AP, 2, "appt_date")}
    assert findings(recs) == {("AP-PAST-BOOKED", AP, 3, "appt_date")}   # as of 2026-10-20


def test_capacity_message_names_the_day_the_hours_and_the_capacity():
    recs = records()
    both(add(_appt("AP1", est_hours=4)), add(_appt("AP2", est_hours=5)), add(_appt("AP3", est_hours=1)))(recs)
    en = [f for f in validate_store(store(recs)) if f.rule == "AP-CAPACITY"]
    assert [f.message for f in en] == [
        "Appointments, row 4, Estimated hours = 1: 2026-10-22 is booked with 10 estimated hours, above its "
        "capacity of 9.6 hours (60% of the 16 hours its technicians and team leaders work that day); move this "
        "appointment to another day."]
    zh = [f for f in validate_store(store(recs, {"locale": "zh-CN"})) if f.rule == "AP-CAPACITY"]
    assert [f.message for f in zh] == [
        "预约登记 第4行 预估工时 = 1：2026-10-22 已预约预估工时 10 小时，超过当天可预约工时 9.6 小时（技师和班组长当天出勤工时 "
        "16 小时的 60%）；请将此预约改到其他日期。"]


def test_other_day_message_names_the_job_and_its_date():
    recs = records()
    add(_appt(day=D(2026, 10, 2), status="arrived", wo_no="W2", vin=VIN2))(recs)
    got = [f for f in validate_store(store(recs)) if f.rule == "AP-ARRIVED-WO"]
    assert got[0].message == ("Appointments, row 2, WO no. = 'W2': an arrived appointment names the work order it "
                              "became, opened on its day 2026-10-02; job W2 was opened on 2026-10-05; correct the "
                              "WO no. or the appointment's date.")
    zh = [f for f in validate_store(store(recs, {"locale": "zh-CN"})) if f.rule == "AP-ARRIVED-WO"]
    assert zh[0].message == ("预约登记 第2行 工单号 = “W2”：已到店的预约须填写到店当天（2026-10-02）开出的工单号；"
                             "工单 W2 的开单日期是 2026-10-05；请更正工单号或预约日期。")

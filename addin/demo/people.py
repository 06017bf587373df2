"""The people of the demo store: the roster (staffed for its volume, with leavers and their
replacements) and the positions planned, and who is on duty on a day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from addin.demo.context import Context, record

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

# Workshop teams (班组): the name of a team that is alone of its kind, then numbered names.
TEAMS = {
    "mech": (("Mechanical", "机修组"), ("Mechanical 1", "机修一组"), ("Mechanical 2", "机修二组"),
             ("Mechanical 3", "机修三组"), ("Mechanical 4", "机修四组"), ("Mechanical 5", "机修五组")),
    "body": (("Body & paint", "钣喷组"), ("Body & paint 1", "钣喷一组"), ("Body & paint 2", "钣喷二组"),
             ("Body & paint 3", "钣喷三组")),
}
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
# 60-95%), as in a real 4S workshop; a body shop over addin.demo.jobs.TEAM_CAPACITY sublets the rest.
WORKSHOP = {"small": (1, 1, 1, 1), "medium": (2, 4, 2, 4), "large": (4, 5, 3, 8)}
# Planned minus on duty at the end: the vacancies the headcount report shows.
VACANCIES = {"service_advisor": 1, "technician": 1, "qc_inspector": 1, "customer_service": 1, "parts_clerk": 1}
PIECE_RATES = {"junior": 25.0, "intermediate": 32.0, "senior": 40.0, "master": 48.0}


def person(ctx: Context) -> tuple[str, str]:
    """A new person: (display name in the locale, pinyin login stem)."""
    sur_zh, sur_py = ctx.choice(_SURNAMES)
    given = [ctx.choice(_GIVEN) for _ in range(ctx.choice((1, 2, 2)))]
    zh = sur_zh + "".join(g[0] for g in given)
    py_given = "".join(g[1] for g in given)
    en = f"{sur_py} {py_given.capitalize()}"
    return (zh if ctx.lang else en), (sur_py + py_given).lower()


def phone(ctx: Context) -> str:
    """A mobile number of mainland China."""
    return f"1{ctx.choice('3456789')}{ctx.rng.randrange(10 ** 9):09d}"


@dataclass
class Staff:
    staff_id: str
    role: str
    team: str | None
    hire: dt.date
    leave: dt.date | None

    def on_duty(self, day: dt.date) -> bool:
        return self.hire <= day and (self.leave is None or day <= self.leave)


class Roster:
    """The roster and positions records, and who of the staff is on duty on a day."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.staff: list[Staff] = []
        self.records: list[dict[str, Any]] = []
        self.positions: list[dict[str, Any]] = []
        self.teams_mech: list[str] = []
        self.teams_body: list[str] = []
        self.logins: set[str] = set()
        self._duty: dict[tuple[str, str | None, dt.date], list[Staff]] = {}

    def _add_staff(self, role: str, hire: dt.date, leave: dt.date | None = None, team: str | None = None,
                   grade: str | None = None) -> Staff:
        name, stem = person(self.ctx)
        login, n = stem, 1
        while login in self.logins:
            n += 1
            login = f"{stem}{n}"
        self.logins.add(login)
        staff = Staff(f"S{len(self.staff) + 1:03d}", role, team, hire, leave)
        self.staff.append(staff)
        workshop = role in ("technician", "team_leader")
        piece = PIECE_RATES[grade] + (5.0 if role == "team_leader" else 0.0) if workshop and grade else None
        self.records.append(record(
            "roster", staff_id=staff.staff_id, name=name, role=role, team=team, grade=grade, hire_date=hire,
            leave_date=leave, piece_rate=piece, daily_hours=8.0 if workshop else None, excel_user=login,
            phone=phone(self.ctx)))
        return staff

    def _hire_date(self) -> dt.date:
        return self.ctx.start - dt.timedelta(days=self.ctx.randint(60, 9 * 365))

    def _within_span(self, lo_frac: float, hi_frac: float) -> dt.date:
        days = (self.ctx.end - self.ctx.start).days
        return self.ctx.start + dt.timedelta(days=int(days * self.ctx.rng.uniform(lo_frac, hi_frac)))

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
        self.records[-2]["hire_date"] = replacement.hire

    def build(self) -> None:
        """Staff every role and team for the store's size, then plan the positions."""
        ctx = self.ctx
        col = ("small", "medium", "large").index(ctx.size)
        for role, counts in HEADCOUNT.items():
            self._staff_group(role, counts[col])
        mech_teams, mech_n, body_teams, body_n = WORKSHOP[ctx.size]
        self.teams_mech = self._team_names("mech", mech_teams)
        self.teams_body = self._team_names("body", body_teams)
        for team in self.teams_mech:
            self._crew(team, mech_n)
        for team in self.teams_body:
            self._crew(team, body_n)
        for role in list(HEADCOUNT)[:7] + ["team_leader", "technician"] + list(HEADCOUNT)[7:]:
            on_duty = sum(1 for s in self.staff if s.role == role and s.on_duty(ctx.end))
            self.positions.append(record("positions", role=role, planned=on_duty + VACANCIES.get(role, 0),
                                         notes=None))

    def _team_names(self, kind: str, count: int) -> list[str]:
        names = TEAMS[kind]
        return [self.ctx.t(names[0])] if count == 1 else [self.ctx.t(n) for n in names[1:count + 1]]

    def _crew(self, team: str, count: int) -> None:
        """A team: its leader and ``count`` technicians on duty at the end. In every team one
        technician left during the span (the replacement was hired ten days before), and a team
        of three or more also grew by a junior hired within the span."""
        grades = ("junior", "intermediate", "intermediate", "senior", "senior", "master")
        self._add_staff("team_leader", self._hire_date(), team=team, grade="master")
        grew = count >= 3
        for i in range(count - grew):
            self._add_staff("technician", self._hire_date(), team=team, grade=grades[i % len(grades)])
        self._leaver("technician", team, self.ctx.choice(grades))
        if grew:
            self._add_staff("technician", self._within_span(0.3, 0.9), team=team, grade="junior")

    def on_duty(self, role: str, day: dt.date, team: str | None = None) -> list[Staff]:
        """The staff of ``role`` (and ``team``) employed on ``day``."""
        key = (role, team, day)
        found = self._duty.get(key)
        if found is None:
            found = [s for s in self.staff if s.role == role and s.on_duty(day) and (team is None or s.team == team)]
            self._duty[key] = found
        return found

    def pick(self, role: str, day: dt.date) -> str:
        """The staff_id of someone of ``role`` on duty on ``day``, drawn at random."""
        staff: Staff = self.ctx.choice(self.on_duty(role, day))
        return staff.staff_id

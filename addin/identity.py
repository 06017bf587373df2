"""Who is writing: DOMAIN.md "Identity".

Every close, reopen and write that the ribbon or the command line makes is done by a person of
the roster, named by excel_user, staff_id or name (case and surrounding spaces ignored) and
employed on that day; month-end close and reopen only by a service manager (by role or by
also_roles). Without a name given, the operating-system login (or Excel's user name) must be
someone's excel_user. While the roster is empty (a new workbook) anyone may write, and the audit
log records the name given.

The check is pure: it takes the store and the name and returns the :class:`Actor` or raises
:class:`~addin.errors.IdentityError` with a message in the workbook's language that names who may.
The command line, batch and the ribbon's entry points all call :func:`identify`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from addin.errors import IdentityError
from addin.i18n import Text, tr
from addin.models import SHEETS
from addin.roles import person_roles, text_of
from addin.sets import on_duty_mask
from addin.store import Store

#: What each kind of write needs: any employed member of the roster, or a service manager.
ANYONE = "anyone"
SERVICE_MANAGER = "service_manager"

T_WHO = Text("Who is this? Give --user (an Excel user, staff ID or name of the roster).",
             "无法确认操作人：请用 --user 指定花名册中的 Excel 用户名、工号或姓名。")
T_UNKNOWN = Text("{user!r} is not on the roster (by Excel user, staff ID or name); nothing was written. {who}",
                 "花名册中没有 {user!r}（按 Excel 用户名、工号或姓名）；未写入任何内容。{who}")
T_LOGIN_UNKNOWN = Text("The login {user!r} is no one's Excel user on the roster; nothing was written. Give --user, "
                       "or enter the login in the roster's Excel user column. {who}",
                       "登录名 {user!r} 不是花名册中任何人的 Excel 用户名；未写入任何内容。请用 --user 指定，"
                       "或在花名册的“Excel用户名”列填写该登录名。{who}")
T_NOT_EMPLOYED = Text("{name} ({staff_id}) is not employed on {day}; nothing was written. {who}",
                      "{name}（{staff_id}）在 {day} 不在职；未写入任何内容。{who}")
T_NOT_MANAGER = Text("{name} ({staff_id}, {role}) may not {action}: only a service manager may; nothing was "
                     "written. {who}",
                     "{name}（{staff_id}，{role}）无权{action_zh}：只有服务经理可以；未写入任何内容。{who}")
T_MAY = Text("Who may: {names}.", "可操作人员：{names}。")
T_MAY_NOBODY = Text("No service manager on the roster is employed on {day}: add one to the roster first.",
                    "花名册中 {day} 没有在职的服务经理：请先在花名册中添加。")
T_ACTIONS = {
    "close": Text("close a period", "结账"),
    "reopen": Text("reopen a period", "反结账"),
    "write": Text("write to this workbook", "写入本工作簿"),
}


@dataclass(frozen=True)
class Actor:
    """The person a write is recorded for: staff_id is None while the roster is empty."""

    staff_id: str | None
    name: str
    roles: frozenset[str] = frozenset()

    @property
    def audit_user(self) -> str:
        """What the audit log's user column records: "<staff_id> <name>" (the name alone while the
        roster is empty)."""
        return f"{self.staff_id} {self.name}" if self.staff_id else self.name

    def holds(self, role: str) -> bool:
        return role in self.roles


def _fold(value: Any) -> str:
    return str(value).strip().casefold()


_ON_DUTY = "_on_duty"


def _matches(record: dict[str, Any], wanted: str, login: bool) -> bool:
    columns = ("excel_user",) if login else ("excel_user", "staff_id", "name")
    return any(text_of(record.get(c)) is not None and _fold(record[c]) == wanted for c in columns)


def _may(records: list[dict[str, Any]], need: str, day: dt.date, locale: str) -> str:
    able = [r for r in records if r[_ON_DUTY] and (need == ANYONE or need in person_roles(r))]
    if not able:
        return tr(T_MAY_NOBODY, locale, day=day.isoformat())
    names = ", ".join(f"{r['name']} ({r['staff_id']}{', ' + r['excel_user'] if text_of(r.get('excel_user')) else ''})"
                      for r in able[:8])
    return tr(T_MAY, locale, names=names)


def identify(store: Store, user: str | None, day: dt.date, *, need: str = ANYONE, action: str = "write",
             login: str | None = None) -> Actor:
    """The roster member who writes on ``day``, named by ``user`` (excel_user, staff_id or name),
    or, when ``user`` is None, by the login ``login`` matched against excel_user alone.

    ``need`` is :data:`ANYONE` (any employed member) or a role key (``"service_manager"``: that role
    or also_roles). Raises :class:`IdentityError` (exit 1) naming who may; nothing is written. While
    the roster is empty anyone may, recorded under the name given."""
    roster = store.table("roster")
    # Employed that day (hire_date ≤ day ≤ leave_date) as KPIS.md's on_duty counts it.
    duty: Any = on_duty_mask(roster, pd.Timestamp(day)) if len(roster) else []
    records = [{**r, _ON_DUTY: bool(on)} for r, on in zip(roster.to_dict("records"), duty)
               if text_of(r.get("staff_id"))]
    locale = store.locale
    given = text_of(user)
    by_login = given is None
    name = given if given is not None else text_of(login)
    if not records:
        if name is None:
            raise IdentityError(T_WHO)
        return Actor(None, name)
    who = _may(records, need, day, locale)
    if name is None:
        raise IdentityError(T_WHO)
    wanted = _fold(name)
    found = [r for r in records if _matches(r, wanted, by_login)]
    if not found:
        raise IdentityError(T_LOGIN_UNKNOWN if by_login else T_UNKNOWN, user=name, who=who)
    # A name two people share: the one employed that day, then the one holding the role.
    found.sort(key=lambda r: (not r[_ON_DUTY], need != ANYONE and need not in person_roles(r)))
    person = found[0]
    actor = Actor(str(person["staff_id"]).strip(), str(person["name"]).strip(), person_roles(person))
    if not person[_ON_DUTY]:
        raise IdentityError(T_NOT_EMPLOYED, name=actor.name, staff_id=actor.staff_id, day=day.isoformat(), who=who)
    if need != ANYONE and not actor.holds(need):
        enum = SHEETS["roster"].column("role").enum
        assert enum is not None
        en, zh = enum.labels().get(person["role"], (person["role"], person["role"]))
        verb = T_ACTIONS.get(action, T_ACTIONS["write"])
        raise IdentityError(T_NOT_MANAGER, name=actor.name, staff_id=actor.staff_id,
                            role=zh if locale == "zh-CN" else en, action=verb.en, action_zh=verb.zh, who=who)
    return actor


__all__ = ["ANYONE", "Actor", "SERVICE_MANAGER", "identify", "person_roles"]

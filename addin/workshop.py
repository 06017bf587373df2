"""The workshop and its people, as sets (issue 12): concurrent roles and posts, staff turnover,
courtesy cars out, training hours, public-tool loans overdue and measuring devices due for
calibration (KPIS.md "concurrent", "vacancies", "staff_turnover", "loaners_out",
"training_hours", the lists "loans_overdue" and "calibration_due").

Pure pandas over the typed tables; the KPI registry (addin.kpis), the reports, the rules and the
worksheet functions take these from here. "Not returned by the end of P" means no date by then
(a blank date, or one after it), as KPIS.md "Customer care lists" says.
"""

from __future__ import annotations

import pandas as pd

from addin import sets
from addin.roles import also_roles


def _add_months(day: pd.Timestamp, months: int) -> pd.Timestamp:
    # Calendar arithmetic: a day missing in the target month becomes its last day.
    return day + pd.DateOffset(months=months)


def _open_at(dates: pd.Series, end: pd.Timestamp) -> pd.Series:
    """No date by ``end``: blank, or after it."""
    return dates.isna() | (dates > end)


# -- people -----------------------------------------------------------------------------------------


def on_duty(roster: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    """Roster members employed on ``day`` (one row per staff_id)."""
    return roster.loc[sets.on_duty_mask(roster, day)]


def concurrent_mask(roster: pd.DataFrame) -> pd.Series:
    """Members whose also_roles name a role other than their own."""
    return pd.Series([bool(also_roles(a, r)) for a, r in zip(roster["also_roles"], roster["role"])],
                     index=roster.index, dtype=bool)


def holders_per_role(roster: pd.DataFrame) -> pd.DataFrame:
    """Per role key: ``own`` (members whose role it is) and ``also`` (members holding it in
    also_roles beside another own role), each member counted once per role."""
    own = roster.loc[roster["role"].notna()].groupby("role").size()
    also: dict[str, int] = {}
    for extra, role in zip(roster["also_roles"], roster["role"]):
        for key in also_roles(extra, role):
            also[key] = also.get(key, 0) + 1
    out = pd.DataFrame({"own": own, "also": pd.Series(also, dtype="int64")}).fillna(0).astype("int64")
    return out


def planned_per_role(positions: pd.DataFrame) -> pd.Series:
    """Planned headcount per role (rows with a planned figure, summed per role)."""
    return positions.loc[positions["planned"].notna()].groupby("role")["planned"].sum()


def vacancies_per_role(positions: pd.DataFrame, roster: pd.DataFrame, day: pd.Timestamp) -> pd.Series:
    """max(planned − on duty in that role − on duty holding it in also_roles, 0), per planned role."""
    planned = planned_per_role(positions)
    held = holders_per_role(on_duty(roster, day)).reindex(planned.index).fillna(0)
    return (planned - held["own"] - held["also"]).clip(lower=0).astype("int64")


def leavers(roster: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Roster members with leave_date from ``start`` to ``end``."""
    return roster.loc[sets.within(roster["leave_date"], start, end)]


def turnover_parts(roster: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> tuple[int, float]:
    """staff_turnover's (leavers in P, (on duty the day before P + on duty at the end of P) / 2)."""
    before = int(sets.on_duty_mask(roster, start - pd.Timedelta(days=1)).sum())
    after = int(sets.on_duty_mask(roster, end).sum())
    return len(leavers(roster, start, end)), (before + after) / 2


# -- courtesy cars and training -------------------------------------------------------------------


def loaners_out(loaners: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Loaners with out_date by ``end`` and no return_date by ``end``."""
    out = loaners["out_date"].notna() & (loaners["out_date"] <= end)
    return loaners.loc[out & _open_at(loaners["return_date"], end)]


def training_in(training: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Training rows dated from ``start`` to ``end``."""
    return training.loc[sets.within(training["date"], start, end)]


# -- tools and equipment ----------------------------------------------------------------------------


def overdue_loans(tool_loans: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Public-tool loans with due_date before ``end`` and not returned by ``end``, sorted by
    due_date, staff_id, loan_id (KPIS.md loans_overdue)."""
    due = tool_loans["due_date"].notna() & (tool_loans["due_date"] < end)
    late = tool_loans.loc[due & _open_at(tool_loans["returned_date"], end)].drop_duplicates("loan_id")
    return late.sort_values(["due_date", "staff_id", "loan_id"], kind="stable", na_position="last")


def calibration_due_dates(equipment: pd.DataFrame) -> pd.Series:
    """Per measuring device: last_calibrated + calibration_months (NaT: never calibrated, due at
    once)."""
    out = []
    for last, months in zip(equipment["last_calibrated"], equipment["calibration_months"]):
        out.append(pd.NaT if pd.isna(last) or pd.isna(months) else _add_months(last, int(months)))
    return pd.Series(out, index=equipment.index, dtype="datetime64[ns]")


def calibration_due(equipment: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Equipment in use (a blank status is in use) with a calibration interval whose next
    calibration (``due``) falls on or before the end of the month after the one holding ``end``;
    a device never calibrated is due at once. Sorted by due date (never calibrated first),
    custodian_id, asset_id, with the column ``due``."""
    eq = equipment.loc[equipment["calibration_months"].notna()
                       & (equipment["status"].isna() | (equipment["status"] == "in_use"))].drop_duplicates("asset_id")
    eq = eq.assign(due=calibration_due_dates(eq))
    horizon = (end + pd.offsets.MonthBegin(1)) + pd.offsets.MonthEnd(0)
    due = eq.loc[eq["due"].isna() | (eq["due"] <= horizon)]
    return due.sort_values(["due", "custodian_id", "asset_id"], kind="stable", na_position="first")


def lost_or_damaged(rows: pd.DataFrame, date_column: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Tool loans or issues whose condition is damaged or lost, returned (``date_column``) from
    ``start`` to ``end``."""
    bad = rows["condition"].isin(("damaged", "lost"))
    return rows.loc[bad.to_numpy() & sets.within(rows[date_column], start, end)]


def issued_tools(tool_issues: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Personal tools held at ``end``: issued by then and not returned by then."""
    issued = tool_issues["issue_date"].notna() & (tool_issues["issue_date"] <= end)
    return tool_issues.loc[issued & _open_at(tool_issues["returned_date"], end)]

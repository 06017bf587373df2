"""The workshop board (在修看板, DOMAIN.md "Daily views"): the jobs in the workshop as of a day.

A job is on the board of day D when it was opened on or before D and was neither settled nor
cancelled as of D: status settled with a close_date after D counts as still in the workshop
that day (its settlement came later); a cancelled job has no date of its cancellation and is
never on the board; a settled job without a close_date is treated as settled. For each job:
wo_no, status, age_days (D − open_date), promised_date, overdue (promised_date before D),
advisor_id, team and, for waiting_parts, its backorders still open on D (requested by D and not
arrived by D). A job settled after D shows the status it had then, as far as the records tell:
waiting_parts while it had an open backorder, else in_progress; a job with a blank status shows
as open.

The board is sorted the way the workshop supervisor reads it: overdue jobs first, then by
promised date (blank last), then wo_no; counts per status, per advisor and of the overdue.

Pure: a Store in, a :class:`Board` out. The sheet layout (:func:`write_board`) fills an openpyxl
workbook the one write path hands it; :func:`board_grid` is the same as values for the live book.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from addin.errors import ServiceError
from addin.i18n import Text, tr
from addin.models import SHEETS
from addin.store import Store

BOARD_KEY = "board"
TITLE = Text("Board", "在修看板")
#: The statuses a job on the board can have, in the order the workshop moves them.
BOARD_STATUSES = ("open", "in_progress", "waiting_parts", "qc", "completed")
#: The backorders columns (DOMAIN.md) a job's open backorder shows on the board.
BACKORDER_FIELDS = ("bo_id", "request_date", "part_no", "qty", "ordered_date")

T_NO_JOBS = Text("Sheet work_orders: no job has an open_date, so there is no day to show the board of.",
                 "工作表 维修工单：没有任何工单填写了接车日期，无法生成看板。")
T_OUTSIDE = Text("The day {day} is outside the data of the workbook (work_orders, open_date/close_date: "
                 "{first} to {last}); nothing was written.",
                 "日期 {day} 不在工作簿数据范围内（维修工单的接车/结算日期：{first} 至 {last}）；未写入任何内容。")
T_BAD_DAY = Text("{value!r} is not a day: use YYYY-MM-DD, e.g. 2026-10-15.",
                 "{value!r} 不是有效日期：请用 年-月-日 格式，如 2026-10-15。")


class BoardError(ServiceError):
    """A day the board or the daily report cannot be made for (exit 2, nothing written)."""


@dataclass(frozen=True)
class BoardJob:
    """One job on the board."""

    wo_no: str
    status: str
    age_days: int
    promised_date: dt.date | None
    overdue: bool
    advisor_id: str | None
    team: str | None
    backorders: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"wo_no": self.wo_no, "status": self.status, "age_days": self.age_days,
                "promised_date": _iso(self.promised_date), "overdue": self.overdue,
                "advisor_id": self.advisor_id, "team": self.team,
                "backorders": [{k: _iso(v) if isinstance(v, dt.date) else v for k, v in b.items()}
                               for b in self.backorders]}


@dataclass
class Board:
    """The board of ``day``: its jobs in reading order and the counts. ``names`` (staff_id ->
    name, from the roster) is for display only, not part of :meth:`to_json`."""

    day: dt.date
    jobs: list[BoardJob]
    names: dict[str, str] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, Any]:
        by_status = {s: 0 for s in BOARD_STATUSES}
        by_advisor: dict[str, int] = {}
        for j in self.jobs:
            by_status[j.status] = by_status.get(j.status, 0) + 1
            key = j.advisor_id or ""
            by_advisor[key] = by_advisor.get(key, 0) + 1
        return {"total": len(self.jobs), "by_status": by_status,
                "by_advisor": dict(sorted(by_advisor.items(), key=lambda kv: (kv[0] == "", kv[0]))),
                "overdue": sum(j.overdue for j in self.jobs)}

    def to_json(self) -> dict[str, Any]:
        """{"date", "jobs": [...], "counts": {"total", "by_status", "by_advisor", "overdue"}}."""
        return {"date": self.day.isoformat(), "jobs": [j.to_json() for j in self.jobs], "counts": self.counts}

    def name(self, staff_id: str | None) -> str:
        if not staff_id:
            return ""
        return self.names.get(staff_id, staff_id)


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else None


def _date(value: Any) -> dt.date | None:
    if value is None or pd.isna(value):
        return None
    day: dt.date = pd.Timestamp(value).date()
    return day


def _text(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def parse_day(value: str | dt.date) -> dt.date:
    """A day from its YYYY-MM-DD text (or a date), else a :class:`BoardError`."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise BoardError(T_BAD_DAY, value=value) from None


def data_range(store: Store) -> tuple[dt.date, dt.date]:
    """(earliest open_date, latest open_date or close_date) of work_orders: the days the board
    and the daily report can be made for. A :class:`BoardError` when no job has an open_date."""
    wo = store.table("work_orders")
    opens = wo["open_date"].dropna()
    if opens.empty:
        raise BoardError(T_NO_JOBS)
    last = max(opens.max(), wo["close_date"].dropna().max()) if wo["close_date"].notna().any() else opens.max()
    return opens.min().date(), pd.Timestamp(last).date()


def check_day(store: Store, day: str | dt.date | None) -> dt.date:
    """``day`` (the last day with data when None), refused with a one-line :class:`BoardError`
    when it is before the earliest open_date or after the latest date of work_orders."""
    first, last = data_range(store)
    if day is None:
        return last
    d = parse_day(day)
    if d < first or d > last:
        raise BoardError(T_OUTSIDE, day=d.isoformat(), first=first.isoformat(), last=last.isoformat())
    return d


def board(store: Store, day: str | dt.date) -> Board:
    """The workshop board of ``day`` (see the module's docstring)."""
    d = parse_day(day)
    ts = pd.Timestamp(d).to_datetime64()
    wo = store.table("work_orders")
    wo = wo.loc[wo["wo_no"].notna().to_numpy()].drop_duplicates("wo_no")
    opened = wo["open_date"].notna().to_numpy() & (wo["open_date"].to_numpy() <= ts)
    status = wo["status"]
    close = wo["close_date"]
    settled_by = (status == "settled").to_numpy() & ~(close.notna().to_numpy() & (close.to_numpy() > ts))
    live = wo.loc[opened & ~settled_by & (status != "cancelled").to_numpy()]

    bo = store.table("backorders")
    open_bo = bo["wo_no"].notna().to_numpy() & bo["request_date"].notna().to_numpy()
    open_bo &= bo["request_date"].to_numpy() <= ts
    open_bo &= ~(bo["arrived_date"].notna().to_numpy() & (bo["arrived_date"].to_numpy() <= ts))
    waiting: dict[str, list[dict[str, Any]]] = {}
    for rec in bo.loc[open_bo].sort_values(["request_date", "bo_id"], kind="stable").to_dict("records"):
        waiting.setdefault(str(rec["wo_no"]), []).append(
            {k: (_date(rec[k]) if k.endswith("_date") else _plain(rec[k])) for k in BACKORDER_FIELDS})

    jobs = []
    for rec in live.to_dict("records"):
        no = str(rec["wo_no"])
        state = rec["status"]
        if not isinstance(state, str):
            state = "open"  # a blank status (a validation error): opened, and nothing more is known
        elif state == "settled":
            state = "waiting_parts" if no in waiting else "in_progress"
        promised = _date(rec["promised_date"])
        opened_on = _date(rec["open_date"])
        assert opened_on is not None
        jobs.append(BoardJob(no, str(state), (d - opened_on).days, promised, promised is not None and promised < d,
                             _text(rec["advisor_id"]), _text(rec["team"]),
                             waiting.get(no, []) if state == "waiting_parts" else []))
    jobs.sort(key=lambda j: (not j.overdue, j.promised_date is None, j.promised_date or dt.date.min, j.wo_no))
    roster = store.table("roster")
    names = {str(r["staff_id"]): str(r["name"]) for r in roster.to_dict("records")
             if _text(r["staff_id"]) and _text(r["name"])}
    return Board(d, jobs, names)


def _plain(value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# -- Text and the sheet -----------------------------------------------------------------------------

LABELS = {
    "date": Text("Day", "日期"),
    "total": Text("Jobs in the workshop", "在修台次"),
    "overdue": Text("Overdue", "超期"),
    "status": Text("Status", "状态"),
    "advisor": Text("Advisor", "服务顾问"),
    "jobs": Text("Jobs", "台次"),
    "wo_no": Text("WO no.", "工单号"),
    "age_days": Text("Age, days", "在厂天数"),
    "promised_date": Text("Promised", "预计交车"),
    "late": Text("Overdue", "超期"),
    "team": Text("Team", "班组"),
    "backorders": Text("Open backorders (part × qty, ordered)", "待到配件（零件号 × 数量，订货日）"),
    "yes": Text("yes", "是"),
    "none": Text("None", "无"),
    "not_ordered": Text("not ordered", "未订货"),
    "hint": Text("Refresh with the ribbon's Workshop board button or `service-addin board WORKBOOK --write`.",
                 "用功能区“在修看板”按钮或 `service-addin board 工作簿 --write` 刷新。"),
}


def status_label(status: str, locale: str) -> str:
    enum = SHEETS["work_orders"].column("status").enum
    assert enum is not None
    en, zh = enum.labels().get(status, (status, status))
    return zh if locale == "zh-CN" else en


def backorder_text(b: dict[str, Any], locale: str) -> str:
    """'P-1001 × 2 (2026-10-10)': a backorder as one short text, or 'not ordered'."""
    ordered = b["ordered_date"].isoformat() if b.get("ordered_date") else tr(LABELS["not_ordered"], locale)
    return f"{b['part_no']} × {b['qty']} ({ordered})"


def job_row(j: BoardJob, board_: Board, locale: str) -> list[Any]:
    """One job as the sheet and the command's table show it."""
    return [j.wo_no, status_label(j.status, locale), j.age_days, j.promised_date,
            tr(LABELS["yes"], locale) if j.overdue else "", board_.name(j.advisor_id), j.team or "",
            "; ".join(backorder_text(b, locale) for b in j.backorders)]


JOB_COLUMNS = ("wo_no", "status", "age_days", "promised_date", "late", "advisor", "team", "backorders")


def board_cells(b: Board, locale: str) -> tuple[list[list[Any]], int]:
    """The sheet's values as rows (1-based row r is index r − 1) and the header row of the job
    table: title, day, total and overdue; status and advisor counts side by side; the jobs."""
    c = b.counts
    rows: list[list[Any]] = [
        [f"{tr(TITLE, locale)} · {b.day.isoformat()}"],
        [tr(LABELS["date"], locale), b.day],
        [tr(LABELS["total"], locale), c["total"]],
        [tr(LABELS["overdue"], locale), c["overdue"]],
        [],
        [tr(LABELS["status"], locale), tr(LABELS["jobs"], locale), None, tr(LABELS["advisor"], locale),
         tr(LABELS["jobs"], locale)],
    ]
    statuses = list(c["by_status"].items())
    advisors = list(c["by_advisor"].items())
    for i in range(max(len(statuses), len(advisors))):
        row: list[Any] = [None] * 5
        if i < len(statuses):
            row[0], row[1] = status_label(statuses[i][0], locale), statuses[i][1]
        if i < len(advisors):
            sid = advisors[i][0]
            row[3], row[4] = (f"{b.name(sid)} ({sid})" if sid and b.name(sid) != sid else sid), advisors[i][1]
        rows.append(row)
    rows.append([])
    header = len(rows) + 1
    rows.append([tr(LABELS[k], locale) for k in JOB_COLUMNS])
    rows.extend(job_row(j, b, locale) for j in b.jobs)
    if not b.jobs:
        rows.append([tr(LABELS["none"], locale)])
    rows.append([])
    rows.append([tr(LABELS["hint"], locale)])
    return rows, header


def write_board(wb: Any, b: Board, locale: str) -> Any:
    """(Re)create the board sheet of the openpyxl workbook ``wb`` (found by key or label, in its
    place; a new one after the dashboard), filled and formatted. Returns the worksheet."""
    from openpyxl.styles import Alignment, Font, PatternFill

    ws = board_sheet(wb, locale)
    rows, header = board_cells(b, locale)
    for r, values in enumerate(rows, start=1):
        for col, value in enumerate(values, start=1):
            if value is not None:
                cell = ws.cell(r, col, value)
                if isinstance(value, str):
                    cell.data_type = "s"
    ws["A1"].font = Font(bold=True, size=16)
    ws["B2"].number_format = "yyyy-mm-dd"
    for r in (2, 3, 4):
        ws.cell(r, 1).font = Font(bold=True)
    ws["B4"].font = Font(bold=True, color="C00000")
    fill = PatternFill("solid", fgColor="1F4E78")
    for col in (1, 2, 4, 5):
        cell = ws.cell(6, col)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = fill
    for col in range(1, len(JOB_COLUMNS) + 1):
        cell = ws.cell(header, col)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    late = PatternFill("solid", fgColor="FFC7CE")
    for i, j in enumerate(b.jobs):
        r = header + 1 + i
        ws.cell(r, 4).number_format = "yyyy-mm-dd"
        if j.overdue:
            for col in range(1, len(JOB_COLUMNS) + 1):
                ws.cell(r, col).fill = late
        ws.cell(r, 5).alignment = Alignment(horizontal="center")
    ws.row_dimensions[header].height = 30
    ws.cell(len(rows), 1).font = Font(italic=True, color="666666")
    for letter, width in zip("ABCDEFGH", (26, 18, 11, 22, 10, 16, 14, 48)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = f"A{header + 1}"
    # Print: landscape, one page wide, as many pages down as the jobs need.
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_title_rows = f"{header}:{header}"
    return ws


def board_sheet(wb: Any, locale: str) -> Any:
    """The board worksheet emptied (found by key or label, its place and code name kept), or a
    new one where the builder puts it (before the lists and xlwings.conf sheets, else last)."""
    from addin.io.cells import find_sheet_name

    name = find_sheet_name(wb.sheetnames, BOARD_KEY)
    if name is not None:
        index = wb.sheetnames.index(name)
        code = wb[name].sheet_properties.codeName
        wb.remove(wb[name])
        ws = wb.create_sheet(tr(TITLE, locale), index)
        if code:
            ws.sheet_properties.codeName = code
        return ws
    from addin.io.builder import board_index

    return wb.create_sheet(tr(TITLE, locale), board_index(wb))


def board_grid(b: Board, locale: str) -> tuple[str, list[list[Any]]]:
    """The sheet's title and its values as a rectangular 2-D list (the live book's write)."""
    rows, _ = board_cells(b, locale)
    width = max(len(r) for r in rows)
    return tr(TITLE, locale), [list(r) + [None] * (width - len(r)) for r in rows]


__all__ = ["BACKORDER_FIELDS", "BOARD_KEY", "BOARD_STATUSES", "Board", "BoardError", "BoardJob", "TITLE",
           "board", "board_cells", "board_grid", "check_day", "data_range", "parse_day", "write_board"]

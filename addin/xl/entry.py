"""The Python behind the Service ribbon: one function per button (macros/Service.bas calls them
with RunPython).

Each entry point reads the calling workbook through :class:`~addin.xl.book.LiveBook` into a
Store, calls one core function, writes the results back as 2-D lists and says what happened in a
message box in the workbook's language. Any error becomes a message box, never a traceback: a
:class:`~addin.errors.ServiceError` shows its own message; anything else says nothing was written
and where the details were logged. Every entry point takes an optional ``book`` (an xlwings Book
or addin.xl.fake.FakeBook); without one it is the workbook that called.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from addin.errors import ServiceError
from addin.i18n import Text, sheet_label
from addin.io.edit import DashboardValues, WorkbookEdit
from addin.store import Store
from addin.xl.book import LiveBook
from addin.xl.edit import LiveTarget, apply_to_live

LOG_FILE = Path(tempfile.gettempdir()) / "service-addin.log"

T_TITLE = Text("Service", "售后服务")
T_INTERNAL = Text(
    "Something went wrong inside the add-in ({error}). Nothing more was written to the workbook.\n"
    "The details are in {log}; please send that file to whoever looks after the add-in.",
    "插件内部出错（{error}）。未再向工作簿写入任何内容。\n详细信息见 {log}，请将该文件发给插件维护人员。",
)
T_VALID = Text("No problems found in {records} records.\nThe checks sheet is now empty.",
               "{records} 条记录中未发现问题。\n校验结果表已清空。")
T_FINDINGS = Text("{errors} error(s) and {warnings} warning(s) in {records} records.\n"
                  "The list is on the sheet \u201c{sheet}\u201d.{by_sheet}",
                  "{records} 条记录中有 {errors} 个错误、{warnings} 个警告。\n明细见工作表\u201c{sheet}\u201d。{by_sheet}")
T_BY_SHEET = Text("\n\nBy sheet: {parts}", "\n\n按工作表：{parts}")
T_NO_PERIOD = Text("The settings have no open period (open_period, YYYY-MM): enter the month to work on in "
                   "the settings sheet first.",
                   "设置中没有当前会计期间（open_period，年-月）：请先在设置表中填写要处理的月份。")
T_DASHBOARD = Text("Dashboard refreshed for {period}: {count} KPIs on the sheet \u201c{sheet}\u201d.",
                   "看板已刷新（{period}）：{count} 项指标，见工作表\u201c{sheet}\u201d。")
T_CONFIRM_CLOSE = Text("Close {period}?\n\nThe data of {period} is checked, the stocktake is posted, the KPIs and "
                       "the report pack are made, and the period is locked. The workbook is saved afterwards.",
                       "确定对 {period} 结账？\n\n将校验 {period} 的数据、过账盘点、计算指标并生成报表，然后锁定该期间。"
                       "完成后工作簿将被保存。")
T_CLOSED = Text(
    "{period} is closed.\n\n{records} records locked (data hash {hash}); {postings} stocktake posting(s); "
    "{warnings} warning(s).\nReports ({files} files) are in:\n{folder}{no_pdf}\n\nThe open period is now {next}.",
    "{period} 已结账。\n\n锁定 {records} 条记录（数据指纹 {hash}）；盘点过账 {postings} 笔；警告 {warnings} 个。\n"
    "报表（{files} 个文件）位于：\n{folder}{no_pdf}\n\n当前会计期间为 {next}。",
)
T_NO_PDF = Text("\n(No PDFs: {reason})", "\n（未生成 PDF：{reason}）")
T_NOTHING_CLOSED = Text("No period has been closed yet, so there is nothing to reopen.",
                        "尚无已结账的期间，无需反结账。")
T_CONFIRM_REOPEN = Text("Reopen {period}?\n\nIts records can be changed again until it is closed once more; "
                        "the reopening is written to the audit log.",
                        "确定对 {period} 反结账？\n\n在再次结账之前，可以修改该期间的记录；反结账将记入操作日志。")
T_REASON = Text("Why is {period} being reopened? (written to the audit log)",
                "反结账 {period} 的原因？（将记入操作日志）")
T_NO_REASON = Text("Reopening cancelled: a reason is needed.", "已取消反结账：必须填写原因。")
T_REOPENED = Text("{period} is open again. The open period is now {open}. The workbook was saved.",
                  "{period} 已重新打开。当前会计期间为 {open}。工作簿已保存。")
T_CANCELLED = Text("Cancelled; nothing was changed.", "已取消，未做任何更改。")
T_STOCKTAKE = Text("{count} stocktake movement(s) posted to the parts ledger for {period}: {gains} gain(s), "
                   "{losses} loss(es), rows {first}\u2013{last}.",
                   "{period} 的盘点已过账到配件台账：{count} 笔（盘盈 {gains} 笔，盘亏 {losses} 笔），第 {first}\u2013{last} 行。")
T_NO_STOCKTAKE = Text("Nothing to post for {period}: every count agrees with the book, or was posted already.",
                      "{period} 没有需要过账的盘点：所有盘点数与账面一致，或已过账。")
T_REPORT = Text("{title} for {period}: {files} file(s) in\n{folder}{no_pdf}",
                "{period} {title}：{files} 个文件，位于\n{folder}{no_pdf}")
T_HELP = Text(
    "The Service tab\n\n"
    "Validate: checks every sheet and lists the problems on the checks sheet.\n"
    "Refresh dashboard: the KPIs of the open period against target and the previous month.\n"
    "Workshop board: the jobs in the workshop on the last day with data, overdue first.\n"
    "Month-end close: validates, posts the stocktake, makes the report pack and locks the period "
    "(service manager only).\n"
    "Reopen period: unlocks the last closed period, with a reason (service manager only).\n"
    "Print job documents: the job sheet, dispatch, pick list, settlement and gate pass of the job on the "
    "selected row of work orders or WO lines, saved beside the workbook.\n"
    "Reports: one report of the open period, saved beside the workbook.\n"
    "Post stocktake: books the differences of the period's counts as stocktake gains and losses.\n"
    "Settings: store, language (locale), tax, targets and the open period.\n\n"
    "Worksheet functions SERVICE_... work in any cell. Python must be installed: see docs/windows.md.",
    "售后 选项卡\n\n"
    "校验数据：检查所有工作表，问题列在校验结果表中。\n"
    "刷新看板：当前会计期间的指标，对比目标和上月。\n"
    "在修看板：数据最后一天的在修工单，超期的排在最前。\n"
    "月末结账：校验、过账盘点、生成报表并锁定该期间（仅服务经理）。\n"
    "反结账：重新打开最近一个已结账期间，须填写原因（仅服务经理）。\n"
    "打印工单：所选维修工单或工单明细行的任务委托书、派工单、领料单、结算单和出门证，保存在工作簿旁边。\n"
    "报表：当前会计期间的单项报表，保存在工作簿旁边。\n"
    "过账盘点：将本期盘点差异记为盘盈、盘亏。\n"
    "设置：门店、语言（locale）、税率、目标和当前会计期间。\n\n"
    "工作表函数 SERVICE_... 可在任意单元格使用。须先安装 Python：见 docs/windows.md。",
)

_log = logging.getLogger(__name__)


def _live(book: Any) -> LiveBook:
    return LiveBook(book) if book is not None else LiveBook.caller()


def _run(book: Any, action: Callable[[LiveBook, Store], str | None], sheets: tuple[str, ...] | None = None) -> None:
    """Read the store (only ``sheets`` when given), run ``action``, show its message; show any
    error as a message box."""
    live = _live(book)
    locale = "en-US"
    try:
        store = live.read_store(sheets)
        locale = store.locale
        message = action(live, store)
        if message:
            live.alert(message, T_TITLE(locale))
    except ServiceError as exc:
        live.alert(exc.message(locale), T_TITLE(locale), critical=True)
    except Exception as exc:  # the last line of defence: a user never sees a traceback
        try:
            with LOG_FILE.open("a", encoding="utf-8") as log:
                log.write(f"--- {dt.datetime.now().isoformat(timespec='seconds')} {live.path}\n")
                log.write(traceback.format_exc())
        except OSError:
            _log.exception("internal error in an entry point")
        live.alert(T_INTERNAL(locale, error=f"{type(exc).__name__}: {exc}", log=LOG_FILE), T_TITLE(locale),
                   critical=True)


def _open_period(store: Store) -> str:
    if not store.settings.open_period:
        raise ServiceError(T_NO_PERIOD)
    return store.settings.open_period


def _record_count(store: Store) -> int:
    from addin.models import INPUT_SHEETS

    return sum(len(store.table(key)) for key in INPUT_SHEETS if key != "settings")


# -- Check ----------------------------------------------------------------------------------------

def validate(book: Any = None) -> None:
    """Validate every sheet (addin.rules.validate_store) and list the findings on the checks sheet."""
    _run(book, _validate)


def _validate(live: LiveBook, store: Store) -> str:
    from addin.rules import checks_records, validate_store

    findings = validate_store(store)
    locale = store.locale
    apply_to_live(live, store, WorkbookEdit(replacements={"checks": checks_records(findings, locale)}), save=False)
    records = _record_count(store)
    if not findings:
        return T_VALID(locale, records=records)
    counts = Counter(f.severity for f in findings)
    per_sheet = Counter(sheet_label(f.sheet, locale) for f in findings)
    parts = ", ".join(f"{name} {n}" for name, n in per_sheet.most_common())
    return T_FINDINGS(locale, errors=counts["error"], warnings=counts["warning"], records=records,
                      sheet=live.sheet_of(store, "checks"), by_sheet=T_BY_SHEET(locale, parts=parts))


def refresh_dashboard(book: Any = None) -> None:
    """The KPIs of the open period (addin.kpis.compute_kpis) on the dashboard sheet."""
    _run(book, _refresh_dashboard)


def _refresh_dashboard(live: LiveBook, store: Store) -> str:
    from addin.io.builder import sheet_title
    from addin.kpis import KPIS, compute_comparison
    from addin.stock import valuate

    period = _open_period(store)
    result, previous, last_year = compute_comparison(store, period, valuate(store), values_only=True)
    apply_to_live(live, store, WorkbookEdit(dashboard=DashboardValues(result, previous, last_year)), save=False)
    return T_DASHBOARD(store.locale, period=period, count=len(KPIS), sheet=sheet_title("dashboard", store.locale))


# -- Front desk (issue 18) ------------------------------------------------------------------------

T_BOARD = Text("Workshop board of {day}: {total} job(s) in the workshop, {overdue} overdue, on the sheet "
               "\u201c{sheet}\u201d.",
               "{day} 在修看板：在修 {total} 台，超期 {overdue} 台，见工作表\u201c{sheet}\u201d。")


def refresh_board(book: Any = None) -> None:
    """The workshop board (addin.board.board) of the last day with data, on the board sheet."""
    _run(book, _refresh_board)


def _refresh_board(live: LiveBook, store: Store) -> str:
    from addin.board import board, check_day
    from addin.identity import identify
    from addin.io.builder import sheet_title

    day = check_day(store, None)
    identify(store, live.user(), dt.date.today())
    b = board(store, day)
    apply_to_live(live, store, WorkbookEdit(board=b), save=False)
    c = b.counts
    return T_BOARD(store.locale, day=day.isoformat(), total=c["total"], overdue=c["overdue"],
                   sheet=sheet_title("board", store.locale))


# -- Close ----------------------------------------------------------------------------------------

def close(book: Any = None) -> None:
    """Month-end close of the open period (addin.close.close_period), applied to the live book:
    report pack beside the workbook, rows appended, periods and settings updated, dashboard
    written, workbook saved."""
    _run(book, _close)


def _close(live: LiveBook, store: Store) -> str:
    from addin.month_end import run_close

    locale = store.locale

    def confirm(store: Store, period: str) -> bool:
        return live.alert(T_CONFIRM_CLOSE(locale, period=period), T_TITLE(locale), buttons="yes_no") == "yes"

    _open_period(store)
    outcome = run_close(LiveTarget(live, store), user=live.user(), confirm=confirm)
    plan = outcome.plan
    if outcome.cancelled:
        return T_CANCELLED(locale)
    if plan.already_closed:
        return plan.message
    no_pdf = T_NO_PDF(locale, reason=outcome.no_pdf_reason) if outcome.no_pdf_reason else ""
    return T_CLOSED(locale, period=plan.period, records=plan.record_count, hash=plan.data_hash[:12],
                    postings=len(plan.postings), warnings=len(plan.warnings), files=len(outcome.reports),
                    folder=outcome.report_dir, no_pdf=no_pdf,
                    next=plan.settings_updates.get("open_period", store.settings.open_period))


def reopen(book: Any = None) -> None:
    """Reopen the last closed period (addin.close.reopen_period), with a reason asked for."""
    _run(book, _reopen)


def _reopen(live: LiveBook, store: Store) -> str:
    from addin.identity import SERVICE_MANAGER, identify
    from addin.month_end import run_reopen
    from addin.periods import closed_periods

    locale = store.locale
    now = dt.datetime.now()
    user = live.user()
    identify(store, user, now.date(), need=SERVICE_MANAGER, action="reopen")
    closed = sorted(str(r["period"]).strip() for r in closed_periods(store))
    if not closed:
        return T_NOTHING_CLOSED(locale)
    period = closed[-1]
    if live.alert(T_CONFIRM_REOPEN(locale, period=period), T_TITLE(locale), buttons="yes_no") != "yes":
        return T_CANCELLED(locale)
    reason = live.ask(T_REASON(locale, period=period), T_TITLE(locale))
    if not reason or not reason.strip():
        return T_NO_REASON(locale)
    plan = run_reopen(LiveTarget(live, store), period, user=user, reason=reason, now=now)
    return T_REOPENED(locale, period=period, open=plan.settings_updates.get("open_period", store.settings.open_period))


# -- Reports and parts ----------------------------------------------------------------------------

def report(name: str, book: Any = None) -> None:
    """One report of the open period (addin.reports), saved beside the workbook."""
    _run(book, lambda live, store: _report(live, store, name))


def _report(live: LiveBook, store: Store, name: str) -> str:
    from addin.kpis import compute_comparison
    from addin.month_end import default_report_dir
    from addin.reports import build_reports, check_names, report_title
    from addin.stock import valuate

    locale = store.locale
    check_names([name])
    period = _open_period(store)
    valuation = valuate(store)
    result, previous, last_year = compute_comparison(store, period, valuation, values_only=True)
    folder = default_report_dir(live.path, period)
    pack = build_reports(store, period, result, folder, previous=previous, last_year=last_year,
                         valuation=valuation, names=[name])
    no_pdf = T_NO_PDF(locale, reason=pack.no_pdf_reason) if pack.no_pdf_reason else ""
    return T_REPORT(locale, title=report_title(name, locale), period=period, files=len(pack.files),
                    folder=folder, no_pdf=no_pdf)


def post_stocktake(book: Any = None) -> None:
    """Post the open period's stocktake variances (addin.close.stocktake_postings) to the ledger."""
    _run(book, _post_stocktake)


def _post_stocktake(live: LiveBook, store: Store) -> str:
    from addin.close import stocktake_postings

    period = _open_period(store)
    postings = stocktake_postings(store, period)
    if not postings:
        return T_NO_STOCKTAKE(store.locale, period=period)
    rows = apply_to_live(live, store, WorkbookEdit(appends={"parts_ledger": postings}), save=False).appended["parts_ledger"]
    gains = sum(1 for p in postings if p["txn_type"] == "stocktake_gain")
    return T_STOCKTAKE(store.locale, count=len(postings), period=period, gains=gains,
                       losses=len(postings) - gains, first=rows[0], last=rows[-1])


# -- Help -----------------------------------------------------------------------------------------

def settings(book: Any = None) -> None:
    """Show the settings sheet."""
    _run(book, lambda live, store: live.activate(live.sheet_of(store, "settings")), sheets=("settings",))


def help(book: Any = None) -> None:  # noqa: A001 - the button's name
    """What each button does, in the workbook's language."""
    _run(book, lambda live, store: T_HELP(store.locale), sheets=("settings",))


# -- Import (issue 16) ----------------------------------------------------------------------------

T_ASK_FILE = Text("Import which file? The full path of a CSV, .xlsx or .xlsm export (a mapping file of the same "
                  "name with .toml beside it is used).",
                  "导入哪个文件？请输入 CSV、.xlsx 或 .xlsm 导出文件的完整路径（同名 .toml 映射文件若在旁边将被使用）。")
T_ASK_SHEET = Text("Into which sheet? (work_orders, wo_lines, parts, parts_ledger, claims, vehicles, roster, ... "
                   "or its name)", "导入到哪张工作表？（work_orders、wo_lines、parts、parts_ledger、claims、vehicles、"
                   "roster……或工作表名称）")
T_CONFIRM_IMPORT = Text("{summary}\n\nWrite this into the workbook?", "{summary}\n\n确定写入工作簿？")
T_IMPORTED = Text("{new} new and {changed} changed record(s) written to \u201c{sheet}\u201d.{bad}",
                  "已写入\u201c{sheet}\u201d：新增 {new} 条，修改 {changed} 条。{bad}")
T_IMPORT_BAD = Text("\n{count} row(s) of the file were not imported: {rows}.", "\n文件中有 {count} 行未导入：{rows}。")


def import_data(book: Any = None) -> None:
    """Import a DMS export or CSV file into one sheet (addin.importer): asks for the file and the
    sheet, shows the dry-run summary, and writes only when the user says yes."""
    _run(book, _import_data)


def _import_data(live: LiveBook, store: Store) -> str:
    from addin.identity import identify
    from addin.importer import check_sheet, convert_source, load_mapping, plan_import, read_source, render_plan

    locale = store.locale
    now = dt.datetime.now().replace(microsecond=0)
    actor = identify(store, live.user(), now.date())
    path = live.ask(T_ASK_FILE(locale), T_TITLE(locale))
    if not path or not str(path).strip():
        return T_CANCELLED(locale)
    answer = live.ask(T_ASK_SHEET(locale), T_TITLE(locale))
    if not answer or not str(answer).strip():
        return T_CANCELLED(locale)
    sheet = check_sheet(str(answer).strip())
    source_path = Path(str(path).strip().strip('"'))
    toml = source_path.with_suffix(".toml")
    mapping = load_mapping(toml if toml.is_file() else None, sheet)
    source = read_source(source_path, sheet, mapping.source_sheet)
    plan = plan_import(store, convert_source(source, sheet, mapping, locale=locale), sheet, source=source.name)
    summary = render_plan(plan, locale, limit=12)
    if plan.edit is None:
        return summary
    if live.alert(T_CONFIRM_IMPORT(locale, summary=summary), T_TITLE(locale), buttons="yes_no") != "yes":
        return T_CANCELLED(locale)
    plan.edit.appends["audit_log"] = [{"timestamp": now, "user": actor.audit_user, "action": "import",
                                       "details": f"{sheet} <- {source.name}: {len(plan.new)} new, "
                                                  f"{len(plan.changed)} changed"}]
    apply_to_live(live, store, plan.edit, save=False)
    bad = T_IMPORT_BAD(locale, count=len(plan.bad), rows=", ".join(str(f.row) for f in plan.bad[:20])) if plan.bad else ""
    return T_IMPORTED(locale, new=len(plan.new), changed=len(plan.changed), sheet=live.sheet_of(store, sheet), bad=bad)


# -- The day's documents (issue 18) --------------------------------------------------------------

T_SELECT_JOB = Text("Select a row of the sheet \u201c{orders}\u201d or \u201c{lines}\u201d first: its job's documents are "
                    "printed.", "请先在工作表\u201c{orders}\u201d或\u201c{lines}\u201d中选中一行：将打印该行工单的单据。")
T_NO_WO_ON_ROW = Text("Row {row} of the sheet \u201c{sheet}\u201d holds no WO no.: select the row of a job.",
                      "工作表\u201c{sheet}\u201d第 {row} 行没有工单号：请选中某个工单所在的行。")
T_PRINTED = Text("{count} document(s) of work order {wo_no} ({files} files) are in:\n{folder}{left_out}{no_pdf}",
                 "工单 {wo_no} 的 {count} 份单据（{files} 个文件）位于：\n{folder}{left_out}{no_pdf}")
T_LEFT_OUT = Text("\n\nLeft out:\n{why}", "\n\n未打印：\n{why}")


def print_documents(book: Any = None) -> None:
    """The documents of the job on the selected row of work_orders or wo_lines
    (addin.documents.print_documents), into ``<workbook stem>_documents/`` beside the workbook."""
    _run(book, _print_documents)


def selected_wo_no(live: LiveBook, store: Store) -> str:
    """The WO no. of the selected row of the work_orders or wo_lines sheet, or a ServiceError
    saying what to select."""
    from addin.documents.job import blank

    locale = store.locale
    selected = live.selection()
    sheets = {store.sheet_names.get(key, sheet_label(key, locale)).casefold(): key
              for key in ("work_orders", "wo_lines")}
    key = sheets.get(selected[0].casefold()) if selected else None
    if selected is None or key is None or selected[1] < 2:
        raise ServiceError(T_SELECT_JOB, orders=sheet_label("work_orders", locale), lines=sheet_label("wo_lines", locale))
    table = store.table(key)
    found = table.loc[table["_row"] == selected[1], "wo_no"]
    if found.empty or blank(found.iloc[0]):
        raise ServiceError(T_NO_WO_ON_ROW, row=selected[1], sheet=selected[0])
    return str(found.iloc[0]).strip()


def _print_documents(live: LiveBook, store: Store) -> str:
    from addin.documents import default_documents_dir
    from addin.documents import print_documents as print_job

    locale = store.locale
    wo_no = selected_wo_no(live, store)
    folder = default_documents_dir(live.path)
    pack = print_job(store, wo_no, folder)
    docs = {p.stem for p in pack.files}
    left_out = T_LEFT_OUT(locale, why="\n".join(pack.skipped)) if pack.skipped else ""
    no_pdf = T_NO_PDF(locale, reason=pack.no_pdf_reason) if pack.no_pdf_reason else ""
    return T_PRINTED(locale, count=len(docs), wo_no=wo_no, files=len(pack.files), folder=folder, left_out=left_out,
                     no_pdf=no_pdf)

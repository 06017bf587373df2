"""`service-addin reopen WORKBOOK --period YYYY-MM --user NAME --reason TEXT`: reopen a closed
period (service managers only); recorded in audit_log."""

from __future__ import annotations

import argparse

from addin.i18n import Text

HELP = "reopen a closed period (a service manager of the roster only), with the reason, recorded in audit_log"

T_DONE = Text("Period {period} reopened by {user}; recorded in the audit log.{open}",
              "期间 {period} 已由 {user} 反结账，已记入操作日志。{open}")
T_OPEN = Text(" The open period is now {period}.", "当前期间改为 {period}。")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("workbook", help="the workbook (.xlsx/.xlsm)")
    parser.add_argument("--period", required=True, help="the closed month to reopen, YYYY-MM")
    parser.add_argument("--user", help="staff ID, name or Excel user of a service manager (default: the login, "
                                       "which must be a service manager's Excel user)")
    parser.add_argument("--reason", required=True, help="why the period is reopened (kept in the audit log)")


def run(args: argparse.Namespace) -> int:
    from addin.month_end import reopen_workbook

    plan = reopen_workbook(args.workbook, args.period, user=args.user, reason=args.reason)
    locale = plan.locale
    moved = plan.settings_updates.get("open_period")
    print(T_DONE(locale, period=plan.period, user=plan.audit_row["user"],
                 open=T_OPEN(locale, period=moved) if moved else ""))
    return 0

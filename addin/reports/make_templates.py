"""Generate the report templates in workbook/templates/ (one .xlsx per report).

The templates are plain workbooks that anyone may restyle in Excel: the engine only looks for the
``{{...}}`` placeholders (see addin.reports.engine). Regenerate them after changing the layouts
below::

    .venv/bin/python -m addin.reports.make_templates
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.properties import PageSetupProperties

from addin.reports.engine import TEMPLATE_DIR

# A sheet: its title (a label key in braces, since a sheet name may not hold ':'), and its rows.
Sheet = tuple[str, list[list[str]]]


def _head(title: str, sheet: str | None = None) -> list[list[str]]:
    first = f"{{{{label:{title}}}}}" + (f" · {{{{label:{sheet}}}}}" if sheet else "")
    return [[first], ["{{store_name}} ({{store_code}}) · {{label:period}} {{period_label}}"], ["{{currency_note}}"], []]


def _section(label: str, table: str) -> list[list[str]]:
    return [[f"{{{{label:{label}}}}}"], [f"{{{{table:{table}}}}}"], []]


#: Report name -> its sheets (title placeholder, rows of cells). The last sheet of a report with
#: charts is its charts sheet (the charts are drawn there).
LAYOUTS: dict[str, list[Sheet]] = {
    "monthly": [
        ("{{sheet_summary}}", _head("title_monthly") + [["{{table:kpis}}"], [], ["{{ytd_note}}"]]),
        ("{{sheet_revenue}}", _head("title_monthly", "sheet_revenue")
         + _section("by_pay_type", "pay_type") + _section("by_repair_type", "repair_type")),
        ("{{sheet_teams}}", _head("title_monthly", "sheet_teams")
         + _section("teams", "teams") + _section("advisors", "advisors")),
        ("{{sheet_charts}}", _head("title_monthly", "sheet_charts")),
    ],
    "technicians": [
        ("{{sheet_technicians}}", _head("title_technicians") + [["{{table:technicians}}"], [],
                                                                       ["{{label:piece_pay_note}}"]]),
        ("{{sheet_charts}}", _head("title_technicians", "sheet_charts")),
    ],
    "parts": [
        ("{{sheet_summary}}", _head("title_parts") + [["{{method_note}}"], ["{{table:kpis}}"], []]
         + _section("aged", "aged")),
        ("{{sheet_movements}}", _head("title_parts", "sheet_movements") + _section("movements", "movements")),
        ("{{sheet_reorder}}", _head("title_parts", "sheet_reorder") + _section("reorder", "reorder")),
        ("{{sheet_stocktake}}", _head("title_parts", "sheet_stocktake") + _section("stocktake", "stocktake")),
        ("{{sheet_charts}}", _head("title_parts", "sheet_charts")),
    ],
    "claims": [
        ("{{sheet_summary}}", _head("title_claims") + [["{{table:kpis}}"], []] + _section("aging", "aging")
         + _section("reconciliation", "reconciliation")),
        ("{{sheet_warranty}}", _head("title_claims", "sheet_warranty") + [["{{label:ledger_note}}"],
                                                                               ["{{table:warranty}}"]]),
        ("{{sheet_insurance}}", _head("title_claims", "sheet_insurance") + [["{{label:ledger_note}}"],
                                                                                 ["{{table:insurance}}"]]),
        # Issue 11: the claims work-list (索赔待办), before the charts sheet.
        ("{{sheet_worklist}}", _head("title_claims", "sheet_worklist") + [["{{label:worklist_note}}"], []]
         + _section("claims_to_submit", "claims_to_submit") + _section("claims_awaiting_decision", "claims_awaiting_decision")
         + _section("claims_parts_due", "claims_parts_due") + _section("claims_unpaid", "claims_unpaid")
         + _section("claims_written_off", "claims_written_off")),
        ("{{sheet_charts}}", _head("title_claims", "sheet_charts")),
    ],
    "customer_care": [
        ("{{sheet_followups}}", _head("title_customer_care", "sheet_followups")
         + _section("followups_due", "followups_due")),
        ("{{sheet_reminders}}", _head("title_customer_care", "sheet_reminders")
         + _section("maintenance_due", "maintenance_due")),
        ("{{sheet_lapsed}}", _head("title_customer_care", "sheet_lapsed")
         + [["{{lapsed_title}}"], ["{{table:lapsed}}"], [], ["{{churned_title}}"], ["{{table:churned}}"]]),
        ("{{sheet_renewals}}", _head("title_customer_care", "sheet_renewals")
         + _section("renewals_due", "renewals_due")),
        # Issue 11: first services, warranties ending, open complaints.
        ("{{sheet_first_service}}", _head("title_customer_care", "sheet_first_service")
         + _section("first_service_due", "first_service_due") + _section("warranty_expiring", "warranty_expiring")),
        ("{{sheet_complaints}}", _head("title_customer_care", "sheet_complaints")
         + _section("complaints_open", "complaints_open")),
    ],
    "manufacturer": [
        ("{{sheet_summary}}", _head("title_manufacturer") + [["{{label:masked_note}}"], ["{{table:kpis}}"], []]
         + _section("by_repair_type", "repair_type")),
        ("{{sheet_jobs}}", _head("title_manufacturer", "sheet_jobs") + [["{{label:masked_note}}"],
                                                                             ["{{table:jobs}}"]]),
        ("{{sheet_charts}}", _head("title_manufacturer", "sheet_charts")),
    ],
    "headcount": [
        ("{{sheet_headcount}}", _head("title_headcount") + [["{{table:roles}}"], [], ["{{label:also_note}}"], []]
         + _section("turnover", "turnover") + _section("on_duty_staff", "staff")),
        ("{{sheet_charts}}", _head("title_headcount", "sheet_charts")),
    ],
    # issue 12
    "appraisal": [
        ("{{sheet_scores}}", _head("title_appraisal") + [["{{label:score_note}}"], []] + _section("teams", "teams")
         + _section("people", "people")),
        ("{{sheet_items}}", _head("title_appraisal", "sheet_items") + _section("items", "items")),
        ("{{sheet_charts}}", _head("title_appraisal", "sheet_charts")),
    ],
    "tools": [
        ("{{sheet_equipment}}", _head("title_tools") + _section("calibration_due", "calibration_due")
         + _section("loans_overdue", "loans_overdue") + _section("lost_damaged", "lost_damaged")),
        ("{{sheet_issued}}", _head("title_tools", "sheet_issued") + _section("issued", "issued")),
        ("{{sheet_loaners}}", _head("title_tools", "sheet_loaners") + _section("loaners", "loaners")),
    ],
    # issue 18: the daily report of one day, on one portrait A4 page
    "daily": [
        ("{{sheet_daily}}", [["{{label:title_daily}}"],
                             ["{{store_name}} ({{store_code}}) · {{label:day}} {{day_text}}"], ["{{currency_note}}"], []]
         + _section("kpis_of_day", "kpis") + _section("board_status", "board_status")
         + _section("board_advisor", "board_advisor")
         + [["{{appointments_title}}"], ["{{table:appointments}}"], []]
         + _section("calls_due", "calls_due") + _section("backorders", "backorders")),
    ],
    # issue 11 and 12: the registers of the department's day.
    "registers": [
        ("{{sheet_complaints}}", _head("title_registers", "sheet_complaints")
         + _section("complaint_figures", "complaint_figures") + _section("by_category", "by_category")
         + _section("by_channel", "by_channel") + _section("complaints_open_list", "complaints_open")),
        ("{{sheet_renewals}}", _head("title_registers", "sheet_renewals")
         + _section("renewal_figures", "renewal_figures") + _section("lost_reasons", "lost_reasons")
         + _section("renewals_list", "renewals_list")),
        ("{{sheet_followups}}", _head("title_registers", "sheet_followups")
         + _section("followup_figures", "followup_figures") + _section("by_caller", "by_caller")
         + _section("followup_issues", "followup_issues")),
        ("{{sheet_appointments}}", _head("title_registers", "sheet_appointments")
         + _section("appointment_figures", "appointment_figures") + _section("by_reason", "by_reason")
         + _section("no_shows", "no_shows")),
        ("{{sheet_loaners}}", _head("title_registers", "sheet_loaners")
         + _section("loaner_figures", "loaner_figures") + [["{{label:loaner_note}}"], ["{{table:loaners_list}}"]]),
    ],
}
#: Reports printed portrait (the rest landscape).
PORTRAIT = frozenset({"daily"})


def template_workbook(name: str) -> Workbook:
    """The template of report ``name`` as an openpyxl workbook."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in LAYOUTS[name]:
        ws = wb.create_sheet(title)
        for r, cells in enumerate(rows, start=1):
            for c, text in enumerate(cells, start=1):
                ws.cell(r, c, text)
        # Fonts, the page setup and the page breaks are the report's (addin.reports.layout).
        ws["A1"].font = Font(name="Calibri", bold=True, size=14)
        for r, cells in enumerate(rows, start=1):
            if r > 3 and len(cells) == 1 and cells[0].startswith(("{{label:", "{{lapsed", "{{churned",
                                                                   "{{appointments_title")):
                ws.cell(r, 1).font = Font(name="Calibri", bold=True, size=11, color="1F4E79")
        ws.column_dimensions["A"].width = 14
        # Print: landscape, every column on one page width, as many pages down as needed.
        ws.page_setup.orientation = "portrait" if name in PORTRAIT else "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.print_options.gridLines = False
    return wb


def write_templates(names: Iterable[str], build: Callable[[str], Workbook], out: Path) -> list[Path]:
    """Write ``build(name)`` as ``out/<name>.xlsx`` for each name; returns the files written (the
    report templates here, the documents' in addin.documents.make_templates)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        path = out / f"{name}.xlsx"
        build(name).save(path)
        written.append(path)
    return written


def main(out: Path = TEMPLATE_DIR) -> list[Path]:
    """Write every template into ``out``; returns the files written."""
    return write_templates(LAYOUTS, template_workbook, out)


if __name__ == "__main__":
    for p in main(Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATE_DIR):
        print(p)

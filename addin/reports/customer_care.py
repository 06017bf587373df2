"""Customer care lists (as of the end of the month): follow-up calls due, maintenance reminders,
lapsed and churned customers, insurance renewals due (with the renewal's outcome), first services
due, warranties ending, open complaints (KPIS.md "Customer care lists"). Each list in working
order (due date, person, id), with the due date that selected each entry and its person, and
printed in full: the PDF has no row limit (issue 13)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from addin.i18n import Text
from addin.reports.common import ReportData, col_label, enum_label, records_by
from addin.reports.engine import Column, Context, Table

NAME = "customer_care"
TITLE = Text("Customer care lists", "客户关怀名单")

LABELS = {
    "title_customer_care": TITLE,
    "sheet_followups": Text("Follow-ups due", "待回访"),
    "sheet_reminders": Text("Reminders", "保养提醒"),
    "sheet_lapsed": Text("Lapsed and churned", "流失客户"),
    "sheet_renewals": Text("Renewals", "续保提醒"),
    "followups_due": Text("Follow-up calls due (settled, not yet called)", "待回访（已结算、未回访）"),
    "maintenance_due": Text("Maintenance due next month", "下月到期保养"),
    "lapsed": Text("Lapsed customers (no visit for {m} months)", "流失预警客户（{m} 个月未进厂）"),
    "churned": Text("Churned customers (no visit for {m} months)", "已流失客户（{m} 个月未进厂）"),
    "renewals_due": Text("Insurance renewals due", "保险续保到期"),
    "sheet_first_service": Text("First service, warranty", "首保与三包"),
    "sheet_complaints": Text("Open complaints", "未结投诉"),
    "first_service_due": Text("First service due (走合保养)", "首保到期（走合保养）"),
    "warranty_expiring": Text("Warranty ending soon", "三包期即将到期"),
    "complaints_open": Text("Complaints not yet resolved", "未处理完毕的投诉"),
}
_DUE = Column("due", Text("Due", "到期日"), "date")
_PERSON = Column("person", Text("Person", "负责人"))


def _due_rows(data: ReportData, known: _Vehicles, frame: pd.DataFrame, before: list[str], *,
              with_km: bool = False) -> list[list[Any]]:
    """Rows of a vehicle work list (a frame of id = VIN, due, person, in its order): the vehicle
    (of ``known``), the ``before`` columns, the due date that selected it, with ``with_km`` the
    next_service_km of the job whose next_service_date that is, and the person."""
    vins = [str(v) for v in frame["id"]]
    rows = known.rows(vins, before)
    km_of: dict[str, Any] = {}
    if with_km:
        wo = data.store.table("work_orders")
        wo = wo[wo["vin"].isin(vins) & wo["next_service_date"].notna() & (wo["status"] != "cancelled")]
        km = wo.sort_values(["next_service_date", "open_date"]).drop_duplicates("vin", keep="last")
        km_of = km.set_index("vin")["next_service_km"].to_dict()
    out = []
    for row, due, person in zip(rows, frame["due"], frame["person"]):
        km = [km_of.get(row[0])] if with_km else []
        out.append([*row, due, *km, data.staff_name(person)])
    return out


#: The columns a vehicle row reads of the vehicle file and of the vehicle's last settled job.
_VEHICLE_READS = ("vin", "plate", "model", "customer_name", "customer_phone", "insurer", "insurance_expiry")
_JOB_READS = ("vin", "plate", "customer_name", "customer_phone", "close_date", "next_service_date", "next_service_km")


class _Vehicles:
    """The record of each vehicle of ``vins`` and its last settled job up to the month's end,
    looked up once for all of the report's vehicle lists."""

    def __init__(self, data: ReportData, vins: set[str]) -> None:
        vehicles = data.store.table("vehicles")
        self.records = records_by(vehicles[vehicles["vin"].isin(vins)], "vin", _VEHICLE_READS)
        wo = data.store.table("work_orders")
        settled = wo[(wo["status"] == "settled") & wo["close_date"].notna() & (wo["close_date"] <= data.end)
                     & wo["vin"].isin(vins)]
        # The last settled job of each VIN (stable: of two on one day, the later row).
        self.last = records_by(settled.sort_values("close_date", kind="stable").iloc[::-1], "vin", _JOB_READS)

    def rows(self, vins: list[str], extra: list[str]) -> list[list[Any]]:
        rows = []
        for vin in vins:
            rec = self.records.get(vin, {})
            job = self.last.get(vin, {})
            values = {
                "plate": rec.get("plate") or job.get("plate"), "model": rec.get("model"),
                "customer_name": rec.get("customer_name") or job.get("customer_name"),
                "customer_phone": rec.get("customer_phone") or job.get("customer_phone"),
                "last_visit": job.get("close_date"), "next_service_date": job.get("next_service_date"),
                "next_service_km": job.get("next_service_km"), "insurer": rec.get("insurer"),
                "insurance_expiry": rec.get("insurance_expiry"),
            }
            rows.append([vin, values["plate"], values["model"], values["customer_name"], values["customer_phone"],
                         *(values[k] for k in extra)])
        return rows


_VEHICLE_COLS = [Column("vin", col_label("vehicles", "vin")), Column("plate", col_label("vehicles", "plate")),
                 Column("model", col_label("vehicles", "model")), Column("customer", col_label("vehicles", "customer_name")),
                 Column("phone", col_label("vehicles", "customer_phone"))]
_LAST = Column("last_visit", Text("Last visit", "最近进厂"), "date")
#: The work lists of vehicles (their ids are VINs), printed with the vehicle's record.
_VEHICLE_LISTS = ("maintenance_due", "lapsed", "churned", "renewals_due", "first_service_due", "warranty_expiring")


def context(data: ReportData) -> Context:
    """Fill values for the customer care template from the KPI result's lists."""
    ctx = data.base_context()
    ctx.labels.update(LABELS)
    s = data.store.settings
    ctx.values["lapsed_title"] = LABELS["lapsed"](data.locale, m=s.lapsed_months)
    ctx.values["churned_title"] = LABELS["churned"](data.locale, m=s.churn_months)
    lists = data.kpis.get("lists", {})
    wo = data.store.table("work_orders").drop_duplicates("wo_no").set_index("wo_no")
    cars = data.store.table("vehicles").drop_duplicates("vin").set_index("vin")
    follow = []
    for no in lists.get("followups_due", []):
        r = wo.loc[no]
        car: dict[str, Any] = cars.loc[r["vin"]].to_dict() if r["vin"] in cars.index else {}
        due = r["close_date"] + pd.Timedelta(days=s.followup_window_days)
        # The job's own customer, else the vehicle's (a job may carry only the VIN).
        follow.append([no, r["close_date"], due, r["plate"] or car.get("plate"),
                       r["customer_name"] or car.get("customer_name"), r["customer_phone"] or car.get("customer_phone"),
                       data.staff_name(r["advisor_id"])])
    ctx.tables["followups_due"] = Table(
        [Column("wo_no", col_label("work_orders", "wo_no")), Column("close_date", col_label("work_orders", "close_date"), "date"),
         Column("due", Text("Call due by", "应回访日期"), "date"), Column("plate", col_label("work_orders", "plate")),
         Column("customer", col_label("work_orders", "customer_name")),
         Column("phone", col_label("work_orders", "customer_phone")), Column("advisor", col_label("work_orders", "advisor_id"))],
        follow)
    # Issue 13: every vehicle list in the work lists' order (due date, person, VIN), with the due
    # date that selected the vehicle and the person who calls.
    frames = data.care_lists
    known = _Vehicles(data, {str(v) for name in _VEHICLE_LISTS for v in frames[name]["id"]})
    ctx.tables["maintenance_due"] = Table(
        _VEHICLE_COLS + [Column("next_service_date", col_label("work_orders", "next_service_date"), "date"),
                         Column("next_service_km", col_label("work_orders", "next_service_km"), "count"), _PERSON],
        _due_rows(data, known, frames["maintenance_due"], [], with_km=True))
    ctx.tables["lapsed"] = Table(_VEHICLE_COLS + [_LAST, _PERSON], _due_rows(data, known, frames["lapsed"], []))
    ctx.tables["churned"] = Table(_VEHICLE_COLS + [_LAST, _PERSON], _due_rows(data, known, frames["churned"], []))
    ctx.tables["renewals_due"] = Table(
        _VEHICLE_COLS + [Column("insurer", col_label("vehicles", "insurer")),
                         Column("insurance_expiry", col_label("vehicles", "insurance_expiry"), "date"), _PERSON],
        _due_rows(data, known, frames["renewals_due"], ["insurer"]))
    _issue_11(ctx, data, known)
    return ctx


def _issue_11(ctx: Context, data: ReportData, known: _Vehicles) -> None:
    """Every list printed in full, the renewal's outcome, first services, warranties, complaints."""
    loc = data.locale
    frames = data.care_lists
    renewals = data.store.table("renewals").sort_values("expiry_date", kind="stable")
    # Looked up per row in dicts (pandas' .loc and .at cost tens of microseconds a lookup).
    latest = renewals.drop_duplicates("vin", keep="last").set_index("vin")["outcome"].to_dict()
    table = ctx.tables["renewals_due"]
    table.columns.insert(len(table.columns) - 1, Column("outcome", col_label("renewals", "outcome")))
    for row in table.rows:
        row.insert(len(row) - 1, enum_label("renewals", "outcome", latest[row[0]], loc) if row[0] in latest else None)
    for name in ("first_service_due", "warranty_expiring"):
        f = frames[name].set_index("id")
        due, person = f["due"].to_dict(), f["person"].to_dict()
        rows = known.rows(list(f.index), [])
        ctx.tables[name] = Table(_VEHICLE_COLS + [_DUE, _PERSON],
                                 [r + [due[r[0]], data.staff_name(person[r[0]])] for r in rows])
    cp = data.store.table("complaints").drop_duplicates("complaint_id").set_index("complaint_id")
    rows = []
    for r in frames["complaints_open"].itertuples():
        c = cp.loc[r.id]
        rows.append([r.id, c["received_date"], r.due, enum_label("complaints", "category", c["category"], loc),
                     c["wo_no"], c["vin"], c["customer_name"], c["description"], data.staff_name(r.person)])
    ctx.tables["complaints_open"] = Table(
        [Column("complaint_id", col_label("complaints", "complaint_id")),
         Column("received_date", col_label("complaints", "received_date"), "date"), _DUE,
         Column("category", col_label("complaints", "category")), Column("wo_no", col_label("complaints", "wo_no")),
         Column("vin", col_label("complaints", "vin")), Column("customer", col_label("complaints", "customer_name")),
         Column("description", col_label("complaints", "description")),
         Column("owner", col_label("complaints", "owner_id"))], rows)


"""Differential test: a second, deliberately naive implementation of the KPIs that the LibreOffice
cross-check (tests/test_dashboard.py) cannot express as formulas, the receivable aging, the
technician, advisor and team tables and the customer care lists, written from KPIS.md alone.

Plain loops over the records of the typed tables (``addin.tables.table_records``), the calendar
from the standard library, no code shared with addin/kpis.py or addin/stock.py. It runs on the
small demo store (13 months) for two periods and on tests/test_kpis.py's hand-made store (the
edge cases the demo lacks), both valuation methods, and must agree with
:func:`addin.kpis.compute_kpis` to 1e-6; the valuation alone is also compared on generated
ledgers.

Where KPIS.md leaves room, this file follows the choices documented in addin/kpis.py's module
docstring (book quantity before the count is posted, first inflow of any type as "received",
positive outstanding only in receivables, blank ``active`` = active, blank safety_stock = no
minimum, comebacks charged over billed labor lines).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin import demo
from addin.kpis import compute_kpis
from addin.store import Store
from addin.tables import table_records

IN = ("receipt", "return_to_stock", "stocktake_gain")
OUT = ("issue", "counter_sale", "return_to_supplier", "stocktake_loss")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


# -- plain calendar ------------------------------------------------------------------------------

def _day(value):
    if value is None:
        return None
    return value.date() if isinstance(value, dt.datetime) else value


def month_bounds(period):
    y, m = int(period[:4]), int(period[5:])
    return dt.date(y, m, 1), dt.date(y, m, calendar.monthrange(y, m)[1])


def minus_months(day, months):
    """Calendar arithmetic; a missing day becomes the target month's last day."""
    index = day.year * 12 + day.month - 1 - months
    y, m = index // 12, index % 12 + 1
    return dt.date(y, m, min(day.day, calendar.monthrange(y, m)[1]))


def ratio(num, den):
    return None if den == 0 else num / den


# -- naive stock valuation -----------------------------------------------------------------------

def valuate(ledger, method):
    """Every valued movement as a dict (the record plus ``cost``) in processing order, and the
    history of each part's (date, qty, value) after every movement."""
    rows = [(m["txn_date"], i, m) for i, m in enumerate(ledger)
            if m["txn_date"] and m["part_no"] and m["txn_type"] in IN + OUT and (m["qty"] or 0) > 0]
    rows.sort(key=lambda r: (r[0], r[1]))
    layers = defaultdict(list)          # fifo: [[qty, unit], ...] oldest first
    qty = defaultdict(float)            # moving average: quantity
    avg = defaultdict(float)            # moving average: unit cost
    last_receipt = defaultdict(float)
    issued = defaultdict(lambda: [0.0, 0.0])
    valued, history = [], defaultdict(list)

    def held(part):
        return sum(q for q, _ in layers[part]) if method == "fifo" else qty[part]

    def value(part):
        return sum(q * u for q, u in layers[part]) if method == "fifo" else qty[part] * avg[part]

    def current_average(part):
        h = held(part)
        if h <= 1e-9:
            return last_receipt[part]
        return value(part) / h if method == "fifo" else avg[part]

    for day, _, m in rows:
        part, kind, q = m["part_no"], m["txn_type"], m["qty"]
        if kind in IN:
            if kind == "receipt":
                unit = m["unit_cost"] or 0.0
                last_receipt[part] = unit
            elif kind == "return_to_stock" and issued[(part, m["wo_no"])][0] > 0:
                iq, ic = issued[(part, m["wo_no"])]
                unit = ic / iq
            else:
                unit = current_average(part)
            if method == "fifo":
                layers[part].append([q, unit])
            else:
                avg[part] = (qty[part] * avg[part] + q * unit) / (qty[part] + q)
                qty[part] += q
            cost = q * unit
        else:
            assert held(part) >= q - 1e-9, f"the demo store never goes below zero ({m['txn_id']})"
            if method == "fifo":
                need, cost = q, 0.0
                while need > 1e-9:
                    layer = layers[part][0]
                    take = min(layer[0], need)
                    cost += take * layer[1]
                    layer[0] -= take
                    need -= take
                    if layer[0] <= 1e-9:
                        layers[part].pop(0)
            else:
                cost = q * avg[part]
                qty[part] -= q
            if kind == "issue" and m["wo_no"]:
                issued[(part, m["wo_no"])][0] += q
                issued[(part, m["wo_no"])][1] += cost
        valued.append({**m, "cost": cost})
        history[part].append((day, held(part), value(part)))
    return valued, history


def stock_at(history, day):
    """{part: (qty, value)} at the end of ``day``."""
    out = {}
    for part, states in history.items():
        before = [s for s in states if s[0] <= day]
        if before:
            out[part] = (before[-1][1], before[-1][2])
    return out


# -- the KPIs ------------------------------------------------------------------------------------

def naive_kpis(t, settings, period, method):
    start, end = month_bounds(period)
    valued, history = valuate(t["parts_ledger"], method)
    ex_tax = (lambda x: x / (1 + settings.tax_rate)) if settings.prices_include_tax else (lambda x: x)
    roster = {}
    for r in t["roster"]:
        roster.setdefault(r["staff_id"], r)

    # Issue 11: a job's followup_date and csi_score fall back to its first reached call.
    first_call = {}
    for f in sorted((f for f in t["followups"] if f["reached"] is True and f["call_date"]), key=lambda f: f["call_date"]):
        first_call.setdefault(f["wo_no"], f)
    jobs = []
    for w in t["work_orders"]:
        f = first_call.get(w["wo_no"])
        if f:
            w = {**w, "followup_date": w["followup_date"] or f["call_date"],
                 "csi_score": w["csi_score"] if w["csi_score"] is not None else f["satisfaction"]}
        jobs.append(w)
    t = {**t, "work_orders": jobs}
    named = {c["wo_no"] for c in t["complaints"] if c["wo_no"]}

    def complained(w):
        return w["complaint"] is True or w["wo_no"] in named

    S = [w for w in t["work_orders"] if w["status"] == "settled" and w["close_date"] and start <= w["close_date"] <= end]
    O = [w for w in t["work_orders"] if w["open_date"] and start <= w["open_date"] <= end and w["status"] != "cancelled"]
    s_nos = {w["wo_no"] for w in S}
    o_nos = {w["wo_no"] for w in O}
    billed = [ln for ln in t["wo_lines"] if ln["wo_no"] in s_nos and ln["declined"] is not True]

    def amount(ln):
        return ex_tax(ln["qty"] * ln["unit_price"] * (1 - (ln["discount_pct"] or 0)))

    def piece(ln):
        r = roster.get(ln["technician_id"])
        return ln["qty"] * ((r["piece_rate"] if r else None) or 0)

    def job_cost(wo_no, upto=None):
        total = 0.0
        for m in valued:
            if m["wo_no"] == wo_no and (upto is None or m["txn_date"] <= upto):
                if m["txn_type"] == "issue":
                    total += m["cost"]
                elif m["txn_type"] == "return_to_stock":
                    total -= m["cost"]
        return total

    k = {}
    revenue = sum(amount(ln) for ln in billed)
    k["parts_cost"] = sum(job_cost(n) for n in s_nos)
    k["labor_cost"] = sum(piece(ln) for ln in billed if ln["line_type"] == "labor")
    k["sublet_cost"] = sum(ln["cost"] or 0 for ln in billed if ln["line_type"] == "sublet")
    k["gross_profit"] = revenue - k["parts_cost"] - k["labor_cost"] - k["sublet_cost"]
    k["gross_margin"] = ratio(k["gross_profit"], revenue)

    cogs = 0.0
    for m in valued:
        if start <= m["txn_date"] <= end:
            cogs += {"issue": 1, "counter_sale": 1, "return_to_stock": -1}.get(m["txn_type"], 0) * m["cost"]
    k["parts_cogs"] = cogs
    close = stock_at(history, end)
    k["stock_value_open"] = sum(v for _, v in stock_at(history, start - dt.timedelta(days=1)).values())
    k["stock_value_close"] = sum(v for _, v in close.values())
    average = (k["stock_value_open"] + k["stock_value_close"]) / 2
    k["stock_turnover"] = ratio(cogs * 12, average)
    k["stock_days"] = None if cogs == 0 else average / (cogs / end.day)

    def aged(days):
        cut = end - dt.timedelta(days=days)
        total = 0.0
        for part, (q, v) in close.items():
            if q <= 0:
                continue
            mine = [m for m in valued if m["part_no"] == part and m["txn_date"] <= end]
            outs = [m["txn_date"] for m in mine if m["txn_type"] in ("issue", "counter_sale")]
            if outs:
                if max(outs) <= cut:
                    total += v
            elif min(m["txn_date"] for m in mine if m["txn_type"] in IN) <= cut:
                total += v
        return total

    k["slow_moving_value"] = aged(settings.slow_moving_days)
    k["obsolete_value"] = aged(settings.obsolete_days)
    seen, below = set(), 0
    for p in t["parts"]:
        if p["part_no"] in seen:
            continue
        seen.add(p["part_no"])
        if p["active"] is not False and p["safety_stock"] is not None:
            below += close.get(p["part_no"], (0.0, 0.0))[0] < p["safety_stock"]
    k["below_safety_count"] = below

    cohort = minus_months(start, settings.first_service_months)
    cohort_end = dt.date(cohort.year, cohort.month, calendar.monthrange(cohort.year, cohort.month)[1])
    sold = {v["vin"] for v in t["vehicles"] if v["sale_date"] and cohort <= v["sale_date"] <= cohort_end}
    served = {w["vin"] for w in t["work_orders"] if w["status"] == "settled" and w["first_service"] is True
              and w["close_date"] and w["close_date"] <= end}
    k["first_service_rate"] = ratio(len(sold & served), len(sold))

    claims, seen = [], set()
    for c in t["claims"]:
        if c["claim_no"] not in seen:
            seen.add(c["claim_no"])
            claims.append(c)
    decided = [c for c in claims if c["decided_date"] and start <= c["decided_date"] <= end]
    k["claim_rejection_rate"] = ratio(sum(c["status"] == "rejected" for c in decided), len(decided))
    waits = []
    for c in claims:
        if c["approved_amount"] is None or c["submitted_date"] is None:
            continue
        pays = sorted((p["paid_date"], p["amount"]) for p in t["claim_payments"] if p["claim_no"] == c["claim_no"])
        paid = 0.0
        for i, (day, amount_) in enumerate(pays):
            paid += amount_
            last_of_day = i + 1 == len(pays) or pays[i + 1][0] != day
            if last_of_day and paid >= c["approved_amount"] - 1e-6:
                if start <= day <= end:
                    waits.append((day - c["submitted_date"]).days)
                break
    k["claim_days_to_pay"] = sum(waits) / len(waits) if waits else None

    edges = sorted(int(e) for e in settings.aging_buckets)
    aging = {ct: defaultdict(float) for ct in ("warranty", "insurance")}
    receivables = 0.0
    for c in claims:
        if not c["submitted_date"] or c["submitted_date"] > end or c["status"] in ("draft", "rejected", "closed"):
            continue
        base = c["approved_amount"] if c["approved_amount"] is not None else c["claimed_amount"]
        out = base - sum(p["amount"] for p in t["claim_payments"]
                         if p["claim_no"] == c["claim_no"] and p["paid_date"] <= end)
        if out <= 0:
            continue
        receivables += out
        age = (end - c["submitted_date"]).days
        low, key = 0, f"{edges[-1]}+"
        for e in edges:
            if age <= e:
                key = f"{low}-{e}"
                break
            low = e + 1
        aging[c["claim_type"]][key] += out
    k["receivables"] = receivables

    requested = sum(1 for b in t["backorders"] if start <= b["request_date"] <= end)
    part_lines = sum(1 for ln in t["wo_lines"] if ln["wo_no"] in o_nos and ln["line_type"] == "part"
                     and ln["declined"] is not True)
    k["fill_rate"] = None if part_lines == 0 else 1 - requested / part_lines

    counts = [s for s in t["stocktake"] if start <= s["count_date"] <= end]
    right = 0
    for s in counts:
        book = 0.0
        for m in valued:
            if m["part_no"] != s["part_no"] or m["txn_date"] > s["count_date"]:
                continue
            if m["txn_date"] == s["count_date"] and m["txn_type"] in ("stocktake_gain", "stocktake_loss"):
                continue  # the count's own posting
            book += m["qty"] if m["txn_type"] in IN else -m["qty"]
        right += abs(book - s["counted_qty"]) <= 1e-9
    k["stocktake_accuracy"] = ratio(right, len(counts))

    wip = [w for w in t["work_orders"] if w["open_date"] and w["open_date"] <= end and w["status"] != "cancelled"
           and not (w["status"] == "settled" and w["close_date"] and w["close_date"] <= end)]
    k["wip_count"] = len(wip)
    k["wip_parts_value"] = sum(job_cost(n, end) for n in {w["wo_no"] for w in wip})

    on_duty = [r for r in t["roster"] if r["hire_date"] and r["hire_date"] <= end
               and (r["leave_date"] is None or r["leave_date"] >= end)]
    planned = defaultdict(float)
    for p in t["positions"]:
        if p["planned"] is not None:
            planned[p["role"]] += p["planned"]
    # issue 12: a post held in also_roles is filled (each member once per role)
    k["vacancies"] = sum(max(n - sum(role in naive_roles(r) for r in on_duty), 0) for role, n in planned.items())

    last = {}
    for w in t["work_orders"]:
        if w["status"] == "settled" and w["close_date"] and w["close_date"] <= end and w["vin"]:
            last[w["vin"]] = max(last.get(w["vin"], w["close_date"]), w["close_date"])
    churn_cut = minus_months(end, settings.churn_months)
    k["churn_rate"] = ratio(sum(d < churn_cut for d in last.values()), len(last))

    # Issue 18: delivery on time, days in the workshop, the appointments register.
    promised = [w for w in S if w["promised_date"] is not None]
    k["on_time_rate"] = ratio(sum(w["close_date"] <= w["promised_date"] for w in promised), len(promised))
    k["turnaround_days"] = ratio(sum((w["close_date"] - w["open_date"]).days for w in S), len(S))
    appts, seen_appt = [], set()
    for a in t["appointments"]:
        if a["appt_id"] not in seen_appt:
            seen_appt.add(a["appt_id"])
            appts.append(a)
    in_p = [a for a in appts if a["appt_date"] and start <= a["appt_date"] <= end]
    k["appointments_booked"] = sum(a["status"] != "cancelled" for a in in_p)
    shown = sum(a["status"] == "arrived" for a in in_p)
    k["appointment_show_rate"] = ratio(shown, shown + sum(a["status"] == "no_show" for a in in_p))
    came = {a["wo_no"] for a in t["appointments"] if a["status"] == "arrived" and a["wo_no"]}
    k["appointment_rate"] = ratio(sum(w["appointment"] is True or w["wo_no"] in came for w in O), len(O))

    # Issue 11: the registers' KPIs and the changed ones.
    scores = [w["csi_score"] for w in S if w["csi_score"] is not None]
    k["csi"] = ratio(sum(scores), len(scores))
    k["csi_responses"] = len(scores)
    k["followup_rate"] = ratio(sum(w["followup_date"] is not None and (w["followup_date"] - w["close_date"]).days
                                   <= settings.followup_window_days for w in S), len(S))
    k["complaint_rate"] = ratio(sum(complained(w) for w in S), len(S))
    received = [c for c in t["complaints"] if c["received_date"] and start <= c["received_date"] <= end]
    k["complaints_received"] = len(received)
    k["complaint_resolution_rate"] = ratio(sum(c["resolved_date"] is not None and (c["resolved_date"] - c["received_date"]).days
                                               <= settings.complaint_resolve_days for c in received), len(received))
    still_open = [c for c in t["complaints"] if c["received_date"] and c["received_date"] <= end
                  and not (c["resolved_date"] and c["resolved_date"] <= end)]
    k["complaints_open"] = len(still_open)
    due = [r for r in t["renewals"] if r["expiry_date"] and start <= r["expiry_date"] <= end]
    k["renewals_due_count"] = len(due)
    k["renewal_rate"] = ratio(sum(r["outcome"] == "renewed" for r in due), len(due))
    accessory_parts = {p["part_no"] for p in t["parts"] if p["category"] == "accessory"}
    k["accessory_units"] = sum(ln["qty"] for ln in billed if ln["line_type"] == "accessory") + sum(
        m["qty"] for m in t["parts_ledger"] if m["txn_type"] == "counter_sale" and m["part_no"] in accessory_parts
        and m["txn_date"] and start <= m["txn_date"] <= end)
    paid_by_end = defaultdict(float)
    for p in t["claim_payments"]:
        if p["claim_no"] and p["paid_date"] and p["amount"] is not None and p["paid_date"] <= end:
            paid_by_end[p["claim_no"]] += p["amount"]
    short = {}
    for c in t["claims"]:
        if c["status"] == "closed" and c["decided_date"] and start <= c["decided_date"] <= end:
            base = c["approved_amount"] if c["approved_amount"] is not None else c["claimed_amount"]
            short[c["claim_no"]] = max(base - paid_by_end[c["claim_no"]], 0)
    k["claims_written_off"] = sum(short.values())

    # customer care lists, each sorted by due date, then person, then id
    advisor_of = {}
    for w in sorted((w for w in t["work_orders"] if w["status"] != "cancelled" and w["open_date"]
                     and w["open_date"] <= end and w["vin"]), key=lambda w: w["open_date"]):
        advisor_of[w["vin"]] = w["advisor_id"]

    def worked(rows):
        """rows: (id, due, person) -> ids in working order (blank dates and persons last)."""
        rows = sorted(rows, key=lambda r: (r[1] is None, r[1] or dt.date.min, r[2] is None, r[2] or "", r[0]))
        return [r[0] for r in rows]

    lapsed_cut = minus_months(end, settings.lapsed_months)
    next_first = end + dt.timedelta(days=1)
    next_last = dt.date(next_first.year, next_first.month, calendar.monthrange(next_first.year, next_first.month)[1])
    latest_next = {}
    for w in t["work_orders"]:
        if w["status"] != "cancelled" and w["open_date"] and w["open_date"] <= end and w["vin"] and w["next_service_date"]:
            latest_next[w["vin"]] = max(latest_next.get(w["vin"], w["next_service_date"]), w["next_service_date"])
    renew_by = end + dt.timedelta(days=settings.renewal_lead_days)
    window = dt.timedelta(days=settings.followup_window_days)
    first_served = {w["vin"] for w in t["work_orders"] if w["status"] == "settled" and w["first_service"] is True
                    and w["close_date"] and w["close_date"] <= end}
    oldest_sale = minus_months(end, settings.first_service_months + 3)
    vehicles = {}
    for v in t["vehicles"]:
        vehicles.setdefault(v["vin"], v)
    lists = {
        "followups_due": worked((w["wo_no"], w["close_date"] + window, w["advisor_id"]) for w in S
                                if w["followup_date"] is None and w["close_date"] + window < end
                                and w["repair_type"] not in ("pdi", "internal")),
        "maintenance_due": worked((v, d, advisor_of.get(v)) for v, d in latest_next.items() if next_first <= d <= next_last),
        "lapsed": worked((v, d, advisor_of.get(v)) for v, d in last.items() if churn_cut <= d <= lapsed_cut),
        "churned": worked((v, d, advisor_of.get(v)) for v, d in last.items() if d < churn_cut),
        "renewals_due": worked((v["vin"], v["insurance_expiry"], advisor_of.get(v["vin"])) for v in vehicles.values()
                               if v["insurance_expiry"] and end < v["insurance_expiry"] <= renew_by),
        "first_service_due": worked(
            (v["vin"], minus_months(v["sale_date"], -settings.first_service_months), advisor_of.get(v["vin"]))
            for v in vehicles.values() if v["sale_date"] and oldest_sale <= v["sale_date"] <= end
            and minus_months(v["sale_date"], -settings.first_service_months) <= next_last
            and v["vin"] not in first_served),
        "warranty_expiring": worked(
            (v["vin"], v["warranty_end_date"], advisor_of.get(v["vin"])) for v in vehicles.values()
            if v["warranty_end_date"] and end < v["warranty_end_date"] <= end + dt.timedelta(days=settings.warranty_notice_days)),
        "complaints_open": worked((c["complaint_id"], c["received_date"] + dt.timedelta(days=settings.complaint_resolve_days),
                                   c["owner_id"]) for c in still_open),
    }
    # the claims work-list
    closed_on = {w["wo_no"]: w["close_date"] for w in reversed(t["work_orders"])}

    def on_by(day):
        return day is not None and day <= end

    claim_rows = {name: [] for name in ("claims_to_submit", "claims_awaiting_decision", "claims_parts_due",
                                        "claims_unpaid", "claims_written_off")}
    for c in {c["claim_no"]: c for c in reversed(t["claims"])}.values():
        who = c["handler_id"]
        if not on_by(c["submitted_date"]) and c["status"] and closed_on.get(c["wo_no"]):
            submit_by = closed_on[c["wo_no"]] + dt.timedelta(days=settings.claim_submit_days)
            if submit_by < end:
                claim_rows["claims_to_submit"].append((c["claim_no"], submit_by, who))
        if on_by(c["submitted_date"]) and c["status"] != "closed" and (not on_by(c["decided_date"]) or c["status"] == "resubmitted"):
            decide_by = c["submitted_date"] + dt.timedelta(days=settings.claim_decision_days)
            if decide_by < end:
                claim_rows["claims_awaiting_decision"].append((c["claim_no"], decide_by, who))
        if c["parts_return_required"] is True and on_by(c["decided_date"]) and not on_by(c["parts_returned_date"]):
            back_by = c["decided_date"] + dt.timedelta(days=30)
            if back_by < end:
                claim_rows["claims_parts_due"].append((c["claim_no"], back_by, who))
        if on_by(c["decided_date"]) and c["approved_amount"] is not None and c["status"] not in ("rejected", "resubmitted", "closed") \
                and c["approved_amount"] - paid_by_end[c["claim_no"]] > 1e-6:
            claim_rows["claims_unpaid"].append((c["claim_no"], c["decided_date"], who))
        if short.get(c["claim_no"], 0) > 1e-6:
            claim_rows["claims_written_off"].append((c["claim_no"], c["decided_date"], who))
    lists.update({name: worked(rows) for name, rows in claim_rows.items()})
    # issue 18: arrived more than backorder_notify_days before the end, not told by the end
    job_advisor = {w["wo_no"]: w["advisor_id"] for w in reversed(t["work_orders"])}
    notify = dt.timedelta(days=settings.backorder_notify_days)
    lists["backorders_to_notify"] = worked(
        (b["bo_id"], b["arrived_date"] + notify, job_advisor.get(b["wo_no"])) for b in t["backorders"]
        if b["arrived_date"] and b["arrived_date"] + notify < end and not on_by(b["notified_date"]))

    # technicians
    workdays = {DAYS.index(d) for d in settings.work_weekdays}
    techs = {}
    for ln in billed:
        if ln["line_type"] != "labor" or ln["technician_id"] not in roster:
            continue
        row = techs.setdefault(ln["technician_id"], {"flag_hours": 0.0, "labor_revenue": 0.0, "piece_pay": 0.0,
                                                     "actual_hours": 0.0, "timed_flag": 0.0})
        row["flag_hours"] += ln["qty"]
        row["labor_revenue"] += amount(ln)
        row["piece_pay"] += piece(ln)
        if ln["actual_hours"] is not None:
            row["actual_hours"] += ln["actual_hours"]
            row["timed_flag"] += ln["qty"]
    worked_on = defaultdict(set)  # original wo_no -> technicians with a billed labor line on it
    for ln in t["wo_lines"]:
        if ln["line_type"] == "labor" and ln["declined"] is not True and ln["technician_id"]:
            worked_on[ln["wo_no"]].add(ln["technician_id"])
    comebacks = defaultdict(set)
    for w in S:
        if w["rework_of"]:
            for tech in worked_on[w["rework_of"]]:
                comebacks[tech].add(w["wo_no"])
    technicians = []
    for sid in sorted(techs):
        row, r = techs[sid], roster[sid]
        days = 0
        day = start
        while day <= end:
            if day.weekday() in workdays and r["hire_date"] and r["hire_date"] <= day and (
                    r["leave_date"] is None or day <= r["leave_date"]):
                days += 1
            day += dt.timedelta(days=1)
        available = days * (r["daily_hours"] if r["daily_hours"] is not None else 8)
        technicians.append({
            "staff_id": sid, "flag_hours": row["flag_hours"], "labor_revenue": row["labor_revenue"],
            "piece_pay": row["piece_pay"], "actual_hours": row["actual_hours"],
            "efficiency": ratio(row["timed_flag"], row["actual_hours"]), "available_hours": available,
            "productivity": ratio(row["actual_hours"], available),
            "proficiency": ratio(row["flag_hours"], available), "comebacks": len(comebacks[sid]),
        })
    # advisors and teams
    all_s_lines = [ln for ln in t["wo_lines"] if ln["wo_no"] in s_nos]
    advisors = []
    for a in sorted({w["advisor_id"] for w in S + O if w["advisor_id"]}):
        mine = [w for w in S if w["advisor_id"] == a]
        nos = {w["wo_no"] for w in mine}
        rev = sum(amount(ln) for ln in billed if ln["wo_no"] in nos)
        scores = [w["csi_score"] for w in mine if w["csi_score"] is not None]
        advisors.append({
            "staff_id": a, "entries": sum(w["advisor_id"] == a for w in O), "settled_ros": len(mine),
            "revenue": rev, "revenue_per_ro": ratio(rev, len(mine)),
            "declined_amount": sum(amount(ln) for ln in all_s_lines if ln["wo_no"] in nos and ln["declined"] is True),
            "csi": sum(scores) / len(scores) if scores else None,
            "complaint_rate": ratio(sum(complained(w) for w in mine), len(mine)),
        })
    teams = []
    for team in sorted({w["team"] for w in S if w["team"]}):
        mine = [w for w in S if w["team"] == team]
        nos = {w["wo_no"] for w in mine}
        labor = [ln for ln in billed if ln["wo_no"] in nos and ln["line_type"] == "labor"]
        teams.append({
            "team": team, "settled_ros": len(mine), "flag_hours": sum(ln["qty"] for ln in labor),
            "labor_revenue": sum(amount(ln) for ln in labor),
            "comeback_rate": ratio(sum(w["rework_of"] is not None for w in mine), len(mine)),
            "qc_first_pass_rate": ratio(sum(w["qc_first_pass"] is True for w in mine),
                                        sum(w["qc_first_pass"] is not None for w in mine)),
        })
    tables = {"technicians": technicians, "advisors": advisors, "teams": teams}
    scores = [w["csi_score"] for w in S if w["csi_score"] is not None]
    qc = [w["qc_first_pass"] for w in S if w["qc_first_pass"] is not None]
    comeback = ratio(sum(w["rework_of"] is not None for w in S), len(S))
    booked = {a["wo_no"] for a in t.get("appointments", []) if a.get("status") == "arrived"}
    plain = {
        "revenue": revenue, "settled_ros": len(S), "entries": len(O),
        "insurance_revenue": sum(amount(ln) for ln in billed if ln["pay_type"] == "insurance"),
        "csi": sum(scores) / len(scores) if scores else None,
        "comeback_rate": comeback, "first_time_fix_rate": None if comeback is None else 1 - comeback,
        "qc_first_pass_rate": ratio(sum(q is True for q in qc), len(qc)),
        "followup_rate": ratio(sum(w["followup_date"] is not None and (w["followup_date"] - w["close_date"]).days
                                   <= settings.followup_window_days for w in S), len(S)),
        "appointment_rate": ratio(sum(w["appointment"] is True or w["wo_no"] in booked for w in O), len(O)),
    }
    naive_workshop(t, settings, start, end, on_duty, k, lists, tables, plain)
    return k, {ct: dict(b) for ct, b in aging.items()}, tables, lists


# -- issue 12: the workshop and its people --------------------------------------------------------

def _fold(text):
    return "".join(str(text).split()).casefold()


def naive_roles(r):
    """Own role plus the roles named in also_roles (keys, labels or synonyms; , ， ; ； 、)."""
    from addin.models import ROLE_SYNONYMS, Role

    names = {}
    for key, (en, zh) in Role.labels().items():
        for form in (key, en, zh, key.replace("_", " ")):
            names[_fold(form)] = key
    for key, forms in ROLE_SYNONYMS.items():
        for form in forms:
            names.setdefault(_fold(form), key)
    roles = {r["role"]} if r["role"] else set()
    text = r.get("also_roles") or ""
    for sep in "，;；、":
        text = text.replace(sep, ",")
    roles |= {names[_fold(p)] for p in text.split(",") if _fold(p) in names}
    return roles


def _plus_months(day, months):
    return minus_months(day, -months)


def naive_workshop(t, settings, start, end, on_duty, k, lists, tables, plain):
    """The KPIs, lists and scorecards of issue 12; ``plain`` holds the department figures that
    the LibreOffice cross-check covers and the demo's appraisal weights name."""
    k["concurrent"] = sum(bool(naive_roles(r) - {r["role"]}) for r in on_duty)
    before = start - dt.timedelta(days=1)
    on_before = [r for r in t["roster"] if r["hire_date"] and r["hire_date"] <= before
                 and (r["leave_date"] is None or r["leave_date"] >= before)]
    left = [r for r in t["roster"] if r["leave_date"] and start <= r["leave_date"] <= end]
    k["staff_turnover"] = ratio(len(left), (len(on_before) + len(on_duty)) / 2)
    k["loaners_out"] = sum(1 for x in t["loaners"] if x["out_date"] and x["out_date"] <= end
                           and (x["return_date"] is None or x["return_date"] > end))
    k["training_hours"] = sum(x["hours"] or 0 for x in t["training"] if start <= x["date"] <= end)

    late = [x for x in t["tool_loans"] if x["due_date"] and x["due_date"] < end
            and (x["returned_date"] is None or x["returned_date"] > end)]
    lists["loans_overdue"] = [x["loan_id"] for x in sorted(late, key=lambda x: (x["due_date"], x["staff_id"],
                                                                                 x["loan_id"]))]
    nm_first = end + dt.timedelta(days=1)
    nm_last = dt.date(nm_first.year, nm_first.month, calendar.monthrange(nm_first.year, nm_first.month)[1])
    due = []
    for e in t["equipment"]:
        if e["calibration_months"] is None or e["status"] not in (None, "in_use"):
            continue
        when = dt.date.min if e["last_calibrated"] is None else _plus_months(e["last_calibrated"],
                                                                              int(e["calibration_months"]))
        if when <= nm_last:
            due.append((when, e["custodian_id"] or "", e["asset_id"]))
    lists["calibration_due"] = [a for _, _, a in sorted(due)]

    # scorecards
    cap = settings.appraisal_cap
    lower = {"declined_amount", "parts_cost", "labor_cost", "sublet_cost", "comeback_rate", "complaint_rate",
             "claim_rejection_rate", "claim_days_to_pay", "receivables", "stock_days", "slow_moving_value",
             "obsolete_value", "slow_moving_ratio", "below_safety_count", "wip_count", "wip_parts_value",
             "vacancies", "staff_turnover", "churn_rate", "turnaround_days", "complaints_received",
             "complaints_open", "claims_written_off", "loaners_out", "comebacks"}
    tech = {r["staff_id"]: r for r in tables["technicians"]}
    adv = {r["staff_id"]: r for r in tables["advisors"]}
    rows = {}
    for w in t["appraisal_weights"]:
        if w["weight"] and w["weight"] > 0 and (w["role"], w["kpi"]) not in rows:
            rows[(w["role"], w["kpi"])] = w
    cards, teams = [], defaultdict(list)
    for r in sorted({r["staff_id"]: r for r in on_duty}.values(), key=lambda r: r["staff_id"]):
        mine = [w for (role, _), w in rows.items() if role == r["role"]]
        if not mine:
            continue
        items = []
        for w in mine:
            kpi = w["kpi"]
            if r["role"] in ("technician", "team_leader") and kpi in (
                    "flag_hours", "labor_revenue", "piece_pay", "actual_hours", "efficiency", "available_hours",
                    "productivity", "proficiency", "comebacks"):
                value = tech[r["staff_id"]][kpi] if r["staff_id"] in tech else None
            elif r["role"] in ("service_advisor", "front_desk_supervisor") and kpi in (
                    "entries", "settled_ros", "revenue", "revenue_per_ro", "declined_amount", "csi", "complaint_rate"):
                value = adv[r["staff_id"]][kpi] if r["staff_id"] in adv else None
            else:
                value = plain[kpi] if kpi in plain else k[kpi]
            target = w["target"] if w["target"] is not None else settings.targets.get(kpi)
            if value is None or target is None or target == 0:
                ach = None
            elif kpi in lower:
                ach = cap if value == 0 else target / value
            else:
                ach = value / target
            if ach is not None:
                ach = min(max(ach, 0), cap)
            items.append({"kpi": kpi, "value": value, "target": target, "achievement": ach, "weight": w["weight"]})
        scored = [i for i in items if i["achievement"] is not None]
        score = (100 * sum(i["weight"] * i["achievement"] for i in scored) / sum(i["weight"] for i in scored)
                 if scored else None)
        cards.append({"staff_id": r["staff_id"], "role": r["role"], "score": score, "items": items})
        if r["team"] and score is not None:
            teams[r["team"]].append(score)
    tables["scorecards"] = cards
    tables["team_scores"] = sorted(({"team": team, "score": sum(v) / len(v)} for team, v in teams.items()),
                                   key=lambda x: (-x["score"], x["team"]))


# -- the comparison -----------------------------------------------------------------------------

def _tables(store):
    out = {}
    for sheet in ("roster", "positions", "vehicles", "work_orders", "wo_lines", "parts", "parts_ledger",
                  "stocktake", "backorders", "claims", "claim_payments", "followups", "complaints", "renewals",
                  "loaners", "training", "tool_loans", "equipment", "appraisal_weights",  # issues 11, 12
                  "appointments"):  # issue 18
        out[sheet] = [{k: _day(v) if isinstance(v, (dt.date, dt.datetime)) else v for k, v in rec.items()}
                      for rec in table_records(store.table(sheet))]
    return out


@pytest.fixture(scope="module")
def demo_store():
    records = demo.generate(size="small", months=13, seed=7)
    settings = {r["key"]: r["value"] for r in records["settings"]}
    store = Store.from_records({k: v for k, v in records.items() if k != "settings"}, settings=settings)
    return store, _tables(store)


def _same(a, b):
    if a is None or b is None or isinstance(a, str):
        return a == b
    return a == pytest.approx(b, rel=1e-9, abs=1e-6)


def _compare(store, tables, period, method):
    engine = compute_kpis(store, period, method=method)
    kpis, aging, rows, lists = naive_kpis(tables, store.settings, period, method)
    assert engine.lists == lists
    wrong = {kid: (engine[kid], mine) for kid, mine in kpis.items() if not _same(engine[kid], mine)}
    assert wrong == {}
    for claim_type, buckets in engine.aging.items():
        for key, value in buckets.items():
            assert _same(value, aging[claim_type].get(key, 0.0)), (claim_type, key)
    for name, want_rows in rows.items():
        got_rows = getattr(engine, name)
        assert want_rows and len(got_rows) == len(want_rows), name
        for got, want in zip(got_rows, want_rows):
            assert list(got) == list(want)
            if name == "scorecards":  # issue 12: the items, one by one
                for gi, wi in zip(got["items"], want["items"]):
                    assert {k: v for k, v in gi.items() if not _same(v, wi[k])} == {}, (got["staff_id"], gi)
                got, want = {**got, "items": None}, {**want, "items": None}
            assert {k: v for k, v in got.items() if not _same(v, want[k])} == {}, (name, got)
    return kpis, rows["technicians"], lists


@pytest.mark.parametrize("method", ["fifo", "moving_average"])
@pytest.mark.parametrize("period", ["2026-10", "2026-04"])
def test_engine_agrees_with_the_naive_implementation(demo_store, period, method):
    kpis, technicians, lists = _compare(*demo_store, period, method)
    # Not vacuous: the demo store moves stock, pays claims, has comebacks and technicians.
    assert kpis["parts_cost"] > 0 and kpis["stock_value_close"] > 0 and kpis["receivables"] > 0
    assert kpis["claim_days_to_pay"] is not None and kpis["fill_rate"] is not None
    assert (kpis["stocktake_accuracy"] is not None) == (period == "2026-10")  # one count, on 2026-10-31
    assert len(technicians) >= 4 and sum(t["comebacks"] for t in technicians) > 0
    if period == "2026-10":  # in 2026-04 the 13-month store is too young to have churned customers
        # The demo's claims are worked in time (issue 11): drafts are submitted within the week,
        # old parts go back and short payments are not closed, so those lists are empty there
        # and pinned on the hand-made store.
        clean = {"claims_to_submit", "claims_parts_due", "claims_written_off"}
        # issue 18: the demo tells a customer of an arrived part within the day, so nothing is
        # left to notify; backorders_to_notify is pinned on the hand-made store (test_kpis.py).
        clean.add("backorders_to_notify")
        assert all(v for k, v in lists.items() if k not in clean), {k: len(v) for k, v in lists.items()}


@pytest.mark.parametrize("method", ["fifo", "moving_average"])
@pytest.mark.parametrize("period", ["2026-10", "2026-09"])
def test_engine_agrees_on_the_hand_made_edge_cases(period, method):
    """tests/test_kpis.py's store has what the demo lacks: stocktake gains and losses, a return
    to stock without an issue, declined lines, blank piece rates, a leaver and a late hire."""
    from test_kpis import make_store

    store = make_store()
    _compare(store, _tables(store), period, method)


# -- the valuation alone, on generated ledgers ------------------------------------------------------

@st.composite
def ledgers(draw):
    """Ledgers of two parts over three weeks with every movement type, many same-day ties, returns
    with and without an earlier issue to their job, gains at zero stock; never below zero (the
    engine's shortfall handling is beyond KPIS.md)."""
    held = {"P1": 0.0, "P2": 0.0}
    records = []
    for i in range(draw(st.integers(1, 30))):
        part = draw(st.sampled_from(sorted(held)))
        kind = draw(st.sampled_from(IN + OUT))
        qty = float(draw(st.integers(1, 6)))
        if kind in OUT:
            if held[part] < 1:
                continue
            qty = min(qty, held[part])
        held[part] += qty if kind in IN else -qty
        records.append({
            "txn_id": f"T{i}", "txn_date": dt.date(2026, 10, 1) + dt.timedelta(days=draw(st.integers(0, 20))),
            "part_no": part, "txn_type": kind, "qty": qty,
            "unit_cost": draw(st.integers(1, 400)) / 8 if kind == "receipt" else None,
            "wo_no": draw(st.sampled_from([None, "W1", "W2"])) if kind in ("issue", "return_to_stock") else None,
        })
    # Dates are drawn after the quantities: sort them so that stock never goes below zero in date
    # order either, while rows of one day keep their (shuffled) sheet order.
    days = sorted(r["txn_date"] for r in records)
    for r, day in zip(records, days):
        r["txn_date"] = day
    return records


@settings(max_examples=80, deadline=None)
@given(ledgers(), st.sampled_from(["fifo", "moving_average"]))
def test_valuation_agrees_with_the_naive_one(records, method):
    from addin.stock import valuate_ledger
    from addin.tables import records_to_table

    engine = valuate_ledger(records_to_table("parts_ledger", records), method)
    table = [{k: _day(v) if isinstance(v, dt.datetime) else v for k, v in r.items()}
             for r in table_records(records_to_table("parts_ledger", records))]
    valued, history = valuate(table, method)
    assert engine.movements["txn_id"].tolist() == [m["txn_id"] for m in valued]
    assert engine.movements["value"].to_numpy() == pytest.approx([m["cost"] for m in valued], abs=1e-9)
    for day in (1, 5, 9, 13, 17, 21):
        date = dt.date(2026, 10, day)
        mine = stock_at(history, date)
        at = engine.stock_at(date)
        assert sorted(at.index) == sorted(mine)
        for part, (qty, value) in mine.items():
            assert (at.loc[part, "qty"], at.loc[part, "value"]) == pytest.approx((qty, value), abs=1e-9)

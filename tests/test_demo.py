"""The demo store: deterministic, the sizes it promises, and consistent the way a real store's
books are (stock never negative, every billed part issued, claims paid no more than approved)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from collections import Counter, defaultdict

import pytest

from addin.checks import vin_check_digit
from addin.demo import DEMO_SHEETS, PART_COUNTS, SIZES, DemoError, generate, span
from addin.models import SHEETS, Role
from addin.store import Store

END = dt.date(2026, 10, 31)


@pytest.fixture(scope="module")
def small() -> dict[str, list[dict]]:
    return generate("small")


def _by(records: list[dict], key: str) -> dict:
    return {r[key]: r for r in records}


def _settings(records: dict[str, list[dict]]) -> dict:
    return {r["key"]: r["value"] for r in records["settings"]}


# -- determinism and sizes -------------------------------------------------------------------

def test_same_seed_gives_identical_records_and_another_seed_does_not():
    first = generate("small", months=3, seed=11)
    again = generate("small", months=3, seed=11)
    other = generate("small", months=3, seed=12)
    assert first == again
    assert first["work_orders"] != other["work_orders"]
    assert first["vehicles"] != other["vehicles"]


#: Registers the demo does not fill yet (issues 11, 12 and 18 build them). Empty it as they are
#: built; every other sheet must hold records.
NOT_FILLED_YET: set[str] = set()


def test_every_input_sheet_is_filled_with_model_columns_in_order(small):
    assert tuple(small) == DEMO_SHEETS
    assert not {sheet for sheet in NOT_FILLED_YET if small[sheet]}, "filled now: take it off NOT_FILLED_YET"
    for sheet, rows in small.items():
        assert rows or sheet in NOT_FILLED_YET, sheet
        columns = tuple(c.key for c in SHEETS[sheet].columns)
        assert all(tuple(r) == columns for r in rows), sheet


def test_small_store_covers_thirteen_months_ending_october_2026(small):
    assert span(13, "2026-10") == (dt.date(2025, 10, 1), END)
    opened = [w["open_date"] for w in small["work_orders"]]
    assert min(opened) >= dt.date(2025, 10, 1) and max(opened) == END
    assert len({(d.year, d.month) for d in opened}) == 13
    settings = _settings(small)
    assert settings["open_period"] == "2026-10"
    assert (settings["store_code"], settings["locale"], settings["tax_rate"], settings["labor_rate"]) == \
        ("DEMO01", "en-US", 0.13, 180.0)
    assert {"target_revenue", "target_entries", "target_gross_margin", "target_csi"} <= set(settings)


@pytest.mark.parametrize("size", ["small", "medium"])
def test_jobs_per_month_and_parts_count_match_the_size(size):
    records = generate(size)
    per_month = len(records["work_orders"]) / 13
    assert 0.8 * SIZES[size] <= per_month <= 1.2 * SIZES[size]
    assert len(records["parts"]) == PART_COUNTS[size]


def test_one_month_of_a_large_store_is_about_2000_jobs():
    records = generate("large", months=1)
    assert 1600 <= len(records["work_orders"]) <= 2400
    assert len(records["parts"]) == 800


@pytest.mark.slow
def test_a_large_year_is_about_24000_jobs_120000_lines_60000_movements_in_seconds():
    started = time.process_time()  # CPU time: the test machine is shared
    records = generate("large", months=12)
    elapsed = time.process_time() - started
    assert 19_200 <= len(records["work_orders"]) <= 28_800
    assert 96_000 <= len(records["wo_lines"]) <= 144_000
    assert 48_000 <= len(records["parts_ledger"]) <= 72_000
    assert elapsed < 15  # about 4 s here


def test_bad_arguments_raise_a_clear_error():
    with pytest.raises(DemoError, match="Unknown demo size 'huge'"):
        generate("huge")
    with pytest.raises(DemoError, match="'2026-13' is not a month"):
        generate(end="2026-13")
    with pytest.raises(DemoError, match="between 1 and 60, not 0"):
        generate(months=0)
    with pytest.raises(DemoError) as exc:
        generate(end="October")
    assert exc.value.message("zh-CN") == "结束月份“October”无效：请写成 年-月，例如 2026-10。"


# -- people and vehicles ---------------------------------------------------------------------

def test_vin_check_digit_matches_known_vins():
    assert vin_check_digit("1M8GDM9AXKP042788") == "X"
    assert vin_check_digit("11111111111111111") == "1"
    assert vin_check_digit("1HGCM82633A004352") == "3"
    with pytest.raises(ValueError):
        vin_check_digit("1M8GDM9AXKP04278O")


def test_vehicles_have_valid_vins_plates_phones_and_warranty(small):
    vehicles = small["vehicles"]
    assert len({v["vin"] for v in vehicles}) == len(vehicles)
    assert len({v["plate"] for v in vehicles}) == len(vehicles)
    for v in vehicles:
        vin = v["vin"]
        assert len(vin) == 17 and not set(vin) & set("IOQ") and vin[8] == vin_check_digit(vin)
        assert v["plate"].startswith("粤") and len(v["plate"]) == 7
        assert v["warranty_km"] == 100000
        assert v["warranty_end_date"] == v["sale_date"].replace(year=v["sale_date"].year + 3) or \
            v["sale_date"].month == 2 and v["sale_date"].day == 29
        if v["customer_phone"] is not None:
            assert len(v["customer_phone"]) == 11 and v["customer_phone"][0] == "1" and v["customer_phone"][1] in "3456789"
    assert sum(dt.date(2025, 10, 1) <= v["sale_date"] for v in vehicles) > 100  # cars sold during the span


def test_roster_has_every_role_teams_leavers_and_hires(small):
    roster = small["roster"]
    assert {r["role"] for r in roster} == set(Role.labels())
    assert {p["role"] for p in small["positions"]} == set(Role.labels())
    teams = {r["team"] for r in roster if r["role"] in ("technician", "team_leader")}
    assert teams == {"Mechanical", "Body & paint"}
    assert all(r["piece_rate"] > 0 and r["grade"] for r in roster if r["role"] in ("technician", "team_leader"))
    assert any(r["leave_date"] for r in roster if r["role"] == "technician")
    assert sum(r["hire_date"] >= dt.date(2025, 10, 1) for r in roster) >= 3
    assert len({r["excel_user"] for r in roster}) == len(roster)
    on_duty = Counter(r["role"] for r in roster if r["leave_date"] is None)
    vacancies = sum(max(p["planned"] - on_duty[p["role"]], 0) for p in small["positions"])
    assert vacancies == 5


# The workshop by size: (teams, technicians and team leaders on duty at the end, advisors).
STAFF = {"small": (2, 4, 3), "medium": (4, 20, 6), "large": (7, 51, 12)}


@pytest.mark.parametrize("size", ["small", "medium", "large"])
def test_workshop_is_staffed_for_the_job_volume(size):
    """Staffing follows the job volume: every technician flags what a real 4S technician does in
    the last month (productivity and proficiency 60-100% of the available hours, efficiency about
    100%), at a plausible revenue and flag hours per RO."""
    from addin.kpis import compute_kpis

    records = generate(size)
    roster = records["roster"]
    workshop = [r for r in roster if r["role"] in ("technician", "team_leader") and r["leave_date"] is None]
    advisors = [r for r in roster if r["role"] == "service_advisor" and r["leave_date"] is None]
    assert (len({r["team"] for r in workshop}), len(workshop), len(advisors)) == STAFF[size]
    result = compute_kpis(Store.from_records(records), "2026-10")
    techs = result.technicians
    assert len(techs) == STAFF[size][1]
    for t in techs:
        assert t["available_hours"] == 216.0  # 27 working days (Mon-Sat) of 8 hours
        assert 0.55 <= t["productivity"] <= 1.0 and 0.55 <= t["proficiency"] <= 1.0
        assert 0.95 <= t["efficiency"] <= 1.1
    pooled = sum(t["flag_hours"] for t in techs) / sum(t["available_hours"] for t in techs)
    assert 0.7 <= pooled <= 0.85
    assert 1700 <= result["revenue_per_ro"] <= 2200 and 4.3 <= result["hours_per_ro"] <= 4.7
    # In its busiest months the body shop sends work to a partner shop rather than run over 100%.
    sublet = [ln for ln in records["wo_lines"] if ln["item_code"] == "S06"]
    assert sublet and all(ln["line_type"] == "sublet" and 0 < ln["cost"] < ln["unit_price"] for ln in sublet)


# -- work orders and lines -------------------------------------------------------------------

def test_jobs_cover_every_repair_type_pay_type_status_and_line_type(small):
    jobs, lines = small["work_orders"], small["wo_lines"]
    assert {w["repair_type"] for w in jobs} == {
        "maintenance", "general_repair", "body_paint", "accident", "warranty", "recall", "pdi", "internal"}
    assert {w["status"] for w in jobs} == {
        "open", "in_progress", "waiting_parts", "qc", "completed", "settled", "cancelled"}
    assert {ln["pay_type"] for ln in lines} == {"customer", "warranty", "insurance", "internal", "goodwill"}
    assert {ln["line_type"] for ln in lines} == {"labor", "part", "accessory", "sublet", "misc"}
    with_lines = {ln["wo_no"] for ln in lines}
    for w in jobs:
        assert (w["wo_no"] in with_lines) == (w["status"] != "cancelled")
        assert (w["close_date"] is not None) == (w["status"] == "settled")
        assert w["open_date"] <= (w["close_date"] or END)
        assert w["promised_date"] >= w["open_date"]


def test_lines_follow_the_rules(small):
    jobs = _by(small["work_orders"], "wo_no")
    parts = _by(small["parts"], "part_no")
    staff = _by(small["roster"], "staff_id")
    for ln in small["wo_lines"]:
        job = jobs[ln["wo_no"]]
        assert ln["qty"] > 0 and ln["unit_price"] >= 0 and 0 <= ln["discount_pct"] <= 0.10
        if ln["added_item"]:
            assert ln["customer_approved"] is True and not ln["declined"]
        if ln["line_type"] == "labor":
            tech = staff[ln["technician_id"]]
            assert tech["role"] in ("technician", "team_leader")
            assert tech["hire_date"] <= job["open_date"] <= (tech["leave_date"] or END)
            assert ln["unit_price"] == 180.0
            if ln["pay_type"] == "warranty" and not ln["declined"]:
                assert ln["actual_hours"] >= ln["qty"]
        if ln["line_type"] in ("part", "accessory"):
            assert ln["unit_price"] == parts[ln["item_code"]]["sale_price"]
            assert parts[ln["item_code"]]["active"]
        if ln["line_type"] == "sublet":
            assert 0 < ln["cost"] < ln["unit_price"]
        if ln["pay_type"] == "insurance":
            assert job["insurer"] and job["repair_type"] == "accident"
    declined = [ln for ln in small["wo_lines"] if ln["declined"]]
    added = [ln for ln in small["wo_lines"] if ln["added_item"]]
    assert len(declined) > 100 and len(added) > 100


def test_advisors_mileage_comebacks_and_customer_care(small):
    staff = _by(small["roster"], "staff_id")
    jobs = small["work_orders"]
    by_no = _by(jobs, "wo_no")
    last_km: dict[str, float] = {}
    for w in jobs:  # the sheet is in open-date order
        advisor = staff[w["advisor_id"]]
        assert advisor["role"] == "service_advisor"
        assert advisor["hire_date"] <= w["open_date"] <= (advisor["leave_date"] or END)
        assert w["mileage"] >= last_km.get(w["vin"], 0)
        last_km[w["vin"]] = w["mileage"]
        if w["rework_of"]:
            original = by_no[w["rework_of"]]
            assert original["vin"] == w["vin"] and original["status"] == "settled"
            assert 0 < (w["open_date"] - original["close_date"]).days <= 30
        if w["followup_date"]:
            assert w["status"] == "settled" and w["close_date"] < w["followup_date"] <= END
            assert staff[w["followup_by"]]["role"] == "customer_service"
        if w["csi_score"] is not None:
            assert 0 <= w["csi_score"] <= 10
    settled = [w for w in jobs if w["status"] == "settled" and w["repair_type"] not in ("pdi", "internal")]
    late = [w for w in settled if w["followup_date"] and (w["followup_date"] - w["close_date"]).days > 3]
    missing = [w for w in settled if w["followup_date"] is None]
    assert 0 < len(late) < len(missing) < len(settled) * 0.2
    assert sum(w["csi_score"] is not None for w in settled) > 0.7 * len(settled)
    assert 0 < sum(bool(w["complaint"]) for w in settled) < 0.03 * len(settled)
    assert 0 < sum(bool(w["rework_of"]) for w in jobs) < 0.03 * len(jobs)
    assert sum(bool(w["first_service"]) for w in jobs) > 100
    assert sum(bool(w["appointment"]) for w in jobs) > 0.2 * len(jobs)


# -- parts ledger ----------------------------------------------------------------------------

def test_ledger_replays_in_date_order_without_negative_stock(small):
    ledger = small["parts_ledger"]
    assert [m["txn_date"] for m in ledger] == sorted(m["txn_date"] for m in ledger)
    assert len({m["txn_id"] for m in ledger}) == len(ledger)
    parts = _by(small["parts"], "part_no")
    staff = _by(small["roster"], "staff_id")
    stock: Counter[str] = Counter()
    for m in ledger:
        assert m["part_no"] in parts and m["qty"] > 0
        assert staff[m["staff_id"]]["role"] == "parts_clerk"
        if m["txn_type"] == "receipt":
            assert m["unit_cost"] > 0 and m["unit_cost"] < parts[m["part_no"]]["sale_price"]
        if m["txn_type"] == "counter_sale":
            assert m["unit_price"] == parts[m["part_no"]]["sale_price"]
        sign = 1 if m["txn_type"] in ("receipt", "return_to_stock", "stocktake_gain") else -1
        stock[m["part_no"]] += sign * m["qty"]
        assert stock[m["part_no"]] >= 0, m
    types = Counter(m["txn_type"] for m in ledger)
    assert set(types) == {"receipt", "issue", "return_to_stock", "counter_sale", "return_to_supplier"}
    # Costs drift: the same part is received at more than one cost, so FIFO and average differ.
    costs = defaultdict(set)
    for m in ledger:
        if m["txn_type"] == "receipt":
            costs[m["part_no"]].add(m["unit_cost"])
    assert sum(len(c) > 1 for c in costs.values()) > 50


def test_every_billed_part_is_issued_to_its_job_within_the_job_span(small):
    jobs = _by(small["work_orders"], "wo_no")
    billed: Counter[tuple[str, str]] = Counter()
    for ln in small["wo_lines"]:
        if ln["line_type"] in ("part", "accessory") and not ln["declined"]:
            billed[(ln["wo_no"], ln["item_code"])] += ln["qty"]
    issued: Counter[tuple[str, str]] = Counter()
    for m in small["parts_ledger"]:
        if m["txn_type"] in ("issue", "return_to_stock"):
            job = jobs[m["wo_no"]]
            assert job["status"] != "cancelled"
            assert job["open_date"] <= m["txn_date"] <= (job["close_date"] or END)
            issued[(m["wo_no"], m["part_no"])] += m["qty"] if m["txn_type"] == "issue" else -m["qty"]
        else:
            assert m["wo_no"] is None
    assert +issued == +billed


def test_stocktake_counts_the_book_on_the_last_day_with_a_few_variances(small):
    book: Counter[str] = Counter()
    for m in small["parts_ledger"]:
        book[m["part_no"]] += m["qty"] if m["txn_type"] in ("receipt", "return_to_stock") else -m["qty"]
    counts = small["stocktake"]
    assert 20 <= len(counts) <= 30
    assert all(c["count_date"] == END for c in counts)
    diffs = [c["counted_qty"] - book[c["part_no"]] for c in counts]
    assert sum(d == 0 for d in diffs) >= 0.75 * len(counts)
    assert any(d > 0 for d in diffs) and any(d < 0 for d in diffs)
    assert all(abs(d) <= 2 for d in diffs)


def test_backorders_some_arrived_and_notified_some_open(small):
    jobs = _by(small["work_orders"], "wo_no")
    arrived = [b for b in small["backorders"] if b["arrived_date"]]
    waiting = [b for b in small["backorders"] if not b["arrived_date"]]
    assert arrived and waiting
    assert all(b["request_date"] <= b["ordered_date"] <= b["arrived_date"] <= b["notified_date"] for b in arrived
               if b["notified_date"])
    waiting_jobs = {w["wo_no"] for w in small["work_orders"] if w["status"] == "waiting_parts"}
    assert waiting_jobs <= {b["wo_no"] for b in waiting}
    for b in arrived:
        if b["wo_no"]:  # a special order issued to its job the day it arrived
            assert any(m["txn_type"] == "issue" and m["wo_no"] == b["wo_no"] and m["part_no"] == b["part_no"]
                       and m["txn_date"] == b["arrived_date"] for m in small["parts_ledger"])
            assert jobs[b["wo_no"]]["open_date"] == b["request_date"]


# -- claims ----------------------------------------------------------------------------------

def test_claims_cover_every_settled_warranty_and_insurance_job(small):
    claims = small["claims"]
    jobs = _by(small["work_orders"], "wo_no")
    needed = {(ln["wo_no"], ln["pay_type"]) for ln in small["wo_lines"]
              if ln["pay_type"] in ("warranty", "insurance") and not ln["declined"]
              and jobs[ln["wo_no"]]["status"] == "settled"}
    assert {(c["wo_no"], c["claim_type"]) for c in claims} == needed
    staff = _by(small["roster"], "staff_id")
    for c in claims:
        expected = "claims_specialist" if c["claim_type"] == "warranty" else "insurance_specialist"
        assert staff[c["handler_id"]]["role"] == expected
        assert c["vin"] == jobs[c["wo_no"]]["vin"]
        assert (c["deductible"] is None) == (c["claim_type"] == "warranty")


def test_claims_at_every_status_with_consistent_amounts_and_payments(small):
    claims = small["claims"]
    paid: Counter[str] = Counter()
    for p in small["claim_payments"]:
        paid[p["claim_no"]] += p["amount"]
    assert Counter(c["status"] for c in claims).keys() == {
        "draft", "submitted", "approved", "rejected", "resubmitted", "paid", "closed"}
    partial = shorts = not_back = 0
    for c in claims:
        if c["approved_amount"] is not None:
            assert c["approved_amount"] <= c["claimed_amount"] and c["decided_date"]
        assert paid[c["claim_no"]] <= (c["approved_amount"] or 0)
        if c["status"] == "paid" or (c["status"] == "closed" and not c["notes"]):
            assert paid[c["claim_no"]] == c["approved_amount"]
        elif c["status"] == "closed":
            # A short payment written off (the claims work-list's cases): 3 to 12 % short.
            short = c["approved_amount"] - paid[c["claim_no"]]
            assert 0.03 * c["approved_amount"] - 0.01 <= short <= 0.12 * c["approved_amount"] + 0.01
            shorts += 1
        if c["status"] == "approved" and 0 < paid[c["claim_no"]]:
            partial += 1
        if c["status"] in ("rejected", "resubmitted"):
            assert c["rejection_reason"] and c["decided_date"] and c["approved_amount"] is None
        if c["status"] == "draft":
            assert c["submitted_date"] is None
        else:
            assert c["submitted_date"] <= END
        if c["decided_date"] and c["parts_return_required"]:
            if c["parts_returned_date"] is None:   # old parts due back, not returned (work-list)
                assert c["decided_date"] + dt.timedelta(days=30) < END
                not_back += 1
            else:
                assert c["parts_returned_date"] <= c["decided_date"] + dt.timedelta(days=30)
    assert partial > 0
    assert shorts == 3 and not_back == 2
    payments = small["claim_payments"]
    assert len({p["payment_id"] for p in payments}) == len(payments)
    assert all(p["paid_date"] <= END for p in payments)


# -- the whole store -------------------------------------------------------------------------

def test_the_clean_demo_store_passes_validation(small):
    from addin.rules import validate_store

    store = Store.from_records({k: v for k, v in small.items() if k != "settings"}, settings=_settings(small))
    assert store.problems == []
    findings = validate_store(store)
    # Issue 11: the demo keeps some complaints open past complaint_resolve_days on purpose, and
    # issue 12 some public tools not back by their due date (loans_overdue), and the claims
    # work-list two claims whose old parts are not back (claims_parts_due): warnings only.
    deliberate = {"CP-OVERDUE", "TLN-OVERDUE", "CL-PARTS-RETURN"}
    assert {f.rule for f in findings} <= deliberate and {f.severity for f in findings} == {"warning"}
    assert [(f.rule, f.sheet, f.row, f.value) for f in findings if f.rule not in deliberate] == []


def test_chinese_demo_has_chinese_text_and_the_same_shape():
    en = generate("small", months=2)
    zh = generate("small", months=2, locale="zh-CN")
    assert _settings(zh)["locale"] == "zh-CN" and _settings(zh)["store_name"] == "示范4S店"
    assert {k: len(v) for k, v in en.items()} == {k: len(v) for k, v in zh.items()}
    assert zh["parts"][0]["name"] == "全合成机油5W-30 4L" and en["parts"][0]["name"] == "Engine oil 5W-30 4L"
    assert [w["vin"] for w in en["work_orders"]] == [w["vin"] for w in zh["work_orders"]]


def test_last_period_prints_the_month_make_demo_closes():
    out = subprocess.run([sys.executable, "-m", "addin.demo", "--last-period", "--months", "13"],
                         capture_output=True, text=True, check=True)
    assert out.stdout == "2026-10\n"


def _cli_args(tmp_path, *extra: str) -> argparse.Namespace:
    from addin.commands import demo as command

    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    return parser.parse_args(["--months", "2", "--out", str(tmp_path / "DEMO01.xlsx"), *extra])


def test_demo_command_writes_a_workbook_that_reads_back_to_the_same_records(tmp_path, capsys):
    from addin.commands import demo as command
    from addin.io.reader import read_store
    from addin.tables import table_records

    assert command.run(_cli_args(tmp_path)) == 0
    printed = capsys.readouterr().out
    assert "Work orders" in printed and str(tmp_path / "DEMO01.xlsx") in printed
    store = read_store(tmp_path / "DEMO01.xlsx")
    assert store.problems == [] and store.missing_sheets == []
    expected = generate("small", months=2)
    for sheet in DEMO_SHEETS:
        rows = table_records(store.table(sheet))
        assert len(rows) == len(expected[sheet]), sheet
        if sheet != "settings":  # the settings values are read back as text
            assert [{k: r[k] for k in e} for r, e in zip(rows, expected[sheet])] == expected[sheet], sheet
    assert store.settings.open_period == "2026-10" and store.settings.targets["csi"] == 9.0
    assert list(store.table("work_orders")["_row"][:2]) == [2, 3]


def test_each_store_of_a_group_demo_gets_its_own_code(tmp_path):
    from addin.commands import demo as command
    from addin.io.reader import read_store

    assert command.run(_cli_args(tmp_path, "--store-code", "GZ02")) == 0
    assert read_store(tmp_path / "DEMO01.xlsx").settings.store_code == "GZ02"


def test_demo_command_writes_the_macro_workbook(tmp_path):
    from addin.commands import demo as command

    args = _cli_args(tmp_path)
    args.out = tmp_path / "DEMO01.xlsm"
    assert command.run(args) == 0
    from addin.io.reader import read_store

    store = read_store(args.out)
    assert len(store.table("work_orders")) == len(generate("small", months=2)["work_orders"])


def test_with_problems_lists_what_was_planted_beside_the_workbook(tmp_path):
    from addin.commands import demo as command

    # Six months: enough history for one of every kind of problem (a rejected claim among them).
    assert command.run(_cli_args(tmp_path, "--with-problems", "--months", "6")) == 0
    planted = json.loads((tmp_path / "DEMO01.problems.json").read_text(encoding="utf-8"))
    assert planted and all(set(p) == {"rule", "severity", "sheet", "row", "column"} for p in planted)
    assert {p["severity"] for p in planted} <= {"error", "warning"}
    assert all(p["sheet"] in SHEETS and (p["row"] is None or p["row"] >= 2) for p in planted)


def test_the_command_offers_the_generators_sizes():
    from addin.commands.demo import SIZE_NAMES
    from addin.demo import SIZES

    assert SIZE_NAMES == tuple(SIZES)


def test_the_job_make_demo_prints_is_a_settled_accident_job_of_that_demo():
    """`make demo` prints the documents of DEMO_JOB: the demo it builds (same size, months and
    seed) holds that job, settled, with insurance and customer-pay lines (all five documents)."""
    import re
    from pathlib import Path

    makefile = (Path(__file__).parents[1] / "Makefile").read_text(encoding="utf-8")
    job = re.search(r"^DEMO_JOB := (\S+)$", makefile, re.M).group(1)  # type: ignore[union-attr]
    args = re.search(r"service-addin demo --size (\w+) --months (\d+) --seed (\d+)", makefile)
    assert args and job
    records = generate(args.group(1), int(args.group(2)), int(args.group(3)))
    wo = next(w for w in records["work_orders"] if w["wo_no"] == job)
    assert wo["status"] == "settled" and wo["close_date"]
    pay_types = {line["pay_type"] for line in records["wo_lines"] if line["wo_no"] == job}
    assert {"insurance", "customer"} <= pay_types

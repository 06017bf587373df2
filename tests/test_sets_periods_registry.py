"""The one vocabulary: KPIS.md's sets and amounts (addin.sets) on a tiny hand-made store, the
Period value of every form, and what the KPI registry carries (display per unit, pooling, live
formulas); the group outputs keep every file and store name as text."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from addin import sets
from addin.kpis import KPIS, UNIT_FORMATS, compute_comparison, compute_kpis, format_kpi, live_formulas
from addin.periods import Period, PeriodError, bounds, check_period, shift
from addin.stock import valuate
from addin.store import Store

D = pd.Timestamp


def tiny(include_tax: bool = True) -> Store:
    return Store.from_records({
        "roster": [
            {"staff_id": "R1", "name": "Li", "role": "technician", "hire_date": "2020-01-01"},
            {"staff_id": "R2", "name": "Wang", "role": "technician", "hire_date": "2026-10-15"},
            {"staff_id": "R3", "name": "Zhao", "role": "technician", "hire_date": "2019-01-01",
             "leave_date": "2026-10-20"},
        ],
        "work_orders": [
            {"wo_no": "W1", "open_date": "2026-10-02", "close_date": "2026-10-05", "status": "settled"},
            {"wo_no": "W2", "open_date": "2026-09-28", "close_date": "2026-10-01", "status": "settled"},
            {"wo_no": "W3", "open_date": "2026-10-10", "status": "cancelled"},
            {"wo_no": "W4", "open_date": "2026-10-20", "status": "in_progress"},
            {"wo_no": "W5", "open_date": "2026-10-25", "close_date": "2026-11-02", "status": "settled"},
        ],
        "wo_lines": [
            {"wo_no": "W1", "line_no": 1, "line_type": "labor", "qty": 2, "unit_price": 113, "pay_type": "customer"},
            {"wo_no": "W1", "line_no": 2, "line_type": "part", "qty": 1, "unit_price": 226, "discount_pct": 0.5,
             "pay_type": "customer"},
            {"wo_no": "W1", "line_no": 3, "line_type": "part", "qty": 1, "unit_price": 50, "declined": True,
             "pay_type": "customer"},
            {"wo_no": "W2", "line_no": 1, "line_type": "misc", "unit_price": 30, "pay_type": "customer"},
        ],
        "parts_ledger": [
            {"txn_id": "L1", "txn_date": "2026-10-01", "part_no": "P1", "txn_type": "receipt", "qty": 10, "unit_cost": 5},
            {"txn_id": "L2", "txn_date": "2026-10-05", "part_no": "P1", "txn_type": "issue", "qty": 3, "wo_no": "W1"},
            {"txn_id": "L7", "txn_date": "2026-10-06", "part_no": "P1", "txn_type": "return_to_stock", "qty": 1,
             "wo_no": "W1"},
            {"txn_id": "L3", "txn_date": "2026-10-31", "part_no": "P1", "txn_type": "stocktake_loss", "qty": 2},
            {"txn_id": "L4", "txn_date": "2026-10-31", "part_no": "P1", "txn_type": "issue", "qty": 1, "wo_no": "W4"},
            {"txn_id": "L5", "txn_date": "2026-10-03", "part_no": "P2", "txn_type": "receipt", "qty": 0, "unit_cost": 1},
            {"txn_id": "L6", "txn_date": "2026-10-02", "part_no": "P2", "txn_type": "receipt", "qty": 4, "unit_cost": 2},
        ],
        "claims": [
            {"claim_no": "C1", "claim_type": "warranty", "wo_no": "W1", "payer": "OEM", "submitted_date": "2026-10-01",
             "status": "approved", "claimed_amount": 500, "approved_amount": 400},
            {"claim_no": "C2", "claim_type": "warranty", "wo_no": "W2", "payer": "OEM", "submitted_date": "2026-10-20",
             "status": "submitted", "claimed_amount": 200},
            {"claim_no": "C3", "claim_type": "warranty", "wo_no": "W2", "payer": "OEM", "status": "draft",
             "claimed_amount": 90},
        ],
        "claim_payments": [
            {"payment_id": "P1", "claim_no": "C1", "paid_date": "2026-10-10", "amount": 100},
            {"payment_id": "P2", "claim_no": "C1", "paid_date": "2026-11-05", "amount": 50},
            {"payment_id": "P3", "claim_no": "C1", "amount": 10},  # no date: counts for nothing
        ],
    }, settings={"tax_rate": 0.13, "prices_include_tax": include_tax})


OCT = Period.parse("2026-10")


# -- sets -----------------------------------------------------------------------------------------

def test_settled_jobs_and_entries():
    wo = tiny().table("work_orders")
    assert list(sets.settled_jobs(wo, OCT.start, OCT.end)["wo_no"]) == ["W1", "W2"]
    assert list(sets.entries(wo, OCT.start, OCT.end)["wo_no"]) == ["W1", "W4", "W5"]
    nov = Period.parse("2026-11")
    assert list(sets.settled_jobs(wo, nov.start, nov.end)["wo_no"]) == ["W5"]


def test_billed_lines_gross_and_amount_ex_tax():
    store = tiny()
    lines = store.table("wo_lines")
    assert list(sets.billed_mask(lines)) == [True, True, False, True]
    assert list(sets.billed_lines(lines)["line_no"]) == [1, 2, 1]
    g = sets.gross(lines)
    assert g[:3].tolist() == [226.0, 113.0, 50.0] and np.isnan(g[3])  # blank qty: blank amount
    a = sets.amount(lines, store.settings)
    assert a[:3] == pytest.approx([200.0, 100.0, 50 / 1.13])
    assert sets.amount(lines, tiny(include_tax=False).settings)[:2].tolist() == [226.0, 113.0]
    assert sets.ex_tax(113.0, store.settings) == pytest.approx(100.0)
    # The KPI takes the same amounts: W1's billed lines (W2's blank-qty line adds nothing).
    assert compute_kpis(store, OCT)["revenue"] == pytest.approx(300.0)


def test_parts_cost_of_a_job_from_the_valuation():
    v = valuate(tiny())
    cost = sets.job_parts_cost(v)
    assert cost["W1"] == pytest.approx(3 * 5 - 1 * 5) and cost["W4"] == pytest.approx(5.0)
    assert "W4" not in sets.job_parts_cost(v, "2026-10-30").index


def test_claim_outstanding_paid_by_a_date():
    store = tiny()
    claims, pays = store.table("claims"), store.table("claim_payments")
    assert sets.paid_by(pays, D("2026-10-31")).to_dict() == {"C1": 100.0}
    assert sets.paid_by(pays).to_dict() == {"C1": 150.0}
    out = sets.outstanding(claims, pays, D("2026-10-31"))
    assert out.tolist() == [300.0, 200.0, 90.0]
    assert sets.outstanding(claims, pays, D("2026-11-30")).tolist() == [250.0, 200.0, 90.0]
    assert sets.receivable_mask(claims, D("2026-10-31")).tolist() == [True, True, False]
    assert sets.receivable_mask(claims, D("2026-10-15")).tolist() == [True, False, False]
    assert sets.claim_base(None, 500.0) == 500.0 and sets.claim_base(400.0, 500.0) == 400.0
    assert compute_kpis(store, OCT)["receivables"] == pytest.approx(500.0)


def test_book_quantities_before_and_after_the_count_is_posted():
    ledger = tiny().table("parts_ledger")
    parts = pd.Series(["P1", "P1", "P2", "P3", "P1"])
    dates = pd.Series([D("2026-10-31"), D("2026-10-04"), D("2026-10-31"), D("2026-10-31"), D("2026-09-30")])
    # P1 by 10-31: 10 − 3 + 1 − 1 = 7 before the count's loss of 2 is posted, 5 with it; the
    # zero-quantity receipt of P2 is not a movement.
    assert sets.book_quantities(ledger, parts, dates).tolist() == [7.0, 10.0, 4.0, 0.0, 0.0]
    assert sets.book_quantities(ledger, parts, dates, before_posting=False).tolist() == [5.0, 10.0, 4.0, 0.0, 0.0]
    # The valuation's movements give the same book.
    moves = valuate(tiny()).movements
    assert sets.book_quantities(moves, parts, dates).tolist() == [7.0, 10.0, 4.0, 0.0, 0.0]
    assert sets.stocktake_txn_id(D("2026-10-31"), "P1") == "ST-20261031-P1"


def test_on_duty():
    roster = tiny().table("roster")
    assert roster.loc[sets.on_duty_mask(roster, D("2026-10-31")), "staff_id"].tolist() == ["R1", "R2"]
    assert roster.loc[sets.on_duty_mask(roster, D("2026-10-10")), "staff_id"].tolist() == ["R1", "R3"]


def test_sets_imports_only_the_core():
    import ast

    tree = ast.parse(Path(sets.__file__).read_text(encoding="utf-8"))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert names <= {"__future__", "typing", "numpy", "pandas", "addin.models", "addin.store", "addin.tables",
                     "addin.periods"}


# -- Period ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, start, end, kind, label, months", [
    ("2026-10", "2026-10-01", "2026-10-31", "month", "2026-10", 1),
    ("2024-02", "2024-02-01", "2024-02-29", "month", "2024-02", 1),
    ("2026-10-15", "2026-10-15", "2026-10-15", "day", "2026-10-15", None),
    ("2026-Q3", "2026-07-01", "2026-09-30", "quarter", "2026-Q3", 3),
    ("2026-q1", "2026-01-01", "2026-03-31", "quarter", "2026-Q1", 3),
    ("2026", "2026-01-01", "2026-12-31", "year", "2026", 12),
    ("2026-08..2026-10", "2026-08-01", "2026-10-31", "range", "2026-08..2026-10", 3),
    ("2026-10-15..2026-11", "2026-10-15", "2026-11-30", "range", "2026-10-15..2026-11", None),
    ("2026-10-01..2026-10-31", "2026-10-01", "2026-10-31", "range", "2026-10-01..2026-10-31", 1),
    (" 2026-10 ", "2026-10-01", "2026-10-31", "month", "2026-10", 1),
])
def test_period_forms_and_bounds(text, start, end, kind, label, months):
    p = Period.parse(text)
    assert (p.start, p.end, p.kind, p.label, p.whole_months) == (D(start), D(end), kind, label, months)
    assert str(p) == label and p.days == (D(end) - D(start)).days + 1
    assert Period.parse(p) is p and bounds(p) == (D(start), D(end))


@pytest.mark.parametrize("bad", ["2026-13", "2026-1", "26-10", "", None, "2026/10", "2026-Q5", "2026-02-30",
                                 "2026-11..2026-10", "2026-10..", "2026-10..2026-11..2026-12", "20261"])
def test_period_refuses_other_text(bad):
    with pytest.raises(PeriodError) as err:
        Period.parse(bad)
    assert "YYYY-MM" in err.value.message("en-US") and "年-月" in err.value.message("zh-CN")


def test_period_shift_is_kpis_md_month_arithmetic():
    assert Period.parse("2026-09").shift(-6).label == "2026-03"
    assert Period.parse("2026-01").shift(-1).label == "2025-12"
    assert Period.parse("2026-Q3").shift(-12).label == "2025-Q3"
    q = Period.parse("2026-Q3").shift(-1)
    assert (q.kind, q.label, q.start, q.end) == ("range", "2026-06..2026-08", D("2026-06-01"), D("2026-08-31"))
    assert Period.parse("2026").shift(-12).label == "2025"
    assert Period.parse("2026-08..2026-10").shift(-1).label == "2026-07..2026-09"
    day = Period.parse("2024-02-29").shift(-12)
    assert (day.kind, day.label) == ("day", "2023-02-28")
    r = Period.parse("2026-10-15..2026-11").shift(-1)
    assert (r.start, r.end, r.label) == (D("2026-09-15"), D("2026-10-30"), "2026-09-15..2026-10-30")


def test_period_month_only_and_old_helpers():
    assert Period.month("2026-10") == Period.parse("2026-10")
    with pytest.raises(PeriodError, match="not a month written YYYY-MM"):
        Period.month("2026-Q3")
    with pytest.raises(PeriodError, match="not a month written YYYY-MM"):
        Period.month(Period.parse("2026"))
    assert check_period(" 2026-10 ") == "2026-10" and shift("2026-10", -12) == "2025-10"
    assert bounds("2026-02") == (D("2026-02-01"), D("2026-02-28"))


def test_compute_kpis_takes_a_period_or_its_text():
    store = tiny()
    assert compute_kpis(store, OCT).to_json() == compute_kpis(store, "2026-10").to_json()
    q = compute_kpis(store, "2026-Q4")
    assert q.period == "2026-Q4" and q["settled_ros"] == 3 and q["entries"] == 3
    day = compute_kpis(store, "2026-10-05")
    assert day["settled_ros"] == 1 and day["revenue"] == pytest.approx(300.0)


def test_compute_comparison_is_this_previous_and_last_year():
    store = tiny()
    c = compute_comparison(store, "2026-10")
    assert (c.result.period, c.previous.period, c.last_year.period) == ("2026-10", "2026-09", "2025-10")
    result, previous, last_year = c
    assert previous["settled_ros"] == 0 and result["settled_ros"] == 2
    from addin.close import compute_results

    # The close's: this period in full; the previous month and last year their values and parts
    # (what its dashboard and reports show of them), the same figures.
    closing = compute_results(store, "2026-10", valuate(store))
    assert closing[0].to_json() == result.to_json()
    assert [(r.period, r.values, r.parts) for r in closing[1:]] == [(r.period, r.values, r.parts) for r in c[1:]]
    assert closing[1].technicians == closing[1].scorecards == [] and closing[1].lists == {}


# -- the registry ---------------------------------------------------------------------------------

def test_one_display_format_per_unit_read_everywhere():
    from addin.batch.outputs import UNIT_FORMATS as batch_formats
    from addin.commands.kpi import format_value as command_text
    from addin.reports.engine import FORMATS, format_value

    units = {k.unit for k in KPIS.values()}
    assert units <= set(UNIT_FORMATS)
    for unit, f in UNIT_FORMATS.items():
        assert FORMATS[unit] == batch_formats[unit] == f.excel
        for value in (0, 1234.5, 0.12345, None):
            assert format_value(value, unit) == command_text(value, unit) == format_kpi(value, unit)
    assert UNIT_FORMATS["money"].excel == "#,##0.00" and UNIT_FORMATS["count"].excel == "#,##0"
    assert format_kpi(2112.567, "money") == "2,112.57" and format_kpi(0.1234, "ratio") == "12.3%"
    assert format_kpi(1234.0, "count") == "1,234" and format_kpi(12.5, "hours") == "12.5"
    assert format_kpi(8.0, "score") == "8" and format_kpi(None, "money") == "—"
    assert all(k.display is UNIT_FORMATS[k.unit] for k in KPIS.values())


def test_dashboard_number_formats_come_from_the_registry():
    from openpyxl import Workbook

    from addin.dashboard import live_rows, write_dashboard

    ws = write_dashboard(Workbook(), compute_kpis(tiny(), OCT), "en-US")
    for kid, row in live_rows().items():
        assert ws.cell(row, 3).number_format == KPIS[kid].display.excel, kid


def test_every_ratio_names_its_pooling_and_the_group_rules_follow_it():
    from addin.batch.group import GROUP_RULES, Pooled, Sum

    result = compute_kpis(tiny(), OCT)
    assert {k for k, v in KPIS.items() if v.is_ratio} == set(result.parts)
    for kid, rule in GROUP_RULES.items():
        assert isinstance(rule, Sum) == (not KPIS[kid].is_ratio), kid
    # A pooled ratio is Σ num / Σ den of the parts, whatever its description.
    stores = [{"kpis": {"gross_margin": 0.5}, "parts": {"gross_margin": [1.0, 2.0]}},
              {"kpis": {"gross_margin": 0.0}, "parts": {"gross_margin": [0.0, 8.0]}}]
    assert GROUP_RULES["gross_margin"].compute("gross_margin", stores, "2026-10", {}) == 0.1
    assert isinstance(GROUP_RULES["churn_rate"], Pooled)


def test_live_formulas_belong_to_the_registry():
    from addin.dashboard import live_rows

    rows = live_rows()
    from addin.kpis import LiveRefs

    refs = LiveRefs("en-US", "$C$3", "$C$4", "$C$5", "$C$6", lambda kid: f"$G${rows[kid]}")
    live = live_formulas(refs)
    assert set(live) <= set(KPIS) and {"entries", "revenue", "receivables", "complaint_rate"} <= set(live)
    assert "below_safety_count" not in live  # the engine writes it (issue 13: too slow in LibreOffice)
    assert live["entries"].startswith("COUNTIFS(tblWorkOrders[[Open date]]")
    assert KPIS["revenue"].live_formula(refs) == live["revenue"]
    assert KPIS["parts_cost"].live_formula(refs) is None
    assert f"$G${rows['settled_ros']}" in live["revenue_per_ro"]


# -- batch outputs keep names as text -------------------------------------------------------------

def test_file_and_store_names_stay_text_in_every_group_output(tmp_path: Path) -> None:
    import test_batch  # registers the test-json action  # noqa: F401
    from openpyxl import load_workbook

    from addin.batch import run_batch

    folder = tmp_path / "stores"
    folder.mkdir()
    bad_name, bad_store = '=HYPERLINK("x")', "=1+1.xlsx"
    for name, code, revenue in ((bad_store, "=A1", 1000.0), ("ok.xlsx", "S2", 2000.0)):
        (folder / name).write_text(json.dumps({
            "store_code": code, "store_name": bad_name if code == "=A1" else "Fine",
            "kpis": {"revenue": revenue, "gross_profit": revenue / 4, "settled_ros": 10, "entries": 11},
            "targets": {"revenue": 1000.0}}), encoding="utf-8")
    out = tmp_path / "out"
    result = run_batch([folder], "test-json", "2026-10", out_dir=out, workers=1, macros=False, pdf=False,
                       progress=False)
    wb = load_workbook(result.outputs["xlsx"])
    seen: dict[str, set[str]] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if cell.value in (bad_name, bad_store, "=A1"):
                    assert cell.data_type == "s"
                    seen.setdefault(cell.value, set()).add(ws.title)
    assert seen[bad_store] >= {"Stores", "Macros"}
    assert seen[bad_name] >= {"Stores", "Targets", "Ranking"}
    assert seen["=A1"] >= {"Stores", "Targets", "Ranking", "Macros"}

    lines = [json.loads(line) for line in (out / "kpis_2026-10.jsonl").read_text(encoding="utf-8").splitlines()]
    mine = next(line for line in lines if line["store_code"] == "=A1")
    assert mine["store_name"] == bad_name and Path(mine["file"]).name == bad_store

    import pyarrow.parquet as pq

    table = pq.read_table(out / "kpis_2026-10.parquet")
    assert str(table.schema.field("store_name").type) == "string"
    assert bad_name in table.column("store_name").to_pylist()
    assert any(Path(f).name == bad_store for f in table.column("file").to_pylist())

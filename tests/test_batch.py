"""Batch processing of many stores (addin.batch): group figures, the runner, the outputs, macros.

The runner and the outputs are tested with a registered test action (a worker that reads a JSON
"store" file), so they are exercised without the demo generator; the real actions are tested over
demo workbooks when the demo generator and the writer are there.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from addin.batch import BatchError, run_batch
from addin.batch.actions import Action, TaskOptions, register_action
from addin.batch.collect import collect_paths
from addin.batch.group import GROUP_RULES, group_kpis, ranking
from addin.batch.macros import compare_macros, normalise
from addin.errors import WorkbookReadError
from addin.i18n import Text
from addin.periods import PeriodError
from addin.store import Store

PERIOD = "2026-10"


# --- a small store as records, for exact group figures ----------------------------------------

def store_records(tag: str, k: int) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """A store whose figures differ with ``k``; every key is prefixed with ``tag`` so that two
    stores' records can be put together into one store."""
    tech, adv = f"{tag}T1", f"{tag}A1"
    vins = [f"{tag}VIN{n:013d}" for n in range(6)]
    wos = [f"{tag}W{n}" for n in range(7)]
    parts = [f"{tag}P1", f"{tag}P2"]
    records: dict[str, list[dict[str, Any]]] = {
        "roster": [
            {"staff_id": tech, "name": "Tech", "role": "technician", "hire_date": "2020-01-01", "piece_rate": 20 * k},
            {"staff_id": adv, "name": "Adv", "role": "service_advisor", "hire_date": "2020-01-01"},
        ],
        "positions": [{"role": "technician", "planned": 2}, {"role": "service_advisor", "planned": 1}],
        "vehicles": [
            {"vin": vins[0], "sale_date": "2026-04-03"},
            {"vin": vins[1], "sale_date": "2026-04-20"},
            {"vin": vins[2], "sale_date": "2026-04-28" if k > 1 else "2025-01-01"},
            {"vin": vins[3], "sale_date": "2024-01-01"},
            {"vin": vins[4], "sale_date": "2023-01-01"},
            {"vin": vins[5], "sale_date": "2022-01-01"},
        ],
        "work_orders": [
            {"wo_no": wos[0], "open_date": "2026-10-02", "close_date": "2026-10-03", "status": "settled",
             "vin": vins[0], "mileage": 5000, "advisor_id": adv, "repair_type": "maintenance",
             "first_service": True, "qc_first_pass": True, "csi_score": 9, "appointment": True,
             "followup_date": "2026-10-05"},
            {"wo_no": wos[1], "open_date": "2026-10-05", "close_date": "2026-10-06", "status": "settled",
             "vin": vins[3], "mileage": 40000, "advisor_id": adv, "repair_type": "general_repair",
             "qc_first_pass": k > 1, "csi_score": 6 + k, "complaint": k == 1},
            {"wo_no": wos[2], "open_date": "2026-10-10", "close_date": "2026-10-12", "status": "settled",
             "vin": vins[3], "mileage": 40100, "advisor_id": adv, "repair_type": "general_repair",
             "rework_of": wos[1], "followup_date": "2026-10-13"},
            {"wo_no": wos[3], "open_date": "2026-10-20", "close_date": "2026-10-22", "status": "settled",
             "vin": vins[1], "mileage": 900, "advisor_id": adv, "repair_type": "warranty",
             "qc_first_pass": True, "csi_score": 10, "appointment": k > 1},
            {"wo_no": wos[4], "open_date": "2026-10-28", "status": "in_progress", "vin": vins[4],
             "mileage": 70000, "advisor_id": adv, "repair_type": "accident"},
            {"wo_no": wos[5], "open_date": "2026-10-29", "status": "cancelled", "vin": vins[5],
             "mileage": 1000, "advisor_id": adv, "repair_type": "maintenance"},
            {"wo_no": wos[6], "open_date": "2025-03-01", "close_date": "2025-03-02", "status": "settled",
             "vin": vins[5], "mileage": 900, "advisor_id": adv, "repair_type": "maintenance"},
        ],
        "wo_lines": [
            {"wo_no": wos[0], "line_no": 1, "line_type": "labor", "qty": 1.5, "unit_price": 200 * k,
             "pay_type": "customer", "technician_id": tech, "actual_hours": 1.2},
            {"wo_no": wos[0], "line_no": 2, "line_type": "part", "item_code": parts[0], "qty": 2,
             "unit_price": 113, "pay_type": "customer"},
            {"wo_no": wos[1], "line_no": 1, "line_type": "labor", "qty": 3, "unit_price": 180,
             "discount_pct": 0.1 * k, "pay_type": "customer", "technician_id": tech},
            {"wo_no": wos[1], "line_no": 2, "line_type": "sublet", "qty": 1, "unit_price": 565 * k,
             "pay_type": "customer", "cost": 300},
            {"wo_no": wos[1], "line_no": 3, "line_type": "part", "item_code": parts[1], "qty": 1,
             "unit_price": 999, "pay_type": "customer", "declined": True},
            {"wo_no": wos[2], "line_no": 1, "line_type": "labor", "qty": 1, "unit_price": 0,
             "pay_type": "internal", "technician_id": tech},
            {"wo_no": wos[3], "line_no": 1, "line_type": "part", "item_code": parts[1], "qty": k,
             "unit_price": 339, "pay_type": "warranty"},
            {"wo_no": wos[4], "line_no": 1, "line_type": "part", "item_code": parts[0], "qty": 1,
             "unit_price": 113, "pay_type": "insurance"},
        ],
        "parts": [{"part_no": parts[0], "name": "Filter", "safety_stock": 5 * k},
                  {"part_no": parts[1], "name": "Pump", "safety_stock": 1}],
        "parts_ledger": [
            {"txn_id": f"{tag}L1", "txn_date": "2026-09-01", "part_no": parts[0], "txn_type": "receipt",
             "qty": 10, "unit_cost": 40 + k},
            {"txn_id": f"{tag}L2", "txn_date": "2026-09-01", "part_no": parts[1], "txn_type": "receipt",
             "qty": 3 * k, "unit_cost": 200},
            {"txn_id": f"{tag}L3", "txn_date": "2026-10-02", "part_no": parts[0], "txn_type": "issue",
             "qty": 2, "wo_no": wos[0]},
            {"txn_id": f"{tag}L4", "txn_date": "2026-10-20", "part_no": parts[1], "txn_type": "issue",
             "qty": k, "wo_no": wos[3]},
            {"txn_id": f"{tag}L5", "txn_date": "2026-10-15", "part_no": parts[0], "txn_type": "counter_sale",
             "qty": k, "unit_price": 113},
            {"txn_id": f"{tag}L6", "txn_date": "2026-10-16", "part_no": parts[0], "txn_type": "receipt",
             "qty": 5, "unit_cost": 45},
            {"txn_id": f"{tag}L7", "txn_date": "2026-10-28", "part_no": parts[0], "txn_type": "issue",
             "qty": 1, "wo_no": wos[4]},
        ],
        "stocktake": [{"count_date": "2026-10-31", "part_no": parts[1], "counted_qty": 2 * k},
                      {"count_date": "2026-10-31", "part_no": parts[0], "counted_qty": 11 - k}],
        "backorders": [{"bo_id": f"{tag}B1", "request_date": "2026-10-05", "part_no": parts[1], "qty": 1}] * k,
        "claims": [
            {"claim_no": f"{tag}C1", "claim_type": "warranty", "wo_no": wos[3], "payer": "OEM",
             "submitted_date": "2026-10-23", "status": "paid", "claimed_amount": 300 * k,
             "approved_amount": 280 * k, "decided_date": "2026-10-25"},
            {"claim_no": f"{tag}C2", "claim_type": "insurance", "wo_no": wos[4], "payer": "PICC",
             "submitted_date": "2026-09-10", "status": "rejected" if k == 1 else "approved",
             "claimed_amount": 1000, "approved_amount": None if k == 1 else 900,
             "decided_date": "2026-10-02", "rejection_reason": "late" if k == 1 else None},
        ],
        "claim_payments": [
            {"payment_id": f"{tag}Y1", "claim_no": f"{tag}C1", "paid_date": "2026-10-27", "amount": 100 * k},
            {"payment_id": f"{tag}Y2", "claim_no": f"{tag}C1", "paid_date": "2026-10-30", "amount": 180 * k},
        ],
    }
    if k > 1:  # a busier store: more jobs weigh more in the group's ratios
        records["work_orders"].append(
            {"wo_no": f"{tag}W9", "open_date": "2026-10-14", "close_date": "2026-10-15", "status": "settled",
             "vin": vins[2], "mileage": 800, "advisor_id": adv, "repair_type": "maintenance", "csi_score": 3,
             "qc_first_pass": True})
        records["wo_lines"].append({"wo_no": f"{tag}W9", "line_no": 1, "line_type": "labor", "qty": 0.5,
                                    "unit_price": 300, "pay_type": "customer", "technician_id": tech})
        records["wo_lines"].append({"wo_no": f"{tag}W9", "line_no": 2, "line_type": "part", "item_code": parts[0],
                                    "qty": 1, "unit_price": 113, "pay_type": "customer"})
        records["claims"].append({"claim_no": f"{tag}C3", "claim_type": "warranty", "wo_no": wos[3], "payer": "OEM",
                                  "submitted_date": "2026-10-24", "status": "approved", "claimed_amount": 50,
                                  "approved_amount": 50, "decided_date": "2026-10-26"})
    records["backorders"] = [dict(r, bo_id=f"{tag}B{i}") for i, r in enumerate(records["backorders"])]
    settings = {"store_code": f"S{tag}", "store_name": f"Store {tag}", "tax_rate": 0.13,
                "target_revenue": 1000.0 * k, "target_comeback_rate": 0.1}
    return records, settings


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def test_group_rules_cover_every_kpi_in_registry_order() -> None:
    from addin.kpis import KPIS

    assert list(GROUP_RULES) == list(KPIS)


def test_group_figures_equal_the_kpis_of_the_stores_taken_as_one_store() -> None:
    """The group is one big service department: its figures must be what compute_kpis gives for
    all stores' records put together, for every KPI (ratios from sums, never averaged)."""
    from addin.kpis import compute_kpis

    (ra, sa), (rb, _) = store_records("A", 1), store_records("B", 2)
    a, b = Store.from_records(ra, sa), Store.from_records(rb, sa)
    both = Store.from_records({sheet: ra[sheet] + rb[sheet] for sheet in ra}, sa)
    results = [compute_kpis(s, PERIOD) for s in (a, b)]
    stores = [{"kpis": r.to_json(), "parts": r.parts} for r in results]
    group = group_kpis(stores, PERIOD)
    truth = compute_kpis(both, PERIOD).to_json()
    wrong = {k: (group[k], truth[k]) for k in GROUP_RULES if not _close(group[k], truth[k])}
    assert wrong == {}
    # The two stores really differ, so a plain average would be caught above.
    for kpi in ("gross_margin", "revenue_per_ro", "csi", "qc_first_pass_rate", "stock_turnover",
                "claim_rejection_rate", "fill_rate", "first_service_rate"):
        x, y = stores[0]["kpis"][kpi], stores[1]["kpis"][kpi]
        assert x is not None and y is not None and not _close(x, y), kpi
        assert not _close(group[kpi], (x + y) / 2), kpi


def test_group_rules_by_hand() -> None:
    stores = [
        {"kpis": {"revenue": 1000.0, "gross_profit": 400.0, "settled_ros": 10, "comeback_rate": 0.1,
                  "csi": 9.0, "csi_responses": 2, "parts_cogs": 100.0, "stock_value_open": 300.0,
                  "stock_value_close": 500.0, "qc_first_pass_rate": 0.5}, "parts": {"qc_first_pass_rate": [2, 4]}},
        {"kpis": {"revenue": 3000.0, "gross_profit": 600.0, "settled_ros": 30, "comeback_rate": 0.0,
                  "csi": 6.0, "csi_responses": 1, "parts_cogs": 300.0, "stock_value_open": 700.0,
                  "stock_value_close": 500.0, "qc_first_pass_rate": None}, "parts": {"qc_first_pass_rate": [0, 0]}},
    ]
    g = group_kpis(stores, "2026-02")
    assert g["revenue"] == 4000.0
    assert g["gross_margin"] == 1000.0 / 4000.0
    assert g["revenue_per_ro"] == 100.0
    assert g["comeback_rate"] == 1 / 40
    assert g["first_time_fix_rate"] == 1 - 1 / 40
    assert g["csi"] == 8.0
    assert g["qc_first_pass_rate"] == 0.5
    assert g["stock_turnover"] == 400.0 * 12 / 1000.0
    assert g["stock_days"] == 1000.0 / (400.0 / 28)  # February 2026 has 28 days
    assert g["hours_per_ro"] == 0.0 and g["effective_labor_rate"] is None
    assert GROUP_RULES["gross_margin"].text("gross_margin") == "Σ gross_profit / Σ revenue"
    assert GROUP_RULES["csi"].text("csi") == "Σ(csi × csi_responses) / Σ csi_responses"


def test_ranking_shares_ranks_and_puts_blanks_last() -> None:
    stores = [{"store_code": c, "kpis": {"revenue": v}} for c, v in (("A", 5.0), ("B", 9.0), ("C", 5.0), ("D", None))]
    assert [(r, s["store_code"]) for r, s, _ in ranking(stores, "revenue")] == [(1, "B"), (2, "A"), (2, "C"), (0, "D")]
    assert [s["store_code"] for _, s, _ in ranking(stores, "revenue", higher_is_better=False)][:3] == ["A", "C", "B"]


# --- the runner and the outputs, with a test action ---------------------------------------------

NOT_A_STORE = Text("{file}: not a test store", "{file}：不是测试门店")


def json_store_worker(path: str, options: TaskOptions) -> dict[str, Any]:
    """A worker for the test action: the file holds {"store_code", "kpis", "targets", "parts"}."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise WorkbookReadError(NOT_A_STORE, file=Path(path).name) from None
    if data.get("crash"):
        os._exit(1)  # a reader that takes its process down
    status = "errors" if data.get("errors") else "ok"
    return {"status": status, "store_code": data["store_code"], "store_name": data.get("store_name"),
            "kpis": {**data["kpis"], "period": options.period, "store_code": data["store_code"]},
            "targets": data.get("targets", {}), "parts": data.get("parts", {})}


register_action(Action("test-json", json_store_worker))


def _digest(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def _json_store(folder: Path, name: str, code: str, revenue: float, profit: float, ros: int, **extra: Any) -> Path:
    path = folder / name
    kpis = {"revenue": revenue, "gross_profit": profit, "settled_ros": ros, "entries": ros + 1}
    path.write_text(json.dumps({"store_code": code, "store_name": f"Store {code}", "kpis": kpis,
                                "targets": {"revenue": 1000.0, "gross_margin": 0.3}, **extra}), encoding="utf-8")
    return path


@pytest.fixture()
def json_stores(tmp_path: Path) -> Path:
    folder = tmp_path / "stores"
    (folder / "north").mkdir(parents=True)
    _json_store(folder, "s1.xlsx", "S1", 1000.0, 400.0, 10)
    _json_store(folder / "north", "s2.xlsm", "S2", 3000.0, 600.0, 30)
    _json_store(folder, "s3.xlsx", "S3", 500.0, 250.0, 5)
    (folder / "~$s1.xlsx").write_text("lock", encoding="utf-8")
    (folder / "s1.bak.xlsx").write_text("backup", encoding="utf-8")
    (folder / "notes.txt").write_text("not scanned", encoding="utf-8")
    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04 truncated")
    return folder


def test_collect_paths_folders_globs_and_missing(json_stores: Path) -> None:
    files, missing = collect_paths([json_stores, str(json_stores / "*.xlsx"), json_stores / "nope.xlsx",
                                    str(json_stores / "zz*.xlsm")])
    assert [p.name for p in files] == ["broken.xlsx", "s2.xlsm", "s1.xlsx", "s3.xlsx"]
    assert missing == [{"file": str(json_stores / "nope.xlsx"), "reason": f"No such file or folder: {json_stores / 'nope.xlsx'}"},
                       {"file": str(json_stores / "zz*.xlsm"), "reason": f"No workbook matches {json_stores / 'zz*.xlsm'}"}]


def test_collect_passes_over_the_add_ins_own_output(json_stores: Path) -> None:
    """A second run over the same folder must not read the first run's group report, nor the
    report packs a close writes beside the workbooks, as stores."""
    out = json_stores / "group"
    out.mkdir()
    (out / "group_kpi_2026-10.xlsx").write_text("{}", encoding="utf-8")
    pack = json_stores / "s1_reports" / "2026-10"
    pack.mkdir(parents=True)
    (pack / "S1_2026-10_monthly.xlsx").write_text("{}", encoding="utf-8")
    files, _ = collect_paths([json_stores], skip=[out])
    assert [p.name for p in files] == ["broken.xlsx", "s2.xlsm", "s1.xlsx", "s3.xlsx"]
    files, _ = collect_paths([str(json_stores / "**" / "*.xlsx")], skip=[out])
    assert [p.name for p in files] == ["broken.xlsx", "s1.xlsx", "s3.xlsx"]


def test_batch_over_a_folder(json_stores: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = {p: _digest(p) for p in json_stores.rglob("*")if p.is_file()}
    out = tmp_path / "out"
    result = run_batch([json_stores], "test-json", PERIOD, out_dir=out, workers=2, macros=False, pdf=False)
    assert [s["store_code"] for s in result.stores] == ["S2", "S1", "S3"]  # input order: north/ first
    assert result.failures == [{"file": str(json_stores / "broken.xlsx"), "reason": "broken.xlsx: not a test store"}]
    assert result.exit_code == 2
    assert result.group["revenue"] == 4500.0
    assert result.group["gross_margin"] == 1250.0 / 4500.0
    assert result.group["revenue_per_ro"] == 4500.0 / 45
    assert {p: _digest(p) for p in before} == before
    assert len(result.peak_rss_mb) >= 1 and all(v > 10 for v in result.peak_rss_mb.values())
    # Not a terminal: one plain line per file on stderr.
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 4 and any(line.startswith("[") and "failed" in line and "broken.xlsx" in line for line in lines)

    lines = (out / f"kpis_{PERIOD}.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["store_code"] for line in lines] == ["S2", "S1", "S3"]
    assert json.loads(lines[1])["file"] == str(json_stores / "s1.xlsx")
    assert json.loads(lines[1])["revenue"] == 1000.0

    import pyarrow.parquet as pq

    table = pq.read_table(out / f"kpis_{PERIOD}.parquet")
    assert table.num_rows == 3 and table.column("revenue").to_pylist() == [3000.0, 1000.0, 500.0]
    assert str(table.schema.field("gross_margin").type) == "double"
    assert table.column("gross_margin").to_pylist() == [None, None, None]  # not in the test JSON

    from openpyxl import load_workbook

    wb = load_workbook(result.outputs["xlsx"])
    assert wb.sheetnames == ["Stores", "Group", "Targets", "Ranking", "Macros", "Failures"]
    rows = list(wb["Stores"].iter_rows(min_row=3, values_only=True))
    assert rows[0][:5] == ("Store code", "Store name", "File", "Status", "Macros")
    assert [r[0] for r in rows[1:]] == ["S2", "S1", "S3", "Group"]
    revenue_col = rows[0].index("Revenue")
    assert [r[revenue_col] for r in rows[1:]] == [3000.0, 1000.0, 500.0, 4500.0]
    group = {r[1]: r[2] for r in wb["Group"].iter_rows(min_row=2, values_only=True)}
    assert group["gross_margin"] == 1250.0 / 4500.0
    ranks = list(wb["Ranking"].iter_rows(min_row=3, max_col=4, values_only=True))
    assert ranks == [(1, "S2", "Store S2", 3000.0), (2, "S1", "Store S1", 1000.0), (3, "S3", "Store S3", 500.0)]
    targets = [r for r in wb["Targets"].iter_rows(min_row=2, values_only=True) if r[0] in ("S3", "Group")]
    assert targets == [("S3", "Store S3", "Revenue", 500.0, 1000.0, -500.0, 0.5, "no"),
                       ("S3", "Store S3", "Gross margin", None, 0.3, None, None, None),
                       ("Group", None, "Revenue", 4500.0, 3000.0, 1500.0, 1.5, "yes")]
    failures = list(wb["Failures"].iter_rows(min_row=2, values_only=True))
    assert failures == [(str(json_stores / "broken.xlsx"), "broken.xlsx: not a test store")]


def test_exit_codes_and_zh_cn_report(json_stores: Path, tmp_path: Path) -> None:
    (json_stores / "broken.xlsx").unlink()
    ok = run_batch([json_stores], "test-json", PERIOD, workers=1, progress=False, macros=False)
    assert ok.exit_code == 0 and ok.outputs == {} and ok.failures == []
    _json_store(json_stores, "s4.xlsx", "S4", 1.0, 1.0, 1, errors=True)
    seen: list[tuple[int, int, str]] = []
    flagged = run_batch([json_stores], "test-json", PERIOD, workers=1, macros=False, pdf=False, locale="zh-CN",
                        out_dir=tmp_path / "zh", progress=lambda done, total, r: seen.append((done, total, r["status"])))
    assert flagged.exit_code == 1
    assert [d for d, _, _ in seen] == [1, 2, 3, 4] and {t for _, t, _ in seen} == {4}
    assert sorted(status for _, _, status in seen) == ["errors", "ok", "ok", "ok"]
    from openpyxl import load_workbook

    wb = load_workbook(flagged.outputs["xlsx"])
    assert wb.sheetnames == ["门店", "集团汇总", "目标达成", "排名", "宏检查", "失败"]
    header = [c.value for c in wb["门店"][3]]
    assert header[:4] == ["门店代码", "门店名称", "文件", "状态"] and "营业额" in header


def test_a_worker_that_dies_fails_only_its_file(json_stores: Path) -> None:
    _json_store(json_stores, "s0.xlsx", "S0", 1.0, 1.0, 1, crash=True)
    result = run_batch([json_stores], "test-json", PERIOD, workers=2, progress=False, macros=False)
    assert sorted(s["store_code"] for s in result.stores) == ["S1", "S2", "S3"]
    reasons = {Path(f["file"]).name: f["reason"] for f in result.failures}
    assert reasons["s0.xlsx"].startswith("The worker process stopped")
    assert reasons["broken.xlsx"] == "broken.xlsx: not a test store"


@pytest.mark.slow
def test_on_dask_a_worker_that_dies_fails_only_its_file_not_its_chunk(json_stores: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import dask
    import dask.distributed  # noqa: F401  (its settings loaded before one of them is changed)

    from addin.batch import runner

    _json_store(json_stores, "s0.xlsx", "S0", 1.0, 1.0, 1, crash=True)
    monkeypatch.setattr(runner, "IN_FLIGHT", 1)  # two workers, five files: tasks of two files
    files, _ = collect_paths([json_stores])
    assert [[Path(f).name for f in chunk] for chunk in runner.chunks([str(f) for f in files], 2)] == [
        ["broken.xlsx", "s2.xlsm"], ["s0.xlsx", "s1.xlsx"], ["s3.xlsx"]]
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):  # two deaths end a task
        result = run_batch([json_stores], "test-json", PERIOD, scheduler="local", workers=2, progress=False,
                           macros=False)
    assert sorted(s["store_code"] for s in result.stores) == ["S1", "S2", "S3"]
    reasons = {Path(f["file"]).name: f["reason"] for f in result.failures}
    assert sorted(reasons) == ["broken.xlsx", "s0.xlsx"]
    assert reasons["s0.xlsx"].startswith("The Dask cluster could not process this file: KilledWorker")
    assert reasons["broken.xlsx"] == "broken.xlsx: not a test store"


def test_bad_arguments_are_one_clear_error(json_stores: Path) -> None:
    with pytest.raises(BatchError, match="Unknown batch action 'tally'"):
        run_batch([json_stores], "tally", PERIOD)
    with pytest.raises(PeriodError, match="not a month written YYYY-MM"):
        run_batch([json_stores], "kpi", "2026-13")
    with pytest.raises(BatchError, match="No workbook to process"):
        run_batch([json_stores / "empty*"], "kpi", PERIOD)


def test_the_same_batch_on_a_dask_cluster(json_stores: Path, tmp_path: Path) -> None:
    from dask.distributed import LocalCluster

    local = run_batch([json_stores], "test-json", PERIOD, out_dir=tmp_path / "local", workers=2,
                      progress=False, macros=False, pdf=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        remote = run_batch([json_stores], "test-json", PERIOD, out_dir=tmp_path / "dask",
                           scheduler=cluster.scheduler_address, progress=False, macros=False, pdf=False)
    assert remote.failures == local.failures
    assert remote.group == local.group
    for name in (f"kpis_{PERIOD}.jsonl", f"kpis_{PERIOD}.parquet"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()
    assert _cells(remote.outputs["xlsx"]) == _cells(local.outputs["xlsx"])


def _cells(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb}


# --- macros -----------------------------------------------------------------------------------

def _xlwings_book(tmp_path: Path) -> Path:
    from addin.vba import xlwings_template

    dest = tmp_path / "store.xlsm"
    shutil.copyfile(xlwings_template(), dest)
    return dest


def test_normalise_ignores_what_excel_changes() -> None:
    exported = ('VERSION 1.0 CLASS\r\nBEGIN\r\n  MultiUse = -1  \'True\r\nEND\r\nAttribute VB_Name = "Foo"\r\n'
                "Option Explicit  \r\nSub A()\r\nEnd Sub\r\n\r\n")
    stored = 'Attribute VB_Name = "Foo"\nAttribute VB_Exposed = False\nOption Explicit\nSub A()\nEnd Sub'
    assert normalise(exported) == normalise(stored) == "Option Explicit\nSub A()\nEnd Sub"


def test_compare_macros(tmp_path: Path) -> None:
    from addin.batch.macros import workbook_modules

    book = _xlwings_book(tmp_path)
    modules = workbook_modules(book)
    assert modules is not None
    official = {name: normalise(modules[name]) for name in ("Module1", "xlwings", "Dictionary")}
    assert compare_macros(book, official)["status"] == "same"

    official["Module1"] = normalise(modules["Module1"]) + "\n' edited"
    official["Service"] = "Sub Validate()\nEnd Sub"
    del official["Dictionary"]
    result = compare_macros(book, official)
    assert (result["status"], result["missing"], result["changed"], result["extra"]) == (
        "differs", ["Service"], ["Module1"], ["Dictionary"])  # Sheet1, ThisWorkbook: document modules

    plain = tmp_path / "plain.xlsx"
    from openpyxl import Workbook

    Workbook().save(plain)
    assert compare_macros(plain, official)["status"] == "no_macros"


def test_macros_flagged_in_the_batch(json_stores: Path, tmp_path: Path) -> None:
    official = tmp_path / "official"
    official.mkdir()
    (official / "Service.bas").write_text('Attribute VB_Name = "Service"\r\nSub Validate()\r\nEnd Sub\r\n')
    result = run_batch([json_stores / "s1.xlsx"], "test-json", PERIOD, progress=False, macros=official)
    assert result.stores[0]["macros"] == {"status": "no_macros", "missing": ["Service"], "changed": [],
                                          "extra": [], "reason": None}


# --- the real actions over workbooks -------------------------------------------------------------

def encrypted_workbook(path: Path) -> Path:
    """An OLE compound file with the EncryptionInfo and EncryptedPackage streams, as Excel saves a
    workbook with a password to open."""
    from pyopenvba.cfb import CFB

    from addin.vba import xlwings_template

    cfb = CFB.from_bytes(zipfile.ZipFile(xlwings_template()).read("xl/vbaProject.bin"))
    for storage in cfb.list_storages_at(()):
        cfb.remove_storage_at((), storage)
    for stream in cfb.list_streams_at(()):
        cfb.remove_stream(stream)
    cfb.add_stream_at((), "EncryptionInfo", b"\x04\x00\x04\x00\x40\x00\x00\x00" + bytes(200))
    cfb.add_stream_at((), "EncryptedPackage", bytes(5000))
    path.write_bytes(cfb.to_bytes())
    return path


def bad_files(folder: Path, good: Path) -> dict[str, Path]:
    """A truncated copy of a good workbook, an encrypted one and a text file named .xlsx."""
    folder.mkdir(parents=True, exist_ok=True)
    truncated = folder / "truncated.xlsm"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    text = folder / "readme.xlsx"
    text.write_text("This is not a workbook.", encoding="utf-8")
    return {"truncated": truncated, "encrypted": encrypted_workbook(folder / "locked.xlsx"), "text": text}


def test_unreadable_files_are_reported_with_their_reason(tmp_path: Path) -> None:
    from openpyxl import Workbook

    good = tmp_path / "good.xlsx"
    Workbook().save(good)
    files = bad_files(tmp_path / "in", good)
    result = run_batch([tmp_path / "in"], "kpi", PERIOD, workers=2, progress=False, macros=False)
    reasons = {Path(f["file"]).name: f["reason"] for f in result.failures}
    assert reasons == {
        "locked.xlsx": "locked.xlsx: the workbook is encrypted; open it in Excel, remove the password and save it again.",
        "readme.xlsx": "readme.xlsx: not an Excel workbook (.xlsx or .xlsm).",
        "truncated.xlsm": reasons["truncated.xlsm"],
    }
    assert reasons["truncated.xlsm"].startswith("truncated.xlsm: the workbook is damaged or incomplete")
    assert result.exit_code == 2 and result.stores == []
    assert sorted(reasons) == sorted(p.name for p in files.values())


def write_demo_store(path: Path, seed: int, code: str, *, template: Path | None = None, broken: bool = False) -> Path:
    """A demo store (small, 2 months ending 2026-10) with its own store code, written into a copy
    of ``template`` (a built Service.xlsm) or, without one, a macro-free .xlsx; ``broken`` plants
    a line with a negative quantity in October, an error that refuses close."""
    from addin import demo
    from addin.io.builder import build_workbook
    from addin.io.writer import replace_rows, save_atomic, update_workbook

    records = demo.generate("small", 2, seed)
    records["settings"] = [dict(r, value=code) if r["key"] == "store_code" else r for r in records["settings"]]
    if broken:
        october = {w["wo_no"] for w in records["work_orders"] if str(w["open_date"]) >= f"{PERIOD}-01"}
        index = next(i for i, line in enumerate(records["wo_lines"]) if line["wo_no"] in october)
        records["wo_lines"][index] = dict(records["wo_lines"][index], qty=-1)

    def fill(wb: Any) -> None:
        for sheet, rows in records.items():
            replace_rows(wb, sheet, rows, "en-US")

    if template is None:
        wb = build_workbook("en-US")
        fill(wb)
        return save_atomic(wb, path, backup=False)
    shutil.copyfile(template, path)
    update_workbook(path, fill, backup=False)
    return path


def edit_macros(path: Path) -> None:
    """What a store might do: patch an official module and add one of its own."""
    from pyopenvba import ExcelFile

    with ExcelFile(path) as book:
        book.set_module("Service", book.get_module("Service").replace("e.validate()", "e.validate() ' local fix"))
        book.vba_project().add_module("Helper", 'Attribute VB_Name = "Helper"\r\nSub Hello()\r\nEnd Sub\r\n')
        book.save(path)


@pytest.fixture(scope="module")
def demo_stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """S01.xlsm with the official macros, S02.xlsm with edited macros, S03.xlsx without macros,
    the three bad files in bad/, and S09.xlsx (an error in October) in another folder."""
    from addin.io.builder import build

    template = build(tmp_path_factory.mktemp("template") / "Service.xlsm", "en-US", backup=False)
    folder = tmp_path_factory.mktemp("group")
    stores = {"S01": write_demo_store(folder / "S01.xlsm", 1, "S01", template=template),
              "S02": write_demo_store(folder / "S02.xlsm", 2, "S02", template=template),
              "S03": write_demo_store(folder / "S03.xlsx", 3, "S03")}
    edit_macros(stores["S02"])
    bad = bad_files(folder / "bad", stores["S01"])
    broken = write_demo_store(tmp_path_factory.mktemp("refuse") / "S09.xlsx", 9, "S09", broken=True)
    return {**stores, **bad, "broken": broken, "folder": folder}


def _single_store_json(path: Path) -> dict[str, Any]:
    """What `service-addin kpi PATH --period P --json` prints."""
    import argparse
    import contextlib

    from addin.commands import kpi

    parser = argparse.ArgumentParser()
    kpi.add_arguments(parser)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert kpi.run(parser.parse_args([str(path), "--period", PERIOD, "--json"])) == 0
    return json.loads(out.getvalue())


@pytest.mark.slow
def test_kpi_batch_over_demo_stores(demo_stores: dict[str, Path], tmp_path: Path) -> None:
    folder = demo_stores["folder"]
    before = {p: _digest(p) for p in folder.rglob("*") if p.is_file()}
    result = run_batch([folder], "kpi", PERIOD, out_dir=tmp_path / "out", workers=2, progress=False, pdf=False)
    assert [s["store_code"] for s in result.stores] == ["S01", "S02", "S03"]
    for store in result.stores:
        assert store["kpis"] == _single_store_json(Path(store["file"]))
    assert [(s["macros"]["status"], s["macros"]["missing"], s["macros"]["changed"], s["macros"]["extra"])
            for s in result.stores] == [
        ("same", [], [], []),
        ("differs", [], ["Service"], ["Helper"]),
        ("no_macros", ["Dictionary", "Service", "xlwings", "xlwings_udfs"], [], []),
    ]
    reasons = {Path(f["file"]).name: f["reason"] for f in result.failures}
    assert sorted(reasons) == ["locked.xlsx", "readme.xlsx", "truncated.xlsm"]
    assert reasons["locked.xlsx"].startswith("locked.xlsx: the workbook is encrypted;")
    assert reasons["readme.xlsx"] == "readme.xlsx: not an Excel workbook (.xlsx or .xlsm)."
    assert reasons["truncated.xlsm"].startswith("truncated.xlsm: the workbook is damaged or incomplete")
    assert result.exit_code == 2
    assert {p: _digest(p) for p in before} == before
    revenue = sum(s["kpis"]["revenue"] for s in result.stores)
    profit = sum(s["kpis"]["gross_profit"] for s in result.stores)
    assert result.group["revenue"] == pytest.approx(revenue, rel=1e-12)
    assert result.group["gross_margin"] == pytest.approx(profit / revenue, rel=1e-12)

    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        remote = run_batch([folder], "kpi", PERIOD, out_dir=tmp_path / "dask", scheduler=cluster.scheduler_address,
                           progress=False, pdf=False)
    assert remote.failures == result.failures and remote.group == result.group
    for name in (f"kpis_{PERIOD}.jsonl", f"kpis_{PERIOD}.parquet"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "out" / name).read_bytes()
    assert _cells(remote.outputs["xlsx"]) == _cells(result.outputs["xlsx"])


@pytest.mark.slow
def test_a_workbook_without_store_sheets_is_a_failure_not_a_store_of_zeros(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Price list"
    wb.save(tmp_path / "prices.xlsx")
    result = run_batch([tmp_path / "prices.xlsx"], "kpi", PERIOD, workers=1, progress=False)
    assert result.stores == [] and result.exit_code == 2
    assert [f["reason"] for f in result.failures] == [
        "prices.xlsx: not a Service workbook (none of its sheets is a store's data: work orders, parts ledger, "
        "claims ...)."]


def test_validate_batch_reads_only(demo_stores: dict[str, Path]) -> None:
    files = [demo_stores[c] for c in ("S01", "S02", "broken")]
    before = {p: _digest(p) for p in files}
    result = run_batch(files, "validate", PERIOD, workers=2, progress=False, macros=False)
    assert [(s["store_code"], s["status"], s["findings"]["errors"]) for s in result.stores] == [
        ("S01", "ok", 0), ("S02", "ok", 0), ("S09", "errors", 1)]
    assert [(f["rule"], f["sheet"], f["column"], f["value"]) for f in result.stores[2]["findings"]["items"]
            if f["severity"] == "error"] == [("LN-QTY", "wo_lines", "qty", -1.0)]
    assert result.failures == [] and result.exit_code == 1
    assert {p: _digest(p) for p in files} == before
    assert run_batch([demo_stores["S01"], demo_stores["text"]], "validate", PERIOD, workers=1, progress=False,
                     macros=False).exit_code == 2


@pytest.mark.slow
def test_close_batch_closes_or_refuses_each_store(demo_stores: dict[str, Path], tmp_path: Path) -> None:
    folder = tmp_path / "close"
    folder.mkdir()
    good = Path(shutil.copyfile(demo_stores["S02"], folder / "S02.xlsm"))
    shutil.copyfile(demo_stores["broken"], folder / "S09.xlsx")
    result = run_batch([folder], "close", PERIOD, out_dir=tmp_path / "out", workers=2, user="S001",
                       progress=False, pdf=False, macros=False)
    assert [(s["store_code"], s["status"]) for s in result.stores] == [("S02", "ok"), ("S09", "refused")]
    assert result.stores[1]["reason"].startswith(f"Period {PERIOD} not closed")
    assert result.exit_code == 1
    assert [s["store_code"] for s in result.measured] == ["S02"]
    assert result.group["revenue"] == result.stores[0]["kpis"]["revenue"]
    assert any((tmp_path / "out" / "S02").iterdir())
    assert good.read_bytes() != demo_stores["S02"].read_bytes()  # closed: periods and audit_log written


@pytest.mark.slow
def test_command_line(demo_stores: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from addin.cli import main

    code = main(["batch", "validate", str(demo_stores["S01"]), str(demo_stores["text"]), "--period", PERIOD,
                 "--out", str(tmp_path / "out"), "--no-pdf", "--no-macros", "--workers", "1", "--locale", "zh-CN"])
    out, err = capsys.readouterr()
    assert code == 2
    assert "validate：已处理 1 家门店，1 个文件失败" in out
    assert f"已写入 {tmp_path / 'out' / f'group_validate_{PERIOD}.xlsx'}" in out
    assert f"失败：{demo_stores['text']}：readme.xlsx：不是 Excel 工作簿（.xlsx 或 .xlsm）。" in err
    assert main(["batch", "kpi", str(tmp_path / "none"), "--period", PERIOD]) == 2
    assert "No workbook to process: No such file or folder" in capsys.readouterr().err

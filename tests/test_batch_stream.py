"""Streaming batch (addin.batch.stream): each store's result is written to the JSON lines, the
Parquet row groups and the spool as it arrives, in input order, and the group report made from
the spool is the one a held result gives."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from test_batch import PERIOD, _cells, _json_store, json_store_worker, json_stores  # noqa: F401 - a fixture

from addin.batch import run_batch, stream
from addin.batch.actions import Action, TaskOptions, register_action
from addin.batch.group import GroupTotals, group_kpis
from addin.batch.outputs import write_group_report, write_jsonl, write_parquet


def waiting_worker(path: str, options: TaskOptions) -> dict[str, Any]:
    """The test store's result; a store with ``wait_for`` first waits (up to 20 s) until the
    batch's JSON lines file holds that many lines, and says how many it saw."""
    result = json_store_worker(path, options)
    wanted = json.loads(Path(path).read_text(encoding="utf-8")).get("wait_for")
    if wanted:
        lines = Path(options.out_dir or ".") / f"kpis_{options.period}.jsonl"
        deadline = time.monotonic() + 20
        seen = 0
        while time.monotonic() < deadline:
            seen = len(lines.read_text(encoding="utf-8").splitlines()) if lines.exists() else 0
            if seen >= wanted:
                break
            time.sleep(0.02)
        result["seen"] = seen
    return result


register_action(Action("test-wait", waiting_worker))


def test_lines_are_written_while_a_later_store_is_still_running(tmp_path: Path) -> None:
    folder = tmp_path / "stores"
    folder.mkdir()
    _json_store(folder, "a1.xlsx", "A1", 100.0, 40.0, 2)
    _json_store(folder, "a2.xlsx", "A2", 200.0, 50.0, 3)
    _json_store(folder, "a3.xlsx", "A3", 300.0, 60.0, 4, wait_for=2)
    out = tmp_path / "out"
    result = run_batch([folder], "test-wait", PERIOD, out_dir=out, workers=2, progress=False, macros=False, pdf=False)
    # a3 ran while the batch was going on, and found the lines of a1 and a2 already in the file
    assert [(s["store_code"], s.get("seen")) for s in result.stores] == [("A1", None), ("A2", None), ("A3", 2)]
    lines = (out / f"kpis_{PERIOD}.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["revenue"] for line in lines] == [100.0, 200.0, 300.0]
    assert result.group["revenue"] == 600.0 and result.group["gross_margin"] == 150.0 / 600.0
    assert sorted(p.name for p in out.iterdir()) == [f"group_test-wait_{PERIOD}.xlsx", f"kpis_{PERIOD}.jsonl",
                                                   f"kpis_{PERIOD}.parquet"]  # the spool is gone


def test_the_streamed_files_equal_those_of_a_held_result(json_stores: Path, tmp_path: Path,  # noqa: F811
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import pyarrow.parquet as pq

    monkeypatch.setattr(stream, "ROW_GROUP", 2)  # three stores: two row groups, written as they come
    kept = run_batch([json_stores], "test-json", PERIOD, out_dir=tmp_path / "kept", workers=2, progress=False,
                     macros=False, pdf=False)
    held = tmp_path / "held"
    held.mkdir()
    write_group_report(kept, held / "group.xlsx")
    assert _cells(kept.outputs["xlsx"]) == _cells(held / "group.xlsx")
    write_jsonl(kept, held / "kpis.jsonl")
    assert kept.outputs["jsonl"].read_bytes() == (held / "kpis.jsonl").read_bytes()
    write_parquet(kept, held / "kpis.parquet")
    streamed = pq.ParquetFile(kept.outputs["parquet"])
    assert streamed.metadata.num_row_groups == 2 and streamed.metadata.num_rows == 3
    assert streamed.read().equals(pq.read_table(held / "kpis.parquet"))

    flat = run_batch([json_stores], "test-json", PERIOD, out_dir=tmp_path / "flat", workers=2, progress=False,
                     macros=False, pdf=False, keep_stores=False)
    assert flat.stores == [] and (flat.store_count, flat.flagged) == (3, 0)
    assert flat.exit_code == kept.exit_code == 2 and flat.failures == kept.failures
    assert flat.group == kept.group and flat.group["revenue"] == 4500.0
    assert _cells(flat.outputs["xlsx"]) == _cells(kept.outputs["xlsx"])
    for name in ("jsonl", "parquet"):
        assert flat.outputs[name].read_bytes() == kept.outputs[name].read_bytes()


def test_reorder_passes_results_on_in_input_order() -> None:
    reorder = stream.Reorder()
    assert reorder.push(1, {"n": 1}) == []
    assert reorder.push(2, {"n": 2}) == []
    assert [r["n"] for r in reorder.push(0, {"n": 0})] == [0, 1, 2]
    assert [r["n"] for r in reorder.push(3, {"n": 3})] == [3]
    assert reorder.waiting == {}


def test_group_totals_fed_one_store_at_a_time() -> None:
    stores = [
        {"kpis": {"revenue": 1000.0, "gross_profit": 400.0, "settled_ros": 10, "csi": 9.0, "csi_responses": 2},
         "parts": {"qc_first_pass_rate": [2, 4]}},
        {"kpis": {"revenue": 3000.0, "gross_profit": 600.0, "settled_ros": 30, "csi": 6.0, "csi_responses": 1},
         "parts": {"qc_first_pass_rate": [0, 0]}},
    ]
    totals = GroupTotals("2026-10")
    for store in stores:
        totals.add(store)
    group = totals.values()
    assert group == group_kpis(stores, "2026-10")
    assert group["revenue"] == 4000.0 and group["gross_margin"] == 1000.0 / 4000.0
    assert group["revenue_per_ro"] == 4000.0 / 40 and group["csi"] == (9.0 * 2 + 6.0 * 1) / 3
    assert group["qc_first_pass_rate"] == 2 / 4
    assert GroupTotals("2026-10").values()["revenue"] == 0


def test_a_local_dask_cluster_of_worker_processes(json_stores: Path, tmp_path: Path) -> None:  # noqa: F811
    local = run_batch([json_stores], "test-json", PERIOD, out_dir=tmp_path / "local", workers=2, progress=False,
                      macros=False, pdf=False)
    dask = run_batch([json_stores], "test-json", PERIOD, out_dir=tmp_path / "dask", scheduler="local", workers=2,
                     progress=False, macros=False, pdf=False)
    assert dask.failures == local.failures and dask.group == local.group
    assert len({s["pid"] for s in dask.stores} - {s["pid"] for s in local.stores}) >= 1  # other processes
    for name in ("jsonl", "parquet"):
        assert dask.outputs[name].read_bytes() == local.outputs[name].read_bytes()
    assert _cells(dask.outputs["xlsx"]) == _cells(local.outputs["xlsx"])


def test_an_aborted_batch_leaves_no_partial_file(tmp_path: Path) -> None:
    from addin.batch.result import BatchResult

    sink = stream.StreamSink(tmp_path, BatchResult("kpi", PERIOD, True))
    sink.add({"file": "a.xlsx", "status": "ok", "store_code": "A", "kpis": {"revenue": 1.0}})
    assert (tmp_path / f"kpis_{PERIOD}.jsonl").read_text(encoding="utf-8").count("\n") == 1  # written at once
    sink.abort()
    assert list(tmp_path.iterdir()) == []

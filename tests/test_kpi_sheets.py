"""The `kpi` command reads only the sheets the KPIs need (issue 15): KPI_SHEETS is every sheet a
computation touches, a partial read types those sheets exactly as a full read does, and the
command's table (values alone, kpi_values) shows the figures compute_kpis gives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from addin import demo
from addin.cli import main
from addin.commands.demo import write_demo
from addin.io.reader import read_store
from addin.kpis import KPI_SHEETS, KPIS, compute_kpis, kpi_values
from addin.models import SHEETS
from addin.periods import Period
from addin.stock import valuate
from addin.store import Store
from addin.tables import table_records


class _Seen(dict):  # type: ignore[type-arg]
    """The store's tables, noting every sheet asked for."""

    def __init__(self, tables: dict[str, Any]) -> None:
        super().__init__(tables)
        self.seen: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        self.seen.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.seen.add(key)
        return super().get(key, default)


@pytest.fixture(scope="module")
def records() -> dict[str, list[dict[str, Any]]]:
    return demo.generate(size="small", months=13, seed=7)


@pytest.fixture(scope="module")
def book(records: dict[str, list[dict[str, Any]]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("kpi_sheets") / "demo.xlsx"
    write_demo(records, out, "en-US")
    return out


def test_kpi_sheets_are_every_sheet_a_computation_reads(records: dict[str, list[dict[str, Any]]]) -> None:
    settings = {r["key"]: r["value"] for r in records["settings"]}
    store = Store.from_records({k: v for k, v in records.items() if k != "settings"}, settings=settings)
    seen = _Seen(store.tables)
    store.tables = seen
    compute_kpis(store, "2026-10")
    kpi_values(store, "2026-09", tuple(KPIS))
    assert seen.seen <= set(KPI_SHEETS)
    # and no sheet is listed that no computation reads (the list is not padded)
    assert seen.seen == set(KPI_SHEETS)


def test_a_partial_read_types_its_sheets_as_a_full_read(book: Path) -> None:
    full = read_store(book)
    part = read_store(book, sheets=KPI_SHEETS)
    for key in (*KPI_SHEETS, "settings"):
        assert table_records(part.table(key)) == table_records(full.table(key)), key
        assert part.table(key)["_row"].tolist() == full.table(key)["_row"].tolist()
    assert part.settings == full.settings
    assert part.unread == [k for k in SHEETS if k not in (*KPI_SHEETS, "settings")]
    assert "tools" in part.unread and "audit_log" in part.unread
    assert not set(part.unread) & set(part.missing_sheets)
    assert all(len(part.table(k)) == 0 for k in part.unread)
    assert len(full.table("tools")) > 0  # the demo has tools: a full read still reads them
    p = Period.parse("2026-10")
    assert compute_kpis(part, p).to_json() == compute_kpis(full, p).to_json()


def test_an_unknown_sheet_key_is_refused(book: Path) -> None:
    with pytest.raises(ValueError, match="toolz"):
        read_store(book, sheets=("toolz",))


def test_the_table_shows_the_values_compute_kpis_gives(book: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = read_store(book)
    valuation = valuate(store)
    for period in ("2026-10", "2026-09", "2026-Q3", "2026-10-15"):
        p = Period.parse(period)
        full = compute_kpis(store, p, valuation=valuation)
        values = kpi_values(store, p, tuple(KPIS), valuation=valuation)
        assert values == {kid: full[kid] for kid in KPIS}, period
    assert main(["kpi", str(book), "--period", "2026-10", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown == json.loads(json.dumps(compute_kpis(store, "2026-10").to_json(), ensure_ascii=False))


def test_the_charts_months_hold_the_figures_compute_kpis_gives(records: dict[str, list[dict[str, Any]]]) -> None:
    from addin.dashboard_data import CHART_KPIS, compute_months

    settings = {r["key"]: r["value"] for r in records["settings"]}
    store = Store.from_records({k: v for k, v in records.items() if k != "settings"}, settings=settings)
    valuation = valuate(store)
    months = compute_months(store, "2026-10", valuation)
    assert list(months) == [f"2026-{m:02d}" for m in range(1, 11)]
    for month, got in months.items():
        full = compute_kpis(store, month, valuation=valuation)
        assert {kid: got[kid] for kid in CHART_KPIS} == {kid: full[kid] for kid in CHART_KPIS}, month
        assert got.period == month and got.valuation_method == full.valuation_method
    assert months["2026-06"]["revenue"] > 0
    other = next(kid for kid in KPIS if kid not in CHART_KPIS)
    with pytest.raises(KeyError):
        months["2026-06"][other]  # a month of the chart holds the chart's KPIs alone

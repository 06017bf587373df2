"""The worksheet functions, called as Excel would call them (2-D lists with header rows)."""

from __future__ import annotations

import datetime as dt

import pytest
from test_kpis import RECORDS, SETTINGS, expected

from addin import udfs
from addin.kpis import KPIS
from addin.models import SHEETS

AP = pytest.approx


def _grid(sheet: str, rows: list[dict], labels: str | None = None) -> list[list]:
    """A table range as xlwings passes it: header row (keys, or labels of a locale), then values."""
    cols = [c.key for c in SHEETS[sheet].columns]
    head = cols if labels is None else [SHEETS[sheet].column(c).label(labels) for c in cols]
    return [head] + [[r.get(c) for c in cols] for r in rows]


def _kpi_args(labels: str | None = None) -> list:
    settings = [["key", "value"]] + [[k, v] for k, v in SETTINGS.items()]
    return [settings] + [_grid(s, RECORDS.get(s, []), labels) for s in udfs.KPI_TABLES[1:]]


@pytest.fixture(autouse=True)
def _fresh_cache():
    udfs.clear_cache()


@pytest.mark.parametrize("labels", [None, "zh-CN"])
def test_service_kpis_matches_compute_kpis(labels):
    rows = udfs.SERVICE_KPIS("2026-10", *_kpi_args(labels))
    assert [r[0] for r in rows] == list(KPIS)
    want = expected("fifo")
    for kid, label, value in rows:
        assert label == KPIS[kid].label_en
        assert value == AP(want[kid], abs=1e-9), kid


def test_service_kpis_blank_for_null_and_cached():
    args = _kpi_args()
    first = udfs.SERVICE_KPIS("2030-01", *args)
    assert dict((r[0], r[2]) for r in first)["gross_margin"] == ""
    again = udfs.SERVICE_KPIS("2030-01", *[[list(r) for r in a] for a in args])
    assert again is first  # equal data: served from the cache, not recomputed
    changed = [list(map(list, a)) for a in args]
    changed[0].append(["tax_rate", 0.06])
    assert udfs.SERVICE_KPIS("2030-01", *changed) is not first


def test_period_typed_as_a_date_is_its_month():
    rows = udfs.SERVICE_KPIS(dt.datetime(2026, 10, 1), *_kpi_args())
    assert rows[0] == ["entries", "Entries (ROs opened)", 5]


def test_xlwings_sees_plain_arguments():
    # What xlwings.udfs.func_sig/xlfunc read on Windows (that module needs pywin32): the
    # signature (through __wrapped__) and the type hints, which it would turn into converters.
    import inspect
    import typing

    sig = inspect.signature(udfs.SERVICE_AVG_COST)
    assert list(sig.parameters) == ["part_no", "date", "ledger_range", "method"]
    assert sig.parameters["method"].default == "fifo"
    for name in dir(udfs):
        if name.startswith("SERVICE_"):
            assert typing.get_type_hints(getattr(udfs, name)) == {}, name


def test_service_kpis_bad_period_is_a_message():
    out = udfs.SERVICE_KPIS("Oct 2026", *_kpi_args())
    assert out.startswith("#SERVICE: ") and "YYYY-MM" in out


def test_line_amount_and_ex_tax():
    assert udfs.SERVICE_LINE_AMOUNT(2, 180, 0.1) == AP(324)
    assert udfs.SERVICE_LINE_AMOUNT(2, 180, None) == AP(360)
    assert udfs.SERVICE_LINE_AMOUNT(2, 180, "10%") == AP(324)
    assert udfs.SERVICE_EX_TAX(113, 0.13, True) == AP(100)
    assert udfs.SERVICE_EX_TAX(113, 0.13, "否") == AP(113)
    assert udfs.SERVICE_EX_TAX(113) == AP(100)
    assert udfs.SERVICE_LINE_AMOUNT("abc", 1).startswith("#SERVICE: ")
    assert udfs.SERVICE_EX_TAX(1, 0.13, "maybe").startswith("#SERVICE: ")


def test_stock_on_hand_and_average_cost():
    ledger = _grid("parts_ledger", RECORDS["parts_ledger"], "en-US")
    # P1 at the end of October (see tests/test_kpis.py): fifo 4@120 + 1@100 + 4@130; average 1062/9
    assert udfs.SERVICE_STOCK_ON_HAND("P1", dt.date(2026, 10, 31), ledger) == 9
    assert udfs.SERVICE_STOCK_VALUE("P1", "2026-10-31", ledger, "fifo") == AP(1100)
    assert udfs.SERVICE_AVG_COST("P1", dt.datetime(2026, 10, 31), ledger, "fifo") == AP(1100 / 9)
    assert udfs.SERVICE_AVG_COST("P1", 46326, ledger, "moving_average") == AP(118)  # 46326 = 2026-10-31
    assert udfs.SERVICE_AVG_COST("ACC1", "2026-10-31", ledger) == ""                # none held
    assert udfs.SERVICE_STOCK_ON_HAND("P1", "not a date", ledger).startswith("#SERVICE: ")
    assert udfs.SERVICE_AVG_COST("P1", "2026-10-31", ledger, "lifo").startswith("#SERVICE: ")


def test_claim_outstanding_and_age():
    payments = _grid("claim_payments", RECORDS["claim_payments"])
    assert udfs.SERVICE_CLAIM_OUTSTANDING("C2", 2770, 2600, payments) == AP(0)
    assert udfs.SERVICE_CLAIM_OUTSTANDING("C2", 2770, 2600, payments, "2026-10-29") == AP(1600)
    assert udfs.SERVICE_CLAIM_OUTSTANDING("C3", 500, None, payments) == AP(400)
    assert udfs.SERVICE_CLAIM_AGE("2026-07-15", "2026-10-31") == 108
    assert udfs.SERVICE_CLAIM_AGE(None) == ""
    assert udfs.SERVICE_CLAIM_AGE(dt.date.today()) == 0


def test_next_service_clamps_to_month_end():
    assert udfs.SERVICE_NEXT_SERVICE(dt.date(2026, 8, 31), 6) == dt.datetime(2027, 2, 28)
    assert udfs.SERVICE_NEXT_SERVICE("2024-02-29", 12) == dt.datetime(2025, 2, 28)
    assert udfs.SERVICE_NEXT_SERVICE("2026-10-03", 1.5).startswith("#SERVICE: ")


def test_value_checks():
    assert udfs.SERVICE_VIN_VALID("1M8GDM9AXKP042788") is True
    assert udfs.SERVICE_VIN_VALID("1M8GDM9A1KP042788") is False
    assert udfs.SERVICE_PLATE_VALID("京A12345") is True
    assert udfs.SERVICE_PLATE_VALID("XX") is False
    assert udfs.SERVICE_MOBILE_VALID(13800138000.0) is True
    assert udfs.SERVICE_MOBILE_VALID("12345") is False


def test_docstrings_for_the_function_wizard():
    names = [n for n in dir(udfs) if n.startswith("SERVICE_")]
    assert len(names) == 14   # SERVICE_CARE_LIST (issue 11), SERVICE_SCORE (issue 12)
    for n in names:
        assert getattr(udfs, n).__doc__, n


# Issue 11: the work lists as a worksheet function.
def test_care_list_in_working_order():
    args = {s: _grid(s, RECORDS.get(s, []), None) for s in ("work_orders", "vehicles", "claims", "claim_payments",
                                                              "followups", "complaints")}
    settings = [["key", "value"]] + [[k, v] for k, v in SETTINGS.items()]
    rows = udfs.SERVICE_CARE_LIST("complaints_open", "2026-10", settings, args["work_orders"], args["vehicles"],
                                  args["claims"], args["claim_payments"], args["followups"], args["complaints"])
    assert rows == [["CP3", dt.datetime(2026, 9, 23), "A2"], ["CP2", dt.datetime(2026, 10, 29), "M1"],
                    ["CP5", dt.datetime(2026, 11, 2), "A1"]]
    follow = udfs.SERVICE_CARE_LIST("followups_due", "2026-10", settings, args["work_orders"], args["vehicles"],
                                    None, None, args["followups"])
    assert follow == [["W4", dt.datetime(2026, 10, 28), "A2"]]   # W3 reached by call F2
    assert udfs.SERVICE_CARE_LIST("nope", "2026-10", settings, args["work_orders"], args["vehicles"]).startswith(
        "#SERVICE: ")


# -- issue 12: SERVICE_SCORE -----------------------------------------------------------------------

def _score_args(labels: str | None = None) -> list:
    return [_grid("appraisal_weights", RECORDS["appraisal_weights"], labels)] + _kpi_args(labels)


@pytest.mark.parametrize("labels", [None, "zh-CN"])
def test_service_score_is_the_scorecard_of_compute_kpis(labels):
    from test_kpis import make_store

    from addin.kpis import compute_kpis

    cards = {c["staff_id"]: c for c in compute_kpis(make_store(), "2026-10").scorecards}
    for sid in ("T1", "T2", "A1", "A2", "M1"):
        assert udfs.SERVICE_SCORE(sid, "2026-10", *_score_args(labels)) == AP(cards[sid]["score"]), sid
    assert udfs.SERVICE_SCORE("T1", "2026-10", *_score_args(labels)) == AP(93.75)
    # One item's achievement; a KPI the scorecard has no achievement for and someone without a card: blank.
    args = _score_args(labels)
    assert udfs.SERVICE_SCORE("T2", dt.datetime(2026, 10, 1), *args, kpi="comebacks") == 1.2
    assert udfs.SERVICE_SCORE("T1", "2026-10", *args, kpi="efficiency") == ""
    assert udfs.SERVICE_SCORE("T3", "2026-10", *args) == ""     # left in October
    assert udfs.SERVICE_SCORE("T1", "Oct 2026", *args).startswith(udfs.ERROR_PREFIX)

"""The settings of the demo store: the defaults of the models, the store's identity and rates,
and monthly targets a little above what the store achieves on average."""

from __future__ import annotations

from typing import Any

from addin.demo.claims import MANUFACTURER
from addin.demo.context import STORE_NAME, TAX_RATE, Context, record
from addin.demo.jobs import LABOR_RATE, Job
from addin.demo.vehicles import INSURERS
from addin.models import SETTING_DEFAULTS

STORE_CODE = "DEMO01"
BRAND = ("Aurora", "极光")
ADDRESS = ("88 Century Avenue, Pudong, Shanghai", "上海市浦东新区世纪大道88号")
PHONE = "021-5888 6688"


def _typed(text: str) -> Any:
    """A settings default as the typed value a workbook cell holds (number, boolean or text)."""
    if text in ("TRUE", "FALSE"):
        return text == "TRUE"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _names(ctx: Context, names: list[str]) -> str:
    """A list setting's text (addin.store.split_names): names separated by semicolons, one
    after a single name that holds a comma ("Aurora Automobile Co., Ltd.;")."""
    sep = "；" if ctx.locale == "zh-CN" else "; "
    text = sep.join(names)
    return text + sep.strip() if len(names) == 1 and any(c in text for c in ",，") else text


def build_settings(ctx: Context, jobs: list[Job]) -> list[dict[str, Any]]:
    """The settings records: every key with its value, then the monthly targets."""
    settled = [j for j in jobs if j.rec["status"] == "settled"]
    revenue = sum(ln["qty"] * ln["unit_price"] * (1 - ln["discount_pct"])
                  for j in settled for ln in j.lines if not ln["declined"]) / (1 + TAX_RATE)
    months = max(1, ctx.months)
    values: dict[str, Any] = {k: _typed(v) for k, v in SETTING_DEFAULTS.items()}
    values.update({
        "store_code": STORE_CODE, "store_name": ctx.t(STORE_NAME), "brand": ctx.t(BRAND),
        "store_address": ctx.t(ADDRESS), "store_phone": PHONE,
        "locale": ctx.locale, "tax_rate": TAX_RATE, "prices_include_tax": True, "labor_rate": LABOR_RATE,
        "valuation_method": "fifo", "open_period": ctx.end_text,
        # issue 13: the insurer and payer dropdowns list the names the demo's claims use.
        "insurers": _names(ctx, [ctx.t(name) for name, _ in INSURERS]),
        "payers": _names(ctx, [ctx.t(MANUFACTURER)]),
    })
    rows = [record("settings", key=k, value=v) for k, v in values.items()]
    # Monthly targets a little above what the store achieves on average.
    targets = {
        "revenue": round(revenue / months * 1.05, -3), "entries": round(len(jobs) / months * 1.05),
        "gross_margin": 0.45, "csi": 9.0, "followup_rate": 0.9, "comeback_rate": 0.02,
        "first_time_fix_rate": 0.98, "qc_first_pass_rate": 0.95, "appointment_rate": 0.35,
        "complaint_rate": 0.01, "first_service_rate": 0.85, "fill_rate": 0.95, "stock_turnover": 8,
        "claim_rejection_rate": 0.05,
    }
    rows += [record("settings", key=f"target_{k}", value=float(v)) for k, v in targets.items()]
    return rows

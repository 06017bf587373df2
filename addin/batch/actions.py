"""What a batch does to one workbook: the action registry and the worker functions.

A worker runs in another process or on a Dask worker. It gets a path and :class:`TaskOptions`,
opens the file itself and returns a small picklable dict (never a DataFrame). The core modules are
imported inside the workers: a batch process imports only what its action needs.

Worker result (every key optional except ``status``):
``{"status": "ok"|"errors"|"refused"|"failed", "reason": str, "store_code", "store_name",
"kpis": KPI JSON of KPIS.md, "targets": {kpi: target}, "parts": {ratio KPI id: [numerator,
denominator]} (``KpiResult.parts``, which group.py pools),
"findings": {"errors": n, "warnings": n, "items": [Finding.to_json(), ...]}}``;
:func:`execute_task` adds ``file``, ``macros``, ``seconds``, ``cpu_seconds``, ``pid`` and
``peak_rss_mb``.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from addin.errors import CloseError, ServiceError
from addin.i18n import Text

#: Validation findings kept per store for the group report (the counts are always complete).
MAX_FINDINGS = 200


@dataclass(frozen=True)
class TaskOptions:
    """What every worker of one batch is given besides its path (picklable)."""

    period: str
    locale: str = "en-US"
    user: str | None = None
    out_dir: str | None = None
    pdf: bool = True
    # Normalised official VBA modules (addin.batch.macros); None: macros are not compared.
    official_macros: dict[str, str] | None = None


Worker = Callable[[str, TaskOptions], dict[str, Any]]


@dataclass(frozen=True)
class Action:
    """A batch action: its worker, the modules the worker needs (imported up front so a missing
    part is one clear error, not one failure per store) and whether it yields KPIs."""

    name: str
    worker: Worker
    needs: tuple[str, ...] = ()
    gives_kpis: bool = True
    help: Text = Text("", "")


ACTIONS: dict[str, Action] = {}


def register_action(action: Action) -> Action:
    """Add (or replace) an action; ``run_batch(paths, action.name, ...)`` then runs it. The
    worker must be a module-level function so that other processes can import it."""
    ACTIONS[action.name] = action
    return action


def _identity(store: Any) -> dict[str, Any]:
    return {"store_code": store.settings.store_code, "store_name": store.settings.store_name}


def _plain(data: Any) -> Any:
    """KPI JSON as plain Python values: numpy scalars become float/int, NaN becomes None (JSON
    null), so that the result pickles small and writes as strict JSON."""
    if isinstance(data, dict):
        return {str(k): _plain(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_plain(v) for v in data]
    if data is None or type(data).__name__ in ("NAType", "NaTType"):
        return None
    if isinstance(data, (bool, str, int)):
        return data
    if isinstance(data, float):
        return None if math.isnan(data) else data
    if hasattr(data, "item"):  # numpy and pandas scalars
        return _plain(data.item())
    return str(data)


def _peak_rss_mb() -> float | None:
    """Peak resident memory of this process in MiB (ru_maxrss is KiB on Linux); None where the
    platform has no getrusage (Windows)."""
    try:
        import resource
    except ImportError:
        return None
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(store: Any, options: TaskOptions) -> dict[str, Any]:
    """The KPI part of a result: KPI JSON, the store's targets and the numerator and denominator
    of every ratio KPI (for the group figures)."""
    from addin.kpis import compute_kpis

    result = compute_kpis(store, options.period)
    return {
        "kpis": _plain(result.to_json()),
        "targets": dict(store.settings.targets),
        "parts": _plain(result.parts),
    }


NOT_A_STORE = Text("{file}: not a Service workbook (none of its sheets is a store's data: work orders, "
                   "parts ledger, claims ...).",
                   "{file}：不是售后服务工作簿（没有任何门店数据表：维修工单、配件台账、索赔台账等）。")


def read_store_workbook(path: str) -> Any:
    """read_store, refusing a workbook that holds none of a store's data sheets (a report, a
    price list): a batch must not count it as a store with zero figures."""
    from addin.errors import WorkbookReadError
    from addin.io.reader import read_store
    from addin.models import INPUT_SHEETS

    store = read_store(path)
    if not set(INPUT_SHEETS) - {"settings"} - set(store.missing_sheets):
        raise WorkbookReadError(NOT_A_STORE, file=Path(path).name)
    return store


def validate_worker(path: str, options: TaskOptions) -> dict[str, Any]:
    """read_store + validate_store: counts of errors and warnings, the first findings."""
    from addin.rules import validate_store

    store = read_store_workbook(path)
    findings = validate_store(store, options.period)
    errors = [f for f in findings if f.severity == "error"]
    return {
        **_identity(store),
        "status": "errors" if errors else "ok",
        "findings": {"errors": len(errors), "warnings": len(findings) - len(errors),
                     "items": [f.to_json() for f in (errors + [f for f in findings if f.severity != "error"])[:MAX_FINDINGS]]},
    }


def kpi_worker(path: str, options: TaskOptions) -> dict[str, Any]:
    """read_store + compute_kpis for the period."""
    store = read_store_workbook(path)
    return {**_identity(store), "status": "ok", **measure(store, options)}


def close_worker(path: str, options: TaskOptions) -> dict[str, Any]:
    """Month-end close of the workbook (reports into out_dir/<file stem>/ when out_dir is given),
    then the KPIs of the closed workbook. A refused close keeps the store out of the group figures."""
    from addin.io.reader import read_store
    from addin.month_end import close_workbook

    read_store_workbook(path)
    out_dir = str(Path(options.out_dir) / Path(path).stem) if options.out_dir else None
    try:
        close_workbook(path, options.period, user=options.user or None, out_dir=out_dir, pdf=options.pdf)
    except CloseError as exc:
        return {**_identity(read_store(path)), "status": "refused", "reason": exc.message(options.locale)}
    store = read_store(path)
    return {**_identity(store), "status": "ok", **measure(store, options)}


register_action(Action("validate", validate_worker, ("addin.io.reader", "addin.rules"), gives_kpis=False,
                       help=Text("check every rule of DOMAIN.md", "按 DOMAIN.md 的规则校验")))
register_action(Action("kpi", kpi_worker, ("addin.io.reader", "addin.kpis"),
                       help=Text("measure the KPIs of the period", "计算期间 KPI")))
register_action(Action("close", close_worker, ("addin.io.reader", "addin.kpis", "addin.close"),
                       help=Text("month-end close, then measure", "月结后计算 KPI")))

INTERNAL = Text("Internal error ({kind}: {detail})", "内部错误（{kind}：{detail}）")


def execute_task(worker: Worker, path: str, options: TaskOptions) -> dict[str, Any]:
    """Run one worker on one file, in whichever process the executor chose. Never raises: a
    ServiceError becomes a failure with its message, anything else a failure naming the error."""
    from addin.batch.macros import compare_macros

    started, cpu = time.perf_counter(), time.process_time()
    try:
        result = worker(path, options)
    except ServiceError as exc:
        result = {"status": "failed", "reason": exc.message(options.locale)}
    except Exception as exc:  # one bad file must not stop the batch; the reason is reported
        result = {"status": "failed", "reason": INTERNAL(options.locale, kind=type(exc).__name__, detail=exc)}
    if result["status"] != "failed" and options.official_macros is not None:
        result["macros"] = compare_macros(path, options.official_macros)
    result.update(
        file=path,
        seconds=time.perf_counter() - started,
        cpu_seconds=time.process_time() - cpu,
        pid=os.getpid(),
        peak_rss_mb=_peak_rss_mb(),
    )
    return result


def execute_tasks(worker: Worker, paths: list[str], options: TaskOptions) -> list[dict[str, Any]]:
    """:func:`execute_task` on each of ``paths`` in turn: one task of a cluster for several files,
    so that the scheduler's cost of a task is shared by them (see ``runner.run_dask``)."""
    return [execute_task(worker, path, options) for path in paths]

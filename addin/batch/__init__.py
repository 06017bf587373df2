"""Batch processing of many stores' workbooks: validate, measure or close them all, and one group
report for head office.

    from addin.batch import run_batch

    result = run_batch(["stores/"], "kpi", "2026-10", out_dir="group", workers=2)
    print(result.group["revenue"], result.outputs["xlsx"], result.exit_code)

Work runs in a pool of processes on this machine (``workers``), or on an existing Dask cluster
(``scheduler``: its address or a ``dask.distributed.Client``). Each file is opened by its worker,
which returns a small dict (see :mod:`addin.batch.actions`); a file that cannot be read is a
failure with its reason and the batch goes on. validate and kpi only read the inputs.
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from addin.batch.actions import ACTIONS, Action, TaskOptions, register_action
from addin.batch.collect import collect_paths
from addin.batch.group import GroupTotals
from addin.batch.result import BatchError, BatchResult, is_measured
from addin.batch.stream import Reorder, SpoolResult, StreamSink
from addin.errors import ServiceError
from addin.i18n import Text
from addin.periods import check_period

__all__ = ["ACTIONS", "Action", "BatchError", "BatchResult", "TaskOptions", "register_action", "run_batch"]

UNKNOWN_ACTION = Text("Unknown batch action {action!r}; use one of: {known}.",
                      "未知的批处理操作 {action!r}；可用：{known}。")
NOTHING = Text("No workbook to process: {paths}", "没有可处理的工作簿：{paths}")
NO_PDF = Text("No PDF of the group report: {reason}", "未生成集团报告 PDF：{reason}")


def _official(macros: str | Path | Mapping[str, str] | bool | None, result: BatchResult,
              locale: str) -> dict[str, str] | None:
    """The normalised official modules to compare with, or None (not compared: why, in notes)."""
    from addin.batch import macros as vba_macros

    if macros is False:
        return None
    try:
        if macros is None or macros is True:
            return vba_macros.expected_project()
        if isinstance(macros, Mapping):
            return {name: vba_macros.normalise(source) for name, source in macros.items()}
        return vba_macros.official_modules(Path(macros))
    except (ServiceError, OSError, KeyError) as exc:
        detail = exc.message(locale) if isinstance(exc, ServiceError) else f"{type(exc).__name__}: {exc}"
        result.macros_note = vba_macros.NO_OFFICIAL(locale, detail=detail)
        result.notes.append(result.macros_note)
        return None


def run_batch(
    paths: Iterable[str | Path],
    action: str,
    period: str,
    *,
    out_dir: str | Path | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    user: str | None = None,
    progress: bool | Callable[[int, int, dict[str, Any]], None] | None = None,
    locale: str = "en-US",
    macros: str | Path | Mapping[str, str] | bool | None = None,
    pdf: bool = True,
    keep_stores: bool = True,
) -> BatchResult:
    """Run ``action`` ("validate", "kpi", "close" or one added with :func:`register_action`) for
    ``period`` (YYYY-MM) over the workbooks named by ``paths`` (files, folders searched
    recursively, globs).

    - ``workers``: processes on this machine (default: one per CPU). ``scheduler``: run on Dask
      instead, a scheduler address or ``dask.distributed.Client`` (``workers`` ignored), or
      ``"local"``: a Dask LocalCluster of ``workers`` processes started for this batch.
    - ``out_dir``: where the group report (xlsx, and PDF when LibreOffice is there and ``pdf``),
      the KPI JSON lines and the Parquet table go; None writes nothing. For close, each store's
      report pack goes to ``out_dir/<workbook stem>/`` (None: beside its workbook), with PDFs
      when ``pdf``.
    - ``user``: who closes (close only: a service manager of each store's roster; default: the login, which must be one's Excel user). ``locale``: language of the
      report and of the reasons.
    - ``progress``: None shows a bar on a terminal and plain lines otherwise (on stderr), False
      nothing, a callable gets ``(done, total, result)`` after each file.
    - ``macros``: the official VBA project to compare each workbook's with: None, the project
      ``service-addin build`` installs; a folder of .bas/.cls files; a mapping name -> source;
      False, no comparison.
    - ``keep_stores``: keep every store's result in ``result.stores``. Either way each result is
      written to the files as it arrives (in input order) and not held for them: with False
      (the ``batch`` command) the coordinator's memory stays flat however many stores there are.

    Raises :class:`BatchError` when the batch cannot start; a file that fails does not raise.
    """
    from addin.batch.runner import Progress, run_dask, run_local

    if action not in ACTIONS:
        raise BatchError(UNKNOWN_ACTION, action=action, known=", ".join(ACTIONS))
    check_period(period)
    spec = ACTIONS[action]
    started = time.perf_counter()
    specs = list(paths)
    files, missing = collect_paths(specs, locale, skip=[out_dir] if out_dir else [])
    if not files:
        raise BatchError(NOTHING, paths="; ".join(f["reason"] for f in missing) or "-")
    # Imported here, before any worker starts, so that forked workers inherit the loaded modules
    # instead of importing them again each.
    for module in spec.needs:
        importlib.import_module(module)

    result = BatchResult(action, period, spec.gives_kpis, failures=list(missing))
    out = Path(out_dir) if out_dir is not None else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    options = TaskOptions(period=period, locale=locale, user=user, pdf=pdf,
                          out_dir=str(out) if out else None, official_macros=_official(macros, result, locale))
    order = {str(p): i for i, p in enumerate(files)}
    bar = Progress(len(files), progress)
    totals = GroupTotals(period) if spec.gives_kpis else None
    sink = StreamSink(out, result) if out is not None else None
    reorder = Reorder()

    def take(item: dict[str, Any]) -> None:
        """One result, in input order: counted, written, added to the group figures."""
        if item.get("pid") is not None and item.get("peak_rss_mb") is not None:
            result.peak_rss_mb[item["pid"]] = max(result.peak_rss_mb.get(item["pid"], 0.0), item["peak_rss_mb"])
        if item["status"] == "failed":
            result.failures.append({"file": item["file"], "reason": item["reason"]})
            return
        result.count(item)
        if keep_stores or sink is None:
            result.stores.append(item)
        if totals is not None and is_measured(item):
            totals.add(item)
        if sink is not None:
            sink.add(item)

    def on_result(item: dict[str, Any]) -> None:
        bar.update(item)
        for ready in reorder.push(order[item["file"]], item):
            take(ready)

    try:
        names = [str(p) for p in files]
        if scheduler is not None:
            run_dask(spec.worker, names, options, scheduler, on_result, workers=workers or os.cpu_count() or 1)
        else:
            run_local(spec.worker, names, options, workers or os.cpu_count() or 1, on_result)
    except BaseException:
        if sink is not None:
            sink.abort()
        raise
    finally:
        bar.close()

    if totals is not None:
        result.group = totals.values()
    if sink is not None:
        try:
            sink.close()
            _write_outputs(result, sink, locale, pdf)
        finally:
            sink.spool.remove()
    result.seconds = time.perf_counter() - started
    return result


def _write_outputs(result: BatchResult, sink: StreamSink, locale: str, pdf: bool) -> None:
    """The group report from the streamed results (read back from the spool); the JSON lines and
    the Parquet table were written as the results came."""
    from addin.batch import outputs

    out = sink.out
    xlsx = outputs.write_group_report(SpoolResult(result, sink.spool), out / f"group_{result.action}_{result.period}.xlsx",
                                      locale)
    result.outputs["xlsx"] = xlsx
    if result.gives_kpis:
        result.outputs["jsonl"] = sink.jsonl
        result.outputs["parquet"] = sink.parquet
    if pdf:
        from addin import libreoffice

        reason = libreoffice.available(locale)
        if reason is None:
            try:
                result.outputs["pdf"] = libreoffice.convert(xlsx, "pdf", out, recalc=False)
            except ServiceError as exc:
                reason = exc.message(locale)
        if reason is not None:
            result.notes.append(NO_PDF(locale, reason=reason))

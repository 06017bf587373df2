"""The report pack of a month (DOMAIN.md "Reports"): one module per report, each filling its
template of workbook/templates/ (addin.reports.engine) and drawing native Excel charts; then
LibreOffice turns every workbook into a PDF beside it.

Reports, by name: monthly (维修统计月报), technicians (技师绩效与计件工资), parts, claims,
customer_care, manufacturer (厂家报表, names and phones masked), headcount (人员编制); appraisal
(绩效考核) and tools (工具设备), issue 12; registers (登记簿汇总), issues 11 and 12; daily (维修日报,
one day, on request only), issue 18.

PDFs (issue 15): with two cores or more, the reports whose PDFs take LibreOffice longest
(:data:`PDF_FIRST`) are rendered first and converted by one LibreOffice run while the others are
rendered; the others by a second run beside it. With one core, one run converts them all.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

from openpyxl.workbook.workbook import Workbook

from addin.errors import ServiceError
from addin.i18n import Text
from addin.io.files import fsync_dir, fsync_file
from addin.io.reader import gc_paused
from addin.reports import (  # issue 12
    appraisal,
    claims,
    customer_care,
    daily,
    headcount,
    manufacturer,
    monthly,
    parts,
    registers,
    technicians,
    tools,
    xlsx,
)
from addin.reports.common import ReportData
from addin.reports.engine import fill
from addin.store import Store

#: Report name -> module (with NAME, TITLE, context(data), and optionally charts(filled, ctx, data)).
REPORTS: dict[str, ModuleType] = {m.NAME: m for m in (monthly, technicians, parts, claims, customer_care,
                                                      manufacturer, headcount)}
# Issue 12: the appraisal (绩效考核) and the tools and equipment (工具设备) reports.
REPORTS.update({m.NAME: m for m in (appraisal, tools)})
# Issues 11 and 12: the registers (登记簿汇总: complaints, renewals, follow-ups, appointments, loaners).
REPORTS.update({registers.NAME: registers})
# Issue 18: the daily report (维修日报) of one day, built on request only.
REPORTS[daily.NAME] = daily
#: The month's pack (the close builds these, `report --name all` too): every report of a month;
#: a report whose PERIOD_KIND is "day" is built only when named.
REPORT_NAMES: tuple[str, ...] = tuple(n for n, m in REPORTS.items() if getattr(m, "PERIOD_KIND", "month") == "month")

T_UNKNOWN = Text("Unknown report {name!r}; the reports are: {names}.", "未知报表 {name!r}；可用报表：{names}。")
T_DAY_ALONE = Text("The daily report is built on its own, not with {names}.", "维修日报须单独生成，不能与 {names} 一起。")
T_PDF_FAILED = Text("No PDF was made: {reason}", "未生成 PDF：{reason}")

#: Reports whose PDF takes LibreOffice longest (customer care prints every list in full: about
#: two thirds of the month's PDF pages on the large demo year): with PDFs they are rendered first
#: and converted in a LibreOffice run of their own, beside the rendering of the others.
PDF_FIRST: tuple[str, ...] = ("customer_care",)


#: The file that marks a report folder whose writing has not finished (a run that died).
INCOMPLETE = "INCOMPLETE.txt"
T_INCOMPLETE = Text("This folder is incomplete: the report pack was being written when it stopped. Run the close "
                    "or the report again.\n",
                    "此文件夹不完整：生成报表时中断。请重新运行结账或报表命令。\n")


def _move_in(staged: Path, out: Path) -> Path:
    """Put a finished file of the staging folder in its place: fsynced, then renamed (atomic)."""
    fsync_file(staged)
    target = out / staged.name
    os.replace(staged, target)
    return target


class ReportError(ServiceError):
    """An unknown report name."""


class ReportPack(list[Path]):
    """The files written (xlsx, then PDFs), and why there are no PDFs when there are none."""

    def __init__(self, files: Iterable[Path] = (), no_pdf_reason: str | None = None) -> None:
        super().__init__(files)
        self.no_pdf_reason = no_pdf_reason

    @property
    def files(self) -> list[Path]:
        return list(self)


def report_title(name: str, locale: str) -> str:
    """The title of a report in ``locale``."""
    return REPORTS[name].TITLE(locale)


def check_names(names: Iterable[str] | None) -> list[str]:
    """The requested report names (all when None), or a :class:`ReportError` for an unknown one."""
    if names is None:
        return list(REPORT_NAMES)
    out = []
    for n in names:
        if n not in REPORTS:
            raise ReportError(T_UNKNOWN, name=n, names=", ".join(REPORTS))
        out.append(n)
    return out


def render(name: str, data: ReportData) -> Workbook:
    """Fill report ``name`` for ``data`` and draw its charts; the workbook is not saved."""
    module = REPORTS[name]
    ctx = module.context(data)
    filled = fill(name, ctx)
    if hasattr(module, "charts"):
        module.charts(filled, ctx, data)
    if hasattr(module, "finish"):  # issue 18: a report's own last touches (row heights, print area)
        module.finish(filled, ctx, data)
    from addin.reports import layout  # issue 13: print layout, fonts

    s = data.store.settings
    store = f"{s.store_name} ({s.store_code})" if s.store_name and s.store_code else (s.store_name or s.store_code or "")
    layout.finish(filled.wb, layout.spans_of(filled.tables), data.locale, store=store,
                  title=module.TITLE(data.locale), period=data.period,
                  portrait_only=getattr(module, "ORIENTATION", None) == "portrait")
    filled.wb.active = 0
    return filled.wb


def report_path(out_dir: Path, store: Store, period: str, name: str) -> Path:
    """``<out_dir>/<store_code>_<period>_<name>.xlsx`` (file names stay ASCII for every locale)."""
    code = store.settings.store_code or "store"
    return Path(out_dir) / f"{code}_{period}_{name}.xlsx"


def build_reports(
    store: Store,
    period: str,
    result: Any,
    out_dir: str | Path,
    *,
    pdf: bool = True,
    names: Iterable[str] | None = None,
    previous: Any = None,
    last_year: Any = None,
    valuation: Any = None,
    on_pdf: Callable[[], None] | None = None,
    shared: dict[str, Any] | None = None,
) -> ReportPack:
    """Build the reports of ``period`` into ``out_dir`` and, with ``pdf``, a PDF of each (one or
    two LibreOffice runs, see above). ``result`` is the period's KpiResult (computed when None, as
    are the previous month's and last year's results and the stock valuation). When LibreOffice is missing or fails,
    the pack holds the workbooks only and ``no_pdf_reason`` says why. ``on_pdf()`` is called
    once every workbook is rendered, when what is left is waiting for the conversion (progress
    and timings; with two cores the :data:`PDF_FIRST` reports' conversion started earlier).
    ``shared``: the frames of ``store`` that do not depend on the period, made for its KPIs
    already (addin.kpis.shared_frames; only of this very store, unchanged since)."""
    from addin.kpis import compute_comparison
    from addin.periods import check_period
    from addin.stock import valuate

    wanted = check_names(names)
    by_day = any(getattr(REPORTS[n], "PERIOD_KIND", "month") == "day" for n in wanted)
    if by_day:
        # A report of one day (the daily report) goes alone, with the KPIs of that day.
        from addin.board import parse_day

        if len(wanted) > 1:
            raise ReportError(T_DAY_ALONE, names=", ".join(wanted))
        period = parse_day(period).isoformat()
    else:
        period = check_period(period)
    valuation = valuation if valuation is not None else valuate(store)
    if by_day:
        from addin.kpis import compute_kpis

        result = result if result is not None else compute_kpis(store, period, valuation=valuation)
    elif result is None or previous is None or last_year is None:
        computed = compute_comparison(store, period, valuation, values_only=True)  # values are all they show
        result = result if result is not None else computed.result
        previous = previous if previous is not None else computed.previous
        last_year = last_year if last_year is not None else computed.last_year
    data = ReportData(store, period, result, previous, last_year, valuation, shared if shared is not None else {})
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # Written beside their place under temporary names, fsynced, then renamed in: a report is
    # whole or absent, and the folder says it is incomplete until every file is in.
    marker = out / INCOMPLETE
    marker.write_text(T_INCOMPLETE(store.locale), encoding="utf-8")
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    reason: str | None = None
    if pdf:
        from addin import libreoffice

        reason = libreoffice.available(store.locale)
    converting = pdf and not reason
    # With PDFs, two LibreOffice runs side by side (when there are two cores): the first for the
    # PDF_FIRST reports, started as soon as they are rendered; the second for the others.
    batches = _pdf_batches(wanted) if converting and (os.cpu_count() or 1) > 1 else [wanted]
    pool = ThreadPoolExecutor(max_workers=len(batches)) if converting else None
    stop = threading.Event()
    # The reports' cells are millions of objects and each workbook a reference cycle: the cyclic
    # collector paused while they are rendered (a quarter of their time), as the read pauses it.
    with gc_paused():
        try:
            staged: dict[str, Path] = {}
            runs: list[Future[Any]] = []
            for batch in batches:
                for name in batch:
                    path = staging / report_path(out, store, period, name).name
                    xlsx.save(render(name, data), path)
                    staged[name] = path
                if pool is not None:
                    runs.append(pool.submit(_to_pdf, [staged[n] for n in batch], staging, stop))
            pdfs: list[Path] = []
            if pdf:
                if on_pdf:
                    on_pdf()
                if pool is not None:
                    try:
                        converted = dict(zip([n for b in batches for n in b], [f for r in runs for f in r.result()]))
                        pdfs = [converted[n] for n in wanted]
                    except ServiceError as exc:
                        reason = T_PDF_FAILED(store.locale, reason=exc.message(store.locale))
            pack = ReportPack([_move_in(p, out) for p in [*(staged[n] for n in wanted), *pdfs]], no_pdf_reason=reason)
            fsync_dir(out)
            marker.unlink(missing_ok=True)
        finally:
            if pool is not None:
                stop.set()  # a failure above: LibreOffice runs still going are killed
                pool.shutdown(wait=True)
            shutil.rmtree(staging, ignore_errors=True)
    return pack


def _pdf_batches(wanted: list[str]) -> list[list[str]]:
    """The reports of each LibreOffice run, in the order they are rendered: the
    :data:`PDF_FIRST` ones, then the others (one run when either is empty)."""
    first = [n for n in wanted if n in PDF_FIRST]
    rest = [n for n in wanted if n not in PDF_FIRST]
    return [b for b in (first, rest) if b]


def _to_pdf(files: list[Path], outdir: Path, stop: threading.Event) -> list[Path]:
    """PDFs of ``files`` in one LibreOffice run (in a thread of build_reports)."""
    from addin import libreoffice

    converted = libreoffice.convert(files, "pdf", outdir, recalc=False, stop=stop)
    return converted if isinstance(converted, list) else [converted]

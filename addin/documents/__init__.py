"""The day's documents of a work order (DOMAIN.md "The day's documents", issue 18): job sheet
任务委托书, dispatch sheet 派工单, parts pick list 领料单, settlement statement 结算单 and gate pass
出门证. Each fills its template of workbook/templates/ (addin.documents.make_templates) with the
report engine; they are new files, never the user's workbook.

``documents(store, wo_no, doc, locale)`` gives the filled workbooks; ``print_documents`` saves
them as ``<WO_NO>_<doc>.xlsx`` with a PDF each into a folder (``<workbook stem>_documents/``
beside the workbook by default), staged and renamed in. Nothing of the customer's is masked:
these are for the customer.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.workbook.workbook import Workbook

from addin.documents import forms
from addin.documents.job import DocumentError, Job, load_job
from addin.documents.layouts import DOCS
from addin.errors import ServiceError
from addin.i18n import Text, column_label, sheet_label
from addin.io.files import fsync_dir, fsync_file
from addin.store import Store

__all__ = ["DOCS", "DocumentError", "DocumentPack", "UnknownDocumentError", "check_docs", "default_documents_dir", "documents",
           "print_documents"]

TITLES = forms.TITLES
#: Documents that need the job's lines (a job without lines has nothing to estimate, dispatch,
#: pick or settle).
NEED_LINES = ("jobsheet", "dispatch", "picklist", "settlement")
#: Documents a cancelled job does not get: there is nothing to settle and no vehicle to let out.
NOT_CANCELLED = ("settlement", "gatepass")

T_UNKNOWN_DOC = Text("Unknown document {doc!r}; the documents are: {docs}, all.",
                     "未知单据 {doc!r}；可用单据：{docs}、all。")
T_CANCELLED = Text("{sheet} row {row}: work order {wo_no} is cancelled ({column} {value}); no {title} is printed "
                   "for it.", "{sheet} 第 {row} 行：工单 {wo_no} 已取消（{column}：{value}），不能打印{title}。")
T_NO_LINES = Text("{sheet}: work order {wo_no} has no lines, so there is no {title} to print; enter its lines "
                  "first.", "{sheet}：工单 {wo_no} 没有明细行，无法打印{title}；请先录入工单明细。")
T_NOT_SETTLED = Text("{sheet} row {row}: work order {wo_no} is not settled yet ({column} {value}); a gate pass is "
                     "printed after settlement.",
                     "{sheet} 第 {row} 行：工单 {wo_no} 尚未结算（{column}：{value}），结算后才能打印出门证。")
T_PDF_FAILED = Text("No PDF was made: {reason}", "未生成 PDF：{reason}")


@dataclass
class DocumentPack:
    """What was printed: the files (xlsx, then PDFs), the documents left out of ``all`` with
    why, and why there are no PDFs when there are none."""

    files: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    no_pdf_reason: str | None = None


class UnknownDocumentError(DocumentError):
    """A document name that is none of DOCS: a usage error."""

    exit_code = 2


def check_docs(doc: str | Iterable[str], locale: str | None = None) -> list[str]:
    """The documents asked for (``all``: every one), or a :class:`DocumentError` for an unknown name."""
    names = [doc] if isinstance(doc, str) else list(doc)
    if names == ["all"]:
        return list(DOCS)
    for name in names:
        if name not in DOCS:
            raise UnknownDocumentError(T_UNKNOWN_DOC, locale, doc=name, docs=", ".join(DOCS))
    return names


def refusal(job: Job, doc: str, locale: str) -> DocumentError | None:
    """Why ``doc`` cannot be printed for ``job`` (None when it can)."""
    values = dict(sheet=sheet_label("work_orders", locale), row=job.row, wo_no=job.wo_no,
                  column=column_label("work_orders", "status", locale), title=TITLES[doc](locale),
                  value=forms.enum("work_orders", "status", job.status, locale))
    if doc in NOT_CANCELLED and job.status == "cancelled":
        return DocumentError(T_CANCELLED, locale, **values)
    if doc in NEED_LINES and not job.lines:
        return DocumentError(T_NO_LINES, locale, **{k: values[k] for k in ("sheet", "wo_no", "title")})
    if doc == "gatepass" and job.status != "settled":
        return DocumentError(T_NOT_SETTLED, locale, **values)
    return None


def _applicable(job: Job, docs: list[str], every: bool, locale: str) -> tuple[list[str], list[str]]:
    """The documents to print and the messages of those left out. Asked by name, a document
    that does not apply is refused; under ``all`` it is left out, unless nothing is left or the
    job has no lines."""
    chosen: list[str] = []
    left_out: list[DocumentError] = []
    for doc in docs:
        why = refusal(job, doc, locale)
        if why is None:
            chosen.append(doc)
        elif not every or (doc in NEED_LINES and not job.lines):
            raise why
        else:
            left_out.append(why)
    if not chosen:
        raise left_out[0]
    return chosen, [why.message(locale) for why in left_out]


def documents(store: Store, wo_no: str, doc: str | Iterable[str] = "all", locale: str | None = None, *,
              printed: dt.datetime | None = None) -> dict[str, Workbook]:
    """The filled workbooks of work order ``wo_no``: document name -> workbook (not saved), in
    ``locale`` (the store's when None). ``doc`` is a document name, a list of them or ``all``
    (the documents the job's status allows). Refusals are :class:`DocumentError`."""
    return _documents(store, wo_no, doc, locale, printed)[0]


def _documents(store: Store, wo_no: str, doc: str | Iterable[str], locale: str | None,
               printed: dt.datetime | None) -> tuple[dict[str, Workbook], list[str]]:
    locale = locale or store.locale
    every = doc == "all"
    docs = check_docs(doc, locale)
    job = load_job(store, wo_no)
    chosen, skipped = _applicable(job, docs, every, locale)
    when = printed or dt.datetime.now().replace(microsecond=0)
    return {name: forms.render(name, store, job, locale, when) for name in chosen}, skipped


def default_documents_dir(workbook: Path) -> Path:
    """``<folder of the workbook>/<stem>_documents/``."""
    return workbook.parent / f"{workbook.stem}_documents"


def file_stem(wo_no: str, doc: str) -> str:
    """``<WO_NO>_<doc>``, with the characters a file name may not hold replaced by '-'."""
    return re.sub(r'[\\/:*?"<>|\s]+', "-", wo_no.strip()) + f"_{doc}"


def print_documents(store: Store, wo_no: str, out_dir: str | Path, doc: str | Iterable[str] = "all", *,
                    locale: str | None = None, pdf: bool = True,
                    printed: dt.datetime | None = None) -> DocumentPack:
    """Print the documents of ``wo_no`` into ``out_dir``: ``<WO_NO>_<doc>.xlsx`` and, with
    ``pdf``, a PDF of each from one LibreOffice run. Every document is filled before the folder
    is made, so a refusal writes nothing; the files are written under temporary names in a
    staging folder, fsynced and renamed in."""
    locale = locale or store.locale
    books, skipped = _documents(store, wo_no, doc, locale, printed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    try:
        staged = []
        for name, wb in books.items():
            path = staging / f"{file_stem(wo_no, name)}.xlsx"
            wb.save(path)
            staged.append(path)
        pdfs: list[Path] = []
        reason: str | None = None
        if pdf:
            from addin import libreoffice

            reason = libreoffice.available(locale)
            if not reason:
                try:
                    converted = libreoffice.convert(staged, "pdf", staging, recalc=False)
                    pdfs = converted if isinstance(converted, list) else [converted]
                except ServiceError as exc:
                    reason = T_PDF_FAILED(locale, reason=exc.message(locale))
        files = []
        for p in [*staged, *pdfs]:
            fsync_file(p)
            target = out / p.name
            os.replace(p, target)
            files.append(target)
        fsync_dir(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return DocumentPack(files, skipped, reason)

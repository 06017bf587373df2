"""`service-addin print WORKBOOK WO_NO [--doc jobsheet|dispatch|picklist|settlement|gatepass|all]
[--out DIR]`: the day's documents of one work order (addin.documents), as xlsx and PDF, into
``<workbook stem>_documents/`` beside the workbook. ("print" shadows a builtin as a module name:
the module is print_.)"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from addin.i18n import Text

HELP = "print the documents of a work order (job sheet, dispatch, pick list, settlement, gate pass, all)"

T_WROTE = Text("Wrote {path}", "已生成 {path}")
T_LEFT_OUT = Text("Left out: {why}", "未打印：{why}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # The document names are checked when the command runs (an unknown one is refused in the
    # workbook's language with the list), so that `print --help` imports nothing.
    parser.add_argument("workbook", help="the workbook (.xlsx/.xlsm) to read")
    parser.add_argument("wo_no", metavar="WO_NO", help="the work order's number")
    parser.add_argument("--doc", default="all",
                        help="jobsheet, dispatch, picklist, settlement, gatepass or all (the default: every "
                             "document the job's status allows)")
    parser.add_argument("--out", help="folder (default: <workbook stem>_documents/ beside it)")
    parser.add_argument("--format", default="pdf", choices=("xlsx", "pdf"),
                        help="pdf (the default) also keeps the xlsx; xlsx skips LibreOffice")


def run(args: argparse.Namespace) -> int:
    from addin.documents import check_docs, default_documents_dir, print_documents
    from addin.io.reader import read_store

    path = Path(args.workbook)
    store = read_store(path)
    doc = args.doc.strip()
    docs = "all" if doc == "all" else check_docs(doc, store.locale)
    out = Path(args.out) if args.out else default_documents_dir(path)
    pack = print_documents(store, args.wo_no, out, docs, pdf=args.format == "pdf")
    for p in pack.files:
        print(T_WROTE(store.locale, path=p))
    for why in pack.skipped:
        print(T_LEFT_OUT(store.locale, why=why), file=sys.stderr)
    if pack.no_pdf_reason:
        print(pack.no_pdf_reason, file=sys.stderr)
    return 0

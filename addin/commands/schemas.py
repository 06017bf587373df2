"""`service-addin schemas`: write the JSON Schema of every sheet, generated from the models."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from addin.i18n import Text, tr

HELP = "write one JSON Schema per sheet (from the models) into a folder, or check that it is up to date"

_WROTE = Text("Wrote {n} schemas into {dir}", "已将 {n} 个 JSON Schema 写入 {dir}")
_UP_TO_DATE = Text("{dir}: the schemas match the models", "{dir}：JSON Schema 与模型一致")
_DRIFT = Text("{dir}: out of date with the models: {files}. Run `service-addin schemas --out {dir}`.",
              "{dir}：与模型不一致：{files}。请运行 `service-addin schemas --out {dir}`。")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("schemas"), help="folder to write into (default: schemas/)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when the folder has drifted")


def run(args: argparse.Namespace) -> int:
    from addin.schemas import drifted, write_schemas

    locale = os.environ.get("SERVICE_ADDIN_LOCALE")
    if args.check:
        stale = drifted(args.out)
        if stale:
            print(tr(_DRIFT, locale, dir=args.out, files=", ".join(stale)))
            return 1
        print(tr(_UP_TO_DATE, locale, dir=args.out))
        return 0
    paths = write_schemas(args.out)
    print(tr(_WROTE, locale, n=len(paths), dir=args.out))
    return 0

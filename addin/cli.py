"""`service-addin`: the command line. Each sub-command lives in addin/commands/<name>.py and
defines ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int`` (the exit code)."""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.util
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from addin import __version__
from addin.errors import ServiceError

COMMANDS = ("schemas", "build", "locale", "demo", "info", "validate", "kpi", "close", "reopen", "report", "batch")
# issue 16: data in from DMS exports and CSV, and upgrading old workbooks ("import" is a keyword).
COMMANDS += ("import", "upgrade")
# issue 18: the workshop board of a day.
COMMANDS += ("board",)
MODULES = {"import": "import_"}
# issue 18: the day's documents of a work order ("print" would shadow the builtin as a module).
COMMANDS += ("print",)
MODULES["print"] = "print_"


def _module(name: str) -> str:
    """The module of command ``name`` (a command that is a Python keyword or builtin has another)."""
    return f"addin.commands.{MODULES.get(name, name)}"


def _help_of(name: str) -> str:
    """A command's HELP, read from its module's text: ``--help`` and ``--version`` import no
    command (so neither pandas nor openpyxl nor the reports)."""
    spec = importlib.util.find_spec(_module(name))
    if spec is None or spec.origin is None:
        return ""
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    for node in tree.body:
        if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "HELP" for t in node.targets)
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            return node.value.value
    return str(importlib.import_module(_module(name)).HELP)


def _chosen(argv: Sequence[str]) -> str | None:
    """The command named on the command line (the first word that is one)."""
    return next((a for a in argv if a in COMMANDS), None)


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only ``command``'s module is imported, for its arguments."""
    parser = argparse.ArgumentParser(
        prog="service-addin",
        description="The Service add-in: check, measure and close a 4S store's service month.",
    )
    parser.add_argument("--debug", action="store_true", help="show the Python traceback of an internal error")
    parser.add_argument("--version", action="version", version=f"service-addin {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        help_text = _help_of(name)
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == command:
            module = importlib.import_module(_module(name))
            module.add_arguments(p)
            p.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script. Errors become one clear line, never a traceback."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser(_chosen(argv)).parse_args(argv)
    try:
        return int(args._run(args))
    except ServiceError as exc:
        print(exc.message(getattr(exc, "locale", None) or os.environ.get("SERVICE_ADDIN_LOCALE")), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our output went away (`service-addin ... | head`): not an error of ours.
        # Point stdout at devnull so the interpreter's final flush does not complain again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # the last line of defence: a user never sees a traceback
        if args.debug:
            traceback.print_exc()
        print(f"Internal error ({type(exc).__name__}: {exc}). Run it again as "
              f"`service-addin --debug {args.command} ...` and report the output.", file=sys.stderr)
        return 3


def console() -> NoReturn:
    """The console script and ``python -m addin``: :func:`main`, then the exit. After a command
    whose module sets ``EXIT_AT_ONCE`` (one that reads a workbook and prints), the process ends as
    soon as its output is flushed, without the interpreter's teardown: freeing a large year's
    tables object by object took 0.2 s of a 4 s ``validate``. Such a command has closed every file
    it opened and ended every process it started by the time it returns."""
    argv = sys.argv[1:]
    code = main(argv)
    command = _chosen(argv)
    module = sys.modules.get(_module(command)) if command else None
    if not getattr(module, "EXIT_AT_ONCE", False):
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # None without a console (pythonw)
                stream.flush()
        except (BrokenPipeError, ValueError):  # the reader went away (see main), or the stream is closed
            pass
    os._exit(code)


if __name__ == "__main__":
    console()

"""`service-addin`: the command line. Each sub-command lives in addin/commands/<name>.py and
defines ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int`` (the exit code)."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from typing import Sequence

from addin import __version__
from addin.errors import ServiceError

COMMANDS = ("schemas", "build", "locale", "demo", "info", "validate", "kpi", "close", "reopen", "report", "batch")
# issue 16: data in from DMS exports and CSV, and upgrading old workbooks ("import" is a keyword).
COMMANDS += ("import", "upgrade")
MODULES = {"import": "import_"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="service-addin",
        description="The Service add-in: check, measure and close a 4S store's service month.",
    )
    parser.add_argument("--debug", action="store_true", help="show the Python traceback of an internal error")
    parser.add_argument("--version", action="version", version=f"service-addin {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"addin.commands.{MODULES.get(name, name)}")
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script. Errors become one clear line, never a traceback."""
    args = _parser().parse_args(argv)
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


if __name__ == "__main__":
    sys.exit(main())

"""``python -m addin.rules --doc``: print docs/rules.md (the rules reference) from the registry."""

from __future__ import annotations

import argparse
import sys

from addin.rules.doc import rules_markdown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m addin.rules", description=__doc__)
    parser.add_argument("--doc", action="store_true", help="print the rules reference as Markdown")
    args = parser.parse_args(argv)
    if not args.doc:
        parser.print_help()
        return 2
    sys.stdout.write(rules_markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``python -m addin.demo --last-period``: the demo's last month (what ``make demo`` closes)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from addin.demo.context import DEFAULT_END, span


def main(argv: Sequence[str] | None = None) -> int:
    """Print the last month of a demo of ``--months`` months ending with ``--end``."""
    parser = argparse.ArgumentParser(prog="python -m addin.demo")
    parser.add_argument("--last-period", action="store_true", required=True)
    parser.add_argument("--months", type=int, default=13)
    parser.add_argument("--end", default=DEFAULT_END)
    args = parser.parse_args(argv)
    span(args.months, args.end)
    print(args.end)
    return 0


if __name__ == "__main__":
    sys.exit(main())

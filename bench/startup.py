"""How fast the command line starts: `--version`, `--help` and every command's `--help` as
processes (best of --repeat runs), against a bare `python -c pass`, and the import time of each
command's own module.

    .venv/bin/python bench/startup.py [--repeat 5]

Exits 1 when any of them takes more than 0.25 s (the issue's bar).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 0.25
sys.path.insert(0, str(ROOT))


def best(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).parent))
    from kpi import compiled

    from addin.cli import COMMANDS, MODULES

    compiled()

    python = best([sys.executable, "-c", "pass"], args.repeat)
    print(f"python -c pass                  {python:.3f} s")
    failed = False
    for extra in (["--version"], ["--help"], *([name, "--help"] for name in COMMANDS)):
        seconds = best([sys.executable, "-m", "addin", *extra], args.repeat)
        over = seconds > LIMIT
        failed |= over
        print(f"service-addin {' '.join(extra):<18} {seconds:.3f} s{'  OVER ' + str(LIMIT) + ' s' if over else ''}")
    for name in COMMANDS:
        module = MODULES.get(name, name)
        seconds = best([sys.executable, "-c", f"import addin.commands.{module}"], args.repeat) - python
        print(f"import addin.commands.{module:<10} {max(seconds, 0):.3f} s")
    print("FAIL" if failed else "OK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""A dealer group: `batch kpi` over many small stores on a Dask LocalCluster of 2 worker processes
and on the process pool, against one process alone; the coordinator's memory at 100 stores and
at all of them.

    .venv/bin/python bench/group.py [--stores 1000] [--memory-at 100] [--cache /tmp/bench_group] [--target 0.9]

The stores are small demo stores of one month (``demo --size small --months 1``, seeds 1..N,
store codes G0001..), made once into the cache folder with 2 processes and reused. Each run is
``run_batch`` as the ``batch kpi`` command calls it (results streamed to the JSON lines and
Parquet files, the group report written from them, no PDF, the stores not kept):

- one worker process alone, then the process pool of 2 workers, then a Dask LocalCluster of 2
  worker processes (``--scheduler local``'s: one thread each, no profiler; started, and the
  action's modules imported in its workers as the pool's forked workers inherit them, before the
  clock): stores/s of each, and the scaling ratio = throughput per worker / throughput of one
  process alone (target >= 0.9);
- the machine's own scaling, for information: one interpreter running the worker over
  --machine-stores stores one after the other, then two at once over half of them each (no pool,
  no coordinator, nothing shared): a machine whose two cores are one core's two hardware threads,
  or that other work shares, gives two processes less than twice one, and no batch can beat that;
- the coordinator's memory, each in a fresh interpreter on the process pool of 2 workers, over
  the first 100 stores and over all of them: the peak of what Python allocated (tracemalloc)
  while the results streamed in, and while the group report was written, and the peak resident
  memory above the interpreter's before the batch (sampled every 10 ms). The figure of the
  streaming phase must stay flat: at N stores at most 1.25x (+ 1 MiB) its figure at 100.

Other work on the machine takes cores from the workers (the scaling ratio then measures the
machine, not the batch): the load average is printed beside the figures. Exits 1 when a target
is missed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from batch import PERIOD, ensure_stores  # noqa: E402  (the stores bench/batch.py makes, small here)

MEMORY_AT = 100
FLAT = 1.25          # streaming-phase peak at N stores / at MEMORY_AT stores
FLAT_SLACK_MB = 1.0


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class RssPeak:
    """The coordinator's resident memory, sampled every 10 ms in a thread."""

    def __init__(self) -> None:
        self.peak = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, rss_mb())

    def __enter__(self) -> RssPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


def batch(paths: list[Path], out: Path, workers: int, scheduler: Any = None,
          progress: Any = False) -> Any:
    from addin.batch import run_batch

    result = run_batch(paths, "kpi", PERIOD, out_dir=out, workers=workers, scheduler=scheduler,
                       progress=progress, pdf=False, keep_stores=False)
    if result.failures or result.store_count != len(paths):
        sys.exit(f"the batch failed: {result.failures[:3]}")
    return result


def timed(paths: list[Path], workers: int, scheduler: Any = None) -> tuple[float, float]:
    """Stores per second of one batch, and the largest peak resident memory of its workers (MiB)."""
    with tempfile.TemporaryDirectory(prefix="bench_group_") as out:
        started = time.perf_counter()
        result = batch(paths, Path(out), workers, scheduler)
        return len(paths) / (time.perf_counter() - started), max(result.peak_rss_mb.values(), default=0.0)


def memory(paths: list[Path]) -> dict[str, float]:
    """In this (fresh) interpreter: the coordinator's memory over one batch of ``paths``."""
    import multiprocessing

    from addin.batch import ACTIONS

    for module in ACTIONS["kpi"].needs:
        __import__(module)
    # Workers from a fork server, a fresh interpreter: forked from this one they would go on
    # tracing their allocations as it does (3-5 times slower), though only this one is measured.
    multiprocessing.set_start_method("forkserver", force=True)
    multiprocessing.set_forkserver_preload(["addin.batch.actions", *ACTIONS["kpi"].needs])
    streamed: dict[str, float] = {}

    def progress(done: int, total: int, item: dict[str, Any]) -> None:
        if done == total:  # every result is in: what follows is the group report
            streamed["mb"] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.reset_peak()

    with tempfile.TemporaryDirectory(prefix="bench_group_") as out:
        base = rss_mb()
        with RssPeak() as rss:
            tracemalloc.start()
            batch(paths, Path(out), 2, progress=progress)
            report = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
    return {"stores": len(paths), "streaming_mb": streamed["mb"], "report_mb": report, "rss_mb": rss.peak - base}


def memory_in_child(cache: Path, count: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--cache", str(cache), "--stores", str(count), "--memory-only"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def sequential(paths: list[Path]) -> float:
    """In this (fresh) interpreter: stores per second of the kpi worker over ``paths`` one after
    the other, no pool, no coordinator (after one store, so that imports are not counted)."""
    from addin.batch.actions import ACTIONS, TaskOptions, execute_task

    worker, options = ACTIONS["kpi"].worker, TaskOptions(period=PERIOD, pdf=False)
    execute_task(worker, str(paths[0]), options)
    started = time.perf_counter()
    for path in paths:
        execute_task(worker, str(path), options)
    return len(paths) / (time.perf_counter() - started)


def machine_scaling(cache: Path, count: int) -> tuple[float, float]:
    """What this machine gives two independent processes at once: stores/s of one interpreter
    alone over ``count`` stores, then the mean stores/s of two interpreters started together over
    half of them each. Their ratio is the ceiling of any scaling ratio of two workers here."""
    def run(halves: list[str]) -> list[float]:
        procs = [subprocess.Popen([sys.executable, __file__, "--cache", str(cache), "--stores", str(count),
                                   "--sequential", half], stdout=subprocess.PIPE, text=True) for half in halves]
        return [float(proc.communicate()[0].strip().splitlines()[-1]) for proc in procs]

    alone = run(["all"])[0]
    pair = run(["0", "1"])
    return alone, sum(pair) / len(pair)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", type=int, default=1000)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/bench_group"))
    parser.add_argument("--target", type=float, default=0.9, help="throughput per worker / one process alone")
    parser.add_argument("--memory-at", type=int, default=MEMORY_AT, help="the smaller batch of the memory figures")
    parser.add_argument("--memory-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--sequential", choices=("all", "0", "1"), help=argparse.SUPPRESS)
    parser.add_argument("--machine-stores", type=int, default=100,
                        help="stores of the machine's own scaling (two independent processes)")
    args = parser.parse_args(argv)

    paths = ensure_stores(args.cache, args.stores, "small", "G{:04d}")
    if args.memory_only:
        print(json.dumps(memory(paths)))
        return 0
    if args.sequential:
        print(sequential(paths if args.sequential == "all" else paths[int(args.sequential)::2]))
        return 0

    from dask.distributed import Client

    from addin.batch import ACTIONS
    from addin.batch.runner import local_cluster

    for module in ACTIONS["kpi"].needs:  # imported before the clocks start, so that no run pays for it
        __import__(module)
    load_before = os.getloadavg()[0]
    alone, pair = machine_scaling(args.cache, min(args.machine_stores, args.stores))
    one, one_mb = timed(paths, 1)
    pool, pool_mb = timed(paths, 2)
    with local_cluster(2) as cluster, Client(cluster) as client:  # what --scheduler local starts
        for module in ACTIONS["kpi"].needs:  # as the pool's forked workers have them: imported
            client.run(importlib.import_module, module)
        dask, dask_mb = timed(paths, 2, client)
    load_after = os.getloadavg()[0]
    small = memory_in_child(args.cache, min(args.memory_at, args.stores))
    full = memory_in_child(args.cache, args.stores)

    n = len(paths)
    print(f"{n} small demo stores (one month each), batch kpi, results streamed, no PDF")
    print(f"  {'one process alone':<32}  {one:6.2f} stores/s; worker peak {one_mb:.0f} MiB")
    ok = True
    for label, rate, mb in (("process pool, 2 workers", pool, pool_mb), ("Dask LocalCluster, 2 processes", dask, dask_mb)):
        ratio = rate / 2 / one
        ok = ok and ratio >= args.target
        print(f"  {label:<32}  {rate:6.2f} stores/s: per worker {ratio:.2f}x one process alone "
              f"(target >= {args.target:.2f}x){'' if ratio >= args.target else '  BELOW TARGET'}; "
              f"worker peak {mb:.0f} MiB")
    print(f"  the machine: two independent processes at once run at {pair / alone:.2f}x one alone "
          f"({pair:.2f} and {alone:.2f} stores/s over {min(args.machine_stores, args.stores)} stores, no pool, "
          "no coordinator): the ceiling of a scaling ratio on this machine (information)")
    print("  coordinator's memory (fresh interpreter, process pool of 2):")
    for m in (small, full):
        print(f"    {int(m['stores']):>5} stores: Python peak {m['streaming_mb']:6.2f} MiB while streaming, "
              f"{m['report_mb']:6.2f} MiB while writing the group report; resident +{m['rss_mb']:.0f} MiB")
    flat = full["streaming_mb"] <= FLAT * small["streaming_mb"] + FLAT_SLACK_MB
    ok = ok and flat
    print(f"    streaming peak at {n} / at {int(small['stores'])} stores: "
          f"{full['streaming_mb'] / small['streaming_mb']:.2f}x (target <= {FLAT}x + {FLAT_SLACK_MB:.0f} MiB)"
          f"{'' if flat else '  NOT FLAT'}")
    print(f"  load average {load_before:.1f} before, {load_after:.1f} after, on {os.cpu_count()} cores")
    print("OK" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

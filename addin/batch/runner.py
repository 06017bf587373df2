"""Where the workers run: a process pool on this machine, or an existing Dask cluster.

Processes rather than threads: reading a workbook and computing KPIs is CPU-bound Python, and a
worker that crashes on a damaged file takes only its own process down. The local default is the
standard library's ProcessPoolExecutor: it starts in milliseconds and its forked workers inherit
the loaded modules, where a Dask LocalCluster costs a second or two of start-up, a nanny per
worker and, in ``bench/batch.py --dask``, about a quarter more CPU per store.
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from addin.batch.actions import TaskOptions, Worker, execute_task
from addin.i18n import Text

OnResult = Callable[[dict[str, Any]], None]

WORKER_DIED = Text(
    "The worker process stopped while processing this file (out of memory or a crash in a reader)",
    "处理此文件时工作进程意外退出（内存不足或读取程序崩溃）",
)
DASK_FAILED = Text("The Dask cluster could not process this file: {detail}", "Dask 集群无法处理此文件：{detail}")
NO_SCHEDULER = Text("Cannot reach the Dask scheduler at {address}: {detail}", "无法连接 Dask 调度器 {address}：{detail}")


def _died(path: str, options: TaskOptions) -> dict[str, Any]:
    return {"status": "failed", "reason": WORKER_DIED(options.locale), "file": path}


#: Files in flight per worker: enough to keep every worker busy, few enough that results that
#: come back early (and wait for the ones before them to be written in input order) stay few.
IN_FLIGHT = 4


def run_local(worker: Worker, paths: Sequence[str], options: TaskOptions, workers: int, on_result: OnResult) -> None:
    """Run ``worker`` over ``paths`` in a pool of ``workers`` processes; ``on_result`` gets each
    result as it completes. At most ``IN_FLIGHT`` files per worker are submitted at a time. When a
    worker dies the pool breaks: the files that were in flight are retried alone, each in a fresh
    process, so a crash is charged to the file that caused it, and the rest go on in a new pool."""
    queue = deque(paths)
    position = {path: i for i, path in enumerate(paths)}
    window = max(2, IN_FLIGHT * workers)
    while queue:
        suspects: list[str] = []
        with ProcessPoolExecutor(max_workers=max(1, min(workers, len(queue)))) as pool:
            running: dict[Future[dict[str, Any]], str] = {}
            broken = False
            while queue or running:
                while queue and not broken and len(running) < window:
                    path = queue.popleft()
                    try:
                        running[pool.submit(execute_task, worker, path, options)] = path
                    except BrokenProcessPool:
                        queue.appendleft(path)
                        broken = True
                if not running:
                    break
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: position[running[f]]):
                    path = running.pop(future)
                    try:
                        on_result(future.result())
                    except BrokenProcessPool:
                        suspects.append(path)
                        broken = True
        for path in sorted(suspects, key=position.__getitem__):
            with ProcessPoolExecutor(max_workers=1) as pool:
                try:
                    on_result(pool.submit(execute_task, worker, path, options).result())
                except BrokenProcessPool:
                    on_result(_died(path, options))


def local_cluster(workers: int) -> Any:
    """A Dask LocalCluster of ``workers`` worker processes, one thread each, no dashboard."""
    from dask.distributed import LocalCluster

    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)


def run_dask(worker: Worker, paths: Sequence[str], options: TaskOptions, scheduler: Any, on_result: OnResult,
             workers: int | None = None) -> None:
    """Run ``worker`` over ``paths`` on a Dask cluster. ``scheduler`` is the scheduler's address
    (``tcp://host:8786``), a ``dask.distributed.Client``, or ``"local"``: a LocalCluster of
    ``workers`` processes started for this batch (and stopped after it). The cluster's workers
    must see the files under the same paths (a shared drive) and have this package installed.
    At most ``IN_FLIGHT`` files per worker of the cluster are submitted at a time."""
    from dask.distributed import Client
    from dask.distributed import as_completed as dask_completed

    from addin.batch.result import BatchError

    cluster = None
    own = not isinstance(scheduler, Client)
    try:
        if scheduler == "local":
            cluster = local_cluster(max(1, workers or 1))
            scheduler = cluster.scheduler_address
        client = Client(scheduler, timeout="20s") if own else scheduler
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        raise BatchError(NO_SCHEDULER, address=scheduler, detail=exc) from exc
    try:
        width = len(client.scheduler_info().get("workers", {})) or 1
        queue = deque(paths)
        where: dict[Any, str] = {}

        def submit() -> Any:
            path = queue.popleft()
            future = client.submit(execute_task, worker, path, options, pure=False)
            where[future.key] = path
            return future

        first = [submit() for _ in range(min(len(queue), max(2, IN_FLIGHT * width)))]
        running = dask_completed(first)
        for future in running:
            try:
                on_result(future.result())
            except Exception as exc:  # KilledWorker and the like: reported against the file
                on_result({"status": "failed", "file": where[future.key],
                           "reason": DASK_FAILED(options.locale, detail=f"{type(exc).__name__}: {exc}")})
            del where[future.key]
            future.release()
            if queue:
                running.add(submit())
    finally:
        if own:
            client.close()
        if cluster is not None:
            cluster.close()


class Progress:
    """A tqdm bar on a terminal, one plain line per file otherwise (logs, CI, redirected output)."""

    def __init__(self, total: int, mode: bool | None | Callable[[int, int, dict[str, Any]], None], stream: Any = None) -> None:
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.callback = mode if callable(mode) else None
        self.enabled = mode is not False and self.callback is None
        self.bar = None
        if self.enabled and getattr(self.stream, "isatty", lambda: False)():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="store", file=self.stream, dynamic_ncols=True)

    def update(self, result: dict[str, Any]) -> None:
        self.done += 1
        if self.callback:
            self.callback(self.done, self.total, result)
        elif self.bar is not None:
            self.bar.set_postfix_str(f"{result.get('store_code') or ''} {result['status']}", refresh=False)
            self.bar.update(1)
        elif self.enabled:
            label = result.get("store_code") or "-"
            line = f"[{self.done:>{len(str(self.total))}}/{self.total}] {result['status']:<7} {label:<10} {result['file']}"
            if result.get("reason"):
                line += f": {result['reason']}"
            print(line, file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

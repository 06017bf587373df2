"""Where the workers run: a process pool on this machine, or an existing Dask cluster.

Processes rather than threads: reading a workbook and computing KPIs is CPU-bound Python, and a
worker that crashes on a damaged file takes only its own process down. The local default is the
standard library's ProcessPoolExecutor: it starts in milliseconds and its forked workers inherit
the loaded modules, where a Dask LocalCluster costs a second or two of start-up and a nanny per
worker (with :data:`LOCAL_CONFIG` and tasks of :data:`CHUNK` files, its throughput per store is
the pool's within the machine's noise: bench/group.py prints both).
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


#: Files per Dask task at most. A task costs the scheduler (which a LocalCluster runs in the
#: coordinator's process) and the worker a few milliseconds each way: shared by several files that
#: cost stays small beside a store's read, while short chunks keep the workers evenly busy at the end.
CHUNK = 4

#: Dask settings of a LocalCluster: what a dashboard and a long-lived cluster want, a batch on
#: this machine does not. Idle, Dask's defaults cost the coordinator (where the scheduler runs)
#: about 50 ms of CPU a second and each worker process 40 (the statistical profiler sampling every
#: thread every 10 ms, the event loops' 20 ms ticks, the system monitor every 0.5 s); these
#: settings bring the three to about 17 ms a second together: CPU the workers keep.
LOCAL_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.scheduler.work-stealing": False,  # equal tasks, a few per worker: nothing to steal
}


def local_cluster(workers: int) -> Any:
    """A Dask LocalCluster of ``workers`` worker processes, one thread each, no dashboard, with
    :data:`LOCAL_CONFIG`."""
    import dask
    from dask.distributed import LocalCluster

    with dask.config.set(LOCAL_CONFIG):
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)


def chunks(paths: Sequence[str], width: int) -> list[list[str]]:
    """``paths`` in input order, cut into tasks of up to :data:`CHUNK` files: fewer per task when
    there are too few files to keep ``IN_FLIGHT`` tasks per worker busy."""
    size = max(1, min(CHUNK, len(paths) // max(1, IN_FLIGHT * width)))
    return [list(paths[i:i + size]) for i in range(0, len(paths), size)]


def run_dask(worker: Worker, paths: Sequence[str], options: TaskOptions, scheduler: Any, on_result: OnResult,
             workers: int | None = None) -> None:
    """Run ``worker`` over ``paths`` on a Dask cluster. ``scheduler`` is the scheduler's address
    (``tcp://host:8786``), a ``dask.distributed.Client``, or ``"local"``: a LocalCluster of
    ``workers`` processes started for this batch (and stopped after it). The cluster's workers
    must see the files under the same paths (a shared drive) and have this package installed.
    Each task takes a few files (:func:`chunks`); at most ``IN_FLIGHT`` tasks per worker of the
    cluster are submitted at a time. The files of a task that failed as a whole (its worker died:
    Dask's KilledWorker, which may also strike a task that only shared the worker) are tried again
    at the end, one at a time with nothing else in flight, so that a crash is charged to the file
    that caused it and the others still count."""
    from dask.distributed import Client
    from dask.distributed import as_completed as dask_completed

    from addin.batch.actions import execute_tasks
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
        queue = deque(chunks(paths, width))
        position = {path: i for i, path in enumerate(paths)}
        where: dict[Any, list[str]] = {}

        def submit() -> Any:
            files = queue.popleft()
            future = client.submit(execute_tasks, worker, files, options, pure=False)
            where[future.key] = files
            return future

        window = max(2, IN_FLIGHT * width)
        suspects: list[str] = []
        running = dask_completed([submit() for _ in range(min(len(queue), window))])
        for future in running:
            files = where.pop(future.key)
            try:
                results = future.result()
            except Exception:  # KilledWorker and the like: its files are tried again, each alone
                suspects.extend(files)
            else:
                for result in results:
                    on_result(result)
            future.release()
            while queue and len(where) < window:
                running.add(submit())
        for path in sorted(suspects, key=position.__getitem__):  # alone: a death now is its own
            future = client.submit(execute_tasks, worker, [path], options, pure=False)
            try:
                on_result(future.result()[0])
            except Exception as exc:
                on_result({"status": "failed", "file": path,
                           "reason": DASK_FAILED(options.locale, detail=f"{type(exc).__name__}: {exc}")})
            future.release()
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

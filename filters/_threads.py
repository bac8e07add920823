"""Sharing a computation's blocks out among threads.

The compiled kernels release the GIL (``nogil``) and so do scipy's transforms,
so plain Python threads run them on every core. Each thread takes the next
block when it is done with one: a core slowed down by other work simply does
fewer blocks, and nothing spins while it waits (a thread pool that spins
would take a core from whatever runs next, such as another library's pool).
Several callers (the sessions of a web server) may share the pool at once.

The thread count follows ``numba.get_num_threads()``, so ``numba.set_num_threads``
(which is per calling thread) sets it; the calibration uses that to time one
core.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from numba import get_num_threads

__all__ = ["count", "run"]

_EXECUTORS: dict[int, ThreadPoolExecutor] = {}
_LOCK = threading.Lock()


def count() -> int:
    """How many threads a computation started from this thread may use."""
    return max(1, get_num_threads())


def _executor(workers: int) -> ThreadPoolExecutor:
    with _LOCK:
        pool = _EXECUTORS.get(workers)
        if pool is None:
            pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="filters")
            _EXECUTORS[workers] = pool
        return pool


def run(work: Callable[[int, dict], bool], tasks: int) -> bool:
    """Call ``work(index, scratch)`` for every index below ``tasks``; all results and-ed.

    ``scratch`` is a dict private to the thread running the call, for buffers
    it reuses from one task to the next. The calling thread works too.
    """
    threads = min(count(), tasks)
    if threads <= 1:
        scratch: dict = {}
        ok = True
        for index in range(tasks):
            ok &= bool(work(index, scratch))
        return ok
    lock = threading.Lock()
    position = [0]

    def worker() -> bool:
        scratch: dict = {}
        ok = True
        while True:
            with lock:
                index = position[0]
                position[0] += 1
            if index >= tasks:
                return ok
            ok &= bool(work(index, scratch))

    pool = _executor(threads - 1)
    futures = [pool.submit(worker) for _ in range(threads - 1)]
    ok = worker()
    return all([future.result() for future in futures]) and ok

"""Where a sweep's tasks run: in this process, on a local process pool, or on a Dask distributed cluster.

Every backend runs the same picklable tasks; the seeds travel inside the tasks, so the results are identical
whichever backend runs them. A backend is opened from a spec string (the CLI's ``--executor``):

``sequential``               in this process, one task after another
``local`` / ``local:N``      a process pool on all available cores / on N processes (the default)
``dask://HOST:PORT``         an existing Dask scheduler (``tcp://HOST:PORT`` is accepted too)
``PATH.json``                a Dask scheduler file (``dask scheduler --scheduler-file PATH.json``)
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.errors import ScenarioError

SPEC_HELP = "sequential, local, local:N, dask://HOST:PORT or a Dask scheduler file (.json)"
CONNECT_TIMEOUT = "10s"  # how long to wait for a Dask scheduler before giving up


def available_cores() -> int:
    """Cores this process may use (the affinity mask where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


@dataclass
class Backend:
    """An open place to run tasks. ``executor`` is None for in-process, sequential execution."""

    name: str
    capacity: int  # tasks that can run at once
    executor: cf.Executor | None = None
    _close: Any = field(default=None, repr=False)

    @property
    def sequential(self) -> bool:
        return self.executor is None

    def stop(self, *, cancel: bool = False) -> None:
        """Release the backend; with ``cancel`` drop queued tasks and stop running ones now."""
        if self._close is not None:
            closer, self._close = self._close, None
            closer(cancel)


SEQUENTIAL = Backend(name="sequential", capacity=1)


def _ignore_sigint() -> None:
    # Ctrl-C is the parent's to handle: it stops the pool and keeps finished work, workers just end.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _start_worker(warm: Callable[[], None] | None) -> None:
    _ignore_sigint()
    if warm is not None:
        # Only a head start: should it fail, the first task meets the same failure and reports it by name,
        # where a failing initializer would break the whole pool without a word of why.
        with suppress(Exception):
            warm()


def _nothing() -> None:
    """A task that does nothing: submitting it starts the pool's processes (all of them, under fork)."""


def worker_count(workers: int | None, tasks: int | None = None) -> int:
    """Processes for a local pool: ``workers`` (validated) or the available cores, never more than ``tasks``."""
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ScenarioError("must be an integer >= 1", field="workers", value=workers)
    count = available_cores() if workers is None else workers
    return count if tasks is None else max(1, min(count, tasks))


def pool_spec(workers: int | None, tasks: int | None = None) -> str:
    """The backend spec for a local pool of :func:`worker_count` processes (``sequential`` for one)."""
    count = worker_count(workers, tasks)
    return "sequential" if count <= 1 else f"local:{count}"


def local_backend(workers: int | None = None, *, warm: Callable[[], None] | None = None) -> Backend:
    """A process pool of ``workers`` processes (default: the available cores); one worker runs in-process.

    ``warm``: run in every worker as it starts, and the workers are started now, so that what it loads (the
    compiled simulation, :func:`simulator.sim.warmup.load_compiled`) is loaded while the caller goes on with
    its own start-up rather than when the first task arrives."""
    count = worker_count(workers)
    if count <= 1:
        return Backend(name="sequential", capacity=1)
    pool = cf.ProcessPoolExecutor(max_workers=count, initializer=functools.partial(_start_worker, warm))
    if warm is not None:
        pool.submit(_nothing)

    def close(cancel: bool) -> None:
        if cancel:
            # The executor has no public way to stop running tasks; terminate its processes so that Ctrl-C
            # returns at once instead of after the longest running task.
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=cancel)

    return Backend(name=f"local pool ({count} processes)", capacity=count, executor=pool, _close=close)


def dask_backend(address: str | None = None, *, scheduler_file: str | None = None) -> Backend:
    """A client of an existing Dask distributed cluster, as a ``concurrent.futures`` executor."""
    source = "--executor"
    try:
        from distributed import Client
    except ImportError:
        raise ScenarioError("needs the Dask extra: pip install 'callsim[dask]'", source=source,
                            value=address or scheduler_file) from None
    try:
        client = Client(address, scheduler_file=scheduler_file, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise ScenarioError(f"cannot reach the Dask scheduler: {error}", source=source,
                            value=address or scheduler_file) from None
    threads = sum(client.nthreads().values())
    if threads < 1:
        client.close()
        raise ScenarioError("the Dask cluster has no workers", source=source, value=address or scheduler_file)
    # pure=False: every submission runs, even when two tasks look alike.
    executor = client.get_executor(pure=False)

    def close(cancel: bool) -> None:
        executor.shutdown(wait=not cancel)
        client.close()

    return Backend(name=f"dask {address or scheduler_file} ({threads} threads)", capacity=threads,
                   executor=executor, _close=close)


def open_backend(spec: str | None = None, *, warm: Callable[[], None] | None = None) -> Backend:
    """Open the backend named by ``spec`` (see the module docstring); default a local pool on every core.
    ``warm``: a local pool's warm-up (:func:`local_backend`)."""
    text = (spec or "local").strip()
    if text == "sequential":
        return Backend(name="sequential", capacity=1)
    if text == "local":
        return local_backend(warm=warm)
    if text.startswith("local:"):
        count = text.removeprefix("local:")
        if not count.isdigit() or int(count) < 1:
            raise ScenarioError("local:N needs a whole number of processes >= 1", source="--executor", value=spec)
        return local_backend(int(count), warm=warm)
    if text.startswith("dask://"):
        return dask_backend("tcp://" + text.removeprefix("dask://"))
    if text.startswith(("tcp://", "tls://")):
        return dask_backend(text)
    if text.endswith(".json"):
        if not Path(text).is_file():
            raise ScenarioError("no such Dask scheduler file", source="--executor", value=spec)
        return dask_backend(scheduler_file=text)
    raise ScenarioError(f"must be {SPEC_HELP}", source="--executor", value=spec)


@contextmanager
def opened(spec: str | Backend | None = None, *, warm: Callable[[], None] | None = None) -> Iterator[Backend]:
    """``with opened("local:4") as backend:`` ... closed (or cancelled, on an error) on the way out.

    A ``Backend`` passed in is used as it is and left open: whoever opened it closes it. ``warm``: a local
    pool's warm-up (:func:`local_backend`).
    """
    if isinstance(spec, Backend):
        yield spec
        return
    backend = open_backend(spec, warm=warm)
    try:
        yield backend
    except BaseException:
        backend.stop(cancel=True)
        raise
    backend.stop()

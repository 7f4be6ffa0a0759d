"""The one sweep runner: a list of tasks, a backend, progress, and an optional checkpoint store.

Behind ``tiers``, ``frontier``, ``sensitivity``, ``whatif``, the risk months of a quote and the replications
of ``simulate``. Results come back in task order whatever the backend and whatever order tasks finish in; a
task's seed is part of its arguments (spawned per task by the caller, never per worker), so the results are
bit-identical sequential, on a local pool or on a cluster.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from simulator.errors import ScenarioError, SimulatorError, SweepInterrupted, TaskFailedError
from simulator.jsonutil import dumps, jsonable
from simulator.sweep.backends import Backend, opened
from simulator.sweep.store import SweepStore

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Task:
    """One unit of work: ``fn(*args)`` where ``fn`` is a module-level function (so it pickles by name).

    ``key`` names the task for people ("tier gold", "month 17"); ``digest`` identifies its result for a
    checkpoint store (see :func:`digest`); a task without a digest is never stored or reused.
    """

    key: str
    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()
    digest: str | None = None


def digest(*parts: Any) -> str:
    """A stable hash of JSON-able parts (scenario values, provenance, seed, run sizes)."""
    return hashlib.sha256(dumps(jsonable(list(parts))).encode()).hexdigest()


@dataclass(frozen=True)
class _Failure:
    """What a task raised, in a form that always crosses a process boundary."""

    error: SimulatorError | None  # bad input or an infeasible target: re-raised as it is
    kind: str
    message: str
    where: str


def _execute(fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    # Runs on the worker: an unexpected exception comes back as data naming its type and the line that raised.
    try:
        return fn(*args)
    except SimulatorError as error:
        return _Failure(error, type(error).__name__, str(error), "")
    except Exception as error:
        frames = traceback.extract_tb(error.__traceback__)
        where = f" at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else ""
        return _Failure(None, type(error).__name__, " ".join(str(error).split()), where)


@dataclass
class Sweep:
    """How to run tasks: a backend spec or an open backend, progress, and an optional checkpoint store.

    ``Sweep()`` runs on a local pool of every available core. A task that itself runs a sweep (a quote inside
    a frontier task) runs it sequentially inside its worker (:func:`simulator.quoting.quote.quote_in_worker`).
    """

    backend: str | Backend | None = None
    progress: Progress | None = None
    store: SweepStore | None = None
    chunk_size: int = 1

    def run(self, tasks: Sequence[Task]) -> list[Any]:
        return run_tasks(tasks, backend=self.backend, progress=self.progress, store=self.store,
                         chunk_size=self.chunk_size)


def run_tasks(tasks: Sequence[Task], *, backend: str | Backend | None = None, progress: Progress | None = None,
              store: SweepStore | None = None, chunk_size: int = 1) -> list[Any]:
    """Run every task and return the results in task order.

    Parameters
    ----------
    tasks : sequence of Task
        Keys must be unique.
    backend : str or Backend, optional
        An open backend (left open), or a spec for :func:`simulator.sweep.backends.open_backend` (opened and
        closed here); default a local pool on every available core.
    progress : callable, optional
        ``progress(done, total)`` in this process, at the start and after every finished task.
    store : SweepStore, optional
        Finished tasks with a digest are written here batch by batch; tasks it already holds are not run.
    chunk_size : int
        Tasks sent to a worker together: raise it for many tasks of a few milliseconds each, where the round
        trip to a worker would cost as much as the task. The results do not depend on it.

    Raises
    ------
    SimulatorError
        A task raised one (bad input or an infeasible target): re-raised as it is.
    TaskFailedError
        A task raised anything else; the message names the task and the error.
    SweepInterrupted
        Ctrl-C: queued and running tasks were stopped; what finished is in ``store``.
    """
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise ScenarioError("must be an integer >= 1", field="chunk_size", value=chunk_size)
    keys = [t.key for t in tasks]
    if len(set(keys)) != len(keys):
        duplicated = sorted({k for k in keys if keys.count(k) > 1})
        raise ValueError(f"task keys must be unique: {duplicated}")
    total = len(tasks)
    results: list[Any] = [None] * total
    todo: list[int] = []
    for i, task in enumerate(tasks):
        if store is not None and task.digest is not None and task.digest in store.finished:
            results[i] = store.finished[task.digest]
        else:
            todo.append(i)
    done = total - len(todo)
    if store is not None:
        store.start(total)
    if progress is not None:
        progress(done, total)
    if not todo:
        return results

    def finish(i: int, outcome: Any) -> None:
        nonlocal done
        if isinstance(outcome, _Failure):
            raise _as_error(tasks[i], outcome)
        results[i] = outcome
        if store is not None and tasks[i].digest is not None:
            store.add(tasks[i].digest, outcome)  # type: ignore[arg-type]
        done += 1
        if progress is not None:
            progress(done, total)

    try:
        with opened(backend) as open_backend:
            _run_on(open_backend, tasks, todo, finish, chunk_size)
    except KeyboardInterrupt:
        raise SweepInterrupted(f"interrupted after {done} of {total} tasks", done=done, total=total) from None
    finally:
        if store is not None:
            store.flush()
    return results


def _execute_chunk(calls: list[tuple[Callable[..., Any], tuple[Any, ...]]]) -> list[Any]:
    return [_execute(fn, args) for fn, args in calls]


def _run_on(backend: Backend, tasks: Sequence[Task], todo: list[int], finish: Callable[[int, Any], None],
            chunk_size: int) -> None:
    """Keep about two chunks per slot queued (so workers never idle and memory stays bounded)."""
    if backend.executor is None:
        for i in todo:
            finish(i, _execute(tasks[i].fn, tasks[i].args))
        return
    executor = backend.executor
    window = max(2, 2 * backend.capacity)
    chunks = iter([todo[k:k + chunk_size] for k in range(0, len(todo), chunk_size)])
    pending: dict[cf.Future[Any], list[int]] = {}

    def submit_more() -> None:
        for chunk in chunks:
            calls = [(tasks[i].fn, tasks[i].args) for i in chunk]
            pending[executor.submit(_execute_chunk, calls)] = chunk
            if len(pending) >= window:
                return

    try:
        submit_more()
        while pending:
            finished, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in finished:
                chunk = pending.pop(future)
                for i, outcome in zip(chunk, _outcomes(tasks, chunk, future), strict=True):
                    finish(i, outcome)
            submit_more()
    except KeyboardInterrupt:
        for future in pending:
            future.cancel()
        backend.stop(cancel=True)  # stop running tasks now; what finished is already kept
        raise
    except BaseException:
        for future in pending:
            future.cancel()
        raise


def _outcomes(tasks: Sequence[Task], chunk: list[int], future: cf.Future[Any]) -> list[Any]:
    try:
        return list(future.result())
    except Exception as error:  # the worker itself died (killed, out of memory) or the cluster lost it
        reason = " ".join(str(error).split()) or "the worker stopped"
        return [_Failure(None, type(error).__name__, reason, "") for _ in chunk]


def _as_error(task: Task, failure: _Failure) -> SimulatorError:
    if failure.error is not None:
        return failure.error
    return TaskFailedError(f"task {task.key!r} failed: {failure.kind}: {failure.message}{failure.where}",
                           task=task.key)

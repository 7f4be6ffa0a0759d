"""The sweep runner: order, identity across backends, failures that name their task, interrupt and resume."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from simulator.errors import ScenarioError, SweepInterrupted, TaskFailedError
from simulator.sweep import SEQUENTIAL, Sweep, SweepStore, Task, digest, open_backend, opened, run_tasks
from tests.sweep import tasks as T


def draw_tasks(count: int = 24, seed: int = 7) -> list[Task]:
    children = np.random.SeedSequence(seed).spawn(count)
    return [Task(f"draw {k}", T.draw, (child, 50), digest=digest("draw", seed, k)) for k, child in
            enumerate(children)]


def as_bytes(results: list[np.ndarray]) -> bytes:
    return b"".join(r.tobytes() for r in results)


def test_results_come_back_in_task_order_and_identical_on_every_local_backend() -> None:
    tasks = draw_tasks()
    sequential = run_tasks(tasks, backend="sequential")
    pool = run_tasks(tasks, backend="local:2")
    with opened("local:2") as backend:  # an open backend is reused and left open
        reused = run_tasks(tasks, backend=backend)
        again = run_tasks(tasks[:3], backend=backend)
    assert as_bytes(sequential) == as_bytes(pool) == as_bytes(reused)
    assert as_bytes(again) == as_bytes(sequential[:3])
    # Each task's numbers are its own seed's, not a shared stream's: task k alone gives the same draw.
    alone = run_tasks([tasks[5]], backend="sequential")
    assert np.array_equal(alone[0], sequential[5])


@pytest.mark.parametrize("chunk_size", [1, 5, 100])
def test_chunks_change_nothing_but_the_round_trips(chunk_size: int) -> None:
    tasks = draw_tasks(23)
    seen: list[int] = []
    chunked = run_tasks(tasks, backend="local:2", chunk_size=chunk_size, progress=lambda d, t: seen.append(d))
    assert as_bytes(chunked) == as_bytes(run_tasks(tasks, backend="sequential"))
    assert seen == list(range(24))  # every task counted once, in chunks or not
    with pytest.raises(TaskFailedError, match="task 'value 13' failed"):
        run_tasks([Task(f"value {v}", T.fail_on, (v, 13)) for v in range(20)], backend="local:2",
                  chunk_size=chunk_size)


def test_progress_counts_every_task_once_in_this_process() -> None:
    seen: list[tuple[int, int]] = []
    run_tasks(draw_tasks(10), backend="local:2", progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 10)
    assert [d for d, _ in seen] == list(range(11))
    assert {t for _, t in seen} == {10}


@pytest.mark.parametrize("backend", ["sequential", "local:2"])
def test_a_task_that_raises_is_named_with_the_error_and_where(backend: str) -> None:
    tasks = [Task(f"value {v}", T.fail_on, (v, 13)) for v in range(20)]
    with pytest.raises(TaskFailedError) as caught:
        run_tasks(tasks, backend=backend)
    text = str(caught.value)
    assert "task 'value 13' failed: ValueError: cannot handle 13" in text
    assert "tasks.py:" in text  # the line that raised
    assert caught.value.task == "value 13"


@pytest.mark.parametrize("backend", ["sequential", "local:2"])
def test_bad_input_inside_a_task_keeps_its_source_field_and_value(backend: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        run_tasks([Task("bad", T.refuse, (1.5,)), Task("also", T.refuse, (2.5,))], backend=backend)
    error = caught.value
    assert (error.source, error.field) == ("test.toml", "demand.calls_per_day")
    assert str(error) in ("test.toml: demand.calls_per_day: must be below 1 (got 1.5)",
                          "test.toml: demand.calls_per_day: must be below 1 (got 2.5)")


def test_errors_survive_pickling_with_their_fields() -> None:
    error = ScenarioError("must be > 0", source="--aht", field=None, value=-5.0)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is ScenarioError and str(copy) == str(error) == "--aht: must be > 0 (got -5.0)"


def test_keys_must_be_unique() -> None:
    with pytest.raises(ValueError, match="unique"):
        run_tasks([Task("a", T.noop), Task("a", T.noop)], backend="sequential")


def interrupt_after(count: int) -> object:
    def progress(done: int, total: int) -> None:
        if done >= count:
            raise KeyboardInterrupt

    return progress


@pytest.mark.parametrize("backend", ["sequential", "local:2"])
def test_interrupt_keeps_what_finished_and_resume_gives_the_same_results(tmp_path: Path, backend: str) -> None:
    tasks = draw_tasks(12)
    reference = run_tasks(tasks, backend="sequential")
    store = SweepStore(tmp_path / "state", batch_size=2)
    with pytest.raises(SweepInterrupted) as caught:
        run_tasks(tasks, backend=backend, progress=interrupt_after(5), store=store)  # type: ignore[arg-type]
    assert caught.value.done == 5 and caught.value.total == 12
    kept = SweepStore(tmp_path / "state", resume=True)
    assert len(kept.finished) == 5  # every finished task is on disk, none half-written
    assert not list((tmp_path / "state").glob(".*"))  # no temporary files left behind

    ran: list[int] = []
    resumed = run_tasks(tasks, backend="sequential", store=kept,
                        progress=lambda done, total: ran.append(done))
    assert ran[0] == 5  # the finished ones were not run again
    assert as_bytes(resumed) == as_bytes(reference)


def test_a_store_refuses_an_earlier_sweep_unless_resuming(tmp_path: Path) -> None:
    store = SweepStore(tmp_path / "state", batch_size=1)
    run_tasks(draw_tasks(2), backend="sequential", store=store)
    with pytest.raises(ScenarioError, match="--resume"):
        SweepStore(tmp_path / "state")
    assert len(SweepStore(tmp_path / "state", resume=True).finished) == 2


def test_a_changed_task_is_not_taken_from_the_store(tmp_path: Path) -> None:
    store = SweepStore(tmp_path / "state", batch_size=1)
    run_tasks(draw_tasks(4, seed=1), backend="sequential", store=store)
    changed = draw_tasks(4, seed=2)  # same keys, other seeds: other digests
    ran: list[int] = []
    results = run_tasks(changed, backend="sequential", store=SweepStore(tmp_path / "state", resume=True),
                        progress=lambda done, total: ran.append(done))
    assert ran[0] == 0
    assert as_bytes(results) == as_bytes(run_tasks(changed, backend="sequential"))


def test_a_foreign_file_in_the_checkpoint_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "batch-000001.pkl").write_bytes(pickle.dumps([1, 2, 3]))
    with pytest.raises(ScenarioError, match="not a callsim checkpoint"):
        SweepStore(tmp_path, resume=True)


@pytest.mark.parametrize("spec", ["", "local:0", "local:x", "pool", "missing.json"])
def test_bad_executor_specs_are_named(spec: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        open_backend(spec or "nonsense")
    assert caught.value.source == "--executor"


def test_a_sweep_object_runs_on_its_backend() -> None:
    tasks = draw_tasks(4)
    assert as_bytes(Sweep(backend=SEQUENTIAL).run(tasks)) == as_bytes(Sweep(backend="local:2").run(tasks))

"""The same sweeps on a Dask cluster whose scheduler and workers are separate processes on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import numpy as np
import pytest

from simulator.errors import TaskFailedError
from simulator.quoting.quote import QuoteOptions, quote_all
from simulator.scenario import load_scenario
from simulator.sweep import Sweep, Task, opened, run_tasks
from tests.helpers import REPO
from tests.sweep import tasks as T

pytest.importorskip("distributed")


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    # Scheduler and workers unpickle the tasks: they must import simulator and tests.sweep.tasks as we do.
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["DASK_DISTRIBUTED__WORKER__DAEMON"] = "False"
    return env


def _wait_for(condition: object, seconds: float, what: str, processes: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        for p in processes:
            if p.poll() is not None:
                raise RuntimeError(f"{what}: a cluster process exited with {p.returncode}")
        time.sleep(0.2)
    raise RuntimeError(f"{what}: timed out")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A scheduler and a worker process with two single-threaded worker processes, all on 127.0.0.1."""
    folder = tmp_path_factory.mktemp("dask")
    scheduler_file = folder / "scheduler.json"
    env = _environment()
    common = dict(cwd=str(folder), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", str(scheduler_file)], **common))  # type: ignore[call-overload]
        def scheduler_ready() -> bool:  # the file may exist before it is completely written
            try:
                return "address" in json.loads(scheduler_file.read_text())
            except (OSError, ValueError):
                return False

        _wait_for(scheduler_ready, 60, "scheduler start", processes)
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "dask", "worker", "--scheduler-file", str(scheduler_file), "--nworkers", "2",
             "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"], **common))  # type: ignore[call-overload]
        address = json.loads(scheduler_file.read_text())["address"]

        def two_workers() -> bool:
            from distributed import Client

            with Client(address, timeout="5s", set_as_default=False) as client:
                return len(client.nthreads()) >= 2

        _wait_for(two_workers, 90, "workers start", processes)
        yield {"address": address, "scheduler_file": str(scheduler_file)}
    finally:
        for p in reversed(processes):
            p.terminate()
        for p in processes:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def test_tasks_on_the_cluster_are_bit_identical_to_sequential(cluster: dict[str, str]) -> None:
    children = np.random.SeedSequence(11).spawn(30)
    tasks = [Task(f"draw {k}", T.draw, (child, 40)) for k, child in enumerate(children)]
    reference = run_tasks(tasks, backend="sequential")
    address = cluster["address"].replace("tcp://", "dask://")
    for spec in (address, cluster["scheduler_file"]):
        with opened(spec) as backend:
            assert backend.capacity == 2
            results = run_tasks(tasks, backend=backend)
        assert all(np.array_equal(a, b) for a, b in zip(results, reference, strict=True))


def test_a_task_that_raises_on_a_worker_is_named(cluster: dict[str, str]) -> None:
    tasks = [Task(f"value {v}", T.fail_on, (v, 4)) for v in range(8)]
    with pytest.raises(TaskFailedError, match=r"task 'value 4' failed: ValueError: cannot handle 4"):
        run_tasks(tasks, backend=cluster["scheduler_file"])


def test_a_quote_run_as_a_cluster_task_equals_one_whose_months_run_on_a_local_pool(cluster: dict[str, str]) -> None:
    scenario = load_scenario(None).with_changes({"demand.days_per_month": 5}, label="test")  # a short month
    options = QuoteOptions(months=4, replications=2, seed=3)
    [on_cluster] = quote_all([("default", scenario)], options=options, sweep=Sweep(backend=cluster["scheduler_file"]))
    local = options(scenario, backend="local:2")
    assert json.dumps(on_cluster.to_dict(), sort_keys=True) == json.dumps(local.to_dict(), sort_keys=True)


def test_an_unreachable_scheduler_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from simulator.errors import ScenarioError
    from simulator.sweep import backends

    monkeypatch.setattr(backends, "CONNECT_TIMEOUT", "1s")
    with pytest.raises(ScenarioError, match="cannot reach the Dask scheduler") as caught, \
            opened("dask://127.0.0.1:9"):
        pass
    assert caught.value.source == "--executor"

"""A pool started with the warm-up has the compiled simulation loaded in its workers before any month arrives."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
from simulator.sweep.backends import local_backend
from simulator.sim.warmup import import_for_months, load_compiled


def kernels_loaded():
    # What the worker has loaded before running any month: the compiled functions a month calls.
    modules = {name: sys.modules.get(name) for name in ("simulator.sim.fastpath", "simulator.sim.tally",
                                                         "simulator.sim.binning")}
    if any(module is None for module in modules.values()):
        return False
    return bool(modules["simulator.sim.fastpath"]._pass.signatures
                and modules["simulator.sim.tally"]._tally.signatures
                and modules["simulator.sim.tally"]._queue_backlog.signatures
                and modules["simulator.sim.binning"]._day_and_interval.signatures)


warm = sys.argv[1] == "warm"
if warm:
    import_for_months()
backend = local_backend(2, warm=load_compiled if warm else None)
try:
    answers = [backend.executor.submit(kernels_loaded).result() for _ in range(4)]
finally:
    backend.stop()
print(json.dumps({"parent": "simulator.sim.fastpath" in sys.modules, "workers": answers}))
"""


def run_probe(mode: str) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_warm_workers_have_the_kernels_before_their_first_month():
    warm = run_probe("warm")
    assert warm["workers"] == [True] * 4
    assert warm["parent"] is False  # the parent imported numba and the modules, the kernels loaded in the workers
    assert run_probe("cold")["workers"] == [False] * 4  # the check can fail: without the warm-up nothing is loaded


def _failing_warm_up() -> None:
    raise RuntimeError("a warm-up that fails")


def _answer() -> int:
    return 42


def test_a_failing_warm_up_leaves_the_pool_working():
    """The warm-up is a head start only: if it fails, the tasks still run (and would meet any real failure
    themselves, reported by name), rather than the pool breaking."""
    from simulator.sweep.backends import local_backend

    backend = local_backend(2, warm=_failing_warm_up)
    try:
        assert backend.executor is not None
        assert [backend.executor.submit(_answer).result(timeout=60) for _ in range(3)] == [42, 42, 42]
    finally:
        backend.stop()

"""Compiled code is compiled once: a later process loads every kernel it runs from numba's cache."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json
from numba.core.registry import CPUDispatcher
from simulator.analytic import _compiled, _numerics, erlang_a
from simulator.sim import CentreModel, binning, fastpath, simulate

import numpy as np
from simulator.distributions import Exponential

model = CentreModel(day_seconds=86400.0, open_seconds=0.0, interval_seconds=1800.0, interval_count=4, days=2,
                    arrival_rate=np.full(4, 0.02), agents=np.full(4, 6), talk=Exponential(mean=240.0),
                    patience=Exponential(mean=120.0))
simulate(model, seed=0, engine="fast")
_numerics.COMPILED_MIN_ROWS = 0
erlang_a.metrics([4.0] * 3, [5, 6, 7], aht_seconds=240, patience_seconds=120, threshold_seconds=20)
stats = {}
for module in (fastpath, binning, _compiled):
    for name, function in vars(module).items():
        if isinstance(function, CPUDispatcher) and function.signatures:
            s = function.stats
            stats[module.__name__ + "." + name] = [sum(s.cache_hits.values()), sum(s.cache_misses.values())]
print(json.dumps(stats))
"""


def run_probe() -> dict[str, list[int]]:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_second_process_compiles_nothing():
    run_probe()  # compiles whatever this checkout has not compiled yet
    stats = run_probe()
    assert {"simulator.sim.fastpath._pass", "simulator.sim.binning._day_and_interval",
            "simulator.analytic._compiled._log_integrals"} <= set(stats)
    compiled_again = {name: counts for name, counts in stats.items() if counts[1] > 0 or counts[0] == 0}
    assert not compiled_again, compiled_again

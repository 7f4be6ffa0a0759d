"""The interval response's occupancy bound: the bisection gives the cell the whole table gives."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.scenario import load_scenario
from simulator.staffing.limits import occupancy_bound
from simulator.staffing.response import interval_response, occupancy_staffing


@pytest.mark.parametrize("method", ["erlang_a", "erlang_c"])
@pytest.mark.parametrize("cap", [0.6, 0.88, 1.0])
@pytest.mark.parametrize("patience", ["30", "900"])
def test_bisection_finds_the_table_cell(method, cap, patience):
    scenario = load_scenario(None, (f"patience.mean={patience}", f"staffing.occupancy_cap={cap}"))
    rng = np.random.default_rng(7)
    # Loads from a fraction of an Erlang to a few hundred, an empty interval, and exact multiples of the cap.
    per_erlang = scenario.interval_seconds / scenario.handling.handle_seconds  # calls per interval per Erlang
    calls = np.concatenate([[0.0, 0.3, 1.0, 2.0], rng.uniform(0, 1500, 12), np.array([10, 50, 100]) * cap * per_erlang])
    table = occupancy_bound(interval_response(scenario, calls, method=method), cap)
    assert np.array_equal(occupancy_staffing(scenario, calls, cap, method=method), table)

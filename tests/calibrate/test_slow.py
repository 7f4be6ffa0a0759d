"""Slow: the recovery holds over several seeds and at the shipped scale (5,000 calls a day), not at one draw.

Tolerances as in test_recovery: the patience mean within 10 % of the truth at every seed, and the 95 %
intervals of the patience mean, talk mean and FCR covering the truth in at least 4 of 5 seeds (a 95 % interval
misses twice in five with probability 2 %).
"""

from __future__ import annotations

import numpy as np
import pytest

from simulator.calibrate import AcdData, calibrate_calls, simulate_acd_data
from simulator.scenario import load_scenario
from simulator.simulation import default_agents
from tests.helpers import REPO


@pytest.mark.slow
def test_recovery_over_seeds_at_full_scale() -> None:
    scenario = load_scenario(REPO / "scenarios" / "retail_support.toml", ["demand.month_cv=0"])
    agents = np.maximum(default_agents(scenario)[0] - 4, 1)
    covered = {"patience": 0, "talk": 0, "fcr": 0}
    for seed in range(5):
        data = simulate_acd_data(scenario, seed=seed, agents=agents)
        cal = calibrate_calls(data.calls, AcdData.call_columns())
        p = cal.patience
        assert p is not None and abs(p.mean / scenario.patience.mean - 1) <= 0.10, (seed, p.mean)
        talk, fcr = cal.handling["talk"], cal.repeats.fcr if cal.repeats else None
        assert fcr is not None and fcr.ci is not None
        covered["patience"] += p.mean_ci[0] <= scenario.patience.mean <= p.mean_ci[1]
        covered["talk"] += talk.mean_ci[0] <= scenario.handling.talk.mean <= talk.mean_ci[1]
        covered["fcr"] += fcr.ci[0] <= scenario.repeats.fcr <= fcr.ci[1]
    assert min(covered.values()) >= 4, covered

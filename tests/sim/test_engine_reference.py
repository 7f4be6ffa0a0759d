"""callsim's engine against the textbook simpy model of reneging, on the same callers.

The reference is the idiom the style guide names: a ``simpy.Resource`` of agents and one process per
call doing ``yield request | env.timeout(patience)``. Fed the same arrival instants, patience and talk
times, it must answer and lose exactly the same callers at the same instants (to rounding: the reference
schedules relative delays, callsim absolute instants).
"""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from simulator.sim import CentreModel, Trace, simulate
from simulator.sim.calllog import ANSWERED


def reference(arrivals: np.ndarray, patience: np.ndarray, talk: np.ndarray, agents: int) -> tuple[np.ndarray,
                                                                                                    np.ndarray]:
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=agents)
    answered = np.full(len(arrivals), np.nan)
    abandoned = np.full(len(arrivals), np.nan)

    def call(env: simpy.Environment, i: int):  # type: ignore[no-untyped-def]
        with desk.request() as request:
            result = yield request | env.timeout(patience[i])
            if request in result:
                answered[i] = env.now
                yield env.timeout(talk[i])
            else:
                abandoned[i] = env.now

    def source(env: simpy.Environment):  # type: ignore[no-untyped-def]
        for i, when in enumerate(arrivals):
            yield env.timeout(when - env.now)
            env.process(call(env, i))

    env.process(source(env))
    env.run()
    return answered, abandoned


@pytest.mark.parametrize(("calls_per_hour", "agents", "patience_mean"), [(300, 4, 60.0), (900, 14, 200.0)])
@pytest.mark.parametrize("engine", ["simpy", "fast"])
def test_engine_matches_the_reneging_idiom(calls_per_hour: float, agents: int, patience_mean: float,
                                            engine: str) -> None:
    hours = 3.0
    rng = np.random.default_rng(2024)
    count = int(rng.poisson(calls_per_hour * hours))
    arrivals = np.sort(rng.random(count)) * hours * 3600
    patience = rng.exponential(patience_mean, count)
    talk = rng.lognormal(np.log(200.0), 0.8, count)
    want_answered, want_abandoned = reference(arrivals, patience, talk, agents)

    model = CentreModel.stationary(calls_per_hour, 240.0, agents, hours, patience_seconds=patience_mean)
    log = simulate(model, seed=0, engine=engine,  # type: ignore[arg-type]
                   trace=Trace(offered_at=arrivals, patience_seconds=patience, talk_seconds=talk)).log
    np.testing.assert_array_equal(log.outcome == ANSWERED, ~np.isnan(want_answered))
    assert 0.02 < np.isnan(want_answered).mean() < 0.98  # both outcomes occur
    np.testing.assert_allclose(log.answered_at, want_answered, rtol=0, atol=1e-6)
    np.testing.assert_allclose(log.abandoned_at, want_abandoned, rtol=0, atol=1e-6)

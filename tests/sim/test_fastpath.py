"""The fast path reproduces the simpy engine: same draws → identical call log, column by column.

Equality is exact (bit for bit, NaN where NaN), as are the staffed agent-seconds and the count of dropped
repeat attempts. Both engines take every random number from the same pre-drawn attributes, so any
difference would be a difference in the queueing logic.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.distributions import Deterministic, Empirical, Exponential, Gamma, Lognormal, Weibull
from simulator.sim import CentreModel, SimulationResult, simulate
from tests.sim.test_engine_invariants import SETTINGS, centre_models


def assert_same(a: SimulationResult, b: SimulationResult) -> None:
    assert len(a.log) == len(b.log)
    for field in fields(a.log):
        x, y = getattr(a.log, field.name), getattr(b.log, field.name)
        assert x.dtype == y.dtype, field.name
        np.testing.assert_array_equal(x, y, err_msg=field.name)  # NaN == NaN here
    np.testing.assert_array_equal(a.staffed_seconds, b.staffed_seconds)
    assert a.dropped_attempts == b.dropped_attempts


def centre(**kw: object) -> CentreModel:
    base: dict[str, object] = dict(day_seconds=86400.0, open_seconds=8 * 3600.0, interval_seconds=1800.0,
                                   interval_count=6, days=2,
                                   arrival_rate=np.array([0.01, 0.04, 0.06, 0.05, 0.03, 0.01]),
                                   agents=np.array([2, 6, 9, 8, 4, 2]), patience=Exponential(mean=120.0))
    base.update(kw)
    return CentreModel(**base)  # type: ignore[arg-type]


MODELS = {
    "stationary M/M/N+M": CentreModel.stationary(7200, 240, 500, hours=0.5, patience_seconds=120),
    "stationary M/M/N, patient": CentreModel.stationary(300, 240, 24, hours=4),
    "time-varying staffing": centre(),
    "staffing per day, empty intervals": centre(agents=np.array([[0, 6, 9, 0, 4, 2], [3, 3, 0, 8, 9, 0]])),
    "general patience and handling": centre(patience=Lognormal(mean=90.0, cv=1.3),
                                            talk=Gamma(mean=200.0, cv=0.4), hold=Weibull(mean=20.0, cv=1.5),
                                            acw=Lognormal(mean=40.0, cv=0.5)),
    "ring time": centre(ring=Exponential(mean=6.0)),
    "IVR": centre(ivr_navigation=Lognormal(mean=45.0, cv=0.6), ivr_containment=0.2, ivr_abandon=0.08),
    "repeats and redials": centre(fcr=0.6, repeat_delay=Exponential(mean=4 * 3600.0), redial_probability=0.5,
                                  redial_delay=Exponential(mean=600.0)),
    "repeats past closing and past the last day": centre(fcr=0.5, repeat_delay=Exponential(mean=40000.0),
                                                         redial_probability=0.7,
                                                         redial_delay=Exponential(mean=20000.0)),
    "everything, deterministic ties": centre(talk=Deterministic(mean=180.0),
                                             patience=Deterministic(mean=60.0),
                                             ivr_navigation=Empirical(samples=(10.0, 20.0)),
                                             ivr_containment=0.1,
                                             ring=Deterministic(mean=5.0), fcr=0.5,
                                             repeat_delay=Deterministic(mean=900.0), redial_probability=0.5,
                                             redial_delay=Deterministic(mean=50.0), day_cv=0.2, month_cv=0.1),
    "open round the clock": centre(open_seconds=0.0, interval_seconds=14400.0, fcr=0.7,
                                   repeat_delay=Exponential(mean=7200.0)),
    "overload, patient callers": centre(patience=None, agents=np.array([1, 2, 2, 2, 1, 1])),
}


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("seed", [0, 1])
def test_fast_path_reproduces_simpy(name: str, seed: int) -> None:
    model = MODELS[name]
    fast = simulate(model, seed=seed, engine="fast")
    assert_same(fast, simulate(model, seed=seed, engine="simpy"))
    assert len(fast.log) > 10
    assert_same(fast, simulate(model, seed=seed, engine="auto"))


@SETTINGS
@given(model=centre_models(), seed=st.integers(0, 2**32 - 1))
def test_fast_path_reproduces_simpy_on_random_centres(model: CentreModel, seed: int) -> None:
    assert_same(simulate(model, seed=seed, engine="fast"), simulate(model, seed=seed, engine="simpy"))


@pytest.mark.slow
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model=centre_models(), seed=st.integers(0, 2**32 - 1))
def test_fast_path_reproduces_simpy_on_many_random_centres(model: CentreModel, seed: int) -> None:
    assert_same(simulate(model, seed=seed, engine="fast"), simulate(model, seed=seed, engine="simpy"))


def test_a_pool_drawn_too_small_is_drawn_again_with_the_same_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """The compiled pass stops when the pool of repeat-call rows runs out (here at once, and again every block);
    it goes on with more rows drawn, the same rows (same streams, same order), so the log equals the simpy
    engine's."""
    from simulator.sim import fastpath

    model = MODELS["repeats and redials"]
    monkeypatch.setattr(fastpath, "_pool_rows", lambda *_: 0)
    assert_same(simulate(model, seed=3, engine="fast"), simulate(model, seed=3, engine="simpy"))


def test_the_pool_is_drawn_to_what_the_month_uses() -> None:
    """The pool is first drawn to the repeat calls expected of answered calls, and when more attempts come back
    (here: many callers abandon and redial) the pass goes on where it stopped with an eighth more rows: the rows
    drawn exceed the larger of the rows used and the first estimate by at most an eighth and a block."""
    from simulator.sim import fastpath
    from simulator.sim.draws import ChildPool, draw_roots, make_streams, root_plan
    from simulator.sim.timeline import Timeline

    for fcr, redial in ((0.6, 0.5), (0.9, 0.95), (0.2, 0.0)):
        model = centre(days=40, fcr=fcr, repeat_delay=Exponential(mean=4 * 3600.0), redial_probability=redial,
                       redial_delay=Exponential(mean=600.0))
        timeline = Timeline(model)
        streams = make_streams(7)
        draws = draw_roots(model, timeline, streams)
        pool = ChildPool(model, streams)
        plan = root_plan(model, draws)
        expected = fastpath._pool_rows(model, fastpath.queue_order(draws, plan.queued_at).size)
        fastpath.run(model, timeline, draws, plan, pool)
        drawn = sum(len(block) for block in pool.blocks["patience"])
        assert pool.count > ChildPool.BLOCK
        most = max(pool.count, expected)
        assert pool.count <= drawn <= most + max(most // 8, ChildPool.BLOCK) + ChildPool.BLOCK


def test_the_log_order_is_arrival_then_first_attempt_then_attempt() -> None:
    """The merge of the log's two sorted runs, with ties put in order, equals the three-key sort."""
    from simulator.sim.record import _log_order

    rng = np.random.default_rng(5)
    offered = np.concatenate((np.sort(rng.integers(0, 50, 300)), np.sort(rng.integers(0, 50, 200)))).astype(float)
    root = np.concatenate((np.arange(300), rng.integers(0, 300, 200)))
    attempt = np.concatenate((np.ones(300, dtype=int), rng.integers(2, 5, 200)))
    np.testing.assert_array_equal(_log_order(offered, root, attempt), np.lexsort((attempt, root, offered)))

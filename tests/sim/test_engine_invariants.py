"""Accounting invariants of the call log, on small centres that Hypothesis makes up.

``centre_models`` is also used by ``test_fastpath.py`` (same models → same log from both engines).
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.distributions import Deterministic, Empirical, Exponential, Gamma, Lognormal, Weibull
from simulator.sim import CentreModel, SimulationResult, simulate
from simulator.sim.calllog import ABANDONED, ANSWERED, IVR_ABANDONED, IVR_CONTAINED

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def distributions(draw: st.DrawFn, mean: float) -> object:
    """Any supported distribution with a mean around ``mean`` (deterministic ones make exact ties)."""
    m = draw(st.floats(mean * 0.2, mean * 2.0))
    cv = draw(st.floats(0.2, 2.0))
    kind = draw(st.sampled_from(["exponential", "deterministic", "lognormal", "gamma", "weibull",
                                 "empirical"]))
    if kind == "exponential":
        return Exponential(mean=m)
    if kind == "deterministic":
        return Deterministic(mean=float(round(m)))
    if kind == "lognormal":
        return Lognormal(mean=m, cv=cv)
    if kind == "gamma":
        return Gamma(mean=m, cv=cv)
    if kind == "weibull":
        return Weibull(mean=m, cv=cv)
    return Empirical(samples=tuple(draw(st.lists(st.integers(0, int(2 * m) + 1), min_size=1, max_size=3))))


@st.composite
def centre_models(draw: st.DrawFn) -> CentreModel:
    """Small centres (at most a few hundred calls) exercising every feature of the model."""
    n = draw(st.integers(1, 4))
    days = draw(st.integers(1, 3))
    if draw(st.booleans()):  # open round the clock: no night between days
        open_at, interval = 0.0, 3600.0 * 6 / n
        day = n * interval
    else:
        interval = draw(st.sampled_from([300.0, 900.0, 1800.0]))
        open_at = draw(st.sampled_from([0.0, 3600.0, 28800.0]))
        day = open_at + n * interval + draw(st.sampled_from([60.0, 3600.0, 40000.0]))
    rate = np.array(draw(st.lists(st.floats(0.0, 0.03), min_size=n, max_size=n)))
    shape = (days, n) if draw(st.booleans()) else (n,)
    agents = np.array(draw(st.lists(st.integers(0, 5), min_size=int(np.prod(shape)),
                                    max_size=int(np.prod(shape))))).reshape(shape)
    patience = draw(st.none() | distributions(120.0))
    if patience is None:
        agents.reshape(-1)[-1] = max(1, agents.reshape(-1)[-1])
    kw: dict[str, object] = dict(
        day_seconds=day, open_seconds=open_at, interval_seconds=interval, interval_count=n, days=days,
        arrival_rate=rate, agents=agents, patience=patience,
        talk=draw(st.none() | distributions(200.0)),
        hold=draw(st.none() | distributions(30.0)),
        acw=draw(st.none() | distributions(30.0)),
        ring=draw(st.none() | distributions(5.0)),
        day_cv=draw(st.sampled_from([0.0, 0.2])), month_cv=draw(st.sampled_from([0.0, 0.1])),
    )
    if draw(st.booleans()):
        containment = draw(st.floats(0.0, 0.3))
        kw.update(ivr_navigation=draw(st.none() | distributions(30.0)), ivr_containment=containment,
                  ivr_abandon=draw(st.floats(0.0, 0.3)))
    if draw(st.booleans()):
        kw.update(fcr=draw(st.floats(0.0, 1.0)), repeat_delay=draw(distributions(draw(st.sampled_from([300.0,
                  20000.0])))), redial_probability=draw(st.floats(0.0, 1.0)),
                  redial_delay=draw(distributions(draw(st.sampled_from([60.0, 20000.0])))),
                  max_attempts=draw(st.integers(1, 4)))
    return CentreModel(**kw)  # type: ignore[arg-type]


def check_accounting(model: CentreModel, result: SimulationResult) -> None:
    log = result.log
    outcome = log.outcome
    answered, abandoned = outcome == ANSWERED, outcome == ABANDONED
    in_ivr = (outcome == IVR_CONTAINED) | (outcome == IVR_ABANDONED)
    offered = ~np.isnan(log.queued_at)
    # trunk arrivals = IVR contained + IVR abandoned + offered; offered = answered + abandoned
    assert len(log) == in_ivr.sum() + offered.sum()
    np.testing.assert_array_equal(offered, answered | abandoned)
    assert np.all(np.isin(outcome, [ANSWERED, ABANDONED, IVR_CONTAINED, IVR_ABANDONED]))
    # instants and durations fit the outcome
    assert np.all(np.diff(log.offered_at) >= 0)
    np.testing.assert_array_equal(log.queued_at[offered], (log.offered_at + log.ivr_seconds)[offered])
    assert np.all(np.isnan(log.answered_at) == ~answered)
    assert np.all(np.isnan(log.abandoned_at) == ~(abandoned | (outcome == IVR_ABANDONED)))
    wait = log.wait_seconds  # (answered_at - ring) - queued_at: may be -1 ulp when answered at once
    assert np.all(wait[offered] >= -1e-12 * (1 + log.queued_at[offered])) and np.all(np.isnan(wait[~offered]))
    for column in (log.ring_seconds, log.talk_seconds, log.hold_seconds, log.acw_seconds):
        assert np.all(column[~answered] == 0) and np.all(column >= 0)
    # indices
    assert np.all((log.day >= 0) & (log.day < model.days))
    assert np.all((log.interval_offered >= 0) & (log.interval_offered < model.interval_count))
    assert np.all((log.interval_answered == -1) == ~answered)
    # attempts: each comes from one before it, never beyond the cap
    counts = np.bincount(log.attempt, minlength=model.max_attempts + 2)
    assert counts[0] == 0 and counts[model.max_attempts + 1:].sum() == 0
    assert np.all(np.diff(counts[1:]) <= 0)
    # FCFS: in order of queue entry, agents are seized in non-decreasing order
    seized = (log.answered_at - log.ring_seconds)[answered]
    order = np.lexsort((seized, log.queued_at[answered]))
    assert np.all(np.diff(seized[order]) >= 0)
    # agents: at least the planned agent-seconds in each interval, and busy only while logged in
    planned = model.agents_by_day * model.interval_seconds
    assert np.all(result.staffed_seconds >= planned - 1e-6 * (1 + planned))
    busy = log.handle_seconds.sum() + log.ring_seconds.sum()
    assert busy <= result.staffed_seconds.sum() * (1 + 1e-9) + 1e-6


@SETTINGS
@given(model=centre_models(), seed=st.integers(0, 2**32 - 1))
def test_accounting_holds_on_random_centres(model: CentreModel, seed: int) -> None:
    check_accounting(model, simulate(model, seed=seed, engine="simpy"))

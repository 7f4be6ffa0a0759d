"""Tiny hand-built traces whose outcome is known exactly, run through both engines.

Each case fixes arrival instants and durations (a :class:`Trace`) and asserts the exact event times worked
out by hand in the comments.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.distributions import Deterministic
from simulator.sim import CentreModel, SimulationResult, Trace, simulate
from simulator.sim.calllog import ABANDONED, ANSWERED, IVR_ABANDONED, IVR_CONTAINED

INF = math.inf
NAN = math.nan
ENGINES = ["simpy", "fast"]


def tiny(agents: list[int] | list[list[int]], *, interval: float = 100.0, day: float = 1000.0, days: int = 1,
         open_at: float = 0.0, **kw: object) -> CentreModel:
    """A centre with no random arrivals of its own (the trace brings them) and no handling by default."""
    shaped = np.asarray(agents)
    count = shaped.shape[-1]
    kw.setdefault("talk", None)
    return CentreModel(day_seconds=day, open_seconds=open_at, interval_seconds=interval, interval_count=count,
                       days=days, arrival_rate=np.zeros(count), agents=shaped, **kw)  # type: ignore[arg-type]


def run(model: CentreModel, engine: str, **trace: object) -> SimulationResult:
    return simulate(model, seed=0, engine=engine, trace=Trace(**trace))  # type: ignore[arg-type]


def assert_times(actual: np.ndarray, expected: list[float]) -> None:
    np.testing.assert_array_equal(actual, np.asarray(expected, dtype=float))


@pytest.mark.parametrize("engine", ENGINES)
def test_fcfs_order_of_answers_and_abandons(engine: str) -> None:
    # One agent. A is answered at once and keeps the agent until 100. B (patience 200) is next: answered
    # at 100. C's patience ends at 20 + 50 = 70 < 100: abandons at 70. D's deadline is 30 + 120 = 150, the
    # very instant B ends: an agent free at the deadline answers. E's deadline 159 < 160 (D ends): abandons.
    # F, infinitely patient, gets the agent at 160.
    result = run(tiny([1], interval=1000.0), engine,
                 offered_at=[0, 10, 20, 30, 40, 45], talk_seconds=[100, 50, 1, 10, 1, 5],
                 patience_seconds=[INF, 200, 50, 120, 119, INF])
    log = result.log
    np.testing.assert_array_equal(log.outcome, [ANSWERED, ANSWERED, ABANDONED, ANSWERED, ABANDONED, ANSWERED])
    assert_times(log.answered_at, [0, 100, NAN, 150, NAN, 160])
    assert_times(log.abandoned_at, [NAN, NAN, 70, NAN, 159, NAN])
    assert_times(log.wait_seconds, [0, 90, 50, 120, 119, 115])
    assert_times(log.talk_seconds, [100, 50, 0, 10, 0, 5])  # durations of unanswered calls are 0
    assert result.staffed_seconds.tolist() == [[1000.0]]


@pytest.mark.parametrize("engine", ENGINES)
def test_several_agents_serve_in_arrival_order(engine: str) -> None:
    # Two agents busy until 50 and 80; three callers queue at 10, 11, 12 and are served at 50, 80, 50 + 40.
    result = run(tiny([2], interval=1000.0), engine, offered_at=[0, 5, 10, 11, 12],
                 talk_seconds=[50, 75, 40, 10, 10], patience_seconds=[INF] * 5)
    assert_times(result.log.answered_at, [0, 5, 50, 80, 90])


@pytest.mark.parametrize("engine", ENGINES)
def test_agent_leaves_only_after_finishing_its_call(engine: str) -> None:
    # Two agents in [0, 100), one in [100, 200). A keeps agent 1 until 150, B agent 2 until 130. At 100 the
    # staffing drops with nobody idle: the agent who finishes first (agent 2, at 130) leaves then, without
    # taking C, who has waited since 110; C gets agent 1 at 150.
    result = run(tiny([2, 1]), engine, offered_at=[0, 50, 110], talk_seconds=[150, 80, 10],
                 patience_seconds=[INF] * 3)
    assert_times(result.log.answered_at, [0, 50, 150])
    # interval 0: 2 agents x 100 s; interval 1: agent 1 from 100 to closing (200), agent 2 from 100 to 130
    assert result.staffed_seconds.tolist() == [[200.0, 130.0]]


@pytest.mark.parametrize("engine", ENGINES)
def test_idle_agents_leave_first(engine: str) -> None:
    # Agent 2 is idle from 30, so it is the one who leaves at 100; C waits for agent 1 (free at 150).
    result = run(tiny([2, 1]), engine, offered_at=[0, 10, 110], talk_seconds=[150, 20, 10],
                 patience_seconds=[INF] * 3)
    assert_times(result.log.answered_at, [0, 10, 150])
    assert result.staffed_seconds.tolist() == [[200.0, 100.0]]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_leaving_agent_is_replaced_not_recalled(engine: str) -> None:
    # Staffing 2, 1, 2. At 100 agent 2 (busy until 170, before agent 1's 250) is due to leave. At 200 the
    # staffing is back to 2: a fresh agent logs in and answers C, who waited since 150; agent 2 left at 170.
    result = run(tiny([2, 1, 2]), engine, offered_at=[0, 50, 150], talk_seconds=[250, 120, 10],
                 patience_seconds=[INF] * 3)
    assert_times(result.log.answered_at, [0, 50, 200])
    # [100, 200): agent 1 100 s + agent 2 70 s; [200, 300) and after: agent 1 and the new one until 300
    assert result.staffed_seconds.tolist() == [[200.0, 170.0, 200.0]]


@pytest.mark.parametrize("engine", ENGINES)
def test_calls_in_progress_at_closing_are_finished_and_counted(engine: str) -> None:
    # Open [0, 100), one agent. A (90-140) and B (waits, 140-170) run past closing; C hangs up at 96 + 10
    # = 106, after closing. The agent stays until the queue is empty and its call is done: 170 s staffed,
    # the overtime booked to the last interval.
    result = run(tiny([1]), engine, offered_at=[90, 95, 96], talk_seconds=[50, 30, 5],
                 patience_seconds=[INF, INF, 10])
    log = result.log
    np.testing.assert_array_equal(log.outcome, [ANSWERED, ANSWERED, ABANDONED])
    assert_times(log.answered_at, [90, 140, NAN])
    assert_times(log.abandoned_at, [NAN, NAN, 106])
    np.testing.assert_array_equal(log.interval_answered, [0, 0, -1])
    assert result.staffed_seconds.tolist() == [[170.0]]


@pytest.mark.parametrize("engine", ENGINES)
def test_agents_wait_for_callers_still_in_the_ivr_at_closing(engine: str) -> None:
    # A is in the IVR from 95 to 115, after the 100 s closing: the agent waits for it, answers at 115,
    # finishes at 125 and leaves. IVR time is not queue time: the wait is 0.
    result = run(tiny([1]), engine, offered_at=[95], ivr_seconds=[20], talk_seconds=[10])
    log = result.log
    assert_times(log.queued_at, [115])
    assert_times(log.answered_at, [115])
    assert_times(log.wait_seconds, [0])
    np.testing.assert_array_equal(log.interval_offered, [0])  # queued after closing: the last interval
    assert result.staffed_seconds.tolist() == [[125.0]]


@pytest.mark.parametrize("engine", ENGINES)
def test_ivr_outcomes_and_ring_time(engine: str) -> None:
    # A: 10 s of IVR, then the queue; ring 5 s: the agent is seized at 10 and A connects at 15; the agent
    # is busy for ring + talk + hold + ACW = 5 + 20 + 3 + 7 = 35 s, until 45. B is contained in the IVR, C
    # hangs up in it at 12 + 4 = 16. D queues at 20 + 1 and is seized at 45 (connects at 50): waited 24 s.
    result = run(tiny([1], interval=1000.0), engine, offered_at=[0, 5, 12, 20], ivr_seconds=[10, 8, 4, 1],
                 ivr_outcome=["queue", "ivr_contained", "ivr_abandoned", "queue"],
                 ring_seconds=[5, 5, 5, 5], talk_seconds=[20, 9, 9, 1], hold_seconds=[3, 9, 9, 0],
                 acw_seconds=[7, 9, 9, 0], patience_seconds=[INF] * 4)
    log = result.log
    np.testing.assert_array_equal(log.outcome, [ANSWERED, IVR_CONTAINED, IVR_ABANDONED, ANSWERED])
    assert_times(log.queued_at, [10, NAN, NAN, 21])
    assert_times(log.answered_at, [15, NAN, NAN, 50])
    assert_times(log.abandoned_at, [NAN, NAN, 16, NAN])
    assert_times(log.wait_seconds, [0, NAN, NAN, 24])
    assert_times(log.ring_seconds, [5, 0, 0, 5])
    assert_times(log.hold_seconds, [3, 0, 0, 0])


@pytest.mark.parametrize("engine", ENGINES)
def test_repeat_calls_and_redials_are_marked_and_deferred_into_the_next_day(engine: str) -> None:
    # Two days, open [0, 500) of each 1000 s day, one agent. Later attempts follow the model: talk 40 s,
    # infinitely patient, never come back (fcr = 1, no redials).
    model = tiny([1], interval=500.0, days=2, talk=Deterministic(mean=40.0))
    result = run(model, engine,
                 offered_at=[10, 400, 1100, 1195, 1200],
                 talk_seconds=[20, 50, 10, 100, 1],
                 patience_seconds=[INF, INF, INF, INF, 5],
                 returns=[True, True, True, False, True],
                 return_delay_seconds=[100, 200, 600, 0, 10])
    frame = result.log.to_frame()
    rows = list(zip(frame.offered_at, frame.attempt, frame.outcome.astype(str), frame.answered_at,
                    strict=True))
    assert rows == [
        (10.0, 1, "answered", 10.0),
        (130.0, 2, "answered", 130.0),  # A's repeat: hang-up at 30, back 100 s later
        (400.0, 1, "answered", 400.0),
        (1100.0, 1, "answered", 1100.0),  # C's repeat would come at 1710, after the last closing: dropped
        # B's repeat meant for 650, 30 % through the night [500, 1000): arrives when 30 % of day 1's (flat)
        # volume has arrived, 1000 + 0.3 × 500.
        (1150.0, 2, "answered", 1150.0),
        (1195.0, 1, "answered", 1195.0),
        (1200.0, 1, "abandoned", pytest.approx(NAN, nan_ok=True)),  # D gives up at 1205 ...
        (1215.0, 2, "answered", 1295.0),  # ... and redials 10 s later, answered when E's call ends
    ]
    np.testing.assert_array_equal(result.log.day, [0, 0, 0, 1, 1, 1, 1, 1])
    assert result.dropped_attempts == 1


@pytest.mark.parametrize("engine", ENGINES)
def test_attempts_are_capped(engine: str) -> None:
    # Every answered call comes back 10 s after it ends, but at most 3 attempts in all.
    model = tiny([1], interval=1000.0, talk=Deterministic(mean=5.0), fcr=0.0,
                 repeat_delay=Deterministic(mean=10.0), max_attempts=3)
    result = run(model, engine, offered_at=[0], talk_seconds=[5])
    assert_times(result.log.offered_at, [0, 15, 30])
    np.testing.assert_array_equal(result.log.attempt, [1, 2, 3])


@pytest.mark.parametrize("engine", ENGINES)
def test_queue_carries_over_the_night_when_nobody_staffs_the_close(engine: str) -> None:
    # No agent in the last interval of day 0: B, infinitely patient, waits through the night and is
    # answered at day 1's opening (1000) by its first agent.
    model = tiny([[1, 0], [1, 1]], days=2)
    result = run(model, engine, offered_at=[10, 150], talk_seconds=[20, 20], patience_seconds=[INF, INF])
    assert_times(result.log.answered_at, [10, 1000])
    np.testing.assert_array_equal(result.log.interval_answered, [0, 0])
    assert result.staffed_seconds.tolist() == [[100.0, 0.0], [100.0, 100.0]]


@pytest.mark.parametrize("engine", ENGINES)
def test_the_trace_is_not_modified(engine: str) -> None:
    talk = np.array([100.0, 50.0, 1.0])
    patience = np.array([INF, 200.0, 50.0])
    run(tiny([1], interval=1000.0), engine, offered_at=np.array([0.0, 10.0, 20.0]), talk_seconds=talk,
        patience_seconds=patience)
    np.testing.assert_array_equal(talk, [100, 50, 1])  # the abandoned call's talk is 0 in the log, not here
    np.testing.assert_array_equal(patience, [INF, 200, 50])

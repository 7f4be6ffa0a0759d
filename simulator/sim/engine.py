"""The simpy model of the call centre, and :func:`simulate`, the entry point of the engine.

Actors and how they are modelled (one :class:`simpy.Environment` per run, no module state):

* ``arrivals`` (process): the trunk; first attempts arrive at their pre-drawn instants.
* ``ivr`` (callback ``ivr_done``): navigation, then self-service containment, hang-up in the IVR, or
  the queue.
* ``caller`` (callback ``caller_gives_up``): a queued caller hangs up when patience runs out, unless an
  agent took the call first. This is the reneging idiom ``request | timeout`` made cheap: the caller waits
  in a plain FCFS deque and the patience timeout is cancelled lazily (when it fires it finds the caller
  gone and does nothing), so no condition event is ever built; and a caller who finds an idle agent never
  schedules one.
* ``agents`` (callback ``agent_free``): an agent seized by a call is busy for ring + talk + hold + ACW,
  then takes the next caller in the queue, goes idle, or leaves if its shift has ended.
* ``shift_change`` (process): staffing per interval; when it drops, idle agents leave first, then the agents
  who finish their current call soonest, each after that call (no pre-emption). At closing the last
  interval's agents stay until the queue and the IVR are empty.
* ``repeat_call`` (callbacks ``come_back``, ``comes_back``): an answered call comes back after a delay with
  probability 1 − FCR, an abandoned caller redials with a probability; while the centre is closed the
  attempt waits for the next opening.

Same-instant order: staffing changes first, then everything else in scheduling order, then abandonments,
so that an agent who becomes free exactly at a caller's deadline answers the call. Event instants are
scheduled as absolute times, never as ``now + (t - now)``, so times are exact to the bit and equal to
those of the fast path (:mod:`simulator.sim.fastpath`), which the tests prove on many models.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator
from dataclasses import dataclass, field
from heapq import heappop, heappush
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import simpy
from simpy.events import Event

from simulator.errors import ScenarioError, UnstableQueueError
from simulator.sim.draws import TO_QUEUE, ChildPool, RootPlan, Trace, draw_roots, make_streams, root_plan
from simulator.sim.memory import keep_freed_memory
from simulator.sim.record import RawRun, build_result
from simulator.sim.timeline import CLOSE, Change, Timeline

if TYPE_CHECKING:  # pragma: no cover
    from simulator.sim.calllog import SimulationResult
    from simulator.sim.draws import RootDraws
    from simulator.sim.model import CentreModel
    from simulator.sim.reuse import DrawCache

URGENT, NORMAL, LATE = 0, 1, 2  # simpy orders same-instant events by (priority, scheduling order)
INF = math.inf
NAN = math.nan
ENGINES = ("auto", "simpy", "fast")
CHUNK = 1 << 16  # first attempts turned into Python lists at a time (bounds the memory)
WAITING, SERVED, GONE = 0, 1, 2

__all__ = ["ENGINES", "simulate"]


def simulate(model: CentreModel, *, seed: int | np.random.SeedSequence = 0,
             engine: Literal["auto", "simpy", "fast"] = "auto",
             trace: Trace | None = None, ordered: bool = True, reuse: DrawCache | None = None) -> SimulationResult:
    """Simulate one replication of ``model``.

    Parameters
    ----------
    model : CentreModel
        The centre, its demand, staffing and behaviour.
    seed : int or numpy.random.SeedSequence
        Seed of the run; one stream per stochastic element is spawned from it (see
        :mod:`simulator.sim.draws`). Equal seeds give identical results.
    engine : {"auto", "simpy", "fast"}
        ``"simpy"``: the discrete-event model; ``"fast"``: the single-pass algorithm, which gives the same
        call log from the same draws; ``"auto"``: the fast path when it covers the model exactly
        (:func:`simulator.sim.fastpath.covers`), else simpy.
    trace : Trace, optional
        Hand-made first attempts (fixed arrival instants, optionally durations) instead of random ones.
    ordered : bool
        Sort the call log by arrival (the default). ``False`` leaves the first attempts first and the repeat
        calls after them, for a caller that only sums over the log and can spare the sort.
    reuse : DrawCache, optional
        Take the draws from this cache, or draw them and keep them there, for runs of the same model and seed
        at other staffings (:mod:`simulator.sim.reuse`): the same call log, without drawing again. Used by the
        fast path only (the simpy engine, or a ``trace``, draws as usual).

    Returns
    -------
    SimulationResult
        The call log (sorted by ``offered_at`` unless not ``ordered``), the staffed agent-seconds per interval
        and the count of repeat attempts dropped because they would have come back after the last day.
    """
    if engine not in ENGINES:
        raise ScenarioError(f"unknown engine; valid engines are {', '.join(ENGINES)}", field="engine",
                            value=engine)
    keep_freed_memory()  # months follow months: reuse their memory rather than page-fault it back
    timeline = Timeline(model)
    if engine in ("auto", "fast"):
        from simulator.sim import fastpath  # compiled with numba: loaded only when it runs

        if engine == "fast" or fastpath.covers(model)[0]:
            engine = "fast"
    if engine == "fast" and reuse is not None and trace is None:
        with reuse.taken(model, timeline, seed) as kept:
            raw = fastpath.run(model, timeline, kept.draws, root_plan(model, kept.draws), kept.pool, kept.order)
            return build_result(model, timeline, kept.draws, kept.pool, raw, ordered=ordered, consume=False)
    streams = make_streams(seed)
    draws = draw_roots(model, timeline, streams, trace)
    plan = root_plan(model, draws)
    pool = ChildPool(model, streams)
    if engine == "fast":
        raw = fastpath.run(model, timeline, draws, plan, pool)
    else:
        raw = _Centre(model, timeline, draws, plan, pool).run()
    return build_result(model, timeline, draws, pool, raw, ordered=ordered)


class _At(Event):
    """An event that fires at an absolute instant, with an optional callback and a value."""

    def __init__(self, env: simpy.Environment, when: float, priority: int, callback: Any = None,
                 value: Any = None) -> None:
        self.env = env
        self.callbacks = [] if callback is None else [callback]
        self._value = value
        self._ok = True
        # simpy's own Environment.schedule, but with the instant given, not computed as now + delay
        queue: list[Any] = env._queue
        heappush(queue, (when, priority, next(env._eid), self))


@dataclass
class _Tally:
    """What the simpy engine records as the run goes (Python lists), turned into a :class:`RawRun` at the end."""

    child_root: list[int] = field(default_factory=list)
    child_attempt: list[int] = field(default_factory=list)
    child_offered: list[float] = field(default_factory=list)
    child_seized: list[float] = field(default_factory=list)
    logins: list[float] = field(default_factory=list)
    login_counts: list[int] = field(default_factory=list)
    logouts: list[float] = field(default_factory=list)
    dropped: int = 0

    def raw(self, root_seized: list[float]) -> RawRun:
        return RawRun(root_seized=np.array(root_seized, dtype=float),
                      child_root=np.array(self.child_root, dtype=np.int64),
                      child_attempt=np.array(self.child_attempt, dtype=np.int64),
                      child_offered=np.array(self.child_offered, dtype=float),
                      child_seized=np.array(self.child_seized, dtype=float),
                      logins=np.array(self.logins, dtype=float),
                      login_counts=np.array(self.login_counts, dtype=np.int64),
                      logouts=np.array(self.logouts, dtype=float), dropped=self.dropped)


class _Call:
    """One attempt in flight: what the model needs of it, precomputed by :mod:`simulator.sim.draws`."""

    __slots__ = ("attempt", "back_abandoned", "back_answered", "busy", "code", "deadline", "ivr", "out",
                 "queued_at", "root", "slot", "state")

    def __init__(self, out: list[float], slot: int, root: int, attempt: int, code: int, ivr: float,
                 queued_at: float, deadline: float, busy: float, back_answered: float,
                 back_abandoned: float) -> None:
        self.out = out  # where the seizure instant goes: out[slot]
        self.slot = slot
        self.root = root
        self.attempt = attempt
        self.code = code
        self.ivr = ivr
        self.queued_at = queued_at  # also the end of the IVR for calls that never queue
        self.deadline = deadline
        self.busy = busy
        self.back_answered = back_answered
        self.back_abandoned = back_abandoned
        self.state = WAITING


def arrivals(env: simpy.Environment, centre: _Centre) -> Generator[Event, Any, None]:
    """The trunk: every first attempt arrives at its pre-drawn instant."""
    draws, plan = centre.draws, centre.plan
    n = len(draws)
    seized = centre.seized
    chunk = CHUNK
    for first in range(0, n, chunk):
        part = slice(first, min(n, first + chunk))
        offered = draws.offered_at[part].tolist()
        queued = plan.queued_at[part].tolist()
        size = len(offered)
        ivr = [0.0] * size if draws.ivr_seconds is None else draws.ivr_seconds[part].tolist()
        code = [TO_QUEUE] * size if draws.ivr_code is None else draws.ivr_code[part].tolist()
        deadline = [INF] * size if plan.deadline is None else plan.deadline[part].tolist()
        busy = plan.busy[part].tolist()
        back_answered = [-1.0] * size if plan.back_answered is None else plan.back_answered[part].tolist()
        back_abandoned = [-1.0] * size if plan.back_abandoned is None else plan.back_abandoned[part].tolist()
        trunk = centre.trunk
        for j in range(size):
            yield _At(env, offered[j], NORMAL)
            k = first + j
            trunk(_Call(seized, k, k, 1, code[j], ivr[j], queued[j], deadline[j], busy[j], back_answered[j],
                        back_abandoned[j]))


def shift_change(env: simpy.Environment, centre: _Centre) -> Generator[Event, Any, None]:
    """Staffing per interval, and closing (see the module docstring)."""
    for change in centre.timeline.plan():
        yield _At(env, change.at, URGENT)
        centre.change(change)


class _Centre:
    """The state of one run: the queue, the agents and the bookkeeping the call log needs."""

    def __init__(self, model: CentreModel, timeline: Timeline, draws: RootDraws, plan: RootPlan,
                 pool: ChildPool) -> None:
        self.env = simpy.Environment()
        self.model = model
        self.timeline = timeline
        self.draws = draws
        self.plan = plan
        self.pool = pool
        self.queue: deque[_Call] = deque()
        self.waiting = 0  # callers in the queue who have not hung up
        self.in_ivr = 0
        self.idle = 0  # idle agents on duty
        self.staff = 0  # agents on duty who are not due to leave
        self.debts: list[list[float]] = []  # [instant of a staffing drop, agents busy then still to leave]
        self.night = False
        self.drained = False
        self.last_drain = -INF  # agents busy since before this instant leave when free
        self.seized: list[float] = [NAN] * len(draws)
        self.returning: list[tuple[float, float, int, int]] = []  # (arrival, intended, root, attempt)
        self.raw = _Tally()

    def run(self) -> RawRun:
        env = self.env
        env.process(arrivals(env, self))
        env.process(shift_change(env, self))
        env.run()
        raw = self.raw.raw(self.seized)
        if self.waiting:
            raise UnstableQueueError("a call would wait for ever: patience is infinite and no agent is "
                                     "staffed after it arrives")
        if self.idle or self.staff:  # pragma: no cover - a bug, not an input error
            raise AssertionError(f"run ended with {self.idle} idle agents and {self.staff} on duty")
        return raw

    # -- calls ----------------------------------------------------------------------------------------
    def trunk(self, call: _Call) -> None:
        """A call reaches the trunk: into the IVR, or straight on."""
        if call.ivr > 0.0:
            self.in_ivr += 1
            _At(self.env, call.queued_at, NORMAL, self.ivr_done, call)
        elif call.code == TO_QUEUE:
            self.enqueue(call)

    def ivr_done(self, event: Event) -> None:
        """The IVR: the caller is served by self-service, hangs up, or asks for an agent."""
        self.in_ivr -= 1
        call: _Call = event._value
        if call.code == TO_QUEUE:
            self.enqueue(call)
        if self.night and not self.waiting and not self.in_ivr and not self.drained:
            self.drain_end()

    def enqueue(self, call: _Call) -> None:
        if self.idle:
            self.idle -= 1
            self.start(call)
        else:
            self.queue.append(call)
            self.waiting += 1
            if call.deadline != INF:
                _At(self.env, call.deadline, LATE, self.caller_gives_up, call)

    def caller_gives_up(self, event: Event) -> None:
        """The caller's patience runs out; a no-op if an agent took the call first (lazy cancellation)."""
        call: _Call = event._value
        if call.state != WAITING:
            return
        call.state = GONE
        self.waiting -= 1
        if call.back_abandoned >= 0:
            self.come_back(call.deadline + call.back_abandoned, call)
        if self.night and not self.waiting and not self.in_ivr and not self.drained:
            self.drain_end()

    def start(self, call: _Call) -> None:
        """An agent is seized: ring, talk, hold, ACW; the caller may come back later."""
        now = self.env._now
        call.state = SERVED
        call.out[call.slot] = now
        _At(self.env, now + call.busy, NORMAL, self.agent_free, now)
        if call.back_answered >= 0:
            self.come_back(now + call.back_answered, call)
        if self.night and not self.waiting and not self.in_ivr and not self.drained:
            self.drain_end()

    # -- repeat calls -----------------------------------------------------------------------------------
    def come_back(self, intended: float, call: _Call) -> None:
        arrival = self.timeline.arrival_instant(intended)
        if arrival is None:
            self.raw.dropped += 1
            return
        heappush(self.returning, (arrival, intended, call.root, call.attempt + 1))
        _At(self.env, arrival, NORMAL, self.comes_back)

    def comes_back(self, event: Event) -> None:
        """Repeat calls and redials due now reach the trunk, each taking the next row of the pool.

        All those due at this instant arrive together, in order of intended instant, first attempt and
        attempt number, whatever order their wake-ups were scheduled in (ties happen with deterministic
        durations, and with attempts deferred to the same opening).
        """
        now = self.env._now
        pool, raw, returning = self.pool, self.raw, self.returning
        while returning and returning[0][0] <= now:
            _, _, root, attempt = heappop(returning)
            k = pool.take()
            ivr, code, patience, busy, back_answered, back_abandoned, _ = pool.plan(k, attempt)
            raw.child_root.append(root)
            raw.child_attempt.append(attempt)
            raw.child_offered.append(now)
            raw.child_seized.append(NAN)
            queued = now + ivr
            self.trunk(_Call(raw.child_seized, k, root, attempt, code, ivr, queued, queued + patience, busy,
                             back_answered, back_abandoned))

    # -- agents -----------------------------------------------------------------------------------------
    def agent_free(self, event: Event) -> None:
        """An agent finishes a call (after ACW): leave if due, else take the next caller, else idle."""
        job_start: float = event._value
        if job_start <= self.last_drain or (self.debts and self._claim(job_start)):
            self.raw.logouts.append(self.env._now)
            return
        queue = self.queue
        while queue:
            call = queue.popleft()
            if call.state == WAITING:
                self.waiting -= 1
                self.start(call)
                return
        self.idle += 1

    def _claim(self, job_start: float) -> bool:
        """Whether this agent is one of those due to leave: busy at a staffing drop that still needs some."""
        for debt in self.debts:
            if job_start < debt[0]:
                debt[1] -= 1
                if not debt[1]:
                    self.debts.remove(debt)
                return True
        return False

    def change(self, change: Change) -> None:
        """A staffing change at an interval edge, or the closing."""
        raw = self.raw
        now = self.env._now
        if change.kind == CLOSE:
            self.night = True
            if not self.waiting and not self.in_ivr:
                self.drain_end()
            return
        if change.night_of >= 0:
            self.night = False
            self.drained = False
        target, present = change.target, self.staff
        if target > present:
            raw.logins.append(now)
            raw.login_counts.append(target - present)
            self.idle += target - present
            self.staff = target
            queue = self.queue
            while self.idle and self.waiting:
                call = queue.popleft()
                if call.state == WAITING:
                    self.waiting -= 1
                    self.idle -= 1
                    self.start(call)
        elif target < present:
            leaving = present - target
            now_idle = min(self.idle, leaving)
            self.idle -= now_idle
            raw.logouts.extend([now] * now_idle)
            if leaving > now_idle:
                self.debts.append([now, leaving - now_idle])
            self.staff = target

    def drain_end(self) -> None:
        """Closed, nobody queued or in the IVR: every agent leaves (the busy ones when free)."""
        now = self.env._now
        self.drained = True
        self.last_drain = now
        self.raw.logouts.extend([now] * self.idle)
        self.idle = 0
        self.staff = 0
        self.debts.clear()

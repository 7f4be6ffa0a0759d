"""The fast path: a single pass over the calls in queue order, exact for a FCFS multi-server queue.

The classic algorithm: process queue entries in FCFS order, keep a heap of the instants at which the agents
become free; a call starts at ``max(queued_at, earliest free agent)``, and a caller whose start would come
after ``queued_at + patience`` abandons then and never touches the heap (under FCFS, an abandoning caller
changes nobody else's start). Around it, this module adds what the simpy engine models, with the same
rules, so that both produce the same call log from the same draws:

* **staffing changes** at interval edges, applied in time order just before the first start they can
  affect: new agents join the heap at the edge; when staffing drops, the agents that become free first
  (the idle ones, then those finishing their call soonest) leave, each when free: no pre-emption;
* **closing**: the last interval's agents stay until the queue and the IVR are empty; the instant that
  happens is known once every call queued before the next opening has been processed;
* **IVR** (queue entry = arrival + navigation; contained and IVR-abandoned calls never queue) and **ring
  time** (part of the agent's busy time, after the seizure);
* **repeat calls and redials**: an attempt that comes back is pushed on a heap of future trunk arrivals
  and takes its attributes from the shared pool in order of arrival, as the simpy engine does.

It covers every :class:`~simulator.sim.model.CentreModel` (:func:`covers` says so, and says why not if a
future feature is outside it); :func:`simulator.sim.simulate` with ``engine="auto"`` uses it then.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from heapq import heappop, heappush, heapreplace
from itertools import repeat
from typing import TYPE_CHECKING

import numpy as np

from simulator.errors import UnstableQueueError
from simulator.sim.draws import TO_QUEUE
from simulator.sim.record import RawRun
from simulator.sim.timeline import SET

if TYPE_CHECKING:  # pragma: no cover
    from simulator.sim.draws import ChildPool, RootDraws, RootPlan
    from simulator.sim.model import CentreModel
    from simulator.sim.timeline import Timeline

INF = math.inf
NAN = math.nan
CHUNK = 1 << 16  # calls turned into Python lists at a time where a loop needs them (bounds the memory)

__all__ = ["covers", "run"]


def covers(model: CentreModel) -> tuple[bool, str]:
    """Whether the fast path reproduces the simpy engine exactly for ``model``, and if not, why not."""
    return True, "the fast path covers every feature of CentreModel"


class _Roster:
    """The agents on duty, as a heap of the instants at which each becomes free, and the staffing plan."""

    def __init__(self, timeline: Timeline, ivr_exit_max: list[float]) -> None:
        sets = [c for c in timeline.plan() if c.kind == SET]
        self.at = [c.at for c in sets]
        self.target = [c.target for c in sets]
        self.night_of = [c.night_of for c in sets]
        self.pos = 0
        self.next_at = self.at[0] if sets else INF
        self.closes: list[float] = timeline.closes.tolist()
        self.ivr_exit_max = ivr_exit_max
        # Free instants of the agents on duty; [inf] when nobody is (so heap[0] always exists).
        self.heap: list[float] = [INF]
        self.logins: list[float] = []
        self.login_counts: list[int] = []
        self.logouts: list[float] = []

    def tentative(self, queued_at: float) -> float:
        free = self.heap[0]
        return free if free > queued_at else queued_at

    def advance(self, queued_at: float, deadline: float, departed: Callable[[], float]) -> float:
        """Apply every change at or before the tentative start and the deadline; return the start.

        ``departed()`` is the latest queue departure (seizure or abandonment) so far, for the closing rule
        (asked only at an opening that follows a night).
        """
        while True:
            start = self.tentative(queued_at)
            if self.next_at > start or self.next_at > deadline:
                if start == INF and deadline == INF:
                    raise UnstableQueueError("a call would wait for ever: patience is infinite and no agent "
                                             "is staffed after it arrives")
                return start
            self._apply(queued_at, departed)

    def _apply(self, queued_at: float, departed: Callable[[], float]) -> None:
        i = self.pos
        at = self.at[i]
        night = self.night_of[i]
        if night >= 0 and queued_at >= at:
            # Nobody was waiting at the opening: did the night's drain end before it?
            end = max(self.closes[night], self.ivr_exit_max[night], departed())
            if end < at:
                self._leave_all(end)
        self._set(at, self.target[i])
        self.pos = i + 1
        self.next_at = self.at[i + 1] if i + 1 < len(self.at) else INF

    def _set(self, at: float, target: int) -> None:
        heap = self.heap
        present = 0 if heap[0] == INF else len(heap)
        if target > present:
            if not present:
                heap.clear()
            for _ in range(target - present):
                heappush(heap, at)
            self.logins.append(at)
            self.login_counts.append(target - present)
        elif target < present:
            logouts = self.logouts
            for _ in range(present - target):
                free = heappop(heap)
                logouts.append(free if free > at else at)
            if not heap:
                heap.append(INF)

    def _leave_all(self, at: float) -> None:
        heap, logouts = self.heap, self.logouts
        if heap[0] == INF:
            return
        while heap:
            free = heappop(heap)
            logouts.append(free if free > at else at)
        heap.append(INF)

    def finish(self, departed: Callable[[], float]) -> None:
        """After the last call: the remaining changes, then the last day's drain."""
        while self.pos < len(self.at):
            self._apply(INF, departed)
        last = len(self.closes) - 1
        self._leave_all(max(self.closes[last], self.ivr_exit_max[last], departed()))


def _queue_order(draws: RootDraws, queued_at: np.ndarray) -> np.ndarray | None:
    """First attempts that reach the queue, in FCFS order (ties: earlier trunk arrival first).

    None when that is simply every call in arrival order (no IVR), so that slices can replace gathers.
    """
    if draws.ivr_code is None and draws.ivr_seconds is None:
        return None
    idx = np.arange(len(draws)) if draws.ivr_code is None else np.flatnonzero(draws.ivr_code == TO_QUEUE)
    if draws.ivr_seconds is not None:
        idx = idx[np.argsort(queued_at[idx], kind="stable")]
    return idx


def _ivr_exit_max(timeline: Timeline, draws: RootDraws, queued_at: np.ndarray, days: int) -> list[float]:
    """Per day, the latest instant a first attempt leaves the IVR (to the queue or not)."""
    result = np.full(days, -INF)
    if len(draws) and draws.ivr_seconds is not None:  # without IVR every exit is an arrival, before closing
        day = np.searchsorted(timeline.opens, draws.offered_at, side="right") - 1
        np.maximum.at(result, np.clip(day, 0, days - 1), queued_at)
    return result.tolist()


def run(model: CentreModel, timeline: Timeline, draws: RootDraws, plan: RootPlan, pool: ChildPool) -> RawRun:
    """Simulate with the single-pass algorithm; see the module docstring."""
    roster = _Roster(timeline, _ivr_exit_max(timeline, draws, plan.queued_at, model.days))
    order = _queue_order(draws, plan.queued_at)
    seized = np.full(len(draws), NAN)
    if plan.back_answered is None:
        raw = _single_pass(roster, order, plan, seized)
    else:
        if order is None:
            order = np.arange(len(draws))
        raw = _with_returns(model, timeline, roster, order, draws, plan, pool, seized)
    raw.logins, raw.login_counts, raw.logouts = roster.logins, roster.login_counts, roster.logouts
    return raw


def _single_pass(roster: _Roster, order: np.ndarray | None, plan: RootPlan, seized: np.ndarray) -> RawRun:
    """No call comes back: one loop over the queue entries (the hot path, kept minimal).

    A call that finds an agent free starts when it queues, so only the others are written down (their
    position and start, NaN for an abandonment). Reading the columns through memoryviews makes the Python
    floats one at a time instead of whole lists.
    """
    heap = roster.heap
    next_at = roster.next_at
    if order is None:
        queued_at, busy_seconds, deadline = plan.queued_at, plan.busy, plan.deadline
    else:
        queued_at, busy_seconds = plan.queued_at[order], plan.busy[order]
        deadline = None if plan.deadline is None else plan.deadline[order]
    queued_list = np.ascontiguousarray(queued_at).data
    waited: list[int] = []  # positions (in queue order) of the calls that did not start on arrival ...
    starts: list[float] = []  # ... and their starts (NaN: abandoned)
    abandoned_max = -INF
    position = 0  # calls processed so far
    scanned, latest_start = 0, -INF  # latest start among the first ``scanned`` calls

    def departed() -> float:
        # Latest queue departure so far. Starts are non-decreasing under FCFS: the latest start is that of
        # the last call answered, found by looking back no further than the previous time (so each call is
        # looked at once at most).
        nonlocal scanned, latest_start
        best = latest_start
        j = len(waited) - 1
        for k in range(position - 1, scanned - 1, -1):
            while j >= 0 and waited[j] > k:
                j -= 1
            if j >= 0 and waited[j] == k:
                if starts[j] == starts[j]:
                    best = starts[j]
                    break
                continue
            best = queued_list[k]
            break
        scanned, latest_start = position, best
        return max(best, abandoned_max)

    deadlines = repeat(INF) if deadline is None else np.ascontiguousarray(deadline).data
    busy_list = np.ascontiguousarray(busy_seconds).data
    for i, (q, dl, b) in enumerate(zip(queued_list, deadlines, busy_list)):  # noqa: B905 - equal lengths
        s = heap[0]
        if s <= q:  # an agent is free: answered at once (unless the staffing changes first)
            if q < next_at:
                heapreplace(heap, q + b)
                continue
            s = q
        if s >= next_at and dl >= next_at:
            position = i
            s = roster.advance(q, dl, departed)
            next_at = roster.next_at
            if s == q:
                heapreplace(heap, q + b)
                continue
        waited.append(i)
        if s > dl:
            starts.append(NAN)
            if dl > abandoned_max:
                abandoned_max = dl
        else:
            heapreplace(heap, s + b)
            starts.append(s)
    if order is None:
        seized[:] = queued_at
        seized[waited] = starts
    else:
        in_queue_order = queued_at.copy()
        in_queue_order[waited] = starts
        seized[order] = in_queue_order
    position = len(queued_at)
    roster.finish(departed)
    return RawRun(root_seized=seized)


def _with_returns(model: CentreModel, timeline: Timeline, roster: _Roster, order: np.ndarray,
                  draws: RootDraws, plan: RootPlan, pool: ChildPool, seized: np.ndarray) -> RawRun:
    """Calls can come back: merge the first attempts' queue entries with those of the returning ones."""
    assert plan.back_answered is not None and plan.back_abandoned is not None
    raw = RawRun(root_seized=seized)
    heap = roster.heap
    ivr_exit_max = roster.ivr_exit_max
    pending: list[tuple[float, float, int, int]] = []  # (arrival, intended, root, attempt)
    entries: list[tuple[float, float, int, int, int, float, float, float, float]] = []
    departed = -INF
    arrival_instant = timeline.arrival_instant
    day_of = timeline.day_of
    child_seized = raw.child_seized

    def latest_departure() -> float:
        return departed

    def come_back(intended: float, root: int, attempt: int) -> None:
        arrival = arrival_instant(intended)
        if arrival is None:
            raw.dropped += 1
        else:
            heappush(pending, (arrival, intended, root, attempt))

    def materialise() -> None:
        arrival, intended, root, attempt = heappop(pending)
        k = pool.take()
        ivr, code, patience, busy, back_answered, back_abandoned, _ = pool.plan(k, attempt)
        raw.child_root.append(root)
        raw.child_attempt.append(attempt)
        raw.child_offered.append(arrival)
        child_seized.append(NAN)
        queued = arrival + ivr
        d = day_of(arrival)
        if queued > ivr_exit_max[d]:
            ivr_exit_max[d] = queued
        if code == TO_QUEUE:
            heappush(entries, (queued, intended, root, attempt, k, queued + patience, busy, back_answered,
                               back_abandoned))

    n_order = len(order)
    first = 0
    r_idx: list[int] = []
    r_q: list[float] = []
    r_off: list[float] = []
    r_dl: list[float] = []
    r_busy: list[float] = []
    r_ba: list[float] = []
    r_bb: list[float] = []
    r_out: list[float] = []
    ri = r_len = 0
    while True:
        if ri == r_len and first < n_order:
            if r_len:
                seized[r_idx] = r_out
            idx = order[first:first + CHUNK]
            first += len(idx)
            r_idx = idx.tolist()
            r_q = plan.queued_at[idx].tolist()
            r_off = draws.offered_at[idx].tolist()
            r_dl = [INF] * len(idx) if plan.deadline is None else plan.deadline[idx].tolist()
            r_busy = plan.busy[idx].tolist()
            r_ba = plan.back_answered[idx].tolist()
            r_bb = plan.back_abandoned[idx].tolist()
            r_out = [NAN] * len(idx)
            ri, r_len = 0, len(idx)
        have_root = ri < r_len
        if entries:
            top = entries[0]
            child_first = not have_root or top[0] < r_q[ri] or (
                top[0] == r_q[ri] and (top[1], top[2], top[3]) < (r_off[ri], r_idx[ri], 1))
        elif have_root:
            child_first = False
        else:
            if pending:
                materialise()
                continue
            break
        q = entries[0][0] if child_first else r_q[ri]
        if pending and pending[0][0] <= q:
            materialise()
            continue
        if child_first:
            q, _, root, attempt, k, dl, b, back_answered, back_abandoned = heappop(entries)
        else:
            root, attempt, k = r_idx[ri], 1, -1
            dl, b, back_answered, back_abandoned = r_dl[ri], r_busy[ri], r_ba[ri], r_bb[ri]
        s = roster.tentative(q)
        if s >= roster.next_at and dl >= roster.next_at:
            s = roster.advance(q, dl, latest_departure)
        if s > dl:
            if dl > departed:
                departed = dl
            if back_abandoned >= 0:
                come_back(dl + back_abandoned, root, attempt + 1)
        else:
            heapreplace(heap, s + b)
            departed = s if s > departed else departed
            if k >= 0:
                child_seized[k] = s
            else:
                r_out[ri] = s
            if back_answered >= 0:
                come_back(s + back_answered, root, attempt + 1)
        if k < 0:
            ri += 1
    if r_len:
        seized[r_idx] = r_out
    roster.finish(latest_departure)
    return raw

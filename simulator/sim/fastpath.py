"""The fast path: a single pass over the calls in queue order, exact for a FCFS multi-server queue, compiled.

The classic algorithm: process queue entries in FCFS order, keep a heap of the instants at which the agents
become free; a call starts at ``max(queued_at, earliest free agent)``, and a caller whose start would come
after ``queued_at + patience`` abandons then and never touches the heap (under FCFS, an abandoning caller
changes nobody else's start). Around it, this module adds what the simpy engine models, with the same rules,
so that both produce the same call log from the same draws (the tests compare them bit for bit):

* **staffing changes** at interval edges, applied in time order just before the first start they can
  affect: new agents join the heap at the edge; when staffing drops, the agents that become free first
  (the idle ones, then those finishing their call soonest) leave, each when free: no pre-emption;
* **closing**: the last interval's agents stay until the queue and the IVR are empty; the instant that
  happens is known once every call queued before the next opening has been processed;
* **IVR** (queue entry = arrival + navigation; contained and IVR-abandoned calls never queue) and **ring
  time** (part of the agent's busy time, after the seizure);
* **repeat calls and redials**: an attempt that comes back waits on a heap of future trunk arrivals and takes
  its attributes from the shared pool (:class:`~simulator.sim.draws.ChildPool`) in order of arrival, as the
  simpy engine does; the calendar rule for attempts meant for closed hours is
  :meth:`~simulator.sim.timeline.Timeline.arrival_instant`, repeated here in compiled form.

The loop is compiled with numba (``cache=True``: the first run after installing compiles it, about ten
seconds, and later processes load it from the cache). Its floating-point arithmetic is written exactly as the
simpy engine's (no ``fastmath``, the same operations in the same order), which is what makes the logs equal to
the bit. The pool of repeat-call attributes is drawn before the loop, sized to the repeat calls expected of
the answered calls; should the loop need more rows than drawn, it stops where it is, more rows are drawn (the
same rows, whatever the size: they come from the same streams in the same order) and the loop goes on from
there. Its whole state lives in arrays that :func:`run` keeps between the calls, which is what lets the pool be
sized to what a month is expected to need rather than to a bound on it (drawing the rows is most of the cost of
a repeat call).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from simulator.errors import UnstableQueueError
from simulator.sim.draws import TO_QUEUE, ChildPool
from simulator.sim.heaps import before, pop_id, push_free, push_id, sift_free
from simulator.sim.record import RawRun
from simulator.sim.timeline import SET

if TYPE_CHECKING:  # pragma: no cover
    from simulator.sim.draws import RootDraws, RootPlan
    from simulator.sim.model import CentreModel
    from simulator.sim.timeline import Timeline

INF = math.inf
NAN = math.nan
OK, POOL_EXHAUSTED, UNSTABLE = 0, 1, 2  # what the compiled loop reports

# Integer state of a run, kept in one small array so that the helpers below can update it in place and the
# pass can stop and go on; DEPARTED is the one float of the state (its own array).
POS, AGENTS, LOGINS, LOGOUTS, CHILDREN, ENTRIES, PENDING, DROPPED, STATUS, ROOT, WAITS = range(11)
DEPARTED = 0

__all__ = ["covers", "queue_order", "run"]


def covers(model: CentreModel) -> tuple[bool, str]:
    """Whether the fast path reproduces the simpy engine exactly for ``model``, and if not, why not."""
    return True, "the fast path covers every feature of CentreModel"


# -- the roster: staffing changes, closing -----------------------------------------------------------------

@njit(cache=True, nogil=True)
def _leave_all(st: np.ndarray, free: np.ndarray, logouts: np.ndarray, at: float) -> None:
    """Every agent on duty leaves: the idle ones at ``at``, the busy ones when free."""
    n = st[AGENTS]
    for j in range(n):
        f = free[j]
        logouts[st[LOGOUTS]] = f if f > at else at
        st[LOGOUTS] += 1
    st[AGENTS] = 0


@njit(cache=True, nogil=True)
def _set_staff(st: np.ndarray, free: np.ndarray, logins: np.ndarray, login_counts: np.ndarray,
               logouts: np.ndarray, at: float, target: int) -> None:
    present = st[AGENTS]
    if target > present:
        for _ in range(target - present):
            push_free(free, st[AGENTS], at)
            st[AGENTS] += 1
        logins[st[LOGINS]] = at
        login_counts[st[LOGINS]] = target - present
        st[LOGINS] += 1
    elif target < present:
        for _ in range(present - target):
            n = st[AGENTS]
            f = free[0]
            st[AGENTS] = n - 1
            if n > 1:
                sift_free(free, n - 1, free[n - 1])
            logouts[st[LOGOUTS]] = f if f > at else at
            st[LOGOUTS] += 1


@njit(cache=True, nogil=True)
def _apply_change(st: np.ndarray, free: np.ndarray, logins: np.ndarray, login_counts: np.ndarray,
                  logouts: np.ndarray, set_at: np.ndarray, set_target: np.ndarray, set_night_of: np.ndarray,
                  closes: np.ndarray, ivr_exit_max: np.ndarray, queued_at: float, departed: float) -> None:
    """The next staffing change; at an opening after a night nobody waited through, the night's drain first."""
    i = st[POS]
    at = set_at[i]
    night = set_night_of[i]
    if night >= 0 and queued_at >= at:
        end = max(closes[night], ivr_exit_max[night], departed)
        if end < at:
            _leave_all(st, free, logouts, end)
    _set_staff(st, free, logins, login_counts, logouts, at, set_target[i])
    st[POS] = i + 1


# -- the calendar for attempts that come back (Timeline.arrival_instant, compiled) ------------------------

@njit(cache=True, nogil=True)
def _arrival_instant(intended: float, opens: np.ndarray, closes: np.ndarray, volume_edges: np.ndarray,
                     interval_seconds: float) -> float:
    """When an attempt meant for ``intended`` reaches the trunk; NaN if after the last day (dropped)."""
    d = np.searchsorted(opens, intended, side="right") - 1
    if d < 0:
        return opens[0]
    if intended < closes[d]:
        return intended
    if d + 1 >= opens.size:
        return NAN
    night = opens[d + 1] - closes[d]
    share = (intended - closes[d]) / night if night > 0 else 0.0
    intervals = volume_edges.size - 1
    i = np.searchsorted(volume_edges, share, side="right") - 1
    i = min(max(i, 0), intervals - 1)
    width = volume_edges[i + 1] - volume_edges[i]
    within = (share - volume_edges[i]) / width if width > 0 else 0.0
    return opens[d + 1] + (i + min(max(within, 0.0), 1.0)) * interval_seconds


# -- the pass ------------------------------------------------------------------------------------------------

# Rows of the child state (pool row k: a repeat call or redial given its row) and of the waiting attempts.
C_QUEUED, C_INTENDED, C_DEADLINE, C_BACK_ANSWERED, C_BACK_ABANDONED, C_OFFERED, C_SEIZED = range(7)
C_ROOT, C_ATTEMPT, C_ENTRIES = range(3)  # C_ENTRIES: heap of rows waiting to enter the queue, by queue key
W_ARRIVAL, W_INTENDED = range(2)
W_ROOT, W_ATTEMPT, W_PENDING = range(3)  # W_PENDING: heap of waiting attempts, by (arrival, intended, root, attempt)


@njit(cache=True, nogil=True)
def _pass(order: np.ndarray, queued_at: np.ndarray, offered_at: np.ndarray, deadline: np.ndarray,
          busy: np.ndarray, back_answered: np.ndarray, back_abandoned: np.ndarray,
          set_at: np.ndarray, set_target: np.ndarray, set_night_of: np.ndarray, opens: np.ndarray,
          closes: np.ndarray, ivr_exit_max: np.ndarray, volume_edges: np.ndarray, interval_seconds: float,
          p_ivr: np.ndarray, p_code: np.ndarray, p_patience: np.ndarray, p_busy: np.ndarray, p_conv: np.ndarray,
          p_u: np.ndarray, p_repeat: np.ndarray, p_redial: np.ndarray, repeat_below: float,
          redial_below: float, max_attempts: int, free: np.ndarray, root_seized: np.ndarray,
          cf: np.ndarray, ci: np.ndarray, wf: np.ndarray, wi: np.ndarray,
          logins: np.ndarray, login_counts: np.ndarray, logouts: np.ndarray, st: np.ndarray,
          fst: np.ndarray) -> None:
    """Run, or go on with a run stopped for want of pool rows (``st[STATUS]`` says which); results go into the
    output arrays and ``st`` (status, counts). See the module docstring."""
    capacity = min(p_ivr.size, cf.shape[1])  # pool rows drawn
    waiting_capacity = wf.shape[1]
    days = opens.size
    changes = set_at.size
    c_queued, c_intended, c_deadline = cf[C_QUEUED], cf[C_INTENDED], cf[C_DEADLINE]
    c_back_answered, c_back_abandoned = cf[C_BACK_ANSWERED], cf[C_BACK_ABANDONED]
    c_offered, c_seized = cf[C_OFFERED], cf[C_SEIZED]
    c_root, c_attempt, entries = ci[C_ROOT], ci[C_ATTEMPT], ci[C_ENTRIES]
    w_arrival, w_intended = wf[W_ARRIVAL], wf[W_INTENDED]
    w_root, w_attempt, pending = wi[W_ROOT], wi[W_ATTEMPT], wi[W_PENDING]

    departed = fst[DEPARTED]  # the latest queue departure so far (a seizure or an abandonment)
    next_at = set_at[st[POS]] if st[POS] < changes else INF
    n_order = order.size
    ri = st[ROOT]
    st[STATUS] = OK
    while True:
        if st[WAITS] >= waiting_capacity:  # the call below may send an attempt on its way back: room for it
            st[STATUS] = POOL_EXHAUSTED
            break
        have_root = ri < n_order
        r = order[ri] if have_root else -1
        top = entries[0] if st[ENTRIES] > 0 else -1
        if top >= 0:
            if not have_root:
                child_first = True
            else:
                cq = c_queued[top]
                rq = queued_at[r]
                child_first = cq < rq or (cq == rq and before(c_intended[top], float(c_root[top]),
                                                               c_attempt[top], 0, offered_at[r], float(r), 1, 0))
        elif have_root or st[PENDING] > 0:
            child_first = False  # (with neither queued: only attempts on their way back are left, below)
        else:
            break
        q = INF if top < 0 and not have_root else (c_queued[top] if child_first else queued_at[r])
        if st[PENDING] > 0 and w_arrival[pending[0]] <= q:
            # The next attempt on its way back reaches the trunk first: give it its pool row.
            k = st[CHILDREN]
            if k >= capacity:
                st[STATUS] = POOL_EXHAUSTED
                break
            w = pop_id(pending, st[PENDING], w_arrival, w_intended, w_root, w_attempt)
            st[PENDING] -= 1
            st[CHILDREN] = k + 1
            arrival = w_arrival[w]
            attempt = w_attempt[w]
            c_root[k] = w_root[w]
            c_attempt[k] = attempt
            c_offered[k] = arrival
            c_seized[k] = NAN
            queued = arrival + p_ivr[k]
            d = np.searchsorted(opens, arrival, side="right") - 1
            d = min(max(d, 0), days - 1)
            if queued > ivr_exit_max[d]:
                ivr_exit_max[d] = queued
            if p_code[k] == 0:
                can_return = attempt < max_attempts
                u = p_u[k]
                c_queued[k] = queued
                c_intended[k] = w_intended[w]
                c_deadline[k] = queued + p_patience[k]
                c_back_answered[k] = p_conv[k] + p_repeat[k] if can_return and u < repeat_below else -1.0
                c_back_abandoned[k] = p_redial[k] if can_return and u < redial_below else -1.0
                push_id(entries, st[ENTRIES], k, c_queued, c_intended, c_root, c_attempt)
                st[ENTRIES] += 1
            continue
        if child_first:
            k = pop_id(entries, st[ENTRIES], c_queued, c_intended, c_root, c_attempt)
            st[ENTRIES] -= 1
            root = c_root[k]
            attempt = c_attempt[k]
            dl = c_deadline[k]
            b = p_busy[k]
            ba = c_back_answered[k]
            bb = c_back_abandoned[k]
        else:
            k = -1
            root = r
            attempt = 1
            dl = deadline[r]
            b = busy[r]
            ba = back_answered[r]
            bb = back_abandoned[r]
        # When does an agent take it? Apply the staffing changes that can matter first.
        s = free[0] if st[AGENTS] > 0 else INF
        if s <= q:
            s = q
        if s >= next_at and dl >= next_at:
            while True:
                s = free[0] if st[AGENTS] > 0 else INF
                if s <= q:
                    s = q
                if next_at > s or next_at > dl or st[POS] >= changes:
                    if s == INF and dl == INF:
                        st[STATUS] = UNSTABLE
                        return
                    break
                _apply_change(st, free, logins, login_counts, logouts, set_at, set_target, set_night_of, closes,
                              ivr_exit_max, q, departed)
                next_at = set_at[st[POS]] if st[POS] < changes else INF
        if s > dl:
            if dl > departed:
                departed = dl
            intended = dl + bb
        else:
            sift_free(free, st[AGENTS], s + b)
            if s > departed:
                departed = s
            if k >= 0:
                c_seized[k] = s
            else:
                root_seized[r] = s
            intended = s + ba
        back = bb if s > dl else ba
        if back >= 0:
            arrival = _arrival_instant(intended, opens, closes, volume_edges, interval_seconds)
            if arrival != arrival:
                st[DROPPED] += 1
            else:
                w = st[WAITS]
                st[WAITS] = w + 1
                w_arrival[w] = arrival
                w_intended[w] = intended
                w_root[w] = root
                w_attempt[w] = attempt + 1
                push_id(pending, st[PENDING], w, w_arrival, w_intended, w_root, w_attempt)
                st[PENDING] += 1
        if k < 0:
            ri += 1
    st[ROOT] = ri
    fst[DEPARTED] = departed
    if st[STATUS] != OK:  # stopped for pool rows: the caller draws more and calls again
        return
    # After the last call: the remaining changes, then the last day's drain.
    while st[POS] < changes:
        _apply_change(st, free, logins, login_counts, logouts, set_at, set_target, set_night_of, closes,
                      ivr_exit_max, INF, departed)
    last = days - 1
    _leave_all(st, free, logouts, max(closes[last], ivr_exit_max[last], departed))


# -- the Python side -------------------------------------------------------------------------------------------

def queue_order(draws: RootDraws, queued_at: np.ndarray) -> np.ndarray:
    """First attempts that reach the queue, in FCFS order (ties: earlier trunk arrival first)."""
    idx = np.arange(len(draws)) if draws.ivr_code is None else np.flatnonzero(draws.ivr_code == TO_QUEUE)
    if draws.ivr_seconds is not None:
        idx = idx[np.argsort(queued_at[idx], kind="stable")]
    return idx.astype(np.int64)


def _ivr_exit_max(timeline: Timeline, draws: RootDraws, queued_at: np.ndarray, days: int) -> np.ndarray:
    """Per day, the latest instant a first attempt leaves the IVR (to the queue or not)."""
    result = np.full(days, -INF)
    if len(draws) and draws.ivr_seconds is not None:  # without IVR every exit is an arrival, before closing
        # Arrivals are sorted, so each day's calls are one run of rows (before the first opening: day 0; after
        # the last: the last day): the maximum over each run that has rows.
        first = np.searchsorted(draws.offered_at, timeline.opens, side="left")
        first[0] = 0
        has_rows = np.append(first[1:], len(draws)) > first
        result[has_rows] = np.maximum.reduceat(queued_at, first[has_rows])
    return result


def _pool_rows(model: CentreModel, queued_roots: int) -> int:
    """Pool rows to draw before the pass: about the attempts expected to come back, counting the repeat calls
    of answered calls (most calls are answered); a month that needs more draws them as it goes."""
    if model.max_attempts <= 1 or not model.repeats_enabled:
        return 0
    p = min(0.95, 1.0 - model.fcr)
    per_root = sum(p**j for j in range(1, model.max_attempts))
    return int(queued_roots * per_root * 1.05) + 1


def _grown(array: np.ndarray, columns: int) -> np.ndarray:
    """``array`` (rows, k) widened to ``columns``, its columns kept."""
    out = np.empty((array.shape[0], columns), dtype=array.dtype)
    out[:, : array.shape[1]] = array
    return out


def _more_rows(rows: int) -> int:
    """Pool rows to have after the pass ran out at ``rows``: an eighth more, at least a block."""
    return rows + max(rows // 8, ChildPool.BLOCK)


def run(model: CentreModel, timeline: Timeline, draws: RootDraws, plan: RootPlan, pool: ChildPool,
        order: np.ndarray | None = None) -> RawRun:
    """Simulate with the compiled single pass; see the module docstring. ``order``: :func:`queue_order` of the
    draws, if known already (it does not depend on the staffing)."""
    n = len(draws)
    if order is None:
        order = queue_order(draws, plan.queued_at)
    sets = [c for c in timeline.plan() if c.kind == SET]
    set_at = np.array([c.at for c in sets], dtype=float)
    set_target = np.array([c.target for c in sets], dtype=np.int64)
    set_night_of = np.array([c.night_of for c in sets], dtype=np.int64)
    agents_max = int(set_target.max(initial=0)) + 1
    logins_max = len(sets) + 1
    logouts_max = int(set_target.sum()) + 1  # every SET logs in at most its target
    deadline = np.full(n, INF) if plan.deadline is None else plan.deadline
    back_answered = np.full(n, -1.0) if plan.back_answered is None else plan.back_answered
    back_abandoned = np.full(n, -1.0) if plan.back_abandoned is None else plan.back_abandoned
    ivr_exit_max = _ivr_exit_max(timeline, draws, plan.queued_at, model.days)
    # The state of the run, kept here so that the pass can stop when the pool runs out and go on.
    rows = _pool_rows(model, order.size)
    cf = np.empty((7, rows))
    ci = np.empty((3, rows), dtype=np.int64)
    wf = np.empty((2, max(rows, 1)))  # (room for one: the pass stops when it is used up)
    wi = np.empty((3, max(rows, 1)), dtype=np.int64)
    root_seized = np.full(n, NAN)
    free = np.empty(agents_max)
    logins = np.empty(logins_max)
    login_counts = np.empty(logins_max, dtype=np.int64)
    logouts = np.empty(logouts_max)
    st = np.zeros(11, dtype=np.int64)
    fst = np.full(1, -INF)
    while True:
        columns = pool.arrays(rows)
        _pass(order, plan.queued_at, draws.offered_at, deadline, plan.busy, back_answered, back_abandoned,
              set_at, set_target, set_night_of, timeline.opens, timeline.closes, ivr_exit_max,
              timeline.volume_edges, float(model.interval_seconds), columns["ivr_seconds"], columns["ivr_code"],
              columns["patience"], columns["busy"], columns["conversation"], columns["return_u"],
              columns["repeat_delay"], columns["redial_delay"], 1.0 - model.fcr, float(model.redial_probability),
              int(model.max_attempts), free, root_seized, cf, ci, wf, wi, logins, login_counts, logouts, st, fst)
        if st[STATUS] == POOL_EXHAUSTED:
            # Rows for the attempts given a pool row, or for those on their way back: whichever ran out.
            if st[CHILDREN] >= cf.shape[1]:
                rows = _more_rows(rows)
                cf, ci = _grown(cf, rows), _grown(ci, rows)
            if st[WAITS] >= wf.shape[1]:
                waiting = _more_rows(wf.shape[1])
                wf, wi = _grown(wf, waiting), _grown(wi, waiting)
            continue
        if st[STATUS] == UNSTABLE:
            raise UnstableQueueError("a call would wait for ever: patience is infinite and no agent is staffed "
                                     "after it arrives")
        break
    children = int(st[CHILDREN])
    pool.count = children
    return RawRun(root_seized=root_seized, child_root=ci[C_ROOT, :children].copy(),
                  child_attempt=ci[C_ATTEMPT, :children].copy(), child_offered=cf[C_OFFERED, :children].copy(),
                  child_seized=cf[C_SEIZED, :children].copy(), logins=logins[: st[LOGINS]],
                  login_counts=login_counts[: st[LOGINS]], logouts=logouts[: st[LOGOUTS]],
                  dropped=int(st[DROPPED]))

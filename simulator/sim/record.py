"""What an engine hands back (:class:`RawRun`) and how it becomes a :class:`SimulationResult`.

An engine records only what the draws cannot tell: when each queued call seized an agent (NaN if it
abandoned), which repeat calls and redials reached the trunk and when, and when agents logged in and out.
Everything else in the call log follows from the draws, vectorised, by the same code for both engines.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING

import numpy as np

from simulator.sim.calllog import ABANDONED, ANSWERED, IVR_ABANDONED, CallLog, SimulationResult
from simulator.sim.draws import TO_QUEUE

if TYPE_CHECKING:  # pragma: no cover
    from simulator.sim.draws import ChildPool, RootDraws
    from simulator.sim.model import CentreModel
    from simulator.sim.timeline import Timeline


@dataclass
class RawRun:
    """An engine's own output. Children (repeat calls and redials) are indexed by their pool row."""

    root_seized: np.ndarray  # float64 (n,), agent seizure instant, NaN if never seized
    child_root: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    child_attempt: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    child_offered: np.ndarray = field(default_factory=lambda: np.empty(0))
    child_seized: np.ndarray = field(default_factory=lambda: np.empty(0))
    logins: np.ndarray = field(default_factory=lambda: np.empty(0))  # instants at which agents log in ...
    login_counts: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))  # ... how many at each
    logouts: np.ndarray = field(default_factory=lambda: np.empty(0))  # one instant per agent leaving
    dropped: int = 0


def _log_order(offered: np.ndarray, root: np.ndarray, attempt: np.ndarray) -> np.ndarray:
    """The order of the call log: by trunk arrival, then first attempt, then attempt number (as
    ``np.lexsort((attempt, root, offered))``). First attempts and returning ones each arrive in time order, so a
    stable sort on the arrival merges two sorted runs; only the rows of equal arrival instants (deterministic
    delays, attempts deferred to the same opening) are then put in order by the other two keys."""
    order = np.argsort(offered, kind="stable")
    at = offered[order]
    tied = np.flatnonzero(at[1:] == at[:-1])
    if tied.size:
        rows = np.unique(np.concatenate((tied, tied + 1)))  # positions in runs of equal instants, in order
        chosen = order[rows]
        order[rows] = chosen[np.lexsort((attempt[chosen], root[chosen], offered[chosen]))]
    return order


def _column(root: np.ndarray | None, pool: ChildPool, name: str, n: int, fill: float) -> np.ndarray:
    """First attempts then children; the draws' own array when there are no children (it is then reused). A
    column the model does not draw (``root`` None: no IVR, no ring time, ...) holds ``fill`` for every attempt,
    children included: it is one read-only value repeated (no memory), not an array of copies."""
    if root is None:
        return np.broadcast_to(np.float64(fill), (n + pool.count,))
    if pool.count == 0:
        return root
    return np.concatenate((root, pool.array(name)))


def _constant(values: np.ndarray) -> bool:
    """A column that is one value repeated (see :func:`_column`: the only read-only columns)."""
    return not values.flags.writeable


def build_result(model: CentreModel, timeline: Timeline, draws: RootDraws, pool: ChildPool,
                 raw: RawRun, *, ordered: bool = True, consume: bool = True) -> SimulationResult:
    """Assemble the call log (sorted by ``offered_at`` when ``ordered``) and the staffed time of one run.

    With ``consume`` the draws' arrays become columns of the log (and are edited in place) to save memory;
    without it (draws kept for another run, :mod:`simulator.sim.reuse`) the log gets its own copies.
    """
    if not consume and not pool.count:  # only then would the log take the draws' own arrays
        draws = replace(draws, **{f.name: getattr(draws, f.name).copy() for f in fields(draws)
                                  if getattr(draws, f.name) is not None})
    n = len(draws)
    children = pool.count
    if children:
        offered = np.concatenate((draws.offered_at, np.asarray(raw.child_offered, dtype=float)))
        seized = np.concatenate((raw.root_seized, np.asarray(raw.child_seized, dtype=float)))
        root = np.concatenate((np.arange(n), np.asarray(raw.child_root, dtype=np.int64)))
        attempt = np.concatenate((np.ones(n, dtype=np.int16), np.asarray(raw.child_attempt, dtype=np.int16)))
        code = np.concatenate((np.zeros(n, np.int8) if draws.ivr_code is None else draws.ivr_code,
                               pool.array("ivr_code")))
    else:
        offered = draws.offered_at
        seized = raw.root_seized
        root = np.arange(n)
        attempt = np.ones(n, dtype=np.int16)
        code = np.zeros(n, np.int8) if draws.ivr_code is None else draws.ivr_code
    ivr = _column(draws.ivr_seconds, pool, "ivr_seconds", n, 0.0)

    in_queue = code == TO_QUEUE
    answered = in_queue & ~np.isnan(seized)
    abandoned = in_queue & ~answered
    outcome = code  # IVR outcomes keep their code; queue outcomes are decided here
    outcome[answered] = ANSWERED
    outcome[abandoned] = ABANDONED

    queued_at = offered + ivr
    ivr_abandoned = outcome == IVR_ABANDONED
    abandoned_at = np.where(ivr_abandoned, queued_at, np.nan)
    queued_at[~in_queue] = np.nan
    if abandoned.any():
        patience = _column(draws.patience, pool, "patience", n, np.inf)
        abandoned_at[abandoned] = queued_at[abandoned] + patience[abandoned]
        del patience
    ring = _column(draws.ring, pool, "ring", n, 0.0)
    answered_at = seized + ring
    answered_at[~answered] = np.nan
    durations = {}
    for name, values in (("ring", ring), ("talk", _column(draws.talk, pool, "talk", n, 0.0)),
                         ("hold", _column(draws.hold, pool, "hold", n, 0.0)),
                         ("acw", _column(draws.acw, pool, "acw", n, 0.0))):
        if not _constant(values):  # an absent duration is 0 already
            values[~answered] = 0.0
        durations[name] = values
    del ring

    day, _ = timeline.bins(offered)
    _, interval_offered = timeline.bins(np.where(in_queue, queued_at, offered))
    _, interval_answered = timeline.bins(answered_at)

    columns = dict(offered_at=offered, ivr_seconds=ivr, queued_at=queued_at, answered_at=answered_at,
                   abandoned_at=abandoned_at, ring_seconds=durations["ring"], talk_seconds=durations["talk"],
                   hold_seconds=durations["hold"], acw_seconds=durations["acw"], outcome=outcome,
                   interval_offered=interval_offered, interval_answered=interval_answered, day=day,
                   attempt=attempt, root=root)
    if children and ordered:
        order = _log_order(offered, root, attempt)
        columns = {name: values if _constant(values) else values[order] for name, values in columns.items()}
    log = CallLog(**columns)

    staffed = timeline.staffed_seconds(np.asarray(raw.logins, dtype=float),
                                       np.asarray(raw.login_counts, dtype=float),
                                       np.asarray(raw.logouts, dtype=float))
    return SimulationResult(log=log, staffed_seconds=staffed, day_seconds=float(model.day_seconds),
                            open_seconds=float(model.open_seconds),
                            interval_seconds=float(model.interval_seconds),
                            interval_count=int(model.interval_count), days=int(model.days),
                            dropped_attempts=int(raw.dropped))

"""What an engine hands back (:class:`RawRun`) and how it becomes a :class:`SimulationResult`.

An engine records only what the draws cannot tell: when each queued call seized an agent (NaN if it
abandoned), which repeat calls and redials reached the trunk and when, and when agents logged in and out.
Everything else in the call log follows from the draws, vectorised, by the same code for both engines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    child_root: list[int] = field(default_factory=list)
    child_attempt: list[int] = field(default_factory=list)
    child_offered: list[float] = field(default_factory=list)
    child_seized: list[float] = field(default_factory=list)
    logins: list[float] = field(default_factory=list)  # instants at which agents log in ...
    login_counts: list[int] = field(default_factory=list)  # ... and how many at each
    logouts: list[float] = field(default_factory=list)  # one instant per agent leaving
    dropped: int = 0


def _column(root: np.ndarray | None, pool: ChildPool, name: str, n: int, fill: float) -> np.ndarray:
    """First attempts then children; the draws' own array when there are no children (it is then reused)."""
    head = np.full(n, fill) if root is None else root
    if pool.count == 0:
        return head
    return np.concatenate((head, pool.array(name)))


def build_result(model: CentreModel, timeline: Timeline, draws: RootDraws, pool: ChildPool,
                 raw: RawRun) -> SimulationResult:
    """Assemble the call log (sorted by ``offered_at``) and the staffed time of one run.

    The draws are consumed: their arrays become columns of the log (and are edited in place) to save memory.
    """
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
    if children:
        order = np.lexsort((attempt, root, offered))
        columns = {name: values[order] for name, values in columns.items()}
    log = CallLog(**columns)

    staffed = timeline.staffed_seconds(np.asarray(raw.logins, dtype=float),
                                       np.asarray(raw.login_counts, dtype=float),
                                       np.asarray(raw.logouts, dtype=float))
    return SimulationResult(log=log, staffed_seconds=staffed, day_seconds=float(model.day_seconds),
                            open_seconds=float(model.open_seconds),
                            interval_seconds=float(model.interval_seconds),
                            interval_count=int(model.interval_count), days=int(model.days),
                            dropped_attempts=int(raw.dropped))

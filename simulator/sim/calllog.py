"""The call log: one row per call attempt, as numpy columns (architecture.md, "The call log").

Times are seconds from the start of the simulated period (day ``d`` starts at ``d * day_seconds``). Columns
that do not apply to a row hold NaN (instants) or 0 (durations of calls never answered) or -1 (indices).
Every metric is computed from this log (see :mod:`simulator.metrics`), never counted inside processes.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

OUTCOMES = ("answered", "abandoned", "ivr_contained", "ivr_abandoned")
ANSWERED, ABANDONED, IVR_CONTAINED, IVR_ABANDONED = range(4)


@dataclass(frozen=True, eq=False)
class CallLog:
    """Columns of equal length, one entry per call attempt, sorted by ``offered_at``.

    ``answered_at`` is when the caller connects to the agent: the agent was seized ``ring_seconds`` earlier, so
    the queue wait is ``answered_at - ring_seconds - queued_at`` (plus the ring if the contract counts it).
    ``interval_offered`` is the index within the day of the interval in which the call entered the agent queue
    (trunk arrival for calls that ended in the IVR); ``interval_answered`` that of ``answered_at`` (-1 if not
    answered). ``attempt`` is 1 for a first call, 2+ for a repeat call or a redial.
    """

    offered_at: np.ndarray  # float64 [s] arrival at the trunk
    ivr_seconds: np.ndarray  # float64 [s] time in the IVR (0 without IVR)
    queued_at: np.ndarray  # float64 [s] entry into the agent queue; NaN for IVR outcomes
    answered_at: np.ndarray  # float64 [s] connect time; NaN unless answered
    abandoned_at: np.ndarray  # float64 [s] hang-up time; NaN unless abandoned (queue or IVR)
    ring_seconds: np.ndarray  # float64 [s]
    talk_seconds: np.ndarray  # float64 [s]
    hold_seconds: np.ndarray  # float64 [s]
    acw_seconds: np.ndarray  # float64 [s]
    outcome: np.ndarray  # int8, index into OUTCOMES
    interval_offered: np.ndarray  # int32
    interval_answered: np.ndarray  # int32
    day: np.ndarray  # int32, day of the trunk arrival
    attempt: np.ndarray  # int16
    root: np.ndarray | None = None  # int64, the first attempt's index among first attempts (the caller's id)

    def __post_init__(self) -> None:
        lengths = {f.name: len(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name) is not None}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"call log columns differ in length: {lengths}")

    def __len__(self) -> int:
        return len(self.offered_at)

    @property
    def wait_seconds(self) -> np.ndarray:
        """Queue wait until an agent is seized (answered) or until hang-up (abandoned); NaN otherwise."""
        seized = self.answered_at - self.ring_seconds
        return np.where(self.outcome == ANSWERED, seized - self.queued_at,
                        np.where(self.outcome == ABANDONED, self.abandoned_at - self.queued_at, np.nan))

    @property
    def handle_seconds(self) -> np.ndarray:
        return self.talk_seconds + self.hold_seconds + self.acw_seconds

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        data = {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}
        data["outcome"] = pd.Categorical.from_codes(self.outcome, categories=list(OUTCOMES))
        return pd.DataFrame(data)


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """One replication: the call log plus what the log cannot hold (the staffing plan that was simulated).

    ``staffed_seconds[d, i]`` is the agent-seconds logged in during interval ``i`` of day ``d`` (agents
    finishing a call past the end of their shift are counted until they leave).
    ``dropped_attempts`` counts repeat calls and redials that would have come back after the last simulated
    day's closing and are therefore not in the log.
    """

    log: CallLog
    staffed_seconds: np.ndarray  # float64, shape (days, interval_count)
    day_seconds: float  # period between day starts [s]
    open_seconds: float  # opening time within a day [s]
    interval_seconds: float  # [s]
    interval_count: int
    days: int
    dropped_attempts: int = 0  # repeats/redials meant for after the last day's closing [count]

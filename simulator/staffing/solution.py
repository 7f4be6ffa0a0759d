"""What the staffing engine hands back: the candidates it looked at and the staffing it chose for one set of
limits, with the simulated months behind it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulator.jsonutil import jsonable
from simulator.risk.calibration import Calibration
from simulator.risk.months import METRICS, MonthSet, RiskMonths
from simulator.staffing.allocation import Allocation
from simulator.staffing.criteria import criterion_metrics
from simulator.staffing.limits import Limits
from simulator.staffing.response import IntervalTargets

__all__ = ["Candidate", "Objective", "Plan", "Solution"]

# The price of a staffing with its risk months and its months on the forecast: {"total", parts...}.
Objective = Callable[[np.ndarray, RiskMonths, MonthSet], dict[str, float]]


@dataclass(frozen=True, eq=False)
class Candidate:
    """One staffing the engine looked at."""

    stage: str  # "allocation", "final", "risk", "cost", "fixed", "fixed_point"
    knob: float
    agents: np.ndarray
    planning: IntervalTargets
    predicted: dict[str, float]  # the allocation's forecast of the period
    simulated: dict[str, float] | None  # the criterion's view of the simulated months (None: surrogate only)
    months: int  # months simulated at it so far
    meets: bool
    p_miss: float | None = None
    objective: float | None = None
    interval_hours: float = 0.5
    p_miss_range: tuple[float, float] | None = None  # P(miss) with the drift moved ±2 SE (the sequential rule)

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"stage": self.stage, "knob": self.knob, "peak_agents": int(self.agents.max(initial=0)),
                         "agent_hours_per_day": float(self.agents.sum()) * self.interval_hours,
                         "planning_targets": self.planning.as_dict(), "predicted": self.predicted,
                         "simulated": self.simulated, "months": self.months, "meets": self.meets,
                         "p_miss": self.p_miss, "p_miss_range": self.p_miss_range, "objective": self.objective})


@dataclass
class Plan:
    """A staffing the engine planned (not yet simulated) and why each interval has what it has."""

    agents: np.ndarray
    need: np.ndarray  # what the targets alone ask of each interval
    binding: list[str]
    allocation: Allocation | None
    planning: IntervalTargets
    predicted: dict[str, float]
    targets: list[str]  # per interval, the target that sets it where no limit does


@dataclass(frozen=True, eq=False)
class Solution:
    """The staffing for one set of limits, and the simulated months behind it."""

    limits: Limits
    agents: np.ndarray
    need: np.ndarray  # what the targets alone ask of each interval at the same prices of the targets
    binding: list[str]
    targets: list[str]  # per interval, the target that sets it where no limit does
    allocation: Allocation | None  # None where the SLA is measured per interval
    knob: float | None
    candidates: tuple[Candidate, ...]
    sims: MonthSet  # the months simulated at ``agents`` on the forecast
    calibration: Calibration
    risk_months: RiskMonths | None  # the surrogate months the criterion judged (risk, cost)
    met: bool
    offsets: np.ndarray = field(default_factory=lambda: np.zeros(len(METRICS)))

    @property
    def metrics(self) -> dict[str, float]:
        return criterion_metrics(self.sims)

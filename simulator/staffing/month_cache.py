"""The months the staffing engine simulates, once per staffing: the same month seeds at every staffing (common
random numbers), so that a staffing the search comes back to costs nothing, and the surrogate's calibration at a
staffing (with the months at a raised volume for its slope)."""

from __future__ import annotations

import numpy as np

from simulator.risk.calibration import Calibration, calibrate, slope_volume, volume_model
from simulator.risk.months import MonthRunner, MonthSet, forecast_model
from simulator.risk.queue import QueueModel
from simulator.risk.reduction import SimulatedMonth
from simulator.scenario.model import Scenario

__all__ = ["RAISED_MONTHS", "MonthCache"]

RAISED_MONTHS = 2  # months re-simulated at a raised volume for the surrogate's slope


class MonthCache:
    """Forecast months (volume shocks off) of one scenario by staffing, simulated on demand through ``runner``:
    month k of every staffing has the seed ``SeedSequence(seed).spawn(replications)[k]``."""

    def __init__(self, scenario: Scenario, runner: MonthRunner, *, seed: int, replications: int,
                 queue: QueueModel) -> None:
        self.scenario = scenario
        self.runner = runner
        self.replications = int(replications)
        self.seeds = np.random.SeedSequence(int(seed)).spawn(self.replications)
        self.queue = queue
        self._months: dict[tuple[int, ...], list[SimulatedMonth]] = {}
        self._raised: dict[tuple[int, ...], MonthSet] = {}

    def months(self, agents: np.ndarray, count: int) -> MonthSet:
        """The first ``count`` forecast months at ``agents`` (simulated once, then taken from the cache)."""
        key = tuple(int(a) for a in agents)
        have = self._months.setdefault(key, [])
        count = min(count, self.replications)
        if len(have) < count:
            have.extend(self.runner.run(forecast_model(self.scenario, np.asarray(key)), self.seeds[len(have):count],
                                        self.scenario))
        return MonthSet(tuple(have[:count]), self.scenario.definitions)

    def simulated(self, agents: np.ndarray) -> int:
        """Months simulated at ``agents`` so far."""
        return len(self._months.get(tuple(int(a) for a in agents), ()))

    def calibration(self, agents: np.ndarray, count: int | None = None) -> tuple[MonthSet, Calibration]:
        """The first ``count`` replications (default all) at ``agents`` and the surrogate's calibration there
        (with the raised-volume months)."""
        sims = self.months(agents, self.replications if count is None else count)
        volume = slope_volume(self.scenario)
        raised = None
        if volume is not None:
            key = tuple(int(a) for a in agents)
            if key not in self._raised:
                model = volume_model(self.scenario, agents, volume)
                self._raised[key] = MonthSet(tuple(self.runner.run(model, self.seeds[:RAISED_MONTHS],
                                                                   self.scenario)), self.scenario.definitions)
            raised = self._raised[key]
        return sims, calibrate(self.scenario, agents, sims, raised, volume, queue=self.queue)

"""The back-test: does the calibrated scenario reproduce what happened?

The calibrated scenario is simulated (``replications`` runs of the observed days) at the staffing the data
shows, day by day and interval by interval: the interval report's agents, or those inferred from concurrent
service in a call log. Per hour of the day, its abandonment, service level and ASA are set beside what was
observed and beside Erlang A per (day, interval) at the observed offered calls and agents, the calibrated AHT
and the calibrated mean patience (exponential, as Erlang A assumes). The service level is the
``abandons_fail`` one (answered within T over calls offered to the queue), ASA the mean queue wait of answered
calls (ring excluded); every ratio is summed counts over summed counts.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.calibrate.observed import CELL_NAMES

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from simulator.calibrate.result import Calibration
    from simulator.scenario.model import Scenario

__all__ = ["METRICS", "Backtest", "backtest"]

METRICS = ("abandon_rate", "service_level", "asa_seconds")
SOURCES = ("observed", "simulated", "erlang_a")


def _ratios(cells: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        return {"abandon_rate": cells["abandoned"] / cells["offered"],
                "service_level": cells["answered_within"] / cells["offered"],
                "asa_seconds": cells["wait_sum"] / cells["answered"]}


@dataclass(frozen=True, eq=False)
class Backtest:
    """Observed, simulated and Erlang A metrics per hour of the day (and over the whole day, ``total``).

    ``values[source][metric]`` has one entry per hour in ``hours``; ``offered`` the calls offered per hour.
    ``erlang_a`` is absent when the calibration has no patience.
    """

    hours: tuple[str, ...]
    offered: np.ndarray
    values: dict[str, dict[str, np.ndarray]]
    total: dict[str, dict[str, float]]
    replications: int
    seed: int
    threshold_seconds: float
    agents_method: str

    def error(self, source: str, metric: str) -> np.ndarray:
        """Prediction minus observation per hour (points of a fraction, seconds of ASA)."""
        return self.values[source][metric] - self.values["observed"][metric]

    def mean_absolute_error(self, source: str, metric: str) -> float:
        errors = self.error(source, metric)
        errors = errors[np.isfinite(errors)]
        return float(np.mean(np.abs(errors))) if errors.size else math.nan

    def to_dict(self) -> dict[str, Any]:
        from simulator.jsonutil import jsonable

        predicted = [s for s in SOURCES[1:] if s in self.values]
        rows = []
        for h, hour in enumerate(self.hours):
            row: dict[str, Any] = {"hour": hour, "offered": float(self.offered[h])}
            for metric in METRICS:
                for source in ("observed", *predicted):
                    row[f"{metric}_{source}"] = self.values[source][metric][h]
                for source in predicted:
                    row[f"{metric}_error_{source}"] = self.error(source, metric)[h]
            rows.append(row)
        out = {"replications": self.replications, "seed": self.seed, "threshold_seconds": self.threshold_seconds,
               "sl_definition": "abandons_fail", "staffing": self.agents_method, "hours": rows,
               "total": self.total,
               "mean_absolute_error": {source: {m: self.mean_absolute_error(source, m) for m in METRICS}
                                       for source in predicted}}
        result: dict[str, Any] = jsonable(out)
        return result

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.to_dict()["hours"]).set_index("hour")


def _by_hour(cells: dict[str, np.ndarray], hour_of_interval: np.ndarray, hours: int) -> dict[str, np.ndarray]:
    """(days, intervals) cells summed over days and into hours."""
    return {name: np.bincount(hour_of_interval, weights=cells[name].sum(axis=0), minlength=hours)
            for name in CELL_NAMES}


def _erlang_a_cells(cal: Calibration, patience_seconds: float) -> dict[str, np.ndarray]:
    from simulator.analytic import erlang_a

    obs = cal.observed
    offered = obs.cells["offered"].ravel()
    agents = np.rint(obs.agents).ravel().astype(np.int64)
    k = len(offered)
    aht = cal.aht_seconds
    load = offered / obs.interval_seconds * aht
    q = erlang_a.evaluate(load, agents, np.full(k, aht), np.full(k, patience_seconds),
                          np.full(k, obs.threshold_seconds), np.full(k, 5.0),
                          ("abandon_probability", "abandons_fail", "asa_seconds"))
    answered = offered * (1 - q["abandon_probability"])
    shape = obs.cells["offered"].shape
    return {"offered": offered.reshape(shape), "answered": answered.reshape(shape),
            "abandoned": (offered * q["abandon_probability"]).reshape(shape),
            "answered_within": (offered * q["abandons_fail"]).reshape(shape),
            "wait_sum": np.nan_to_num(q["asa_seconds"] * answered).reshape(shape)}


def _simulated_cells(cal: Calibration, scenario: Scenario, replications: int, seed: int) -> dict[str, np.ndarray]:
    from simulator.metrics import compute_metrics
    from simulator.scenario.model import Definitions
    from simulator.sim import CentreModel, simulate

    agents = cal.observed_agents()
    days, n = agents.shape
    if scenario.interval_count != n or scenario.open_seconds != cal.observed.open_seconds:
        from simulator.errors import ScenarioError

        raise ScenarioError(f"the scenario's hours ({scenario.demand.open}-{scenario.demand.close}, "
                            f"{scenario.interval_count} intervals) are not the data's ({n} intervals)",
                            field="scenario", value=scenario.name)
    if scenario.patience is None:
        agents[-1, -1] = max(agents[-1, -1], 1)  # infinitely patient callers need someone to serve them
    model = dataclasses.replace(CentreModel.from_scenario(scenario, agents[0]), days=days, agents=agents)
    definitions = Definitions(interval_minutes=scenario.definitions.interval_minutes)
    totals = {name: np.zeros(n) for name in CELL_NAMES}
    for child in np.random.SeedSequence(seed).spawn(replications):
        metrics = compute_metrics(simulate(model, seed=child), definitions, cal.observed.threshold_seconds)
        for i, s in enumerate(metrics.intervals):
            totals["offered"][i] += s.offered
            totals["answered"][i] += s.answered
            totals["abandoned"][i] += s.abandoned
            totals["answered_within"][i] += s.answered_within_threshold
            totals["wait_sum"][i] += s.asa_seconds * s.answered if s.answered else 0.0
    return {name: values[np.newaxis, :] / replications for name, values in totals.items()}


def backtest(calibration: Calibration, *, scenario: Scenario | None = None, replications: int = 5,
             seed: int = 0) -> Backtest:
    """Simulate the calibrated scenario at the observed staffing and compare per hour (module docstring).

    Parameters
    ----------
    calibration : Calibration
        The fitted scenario and what was observed.
    scenario : Scenario, optional
        The scenario to simulate; default ``calibration.scenario()`` (no master agreement).
    replications : int
        Simulated runs of the observed days.
    seed : int
        Root seed; one child per replication.
    """
    if replications < 1:
        from simulator.errors import ScenarioError

        raise ScenarioError("must be >= 1", field="replications", value=replications)
    scenario = scenario if scenario is not None else calibration.scenario()
    obs = calibration.observed
    n = obs.agents.shape[1]
    starts = obs.open_seconds + obs.interval_seconds * np.arange(n)
    hour_index = (starts // 3600).astype(int)
    first_hour = int(hour_index[0])
    hour_of_interval = hour_index - first_hour
    hours = int(hour_of_interval[-1]) + 1
    labels = tuple(f"{(first_hour + h) % 24:02d}:00" for h in range(hours))
    cells = {"observed": obs.cells, "simulated": _simulated_cells(calibration, scenario, replications, seed)}
    if calibration.patience is not None:
        cells["erlang_a"] = _erlang_a_cells(calibration, calibration.patience.mean)
    values, total = {}, {}
    for source, grid in cells.items():
        hourly = _by_hour(grid, hour_of_interval, hours)
        values[source] = _ratios(hourly)
        summed = {name: np.array([v.sum()]) for name, v in hourly.items()}
        total[source] = {metric: float(v[0]) for metric, v in _ratios(summed).items()}
    offered = _by_hour(obs.cells, hour_of_interval, hours)["offered"]
    return Backtest(labels, offered, values, total, replications, seed, obs.threshold_seconds, obs.agents_method)

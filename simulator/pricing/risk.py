"""Many contract months at a given staffing: what each month delivers, for P(miss) and the service credits.

A contract month is hit by three shocks on top of the randomness of single calls (domain.md §2.4, §5):

* a **month multiplier** M on volume (gamma, mean 1, cv ``demand.month_cv``): the forecast error shared by every
  day of the month;
* a **day multiplier** D_d per open day (gamma, mean 1, cv ``demand.day_cv``);
* an **AHT multiplier** H per month (gamma, mean 1, cv ``simulation.aht_drift_cv``) on talk, hold and ACW.

Month ``m`` of a run with seed ``s`` draws M and D_d exactly as the simulation engine does for the
seed ``SeedSequence(s, spawn_key=(RISK_BRANCH, m))`` (its "multipliers" stream), and H from one generator of
its own, so the two methods below see the *same* months (paired), and a month's shocks do not depend on the
staffing (common random numbers across staffing levels).

Two methods turn the months into outcomes measured as the contract measures them (definition, measurement
period, aggregation, floors):

``"simulation"``
    Every month is simulated by the engine (:func:`simulator.sim.engine.simulate`) with its shocks and read
    through :func:`simulator.metrics.compute_metrics`. Exact, and about as slow as one simulated month each.

``"surrogate"`` (default)
    The rule, step by step:

    1. *Analytic cells.* In interval i of day d of month m the agent queue receives
       ``first_i × M × D_d × attempts`` expected calls with handle time ``AHT × H``: ``first_i`` the trunk
       calls after IVR containment and IVR abandonment, ``attempts`` the attempts per first call (an
       answered call comes back with probability 1 − FCR, an abandoned one redials with the redial
       probability, up to ``max_attempts``), which depends on P(abandon) and so on the load: the load is
       the fixed point (:class:`QueueModel`). Erlang A (Erlang C if the scenario has no patience) at the
       staffed agents gives, per offered call, P(answered within T), P(abandon), the ASA of answered calls
       and the other pieces of the five SL definitions. The formulas are evaluated on a grid of load
       multipliers (log-spaced over the range drawn, about 2 % apart) for each interval and interpolated
       (monotone cubic, PCHIP) at every cell; AHT drift also changes the time scale (T/AHT, patience/AHT),
       interpolated linearly between five values of H.
    2. *Roll-up by counts.* Cells are summed into each measurement period as the profile says: the SL as
       Σ calls·numerator / Σ calls·denominator (``volume_weighted``) or the mean of the interval SLs
       (``interval_weighted``); the abandon rate as Σ calls·P(abandon) / Σ calls; the ASA as
       Σ answered·ASA / Σ answered.
    3. *Calibration.* What the simulation knows and the formulas do not (backlog across intervals, IVR time,
       when repeats come back, non-exponential handling and patience, ring time in ASA, ...) is measured at
       the same staffing: months simulated on the forecast (no volume shocks) and, with the same seeds, a few
       at a raised volume (the forecast × (1 + 1.645 σ), σ the spread of a month's load multiplier). On a
       logit scale for the SL and the abandon rate and a log scale for the ASA, per metric: the **drift** =
       mean of the simulated values − the formulas' roll-up on the forecast, and the **slope** = the change
       of the simulated value between the two volumes (paired months) ÷ the formulas' change (kept within
       0.5–2). Each month's value z becomes ``z + drift + (slope − 1)(z − z_forecast)``.
    4. *Noise.* The simulated months at fixed volume also vary among themselves (single calls are random):
       the covariance of their values on the same scales (metrics jointly, so SL and abandonment move
       together) is drawn as a normal noise per period and added too. With one simulated month there is
       no noise to measure and none is added.

    The result has the simulation's level, response and month-to-month spread, and the formulas' shape of
    the response to the volume and AHT shocks. ``RiskMonths.to_dict()["calibration"]`` carries the drift,
    slope and noise and the numbers behind them. It is checked against ``"simulation"`` in the tests (P(miss)
    within 3 standard errors + 0.05 at two staffing levels of the default scenario, and on a small centre).
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.interpolate import PchipInterpolator

from simulator.analytic import erlang_a, erlang_c
from simulator.errors import ScenarioError
from simulator.jsonutil import jsonable
from simulator.metrics import compute_metrics, service_level_by_definition
from simulator.pricing.credits import MonthOutcomes, month_misses
from simulator.scenario.model import SL_DEFINITIONS, Definitions, Scenario
from simulator.sim.draws import make_streams, unit_gamma, volume_multipliers
from simulator.sim.model import CentreModel
from simulator.sweep import SEQUENTIAL, Backend, Task, open_backend, pool_spec, run_tasks

__all__ = [
    "METRICS",
    "RISK_METHODS",
    "Calibration",
    "LevelCalibration",
    "MonthLayout",
    "MonthRunner",
    "MonthSet",
    "QueueModel",
    "QueueTable",
    "RiskMonths",
    "SimulatedMonth",
    "aht_multipliers",
    "calibrate",
    "forecast_model",
    "month_layout",
    "month_shocks",
    "risk_month_seeds",
    "simulated_months",
    "slope_volume",
    "surrogate_months",
    "volume_model",
]

RISK_METHODS = ("surrogate", "simulation")
METRICS = ("service_level", "abandon_rate", "asa_seconds")  # the credit-bearing metrics, in a fixed order
# Seed branches (spawn keys of two entries, so they never meet the one-entry keys of replications).
RISK_BRANCH = 7_000_001
DRIFT_BRANCH = 7_000_002
NOISE_BRANCH = 7_000_003

_FRACTION_EPS = 1e-6  # logit of 0 or 1 is infinite: fractions are clipped to [eps, 1 − eps] on that scale
_ASA_FLOOR = 1e-3  # [s] the log of a zero ASA is −∞: waits are floored at a millisecond on that scale
_GRID_STEP = 0.02  # spacing of the load-multiplier grid in log units (about 2 %)
_GRID_MAX = 48
_H_NODES = 5  # AHT multipliers tabulated when AHT drifts
_CHUNK_CELLS = 2_000_000  # cells (months × days × intervals) processed at a time: bounds the memory

Progress = Callable[[int, int], None]


# ----------------------------------------------------------------------------------------------------------
# Seeds and layout
# ----------------------------------------------------------------------------------------------------------
def risk_month_seeds(seed: int, months: int) -> list[np.random.SeedSequence]:
    """The seed of each risk month: ``SeedSequence(seed, spawn_key=(RISK_BRANCH, m))``."""
    return [np.random.SeedSequence(int(seed), spawn_key=(RISK_BRANCH, m)) for m in range(int(months))]


def aht_multipliers(seed: int, months: int, cv: float) -> np.ndarray:
    """The month-level AHT multiplier of each risk month (gamma, mean 1, cv ``aht_drift_cv``). [-]"""
    rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(DRIFT_BRANCH, 0)))
    return np.asarray(unit_gamma(rng, cv, int(months)), dtype=float)


@dataclass(frozen=True)
class MonthLayout:
    """How a month's open days and intervals group into the contract's measurement periods."""

    days: int
    intervals: int
    kind: str  # "month", "week", "day" or "interval"
    days_per_period: int

    @property
    def period_of_day(self) -> np.ndarray:
        return np.arange(self.days) // self.days_per_period

    @property
    def periods(self) -> int:
        if self.kind == "interval":
            return self.days * self.intervals
        return int(self.period_of_day[-1]) + 1


def month_layout(scenario: Scenario) -> MonthLayout:
    """The measurement periods of one month of ``scenario`` (see :func:`simulator.simulation.days_per_period`)."""
    from simulator.simulation import days_per_period

    return MonthLayout(days=scenario.demand.days_per_month, intervals=scenario.interval_count,
                       kind=scenario.definitions.measurement_period, days_per_period=days_per_period(scenario))


# ----------------------------------------------------------------------------------------------------------
# Simulated months
# ----------------------------------------------------------------------------------------------------------
_SUMS = ("offered", "answered", "abandoned", "answered_within_threshold", "abandoned_within_threshold",
         "abandoned_short", "answer_wait_sum", "waited", "handle_sum", "busy_seconds", "staffed_seconds")
_TOTALS = (*_SUMS, "trunk_arrivals", "ivr_contained", "ivr_abandoned", "repeat_calls", "wait_p90_seconds")


def _sums(summary: Any) -> dict[str, float]:
    """Additive sums of a metrics summary (ratios × their denominators; an empty denominator gives 0)."""
    def times(ratio: float, count: float) -> float:
        return float(ratio) * float(count) if count > 0 and math.isfinite(ratio) else 0.0

    staffed = float(summary.staffed_hours) * 3600.0
    return {
        "offered": float(summary.offered), "answered": float(summary.answered),
        "abandoned": float(summary.abandoned),
        "answered_within_threshold": float(summary.answered_within_threshold),
        "abandoned_within_threshold": float(summary.abandoned_within_threshold),
        "abandoned_short": float(summary.abandoned_short),
        "answer_wait_sum": times(summary.asa_seconds, summary.answered),
        "waited": times(summary.wait_probability, summary.offered),
        "handle_sum": times(summary.aht_seconds, summary.answered),
        "busy_seconds": times(summary.occupancy, staffed),
        "staffed_seconds": staffed,
    }


@dataclass(frozen=True, eq=False)
class SimulatedMonth:
    """One simulated month reduced to what pricing needs (the call log stays in the worker).

    ``totals``: the month's counts and sums (see ``_TOTALS``); ``month``: its SL (contract definition and
    aggregation), abandon rate and ASA; ``period``: the same per measurement period (P,); ``day``: the same
    per day (D,); ``cell_service_level`` (D, I) for an interval floor; ``intervals``: sums per interval of
    the day (I,).
    """

    totals: dict[str, float]
    month: dict[str, float]
    period: dict[str, np.ndarray]
    day: dict[str, np.ndarray]
    cell_service_level: np.ndarray
    intervals: dict[str, np.ndarray]

    @property
    def day_service_level(self) -> np.ndarray:
        return self.day["service_level"]


def _simulate_month(model: CentreModel, seed: np.random.SeedSequence, definitions: Definitions,
                    threshold_seconds: float, layout: MonthLayout) -> SimulatedMonth:
    """Simulate one month and reduce it (module level: runs in a worker process)."""
    from simulator.sim.engine import simulate

    result = simulate(model, seed=seed)
    metrics = compute_metrics(result, definitions, threshold_seconds, target=0.0,
                              days_per_period=layout.days_per_period)
    attainment = metrics.attainment
    assert attainment is not None
    total = metrics.total
    totals = _sums(total)
    totals.update({"trunk_arrivals": float(total.trunk_arrivals), "ivr_contained": float(total.ivr_contained),
                   "ivr_abandoned": float(total.ivr_abandoned), "repeat_calls": float(total.repeat_calls),
                   "wait_p90_seconds": float(total.wait_p90_seconds)})
    cell_sl = np.asarray(attainment.interval_service_level, dtype=float)
    if definitions.aggregation == "interval_weighted":
        month_sl = float(np.nanmean(cell_sl)) if np.isfinite(cell_sl).any() else math.nan
    else:
        month_sl = float(total.service_level)
    month = {"service_level": month_sl, "abandon_rate": float(total.abandon_rate),
             "asa_seconds": float(total.asa_seconds)}
    if layout.kind == "interval":
        cells = [c for row in metrics.cells for c in row]
        period = {"service_level": cell_sl.reshape(-1),
                  "abandon_rate": np.array([c.abandon_rate for c in cells], dtype=float),
                  "asa_seconds": np.array([c.asa_seconds for c in cells], dtype=float)}
    else:
        summaries = metrics.days if layout.kind == "day" else metrics.periods
        sl = attainment.day_service_level if layout.kind == "day" else attainment.period_service_level
        period = {"service_level": np.asarray(sl, dtype=float),
                  "abandon_rate": np.array([p.abandon_rate for p in summaries], dtype=float),
                  "asa_seconds": np.array([p.asa_seconds for p in summaries], dtype=float)}
    per_interval = [_sums(s) for s in metrics.intervals]
    intervals = {name: np.array([row[name] for row in per_interval]) for name in _SUMS}
    day = {"service_level": np.asarray(attainment.day_service_level, dtype=float),
           "abandon_rate": np.array([d.abandon_rate for d in metrics.days], dtype=float),
           "asa_seconds": np.array([d.asa_seconds for d in metrics.days], dtype=float)}
    return SimulatedMonth(totals=totals, month=month, period=period, day=day, cell_service_level=cell_sl,
                          intervals=intervals)


class MonthRunner:
    """Simulates batches of months through the sweep runner, on one backend kept for the whole quote.

    Each month has its own seed (a ``SeedSequence`` given by the caller, never one per worker), so results
    do not depend on the backend or the number of workers. Use as a context manager, or call :meth:`close`.

    Parameters
    ----------
    workers : int, optional
        Processes of a local pool; default the available cores (``1``: in this process).
    progress : callable, optional
        ``progress(done, total)`` after each simulated month of a batch.
    backend : str or Backend, optional
        Where months run instead (:mod:`simulator.sweep`): an open backend is used and left open, a spec
        (``"dask://host:8786"``) is opened here and closed by :meth:`close`.
    """

    def __init__(self, *, workers: int | None = None, progress: Progress | None = None,
                 backend: str | Backend | None = None) -> None:
        if backend is None:
            backend = pool_spec(workers)
        self._owned = not isinstance(backend, Backend)
        self.backend = open_backend(backend) if isinstance(backend, str) else backend
        self.progress = progress
        self.simulated = 0  # months simulated so far

    def __enter__(self) -> MonthRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owned:
            self.backend.stop()

    def run(self, models: CentreModel | Sequence[CentreModel], seeds: Sequence[np.random.SeedSequence],
            scenario: Scenario) -> list[SimulatedMonth]:
        """Simulate one month per seed (``models``: one for all, or one per seed), in seed order."""
        count = len(seeds)
        per_month = [models] * count if isinstance(models, CentreModel) else list(models)
        if len(per_month) != count:
            raise ScenarioError(f"needs one model per seed ({count})", field="models", value=len(per_month))
        layout = month_layout(scenario)
        args = (scenario.definitions, float(scenario.sla.threshold_seconds), layout)
        tasks = [Task(f"month {k + 1}", _simulate_month, (per_month[k], seeds[k], *args)) for k in range(count)]
        # One month is quicker here than a round trip to a worker; the result is the same either way.
        out: list[SimulatedMonth] = run_tasks(tasks, backend=self.backend if count > 1 else SEQUENTIAL,
                                              progress=self.progress)
        self.simulated += count
        return out


@dataclass(frozen=True, eq=False)
class MonthSet:
    """Simulated months of one staffing, and their roll-ups."""

    months: tuple[SimulatedMonth, ...]
    definitions: Definitions

    def __len__(self) -> int:
        return len(self.months)

    def total(self, name: str) -> float:
        """A count or sum over every month."""
        return math.fsum(m.totals[name] for m in self.months)

    def per_month(self, name: str) -> float:
        """Mean per month of a count or sum."""
        return self.total(name) / len(self.months)

    def month_array(self, name: str) -> np.ndarray:
        """A month-level metric (``service_level``, ``abandon_rate``, ``asa_seconds``) of each month (R,)."""
        return np.array([m.month[name] for m in self.months], dtype=float)

    def period_array(self, name: str) -> np.ndarray:
        """A period-level metric of each month and period (R, P)."""
        return np.stack([m.period[name] for m in self.months])

    def service_level_by_definition(self) -> dict[str, float]:
        """The five SL definitions from the counts pooled over every month."""
        return service_level_by_definition(
            answered=self.total("answered"), abandoned=self.total("abandoned"),
            answered_within=self.total("answered_within_threshold"),
            abandoned_within=self.total("abandoned_within_threshold"),
            abandoned_short=self.total("abandoned_short"))

    def pooled(self) -> dict[str, float]:
        """Metrics from the counts pooled over every month (the SL by the contract's definition and
        aggregation: interval-weighted means the mean of the months' values)."""
        def ratio(num: float, den: float) -> float:
            return num / den if den > 0 else math.nan

        by_def = self.service_level_by_definition()
        sl = (by_def[self.definitions.sl_definition] if self.definitions.aggregation == "volume_weighted"
              else float(np.nanmean(self.month_array("service_level"))))
        offered, answered = self.total("offered"), self.total("answered")
        return {
            "service_level": sl,
            "service_level_of_answered": by_def["answered_only"],
            "abandon_rate": ratio(self.total("abandoned"), offered),
            "asa_seconds": ratio(self.total("answer_wait_sum"), answered),
            "wait_probability": ratio(self.total("waited"), offered),
            "occupancy": ratio(self.total("busy_seconds"), self.total("staffed_seconds")),
            "aht_seconds": ratio(self.total("handle_sum"), answered),
            "wait_p90_seconds": float(np.mean([m.totals["wait_p90_seconds"] for m in self.months])),
            "trunk_arrivals": self.per_month("trunk_arrivals"),
            "offered": offered / len(self.months),
            "answered": answered / len(self.months),
            "abandoned": self.per_month("abandoned"),
            "repeat_calls": self.per_month("repeat_calls"),
            "staffed_hours": self.per_month("staffed_seconds") / 3600.0,
        }

    def interval_table(self) -> dict[str, np.ndarray]:
        """Per interval of the day, pooled over days and months: calls per day, SL, abandon, ASA, occupancy."""
        def pooled(name: str) -> np.ndarray:
            return np.sum([m.intervals[name] for m in self.months], axis=0)

        days = len(self.months) * self.months[0].day_service_level.size
        offered, answered = pooled("offered"), pooled("answered")
        with np.errstate(invalid="ignore", divide="ignore"):
            sl = [service_level_by_definition(
                answered=a, abandoned=b, answered_within=c, abandoned_within=d, abandoned_short=e,
            )[self.definitions.sl_definition] for a, b, c, d, e in zip(
                answered, pooled("abandoned"), pooled("answered_within_threshold"),
                pooled("abandoned_within_threshold"), pooled("abandoned_short"), strict=True)]
            return {
                "offered_per_day": offered / days,
                "service_level": np.array(sl),
                "abandon_rate": np.where(offered > 0, pooled("abandoned") / offered, np.nan),
                "asa_seconds": np.where(answered > 0, pooled("answer_wait_sum") / answered, np.nan),
                "occupancy": np.where(pooled("staffed_seconds") > 0,
                                      pooled("busy_seconds") / pooled("staffed_seconds"), np.nan),
            }

    def outcomes(self, scenario: Scenario) -> MonthOutcomes:
        """The months as :class:`MonthOutcomes` for :func:`simulator.pricing.credit_risk`."""
        floors = scenario.definitions.floors
        return _outcomes({name: self.period_array(name) for name in METRICS},
                         np.stack([m.day_service_level for m in self.months]) if floors.day is not None else None,
                         np.stack([m.cell_service_level.reshape(-1) for m in self.months])
                         if floors.interval is not None else None)


def _outcomes(period: dict[str, np.ndarray], day_sl: np.ndarray | None, cell_sl: np.ndarray | None) -> MonthOutcomes:
    def shaped(values: np.ndarray) -> np.ndarray:
        return values[:, 0] if values.ndim == 2 and values.shape[1] == 1 else values

    return MonthOutcomes(service_level=shaped(period["service_level"]),
                         abandon_rate=shaped(period["abandon_rate"]),
                         asa_seconds=shaped(period["asa_seconds"]),
                         daily_service_level=day_sl, interval_service_level=cell_sl)


def forecast_model(scenario: Scenario, agents: Any) -> CentreModel:
    """The centre at ``agents`` on the forecast: volume shocks off (day_cv = month_cv = 0)."""
    model = CentreModel.from_scenario(scenario, np.asarray(agents, dtype=int))
    return dataclasses.replace(model, day_cv=0.0, month_cv=0.0)


def _scaled(dist: Any, factor: float) -> Any:
    """A distribution with every duration multiplied by ``factor`` (same shape)."""
    if dist is None or factor == 1.0:
        return dist
    if dist.kind == "empirical":
        return dist.model_copy(update={"samples": tuple(v * factor for v in dist.samples)})
    return type(dist)(**{**dist.model_dump(), "mean": dist.mean * factor})


def simulated_months(scenario: Scenario, agents: Any, *, months: int, seed: int,
                     runner: MonthRunner) -> RiskMonths:
    """The ``"simulation"`` method: every risk month simulated by the engine with its shocks."""
    _check_months(months)
    base = CentreModel.from_scenario(scenario, np.asarray(agents, dtype=int))
    h = aht_multipliers(seed, months, scenario.simulation.aht_drift_cv)
    models = [base if h[m] == 1.0 else dataclasses.replace(
        base, talk=_scaled(base.talk, h[m]), hold=_scaled(base.hold, h[m]), acw=_scaled(base.acw, h[m]))
        for m in range(months)]
    sims = MonthSet(tuple(runner.run(models, risk_month_seeds(seed, months), scenario)), scenario.definitions)
    monthly = {name: sims.month_array(name) for name in METRICS}
    return RiskMonths(method="simulation", months=months, seed=seed, outcomes=sims.outcomes(scenario),
                      monthly=monthly, aht_multiplier=h, calibration=None)


# ----------------------------------------------------------------------------------------------------------
# The analytic queue
# ----------------------------------------------------------------------------------------------------------
# Per offered call: answered within T, P(abandon), P(wait <= T), the denominators of short_excluded and
# abandons_within_threshold_excluded, answered × ASA; then the attempts per first call (repeats and redials).
_QUANTITIES = ("answered_within", "abandoned", "within_any", "den_short", "den_within", "asa_num", "attempts")


@dataclass(frozen=True)
class QueueModel:
    """The scenario's agent queue as the formulas see it, interval by interval of an average day.

    Calls offered to the queue are first attempts (trunk calls less IVR containment and IVR abandonment)
    times the attempts each makes: an answered attempt comes back with probability 1 − FCR, an abandoned one
    redials with the redial probability, up to ``max_attempts``, so with ρ = (1 − P(abandon))(1 − FCR) +
    P(abandon)·redial the attempts per first call are Σ_{k < max_attempts} ρ^k. P(abandon) depends on the
    load, which depends on the attempts: the load is the fixed point, found exactly on the tabulation grid
    (:meth:`table`). Without abandonment this is the repeat factor of :func:`simulator.staffing.repeat_factor`.
    """

    method: str  # "erlang_a" (with patience) or "erlang_c"
    first_calls: np.ndarray  # expected first attempts reaching the queue per interval [calls]
    fcr: float
    redial_probability: float
    max_attempts: int
    interval_seconds: float  # [s]
    aht_seconds: float  # mean agent busy time per call (talk + hold + ACW) [s]
    patience_seconds: float | None  # [s]
    threshold_seconds: float  # [s]
    short_abandon_seconds: float  # [s]
    definition: str
    aggregation: str

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> QueueModel:
        """Erlang A when the scenario has a patience distribution (its mean), else Erlang C."""
        first = scenario.calls_per_interval * (1.0 - scenario.ivr.containment - scenario.ivr.abandon)
        patience = scenario.patience_seconds
        return cls(method="erlang_c" if patience is None else "erlang_a", first_calls=first,
                   fcr=scenario.repeats.fcr, redial_probability=scenario.repeats.redial_probability,
                   max_attempts=scenario.repeats.max_attempts,
                   interval_seconds=float(scenario.interval_seconds),
                   aht_seconds=scenario.handling.handle_seconds, patience_seconds=patience,
                   threshold_seconds=scenario.sla.threshold_seconds,
                   short_abandon_seconds=scenario.definitions.short_abandon_seconds,
                   definition=scenario.definitions.sl_definition, aggregation=scenario.definitions.aggregation)

    @property
    def first_load(self) -> np.ndarray:
        """Offered load of the first attempts per interval on the forecast. [Erlang]"""
        return self.first_calls / self.interval_seconds * self.aht_seconds

    def attempts(self, abandon_probability: Any) -> np.ndarray:
        """Attempts per first call at a given P(abandon): Σ_{k < max_attempts} ρ^k. [-]"""
        p = np.asarray(abandon_probability, dtype=float)
        rho = (1.0 - p) * (1.0 - self.fcr) + p * (self.redial_probability if self.method == "erlang_a" else 0.0)
        k = np.arange(self.max_attempts).reshape((-1,) + (1,) * rho.ndim)
        return np.asarray((rho[None, ...] ** k).sum(axis=0))

    @property
    def attempts_range(self) -> tuple[float, float]:
        ends = self.attempts(np.array([0.0, 1.0]))
        return float(ends.min()), float(ends.max())

    def quantities(self, agents: np.ndarray, multiplier: np.ndarray, aht_multiplier: float = 1.0) -> np.ndarray:
        """Per-offered-call quantities at the first-attempt load × ``multiplier``: (G, I, len(_QUANTITIES)).

        ``multiplier`` (G,) scales the load (volume × attempts × AHT); ``aht_multiplier`` scales the handle
        time (the time scale T/AHT and patience/AHT). The last quantity is the attempts per first call at the
        P(abandon) found there.
        """
        load = self.first_load[None, :] * np.asarray(multiplier, dtype=float)[:, None]
        n = np.broadcast_to(np.asarray(agents, dtype=np.int64)[None, :], load.shape)
        aht = self.aht_seconds * aht_multiplier
        if self.method == "erlang_c":
            c = erlang_c.metrics(load, n, aht_seconds=aht, threshold_seconds=self.threshold_seconds)
            sl = np.asarray(c.service_level, dtype=float)
            # An overloaded interval (A >= N) has no steady state: SL 0 and, for the roll-up, an ASA of one
            # interval (the formulas' infinity would swamp a month in which the queue in fact drains).
            asa = np.minimum(np.asarray(c.asa_seconds, dtype=float), self.interval_seconds)
            zeros, ones = np.zeros_like(sl), np.ones_like(sl)
            parts = (sl, zeros, sl, ones, ones, asa)
        else:
            assert self.patience_seconds is not None
            a = erlang_a.metrics(load, n, aht_seconds=aht, patience_seconds=self.patience_seconds,
                                 threshold_seconds=self.threshold_seconds,
                                 short_abandon_seconds=self.short_abandon_seconds)
            by = a.service_level_by_definition
            af = np.asarray(by["abandons_fail"], dtype=float)
            pab = np.asarray(a.abandon_probability, dtype=float)
            with np.errstate(invalid="ignore", divide="ignore"):
                den_short = np.where(by["short_excluded"] > 0, af / by["short_excluded"], 1.0)
                den_within = np.where(by["abandons_within_threshold_excluded"] > 0,
                                      af / by["abandons_within_threshold_excluded"], 1.0)
            asa_num = np.nan_to_num((1.0 - pab) * np.asarray(a.asa_seconds, dtype=float))
            parts = (af, pab, np.asarray(by["abandons_within_threshold_success"], dtype=float), den_short,
                     den_within, asa_num)
        clean = [np.nan_to_num(p, nan=0.0) for p in parts]
        clean.append(self.attempts(clean[1]))
        return np.stack(clean, axis=-1)

    def table(self, agents: np.ndarray, low: float, high: float, aht_multiplier: float = 1.0,
              points: int | None = None) -> QueueTable:
        """The quantities as functions of the *first-attempt* load multiplier u over [low, high].

        The formulas are evaluated on a grid of total load multipliers x (first attempts × attempts); each
        grid point is the fixed point of the load for u = x ÷ attempts(P(abandon)(x)), so interpolating in u
        solves the fixed point without iterating.
        """
        lo_f, hi_f = self.attempts_range
        x = _grid(np.array([low * lo_f, high * hi_f]), points)
        q = self.quantities(agents, x, aht_multiplier)  # (G, I, Q)
        u = x[:, None] / q[..., -1]  # (G, I)
        return QueueTable(u, q)

    def service_level_parts(self, q: np.ndarray, definition: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Numerator and denominator per offered call of an SL definition, from :meth:`quantities`."""
        d = definition or self.definition
        af, pab, within_any, den_short, den_within = (q[..., k] for k in range(5))
        if d == "abandons_fail":
            return af, np.ones_like(af)
        if d == "short_excluded":
            return af, den_short
        if d == "abandons_within_threshold_excluded":
            return af, den_within
        if d == "abandons_within_threshold_success":
            return within_any, np.ones_like(af)
        return af, 1.0 - pab

    def forecast(self, agents: np.ndarray, volume: float = 1.0) -> dict[str, Any]:
        """The analytic roll-up on the forecast (volume × ``volume``, no other shock): month metrics, per
        interval, and the five SL definitions (volume-weighted)."""
        q = self.table(np.asarray(agents), volume, volume, points=9)(np.full(1, volume))[0]  # (I, Q)
        w = self.first_calls * volume * q[:, 6]
        total = w.sum()
        by_def = {}
        for d in SL_DEFINITIONS:
            num, den = self.service_level_parts(q, d)
            by_def[d] = _ratio(float((w * num).sum()), float((w * den).sum()))
        num, den = self.service_level_parts(q)
        with np.errstate(invalid="ignore", divide="ignore"):
            cell_sl = np.where((den > 0) & (w > 0), num / den, np.nan)
            cell_asa = np.where((1.0 - q[:, 1]) > 0, q[:, 5] / (1.0 - q[:, 1]), np.nan)
        answered = w * (1.0 - q[:, 1])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=RuntimeWarning)
            sl = by_def[self.definition] if self.aggregation == "volume_weighted" else float(np.nanmean(cell_sl))
        return {
            "service_level": sl,
            "abandon_rate": _ratio(float((w * q[:, 1]).sum()), float(total)),
            "asa_seconds": _ratio(float((w * q[:, 5]).sum()), float(answered.sum())),
            "service_level_by_definition": by_def,
            "queue_calls": w,
            "answered_per_day": float(answered.sum()),
            "cell_service_level": cell_sl,
            "cell": {"service_level": cell_sl, "abandon_rate": q[:, 1], "asa_seconds": cell_asa},
        }


class QueueTable:
    """Per interval, the quantities of :class:`QueueModel` tabulated against the first-attempt load
    multiplier and interpolated by monotone cubics (PCHIP) in its logarithm."""

    def __init__(self, u: np.ndarray, q: np.ndarray) -> None:
        self.q = q
        self.functions: list[Any] = []
        for i in range(q.shape[1]):
            nodes = np.log(np.maximum(u[:, i], 1e-300))
            keep = np.concatenate([[True], np.diff(nodes) > 1e-12])  # strictly increasing nodes only
            if keep.sum() < 2:
                self.functions.append(q[np.flatnonzero(keep)[0], i])
            else:
                self.functions.append(PchipInterpolator(nodes[keep], q[keep, i], axis=0, extrapolate=True))

    def __call__(self, u: np.ndarray) -> np.ndarray:
        """Quantities at first-attempt load multipliers ``u`` (n,): (n, I, Q)."""
        log_u = np.log(np.asarray(u, dtype=float).reshape(-1))
        out = np.empty((log_u.size, len(self.functions), self.q.shape[2]))
        for i, f in enumerate(self.functions):
            out[:, i, :] = f if isinstance(f, np.ndarray) else f(log_u)
        return out


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else math.nan


# ----------------------------------------------------------------------------------------------------------
# Calibration: the simulation's drift from the formulas, and its noise at fixed volume
# ----------------------------------------------------------------------------------------------------------
def _forward(values: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """Metrics (last axis, in ``names`` order) to the scale the calibration works on: logit / log."""
    out = np.empty_like(values, dtype=float)
    for k, name in enumerate(names):
        v = values[..., k]
        if name == "asa_seconds":
            out[..., k] = np.log(np.maximum(v, _ASA_FLOOR))
        else:
            p = np.clip(v, _FRACTION_EPS, 1.0 - _FRACTION_EPS)
            out[..., k] = np.log(p) - np.log1p(-p)
    out[np.isnan(values)] = np.nan
    return out


def _inverse(z: np.ndarray, names: Sequence[str]) -> np.ndarray:
    out = np.empty_like(z, dtype=float)
    for k, name in enumerate(names):
        out[..., k] = np.exp(z[..., k]) if name == "asa_seconds" else 1.0 / (1.0 + np.exp(-z[..., k]))
    return out


@dataclass(frozen=True, eq=False)
class LevelCalibration:
    """Drift, slope and noise of the simulation against the formulas, at one level of aggregation.

    On the logit/log scale z: ``z_calibrated = z + drift + (slope − 1)(z − pivot) + noise``, where ``pivot`` is
    the formulas' value on the forecast (so the drift is exactly the simulation's offset there) and
    ``slope`` how much more (or less) steeply the simulation responds to a change of load than the formulas.
    ``drift`` and ``pivot`` are (K,), or (I, K) per interval of the day; ``covariance`` (K, K) is that of the
    simulated values around their mean; ``samples`` how many simulated values it rests on.
    """

    names: tuple[str, ...]
    drift: np.ndarray
    pivot: np.ndarray
    slope: np.ndarray  # (K,)
    covariance: np.ndarray
    samples: int
    analytic: np.ndarray  # the formulas' values it was measured against
    simulated: np.ndarray  # the simulated means (back on the natural scale)

    @classmethod
    def measure(cls, names: Sequence[str], simulated: np.ndarray, analytic: np.ndarray,
                positions: np.ndarray | None = None, slope: np.ndarray | None = None) -> LevelCalibration:
        """``simulated`` (n, K) values (with the interval of the day of each in ``positions`` when the drift
        goes per interval); ``analytic`` (K,) or (I, K); ``slope`` (K,), default 1."""
        names = tuple(names)
        k = len(names)
        z = _forward(np.asarray(simulated, dtype=float), names)
        ok = np.isfinite(z).all(axis=1)
        z = z[ok]
        if positions is None:
            centre = z.mean(axis=0) if len(z) else np.full(k, np.nan)
            residual = z - centre
            dof = len(z) - 1
        else:
            pos = np.asarray(positions)[ok]
            groups = np.asarray(analytic).shape[0]
            centre = np.full((groups, k), np.nan)
            for i in range(groups):
                if (pos == i).any():
                    centre[i] = z[pos == i].mean(axis=0)
            residual = z - centre[pos]
            dof = len(z) - len(np.unique(pos))
        pivot = _forward(np.asarray(analytic, dtype=float).reshape(-1, k), names).reshape(np.shape(centre))
        drift = np.where(np.isfinite(centre) & np.isfinite(pivot), centre - pivot, 0.0)
        covariance = residual.T @ residual / dof if dof > 0 else np.zeros((k, k))
        with np.errstate(invalid="ignore"):
            sim_mean = _inverse(centre, names)
        return cls(names=names, drift=drift, pivot=np.where(np.isfinite(pivot), pivot, 0.0),
                   slope=np.ones(k) if slope is None else np.asarray(slope, dtype=float),
                   covariance=covariance, samples=len(z), analytic=np.asarray(analytic, dtype=float),
                   simulated=sim_mean)

    def apply(self, values: np.ndarray, rng: np.random.Generator, positions: np.ndarray | None = None) -> np.ndarray:
        """Analytic ``values`` (..., K) → calibrated: drift, slope and normal noise on the logit/log scale."""
        z = _forward(values, self.names)
        drift = self.drift if positions is None else self.drift[positions]
        pivot = self.pivot if positions is None else self.pivot[positions]
        eigenvalues, vectors = np.linalg.eigh(self.covariance)
        root = vectors * np.sqrt(np.clip(eigenvalues, 0.0, None))
        noise = rng.standard_normal(values.shape) @ root.T
        out = _inverse(z + drift + (self.slope - 1.0) * (z - pivot) + noise, self.names)
        out[np.isnan(values)] = np.nan
        return out

    def to_dict(self) -> dict[str, Any]:
        sd = np.sqrt(np.clip(np.diag(self.covariance), 0.0, None))
        per_interval = self.drift.ndim == 2

        def named(values: np.ndarray) -> Any:
            return values.tolist() if per_interval else dict(zip(self.names, values.tolist(), strict=True))

        return jsonable({
            "metrics": list(self.names),
            "analytic": named(self.analytic),
            "simulated": named(self.simulated),
            "drift": named(self.drift),
            "slope": dict(zip(self.names, self.slope.tolist(), strict=True)),
            "noise_sd": dict(zip(self.names, sd.tolist(), strict=True)),
            "noise_correlation": _correlation(self.covariance).tolist(),
            "samples": self.samples,
        })


def _correlation(cov: np.ndarray) -> np.ndarray:
    sd = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(sd, sd)
    corr = np.where(np.isfinite(corr), corr, 0.0)
    np.fill_diagonal(corr, 1.0)
    return corr


_SLOPE_LIMITS = (0.5, 2.0)  # a slope outside this range is noise, not a property of the centre
_MIN_SPAN = 0.05  # on the logit/log scale: a smaller change of the formulas' value cannot fix a slope


def slope_volume(scenario: Scenario) -> float | None:
    """The raised volume at which the slope is measured: the forecast × (1 + 1.645 σ), σ the standard
    deviation of a month's load multiplier (month and AHT shocks, the day shocks averaged over the month),
    at least +3 %; None when nothing shocks the load."""
    d = scenario.demand
    sigma = math.sqrt(d.month_cv**2 + scenario.simulation.aht_drift_cv**2 + d.day_cv**2 / d.days_per_month)
    return None if sigma == 0 else 1.0 + max(0.03, 1.645 * sigma)


def volume_model(scenario: Scenario, agents: Any, volume: float) -> CentreModel:
    """:func:`forecast_model` with every arrival rate × ``volume``."""
    model = forecast_model(scenario, agents)
    return dataclasses.replace(model, arrival_rate=model.arrival_rate * volume)


@dataclass(frozen=True, eq=False)
class Calibration:
    """How the surrogate is tied to the simulation at one staffing: per level of aggregation."""

    months: int  # simulated months (on the forecast) behind it
    raised_months: int  # months simulated at the raised volume for the slope (paired with the first ones)
    raised_volume: float | None  # the volume multiplier of those months
    period: LevelCalibration  # the measurement period (per interval of the day when it is the interval)
    month: LevelCalibration  # the whole month (for the distribution of monthly values)
    day: LevelCalibration | None  # day SL, for a day floor
    cell: LevelCalibration | None  # interval SL per interval of the day, for an interval floor
    rule: str = ("surrogate = Erlang formulas at each month's shocked loads, rolled up by counts; then, on a "
                 "logit scale (SL, abandon rate) and a log scale (ASA): + drift (simulation − formulas at this "
                 "staffing on the forecast) + (slope − 1) × (formulas − formulas on the forecast) (slope: the "
                 "simulation's response to a raised volume over the formulas', from paired months) + the "
                 "simulation's noise at fixed volume")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rule": self.rule, "simulated_months": self.months,
                               "raised_months": self.raised_months, "raised_volume": self.raised_volume,
                               "month": self.month.to_dict(),
                               "period": "month" if self.period is self.month else self.period.to_dict()}
        if self.day is not None:
            out["day"] = self.day.to_dict()
        if self.cell is not None:
            out["interval"] = self.cell.to_dict()
        return jsonable(out)


def _slopes(qm: QueueModel, agents: np.ndarray, base: dict[str, Any], sims: MonthSet, raised: MonthSet,
            volume: float) -> np.ndarray:
    """Per metric: the change of the simulated monthly value (paired months, logit/log scale) between the
    forecast and ``volume``, over the formulas' change."""
    up = qm.forecast(agents, volume)
    pairs = len(raised)
    sim0 = _forward(np.stack([sims.month_array(n)[:pairs] for n in METRICS], axis=1), METRICS)
    sim1 = _forward(np.stack([raised.month_array(n) for n in METRICS], axis=1), METRICS)
    an0 = _forward(np.array([[base[n] for n in METRICS]]), METRICS)[0]
    an1 = _forward(np.array([[up[n] for n in METRICS]]), METRICS)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        sim_change = np.nanmean(sim1 - sim0, axis=0)
    span = an1 - an0
    slope = np.ones(len(METRICS))
    usable = np.isfinite(sim_change) & np.isfinite(span) & (np.abs(span) >= _MIN_SPAN)
    slope[usable] = np.clip(sim_change[usable] / span[usable], *_SLOPE_LIMITS)
    return slope


def calibrate(scenario: Scenario, agents: Any, sims: MonthSet, raised: MonthSet | None = None,
              raised_volume: float | None = None) -> Calibration:
    """Measure the drift and noise of ``sims`` (months simulated at ``agents`` on the forecast) against the
    formulas (:class:`QueueModel`) at the same staffing, and the slope from ``raised`` (the first months'
    seeds again, at the forecast × ``raised_volume``; see :func:`slope_volume`)."""
    qm = QueueModel.from_scenario(scenario)
    agents = np.asarray(agents, dtype=int)
    fc = qm.forecast(agents)
    slope = None
    if raised is not None and len(raised) and raised_volume is not None:
        slope = _slopes(qm, agents, fc, sims, raised, raised_volume)
    layout = month_layout(scenario)
    analytic_month = np.array([fc[name] for name in METRICS])
    month = LevelCalibration.measure(METRICS, np.stack([sims.month_array(n) for n in METRICS], axis=1),
                                     analytic_month, slope=slope)
    periods = np.stack([sims.period_array(n) for n in METRICS], axis=-1)  # (R, P, K)
    if layout.kind == "interval":
        cells = np.stack([fc["cell"][n] for n in METRICS], axis=-1)  # (I, K)
        positions = np.tile(np.arange(layout.intervals), layout.days * len(sims))
        period = LevelCalibration.measure(METRICS, periods.reshape(-1, len(METRICS)), cells, positions, slope)
    elif layout.kind == "month":
        period = month
    else:
        period = LevelCalibration.measure(METRICS, periods.reshape(-1, len(METRICS)), analytic_month, slope=slope)
    floors = scenario.definitions.floors
    day = cell = None
    sl_slope = None if slope is None else slope[:1]
    if floors.day is not None:
        day_sl = np.stack([m.day_service_level for m in sims.months]).reshape(-1, 1)
        day = LevelCalibration.measure(("service_level",), day_sl, analytic_month[:1], slope=sl_slope)
    if floors.interval is not None:
        cell_sl = np.stack([m.cell_service_level for m in sims.months]).reshape(-1, 1)
        positions = np.tile(np.arange(layout.intervals), layout.days * len(sims))
        cell = LevelCalibration.measure(("service_level",), cell_sl, fc["cell_service_level"].reshape(-1, 1),
                                        positions, sl_slope)
    return Calibration(months=len(sims), raised_months=0 if raised is None else len(raised),
                       raised_volume=raised_volume if raised is not None else None, period=period, month=month,
                       day=day, cell=cell)


# ----------------------------------------------------------------------------------------------------------
# The surrogate months
# ----------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class RiskMonths:
    """The outcome of each risk month, by one method, ready for :func:`simulator.pricing.credit_risk`."""

    method: str
    months: int
    seed: int
    outcomes: MonthOutcomes
    monthly: dict[str, np.ndarray]  # whole-month SL, abandon rate, ASA of each month (M,)
    aht_multiplier: np.ndarray  # (M,)
    calibration: Calibration | None
    volume_multiplier: np.ndarray | None = None  # month multiplier of each month (M,), surrogate only

    def misses(self, scenario: Scenario) -> np.ndarray:
        """Months in which any SLA target (credit-bearing or not, floors included) is missed. (M,) bool"""
        misses = month_misses(self.outcomes, scenario.sla, scenario.definitions.floors)
        out = np.zeros(self.months, dtype=bool)
        for miss in misses.values():
            out |= miss
        return out

    def p_miss_any(self, scenario: Scenario) -> float:
        """P(at least one SLA target missed in a month), credit-bearing or not."""
        return float(self.misses(scenario).mean())

    def distribution(self) -> dict[str, dict[str, float]]:
        """Mean and 5th / 50th / 95th percentiles of the monthly values."""
        out = {}
        for name, values in self.monthly.items():
            finite = values[np.isfinite(values)]
            if finite.size == 0:
                out[name] = {"mean": math.nan, "p05": math.nan, "p50": math.nan, "p95": math.nan}
                continue
            p05, p50, p95 = np.quantile(finite, [0.05, 0.5, 0.95])
            out[name] = {"mean": float(finite.mean()), "p05": float(p05), "p50": float(p50), "p95": float(p95)}
        return out

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "method": self.method,
            "months": self.months,
            "seed": self.seed,
            "seeds": f"month m: SeedSequence({self.seed}, spawn_key=({RISK_BRANCH}, m)); AHT drift: "
                     f"SeedSequence({self.seed}, spawn_key=({DRIFT_BRANCH}, 0))",
            "monthly": self.distribution(),
            "calibration": None if self.calibration is None else self.calibration.to_dict(),
        }
        return jsonable(out)


def _check_months(months: int) -> None:
    if isinstance(months, bool) or not isinstance(months, int | np.integer) or months < 1:
        raise ScenarioError("must be an integer >= 1", field="simulation.months", value=months)


def month_shocks(scenario: Scenario, *, months: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Month multipliers (M,), day multipliers (M, D) and AHT multipliers (M,) of the risk months, the same
    that :func:`simulated_months` gives the engine."""
    model = CentreModel.from_scenario(scenario, np.zeros(scenario.interval_count, dtype=int) + 1)
    month = np.empty(months)
    days = np.empty((months, scenario.demand.days_per_month))
    for m, child in enumerate(risk_month_seeds(seed, months)):
        month[m], days[m] = volume_multipliers(model, make_streams(child)["multipliers"])
    return month, days, aht_multipliers(seed, months, scenario.simulation.aht_drift_cv)


def _grid(values: np.ndarray, points: int | None = None) -> np.ndarray:
    lo, hi = float(values.min()), float(values.max())
    if hi <= lo * (1 + 1e-12):
        return np.array([lo])
    n = points or int(min(_GRID_MAX, max(4, math.ceil(math.log(hi / lo) / _GRID_STEP) + 1)))
    return np.exp(np.linspace(math.log(lo), math.log(hi), n))


def surrogate_months(scenario: Scenario, agents: Any, calibration: Calibration, *, months: int,
                     seed: int) -> RiskMonths:
    """The ``"surrogate"`` method (rule in the module docstring): formulas at every month's shocked loads,
    rolled up as the contract measures, with the simulation's drift and noise added."""
    _check_months(months)
    qm = QueueModel.from_scenario(scenario)
    agents = np.asarray(agents, dtype=int)
    layout = month_layout(scenario)
    month_mult, day_mult, h = month_shocks(scenario, months=months, seed=seed)
    v = month_mult[:, None] * day_mult  # volume multiplier per (month, day)
    u = v * h[:, None]  # first-attempt load multiplier
    h_nodes = _grid(h, _H_NODES) if h.max() > h.min() * (1 + 1e-12) else np.array([float(h[0])])
    tables = [qm.table(agents, float(u.min()), float(u.max()), float(hj)) for hj in h_nodes]

    rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(NOISE_BRANCH, 0)))
    period_rows: dict[str, list[np.ndarray]] = {n: [] for n in METRICS}
    month_rows: list[np.ndarray] = []
    day_rows: list[np.ndarray] = []
    cell_rows: list[np.ndarray] = []
    days, n_int = layout.days, layout.intervals
    step = max(1, _CHUNK_CELLS // (days * n_int))
    for start in range(0, months, step):
        sl = slice(start, min(months, start + step))
        q = _interpolate(tables, h_nodes, u[sl], h[sl])  # (Mc, D, I, Q)
        rolled = _roll_up(qm, q, v[sl], layout)
        month_rows.append(calibration.month.apply(rolled["month"], rng))
        if layout.kind == "interval":
            positions = np.broadcast_to(np.arange(n_int), (days, n_int)).reshape(-1)
            values = calibration.period.apply(rolled["period"], rng, positions)
        elif layout.kind == "month":
            values = month_rows[-1][:, None, :]
        else:
            values = calibration.period.apply(rolled["period"], rng)
        for k, name in enumerate(METRICS):
            period_rows[name].append(values[..., k])
        if calibration.day is not None:
            day_rows.append(calibration.day.apply(rolled["day_service_level"][..., None], rng)[..., 0])
        if calibration.cell is not None:
            positions = np.arange(n_int)
            cell_rows.append(calibration.cell.apply(rolled["cell_service_level"][..., None], rng,
                                                    positions)[..., 0].reshape(len(v[sl]), -1))
    monthly = np.concatenate(month_rows)
    period = {name: np.concatenate(rows) for name, rows in period_rows.items()}
    outcomes = _outcomes(period, np.concatenate(day_rows) if day_rows else None,
                         np.concatenate(cell_rows) if cell_rows else None)
    return RiskMonths(method="surrogate", months=months, seed=seed, outcomes=outcomes,
                      monthly={name: monthly[:, k] for k, name in enumerate(METRICS)}, aht_multiplier=h,
                      calibration=calibration, volume_multiplier=month_mult)


def _interpolate(tables: list[QueueTable], h_nodes: np.ndarray, u: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Quantities at load multipliers ``u`` (Mc, D) and AHT multipliers ``h`` (Mc,): (Mc, D, I, Q)."""
    mc, d = u.shape
    at_nodes = [table(u).reshape(mc, d, *table.q.shape[1:]) for table in tables]
    if len(h_nodes) == 1:
        return at_nodes[0]
    # Linear in h between neighbouring nodes (h only moves the time scale once u is fixed).
    j = np.clip(np.searchsorted(h_nodes, h) - 1, 0, len(h_nodes) - 2)
    t = ((h - h_nodes[j]) / (h_nodes[j + 1] - h_nodes[j]))[:, None, None, None]
    stacked = np.stack(at_nodes)  # (H, Mc, D, I, Q)
    rows = np.arange(mc)
    out: np.ndarray = (1 - t) * stacked[j, rows] + t * stacked[j + 1, rows]
    return out


def _roll_up(qm: QueueModel, q: np.ndarray, v: np.ndarray, layout: MonthLayout) -> dict[str, np.ndarray]:
    """Cells → month, measurement periods, days and cells, by counts as the profile says.

    Returns ``month`` (Mc, K), ``period`` (Mc, P, K), ``day_service_level`` (Mc, D), ``cell_service_level``
    (Mc, D, I).
    """
    w = qm.first_calls[None, None, :] * v[:, :, None] * q[..., 6]  # expected calls offered per cell (Mc, D, I)
    num, den = qm.service_level_parts(q)
    pab, asa_num = q[..., 1], q[..., 5]
    with np.errstate(invalid="ignore", divide="ignore"):
        cell_sl = np.where((den > 0) & (w > 0), num / den, np.nan)
    sums = {"num": (w * num).sum(axis=2), "den": (w * den).sum(axis=2), "calls": w.sum(axis=2),
            "abandoned": (w * pab).sum(axis=2), "answered": (w * (1 - pab)).sum(axis=2),
            "asa": (w * asa_num).sum(axis=2)}  # per (month, day)
    interval_weighted = qm.aggregation == "interval_weighted"

    def metrics(group: dict[str, np.ndarray], cells: np.ndarray | list[np.ndarray]) -> np.ndarray:
        """SL, abandon rate and ASA of groups of cells; ``cells``: the SLs of each group's cells, for the
        interval-weighted SL (an array with the cells on the last axis, or one array per group)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            if not interval_weighted:
                sl = np.where(group["den"] > 0, group["num"] / group["den"], np.nan)
            elif isinstance(cells, list):
                sl = np.stack([np.nanmean(c, axis=-1) for c in cells], axis=-1)
            else:
                sl = np.nanmean(cells, axis=-1)
            ab = np.where(group["calls"] > 0, group["abandoned"] / group["calls"], np.nan)
            asa = np.where(group["answered"] > 0, group["asa"] / group["answered"], np.nan)
        return np.stack([sl, ab, asa], axis=-1)

    mc = v.shape[0]
    with warnings.catch_warnings():  # an all-NaN slice (no calls) is simply not measured
        warnings.simplefilter("ignore", category=RuntimeWarning)
        month = metrics({k: s.sum(axis=1) for k, s in sums.items()}, cell_sl.reshape(mc, -1))
        day_sl = metrics(sums, cell_sl)[..., 0]
        if layout.kind == "interval":
            cell_group = {"num": w * num, "den": w * den, "calls": w, "abandoned": w * pab,
                          "answered": w * (1 - pab), "asa": w * asa_num}
            period = metrics(cell_group, cell_sl[..., None]).reshape(mc, -1, len(METRICS))
        elif layout.kind == "month":
            period = month[:, None, :]
        else:
            groups = layout.period_of_day
            n_periods = layout.periods
            grouped = {k: np.stack([s[:, groups == p].sum(axis=1) for p in range(n_periods)], axis=1)
                       for k, s in sums.items()}
            period = metrics(grouped, [cell_sl[:, groups == p].reshape(mc, -1) for p in range(n_periods)])
    return {"month": month, "period": period, "day_service_level": day_sl, "cell_service_level": cell_sl}

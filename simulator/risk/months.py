"""Contract months at a given staffing: seeds, the measurement layout, simulated months and their roll-ups.

A contract month is hit by three shocks on top of the randomness of single calls (domain.md §2.4, §5): a month
multiplier on volume (gamma, mean 1, cv ``demand.month_cv``), a day multiplier per open day (cv
``demand.day_cv``) and an AHT multiplier per month (cv ``simulation.aht_drift_cv``). Month ``m`` of a run with
seed ``s`` draws them from ``SeedSequence(s, spawn_key=(RISK_BRANCH, m))``, so the simulated and the surrogate
months (:mod:`simulator.risk.surrogate`) see the same months, and a month's shocks do not depend on the staffing
(common random numbers across staffing levels).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.errors import ScenarioError
from simulator.jsonutil import jsonable
from simulator.metrics import service_level_by_definition
from simulator.pricing.credits import MonthOutcomes, month_misses
from simulator.risk.reduction import METRICS, MONTH_DRAWS, SimulatedMonth, simulate_month
from simulator.scenario.model import Definitions, Scenario
from simulator.sim.draws import unit_gamma
from simulator.sim.model import CentreModel
from simulator.sweep import SEQUENTIAL, Backend, Task, open_backend, pool_spec, run_tasks

if TYPE_CHECKING:  # pragma: no cover
    from simulator.risk.calibration import Calibration

RISK_METHODS = ("surrogate", "simulation")
# Seed branches (spawn keys of two entries, so they never meet the one-entry keys of replications).
RISK_BRANCH = 7_000_001
DRIFT_BRANCH = 7_000_002
NOISE_BRANCH = 7_000_003

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
        MONTH_DRAWS.clear()  # the months this process simulated itself: their draws are of no use any more

    def run(self, models: CentreModel | Sequence[CentreModel], seeds: Sequence[np.random.SeedSequence],
            scenario: Scenario) -> list[SimulatedMonth]:
        """Simulate one month per seed (``models``: one for all, or one per seed), in seed order."""
        count = len(seeds)
        per_month = [models] * count if isinstance(models, CentreModel) else list(models)
        if len(per_month) != count:
            raise ScenarioError(f"needs one model per seed ({count})", field="models", value=len(per_month))
        layout = month_layout(scenario)
        args = (scenario.definitions, float(scenario.sla.threshold_seconds), layout)
        tasks = [Task(f"month {k + 1}", simulate_month, (per_month[k], seeds[k], *args)) for k in range(count)]
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
                "carried_in_per_day": pooled("carried_in") / days,
                "service_level": np.array(sl),
                "abandon_rate": np.where(offered > 0, pooled("abandoned") / offered, np.nan),
                "asa_seconds": np.where(answered > 0, pooled("answer_wait_sum") / answered, np.nan),
                "occupancy": np.where(pooled("staffed_seconds") > 0,
                                      pooled("busy_seconds") / pooled("staffed_seconds"), np.nan),
            }

    def outcomes(self, scenario: Scenario) -> MonthOutcomes:
        """The months as :class:`MonthOutcomes` for :func:`simulator.pricing.credit_risk`."""
        floors = scenario.definitions.floors
        return month_outcomes({name: self.period_array(name) for name in METRICS},
                         np.stack([m.day_service_level for m in self.months]) if floors.day is not None else None,
                         np.stack([m.cell_service_level.reshape(-1) for m in self.months])
                         if floors.interval is not None else None)


def month_outcomes(period: dict[str, np.ndarray], day_sl: np.ndarray | None,
                   cell_sl: np.ndarray | None) -> MonthOutcomes:
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
    check_months(months)
    base = CentreModel.from_scenario(scenario, np.asarray(agents, dtype=int))
    h = aht_multipliers(seed, months, scenario.simulation.aht_drift_cv)
    models = [base if h[m] == 1.0 else dataclasses.replace(
        base, talk=_scaled(base.talk, h[m]), hold=_scaled(base.hold, h[m]), acw=_scaled(base.acw, h[m]))
        for m in range(months)]
    sims = MonthSet(tuple(runner.run(models, risk_month_seeds(seed, months), scenario)), scenario.definitions)
    monthly = {name: sims.month_array(name) for name in METRICS}
    from simulator.risk.surrogate import month_shocks, month_volume  # the same shocks the engine drew

    volume = month_volume(month_shocks(scenario, months=months, seed=seed))
    return RiskMonths(method="simulation", months=months, seed=seed, outcomes=sims.outcomes(scenario),
                      monthly=monthly, aht_multiplier=h, volume=volume, calibration=None)



@dataclass(frozen=True, eq=False)
class RiskMonths:
    """The outcome of each risk month, by one method, ready for :func:`simulator.pricing.credit_risk`."""

    method: str
    months: int
    seed: int
    outcomes: MonthOutcomes
    monthly: dict[str, np.ndarray]  # whole-month SL, abandon rate, ASA of each month (M,)
    aht_multiplier: np.ndarray  # (M,)
    volume: np.ndarray  # each month's volume as a multiple of the forecast: month × mean day multiplier (M,)
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


def check_months(months: int) -> None:
    if isinstance(months, bool) or not isinstance(months, int | np.integer) or months < 1:
        raise ScenarioError("must be an integer >= 1", field="simulation.months", value=months)

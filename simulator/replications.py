"""Independent replications of one model: 95 % confidence intervals and the distribution of SL attainment.

R replications come from one seed: ``numpy.random.SeedSequence(seed).spawn(R)`` gives one child per
replication (never per worker), so the replications are independent and the result is the same whether they
run in this process or on a pool of any size. Each replication is reduced to its metrics in the process that
simulated it (:func:`simulator.metrics.compute_metrics`); only those small summaries travel back, never the
call log, so memory stays flat in R.

Per metric, over replications: the mean and the 95 % confidence interval mean ± t(0.975, R−1)·s/√R (Student t,
s the sample standard deviation across replications). Counts are each replication's totals; fractions and
means are each replication's own ratio (e.g. its abandoned / offered), then averaged. A replication in which a
metric is undefined (NaN: an empty denominator, such as no answered call for ASA) is left out of that metric's
mean and interval; with fewer than two defined values the bounds are ``None``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import special

from simulator.errors import ScenarioError
from simulator.jsonutil import jsonable
from simulator.metrics import DAILY_REPORT_COLUMNS, METRIC_NAMES, Metrics, compute_metrics
from simulator.scenario.model import Definitions
from simulator.sweep import Backend, Task, pool_spec, run_tasks

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from simulator.sim.calllog import SimulationResult

__all__ = [
    "CONFIDENCE",
    "AttainmentSummary",
    "Estimate",
    "ReplicationSummary",
    "confidence_interval",
    "replicate",
]

CONFIDENCE = 0.95
_QUANTILES = (5, 50, 95)
_ATTAINMENT_LEVELS = ("intervals", "days", "periods", "floors_met")

Engine = Callable[..., "SimulationResult"]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Estimate:
    """A mean over replications with its 95 % confidence interval (NaN where undefined → JSON null)."""

    mean: float
    ci_low: float
    ci_high: float
    n: int  # replications in which the metric was defined

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = jsonable({"mean": self.mean, "ci_low": self.ci_low, "ci_high": self.ci_high})
        return out


def confidence_interval(values: Sequence[float] | np.ndarray, confidence: float = CONFIDENCE) -> Estimate:
    """Mean and Student-t confidence interval of independent replications, ignoring NaN values.

    Parameters
    ----------
    values : array of float
        One value per replication; NaN marks a replication where the metric is undefined.
    confidence : float
        Two-sided confidence level.

    Returns
    -------
    Estimate
        ``mean`` NaN when no value is defined; bounds NaN with fewer than two values.
    """
    return _estimates(np.asarray(values, dtype=float)[:, None], confidence)[0]


def _estimates(matrix: np.ndarray, confidence: float = CONFIDENCE) -> list[Estimate]:
    """Column-wise :func:`confidence_interval` of a (replications, k) matrix."""
    finite = np.isfinite(matrix)
    n = finite.sum(axis=0)
    filled = np.where(finite, matrix, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = filled.sum(axis=0) / n
        centred = np.where(finite, matrix - mean, 0.0)
        sd = np.sqrt((centred**2).sum(axis=0) / (n - 1))
        # Student t quantile: scipy.stats.t.ppf's own kernel, called directly (scipy.stats would add a quarter
        # of a second to the start-up of every command that simulates).
        t = special.stdtrit(np.maximum(n - 1, 1), 0.5 + confidence / 2)
        half = t * sd / np.sqrt(n)
    out = []
    for j in range(matrix.shape[1]):
        m = float(mean[j]) if n[j] > 0 else math.nan
        h = float(half[j]) if n[j] > 1 else math.nan
        out.append(Estimate(mean=m, ci_low=m - h, ci_high=m + h, n=int(n[j])))
    return out


def within_range(name: str, estimate: Estimate) -> Estimate:
    """Clip a confidence interval to the values the metric can take: every metric is >= 0 (counts, durations,
    fractions), and fractions are <= 1. A Student-t interval over few replications can stray outside; a report
    must never show a negative wait or a probability above 1."""
    upper = 1.0 if name in _FRACTIONS or name.startswith("service_level") else math.inf
    low = min(max(estimate.ci_low, 0.0), upper) if math.isfinite(estimate.ci_low) else estimate.ci_low
    high = min(max(estimate.ci_high, 0.0), upper) if math.isfinite(estimate.ci_high) else estimate.ci_high
    return Estimate(mean=estimate.mean, ci_low=low, ci_high=high, n=estimate.n)


_FRACTIONS = frozenset({"wait_probability", "abandon_rate", "abandon_rate_excluding_short", "occupancy"})


@dataclass(frozen=True)
class AttainmentSummary:
    """How often the service-level target is met, over replications.

    For each level, the per-replication share of measured intervals (day × interval cells), days and periods
    meeting the target (periods: target and floors), and of periods whose floors hold: the mean with its
    95 % interval and the 5th, 50th and 95th percentiles across replications. With one period per
    replication the period share is 0 or 1, so its mean is the probability that a period meets the SLA.
    """

    target: float
    floors: Mapping[str, float | None]
    estimates: Mapping[str, Estimate]
    quantiles: Mapping[str, tuple[float, ...]]
    period_met_probability: float  # pooled: met periods / measured periods over all replications

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"target": self.target, "floors": dict(self.floors),
                               "period_met_probability": self.period_met_probability}
        for level in _ATTAINMENT_LEVELS:
            row = self.estimates[level].to_dict()
            row.update({f"p{q:02d}": v for q, v in zip(_QUANTILES, self.quantiles[level], strict=True)})
            out[level] = row
        result: dict[str, Any] = jsonable(out)
        return result


@dataclass(frozen=True, eq=False)
class ReplicationSummary:
    """Means and 95 % confidence intervals over R replications, for the whole run, per interval, per day and
    per period, plus the distribution of SL attainment when a target was given.

    ``samples[name]`` holds each replication's whole-run value of every metric (shape (R,)), for risk
    calculations downstream; ``period_service_level`` the contractual SL of every period (shape (R, periods)).
    """

    replications: int
    seed: int
    threshold_seconds: float
    warmup_seconds: float
    definitions: Definitions
    interval_starts: tuple[str, ...]
    metrics: Mapping[str, Estimate]
    intervals: tuple[Mapping[str, Estimate], ...]
    days: tuple[Mapping[str, Estimate], ...]
    periods: tuple[Mapping[str, Estimate], ...]
    attainment: AttainmentSummary | None
    samples: Mapping[str, np.ndarray] = field(repr=False)
    period_service_level: np.ndarray = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The ``simulate --json`` document: ``{"replications", "seed", "threshold_seconds", "sl_definition",
        "warmup_seconds", "metrics": {NAME: {"mean", "ci_low", "ci_high"}}, "intervals": [{"start", NAME…}],
        "days": [{"day", NAME…}], "periods": [{"period", NAME…}], "attainment"}``."""

        def block(estimates: Mapping[str, Estimate]) -> dict[str, Any]:
            return {name: estimates[name].to_dict() for name in METRIC_NAMES}

        out: dict[str, Any] = jsonable({
            "replications": self.replications,
            "seed": self.seed,
            "threshold_seconds": self.threshold_seconds,
            "sl_definition": self.definitions.sl_definition,
            "warmup_seconds": self.warmup_seconds,
            "metrics": block(self.metrics),
            "intervals": [{"start": s, **block(e)} for s, e in zip(self.interval_starts, self.intervals,
                                                                   strict=True)],
            "days": [{"day": d, **block(e)} for d, e in enumerate(self.days)],
            "periods": [{"period": k, **block(e)} for k, e in enumerate(self.periods)],
            "attainment": None if self.attainment is None else self.attainment.to_dict(),
        })
        return out

    def to_frame(self, level: str = "total") -> pd.DataFrame:
        """``total``: one row per metric (mean, ci_low, ci_high). ``interval``, ``day``, ``period``: one row
        each, columns (metric, statistic)."""
        import pandas as pd

        def row(estimates: Mapping[str, Estimate]) -> dict[tuple[str, str], float]:
            return {(name, stat): getattr(estimates[name], stat)
                    for name in METRIC_NAMES for stat in ("mean", "ci_low", "ci_high")}

        if level == "total":
            values = [[e.mean, e.ci_low, e.ci_high] for e in (self.metrics[n] for n in METRIC_NAMES)]
            return pd.DataFrame(values, index=pd.Index(METRIC_NAMES, name="metric"),
                                columns=["mean", "ci_low", "ci_high"])
        tables = {"interval": (self.intervals, pd.Index(self.interval_starts, name="start")),
                  "day": (self.days, pd.RangeIndex(len(self.days), name="day")),
                  "period": (self.periods, pd.RangeIndex(len(self.periods), name="period"))}
        if level not in tables:
            raise ScenarioError("must be one of total, interval, day, period", field="level", value=level)
        rows, index = tables[level]
        frame = pd.DataFrame([row(e) for e in rows], index=index)
        frame.columns = pd.MultiIndex.from_tuples(frame.columns, names=["metric", "statistic"])
        return frame

    def daily_rows(self) -> list[dict[str, Any]]:
        """The daily productivity report (means over replications, and the service level's 95 % bounds)."""
        rows = []
        for d, estimates in enumerate(self.days):
            row: dict[str, Any] = {"day": d}
            row.update({c: estimates[c].mean for c in DAILY_REPORT_COLUMNS})
            row["service_level_ci_low"] = estimates["service_level"].ci_low
            row["service_level_ci_high"] = estimates["service_level"].ci_high
            rows.append(row)
        return rows


# ----------------------------------------------------------------------------------------------------------
# Running
# ----------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class _Sample:
    """What one replication sends back: its metric values as small arrays (no call log)."""

    total: np.ndarray  # (M,)
    intervals: np.ndarray  # (intervals, M)
    days: np.ndarray  # (days, M)
    periods: np.ndarray  # (periods, M)
    attainment: np.ndarray  # (len(_ATTAINMENT_LEVELS),) shares; empty without a target
    period_met: np.ndarray  # (periods,) 1.0 met, 0.0 missed, NaN not measured; empty without a target
    period_service_level: np.ndarray  # (periods,) contractual SL; NaN without a target
    interval_starts: tuple[str, ...]


def _flatten(metrics: Metrics) -> _Sample:
    def matrix(summaries: Sequence[Any]) -> np.ndarray:
        rows = [s.scalars() for s in summaries]
        return np.array([[row[name] for name in METRIC_NAMES] for row in rows], dtype=float)

    attainment = metrics.attainment
    if attainment is None:
        shares = np.empty(0)
        met = np.empty(0)
        period_sl = np.full(len(metrics.periods), np.nan)
    else:
        shares = np.array([attainment.interval_share, attainment.day_share, attainment.period_share,
                           attainment.floors_share])
        measured = np.isfinite(attainment.period_service_level)
        met = np.where(measured, attainment.period_met.astype(float), np.nan)
        period_sl = attainment.period_service_level.astype(float)
    return _Sample(total=matrix([metrics.total])[0], intervals=matrix(metrics.intervals),
                   days=matrix(metrics.days), periods=matrix(metrics.periods), attainment=shares,
                   period_met=met, period_service_level=period_sl, interval_starts=metrics.interval_starts)


def _one_replication(engine: Engine, model: Any, seed: np.random.SeedSequence, definitions: Definitions,
                     threshold_seconds: float, target: float | None, warmup_seconds: float,
                     days_per_period: int | None) -> _Sample:
    """Simulate one replication and reduce it to its metrics (runs in a worker process)."""
    result = engine(model, seed=seed)
    metrics = compute_metrics(result, definitions, threshold_seconds, target=target,
                              warmup_seconds=warmup_seconds, days_per_period=days_per_period)
    return _flatten(metrics)


def _default_engine() -> Engine:
    from simulator.sim.engine import simulate

    return simulate


def replicate(model: Any, *, replications: int, seed: int, definitions: Definitions, threshold_seconds: float,
              target: float | None = None, warmup_seconds: float = 0.0, workers: int | None = None,
              progress: Progress | None = None, days_per_period: int | None = None,
              engine: Engine | None = None, backend: str | Backend | None = None) -> ReplicationSummary:
    """Run R independent replications of ``model`` and summarise their metrics.

    Parameters
    ----------
    model : CentreModel
        What to simulate (anything ``engine`` accepts; it must be picklable to run on a pool).
    replications : int
        R ≥ 1.
    seed : int
        Root seed; replication ``r`` uses ``SeedSequence(seed).spawn(R)[r]``.
    definitions : Definitions
        The measurement definitions profile.
    threshold_seconds : float
        Service-level threshold. [s]
    target : float, optional
        Service-level target (0–1) for the attainment distribution.
    warmup_seconds : float
        Calls arriving before this are left out of the metrics. [s]
    workers : int, optional
        Processes; default the available cores. ``1`` runs sequentially in this process. The result does not
        depend on it.
    progress : callable, optional
        ``progress(done, total)``, called in this process at the start and after each finished replication.
    days_per_period : int, optional
        Days per measurement period (month); default all simulated days form one period.
    engine : callable, optional
        ``engine(model, seed=SeedSequence) -> SimulationResult``; default
        :func:`simulator.sim.engine.simulate`. Must be a module-level function to run on a pool.
    backend : str or Backend, optional
        Where the replications run (:mod:`simulator.sweep`); overrides ``workers``.

    Returns
    -------
    ReplicationSummary
    """
    if isinstance(replications, bool) or not isinstance(replications, int | np.integer) or replications < 1:
        raise ScenarioError("must be an integer >= 1", field="replications", value=replications)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ScenarioError("must be an integer >= 0", field="seed", value=seed)
    run = engine if engine is not None else _default_engine()
    children = np.random.SeedSequence(int(seed)).spawn(int(replications))
    args = (definitions, float(threshold_seconds), target, float(warmup_seconds), days_per_period)
    total = int(replications)
    if backend is None:
        backend = pool_spec(workers, total)
    tasks = [Task(f"replication {r + 1}", _one_replication, (run, model, child, *args))
             for r, child in enumerate(children)]
    finished: list[_Sample] = run_tasks(tasks, backend=backend, progress=progress)
    return _summarise(finished, seed=int(seed), threshold_seconds=float(threshold_seconds),
                      warmup_seconds=float(warmup_seconds), definitions=definitions, target=target)


def _summarise(samples: Sequence[_Sample], *, seed: int, threshold_seconds: float, warmup_seconds: float,
               definitions: Definitions, target: float | None) -> ReplicationSummary:
    names = METRIC_NAMES

    def by_name(estimates: Sequence[Estimate]) -> dict[str, Estimate]:
        return {name: within_range(name, e) for name, e in zip(names, estimates, strict=True)}

    totals = np.stack([s.total for s in samples])  # (R, M)
    per_interval = np.stack([s.intervals for s in samples])  # (R, intervals, M)
    per_day = np.stack([s.days for s in samples])
    per_period = np.stack([s.periods for s in samples])
    attainment = None
    if target is not None:
        shares = np.stack([s.attainment for s in samples])  # (R, levels)
        with np.errstate(invalid="ignore"):
            quantiles = {
                level: tuple(float(np.nanpercentile(shares[:, j], q)) if np.isfinite(shares[:, j]).any()
                             else math.nan for q in _QUANTILES)
                for j, level in enumerate(_ATTAINMENT_LEVELS)
            }
        met = np.concatenate([s.period_met for s in samples])
        attainment = AttainmentSummary(
            target=float(target),
            floors={"interval": definitions.floors.interval, "day": definitions.floors.day},
            estimates=dict(zip(_ATTAINMENT_LEVELS, _estimates(shares), strict=True)),
            quantiles=quantiles,
            period_met_probability=float(np.nanmean(met)) if np.isfinite(met).any() else math.nan,
        )
    return ReplicationSummary(
        replications=len(samples),
        seed=seed,
        threshold_seconds=threshold_seconds,
        warmup_seconds=warmup_seconds,
        definitions=definitions,
        interval_starts=samples[0].interval_starts,
        metrics=by_name(_estimates(totals)),
        intervals=tuple(by_name(_estimates(per_interval[:, i])) for i in range(per_interval.shape[1])),
        days=tuple(by_name(_estimates(per_day[:, d])) for d in range(per_day.shape[1])),
        periods=tuple(by_name(_estimates(per_period[:, k])) for k in range(per_period.shape[1])),
        attainment=attainment,
        samples={name: totals[:, j].copy() for j, name in enumerate(names)},
        period_service_level=np.stack([s.period_service_level for s in samples]),
    )

"""How the surrogate is tied to the simulation at one staffing: drift, slope and noise of the simulated months
against the formulas, on a logit scale (SL, abandon rate) and a log scale (ASA)."""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.jsonutil import jsonable
from simulator.risk.months import METRICS, MonthSet, forecast_model, month_layout
from simulator.risk.queue import QueueModel
from simulator.scenario.model import Scenario
from simulator.sim.model import CentreModel

_FRACTION_EPS = 1e-6  # logit of 0 or 1 is infinite: fractions are clipped to [eps, 1 − eps] on that scale
_ASA_FLOOR = 1e-3  # [s] the log of a zero ASA is −∞: waits are floored at a millisecond on that scale


# ----------------------------------------------------------------------------------------------------------
# Calibration: the simulation's drift from the formulas, and its noise at fixed volume
# ----------------------------------------------------------------------------------------------------------
def to_scale(values: np.ndarray, names: Sequence[str]) -> np.ndarray:
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


def from_scale(z: np.ndarray, names: Sequence[str]) -> np.ndarray:
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
        z = to_scale(np.asarray(simulated, dtype=float), names)
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
        pivot = to_scale(np.asarray(analytic, dtype=float).reshape(-1, k), names).reshape(np.shape(centre))
        drift = np.where(np.isfinite(centre) & np.isfinite(pivot), centre - pivot, 0.0)
        covariance = residual.T @ residual / dof if dof > 0 else np.zeros((k, k))
        with np.errstate(invalid="ignore"):
            sim_mean = from_scale(centre, names)
        return cls(names=names, drift=drift, pivot=np.where(np.isfinite(pivot), pivot, 0.0),
                   slope=np.ones(k) if slope is None else np.asarray(slope, dtype=float),
                   covariance=covariance, samples=len(z), analytic=np.asarray(analytic, dtype=float),
                   simulated=sim_mean)

    def apply(self, values: np.ndarray, rng: np.random.Generator, positions: np.ndarray | None = None) -> np.ndarray:
        """Analytic ``values`` (..., K) → calibrated: drift, slope and normal noise on the logit/log scale."""
        z = to_scale(values, self.names)
        drift = self.drift if positions is None else self.drift[positions]
        pivot = self.pivot if positions is None else self.pivot[positions]
        eigenvalues, vectors = np.linalg.eigh(self.covariance)
        root = vectors * np.sqrt(np.clip(eigenvalues, 0.0, None))
        noise = rng.standard_normal(values.shape) @ root.T
        out = from_scale(z + drift + (self.slope - 1.0) * (z - pivot) + noise, self.names)
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

    def drift_standard_errors(self) -> np.ndarray:
        """Standard error of the month-level drift per metric (logit/log scale): the months' spread ÷ √months
        (infinite from a single month, which shows no spread)."""
        if self.month.samples < 2:
            return np.full(len(METRICS), np.inf)
        return np.sqrt(np.clip(np.diag(self.month.covariance), 0.0, None) / self.month.samples)

    def shifted(self, sigmas: float) -> Calibration:
        """This calibration with every drift moved by ``sigmas`` standard errors of the month-level drift, in
        the direction that worsens each metric (``sigmas`` < 0: improves): the SL down, the abandon rate and the
        ASA up. Every level moves by the same amount on the same scale (the day, interval and period levels
        are the month's drift seen at a finer grain)."""
        se = self.drift_standard_errors()
        se = np.where(np.isfinite(se), se, 0.0)
        step = sigmas * se * np.array([-1.0, 1.0, 1.0])  # METRICS order: SL, abandon rate, ASA

        def moved(level: LevelCalibration | None) -> LevelCalibration | None:
            if level is None:
                return None
            by_name = dict(zip(METRICS, step.tolist(), strict=True))
            shift = np.array([by_name[name] for name in level.names])
            return dataclasses.replace(level, drift=level.drift + shift)

        month = moved(self.month)
        period = month if self.period is self.month else moved(self.period)
        assert month is not None and period is not None
        return dataclasses.replace(self, month=month, period=period, day=moved(self.day), cell=moved(self.cell))

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
    sim0 = to_scale(np.stack([sims.month_array(n)[:pairs] for n in METRICS], axis=1), METRICS)
    sim1 = to_scale(np.stack([raised.month_array(n) for n in METRICS], axis=1), METRICS)
    an0 = to_scale(np.array([[base[n] for n in METRICS]]), METRICS)[0]
    an1 = to_scale(np.array([[up[n] for n in METRICS]]), METRICS)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        sim_change = np.nanmean(sim1 - sim0, axis=0)
    span = an1 - an0
    slope = np.ones(len(METRICS))
    usable = np.isfinite(sim_change) & np.isfinite(span) & (np.abs(span) >= _MIN_SPAN)
    slope[usable] = np.clip(sim_change[usable] / span[usable], *_SLOPE_LIMITS)
    return slope


def calibrate(scenario: Scenario, agents: Any, sims: MonthSet, raised: MonthSet | None = None,
              raised_volume: float | None = None, queue: QueueModel | None = None) -> Calibration:
    """Measure the drift and noise of ``sims`` (months simulated at ``agents`` on the forecast) against the
    formulas (:class:`QueueModel`) at the same staffing, and the slope from ``raised`` (the first months'
    seeds again, at the forecast × ``raised_volume``; see :func:`slope_volume`). ``queue``: the scenario's
    :class:`QueueModel`, when the caller keeps one (its tabulations are reused)."""
    qm = QueueModel.from_scenario(scenario) if queue is None else queue
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

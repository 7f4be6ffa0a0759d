"""The agent queue as the formulas see it, interval by interval of an average day (the surrogate's cells)."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.interpolate import PchipInterpolator

from simulator.analytic import erlang_a, erlang_c
from simulator.analytic.definitions import SL_DEFINITIONS
from simulator.scenario.model import Scenario

_GRID_STEP = 0.05  # spacing of the load-multiplier grid in log units (about 5 %; PCHIP error < 3e-4 in SL)
_GRID_MAX = 48


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
    # Tabulated intervals already computed, by (interval, agents, AHT multiplier, grid): a staffing search
    # tabulates the same intervals at the same agents again and again. Not part of the model's identity.
    columns: dict[tuple[int, int, float, float, float, int], tuple[np.ndarray, np.ndarray, Any]] = field(
        default_factory=dict, compare=False, repr=False)

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

    def quantities(self, agents: np.ndarray, multiplier: np.ndarray, aht_multiplier: float = 1.0,
                   intervals: np.ndarray | None = None) -> np.ndarray:
        """Per-offered-call quantities at the first-attempt load × ``multiplier``: (G, I, len(_QUANTITIES)).

        ``multiplier`` (G,) scales the load (volume × attempts × AHT); ``aht_multiplier`` scales the handle
        time (the time scale T/AHT and patience/AHT). The last quantity is the attempts per first call at the
        P(abandon) found there. ``intervals``: only these intervals (``agents`` then has one entry each).
        """
        first = self.first_load if intervals is None else self.first_load[intervals]
        load = first[None, :] * np.asarray(multiplier, dtype=float)[:, None]
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
        solves the fixed point without iterating. Intervals tabulated before at the same agents, AHT multiplier
        and grid are taken from :attr:`columns`.
        """
        lo_f, hi_f = self.attempts_range
        x = load_grid(np.array([low * lo_f, high * hi_f]), points)
        agents = np.asarray(agents, dtype=np.int64)
        keys = [(i, int(a), float(aht_multiplier), float(x[0]), float(x[-1]), x.size) for i, a in enumerate(agents)]
        missing = np.array([i for i, key in enumerate(keys) if key not in self.columns], dtype=np.int64)
        if missing.size:
            q = self.quantities(agents[missing], x, aht_multiplier, intervals=missing)  # (G, m, Q)
            u = x[:, None] / q[..., -1]  # (G, m)
            for j, i in enumerate(missing.tolist()):
                self.columns[keys[i]] = (u[:, j], q[:, j], _interpolant(u[:, j], q[:, j]))
        return QueueTable([self.columns[key] for key in keys])

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


def _interpolant(u: np.ndarray, q: np.ndarray) -> Any:
    """One interval's quantities (G, Q) against u (G,): a monotone cubic (PCHIP) in log u, or the constant row
    where u does not move."""
    nodes = np.log(np.maximum(u, 1e-300))
    keep = np.concatenate([[True], np.diff(nodes) > 1e-12])  # strictly increasing nodes only
    if keep.sum() < 2:
        return q[np.flatnonzero(keep)[0]]
    return PchipInterpolator(nodes[keep], q[keep], axis=0, extrapolate=True)


class QueueTable:
    """Per interval, the quantities of :class:`QueueModel` tabulated against the first-attempt load
    multiplier and interpolated by monotone cubics (PCHIP) in its logarithm."""

    def __init__(self, columns: list[tuple[np.ndarray, np.ndarray, Any]]) -> None:
        """``columns``: per interval, (u (G,), quantities (G, Q), interpolant)."""
        self.q = np.stack([q for _, q, _ in columns], axis=1)  # (G, I, Q)
        self.functions = [f for _, _, f in columns]

    def __call__(self, u: np.ndarray) -> np.ndarray:
        """Quantities at first-attempt load multipliers ``u`` (n,): (n, I, Q)."""
        log_u = np.log(np.asarray(u, dtype=float).reshape(-1))
        out = np.empty((log_u.size, len(self.functions), self.q.shape[2]))
        for i, f in enumerate(self.functions):
            out[:, i, :] = f if isinstance(f, np.ndarray) else f(log_u)
        return out


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else math.nan


def load_grid(values: np.ndarray, points: int | None = None) -> np.ndarray:
    lo, hi = float(values.min()), float(values.max())
    if hi <= lo * (1 + 1e-12):
        return np.array([lo])
    n = points or int(min(_GRID_MAX, max(4, math.ceil(math.log(hi / lo) / _GRID_STEP) + 1)))
    return np.exp(np.linspace(math.log(lo), math.log(hi), n))

"""Patience: how long callers wait in the queue before hanging up.

**From a call log** (Kaplan & Meier 1958; the censoring argument of Zeltyn & Mandelbaum): a caller who hangs
up after waiting w reveals a patience of w (an *event*); a caller answered after waiting w reveals only that the
patience exceeded w (*right-censored*). Ignoring the censoring (averaging the abandoners' waits) would say the
patient are impatient. The Kaplan–Meier estimate of the patience survival function comes from ``lifelines``;
the parametric families are fitted by censored maximum likelihood (:func:`simulator.calibrate.fits.fit_censored`)
and the least AIC is written; the largest vertical distance between the Kaplan–Meier curve and the fitted
survival function is reported as the goodness of fit.

**From an interval report** nothing is seen per caller, so patience is the exponential mean under which Erlang A
(M/M/N+M, Palm 1946) reproduces each interval's abandonment: abandoned_i ~ Binomial(offered_i, P_ab,i(θ)) at
the interval's expected arrival rate, AHT and agents staffed, maximised over θ. The 95 % interval is the
profile likelihood interval, widened by the Pearson dispersion φ = X²/(k − 1) when the intervals vary more than
the binomial allows (quasi-likelihood, McCullagh & Nelder 1989). Erlang A is a steady state: where the load
moves through the day, queues lag behind it, and the fit leans towards patient callers. When the report also
gives the average time to abandon, the exact exposure estimate (:func:`exposure_patience`) is written instead
and the Erlang A fit is kept in the evidence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize, stats

from simulator.calibrate.fits import Candidate, fit_censored, frozen

__all__ = ["PatienceFit", "erlang_a_patience", "patience_from_waits"]

_REPORT_TIMES = (5, 10, 20, 30, 45, 60, 90, 120, 180, 240, 300, 450, 600)  # [s] KM rows in the evidence


@dataclass(frozen=True, eq=False)
class PatienceFit:
    """The written patience distribution and its evidence (``km_*`` only from a call log)."""

    kind: str
    mean: float
    cv: float
    mean_ci: tuple[float, float]
    cv_ci: tuple[float, float]
    n: int  # queue calls (answered + abandoned) or intervals
    n_of: str
    events: int  # abandoned calls
    method: str
    candidates: tuple[Candidate, ...] = ()
    km_times: np.ndarray | None = None
    km_survival: np.ndarray | None = None
    km_low: np.ndarray | None = None
    km_high: np.ndarray | None = None
    km_distance: float | None = None
    dispersion: float | None = None
    fit_rows: tuple[dict[str, Any], ...] = ()
    alternative: dict[str, Any] | None = None  # the other estimate, for the evidence

    def survival(self, t: float | np.ndarray) -> np.ndarray:
        return np.asarray(frozen(self.kind, self.mean, self.cv).sf(t))

    def km_at(self, t: float) -> float:
        assert self.km_times is not None and self.km_survival is not None
        i = int(np.searchsorted(self.km_times, t, side="right")) - 1
        return float(self.km_survival[max(i, 0)])

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind, "mean": self.mean, "mean_ci": list(self.mean_ci), "cv": self.cv,
            "cv_ci": list(self.cv_ci), "n": self.n, "n_of": self.n_of, "abandoned": self.events,
            "method": self.method, "candidates": [c.to_dict() for c in self.candidates],
        }
        if self.km_times is not None:
            horizon = float(self.km_times[-1])
            out["kaplan_meier"] = [{"seconds": t, "survival": self.km_at(t), "fitted": float(self.survival(t))}
                                   for t in _REPORT_TIMES if t <= horizon]
            out["quantiles"] = self._quantiles()
            out["max_distance_km_to_fit"] = self.km_distance
        if self.dispersion is not None:
            out["dispersion"] = self.dispersion
            out["fit_by_interval"] = list(self.fit_rows)
        if self.alternative is not None:
            out["erlang_a_fit"] = self.alternative
        return out

    def _quantiles(self) -> list[dict[str, Any]]:
        """Patience quantiles: where the Kaplan–Meier curve falls to 1 − q (None beyond the data) and the fit's."""
        assert self.km_times is not None and self.km_survival is not None
        fitted = frozen(self.kind, self.mean, self.cv)
        rows = []
        for q in (0.05, 0.10, 0.25, 0.50, 0.75, 0.90):
            below = np.flatnonzero(self.km_survival <= 1 - q)
            rows.append({"q": q, "kaplan_meier": float(self.km_times[below[0]]) if below.size else None,
                         "fitted": float(fitted.ppf(q))})
        return rows


def patience_from_waits(waits: np.ndarray, abandoned: np.ndarray) -> PatienceFit:
    """Kaplan–Meier and censored parametric fits from queue waits [s]; ``abandoned`` marks the events.

    Raises ValueError when fewer than two callers abandoned: a patience cannot be estimated from none.
    """
    from lifelines import KaplanMeierFitter

    waits = np.asarray(waits, dtype=float)
    events = np.asarray(abandoned, dtype=bool)
    best, candidates, mean_ci, cv_ci = fit_censored(waits[events], waits[~events], "patience")
    km = KaplanMeierFitter().fit(waits, events.astype(int), alpha=0.05)
    times = km.survival_function_.index.to_numpy(dtype=float)
    survival = km.survival_function_.iloc[:, 0].to_numpy(dtype=float)
    band = km.confidence_interval_.to_numpy(dtype=float)
    fitted = frozen(best.kind, best.mean, best.cv)
    observed = times[times <= np.quantile(waits[events], 0.95)] if events.any() else times
    step = np.searchsorted(times, observed, side="right") - 1
    distance = float(np.max(np.abs(survival[step] - fitted.sf(observed)))) if observed.size else math.nan
    return PatienceFit(best.kind, best.mean, best.cv, mean_ci, cv_ci, len(waits), "queue calls", int(events.sum()),
                       "Kaplan-Meier (lifelines) for the empirical curve; censored maximum likelihood per family "
                       "(abandonment = event, answer = censoring), least AIC; Wald interval",
                       candidates, times, survival, band[:, 0], band[:, 1], distance)


def _abandon_probability(load: np.ndarray, agents: np.ndarray, aht: np.ndarray, patience: float,
                         threshold: float) -> np.ndarray:
    from simulator.analytic import erlang_a

    k = len(load)
    return erlang_a.evaluate(load, agents, aht, np.full(k, patience), np.full(k, threshold), np.full(k, 5.0),
                             ("abandon_probability",))["abandon_probability"]


def erlang_a_patience(offered: np.ndarray, abandoned: np.ndarray, expected: np.ndarray, agents: np.ndarray,
                      aht: np.ndarray, interval_seconds: float, interval_of_day: np.ndarray,
                      starts: list[str]) -> PatienceFit:
    """Mean (exponential) patience under which Erlang A reproduces the intervals' abandonment (module docstring).

    Parameters
    ----------
    offered, abandoned : array of float
        Calls offered to the queue and abandoned, per interval row.
    expected : array of float
        The calls each row was expected to offer (the day's volume times the interval's share): Erlang A is
        evaluated at this rate, not at the row's count, whose Poisson noise would bias the fit (abandonment
        is convex in the load).
    agents : array of float
        Agents staffed per row (rounded to whole agents).
    aht : array of float
        Handle time per row [s] (the overall AHT where the row answered nothing).
    interval_seconds : float
        Interval length. [s]
    interval_of_day : array of int
        Each row's interval of the day, for the fit table.
    starts : list of str
        Clock start of each interval of the day.

    Raises ValueError without abandoned calls: nothing says how patient callers are.
    """
    used = (offered > 0) & (expected > 0)
    off, ab = offered[used], abandoned[used]
    n = np.round(agents[used]).astype(np.int64)
    handle = aht[used]
    load = expected[used] / interval_seconds * handle
    if ab.sum() < 1:
        raise ValueError("patience: no abandoned call in the report; it cannot be estimated")

    def loglik(log_patience: float) -> float:
        p = np.clip(_abandon_probability(load, n, handle, math.exp(log_patience), 20.0), 1e-12, 1 - 1e-12)
        return float(np.sum(ab * np.log(p) + (off - ab) * np.log1p(-p)))

    bounds = (math.log(1.0), math.log(1e6))
    result = optimize.minimize_scalar(lambda x: -loglik(x), bounds=bounds, method="bounded",
                                      options={"xatol": 1e-5})
    best = float(result.x)
    top = loglik(best)
    p = _abandon_probability(load, n, handle, math.exp(best), 20.0)
    pearson = float(np.sum((ab - off * p) ** 2 / np.maximum(off * p * (1 - p), 1e-12)))
    k = len(off)
    dispersion = pearson / max(k - 1, 1)
    drop = max(dispersion, 1.0) * float(stats.chi2.ppf(0.95, 1)) / 2

    def edge(end: float) -> float:
        if loglik(end) > top - drop:
            return math.inf if end > best else 0.0
        return math.exp(optimize.brentq(lambda x: loglik(x) - (top - drop), *sorted((best, end)), xtol=1e-6))

    mean = math.exp(best)
    rows = []
    for i, start in enumerate(starts):
        sel = interval_of_day[used] == i
        if sel.any():
            rows.append({"start": start, "offered": int(off[sel].sum()),
                         "abandon_rate_observed": float(ab[sel].sum() / off[sel].sum()),
                         "abandon_rate_erlang_a": float((off[sel] * p[sel]).sum() / off[sel].sum())})
    return PatienceFit("exponential", mean, 1.0, (edge(bounds[0]), edge(bounds[1])), (1.0, 1.0), k, "intervals",
                       int(ab.sum()), "Erlang A (M/M/N+M) abandonment fitted to every interval but each day's first "
                       "(it starts empty, not in steady state) by binomial maximum likelihood at its expected "
                       "arrival rate, AHT and agents staffed; profile-likelihood interval widened by the Pearson "
                       "dispersion", dispersion=dispersion, fit_rows=tuple(rows))


def exposure_patience(abandoned: np.ndarray, answered: np.ndarray, asa: np.ndarray, ata: np.ndarray,
                      erlang_a: PatienceFit | None) -> PatienceFit:
    """Mean patience as total waiting time over abandonments, from ASA and the average time to abandon.

    Every waiting caller abandons at rate θ under exponential patience, so the abandonments are Poisson with
    mean θ × (the total time callers spent waiting), whatever the load did: θ̂ = abandoned / (ASA × answered +
    ATA × abandoned) is the censored maximum-likelihood estimate (the waits of answered calls are the
    censored exposures), and its exact 95 % interval comes from the χ² quantiles of a Poisson count.
    Mandelbaum & Zeltyn recommend this P(abandon)/E[wait] estimate of θ for Erlang A.
    """
    events = float(np.sum(abandoned))
    if events < 1:
        raise ValueError("patience: no abandoned call in the report; it cannot be estimated")
    exposure = float(np.nansum(asa * answered) + np.nansum(ata * abandoned))
    mean = exposure / events
    low_rate = float(stats.chi2.ppf(0.025, 2 * events)) / (2 * exposure)
    high_rate = float(stats.chi2.ppf(0.975, 2 * events + 2)) / (2 * exposure)
    rows = erlang_a.fit_rows if erlang_a is not None else ()
    return PatienceFit("exponential", mean, 1.0, (1 / high_rate, 1 / low_rate), (1.0, 1.0), len(abandoned),
                       "intervals", int(events), "total waiting time (ASA × answered + average time to abandon × "
                       "abandoned) over abandoned calls: the censored maximum likelihood of an exponential "
                       "patience; exact Poisson interval", dispersion=None if erlang_a is None else
                       erlang_a.dispersion, fit_rows=rows,
                       alternative=None if erlang_a is None else erlang_a.to_dict())

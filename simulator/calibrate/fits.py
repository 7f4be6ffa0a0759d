"""Fitting duration distributions: the four families of the scenario schema, chosen by AIC.

Handle times (talk, hold, after-call work), IVR navigation and repeat delays are observed in full: each family
(exponential, lognormal, gamma, Weibull; location 0) is fitted by maximum likelihood with ``scipy.stats``, the
family with the least AIC (Akaike 1974: 2k − 2 log L) is chosen, and its Kolmogorov–Smirnov distance to the
data is reported. The scenario is then given that family *with the observed mean and coefficient of
variation* (moment matching): the mean handle time is what loads the agents, and it should not move because a
family fits the bulk of the data better than its tail. Confidence intervals: Student t for the mean, the delta
method (distribution-free, from the sample's third and fourth moments) for the coefficient of variation.

Patience is seen only where callers hang up; the waits of answered calls are right-censored. It is fitted by
:func:`fit_censored`: the same families by censored maximum likelihood (``scipy.stats.CensoredData``), AIC, and
a Wald interval for the mean from the observed information in (log mean, log cv).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize, special, stats

from simulator.distributions import Deterministic, Exponential, Gamma, Lognormal, Weibull

__all__ = ["FAMILIES", "QUANTILES", "Candidate", "DurationFit", "fit_censored", "fit_durations", "frozen",
           "spec"]

FAMILIES = ("exponential", "lognormal", "gamma", "weibull")
QUANTILES = (0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99)
Z95 = 1.959963984540054
_SCIPY = {"exponential": stats.expon, "lognormal": stats.lognorm, "gamma": stats.gamma, "weibull": stats.weibull_min}
_CV_LIMITS = {"exponential": (1.0, 1.0), "lognormal": (1e-3, 20.0), "gamma": (1e-3, 20.0), "weibull": (0.05, 10.0)}


def _clip_cv(kind: str, cv: float) -> float:
    low, high = _CV_LIMITS[kind]
    return float(min(max(cv, low), high))


def frozen(kind: str, mean: float, cv: float) -> Any:
    """The scipy distribution of family ``kind`` with the given mean [s] and coefficient of variation."""
    cv = _clip_cv(kind, cv)
    if kind == "exponential":
        return stats.expon(scale=mean)
    if kind == "lognormal":
        sigma = math.sqrt(math.log1p(cv * cv))
        return stats.lognorm(sigma, scale=mean * math.exp(-sigma * sigma / 2))
    if kind == "gamma":
        shape = 1.0 / (cv * cv)
        return stats.gamma(shape, scale=mean / shape)
    weibull = Weibull(mean=mean, cv=cv)
    return stats.weibull_min(weibull.shape, scale=weibull.scale)


def spec(kind: str, mean: float, cv: float) -> Any:
    """The scenario's distribution spec (:mod:`simulator.distributions`) for a fitted family."""
    if kind == "deterministic":
        return Deterministic(mean=mean)
    if kind == "exponential":
        return Exponential(mean=mean)
    cls = {"lognormal": Lognormal, "gamma": Gamma, "weibull": Weibull}[kind]
    return cls(mean=mean, cv=_clip_cv(kind, cv))


def _mean_cv(kind: str, params: tuple[float, ...]) -> tuple[float, float]:
    """Mean and cv of a scipy fit (shape params, loc, scale)."""
    scale = params[-1]
    if kind == "exponential":
        return scale, 1.0
    shape = params[0]
    if kind == "lognormal":
        return scale * math.exp(shape * shape / 2), math.sqrt(math.expm1(shape * shape))
    if kind == "gamma":
        return shape * scale, 1 / math.sqrt(shape)
    g1, g2 = special.gammaln(1 + 1 / shape), special.gammaln(1 + 2 / shape)
    return scale * math.exp(g1), math.sqrt(math.expm1(g2 - 2 * g1))


@dataclass(frozen=True)
class Candidate:
    """One family fitted by maximum likelihood: its mean and cv, log-likelihood, AIC and KS distance."""

    kind: str
    mean: float
    cv: float
    log_likelihood: float
    aic: float
    ks_distance: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "mean": self.mean, "cv": self.cv, "log_likelihood": self.log_likelihood,
                "aic": self.aic, "ks_distance": self.ks_distance}


@dataclass(frozen=True)
class DurationFit:
    """A fitted duration distribution and its evidence.

    ``kind``/``mean``/``cv`` are what the scenario is given; ``mean_ci``/``cv_ci`` their 95 % intervals; ``n``
    the observations (``zeros`` of them exactly 0); ``candidates`` every family's maximum-likelihood fit;
    ``quantiles`` rows ``(q, empirical, fitted)``; ``ks_distance`` that of the written distribution.
    """

    name: str
    n: int
    kind: str
    mean: float
    cv: float
    mean_ci: tuple[float, float]
    cv_ci: tuple[float, float]
    method: str
    zeros: int = 0
    candidates: tuple[Candidate, ...] = ()
    quantiles: tuple[tuple[float, float, float], ...] = ()
    ks_distance: float | None = None
    notes: tuple[str, ...] = field(default=())

    def spec(self) -> Any:
        return spec(self.kind, self.mean, self.cv)

    def frozen(self) -> Any:
        return None if self.kind == "deterministic" else frozen(self.kind, self.mean, self.cv)

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "zeros": self.zeros, "kind": self.kind, "mean": self.mean, "mean_ci": list(self.mean_ci),
                "cv": self.cv, "cv_ci": list(self.cv_ci), "method": self.method, "ks_distance": self.ks_distance,
                "candidates": [c.to_dict() for c in self.candidates],
                "quantiles": [{"q": q, "empirical": e, "fitted": f} for q, e, f in self.quantiles],
                "notes": list(self.notes)}


def _mean_ci(x: np.ndarray) -> tuple[float, float]:
    n = len(x)
    mean = float(x.mean())
    if n < 2:
        return math.nan, math.nan
    half = float(stats.t.ppf(0.975, n - 1)) * float(x.std(ddof=1)) / math.sqrt(n)
    return mean - half, mean + half


def _cv_ci(x: np.ndarray) -> tuple[float, float]:
    """Delta-method interval of the sample cv, from the sample's central moments (distribution-free)."""
    n = len(x)
    mu = float(x.mean())
    d = x - mu
    var, m3, m4 = float(np.mean(d**2)), float(np.mean(d**3)), float(np.mean(d**4))
    if n < 3 or var <= 0 or mu <= 0:
        return math.nan, math.nan
    cv = math.sqrt(var) / mu
    v = (var**2 / mu**4 + (m4 - var**2) / (4 * var * mu**2) - m3 / mu**3) / n
    half = Z95 * math.sqrt(max(v, 0.0))
    return max(cv - half, 0.0), cv + half


def fit_durations(values: np.ndarray, name: str, *, families: tuple[str, ...] = FAMILIES) -> DurationFit:
    """Fit observed durations [s]: each family by maximum likelihood, the least AIC chosen, moments matched.

    Exact zeros (a call without hold) carry no likelihood under a continuous family: the families are fitted to
    the positive values and the written distribution matches the mean and cv of all values, zeros included.
    Fewer than 2 values cannot be fitted (ValueError); values that are all equal give ``deterministic``.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) < 2:
        raise ValueError(f"{name}: {len(x)} observations; at least 2 are needed")
    mean, sd = float(x.mean()), float(x.std(ddof=1))
    zeros = int((x == 0).sum())
    positive = x[x > 0]
    cv = sd / mean if mean > 0 else 0.0
    if mean <= 0 or cv < 1e-3 or len(positive) < 10:
        return DurationFit(name, len(x), "deterministic", mean, 0.0, _mean_ci(x), (0.0, 0.0),
                           "constant (or almost): deterministic at the sample mean", zeros=zeros,
                           quantiles=tuple((q, float(np.quantile(x, q)), mean) for q in QUANTILES))
    candidates = []
    for kind in families:
        dist = _SCIPY[kind]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            params = dist.fit(positive, floc=0)
        loglik = float(np.sum(dist.logpdf(positive, *params)))
        m, c = _mean_cv(kind, params)
        k = 1 if kind == "exponential" else 2
        ks = float(stats.kstest(positive, dist(*params).cdf).statistic)
        candidates.append(Candidate(kind, m, c, loglik, 2 * k - 2 * loglik, ks))
    best = min(candidates, key=lambda c: c.aic)
    written_cv = 1.0 if best.kind == "exponential" else _clip_cv(best.kind, cv)
    fitted = frozen(best.kind, mean, written_cv)
    notes = []
    if zeros:
        notes.append(f"{zeros} of {len(x)} values are 0; the families are fitted to the positive values and the "
                     "written distribution has the mean and cv of all values")
    if best.kind == "exponential" and abs(cv - 1) > 0.05:
        notes.append(f"the sample cv is {cv:.3g}; the exponential family has cv 1")
    return DurationFit(name, len(x), best.kind, mean, written_cv, _mean_ci(x), _cv_ci(x),
                       "maximum likelihood per family, least AIC; mean and cv of the data (moment matching)",
                       zeros=zeros, candidates=tuple(candidates),
                       quantiles=tuple((q, float(np.quantile(x, q)), float(fitted.ppf(q))) for q in QUANTILES),
                       ks_distance=float(stats.kstest(x, fitted.cdf).statistic), notes=tuple(notes))


def _wald(nll: Callable[[np.ndarray], float], theta: np.ndarray) -> np.ndarray:
    """Standard errors from the observed information (central second differences of the negative
    log-likelihood at its minimum ``theta``)."""
    k = len(theta)
    h = 1e-3
    hess = np.empty((k, k))
    f0 = nll(theta)
    for i in range(k):
        for j in range(i, k):
            ei, ej = np.eye(k)[i] * h, np.eye(k)[j] * h
            if i == j:
                value = (nll(theta + ei) - 2 * f0 + nll(theta - ei)) / h**2
            else:
                value = (nll(theta + ei + ej) - nll(theta + ei - ej) - nll(theta - ei + ej)
                         + nll(theta - ei - ej)) / (4 * h * h)
            hess[i, j] = hess[j, i] = value
    try:
        cov = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        return np.full(k, math.nan)
    return np.sqrt(np.clip(np.diag(cov), 0, None))


def censored_loglik(kind: str, mean: float, cv: float, events: np.ndarray, censored: np.ndarray) -> float:
    dist = frozen(kind, mean, cv)
    return float(np.sum(dist.logpdf(events)) + np.sum(dist.logsf(censored)))


def fit_censored(events: np.ndarray, censored: np.ndarray, name: str) -> tuple[Candidate, tuple[Candidate, ...],
                                                                                 tuple[float, float],
                                                                                 tuple[float, float]]:
    """Right-censored maximum likelihood per family; the least AIC wins.

    ``events`` are observed durations (a caller hung up after this wait), ``censored`` lower bounds (the
    caller was answered after this wait, so would have waited longer). Returns the chosen candidate, all of
    them, and 95 % Wald intervals of its mean and cv (from the observed information in log mean, log cv).
    Raises ValueError without events: nothing can be estimated from censored values alone.
    """
    ev = np.asarray(events, dtype=float)
    ev = ev[np.isfinite(ev)]
    ce = np.asarray(censored, dtype=float)
    ce = ce[np.isfinite(ce) & (ce > 0)]  # censored at 0 says nothing (S(0) = 1)
    if len(ev) < 2:
        raise ValueError(f"{name}: {len(ev)} events; at least 2 are needed to estimate it")
    ev = np.maximum(ev, 1e-3)  # a hang-up at 0 s has zero density under the continuous families
    data = stats.CensoredData(uncensored=ev, right=ce)
    candidates = []
    for kind in FAMILIES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            params = _SCIPY[kind].fit(data, floc=0)
        m, c = _mean_cv(kind, params)
        loglik = censored_loglik(kind, m, c, ev, ce)
        k = 1 if kind == "exponential" else 2
        candidates.append(Candidate(kind, m, c, loglik, 2 * k - 2 * loglik, None))
    best = min(candidates, key=lambda c: c.aic)

    def nll(theta: np.ndarray) -> float:
        cv = 1.0 if best.kind == "exponential" else math.exp(theta[1])
        return -censored_loglik(best.kind, math.exp(theta[0]), cv, ev, ce)

    theta = np.array([math.log(best.mean)] if best.kind == "exponential" else [math.log(best.mean), math.log(best.cv)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        se = _wald(nll, theta)
    mean_ci = (best.mean * math.exp(-Z95 * se[0]), best.mean * math.exp(Z95 * se[0]))
    cv_ci = (1.0, 1.0) if best.kind == "exponential" else (best.cv * math.exp(-Z95 * se[1]),
                                                            best.cv * math.exp(Z95 * se[1]))
    return best, tuple(candidates), mean_ci, cv_ci


def minimise_nll(nll: Callable[[np.ndarray], float], start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nelder–Mead minimum of a negative log-likelihood and its Wald standard errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = optimize.minimize(nll, start, method="Nelder-Mead",
                                   options={"xatol": 1e-6, "fatol": 1e-6, "maxiter": 4000})
        return result.x, _wald(nll, result.x)

"""Erlang C (M/M/N, callers wait for ever): waiting probability, service level, ASA, queue length, occupancy.

With offered load A = λ·AHT [Erlang], N agents and ρ = A/N < 1 (domain.md §2.1):

- P(wait) = C(N, A) = 1 / (1 + (1 - ρ) R), where R = 1/B - 1 and B is Erlang B (:mod:`erlang_b`);
- SL(T) = P(wait <= T) = 1 - C exp(-(N - A) T / AHT), evaluated as (1 - C) + C (1 - exp(-(N - A) T / AHT)),
  a sum of positive terms, when it is below 1/2, so that a small service level keeps its relative accuracy;
- ASA = C · AHT / (N - A) (every caller is answered, so the mean wait of answered calls is the mean wait);
- E[queue length] = C · A / (N - A);  occupancy = A / N.

A queue with A >= N (and A > 0) has no steady state: P(wait) = 1, SL = 0, ASA and queue length are infinite
(never a finite number), occupancy 1. Zero load is stable whatever N: nobody waits, SL = 1, occupancy 0.

References
----------
A. K. Erlang (1917); see e.g. G. Koole, *Call Center Optimization* (2013), ch. 4.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from simulator.analytic import _validate
from simulator.analytic._numerics import quiet
from simulator.analytic.erlang_b import log_idle_ratio

__all__ = ["ErlangCMetrics", "asa_seconds", "mean_queue_length", "metrics", "service_level", "wait_probability"]


@dataclass(frozen=True)
class ErlangCMetrics:
    """Erlang C results, one array per quantity (0-d arrays for scalar inputs), broadcast over the inputs.

    Attributes
    ----------
    offered_load : ndarray
        A = λ·AHT. [Erlang]
    agents : ndarray
        N (int).
    stable : ndarray
        ``A < N`` (or no load at all) (bool).
    wait_probability : ndarray
        P(an arrival waits) = C(N, A); 1 when unstable.
    service_level : ndarray
        P(wait <= threshold); 0 when unstable.
    asa_seconds : ndarray
        Mean wait of answered calls (= all calls). [s]; ``inf`` when unstable.
    mean_queue_length : ndarray
        Mean number of callers waiting; ``inf`` when unstable.
    occupancy : ndarray
        A / N, the share of agent time spent handling calls; 1 when unstable.
    """

    offered_load: np.ndarray
    agents: np.ndarray
    stable: np.ndarray
    wait_probability: np.ndarray
    service_level: np.ndarray
    asa_seconds: np.ndarray
    mean_queue_length: np.ndarray
    occupancy: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        """The ``callsim erlang c --json`` object: Python scalars (lists for array inputs); ``None`` for an
        infinite ASA or queue length."""
        return {f.name: _validate.jsonable(getattr(self, f.name)) for f in fields(self)}


@quiet
def metrics(load: Any, agents: Any, *, aht_seconds: Any, threshold_seconds: Any) -> ErlangCMetrics:
    """All Erlang C quantities at once.

    Parameters
    ----------
    load : float or array_like
        Offered load A = λ·AHT. [Erlang], ``>= 0``
    agents : int or array_like
        Agents N, ``>= 0``.
    aht_seconds : float or array_like
        Average handle time 1/μ. [s], ``> 0``
    threshold_seconds : float or array_like
        Service-level threshold T. [s], ``>= 0``

    All four broadcast against each other (e.g. one load per interval).

    Returns
    -------
    ErlangCMetrics
    """
    a, n, aht, threshold = np.broadcast_arrays(
        _validate.nonnegative(load, "load"), _validate.agents(agents),
        _validate.positive(aht_seconds, "aht_seconds"), _validate.nonnegative(threshold_seconds,
                                                                              "threshold_seconds"))
    c, one_minus_c, stable = _wait(a, n)
    nf = n.astype(float)
    gap = np.where(nf > a, nf - a, 1.0)  # N - A > 0 where stable with traffic
    # 1 - C e^{-δ}; when the shortfall C e^{-δ} is large, as the sum (1 - C) + C (1 - e^{-δ}) of positive terms.
    decay = -gap * threshold / aht
    shortfall = c * np.exp(decay)
    sl = np.where(shortfall <= 0.5, 1.0 - shortfall, one_minus_c + c * -np.expm1(decay))
    asa = c * aht / gap
    queue = c * a / gap
    occupancy = np.where(nf > 0, a / np.where(nf > 0, nf, 1.0), 0.0)
    return ErlangCMetrics(
        offered_load=np.array(a, dtype=float), agents=np.array(n, dtype=np.int64), stable=np.array(stable),
        wait_probability=np.where(stable, c, 1.0), service_level=np.where(stable, sl, 0.0),
        asa_seconds=np.where(stable, asa, np.inf), mean_queue_length=np.where(stable, queue, np.inf),
        occupancy=np.where(stable, occupancy, 1.0),
    )


@quiet
def wait_probability(load: Any, agents: Any) -> Any:
    """Erlang C probability that an arriving call waits, C(N, A); 1 when unstable (``load >= agents``, load > 0).

    Parameters
    ----------
    load : float or array_like
        Offered load. [Erlang]
    agents : int or array_like
        Agents.

    Returns
    -------
    float or ndarray
    """
    a, n = np.broadcast_arrays(_validate.nonnegative(load, "load"), _validate.agents(agents))
    c, _, stable = _wait(a, n)
    return _validate.output(np.where(stable, c, 1.0))


@quiet
def service_level(load: Any, agents: Any, threshold_seconds: Any, aht_seconds: Any) -> Any:
    """Erlang C service level P(wait <= T); 0 when unstable.

    Parameters
    ----------
    load : float or array_like
        Offered load. [Erlang]
    agents : int or array_like
        Agents.
    threshold_seconds : float or array_like
        Threshold T. [s]
    aht_seconds : float or array_like
        Average handle time. [s]

    Returns
    -------
    float or ndarray
    """
    result = metrics(load, agents, aht_seconds=aht_seconds, threshold_seconds=threshold_seconds)
    return _validate.output(result.service_level)


@quiet
def asa_seconds(load: Any, agents: Any, aht_seconds: Any) -> Any:
    """Erlang C average speed of answer C·AHT/(N - A) [s]; ``inf`` when unstable.

    Parameters
    ----------
    load : float or array_like
        Offered load. [Erlang]
    agents : int or array_like
        Agents.
    aht_seconds : float or array_like
        Average handle time. [s]

    Returns
    -------
    float or ndarray
    """
    result = metrics(load, agents, aht_seconds=aht_seconds, threshold_seconds=0.0)
    return _validate.output(result.asa_seconds)


@quiet
def mean_queue_length(load: Any, agents: Any) -> Any:
    """Erlang C mean number of callers waiting, C·A/(N - A); ``inf`` when unstable."""
    result = metrics(load, agents, aht_seconds=1.0, threshold_seconds=0.0)
    return _validate.output(result.mean_queue_length)


def _wait(a: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """C, 1 - C (each without cancellation) and the stability mask, for validated arrays."""
    nf = n.astype(float)
    stable = (a < nf) | (a == 0)
    busy = stable & (a > 0)  # stable with traffic: N > A > 0
    log_r = log_idle_ratio(np.where(busy, a, 1.0), np.where(busy, n, 2))
    log_x = log_r + np.log(np.where(busy, (nf - a) / np.where(busy, nf, 1.0), 1.0))  # log((1 - ρ) R)
    c = np.exp(-np.logaddexp(0.0, log_x))
    one_minus_c = np.exp(log_x - np.logaddexp(0.0, log_x))
    return (np.where(busy, c, np.where(stable, 0.0, 1.0)), np.where(busy, one_minus_c, np.where(stable, 1.0, 0.0)),
            stable)

"""Erlang B (M/M/N/N): the probability that an arriving call finds all N agents busy and is lost.

With offered load A (Erlang) and N agents, B(N, A) = (A^N / N!) / Σ_{k=0..N} A^k / k!  (Erlang 1917). The textbook
recursion B_k = A B_{k-1} / (k + A B_{k-1}) is exact but costs O(N) steps. Here B comes from the ratio

    R(N, A) = 1/B - 1 = Σ_{k<N} π_k / π_N = ∫_0^∞ e^{-t} ((1 + t/A)^N - 1) dt,

the probability of finding a free agent over the probability of finding none. R is what Erlang C and Erlang A
need too (``P(wait) = 1 / (1 + (1 - ρ) R)`` for Erlang C). The integrand is log-concave, so it is integrated in
log space around its peak at t = N - A (see :mod:`simulator.analytic._numerics`): a fixed cost of a few hundred
evaluations at any N, no overflow at 20,000 agents, and about 1e-14 relative error against 50-digit mpmath.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simulator.analytic import _numerics, _validate
from simulator.analytic._numerics import log1mexp, log1pmx, log_integral, quiet

__all__ = ["blocking", "log_idle_ratio"]


@quiet
def blocking(load: Any, agents: Any) -> Any:
    """Erlang B blocking probability.

    Parameters
    ----------
    load : float or array_like
        Offered load A = λ/μ. [Erlang], ``>= 0``
    agents : int or array_like
        Number of agents (servers, trunks) N, ``>= 0``. Broadcast against ``load``.

    Returns
    -------
    float or ndarray
        B(N, A) in [0, 1]; a float for scalar inputs. B(0, A) = 1; B(N, 0) = 0 for N >= 1.

    References
    ----------
    A. K. Erlang (1917), "Solution of some problems in the theory of probabilities of significance in automatic
    telephone exchanges".
    """
    load_a = _validate.nonnegative(load, "load")
    agents_n = _validate.agents(agents)
    log_r = log_idle_ratio(load_a, agents_n)
    return _validate.output(np.exp(-np.logaddexp(0.0, log_r)))


@quiet
def log_idle_ratio(load: Any, agents: Any) -> np.ndarray:
    """``log R`` with ``R = 1/B - 1``: log of P(some agent free) / P(all N agents busy) in M/M/N/N.

    Inputs are not validated (the public functions do that). ``R = 0`` for N = 0 (``-inf``) and ``R = inf`` for
    A = 0 < N.

    Parameters
    ----------
    load : array_like
        Offered load. [Erlang]
    agents : array_like
        Agents (whole numbers).

    Returns
    -------
    ndarray
        ``log R`` with the broadcast shape of the inputs.
    """
    a, n = np.broadcast_arrays(np.asarray(load, dtype=float), np.asarray(agents, dtype=float))
    shape = a.shape
    a = a.ravel()
    n = n.ravel()
    out = np.empty(a.shape)
    out[n == 0] = -np.inf
    out[(a == 0) & (n > 0)] = np.inf
    todo = (a > 0) & (n > 0)
    if todo.any():
        out[todo] = _log_r(a[todo], n[todo])
    return out.reshape(shape)


def _log_r(a: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``log ∫_0^∞ e^{-t} ((1 + t/A)^N - 1) dt`` for A > 0, N >= 1, split at the peak t* = max(N - A, 0)."""
    out = np.empty(a.shape)
    above = n > a
    if above.any():
        out[above] = _log_r_above(a[above], n[above])
    if (~above).any():
        out[~above] = _log_r_below(a[~above], n[~above])
    return out


def _log_r_above(a: np.ndarray, n: np.ndarray) -> np.ndarray:
    """N > A: the integrand peaks at t* = N - A; integrate left and right of it (stacked as 2M rows)."""
    peak = n - a
    # log of e^{-t}(1 + t/A)^N at t*: N log(N/A) - (N - A), Loader's deviance bd0(N, A).
    ratio = n / a
    offset = np.where(ratio >= 2.0, n * np.log(ratio) - (n - a), -n * log1pmx((a - n) / n))
    m = a.size
    nn = np.concatenate([n, n])[:, None]
    aa = np.concatenate([a, a])[:, None]
    pk = np.concatenate([peak, peak])[:, None]
    right = np.arange(2 * m)[:, None] < m

    def log_f(v: np.ndarray, vbar: np.ndarray) -> np.ndarray:
        t = np.where(right, pk + v, vbar)  # the left piece runs from t* down to 0: t = vbar
        d = np.where(right, v, -v)  # t - t*
        return nn * log1pmx(d / nn) + log1mexp(nn * np.log1p(t / aa))

    # Near the peak the integrand is Gaussian with variance N (N log1pmx(d/N) ~ -d^2 / 2N).
    width = np.sqrt(2.0 * n)
    length = np.concatenate([np.full(m, np.inf), peak])
    scale = np.concatenate([width, np.minimum(width, peak)])
    if 2 * m >= _numerics.COMPILED_MIN_ROWS:
        from simulator.analytic._compiled import ERLANG_B_ABOVE, log_integrals  # loads numba: big batches only

        params = np.column_stack([right[:, 0], nn[:, 0], aa[:, 0], pk[:, 0]]).astype(float)
        logs = log_integrals(ERLANG_B_ABOVE, params, length, scale, False)
    else:
        logs = log_integral(log_f, length, scale)
    return offset + np.logaddexp(logs[:m], logs[m:])


def _log_r_below(a: np.ndarray, n: np.ndarray) -> np.ndarray:
    """N <= A: the integrand (without the "- 1") decreases from t = 0; one half-line."""
    nn, aa = n[:, None], a[:, None]
    excess = ((a - n) / a)[:, None]

    def log_f(t: np.ndarray, vbar: np.ndarray) -> np.ndarray:
        return -t * excess + nn * log1pmx(t / aa) + log1mexp(nn * np.log1p(t / aa))

    # Decay rate (A - N)/A, or Gaussian with variance A when N is close to A.
    scale = np.minimum(a / np.maximum(a - n, 1e-300), np.sqrt(2.0 * a))
    if a.size >= _numerics.COMPILED_MIN_ROWS:
        from simulator.analytic._compiled import ERLANG_B_BELOW, log_integrals  # loads numba: big batches only

        params = np.column_stack([n, a, (a - n) / a]).astype(float)
        return log_integrals(ERLANG_B_BELOW, params, np.full(a.shape, np.inf), scale, False)
    return log_integral(log_f, np.full(a.shape, np.inf), scale)

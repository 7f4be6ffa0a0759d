"""The Erlang integrals compiled with numba: the quadrature of :mod:`simulator.analytic._numerics`, row by row.

The numpy kernels evaluate every node of every row as whole arrays, about fifteen temporaries of (rows × 209)
each; for the staffing engine's tens of thousands of rows per quote that memory traffic is most of the time.
Here one loop per row measures the scale (or takes the one given), picks the rule and sums the nodes, with the
same probes, nodes, weights and branches, so that the two agree to rounding (the tests compare them, and both
with 50-digit mpmath). One-off formula calls (``callsim erlang``) stay on numpy and never load numba; batches
of at least ``_numerics.COMPILED_MIN_ROWS`` integrals come here (from :mod:`~simulator.analytic.erlang_a` and
:mod:`~simulator.analytic.erlang_b`).

The integrands, by ``kind`` (their parameters one row of ``params`` each):

* ``ERLANG_A``: F times a weight (:func:`simulator.analytic.erlang_a._integrals_group`), parameters
  (right, anchor, start, gap, from_start, x, ρ, δ, weight code, overloaded);
* ``ERLANG_B_ABOVE``, ``ERLANG_B_BELOW``: Erlang B's ``e^{-t}((1 + t/A)^N - 1)`` relative to its peak for
  N > A (right, N, A, peak) and N <= A (N, A, (A - N)/A) (:mod:`simulator.analytic.erlang_b`).

Compiled with ``cache=True``: the first run after installing compiles it (a few seconds), later processes load
it from numba's cache.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit

from simulator.analytic._numerics import _FACT, _FRAC, _FRAC_BAR, _LOG2, _LOGW, _NEAR, _TS_SPAN

__all__ = ["ERLANG_A", "ERLANG_B_ABOVE", "ERLANG_B_BELOW", "log_integrals"]

ERLANG_A, ERLANG_B_ABOVE, ERLANG_B_BELOW = 0, 1, 2

_ROWS_PER_THREAD = 512  # fewer rows are not worth a thread
_INV_FACT = np.array([1.0 / f for f in _FACT[:10]])


@njit(cache=True, nogil=True)
def _expm1mx(s: float) -> float:
    """``exp(s) - 1 - s`` (the series near 0, as :func:`simulator.analytic._numerics.expm1mx`)."""
    if abs(s) < 0.05:
        acc = _INV_FACT[9] * s
        for k in range(8, 1, -1):
            acc = (acc + _INV_FACT[k]) * s
        return acc * s
    return math.expm1(s) - s


@njit(cache=True, nogil=True)
def _log1pmx(u: float) -> float:
    """``log(1 + u) - u`` (the series near 0, as :func:`simulator.analytic._numerics.log1pmx`)."""
    if abs(u) < 0.1:
        z = u / (2.0 + u)
        z2 = z * z
        acc = 1.0 / 11.0
        for k in range(4, 0, -1):
            acc = acc * z2 + 1.0 / (2 * k + 1)
        return -u * z + 2.0 * z * z2 * acc
    return math.log1p(u) - u


@njit(cache=True, nogil=True)
def _log1mexp(a: float) -> float:
    """``log(1 - exp(-a))`` for ``a >= 0`` (as :func:`simulator.analytic._numerics.log1mexp`)."""
    if a > _LOG2:
        return math.log1p(-math.exp(-a))
    if a == 0.0:
        return -math.inf
    return math.log(-math.expm1(-a))


@njit(cache=True, nogil=True)
def _log_f(kind: int, v: float, vbar: float, p: np.ndarray) -> float:
    """The log integrand of ``kind`` at distance ``v`` from the anchor (``vbar`` from the far end)."""
    if kind == ERLANG_A:
        right, anc, start, gap, from_start, x, rho, delta = p[0] > 0, p[1], p[2], p[3], p[4], p[5], p[6], p[7]
        code = int(p[8])
        r = anc + v if right else start + vbar
        overloaded = p[9] > 0  # then F is taken relative to its peak at r*
        value = -x * (_expm1mx(-(gap + v if right else gap - v)) if overloaded else delta * r + rho * _expm1mx(-r))
        if code == 1:
            value -= r
        elif code == 2:
            value += _log1mexp(r)
        elif code == 3:
            value += math.log(r) - r
        elif code == 4:
            value += _log1mexp(from_start + v if right else vbar)
        return value
    if kind == ERLANG_B_ABOVE:
        right, nn, aa, pk = p[0] > 0, p[1], p[2], p[3]
        t = pk + v if right else vbar  # the left piece runs from t* down to 0
        d = v if right else -v  # t - t*
        return nn * _log1pmx(d / nn) + _log1mexp(nn * math.log1p(t / aa))
    nn, aa, excess = p[0], p[1], p[2]
    return -v * excess + nn * _log1pmx(v / aa) + _log1mexp(nn * math.log1p(v / aa))


@njit(cache=True, nogil=True)
def _measured_scale(kind: int, length: float, guess: float, p: np.ndarray) -> float:
    """As :func:`simulator.analytic._numerics.measure_scale` from a rough ``guess``: the first probe past the
    maximum so far where the integrand has fallen by a factor e (else ``length`` or the largest probe)."""
    running = -math.inf
    for k in range(_NEAR.size):
        v = guess * _NEAR[k]
        if not v <= length:
            break  # the probes grow: the rest lie beyond the interval too
        value = _log_f(kind, v, length - v, p)
        if math.isnan(value):
            value = -math.inf
        running = max(running, value)
        if value < running - 1.0:
            return v
    return min(length, guess * _NEAR[_NEAR.size - 1])


def log_integrals(kind: int, params: np.ndarray, length: np.ndarray, scale: np.ndarray,
                  measure: bool) -> np.ndarray:
    """``log ∫_0^length exp(log_f(v, length - v)) dv`` per row of ``params`` (R, P), as
    :func:`simulator.analytic._numerics.log_integral`; ``scale`` is the integrand's scale, or a rough guess
    of it to measure from when ``measure``.

    The rows are independent: they are split over the available cores (threads, the compiled loop runs without
    the GIL), which gives the same values as one thread. The threads live for this call only, so a process
    forked later (the month workers) inherits none."""
    from simulator.sweep.backends import available_cores

    chunks = min(available_cores(), length.size // _ROWS_PER_THREAD)
    if chunks <= 1:
        return _log_integrals(kind, params, length, scale, measure)
    bounds = np.linspace(0, length.size, chunks + 1).astype(int)
    with ThreadPoolExecutor(chunks) as pool:
        parts = pool.map(lambda k: _log_integrals(kind, params[bounds[k]:bounds[k + 1]],
                                                  length[bounds[k]:bounds[k + 1]], scale[bounds[k]:bounds[k + 1]],
                                                  measure), range(chunks))
        return np.concatenate(list(parts))


@njit(cache=True, nogil=True)
def _log_integrals(kind: int, params: np.ndarray, length: np.ndarray, scale: np.ndarray,
                   measure: bool) -> np.ndarray:
    """:func:`log_integrals` on one thread."""
    rows = length.size
    out = np.empty(rows)
    nodes = _FRAC.shape[1]
    values = np.empty(nodes)
    for i in range(rows):
        L = length[i]
        if not L > 0:
            out[i] = -math.inf
            continue
        p = params[i]
        c = _measured_scale(kind, L, scale[i], p) if measure else scale[i]
        c = max(c, 1e-300)
        short = math.isfinite(L) and _TS_SPAN * c >= L
        mult = L if short else c  # tanh-sinh on [0, L], or exp-sinh at scale c
        pick = 1 if short else 0
        log_mult = math.log(mult)
        top = -math.inf
        nan = False
        for j in range(nodes):
            v = mult * _FRAC[pick, j]
            if not short and not v < L:  # exp-sinh nodes beyond the interval
                values[j] = -math.inf
                continue
            vbar = mult * _FRAC_BAR[pick, j] if short else L - v
            value = _log_f(kind, v, vbar, p) + (log_mult + _LOGW[pick, j])
            nan = nan or math.isnan(value)
            values[j] = value
            top = max(top, value)
        if nan:
            out[i] = math.nan
        elif not math.isfinite(top):
            out[i] = top
        else:
            total = 0.0
            for j in range(nodes):
                total += math.exp(values[j] - top)
            out[i] = math.log(total) + top
    return out

"""Numerical kernels shared by the Erlang modules: accurate elementary pieces and a log-space quadrature.

Every Erlang quantity this package reports is, up to a common normaliser, an integral of a *log-concave*
function over a half-line or an interval: Erlang B's ``1/B - 1 = ∫ e^{-t} ((1 + t/A)^N - 1) dt`` and, for Erlang A,
expectations over the offered-wait distribution (domain.md, appendix). Those integrands span hundreds of thousands
of orders of magnitude (``e^y y^{-x}`` for 20,000 agents), so they are handled as logarithms relative to their
peak, and integrated with double-exponential rules (Takahasi and Mori 1974): tanh-sinh on short intervals and
exp-sinh on long ones, with the length scale measured on the integrand itself. With step 1/32 both rules reach
double precision for the smooth, unimodal integrands met here, whatever the scale of their features relative
to the measured scale (within a factor of about 100), which the tests check against 50-digit mpmath values.

The kernels work on infinities and produce them on purpose (``log 0 = -inf``); callers run them under
:func:`quiet`, which silences numpy's floating-point warnings.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np

LogIntegrand = Callable[[np.ndarray, np.ndarray], np.ndarray]

# Batches of at least this many integrals go to the compiled kernels (:mod:`simulator.analytic._compiled`): the
# staffing engine's tables. Smaller ones (``callsim erlang``, a single interval) stay here, which starts at once,
# without loading numba.
COMPILED_MIN_ROWS = 512
_F = TypeVar("_F", bound=Callable[..., Any])


def quiet(function: _F) -> _F:
    """Run ``function`` with numpy's floating-point warnings silenced (a fresh errstate per call)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(all="ignore"):
            return function(*args, **kwargs)

    return cast(_F, wrapper)


_H = 1.0 / 32.0
_LOG_H = float(np.log(_H))

# tanh-sinh on [0, L]: v = L (1 + tanh s) / 2, s = π/2 sinh t.  |t| <= 3.25 reaches 1 - tanh s ~ 1e-35.
_T_TS = np.arange(-104, 105) * _H
_S_TS = 0.5 * np.pi * np.sinh(_T_TS)
_FRAC_V = 1.0 / (1.0 + np.exp(-2.0 * _S_TS))  # v / L, accurate near 0
_FRAC_VBAR = 1.0 / (1.0 + np.exp(2.0 * _S_TS))  # (L - v) / L, accurate near L
_LOG_COSH_S = np.abs(_S_TS) + np.log1p(np.exp(-2.0 * np.abs(_S_TS))) - np.log(2.0)
_LOGW_TS = np.log(0.25 * np.pi * np.cosh(_T_TS)) - 2.0 * _LOG_COSH_S + _LOG_H  # + log L

# exp-sinh on [0, inf): v = c exp(s), s = π/2 sinh t.  t from -4 (v ~ 1e-19 c) to 2.5 (v ~ 1e4 c).
_T_ES = np.arange(-128, 81) * _H
_S_ES = 0.5 * np.pi * np.sinh(_T_ES)
_FRAC_ES = np.exp(_S_ES)  # v / c
_LOGW_ES = _S_ES + np.log(0.5 * np.pi * np.cosh(_T_ES)) + _LOG_H  # + log c

# Scale probes: distances 4^k.  The measured scale is the first probe past the maximum where the integrand has
# fallen by a factor e; both rules tolerate a scale that is off by a factor of 4.
_PROBES = 4.0 ** np.arange(-30, 31)
_NEAR = 4.0 ** np.arange(-12, 13)

# Use tanh-sinh on [0, L] when L is at most this many scales (the integrand then falls by at most e^-64 across
# the interval, which tanh-sinh resolves); beyond, exp-sinh truncated at L loses less than e^-60.
_TS_SPAN = 64.0


def expm1mx(s: np.ndarray) -> np.ndarray:
    """``exp(s) - 1 - s``, accurate for all real ``s`` (a series near 0, where the direct form cancels)."""
    s = np.asarray(s, dtype=float)
    out = np.expm1(s) - s  # loses at most a factor 40 in relative accuracy for |s| >= 0.05
    small = np.abs(s) < 0.05
    if small.any():  # the series only where it is used
        # Taylor series Σ_{k>=2} s^k / k!; |s| < 0.05 needs terms up to k = 8 for a relative error below 1e-14.
        t = s[small]
        acc = 1.0 / _FACT[9] * t
        for k in range(8, 1, -1):
            acc = (acc + 1.0 / _FACT[k]) * t
        out[small] = acc * t
    return out


def log1pmx(u: np.ndarray) -> np.ndarray:
    """``log(1 + u) - u`` for ``u > -1``, accurate near 0 (Loader's deviance kernel)."""
    u = np.asarray(u, dtype=float)
    out = np.log1p(u) - u
    small = np.abs(u) < 0.1
    if small.any():  # the series only where it is used
        # log1p(u) - u = -u z + 2 Σ_{k>=1} z^{2k+1} / (2k+1), z = u / (2 + u); |z| < 0.053, z^2 < 2.8e-3, so
        # five terms leave a relative error below 1e-14.
        us = u[small]
        z = us / (2.0 + us)
        z2 = z * z
        acc = 1.0 / 11.0 + z2 * 0.0
        for k in range(4, 0, -1):
            acc = acc * z2 + 1.0 / (2 * k + 1)
        out[small] = -us * z + 2.0 * z * z2 * acc
    return out


def log1mexp(a: np.ndarray) -> np.ndarray:
    """``log(1 - exp(-a))`` for ``a >= 0`` (Mächler 2012); ``-inf`` at ``a = 0``."""
    a = np.asarray(a, dtype=float)
    far = a > _LOG2
    out = np.empty(a.shape)
    out[far] = np.log1p(-np.exp(-a[far]))
    near = ~far
    out[near] = np.log(-np.expm1(-a[near]))
    return out


def logsumexp(values: np.ndarray) -> np.ndarray:
    """``log Σ exp(values)`` along the last axis; ``-inf`` when every term is ``-inf``."""
    top = values.max(axis=-1)
    safe = np.where(np.isfinite(top), top, 0.0)
    total = np.log(np.exp(values - safe[..., None]).sum(axis=-1)) + safe
    return np.where(np.isfinite(top), total, top)


def logaddexp(*terms: np.ndarray) -> np.ndarray:
    """``log Σ exp(term)`` elementwise over several arrays (``-inf`` terms contribute nothing)."""
    result = np.asarray(terms[0], dtype=float)
    for term in terms[1:]:
        result = np.logaddexp(result, term)
    return result


def measure_scale(logf: LogIntegrand, length: np.ndarray, guess: np.ndarray | None = None) -> np.ndarray:
    """Distance from the anchor at which ``logf`` has fallen by 1 below its maximum so far.

    ``logf(v, vbar)`` takes distances ``v`` from the anchor and ``vbar = length - v``, shape (M, K). The
    distances probed are ``guess · 4^k`` for k = -12..12 when a rough ``guess`` is given (the answer may be up
    to 1e7 times larger or smaller), else ``4^k`` for k = -30..30. If the integrand never falls by a
    factor e within ``length``, the scale is ``length`` (or the largest probe).
    """
    v = np.broadcast_to(_PROBES, (length.size, _PROBES.size)) if guess is None else guess[:, None] * _NEAR
    inside = v <= length[:, None]
    values = np.where(inside, logf(v, length[:, None] - v), -np.inf)
    values = np.where(np.isnan(values), -np.inf, values)
    running = np.maximum.accumulate(values, axis=1)
    fallen = inside & (values < running - 1.0)
    first = np.argmax(fallen, axis=1)
    rows = np.arange(length.size)
    found = fallen[rows, first]
    return np.where(found, v[rows, first], np.minimum(length, v[:, -1]))


def log_integral(logf: LogIntegrand, length: np.ndarray, scale: np.ndarray | None = None,
                 guess: np.ndarray | None = None) -> np.ndarray:
    """``log ∫_0^length exp(logf(v, length - v)) dv`` for each of M independent integrands (vectorised).

    Parameters
    ----------
    logf : callable
        ``logf(v, vbar) -> log integrand``; ``v`` is the distance from the anchor, ``vbar = length - v``
        (computed without cancellation near the far end by the tanh-sinh rule); arrays of shape (M, K).
    length : ndarray, shape (M,)
        Interval lengths, ``>= 0``, possibly ``inf``.
    scale : ndarray, shape (M,), optional
        Length scale of the integrand; measured with :func:`measure_scale` when omitted.
    guess : ndarray, shape (M,), optional
        A rough scale (within a factor of 1e7) that narrows the measurement.

    Returns
    -------
    ndarray, shape (M,)
        The log of each integral; ``-inf`` for an empty interval or a zero integrand.
    """
    length = np.asarray(length, dtype=float)
    if scale is None:
        scale = measure_scale(logf, length, guess)
    empty = ~(length > 0)
    scale = np.where(empty, 1.0, np.maximum(scale, 1e-300))
    short = np.isfinite(length) & (length <= _TS_SPAN * scale)
    # One rule per row: tanh-sinh on [0, L] (multiplier L) or exp-sinh (multiplier c), by table lookup.
    mult = np.where(short, np.where(empty, 1.0, length), scale)
    pick = short.astype(np.intp)
    v = mult[:, None] * _FRAC[pick]
    vbar = np.where(short[:, None], mult[:, None] * _FRAC_BAR[pick], length[:, None] - v)
    logw = np.log(mult)[:, None] + _LOGW[pick]
    logw = np.where(short[:, None] | (v < length[:, None]), logw, -np.inf)  # exp-sinh nodes beyond L
    values = logf(v, vbar) + logw
    values = np.where(logw == -np.inf, -np.inf, values)  # nodes outside the interval
    return np.where(empty, -np.inf, logsumexp(values))


_FRAC = np.stack([_FRAC_ES, _FRAC_V])
_FRAC_BAR = np.stack([np.zeros_like(_FRAC_VBAR), _FRAC_VBAR])
_LOGW = np.stack([_LOGW_ES, _LOGW_TS])
_LOG2 = float(np.log(2.0))
_FACT = [float(np.prod(np.arange(1, k + 1))) for k in range(20)]

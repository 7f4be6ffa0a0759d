"""Erlang A (M/M/N+M, Palm 1946): Erlang C with exponentially impatient callers.

Notation as in domain.md's appendix: arrival rate λ, service rate μ = 1/AHT, abandonment rate θ = 1/patience,
N agents, offered load A = λ/μ, ρ = A/N, x = Nμ/θ, y = λ/θ. Let R = 1/E_B - 1 (Erlang B, :mod:`erlang_b`) and
write r = θu for a waiting time u measured in mean patiences. A caller who finds all agents busy has an *offered*
wait V (the wait with infinite patience) with density π_N · x θ · F(r) on r > 0, where

    F(r) = exp(x (ρ (1 - e^{-r}) - r)),    J = x ∫_0^∞ F(r) dr,    π_N = 1 / (R + J),

(substitute s = y e^{-r} to recover the appendix's ``J = x e^y y^{-x} γ(x, y)``). The caller is answered if the
patience exceeds V (probability e^{-r}) and abandons otherwise, so every metric is π_N times an integral of F
against a weight that is positive on its range:

- P(wait) = π_N J;  P(abandon) = π_N x ∫ F (1 - e^{-r});  P(answered) = π_N (R + x ∫ F e^{-r});
- answered within T: π_N (R + x ∫_0^{θT} F e^{-r});
- abandoned within T: π_N x (∫_0^{θT} F (1 - e^{-r}) + (1 - e^{-θT}) ∫_{θT}^∞ F);
- abandoned after T: π_N x e^{-θT} ∫_{θT}^∞ F (1 - e^{-(r - θT)});
- ASA (mean wait of answered calls) = (1/θ) x ∫ F r e^{-r} / (R + x ∫ F e^{-r});
- mean wait of all callers = P(abandon)/θ, mean queue length = λ·P(abandon)/θ (Little), occupancy = ρ·P(answered).

The integrals are taken numerically in log space (:mod:`simulator.analytic._numerics`) rather than through the
incomplete gamma function, because (a) the incomplete gamma routines available lose digits for the parameters met
with patient callers (scipy's ``gammainc(1e6, 9.9e5)`` is off by 2e-10, worse beyond) and underflow in the tails,
(b) the 1F1 series needs O(√x) terms as ρ → 1, about 10^5 for 20,000 patient agents, and (c) every difference
the closed forms contain (``1/(ρJ) + 1 - 1/ρ``, ``γ(x+1, y) - γ(x+1, y e^{-θT})``, ``P(W <= s) - P(answered and
W <= s)``) becomes a single integral of a positive function, so no digits are lost as Erlang A tends to Erlang C.
The answers agree with the appendix's closed forms, the series for ASA and the birth-death chain to about 1e-13
(tests/analytic).

References
----------
C. Palm (1946); O. Garnett, A. Mandelbaum and M. Reiman (2002), "Designing a call center with impatient customers",
MSOM 4(3); A. Mandelbaum and S. Zeltyn, "The M/M/n+G queue: summary of performance measures".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from simulator.analytic import _numerics, _validate
from simulator.analytic._numerics import expm1mx, log1mexp, log_integral, logaddexp, quiet
from simulator.analytic.definitions import SL_DEFINITIONS
from simulator.analytic.erlang_b import log_idle_ratio

__all__ = ["ALL_QUANTITIES", "ErlangAMetrics", "evaluate", "metrics", "service_levels"]


@dataclass(frozen=True)
class ErlangAMetrics:
    """Erlang A results, one array per quantity (0-d arrays for scalar inputs), broadcast over the inputs.

    Attributes
    ----------
    offered_load : ndarray
        A = λ·AHT. [Erlang]
    agents : ndarray
        N (int).
    wait_probability : ndarray
        P(an arrival finds every agent busy).
    abandon_probability : ndarray
        P(an arrival hangs up before being answered).
    service_level : ndarray
        Answered within the threshold over all arrivals (``abandons_fail``).
    service_level_of_answered : ndarray
        Answered within the threshold over answered calls (``answered_only``).
    service_level_by_definition : dict[str, ndarray]
        The five definitions of domain.md §1.2, keyed by the ids in ``SL_DEFINITIONS``.
    asa_seconds : ndarray
        Mean queue wait of answered calls. [s]
    mean_wait_seconds : ndarray
        Mean queue wait of all arrivals (answered or abandoned). [s]
    mean_queue_length : ndarray
        Mean number of callers waiting.
    occupancy : ndarray
        A·(1 - P(abandon))/N: only answered calls occupy agents.

    With no agents (and some load) nothing is answered: ``service_level_of_answered``, ``asa_seconds`` and
    ``occupancy`` are undefined (NaN, ``None`` in :meth:`to_dict`).
    """

    offered_load: np.ndarray
    agents: np.ndarray
    wait_probability: np.ndarray
    abandon_probability: np.ndarray
    service_level: np.ndarray
    service_level_of_answered: np.ndarray
    service_level_by_definition: dict[str, np.ndarray]
    asa_seconds: np.ndarray
    mean_wait_seconds: np.ndarray
    mean_queue_length: np.ndarray
    occupancy: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        """The ``callsim erlang a --json`` object: Python scalars (lists for array inputs), ``None`` where a
        value is undefined."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, dict):
                out[f.name] = {key: _validate.jsonable(item) for key, item in value.items()}
            else:
                out[f.name] = _validate.jsonable(value)
        return out


@quiet
def metrics(load: Any, agents: Any, *, aht_seconds: Any, patience_seconds: Any, threshold_seconds: Any,
            short_abandon_seconds: Any = 5.0) -> ErlangAMetrics:
    """All Erlang A quantities at once, for any load (including load >= agents).

    Parameters
    ----------
    load : float or array_like
        Offered load A = λ·AHT. [Erlang], ``>= 0``
    agents : int or array_like
        Agents N, ``>= 0``.
    aht_seconds : float or array_like
        Average handle time 1/μ. [s], ``> 0``
    patience_seconds : float or array_like
        Mean patience 1/θ (exponential). [s], finite and ``> 0``
    threshold_seconds : float or array_like
        Service-level threshold T. [s], ``>= 0``
    short_abandon_seconds : float or array_like, optional
        Abandons within this time are "short" (the ``short_excluded`` definition). [s], ``>= 0``

    All parameters broadcast against each other (e.g. one load per interval).

    Returns
    -------
    ErlangAMetrics
    """
    a, n, aht, patience, threshold, short = np.broadcast_arrays(
        _validate.nonnegative(load, "load"), _validate.agents(agents),
        _validate.positive(aht_seconds, "aht_seconds"), _validate.positive(patience_seconds, "patience_seconds"),
        _validate.nonnegative(threshold_seconds, "threshold_seconds"),
        _validate.nonnegative(short_abandon_seconds, "short_abandon_seconds"))
    shape = a.shape
    parts = evaluate(a.ravel(), n.ravel(), aht.ravel(), patience.ravel(), threshold.ravel(), short.ravel(),
                     ALL_QUANTITIES)

    def shaped(key: str) -> np.ndarray:
        return parts[key].reshape(shape)

    by_definition = {name: shaped(name) for name in SL_DEFINITIONS}
    return ErlangAMetrics(
        offered_load=np.array(a, dtype=float), agents=np.array(n, dtype=np.int64),
        wait_probability=shaped("wait_probability"), abandon_probability=shaped("abandon_probability"),
        service_level=by_definition["abandons_fail"], service_level_of_answered=by_definition["answered_only"],
        service_level_by_definition=by_definition, asa_seconds=shaped("asa_seconds"),
        mean_wait_seconds=shaped("mean_wait_seconds"), mean_queue_length=shaped("mean_queue_length"),
        occupancy=shaped("occupancy"),
    )


def service_levels(answered_within: Any, answered: Any, abandoned: Any, abandoned_within_threshold: Any,
                   abandoned_within_short: Any) -> dict[str, Any]:
    """The five service-level definitions of domain.md §1.2 from counts (or probabilities) of one period.

    Parameters
    ----------
    answered_within : float or array_like
        Calls answered within the threshold T.
    answered : float or array_like
        Calls answered.
    abandoned : float or array_like
        Calls abandoned in the queue.
    abandoned_within_threshold : float or array_like
        Abandons within T.
    abandoned_within_short : float or array_like
        Abandons within the short-abandon threshold.

    Returns
    -------
    dict
        ``{definition id: value}`` in the order of ``SL_DEFINITIONS``. :func:`metrics` gives the same values
        from the model's probabilities, computed without the subtractions written here.
    """
    offered = np.add(answered, abandoned)
    return {
        "abandons_fail": np.divide(answered_within, offered),
        "short_excluded": np.divide(answered_within, offered - np.asarray(abandoned_within_short)),
        "abandons_within_threshold_excluded": np.divide(answered_within,
                                                        offered - np.asarray(abandoned_within_threshold)),
        "abandons_within_threshold_success": np.divide(np.add(answered_within, abandoned_within_threshold), offered),
        "answered_only": np.divide(answered_within, answered),
    }


ALL_QUANTITIES = ("wait_probability", "abandon_probability", *SL_DEFINITIONS, "asa_seconds", "mean_wait_seconds",
                  "mean_queue_length", "occupancy")

# The integrals behind each quantity (name -> (interval, weight)); see the module docstring.
#   intervals: "all" = [0, ∞), "lo_t" = [0, θT], "hi_t" = [θT, ∞), "lo_s"/"hi_s" likewise for the short-abandon
#   threshold; weights: 0 -> 1, 1 -> e^{-r}, 2 -> 1 - e^{-r}, 3 -> r e^{-r}, 4 -> 1 - e^{-(r - start)}.
_SPECS: dict[str, tuple[str, int]] = {
    "all_0": ("all", 0), "all_1": ("all", 1), "all_2": ("all", 2), "all_3": ("all", 3),
    "lo_t_1": ("lo_t", 1), "lo_t_2": ("lo_t", 2), "hi_t_0": ("hi_t", 0), "hi_t_4": ("hi_t", 4),
    "lo_s_2": ("lo_s", 2), "hi_s_0": ("hi_s", 0), "hi_s_4": ("hi_s", 4),
}
_NEEDS: dict[str, tuple[str, ...]] = {
    "wait_probability": ("all_0",),
    "abandon_probability": ("all_0", "all_2"),
    "abandons_fail": ("all_0", "lo_t_1"),
    "answered_only": ("all_0", "all_1", "lo_t_1"),
    "short_excluded": ("all_0", "all_1", "lo_t_1", "hi_s_4"),
    "abandons_within_threshold_excluded": ("all_0", "all_1", "lo_t_1", "hi_t_4"),
    "abandons_within_threshold_success": ("all_0", "lo_t_1", "lo_t_2", "hi_t_0"),
    "asa_seconds": ("all_1", "all_3"),
    "mean_wait_seconds": ("all_0", "all_2"),
    "mean_queue_length": ("all_0", "all_2"),
    "occupancy": ("all_0", "all_1"),
}


@quiet
def evaluate(a: np.ndarray, n: np.ndarray, aht: np.ndarray, patience: np.ndarray, threshold: np.ndarray,
             short: np.ndarray, quantities: Iterable[str]) -> dict[str, np.ndarray]:
    """Selected Erlang A quantities for validated 1-D arrays of equal length (no checks; the staffing search
    uses this to compute only what its targets need).

    Parameters
    ----------
    a, n, aht, patience, threshold, short : ndarray
        Load [Erlang], agents, AHT [s], mean patience [s], SL threshold [s], short-abandon threshold [s].
    quantities : iterable of str
        Names from ``ALL_QUANTITIES`` (the five SL definitions by their ids).

    Returns
    -------
    dict[str, ndarray]
    """
    wanted = tuple(quantities)
    unknown = [q for q in wanted if q not in _NEEDS]
    if unknown:
        raise ValueError(f"unknown Erlang A quantities {unknown}")
    out = {q: np.empty(a.shape) for q in wanted}
    nf = n.astype(float)
    rt = threshold / patience
    # No load: nobody waits, every service level is 1, agents are idle.
    idle = a == 0
    for q in wanted:
        out[q][idle] = 1.0 if q in SL_DEFINITIONS else 0.0
    # No agents (but load): everyone waits and, in the end, abandons; nothing is answered, so the ratios over
    # answered calls and the occupancy are undefined (NaN).
    empty = np.flatnonzero((a > 0) & (nf == 0))
    if empty.size:
        within_t = -np.expm1(-rt[empty])  # P(patience <= T)
        nobody = {
            "wait_probability": 1.0, "abandon_probability": 1.0, "abandons_fail": 0.0, "short_excluded": 0.0,
            "abandons_within_threshold_excluded": 0.0, "abandons_within_threshold_success": within_t,
            "answered_only": np.nan, "asa_seconds": np.nan, "mean_wait_seconds": patience[empty],
            "mean_queue_length": (a * patience / aht)[empty], "occupancy": np.nan,
        }
        for q in wanted:
            out[q][empty] = nobody[q]
    regular = np.flatnonzero((a > 0) & (nf > 0))
    if regular.size:
        needed = sorted({spec for q in wanted for spec in _NEEDS[q]})
        values = _assemble(a[regular], nf[regular], aht[regular], patience[regular], rt[regular],
                           (short / patience)[regular], needed, wanted)
        for q in wanted:
            out[q][regular] = values[q]
    return out


def _assemble(a: np.ndarray, n: np.ndarray, aht: np.ndarray, patience: np.ndarray, rt: np.ndarray,
              rs: np.ndarray, specs: list[str], wanted: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The wanted quantities from the integrals, for A > 0 and N >= 1."""
    x = n * patience / aht
    log_r = log_idle_ratio(a, n)
    logs, offset = _integrals(a, n, x, rt, rs, specs)
    log_x = np.log(x)
    # Everything relative to the peak of F (offset): R e^{-offset} and x ∫ ... with F's peak at 1.
    lr = log_r - offset
    q: dict[str, np.ndarray] = {key: log_x + value for key, value in logs.items()}
    out: dict[str, np.ndarray] = {}
    log_z = np.logaddexp(lr, q["all_0"]) if "all_0" in q else None
    log_answered = np.logaddexp(lr, q["all_1"]) if "all_1" in q else None  # (R + x∫F e^{-r}) e^{-offset}

    def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
        return np.exp(num - den)

    if log_z is not None:
        ans_within = logaddexp(lr, q["lo_t_1"]) if "lo_t_1" in q else None
        if "wait_probability" in wanted:
            out["wait_probability"] = ratio(q["all_0"], log_z)
        p_ab = ratio(q["all_2"], log_z) if "all_2" in q else None
        if p_ab is not None:
            out["abandon_probability"] = p_ab
            out["mean_wait_seconds"] = p_ab * patience
            out["mean_queue_length"] = p_ab * a * patience / aht
        if log_answered is not None:
            out["occupancy"] = ratio(log_answered, log_z) * a / n
        if ans_within is not None:
            out["abandons_fail"] = ratio(ans_within, log_z)
            if log_answered is not None:
                out["answered_only"] = ratio(ans_within, log_answered)
                if "hi_s_4" in q:  # denominator 1 - P(abandon within s) = P(answered) + P(abandon after s)
                    out["short_excluded"] = ratio(ans_within, np.logaddexp(log_answered, q["hi_s_4"] - rs))
                if "hi_t_4" in q:
                    out["abandons_within_threshold_excluded"] = ratio(
                        ans_within, np.logaddexp(log_answered, q["hi_t_4"] - rt))
            if "lo_t_2" in q:
                ab_within = np.logaddexp(q["lo_t_2"], log1mexp(rt) + q["hi_t_0"])
                out["abandons_within_threshold_success"] = ratio(np.logaddexp(ans_within, ab_within), log_z)
    if log_answered is not None and "all_3" in q:
        out["asa_seconds"] = ratio(q["all_3"], log_answered) * patience
    for key in wanted:
        if key not in ("asa_seconds", "mean_wait_seconds", "mean_queue_length"):
            # Ratios of equal sums can land an ulp or two above 1; only rounding is trimmed, anything else shows.
            out[key] = np.where((out[key] > 1.0) & (out[key] <= 1.0 + 1e-12), 1.0, out[key])
    return {k: out[k] for k in wanted}


def _integrals(a: np.ndarray, n: np.ndarray, x: np.ndarray, rt: np.ndarray, rs: np.ndarray,
               specs: list[str]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """``log ∫ F·weight`` over each spec's interval, relative to F's peak; returns (logs, log peak)."""
    rho = a / n
    over = rho > 1
    logs = {spec: np.empty(a.shape) for spec in specs}
    offset = np.zeros(a.shape)
    for group in (over, ~over):
        if not group.any():
            continue
        overloaded = bool(over[group][0])
        part, peak = _integrals_group(a[group], n[group], x[group], rt[group], rs[group], specs, overloaded)
        for spec in specs:
            logs[spec][group] = part[spec]
        offset[group] = peak
    return logs, offset


def _integrals_group(a: np.ndarray, n: np.ndarray, x: np.ndarray, rt: np.ndarray, rs: np.ndarray,
                     specs: list[str], overloaded: bool) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The integrals for elements that are all overloaded (ρ > 1: F peaks at r* = log ρ) or all not (r* = 0)."""
    m = a.size
    rho = a / n
    if overloaded:
        r_star = np.log1p((a - n) / n)
        offset = x * expm1mx(r_star)  # x (ρ - 1 - log ρ): log F at its peak
        width = 1.0 / np.minimum(np.sqrt(0.5 * x), x)  # F ~ exp(-x d^2 / 2) near the peak, exp(-x d) far out
    else:
        r_star = np.zeros(m)
        offset = np.zeros(m)
        width = 1.0 / ((n - a) / n * x + np.minimum(np.sqrt(0.5 * x * rho), x * rho))
    bounds = {"all": (np.zeros(m), np.full(m, np.inf)), "lo_t": (np.zeros(m), rt), "hi_t": (rt, np.full(m, np.inf)),
              "lo_s": (np.zeros(m), rs), "hi_s": (rs, np.full(m, np.inf))}
    # Rows: for each spec a right piece (from the anchor up) and, when overloaded, a left piece (from the anchor
    # down to the interval's start); the anchor is F's peak clipped to the interval. Empty pieces are dropped.
    sides = (1, -1) if overloaded else (1,)
    rows = [(spec, side) for spec in specs for side in sides]
    lo = np.concatenate([bounds[_SPECS[spec][0]][0] for spec, _ in rows])
    hi = np.concatenate([bounds[_SPECS[spec][0]][1] for spec, _ in rows])
    right_all = np.repeat([side > 0 for _, side in rows], m)
    code_all = np.repeat([_SPECS[spec][1] for spec, _ in rows], m)
    elem = np.tile(np.arange(m), len(rows))
    anchor = np.clip(r_star[elem], lo, hi)
    length = np.where(right_all, hi - anchor, anchor - lo)
    keep = np.flatnonzero(length > 0)
    flat = np.full(lo.size, -np.inf)
    if keep.size:
        e = elem[keep]
        right = right_all[keep][:, None]
        code = code_all[keep]
        start = lo[keep][:, None]
        anc = anchor[keep][:, None]
        gap = anc - r_star[e][:, None]  # anchor relative to the peak
        from_start = anc - start  # anchor relative to the interval's start
        xs = x[e][:, None]
        rho_c = rho[e][:, None]
        delta_c = ((n - a) / n)[e][:, None]
        blocks = [(c, np.flatnonzero(code == c)) for c in (1, 2, 3, 4)]

        def log_f(v: np.ndarray, vbar: np.ndarray) -> np.ndarray:
            r = np.where(right, anc + v, start + vbar)
            if overloaded:
                value = -xs * expm1mx(-np.where(right, gap + v, gap - v))  # -x κ(r - r*)
            else:
                value = -xs * (delta_c * r + rho_c * expm1mx(-r))
            for c, idx in blocks:
                if not idx.size:
                    continue
                rb = r[idx]
                if c == 1:
                    value[idx] -= rb
                elif c == 2:
                    value[idx] += log1mexp(rb)
                elif c == 3:
                    value[idx] += np.log(rb) - rb
                else:  # 1 - e^{-(r - start)}, the distance from the start taken without cancellation
                    value[idx] += log1mexp(np.where(right[idx], from_start[idx] + v[idx], vbar[idx]))
            return value

        if keep.size >= _numerics.COMPILED_MIN_ROWS:
            from simulator.analytic._compiled import ERLANG_A, log_integrals  # loads numba: big batches only

            params = np.column_stack([right[:, 0], anc[:, 0], start[:, 0], gap[:, 0], from_start[:, 0], xs[:, 0],
                                      rho_c[:, 0], delta_c[:, 0], code, np.full(keep.size, overloaded)])
            flat[keep] = log_integrals(ERLANG_A, params.astype(float), length[keep], width[e], True)
        else:
            flat[keep] = log_integral(log_f, length[keep], guess=width[e])
    per_row: np.ndarray = flat.reshape(len(rows), m)
    logs: dict[str, np.ndarray] = {}
    for i, (spec, _side) in enumerate(rows):
        logs[spec] = per_row[i] if spec not in logs else np.logaddexp(logs[spec], per_row[i])
    return logs, offset

"""Staffing search: the fewest agents per interval that meet every given target together.

Each target is monotone in the number of agents N: service level (under any of the five definitions) rises,
ASA, P(abandon) and occupancy fall. So the targets of the "at least" kind (SL, ASA cap, abandon cap, occupancy
cap, and for Erlang C stability, N > A) give a lower bound, found per interval by galloping from a guess
(doubling steps up or down) and then bisecting, vectorised over all intervals at once. A minimum occupancy and
``max_agents`` give an upper bound; when it lies below the lower bound the targets conflict, and
:class:`~simulator.errors.InfeasibleTargetError` says which targets need how many agents.

Erlang A is searched from N = 1 upwards, including N below the offered load: with impatient callers a queue can
meet its targets with fewer agents than Erlangs of load.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.analytic import _validate, erlang_a, erlang_c
from simulator.analytic._numerics import quiet
from simulator.analytic.definitions import SL_DEFINITIONS
from simulator.errors import InfeasibleTargetError, ScenarioError

__all__ = ["METHODS", "required_agents"]

METHODS = ("erlang_c", "erlang_a")


def _choice(value: Any, choices: tuple[str, ...], field: str) -> str:
    name = str(value).strip().lower().replace("-", "_")
    if name not in choices:
        raise ScenarioError(f"must be one of {', '.join(choices)} (hyphens accepted)", field=field, value=value)
    return name


@dataclass(frozen=True)
class _Target:
    """One target: ``metric`` (a quantity name) compared with ``bound``; ``label`` for messages."""

    key: str  # the keyword argument that set it
    metric: str
    bound: float
    at_least: bool  # metric >= bound (else metric <= bound)
    label: str

    def met(self, values: dict[str, np.ndarray]) -> np.ndarray:
        value = values[self.metric]
        return value >= self.bound if self.at_least else value <= self.bound

    def text(self, model: _Model, i: int) -> str:
        """The label for interval ``i`` (the SL target names its threshold)."""
        return self.label.format(threshold=f"{model.threshold[i]:g}")


@quiet
def required_agents(load: Any, *, aht_seconds: Any, method: str, threshold_seconds: Any = 20.0,
                    target_sl: float | None = None, sl_definition: str = "abandons_fail",
                    patience_seconds: Any = None, short_abandon_seconds: Any = 5.0,
                    max_asa_seconds: float | None = None, max_abandon: float | None = None,
                    max_occupancy: float | None = None, min_occupancy: float | None = None,
                    max_agents: int | None = None) -> np.ndarray:
    """Minimum agents meeting all given targets together, per element of ``load``.

    Parameters
    ----------
    load : float or array_like
        Offered load per interval. [Erlang], ``>= 0``; zero load needs 0 agents.
    aht_seconds : float or array_like
        Average handle time. [s] (broadcast against ``load``)
    method : str
        ``"erlang_c"`` or ``"erlang_a"`` (hyphens accepted).
    threshold_seconds : float or array_like, optional
        Service-level threshold T. [s]
    target_sl : float, optional
        Minimum service level (0-1) under ``sl_definition``.
    sl_definition : str, optional
        One of ``SL_DEFINITIONS`` (hyphens accepted); for Erlang C all five coincide.
    patience_seconds : float or array_like, optional
        Mean patience [s]; required for Erlang A, ignored by Erlang C (callers never abandon).
    short_abandon_seconds : float or array_like, optional
        Short-abandon threshold for the ``short_excluded`` definition. [s]
    max_asa_seconds : float, optional
        Maximum mean wait of answered calls. [s]
    max_abandon : float, optional
        Maximum P(abandon) (0-1); always met by Erlang C.
    max_occupancy, min_occupancy : float, optional
        Bounds on occupancy (0-1). A minimum occupancy caps the staffing from above.
    max_agents : int, optional
        Largest staffing allowed.

    Returns
    -------
    ndarray of int
        Agents per element, the shape of ``load`` (0-d for a scalar).

    Raises
    ------
    ScenarioError
        Unknown ``method`` or ``sl_definition``, Erlang A without patience, a bad number, or no target at all.
    InfeasibleTargetError
        A target no staffing meets, or targets that conflict; the message names them, the agents each needs and
        the first interval concerned.
    """
    name = _choice(method, METHODS, "method")
    definition = _choice(sl_definition, SL_DEFINITIONS, "sl_definition")
    a = _validate.nonnegative(load, "load")
    shape = a.shape
    aht = _validate.positive(aht_seconds, "aht_seconds")
    threshold = _validate.nonnegative(threshold_seconds, "threshold_seconds")
    short = _validate.nonnegative(short_abandon_seconds, "short_abandon_seconds")
    if name == "erlang_a":
        if patience_seconds is None:
            raise ScenarioError("Erlang A needs the mean patience (patience_seconds)", field="patience_seconds",
                                has_value=False)
        patience = _validate.positive(patience_seconds, "patience_seconds")
    else:
        patience = np.ones(())
    try:
        arrays = np.broadcast_arrays(a, aht, threshold, short, patience)
    except ValueError:
        raise ScenarioError("load, aht_seconds, threshold_seconds and patience_seconds do not broadcast together",
                            field="load", value=shape) from None
    a, aht, threshold, short, patience = (np.ascontiguousarray(x).ravel() for x in arrays)
    shape = arrays[0].shape

    lower, upper, cap_agents = _targets(name, definition, target_sl, max_asa_seconds, max_abandon, max_occupancy,
                                        min_occupancy, max_agents)
    model = _Model(name, a, aht, threshold, short, patience)
    agents = np.zeros(a.size, dtype=np.int64)
    busy = np.flatnonzero(a > 0)
    if busy.size == 0:
        return agents.reshape(shape)
    single = len(shape) == 0 or a.size == 1
    _impossible(model, lower, a, busy, single)

    # Lower bound: smallest N meeting every "at least" target (and stability for Erlang C).
    floor_bad = np.floor(a[busy]).astype(np.int64) if name == "erlang_c" else np.zeros(busy.size, dtype=np.int64)
    cap = _search_cap(a[busy])
    guess = np.maximum(floor_bad + 1, np.round(a[busy] + (np.sqrt(a[busy]) if name == "erlang_c" else 0.0)))
    need = _search(model.predicate(lower), busy, floor_bad, guess.astype(np.int64), cap)
    unmet = need > cap
    if unmet.any():
        _raise_unmet(model, lower, busy, floor_bad, cap, unmet, single)
    # Upper bounds: the lower bound must also satisfy them (occupancy falls with N, so checking N is enough).
    ok = np.ones(busy.size, dtype=bool) if cap_agents is None else need <= cap_agents
    if upper:
        ok &= model.predicate(upper, stable=False)(busy, need)
    if not ok.all():
        _raise_conflict(model, lower, upper, cap_agents, busy, floor_bad, cap, need, ok, single)
    agents[busy] = need
    return agents.reshape(shape)


def _targets(name: str, definition: str, target_sl: float | None, max_asa: float | None,
             max_abandon: float | None, max_occupancy: float | None, min_occupancy: float | None,
             max_agents: int | None) -> tuple[list[_Target], list[_Target], int | None]:
    lower: list[_Target] = []
    upper: list[_Target] = []
    sl_metric = "service_level" if name == "erlang_c" else definition
    if target_sl is not None:
        value = _validate.fraction(target_sl, "target_sl")
        label = f"service level >= {value:g} within {{threshold}} s ({definition})"
        lower.append(_Target("target_sl", sl_metric, value, True, label))
    if max_asa is not None:
        value = _validate.scalar_positive(max_asa, "max_asa_seconds", allow_zero=True)
        lower.append(_Target("max_asa_seconds", "asa_seconds", value, False, f"ASA <= {value:g} s"))
    if max_abandon is not None:
        value = _validate.fraction(max_abandon, "max_abandon")
        if name == "erlang_a":
            lower.append(_Target("max_abandon", "abandon_probability", value, False,
                                 f"abandon probability <= {value:g}"))
    if max_occupancy is not None:
        value = _validate.fraction(max_occupancy, "max_occupancy", allow_zero=False)
        lower.append(_Target("max_occupancy", "occupancy", value, False, f"occupancy <= {value:g}"))
    if min_occupancy is not None:
        value = _validate.fraction(min_occupancy, "min_occupancy")
        if value > 0:
            upper.append(_Target("min_occupancy", "occupancy", value, True, f"occupancy >= {value:g}"))
    cap_agents = None
    if max_agents is not None:
        cap = _validate.agents(max_agents, "max_agents")
        if cap.ndim:
            raise ScenarioError("must be a single number", field="max_agents", value=max_agents)
        cap_agents = int(cap)
    if target_sl is None and max_asa is None and max_abandon is None and max_occupancy is None:
        raise ScenarioError("no staffing target: give target_sl, max_asa_seconds, max_abandon or max_occupancy",
                            field="target_sl", has_value=False)
    return lower, upper, cap_agents


def _impossible(model: _Model, lower: list[_Target], a: np.ndarray, busy: np.ndarray, single: bool) -> None:
    """Targets no finite staffing meets with any load at all: SL 1, zero abandonment, zero ASA."""
    for target in lower:
        never = ((target.at_least and target.bound >= 1.0 and target.metric != "occupancy")
                 or (not target.at_least and target.bound <= 0.0))
        if never:
            where = _where(int(busy[0]), a, single)
            raise InfeasibleTargetError(f"{where}{target.text(model, int(busy[0]))} cannot be met by any number "
                                        "of agents (it is reached only in the limit of infinitely many)",
                                        field=target.key)


class _Model:
    """The queue model evaluated on a subset of intervals at given agent counts."""

    def __init__(self, name: str, a: np.ndarray, aht: np.ndarray, threshold: np.ndarray, short: np.ndarray,
                 patience: np.ndarray) -> None:
        self.name = name
        self.a, self.aht, self.threshold, self.short, self.patience = a, aht, threshold, short, patience

    def values(self, idx: np.ndarray, n: np.ndarray, quantities: set[str]) -> dict[str, np.ndarray]:
        if self.name == "erlang_c":
            result = erlang_c.metrics(self.a[idx], n, aht_seconds=self.aht[idx],
                                      threshold_seconds=self.threshold[idx])
            return {"service_level": result.service_level, "asa_seconds": result.asa_seconds,
                    "occupancy": result.occupancy, "stable": result.stable}
        return erlang_a.evaluate(self.a[idx], n, self.aht[idx], self.patience[idx], self.threshold[idx],
                                 self.short[idx], sorted(quantities))

    def predicate(self, targets: list[_Target], *, stable: bool = True) -> Callable[[np.ndarray, np.ndarray],
                                                                                     np.ndarray]:
        """``met(idx, N)``: every target met at N agents (and, for Erlang C with ``stable``, N > A)."""
        quantities = {t.metric for t in targets}

        def met(idx: np.ndarray, n: np.ndarray) -> np.ndarray:
            values = self.values(idx, n, quantities)
            ok = np.ones(idx.size, dtype=bool)
            if self.name == "erlang_c" and stable:
                ok &= values["stable"]
            for target in targets:
                ok &= target.met(values)
            return ok

        return met


def _search_cap(load: np.ndarray) -> np.ndarray:
    """Largest staffing searched: far beyond any target a double can tell from its limit (SL 1 - 1e-16 needs
    about A + 9√A agents)."""
    return np.ceil(load + 40.0 * np.sqrt(load) + 100.0).astype(np.int64)


def _search(met: Callable[[np.ndarray, np.ndarray], np.ndarray], idx: np.ndarray, bad: np.ndarray,
            guess: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Smallest N in (bad, cap] with ``met(idx, N)``, per element (monotone in N); ``cap + 1`` if none.

    Gallops from ``guess`` (steps 1, 2, 4, ... up or down) until the answer is bracketed, then bisects; each
    round evaluates the model once for all intervals still searching.
    """
    lo = bad.copy()  # known not to meet (or impossible)
    hi = cap + 1  # known to meet, or cap + 1 for "nothing found yet"
    probe = np.clip(guess, lo + 1, cap)
    step = np.ones(idx.size, dtype=np.int64)
    direction = np.zeros(idx.size, dtype=np.int64)  # +1 galloping up, -1 down, 0 bisecting
    ok = met(idx, probe)
    hi = np.where(ok, probe, hi)
    lo = np.where(ok, lo, probe)
    direction = np.where(ok, -1, 1)
    direction[~ok & (probe >= cap)] = 0
    while True:
        galloping = direction != 0
        nxt = np.where(direction > 0, np.minimum(lo + step, cap), hi - step)
        # A downward gallop that would reach the known-bad bound turns into bisection.
        stop = galloping & (direction < 0) & (nxt <= lo)
        direction[stop] = 0
        galloping &= ~stop
        bisect = (direction == 0) & (hi - lo > 1) & (hi <= cap)
        active = galloping | bisect
        if not active.any():
            return hi
        nxt = np.where(bisect, (lo + hi) // 2, nxt)
        sel = np.flatnonzero(active)
        good = met(idx[sel], nxt[sel])
        hi[sel] = np.where(good, nxt[sel], hi[sel])
        lo[sel] = np.where(good, lo[sel], nxt[sel])
        going_up = direction[sel] > 0
        going_down = direction[sel] < 0
        # Upward gallop ends when it meets the target (or the cap); downward when it fails.
        ends = (going_up & (good | (nxt[sel] >= cap[sel]))) | (going_down & ~good)
        direction[sel] = np.where(ends, 0, direction[sel])
        step[sel] = np.where(ends, step[sel], step[sel] * 2)


def _where(i: int, a: np.ndarray, single: bool) -> str:
    return f"load {a[i]:g} Erlang: " if single else f"interval {i} (load {a[i]:g} Erlang): "


def _requirements(model: _Model, lower: list[_Target], busy: np.ndarray, floor_bad: np.ndarray, cap: np.ndarray,
                  j: int) -> list[tuple[_Target, int]]:
    """Agents each lower-bound target needs on its own, for the busy interval number ``j``."""
    out = []
    idx = busy[j:j + 1]
    for target in lower:
        need = _search(model.predicate([target]), idx, floor_bad[j:j + 1], floor_bad[j:j + 1] + 1, cap[j:j + 1])
        out.append((target, int(need[0])))
    return out


def _describe(model: _Model, i: int, requirements: list[tuple[_Target, int]], cap: int) -> str:
    parts = []
    for target, need in requirements:
        parts.append(f"{target.text(model, i)} is not met by any staffing up to {cap} agents" if need > cap
                     else f"{target.text(model, i)} needs at least {need} agents")
    return "; ".join(parts)


def _raise_unmet(model: _Model, lower: list[_Target], busy: np.ndarray, floor_bad: np.ndarray, cap: np.ndarray,
                 unmet: np.ndarray, single: bool) -> None:
    j = int(np.flatnonzero(unmet)[0])
    reqs = _requirements(model, lower, busy, floor_bad, cap, j)
    failing = [r for r in reqs if r[1] > cap[j]] or reqs
    i = int(busy[j])
    raise InfeasibleTargetError(f"{_where(i, model.a, single)}{_describe(model, i, failing, int(cap[j]))}",
                                field=failing[0][0].key)


def _raise_conflict(model: _Model, lower: list[_Target], upper: list[_Target], cap_agents: int | None,
                    busy: np.ndarray, floor_bad: np.ndarray, cap: np.ndarray, need: np.ndarray, ok: np.ndarray,
                    single: bool) -> None:
    j = int(np.flatnonzero(~ok)[0])
    i = int(busy[j])
    n_need = int(need[j])
    every = _requirements(model, lower, busy, floor_bad, cap, j)
    reqs = [r for r in every if r[1] == n_need] or every
    limits = []
    idx = busy[j:j + 1]
    if cap_agents is not None and n_need > cap_agents:
        limits.append(f"max_agents allows at most {cap_agents}")
    for target in upper:
        # Largest N still meeting the upper-bound target: one below the first N that breaks it.
        def breaks(i: np.ndarray, n: np.ndarray, target: _Target = target) -> np.ndarray:
            return ~model.predicate([target], stable=False)(i, n)

        first_bad = _search(breaks, idx, np.zeros(1, dtype=np.int64), np.ones(1, dtype=np.int64),
                            np.array([n_need]))
        allowed = int(first_bad[0]) - 1
        if allowed < n_need:
            limits.append(f"{target.text(model, i)} allows at most {allowed}")
    text = " and ".join(f"{target.text(model, i)} needs at least {n} agents" for target, n in reqs)
    raise InfeasibleTargetError(f"{_where(i, model.a, single)}targets conflict: {text}, but " + " and ".join(limits),
                                field=reqs[0][0].key)


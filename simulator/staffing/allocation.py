"""The cheapest staffing whose measurement period meets the targets: a Lagrangian allocation over intervals.

Where the SLA is measured over a day, week or month, an interval may run below the target if others run above
it, and an agent-hour buys more service level where the queue is large (economies of scale) and costs more where
the rate card pays a shift premium. Every period target is a sum over the intervals of the day (the forecast's
days are alike), so it can be written as ``Σ_i g_i(s_i) >= 0``:

=====================  ==========================================================================================
target                 g_i(s) per interval i (w_i its offered calls per day)
=====================  ==========================================================================================
service level ≥ T      w_i · den_i(s) · (SL_i(s) − T)  (volume-weighted; den: the definition's denominator)
                       (SL_i(s) − T) for every interval with calls (interval-weighted)
abandonment ≤ cap      w_i · (cap − P_i(s))
ASA ≤ cap              w_i · (1 − P_i(s)) · (cap − ASA_i(s))
day floor ≥ F          as the service level, with F (on the forecast every day is the average day)
=====================  ==========================================================================================

For multipliers μ_k ≥ 0 the staffing ``s_i(μ) = argmin_s [c_i s − Σ_k μ_k g_ik(s)]`` is found exactly per
interval over its tabulated staffing (so the S-shaped service-level curve poses no problem); μ is raised by
bisection, one violated target at a time, to the smallest value that meets it (raising one μ only adds agents,
so a target once met stays met). A greedy trim then removes, one at a time, the agent-interval whose removal
loses least per unit of cost while every target is still met. Per-interval bounds (occupancy cap, interval floor,
minimum and maximum agents, the table) limit every interval throughout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.staffing.response import IntervalResponse, IntervalTargets

__all__ = ["Allocation", "allocate", "period_terms"]

_MU_LOW, _MU_HIGH = 1e-9, 1e12
_BISECTIONS = 60
_ROUNDS = 12


@dataclass(frozen=True, eq=False)
class Allocation:
    """The allocated agents and what the period targets look like there."""

    agents: np.ndarray
    unbounded: np.ndarray  # the agents each interval would take at the same multipliers without its bounds
    multipliers: dict[str, float]  # μ per period target (0: not binding)
    slack: dict[str, float]  # Σ g / Σ w per target at the answer (>= 0 where met)
    feasible: bool  # every target met within the bounds
    binding: str | None  # the bought period target with the least slack (None: the bounds alone decide)


def period_terms(response: IntervalResponse, targets: IntervalTargets,
                 day_floor: float | None = None) -> dict[str, np.ndarray]:
    """``g_ik(s)`` (I, S) per target name (``sla``, ``abandon``, ``asa``, ``floor``), normalised by the calls
    of a day so that the multipliers are on the scale of the costs; NaN outside the table."""
    w = response.calls[:, None]
    total = max(float(response.calls.sum()), 1e-300)
    terms: dict[str, np.ndarray] = {}

    def service_level_term(level: float) -> np.ndarray:
        if response.aggregation == "interval_weighted":
            count = max(int((response.calls > 0).sum()), 1)
            return np.where(w > 0, response.service_level - level, 0.0) / count
        return w * response.denominator * (response.service_level - level) / total

    if targets.service_level is not None:
        terms["sla"] = service_level_term(targets.service_level)
    if day_floor is not None:
        terms["floor"] = service_level_term(day_floor)
    if targets.max_abandon is not None:
        terms["abandon"] = w * (targets.max_abandon - response.abandon) / total
    if targets.max_asa is not None:
        answered = w * (1 - response.abandon)
        terms["asa"] = answered * (targets.max_asa - np.nan_to_num(response.asa, nan=np.inf)) / (
            total * targets.max_asa)
        terms["asa"] = np.where(answered > 0, terms["asa"], 0.0)
    for name in terms:
        terms[name] = np.where(response.tabulated(), np.nan_to_num(terms[name], neginf=-1e30), np.nan)
    return terms


def allocate(response: IntervalResponse, targets: IntervalTargets, *, lower: np.ndarray, upper: np.ndarray,
             cost: np.ndarray, day_floor: float | None = None) -> Allocation:
    """The cheapest agents per interval (cost ``cost`` per agent-interval) whose period meets ``targets``.

    Parameters
    ----------
    response : IntervalResponse
        What each interval delivers at each staffing.
    targets : IntervalTargets
        The period targets (the planning targets of the staffing engine).
    lower, upper : ndarray of int
        Bounds per interval (occupancy cap, interval floor, minimum agents; maximum agents).
    cost : ndarray
        Relative cost of one agent in each interval (1 + any shift premium).
    day_floor : float, optional
        A day floor on the forecast's (average) day.
    """
    terms = period_terms(response, targets, day_floor)
    s_axis = np.arange(response.top + 1)[None, :]
    low = np.maximum(np.asarray(lower, dtype=int), response.lowest)
    high = np.minimum(np.asarray(upper, dtype=int), response.top)
    low = np.minimum(low, high)
    allowed = (s_axis >= low[:, None]) & (s_axis <= high[:, None]) & response.tabulated()
    unbounded_ok = response.tabulated()
    names = list(terms)
    mu = dict.fromkeys(names, 0.0)
    price = np.asarray(cost, dtype=float)[:, None] * s_axis
    gains = {name: np.nan_to_num(term, nan=0.0) for name, term in terms.items()}  # the cells outside count 0

    def choose(multipliers: dict[str, float], mask: np.ndarray) -> np.ndarray:
        objective = price
        for name, m in multipliers.items():
            if m > 0:
                objective = objective - m * gains[name]
        objective = np.where(mask, objective, np.inf)
        return np.asarray(objective.argmin(axis=1), dtype=int)

    def totals(agents: np.ndarray) -> dict[str, float]:
        rows = np.arange(agents.size)
        return {name: float(np.nansum(terms[name][rows, agents])) for name in names}

    agents = choose(mu, allowed)
    for _ in range(_ROUNDS):
        sums = totals(agents)
        violated = [name for name in names if sums[name] < 0]
        if not violated:
            break
        for name in violated:
            if totals(agents)[name] >= 0:
                continue
            top = {**mu, name: _MU_HIGH}
            if totals(choose(top, allowed))[name] < 0:
                mu[name] = _MU_HIGH  # not reachable within the bounds: as far as it goes
                agents = choose(mu, allowed)
                continue
            lo, hi = max(mu[name], _MU_LOW), _MU_HIGH
            for _ in range(_BISECTIONS):
                mid = float(np.sqrt(lo * hi))
                if totals(choose({**mu, name: mid}, allowed))[name] >= 0:
                    hi = mid
                else:
                    lo = mid
                if hi / lo < 1 + 1e-9:
                    break
            mu[name] = hi
            agents = choose(mu, allowed)
    feasible = all(v >= 0 for v in totals(agents).values())
    if feasible:
        agents = _trim(agents, terms, names, low, np.asarray(cost, dtype=float), mu)
    sums = totals(agents)
    active = [name for name, m in mu.items() if m > 0]
    # The binding target: of those that had to be bought, the one left with the least slack.
    return Allocation(agents=agents, unbounded=choose(mu, unbounded_ok), multipliers=mu, slack=sums,
                      feasible=feasible, binding=min(active, key=lambda n: sums[n]) if active else None)


def _trim(agents: np.ndarray, terms: dict[str, np.ndarray], names: list[str], low: np.ndarray,
          cost: np.ndarray, mu: dict[str, float]) -> np.ndarray:
    """Remove agents one at a time, least loss per unit cost first, while every target stays met."""
    agents = agents.copy()
    rows = np.arange(agents.size)
    weight = {name: max(mu[name], _MU_LOW) for name in names}
    while True:
        can = agents > low
        if not can.any():
            return agents
        down = np.where(can, agents - 1, agents)
        sums = {name: float(np.nansum(terms[name][rows, agents])) for name in names}
        loss = np.zeros(agents.size)
        feasible = can.copy()
        for name in names:
            now = np.nan_to_num(terms[name][rows, agents], nan=0.0)
            then = np.nan_to_num(terms[name][rows, down], nan=-1e30)
            change = now - then
            feasible &= sums[name] - change >= 0
            loss += weight[name] * change
        if not feasible.any():
            return agents
        score = np.where(feasible, cost / np.maximum(loss, 1e-300), -np.inf)
        agents[int(score.argmax())] -= 1

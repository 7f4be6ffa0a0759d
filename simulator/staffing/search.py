"""The knob searches of the ``risk`` and ``cost`` criteria, on the surrogate months.

Both move one knob f that scales every allowed miss of the planning targets (SL' = 1 − f(1 − SL), caps × f): f < 1
tightens every target, f > 1 loosens it. A larger f never needs more agents.

``risk``: the largest f in [1/64, 4] whose staffing has P(a target missed in a month) ≤ the limit: gallop from 1 by
doubling (or halving) to a bracket, then bisect in log f until the bracket is narrower than 2^(1/8) (at most
``MAX_EVALUATIONS`` bisections); a bisection point whose staffing equals the good end's is good without evaluating.

``cost``: f on a fixed grid from 4 down to 1/8 in steps of √2; each distinct staffing is priced by the quote's own
objective (staffing cost + expected credits + risk premium); the cheapest is kept, among those with P(miss) within
the cap when one is set.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from simulator.staffing.solution import Plan

__all__ = ["COST_KNOBS", "KNOB_RANGE", "cost_knob", "risk_knob"]

KNOB_RANGE = (2.0**-6, 4.0)
RESOLUTION = 1.0 / 8.0  # the risk search stops when log2(f_fail / f_met) is below this
MAX_EVALUATIONS = 8
COST_KNOBS = tuple(float(2.0 ** (k / 2)) for k in range(4, -7, -1))  # 4 … 1/8
_TIE = 1e-12

PlanAt = Callable[[float], Plan]  # the staffing planned at a knob
Note = Callable[[str, float, Plan, float, float | None, bool], None]  # (stage, knob, plan, p_miss, objective, ok)


def risk_knob(plan_at: PlanAt, p_miss: Callable[[Plan], float], limit: float, note: Note) -> float | None:
    """The largest knob whose staffing's P(miss) is within ``limit`` (None: not even the smallest)."""
    cache: dict[float, tuple[Plan, float]] = {}

    def ok(knob: float) -> bool:
        if knob not in cache:
            plan = plan_at(knob)
            p = p_miss(plan)
            cache[knob] = (plan, p)
            note("risk", knob, plan, p, None, p <= limit + _TIE)
        return cache[knob][1] <= limit + _TIE

    low, high = KNOB_RANGE
    good: float | None = None
    bad: float | None = None
    if ok(1.0):
        good, knob = 1.0, 2.0
        while knob <= high:
            if not ok(knob):
                bad = knob
                break
            good, knob = knob, knob * 2
    else:
        bad, knob = 1.0, 0.5
        while knob >= low:
            if ok(knob):
                good = knob
                break
            bad, knob = knob, knob / 2
    if good is None or bad is None:
        return good
    for _ in range(MAX_EVALUATIONS):
        if math.log2(bad / good) <= RESOLUTION:
            break
        mid = math.sqrt(good * bad)
        if np.array_equal(plan_at(mid).agents, cache[good][0].agents):
            good = mid
            continue
        if ok(mid):
            good = mid
        else:
            bad = mid
    return good


def cost_knob(plan_at: PlanAt, price: Callable[[Plan], tuple[float, float]], cap: float | None,
              note: Note) -> float | None:
    """The knob of least objective on the grid; ``price(plan)`` gives (P(miss), objective). None: no grid point
    within ``cap``."""
    best: tuple[float, float] | None = None
    seen: dict[tuple[int, ...], tuple[float, float]] = {}
    for knob in COST_KNOBS:
        plan = plan_at(knob)
        key = tuple(plan.agents.tolist())
        if key not in seen:
            seen[key] = price(plan)
            p, total = seen[key]
            note("cost", knob, plan, p, total, cap is None or p <= cap + _TIE)
        p, total = seen[key]
        if (cap is None or p <= cap + _TIE) and (best is None or total < best[1] - 1e-9):
            best = (knob, total)
    return None if best is None else best[0]

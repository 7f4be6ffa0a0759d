"""The iterative staffing algorithm: staffing per interval from the load the simulation measures there.

Feldman, Mandelbaum, Massey and Whitt (2008), "Staffing of time-varying queues to achieve time-stable
performance", Management Science 54(2): simulate at the current staffing, measure each interval, re-plan each
interval from what was measured, repeat until the staffing stops changing. Here, per iteration n:

1. simulate months at s_n on the forecast (the same month seeds every iteration: common random numbers);
2. measure per interval the calls offered to the queue (first attempts, repeats and redials, as they arrived),
   the calls carried in from the interval before (waiting in the queue at its start) and the achieved SL,
   abandonment and ASA;
3. re-plan: Erlang A (C) at the measured load, shifted by the interval's drift at s_n
   (:mod:`simulator.staffing.response`), gives the fewest agents meeting every SLA target *in that interval*;
4. stop when no interval's proposal moves by more than one agent (``SETTLED``): integer staffing measured on
   finite samples jitters by one agent around its fixed point, so the answer is the element-wise maximum of
   s_n and s_{n+1} (the cautious side); or when the proposal is a staffing met before (the iteration cycles,
   as it can on few simulated calls): the element-wise maximum of the cycle; at most ``MAX_ITERATIONS``.

The result is time-stable: every interval meets the targets about equally, whatever the repeats, redials and
backlog do to the shape of the load. It is the answer for an SLA measured per interval and the start (and the
drift) for one measured over a day, week or month.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.jsonutil import jsonable
from simulator.risk.months import MonthSet
from simulator.scenario.model import Scenario
from simulator.staffing.response import IntervalResponse, IntervalTargets, interval_response

__all__ = ["MAX_ITERATIONS", "MIN_INTERVAL_CALLS", "PER_INTERVAL_MONTHS", "SETTLED", "FixedPoint", "Iteration",
           "fixed_point_months", "iterate_staffing"]

MAX_ITERATIONS = 6
SETTLED = 1  # the iteration has settled when no interval's proposal moves by more agents than this
MIN_INTERVAL_CALLS = 3_000  # simulated calls in the quietest interval behind each measurement
PER_INTERVAL_MONTHS = 6  # months behind each measurement where the SLA is measured per interval


@dataclass(frozen=True, eq=False)
class Iteration:
    """One simulated staffing of the iteration and what was measured there."""

    agents: np.ndarray
    calls: np.ndarray  # offered calls per day per interval (measured)
    carried_in: np.ndarray  # calls waiting in the queue at each interval's start, per day
    service_level: np.ndarray  # achieved per interval (contract definition)
    abandon_rate: np.ndarray
    asa_seconds: np.ndarray
    next_agents: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"agents_per_interval": self.agents.tolist(), "calls": self.calls.tolist(),
                         "carried_in": self.carried_in.tolist(), "service_level": self.service_level.tolist(),
                         "abandon_rate": self.abandon_rate.tolist(), "asa_seconds": self.asa_seconds.tolist(),
                         "changed_intervals": int((self.next_agents != self.agents).sum())})


@dataclass(frozen=True, eq=False)
class FixedPoint:
    """The time-stable staffing for the SLA targets per interval, and the response measured there."""

    agents: np.ndarray
    response: IntervalResponse  # measured at ``agents``
    sims: MonthSet  # the months simulated at ``agents``
    iterations: tuple[Iteration, ...]
    converged: bool
    months_per_iteration: int
    stopped: str = "settled"  # "settled", "cycle" (the proposal repeated an earlier staffing) or "limit"

    def to_dict(self, starts: list[str]) -> dict[str, Any]:
        last = self.iterations[-1]
        return jsonable({
            "rule": "iterative staffing algorithm (Feldman, Mandelbaum, Massey & Whitt 2008): simulate, measure "
                    "each interval's offered calls (first attempts + repeats + redials), re-plan each interval "
                    "by the formulas at the measured load shifted by its drift, until the staffing repeats",
            "iterations": len(self.iterations),
            "converged": self.converged,
            "stopped": self.stopped,
            "months_per_iteration": self.months_per_iteration,
            "agents_per_interval": self.agents.tolist(),
            "intervals": [{**row, "carried_in": float(last.carried_in[i]),
                           "service_level": float(last.service_level[i]),
                           "abandon_rate": float(last.abandon_rate[i]), "asa_seconds": float(last.asa_seconds[i])}
                          for i, row in enumerate(self.response.to_dict(starts))],
            "history": [it.to_dict() for it in self.iterations],
        })


def fixed_point_months(scenario: Scenario, replications: int, *, per_interval: bool | None = None) -> int:
    """Months per iteration: enough that the quietest interval has ``MIN_INTERVAL_CALLS`` simulated calls, and
    at least two (they run side by side on two cores), at most ``replications``. Where the SLA is measured per
    interval, the fixed point is the answer and at least ``PER_INTERVAL_MONTHS``: the calls of one interval wait
    in the same queues, so its SL moves by 3-4 points from month to month, far more than independent calls
    would make it, and it takes about six months to measure it to 1.5 points. ``per_interval``: measure so
    whatever the SLA's period (default: as the SLA is measured)."""
    calls = scenario.calls_per_interval * scenario.demand.days_per_month
    quietest = float(calls[calls > 0].min(initial=math.inf)) if (calls > 0).any() else math.inf
    if not math.isfinite(quietest):
        return 1
    if per_interval is None:
        per_interval = scenario.definitions.measurement_period == "interval"
    least = PER_INTERVAL_MONTHS if per_interval else 2
    return int(min(max(least, math.ceil(MIN_INTERVAL_CALLS / quietest)), max(1, replications)))


def iterate_staffing(scenario: Scenario, targets: IntervalTargets, start: np.ndarray,
                     simulate: Callable[[np.ndarray], MonthSet], *, months_per_iteration: int,
                     method: str) -> FixedPoint:
    """Run the iteration from ``start``; ``simulate(agents)`` gives the months at a staffing (seeds fixed)."""
    def measure(agents: np.ndarray) -> tuple[MonthSet, dict[str, np.ndarray], IntervalResponse]:
        sims = simulate(agents)
        table = sims.interval_table()
        return sims, table, interval_response(scenario, table["offered_per_day"], sims=sims, agents=agents,
                                              method=method)

    agents = np.asarray(start, dtype=int)
    iterations: list[Iteration] = []
    converged = False
    stopped = "limit"
    for _ in range(MAX_ITERATIONS):
        sims, table, response = measure(agents)
        proposed = response.required(targets)
        iterations.append(Iteration(agents=agents, calls=table["offered_per_day"],
                                    carried_in=table["carried_in_per_day"], service_level=table["service_level"],
                                    abandon_rate=table["abandon_rate"], asa_seconds=table["asa_seconds"],
                                    next_agents=proposed))
        step = int(np.abs(proposed - agents).max(initial=0))
        if step <= SETTLED:
            # Settled: within one agent of its own proposal everywhere (the noise of the measurement), on the
            # cautious side. The response stays the one measured here, a step away at most.
            agents = np.maximum(proposed, agents)
            converged, stopped = True, "settled"
            break
        seen = [k for k, it in enumerate(iterations) if np.array_equal(it.agents, proposed)]
        if seen:
            # A cycle: the staffings from the first visit on, taken together on the cautious side.
            agents = np.max(np.stack([it.agents for it in iterations[seen[0]:]]), axis=0)
            stopped = "cycle"
            break
        agents = proposed
    else:
        agents = iterations[-1].agents  # not settled: the last staffing measured
    return FixedPoint(agents=agents, response=response, sims=sims, iterations=tuple(iterations),
                      converged=converged, months_per_iteration=months_per_iteration, stopped=stopped)

"""The limits on staffing beside the SLA targets, as per-interval bounds, and which one binds where.

Each limit is a constraint of its own, never folded into a target: the occupancy cap (the formulas' occupancy at
the measured load at most ``staffing.occupancy_cap``; the staffing engine measures that load with the centre
staffed at the cap, so the bound does not depend on the SLA targets), an interval floor (every interval's SL at least
``definitions.floors.interval``), ``staffing.min_agents`` in every interval, and ``staffing.max_agents`` (seats).
A day floor is a period target (on the forecast every day is the average day) and is handled by the allocation.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from simulator.scenario.model import Scenario
from simulator.staffing.response import IntervalResponse, IntervalTargets

__all__ = ["BINDING", "LIMITS", "Limits", "binding_labels", "interval_bounds", "judged_under", "occupancy_bound",
           "target_labels"]

LIMITS = ("occupancy_cap", "floor", "min_agents", "max_agents")
BINDING = ("sla", "abandon", "asa", "floor", "occupancy_cap", "min_agents", "max_agents", "fixed")


@dataclass(frozen=True)
class Limits:
    """The limits in force for one staffing problem (None: not in force)."""

    occupancy_cap: float | None = None
    interval_floor: float | None = None
    day_floor: float | None = None
    min_agents: int | None = None
    max_agents: int | None = None

    @classmethod
    def of(cls, scenario: Scenario) -> Limits:
        floors, staffing = scenario.definitions.floors, scenario.staffing
        return cls(staffing.occupancy_cap, floors.interval, floors.day, staffing.min_agents, staffing.max_agents)

    def without(self, name: str) -> Limits:
        """These limits less one (``floor``: both floors)."""
        if name == "floor":
            return dataclasses.replace(self, interval_floor=None, day_floor=None)
        return dataclasses.replace(self, **{name: None})

    def in_force(self) -> list[str]:
        """The names of the limits in force, in LIMITS order."""
        present = {"occupancy_cap": self.occupancy_cap is not None,
                   "floor": self.interval_floor is not None or self.day_floor is not None,
                   "min_agents": self.min_agents is not None, "max_agents": self.max_agents is not None}
        return [name for name in LIMITS if present[name]]


def judged_under(scenario: Scenario, limits: Limits) -> Scenario:
    """``scenario`` judged as ``limits`` say: its floors replaced by theirs (a staffing solved without the floors
    is judged, and its credits priced, without them); the scenario itself where nothing differs."""
    floors = scenario.definitions.floors
    if (floors.interval, floors.day) == (limits.interval_floor, limits.day_floor):
        return scenario
    new = floors.model_copy(update={"interval": limits.interval_floor, "day": limits.day_floor})
    return scenario.model_copy(update={"definitions": scenario.definitions.model_copy(update={"floors": new})})


def occupancy_bound(response: IntervalResponse, cap: float) -> np.ndarray:
    """The fewest agents per interval whose occupancy (the formulas' at the response's load) is at most ``cap``."""
    with np.errstate(invalid="ignore"):
        ok = response.tabulated() & (response.occupancy <= cap + 1e-12)
    return response.smallest(ok)


def interval_bounds(response: IntervalResponse, limits: Limits, occupancy: np.ndarray | None = None,
                    floor: np.ndarray | None = None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Lower bounds per interval by limit name, and the upper bound (max_agents, or the table's top).
    ``occupancy``, ``floor``: the occupancy cap's and the interval floor's bounds, where they were found
    elsewhere (default: from ``response``)."""
    lower: dict[str, np.ndarray] = {}
    open_ = response.calls > 0
    if limits.occupancy_cap is not None:
        lower["occupancy_cap"] = (occupancy_bound(response, limits.occupancy_cap) if occupancy is None
                                  else np.asarray(occupancy, dtype=int))
    if limits.interval_floor is not None:
        lower["floor"] = (response.required(IntervalTargets(service_level=limits.interval_floor)) if floor is None
                          else np.asarray(floor, dtype=int))
    if limits.min_agents is not None:
        lower["min_agents"] = np.full(response.calls.size, limits.min_agents, dtype=int)
    upper = np.full(response.calls.size, response.top if limits.max_agents is None else limits.max_agents,
                    dtype=int)
    for name in lower:
        if name != "min_agents":
            lower[name] = np.where(open_, lower[name], 0)
    return lower, upper


def target_labels(response: IntervalResponse, targets: IntervalTargets) -> np.ndarray:
    """Per interval, the target that needs the most agents there on its own (``sla``, ``abandon``, ``asa``)."""
    needs = []
    names = []
    for name, alone in (("sla", IntervalTargets(service_level=targets.service_level)),
                        ("abandon", IntervalTargets(max_abandon=targets.max_abandon)),
                        ("asa", IntervalTargets(max_asa=targets.max_asa))):
        if getattr(alone, {"sla": "service_level", "abandon": "max_abandon", "asa": "max_asa"}[name]) is None:
            continue
        names.append(name)
        needs.append(response.required(alone))
    if not names:
        return np.full(response.calls.size, "sla", dtype=object)
    return np.asarray(names, dtype=object)[np.stack(needs).argmax(axis=0)]


def binding_labels(agents: np.ndarray, need: np.ndarray, lower: dict[str, np.ndarray], upper: np.ndarray,
                   targets: np.ndarray) -> list[str]:
    """What sets each interval's staffing: a lower bound that lifts it above what the targets need there, the
    upper bound that holds it below, or else the target (``targets``, per interval)."""
    out = []
    for i, (s, n) in enumerate(zip(agents.tolist(), need.tolist(), strict=True)):
        label = str(targets[i])
        if s > n:
            # The largest lower bound equal to the staffing; floor before cap before minimum on a tie.
            for name in ("floor", "occupancy_cap", "min_agents"):
                if name in lower and int(lower[name][i]) == s:
                    label = name
                    break
        elif s < n and s >= int(upper[i]):
            label = "max_agents"
        out.append(label)
    return out

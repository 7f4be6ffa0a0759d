"""The staffing a quote is priced on: the engine's answer, the staffing without each limit that binds, and how
they were found (:func:`staff_contract`)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.jsonutil import jsonable
from simulator.risk.calibration import Calibration
from simulator.risk.months import MonthRunner, MonthSet, RiskMonths
from simulator.scenario.model import Scenario
from simulator.staffing.engine import StaffingEngine
from simulator.staffing.fixed_point import FixedPoint
from simulator.staffing.limits import LIMITS, Limits
from simulator.staffing.plan import StaffingPlan
from simulator.staffing.solution import Candidate, Objective, Solution

__all__ = ["ContractStaffing", "staff_contract"]


@dataclass(frozen=True, eq=False)
class ContractStaffing:
    """The staffing the quote is priced on, how it was found, and the simulated months behind it."""

    scenario: Scenario
    method: str  # the scenario's staffing.method
    start_method: str  # the formulas the engine planned with
    start_note: str
    source: str  # "search", or the scenario field that fixed the staffing
    start: StaffingPlan  # the SIPP plan (the fixed point's start)
    fixed_point: FixedPoint | None  # None for a fixed staffing
    solution: Solution
    relaxed: dict[str, Solution]  # per limit that binds somewhere: the staffing without it
    replications: int
    seed: int
    simulated_months: int

    # -- the answer ----------------------------------------------------------------------------------------------
    @property
    def criterion(self) -> str:
        return self.scenario.staffing.criterion

    @property
    def risk_limit(self) -> float | None:
        staffing = self.scenario.staffing
        return {"risk": staffing.risk, "cost": staffing.max_p_miss}.get(staffing.criterion)

    @property
    def agents(self) -> np.ndarray:
        return self.solution.agents

    @property
    def agents_for_sla(self) -> np.ndarray | None:
        """The staffing at the real targets with the occupancy cap off (None: a fixed staffing)."""
        if self.source != "search":
            return None
        cap = self.relaxed.get("occupancy_cap")
        return self.solution.agents if cap is None else cap.agents

    @property
    def binding(self) -> list[str]:
        return self.solution.binding

    @property
    def knob(self) -> float | None:
        return self.solution.knob

    @property
    def sims(self) -> MonthSet:
        return self.solution.sims

    @property
    def calibration(self) -> Calibration:
        return self.solution.calibration

    @property
    def risk_months(self) -> RiskMonths | None:
        return self.solution.risk_months

    @property
    def met(self) -> bool:
        return self.solution.met

    @property
    def steps(self) -> tuple[Candidate, ...]:
        return self.solution.candidates

    @property
    def metrics(self) -> dict[str, float]:
        return self.solution.metrics

    @property
    def evaluations(self) -> int:
        """Distinct staffings simulated for the answer."""
        return len({tuple(c.agents.tolist()) for c in self.steps if c.simulated is not None})

    def binding_counts(self) -> dict[str, int]:
        """How many intervals each constraint sets, most first."""
        return dict(Counter(self.binding).most_common())

    def sentence(self) -> str:
        """What sets the staffing, in words: "the occupancy cap binds in 24 of 24 intervals"."""
        words = {"sla": "the service level", "abandon": "the abandonment cap", "asa": "the ASA cap",
                 "floor": "the floor", "occupancy_cap": "the occupancy cap", "min_agents": "the minimum agents",
                 "max_agents": "the maximum agents", "fixed": "the fixed staffing"}
        total = len(self.binding)
        parts = [f"{words[k]} binds in {n} of {total} intervals" for k, n in self.binding_counts().items()]
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        scenario = self.scenario
        starts = scenario.interval_starts
        solution = self.solution
        out: dict[str, Any] = {
            "source": self.source,
            "method": self.method,
            "start_method": self.start_method,
            "start_note": self.start_note,
            "start_agents_per_interval": [int(a) for a in self.start.agents_for_sla],
            "criterion": self.criterion,
            "risk_limit": self.risk_limit,
            "measurement_period": scenario.definitions.measurement_period,
            "knob": {"name": "f", "value": self.knob, "rule": "every allowed miss of the planning targets × f: "
                     "SL' = 1 - f(1 - SL), abandon cap' = min(1, f cap), ASA cap' = f cap", "range": [2.0**-6, 4.0]},
            "met": self.met,
            "metrics": self.metrics,
            "binding": solution.binding,
            "binding_counts": self.binding_counts(),
            "allocation": None if solution.allocation is None else {
                "multipliers": solution.allocation.multipliers, "slack": solution.allocation.slack,
                "binding_target": solution.allocation.binding, "feasible": solution.allocation.feasible},
            "planning_offsets": dict(zip(("service_level", "abandon_rate", "asa_seconds"),
                                         solution.offsets.tolist(), strict=True)),
            "tried": [c.to_dict() for c in self.steps],
            "evaluations": self.evaluations,
            "months_per_evaluation": self.replications,
            "simulated_months": self.simulated_months,
            "seed": self.seed,
            "fixed_point": None if self.fixed_point is None else self.fixed_point.to_dict(starts),
            "without": {name: {"agents_per_interval": [int(a) for a in s.agents], "met": s.met,
                               "binding_counts": dict(Counter(s.binding).most_common())}
                        for name, s in self.relaxed.items()},
            "basis": "simulated months on the forecast (volume shocks off), the same month seeds at every "
                     "staffing (common random numbers)",
        }
        return jsonable(out)


def staff_contract(scenario: Scenario, *, seed: int, replications: int, months: int, runner: MonthRunner,
                   objective: Objective | None = None) -> ContractStaffing:
    """The staffing for ``scenario`` (:mod:`simulator.staffing.engine`), and beside it the staffing without each
    limit that binds in at least one interval (a limit that binds nowhere changes nothing and costs nothing).

    Raises
    ------
    InfeasibleTargetError
        No staffing meets the criterion.
    """
    engine = StaffingEngine(scenario, seed=seed, replications=replications, months=months, runner=runner,
                            objective=objective)
    staffing = scenario.staffing
    fixed = staffing.agents_per_interval is not None or staffing.agents is not None
    relaxed: dict[str, Solution] = {}
    if fixed:
        source = "staffing.agents_per_interval" if staffing.agents_per_interval is not None else "staffing.agents"
        agents = (np.asarray(staffing.agents_per_interval, dtype=int) if staffing.agents_per_interval is not None
                  else np.full(scenario.interval_count, staffing.agents, dtype=int))
        solution = engine.fixed(agents)
        fixed_point = None
    else:
        source = "search"
        solution = engine.solve()
        fixed_point = engine.fixed_point
        limits = Limits.of(scenario)
        binding = list(solution.binding)
        for name in LIMITS:
            if name in limits.in_force() and name in binding:
                other = engine.solve(limits.without(name), start=solution)
                if float((engine.cost * other.agents).sum()) > float((engine.cost * solution.agents).sum()):
                    # Without a limit every staffing that met with it still meets: never dearer than that.
                    other = dataclasses.replace(solution, limits=limits.without(name))
                # A limit binds where the staffing without it differs; elsewhere the target sets the interval.
                for i, label in enumerate(binding):
                    if label == name and other.agents[i] == solution.agents[i]:
                        binding[i] = solution.targets[i]
                if name in binding:
                    relaxed[name] = other
        solution = dataclasses.replace(solution, binding=binding)
    return ContractStaffing(scenario=scenario, method=staffing.method, start_method=engine.method,
                            start_note=engine.note, source=source, start=engine.plan, fixed_point=fixed_point,
                            solution=solution, relaxed=relaxed, replications=replications, seed=seed,
                            simulated_months=runner.simulated)

"""What a quote takes from the simulation, kept apart from its pricing.

A quote is two steps: the **staffing** (the staffing engine, the risk months at the answer, the surrogate months
of each staffing without a binding limit, the analytic plans it is compared with) and the **pricing** of it
(FTE chain, cost build-up, credits, billing units, commercial terms, term). The first is almost all of the time
and reads none of the price's inputs, unless the criterion is ``cost`` (whose search prices every candidate), so
scenarios that differ only in what is priced (shrinkage, the rate card, the margin, credits, billing, volume
terms) share one staffing: :func:`staffing_identity` says which do, and a comparison quotes each group once.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from simulator import __version__
from simulator.errors import InfeasibleTargetError
from simulator.risk import MonthRunner, RiskMonths, simulated_months, surrogate_months
from simulator.scenario.model import Scenario
from simulator.staffing import StaffingPlan, analytic_staffing
from simulator.staffing.result import ContractStaffing, staff_contract
from simulator.staffing.solution import Objective
from simulator.sweep import digest

__all__ = ["PRICED_ONLY", "STAFFED_TOO", "Staffed", "staff_for_quote", "staffing_identity"]

# Fields the staffing and the risk months never read (unless the criterion is cost): only the pricing does.
# The rate card's shift premiums weigh the allocation's agent-intervals, so they stay.
PRICED_ONLY = ("staffing.shrinkage", "staffing.schedule_efficiency", "billing", "credits", "agreement", "tiers",
               "tier", "name")
# ... but of those, the risk criterion counts P(miss) as the contract does: without the months it excuses.
STAFFED_TOO = ("credits.forecast_tolerance",)


@dataclass(frozen=True, eq=False)
class Staffed:
    """The staffing of one quote and the months priced with it."""

    staffing: ContractStaffing
    risk_months: RiskMonths  # at the quoted staffing, by the quote's risk method
    relaxed_months: dict[str, RiskMonths]  # surrogate months of the staffing without each binding limit
    basis_months: RiskMonths | None  # the quoted staffing on surrogate months, where risk months are simulated
    plans: dict[str, StaffingPlan | str]  # the analytic plan of each Erlang method (or why it has none)

    def for_scenario(self, scenario: Scenario) -> Staffed:
        """The same staffing for ``scenario``, which differs only in what is priced (same staffing identity)."""
        return dataclasses.replace(self, staffing=dataclasses.replace(self.staffing, scenario=scenario))


def staffing_identity(scenario: Scenario, options: dict[str, Any]) -> str:
    """A digest of everything the staffing of ``scenario`` depends on, with the run ``options`` (seed, months,
    replications, risk method): equal digests, equal staffing and risk months."""
    values = scenario.model_dump(mode="json")
    kept = {path: values[path.split(".")[0]].get(path.split(".")[1]) for path in STAFFED_TOO}
    if scenario.staffing.criterion != "cost":
        for path in PRICED_ONLY:
            head, _, leaf = path.partition(".")
            if leaf:
                values[head].pop(leaf, None)
            else:
                values.pop(head, None)
        values["rate_card"] = {"shift_premiums": values["rate_card"].get("shift_premiums")}
        values["staffed_too"] = kept
    return digest("staffing", {"values": values, "options": options, "callsim": __version__})


def staff_for_quote(scenario: Scenario, *, seed: int, months: int, replications: int, method: str,
                    runner: MonthRunner, objective: Objective | None) -> Staffed:
    """The staffing engine's answer for ``scenario`` and every month the pricing needs (see the module)."""
    staffing = staff_contract(scenario, seed=seed, replications=replications, months=months, runner=runner,
                              objective=objective)
    solution = staffing.solution
    if method == "simulation":
        risk_months = simulated_months(scenario, staffing.agents, months=months, seed=seed, runner=runner)
    elif solution.risk_months is not None and solution.risk_months.months == months:
        risk_months = solution.risk_months
    else:
        risk_months = surrogate_months(scenario, staffing.agents, staffing.calibration, months=months, seed=seed)

    # What each binding limit costs is priced on surrogate months on both sides (the same shocks), so that the
    # difference is the limit's and not the risk method's.
    def on_surrogate(solved: Any) -> RiskMonths:
        found: RiskMonths | None = solved.risk_months
        return found or surrogate_months(scenario, solved.agents, solved.calibration, months=months, seed=seed)

    relaxed = {name: on_surrogate(other) for name, other in staffing.relaxed.items()}
    basis = on_surrogate(solution) if relaxed and method == "simulation" else None
    plans: dict[str, StaffingPlan | str] = {}
    for name in ("erlang_c", "erlang_a") if scenario.patience is not None else ("erlang_c",):
        try:
            plans[name] = analytic_staffing(scenario, method=name)
        except InfeasibleTargetError as error:
            plans[name] = str(error)
    return Staffed(staffing=staffing, risk_months=risk_months, relaxed_months=relaxed, basis_months=basis,
                   plans=plans)

"""A staffing priced: the FTE chain, the cost build-up and the credits on one set of months, and what a limit on
staffing costs (the price with it minus the price without it, holding the rest)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.jsonutil import jsonable
from simulator.pricing.cost import CostBuildUp, Workload, contract_handle_seconds, cost_build_up
from simulator.pricing.credits import CreditRisk, credit_risk
from simulator.pricing.fte import FteChain, fte_chain
from simulator.quoting.terms import excused_months
from simulator.risk.months import MonthSet, RiskMonths
from simulator.scenario.model import Scenario

__all__ = ["PRICE_PARTS", "ConstraintCost", "Priced", "price_parts", "price_staffing"]

# The quoted price in three parts: what the staffing costs (with the margin on it), expected credits net of
# bonuses, and the risk premium. Their sum is the price quoted.
PRICE_PARTS = ("staffing_cost", "expected_credits", "risk_premium")


@dataclass(frozen=True, eq=False)
class Priced:
    """One staffing, priced as the quote prices it."""

    chain: FteChain
    workload: Workload
    cost: CostBuildUp
    credit: CreditRisk

    def objective(self) -> dict[str, float]:
        """The price split into its parts and their total (the cost criterion minimises ``total``)."""
        parts = price_parts(self.cost, self.credit)
        return {**parts, "total": self.credit.price}


def price_parts(cost: CostBuildUp, credit: CreditRisk) -> dict[str, float]:
    """``staffing_cost`` (the cost build-up's price), ``expected_credits`` (net of any expected bonus, as
    priced in) and ``risk_premium``; they add up to the price quoted."""
    if not credit.include_in_price:
        return {"staffing_cost": cost.price, "expected_credits": 0.0, "risk_premium": 0.0}
    return {"staffing_cost": cost.price, "expected_credits": credit.expected_credits - credit.expected_bonus,
            "risk_premium": credit.risk_premium}

def price_staffing(scenario: Scenario, agents: np.ndarray, agents_for_sla: np.ndarray | None, sims: MonthSet,
                   months: RiskMonths) -> Priced:
    """FTE chain, cost build-up (workload: the answered calls simulated at ``agents``) and credits on ``months``."""
    currency = scenario.agreement.currency
    chain = fte_chain(agents, agents_for_sla=agents_for_sla, interval_seconds=scenario.interval_seconds,
                      days_per_month=scenario.demand.days_per_month, staffing=scenario.staffing,
                      rate_card=scenario.rate_card)
    workload = Workload(answered_calls=sims.per_month("answered"),
                        handle_seconds=contract_handle_seconds(scenario.handling, scenario.definitions))
    cost = cost_build_up(chain, workload, scenario.rate_card, currency=currency,
                         shift_premium=scenario.shift_premium_per_interval)
    credit = credit_risk(months.outcomes, sla=scenario.sla, credits=scenario.credits, base_price=cost.price,
                         floors=scenario.definitions.floors, currency=currency,
                         excluded=excused_months(scenario, months))
    return Priced(chain=chain, workload=workload, cost=cost, credit=credit)


@dataclass(frozen=True)
class ConstraintCost:
    """What one limit on staffing costs a month: the quote with it minus the quote without it."""

    name: str  # occupancy_cap, floor, min_agents, max_agents
    fte: float  # agent FTE it adds (negative: saves)
    fte_without: float
    required_hours_without: float  # [h/month]
    peak_agents_without: int
    price: float  # [currency/month]
    parts: dict[str, float]  # the price difference split as PRICE_PARTS
    p_miss_without: float

    @classmethod
    def between(cls, name: str, with_it: Priced, without: Priced) -> ConstraintCost:
        a, b = with_it.objective(), without.objective()
        return cls(name=name, fte=with_it.chain.fte - without.chain.fte, fte_without=without.chain.fte,
                   required_hours_without=without.chain.required_hours,
                   peak_agents_without=without.chain.peak_agents, price=a["total"] - b["total"],
                   parts={k: a[k] - b[k] for k in PRICE_PARTS}, p_miss_without=without.credit.p_miss)

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"name": self.name, "monthly_cost": self.price, "fte": self.fte,
                         "fte_without": self.fte_without, "required_hours_without": self.required_hours_without,
                         "peak_agents_without": self.peak_agents_without, "split": self.parts,
                         "p_miss_without": self.p_miss_without,
                         "rule": "price with the limit minus the price with the staffing re-solved without it"})

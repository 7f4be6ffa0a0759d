"""The provider's monthly cost build-up and the price on top of it (domain.md §3.3).

Lines, in order (amounts per month, in the agreement's currency):

======================  ===================================================================================
line                    rule
======================  ===================================================================================
``agent_wages``         agent paid hours × agent hourly wage × (1 + burden)
``shift_premiums``      agent paid hours × agent hourly wage × (1 + burden) × the mean premium of the rate card's
                        ``shift_premiums``, weighted by the required agent-hours in each interval (only when the
                        rate card has premiums)
``<role>_wages``        per rate-card role: heads × paid hours per FTE-month × role wage × (1 + burden)
``seats``               seats × seat cost per month
``licences``            seats × licence cost per seat per month
``telephony``           handled minutes × telephony cost per handled minute
``recruiting_training`` hires per month × cost per hire; hires = annual attrition ÷ 12 × (agent FTE + support
                        heads): an FTE that leaves is replaced by one hire
``overhead``            overhead share × the sum of the lines above (the direct cost)
``margin``              price − cost, where cost = direct cost + overhead and price = cost ÷ (1 − margin)
                        (``pricing_formula = "margin"``) or cost × (1 + markup) (``"markup"``)
======================  ===================================================================================

The lines add up to the price. **Handled minutes** are answered calls × the contract's handle time: talk +
hold, plus after-call work when ``definitions.acw_in_aht`` is true (the definitions profile says what AHT
means, and a handled minute is a minute of that AHT). The same quantity bills per handled minute and drives
the telephony line, whose rate the rate card states per handled minute.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from simulator.errors import ScenarioError
from simulator.jsonutil import jsonable
from simulator.pricing.fte import FteChain
from simulator.scenario.model import Definitions, Handling, RateCard

__all__ = [
    "CostBuildUp",
    "Workload",
    "contract_handle_seconds",
    "cost_build_up",
    "premium_share",
    "price_from_cost",
    "pricing_rule",
]

PricingFormula = Literal["margin", "markup"]
_FIXED_LINES = ("agent_wages", "shift_premiums", "seats", "licences", "telephony", "recruiting_training",
                "overhead", "margin")


def premium_share(agents_per_interval: Any, shift_premium: Any) -> float:
    """The mean shift premium of an agent hour: the premiums per interval weighted by the agents. [-]"""
    if shift_premium is None:
        return 0.0
    agents = np.asarray(agents_per_interval, dtype=float)
    premium = np.asarray(shift_premium, dtype=float)
    if premium.shape != agents.shape:
        raise ScenarioError(f"needs one premium per interval ({agents.size})", field="shift_premium",
                            value=premium.size)
    total = float(agents.sum())
    return float((agents * premium).sum() / total) if total > 0 else 0.0


def contract_handle_seconds(handling: Handling, definitions: Definitions) -> float:
    """Mean handle time per answered call as the contract counts it: talk + hold (+ ACW if acw_in_aht). [s]

    Parameters
    ----------
    handling : Handling
        Talk, hold and after-call-work distributions (their means are used).
    definitions : Definitions
        The definitions profile; ``acw_in_aht`` decides whether after-call work counts.
    """
    parts = [handling.talk, handling.hold]
    if definitions.acw_in_aht:
        parts.append(handling.acw)
    return float(sum(d.mean_seconds for d in parts if d is not None))


@dataclass(frozen=True)
class Workload:
    """The month's handled work: answered calls and the contract's mean handle time per answered call."""

    answered_calls: float  # answered calls per month [calls/month]
    handle_seconds: float  # mean handle time per answered call, contract definition [s]

    def __post_init__(self) -> None:
        if not (math.isfinite(self.answered_calls) and self.answered_calls >= 0):
            raise ScenarioError("must be finite and >= 0", field="answered_calls", value=self.answered_calls)
        if not (math.isfinite(self.handle_seconds) and self.handle_seconds >= 0):
            raise ScenarioError("must be finite and >= 0", field="handle_seconds", value=self.handle_seconds)

    @property
    def handled_minutes(self) -> float:
        """Answered calls × handle time ÷ 60. [min/month]"""
        return self.answered_calls * self.handle_seconds / 60.0

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"answered_calls": self.answered_calls, "handle_seconds": self.handle_seconds,
                         "handled_minutes": self.handled_minutes})


def price_from_cost(cost: float, *, formula: PricingFormula, margin: float) -> float:
    """Price from cost: ``cost / (1 − margin)`` (margin on price) or ``cost × (1 + margin)`` (markup on cost).

    Parameters
    ----------
    cost : float
        Monthly cost, overhead included. [currency]
    formula : {"margin", "markup"}
        Which reading of the rate card's ``margin`` applies.
    margin : float
        The margin (share of price, < 1) or markup (share of cost). [-]
    """
    if formula == "margin":
        if not 0 <= margin < 1:
            raise ScenarioError("a margin on price must be in [0, 1)", field="rate_card.margin", value=margin)
        return cost / (1.0 - margin)
    if formula == "markup":
        if margin < 0:
            raise ScenarioError("a markup must be >= 0", field="rate_card.margin", value=margin)
        return cost * (1.0 + margin)
    raise ScenarioError("must be one of margin, markup", field="rate_card.pricing_formula", value=formula)


def pricing_rule(formula: PricingFormula, margin: float) -> str:
    """The pricing formula in words, for reports: ``price = cost / (1 − 0.25)``."""
    if formula == "margin":
        return f"price = cost / (1 − {margin:g})  (margin {margin:g} of price)"
    return f"price = cost × (1 + {margin:g})  (markup {margin:g} on cost)"


@dataclass(frozen=True, eq=False)
class CostBuildUp:
    """The monthly cost lines and the price. ``lines`` holds every line, overhead and margin included."""

    currency: str
    lines: dict[str, float]  # LINE → amount [currency/month], in build-up order; they sum to ``price``
    direct_cost: float  # every line before overhead [currency/month]
    cost: float  # direct cost + overhead [currency/month]
    price: float  # cost grossed up by the pricing formula [currency/month]
    pricing_formula: PricingFormula
    margin_rate: float  # the rate card's margin or markup [-]
    overhead_rate: float  # [-]
    hires_per_month: float  # steady-state replacement hires [heads/month]
    handled_minutes: float  # [min/month]
    seats: int
    total_heads: float  # agent FTE + support heads [heads]

    @property
    def margin(self) -> float:
        """The margin (or markup) amount: price − cost. [currency/month]"""
        return self.lines["margin"]

    @property
    def cost_lines(self) -> dict[str, float]:
        """Every line except the margin: they sum to ``cost``."""
        return {k: v for k, v in self.lines.items() if k != "margin"}

    @property
    def rule(self) -> str:
        return pricing_rule(self.pricing_formula, self.margin_rate)

    def to_dict(self) -> dict[str, Any]:
        return jsonable({
            "lines": self.lines,
            "direct_cost": self.direct_cost,
            "cost": self.cost,
            "margin": self.margin,
            "price": self.price,
            "pricing_formula": self.pricing_formula,
            "margin_rate": self.margin_rate,
            "rule": self.rule,
            "overhead_rate": self.overhead_rate,
            "hires_per_month": self.hires_per_month,
            "handled_minutes": self.handled_minutes,
            "currency": self.currency,
        })


def cost_build_up(chain: FteChain, workload: Workload, rate_card: RateCard, *, currency: str,
                  shift_premium: Any = None) -> CostBuildUp:
    """Build the month's cost line by line and gross it up to a price (rules in the module docstring).

    Parameters
    ----------
    chain : FteChain
        Agent paid hours, FTE, seats and support heads for the month.
    workload : Workload
        Answered calls and the contract's handle time: gives the handled minutes for telephony.
    rate_card : RateCard
        Wages, burden, roles, seat, licence and telephony rates, attrition, cost per hire, overhead, pricing
        formula and margin.
    currency : str
        The agreement's currency code (``agreement.currency``).
    shift_premium : array_like, optional
        The wage premium per interval of the day (``Scenario.shift_premium_per_interval``), weighted by
        ``chain.agents_per_interval``. [-]

    Returns
    -------
    CostBuildUp

    Raises
    ------
    ScenarioError
        A role name whose line would clash with a fixed line (a role called ``agent``, say).
    """
    loaded = 1.0 + rate_card.burden
    lines: dict[str, float] = {"agent_wages": chain.paid_hours * rate_card.agent_hourly_wage * loaded}
    share = premium_share(chain.agents_per_interval, shift_premium)
    if share > 0:
        lines["shift_premiums"] = lines["agent_wages"] * share
    for name, role in chain.support.items():
        key = f"{name}_wages"
        if key in _FIXED_LINES or key in lines:
            raise ScenarioError(f"the role's cost line {key!r} clashes with a fixed cost line",
                                field=f"rate_card.roles.{name}", value=name)
        lines[key] = role.paid_hours * role.hourly_wage * loaded
    hires = rate_card.annual_attrition / 12.0 * chain.total_heads
    lines["seats"] = chain.seats * rate_card.seat_month
    lines["licences"] = chain.seats * rate_card.licence_seat_month
    lines["telephony"] = workload.handled_minutes * rate_card.telephony_per_minute
    lines["recruiting_training"] = hires * rate_card.cost_per_hire
    direct = math.fsum(lines.values())
    lines["overhead"] = direct * rate_card.overhead
    cost = direct + lines["overhead"]
    price = price_from_cost(cost, formula=rate_card.pricing_formula, margin=rate_card.margin)
    lines["margin"] = price - cost
    return CostBuildUp(
        currency=currency, lines=lines, direct_cost=direct, cost=cost, price=price,
        pricing_formula=rate_card.pricing_formula, margin_rate=rate_card.margin,
        overhead_rate=rate_card.overhead,
        hires_per_month=hires, handled_minutes=workload.handled_minutes, seats=chain.seats,
        total_heads=chain.total_heads,
    )

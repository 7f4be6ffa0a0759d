"""The contract term month by month: the annual escalator and the ramp-up (training) charge.

Rules:

* **Escalator.** Month ``m`` (1-based) is billed at the monthly price × (1 + annual escalator)^⌊(m − 1) / 12⌋:
  flat within each contract year, compounding at each anniversary (months 13, 25, ...).
* **Ramp-up.** Before going live the provider hires and trains the whole initial team once: ⌈agent FTE⌉ agents
  (whole people) plus every support head, each at ``cost_per_hire``. That one-off cost is a direct cost, so it
  carries overhead and is grossed up by the pricing formula like every other cost, and it is charged in equal
  parts over the first ``ramp_up_months`` months (over the whole term if the term is shorter). Replacement
  hiring for attrition is already in the monthly price (``recruiting_training``), so it is not counted again.
  With ``ramp_up_months = 0`` there is no ramp-up charge.
* **Expected credits over the term.** The expected credit share of the invoice (from the simulated months)
  times the month's escalated price, except in the first ``credits.grace_months`` months (the ramp-up period
  without credits), which carry none.
* **Expected volume adjustment.** The expected ARC − RRC of a month (:mod:`simulator.pricing.volume`),
  escalated like the price (the ARC/RRC rates are on the same rate card).
* **Expected net invoice**: what each month is billed + the expected volume adjustment − the expected credits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.errors import ScenarioError
from simulator.jsonutil import jsonable
from simulator.pricing.cost import price_from_cost
from simulator.pricing.fte import FteChain, whole_heads
from simulator.scenario.model import RateCard

__all__ = ["TermSchedule", "term_schedule"]


@dataclass(frozen=True, eq=False)
class TermSchedule:
    """The price of each month of the term and the total."""

    currency: str
    term_months: int
    annual_escalator: float  # [-/year]
    ramp_up_months: int  # months over which the ramp-up charge is spread (≤ term)
    ramp_up_hires: int  # initial team hired once [heads]
    ramp_up_cost: float  # hires × cost per hire [currency]
    ramp_up_price: float  # the ramp-up cost with overhead and margin [currency]
    monthly_price: float  # the steady monthly price in year 1 [currency/month]
    escalation: np.ndarray  # factor per month [-]
    base: np.ndarray  # escalated monthly price per month [currency]
    ramp_up: np.ndarray  # ramp-up charge per month [currency]
    grace_months: int = 0  # first months without credits
    expected_credits: np.ndarray | None = None  # per month [currency]
    expected_adjustment: np.ndarray | None = None  # E[ARC − RRC] per month [currency]

    def _or_zero(self, values: np.ndarray | None) -> np.ndarray:
        return np.zeros(self.term_months) if values is None else values

    @property
    def expected_net(self) -> np.ndarray:
        """Each month's bill + the expected volume adjustment − the expected credits. [currency]"""
        return self.per_month + self._or_zero(self.expected_adjustment) - self._or_zero(self.expected_credits)

    @property
    def per_month(self) -> np.ndarray:
        """What each month is billed: base + ramp-up charge. [currency]"""
        return self.base + self.ramp_up

    @property
    def total(self) -> float:
        """The total over the term. [currency]"""
        return math.fsum(self.per_month.tolist())

    def to_dict(self) -> dict[str, Any]:
        months = [
            {"month": m + 1, "year": m // 12 + 1, "escalation_factor": self.escalation[m],
             "price": self.base[m], "ramp_up": self.ramp_up[m], "total": self.per_month[m],
             "expected_credits": self._or_zero(self.expected_credits)[m],
             "expected_volume_adjustment": self._or_zero(self.expected_adjustment)[m],
             "expected_net": self.expected_net[m]}
            for m in range(self.term_months)
        ]
        return jsonable({
            "term_months": self.term_months,
            "annual_escalator": self.annual_escalator,
            "ramp_up_months": self.ramp_up_months,
            "ramp_up_hires": self.ramp_up_hires,
            "ramp_up_cost": self.ramp_up_cost,
            "ramp_up_price": self.ramp_up_price,
            "monthly_price": self.monthly_price,
            "months": months,
            "total": self.total,
            "grace_months": self.grace_months,
            "expected_credits": math.fsum(self._or_zero(self.expected_credits).tolist()),
            "expected_volume_adjustment": math.fsum(self._or_zero(self.expected_adjustment).tolist()),
            "expected_net": math.fsum(self.expected_net.tolist()),
            "currency": self.currency,
        })


def term_schedule(monthly_price: float, *, chain: FteChain, rate_card: RateCard, term_months: int,
                  currency: str, expected_credit_share: float = 0.0, grace_months: int = 0,
                  expected_adjustment: float = 0.0) -> TermSchedule:
    """The month-by-month price over ``term_months``: escalator and ramp-up (rules in the module docstring).

    Parameters
    ----------
    monthly_price : float
        The steady monthly price of year 1, as quoted (with expected credits or not, as the caller decides).
        [currency/month]
    chain : FteChain
        Agent FTE and support heads: the initial team hired during ramp-up.
    rate_card : RateCard
        ``annual_escalator``, ``ramp_up_months``, ``cost_per_hire``, ``overhead``, ``pricing_formula``,
        ``margin``.
    term_months : int
        Length of the contract. [months]
    currency : str
        ``agreement.currency``.
    expected_credit_share : float
        Expected credits as a share of the month's invoice (the simulated months' mean). [-]
    grace_months : int
        ``credits.grace_months``: the first months carry no credits. [months]
    expected_adjustment : float
        Expected ARC − RRC of a month in year 1. [currency/month]
    """
    if term_months < 1:
        raise ScenarioError("must be >= 1", field="term_months", value=term_months)
    if not math.isfinite(monthly_price):
        raise ScenarioError("must be finite", field="monthly_price", value=monthly_price)
    months = np.arange(term_months)
    escalation = (1.0 + rate_card.annual_escalator) ** (months // 12)
    hires = whole_heads(chain.fte) + sum(chain.support_heads.values())
    ramp_cost = hires * rate_card.cost_per_hire
    ramp_price = price_from_cost(ramp_cost * (1.0 + rate_card.overhead), formula=rate_card.pricing_formula,
                                 margin=rate_card.margin)
    ramp_months = min(rate_card.ramp_up_months, term_months)
    ramp = np.zeros(term_months)
    if ramp_months > 0:
        ramp[:ramp_months] = ramp_price / ramp_months * escalation[:ramp_months]
    return TermSchedule(
        currency=currency, term_months=term_months, annual_escalator=rate_card.annual_escalator,
        ramp_up_months=ramp_months, ramp_up_hires=hires, ramp_up_cost=ramp_cost, ramp_up_price=ramp_price,
        monthly_price=monthly_price, escalation=escalation, base=monthly_price * escalation, ramp_up=ramp,
        grace_months=min(grace_months, term_months),
        expected_credits=np.where(months < grace_months, 0.0, expected_credit_share * monthly_price * escalation),
        expected_adjustment=expected_adjustment * escalation,
    )

"""One monthly total expressed in every billing unit (domain.md §3.1–3.2).

Each unit price is the total divided by the month's quantity of that unit, so ``per_X × quantity_X == total``
for every unit (to the last bit or so of double precision: one division, one multiplication). The quantities:

==================  ==========================================================================================
unit                quantity per month
==================  ==========================================================================================
``fte_month``       agent FTEs (fractional)
``productive_hour`` billable productive (staffed) agent-hours: the productive hours, capped at required hours
                    × (1 + tolerance) when the master sets ``billable_hours_tolerance`` (the hourly rate is
                    then the one that recovers the total over the hours the buyer accepts)
``paid_hour``       agent paid hours (support roles are priced into the rate, not billed as hours)
``handled_minute``  answered calls × the contract's handle time (see :mod:`simulator.pricing.cost`)
``call``            answered calls
==================  ==========================================================================================

A unit whose quantity is zero has no price (NaN, ``null`` in JSON).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from simulator.errors import ScenarioError
from simulator.jsonutil import jsonable
from simulator.pricing.cost import Workload
from simulator.pricing.fte import FteChain
from simulator.scenario.model import BILLING_UNITS

__all__ = ["BillingUnits", "billing_quantities", "billing_units"]


def billing_quantities(chain: FteChain, workload: Workload) -> dict[str, float]:
    """The month's quantity of every billing unit, keyed as ``billing.units`` names them."""
    return {
        "fte_month": chain.fte,
        "productive_hour": chain.billable_productive_hours,
        "paid_hour": chain.paid_hours,
        "handled_minute": workload.handled_minutes,
        "call": workload.answered_calls,
    }


@dataclass(frozen=True, eq=False)
class BillingUnits:
    """A monthly total and its price per unit of each billing unit."""

    total: float  # [currency/month]
    currency: str
    quantities: dict[str, float]  # unit → quantity per month
    rates: dict[str, float]  # unit → total / quantity [currency per unit]; NaN when the quantity is 0

    def rate(self, unit: str) -> float:
        """The price per one ``unit`` (one of ``fte_month``, ``productive_hour``, ...). [currency/unit]"""
        if unit not in self.rates:
            raise ScenarioError(f"must be one of {', '.join(BILLING_UNITS)}", field="billing.unit",
                                value=unit)
        return self.rates[unit]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"total": self.total}
        out.update({f"per_{unit}": value for unit, value in self.rates.items()})
        out["currency"] = self.currency
        out["quantities"] = dict(self.quantities)
        return jsonable(out)


def billing_units(total: float, *, chain: FteChain, workload: Workload, currency: str) -> BillingUnits:
    """Express ``total`` per FTE-month, productive hour, paid hour, handled minute and answered call.

    Parameters
    ----------
    total : float
        The monthly price to express (with or without expected credits, as the caller quotes it). [currency]
    chain : FteChain
        Gives FTE, billable productive hours and paid hours.
    workload : Workload
        Gives answered calls and handled minutes.
    currency : str
        ``agreement.currency``.
    """
    if not math.isfinite(total):
        raise ScenarioError("the monthly total must be finite", field="price.total", value=total)
    quantities = billing_quantities(chain, workload)
    rates = {unit: (total / q if q > 0 else math.nan) for unit, q in quantities.items()}
    return BillingUnits(total=total, currency=currency, quantities=quantities, rates=rates)

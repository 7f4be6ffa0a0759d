"""The commercial terms of a quote on its simulated months: each month's volume against the forecast, the months
the forecast-miss exclusion excuses, and the ARC/RRC and take-or-pay charges (:mod:`simulator.pricing.volume`).

The risk months carry each month's volume and AHT as multiples of the forecast (:mod:`simulator.risk`): a
month's expected volume is the forecast × its month multiplier × the mean of its day multipliers (every open day
has the same forecast), the shocks that the simulated and the surrogate months share.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simulator.errors import ScenarioError
from simulator.pricing.billing import billing_quantities
from simulator.pricing.cost import Workload
from simulator.pricing.fte import FteChain
from simulator.pricing.volume import VolumeCharges, volume_charges
from simulator.risk.surrogate import forecast_miss_excused
from simulator.scenario.model import Scenario, VolumeTerms

__all__ = ["excused_months", "month_indices", "moved_deadband", "quote_volume"]


def month_indices(scenario: Scenario, risk_months: Any) -> tuple[np.ndarray, np.ndarray]:
    """Each risk month's volume and AHT as multiples of the forecast, ((M,), (M,)). [-]"""
    return risk_months.volume, risk_months.aht_multiplier


def excused_months(scenario: Scenario, risk_months: Any) -> np.ndarray | None:
    """Months whose volume exceeds the forecast by more than ``credits.forecast_tolerance`` (None: no such
    exclusion in the contract). (M,) bool"""
    if scenario.credits.forecast_tolerance is None:
        return None
    return forecast_miss_excused(scenario, risk_months.volume)


def quote_volume(scenario: Scenario, risk_months: Any, *, chain: FteChain, workload: Workload,
                 monthly_price: float, terms: VolumeTerms | None = None) -> VolumeCharges | None:
    """ARC, RRC and top-ups of every risk month for ``rate_card.volume`` (or ``terms``); None without terms.

    The baseline is the month's answered calls (unit ``call``) or billable productive hours (unit
    ``productive_hour``) at the forecast, as the quote bills them; a month's calls move with its volume, its
    productive hours with its workload (volume × AHT).
    """
    terms = terms if terms is not None else scenario.rate_card.volume
    if terms is None:
        return None
    volume, aht = month_indices(scenario, risk_months)
    index = volume if terms.unit == "call" else volume * aht
    baseline = billing_quantities(chain, workload)[terms.unit]
    return volume_charges(index, terms=terms, baseline=baseline, monthly_price=monthly_price,
                          currency=scenario.agreement.currency)


def moved_deadband(charges: VolumeCharges, terms: VolumeTerms, step: float) -> VolumeCharges:
    """The same months with the deadband moved by the relative ``step`` (+0.10: a 10 % wider band).

    Raises
    ------
    ScenarioError
        When the moved deadband crosses the first band's edge or the commitment.
    """
    deadband = min(terms.deadband * (1.0 + step), 0.999)
    try:
        moved = VolumeTerms(**{**terms.model_dump(), "deadband": deadband})
    except ValueError as error:
        raise ScenarioError(f"moving the deadband by {step:+.0%} contradicts the bands: "
                            f"{str(error).splitlines()[-1].strip()}", field="rate_card.volume.deadband",
                            value=deadband) from None
    return volume_charges(charges.index, terms=moved, baseline=charges.baseline,
                          monthly_price=charges.monthly_price, currency=charges.currency)

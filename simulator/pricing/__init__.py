"""From required agents to price: the FTE chain, cost build-up, billing units, the term, and credit risk.

The pure core (this package's modules below) takes resolved scenario sections and arrays and returns frozen
records with ``to_dict()``; the quote pipeline chains them:

    agents per interval → fte_chain → cost_build_up → credit_risk (price with risk)
                                                    → billing_units, volume_charges, term_schedule
"""

from simulator.pricing.billing import BillingUnits, billing_quantities, billing_units
from simulator.pricing.cost import (
    CostBuildUp,
    Workload,
    contract_handle_seconds,
    cost_build_up,
    price_from_cost,
    pricing_rule,
)
from simulator.pricing.credits import (
    CREDIT_METRICS,
    CreditRisk,
    MonthOutcomes,
    credit_risk,
    month_misses,
    p_miss_standard_error,
    wilson_interval,
)
from simulator.pricing.fte import FteChain, SupportRole, fte_chain, seats_for, support_roles, whole_heads
from simulator.pricing.term import TermSchedule, term_schedule
from simulator.pricing.volume import VolumeCharges, band_amount, volume_charges

__all__ = [
    "CREDIT_METRICS",
    "BillingUnits",
    "CostBuildUp",
    "CreditRisk",
    "FteChain",
    "MonthOutcomes",
    "SupportRole",
    "TermSchedule",
    "VolumeCharges",
    "Workload",
    "band_amount",
    "billing_quantities",
    "billing_units",
    "contract_handle_seconds",
    "cost_build_up",
    "credit_risk",
    "fte_chain",
    "month_misses",
    "p_miss_standard_error",
    "price_from_cost",
    "pricing_rule",
    "seats_for",
    "support_roles",
    "term_schedule",
    "volume_charges",
    "whole_heads",
    "wilson_interval",
]

"""Scenarios that differ only in what is priced share one staffing in a comparison, and the quotes priced on
the shared staffing are the quotes themselves, byte for byte; a change the staffing reads is never shared."""

from __future__ import annotations

import pytest

from simulator.jsonutil import dumps
from simulator.quoting.quote import QuoteOptions, quote_all
from simulator.quoting.staffed import staffing_identity
from simulator.scenario import load_scenario
from simulator.sweep import Sweep

OPTIONS = QuoteOptions(months=20, replications=2, seed=3)
PRICED_ONLY = {"staffing.shrinkage": 0.36, "rate_card.margin": 0.2, "credits.at_risk_share": 0.15,
               "billing.unit": "call", "staffing.schedule_efficiency": 0.8}


@pytest.fixture(scope="module")
def base():
    return load_scenario(None, ("demand.days_per_month=3",))


def test_priced_only_changes_share_the_staffing_and_give_the_same_quote(base) -> None:
    variant = base.with_changes(PRICED_ONLY, label="test")
    options = vars(OPTIONS)
    assert staffing_identity(base, options) == staffing_identity(variant, options)
    _, shared = quote_all([("base", base), ("variant", variant)], options=OPTIONS, sweep=Sweep("sequential"))
    alone = OPTIONS(variant, backend="sequential")
    assert dumps(shared.to_dict()) == dumps(alone.to_dict())


@pytest.mark.parametrize("change", [{"demand.calls_per_day": 1900.0}, {"sla.service_level": 0.85},
                                   {"rate_card.shift_premiums": [{"start": "18:00", "end": "20:00",
                                                                  "premium": 0.25}]},
                                   {"staffing.occupancy_cap": 0.9}, {"simulation.aht_drift_cv": 0.05}])
def test_a_change_the_staffing_reads_is_not_shared(base, change) -> None:
    assert staffing_identity(base, vars(OPTIONS)) != staffing_identity(base.with_changes(change, label="t"),
                                                                         vars(OPTIONS))


def test_under_the_cost_criterion_every_price_input_is_the_staffings_too(base) -> None:
    cost = base.with_changes({"staffing.criterion": "cost"}, label="t")
    assert staffing_identity(cost, vars(OPTIONS)) != staffing_identity(
        cost.with_changes({"rate_card.margin": 0.2}, label="t"), vars(OPTIONS))


def test_the_forecast_miss_exclusion_is_the_staffings_too(base) -> None:
    """The risk criterion counts P(miss) without the months the exclusion excuses, so the exclusion is not a
    priced-only change."""
    assert staffing_identity(base, vars(OPTIONS)) != staffing_identity(
        base.with_changes({"credits.forecast_tolerance": 0.1}, label="t"), vars(OPTIONS))

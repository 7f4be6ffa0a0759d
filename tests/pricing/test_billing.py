"""Billing units: one total in every unit, the identities between them, and domain.md §3.2's conversions."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.errors import ScenarioError
from simulator.pricing import Workload, billing_units, cost_build_up, fte_chain
from simulator.scenario.model import BILLING_UNITS, RateCard, Staffing
from tests.pricing.builders import (
    AGENTS,
    AHT_SECONDS,
    CALLS_PER_MONTH,
    DAYS,
    INTERVAL_SECONDS,
    INTERVALS,
    agent_profiles,
    hand_quote,
    rate_cards,
    staffings,
)


@given(card=rate_cards, staffing=staffings, agents=agent_profiles,
       calls=st.floats(1, 1e7), handle=st.floats(1, 3600))
def test_identities_over_rate_cards(card: RateCard, staffing: Staffing, agents: np.ndarray, calls: float,
                                    handle: float) -> None:
    if agents.sum() == 0:
        agents = agents + 1
    chain = fte_chain(agents, interval_seconds=INTERVAL_SECONDS, days_per_month=DAYS, staffing=staffing,
                      rate_card=card)
    workload = Workload(answered_calls=calls, handle_seconds=handle)
    build = cost_build_up(chain, workload, card, currency="GBP")
    units = billing_units(build.price, chain=chain, workload=workload, currency="GBP")
    q = units.quantities
    # per_X × quantity_X == total: one division and one multiplication, so equal to within two roundings
    assert units.rate("fte_month") * chain.fte == pytest.approx(build.price, rel=4e-16)
    hours = chain.billable_productive_hours
    assert units.rate("productive_hour") * hours == pytest.approx(build.price, rel=4e-16)
    assert units.rate("paid_hour") * chain.paid_hours == pytest.approx(build.price, rel=4e-16)
    assert units.rate("handled_minute") * workload.handled_minutes == pytest.approx(build.price, rel=4e-16)
    assert units.rate("call") * calls == pytest.approx(build.price, rel=4e-16)
    assert set(q) == set(BILLING_UNITS)
    # the conversions of §3.2 follow: per handled minute × minutes per call = per call, and so on
    assert units.rate("handled_minute") * handle / 60 == pytest.approx(units.rate("call"), rel=1e-12)
    assert units.rate("paid_hour") * card.paid_hours_per_fte_month == pytest.approx(units.rate("fte_month"),
                                                                                    rel=1e-12)
    if card.billable_hours_tolerance is None:
        per_paid = units.rate("productive_hour") * (1 - staffing.shrinkage)
        assert per_paid == pytest.approx(units.rate("paid_hour"), rel=1e-12)
    doc = units.to_dict()
    assert doc["currency"] == "GBP" and doc["total"] == build.price
    assert [k for k in doc if k.startswith("per_")] == [f"per_{u}" for u in BILLING_UNITS]
    json.dumps(doc, allow_nan=False)


def test_hand_quote_in_every_unit() -> None:
    chain, workload, build = hand_quote()
    units = billing_units(build.price, chain=chain, workload=workload, currency="USD")
    assert units.rate("fte_month") == pytest.approx(build.price / (10120 / 0.9 / 0.7 / 160), rel=1e-14)
    assert units.rate("productive_hour") == pytest.approx(build.price / (10120 / 0.9), rel=1e-14)
    assert units.rate("paid_hour") == pytest.approx(build.price / (10120 / 0.9 / 0.7), rel=1e-14)
    assert units.rate("handled_minute") == pytest.approx(build.price / (88_000 * 6), rel=1e-14)
    assert units.rate("call") == pytest.approx(build.price / 88_000, rel=1e-14)
    assert round(units.rate("fte_month"), 2) == 6935.85
    assert round(units.rate("call"), 2) == 7.91


def test_twelve_dollars_per_staffed_hour_domain_3_2() -> None:
    # §3.2: at $12 per staffed hour, 80/20, 400 calls/h, AHT 6 min (46 agents), the same invoice is $0.230 per
    # handled minute or $1.38 per call. Staffed hours there are the 46 agents' hours: schedule efficiency 1.
    staffing = Staffing(schedule_efficiency=1.0, shrinkage=0.3)
    chain = fte_chain([AGENTS] * INTERVALS, interval_seconds=INTERVAL_SECONDS, days_per_month=DAYS,
                      staffing=staffing, rate_card=RateCard())
    workload = Workload(answered_calls=CALLS_PER_MONTH, handle_seconds=AHT_SECONDS)
    total = 12 * chain.productive_hours
    units = billing_units(total, chain=chain, workload=workload, currency="USD")
    assert units.rate("productive_hour") == pytest.approx(12, rel=1e-14)
    assert round(units.rate("handled_minute"), 3) == 0.230  # 12 / (60 × 40/46)
    assert round(units.rate("call"), 2) == 1.38
    occupancy = 40 / 46
    assert units.rate("handled_minute") == pytest.approx(12 / (60 * occupancy), rel=1e-14)


def test_wewfm_productive_hour_domain_3_2() -> None:
    # §3.2: $194,887 × 1.2 for 150 FTE of 176 paid h, shrinkage 10.3 % in the office and 14 % out of it:
    # 176 × 0.897 × 0.86 = 135.8 productive hours per FTE: $1,559 per FTE-month is $11.48 per productive hour.
    shrinkage = 1 - (1 - 0.103) * (1 - 0.14)
    card = RateCard(paid_hours_per_fte_month=176)
    agents = [40] * 24  # any requirement will do; the schedule efficiency below brings it to 150 FTE
    required = 40 * 24 * 0.5 * DAYS
    efficiency = required / (150 * 176 * (1 - shrinkage))
    chain = fte_chain(agents, interval_seconds=1800, days_per_month=DAYS,
                      staffing=Staffing(schedule_efficiency=efficiency, shrinkage=shrinkage), rate_card=card)
    assert chain.fte == pytest.approx(150, rel=1e-12)
    assert chain.productive_hours / chain.fte == pytest.approx(176 * 0.897 * 0.86, rel=1e-12)  # 135.8
    units = billing_units(194_887 * 1.2, chain=chain, workload=Workload(answered_calls=1, handle_seconds=1),
                          currency="USD")
    assert round(units.rate("fte_month")) == 1559
    assert round(units.rate("productive_hour"), 2) == 11.48


def test_zero_quantity_has_no_price() -> None:
    chain, _, build = hand_quote()
    units = billing_units(build.price, chain=chain, workload=Workload(answered_calls=0, handle_seconds=300),
                          currency="USD")
    assert np.isnan(units.rate("call")) and np.isnan(units.rate("handled_minute"))
    doc = json.loads(json.dumps(units.to_dict(), allow_nan=False))
    assert doc["per_call"] is None


def test_unknown_unit_and_bad_total() -> None:
    chain, workload, build = hand_quote()
    units = billing_units(build.price, chain=chain, workload=workload, currency="USD")
    with pytest.raises(ScenarioError, match=r"billing\.unit"):
        units.rate("seat_month")
    with pytest.raises(ScenarioError):
        billing_units(float("nan"), chain=chain, workload=workload, currency="USD")

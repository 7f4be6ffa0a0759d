"""The FTE chain: domain.md §2.5's worked example, support roles, seats, the billable-hours cap, bad input."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given

from simulator.errors import ScenarioError
from simulator.jsonutil import jsonable
from simulator.pricing import FteChain, fte_chain, seats_for, support_roles, whole_heads
from simulator.scenario.model import RateCard, Role, Staffing
from tests.pricing.builders import (
    AGENTS,
    DAYS,
    HAND_RATE_CARD,
    HAND_STAFFING,
    INTERVAL_SECONDS,
    INTERVALS,
    agent_profiles,
    rate_cards,
    staffings,
)


def chain_for(agents: object, *, rate_card: RateCard = HAND_RATE_CARD, staffing: Staffing = HAND_STAFFING,
              agents_for_sla: object = None) -> FteChain:
    return fte_chain(agents, interval_seconds=INTERVAL_SECONDS, days_per_month=DAYS, staffing=staffing,
                     rate_card=rate_card, agents_for_sla=agents_for_sla)


def test_domain_2_5_worked_example() -> None:
    # domain.md §2.5: steady 400 calls/h, AHT 360 s → A = 40 Erlang; 46 agents (Erlang C 80/20, no occupancy
    # cap), 10 h/day, 22 days, 90 % schedule efficiency, 30 % shrinkage, 160 paid h/FTE.
    chain = chain_for([AGENTS] * INTERVALS)
    handle_hours = 40 * 10 * 22  # load × open hours: 8,800 h of handling
    assert handle_hours == 8800
    # What §2.5 calls "10,120 staffed" is 46 agents × 220 open hours: the *required* agent-hours in
    # architecture.md's names. Both factors (schedule efficiency and shrinkage) then lead to paid hours:
    assert chain.required_hours == pytest.approx(46 * 10 * 22, rel=1e-15)  # 10,120 h
    assert chain.productive_hours == pytest.approx(10120 / 0.9, rel=1e-15)  # 11,244.4 h logged in
    assert chain.paid_hours == pytest.approx(10120 / 0.9 / 0.7, rel=1e-15)  # 16,063.5 h
    assert round(chain.paid_hours) == 16063  # §2.5: "16,063 paid hours"
    assert chain.fte == pytest.approx(10120 / 0.9 / 0.7 / 160, rel=1e-15)  # 100.397
    assert round(chain.fte) == 100  # §2.5: "= 100 FTE"
    # "paid hours ≈ 1.83× handle hours"
    assert round(chain.paid_hours / handle_hours, 2) == pytest.approx(1.83, abs=0.005)
    # §2.5's aside: an 85 % occupancy cap needs 48 agents and 16,762 paid hours.
    capped = chain_for([48] * INTERVALS, agents_for_sla=[46] * INTERVALS)
    assert round(capped.paid_hours) == 16762  # 48 × 220 / 0.9 / 0.7 = 16,761.9
    assert capped.required_for_sla_hours == pytest.approx(10120)
    assert [s["step"] for s in capped.steps][:3] == ["required_for_sla", "required", "productive"]


def test_hours_sum_over_intervals_and_days() -> None:
    agents = np.array([3, 5, 8, 8, 5, 0])
    staffing = Staffing(schedule_efficiency=0.8, shrinkage=0.25)
    chain = fte_chain(agents, interval_seconds=900, days_per_month=21, staffing=staffing,
                      rate_card=RateCard(paid_hours_per_fte_month=150))
    required = (3 + 5 + 8 + 8 + 5 + 0) * 0.25 * 21  # Σ agents × 15 min × 21 days = 152.25 h
    assert chain.required_hours == pytest.approx(required, rel=1e-15)
    assert chain.productive_hours == pytest.approx(required / 0.8, rel=1e-15)
    assert chain.paid_hours == pytest.approx(required / 0.8 / 0.75, rel=1e-15)
    assert chain.fte == pytest.approx(required / 0.8 / 0.75 / 150, rel=1e-15)
    assert chain.peak_agents == 8
    assert chain.seats == 10  # ⌈8 / 0.8⌉


def test_seats_rule() -> None:
    assert seats_for(46, 0.9) == 52  # ⌈51.1⌉
    assert seats_for(46, 1.0) == 46
    assert seats_for(0, 0.85) == 0
    assert 21 / 0.7 > 30  # 30.000000000000004 in binary ...
    assert seats_for(21, 0.7) == 30  # ... but 30 seats, not 31
    with pytest.raises(ScenarioError, match="schedule_efficiency"):
        seats_for(10, 0.0)


def test_seats_below_fte_over_a_long_day_and_above_over_a_short_one() -> None:
    long_day = chain_for([AGENTS] * INTERVALS)  # 10 h open, 7.3 paid h per FTE-day
    assert long_day.seats < long_day.fte
    short_day = chain_for([AGENTS] * 6)  # 3 h open: the peak needs more people at once than there are FTEs
    assert short_day.seats > short_day.fte


def test_support_roles_whole_heads_with_minimum() -> None:
    roles = {"team_lead": Role(hourly_wage=30, span=12, minimum=1),
             "qa": Role(hourly_wage=25, span=40, minimum=2),
             "trainer": Role(hourly_wage=28, span=10, minimum=0)}
    out = support_roles(100.0, roles, paid_hours_per_fte_month=160)
    assert list(out) == ["team_lead", "qa", "trainer"]  # the rate card's order
    assert out["team_lead"].heads == 9  # ⌈8.33⌉
    assert out["qa"].heads == 3  # ⌈2.5⌉ above the minimum of 2
    assert out["trainer"].heads == 10  # exactly 10: no extra head for float noise
    assert out["qa"].paid_hours == 3 * 160
    small = support_roles(3.0, roles, paid_hours_per_fte_month=160)
    assert small["qa"].heads == 2  # the minimum binds
    assert small["trainer"].heads == 1
    assert support_roles(0.0, roles, paid_hours_per_fte_month=160)["trainer"].heads == 0


def test_whole_heads_forgives_float_noise_only() -> None:
    assert whole_heads(42 / 0.7) == 60  # 60.00000000000001 in binary
    assert whole_heads(10.01) == 11
    assert whole_heads(0.0) == 0
    assert whole_heads(1e-6) == 1
    with pytest.raises(ScenarioError):
        whole_heads(-1.0)
    with pytest.raises(ScenarioError):
        whole_heads(math.nan)


def test_billable_hours_cap() -> None:
    card = HAND_RATE_CARD.model_copy(update={"billable_hours_tolerance": 0.05})
    chain = chain_for([AGENTS] * INTERVALS, rate_card=card)
    # productive = required / 0.9 = 1.111 × required > required × 1.05: the buyer pays for 1.05 × required
    assert chain.billable_productive_hours == pytest.approx(10120 * 1.05, rel=1e-15)
    assert chain.productive_hours == pytest.approx(10120 / 0.9, rel=1e-15)  # the provider still staffs it
    looser = card.model_copy(update={"billable_hours_tolerance": 0.2})
    loose = chain_for([AGENTS] * INTERVALS, rate_card=looser)
    assert loose.billable_productive_hours == loose.productive_hours  # 1.111 < 1.2: the cap does not bind
    assert "billable_productive" in [s["step"] for s in chain.steps]


@given(agents=agent_profiles, card=rate_cards, staffing=staffings)
def test_chain_identities(agents: np.ndarray, card: RateCard, staffing: Staffing) -> None:
    chain = chain_for(agents, rate_card=card, staffing=staffing)
    required = chain.productive_hours * staffing.schedule_efficiency
    assert required == pytest.approx(chain.required_hours, rel=1e-12)
    assert chain.paid_hours * (1 - staffing.shrinkage) == pytest.approx(chain.productive_hours, rel=1e-12)
    assert chain.fte * card.paid_hours_per_fte_month == pytest.approx(chain.paid_hours, rel=1e-12)
    assert chain.required_hours <= chain.billable_productive_hours * (1 + 1e-12)
    assert chain.billable_productive_hours <= chain.productive_hours <= chain.paid_hours * (1 + 1e-12)
    assert chain.seats >= chain.peak_agents
    for name, role in chain.support.items():
        assert role.heads >= card.roles[name].minimum
        assert role.heads * role.span >= chain.fte * (1 - 1e-9)  # enough heads for the span
    json.dumps(jsonable(chain.to_dict()), allow_nan=False)


@pytest.mark.parametrize("agents", [[], [[1, 2], [3, 4]], [1, -1], [1.5, 2], [1, math.nan], ["a"]])
def test_bad_agents_are_scenario_errors(agents: object) -> None:
    with pytest.raises(ScenarioError, match="agents_per_interval"):
        chain_for(agents)


def test_bad_shapes_and_periods() -> None:
    with pytest.raises(ScenarioError, match="agents_for_sla"):
        chain_for([1, 2, 3], agents_for_sla=[1, 2])
    with pytest.raises(ScenarioError, match="days_per_month"):
        fte_chain([1], interval_seconds=1800, days_per_month=0, staffing=HAND_STAFFING,
                  rate_card=HAND_RATE_CARD)
    with pytest.raises(ScenarioError, match="interval_seconds"):
        fte_chain([1], interval_seconds=0, days_per_month=22, staffing=HAND_STAFFING,
                  rate_card=HAND_RATE_CARD)


def test_float_integers_accepted() -> None:
    chain = chain_for(np.array([4.0, 5.0]))
    assert chain.agents_per_interval.dtype.kind == "i"
    assert chain.to_dict()["agents_per_interval"] == [4, 5]

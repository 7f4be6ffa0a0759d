"""Cost build-up and price: a quote worked out by hand, wewfm's example (domain.md §3.2), monotonicity."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.distributions import Exponential
from simulator.errors import ScenarioError
from simulator.pricing import (
    CostBuildUp,
    Workload,
    contract_handle_seconds,
    cost_build_up,
    fte_chain,
    price_from_cost,
)
from simulator.scenario.model import Definitions, Handling, RateCard, Role, Staffing
from tests.pricing.builders import HAND_RATE_CARD, agent_profiles, hand_quote, rate_cards, staffings


def test_hand_computed_quote() -> None:
    """Steady 400 calls/h, AHT 360 s, 46 agents (Erlang C 80/20) over 20 half-hours a day, 22 days a month."""
    chain, _, build = hand_quote()
    # FTE chain
    required = 46 * 20 * 0.5 * 22  # 10,120 agent-hours
    productive = required / 0.9  # 11,244.44
    paid = productive / (1 - 0.3)  # 16,063.49
    fte = paid / 160  # 100.397
    assert chain.fte == pytest.approx(fte, rel=1e-14)
    assert chain.seats == math.ceil(46 / 0.9) == 52
    assert chain.support_heads == {"team_lead": math.ceil(fte / 15), "qa": math.ceil(fte / 40)} == {
        "team_lead": 7, "qa": 3}
    # cost lines
    agent_wages = paid * 20 * 1.25  # 401,587.30
    team_lead_wages = 7 * 160 * 30 * 1.25  # 42,000
    qa_wages = 3 * 160 * 25 * 1.25  # 15,000
    seats = 52 * 400  # 20,800
    licences = 52 * 100  # 5,200
    telephony = 88_000 * 360 / 60 * 0.01  # 528,000 handled minutes × $0.01 = 5,280
    hires = 0.6 / 12 * (fte + 7 + 3)  # 5.52 a month
    recruiting = hires * 3000  # 16,559.52
    # direct cost: 506,426.83
    direct = agent_wages + team_lead_wages + qa_wages + seats + licences + telephony + recruiting
    overhead = 0.10 * direct  # 50,642.68
    cost = direct + overhead  # 557,069.51
    price = cost / (1 - 0.20)  # 696,336.88: a 20 % margin on price
    expected = {"agent_wages": agent_wages, "team_lead_wages": team_lead_wages, "qa_wages": qa_wages,
                "seats": seats, "licences": licences, "telephony": telephony,
                "recruiting_training": recruiting, "overhead": overhead, "margin": price - cost}
    assert list(build.lines) == list(expected)  # the order is part of the contract
    for line, amount in expected.items():
        assert build.lines[line] == pytest.approx(amount, rel=1e-13), line
    # the same figures, rounded to cents, as a person would write them down
    rounded = {k: round(v, 2) for k, v in build.lines.items()}
    assert rounded == {"agent_wages": 401587.30, "team_lead_wages": 42000.0, "qa_wages": 15000.0,
                       "seats": 20800.0, "licences": 5200.0, "telephony": 5280.0,
                       "recruiting_training": 16559.52, "overhead": 50642.68, "margin": 139267.38}
    assert round(build.cost, 2) == 557069.51
    assert round(build.price, 2) == 696336.88
    assert build.hires_per_month == pytest.approx(hires, rel=1e-14)
    assert math.fsum(build.lines.values()) == pytest.approx(build.price, rel=1e-14)
    assert math.fsum(build.cost_lines.values()) == pytest.approx(build.cost, rel=1e-14)
    assert "cost / (1 − 0.2)" in build.rule
    doc = build.to_dict()
    assert doc["pricing_formula"] == "margin" and doc["currency"] == "USD"
    json.dumps(doc, allow_nan=False)


def test_markup_formula() -> None:
    card = HAND_RATE_CARD.model_copy(update={"pricing_formula": "markup"})
    _, _, build = hand_quote(rate_card=card)
    assert build.price == pytest.approx(build.cost * 1.2, rel=1e-15)
    assert build.margin == pytest.approx(0.2 * build.cost, rel=1e-12)
    assert "cost × (1 + 0.2)" in build.rule


def test_wewfm_example_domain_3_2() -> None:
    # $194,887 a month, 20 % "on top", 150 FTE: $1,559 per FTE-month is a 20 % markup; a 20 % margin gives
    # $1,624.
    markup = price_from_cost(194_887, formula="markup", margin=0.20) / 150
    margin = price_from_cost(194_887, formula="margin", margin=0.20) / 150
    assert round(markup) == 1559
    assert round(margin) == 1624
    assert margin > markup


def test_price_from_cost_rejects_impossible_margins() -> None:
    with pytest.raises(ScenarioError, match="margin"):
        price_from_cost(100.0, formula="margin", margin=1.0)
    with pytest.raises(ScenarioError, match="pricing_formula"):
        price_from_cost(100.0, formula="cost_plus", margin=0.1)  # type: ignore[arg-type]


def test_handled_minutes_follow_the_aht_definition() -> None:
    handling = Handling(talk=Exponential(mean=300), hold=Exponential(mean=30), acw=Exponential(mean=60))
    assert contract_handle_seconds(handling, Definitions(acw_in_aht=True)) == pytest.approx(390)
    assert contract_handle_seconds(handling, Definitions(acw_in_aht=False)) == pytest.approx(330)
    assert contract_handle_seconds(Handling(talk=Exponential(mean=240)), Definitions()) == pytest.approx(240)
    assert Workload(answered_calls=1000, handle_seconds=390).handled_minutes == pytest.approx(6500)
    with pytest.raises(ScenarioError, match="answered_calls"):
        Workload(answered_calls=-1, handle_seconds=300)


def test_role_line_clash_is_an_error() -> None:
    card = HAND_RATE_CARD.model_copy(update={"roles": {"agent": Role(hourly_wage=20, span=10)}})
    with pytest.raises(ScenarioError, match=r"rate_card\.roles\.agent"):
        hand_quote(rate_card=card)


@given(agents=agent_profiles, extra=st.integers(1, 50), where=st.integers(0, 47), card=rate_cards,
       staffing=staffings)
def test_more_agents_never_lower_any_cost_line(agents: np.ndarray, extra: int, where: int, card: RateCard,
                                               staffing: Staffing) -> None:
    more = agents.copy()
    more[where % len(more)] += extra
    workload = Workload(answered_calls=10_000, handle_seconds=300)

    def build(a: np.ndarray) -> CostBuildUp:
        chain = fte_chain(a, interval_seconds=1800, days_per_month=22, staffing=staffing, rate_card=card)
        return cost_build_up(chain, workload, card, currency="EUR")

    low, high = build(agents), build(more)
    for line in low.lines:
        assert high.lines[line] >= low.lines[line] * (1 - 1e-12), line
    assert high.cost >= low.cost * (1 - 1e-12)
    assert high.price >= low.price * (1 - 1e-12)


@given(card=rate_cards, m1=st.floats(0, 0.95), m2=st.floats(0, 0.95))
def test_a_larger_margin_never_lowers_price(card: RateCard, m1: float, m2: float) -> None:
    lo, hi = sorted((m1, m2))
    _, _, low = hand_quote(rate_card=card.model_copy(update={"margin": lo}))
    _, _, high = hand_quote(rate_card=card.model_copy(update={"margin": hi}))
    assert high.cost == pytest.approx(low.cost, rel=1e-15)
    assert high.price >= low.price


@given(card=rate_cards, staffing=staffings, agents=agent_profiles)
def test_lines_add_up(card: RateCard, staffing: Staffing, agents: np.ndarray) -> None:
    _, _, build = hand_quote(rate_card=card, staffing=staffing, agents=agents)
    assert math.fsum(build.cost_lines.values()) == pytest.approx(build.cost, rel=1e-12, abs=1e-9)
    assert math.fsum(build.lines.values()) == pytest.approx(build.price, rel=1e-12, abs=1e-9)
    assert build.lines["overhead"] == pytest.approx(card.overhead * build.direct_cost, rel=1e-12, abs=1e-12)
    assert all(v >= 0 for v in build.lines.values())

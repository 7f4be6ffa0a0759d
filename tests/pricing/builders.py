"""Shared inputs for the pricing tests: the hand-computed example and Hypothesis strategies for rate cards."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from simulator.pricing import CostBuildUp, FteChain, Workload, cost_build_up, fte_chain
from simulator.scenario.model import RateCard, Role, Staffing

# domain.md §2.5 / §3.7: steady 400 calls/h, AHT 360 s (A = 40 Erlang), open 10 h a day in 30-minute
# intervals, 22 days a month; Erlang C for 80/20 needs 46 agents (§3.7's table, row A = 40).
INTERVALS = 20
INTERVAL_SECONDS = 1800
DAYS = 22
AGENTS = 46
CALLS_PER_MONTH = 400 * 10 * 22  # Erlang C: nobody abandons, every call is answered
AHT_SECONDS = 360.0

HAND_RATE_CARD = RateCard(
    paid_hours_per_fte_month=160,
    agent_hourly_wage=20,
    burden=0.25,
    roles={"team_lead": Role(hourly_wage=30, span=15, minimum=1),
           "qa": Role(hourly_wage=25, span=40, minimum=1)},
    seat_month=400,
    licence_seat_month=100,
    telephony_per_minute=0.01,
    annual_attrition=0.6,
    cost_per_hire=3000,
    overhead=0.10,
    pricing_formula="margin",
    margin=0.20,
    annual_escalator=0.03,
    ramp_up_months=1,
)
HAND_STAFFING = Staffing(schedule_efficiency=0.9, shrinkage=0.3)


def hand_quote(rate_card: RateCard = HAND_RATE_CARD, staffing: Staffing = HAND_STAFFING,
               agents: Any = None) -> tuple[FteChain, Workload, CostBuildUp]:
    chain = fte_chain([AGENTS] * INTERVALS if agents is None else agents, interval_seconds=INTERVAL_SECONDS,
                      days_per_month=DAYS, staffing=staffing, rate_card=rate_card)
    workload = Workload(answered_calls=CALLS_PER_MONTH, handle_seconds=AHT_SECONDS)
    return chain, workload, cost_build_up(chain, workload, rate_card, currency="USD")


def _money(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


roles = st.dictionaries(
    st.sampled_from(["team_lead", "qa", "trainer", "wfm", "manager"]),
    st.builds(Role, hourly_wage=_money(5, 80), span=_money(0.5, 200), minimum=st.integers(0, 3)),
    max_size=4,
)

rate_cards = st.builds(
    RateCard,
    paid_hours_per_fte_month=_money(80, 200),
    agent_hourly_wage=_money(1, 60),
    burden=_money(0, 1),
    roles=roles,
    seat_month=_money(0, 2000),
    licence_seat_month=_money(0, 500),
    telephony_per_minute=_money(0, 0.2),
    annual_attrition=_money(0, 2),
    cost_per_hire=_money(0, 20000),
    overhead=_money(0, 0.5),
    pricing_formula=st.sampled_from(["margin", "markup"]),
    margin=_money(0, 0.9),
    billable_hours_tolerance=st.none() | _money(0, 0.5),
)

staffings = st.builds(Staffing, schedule_efficiency=_money(0.5, 1), shrinkage=_money(0, 0.6))

agent_profiles = st.lists(st.integers(0, 300), min_size=1, max_size=48).map(np.array)

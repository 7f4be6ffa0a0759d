"""The contract term: the annual escalator compounds at each anniversary; ramp-up hires are charged once."""

from __future__ import annotations

import json
import math

import pytest

from simulator.errors import ScenarioError
from simulator.pricing import term_schedule
from tests.pricing.builders import HAND_RATE_CARD, hand_quote


def test_term_with_escalator_and_ramp_up() -> None:
    chain, _, build = hand_quote()
    term = term_schedule(build.price, chain=chain, rate_card=HAND_RATE_CARD, term_months=26, currency="USD")
    p = build.price
    # ramp-up: ⌈100.397⌉ = 101 agents + 7 team leads + 3 QA hired once at $3,000, with 10 % overhead and a
    # 20 % margin on price, all charged in the single ramp-up month
    assert term.ramp_up_hires == 101 + 7 + 3
    assert term.ramp_up_cost == 111 * 3000
    ramp = 111 * 3000 * 1.10 / (1 - 0.20)  # 457,875
    assert term.ramp_up_price == pytest.approx(ramp, rel=1e-14)
    expected = [p + ramp] + [p] * 11 + [p * 1.03] * 12 + [p * 1.03**2] * 2
    assert term.per_month == pytest.approx(expected, rel=1e-14)
    assert term.total == pytest.approx(math.fsum(expected), rel=1e-14)
    assert term.total == pytest.approx(p * (12 + 12 * 1.03 + 2 * 1.03**2) + ramp, rel=1e-14)
    doc = term.to_dict()
    assert [m["month"] for m in doc["months"]] == list(range(1, 27))
    assert doc["months"][12]["year"] == 2 and doc["months"][12]["escalation_factor"] == pytest.approx(1.03)
    json.dumps(doc, allow_nan=False)


def test_ramp_up_spread_over_its_months_or_the_shorter_term() -> None:
    chain, _, build = hand_quote()
    card = HAND_RATE_CARD.model_copy(update={"ramp_up_months": 3, "annual_escalator": 0.0})
    term = term_schedule(build.price, chain=chain, rate_card=card, term_months=6, currency="USD")
    assert term.ramp_up[:3] == pytest.approx([term.ramp_up_price / 3] * 3, rel=1e-14)
    assert list(term.ramp_up[3:]) == [0, 0, 0]
    short = term_schedule(build.price, chain=chain, rate_card=card, term_months=2, currency="USD")
    assert short.ramp_up_months == 2
    assert short.ramp_up.sum() == pytest.approx(short.ramp_up_price, rel=1e-14)
    none = term_schedule(build.price, chain=chain, rate_card=card.model_copy(update={"ramp_up_months": 0}),
                         term_months=6, currency="USD")
    assert none.total == pytest.approx(6 * build.price, rel=1e-14)


def test_term_validation() -> None:
    chain, _, build = hand_quote()
    with pytest.raises(ScenarioError, match="term_months"):
        term_schedule(build.price, chain=chain, rate_card=HAND_RATE_CARD, term_months=0, currency="USD")

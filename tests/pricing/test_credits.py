"""Service credits: domain.md §3.5's example, cap, earn-back, floors, bonus, the price with risk, P(miss)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.errors import InfeasibleTargetError, ScenarioError
from simulator.pricing import MonthOutcomes, credit_risk, month_misses, p_miss_standard_error, wilson_interval
from simulator.scenario.model import SLA, CreditMetric, Credits, Floors

SLA_80 = SLA(service_level=0.80, max_abandon_rate=0.05, max_asa_seconds=30)


def regime(**kwargs: object) -> Credits:
    base: dict[str, object] = {"at_risk_share": 0.10, "include_in_price": False,
                               "metrics": {"service_level": CreditMetric(allocation=0.6),
                                           "abandon_rate": CreditMetric(allocation=0.4)}}
    base.update(kwargs)
    return Credits.model_validate(base)


def test_domain_3_5_example() -> None:
    # $100k invoice × 10 % at risk × 50 % pool allocation × 40 % credit allocation = $2,000 for one miss.
    credits = regime(metrics={"service_level": CreditMetric(allocation=0.5 * 0.4)})
    outcomes = MonthOutcomes(service_level=[0.75, 0.85])  # month 1 misses 80 %, month 2 meets it
    risk = credit_risk(outcomes, sla=SLA(service_level=0.80), credits=credits, base_price=100_000)
    assert risk.credit_share[0] * risk.price == pytest.approx(2000, rel=1e-14)
    assert risk.credit_share[1] == 0
    assert risk.expected_credits == pytest.approx(1000, rel=1e-14)
    assert risk.p_miss == 0.5
    assert risk.price == 100_000  # not priced in


def test_credit_cap() -> None:
    bad_month = MonthOutcomes(service_level=[0.5], abandon_rate=[0.2], asa_seconds=[100])
    both = credit_risk(bad_month, sla=SLA_80, credits=regime(), base_price=100_000)
    assert both.credit_share[0] * 100_000 == pytest.approx(10_000)  # (0.6 + 0.4) × 10 %: the whole pool
    capped = credit_risk(bad_month, sla=SLA_80, credits=regime(cap_share=0.05), base_price=100_000)
    assert capped.credit_share[0] * 100_000 == pytest.approx(5_000)  # the cap binds
    loose = credit_risk(bad_month, sla=SLA_80, credits=regime(cap_share=0.5), base_price=100_000)
    assert loose.credit_share[0] * 100_000 == pytest.approx(10_000)  # allocations never exceed the pool


@given(
    sl=st.lists(st.floats(0, 1), min_size=1, max_size=30),
    at_risk=st.floats(0, 1), cap=st.none() | st.floats(0, 1),
    a1=st.floats(0.01, 0.5), a2=st.floats(0.01, 0.5), a3=st.floats(0.01, 0.5 - 1e-9),
    earn_back=st.booleans(),
)
def test_credits_never_exceed_the_cap(sl: list[float], at_risk: float, cap: float | None, a1: float,
                                      a2: float, a3: float, earn_back: bool) -> None:
    total = a1 + a2 + a3
    metrics = {"service_level": CreditMetric(allocation=a1 / total * 0.999),
               "abandon_rate": CreditMetric(allocation=a2 / total * 0.999),
               "asa": CreditMetric(allocation=a3 / total * 0.999)}
    credits = regime(at_risk_share=at_risk, cap_share=cap, metrics=metrics, earn_back=earn_back)
    m = len(sl)
    rng = np.random.default_rng(m)
    outcomes = MonthOutcomes(service_level=sl, abandon_rate=rng.uniform(0, 0.1, m),
                             asa_seconds=rng.uniform(0, 60, m))
    risk = credit_risk(outcomes, sla=SLA_80, credits=credits, base_price=50_000)
    limit = at_risk if cap is None else cap
    assert np.all(risk.credit_share >= 0)
    assert np.all(risk.credit_share <= limit + 1e-15)
    assert np.all(risk.credit_share <= at_risk + 1e-15)
    assert risk.credits_p95 <= limit * risk.price * (1 + 1e-12) + 1e-9
    assert 0 <= risk.p_credit <= risk.p_miss <= 1


def test_expected_credits_sum_p_miss_times_credit_when_uncapped() -> None:
    # domain.md §5.6: expected credits = Σ_k P(miss_k) × credit_k while the cap does not bind
    rng = np.random.default_rng(7)
    m = 500
    outcomes = MonthOutcomes(service_level=rng.normal(0.82, 0.03, m), abandon_rate=rng.normal(0.04, 0.01, m))
    risk = credit_risk(outcomes, sla=SLA(service_level=0.8, max_abandon_rate=0.05), credits=regime(),
                       base_price=80_000)
    by_metric = risk.p_miss_by_metric
    expected = (by_metric["service_level"] * 0.6 + by_metric["abandon_rate"] * 0.4) * 0.10 * 80_000
    assert risk.expected_credits == pytest.approx(expected, rel=1e-12)
    either = np.mean((outcomes.service_level < 0.8) | (outcomes.abandon_rate > 0.05))
    assert risk.p_miss == pytest.approx(either, abs=0)


def test_miss_rules_ties_nan_and_periods() -> None:
    sla = SLA(service_level=0.8, max_abandon_rate=0.05, max_asa_seconds=30)
    outcomes = MonthOutcomes(
        service_level=[0.8, 0.1 + 0.7, np.nan, 0.79],  # 0.1 + 0.7 = 0.7999999999999999: a tie, met
        abandon_rate=[0.05, 0.0500001, 0.0, 0.0],
        asa_seconds=[30.0, 29.0, np.nan, 31.0],
    )
    misses = month_misses(outcomes, sla)
    assert misses["service_level"].tolist() == [False, False, False, True]
    assert misses["abandon_rate"].tolist() == [False, True, False, False]
    assert misses["asa"].tolist() == [False, False, False, True]
    # a daily SLA: the month misses when any day misses
    daily = MonthOutcomes(service_level=[[0.9, 0.85, 0.79], [0.9, 0.9, np.nan]])
    assert month_misses(daily, SLA(service_level=0.8))["service_level"].tolist() == [True, False]


def test_floor_breach_is_a_service_level_miss() -> None:
    outcomes = MonthOutcomes(service_level=[0.85, 0.85, 0.75],
                             daily_service_level=[[0.9, 0.8, 0.86], [0.9, 0.6, 0.9], [0.8, 0.8, 0.8]])
    floors = Floors(day=0.7)
    misses = month_misses(outcomes, SLA(service_level=0.8), floors)
    # month 2: a day below 70 %; month 3: the month below 80 %
    assert misses["service_level"].tolist() == [False, True, True]
    risk = credit_risk(outcomes, sla=SLA(service_level=0.8), credits=regime(), base_price=1000, floors=floors)
    assert risk.p_floor_breach == pytest.approx(1 / 3)
    floor_only = month_misses(outcomes, SLA(service_level=None), floors)
    assert floor_only["service_level"].tolist() == [False, True, False]
    with pytest.raises(ScenarioError, match=r"floors\.day"):
        month_misses(MonthOutcomes(service_level=[0.9]), SLA(service_level=0.8), floors)


def test_earn_back_cancels_a_credit_when_the_next_month_meets_the_target() -> None:
    sl = [0.7, 0.7, 0.9, 0.7, 0.9, 0.7]  # misses in months 1, 2, 4, 6 (1-based)
    credits = regime(metrics={"service_level": CreditMetric(allocation=1.0)}, earn_back=True)
    risk = credit_risk(MonthOutcomes(service_level=sl), sla=SLA(service_level=0.8), credits=credits,
                       base_price=1000)
    # month 1 → month 2 misses: credit stays; month 2 → 3 meets: earned back; month 4 → 5 meets: earned back;
    # month 6 → month 1 (circular) misses: credit stays
    assert (risk.credit_share * 1000).tolist() == pytest.approx([100, 0, 0, 0, 0, 100])
    assert risk.p_miss == pytest.approx(4 / 6)
    assert risk.p_credit == pytest.approx(2 / 6)
    no_earn_back = credit_risk(MonthOutcomes(service_level=sl), sla=SLA(service_level=0.8),
                               credits=regime(metrics={"service_level": CreditMetric(allocation=1.0)}),
                               base_price=1000)
    assert no_earn_back.expected_credits == pytest.approx(1000 * 0.1 * 4 / 6)


def test_bonus_and_price_with_risk() -> None:
    outcomes = MonthOutcomes(service_level=[0.70, 0.82, 0.90, 0.95])
    credits = Credits(at_risk_share=0.10, metrics={"service_level": CreditMetric(allocation=1.0)},
                      bonus_share=0.02, bonus_service_level=0.9, include_in_price=True, risk_premium=0.01)
    base = 100_000.0
    risk = credit_risk(outcomes, sla=SLA(service_level=0.8), credits=credits, base_price=base)
    c = 0.10 / 4  # one miss in four months, the whole pool
    b = 0.02 * 2 / 4  # two months at or above 90 % with no miss
    price = base * 1.01 / (1 - c + b)
    assert risk.price == pytest.approx(price, rel=1e-14)
    # the rule as stated: price = base + expected credits − expected bonus + risk premium × base
    stated = base + risk.expected_credits - risk.expected_bonus + 0.01 * base
    assert risk.price == pytest.approx(stated, rel=1e-14)
    assert risk.expected_credits == pytest.approx(c * price, rel=1e-14)
    assert risk.risk_premium == pytest.approx(1000)
    doc = risk.to_dict()
    for key in ("p_miss", "p_miss_by_metric", "expected_credits", "credits_p95"):
        assert key in doc
    json.dumps(doc, allow_nan=False)


def test_bonus_without_a_level_is_paid_when_no_target_is_missed() -> None:
    credits = regime(bonus_share=0.01)
    outcomes = MonthOutcomes(service_level=[0.7, 0.9], abandon_rate=[0.01, 0.01])
    sla = SLA_80.model_copy(update={"max_asa_seconds": None})
    risk = credit_risk(outcomes, sla=sla, credits=credits, base_price=1000)
    assert (risk.bonus_share * 1000).tolist() == pytest.approx([0, 10])


def test_credits_that_take_every_invoice_are_infeasible() -> None:
    credits = Credits(at_risk_share=1.0, metrics={"service_level": CreditMetric(allocation=1.0)})
    with pytest.raises(InfeasibleTargetError):
        credit_risk(MonthOutcomes(service_level=[0.1, 0.2]), sla=SLA(service_level=0.8), credits=credits,
                    base_price=1000)


def test_missing_outcomes_and_mismatched_months() -> None:
    with pytest.raises(ScenarioError, match="max_asa_seconds"):
        credit_risk(MonthOutcomes(service_level=[0.9], abandon_rate=[0.01]), sla=SLA_80, credits=regime(),
                    base_price=1)
    with pytest.raises(ScenarioError, match="abandon_rate"):
        MonthOutcomes(service_level=[0.9, 0.8], abandon_rate=[0.01])
    with pytest.raises(ScenarioError, match="outcomes"):
        MonthOutcomes()


def test_metrics_without_allocation_are_reported_but_bear_no_credit() -> None:
    outcomes = MonthOutcomes(service_level=[0.9, 0.9], abandon_rate=[0.01, 0.01], asa_seconds=[10, 60])
    risk = credit_risk(outcomes, sla=SLA_80, credits=regime(), base_price=1000)
    assert risk.p_miss_by_metric["asa"] == 0.5
    assert risk.credit_bearing == ("service_level", "abandon_rate")
    assert risk.p_miss == 0.0
    assert risk.expected_credits == 0.0


def test_p_miss_standard_error_formula_and_wilson() -> None:
    assert p_miss_standard_error(0.1, 400) == pytest.approx(0.015)
    assert p_miss_standard_error(0.0, 200) == 0.0
    low, high = wilson_interval(0.0, 200)
    assert low == 0.0 and 0.015 < high < 0.025  # never seen in 200 months: still up to ~1.9 %
    low, high = wilson_interval(0.3, 100)
    assert low < 0.3 < high
    with pytest.raises(ScenarioError):
        p_miss_standard_error(1.5, 10)


def test_p_miss_standard_error_matches_the_spread_of_estimates() -> None:
    # 4,000 batches of M = 100 Bernoulli(0.3) months: the estimates' standard deviation should be
    # sqrt(0.3 × 0.7 / 100) = 0.0458; the sample SD of n = 4,000 values has SE ≈ σ/sqrt(2n) = 0.00051, so we
    # allow 5 of those (z = 5).
    rng = np.random.default_rng(20240601)
    p, m, batches = 0.3, 100, 4000
    estimates = []
    for _ in range(batches):
        sl = np.where(rng.random(m) < p, 0.7, 0.9)
        risk = credit_risk(MonthOutcomes(service_level=sl), sla=SLA(service_level=0.8), credits=regime(),
                           base_price=1.0)
        estimates.append(risk.p_miss)
    sd = float(np.std(estimates, ddof=1))
    se = p_miss_standard_error(p, m)
    assert abs(sd - se) < 5 * se / math.sqrt(2 * batches)
    assert abs(np.mean(estimates) - p) < 5 * se / math.sqrt(batches)

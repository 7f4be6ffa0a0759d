"""Risk months: the surrogate against the full simulation, the pairing of months, the calibration algebra.

Agreement rule for P(miss) (per credit-bearing metric and for "any target"): the surrogate and the
simulation evaluate the same M months (same volume shocks), so their estimates are positively correlated and
the standard error of their difference is at most that of two independent binomial estimates,
SE = sqrt(2 p̄(1 − p̄)/M) with p̄ their mean (kept at least 1/M away from 0 and 1). They must agree within
3 SE plus 0.05, the modelling error allowed to the surrogate (its documented approximations: formulas per
interval with a calibrated drift and slope).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.analytic import erlang_a
from simulator.pricing.credits import month_misses
from simulator.risk import (
    LevelCalibration,
    MonthRunner,
    MonthSet,
    QueueModel,
    calibrate,
    forecast_model,
    month_shocks,
    risk_month_seeds,
    simulated_months,
    slope_volume,
    surrogate_months,
    volume_model,
)
from simulator.scenario import load_scenario
from simulator.sim.model import CentreModel
from simulator.staffing import analytic_staffing, repeat_factor

SMALL = ("demand.calls_per_day=800", "demand.days_per_month=6", "repeats.fcr=0.9")
Z = 3.0
MODEL_TOLERANCE = 0.05


def _tolerance(p_a: float, p_b: float, months: int) -> float:
    p = min(max((p_a + p_b) / 2, 1 / months), 1 - 1 / months)
    return Z * math.sqrt(2 * p * (1 - p) / months) + MODEL_TOLERANCE


def _compare(scenario, agents, months: int, workers: int) -> list[tuple[str, float, float]]:
    with MonthRunner(workers=workers) as runner:
        seeds = np.random.SeedSequence(0).spawn(4)
        sims = MonthSet(tuple(runner.run(forecast_model(scenario, agents), seeds, scenario)), scenario.definitions)
        volume = slope_volume(scenario)
        raised = MonthSet(tuple(runner.run(volume_model(scenario, agents, volume), seeds[:3], scenario)),
                          scenario.definitions)
        calibration = calibrate(scenario, agents, sims, raised, volume)
        surrogate = surrogate_months(scenario, agents, calibration, months=months, seed=1)
        simulated = simulated_months(scenario, agents, months=months, seed=1, runner=runner)
    a = month_misses(surrogate.outcomes, scenario.sla)
    b = month_misses(simulated.outcomes, scenario.sla)
    rows = [(name, float(a[name].mean()), float(b[name].mean())) for name in a]
    rows.append(("any", surrogate.p_miss_any(scenario), simulated.p_miss_any(scenario)))
    return rows


def _assert_agree(rows: list[tuple[str, float, float]], months: int) -> None:
    for name, p_surrogate, p_simulation in rows:
        assert abs(p_surrogate - p_simulation) <= _tolerance(p_surrogate, p_simulation, months), \
            (name, p_surrogate, p_simulation)
    # the case must have power: some miss probability away from 0 and 1
    assert any(0.1 <= p <= 0.9 for _, _, p in rows), rows


def test_surrogate_agrees_with_the_simulation_on_a_small_centre():
    scenario = load_scenario(None, SMALL)
    agents = analytic_staffing(scenario).agents_for_sla - 1  # below the SLA plan: misses are common
    _assert_agree(_compare(scenario, agents, months=150, workers=1), 150)


@pytest.mark.slow
@pytest.mark.parametrize("extra", [0, 1], ids=["sla-plan", "sla-plan+1"])
def test_surrogate_agrees_with_the_simulation_on_the_default_scenario(extra):
    scenario = load_scenario(None)
    agents = analytic_staffing(scenario).agents_for_sla + extra  # no occupancy cap: the SLA binds
    _assert_agree(_compare(scenario, agents, months=150, workers=2), 150)


def test_risk_months_see_the_same_volume_shocks_in_both_methods():
    # No repeats, so the trunk arrivals of month m are Poisson with mean (calls a day) × M_m × Σ_d D_md, where
    # M_m and D_md are the multipliers the surrogate uses (month_shocks): the engine must draw the same ones.
    scenario = load_scenario(None, (*SMALL, "repeats.fcr=1", "repeats.redial_probability=0",
                                    "demand.month_cv=0.2", "demand.day_cv=0.1"))
    agents = analytic_staffing(scenario).agents
    months = 24
    month, days, _ = month_shocks(scenario, months=months, seed=3)
    with MonthRunner(workers=1) as runner:
        simulated = simulated_months(scenario, agents, months=months, seed=3, runner=runner)
        again = runner.run(CentreModel.from_scenario(scenario, agents), risk_month_seeds(3, months), scenario)
    # simulated_months runs month m on risk_month_seeds(seed)[m]
    assert simulated.monthly["service_level"].tolist() == [m.month["service_level"] for m in again]
    arrivals = np.array([m.totals["trunk_arrivals"] for m in again])
    expected = scenario.calls_per_interval.sum() * month * days.sum(axis=1)
    z = (arrivals - expected) / np.sqrt(expected)
    assert np.abs(z).max() < 4.5, z
    assert np.corrcoef(arrivals, expected)[0, 1] > 0.9


def test_calibration_reproduces_the_simulated_mean_and_applies_the_slope():
    names = ("service_level", "abandon_rate", "asa_seconds")
    simulated = np.array([[0.80, 0.03, 8.0]])  # one month: no noise can be estimated
    analytic = np.array([0.85, 0.04, 6.0])
    level = LevelCalibration.measure(names, simulated, analytic, slope=np.array([1.2, 0.8, 1.0]))
    assert np.all(level.covariance == 0)
    rng = np.random.default_rng(0)
    # at the formulas' forecast value the calibrated value is the simulated one
    assert level.apply(analytic[None, :], rng)[0] == pytest.approx(simulated[0], rel=1e-12)
    # elsewhere: z + drift + (slope − 1)(z − pivot) on the logit / log scale
    value = np.array([[0.70, 0.06, 12.0]])
    logit = lambda p: math.log(p / (1 - p))  # noqa: E731
    out = level.apply(value, rng)[0]
    z_sl = logit(0.70) + (logit(0.80) - logit(0.85)) + 0.2 * (logit(0.70) - logit(0.85))
    assert out[0] == pytest.approx(1 / (1 + math.exp(-z_sl)), rel=1e-12)
    z_ab = logit(0.06) + (logit(0.03) - logit(0.04)) - 0.2 * (logit(0.06) - logit(0.04))
    assert out[1] == pytest.approx(1 / (1 + math.exp(-z_ab)), rel=1e-12)
    assert out[2] == pytest.approx(12.0 * 8.0 / 6.0, rel=1e-12)


def test_queue_model_passes_the_formulas_through_without_repeats():
    scenario = load_scenario(None, (*SMALL, "repeats.fcr=1", "repeats.redial_probability=0"))
    qm = QueueModel.from_scenario(scenario)
    agents = analytic_staffing(scenario).agents
    fc = qm.forecast(agents)
    a = erlang_a.metrics(qm.first_load, agents, aht_seconds=qm.aht_seconds, patience_seconds=qm.patience_seconds,
                         threshold_seconds=qm.threshold_seconds, short_abandon_seconds=qm.short_abandon_seconds)
    w = qm.first_calls
    assert np.allclose(fc["queue_calls"], w, rtol=1e-12)
    assert fc["service_level"] == pytest.approx(float((w * a.service_level).sum() / w.sum()), rel=1e-9)
    assert fc["abandon_rate"] == pytest.approx(float((w * a.abandon_probability).sum() / w.sum()), rel=1e-9)


def test_queue_model_load_is_the_fixed_point_of_repeats_and_redials():
    scenario = load_scenario(None, SMALL)  # FCR 0.9, a third of abandoners redial
    qm = QueueModel.from_scenario(scenario)
    agents = analytic_staffing(scenario).agents_for_sla - 1
    fc = qm.forecast(agents)
    calls = fc["queue_calls"]
    a = erlang_a.metrics(calls / qm.interval_seconds * qm.aht_seconds, agents, aht_seconds=qm.aht_seconds,
                         patience_seconds=qm.patience_seconds, threshold_seconds=qm.threshold_seconds)
    # calls = first attempts × attempts(P(abandon) at those calls), to the interpolation's accuracy
    assert np.allclose(calls, qm.first_calls * qm.attempts(a.abandon_probability), rtol=2e-4)
    # without abandonment the factor is the repeat factor of the analytic staffing
    assert qm.attempts(0.0) == pytest.approx(repeat_factor(0.9, scenario.repeats.max_attempts))

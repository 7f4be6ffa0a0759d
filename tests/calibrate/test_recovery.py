"""A known scenario, simulated and written in an ACD's layout, is recovered by the calibration.

Tolerances: a value with a sampling interval must lie within 3 standard errors of the truth (z = 3: a fixed
seed, and a miss at that distance is a bias, not bad luck); the profile within z = 3.5 standard errors in every
interval (Bonferroni over 24 intervals at 1 %); the patience mean also within 10 % (issue 12), although only
about one caller in ten is seen abandoning, the others being censored by their answer.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.calibrate.estimate import Estimate
from tests.calibrate.conftest import Made

Z = 3.0


def within(estimate: float, ci: tuple[float, float] | None, truth: float, z: float = Z) -> None:
    assert ci is not None
    se = (ci[1] - ci[0]) / (2 * 1.96)
    assert abs(estimate - truth) <= z * se, (estimate, ci, truth)


def check(e: Estimate, truth: float) -> None:
    within(e.value, e.ci, truth)


def test_volume_hours_and_day_to_day_dispersion(made: Made) -> None:
    d = made.calibration.demand
    s = made.scenario.demand
    check(d.calls_per_day, s.calls_per_day)
    assert d.day_cv.ci is not None and d.day_cv.ci[0] <= s.day_cv <= d.day_cv.ci[1]
    assert d.dispersion_p_value < 1e-6  # 8 % day-to-day noise on 2,000 calls is far beyond Poisson
    assert (d.interval_starts[0], made.calibration.project_text().count('close = "20:00"')) == ("08:00", 1)
    assert d.days_per_month == s.days_per_month
    assert len(d.daily) == s.days_per_month


def test_profile_within_sampling_error(made: Made) -> None:
    d = made.calibration.demand
    weights = np.asarray(made.scenario.demand.profile)
    truth = weights / weights.sum()
    z = np.abs(d.profile - truth) / d.profile_se
    assert z.max() <= 3.5, z.round(2)


@pytest.mark.parametrize("name", ["talk", "hold", "acw"])
def test_handle_time_components(made: Made, name: str) -> None:
    fit = made.calibration.handling[name]
    spec = getattr(made.scenario.handling, name)
    assert fit.kind == "lognormal"  # the family that made the data wins by AIC
    within(fit.mean, fit.mean_ci, spec.mean)
    within(fit.cv, fit.cv_ci, spec.cv)
    assert fit.ks_distance is not None and fit.ks_distance < 0.02
    assert made.calibration.handling["ring"].kind == "deterministic"
    assert made.calibration.handling["ring"].mean == pytest.approx(3.0, abs=1e-3)


def test_patience_despite_censoring(made: Made) -> None:
    p = made.calibration.patience
    assert p is not None
    truth = made.scenario.patience
    assert p.kind == "lognormal"
    assert abs(p.mean / truth.mean - 1) <= 0.10
    within(p.mean, p.mean_ci, truth.mean)
    within(p.cv, p.cv_ci, truth.cv)
    assert p.events < 0.15 * p.n  # most waits are censored
    # The naive mean of the abandoners' waits says the callers are far less patient than they are.
    log = made.data.result.log
    naive = float(np.mean(log.wait_seconds[log.outcome == 1]))
    assert naive < 0.6 * truth.mean
    # The fitted survival stays within 3 standard errors of the Kaplan-Meier curve where there are data.
    assert p.km_times is not None and p.km_low is not None and p.km_high is not None
    for seconds in (10, 20, 30, 60, 90, 120, 180):
        i = int(np.searchsorted(p.km_times, seconds, side="right")) - 1
        se = (p.km_high[i] - p.km_low[i]) / (2 * 1.96)
        assert abs(p.km_survival[i] - float(p.survival(seconds))) <= 3 * se, seconds


def test_ivr(made: Made) -> None:
    c = made.calibration
    ivr = made.scenario.ivr
    check(c.ivr_containment, ivr.containment)
    check(c.ivr_abandon, ivr.abandon)
    assert c.ivr_navigation is not None and c.ivr_navigation.kind == "lognormal"
    within(c.ivr_navigation.mean, c.ivr_navigation.mean_ci, ivr.navigation.mean)


def test_repeats_fcr_redials_and_their_delays(made: Made) -> None:
    r = made.calibration.repeats
    truth = made.scenario.repeats
    assert r is not None
    check(r.fcr, truth.fcr)
    check(r.redial_probability, truth.redial_probability)
    assert r.repeat_delay is not None and r.redial_delay is not None
    # Delays are fitted through the calendar rule: callers meaning to call at night call at the next opening.
    assert r.repeat_delay.kind == "lognormal"
    within(r.repeat_delay.mean, r.repeat_delay.mean_ci, truth.repeat_delay.mean)
    within(r.repeat_delay.cv, r.repeat_delay.cv_ci, truth.repeat_delay.cv)
    within(r.redial_delay.mean, r.redial_delay.mean_ci, truth.redial_delay.mean)
    assert r.longest_chain <= truth.max_attempts


def test_first_attempts_are_the_demand(made: Made) -> None:
    # Repeat calls are generated again by the scenario: the demand counts the first attempts only.
    # A follow-up counts as a new first attempt only when it came back after the window (7 days).
    log = made.data.result.log
    end = np.where(log.outcome == 0, log.answered_at + log.talk_seconds + log.hold_seconds, log.abandoned_at)
    order = np.lexsort((log.offered_at, log.root))
    prev, nxt = order[:-1], order[1:]
    late = (log.root[prev] == log.root[nxt]) & (log.offered_at[nxt] - end[prev] > 7 * 86400)
    assert made.calibration.data["first_attempts"] == int((log.attempt == 1).sum()) + int(late.sum())


def test_the_calibrated_project_loads_and_states_its_evidence(made: Made) -> None:
    c = made.calibration
    scenario = c.scenario()
    assert scenario.demand.calls_per_day == pytest.approx(c.demand.calls_per_day.value, abs=0.05)
    assert scenario.patience is not None and scenario.patience.kind == "lognormal"
    text = c.project_text()
    for path, e in c.estimates().items():
        assert e.n > 0 and (e.ci is None or e.ci[0] <= e.value <= e.ci[1] or math.isinf(e.ci[1])), path
    assert "95 % CI" in text and "n = 26 days" in text and "queue calls" in text


def test_root_links_every_attempt_to_its_first(made: Made) -> None:
    log = made.data.result.log
    assert log.root is not None
    first = log.attempt == 1
    assert np.array_equal(np.sort(log.root[first]), np.arange(first.sum()))
    later = ~first
    first_arrival = np.empty(first.sum())
    first_arrival[log.root[first]] = log.offered_at[first]
    assert np.all(log.offered_at[later] > first_arrival[log.root[later]])


def test_empirical_distributions_on_request(made: Made) -> None:
    c = made.calibration
    text = c.project_text(empirical=True)
    assert "[handling.talk]" in text and "[handling.hold]" in text and "[ivr.navigation]" in text
    scenario = c.scenario(empirical=True)
    talk = scenario.handling.talk
    assert talk.kind == "empirical" and len(talk.samples) == 200
    # The means of 200 equal slices of the data keep its mean (to the rounding of 0.01 s).
    assert talk.mean_seconds == pytest.approx(c.handling["talk"].mean, abs=0.01)
    assert scenario.handling.ring is not None and scenario.handling.ring.kind == "deterministic"
    # The longest waits were answered: the Kaplan-Meier curve stops above 0.0025, so patience stays fitted.
    assert scenario.patience is not None and scenario.patience.kind == "lognormal"
    assert "no empirical distribution" in text


def test_the_interval_report_of_the_same_month(made: Made) -> None:
    from simulator.calibrate import AcdData, calibrate_intervals

    cal = calibrate_intervals(made.data.intervals, AcdData.interval_columns())
    log = made.data.result.log
    handle = made.scenario.handling.handle_seconds
    talk = cal.handling["talk"]
    within(talk.mean, talk.mean_ci, handle)  # the AHT: talk + hold + ACW of the truth
    assert np.array_equal(cal.observed_agents(), made.data.agents)
    queued = np.isfinite(log.queued_at)
    assert cal.demand.calls_per_day.value == pytest.approx(queued.sum() / len(cal.demand.daily))

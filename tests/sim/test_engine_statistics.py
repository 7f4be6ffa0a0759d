"""Statistical properties of the engine's randomness, and reproducibility.

Every statistical check states its tolerance as a number of standard errors (z) and uses fixed seeds, so
it is reproducible; with the stated z, a correct engine fails with a probability below 1e-4 per check.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.distributions import Exponential, Gamma, Lognormal
from simulator.sim import CentreModel, simulate
from simulator.sim.draws import make_streams, volume_multipliers

Z = 4.5  # two-sided P(|N(0,1)| > 4.5) = 7e-6 per comparison


def profile_model(days: int, **kw: object) -> CentreModel:
    rate = np.array([0.0, 0.005, 0.02, 0.05, 0.08, 0.05, 0.03, 0.0, 0.01, 0.04, 0.06, 0.02])
    base: dict[str, object] = dict(day_seconds=86400.0, open_seconds=8 * 3600.0, interval_seconds=1800.0,
                                   interval_count=12, days=days, arrival_rate=rate,
                                   agents=np.full(12, 30), patience=Exponential(mean=60.0))
    base.update(kw)
    return CentreModel(**base)  # type: ignore[arg-type]


def test_arrival_counts_per_interval_match_poisson_means() -> None:
    model = profile_model(days=40)
    log = simulate(model, seed=11).log
    counts = np.zeros((model.days, model.interval_count))
    np.add.at(counts, (log.day, log.interval_offered), 1)
    mean = model.arrival_rate * model.interval_seconds  # per day and interval
    # Totals per interval over the days: Poisson(days * mean); z-score against it.
    totals = counts.sum(axis=0)
    expected = mean * model.days
    assert np.all(totals[expected == 0] == 0)
    z = (totals - expected)[expected > 0] / np.sqrt(expected[expected > 0])
    assert np.all(np.abs(z) < Z), z
    # Dispersion: sum of (N - mean)^2 / mean over all cells is chi-square with that many degrees of freedom
    # (no day or month multiplier here), mean k and standard deviation sqrt(2k).
    cells = np.broadcast_to(mean, counts.shape) > 0
    chi2 = float(((counts - mean) ** 2 / np.where(cells, mean, 1.0))[cells].sum())
    k = int(cells.sum())
    assert abs(chi2 - k) < Z * math.sqrt(2 * k), (chi2, k)
    # Arrivals fall inside their interval, uniformly: instants within the interval average to its middle.
    offset = (log.offered_at - model.open_seconds) % model.interval_seconds
    assert abs(offset.mean() / model.interval_seconds - 0.5) < Z * math.sqrt(1 / 12 / len(log))
    # ... and their whole distribution is uniform: Kolmogorov-Smirnov distance below its 0.1 % critical value,
    # 1.95 / sqrt(n) (the instants are drawn sorted, from exponential spacings, not sorted afterwards).
    u = np.sort(offset / model.interval_seconds)
    n = u.size
    ks = max(float((np.arange(1, n + 1) / n - u).max()), float((u - np.arange(n) / n).max()))
    assert ks < 1.95 / math.sqrt(n), ks


@pytest.mark.parametrize("cv", [0.05, 0.12, 0.3])
def test_day_multipliers_have_mean_one_and_the_given_cv(cv: float) -> None:
    n = 20_000
    model = profile_model(days=n, day_cv=cv)
    _, days = volume_multipliers(model, np.random.default_rng(5))
    # mean: SE = cv / sqrt(n); sample sd of a gamma with shape k = 1/cv^2: SE ~ sd * sqrt((2 + 6/k) / n) / 2
    assert abs(days.mean() - 1) < Z * cv / math.sqrt(n)
    se_sd = cv * math.sqrt((2 + 6 * cv**2) / n) / 2
    assert abs(days.std(ddof=1) - cv) < Z * se_sd


def test_month_multiplier_has_mean_one_and_the_given_cv() -> None:
    cv, n = 0.08, 4000
    model = profile_model(days=1, month_cv=cv)
    months = np.array([volume_multipliers(model, rng)[0]
                       for rng in (make_streams(seed)["multipliers"] for seed in range(n))])
    assert abs(months.mean() - 1) < Z * cv / math.sqrt(n)
    assert abs(months.std(ddof=1) - cv) < Z * cv * math.sqrt((2 + 6 * cv**2) / n) / 2


def test_zero_cv_means_exactly_one() -> None:
    month, days = volume_multipliers(profile_model(days=5), np.random.default_rng(0))
    assert month == 1.0 and np.all(days == 1.0)


def test_day_multipliers_overdisperse_daily_volume() -> None:
    # Daily totals: Var = m + m^2 cv^2 (Poisson mixed over a gamma day factor). With m = 100, cv = 0.3 the
    # variance is 1000, ten times the Poisson variance.
    cv, days = 0.3, 300
    rate = np.array([100 / 3600.0])
    model = CentreModel(day_seconds=86400.0, open_seconds=0.0, interval_seconds=3600.0, interval_count=1,
                        days=days, arrival_rate=rate, agents=np.array([5]), patience=Exponential(mean=30.0),
                        day_cv=cv)
    log = simulate(model, seed=2).log
    totals = np.bincount(log.day, minlength=days)
    variance = 100 + 100**2 * cv**2
    # sample variance of n values: SE ~ variance * sqrt(2 / (n - 1)) (normal approximation, generous z)
    assert abs(totals.var(ddof=1) - variance) < Z * variance * math.sqrt(2 / (days - 1)) * 1.5


def feature_model() -> CentreModel:
    return profile_model(days=2, day_cv=0.1, month_cv=0.05, ivr_navigation=Gamma(mean=20.0, cv=0.5),
                         ivr_containment=0.1, ivr_abandon=0.05, talk=Lognormal(mean=300.0, cv=0.7),
                         ring=Exponential(mean=3.0), agents=np.array([0, 2, 5, 8, 12, 8, 6, 3, 2, 6, 9, 4]),
                         fcr=0.7, redial_probability=0.4, repeat_delay=Exponential(mean=3600.0))


@pytest.mark.parametrize("engine", ["simpy", "fast"])
def test_same_seed_same_log_different_seed_different_log(engine: str) -> None:
    model = feature_model()
    first = simulate(model, seed=7, engine=engine)  # type: ignore[arg-type]
    again = simulate(model, seed=7, engine=engine)  # type: ignore[arg-type]
    other = simulate(model, seed=8, engine=engine)  # type: ignore[arg-type]
    frame, frame_again = first.log.to_frame(), again.log.to_frame()
    assert frame.equals(frame_again)
    np.testing.assert_array_equal(first.staffed_seconds, again.staffed_seconds)
    assert not (len(other.log) == len(first.log) and frame.equals(other.log.to_frame()))


def test_seed_sequence_is_accepted_and_reusable() -> None:
    model = feature_model()
    child = np.random.SeedSequence(42).spawn(3)[1]
    a = simulate(model, seed=child).log.to_frame()
    b = simulate(model, seed=child).log.to_frame()
    assert a.equals(b)
    by_sequence = simulate(model, seed=np.random.SeedSequence(9)).log.to_frame()
    assert by_sequence.equals(simulate(model, seed=9).log.to_frame())


def test_staffing_changes_keep_common_random_numbers() -> None:
    # Same seed, different staffing: every first attempt arrives at the same instant with the same IVR
    # path, and calls answered in both runs have the same talk time.
    model = feature_model()
    kept = ("days", "day_cv", "month_cv", "ivr_navigation", "ivr_containment", "ivr_abandon", "talk", "ring",
            "fcr", "redial_probability", "repeat_delay")
    more = profile_model(**{name: getattr(model, name) for name in kept}, agents=model.agents + 3)
    a, b = simulate(model, seed=4).log, simulate(more, seed=4).log
    first_a, first_b = a.attempt == 1, b.attempt == 1
    np.testing.assert_array_equal(a.offered_at[first_a], b.offered_at[first_b])
    np.testing.assert_array_equal(a.ivr_seconds[first_a], b.ivr_seconds[first_b])
    both = (a.outcome[first_a] == 0) & (b.outcome[first_b] == 0)
    np.testing.assert_array_equal(a.talk_seconds[first_a][both], b.talk_seconds[first_b][both])
    assert both.sum() > 100


def erlang_c_mean_wait(rate: float, aht: float, agents: int) -> float:
    """Mean queue wait over all calls of M/M/N: C(N, A) / (N/AHT - λ), with the Erlang B recursion."""
    load = rate * aht
    blocking = 1.0
    for k in range(1, agents + 1):
        blocking = load * blocking / (k + load * blocking)
    wait_probability = agents * blocking / (agents - load * (1 - blocking))
    return wait_probability / (agents / aht - rate)


def test_mean_wait_agrees_with_erlang_c() -> None:
    # M/M/8, A = 6 Erlang: C = 0.357, E[W] = 10.7 s. Ten independent 50-hour runs; the transient after the
    # empty start lasts minutes, so its bias is far below the tolerance. Tolerance: 6.4 standard errors of
    # the mean of the ten run means (Student t with 9 d.f. at 1e-4 two-sided).
    rate, aht, agents = 0.1, 60.0, 8
    model = CentreModel.stationary(rate * 3600, aht, agents, hours=50)
    means = []
    for seed in range(10):
        log = simulate(model, seed=seed).log
        means.append(float(np.mean(log.wait_seconds)))
    theory = erlang_c_mean_wait(rate, aht, agents)
    assert 10.6 < theory < 10.8
    se = np.std(means, ddof=1) / math.sqrt(len(means))
    assert abs(np.mean(means) - theory) < 6.4 * se, (np.mean(means), theory, se)

"""Replications: seeding, pool = sequential, confidence intervals, attainment (simulator.replications)."""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from simulator.errors import ScenarioError
from simulator.metrics import METRIC_NAMES, compute_metrics, write_daily_report
from simulator.replications import confidence_interval, replicate
from simulator.scenario.model import Definitions, Floors
from simulator.sim.calllog import ABANDONED, ANSWERED, CallLog, SimulationResult

DEFS = Definitions()


@dataclass(frozen=True)
class FakeModel:
    """A synthetic 'centre': Poisson(calls) calls per interval, answered or abandoned after Exp waits."""

    calls: float = 200.0
    abandon_probability: float = 0.1
    mean_wait: float = 15.0
    days: int = 3
    intervals: int = 4


def fake_engine(model: FakeModel, *, seed: np.random.SeedSequence) -> SimulationResult:
    """Module level, so that a process pool can pickle it."""
    rng = np.random.default_rng(seed)
    width = 1800.0
    cells = model.days * model.intervals
    counts = rng.poisson(model.calls, cells)
    n = int(counts.sum())
    cell = np.repeat(np.arange(cells), counts)
    day, interval = cell // model.intervals, cell % model.intervals
    queued = day * 86400.0 + interval * width + rng.uniform(0, width, n)
    order = np.argsort(queued, kind="stable")
    queued, day, interval = queued[order], day[order], interval[order]
    wait = rng.exponential(model.mean_wait, n)
    gives_up = rng.random(n) < model.abandon_probability
    talk = np.where(gives_up, 0.0, rng.exponential(200.0, n))
    log = CallLog(
        offered_at=queued, ivr_seconds=np.zeros(n), queued_at=queued,
        answered_at=np.where(gives_up, np.nan, queued + wait),
        abandoned_at=np.where(gives_up, queued + wait, np.nan),
        ring_seconds=np.zeros(n), talk_seconds=talk, hold_seconds=np.zeros(n), acw_seconds=np.zeros(n),
        outcome=np.where(gives_up, ABANDONED, ANSWERED).astype(np.int8),
        interval_offered=interval.astype(np.int32),
        interval_answered=np.where(gives_up, -1, interval).astype(np.int32),
        day=day.astype(np.int32), attempt=np.ones(n, dtype=np.int16),
    )
    staffed = np.full((model.days, model.intervals), 30 * width)
    return SimulationResult(log=log, staffed_seconds=staffed, day_seconds=86400.0, open_seconds=8 * 3600.0,
                            interval_seconds=width, interval_count=model.intervals, days=model.days)


def run(**kw: object) -> object:
    args: dict[str, object] = {"replications": 6, "seed": 11, "definitions": DEFS, "threshold_seconds": 20.0,
                               "target": 0.75, "engine": fake_engine, "workers": 1}
    args.update(kw)
    return replicate(FakeModel(), **args)  # type: ignore[arg-type]


def test_pool_gives_bit_identical_results_to_sequential() -> None:
    sequential = replicate(FakeModel(), replications=5, seed=3, definitions=DEFS, threshold_seconds=20.0,
                           target=0.8, engine=fake_engine, workers=1)
    pooled = replicate(FakeModel(), replications=5, seed=3, definitions=DEFS, threshold_seconds=20.0,
                       target=0.8, engine=fake_engine, workers=2)
    assert json.dumps(sequential.to_dict()) == json.dumps(pooled.to_dict())
    for name in METRIC_NAMES:
        assert np.array_equal(sequential.samples[name], pooled.samples[name], equal_nan=True)


def test_seeds_come_from_seed_sequence_children_one_per_replication() -> None:
    summary = replicate(FakeModel(), replications=4, seed=21, definitions=DEFS, threshold_seconds=20.0,
                        engine=fake_engine, workers=1)
    children = np.random.SeedSequence(21).spawn(4)
    expected = [compute_metrics(fake_engine(FakeModel(), seed=c), DEFS, 20.0).total.offered for c in children]
    assert summary.samples["offered"].tolist() == expected
    # A longer run starts with the same replications (children do not depend on R).
    longer = replicate(FakeModel(), replications=6, seed=21, definitions=DEFS, threshold_seconds=20.0,
                       engine=fake_engine, workers=1)
    assert longer.samples["offered"][:4].tolist() == expected


def test_different_seeds_differ() -> None:
    a = replicate(FakeModel(), replications=3, seed=1, definitions=DEFS, threshold_seconds=20.0,
                  engine=fake_engine, workers=1)
    b = replicate(FakeModel(), replications=3, seed=2, definitions=DEFS, threshold_seconds=20.0,
                  engine=fake_engine, workers=1)
    assert not np.array_equal(a.samples["service_level"], b.samples["service_level"])
    assert a.to_dict()["metrics"] != b.to_dict()["metrics"]


def test_estimates_are_means_and_student_t_intervals_of_replications() -> None:
    summary = replicate(FakeModel(), replications=7, seed=5, definitions=DEFS, threshold_seconds=20.0,
                        engine=fake_engine, workers=1, target=0.7)
    children = np.random.SeedSequence(5).spawn(7)
    per = [compute_metrics(fake_engine(FakeModel(), seed=c), DEFS, 20.0, target=0.7) for c in children]
    values = np.array([m.total.service_level for m in per])
    half = stats.t.ppf(0.975, 6) * values.std(ddof=1) / math.sqrt(7)
    estimate = summary.metrics["service_level"]
    assert estimate.mean == pytest.approx(values.mean(), rel=1e-12)
    assert (estimate.ci_low, estimate.ci_high) == pytest.approx((values.mean() - half, values.mean() + half))
    # Per interval and per day, likewise from each replication's own interval/day metrics.
    day1 = np.array([m.days[1].abandon_rate for m in per])
    assert summary.days[1]["abandon_rate"].mean == pytest.approx(day1.mean(), rel=1e-12)
    slot2 = np.array([m.intervals[2].asa_seconds for m in per])
    assert summary.intervals[2]["asa_seconds"].mean == pytest.approx(slot2.mean(), rel=1e-12)
    # Attainment: the mean of the replications' shares.
    assert summary.attainment is not None
    shares = np.array([m.attainment.day_share for m in per if m.attainment is not None])
    assert summary.attainment.estimates["days"].mean == pytest.approx(shares.mean(), rel=1e-12)
    met = np.array([m.attainment.period_met[0] for m in per if m.attainment is not None])
    assert summary.attainment.period_met_probability == pytest.approx(met.mean())


def test_confidence_interval_covers_the_true_mean_95_percent_of_the_time() -> None:
    # 4,000 synthetic experiments of R = 5 normal replications: the Student-t interval must cover the true
    # mean in 95 % of them. Tolerance: 95 % ± 4·SE of a binomial share (SE = 0.0034). A normal-quantile
    # interval (z = 1.96 instead of t(4) = 2.78) would cover only about 88 % and fail.
    rng = np.random.default_rng(2024)
    trials, covered = 4000, 0
    for _ in range(trials):
        e = confidence_interval(rng.normal(10.0, 3.0, 5))
        covered += e.ci_low <= 10.0 <= e.ci_high
    se = math.sqrt(0.95 * 0.05 / trials)
    assert abs(covered / trials - 0.95) <= 4 * se


def test_interval_covers_the_known_mean_of_a_synthetic_centre() -> None:
    # Each call abandons with probability 0.1 and otherwise waits Exp(15 s): E[abandon_rate] = 0.1 and
    # E[service level] = 0.9·(1 − exp(−20/15)). Tolerance: |mean − truth| ≤ 4·SE over replications.
    summary = replicate(FakeModel(), replications=40, seed=8, definitions=DEFS, threshold_seconds=20.0,
                        engine=fake_engine, workers=1)
    truths = {"abandon_rate": 0.1, "service_level": 0.9 * (1 - math.exp(-20 / 15)),
              "service_level_of_answered": 1 - math.exp(-20 / 15), "asa_seconds": 15.0,
              "offered": 200.0 * 12}
    for name, truth in truths.items():
        values = summary.samples[name]
        se = values.std(ddof=1) / math.sqrt(len(values))
        assert abs(values.mean() - truth) <= 4 * se, (name, values.mean(), truth, se)
        estimate = summary.metrics[name]
        assert estimate.ci_low < estimate.mean < estimate.ci_high


def test_one_replication_has_null_bounds() -> None:
    summary = replicate(FakeModel(), replications=1, seed=0, definitions=DEFS, threshold_seconds=20.0,
                        engine=fake_engine)
    doc = summary.to_dict()
    assert doc["metrics"]["service_level"]["ci_low"] is None
    assert doc["metrics"]["service_level"]["ci_high"] is None
    assert isinstance(doc["metrics"]["service_level"]["mean"], float)


def test_to_dict_is_the_simulate_json_shape() -> None:
    summary = replicate(FakeModel(), replications=3, seed=4, definitions=Definitions(floors=Floors(day=0.5)),
                        threshold_seconds=20.0, target=0.8, engine=fake_engine, workers=1)
    doc = summary.to_dict()
    text = json.dumps(doc, allow_nan=False)
    assert json.loads(text) == doc
    assert (doc["replications"], doc["seed"]) == (3, 4)
    for name in ("service_level", "service_level_of_answered", "wait_probability", "abandon_rate",
                 "asa_seconds", "mean_wait_seconds", "occupancy", "offered", "answered", "abandoned"):
        assert set(doc["metrics"][name]) == {"mean", "ci_low", "ci_high"}
    assert [row["start"] for row in doc["intervals"]] == ["08:00", "08:30", "09:00", "09:30"]
    assert [row["day"] for row in doc["days"]] == [0, 1, 2]
    assert set(doc["days"][0]["service_level"]) == {"mean", "ci_low", "ci_high"}
    attainment = doc["attainment"]
    assert attainment["target"] == 0.8 and attainment["floors"] == {"interval": None, "day": 0.5}
    for level in ("intervals", "days", "periods", "floors_met"):
        assert {"mean", "ci_low", "ci_high", "p05", "p50", "p95"} <= set(attainment[level])
        assert 0.0 <= attainment[level]["mean"] <= 1.0
    assert summary.to_frame().loc["offered", "mean"] == doc["metrics"]["offered"]["mean"]
    assert summary.to_frame("day").shape == (3, 3 * len(METRIC_NAMES))
    assert replicate(FakeModel(), replications=2, seed=4, definitions=DEFS, threshold_seconds=20.0,
                     engine=fake_engine, workers=1).to_dict()["attainment"] is None


def test_attainment_distribution_for_a_known_case() -> None:
    # SL of every interval is far above 0.30 and far below 0.99: all met at 0.30, none at 0.99.
    easy = replicate(FakeModel(), replications=3, seed=1, definitions=DEFS, threshold_seconds=20.0,
                     target=0.3, engine=fake_engine, workers=1)
    hard = replicate(FakeModel(), replications=3, seed=1, definitions=DEFS, threshold_seconds=20.0,
                     target=0.99, engine=fake_engine, workers=1)
    assert easy.attainment is not None and hard.attainment is not None
    for level in ("intervals", "days", "periods"):
        assert easy.attainment.estimates[level].mean == 1.0
        assert hard.attainment.estimates[level].mean == 0.0
    assert easy.attainment.period_met_probability == 1.0
    assert hard.attainment.period_met_probability == 0.0
    assert easy.period_service_level.shape == (3, 1)


def test_progress_callback_counts_every_replication() -> None:
    seen: list[tuple[int, int]] = []
    replicate(FakeModel(), replications=4, seed=0, definitions=DEFS, threshold_seconds=20.0,
              engine=fake_engine, workers=2, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]  # the start, then each finished replication


def test_daily_report_from_replications(tmp_path: Path) -> None:
    summary = replicate(FakeModel(), replications=3, seed=4, definitions=DEFS, threshold_seconds=20.0,
                        engine=fake_engine, workers=1)
    path = write_daily_report(tmp_path / "daily.csv", summary)
    with path.open() as stream:
        rows = list(csv.DictReader(stream))
    assert [int(r["day"]) for r in rows] == [0, 1, 2]
    assert float(rows[0]["offered"]) == pytest.approx(summary.days[0]["offered"].mean)
    assert float(rows[0]["service_level_ci_low"]) < float(rows[0]["service_level"])


@pytest.mark.parametrize(("key", "value"), [("replications", 0), ("replications", 1.5), ("seed", -1),
                                            ("workers", 0)])
def test_bad_arguments(key: str, value: object) -> None:
    with pytest.raises(ScenarioError, match=key):
        run(**{key: value})


# ---------------------------------------------------------------------------------------------------------
# With the real engine
# ---------------------------------------------------------------------------------------------------------
def simpy_engine(model: object, *, seed: np.random.SeedSequence) -> SimulationResult:
    """The discrete-event engine, never the fast path (module level, so that a pool can pickle it)."""
    from simulator.sim.engine import simulate

    return simulate(model, seed=seed, engine="simpy")  # type: ignore[arg-type]


def small_centre() -> object:
    from simulator.distributions import Exponential, Lognormal
    from simulator.scenario.model import IVR, Demand, Handling, Repeats, Scenario
    from simulator.sim.model import CentreModel

    scenario = Scenario(
        demand=Demand(calls_per_day=300.0, profile=(1, 2, 3, 2), open="08:00", close="10:00",
                      days_per_month=2),
        handling=Handling(talk=Lognormal(mean=200.0, cv=0.8), acw=Exponential(mean=30.0),
                          ring=Exponential(mean=4.0)),
        patience=Lognormal(mean=90.0, cv=1.0),
        ivr=IVR(navigation=Exponential(mean=20.0), containment=0.1, abandon=0.05),
        repeats=Repeats(fcr=0.8, repeat_delay=Exponential(mean=1800.0), redial_probability=0.3),
    )
    return CentreModel.from_scenario(scenario, agents_per_interval=[5, 9, 12, 8])


def test_pool_is_identical_to_sequential_with_the_simpy_engine() -> None:
    model = small_centre()
    kw: dict[str, object] = {"replications": 3, "seed": 99, "definitions": DEFS, "threshold_seconds": 20.0,
                             "target": 0.8, "engine": simpy_engine}
    sequential = replicate(model, workers=1, **kw)  # type: ignore[arg-type]
    pooled = replicate(model, workers=2, **kw)  # type: ignore[arg-type]
    assert json.dumps(sequential.to_dict()) == json.dumps(pooled.to_dict())
    other = replicate(model, workers=1, **{**kw, "seed": 100})  # type: ignore[arg-type]
    assert other.to_dict()["metrics"] != sequential.to_dict()["metrics"]


def test_engine_output_satisfies_the_counting_identities() -> None:
    from simulator.sim.calllog import ANSWERED as ANSWERED_CODE

    model = small_centre()
    for seed in range(3):
        result = simpy_engine(model, seed=np.random.SeedSequence(seed))
        for attribution in ("offered", "answered"):
            m = compute_metrics(result, Definitions(interval_attribution=attribution), 20.0)
            for s in (m.total, *m.days, *m.intervals, *(c for row in m.cells for c in row)):
                assert s.trunk_arrivals == s.ivr_contained + s.ivr_abandoned + s.offered
                assert s.offered == s.answered + s.abandoned
            assert m.total.trunk_arrivals == len(result.log)
        # Attribution by answer time agrees with the engine's own interval_answered column.
        log = result.log
        answered_mask = log.outcome == ANSWERED_CODE
        cells = (log.day[answered_mask].astype(int) * result.interval_count
                 + np.clip(log.interval_answered[answered_mask], 0, result.interval_count - 1))
        by_answer = compute_metrics(result, Definitions(interval_attribution="answered"), 20.0)
        counted = [c.answered for row in by_answer.cells for c in row]
        assert counted == np.bincount(cells, minlength=result.days * result.interval_count).tolist()
        assert 0.0 < by_answer.total.occupancy < 1.0


@pytest.mark.parametrize("n", [2, 3, 7, 30, 1000])
def test_the_interval_uses_student_t_quantiles(n: int) -> None:
    values = np.random.default_rng(n).normal(size=n)
    estimate = confidence_interval(values, confidence=0.9)
    half = stats.t.ppf(0.95, n - 1) * values.std(ddof=1) / math.sqrt(n)
    assert estimate.ci_high - estimate.mean == pytest.approx(half, rel=1e-12)


def test_a_quote_does_not_load_scipy_stats() -> None:
    """scipy.stats costs a quarter of a second of start-up; the quote's modules take the t quantile without it."""
    code = ("import sys, simulator.cli, simulator.simulation, simulator.quoting.quote, simulator.risk.queue; "
            "print('scipy.stats' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

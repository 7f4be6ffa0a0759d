"""Metrics from hand-built call logs whose values are worked out by hand (simulator.metrics)."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.analytic.definitions import SL_DEFINITIONS
from simulator.errors import ScenarioError
from simulator.metrics import (
    COUNT_NAMES,
    DAILY_REPORT_COLUMNS,
    METRIC_NAMES,
    compute_metrics,
    write_daily_report,
)
from simulator.scenario.model import Definitions, Floors
from simulator.sim.calllog import OUTCOMES, CallLog, SimulationResult

INTERVAL = 1800.0


# ---------------------------------------------------------------------------------------------------------
# A small builder: calls stated as queue entry + wait, turned into call-log rows on a fixed grid.
# ---------------------------------------------------------------------------------------------------------
@dataclass
class Call:
    outcome: str
    queued_at: float = math.nan
    wait: float = 0.0  # queue wait until the agent is seized, or until the hang-up [s]
    ring: float = 0.0
    talk: float = 0.0
    hold: float = 0.0
    acw: float = 0.0
    ivr: float = 0.0
    offered_at: float | None = None  # trunk arrival; default queued_at - ivr
    attempt: int = 1


def answered(queued_at: float, wait: float, talk: float = 100.0, **kw: Any) -> Call:
    return Call("answered", queued_at, wait, talk=talk, **kw)


def abandoned(queued_at: float, wait: float, **kw: Any) -> Call:
    return Call("abandoned", queued_at, wait, **kw)


def ivr_call(offered_at: float, outcome: str = "ivr_contained", ivr: float = 30.0) -> Call:
    return Call(outcome, offered_at=offered_at, ivr=ivr)


@dataclass
class Grid:
    days: int = 1
    intervals: int = 2
    day_seconds: float = 86400.0
    open_seconds: float = 0.0
    interval_seconds: float = INTERVAL
    staffed: np.ndarray | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def locate(self, t: float) -> tuple[int, int]:
        day = int(t // self.day_seconds)
        within = t - day * self.day_seconds - self.open_seconds
        return day, min(max(int(within // self.interval_seconds), 0), self.intervals - 1)


def make_result(calls: list[Call], grid: Grid | None = None) -> SimulationResult:
    grid = grid or Grid()
    rows: dict[str, list[Any]] = {k: [] for k in (
        "offered_at", "ivr_seconds", "queued_at", "answered_at", "abandoned_at", "ring_seconds",
        "talk_seconds", "hold_seconds", "acw_seconds", "outcome", "interval_offered", "interval_answered",
        "day", "attempt")}
    for c in sorted(calls, key=lambda c: c.offered_at if c.offered_at is not None else c.queued_at - c.ivr):
        offered_at = c.offered_at if c.offered_at is not None else c.queued_at - c.ivr
        in_queue = c.outcome in ("answered", "abandoned")
        answered_at = c.queued_at + c.wait + c.ring if c.outcome == "answered" else math.nan
        abandoned_at = (c.queued_at + c.wait if c.outcome == "abandoned"
                        else offered_at + c.ivr if c.outcome == "ivr_abandoned" else math.nan)
        day, interval = grid.locate(c.queued_at if in_queue else offered_at)
        rows["offered_at"].append(offered_at)
        rows["ivr_seconds"].append(c.ivr)
        rows["queued_at"].append(c.queued_at if in_queue else math.nan)
        rows["answered_at"].append(answered_at)
        rows["abandoned_at"].append(abandoned_at)
        rows["ring_seconds"].append(c.ring if c.outcome == "answered" else 0.0)
        rows["talk_seconds"].append(c.talk if c.outcome == "answered" else 0.0)
        rows["hold_seconds"].append(c.hold if c.outcome == "answered" else 0.0)
        rows["acw_seconds"].append(c.acw if c.outcome == "answered" else 0.0)
        rows["outcome"].append(OUTCOMES.index(c.outcome))
        rows["interval_offered"].append(interval)
        rows["interval_answered"].append(grid.locate(answered_at)[1] if c.outcome == "answered" else -1)
        rows["day"].append(day)
        rows["attempt"].append(c.attempt)
    dtypes = {"outcome": np.int8, "interval_offered": np.int32, "interval_answered": np.int32,
              "day": np.int32, "attempt": np.int16}
    log = CallLog(**{k: np.asarray(v, dtype=dtypes.get(k, np.float64)) for k, v in rows.items()})
    staffed = grid.staffed if grid.staffed is not None else np.full((grid.days, grid.intervals),
                                                                    grid.interval_seconds)
    return SimulationResult(log=log, staffed_seconds=np.asarray(staffed, dtype=float),
                            day_seconds=grid.day_seconds, open_seconds=grid.open_seconds,
                            interval_seconds=grid.interval_seconds, interval_count=grid.intervals,
                            days=grid.days)


def profile(**kw: Any) -> Definitions:
    return Definitions(**kw)


# ---------------------------------------------------------------------------------------------------------
# Call Centre Helper's worked numbers (domain.md §1.2)
# ---------------------------------------------------------------------------------------------------------
def worked_example() -> list[Call]:
    """1,000 answered (860 within 20 s), 60 abandoned (20 within 20 s, 10 of them within 5 s)."""
    calls = [answered(i * 1.0, 10.0) for i in range(860)] + [answered(i * 1.0, 30.0) for i in range(140)]
    calls += [abandoned(i * 1.0, 3.0) for i in range(10)] + [abandoned(i * 1.0, 15.0) for i in range(10)]
    calls += [abandoned(i * 1.0, 40.0) for i in range(40)]
    return calls


def test_five_service_level_definitions_reproduce_call_centre_helper() -> None:
    result = make_result(worked_example())
    m = compute_metrics(result, profile(short_abandon_seconds=5.0), 20.0).total
    assert (m.answered, m.abandoned, m.answered_within_threshold, m.abandoned_within_threshold,
            m.abandoned_short, m.abandoned_long) == (1000, 60, 860, 20, 10, 50)
    exact = {
        "abandons_fail": 860 / 1060,
        "short_excluded": 860 / 1050,
        "abandons_within_threshold_excluded": 860 / 1040,
        "abandons_within_threshold_success": 880 / 1060,
        "answered_only": 860 / 1000,
    }
    published = {"abandons_fail": 81.1, "short_excluded": 81.9, "abandons_within_threshold_excluded": 82.7,
                 "abandons_within_threshold_success": 83.0, "answered_only": 86.0}
    assert m.service_level_by_definition == pytest.approx(exact, rel=1e-15)
    for name, percent in published.items():
        assert round(100 * m.service_level_by_definition[name], 1) == percent
    assert m.service_level_of_answered == pytest.approx(0.86)
    for definition in SL_DEFINITIONS:
        chosen = compute_metrics(result, profile(sl_definition=definition), 20.0).total
        assert chosen.service_level == pytest.approx(exact[definition], rel=1e-15)


def test_abandon_rates_waits_and_probability() -> None:
    m = compute_metrics(make_result(worked_example()), profile(), 20.0).total
    assert m.abandon_rate == pytest.approx(60 / 1060)
    assert m.abandon_rate_excluding_short == pytest.approx(50 / 1050)
    assert m.wait_probability == 1.0  # every call waited
    assert m.asa_seconds == pytest.approx((860 * 10 + 140 * 30) / 1000)
    assert m.mean_wait_seconds == pytest.approx((860 * 10 + 140 * 30 + 10 * 3 + 10 * 15 + 40 * 40) / 1060)


# ---------------------------------------------------------------------------------------------------------
# Definitions switches
# ---------------------------------------------------------------------------------------------------------
def test_threshold_inclusive_versus_strict() -> None:
    calls = [answered(0.0, 20.0), answered(1.0, 19.5), abandoned(2.0, 5.0), abandoned(3.0, 20.0)]
    result = make_result(calls)
    le = compute_metrics(result, profile(threshold_inclusive=True, short_abandon_seconds=5.0), 20.0).total
    lt = compute_metrics(result, profile(threshold_inclusive=False, short_abandon_seconds=5.0), 20.0).total
    assert (le.answered_within_threshold, le.abandoned_within_threshold, le.abandoned_short) == (2, 2, 1)
    assert (lt.answered_within_threshold, lt.abandoned_within_threshold, lt.abandoned_short) == (1, 1, 0)
    assert le.service_level == pytest.approx(2 / 4)
    assert lt.service_level == pytest.approx(1 / 4)


def test_ring_in_asa_and_service_level_but_not_in_wait_probability() -> None:
    # Queue waits 0 and 10 s, each with a 5 s ring; threshold 12 s.
    calls = [answered(0.0, 0.0, ring=5.0), answered(100.0, 10.0, ring=5.0)]
    result = make_result(calls)
    without = compute_metrics(result, profile(asa_includes_ring=False), 12.0).total
    with_ring = compute_metrics(result, profile(asa_includes_ring=True), 12.0).total
    assert without.asa_seconds == pytest.approx(5.0)
    assert with_ring.asa_seconds == pytest.approx(10.0)
    assert without.answered_within_threshold == 2
    assert with_ring.answered_within_threshold == 1  # 10 + 5 > 12
    assert without.wait_max_seconds == pytest.approx(10.0)
    assert with_ring.wait_max_seconds == pytest.approx(15.0)
    assert without.wait_probability == with_ring.wait_probability == 0.5  # ring is not a queue wait


def test_floating_point_noise_from_ring_does_not_count_as_a_wait() -> None:
    # answered_at = 0.1 + 0.2 = 0.30000000000000004: answered_at - ring - queued_at is 2.8e-17, not 0.
    result = make_result([answered(0.1, 0.0, ring=0.2)])
    assert result.log.wait_seconds[0] != 0.0
    m = compute_metrics(result, profile(), 0.0, ).total
    assert m.wait_probability == 0.0
    assert m.asa_seconds == 0.0
    assert m.answered_within_threshold == 1  # wait 0 <= threshold 0


def test_acw_in_aht_or_not() -> None:
    calls = [answered(0.0, 1.0, talk=200.0, hold=40.0, acw=60.0, ring=3.0),
             answered(10.0, 1.0, talk=100.0, hold=0.0, acw=20.0)]
    result = make_result(calls)
    assert compute_metrics(result, profile(acw_in_aht=True), 20.0).total.aht_seconds == pytest.approx(210.0)
    assert compute_metrics(result, profile(acw_in_aht=False), 20.0).total.aht_seconds == pytest.approx(170.0)


def test_short_abandon_threshold_from_profile() -> None:
    calls = [answered(0.0, 1.0), abandoned(1.0, 4.0), abandoned(2.0, 8.0), abandoned(3.0, 30.0)]
    m5 = compute_metrics(make_result(calls), profile(short_abandon_seconds=5.0), 20.0).total
    m10 = compute_metrics(make_result(calls), profile(short_abandon_seconds=10.0), 20.0).total
    assert (m5.abandoned_short, m10.abandoned_short) == (1, 2)
    assert m5.abandon_rate == m10.abandon_rate == 0.75  # all abandons count in the abandon rate
    assert m5.abandon_rate_excluding_short == pytest.approx(2 / 3)
    assert m10.abandon_rate_excluding_short == pytest.approx(1 / 2)


# ---------------------------------------------------------------------------------------------------------
# Intervals, attribution, occupancy
# ---------------------------------------------------------------------------------------------------------
def test_attribution_offered_versus_answered() -> None:
    # Queued late in interval 0; one answered, one abandoned in interval 1; one answered in interval 0.
    calls = [answered(1790.0, 20.0), abandoned(1795.0, 10.0), answered(100.0, 5.0)]
    result = make_result(calls)
    by_offer = compute_metrics(result, profile(interval_attribution="offered"), 20.0)
    by_answer = compute_metrics(result, profile(interval_attribution="answered"), 20.0)
    assert [i.offered for i in by_offer.intervals] == [3, 0]
    assert [i.answered for i in by_offer.intervals] == [2, 0]
    assert [i.offered for i in by_answer.intervals] == [1, 2]
    assert [i.answered for i in by_answer.intervals] == [1, 1]
    assert [i.abandoned for i in by_answer.intervals] == [0, 1]
    assert by_answer.intervals[1].asa_seconds == pytest.approx(20.0)
    assert by_offer.intervals[0].asa_seconds == pytest.approx(12.5)
    # The total does not depend on attribution.
    assert by_offer.total == by_answer.total


def test_occupancy_splits_busy_time_exactly_across_intervals() -> None:
    grid = Grid(intervals=3, staffed=np.array([[3600.0, 3600.0, 1800.0]]))  # 2, 2, 1 agents
    calls = [
        # seized at 1000 (ring 10): busy 1000..5000 → 800 | 1800 | 1400.
        answered(900.0, 100.0, ring=10.0, talk=3500.0, hold=200.0, acw=290.0),
        # seized at 1700: busy 1700..2000 → 100 | 200 | 0.
        answered(1700.0, 0.0, talk=300.0),
        # seized at 5000, busy until 6000, 600 s past closing at 5400: booked in the last interval.
        answered(5000.0, 0.0, talk=1000.0),
    ]
    m = compute_metrics(make_result(calls, grid), profile(), 20.0)
    busy = np.array([800.0 + 100.0, 1800.0 + 200.0, 1400.0 + 1000.0])
    assert [i.occupancy for i in m.intervals] == pytest.approx(list(busy / [3600.0, 3600.0, 1800.0]))
    assert m.total.occupancy == pytest.approx(busy.sum() / 9000.0)
    assert m.total.staffed_hours == pytest.approx(2.5)


def test_busy_time_after_closing_goes_to_that_days_last_interval() -> None:
    grid = Grid(days=2, intervals=2, day_seconds=86400.0, open_seconds=8 * 3600.0)
    close = 8 * 3600.0 + 2 * INTERVAL
    calls = [answered(close - 100.0, 0.0, talk=700.0),  # 100 s before and 600 s after closing on day 0
             answered(86400.0 + 8 * 3600.0 + 10.0, 0.0, talk=50.0)]
    m = compute_metrics(make_result(calls, grid), profile(), 20.0)
    busy = [[c.occupancy * INTERVAL for c in row] for row in m.cells]
    assert busy == [[0.0, pytest.approx(700.0)], [pytest.approx(50.0), 0.0]]
    assert [d.answered for d in m.days] == [1, 1]


def test_rollup_sums_counts_and_never_averages_percentages() -> None:
    # Interval 0: 100 calls, 90 within → 90 %. Interval 1: 10 calls, 1 within → 10 %.
    calls = [answered(i * 10.0, 5.0 if i < 90 else 60.0) for i in range(100)]
    calls += [answered(1800.0 + i * 10.0, 5.0 if i < 1 else 60.0) for i in range(10)]
    m = compute_metrics(make_result(calls), profile(), 20.0, target=0.8)
    assert [i.service_level for i in m.intervals] == pytest.approx([0.9, 0.1])
    assert m.days[0].service_level == pytest.approx(91 / 110)  # not (0.9 + 0.1) / 2 = 0.5
    assert m.total.service_level == pytest.approx(91 / 110)
    assert m.periods[0].service_level == pytest.approx(91 / 110)
    assert m.total.asa_seconds == pytest.approx((91 * 5 + 19 * 60) / 110)
    assert m.attainment is not None
    assert m.attainment.period_met.tolist() == [True]
    # The interval-weighted alternative (explicit in the profile) gives the mean of the interval SLs.
    weighted = compute_metrics(make_result(calls), profile(aggregation="interval_weighted"), 20.0, target=0.8)
    assert weighted.attainment is not None
    assert weighted.attainment.period_service_level == pytest.approx([0.5])
    assert weighted.attainment.period_met.tolist() == [False]
    assert weighted.total.service_level == pytest.approx(91 / 110)  # the reported SL stays volume-weighted


def test_days_and_periods_roll_up_by_counts() -> None:
    grid = Grid(days=4, intervals=1, interval_seconds=3600.0)
    calls = []
    for day, (n, within) in enumerate([(10, 10), (30, 15), (5, 0), (1, 1)]):
        calls += [answered(day * 86400.0 + i, 1.0 if i < within else 50.0) for i in range(n)]
    m = compute_metrics(make_result(calls, grid), profile(), 20.0, days_per_period=2)
    assert [d.offered for d in m.days] == [10, 30, 5, 1]
    assert [p.offered for p in m.periods] == [40, 6]
    assert [p.service_level for p in m.periods] == pytest.approx([25 / 40, 1 / 6])
    assert m.to_dict()["periods"][1]["first_day"] == 2


def test_interval_starts_are_clock_times() -> None:
    grid = Grid(intervals=3, open_seconds=8.5 * 3600.0)
    m = compute_metrics(make_result([answered(8.5 * 3600.0 + 1.0, 1.0)], grid), profile(), 20.0)
    assert m.interval_starts == ("08:30", "09:00", "09:30")
    assert [row["start"] for row in m.to_dict()["intervals"]] == ["08:30", "09:00", "09:30"]


# ---------------------------------------------------------------------------------------------------------
# Counting, percentiles, empty denominators, warm-up
# ---------------------------------------------------------------------------------------------------------
def test_counting_identities_and_repeat_calls() -> None:
    calls = [answered(100.0, 1.0, ivr=40.0), abandoned(200.0, 7.0, attempt=2),
             answered(300.0, 0.0, attempt=3), ivr_call(50.0), ivr_call(60.0, "ivr_abandoned"), ivr_call(70.0)]
    m = compute_metrics(make_result(calls), profile(), 20.0).total
    assert (m.trunk_arrivals, m.ivr_contained, m.ivr_abandoned, m.offered) == (6, 2, 1, 3)
    assert m.trunk_arrivals == m.ivr_contained + m.ivr_abandoned + m.offered
    assert m.offered == m.answered + m.abandoned
    assert m.repeat_calls == 2
    assert m.wait_probability == pytest.approx(2 / 3)
    assert m.asa_seconds == pytest.approx(0.5)  # the IVR's 40 s never count


def test_wait_percentiles_are_lower_empirical_quantiles() -> None:
    waits = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    m = compute_metrics(make_result([answered(i * 5.0, w) for i, w in enumerate(waits)]
                                    + [abandoned(99.0, 500.0)]), profile(), 20.0).total
    assert (m.wait_p50_seconds, m.wait_p80_seconds, m.wait_p90_seconds, m.wait_p99_seconds,
            m.wait_max_seconds) == (5.0, 8.0, 9.0, 10.0, 10.0)  # abandons are not answered waits
    rng = np.random.default_rng(3)
    sample = np.round(rng.exponential(30.0, 257), 3)
    result = make_result([answered(i * 1.0, w) for i, w in enumerate(sample)])
    m = compute_metrics(result, profile(), 20.0).total
    expected = np.percentile(sample, [50, 80, 90, 99], method="inverted_cdf")
    got = [m.wait_p50_seconds, m.wait_p80_seconds, m.wait_p90_seconds, m.wait_p99_seconds]
    assert got == pytest.approx(list(expected), abs=1e-9)
    # 80 % answered within p80: the percentile reads like a service level.
    assert np.mean(sample <= m.wait_p80_seconds) >= 0.8


def test_empty_denominators_give_nan_and_json_null() -> None:
    grid = Grid(intervals=2, staffed=np.array([[1800.0, 0.0]]))
    calls = [abandoned(10.0, 30.0)]  # interval 0: one abandon, no answers; interval 1: nothing at all
    m = compute_metrics(make_result(calls, grid), profile(), 20.0, target=0.8)
    first, second = m.intervals
    assert first.service_level == 0.0 and math.isnan(first.service_level_of_answered)
    assert math.isnan(first.asa_seconds) and math.isnan(first.aht_seconds)
    assert math.isnan(first.wait_p50_seconds)
    assert first.abandon_rate == 1.0
    for name in ("service_level", "wait_probability", "abandon_rate", "asa_seconds", "mean_wait_seconds",
                 "occupancy"):
        assert math.isnan(getattr(second, name)), name
    doc = m.to_dict()
    text = json.dumps(doc, allow_nan=False)  # strict JSON
    assert doc["intervals"][1]["service_level"] is None
    assert doc["intervals"][1]["service_level_by_definition"]["answered_only"] is None
    assert doc["intervals"][1]["offered"] == 0 and isinstance(doc["metrics"]["offered"], int)
    assert "NaN" not in text
    assert m.attainment is not None
    assert m.attainment.interval_share == 0.0  # interval 1 is not measured: 0 of 1 measured meets
    assert m.attainment.to_dict()["intervals"] == {"measured": 1, "met": 0, "share": 0.0}


def test_no_calls_at_all_gives_nan_not_zero() -> None:
    m = compute_metrics(make_result([]), profile(), 20.0, target=0.8)
    assert m.total.offered == 0
    assert math.isnan(m.total.service_level) and math.isnan(m.total.abandon_rate)
    assert m.total.occupancy == 0.0  # staffed but idle: a real 0
    assert m.attainment is not None and math.isnan(m.attainment.period_share)


def test_warmup_leaves_out_early_calls_and_busy_time() -> None:
    grid = Grid(intervals=2, staffed=np.array([[1800.0, 1800.0]]))
    calls = [answered(100.0, 50.0, talk=2000.0),  # arrives before the window: busy 150..2150
             answered(1000.0, 0.0, talk=100.0),  # before the window
             answered(1900.0, 300.0, talk=100.0)]  # inside: busy 2200..2300
    m = compute_metrics(make_result(calls, grid), profile(), 20.0, warmup_seconds=1800.0)
    assert m.total.offered == 1
    assert m.total.asa_seconds == pytest.approx(300.0)
    assert m.intervals[0].offered == 0
    # Busy in the window: 350 s of the early call and 100 s of the late one, all in interval 1.
    assert m.intervals[1].occupancy == pytest.approx(450.0 / 1800.0)
    assert math.isnan(m.intervals[0].occupancy)  # no staffed time inside the window
    # A window start inside an interval prorates that interval's staffed time.
    half = compute_metrics(make_result(calls, grid), profile(), 20.0, warmup_seconds=900.0)
    assert half.total.offered == 2
    assert half.total.staffed_hours == pytest.approx((900.0 + 1800.0) / 3600.0)
    assert half.intervals[0].occupancy == pytest.approx((900.0 + 100.0) / 900.0)


def test_warmup_keeps_the_after_closing_overtime_whole() -> None:
    # One 1-hour interval, one agent; a call busy 3000..4000 runs 400 s past closing, so the engine counts
    # 3600 + 400 staffed seconds. Window from 1800: 1800 s of opening hours + the 400 s of overtime.
    grid = Grid(intervals=1, interval_seconds=3600.0, staffed=np.array([[4000.0]]))
    calls = [answered(3000.0, 0.0, talk=1000.0)]
    m = compute_metrics(make_result(calls, grid), profile(), 20.0, warmup_seconds=1800.0)
    assert m.total.staffed_hours == pytest.approx(2200.0 / 3600.0)
    assert m.total.occupancy == pytest.approx(1000.0 / 2200.0)
    full = compute_metrics(make_result(calls, grid), profile(), 20.0)
    assert full.total.occupancy == pytest.approx(1000.0 / 4000.0)


def test_attainment_targets_and_floors() -> None:
    grid = Grid(days=2, intervals=1, interval_seconds=3600.0)
    # Day 0: 90 of 100 within; day 1: 7 of 10 within. Period: 97/110 = 0.882.
    calls = [answered(i * 1.0, 1.0 if i < 90 else 99.0) for i in range(100)]
    calls += [answered(86400.0 + i, 1.0 if i < 7 else 99.0) for i in range(10)]
    plain = compute_metrics(make_result(calls, grid), profile(), 20.0, target=0.8)
    assert plain.attainment is not None
    assert plain.attainment.day_met.tolist() == [True, False]
    assert plain.attainment.day_share == 0.5
    assert plain.attainment.period_met.tolist() == [True]
    floored = compute_metrics(make_result(calls, grid), profile(floors=Floors(day=0.75)), 20.0, target=0.8)
    assert floored.attainment is not None
    assert floored.attainment.period_target_met.tolist() == [True]
    assert floored.attainment.period_floors_met.tolist() == [False]  # day 1 is at 70 % < 75 %
    assert floored.attainment.period_met.tolist() == [False]
    loose = compute_metrics(make_result(calls, grid), profile(floors=Floors(day=0.7)), 20.0, target=0.8)
    assert loose.attainment is not None and loose.attainment.period_met.tolist() == [True]  # 0.7 >= 0.7
    by_interval = compute_metrics(make_result(calls, grid), profile(floors=Floors(interval=0.71)), 20.0,
                                  target=0.8)
    assert by_interval.attainment is not None and by_interval.attainment.period_met.tolist() == [False]
    assert compute_metrics(make_result(calls, grid), profile(), 20.0).attainment is None


# ---------------------------------------------------------------------------------------------------------
# Output: dict, frame, CSV
# ---------------------------------------------------------------------------------------------------------
def test_to_dict_and_to_frame_shapes() -> None:
    m = compute_metrics(make_result(worked_example()), profile(), 20.0, target=0.8)
    doc = m.to_dict()
    assert set(doc) == {"threshold_seconds", "sl_definition", "warmup_seconds", "metrics", "intervals",
                        "days", "periods", "attainment"}
    for name in ("service_level", "service_level_of_answered", "wait_probability", "abandon_rate",
                 "asa_seconds", "mean_wait_seconds", "occupancy", "offered", "answered", "abandoned"):
        assert name in doc["metrics"]
    assert doc["days"][0]["day"] == 0
    assert set(m.total.scalars()) == set(METRIC_NAMES)
    frame = m.to_frame("interval")
    assert list(frame.index) == ["00:00", "00:30"] and "service_level_short_excluded" in frame.columns
    assert m.to_frame("cell").shape == (2, len(METRIC_NAMES))
    assert m.to_frame("total")["offered"].iloc[0] == 1060
    with pytest.raises(ScenarioError):
        m.to_frame("week")


def test_daily_report_csv(tmp_path: Path) -> None:
    grid = Grid(days=2, intervals=1, interval_seconds=3600.0)
    calls = [answered(1.0, 10.0, talk=100.0), abandoned(2.0, 40.0)]  # day 1 has no calls
    m = compute_metrics(make_result(calls, grid), profile(), 20.0)
    path = write_daily_report(tmp_path / "daily.csv", m)
    with path.open() as stream:
        rows = list(csv.DictReader(stream))
    assert list(rows[0]) == ["day", *DAILY_REPORT_COLUMNS]
    assert rows[0]["offered"] == "2" and rows[0]["answered_within_threshold"] == "1"
    assert float(rows[0]["service_level"]) == 0.5 and float(rows[0]["aht_seconds"]) == 100.0
    assert rows[1]["service_level"] == "" and rows[1]["asa_seconds"] == ""  # NaN → empty cell
    assert float(rows[1]["staffed_hours"]) == 1.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["daily.csv"]  # no temp file left behind


def test_daily_report_is_never_written_partially(tmp_path: Path) -> None:
    class Broken:
        def daily_rows(self) -> list[dict[str, Any]]:
            return [{"day": 0, "offered": 1}, {"day": 1, "offered": 2, "unexpected": 3}]

    target = tmp_path / "daily.csv"
    target.write_text("old report\n")
    with pytest.raises(ValueError):
        write_daily_report(target, Broken())
    assert target.read_text() == "old report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["daily.csv"]


def test_bad_arguments_raise_scenario_errors() -> None:
    result = make_result([answered(0.0, 1.0)])
    with pytest.raises(ScenarioError, match="threshold_seconds"):
        compute_metrics(result, profile(), -1.0)
    with pytest.raises(ScenarioError, match="warmup_seconds"):
        compute_metrics(result, profile(), 20.0, warmup_seconds=math.nan)
    with pytest.raises(ScenarioError, match="target"):
        compute_metrics(result, profile(), 20.0, target=80.0)
    with pytest.raises(ScenarioError, match="days_per_period"):
        compute_metrics(result, profile(), 20.0, days_per_period=0)


# ---------------------------------------------------------------------------------------------------------
# Properties on random logs
# ---------------------------------------------------------------------------------------------------------
call_strategy = st.one_of(
    st.builds(answered, st.floats(0, 5000), st.floats(0, 200), talk=st.floats(0, 3000), ring=st.floats(0, 20),
              acw=st.floats(0, 300), hold=st.floats(0, 100), ivr=st.floats(0, 60),
              attempt=st.integers(1, 3)),
    st.builds(abandoned, st.floats(0, 5000), st.floats(0, 200), ivr=st.floats(0, 60)),
    st.builds(ivr_call, st.floats(0, 5000), st.sampled_from(["ivr_contained", "ivr_abandoned"])),
)


@settings(max_examples=60, deadline=None)
@given(calls=st.lists(call_strategy, max_size=40), attribution=st.sampled_from(["offered", "answered"]),
       threshold=st.sampled_from([0.0, 10.0, 20.0, 60.0]))
def test_properties_on_random_logs(calls: list[Call], attribution: str, threshold: float) -> None:
    grid = Grid(intervals=3)
    result = make_result(calls, grid)
    m = compute_metrics(result, profile(interval_attribution=attribution), threshold)
    t = m.total
    assert t.trunk_arrivals == len(calls)
    assert t.trunk_arrivals == t.ivr_contained + t.ivr_abandoned + t.offered
    assert t.offered == t.answered + t.abandoned
    for name in COUNT_NAMES:  # intervals and days partition the total
        assert sum(getattr(i, name) for i in m.intervals) == getattr(t, name)
        assert sum(getattr(c, name) for row in m.cells for c in row) == getattr(t, name)
    for cell in (c for row in m.cells for c in row):
        assert cell.trunk_arrivals == cell.ivr_contained + cell.ivr_abandoned + cell.offered
    # Busy time is split without loss: the occupancy numerators add up to the total busy time.
    log = result.log
    is_answered = log.outcome == 0
    busy = float((log.ring_seconds + log.talk_seconds + log.hold_seconds
                  + log.acw_seconds)[is_answered].sum())
    split = sum(c.occupancy * 1800.0 for row in m.cells for c in row)
    assert split == pytest.approx(busy, abs=1e-6)
    sl = t.service_level_by_definition
    if t.offered:
        assert sl["abandons_fail"] <= sl["abandons_within_threshold_success"]
        for value in sl.values():
            assert math.isnan(value) or 0.0 <= value <= 1.0
        # Excluding abandons never lowers the service level (NaN when every call is excluded).
        for name in ("short_excluded", "abandons_within_threshold_excluded"):
            assert math.isnan(sl[name]) or sl["abandons_fail"] <= sl[name] + 1e-15


def test_reading_the_log_in_chunks_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    import simulator.metrics as metrics_module

    rng = np.random.default_rng(5)
    calls: list[Call] = []
    for t in np.sort(rng.uniform(0, 2 * 86400.0, 300)):
        kind = rng.integers(4)
        if kind == 0:
            calls.append(ivr_call(float(t)))
        elif kind == 1:
            calls.append(abandoned(float(t), float(rng.exponential(30))))
        else:
            calls.append(answered(float(t), float(rng.exponential(30)), talk=float(rng.exponential(900)),
                                  ring=3.0, attempt=int(rng.integers(1, 3))))
    grid = Grid(days=2, intervals=4, interval_seconds=3 * 3600.0, open_seconds=8 * 3600.0)
    result = make_result(calls, grid)
    kw: dict[str, Any] = {"target": 0.8, "warmup_seconds": 9 * 3600.0}
    whole = compute_metrics(result, profile(interval_attribution="answered"), 20.0, **kw).to_dict()
    monkeypatch.setattr(metrics_module, "_CHUNK_ROWS", 7)
    chunked = compute_metrics(result, profile(interval_attribution="answered"), 20.0, **kw).to_dict()

    def flat(doc: Any, prefix: str = "") -> dict[str, Any]:
        if isinstance(doc, dict):
            return {k: v for key, value in doc.items() for k, v in flat(value, f"{prefix}.{key}").items()}
        if isinstance(doc, list):
            return {k: v for i, value in enumerate(doc) for k, v in flat(value, f"{prefix}[{i}]").items()}
        return {prefix: doc}

    a, b = flat(whole), flat(chunked)
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], float):
            assert b[key] == pytest.approx(a[key], rel=1e-12, abs=1e-9), key
        else:
            assert b[key] == a[key], key

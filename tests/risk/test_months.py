"""A simulated month reduced for pricing (:func:`reduce_month`, vectorised over the cells) says what the full
metrics (:func:`compute_metrics`, a Summary per cell, day and period) say of the same call log, for every
measurement period and both aggregations; and the backlog carried into each interval is what counting the
waiting calls at each interval start gives."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.metrics import cell_sums, compute_metrics
from simulator.risk.months import month_layout
from simulator.risk.reduction import carried_in, reduce_month
from simulator.scenario import load_scenario
from simulator.sim import CentreModel, simulate

SMALL = ("demand.calls_per_day=900", "demand.days_per_month=8")


def close(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


@pytest.mark.parametrize("period", ["month", "week", "day", "interval"])
@pytest.mark.parametrize("aggregation", ["volume_weighted", "interval_weighted"])
def test_reduced_month_matches_the_full_metrics(period: str, aggregation: str) -> None:
    s = load_scenario(None, (*SMALL, f"definitions.measurement_period={period}",
                             f"definitions.aggregation={aggregation}", "definitions.sl_definition=short_excluded"))
    layout = month_layout(s)
    agents = np.full(s.interval_count, 30)
    result = simulate(CentreModel.from_scenario(s, agents), seed=4)
    d, t = s.definitions, float(s.sla.threshold_seconds)
    full = compute_metrics(result, d, t, target=0.0, days_per_period=layout.days_per_period)
    month = reduce_month(cell_sums(result, d, t), d, layout, carried_in(result))
    att = full.attainment
    assert att is not None
    month_sl = float(np.nanmean(att.interval_service_level)) if aggregation == "interval_weighted" \
        else full.total.service_level
    assert close(month.month["service_level"], month_sl)
    assert close(month.month["abandon_rate"], full.total.abandon_rate)
    assert close(month.month["asa_seconds"], full.total.asa_seconds)
    np.testing.assert_allclose(month.cell_service_level, att.interval_service_level, rtol=1e-12)
    np.testing.assert_allclose(month.day["service_level"], att.day_service_level, rtol=1e-12)
    np.testing.assert_allclose(month.day["abandon_rate"], [x.abandon_rate for x in full.days], rtol=1e-12)
    if period == "interval":
        np.testing.assert_allclose(month.period["service_level"], att.interval_service_level.reshape(-1),
                                   rtol=1e-12)
    else:
        groups = full.days if period == "day" else full.periods
        sl = att.day_service_level if period == "day" else att.period_service_level
        np.testing.assert_allclose(month.period["service_level"], sl, rtol=1e-12)
        np.testing.assert_allclose(month.period["asa_seconds"], [x.asa_seconds for x in groups], rtol=1e-12)
    assert month.totals["offered"] == full.total.offered
    assert month.totals["repeat_calls"] == full.total.repeat_calls
    assert close(month.totals["wait_p90_seconds"], full.total.wait_p90_seconds)
    assert close(month.totals["handle_sum"] / month.totals["answered"], full.total.aht_seconds)
    np.testing.assert_allclose(month.intervals["offered"], [x.offered for x in full.intervals])


def test_carried_in_counts_the_calls_waiting_at_each_interval_start() -> None:
    s = load_scenario(None, SMALL)
    result = simulate(CentreModel.from_scenario(s, np.full(s.interval_count, 8)), seed=2)
    log = result.log
    queued = log.outcome == 0
    in_queue = np.isfinite(log.queued_at)
    left = np.where(np.isfinite(log.answered_at), log.answered_at - log.ring_seconds, log.abandoned_at)
    expected = np.zeros(result.interval_count)
    for day in range(result.days):
        for i in range(result.interval_count):
            edge = day * result.day_seconds + result.open_seconds + i * result.interval_seconds
            expected[i] += np.sum(in_queue & (log.queued_at < edge) & (left > edge))
    assert queued.any() and expected.sum() > 0
    np.testing.assert_array_equal(carried_in(result), expected)

"""An interval report aggregated from a simulated month is calibrated: volume, profile, AHT, staffing, patience.

The truth satisfies Erlang A's assumptions where they can hold in a working day (exponential handling and
patience, no IVR, no repeats); its load still moves through the day. Tolerances: 3 standard errors for values
with a sampling interval; the Erlang A fit of patience must cover the truth with its profile-likelihood
interval, and the exposure estimate (total waiting time over abandonments, when the report gives the average
time to abandon) must be within 3 standard errors and 10 %.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from simulator.calibrate import AcdData, calibrate_intervals, simulate_acd_data
from simulator.scenario import load_scenario
from simulator.simulation import default_agents
from tests.calibrate.test_recovery import within
from tests.helpers import REPO

SETS = ["demand.calls_per_day=2000", "demand.month_cv=0", "demand.day_cv=0.05",
        'handling.talk={kind="exponential", mean=300}', "handling.hold=none", "handling.acw=none",
        "handling.ring=none", 'patience={kind="exponential", mean=180}', "ivr.navigation=none", "ivr.containment=0",
        "ivr.abandon=0", "repeats.fcr=1", "repeats.redial_probability=0"]


@pytest.fixture(scope="module")
def report():
    scenario = load_scenario(REPO / "scenarios" / "retail_support.toml", SETS)
    data = simulate_acd_data(scenario, seed=1, agents=np.maximum(default_agents(scenario)[0] - 2, 1))
    return scenario, data


def test_volume_profile_aht_and_staffing(report) -> None:
    scenario, data = report
    cal = calibrate_intervals(data.intervals, AcdData.interval_columns())
    d = cal.demand
    within(d.calls_per_day.value, d.calls_per_day.ci, scenario.demand.calls_per_day)
    weights = np.asarray(scenario.demand.profile)
    assert np.max(np.abs(d.profile - weights / weights.sum()) / d.profile_se) <= 3.5
    talk = cal.handling["talk"]
    within(talk.mean, talk.mean_ci, scenario.handling.talk.mean)
    assert np.array_equal(cal.observed_agents(), data.agents)  # the staffing actually present
    assert cal.repeats is None and cal.ivr_containment is None
    text = cal.project_text()
    assert "fcr = 1.0" in text and "containment = 0.0" in text


def test_patience_by_exposure_and_by_erlang_a(report) -> None:
    scenario, data = report
    truth = scenario.patience.mean
    cal = calibrate_intervals(data.intervals, AcdData.interval_columns())
    p = cal.patience
    assert p is not None and p.kind == "exponential" and "total waiting time" in p.method
    within(p.mean, p.mean_ci, truth)
    assert abs(p.mean / truth - 1) <= 0.10
    assert p.alternative is not None
    low, high = p.alternative["mean_ci"]
    assert low <= truth <= high
    # Without the average time to abandon, the Erlang A fit is what is written.
    mapping = AcdData.interval_columns()
    mapping = dataclasses.replace(mapping, columns={k: v for k, v in mapping.columns.items() if k != "ata_seconds"})
    no_ata = calibrate_intervals(data.intervals.drop(columns=["AvgAbandonTime"]), mapping)
    assert no_ata.patience is not None and "Erlang A" in no_ata.patience.method
    assert no_ata.patience.mean == pytest.approx(p.alternative["mean"])


def test_no_abandoned_call_gives_no_patience(report) -> None:
    _, data = report
    frame = data.intervals.copy()
    frame["Offered"] = frame["Offered"] - frame["Abandoned"]
    frame["Abandoned"] = 0
    cal = calibrate_intervals(frame, AcdData.interval_columns())
    assert cal.patience is None and "cannot be estimated" in (cal.patience_note or "")
    assert "[patience]" not in cal.project_text().replace("# [patience]", "")
    assert "patience.mean" not in cal.estimates()

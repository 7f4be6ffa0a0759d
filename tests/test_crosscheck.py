"""The cross-check of notebook 02: a project reduced to the Erlang assumptions, each feature put back alone.

The reduction is checked against :func:`simulator.check.assumption_breaks` (the reduced scenario breaks none,
each case breaks exactly its feature's), the formula values against :mod:`simulator.analytic` directly, and the
frames and the figure against the reports they come from. One statistical check (the slow test) asks that
Erlang A agree with the simulation on the reduced project within the check's family-wise interval.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from simulator.analytic import erlang_c
from simulator.check import assumption_breaks
from simulator.crosscheck import AS_WRITTEN, FEATURES, REDUCED, CrossCheck, crosscheck, drift_cases, erlang_assumptions
from simulator.errors import ScenarioError
from simulator.report.figures import save_figure
from simulator.scenario import Scenario, load_scenario
from simulator.simulation import default_agents
from tests.helpers import SCENARIOS

SMALL = ("demand.calls_per_day=800", "demand.days_per_month=6")

# What assumption_breaks says when each feature is back (the start of each reason).
REASONS = {
    "handling": ("talk time is", "handling has hold", "ring time"),
    "patience": ("patience is",),
    "ivr": ("an IVR",),
    "repeats": ("repeat calls",),
    "time_varying_load": ("the arrival rate varies", "staffing varies"),
    "volume_noise": ("day- and month-level",),
}


@pytest.fixture(scope="module")
def project() -> Scenario:
    return load_scenario(None, SMALL)


@pytest.fixture(scope="module")
def study(project: Scenario) -> CrossCheck:
    return crosscheck(project, replications=3, seed=4, workers=1)


def breaks(scenario: Scenario) -> list[str]:
    return assumption_breaks(scenario, default_agents(scenario)[0])


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_the_reduced_project_meets_every_assumption_and_keeps_its_means(path: Path) -> None:
    project = load_scenario(path)
    reduced = erlang_assumptions(project)
    assert breaks(reduced) == []
    assert reduced.handling.handle_seconds == pytest.approx(project.handling.handle_seconds)
    assert reduced.patience_seconds == pytest.approx(project.patience_seconds)
    assert reduced.calls_per_interval.sum() == pytest.approx(project.calls_per_interval.sum())
    assert reduced.sla == project.sla
    assert reduced.provenance["handling.talk.kind"] == "erlang assumptions"
    assert breaks(project), "the project itself is not changed"


def test_each_case_breaks_exactly_its_features_assumption(project: Scenario) -> None:
    cases = drift_cases(project)
    order = list(cases)
    assert order[0] == REDUCED and order[-1] == AS_WRITTEN
    assert cases[AS_WRITTEN] is project
    labels = {label: feature for feature, label in FEATURES.items()}
    assert set(cases) - {REDUCED, AS_WRITTEN} == set(labels), "the default project has every feature"
    for label, scenario in cases.items():
        if label in (REDUCED, AS_WRITTEN):
            continue
        reasons = breaks(scenario)
        assert reasons, label
        for reason in reasons:
            assert reason.startswith(REASONS[labels[label]]), (label, reason)


def test_features_choose_the_cases_and_an_unknown_one_is_named(project: Scenario) -> None:
    assert list(drift_cases(project, ["ivr", "repeats"])) == [REDUCED, FEATURES["ivr"], FEATURES["repeats"],
                                                             AS_WRITTEN]
    with pytest.raises(ScenarioError) as error:
        drift_cases(project, ["weather"])
    assert error.value.field == "features" and "handling" in str(error.value)


def test_a_project_within_the_assumptions_is_its_own_only_case(project: Scenario) -> None:
    reduced = erlang_assumptions(project)
    assert erlang_assumptions(reduced) is reduced
    assert list(drift_cases(reduced)) == [REDUCED]


def test_erlang_c_values_are_the_formulas_at_the_simulated_staffing(study: CrossCheck) -> None:
    case = study.cases[0]
    scenario = case.scenario
    assert case.report.comparable and case.report.model == "erlang_a"
    agents = int(case.agents[0])
    aht = scenario.handling.handle_seconds
    load = float(scenario.calls_per_interval[0]) / scenario.interval_seconds * aht
    expected = erlang_c.metrics(load, agents, aht_seconds=aht, threshold_seconds=scenario.sla.threshold_seconds)
    values = case.values("erlang_c")
    assert values["service_level"] == pytest.approx(float(expected.service_level))
    assert values["asa_seconds"] == pytest.approx(float(expected.asa_seconds))
    assert values["abandon_rate"] == 0.0  # nobody hangs up in Erlang C
    assert values["service_level_of_answered"] == values["service_level"]


def test_frames_hold_the_reports(study: CrossCheck) -> None:
    frame = study.to_frame()
    assert list(frame.index.get_level_values("case").unique()) == [c.name for c in study.cases]
    for case in study.cases:
        for row in case.report.rows:
            line = frame.loc[(case.name, row.metric)]
            assert line["simulated"] == row.simulated
            assert (line["ci_low"], line["ci_high"]) == (row.low, row.high)
            assert line["erlang_a"] == row.analytic
            assert line["erlang_a_within"] == row.within
            assert line["erlang_a_drift"] == pytest.approx(row.simulated - row.analytic)
            if not math.isnan(line["erlang_c"]):
                assert line["erlang_c_within"] == (row.low <= line["erlang_c"] <= row.high)
    service = study.to_frame("service_level")
    assert list(service.index) == [c.name for c in study.cases]
    reasons = study.reasons_frame()
    assert reasons.loc[REDUCED, "reasons"].startswith("none")
    assert not reasons.loc[AS_WRITTEN, "comparable"]
    with pytest.raises(ScenarioError):
        study.to_frame("happiness")


def test_figure_renders_a_row_per_case(study: CrossCheck, tmp_path: Path) -> None:
    fig = study.figure("service_level")
    assert isinstance(fig, Figure)
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert sorted(ticks) == sorted(c.name for c in study.cases)
    for name, figure in (("drift", fig), ("asa", study.figure("asa_seconds"))):
        (path,) = save_figure(figure, tmp_path / name, formats=("png",))
        assert path.stat().st_size > 1000


def test_to_dict_is_json(study: CrossCheck) -> None:
    from simulator.jsonutil import dumps

    text = dumps(study.to_dict())
    assert REDUCED in text


@pytest.mark.slow
def test_erlang_a_agrees_with_the_simulation_of_the_reduced_project(project: Scenario) -> None:
    # Within the assumptions the check's 99 % family-wise intervals must hold every formula value.
    result = crosscheck(project, features=[], replications=20, seed=11)
    (case,) = [c for c in result.cases if c.name == REDUCED]
    assert case.report.passed, case.report.to_frame()
    assert np.isfinite(case.report.to_frame()["simulated"]).all()


def test_erlang_c_gives_no_value_where_an_interval_has_no_steady_state(project: Scenario) -> None:
    from simulator.crosscheck import _formulas

    reduced = erlang_assumptions(project)
    one_agent = np.ones(reduced.interval_count, dtype=int)  # far below the load
    assert all(v is None for v in _formulas(reduced, one_agent, "erlang_c").values())
    assert _formulas(reduced, one_agent, "erlang_a")["service_level"] is not None  # callers abandon: defined


def test_drift_chart_needs_one_value_per_case() -> None:
    from simulator.report.crosscheck import drift_chart

    with pytest.raises(ScenarioError) as error:
        drift_chart(["a", "b"], [0.5], [0.4, 0.4], [0.6, 0.6], {}, metric_label="SL")
    assert error.value.field == "simulated"
    fig = drift_chart(["a", "b"], [0.5, None], [0.4, None], [0.6, None], {"Erlang C": [0.45, 0.5]},
                      metric_label="SL", target=0.5)
    ax = fig.axes[0]
    by_height = dict(zip(ax.get_yticks(), (t.get_text() for t in ax.get_yticklabels()), strict=True))
    assert by_height[max(by_height)] == "a"  # the first case on top


def test_check_intervals_stay_inside_each_metrics_range() -> None:
    """Three replications of a rare event: the Student-t interval would reach below 0 and above 1."""
    from types import SimpleNamespace

    from simulator.check import compare

    samples = {"wait_probability": [0.0, 0.0, 0.9], "abandon_rate": [0.0, 0.0, 0.3], "service_level": [1.0, 1.0, 0.2],
               "service_level_of_answered": [1.0, 1.0, 0.9], "asa_seconds": [0.0, 0.0, 40.0],
               "mean_wait_seconds": [0.0, 0.0, 30.0], "occupancy": [0.5, 0.6, 0.7]}
    summary = SimpleNamespace(samples=samples, replications=3, seed=0)
    analytic = {"wait_probability": 0.2, "abandon_probability": 0.05, "service_level": 0.9,
                "service_level_of_answered": 0.95, "asa_seconds": 5.0, "mean_wait_seconds": 4.0, "occupancy": 0.6}
    report = compare(summary, analytic, "erlang_a", comparable=True, reasons=())  # type: ignore[arg-type]
    for row in report.rows:
        assert row.low >= 0.0, row
        if row.metric not in ("asa_seconds", "mean_wait_seconds"):
            assert row.high <= 1.0, row
        assert row.within  # every analytic value here lies inside the (wide) interval

"""CentreModel: its constructors, its validation, and the engine's bad-input paths."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.distributions import Deterministic, Exponential, Lognormal
from simulator.errors import ScenarioError
from simulator.scenario.model import IVR, Demand, Handling, Repeats, Scenario, Staffing
from simulator.sim import CentreModel, Trace, simulate
from simulator.sim.fastpath import covers


def scenario(**staffing: object) -> Scenario:
    return Scenario(
        demand=Demand(calls_per_day=2400, open="08:00", close="12:00", days_per_month=3, day_cv=0.1,
                      month_cv=0.05, profile=(1, 2, 3, 2, 1, 1, 1, 1)),
        handling=Handling(talk=Lognormal(mean=200, cv=0.6), acw=Deterministic(mean=30)),
        ivr=IVR(navigation=Exponential(mean=20), containment=0.1, abandon=0.05),
        patience=Exponential(mean=90),
        repeats=Repeats(fcr=0.8, redial_probability=0.3),
        staffing=Staffing(**staffing),  # type: ignore[arg-type]
    )


def test_stationary_is_one_interval_covering_the_period() -> None:
    model = CentreModel.stationary(calls_per_hour=360, aht_seconds=240, agents=28, hours=8,
                                   patience_seconds=120)
    assert (model.days, model.interval_count, model.open_seconds) == (1, 1, 0.0)
    assert model.day_seconds == model.interval_seconds == 8 * 3600
    assert model.arrival_rate.tolist() == [0.1]
    assert model.agents.tolist() == [[28]]
    assert model.talk == Exponential(mean=240) and model.patience == Exponential(mean=120)
    assert model.hold is model.acw is model.ring is model.ivr_navigation is None
    assert not model.repeats_enabled
    assert CentreModel.stationary(360, 240, 28, 8).patience is None


def test_from_scenario_carries_every_section() -> None:
    model = CentreModel.from_scenario(scenario(agents=12))
    assert (model.open_seconds, model.interval_seconds) == (28800, 1800)
    assert (model.interval_count, model.days) == (8, 3)
    np.testing.assert_allclose(model.arrival_rate * 1800, 2400 * np.array([1, 2, 3, 2, 1, 1, 1, 1]) / 12)
    assert model.agents.shape == (3, 8) and np.all(model.agents == 12)
    assert (model.day_cv, model.month_cv) == (0.1, 0.05)
    assert model.talk == Lognormal(mean=200, cv=0.6) and model.acw == Deterministic(mean=30)
    assert model.ivr_navigation == Exponential(mean=20)
    assert (model.ivr_containment, model.ivr_abandon) == (0.1, 0.05)
    assert model.patience == Exponential(mean=90)
    assert (model.fcr, model.redial_probability, model.max_attempts) == (0.8, 0.3, 5)


def test_from_scenario_staffing_sources() -> None:
    per = (1, 2, 3, 4, 5, 6, 7, 8)
    assert CentreModel.from_scenario(scenario(agents_per_interval=per)).agents[0].tolist() == list(per)
    assert CentreModel.from_scenario(scenario(agents=3), agents_per_interval=5).agents[1, 4] == 5
    by_day = np.arange(24).reshape(3, 8)
    assert CentreModel.from_scenario(scenario(), agents_per_interval=by_day).agents[2, 7] == 23
    with pytest.raises(ScenarioError, match="agents"):
        CentreModel.from_scenario(scenario())
    with pytest.raises(ScenarioError, match="shape"):
        CentreModel.from_scenario(scenario(), agents_per_interval=[1, 2])


def test_from_scenario_simulates() -> None:
    result = simulate(CentreModel.from_scenario(scenario(agents=12)), seed=3)
    assert result.staffed_seconds.shape == (3, 8)
    assert len(result.log) > 1000


@pytest.mark.parametrize(("change", "field"), [
    ({"agents": np.array([-1])}, "agents"),
    ({"agents": np.array([1.5])}, "agents"),
    ({"agents": np.array([1, 2])}, "agents"),
    ({"arrival_rate": np.array([-0.1])}, "arrival_rate"),
    ({"arrival_rate": np.array([np.inf])}, "arrival_rate"),
    ({"interval_count": 2, "arrival_rate": np.zeros(2), "agents": np.ones(2)}, "interval_count"),
    ({"interval_seconds": 0.0}, "interval_seconds"),
    ({"days": 0}, "days"),
    ({"ivr_containment": 0.7, "ivr_abandon": 0.4}, "ivr_abandon"),
    ({"fcr": 1.5}, "fcr"),
    ({"max_attempts": 0}, "max_attempts"),
    ({"day_cv": -0.1}, "day_cv"),
    ({"agents": np.array([0]), "patience": None}, "agents"),  # would wait for ever
])
def test_invalid_models_name_the_field(change: dict[str, object], field: str) -> None:
    base: dict[str, object] = dict(day_seconds=1000.0, open_seconds=0.0, interval_seconds=1000.0,
                                   interval_count=1, days=1, arrival_rate=np.array([0.1]),
                                   agents=np.array([1]), patience=Exponential(mean=60))
    base.update(change)
    with pytest.raises(ScenarioError) as error:
        CentreModel(**base)  # type: ignore[arg-type]
    assert error.value.field == field


def test_model_arrays_are_frozen() -> None:
    model = CentreModel.stationary(360, 240, 28, 8)
    with pytest.raises(ValueError):
        model.arrival_rate[0] = 1.0
    with pytest.raises(ValueError):
        model.agents[0, 0] = 1


def test_unknown_engine_and_bad_seed_are_input_errors() -> None:
    model = CentreModel.stationary(360, 240, 28, 1)
    with pytest.raises(ScenarioError, match="auto, simpy, fast"):
        simulate(model, seed=0, engine="ciw")  # type: ignore[arg-type]
    with pytest.raises(ScenarioError) as error:
        simulate(model, seed=-1)
    assert error.value.field == "seed"


@pytest.mark.parametrize(("trace", "field"), [
    (Trace(offered_at=[5, 1]), "trace.offered_at"),
    (Trace(offered_at=[1500]), "trace.offered_at"),  # after closing
    (Trace(offered_at=[1, 2], talk_seconds=[1]), "trace.talk_seconds"),
    (Trace(offered_at=[1], talk_seconds=[-1]), "trace.talk_seconds"),
    (Trace(offered_at=[1], ivr_outcome=["lost"]), "trace.ivr_outcome"),
])
def test_bad_traces_are_input_errors(trace: Trace, field: str) -> None:
    model = CentreModel(day_seconds=2000.0, open_seconds=0.0, interval_seconds=1000.0, interval_count=1,
                        days=1, arrival_rate=np.array([0.0]), agents=np.array([1]))
    with pytest.raises(ScenarioError) as error:
        simulate(model, seed=0, trace=trace)
    assert error.value.field == field


def test_fast_path_covers_every_model() -> None:
    ok, reason = covers(CentreModel.from_scenario(scenario(agents=3)))
    assert ok, reason

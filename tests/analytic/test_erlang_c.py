"""Erlang C against published examples and 50-digit closed forms; instability; the JSON contract."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.analytic import erlang_c
from simulator.errors import ScenarioError
from tests.analytic import reference as ref

RTOL = 1e-12
CONTRACT_KEYS = ["offered_load", "agents", "stable", "wait_probability", "service_level", "asa_seconds",
                 "mean_queue_length", "occupancy"]


def test_pyworkforce_example() -> None:
    # CRAN ErlangC README / pyworkforce: 100 calls per 30 min, AHT 180 s, 14 agents, 20 s threshold.
    load = 100 / 1800 * 180
    m = erlang_c.metrics(load, 14, aht_seconds=180, threshold_seconds=20)
    assert round(float(m.wait_probability), 7) == 0.1741319
    assert round(float(m.service_level), 5) == 0.88835
    assert erlang_c.wait_probability(load, 14) == pytest.approx(0.1741319, abs=5e-8)
    assert erlang_c.service_level(load, 14, 20, 180) == pytest.approx(0.88835, abs=5e-6)


def test_domain_sensitivity_figures() -> None:
    # domain.md §5.5: 46 agents sized for 80/20 at A = 40 (AHT 360 s): SL 81 %, +5 % volume 65 %, +10 % 39 %.
    sl = [erlang_c.service_level(40.0 * f, 46, 20, 360) for f in (1.0, 1.05, 1.10)]
    assert [round(100 * v) for v in sl] == [81, 65, 39]
    # §1.6: 20 Erlangs at 80/30 need 24 agents; 23 reach only 74.8 %.
    assert round(100 * erlang_c.service_level(20.0, 23, 30, 180), 1) == 74.8


CASES = [(load, agents, aht, t) for agents, aht in ((1, 180.0), (14, 180.0), (46, 360.0), (300, 240.0),
                                                     (2500, 300.0), (10000, 300.0), (20000, 600.0))
         for load in (agents * r for r in (0.001, 0.5, 0.9, 0.99, 0.9999)) for t in (0.0, 20.0)]


@pytest.mark.parametrize(("load", "agents", "aht", "threshold"), CASES)
def test_matches_closed_forms_at_50_digits(load: float, agents: int, aht: float, threshold: float) -> None:
    exact = ref.erlang_c(load, agents, aht, threshold)
    m = erlang_c.metrics(load, agents, aht_seconds=aht, threshold_seconds=threshold)
    assert bool(m.stable)
    for name, value in exact.items():
        got = float(getattr(m, name))
        if value < mp.mpf("1e-290"):
            assert got < 1e-280, name
        else:
            assert float(abs((mp.mpf(got) - value) / value)) < RTOL, name


def test_service_level_shortfall_keeps_its_digits() -> None:
    # 1 - SL is tiny when the queue is over-staffed; it must not be rounded away (SL = (1 - C) + C (1 - e^..)).
    m = erlang_c.metrics(5.0, 40, aht_seconds=300, threshold_seconds=20)
    exact = ref.erlang_c(5.0, 40, 300.0, 20.0)
    assert float(abs(mp.mpf(float(m.wait_probability)) / exact["wait_probability"] - 1)) < RTOL


@pytest.mark.parametrize(("load", "agents"), [(10.0, 10), (12.0, 10), (0.5, 0), (20000.0, 19999)])
def test_unstable_queue_never_reports_a_finite_wait(load: float, agents: int) -> None:
    m = erlang_c.metrics(load, agents, aht_seconds=300, threshold_seconds=20)
    assert not bool(m.stable)
    assert float(m.wait_probability) == 1.0
    assert float(m.service_level) == 0.0
    assert math.isinf(m.asa_seconds) and math.isinf(m.mean_queue_length)
    assert float(m.occupancy) == 1.0
    d = m.to_dict()
    assert d["stable"] is False and d["asa_seconds"] is None and d["mean_queue_length"] is None
    assert d["wait_probability"] == 1.0 and d["service_level"] == 0.0 and d["occupancy"] == 1.0
    assert math.isinf(erlang_c.asa_seconds(load, agents, 300))
    assert erlang_c.wait_probability(load, agents) == 1.0


def test_zero_load_is_stable_and_idle() -> None:
    d = erlang_c.metrics(0.0, 3, aht_seconds=300, threshold_seconds=20).to_dict()
    assert d == {"offered_load": 0.0, "agents": 3, "stable": True, "wait_probability": 0.0, "service_level": 1.0,
                 "asa_seconds": 0.0, "mean_queue_length": 0.0, "occupancy": 0.0}


def test_to_dict_is_the_cli_contract() -> None:
    d = erlang_c.metrics(10.0, 14, aht_seconds=180, threshold_seconds=20).to_dict()
    assert list(d) == CONTRACT_KEYS
    assert isinstance(d["agents"], int) and isinstance(d["stable"], bool)
    assert all(isinstance(d[k], float) for k in CONTRACT_KEYS if k not in ("agents", "stable"))
    many = erlang_c.metrics([10.0, 20.0], [14, 19], aht_seconds=180, threshold_seconds=20).to_dict()
    assert many["agents"] == [14, 19] and many["stable"] == [True, False]
    assert many["asa_seconds"][1] is None and isinstance(many["asa_seconds"][0], float)


def test_vectorised_over_intervals_equals_one_by_one() -> None:
    loads = np.array([3.0, 8.5, 17.0, 40.0])
    agents = np.array([5, 11, 19, 46])
    aht = np.array([180.0, 240.0, 300.0, 360.0])
    m = erlang_c.metrics(loads, agents, aht_seconds=aht, threshold_seconds=20)
    for i in range(4):
        one = erlang_c.metrics(loads[i], agents[i], aht_seconds=aht[i], threshold_seconds=20)
        assert m.service_level[i] == float(one.service_level)
        assert m.asa_seconds[i] == float(one.asa_seconds)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.01, 2000.0), st.integers(1, 2000), st.floats(0.0, 600.0), st.floats(10.0, 1800.0))
def test_properties(load: float, agents: int, threshold: float, aht: float) -> None:
    m = erlang_c.metrics(load, agents, aht_seconds=aht, threshold_seconds=threshold)
    assert 0.0 <= float(m.wait_probability) <= 1.0
    assert 0.0 <= float(m.service_level) <= 1.0
    more = erlang_c.metrics(load, agents + 1, aht_seconds=aht, threshold_seconds=threshold)
    assert float(more.service_level) >= float(m.service_level)
    assert float(more.asa_seconds) <= float(m.asa_seconds)
    assert float(more.wait_probability) <= float(m.wait_probability)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"load": -2.0}, "load"), ({"agents": -1}, "agents"), ({"aht_seconds": 0.0}, "aht_seconds"),
    ({"aht_seconds": float("nan")}, "aht_seconds"), ({"threshold_seconds": -1.0}, "threshold_seconds"),
    ({"agents": 3.5}, "agents"),
])
def test_bad_input_names_the_parameter(kwargs: dict[str, float], field: str) -> None:
    args: dict[str, float] = {"load": 5.0, "agents": 7, "aht_seconds": 300.0, "threshold_seconds": 20.0}
    args.update(kwargs)
    with pytest.raises(ScenarioError) as info:
        erlang_c.metrics(args.pop("load"), args.pop("agents"), **args)
    assert info.value.field == field

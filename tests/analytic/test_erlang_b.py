"""Erlang B against 50-digit mpmath sums, edge cases, vectorisation, properties and input checks."""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.analytic import erlang_b
from simulator.errors import ScenarioError
from tests.analytic import reference as ref

RTOL = 1e-12  # the requirement is 1e-9; the implementation reaches about 1e-13


def rel_error(value: float, exact: mp.mpf) -> float:
    return float(abs((mp.mpf(value) - exact) / exact))


GRID = [(load, agents) for agents in (1, 2, 3, 7, 20, 60, 150, 400, 1000)
        for load in (agents * r for r in (0.001, 0.3, 0.8, 0.97, 1.0, 1.03, 1.5, 5.0, 60.0))]


def check(load: float, agents: int, exact: mp.mpf) -> None:
    value = erlang_b.blocking(load, agents)
    if exact < mp.mpf("1e-290"):  # below the double range: compare the logarithm of 1/B - 1 instead
        assert value < 1e-280
        log_r = mp.log(1 / exact - 1)
        assert float(abs((mp.mpf(float(erlang_b.log_idle_ratio(load, agents))) - log_r) / log_r)) < 1e-15
    else:
        assert rel_error(value, exact) < RTOL


@pytest.mark.parametrize(("load", "agents"), GRID)
def test_matches_the_exact_sum(load: float, agents: int) -> None:
    check(load, agents, ref.erlang_b_sum(load, agents))


@pytest.mark.parametrize(("load", "agents"), [(20000.0, 20000), (19650.5, 20000), (20400.0, 20000), (5000.0, 20000),
                                              (1.0, 20000), (20000.0, 1), (20000.0, 100), (9876.5, 10000),
                                              (15000.0, 12000)])
def test_large_systems_match_the_incomplete_gamma_form(load: float, agents: int) -> None:
    check(load, agents, ref.erlang_b_gamma(load, agents))


def test_the_two_references_agree() -> None:
    # The references are independent routes; check them against each other once.
    for load, agents in ((3.3, 5), (95.0, 100), (1500.0, 1400)):
        assert rel_error(float(ref.erlang_b_gamma(load, agents)), ref.erlang_b_sum(load, agents)) < 1e-15


def test_textbook_value() -> None:
    # B(N=10, A=5) = 0.01838 (standard Erlang B tables, 4 significant digits).
    assert round(erlang_b.blocking(5.0, 10), 5) == 0.01838


def test_edge_cases() -> None:
    assert erlang_b.blocking(3.0, 0) == 1.0
    assert erlang_b.blocking(0.0, 0) == 1.0
    assert erlang_b.blocking(0.0, 4) == 0.0
    assert erlang_b.blocking(1e-300, 1) == pytest.approx(1e-300, rel=1e-12)
    assert erlang_b.blocking(1e12, 3) == pytest.approx(1.0, abs=1e-11)


def test_broadcasts_and_returns_floats_for_scalars() -> None:
    assert isinstance(erlang_b.blocking(2.0, 3), float)
    out = erlang_b.blocking(np.array([[1.0], [2.0]]), np.array([1, 2, 3]))
    assert out.shape == (2, 3)
    for i, load in enumerate((1.0, 2.0)):
        for j, agents in enumerate((1, 2, 3)):
            assert out[i, j] == pytest.approx(float(ref.erlang_b_sum(load, agents)), rel=RTOL)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.01, 3000.0), st.integers(1, 3000))
def test_properties(load: float, agents: int) -> None:
    b = erlang_b.blocking(load, agents)
    assert 0.0 <= b <= 1.0
    assert erlang_b.blocking(load, agents + 1) <= b  # more trunks, less blocking
    assert erlang_b.blocking(load * 1.01, agents) >= b  # more traffic, more blocking


@pytest.mark.parametrize(("load", "agents", "field"), [(-1.0, 3, "load"), (float("nan"), 3, "load"),
                                                      (2.0, -1, "agents"), (2.0, 2.5, "agents"),
                                                      (float("inf"), 3, "load")])
def test_bad_input_names_the_parameter(load: float, agents: float, field: str) -> None:
    with pytest.raises(ScenarioError) as info:
        erlang_b.blocking(load, agents)
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")

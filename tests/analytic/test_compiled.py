"""The compiled Erlang kernels (what the staffing engine's large batches use) against 50-digit mpmath and
against the numpy kernels (what one-off calls use), and the batch size that picks between them."""

from __future__ import annotations

import subprocess
import sys

import mpmath as mp
import numpy as np
import pytest

from simulator.analytic import _compiled, _numerics, erlang_a, erlang_b
from tests.analytic import reference as ref
from tests.analytic.test_erlang_a import CASES, CHAIN_CASES, assert_matches, flat
from tests.analytic.test_erlang_b import GRID
from tests.analytic.test_erlang_b import RTOL as B_RTOL


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every batch through the compiled kernels, however small."""
    monkeypatch.setattr(_numerics, "COMPILED_MIN_ROWS", 0)


def batch(cases: list[tuple[float, int, float, float, float, float]]) -> list[dict[str, float]]:
    a, n, aht, patience, threshold, short = (np.array(column) for column in zip(*cases, strict=True))
    m = erlang_a.metrics(a, n, aht_seconds=aht, patience_seconds=patience, threshold_seconds=threshold,
                         short_abandon_seconds=short)
    return [flat(erlang_a.ErlangAMetrics(**{
        name: ({k: v[i] for k, v in value.items()} if isinstance(value, dict) else value[i])
        for name, value in vars(m).items()})) for i in range(len(cases))]


@pytest.mark.usefixtures("compiled")
def test_erlang_a_matches_closed_forms_at_50_digits() -> None:
    for case, got in zip(CASES, batch(CASES), strict=True):
        assert_matches(got, ref.erlang_a(*case))


@pytest.mark.usefixtures("compiled")
def test_erlang_a_matches_the_exact_birth_death_chain() -> None:
    for case, got in zip(CHAIN_CASES, batch(CHAIN_CASES), strict=True):
        assert_matches(got, ref.erlang_a_chain(*case))


@pytest.mark.usefixtures("compiled")
def test_erlang_b_matches_the_exact_sum() -> None:
    load, agents = (np.array(column) for column in zip(*GRID, strict=True))
    values = erlang_b.blocking(load, agents)
    for (a, n), value in zip(GRID, values, strict=True):
        exact = ref.erlang_b_sum(a, n)
        if exact < mp.mpf("1e-290"):
            assert value < 1e-280
        else:
            assert float(abs((mp.mpf(float(value)) - exact) / exact)) < B_RTOL, (a, n)


def test_compiled_and_numpy_agree_to_rounding(monkeypatch: pytest.MonkeyPatch) -> None:
    # A staffing engine's kind of batch: loads from 0.5 to 300 Erlang, 0.5 to 1.6 agents per Erlang (overloaded
    # and not), patience 20 s to 2,000 s, thresholds 0 to 60 s.
    rng = np.random.default_rng(3)
    m = 600
    a = rng.uniform(0.5, 300, m)
    n = np.maximum(1, np.round(a * rng.uniform(0.5, 1.6, m))).astype(np.int64)
    args = (a, n, np.full(m, 300.0), rng.uniform(20, 2000, m), rng.uniform(0, 60, m), np.full(m, 5.0),
            erlang_a.ALL_QUANTITIES)
    monkeypatch.setattr(_numerics, "COMPILED_MIN_ROWS", 10**9)
    numpy_values = erlang_a.evaluate(*args)
    numpy_b = erlang_b.log_idle_ratio(a, n)
    monkeypatch.setattr(_numerics, "COMPILED_MIN_ROWS", 0)
    compiled_values = erlang_a.evaluate(*args)
    # Split over threads or not, the rows are the same rows: equal to the bit.
    monkeypatch.setattr(_compiled, "_ROWS_PER_THREAD", 10**9)
    one_thread = erlang_a.evaluate(*args)
    monkeypatch.setattr(_compiled, "_ROWS_PER_THREAD", 64)
    many_threads = erlang_a.evaluate(*args)
    for name in erlang_a.ALL_QUANTITIES:
        assert np.array_equal(one_thread[name], many_threads[name], equal_nan=True), name
    np.testing.assert_allclose(erlang_b.log_idle_ratio(a, n), numpy_b, rtol=1e-12, atol=1e-12)
    for name in erlang_a.ALL_QUANTITIES:
        np.testing.assert_allclose(compiled_values[name], numpy_values[name], rtol=1e-12, atol=0, err_msg=name)


def test_one_off_calls_do_not_load_numba() -> None:
    code = ("import sys; from simulator.analytic import erlang_a; "
            "erlang_a.metrics([40.0] * 20, list(range(35, 55)), aht_seconds=360, patience_seconds=180, "
            "threshold_seconds=20); print('numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

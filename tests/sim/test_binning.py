"""The compiled bin lookup is numpy's searchsorted, to the index."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.sim.binning import day_and_interval, edge_index


def month_edges(days: int = 22, intervals: int = 24, day: float = 86400.0, open_: float = 28800.0,
                width: float = 1800.0) -> np.ndarray:
    return (np.arange(days)[:, None] * day + open_ + np.arange(intervals + 1)[None, :] * width).reshape(-1)


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("edges", [month_edges(), month_edges(3, 96, width=900.0, open_=0.0), np.array([0.0, 1.0]),
                                   np.sort(np.random.default_rng(5).exponential(100.0, 300)),
                                   np.array([0.0, 0.0, 5.0, 5.0, 5.0, 9.0])], ids=["month", "24h", "two",
                                                                                  "uneven", "repeated"])
def test_matches_searchsorted(edges, side):
    rng = np.random.default_rng(1)
    span = edges[-1] - edges[0]
    times = np.concatenate([
        rng.uniform(edges[0] - 0.1 * span, edges[-1] + 0.1 * span, 20_000),
        edges, np.nextafter(edges, -np.inf), np.nextafter(edges, np.inf),  # on and either side of every edge
        [np.nan, np.inf, -np.inf, edges[0] - 1e300 if span else -1.0]])
    rng.shuffle(times)
    assert np.array_equal(edge_index(edges, times, side), np.searchsorted(edges, times, side=side))


def test_keeps_the_shape_and_handles_tiny_edge_sets():
    times = np.array([[1.0, 2.0], [np.nan, -3.0]])
    for edges in (np.array([1.5]), np.array([]), np.array([2.0, 2.0])):
        assert np.array_equal(edge_index(edges, times), np.searchsorted(edges, times, side="right"))
    assert edge_index(month_edges(), times).shape == (2, 2)


def _numpy_day_and_interval(starts: np.ndarray, times: np.ndarray, per_day: int) -> tuple[np.ndarray, np.ndarray]:
    """The formulation the compiled pass replaces: search, clip to the bins, split; NaN → -1."""
    k = np.clip(np.searchsorted(starts, times, side="right") - 1, 0, starts.size - 1)
    missing = np.isnan(times)
    return np.where(missing, -1, k // per_day), np.where(missing, -1, k % per_day)


@pytest.mark.parametrize(("starts", "per_day"), [(month_edges(intervals=23), 24), (month_edges(3, 95, open_=0.0,
                                                 width=900.0), 96), (np.array([0.0]), 1), (np.array([5.0]), 1)],
                         ids=["month", "24h", "one bin", "one bin, late"])
def test_day_and_interval_match_the_search(starts, per_day):
    rng = np.random.default_rng(2)
    span = max(starts[-1] - starts[0], 1.0)
    times = np.concatenate([
        rng.uniform(starts[0] - 0.1 * span, starts[-1] + 0.2 * span, 20_000),
        starts, np.nextafter(starts, -np.inf), np.nextafter(starts, np.inf), [np.nan, np.inf, -np.inf]])
    day, interval = day_and_interval(starts, times, per_day)
    expected_day, expected_interval = _numpy_day_and_interval(starts, times, per_day)
    assert day.dtype == interval.dtype == np.int32
    assert np.array_equal(day, expected_day) and np.array_equal(interval, expected_interval)

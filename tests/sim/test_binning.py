"""The compiled bin lookup is numpy's searchsorted, to the index."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.sim.binning import edge_index


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

"""The compiled bin searches are numpy's searchsorted, to the index."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.sim.binning import count_edges, count_edges_below, day_and_interval, lookup_table


def month_edges(days: int = 22, intervals: int = 24, day: float = 86400.0, open_: float = 28800.0,
                width: float = 1800.0) -> np.ndarray:
    return (np.arange(days)[:, None] * day + open_ + np.arange(intervals + 1)[None, :] * width).reshape(-1)


EDGE_SETS = {
    "month": month_edges(), "24h": month_edges(3, 96, width=900.0, open_=0.0),
    "short month": month_edges(4, 24)[1:], "two": np.array([0.0, 1.0]),
    "uneven": np.sort(np.random.default_rng(5).exponential(100.0, 300)),
    "uneven, few": np.sort(np.random.default_rng(2).exponential(100.0, 50)),
    "repeated": np.array([0.0, 0.0, 5.0, 5.0, 5.0, 9.0]), "one": np.array([1.5]), "one, later": np.array([3.0]),
    "none": np.array([]), "one instant twice": np.array([2.0, 2.0]),
}


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("edges", list(EDGE_SETS.values()), ids=list(EDGE_SETS))
def test_the_searches_are_searchsorted(edges, side):
    """count_edges and count_edges_below on their lookup table, at random instants around the edges, on, just
    below and just above every edge, and at NaN, infinities and huge values."""
    rng = np.random.default_rng(1)
    lo, hi = (float(edges[0]), float(edges[-1])) if edges.size else (0.0, 1.0)
    span = hi - lo
    times = np.concatenate([
        rng.uniform(lo - 0.1 * span - 1, hi + 0.1 * span + 1, 20_000),
        edges, np.nextafter(edges, -np.inf), np.nextafter(edges, np.inf),  # on and either side of every edge
        [np.nan, np.inf, -np.inf, lo - 1e300, 1e300, -1.0, 1.0, 2.0, -3.0]])
    rng.shuffle(times)
    table, origin, per_width = lookup_table(edges)
    search = count_edges if side == "right" else count_edges_below
    found = np.array([search(edges, t, table, origin, per_width) for t in times])
    assert np.array_equal(found, np.searchsorted(edges, times, side=side))


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

"""Which bin an instant falls in: ``np.searchsorted`` on the month's interval edges, compiled, in one step per
instant.

A month's edges (a few hundred to a few thousand: days × intervals) are nearly evenly spaced, so a lookup table
on an even grid over them lands each instant on or next to its edge, and a few comparisons finish the job. The
searches (:func:`count_edges`, :func:`count_edges_below`) are inlined into the compiled loops that need them (the
tally, :func:`day_and_interval`); each answers exactly as ``np.searchsorted(edges, t, side)`` (NaN after every
edge, as numpy sorts it), which the tests check on random and adversarial instants. numpy's binary search costs
about ten comparisons per instant and was the largest single cost of summing a month's call log.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["count_edges", "count_edges_below", "day_and_interval", "lookup_table"]

_CELLS_PER_EDGE = 4  # lookup cells per edge: most instants then need no correction step


def lookup_table(edges: np.ndarray) -> tuple[np.ndarray, float, float]:
    """The lookup table on an even grid over sorted ``edges`` for :func:`count_edges` (and
    :func:`count_edges_below`, for which it is a guess as good): the count of edges <= each grid point, the
    grid's start and grid cells per second. Fewer than two edges, or edges spanning no time: one entry (the
    correction steps then do all the work, exactly all the same)."""
    edges = np.ascontiguousarray(edges, dtype=float)
    if edges.size < 2 or not edges[-1] > edges[0]:
        return np.zeros(1, dtype=np.int64), 0.0, 0.0
    cells = _CELLS_PER_EDGE * edges.size
    width = (edges[-1] - edges[0]) / cells
    table = np.searchsorted(edges, edges[0] + width * np.arange(cells), side="right").astype(np.int64)
    return table, float(edges[0]), 1.0 / width


def day_and_interval(starts: np.ndarray, times: np.ndarray, per_day: int) -> tuple[np.ndarray, np.ndarray]:
    """Day and interval of day (int32 each) of the bin of each instant among the bins beginning at ``starts``
    (days × ``per_day`` of them, sorted): the last bin starting at or before the instant, the first bin for an
    instant before every start, -1 for NaN. What ``k = searchsorted(starts, t, "right") - 1`` clipped to the
    bins, split into ``k // per_day`` and ``k % per_day``, gives, in one compiled pass."""
    starts = np.ascontiguousarray(starts, dtype=float)
    flat = np.ascontiguousarray(times, dtype=float).reshape(-1)
    table, start, per_width = lookup_table(starts)
    return _day_and_interval(starts, flat, table, start, per_width, per_day)


# The two searches are written flat, with one return each, and inlined: numba does not inline a called function
# by itself, and nested or early-returning inlined helpers measured slower in the tally's loop.
@njit(cache=True, nogil=True, inline="always")
def count_edges(edges: np.ndarray, t: float, lookup: np.ndarray, start: float, per_width: float) -> int:
    """``np.searchsorted(edges, t, side="right")``: the count of edges <= t (all of them for NaN, as numpy sorts
    it), from the lookup's guess at t's grid cell (the first cell for an infinite t on a one-entry table)."""
    m = edges.size
    last = lookup.size - 1
    g = (t - start) * per_width
    j = 0
    if g >= last:
        j = last
    elif g > 0.0:
        j = int(g)
    k = lookup[j]
    while k < m and edges[k] <= t:
        k += 1
    while k > 0 and edges[k - 1] > t:
        k -= 1
    if math.isnan(t):
        k = m
    return k


@njit(cache=True, nogil=True, inline="always")
def count_edges_below(edges: np.ndarray, t: float, lookup: np.ndarray, start: float, per_width: float) -> int:
    """``np.searchsorted(edges, t, side="left")``: the count of edges < t, which for finite edges is the count of
    edges <= the double just below t (all of them for NaN)."""
    return count_edges(edges, np.nextafter(t, -np.inf), lookup, start, per_width)


@njit(cache=True, nogil=True)
def _day_and_interval(starts: np.ndarray, times: np.ndarray, lookup: np.ndarray, start: float, per_width: float,
                      per_day: int) -> tuple[np.ndarray, np.ndarray]:
    day = np.empty(times.size, dtype=np.int32)
    interval = np.empty(times.size, dtype=np.int32)
    bins = starts.size
    for i in range(times.size):
        t = times[i]
        if math.isnan(t):
            day[i] = -1
            interval[i] = -1
            continue
        k = count_edges(starts, t, lookup, start, per_width) - 1
        k = min(max(k, 0), bins - 1)
        d = k // per_day  # (one division: the remainder follows from it)
        day[i] = d
        interval[i] = k - d * per_day
    return day, interval

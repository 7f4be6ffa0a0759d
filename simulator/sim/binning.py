"""Which bin an instant falls in: ``np.searchsorted`` on the month's interval edges, compiled, in one step per
instant.

A month's edges (a few hundred to a few thousand: days × intervals) are nearly evenly spaced, so a lookup table
on an even grid over them lands each instant on or next to its edge, and a few comparisons finish the job. The
answer is exactly ``np.searchsorted(edges, times, side)`` (NaN after every edge, as numpy sorts it), which the
tests check on random and adversarial instants; numpy's binary search costs about ten comparisons per instant
and was the largest single cost of summing a month's call log.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numba import njit

__all__ = ["day_and_interval", "edge_index"]

_CELLS_PER_EDGE = 4  # lookup cells per edge: most instants then need no correction step


def _lookup(edges: np.ndarray, side: str) -> tuple[np.ndarray, float, float]:
    """The lookup table on an even grid over ``edges``: its answers, the grid's start and cells per second."""
    cells = _CELLS_PER_EDGE * edges.size
    width = (edges[-1] - edges[0]) / cells
    lookup = np.searchsorted(edges, edges[0] + width * np.arange(cells), side=side).astype(np.int64)
    return lookup, float(edges[0]), 1.0 / width


def _searchable(edges: np.ndarray) -> bool:
    """Edges the lookup can serve: two or more, spanning some time (else numpy's search is used)."""
    return bool(edges.size >= 2 and edges[-1] > edges[0])


def edge_index(edges: np.ndarray, times: np.ndarray, side: Literal["left", "right"] = "right") -> np.ndarray:
    """``np.searchsorted(edges, times, side)`` for sorted, finite ``edges`` (int64, the shape of ``times``)."""
    edges = np.ascontiguousarray(edges, dtype=float)
    times = np.asarray(times, dtype=float)
    if not _searchable(edges):
        return np.searchsorted(edges, times, side=side).astype(np.int64)
    lookup, start, per_width = _lookup(edges, side)
    flat = np.ascontiguousarray(times).reshape(-1)
    return _edge_index(edges, flat, side == "right", lookup, start, per_width).reshape(times.shape)


def day_and_interval(starts: np.ndarray, times: np.ndarray, per_day: int) -> tuple[np.ndarray, np.ndarray]:
    """Day and interval of day (int32 each) of the bin of each instant among the bins beginning at ``starts``
    (days × ``per_day`` of them, sorted): the last bin starting at or before the instant, the first bin for an
    instant before every start, -1 for NaN. What ``k = searchsorted(starts, t, "right") - 1`` clipped to the
    bins, split into ``k // per_day`` and ``k % per_day``, gives, in one compiled pass."""
    starts = np.ascontiguousarray(starts, dtype=float)
    flat = np.ascontiguousarray(times, dtype=float).reshape(-1)
    if _searchable(starts):
        lookup, start, per_width = _lookup(starts, "right")
    else:  # one bin (or none spanning time): every instant falls in the first
        lookup, start, per_width = np.zeros(1, dtype=np.int64), 0.0, 0.0
    return _day_and_interval(starts, flat, lookup, start, per_width, per_day)


@njit(cache=True, nogil=True, inline="always")
def _count_edges(edges: np.ndarray, t: float, right: bool, lookup: np.ndarray, start: float,
                 per_width: float) -> int:
    """The count of edges <= t (``right``) or < t, for a finite or infinite t, from the lookup's guess."""
    m = edges.size
    last = lookup.size - 1
    g = (t - start) * per_width
    k = lookup[0 if not g >= 0.0 else (last if g >= last else int(g))]  # (NaN: an infinite t on one edge)
    if right:
        while k < m and edges[k] <= t:
            k += 1
        while k > 0 and edges[k - 1] > t:
            k -= 1
    else:
        while k < m and edges[k] < t:
            k += 1
        while k > 0 and edges[k - 1] >= t:
            k -= 1
    return k


@njit(cache=True, nogil=True)
def _edge_index(edges: np.ndarray, times: np.ndarray, right: bool, lookup: np.ndarray, start: float,
                per_width: float) -> np.ndarray:
    out = np.empty(times.size, dtype=np.int64)
    for i in range(times.size):
        t = times[i]
        out[i] = edges.size if math.isnan(t) else _count_edges(edges, t, right, lookup, start, per_width)
    return out


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
        k = _count_edges(starts, t, True, lookup, start, per_width) - 1
        k = min(max(k, 0), bins - 1)
        day[i] = k // per_day
        interval[i] = k % per_day
    return day, interval

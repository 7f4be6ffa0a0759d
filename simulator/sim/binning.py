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

__all__ = ["edge_index"]

_CELLS_PER_EDGE = 4  # lookup cells per edge: most instants then need no correction step


def edge_index(edges: np.ndarray, times: np.ndarray, side: Literal["left", "right"] = "right") -> np.ndarray:
    """``np.searchsorted(edges, times, side)`` for sorted, finite ``edges`` (int64, the shape of ``times``)."""
    edges = np.ascontiguousarray(edges, dtype=float)
    times = np.asarray(times, dtype=float)
    if edges.size < 2 or not edges[-1] > edges[0]:
        return np.searchsorted(edges, times, side=side).astype(np.int64)
    cells = _CELLS_PER_EDGE * edges.size
    width = (edges[-1] - edges[0]) / cells
    lookup = np.searchsorted(edges, edges[0] + width * np.arange(cells), side=side).astype(np.int64)
    flat = np.ascontiguousarray(times).reshape(-1)
    return _edge_index(edges, flat, side == "right", lookup, edges[0], 1.0 / width).reshape(times.shape)


@njit(cache=True, nogil=True)
def _edge_index(edges: np.ndarray, times: np.ndarray, right: bool, lookup: np.ndarray, start: float,
                per_width: float) -> np.ndarray:
    m = edges.size
    out = np.empty(times.size, dtype=np.int64)
    last = lookup.size - 1
    for i in range(times.size):
        t = times[i]
        if math.isnan(t):
            out[i] = m
            continue
        g = (t - start) * per_width
        k = lookup[0 if g < 0.0 else (last if g >= last else int(g))]
        if right:  # the count of edges <= t
            while k < m and edges[k] <= t:
                k += 1
            while k > 0 and edges[k - 1] > t:
                k -= 1
        else:  # the count of edges < t
            while k < m and edges[k] < t:
                k += 1
            while k > 0 and edges[k - 1] >= t:
                k -= 1
        out[i] = k
    return out

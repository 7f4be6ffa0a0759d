"""Heaps for the compiled fast path (numba): a 4-ary one of floats (the agents' free instants) and a binary one of
row ids ordered by four keys kept in arrays beside them.

Every key used to order calls is unique (it ends with the first attempt and the attempt number), so any correct
heap pops them in the same order as Python's ``heapq`` does in the simpy engine.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["before", "pop_id", "push_free", "push_id", "sift_free"]



@njit(cache=True, nogil=True, inline="always")
def push_free(heap: np.ndarray, n: int, value: float) -> None:
    """Add ``value`` to a 4-ary min-heap of ``n`` items (four children a node: half the depth of a binary heap,
    which is what costs when hundreds of agents are on duty)."""
    i = n
    while i > 0:
        parent = (i - 1) >> 2
        if heap[parent] <= value:
            break
        heap[i] = heap[parent]
        i = parent
    heap[i] = value


@njit(cache=True, nogil=True, inline="always")
def sift_free(heap: np.ndarray, n: int, value: float) -> None:
    """Put ``value`` at the root of a 4-ary min-heap of ``n`` items and sift it down."""
    i = 0
    while True:
        first = 4 * i + 1
        if first >= n:
            break
        child = first
        smallest = heap[first]
        last = min(first + 4, n)
        for c in range(first + 1, last):
            if heap[c] < smallest:
                smallest = heap[c]
                child = c
        if smallest >= value:
            break
        heap[i] = smallest
        i = child
    heap[i] = value


@njit(cache=True, nogil=True, inline="always")
def before(a0: float, a1: float, a2: int, a3: int, b0: float, b1: float, b2: int, b3: int) -> bool:
    """(a0, a1, a2, a3) < (b0, b1, b2, b3), lexicographically."""
    if a0 != b0:
        return a0 < b0
    if a1 != b1:
        return a1 < b1
    if a2 != b2:
        return a2 < b2
    return a3 < b3


@njit(cache=True, nogil=True)
def push_id(heap: np.ndarray, n: int, row: int, k0: np.ndarray, k1: np.ndarray, k2: np.ndarray,
             k3: np.ndarray) -> None:
    i = n
    while i > 0:
        parent = (i - 1) >> 1
        p = heap[parent]
        if not before(k0[row], k1[row], k2[row], k3[row], k0[p], k1[p], k2[p], k3[p]):
            break
        heap[i] = p
        i = parent
    heap[i] = row


@njit(cache=True, nogil=True)
def pop_id(heap: np.ndarray, n: int, k0: np.ndarray, k1: np.ndarray, k2: np.ndarray, k3: np.ndarray) -> int:
    """Remove and return the smallest of ``n`` ids."""
    top = heap[0]
    last = heap[n - 1]
    n -= 1
    i = 0
    while True:
        child = 2 * i + 1
        if child >= n:
            break
        c = heap[child]
        if child + 1 < n:
            d = heap[child + 1]
            if before(k0[d], k1[d], k2[d], k3[d], k0[c], k1[c], k2[c], k3[c]):
                child += 1
                c = d
        if not before(k0[c], k1[c], k2[c], k3[c], k0[last], k1[last], k2[last], k3[last]):
            break
        heap[i] = c
        i = child
    if n > 0:
        heap[i] = last
    return top

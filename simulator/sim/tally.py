"""The tally of a call log, compiled: counts and sums per (day, interval) cell in two loops over each chunk.

This is step 1 of :func:`simulator.metrics.cell_sums` (the module notes there define every count, wait and
attribution rule). It replaces a numpy version built from masks, fancy indexing and a dozen ``bincount``s,
about three times faster, and gives the same doubles to the bit, because every floating-point operation is
done in the same order:

- ``np.bincount(cells, weights=w)`` adds the weights in row order from 0.0: so does ``out[c] += w`` here;
- the numpy version read the log in chunks of ``chunk_rows`` rows and added each chunk's sums to the totals;
  the sums of doubles (waits, handle and busy seconds) are therefore kept per chunk and added chunk by chunk.
  Counts need no such care: they are integers, exact in any order;
- a busy span split at cell edges was booked as ``0 + same-cell spans + first parts + last parts + covered
  cells × cell length``, four separate sums combined in that order; so it is here (a span ending exactly on
  an edge is split there, its last part 0.0, as numpy's ``searchsorted(side="right")`` put it);
- ``np.round(x, 6)`` is ``rint(x * 1e6) / 1e6`` and ``np.maximum(x, 0.0)`` turns -0.0 into 0.0 and keeps
  NaN, as :func:`_round6` and :func:`_at_least` do (tests compare them with numpy on adversarial values);
- the cell of an instant is ``np.searchsorted(edges, t, side="right")`` (NaN after every edge), found by
  :func:`simulator.sim.binning.count_edges`: an even lookup table, then exact comparisons.

No ``fastmath`` and no ``parallel``: either would reorder the additions. The small helpers are inlined
(``inline="always"``) and have a single ``return``: numba does not inline a called function by itself, and an
inlined one with an early return left reference counting of its array arguments in the loop, which cost more
than the lookup.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from simulator.sim.binning import count_edges, count_edges_below, lookup_table
from simulator.sim.calllog import ABANDONED, ANSWERED, IVR_ABANDONED, IVR_CONTAINED, CallLog

__all__ = ["COUNT_NAMES", "SUM_NAMES", "queue_backlog", "tally_log"]

#: Rows of the counts array the kernel returns (calls per cell), in this order.
COUNT_NAMES = ("trunk_arrivals", "ivr_contained", "ivr_abandoned", "answered", "abandoned", "abandoned_short",
               "answered_within_threshold", "abandoned_within_threshold", "repeat_calls", "waited")
#: Rows of the sums array the kernel returns (seconds per cell), in this order.
SUM_NAMES = ("answer_wait_sum", "abandon_wait_sum", "handle_sum")
(_TRUNK, _IVR_CONTAINED, _IVR_ABANDONED, _ANSWERED, _ABANDONED, _SHORT, _ANSWERED_WITHIN, _ABANDONED_WITHIN,
 _REPEAT, _WAITED) = range(len(COUNT_NAMES))
_ANSWER_WAIT, _ABANDON_WAIT, _HANDLE = range(len(SUM_NAMES))


def _column(values: np.ndarray, dtype: type) -> np.ndarray:
    """A column as the kernels take it, one compiled signature each (C-contiguous, writeable): the engine stores
    a column it does not draw as a read-only stride-0 broadcast, copied here."""
    return np.require(values, dtype=dtype, requirements=["C", "W"])


def tally_log(log: CallLog, boundaries: np.ndarray, extended: np.ndarray, *, days: int, intervals: int,
              by_answer: bool, ring_in_wait: bool, acw_in_handle: bool, inclusive: bool, threshold: float,
              short_seconds: float, warmup: float,
              chunk_rows: int) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Tally ``log`` on a grid of ``days`` × ``intervals`` cells.

    Parameters
    ----------
    log : CallLog
        The call log, in any row order (sums are in row order).
    boundaries : array of float
        The inner edges of the flat cells ``day * intervals + interval`` (cell ``k`` ends at ``boundaries[k]``).
    extended : array of float
        The inner edges of the busy-time cells, ``intervals + 1`` per day (the last one: after closing).
    days, intervals : int
        The grid.
    by_answer : bool
        Book queue calls in the cell their wait ended in (else in the interval of the log).
    ring_in_wait, acw_in_handle, inclusive : bool
        ``asa_includes_ring``, ``acw_in_aht`` and ``threshold_inclusive`` of the definitions.
    threshold, short_seconds : float
        The service-level threshold and the short-abandon limit. [s]
    warmup : float
        Calls offered earlier are not counted; busy time is counted from there on. [s]
    chunk_rows : int
        Rows per chunk whose sums of doubles are added to the totals as one (see the module notes).

    Returns
    -------
    sums : dict
        ``{name: (days * intervals,) float array}`` for :data:`COUNT_NAMES`, :data:`SUM_NAMES` and
        ``offered``.
    busy : array of float
        Busy seconds inside the window on the (days, intervals + 1) grid, flat.
    after_closing : array of float
        Busy seconds after closing per day over the whole run.
    waits, wait_cells : array
        The answer wait and the flat cell of each answered call counted, in row order.
    """
    boundaries, extended = _column(boundaries, np.float64), _column(extended, np.float64)
    counts, seconds, busy, after, waits, wait_cells = _tally(
        _column(log.offered_at, np.float64), _column(log.queued_at, np.float64),
        _column(log.answered_at, np.float64), _column(log.abandoned_at, np.float64),
        _column(log.ring_seconds, np.float64), _column(log.talk_seconds, np.float64),
        _column(log.hold_seconds, np.float64), _column(log.acw_seconds, np.float64),
        _column(log.outcome, np.int8), _column(log.interval_offered, np.int32), _column(log.day, np.int32),
        _column(log.attempt, np.int16), boundaries, *lookup_table(boundaries), extended, *lookup_table(extended),
        int(days), int(intervals), bool(by_answer), bool(ring_in_wait), bool(acw_in_handle), bool(inclusive),
        float(threshold), float(short_seconds), float(warmup), max(int(chunk_rows), 1))
    sums = dict(zip(COUNT_NAMES, counts, strict=True)) | dict(zip(SUM_NAMES, seconds, strict=True))
    sums["offered"] = sums["answered"] + sums["abandoned"]  # counts: exact
    return sums, busy, after, waits, wait_cells


@njit(cache=True, nogil=True, inline="always")
def _round6(x: float) -> float:
    """``np.round(x, 6)``: numpy scales by 10**6, rounds half to even and scales back."""
    return np.rint(x * 1e6) / 1e6


@njit(cache=True, nogil=True, inline="always")
def _at_least(x: float, floor: float) -> float:
    """``np.maximum(x, floor)``: NaN stays NaN, and -0.0 against 0.0 gives 0.0 as numpy does."""
    return x if (x > floor or math.isnan(x)) else floor


@njit(cache=True, nogil=True, inline="always")
def _one_if(condition: bool) -> float:
    """1.0 or 0.0: counts add it without a branch (a mispredicted one costs more), exactly (integers)."""
    return 1.0 if condition else 0.0


@njit(cache=True, nogil=True, inline="always")
def _within(x: float, limit: float, inclusive: bool) -> bool:
    return x <= limit if inclusive else x < limit


@njit(cache=True, nogil=True)
def _span_total(parts: np.ndarray, cover: np.ndarray, inner: np.ndarray, out: np.ndarray) -> None:
    """``out += `` the booked spans per cell, as the numpy split summed them: 0 + same-cell spans + first parts
    + last parts + covered × cell length."""
    covered = 0
    for c in range(out.size):
        covered += cover[c]
        total = 0.0
        total += parts[0, c]
        total += parts[1, c]
        total += parts[2, c]
        total += float(covered) * inner[c]
        out[c] += total


@njit(cache=True, nogil=True)
def _tally(offered_at: np.ndarray, queued_at: np.ndarray, answered_at: np.ndarray, abandoned_at: np.ndarray,
           ring: np.ndarray, talk: np.ndarray, hold: np.ndarray, acw: np.ndarray, outcome: np.ndarray,
           interval_offered: np.ndarray, day: np.ndarray, attempt: np.ndarray, boundaries: np.ndarray,
           table: np.ndarray, origin: float, per_width: float, extended: np.ndarray, ext_table: np.ndarray,
           ext_origin: float, ext_per_width: float, days: int, n: int, by_answer: bool, ring_in_wait: bool,
           acw_in_handle: bool, inclusive: bool, threshold: float, short_seconds: float, warmup: float,
           chunk_rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rows = offered_at.size
    n_cells, n_ext = days * n, days * (n + 1)
    inner = np.zeros(n_ext)  # lengths of the busy cells with two finite edges
    for c in range(1, n_ext - 1):
        inner[c] = extended[c] - extended[c - 1]

    counts = np.zeros((len(COUNT_NAMES), n_cells))
    seconds = np.zeros((len(SUM_NAMES), n_cells))
    busy = np.zeros(n_ext)
    after = np.zeros(days)
    waits = np.empty(rows)
    wait_cells = np.empty(rows, dtype=np.int64)
    n_waits = 0
    # Per chunk: the sums of doubles, and the busy spans booked in two passes, 0: over the whole run (needed
    # with a warmup only), 1: inside the window. A span in one cell adds its length to parts[p, 0]; a longer
    # one its first and last parts to parts[p, 1] and parts[p, 2], and the cells between as +1/-1 in cover[p].
    chunk_seconds = np.zeros((len(SUM_NAMES), n_cells))
    parts = np.zeros((2, 3, n_ext))
    cover = np.zeros((2, n_ext + 1), dtype=np.int64)
    spans = np.zeros((2, n_ext))
    first_pass = 0 if warmup > 0 else 1

    for lo in range(0, max(rows, 1), chunk_rows):
        hi = min(lo + chunk_rows, rows)
        chunk_seconds[:] = 0.0
        parts[:] = 0.0
        cover[:] = 0
        # Counts and waits of the calls offered in the window. (Two loops over the chunk rather than one: the
        # smaller loop bodies run faster.)
        for i in range(lo, hi):
            if warmup > 0 and not offered_at[i] >= warmup:
                continue
            kind = outcome[i]
            cell = min(max(int(day[i]), 0), days - 1) * n + min(max(int(interval_offered[i]), 0), n - 1)
            if kind == ANSWERED:
                if by_answer:
                    cell = count_edges(boundaries, answered_at[i], table, origin, per_width)
                queue_wait = _at_least(_round6(answered_at[i] - ring[i] - queued_at[i]), 0.0)
                answer_wait = _round6(queue_wait + ring[i]) if ring_in_wait else queue_wait
                handle = talk[i] + hold[i]
                if acw_in_handle:
                    handle += acw[i]
                counts[_ANSWERED, cell] += 1.0
                counts[_ANSWERED_WITHIN, cell] += _one_if(_within(answer_wait, threshold, inclusive))
                counts[_WAITED, cell] += _one_if(queue_wait > 0)
                chunk_seconds[_ANSWER_WAIT, cell] += answer_wait
                chunk_seconds[_HANDLE, cell] += handle
                waits[n_waits] = answer_wait
                wait_cells[n_waits] = cell
                n_waits += 1
            elif kind == ABANDONED:
                if by_answer:
                    cell = count_edges(boundaries, abandoned_at[i], table, origin, per_width)
                wait = _at_least(_round6(abandoned_at[i] - queued_at[i]), 0.0)
                counts[_ABANDONED, cell] += 1.0
                counts[_SHORT, cell] += _one_if(_within(wait, short_seconds, inclusive))
                counts[_ABANDONED_WITHIN, cell] += _one_if(_within(wait, threshold, inclusive))
                counts[_WAITED, cell] += _one_if(wait > 0)
                chunk_seconds[_ABANDON_WAIT, cell] += wait
            elif kind == IVR_CONTAINED:
                counts[_IVR_CONTAINED, cell] += 1.0
            elif kind == IVR_ABANDONED:
                counts[_IVR_ABANDONED, cell] += 1.0
            counts[_TRUNK, cell] += 1.0
            counts[_REPEAT, cell] += _one_if(attempt[i] >= 2)

        # Busy time (ring + talk + hold + ACW from the seizure) of every answered call, whenever it arrived.
        for i in range(lo, hi):
            if outcome[i] != ANSWERED:
                continue
            start = answered_at[i] - ring[i]
            end = answered_at[i] + talk[i] + hold[i] + acw[i]
            for p in range(first_pass, 2):
                if p == 1 and warmup > 0:
                    start, end = _at_least(start, warmup), _at_least(end, warmup)
                if end > start:  # not empty, reversed or NaN
                    first = count_edges(extended, start, ext_table, ext_origin, ext_per_width)
                    last = first  # most spans end in the cell they start in: stepping beats a lookup
                    while last < n_ext - 1 and extended[last] <= end:
                        last += 1
                    if first == last:
                        parts[p, 0, first] += end - start
                    else:
                        parts[p, 1, first] += extended[first] - start
                        parts[p, 2, last] += end - extended[last - 1]
                        cover[p, first + 1] += 1
                        cover[p, last] -= 1

        # The chunk's sums join the totals as one, as the numpy version's ``sums += chunk`` did.
        seconds += chunk_seconds
        spans[:] = 0.0
        for p in range(first_pass, 2):
            _span_total(parts[p], cover[p], inner, spans[p])
        busy += spans[1]
        for d in range(days):  # after closing over the whole run: the window's when it is the whole run
            after[d] += spans[first_pass, d * (n + 1) + n]
    return counts, seconds, busy, after, waits[:n_waits], wait_cells[:n_waits]


def queue_backlog(log: CallLog, edges: np.ndarray) -> np.ndarray:
    """Per edge, the calls in the agent queue there: entered before the edge and left (seized by an agent, or
    hung up) after it. (len(edges),) int64."""
    edges = _column(edges, np.float64)
    return _queue_backlog(_column(log.outcome, np.int8), _column(log.queued_at, np.float64),
                          _column(log.answered_at, np.float64), _column(log.ring_seconds, np.float64),
                          _column(log.abandoned_at, np.float64), edges, *lookup_table(edges))


@njit(cache=True, nogil=True)
def _queue_backlog(outcome: np.ndarray, queued_at: np.ndarray, answered_at: np.ndarray, ring: np.ndarray,
                   abandoned_at: np.ndarray, edges: np.ndarray, table: np.ndarray, origin: float,
                   per_width: float) -> np.ndarray:
    # +1 at the first edge after the entry (the count of edges <= it), -1 at the first edge at or after the
    # departure (the count of edges < it); the running sum over the edges is the backlog at each.
    m = edges.size
    step = np.zeros(m + 1, dtype=np.int64)
    for i in range(outcome.size):
        kind = outcome[i]
        if kind != ANSWERED and kind != ABANDONED:  # an IVR outcome: never queued
            continue
        left = answered_at[i] - ring[i] if kind == ANSWERED else abandoned_at[i]
        step[count_edges(edges, queued_at[i], table, origin, per_width)] += 1
        step[count_edges_below(edges, left, table, origin, per_width)] -= 1
    backlog = np.empty(m, dtype=np.int64)
    waiting = 0
    for j in range(m):
        waiting += step[j]
        backlog[j] = waiting
    return backlog

"""The compiled tally of a call log (simulator.sim.tally) gives the numpy tally's doubles, to the bit.

The oracle below is the numpy tally that :func:`simulator.metrics.cell_sums` ran before the kernel replaced it
(chunked rows, ``bincount``s, the exact split of busy spans), transcribed with ``np.searchsorted`` for the cell
lookup. Every quote the product prints depends on these sums, so they are compared bit for bit (signed zeros
and NaN included), not to a tolerance.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from dataclasses import replace
from itertools import product
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import simulator.metrics as metrics
from simulator.distributions import Deterministic, Empirical, Exponential, Gamma, Lognormal, Weibull
from simulator.metrics import _SUM_NAMES, CellSums, cell_sums
from simulator.scenario.model import Definitions
from simulator.sim import CentreModel, SimulationResult, simulate
from simulator.sim.calllog import ABANDONED, ANSWERED, IVR_ABANDONED, IVR_CONTAINED, OUTCOMES, CallLog
from tests.sim.test_engine_invariants import SETTINGS, centre_models
from tests.sim.test_fastpath import centre as fastpath_centre
from tests.sim.test_metrics import INTERVAL, Grid, abandoned, answered, ivr_call, make_result


# ---------------------------------------------------------------------------------------------------------
# The oracle: the numpy tally as it was (simulator/metrics.py before the compiled kernel)
# ---------------------------------------------------------------------------------------------------------
def oracle_cell_sums(result: SimulationResult, definitions: Definitions, threshold: float, warmup: float = 0.0,
                     chunk_rows: int = 1 << 17) -> CellSums:
    return oracle_tally(result, definitions, threshold, warmup, chunk_rows)[0]


def oracle_tally(result: SimulationResult, definitions: Definitions, threshold: float, warmup: float,
                 chunk_rows: int) -> tuple[CellSums, np.ndarray, np.ndarray]:
    """The cell sums, and the busy seconds on the (day, interval + after closing) grid in the window and after
    closing over the whole run."""
    days, n = int(result.days), int(result.interval_count)
    width = float(result.interval_seconds)
    day_start = np.arange(days)[:, None] * float(result.day_seconds) + float(result.open_seconds)
    interval_start = day_start + np.arange(n)[None, :] * width
    boundaries = interval_start.ravel()[1:]
    extended = (day_start + np.arange(n + 1)[None, :] * width).ravel()[1:]
    log = result.log
    sums = {name: np.zeros(days * n) for name in _SUM_NAMES if name not in ("busy_seconds", "staffed_seconds")}
    busy_ext, after_all = np.zeros((days, n + 1)), np.zeros(days)
    waits, wait_cells = [], []
    for first in range(0, max(len(log), 1), chunk_rows):
        rows = slice(first, first + chunk_rows)
        chunk, chunk_waits, chunk_cells = oracle_rows(log, rows, boundaries, days, n, definitions, threshold,
                                                      warmup)
        for name, values in chunk.items():
            sums[name] += values
        waits.append(chunk_waits)
        wait_cells.append(chunk_cells)
        in_window, after = oracle_busy(log, rows, extended, days, n, warmup)
        busy_ext += in_window
        after_all += after
    busy = busy_ext[:, :n].copy()
    busy[:, -1] += busy_ext[:, n]
    sums["busy_seconds"] = busy.ravel()
    staffed = np.asarray(result.staffed_seconds, dtype=float)
    if warmup > 0:
        nominal = staffed.copy()
        nominal[:, -1] = np.maximum(nominal[:, -1] - after_all, 0.0)
        staffed = nominal * np.clip((interval_start + width - warmup) / width, 0.0, 1.0)
        staffed[:, -1] += busy_ext[:, n]
    sums["staffed_seconds"] = staffed.ravel()
    return (CellSums({name: sums[name].reshape(days, n) for name in _SUM_NAMES}, np.concatenate(waits),
                     np.concatenate(wait_cells)), busy_ext.ravel(), after_all)


def oracle_rows(log: CallLog, rows: slice, boundaries: np.ndarray, days: int, n: int, definitions: Definitions,
                threshold: float, warmup: float) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    keep = np.flatnonzero(np.asarray(log.offered_at[rows]) >= warmup) if warmup > 0 else None

    def column(name: str) -> np.ndarray:
        values = np.asarray(getattr(log, name)[rows])
        return values if keep is None else values[keep]

    outcome = column("outcome")
    is_answered, is_abandoned = np.flatnonzero(outcome == ANSWERED), np.flatnonzero(outcome == ABANDONED)
    cell = np.clip(column("day").astype(np.int64), 0, days - 1) * n
    cell += np.clip(column("interval_offered"), 0, n - 1)
    answered_at, abandoned_at = column("answered_at")[is_answered], column("abandoned_at")[is_abandoned]
    if definitions.interval_attribution == "answered":
        cell[is_answered] = np.searchsorted(boundaries, answered_at, side="right")
        cell[is_abandoned] = np.searchsorted(boundaries, abandoned_at, side="right")
    cell_answered, cell_abandoned = cell[is_answered], cell[is_abandoned]
    queued_at = column("queued_at")
    ring = column("ring_seconds")[is_answered]
    queue_wait = np.maximum(np.round(answered_at - ring - queued_at[is_answered], 6), 0.0)
    answer_wait = np.round(queue_wait + ring, 6) if definitions.asa_includes_ring else queue_wait
    abandon_wait = np.maximum(np.round(abandoned_at - queued_at[is_abandoned], 6), 0.0)
    handle = column("talk_seconds")[is_answered] + column("hold_seconds")[is_answered]
    if definitions.acw_in_aht:
        handle += column("acw_seconds")[is_answered]
    inclusive = definitions.threshold_inclusive

    def within(values: np.ndarray, limit: float) -> np.ndarray:
        return values <= limit if inclusive else values < limit

    def count(cells: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(cells if mask is None else cells[mask], minlength=days * n).astype(np.float64)

    def total(cells: np.ndarray, values: np.ndarray) -> np.ndarray:
        return np.bincount(cells, weights=values, minlength=days * n)

    sums = {
        "trunk_arrivals": count(cell),
        "ivr_contained": count(cell, outcome == IVR_CONTAINED),
        "ivr_abandoned": count(cell, outcome == IVR_ABANDONED),
        "answered": count(cell_answered),
        "abandoned": count(cell_abandoned),
        "abandoned_short": count(cell_abandoned, within(abandon_wait, definitions.short_abandon_seconds)),
        "answered_within_threshold": count(cell_answered, within(answer_wait, threshold)),
        "abandoned_within_threshold": count(cell_abandoned, within(abandon_wait, threshold)),
        "repeat_calls": count(cell, column("attempt") >= 2),
        "waited": count(cell_answered, queue_wait > 0) + count(cell_abandoned, abandon_wait > 0),
        "answer_wait_sum": total(cell_answered, answer_wait),
        "abandon_wait_sum": total(cell_abandoned, abandon_wait),
        "handle_sum": total(cell_answered, handle),
    }
    sums["offered"] = sums["answered"] + sums["abandoned"]
    return sums, answer_wait, cell_answered


def oracle_busy(log: CallLog, rows: slice, extended: np.ndarray, days: int, n: int,
                warmup: float) -> tuple[np.ndarray, np.ndarray]:
    is_answered = np.flatnonzero(np.asarray(log.outcome[rows]) == ANSWERED)

    def column(name: str) -> np.ndarray:
        return np.asarray(getattr(log, name)[rows])[is_answered]

    seized = column("answered_at") - column("ring_seconds")
    finished = column("answered_at") + column("talk_seconds") + column("hold_seconds") + column("acw_seconds")
    cells = days * (n + 1)
    after = np.zeros(days)
    if warmup > 0:
        after = oracle_split(seized, finished, extended, cells).reshape(days, n + 1)[:, n]
        seized, finished = np.maximum(seized, warmup), np.maximum(finished, warmup)
    in_window = oracle_split(seized, finished, extended, cells).reshape(days, n + 1)
    if warmup <= 0:
        after = in_window[:, n].copy()
    return in_window, after


def oracle_split(start: np.ndarray, end: np.ndarray, boundaries: np.ndarray, n_cells: int) -> np.ndarray:
    total = np.zeros(n_cells)
    spans = end > start
    start, end = start[spans], end[spans]
    if start.size == 0:
        return total
    edges = np.concatenate(([-np.inf], boundaries, [np.inf]))
    k_start = np.searchsorted(boundaries, start, side="right")
    k_end = np.searchsorted(boundaries, end, side="right")
    same = k_start == k_end
    total += np.bincount(k_start[same], weights=(end - start)[same], minlength=n_cells)
    split = ~same
    ks, ke = k_start[split], k_end[split]
    total += np.bincount(ks, weights=edges[ks + 1] - start[split], minlength=n_cells)
    total += np.bincount(ke, weights=end[split] - edges[ke], minlength=n_cells)
    cover = np.bincount(ks + 1, minlength=n_cells + 1) - np.bincount(ke, minlength=n_cells + 1)
    covered = np.cumsum(cover)[:n_cells].astype(float)
    inner = np.zeros(n_cells)
    if n_cells > 2:
        inner[1:-1] = np.diff(boundaries)
    total += covered * inner
    return total


# ---------------------------------------------------------------------------------------------------------
# Comparison to the bit
# ---------------------------------------------------------------------------------------------------------
def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def assert_same_tally(result: SimulationResult, definitions: Definitions, threshold: float,
                      warmup: float = 0.0, chunk_rows: int | None = None) -> CellSums:
    chunk_rows = metrics._CHUNK_ROWS if chunk_rows is None else chunk_rows
    expected = oracle_cell_sums(result, definitions, threshold, warmup, chunk_rows)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(metrics, "_CHUNK_ROWS", chunk_rows)
        got = cell_sums(result, definitions, threshold, warmup)
    assert got.grid.keys() == expected.grid.keys()
    for name in _SUM_NAMES:
        assert same_bits(got.grid[name], expected.grid[name]), (name, got.grid[name], expected.grid[name])
    assert same_bits(got.waits, expected.waits)
    assert same_bits(got.wait_cells, expected.wait_cells)
    return got


def centre(**kw: object) -> CentreModel:
    """The fast path tests' small centre, over three days."""
    return fastpath_centre(**{"days": 3, **kw})


MODELS = {
    "time-varying staffing": centre(agents=np.array([[0, 6, 9, 0, 4, 2], [3, 3, 0, 8, 9, 0], [2, 6, 9, 8, 4, 2]])),
    "lognormal times, ring, IVR": centre(patience=Lognormal(mean=90.0, cv=1.3), talk=Lognormal(mean=200.0, cv=0.8),
                                         hold=Weibull(mean=20.0, cv=1.5), acw=Gamma(mean=40.0, cv=0.5),
                                         ring=Exponential(mean=6.0), ivr_navigation=Lognormal(mean=45.0, cv=0.6),
                                         ivr_containment=0.2, ivr_abandon=0.08),
    "repeats and redials": centre(fcr=0.6, repeat_delay=Exponential(mean=4 * 3600.0), redial_probability=0.5,
                                  redial_delay=Exponential(mean=600.0), ring=Deterministic(mean=4.0),
                                  acw=Exponential(mean=30.0)),
    "deterministic ties": centre(talk=Deterministic(mean=180.0), patience=Deterministic(mean=20.0),
                                 ivr_navigation=Empirical(samples=(10.0, 20.0)), ivr_containment=0.1,
                                 ring=Deterministic(mean=5.0), fcr=0.5, repeat_delay=Deterministic(mean=900.0),
                                 redial_probability=0.5, redial_delay=Deterministic(mean=50.0)),
    "open round the clock": centre(open_seconds=0.0, interval_seconds=14400.0, fcr=0.7,
                                   repeat_delay=Exponential(mean=7200.0)),
    "overload, patient callers": centre(patience=None, agents=np.array([1, 2, 2, 2, 1, 1]),
                                        talk=Lognormal(mean=600.0, cv=1.5)),
}


@functools.cache
def simulated(name: str) -> SimulationResult:
    return simulate(MODELS[name], seed=3, ordered=False)


# Every definition that changes a cell sum (the SL definition and the aggregation only change the roll-up).
DEFINITIONS = [Definitions(interval_attribution=a, asa_includes_ring=r, acw_in_aht=h, threshold_inclusive=i,
                           short_abandon_seconds=s)
               for a, r, h, i, s in product(["offered", "answered"], [False, True], [False, True], [True, False],
                                            [0.0, 5.0])]


# ---------------------------------------------------------------------------------------------------------
# The scalar pieces against numpy
# ---------------------------------------------------------------------------------------------------------
def adversarial_values() -> np.ndarray:
    rng = np.random.default_rng(7)
    halves = (np.arange(-2000, 2000) + 0.5) / 1e6  # k + 1/2 microseconds, and their neighbours
    tiny = np.array([-0.0, 0.0, -1e-7, -4.9e-7, -5e-7, -5.1e-7, 1e-7, 5e-7, -1e-300, 5e-324, -5e-324])
    return np.concatenate([
        halves, np.nextafter(halves, np.inf), np.nextafter(halves, -np.inf), tiny,
        rng.uniform(-100, 100, 20_000), rng.exponential(30.0, 20_000) - rng.exponential(30.0, 20_000),
        rng.uniform(0, 3e6, 10_000), 10.0 ** rng.uniform(-12, 300, 2000), -(10.0 ** rng.uniform(-12, 300, 2000)),
        np.round(rng.uniform(0, 1000, 5000), 6) + 0.5e-6,
        [np.nan, np.inf, -np.inf, 1.7e302, 1.8e303, -1.8e303, 4503599627370495.5, 2.0 ** 52 + 1, 0.5, 1.5, 2.5]])


def test_round_and_maximum_are_numpys_to_the_bit() -> None:
    from simulator.sim import tally

    x = adversarial_values()
    rounded = np.array([tally._round6(v) for v in x])
    with np.errstate(over="ignore"):  # numpy scales 1.8e303 to inf, as the kernel does
        assert same_bits(rounded, np.round(x, 6))
    floored = np.array([tally._at_least(v, 0.0) for v in rounded])
    assert same_bits(floored, np.maximum(rounded, 0.0))
    assert same_bits(np.array([tally._at_least(v, 7.5) for v in x]), np.maximum(x, 7.5))


# ---------------------------------------------------------------------------------------------------------
# Simulated logs
# ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("warmup", [0.0, 86400.0 + 9.25 * 3600.0])
def test_simulated_logs_under_every_definition(name: str, warmup: float) -> None:
    result = simulated(name)
    assert len(result.log) > 300
    for definitions in DEFINITIONS:
        for threshold in (0.0, 20.0):
            assert_same_tally(result, definitions, threshold, warmup)


@pytest.mark.parametrize("name", list(MODELS))
def test_busy_time_after_closing_over_the_whole_run(name: str) -> None:
    # Only days the window cuts use it, and there it equals the busy time in the window: compared directly.
    from simulator.sim.tally import tally_log

    result = simulated(name)
    geometry = metrics._Geometry(result)
    for warmup, chunk_rows in product([0.0, 30000.0, 86400.0 + 9.25 * 3600.0, 2 * 86400.0], [97, 1 << 17]):
        _, busy, after = oracle_tally(result, DEFINITIONS[0], 20.0, warmup, chunk_rows)
        _, got_busy, got_after, _, _ = tally_log(
            result.log, geometry.boundaries, geometry.extended, days=result.days, intervals=result.interval_count,
            by_answer=False, ring_in_wait=False, acw_in_handle=True, inclusive=True, threshold=20.0,
            short_seconds=5.0, warmup=warmup, chunk_rows=chunk_rows)
        assert same_bits(got_busy, busy) and same_bits(got_after, after), warmup


@pytest.mark.parametrize("name", list(MODELS))
def test_small_chunks_are_added_in_the_same_order(name: str) -> None:
    for definitions in (DEFINITIONS[0], DEFINITIONS[-1]):
        for warmup in (0.0, 9.5 * 3600.0):
            assert_same_tally(simulated(name), definitions, 20.0, warmup, chunk_rows=97)


def test_a_log_longer_than_one_chunk() -> None:
    # One cell holds every call, so each chunk's partial sums decide the last bits of the totals.
    model = CentreModel.stationary(calls_per_hour=36_000, aht_seconds=200, agents=2005, hours=4.0,
                                   patience_seconds=60)
    result = simulate(replace(model, ring=Exponential(mean=3.0), acw=Lognormal(mean=20.0, cv=1.0)), seed=1,
                      ordered=False)
    assert len(result.log) > metrics._CHUNK_ROWS
    for definitions in (DEFINITIONS[0], DEFINITIONS[-1]):
        assert_same_tally(result, definitions, 20.0)
    assert_same_tally(result, DEFINITIONS[5], 20.0, warmup=900.0)
    # The chunk order is what the test checks: one running sum over the whole log is another double.
    one_sum = oracle_cell_sums(result, DEFINITIONS[0], 20.0, chunk_rows=len(result.log))
    chunked = cell_sums(result, DEFINITIONS[0], 20.0)
    assert not all(same_bits(one_sum.grid[k], chunked.grid[k]) for k in ("answer_wait_sum", "handle_sum"))


@settings(SETTINGS, max_examples=25)
@given(model=centre_models(), seed=st.integers(0, 2**16), definitions=st.sampled_from(DEFINITIONS),
       warmup=st.sampled_from([0.0, 1800.0, 30000.0]), threshold=st.sampled_from([0.0, 15.0, 20.0]))
def test_random_centres(model: CentreModel, seed: int, definitions: Definitions, warmup: float,
                        threshold: float) -> None:
    assert_same_tally(simulate(model, seed=seed, ordered=seed % 2 == 0), definitions, threshold, warmup)


# ---------------------------------------------------------------------------------------------------------
# Hand-made logs: empty, instants on the edges, NaN, out-of-range indices
# ---------------------------------------------------------------------------------------------------------
def test_an_empty_log() -> None:
    grid = Grid(days=2, intervals=3, open_seconds=3600.0, staffed=np.full((2, 3), 1800.0))
    for definitions in (DEFINITIONS[0], DEFINITIONS[-1]):
        for warmup in (0.0, 4000.0):
            got = assert_same_tally(make_result([], grid), definitions, 20.0, warmup)
            assert got.waits.size == 0 and got.wait_cells.dtype == np.int64


def edge_log() -> SimulationResult:
    """Calls queued, answered, hung up, seized and finished exactly on interval edges and closing times,
    waits of exactly T and of half microseconds, zero-length and spans across the night."""
    grid = Grid(days=2, intervals=3, open_seconds=3600.0, day_seconds=86400.0,
                staffed=np.array([[1800.0, 3600.0, 5400.0], [900.0, 0.0, 7200.0]]))
    edge = [3600.0 + k * INTERVAL for k in range(4)] + [86400.0 + 3600.0 + k * INTERVAL for k in range(4)]
    calls = []
    for e in edge:
        calls += [answered(e, 0.0, talk=INTERVAL), answered(e - 20.0, 20.0, talk=0.0),
                  answered(e - 7.0, 7.0, ring=3.0, talk=INTERVAL * 5, acw=13.0),
                  answered(e - 1.0, 1.0 - 1e-12, talk=1.5), answered(e + 0.25, 2.5e-6, talk=4.0 * 86400.0),
                  answered(e, 20.0, ring=0.5e-6, hold=1.0), abandoned(e - 5.0, 5.0), abandoned(e - 20.0, 20.0),
                  abandoned(e, 0.0), abandoned(e - 2.0, 2.0 + 0.5e-6), ivr_call(e), ivr_call(e, "ivr_abandoned"),
                  answered(e - 30.0, 10.0, attempt=2), abandoned(e - 30.0, 20.0000005, attempt=3)]
    return make_result(calls, grid)


@pytest.mark.parametrize("definitions", [*DEFINITIONS[::3], DEFINITIONS[-1]])
def test_instants_exactly_on_interval_edges(definitions: Definitions) -> None:
    result = edge_log()
    for warmup in (0.0, 3600.0 + INTERVAL, 86400.0 + 3600.0):
        for threshold in (0.0, 5.0, 20.0):
            assert_same_tally(result, definitions, threshold, warmup)
    assert_same_tally(result, definitions, 20.0, 5400.0, chunk_rows=5)


def test_spans_ending_exactly_on_an_edge() -> None:
    # A span ending on an edge is split there (its last part is 0.0): which partial sum its length joins
    # changes the rounding of the cell's busy seconds, so fractional lengths are mixed with the others here.
    rng = np.random.default_rng(11)
    grid = Grid(days=1, intervals=3, open_seconds=3600.0, staffed=np.full((1, 3), 1800.0))
    calls = []
    for edge in (3600.0 + INTERVAL, 3600.0 + 2 * INTERVAL):
        for start in edge - rng.uniform(0.0, INTERVAL, 40):
            calls.append(answered(float(start), 0.0, talk=edge - float(start)))  # ends on the edge, exactly
        for start in edge - rng.uniform(0.0, INTERVAL, 40):
            calls.append(answered(float(start), 0.0, talk=float(rng.uniform(0.0, 600.0))))
    result = make_result(calls, grid)
    ends = result.log.answered_at + result.log.talk_seconds
    assert np.isin(ends, [3600.0 + INTERVAL, 3600.0 + 2 * INTERVAL]).sum() == 80
    assert_same_tally(result, DEFINITIONS[0], 20.0)


def oracle_carried_in(result: SimulationResult) -> np.ndarray:
    """The numpy backlog that :func:`simulator.risk.reduction.carried_in` computed before the kernel: entries
    counted by ``searchsorted(.., "right")``, departures by ``searchsorted(.., "left")``, both summed up."""
    log = result.log
    queued = log.outcome == ANSWERED
    in_queue = queued | (log.outcome == ABANDONED)
    left = np.where(queued, log.answered_at - log.ring_seconds, log.abandoned_at)[in_queue]
    edges = (np.arange(result.days)[:, None] * result.day_seconds + result.open_seconds
             + np.arange(result.interval_count)[None, :] * result.interval_seconds).reshape(-1)
    bins = edges.size + 1
    entered = np.cumsum(np.bincount(np.searchsorted(edges, log.queued_at[in_queue], "right"), minlength=bins))
    gone = np.cumsum(np.bincount(np.searchsorted(edges, left, "left"), minlength=bins))
    waiting = (entered[:-1] - gone[:-1]).reshape(result.days, result.interval_count)
    return np.asarray(waiting.sum(axis=0), dtype=float)


def test_the_queue_backlog_at_interval_starts() -> None:
    """Calls entering or leaving the queue exactly on an edge, and simulated months: the compiled backlog
    equals the numpy count."""
    from simulator.risk.reduction import carried_in

    results = [edge_log(), *(simulated(name) for name in MODELS)]
    for result in results:
        expected = oracle_carried_in(result)
        assert np.array_equal(carried_in(result), expected)
    assert sum(oracle_carried_in(result).sum() for result in results) > 0


def with_columns(result: SimulationResult, **columns: Any) -> SimulationResult:
    log = result.log
    values = {name: np.array(getattr(log, name)) for name in log.__dataclass_fields__ if name != "root"}
    for name, changes in columns.items():
        for row, value in changes.items():
            values[name][row] = value
    return replace(result, log=CallLog(**values))


def test_nan_instants_and_out_of_range_indices() -> None:
    result = edge_log()
    rows = {o: np.flatnonzero(result.log.outcome == OUTCOMES.index(o)) for o in OUTCOMES}
    a, b = rows["answered"], rows["abandoned"]
    broken = with_columns(
        result,
        answered_at={a[0]: np.nan, a[5]: np.inf},
        queued_at={a[1]: np.nan, b[0]: np.nan},
        abandoned_at={b[1]: np.nan, b[2]: -np.inf},
        offered_at={a[2]: np.nan, rows["ivr_contained"][0]: np.nan},
        talk_seconds={a[3]: np.nan, a[4]: -50.0},
        ring_seconds={a[6]: np.nan},
        day={a[7]: 7, b[3]: -1, rows["ivr_abandoned"][0]: 99},
        interval_offered={a[8]: -1, b[4]: 12, rows["ivr_contained"][1]: 3},
    )
    for definitions in (DEFINITIONS[0], DEFINITIONS[5], DEFINITIONS[10], DEFINITIONS[-1]):
        for warmup in (0.0, 3700.0):
            assert_same_tally(broken, definitions, 20.0, warmup)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), days=st.integers(1, 3), intervals=st.integers(1, 4),
       definitions=st.sampled_from(DEFINITIONS), warmup=st.sampled_from([0.0, 3600.0, 5400.0, 90000.0]),
       chunk=st.sampled_from([1, 3, 1 << 17]))
def test_random_hand_made_logs(data: st.DataObject, days: int, intervals: int, definitions: Definitions,
                               warmup: float, chunk: int) -> None:
    grid = Grid(days=days, intervals=intervals, open_seconds=3600.0)
    edges = [d * 86400.0 + 3600.0 + k * INTERVAL for d in range(days) for k in range(intervals + 1)]
    instant = st.sampled_from(edges) | st.floats(0, days * 86400.0)
    duration = st.sampled_from([0.0, 0.5e-6, 2.5e-6, 20.0, INTERVAL]) | st.floats(0, 5 * INTERVAL)
    call = st.one_of(
        st.builds(answered, instant, duration, talk=duration, ring=duration, acw=duration, hold=duration,
                  attempt=st.integers(1, 3)),
        st.builds(abandoned, instant, duration, attempt=st.integers(1, 3)),
        st.builds(ivr_call, instant, st.sampled_from(["ivr_contained", "ivr_abandoned"])),
    )
    result = make_result(data.draw(st.lists(call, max_size=30)), grid)
    assert_same_tally(result, definitions, data.draw(st.sampled_from([0.0, 20.0])), warmup, chunk_rows=chunk)


# ---------------------------------------------------------------------------------------------------------
# Compiled once
# ---------------------------------------------------------------------------------------------------------
PROBE = """
import functools
import json
import numpy as np
from numba.core.registry import CPUDispatcher
from simulator.metrics import cell_sums
from simulator.scenario.model import Definitions
from simulator.sim import CentreModel, simulate, tally

result = simulate(CentreModel.stationary(calls_per_hour=360, aht_seconds=240, agents=28, hours=2,
                                         patience_seconds=120), seed=1)
cell_sums(result, Definitions(), 20.0)
empty = simulate(CentreModel.stationary(calls_per_hour=0, aht_seconds=240, agents=1, hours=1), seed=1)
cell_sums(empty, Definitions(), 20.0)  # read-only columns of length 0: the same signature
stats = {name: [sum(f.stats.cache_hits.values()), sum(f.stats.cache_misses.values()), len(f.signatures)]
         for name, f in vars(tally).items() if isinstance(f, CPUDispatcher) and f.signatures}
print(json.dumps(stats))
"""


def test_a_second_process_loads_the_kernel_from_the_cache() -> None:
    def probe() -> dict[str, list[int]]:
        out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
        return dict(json.loads(out.stdout.strip().splitlines()[-1]))

    probe()  # compiles whatever this checkout has not compiled yet
    stats = probe()
    assert stats["_tally"][2] == 1  # one signature, whatever the layout of the log's columns
    assert not {name: counts for name, counts in stats.items() if counts[1] > 0 or counts[0] == 0}, stats


def test_the_metrics_module_does_not_load_numba() -> None:
    code = "import sys, simulator.metrics; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

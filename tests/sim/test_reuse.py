"""Draws kept between runs at other staffings (:mod:`simulator.sim.reuse`): a run that takes them gives the call
log a fresh run gives, to the bit, and leaves them as it found them; the cache keeps to its budget."""

from __future__ import annotations

import dataclasses
from dataclasses import fields

import numpy as np
import pytest

from simulator.distributions import Exponential, Lognormal
from simulator.sim import CentreModel, simulate
from simulator.sim.draws import Trace
from simulator.sim.reuse import DrawCache, model_key, seed_key
from tests.sim.test_fastpath import MODELS, assert_same, centre


def staffed(model: CentreModel, scale: float) -> CentreModel:
    """``model`` with its staffing scaled (at least one agent where it had any)."""
    agents = np.where(model.agents > 0, np.maximum(1, np.round(model.agents * scale)), 0).astype(int)
    return dataclasses.replace(model, agents=agents)


def snapshot(cache: DrawCache) -> list[np.ndarray]:
    """Copies of every array the cache holds."""
    out = []
    for entry in cache._entries.values():
        out += [getattr(entry.draws, f.name).copy() for f in fields(entry.draws)
                if getattr(entry.draws, f.name) is not None]
        out.append(entry.order.copy())
        out += [np.concatenate(blocks) for blocks in entry.pool.blocks.values() if blocks]
    return out


@pytest.mark.parametrize("name", list(MODELS))
def test_a_month_at_another_staffing_is_the_month_drawn_afresh(name: str) -> None:
    """The same seed at four staffings, one of them twice, through one cache: each log equals a fresh run's (sorted
    or not), the later runs take the kept draws, and no run changes them (the staffing cut hard, so that more
    callers abandon, redial and need pool rows the first run did not draw)."""
    cache = DrawCache()
    seed = np.random.SeedSequence(11).spawn(3)[2]
    before: list[np.ndarray] | None = None
    for k, scale in enumerate((1.0, 1.3, 1.0, 0.5, 0.8)):
        model = staffed(MODELS[name], scale)
        for ordered in (True, False):
            assert_same(simulate(model, seed=seed, reuse=cache, ordered=ordered),
                        simulate(model, seed=seed, ordered=ordered))
        if before is not None:
            kept = snapshot(cache)
            for old, new in zip(before, kept, strict=False):  # pool rows drawn since then come after the old ones
                np.testing.assert_array_equal(new[: len(old)], old)
        before = snapshot(cache)
        assert (cache.hits, cache.misses) == (2 * k + 1, 1)


def test_the_kept_draws_are_not_the_log_s_even_without_repeat_calls() -> None:
    """Without repeat calls a fresh run hands its draws to the log to be edited in place; a run on kept draws
    must copy them, or the next run would read the last one's outcomes."""
    model = centre(patience=Lognormal(mean=60.0, cv=1.0), acw=Exponential(mean=30.0), agents=np.full(6, 3))
    assert not model.repeats_enabled
    cache = DrawCache()
    first = simulate(model, seed=5, reuse=cache)
    kept = snapshot(cache)
    first.log.talk_seconds[:] = -1.0  # a caller may edit its log: the cache must not see it
    assert_same(simulate(staffed(model, 2.0), seed=5, reuse=cache), simulate(staffed(model, 2.0), seed=5))
    for old, new in zip(kept, snapshot(cache), strict=True):
        np.testing.assert_array_equal(old, new)
    assert cache.hits == 1


def test_anything_but_the_staffing_is_another_entry() -> None:
    base = MODELS["repeats and redials"]
    key = model_key(base)
    assert model_key(staffed(base, 2.0)) == key
    for change in (dict(arrival_rate=base.arrival_rate * (1 + 1e-12)), dict(talk=Exponential(mean=240.000001)),
                   dict(fcr=0.61), dict(day_cv=0.1), dict(redial_delay=Lognormal(mean=600.0, cv=1.0))):
        other = dataclasses.replace(base, **change)  # type: ignore[arg-type]
        assert model_key(other) != key, change
    seeds = [0, 1, np.random.SeedSequence(0), np.random.SeedSequence(0).spawn(2)[1], np.random.SeedSequence(1)]
    assert len({seed_key(s) for s in seeds}) == len(seeds)
    assert seed_key(np.random.SeedSequence(4).spawn(3)[2]) == seed_key(np.random.SeedSequence(4).spawn(5)[2])


def test_another_model_or_seed_draws_its_own() -> None:
    cache = DrawCache()
    base = MODELS["IVR"]
    busier = dataclasses.replace(base, arrival_rate=base.arrival_rate * 1.1)
    for model, seed in ((base, 1), (busier, 1), (base, 2), (busier, 2)):
        assert_same(simulate(model, seed=seed, reuse=cache), simulate(model, seed=seed))
    assert (cache.hits, cache.misses, len(cache)) == (0, 4, 4)


def test_the_simpy_engine_and_traces_draw_as_usual() -> None:
    cache = DrawCache()
    model = MODELS["repeats and redials"]
    assert_same(simulate(model, seed=2, engine="simpy", reuse=cache), simulate(model, seed=2, engine="simpy"))
    trace = Trace(offered_at=[8 * 3600.0 + 10.0, 8 * 3600.0 + 20.0])
    assert_same(simulate(model, seed=2, trace=trace, reuse=cache), simulate(model, seed=2, trace=trace))
    assert (cache.hits, cache.misses, len(cache)) == (0, 0, 0)


def test_the_cache_keeps_to_its_budget_and_the_earliest_months() -> None:
    """Months 0-5 of one model, then of another: the cache never holds more than its budget (pool rows drawn
    after a month was kept included); it keeps the earliest months of the first model, then gives way to the
    second model's equal months (used more recently); a single entry larger than the budget is not kept."""
    months = np.random.SeedSequence(3).spawn(6)
    with_pool = MODELS["repeats and redials"]
    cache = DrawCache(budget=int(3.5 * _size(with_pool, months[0])))
    for scale in (1.0, 0.5):  # at half the staffing more callers redial: the kept pools draw more rows
        for seed in months:
            simulate(staffed(with_pool, scale), seed=seed, reuse=cache)
            assert cache.nbytes <= cache.budget
    assert 0 < len(cache) < 6 and 0 in {key[1][2][-1] for key in cache._entries}

    # Entries of about the same size (no pool, thousands of calls) for the order of eviction.
    first = centre(days=20, ivr_navigation=Lognormal(mean=45.0, cv=0.6), ivr_containment=0.2)
    second = dataclasses.replace(first, arrival_rate=first.arrival_rate * 1.01)
    cache = DrawCache(budget=int(3.5 * _size(first, months[0])))
    for seed in months:
        simulate(first, seed=seed, reuse=cache)
        assert cache.nbytes <= cache.budget
    assert sorted(key[1][2][-1] for key in cache._entries) == [0, 1, 2]
    for seed in months[:2]:
        simulate(second, seed=seed, reuse=cache)
        assert cache.nbytes <= cache.budget
    kept = {(key[0] == model_key(second), key[1][2][-1]) for key in cache._entries}
    assert kept == {(False, 0), (True, 0), (True, 1)}
    # Taken again, a kept month is a hit and an evicted one drawn again.
    hits, misses = cache.hits, cache.misses
    simulate(second, seed=months[0], reuse=cache)
    simulate(first, seed=months[5], reuse=cache)
    assert (cache.hits - hits, cache.misses - misses) == (1, 1)

    tiny = DrawCache(budget=_size(first, months[0]) // 2)
    assert_same(simulate(first, seed=months[0], reuse=tiny), simulate(first, seed=months[0]))
    assert len(tiny) == 0 and tiny.nbytes == 0


def _size(model: CentreModel, seed: np.random.SeedSequence) -> int:
    probe = DrawCache()
    simulate(model, seed=seed, reuse=probe)
    return probe.nbytes


def test_threads_sharing_a_cache_get_the_logs_of_fresh_runs() -> None:
    """Dask workers run tasks on threads, and the compiled pass releases the interpreter lock: runs of the same
    months on one cache at once must neither share an entry (a run's pool may draw more rows) nor mix them up."""
    from concurrent.futures import ThreadPoolExecutor

    base = MODELS["repeats and redials"]
    seeds = np.random.SeedSequence(9).spawn(2)
    jobs = [(scale, seed) for _ in range(6) for scale in (0.5, 1.0, 1.5) for seed in seeds]
    expected = {(scale, k): simulate(staffed(base, scale), seed=seed)
                for scale in (0.5, 1.0, 1.5) for k, seed in enumerate(seeds)}
    cache = DrawCache()
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda job: simulate(staffed(base, job[0]), seed=job[1], reuse=cache), jobs))
    for (scale, seed), result in zip(jobs, results, strict=True):
        assert_same(result, expected[scale, seeds.index(seed)])
    assert cache.hits > 0 and len(cache) == 2

"""Draws kept between runs that differ only in staffing: a month re-simulated at another staffing reuses them.

The staffing search simulates the same months (the same seeds) at many staffings (common random numbers): at
each, every first attempt arrives at the same instant with the same IVR path, patience and handling times, and
the k-th attempt to come back takes pool row k. Drawing them is about a third of a month on the fast path, so
:class:`DrawCache` keeps them: the first attempts' draws, their FCFS queue order and the pool of repeat-call rows
(which goes on drawing from its own streams, in the same order, when a later run needs more rows). A run that
takes them gets the same numbers it would have drawn, so its call log is the same to the bit; only the drawing
is skipped. The key is the whole model but its staffing, and the seed; any other difference is a new entry.

The cache holds at most ``budget`` bytes. The months a search simulates first are the ones it comes back to most
(every staffing simulates months 1, 2, ... in order, and the surrogate's raised-volume months are months 1 and
2 again), so when the cache is full the entry with the latest month goes first, and between equal months the one
used least recently (another model's, once the search has moved on); an entry larger than the budget on its own
is not kept. A month is the last entry of its seed's spawn key (``SeedSequence(seed).spawn(n)[k]``: month k).

Each process has its own cache (:data:`simulator.risk.reduction.MONTH_DRAWS`); threads of one process (a Dask
worker's) share it, one run per entry at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.sim.draws import ChildPool, RootDraws, draw_roots, make_streams

if TYPE_CHECKING:  # pragma: no cover
    from simulator.sim.model import CentreModel
    from simulator.sim.timeline import Timeline

__all__ = ["DEFAULT_BUDGET", "DrawCache", "Drawn"]

DEFAULT_BUDGET = 128 << 20  # bytes per process [B]


@dataclass
class Drawn:
    """What a fast-path run draws before its event loop, independent of the staffing."""

    draws: RootDraws
    order: np.ndarray  # the first attempts that reach the queue, in FCFS order
    pool: ChildPool
    busy: threading.Lock = field(default_factory=threading.Lock)  # held by the run using them

    @property
    def nbytes(self) -> int:
        roots = sum(getattr(self.draws, f.name).nbytes for f in fields(self.draws)
                    if getattr(self.draws, f.name) is not None)
        pool = sum(block.nbytes for blocks in self.pool.blocks.values() for block in blocks)
        return int(roots + self.order.nbytes + pool)


def model_key(model: CentreModel) -> tuple[Any, ...]:
    """Every field of ``model`` but its staffing, hashable and equal exactly when the values are (arrays by
    their bytes, distributions by their fields)."""
    def part(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            return value.dtype.str, value.shape, value.tobytes()
        return value

    return tuple((f.name, part(getattr(model, f.name))) for f in fields(model) if f.name != "agents")


def seed_key(seed: int | np.random.SeedSequence) -> tuple[Any, ...]:
    """The seed as :func:`~simulator.sim.draws.make_streams` reads it (a SeedSequence's entropy, spawn key and
    pool size)."""
    if isinstance(seed, np.random.SeedSequence):
        entropy = seed.entropy
        entropy = int(entropy) if isinstance(entropy, int | np.integer) else tuple(int(x) for x in entropy or ())
        return "sequence", entropy, tuple(int(k) for k in seed.spawn_key), int(seed.pool_size)
    return "int", int(seed)


class DrawCache:
    """The draws of recent runs by (model less its staffing, seed), within ``budget`` bytes (module docstring)."""

    def __init__(self, budget: int = DEFAULT_BUDGET) -> None:
        self.budget = int(budget)
        self._entries: dict[tuple[Any, Any], Drawn] = {}
        self._used: dict[tuple[Any, Any], int] = {}  # when each entry was last used (a count of look-ups)
        self._clock = 0
        self._lock = threading.Lock()  # Dask workers run tasks on threads
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def nbytes(self) -> int:
        return sum(entry.nbytes for entry in self._entries.values())

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._used.clear()

    @contextmanager
    def taken(self, model: CentreModel, timeline: Timeline, seed: int | np.random.SeedSequence) -> Iterator[Drawn]:
        """The draws of ``model`` under ``seed`` for one run: kept ones, or drawn now and kept. The pool's count of
        rows handed out starts at 0; the run must not write into the arrays. Thread-safe: while one run has an
        entry, another that asks for the same draws gets its own, not kept (a run's pool may draw more rows)."""
        key = (model_key(model), seed_key(seed))
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.busy.acquire(blocking=False):
                self.hits += 1
                self._touch(key)
            else:
                entry = None
                self.misses += 1
        if entry is None:
            entry = _draw(model, timeline, seed)
            entry.busy.acquire()
            with self._lock:
                if key not in self._entries:  # (another thread may have kept its own meanwhile)
                    self._entries[key] = entry
                    self._touch(key)
        entry.pool.count = 0
        try:
            yield entry
        finally:
            entry.busy.release()
            self.trim()  # after the run: its pool may have drawn more rows

    def _touch(self, key: tuple[Any, Any]) -> None:
        self._clock += 1
        self._used[key] = self._clock

    def trim(self) -> None:
        """Evict entries until the cache fits its budget: the latest month first, the least recently used
        between equal months."""
        with self._lock:
            sizes = {key: entry.nbytes for key, entry in self._entries.items()}
            total = sum(sizes.values())
            while total > self.budget:
                victim = max(self._entries, key=lambda k: (_month(k[1]), -self._used[k]))
                total -= sizes[victim]
                del self._entries[victim], self._used[victim]


def _draw(model: CentreModel, timeline: Timeline, seed: int | np.random.SeedSequence) -> Drawn:
    from simulator.sim.draws import root_plan
    from simulator.sim.fastpath import queue_order

    streams = make_streams(seed)
    draws = draw_roots(model, timeline, streams)
    return Drawn(draws, queue_order(draws, root_plan(model, draws).queued_at), ChildPool(model, streams))


def _month(seed: tuple[Any, ...]) -> int:
    """The month a seed key stands for: the last entry of a SeedSequence's spawn key (0 for a plain seed)."""
    return int(seed[2][-1]) if seed[0] == "sequence" and seed[2] else 0

"""Random streams and the pre-drawn attributes of every call attempt.

``SeedSequence(seed)`` spawns one generator per stochastic element, always in this order: arrivals, volume
multipliers, IVR, patience, handling, repeats. Changing the staffing therefore leaves every first attempt's
arrival instant, IVR path, patience and handling times unchanged (common random numbers).

All attributes of a first attempt are drawn, vectorised, before the run starts. Repeat calls and redials
take theirs from a pool filled block by block from the same element streams, in the order in which they
reach the trunk (ties: intended instant, then first attempt, then attempt number). Neither depends on the
order in which an engine processes events, which is what lets the fast path reproduce the simpy engine to
the bit. The derived quantities both engines use (queue entry, deadline, agent busy time, when a call
comes back) are computed here, once, with one arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.errors import ScenarioError
from simulator.sim.calllog import IVR_ABANDONED, IVR_CONTAINED

if TYPE_CHECKING:  # pragma: no cover
    from simulator.distributions import Distribution
    from simulator.sim.model import CentreModel
    from simulator.sim.timeline import Timeline

STREAMS = ("arrivals", "multipliers", "ivr", "patience", "handling", "repeats")
TO_QUEUE = 0  # IVR code of a call that leaves the IVR for the agent queue
INF = math.inf

__all__ = ["STREAMS", "Trace", "make_streams", "volume_multipliers"]


def make_streams(seed: int | np.random.SeedSequence) -> dict[str, np.random.Generator]:
    """One generator per stochastic element, spawned from ``seed``.

    A ``SeedSequence`` is used through its entropy and spawn key only, so passing the same one twice gives
    the same streams (its own spawn counter is neither read nor advanced).
    """
    if isinstance(seed, np.random.SeedSequence):
        root = np.random.SeedSequence(seed.entropy, spawn_key=seed.spawn_key, pool_size=seed.pool_size)
    else:
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ScenarioError("must be a whole number >= 0 or a numpy SeedSequence", field="seed",
                                value=seed)
        root = np.random.SeedSequence(int(seed))
    return {name: np.random.default_rng(child) for name, child in zip(STREAMS, root.spawn(len(STREAMS)),
                                                                           strict=True)}


def unit_gamma(rng: np.random.Generator, cv: float, size: int | None = None) -> Any:
    """Gamma variates with mean 1 and coefficient of variation ``cv`` (exactly 1 when cv is 0)."""
    if cv == 0:
        return 1.0 if size is None else np.ones(size)
    shape = 1.0 / cv**2
    return rng.gamma(shape, 1.0 / shape, size)


def volume_multipliers(model: CentreModel, rng: np.random.Generator) -> tuple[float, np.ndarray]:
    """The month multiplier M and the day multipliers D_d (each gamma, mean 1, cv as the model says)."""
    month = float(unit_gamma(rng, model.month_cv))
    days = np.asarray(unit_gamma(rng, model.day_cv, model.days), dtype=float)
    return month, days


def arrival_times(model: CentreModel, timeline: Timeline, rng: np.random.Generator,
                  month: float, days: np.ndarray) -> np.ndarray:
    """First-attempt trunk arrivals: exact piecewise-constant Poisson per interval, sorted.

    In interval ``i`` of day ``d`` the count c is Poisson(λ_i · Δ · M · D_d) and the instants are c uniform
    points in the interval, which is the exact law of a Poisson process with that rate there (no thinning). They
    are drawn already sorted, in one pass: the order statistics of c uniforms are S_1/S_{c+1}, …, S_c/S_{c+1}, S
    the running sums of c + 1 standard exponentials (Devroye 1986, "Non-Uniform Random Variate Generation",
    ch. V.2), so no sort is needed.
    """
    means = model.arrival_rate[None, :] * model.interval_seconds * month * days[:, None]
    counts = rng.poisson(means).reshape(-1)
    total = int(counts.sum())
    bins = counts.size
    sums = np.cumsum(rng.standard_exponential(total + bins))
    ends = np.cumsum(counts + 1) - 1  # position of each bin's (c + 1)-th exponential
    base = np.concatenate(([0.0], sums[ends[:-1]]))  # the running sum before each bin
    points = np.ones(total + bins, dtype=bool)
    points[ends] = False  # the last exponential of each bin only normalises
    bin_of = np.repeat(np.arange(bins), counts)
    fraction = (sums[points] - base[bin_of]) / (sums[ends] - base)[bin_of]
    fraction = np.minimum(fraction, np.nextafter(1.0, 0.0))  # a bin is [start, start + Δ)
    return np.repeat(timeline.bin_starts, counts) + fraction * model.interval_seconds


def _sample(dist: Distribution | None, rng: np.random.Generator, size: int) -> np.ndarray | None:
    return None if dist is None else np.asarray(dist.sample(rng, size), dtype=float)


def _ivr_codes(model: CentreModel, u: np.ndarray) -> np.ndarray:
    c, a = model.ivr_containment, model.ivr_abandon
    code = np.full(len(u), TO_QUEUE, dtype=np.int8)
    code[u < c + a] = IVR_ABANDONED
    code[u < c] = IVR_CONTAINED
    return code


@dataclass(frozen=True)
class Trace:
    """Hand-made first attempts, for tests and what-ifs: fixed arrival instants and, optionally, durations.

    Every field but ``offered_at`` may be left out, in which case it is drawn from the model's distribution
    as usual. Arrays have one entry per first attempt, in order of ``offered_at`` (which must be sorted and
    fall within opening hours).

    Parameters
    ----------
    offered_at : sequence of float
        Trunk arrival instants. [s]
    ivr_seconds : sequence of float, optional
        IVR navigation times. [s]
    ivr_outcome : sequence of str, optional
        ``"queue"``, ``"ivr_contained"`` or ``"ivr_abandoned"`` per call.
    patience_seconds : sequence of float, optional
        Patience per call (``inf`` for a caller who never hangs up). [s]
    ring_seconds, talk_seconds, hold_seconds, acw_seconds : sequence of float, optional
        Handling times per call. [s]
    returns : sequence of bool, optional
        Whether the call comes back (a repeat if answered, a redial if abandoned), whatever the model's
        probabilities say; attempts are still capped at the model's ``max_attempts``.
    return_delay_seconds : sequence of float, optional
        Delay before it comes back (from the end of the conversation, or from the abandonment). [s]
    """

    offered_at: Sequence[float] | np.ndarray
    ivr_seconds: Sequence[float] | np.ndarray | None = None
    ivr_outcome: Sequence[str] | None = None
    patience_seconds: Sequence[float] | np.ndarray | None = None
    ring_seconds: Sequence[float] | np.ndarray | None = None
    talk_seconds: Sequence[float] | np.ndarray | None = None
    hold_seconds: Sequence[float] | np.ndarray | None = None
    acw_seconds: Sequence[float] | np.ndarray | None = None
    returns: Sequence[bool] | np.ndarray | None = None
    return_delay_seconds: Sequence[float] | np.ndarray | None = None


@dataclass
class RootDraws:
    """Attributes of the first attempts, one entry per call, sorted by trunk arrival.

    ``None`` stands for a column that is absent from the model (0 for durations, infinite patience, every
    call to the queue, nobody comes back).
    """

    offered_at: np.ndarray
    ivr_seconds: np.ndarray | None
    ivr_code: np.ndarray | None
    patience: np.ndarray | None
    ring: np.ndarray | None
    talk: np.ndarray | None
    hold: np.ndarray | None
    acw: np.ndarray | None
    return_u: np.ndarray | None
    repeat_delay: np.ndarray | None
    redial_delay: np.ndarray | None

    def __len__(self) -> int:
        return len(self.offered_at)


def _trace_column(values: Any, n: int, name: str, *, allow_inf: bool = False) -> np.ndarray:
    array = np.array(values, dtype=float)  # a copy: the run edits its columns in place
    if array.shape != (n,):
        raise ScenarioError(f"needs {n} entries, one per call", field=f"trace.{name}", value=array.shape)
    ok = (array >= 0) & (np.isfinite(array) | (allow_inf & np.isposinf(array)))
    if not np.all(ok):
        raise ScenarioError("entries must be finite and >= 0", field=f"trace.{name}",
                            value=array[~ok][0].item())
    return array


def draw_roots(model: CentreModel, timeline: Timeline, streams: dict[str, np.random.Generator],
               trace: Trace | None = None) -> RootDraws:
    """Draw (or take from ``trace``) every attribute of every first attempt."""
    if trace is None:
        month, days = volume_multipliers(model, streams["multipliers"])
        offered = arrival_times(model, timeline, streams["arrivals"], month, days)
    else:
        offered = np.array(trace.offered_at, dtype=float)
        if offered.ndim != 1 or not np.all(np.isfinite(offered)):
            raise ScenarioError("must be a list of finite instants", field="trace.offered_at",
                                value=trace.offered_at)
        if np.any(np.diff(offered) < 0):
            raise ScenarioError("must be sorted", field="trace.offered_at", value=offered.tolist())
        day = np.searchsorted(timeline.opens, offered, side="right") - 1
        inside = (day >= 0) & (offered < timeline.closes[np.clip(day, 0, None)])
        if not np.all(inside):
            raise ScenarioError("arrivals must fall within opening hours of a simulated day",
                                field="trace.offered_at", value=offered[~inside][0].item())
    n = len(offered)
    given = trace if trace is not None else Trace(offered_at=offered)

    rng = streams["ivr"]
    ivr_seconds = (_trace_column(given.ivr_seconds, n, "ivr_seconds") if given.ivr_seconds is not None
                   else _sample(model.ivr_navigation, rng, n))
    ivr_code: np.ndarray | None
    if given.ivr_outcome is not None:
        names = {"queue": TO_QUEUE, "ivr_contained": IVR_CONTAINED, "ivr_abandoned": IVR_ABANDONED}
        try:
            ivr_code = np.array([names[v] for v in given.ivr_outcome], dtype=np.int8)
        except KeyError as error:
            raise ScenarioError(f"must be one of {sorted(names)}", field="trace.ivr_outcome",
                                value=error.args[0]) from None
        if ivr_code.shape != (n,):
            raise ScenarioError(f"needs {n} entries", field="trace.ivr_outcome", value=len(ivr_code))
    elif model.ivr_containment + model.ivr_abandon > 0:
        ivr_code = _ivr_codes(model, rng.random(n))
    else:
        ivr_code = None

    patience = (_trace_column(given.patience_seconds, n, "patience_seconds", allow_inf=True)
                if given.patience_seconds is not None else _sample(model.patience, streams["patience"], n))

    rng = streams["handling"]
    columns: dict[str, np.ndarray | None] = {}
    for name in ("talk", "hold", "acw", "ring"):
        values = getattr(given, f"{name}_seconds")
        columns[name] = (_trace_column(values, n, f"{name}_seconds") if values is not None
                         else _sample(getattr(model, name), rng, n))

    rng = streams["repeats"]
    return_u = repeat_delay = redial_delay = None
    if given.returns is not None:
        flags = np.asarray(given.returns, dtype=bool)
        if flags.shape != (n,):
            raise ScenarioError(f"needs {n} entries", field="trace.returns", value=flags.shape)
        return_u = np.where(flags, -1.0, 2.0)  # below any probability / above every probability
    elif model.repeats_enabled:
        return_u = rng.random(n)
    if return_u is not None:
        if given.return_delay_seconds is not None:
            repeat_delay = redial_delay = _trace_column(given.return_delay_seconds, n, "return_delay_seconds")
        else:
            repeat_delay = _sample(model.repeat_delay, rng, n)
            redial_delay = _sample(model.redial_delay, rng, n)

    return RootDraws(offered, ivr_seconds, ivr_code, patience, columns["ring"], columns["talk"],
                     columns["hold"], columns["acw"], return_u, repeat_delay, redial_delay)


# -- what the engines derive from the draws ---------------------------------------------------------------

@dataclass
class RootPlan:
    """Per first attempt: queue entry, abandonment deadline, agent busy time and when it would come back.

    ``back_answered`` is the offset from the agent seizure to the repeat's intended instant, -1 if an
    answered call does not come back; ``back_abandoned`` the offset from the abandonment to the redial.
    ``deadline`` and the two offsets are None when nobody abandons or comes back.
    """

    queued_at: np.ndarray
    deadline: np.ndarray | None
    busy: np.ndarray
    back_answered: np.ndarray | None
    back_abandoned: np.ndarray | None


def _add(*parts: np.ndarray | None, size: int) -> np.ndarray:
    present = [p for p in parts if p is not None]
    if not present:
        return np.zeros(size)
    total = present[0]
    for p in present[1:]:
        total = total + p
    return total


def root_plan(model: CentreModel, draws: RootDraws) -> RootPlan:
    """The derived quantities of the first attempts (the scalar twin is :meth:`ChildPool.plan`)."""
    n = len(draws)
    queued_at = draws.offered_at if draws.ivr_seconds is None else draws.offered_at + draws.ivr_seconds
    deadline = None if draws.patience is None else queued_at + draws.patience
    conversation = _add(draws.ring, draws.talk, draws.hold, size=n)
    busy = conversation if draws.acw is None else conversation + draws.acw
    back_answered = back_abandoned = None
    if draws.return_u is not None and model.max_attempts > 1:
        assert draws.repeat_delay is not None and draws.redial_delay is not None
        back_answered = np.where(draws.return_u < 1.0 - model.fcr, conversation + draws.repeat_delay, -1.0)
        back_abandoned = np.where(draws.return_u < model.redial_probability, draws.redial_delay, -1.0)
    return RootPlan(queued_at, deadline, busy, back_answered, back_abandoned)


class ChildPool:
    """Attributes of repeat calls and redials, drawn in blocks of ``BLOCK`` rows from the element streams.

    The k-th attempt to come back gets row k, whichever engine asks. Blocks are drawn in order, each from the
    same streams in the same order, so row k is the same whether the rows are drawn one block at a time (the
    simpy engine, :meth:`take`) or many blocks ahead (the fast path, :meth:`arrays`).
    """

    BLOCK = 4096
    NAMES = ("ivr_seconds", "ivr_code", "patience", "talk", "hold", "acw", "ring", "return_u", "repeat_delay",
             "redial_delay")

    def __init__(self, model: CentreModel, streams: dict[str, np.random.Generator]) -> None:
        self.model = model
        self.streams = streams
        self.count = 0  # rows handed out
        self.blocks: dict[str, list[np.ndarray]] = {name: [] for name in self.NAMES}
        self.columns: dict[str, list[Any]] = {name: [] for name in self.NAMES}  # the rows as Python numbers
        self._fill = 0

    def _draw_block(self) -> dict[str, np.ndarray]:
        """Draw the next block (appended to :attr:`blocks`) and return it."""
        model, streams, size = self.model, self.streams, self.BLOCK
        block: dict[str, np.ndarray] = {}

        def put(name: str, values: np.ndarray | None, fill: float) -> None:
            block[name] = np.full(size, fill) if values is None else np.asarray(values, dtype=float)

        rng = streams["ivr"]
        put("ivr_seconds", _sample(model.ivr_navigation, rng, size), 0.0)
        if model.ivr_containment + model.ivr_abandon > 0:
            block["ivr_code"] = _ivr_codes(model, rng.random(size))
        else:
            block["ivr_code"] = np.full(size, TO_QUEUE, dtype=np.int8)
        put("patience", _sample(model.patience, streams["patience"], size), INF)
        rng = streams["handling"]
        for name in ("talk", "hold", "acw", "ring"):
            put(name, _sample(getattr(model, name), rng, size), 0.0)
        rng = streams["repeats"]
        put("return_u", rng.random(size), 0.0)
        put("repeat_delay", _sample(model.repeat_delay, rng, size), 0.0)
        put("redial_delay", _sample(model.redial_delay, rng, size), 0.0)
        for name, values in block.items():
            self.blocks[name].append(values)
        self._fill += size
        return block

    def _drawn(self, name: str, rows: int) -> np.ndarray:
        """The first ``rows`` rows of a column (drawn already)."""
        blocks = self.blocks[name]
        if not blocks:
            return np.empty(0, dtype=np.int8 if name == "ivr_code" else float)
        if len(blocks) > 1:  # keep one array, so that the next call does not concatenate again
            blocks[:] = [np.concatenate(blocks)]
        return blocks[0][:rows]

    def take(self) -> int:
        """Reserve the next row; returns its index."""
        if self.count == self._fill:
            for name, values in self._draw_block().items():
                self.columns[name].extend(values.tolist())
        k = self.count
        self.count += 1
        return k

    def plan(self, k: int, attempt: int) -> tuple[float, int, float, float, float, float, float]:
        """Row ``k`` as (ivr_seconds, ivr_code, patience, busy, back_answered, back_abandoned, conversation).

        Same arithmetic as :func:`root_plan`, on Python floats (adding 0.0 for an absent column is exact).
        """
        col, model = self.columns, self.model
        conversation = col["ring"][k] + col["talk"][k] + col["hold"][k]
        busy = conversation + col["acw"][k]
        u = col["return_u"][k]
        can_return = attempt < model.max_attempts
        back_answered = conversation + col["repeat_delay"][k] if can_return and u < 1.0 - model.fcr else -1.0
        back_abandoned = col["redial_delay"][k] if can_return and u < model.redial_probability else -1.0
        return (col["ivr_seconds"][k], col["ivr_code"][k], col["patience"][k], busy, back_answered,
                back_abandoned, conversation)

    def arrays(self, rows: int) -> dict[str, np.ndarray]:
        """The first ``rows`` rows (drawn as needed) as arrays, with ``conversation`` (ring + talk + hold) and
        ``busy`` (+ ACW) computed with the arithmetic of :meth:`plan`, for the fast path."""
        while self._fill < rows:
            self._draw_block()
        out = {name: self._drawn(name, rows) for name in self.NAMES}
        conversation = out["ring"] + out["talk"] + out["hold"]
        out["conversation"] = conversation
        out["busy"] = conversation + out["acw"]
        return out

    def array(self, name: str) -> np.ndarray:
        """The first ``count`` rows of a column."""
        return self._drawn(name, self.count)

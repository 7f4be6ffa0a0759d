"""The interval response: what each interval of the day delivers at each number of agents.

For interval i and staffing s the formulas (Erlang A; Erlang C when the scenario has no patience) are evaluated at
the load the simulation *measured* in that interval: the calls offered to the queue per day (first attempts,
repeats and redials, as they arrived) × the agents' mean busy time per call. What the formulas still miss there
(backlog carried in from the interval before, a shift change, non-exponential handling and patience, ring time)
is the interval's **drift**, measured at the staffing that was simulated: on a logit scale for the service level
and the abandonment, a log scale for the ASA, ``drift_i = z(simulated_i) − z(formulas_i at s_i)``, applied at
every s of that interval. Near the simulated staffing this is what the simulation would measure; the staffing
engine re-simulates wherever it moves the staffing, so the drift is always measured close to where it is used.

Tabulated staffing per interval runs from half the interval's load (Erlang C: the first stable staffing) to
``max(load + 6√load, load ÷ occupancy cap) + 6`` (or the staffing simulated there, if more); below that no
target of a contract is met, above it every one is, and the table carries the top value on up to the largest of
all intervals (and ``staffing.min_agents``), so that every interval has every staffing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.analytic import erlang_a, erlang_c
from simulator.risk.calibration import from_scale, to_scale
from simulator.risk.months import METRICS, MonthSet
from simulator.scenario.model import Scenario

__all__ = ["DRIFT_LIMIT", "IntervalResponse", "IntervalTargets", "interval_response", "occupancy_staffing"]

DRIFT_LIMIT = 2.0  # |drift| on the logit/log scale: more is an interval far in a tail, not a property of the centre
_LOW_SHARE = 0.5  # the lowest staffing tabulated, as a share of the load (Erlang A)


@dataclass(frozen=True)
class IntervalTargets:
    """Targets one interval (or the measurement period) must meet; None: no such target."""

    service_level: float | None = None
    max_abandon: float | None = None
    max_asa: float | None = None

    @classmethod
    def of(cls, scenario: Scenario) -> IntervalTargets:
        sla = scenario.sla
        return cls(sla.service_level, sla.max_abandon_rate, sla.max_asa_seconds)

    def loosened(self, knob: float) -> IntervalTargets:
        """Every allowed miss × ``knob`` (< 1 tightens): SL' = 1 − f(1 − SL), caps × f (abandonment at most 1)."""
        if knob == 1.0:
            return self
        return IntervalTargets(
            None if self.service_level is None else max(0.0, 1.0 - knob * (1.0 - self.service_level)),
            None if self.max_abandon is None else min(1.0, knob * self.max_abandon),
            None if self.max_asa is None else knob * self.max_asa)

    def shifted(self, offsets: np.ndarray) -> IntervalTargets:
        """Targets moved by ``offsets`` (3,) on the logit/log scale, in METRICS order (the planning targets)."""
        values = [self.service_level, self.max_abandon, self.max_asa]
        out: list[float | None] = []
        for k, value in enumerate(values):
            if value is None or offsets[k] == 0.0:
                out.append(value)
                continue
            z = to_scale(np.array([[value if k != 0 else min(value, 1 - 1e-9)]]), (METRICS[k],))[0, 0]
            out.append(float(from_scale(np.array([[z + offsets[k]]]), (METRICS[k],))[0, 0]))
        return IntervalTargets(*out)

    def as_dict(self) -> dict[str, float | None]:
        return {"service_level": self.service_level, "max_abandon_rate": self.max_abandon,
                "max_asa_seconds": self.max_asa}


@dataclass(frozen=True, eq=False)
class IntervalResponse:
    """Per interval (rows) and staffing (columns 0…S−1): the metrics the interval delivers. Cells below an
    interval's lowest tabulated staffing are NaN and never chosen.

    ``service_level`` is under the contract's definition, ``denominator`` that definition's denominator per
    offered call (1 for ``abandons_fail``), ``occupancy`` the formulas' (answered load ÷ agents), used for the
    occupancy cap as the formulas count it.
    """

    calls: np.ndarray  # offered calls per day (I,) [calls]
    load: np.ndarray  # [Erlang] (I,)
    lowest: np.ndarray  # lowest staffing tabulated (I,)
    service_level: np.ndarray  # (I, S)
    denominator: np.ndarray  # (I, S)
    abandon: np.ndarray  # (I, S)
    asa: np.ndarray  # (I, S) [s]
    occupancy: np.ndarray  # (I, S)
    drift: np.ndarray  # (I, 3) on the logit/log scale, METRICS order
    aggregation: str  # "volume_weighted" or "interval_weighted"

    @property
    def top(self) -> int:
        """The largest staffing tabulated."""
        return self.service_level.shape[1] - 1

    def tabulated(self) -> np.ndarray:
        """(I, S) bool: the staffing levels each interval may take."""
        s = np.arange(self.top + 1)[None, :]
        return s >= self.lowest[:, None]

    def at(self, agents: np.ndarray) -> dict[str, np.ndarray]:
        """The metrics of each interval at ``agents`` (clipped to the table)."""
        s = np.clip(np.asarray(agents, dtype=int), self.lowest, self.top)
        rows = np.arange(s.size)
        return {"service_level": self.service_level[rows, s], "abandon_rate": self.abandon[rows, s],
                "asa_seconds": self.asa[rows, s], "occupancy": self.occupancy[rows, s]}

    def meets(self, targets: IntervalTargets) -> np.ndarray:
        """(I, S) bool: the cells meeting every target on their own."""
        ok = self.tabulated()
        with np.errstate(invalid="ignore"):
            if targets.service_level is not None:
                ok &= self.service_level >= targets.service_level - 1e-12
            if targets.max_abandon is not None:
                ok &= self.abandon <= targets.max_abandon + 1e-12
            if targets.max_asa is not None:
                ok &= self.asa <= targets.max_asa * (1 + 1e-12)
        return ok

    def smallest(self, ok: np.ndarray) -> np.ndarray:
        """Per interval the smallest staffing whose cell is ``ok`` (the table's top where none is), and 0 for
        an interval without calls."""
        first = np.where(ok.any(axis=1), ok.argmax(axis=1), self.top)
        return np.where(self.calls > 0, first, 0).astype(int)

    def required(self, targets: IntervalTargets) -> np.ndarray:
        """The fewest agents per interval meeting every target in that interval."""
        return self.smallest(self.meets(targets))

    def period(self, agents: np.ndarray) -> dict[str, float]:
        """The measurement period's SL, abandonment and ASA at ``agents`` (the forecast: every day alike)."""
        m = self.at(agents)
        w = self.calls
        den = self.denominator[np.arange(w.size), np.clip(agents, self.lowest, self.top)]
        answered = w * (1 - m["abandon_rate"])
        if self.aggregation == "interval_weighted":
            sl = float(np.mean(m["service_level"][w > 0])) if (w > 0).any() else math.nan
        else:
            sl = _ratio(float((w * m["service_level"] * den).sum()), float((w * den).sum()))
        return {"service_level": sl, "abandon_rate": _ratio(float((w * m["abandon_rate"]).sum()), float(w.sum())),
                "asa_seconds": _ratio(float((answered * m["asa_seconds"]).sum()), float(answered.sum()))}

    def to_dict(self, starts: list[str]) -> list[dict[str, Any]]:
        return [{"start": start, "calls": float(self.calls[i]), "offered_load": float(self.load[i]),
                 "drift": dict(zip(METRICS, self.drift[i].tolist(), strict=True))}
                for i, start in enumerate(starts)]


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else math.nan


def _lowest(load: np.ndarray, patience: float | None) -> np.ndarray:
    """The lowest staffing tabulated per interval: the first stable one (Erlang C), else a share of the load."""
    if patience is None:
        return np.where(load > 0, np.floor(load).astype(int) + 1, 0)
    return np.where(load > 0, np.floor(_LOW_SHARE * load).astype(int), 0)


def _load(scenario: Scenario, calls: np.ndarray) -> np.ndarray:
    """Offered load per interval from the offered calls per day of each interval. [Erlang]"""
    return np.asarray(calls, dtype=float) / scenario.interval_seconds * scenario.handling.handle_seconds


def _erlang_a(scenario: Scenario, a: np.ndarray, s: np.ndarray, wanted: list[str]) -> dict[str, np.ndarray]:
    """Erlang A's ``wanted`` quantities at loads ``a`` and agents ``s`` with the scenario's AHT, mean patience,
    SL threshold and short-abandon threshold."""
    patience = scenario.patience_seconds
    assert patience is not None  # Erlang A only where the scenario has a patience
    full = np.ones(a.size)
    return erlang_a.evaluate(a, s, full * scenario.handling.handle_seconds, full * patience,
                             full * scenario.sla.threshold_seconds,
                             full * scenario.definitions.short_abandon_seconds, wanted)


def _occupancy(a: np.ndarray, s: np.ndarray, abandon: np.ndarray) -> np.ndarray:
    """The formulas' occupancy: answered load ÷ agents (NaN without agents)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(s > 0, a * (1 - abandon) / np.maximum(s, 1), np.nan)


def occupancy_staffing(scenario: Scenario, calls: np.ndarray, cap: float, *, method: str) -> np.ndarray:
    """The fewest agents per interval whose occupancy by the formulas (answered load ÷ agents) at the offered
    ``calls`` per day is at most ``cap``: the cell :func:`interval_response`'s table would give, found by
    bisection, since the occupancy falls as agents are added (a handful of Erlang A evaluations per interval
    instead of the whole row). 0 for an interval without calls."""
    load = _load(scenario, calls)
    patience = scenario.patience_seconds if method == "erlang_a" else None

    def ok(a: np.ndarray, s: np.ndarray) -> np.ndarray:
        abandon = (np.zeros(a.size) if patience is None
                   else _erlang_a(scenario, a, s, ["abandon_probability"])["abandon_probability"])
        return _occupancy(a, s, abandon) <= cap + 1e-12  # (NaN, no agents: fails)

    # Invariant: ``low`` fails (or lies below the table), ``high`` meets the cap; at load ÷ cap agents even
    # an answered load equal to the whole load keeps the occupancy within the cap.
    busy = np.flatnonzero(load > 0)
    low = _lowest(load, patience)[busy] - 1
    high = np.maximum(low + 1, np.ceil(load[busy] / cap).astype(int))
    while True:
        open_ = np.flatnonzero(high - low > 1)
        if not open_.size:
            break
        mid = (low[open_] + high[open_]) // 2
        met = ok(load[busy][open_], mid)
        high[open_] = np.where(met, mid, high[open_])
        low[open_] = np.where(met, low[open_], mid)
    out = np.zeros(load.size, dtype=int)
    out[busy] = high
    return out


def _formulas(scenario: Scenario, load: np.ndarray, top: int, method: str,
              highest: np.ndarray) -> dict[str, np.ndarray]:
    """The formulas on the (I, top + 1) grid of staffing; NaN below each interval's lowest staffing. Each
    interval is evaluated up to its own ``highest`` staffing, where every target is met; above it the cells
    repeat that one (the metrics move by less than 1e-8 there, and only a lower bound ever puts staffing there).
    """
    intervals = load.size
    s = np.broadcast_to(np.arange(top + 1)[None, :], (intervals, top + 1))
    a = np.broadcast_to(load[:, None], s.shape)
    patience = scenario.patience_seconds if method == "erlang_a" else None
    lowest = _lowest(load, patience)
    highest = np.clip(np.maximum(highest, lowest), 0, top)
    keep = (s >= lowest[:, None]) & (s <= highest[:, None])
    aht = scenario.handling.handle_seconds
    threshold = scenario.sla.threshold_seconds
    definition = scenario.definitions.sl_definition
    out = {name: np.full(s.shape, np.nan) for name in ("service_level", "denominator", "abandon", "asa")}
    av, sv = a[keep].astype(float), s[keep]
    if patience is None:
        c = erlang_c.metrics(av, sv, aht_seconds=aht, threshold_seconds=threshold)
        values = {"service_level": np.asarray(c.service_level, dtype=float), "denominator": np.ones(av.size),
                  "abandon": np.zeros(av.size), "asa": np.asarray(c.asa_seconds, dtype=float)}
    else:
        wanted = ["abandons_fail", "abandon_probability"]
        if scenario.sla.max_asa_seconds is not None:
            wanted.append("asa_seconds")  # the slowest quantity: only where a target needs it
        if definition != "abandons_fail":
            wanted.append(definition)
        q = _erlang_a(scenario, av, sv, wanted)
        sl = q[definition]
        with np.errstate(invalid="ignore", divide="ignore"):
            if definition == "abandons_within_threshold_success":
                den = np.ones(av.size)
            else:
                den = np.where(sl > 0, q["abandons_fail"] / sl, 1.0)
        values = {"service_level": sl, "denominator": den, "abandon": q["abandon_probability"],
                  "asa": q.get("asa_seconds", np.full(av.size, np.nan))}
    above = np.minimum(s, highest[:, None])  # cells above an interval's highest repeat its highest
    for name, v in values.items():
        out[name][keep] = v
        out[name] = np.take_along_axis(out[name], above, axis=1)
    out["occupancy"] = _occupancy(a, s, out["abandon"])
    out["lowest"] = lowest
    return out


def interval_response(scenario: Scenario, calls: np.ndarray, *, method: str, sims: MonthSet | None = None,
                      agents: np.ndarray | None = None) -> IntervalResponse:
    """The response at the offered ``calls`` per day of each interval by ``method`` (``erlang_a`` or
    ``erlang_c``), with the drift of ``sims`` (months simulated at ``agents``); without them, the formulas
    alone (drift 0)."""
    calls = np.asarray(calls, dtype=float)
    load = _load(scenario, calls)
    # Enough staffing for every target, for the occupancy cap and for the minimum agents.
    cap = scenario.staffing.occupancy_cap or 1.0
    own = np.ceil(np.maximum(load + 6 * np.sqrt(load), load / cap)).astype(int) + 6  # every target met there
    if agents is not None:
        own = np.maximum(own, np.asarray(agents, dtype=int))  # the drift is measured at the staffing simulated
    top = max(int(own.max(initial=0)), scenario.staffing.min_agents or 0)
    raw = _formulas(scenario, load, top, method, own)
    lowest = raw.pop("lowest")
    drift = np.zeros((calls.size, len(METRICS)))
    if sims is not None and agents is not None:
        drift = _drift(raw, sims, np.clip(np.asarray(agents, dtype=int), lowest, top))
    stacked = np.stack([raw["service_level"], raw["abandon"], raw["asa"]], axis=-1)
    with np.errstate(invalid="ignore"):
        z = to_scale(stacked, METRICS) + drift[:, None, :]
        shifted = from_scale(z, METRICS)
    shifted[np.isnan(stacked)] = np.nan
    # The formulas' certainties stay certain: an SL of exactly 1 (no load) or an abandonment of exactly 0
    # (Erlang C) is not moved by a drift.
    for k in range(len(METRICS)):
        exact = (stacked[..., k] == 0.0) | (stacked[..., k] == 1.0)
        shifted[..., k] = np.where(exact, stacked[..., k], shifted[..., k])
    abandon = shifted[..., 1]
    denominator = raw["denominator"]
    if scenario.definitions.sl_definition == "answered_only":
        denominator = 1.0 - abandon
    return IntervalResponse(calls=calls, load=load, lowest=lowest, service_level=shifted[..., 0],
                            denominator=denominator, abandon=abandon, asa=shifted[..., 2],
                            occupancy=raw["occupancy"],
                            drift=drift, aggregation=scenario.definitions.aggregation)


def _drift(raw: dict[str, np.ndarray], sims: MonthSet, agents: np.ndarray) -> np.ndarray:
    """z(simulated) − z(formulas at ``agents``) per interval, fractions clipped to [½/n, 1 − ½/n] for the n
    calls behind them (an empirical logit), each drift limited to ±DRIFT_LIMIT."""
    table = sims.interval_table()
    rows = np.arange(agents.size)
    formulas = np.stack([raw["service_level"][rows, agents], raw["abandon"][rows, agents],
                         raw["asa"][rows, agents]], axis=-1)
    simulated = np.stack([table["service_level"], table["abandon_rate"], table["asa_seconds"]], axis=-1)
    offered = np.sum([m.intervals["offered"] for m in sims.months], axis=0)
    half = 0.5 / np.maximum(offered, 1.0)
    for k in (0, 1):
        simulated[:, k] = np.clip(simulated[:, k], half, 1 - half)
        formulas[:, k] = np.clip(formulas[:, k], half, 1 - half)
    with np.errstate(invalid="ignore"):
        drift = to_scale(simulated, METRICS) - to_scale(formulas, METRICS)
    drift = np.where(np.isfinite(drift), drift, 0.0)
    drift[offered == 0] = 0.0
    return np.clip(drift, -DRIFT_LIMIT, DRIFT_LIMIT)

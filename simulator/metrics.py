"""Metrics from the call log through the definitions profile (domain.md §1, architecture.md).

Every number here is computed from a :class:`~simulator.sim.calllog.SimulationResult`, never counted inside
the simulation. The computation has two steps:

1. **Tally.** Each call is booked into one cell (day, interval) of the staffing grid, and additive counts and
   sums (numerators and denominators) are accumulated per cell: offered, answered, answered within the
   threshold, sum of answer waits, agent busy seconds, staffed seconds, ...
2. **Roll-up.** Intervals of the day, days and measurement periods are sums of cells; every fraction and mean
   is a ratio of summed numerators to summed denominators (volume-weighted), never an average of percentages.
   ``aggregation = "interval_weighted"`` in the profile is the explicit alternative; it only changes the
   *contractual* service level of a day and a period used for attainment (the mean of the interval SLs).

Conventions (the choices a contract must pin down, made explicit):

- **Empty denominators give NaN**: no calls offered → service level, abandon rate and wait probability are
  NaN; no calls answered → ASA, AHT and the wait percentiles are NaN; no staffed time → occupancy is NaN.
  Never a made-up 0 or 1. ``to_dict()`` renders NaN as JSON ``null``.
- **Waits.** The *queue wait* runs from queue entry to the moment an agent is seized (answered calls) or to
  the hang-up (abandoned calls); IVR time never counts. The *answer wait* of an answered call is its queue
  wait plus the ring time when ``asa_includes_ring`` is set; it is the wait used for ASA, the service level,
  the wait percentiles and the mean wait. ``wait_probability`` always uses the queue wait (ring excluded), as
  Erlang's P(W > 0) does. Waits are rounded to the microsecond, so floating-point noise from subtracting
  timestamps cannot decide ``<=`` against ``<``.
- **Within the threshold** means wait <= T when ``threshold_inclusive`` (default) and wait < T otherwise; the
  same rule decides whether an abandon is *short* (wait <= ``short_abandon_seconds``, or < if not inclusive).
- **Wait percentiles** (p50, p80, p90, p99) of answered calls are the empirical distribution's lower quantile
  (numpy's ``inverted_cdf``): p80 is the smallest observed wait such that at least 80 % of answered calls
  waited no longer, which reads like a service level ("80 % answered within p80"). ``wait_max_seconds`` is
  the longest answer wait.
- **AHT** = talk + hold (+ ACW when ``acw_in_aht``) of answered calls; ring time is not handle time.
- **Occupancy** = agent busy seconds (ring + talk + hold + ACW) / staffed seconds. Busy time is split exactly
  across interval boundaries; time after closing is booked to the day's last interval, as the staffed time of
  agents finishing their calls is.
- **Interval attribution.** ``offered`` (default): a call is booked in ``(day, interval_offered)`` of the
  log. ``answered``: a queue call is booked in the interval its wait ended in (answer or hang-up; for
  answered calls this is the interval of ``answered_at``); calls that ended in the IVR stay in their arrival
  interval, so trunk arrivals = IVR contained + IVR abandoned + offered holds in every cell.
- **Observation window.** ``warmup_seconds`` leaves out every call whose trunk arrival (``offered_at``;
  without an IVR this is the queue entry) is earlier. Busy time is counted from the window start whichever
  call caused it; staffed seconds of an interval cut by the window start are prorated by the share of its
  nominal length inside the window (staffing is constant within an interval), except that the overtime after
  closing (agents staffed only while finishing calls, so equal to the busy time after closing) is kept whole.
"""

from __future__ import annotations

import contextlib
import csv
import math
import os
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from simulator.analytic.definitions import SL_DEFINITIONS
from simulator.errors import ScenarioError
from simulator.jsonutil import jsonable
from simulator.scenario.model import Definitions, seconds_to_clock
from simulator.sim.calllog import SimulationResult

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "COUNT_NAMES",
    "DAILY_REPORT_COLUMNS",
    "METRIC_NAMES",
    "PERCENTILES",
    "Attainment",
    "CellSums",
    "Metrics",
    "Summary",
    "cell_sums",
    "compute_metrics",
    "service_level_by_definition",
    "write_daily_report",
]

PERCENTILES = (50, 80, 90, 99)
COUNT_NAMES = (
    "trunk_arrivals",
    "ivr_contained",
    "ivr_abandoned",
    "offered",
    "answered",
    "abandoned",
    "abandoned_short",
    "abandoned_long",
    "answered_within_threshold",
    "abandoned_within_threshold",
    "repeat_calls",
)
_RATIO_NAMES = (
    "service_level",
    "service_level_of_answered",
    "wait_probability",
    "abandon_rate",
    "abandon_rate_excluding_short",
    "asa_seconds",
    "mean_wait_seconds",
    "wait_p50_seconds",
    "wait_p80_seconds",
    "wait_p90_seconds",
    "wait_p99_seconds",
    "wait_max_seconds",
    "aht_seconds",
    "occupancy",
    "staffed_hours",
)
#: Every scalar a :class:`Summary` flattens to (see :meth:`Summary.scalars`), in a fixed order: the counts,
#: the ratios and means, then ``service_level_<definition>`` for each of the five definitions.
METRIC_NAMES: tuple[str, ...] = (
    *COUNT_NAMES, *_RATIO_NAMES, *(f"service_level_{d}" for d in SL_DEFINITIONS)
)
#: Columns of the daily productivity report (domain.md §1.7), after ``day``.
DAILY_REPORT_COLUMNS = (
    "offered",
    "answered",
    "abandoned",
    "abandoned_short",
    "abandoned_long",
    "answered_within_threshold",
    "service_level",
    "asa_seconds",
    "aht_seconds",
    "abandon_rate",
    "occupancy",
    "staffed_hours",
)
_SL_TOLERANCE = 1e-12  # a service level of 0.7999999999999999 from a sum of ratios still meets 0.80


def _ratio(numerator: Any, denominator: Any) -> Any:
    """numerator / denominator, NaN when the denominator is 0 (nothing to measure); element-wise for arrays."""
    if np.ndim(numerator) == 0 and np.ndim(denominator) == 0:
        return float(numerator) / float(denominator) if denominator > 0 else math.nan
    num, den = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    positive = den > 0
    return np.where(positive, num / np.where(positive, den, 1.0), np.nan)


def service_level_by_definition(*, answered: Any, abandoned: Any, answered_within: Any,
                                abandoned_within: Any, abandoned_short: Any) -> dict[str, Any]:
    """The service level under each of the five definitions of domain.md §1.2, from counts.

    Parameters
    ----------
    answered, abandoned : float or array
        Calls answered and abandoned in the queue.
    answered_within : float or array
        Answered calls whose answer wait was within the threshold T.
    abandoned_within : float or array
        Abandoned calls that hung up within T.
    abandoned_short : float or array
        Abandoned calls that hung up within the short-abandon threshold.

    Returns
    -------
    dict
        ``{definition: fraction}`` (element-wise for arrays); NaN where the definition's denominator is 0.
    """
    return {
        "abandons_fail": _ratio(answered_within, answered + abandoned),
        "short_excluded": _ratio(answered_within, answered + abandoned - abandoned_short),
        "abandons_within_threshold_excluded": _ratio(answered_within,
                                                     answered + abandoned - abandoned_within),
        "abandons_within_threshold_success": _ratio(answered_within + abandoned_within,
                                                    answered + abandoned),
        "answered_only": _ratio(answered_within, answered),
    }


# ----------------------------------------------------------------------------------------------------------
# Results
# ----------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Summary:
    """The metrics of one set of calls: an interval, a day, a period or the whole observation window.

    Counts are integers; fractions are in 0–1; durations in seconds. NaN marks an empty denominator.
    ``service_level`` is under the profile's definition, ``service_level_of_answered`` under
    ``answered_only``; ``service_level_by_definition`` holds all five.
    """

    trunk_arrivals: int
    ivr_contained: int
    ivr_abandoned: int
    offered: int
    answered: int
    abandoned: int
    abandoned_short: int
    abandoned_long: int
    answered_within_threshold: int
    abandoned_within_threshold: int
    repeat_calls: int
    service_level: float
    service_level_of_answered: float
    wait_probability: float
    abandon_rate: float
    abandon_rate_excluding_short: float
    asa_seconds: float
    mean_wait_seconds: float
    wait_p50_seconds: float
    wait_p80_seconds: float
    wait_p90_seconds: float
    wait_p99_seconds: float
    wait_max_seconds: float
    aht_seconds: float
    occupancy: float
    staffed_hours: float
    service_level_by_definition: Mapping[str, float] = field(default_factory=dict)

    def scalars(self) -> dict[str, float]:
        """Every metric as one flat ``{name: float}`` in :data:`METRIC_NAMES` order (the five definitions as
        ``service_level_<definition>``)."""
        values = {name: float(getattr(self, name)) for name in (*COUNT_NAMES, *_RATIO_NAMES)}
        for definition in SL_DEFINITIONS:
            values[f"service_level_{definition}"] = float(self.service_level_by_definition[definition])
        return values

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: counts as int, NaN as None, the five definitions as a nested object."""
        data: dict[str, Any] = {name: getattr(self, name) for name in (*COUNT_NAMES, *_RATIO_NAMES)}
        data["service_level_by_definition"] = dict(self.service_level_by_definition)
        out: dict[str, Any] = jsonable(data)
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row, one column per flat metric name."""
        import pandas as pd

        return pd.DataFrame([self.scalars()])


@dataclass(frozen=True, eq=False)
class Attainment:
    """Which intervals, days and periods meet a service-level target (and the profile's floors).

    The service level judged is the profile's definition; a day's and a period's service level follow the
    profile's aggregation (volume-weighted by counts, or the mean of the interval service levels). Cells, days
    and periods without calls are *not measured*: they neither meet nor miss, and shares are over the measured
    ones (NaN when none is). A period is met when its service level meets the target **and** its floors hold
    (no measured day below ``floors.day``, no measured interval below ``floors.interval``).
    """

    target: float
    interval_service_level: np.ndarray  # (days, intervals), NaN where not measured
    day_service_level: np.ndarray  # (days,)
    period_service_level: np.ndarray  # (periods,)
    period_floors_met: np.ndarray  # bool (periods,)
    floor_interval: float | None
    floor_day: float | None

    @property
    def interval_met(self) -> np.ndarray:
        return _meets(self.interval_service_level, self.target)

    @property
    def day_met(self) -> np.ndarray:
        return _meets(self.day_service_level, self.target)

    @property
    def period_target_met(self) -> np.ndarray:
        return _meets(self.period_service_level, self.target)

    @property
    def period_met(self) -> np.ndarray:
        return self.period_target_met & self.period_floors_met

    @property
    def interval_share(self) -> float:
        """Share of measured intervals (day × interval cells) meeting the target."""
        return _share(self.interval_met, self.interval_service_level)

    @property
    def day_share(self) -> float:
        return _share(self.day_met, self.day_service_level)

    @property
    def period_share(self) -> float:
        """Share of measured periods meeting the target and the floors."""
        return _share(self.period_met, self.period_service_level)

    @property
    def floors_share(self) -> float:
        """Share of measured periods whose floors hold."""
        return _share(self.period_floors_met, self.period_service_level)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = jsonable({
            "target": self.target,
            "floors": {"interval": self.floor_interval, "day": self.floor_day},
            "intervals": {"measured": int(np.isfinite(self.interval_service_level).sum()),
                          "met": int(self.interval_met.sum()), "share": self.interval_share},
            "days": {"measured": int(np.isfinite(self.day_service_level).sum()),
                     "met": int(self.day_met.sum()), "share": self.day_share,
                     "met_by_day": [bool(x) if math.isfinite(s) else None
                                    for x, s in zip(self.day_met, self.day_service_level, strict=True)]},
            "periods": {"measured": int(np.isfinite(self.period_service_level).sum()),
                        "met": int(self.period_met.sum()), "share": self.period_share,
                        "service_level": self.period_service_level,
                        "target_met": self.period_target_met, "floors_met": self.period_floors_met},
        })
        return out


def _meets(service_level: np.ndarray, target: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.isfinite(service_level) & (service_level >= target - _SL_TOLERANCE)


def _share(met: np.ndarray, service_level: np.ndarray) -> float:
    measured = np.isfinite(service_level)
    return _ratio(float((met & measured).sum()), float(measured.sum()))


@dataclass(frozen=True, eq=False)
class Metrics:
    """All metrics of one replication: the whole window, per interval of the day, per day and per period.

    ``intervals[i]`` rolls interval ``i`` up over all days (its clock start is ``interval_starts[i]``);
    ``days[d]`` is the daily productivity report of day ``d``; ``periods[k]`` covers days
    ``k·days_per_period`` to ``(k+1)·days_per_period − 1`` (one period of all days by default); ``total``
    is the whole observation window. ``cells[d][i]`` holds interval ``i`` of day ``d``.
    """

    threshold_seconds: float
    definitions: Definitions
    warmup_seconds: float
    days_per_period: int
    interval_starts: tuple[str, ...]
    total: Summary
    intervals: tuple[Summary, ...]
    days: tuple[Summary, ...]
    periods: tuple[Summary, ...]
    cells: tuple[tuple[Summary, ...], ...]
    attainment: Attainment | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready document: ``{"threshold_seconds", "sl_definition", "warmup_seconds", "metrics",
        "intervals": [{"start", ...}], "days": [{"day", ...}], "periods": [{"period", "first_day", ...}],
        "attainment"}``."""
        out: dict[str, Any] = {
            "threshold_seconds": self.threshold_seconds,
            "sl_definition": self.definitions.sl_definition,
            "warmup_seconds": self.warmup_seconds,
            "metrics": self.total.to_dict(),
            "intervals": [{"start": s, **m.to_dict()} for s, m in zip(self.interval_starts, self.intervals,
                                                                      strict=True)],
            "days": [{"day": d, **m.to_dict()} for d, m in enumerate(self.days)],
            "periods": [{"period": k, "first_day": k * self.days_per_period, **m.to_dict()}
                        for k, m in enumerate(self.periods)],
            "attainment": None if self.attainment is None else self.attainment.to_dict(),
        }
        result: dict[str, Any] = jsonable(out)
        return result

    def to_frame(self, level: str = "day") -> pd.DataFrame:
        """A table of flat metrics: one row per ``interval``, ``day``, ``period`` or ``cell``, or the
        ``total``."""
        import pandas as pd

        if level == "interval":
            return pd.DataFrame([m.scalars() for m in self.intervals],
                                index=pd.Index(self.interval_starts, name="start"))
        if level == "day":
            return pd.DataFrame([m.scalars() for m in self.days],
                                index=pd.RangeIndex(len(self.days), name="day"))
        if level == "period":
            return pd.DataFrame([m.scalars() for m in self.periods],
                                index=pd.RangeIndex(len(self.periods), name="period"))
        if level == "cell":
            rows = [m.scalars() for row in self.cells for m in row]
            index = pd.MultiIndex.from_product([range(len(self.cells)), self.interval_starts],
                                               names=["day", "start"])
            return pd.DataFrame(rows, index=index)
        if level == "total":
            return self.total.to_frame()
        raise ScenarioError("must be one of interval, day, period, cell, total", field="level", value=level)

    def daily_rows(self) -> list[dict[str, Any]]:
        """The daily productivity report as rows ``{"day", *DAILY_REPORT_COLUMNS}``."""
        return [{"day": d, **{c: getattr(m, c) for c in DAILY_REPORT_COLUMNS}}
                for d, m in enumerate(self.days)]


# ----------------------------------------------------------------------------------------------------------
# Computation
# ----------------------------------------------------------------------------------------------------------
_SUM_NAMES = (
    "trunk_arrivals", "ivr_contained", "ivr_abandoned", "offered", "answered", "abandoned", "abandoned_short",
    "answered_within_threshold", "abandoned_within_threshold", "repeat_calls", "waited",
    "answer_wait_sum", "abandon_wait_sum", "handle_sum", "busy_seconds", "staffed_seconds",
)


def compute_metrics(result: SimulationResult, definitions: Definitions, threshold_seconds: float, *,
                    target: float | None = None, warmup_seconds: float = 0.0,
                    days_per_period: int | None = None) -> Metrics:
    """Every metric of one replication, from its call log, through the definitions profile.

    Parameters
    ----------
    result : SimulationResult
        The call log and the staffed agent-seconds per (day, interval).
    definitions : Definitions
        The measurement definitions profile (SL formula, short abandons, <= vs <, attribution, ring in ASA,
        ACW in AHT, aggregation, floors).
    threshold_seconds : float
        The service-level threshold T. [s]
    target : float, optional
        A service-level target (0–1); when given, :attr:`Metrics.attainment` says which intervals, days and
        periods meet it.
    warmup_seconds : float
        Start of the observation window: calls arriving earlier are left out. [s]
    days_per_period : int, optional
        Days per measurement period (a month); default all days in one period.

    Returns
    -------
    Metrics
    """
    if not (math.isfinite(threshold_seconds) and threshold_seconds >= 0):
        raise ScenarioError("must be finite and >= 0", field="threshold_seconds", value=threshold_seconds)
    if not (math.isfinite(warmup_seconds) and warmup_seconds >= 0):
        raise ScenarioError("must be finite and >= 0", field="warmup_seconds", value=warmup_seconds)
    if target is not None and not (0 <= target <= 1):
        raise ScenarioError("must be between 0 and 1", field="target", value=target)
    days, n = int(result.days), int(result.interval_count)
    if days < 1 or n < 1:
        raise ScenarioError("the simulation result has no (day, interval) grid", field="result",
                            value=(days, n))
    per = days if days_per_period is None else int(days_per_period)
    if per < 1:
        raise ScenarioError("must be >= 1", field="days_per_period", value=days_per_period)
    staffed = np.asarray(result.staffed_seconds, dtype=float)
    if staffed.shape != (days, n):
        raise ScenarioError(f"must have shape ({days}, {n})", field="staffed_seconds", value=staffed.shape)

    tally = cell_sums(result, definitions, float(threshold_seconds), float(warmup_seconds))
    grid = tally.grid
    period_of_day = np.arange(days) // per
    n_periods = int(period_of_day[-1]) + 1

    # Percentile groups: the answered calls' cells, mapped to interval of day, day and period.
    by_wait = np.argsort(tally.waits, kind="stable")
    wait_values, wait_cells = tally.waits[by_wait], tally.wait_cells[by_wait]
    cell_pct = _group_quantiles(wait_values, wait_cells, days * n).reshape(days, n, -1)
    interval_pct = _group_quantiles(wait_values, wait_cells % n, n)
    day_pct = _group_quantiles(wait_values, wait_cells // n, days)
    period_pct = _group_quantiles(wait_values, period_of_day[wait_cells // n], n_periods)
    total_pct = _group_quantiles(wait_values, np.zeros_like(wait_cells), 1)[0]

    def summary(sums: Mapping[str, Any], pct: np.ndarray) -> Summary:
        return _summarise({k: float(v) for k, v in sums.items()}, pct, definitions)

    cell_summaries = tuple(
        tuple(summary({k: grid[k][d, i] for k in _SUM_NAMES}, cell_pct[d, i]) for i in range(n))
        for d in range(days)
    )
    interval_summaries = tuple(summary({k: grid[k][:, i].sum() for k in _SUM_NAMES}, interval_pct[i])
                               for i in range(n))
    day_summaries = tuple(summary({k: grid[k][d].sum() for k in _SUM_NAMES}, day_pct[d]) for d in range(days))
    period_summaries = tuple(
        summary({k: grid[k][period_of_day == p].sum() for k in _SUM_NAMES}, period_pct[p])
        for p in range(n_periods)
    )
    total = summary({k: grid[k].sum() for k in _SUM_NAMES}, total_pct)

    attainment = None
    if target is not None:
        attainment = _attainment(float(target), definitions, cell_summaries, day_summaries, period_summaries,
                                 period_of_day)

    starts = tuple(seconds_to_clock(result.open_seconds + i * result.interval_seconds) for i in range(n))
    return Metrics(
        threshold_seconds=float(threshold_seconds), definitions=definitions,
        warmup_seconds=float(warmup_seconds),
        days_per_period=per, interval_starts=starts, total=total, intervals=interval_summaries,
        days=day_summaries, periods=period_summaries, cells=cell_summaries, attainment=attainment,
    )


@dataclass(frozen=True, eq=False)
class CellSums:
    """The tally of one run: additive counts and sums per (day, interval) cell, and the answer waits of the
    answered calls with their flat cells (``day * intervals + interval``), in no particular order."""

    grid: dict[str, np.ndarray]  # (days, intervals) per name of _SUM_NAMES
    waits: np.ndarray  # [s]
    wait_cells: np.ndarray

    def wait_quantile(self, percent: int) -> float:
        """The lower empirical quantile of every answer wait (as the wait percentiles); NaN without waits. [s]"""
        if self.waits.size == 0:
            return math.nan
        rank = max((percent * self.waits.size + 99) // 100, 1) - 1
        # Most calls are answered at once: select among the positive waits only (a partition over many equal
        # values is slow), the zeros being the smallest.
        positive = self.waits[self.waits > 0]
        rank -= self.waits.size - positive.size
        return 0.0 if rank < 0 else float(np.partition(positive, rank)[rank])


def cell_sums(result: SimulationResult, definitions: Definitions, threshold_seconds: float,
              warmup_seconds: float = 0.0) -> CellSums:
    """Step 1 of :func:`compute_metrics` alone (the arguments are taken as checked): what a roll-up needs when
    it has no use for the :class:`Summary` of every cell."""
    days, n = int(result.days), int(result.interval_count)
    cells, (waits, wait_cells) = _tally(result, definitions, float(threshold_seconds), float(warmup_seconds))
    return CellSums({name: cells[name].reshape(days, n) for name in _SUM_NAMES}, waits, wait_cells)


_CHUNK_ROWS = 1 << 17
"""Rows whose sums of doubles are added to the totals as one. The numpy tally that came before the compiled one
read the log in chunks of this size; the kernel keeps that order of additions, so that every sum, and every
quote, stays the same to the bit."""


def _tally(result: SimulationResult, definitions: Definitions, threshold: float,
           warmup: float) -> tuple[dict[str, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Additive counts and sums per flat cell ``day * n + interval``, and the answered calls' answer waits
    with their cells in row order (for percentiles), from one compiled pass over the log."""
    from simulator.sim.tally import tally_log  # compiled: numba loads with the first log summed

    days, n = int(result.days), int(result.interval_count)
    geometry = _Geometry(result)
    sums, busy_flat, after_all, waits, wait_cells = tally_log(
        result.log, geometry.boundaries, geometry.extended, days=days, intervals=n,
        by_answer=definitions.interval_attribution == "answered", ring_in_wait=definitions.asa_includes_ring,
        acw_in_handle=definitions.acw_in_aht, inclusive=definitions.threshold_inclusive, threshold=threshold,
        short_seconds=float(definitions.short_abandon_seconds), warmup=warmup, chunk_rows=_CHUNK_ROWS)
    busy_ext = busy_flat.reshape(days, n + 1)  # in the window; column n: after closing
    busy = busy_ext[:, :n].copy()
    busy[:, -1] += busy_ext[:, n]  # after closing counts in the day's last interval
    sums["busy_seconds"] = busy.ravel()
    sums["staffed_seconds"] = _staffed_in_window(result, geometry, warmup, busy_ext[:, n], after_all).ravel()
    return sums, (waits, wait_cells)


class _Geometry:
    """Cell boundaries of a result's (day, interval) grid."""

    def __init__(self, result: SimulationResult) -> None:
        self.days, self.n = int(result.days), int(result.interval_count)
        self.width = float(result.interval_seconds)
        day_seconds, open_seconds = float(result.day_seconds), float(result.open_seconds)
        self.day_start = np.arange(self.days)[:, None] * day_seconds + open_seconds
        self.interval_start = self.day_start + np.arange(self.n)[None, :] * self.width
        self.boundaries = self.interval_start.ravel()[1:]  # n cells per day, the last open to the next day
        # n + 1 cells per day: the intervals, then "after closing" until the next day opens.
        self.extended = (self.day_start + np.arange(self.n + 1)[None, :] * self.width).ravel()[1:]


def _staffed_in_window(result: SimulationResult, geometry: _Geometry, warmup: float,
                       after_in_window: np.ndarray, after_all: np.ndarray) -> np.ndarray:
    """Staffed seconds per (day, interval) inside the observation window.

    For an interval cut by the window start, the staffed seconds of its opening hours are prorated by the
    share of its nominal length inside the window; the after-closing overtime (agents finishing calls are
    counted until they leave, so it equals the busy time after closing) is kept whole where it lies in the
    window.
    """
    staffed = np.asarray(result.staffed_seconds, dtype=float)
    if warmup <= 0:
        return staffed
    nominal = staffed.copy()
    nominal[:, -1] = np.maximum(nominal[:, -1] - after_all, 0.0)
    inside = np.clip((geometry.interval_start + geometry.width - warmup) / geometry.width, 0.0, 1.0)
    window = nominal * inside
    window[:, -1] += after_in_window
    return window


def _group_quantiles(values: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group: the lower empirical quantiles (``inverted_cdf``) at :data:`PERCENTILES` and the maximum;
    NaN for an empty group. Shape (n_groups, len(PERCENTILES) + 1).

    ``values`` must already be sorted ascending: a stable sort by group (a radix sort for small group counts)
    then leaves every group sorted, which is much faster than sorting by (group, value) for each grouping.
    """
    out = np.full((n_groups, len(PERCENTILES) + 1), np.nan)
    if values.size == 0:
        return out
    key = groups.astype(np.int16 if n_groups <= np.iinfo(np.int16).max else np.int64)
    sorted_values = values if n_groups == 1 else values[np.argsort(key, kind="stable")]
    size = np.bincount(key, minlength=n_groups)
    first = np.cumsum(size) - size
    present = size > 0
    for j, q in enumerate(PERCENTILES):
        # Smallest order statistic with at least q % of the group at or below it: index ceil(q·n/100) − 1.
        rank = np.maximum((q * size + 99) // 100, 1) - 1
        out[present, j] = sorted_values[(first + rank)[present]]
    out[present, -1] = sorted_values[(first + size - 1)[present]]
    return out


def _summarise(s: Mapping[str, float], pct: np.ndarray, definitions: Definitions) -> Summary:
    by_definition = service_level_by_definition(
        answered=s["answered"], abandoned=s["abandoned"], answered_within=s["answered_within_threshold"],
        abandoned_within=s["abandoned_within_threshold"], abandoned_short=s["abandoned_short"],
    )
    offered, answered, abandoned, short = s["offered"], s["answered"], s["abandoned"], s["abandoned_short"]
    return Summary(
        trunk_arrivals=int(s["trunk_arrivals"]),
        ivr_contained=int(s["ivr_contained"]),
        ivr_abandoned=int(s["ivr_abandoned"]),
        offered=int(offered),
        answered=int(answered),
        abandoned=int(abandoned),
        abandoned_short=int(short),
        abandoned_long=int(abandoned - short),
        answered_within_threshold=int(s["answered_within_threshold"]),
        abandoned_within_threshold=int(s["abandoned_within_threshold"]),
        repeat_calls=int(s["repeat_calls"]),
        service_level=by_definition[definitions.sl_definition],
        service_level_of_answered=by_definition["answered_only"],
        wait_probability=_ratio(s["waited"], offered),
        abandon_rate=_ratio(abandoned, offered),
        abandon_rate_excluding_short=_ratio(abandoned - short, offered - short),
        asa_seconds=_ratio(s["answer_wait_sum"], answered),
        mean_wait_seconds=_ratio(s["answer_wait_sum"] + s["abandon_wait_sum"], offered),
        wait_p50_seconds=float(pct[0]),
        wait_p80_seconds=float(pct[1]),
        wait_p90_seconds=float(pct[2]),
        wait_p99_seconds=float(pct[3]),
        wait_max_seconds=float(pct[4]),
        aht_seconds=_ratio(s["handle_sum"], answered),
        occupancy=_ratio(s["busy_seconds"], s["staffed_seconds"]),
        staffed_hours=s["staffed_seconds"] / 3600.0,
        service_level_by_definition=by_definition,
    )


def _attainment(target: float, definitions: Definitions, cells: Sequence[Sequence[Summary]],
                days: Sequence[Summary], periods: Sequence[Summary], period_of_day: np.ndarray) -> Attainment:
    cell_sl = np.array([[c.service_level for c in row] for row in cells], dtype=float)
    if definitions.aggregation == "interval_weighted":
        # Every measured interval weighs the same, whatever its volume (the explicit alternative).
        with warnings.catch_warnings():  # an all-NaN slice is simply not measured (NaN)
            warnings.simplefilter("ignore", category=RuntimeWarning)
            day_sl = np.nanmean(cell_sl, axis=1)
            period_sl = np.array([np.nanmean(cell_sl[period_of_day == p]) for p in range(len(periods))])
    else:
        day_sl = np.array([d.service_level for d in days], dtype=float)
        period_sl = np.array([p.service_level for p in periods], dtype=float)
    floors = definitions.floors
    floors_met = np.ones(len(periods), dtype=bool)
    for p in range(len(periods)):
        mine = period_of_day == p
        if floors.day is not None:
            measured = day_sl[mine][np.isfinite(day_sl[mine])]
            floors_met[p] &= bool(np.all(measured >= floors.day - _SL_TOLERANCE))
        if floors.interval is not None:
            measured = cell_sl[mine][np.isfinite(cell_sl[mine])]
            floors_met[p] &= bool(np.all(measured >= floors.interval - _SL_TOLERANCE))
    return Attainment(target=target, interval_service_level=cell_sl, day_service_level=day_sl,
                      period_service_level=period_sl, period_floors_met=floors_met,
                      floor_interval=floors.interval, floor_day=floors.day)


# ----------------------------------------------------------------------------------------------------------
# The daily productivity report as CSV
# ----------------------------------------------------------------------------------------------------------
class DailyReport(Protocol):
    """Anything that can list the daily productivity report (:class:`Metrics`, a replication summary)."""

    def daily_rows(self) -> list[dict[str, Any]]: ...


def write_daily_report(path: str | os.PathLike[str], report: DailyReport) -> Path:
    """Write the daily productivity report as CSV, atomically (a temp file renamed into place).

    One row per day: ``day`` then :data:`DAILY_REPORT_COLUMNS` (for a replication summary, the means over
    replications and the service level's confidence bounds). Fractions are 0–1, durations seconds; an empty
    denominator (NaN) is written as an empty cell.

    Parameters
    ----------
    path : path-like
        The CSV file to (over)write; its folder must exist.
    report : Metrics or ReplicationSummary
        Anything with ``daily_rows()``.

    Returns
    -------
    Path
        The path written.
    """
    target = Path(path)
    rows = report.daily_rows()
    columns = list(rows[0]) if rows else ["day", *DAILY_REPORT_COLUMNS]
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    try:
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as stream:
            writer = csv.DictWriter(stream, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow({key: _csv_value(value) for key, value in row.items()})
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    return target


def _csv_value(value: Any) -> Any:
    value = jsonable(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)  # shortest round-trip text
    return value

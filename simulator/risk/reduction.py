"""One simulated month reduced to what pricing needs: the roll-up of the call log as the contract measures it,
and the backlog each interval inherits (the call log itself stays in the worker that simulated it)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.metrics import CellSums, cell_sums, service_level_by_definition
from simulator.scenario.model import Definitions
from simulator.sim.model import CentreModel
from simulator.sim.reuse import DrawCache

if TYPE_CHECKING:  # pragma: no cover
    from simulator.risk.months import MonthLayout

METRICS = ("service_level", "abandon_rate", "asa_seconds")  # the credit-bearing metrics, in a fixed order

__all__ = ["METRICS", "MONTH_DRAWS", "SimulatedMonth", "carried_in", "reduce_month", "simulate_month"]

# The draws of the months this process simulated, by model (less its staffing) and seed: a staffing search
# simulates the same months at many staffings (:mod:`simulator.sim.reuse`). Only ever a cache: a month taken
# from it is the month drawn afresh, to the bit.
MONTH_DRAWS = DrawCache()


_SUMS = ("offered", "answered", "abandoned", "answered_within_threshold", "abandoned_within_threshold",
         "abandoned_short", "answer_wait_sum", "waited", "handle_sum", "busy_seconds", "staffed_seconds")
_TOTALS = (*_SUMS, "trunk_arrivals", "ivr_contained", "ivr_abandoned", "repeat_calls", "wait_p90_seconds")


@dataclass(frozen=True, eq=False)
class SimulatedMonth:
    """One simulated month reduced to what pricing needs (the call log stays in the worker).

    ``totals``: the month's counts and sums (see ``_TOTALS``); ``month``: its SL (contract definition and
    aggregation), abandon rate and ASA; ``period``: the same per measurement period (P,); ``day``: the same
    per day (D,); ``cell_service_level`` (D, I) for an interval floor; ``intervals``: sums per interval of
    the day (I,).
    """

    totals: dict[str, float]
    month: dict[str, float]
    period: dict[str, np.ndarray]
    day: dict[str, np.ndarray]
    cell_service_level: np.ndarray
    intervals: dict[str, np.ndarray]

    @property
    def day_service_level(self) -> np.ndarray:
        return self.day["service_level"]


def _rates(sums: dict[str, np.ndarray], definitions: Definitions) -> dict[str, np.ndarray]:
    """SL (the contract's definition, volume-weighted), abandon rate and ASA of groups of calls, from their sums
    (element-wise; NaN where nothing was measured)."""
    by_def = service_level_by_definition(
        answered=sums["answered"], abandoned=sums["abandoned"], answered_within=sums["answered_within_threshold"],
        abandoned_within=sums["abandoned_within_threshold"], abandoned_short=sums["abandoned_short"])
    offered, answered = sums["offered"], sums["answered"]
    with np.errstate(invalid="ignore", divide="ignore"):
        return {"service_level": np.asarray(by_def[definitions.sl_definition], dtype=float),
                "abandon_rate": np.where(offered > 0, sums["abandoned"] / np.where(offered > 0, offered, 1), np.nan),
                "asa_seconds": np.where(answered > 0, sums["answer_wait_sum"] / np.where(answered > 0, answered, 1),
                                        np.nan)}


def _nanmean(values: np.ndarray, axis: int | None = None) -> Any:
    with warnings.catch_warnings():  # an all-NaN slice (nothing measured) is NaN, not a warning
        warnings.simplefilter("ignore", category=RuntimeWarning)
        return np.nanmean(values, axis=axis)


def reduce_month(tally: CellSums, definitions: Definitions, layout: MonthLayout,
                 carried: np.ndarray) -> SimulatedMonth:
    """One month's cell sums (:func:`simulator.metrics.cell_sums`) rolled up as the contract measures: the
    roll-up of :func:`simulator.metrics.compute_metrics` (sums of cells, ratios of sums; an interval-weighted
    SL is the mean of the interval SLs), vectorised over the cells. ``carried``: :func:`carried_in`."""
    grid = {name: tally.grid[name] for name in _SUMS}  # (D, I)
    cell = _rates(grid, definitions)
    cell_sl = cell["service_level"]
    interval_weighted = definitions.aggregation == "interval_weighted"
    day_sums = {name: values.sum(axis=1) for name, values in grid.items()}  # (D,)
    day = _rates(day_sums, definitions)
    whole = _rates({name: values.sum() for name, values in grid.items()}, definitions)
    if interval_weighted:
        day["service_level"] = _nanmean(cell_sl, axis=1)
        whole["service_level"] = np.asarray(_nanmean(cell_sl))
    if layout.kind == "interval":
        period = {name: values.reshape(-1) for name, values in cell.items()}
    else:
        groups = layout.period_of_day
        period = _rates({name: np.bincount(groups, weights=values, minlength=layout.periods)
                         for name, values in day_sums.items()}, definitions)
        if interval_weighted:
            period["service_level"] = np.array([_nanmean(cell_sl[groups == p]) for p in range(layout.periods)])
    totals = {name: float(values.sum()) for name, values in grid.items()}
    totals.update({name: float(tally.grid[name].sum())
                   for name in ("trunk_arrivals", "ivr_contained", "ivr_abandoned", "repeat_calls")})
    totals["wait_p90_seconds"] = tally.wait_quantile(90)
    intervals = {name: values.sum(axis=0) for name, values in grid.items()}
    intervals["carried_in"] = carried
    return SimulatedMonth(totals=totals, month={name: float(whole[name]) for name in METRICS}, period=period,
                          day=day, cell_service_level=cell_sl, intervals=intervals)


def simulate_month(model: CentreModel, seed: np.random.SeedSequence, definitions: Definitions,
                    threshold_seconds: float, layout: MonthLayout) -> SimulatedMonth:
    """Simulate one month and reduce it (module level: runs in a worker process). The month's draws are kept
    in the process's :data:`MONTH_DRAWS` for the same month at other staffings."""
    from simulator.sim.engine import simulate

    # Only summed over: no need to sort the log.
    result = simulate(model, seed=seed, ordered=False, reuse=MONTH_DRAWS)
    return reduce_month(cell_sums(result, definitions, threshold_seconds), definitions, layout, carried_in(result))


def carried_in(result: Any) -> np.ndarray:
    """Calls waiting in the agent queue at the start of each interval of the day, summed over the days: the
    backlog an interval inherits from the one before. (I,) [calls]

    A call waits at an interval's start e when it entered the queue before e and left it (seized by an agent,
    or hung up) after e; counted in one compiled pass over the log (:func:`simulator.sim.tally.queue_backlog`)."""
    from simulator.sim.tally import queue_backlog

    edges = (np.arange(result.days)[:, None] * result.day_seconds + result.open_seconds
             + np.arange(result.interval_count)[None, :] * result.interval_seconds).reshape(-1)
    waiting = queue_backlog(result.log, edges).reshape(result.days, result.interval_count)
    return np.asarray(waiting.sum(axis=0), dtype=float)

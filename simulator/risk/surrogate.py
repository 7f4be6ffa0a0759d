"""Risk months by the surrogate: the formulas at every month's shocked loads, tied to the simulation.

Two methods turn the months into outcomes measured as the contract measures them (definition, measurement
period, aggregation, floors):

``"simulation"``
    Every month is simulated by the engine (:func:`simulator.sim.engine.simulate`) with its shocks and read
    through :func:`simulator.metrics.compute_metrics`. Exact, and about as slow as one simulated month each.

``"surrogate"`` (default)
    The rule, step by step:

    1. *Analytic cells.* In interval i of day d of month m the agent queue receives
       ``first_i × M × D_d × attempts`` expected calls with handle time ``AHT × H``: ``first_i`` the trunk
       calls after IVR containment and IVR abandonment, ``attempts`` the attempts per first call (an
       answered call comes back with probability 1 − FCR, an abandoned one redials with the redial
       probability, up to ``max_attempts``), which depends on P(abandon) and so on the load: the load is
       the fixed point (:class:`QueueModel`). Erlang A (Erlang C if the scenario has no patience) at the
       staffed agents gives, per offered call, P(answered within T), P(abandon), the ASA of answered calls
       and the other pieces of the five SL definitions. The formulas are evaluated on a grid of load
       multipliers (log-spaced over the range drawn, about 2 % apart) for each interval and interpolated
       (monotone cubic, PCHIP) at every cell; AHT drift also changes the time scale (T/AHT, patience/AHT),
       interpolated linearly between five values of H.
    2. *Roll-up by counts.* Cells are summed into each measurement period as the profile says: the SL as
       Σ calls·numerator / Σ calls·denominator (``volume_weighted``) or the mean of the interval SLs
       (``interval_weighted``); the abandon rate as Σ calls·P(abandon) / Σ calls; the ASA as
       Σ answered·ASA / Σ answered.
    3. *Calibration.* What the simulation knows and the formulas do not (backlog across intervals, IVR time,
       when repeats come back, non-exponential handling and patience, ring time in ASA, ...) is measured at
       the same staffing: months simulated on the forecast (no volume shocks) and, with the same seeds, a few
       at a raised volume (the forecast × (1 + 1.645 σ), σ the spread of a month's load multiplier). On a
       logit scale for the SL and the abandon rate and a log scale for the ASA, per metric: the **drift** =
       mean of the simulated values − the formulas' roll-up on the forecast, and the **slope** = the change
       of the simulated value between the two volumes (paired months) ÷ the formulas' change (kept within
       0.5–2). Each month's value z becomes ``z + drift + (slope − 1)(z − z_forecast)``.
    4. *Noise.* The simulated months at fixed volume also vary among themselves (single calls are random):
       the covariance of their values on the same scales (metrics jointly, so SL and abandonment move
       together) is drawn as a normal noise per period and added too. With one simulated month there is
       no noise to measure and none is added.

    The result has the simulation's level, response and month-to-month spread, and the formulas' shape of
    the response to the volume and AHT shocks. ``RiskMonths.to_dict()["calibration"]`` carries the drift,
    slope and noise and the numbers behind them. It is checked against ``"simulation"`` in the tests (P(miss)
    within 3 standard errors + 0.05 at two staffing levels of the default scenario, and on a small centre).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from simulator.risk.calibration import Calibration
from simulator.risk.months import (
    METRICS,
    NOISE_BRANCH,
    MonthLayout,
    RiskMonths,
    aht_multipliers,
    check_months,
    month_layout,
    month_outcomes,
    risk_month_seeds,
)
from simulator.risk.queue import QueueModel, QueueTable, load_grid
from simulator.scenario.model import Scenario
from simulator.sim.draws import make_streams, volume_multipliers
from simulator.sim.model import CentreModel

_H_NODES = 5  # AHT multipliers tabulated when AHT drifts
_CHUNK_CELLS = 2_000_000  # cells (months × days × intervals) processed at a time: bounds the memory


def month_shocks(scenario: Scenario, *, months: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Month multipliers (M,), day multipliers (M, D) and AHT multipliers (M,) of the risk months, the same
    that :func:`simulated_months` gives the engine."""
    model = CentreModel.from_scenario(scenario, np.zeros(scenario.interval_count, dtype=int) + 1)
    month = np.empty(months)
    days = np.empty((months, scenario.demand.days_per_month))
    for m, child in enumerate(risk_month_seeds(seed, months)):
        month[m], days[m] = volume_multipliers(model, make_streams(child)["multipliers"])
    return month, days, aht_multipliers(seed, months, scenario.simulation.aht_drift_cv)


Shocks = tuple[np.ndarray, np.ndarray, np.ndarray]


def month_volume(shocks: Shocks) -> np.ndarray:
    """Each risk month's volume as a multiple of the forecast: the month multiplier × the mean of its day
    multipliers (every open day has the same forecast). (M,) [-]"""
    month, days, _ = shocks
    return np.asarray(month * days.mean(axis=1), dtype=float)


def forecast_miss_excused(scenario: Scenario, volume: np.ndarray) -> np.ndarray | None:
    """The risk months the forecast-miss exclusion excuses: ``volume`` (:func:`month_volume`) above the forecast
    by more than ``credits.forecast_tolerance`` (None: the contract has no such exclusion). (M,) bool"""
    tolerance = scenario.credits.forecast_tolerance
    if tolerance is None:
        return None
    return np.asarray(np.asarray(volume) > 1.0 + tolerance + 1e-12)


RollUps = list[dict[str, np.ndarray]]


def surrogate_months(scenario: Scenario, agents: Any, calibration: Calibration, *, months: int,
                     seed: int, queue: QueueModel | None = None, shocks: Shocks | None = None,
                     roll_ups: dict[tuple[int, ...], RollUps] | None = None) -> RiskMonths:
    """The ``"surrogate"`` method (rule in the module docstring): formulas at every month's shocked loads,
    rolled up as the contract measures, with the simulation's drift and noise added.

    ``queue`` and ``shocks``: the scenario's :class:`QueueModel` and :func:`month_shocks`, when the caller keeps
    them between calls (a staffing search asks for many staffings of one scenario); computed here otherwise.
    ``roll_ups``: where the caller keeps steps 1 and 2 by staffing (they depend on neither the calibration nor
    the noise, and the staffing engine calibrates one staffing several times), with ``queue`` and ``shocks``.
    """
    check_months(months)
    qm = QueueModel.from_scenario(scenario) if queue is None else queue
    agents = np.asarray(agents, dtype=int)
    layout = month_layout(scenario)
    month_mult, day_mult, h = month_shocks(scenario, months=months, seed=seed) if shocks is None else shocks
    v = month_mult[:, None] * day_mult  # volume multiplier per (month, day)
    key = tuple(agents.tolist())
    if roll_ups is None or key not in roll_ups:
        rolled_chunks = _analytic_months(qm, agents, layout, v, h)
        if roll_ups is not None:
            roll_ups[key] = rolled_chunks
    else:
        rolled_chunks = roll_ups[key]

    rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(NOISE_BRANCH, 0)))
    period_rows: dict[str, list[np.ndarray]] = {n: [] for n in METRICS}
    month_rows: list[np.ndarray] = []
    day_rows: list[np.ndarray] = []
    cell_rows: list[np.ndarray] = []
    days, n_int = layout.days, layout.intervals
    for rolled in rolled_chunks:  # chunks of months (_analytic_months)
        month_rows.append(calibration.month.apply(rolled["month"], rng))
        if layout.kind == "interval":
            positions = np.broadcast_to(np.arange(n_int), (days, n_int)).reshape(-1)
            values = calibration.period.apply(rolled["period"], rng, positions)
        elif layout.kind == "month":
            values = month_rows[-1][:, None, :]
        else:
            values = calibration.period.apply(rolled["period"], rng)
        for k, name in enumerate(METRICS):
            period_rows[name].append(values[..., k])
        if calibration.day is not None:
            day_rows.append(calibration.day.apply(rolled["day_service_level"][..., None], rng)[..., 0])
        if calibration.cell is not None:
            positions = np.arange(n_int)
            cells = rolled["cell_service_level"]
            cell_rows.append(calibration.cell.apply(cells[..., None], rng, positions)[..., 0].reshape(len(cells), -1))
    monthly = np.concatenate(month_rows)
    period = {name: np.concatenate(rows) for name, rows in period_rows.items()}
    outcomes = month_outcomes(period, np.concatenate(day_rows) if day_rows else None,
                         np.concatenate(cell_rows) if cell_rows else None)
    return RiskMonths(method="surrogate", months=months, seed=seed, outcomes=outcomes,
                      monthly={name: monthly[:, k] for k, name in enumerate(METRICS)}, aht_multiplier=h,
                      volume=month_volume((month_mult, day_mult, h)), calibration=calibration,
                      volume_multiplier=month_mult)


def _analytic_months(qm: QueueModel, agents: np.ndarray, layout: MonthLayout, v: np.ndarray,
                     h: np.ndarray) -> RollUps:
    """Steps 1 and 2 of the rule: the formulas at every cell's shocked load, rolled up as the contract measures,
    in chunks of months (:func:`_roll_up` each)."""
    u = v * h[:, None]  # first-attempt load multiplier
    h_nodes = load_grid(h, _H_NODES) if h.max() > h.min() * (1 + 1e-12) else np.array([float(h[0])])
    tables = [qm.table(agents, float(u.min()), float(u.max()), float(hj)) for hj in h_nodes]
    months = v.shape[0]
    step = max(1, _CHUNK_CELLS // (layout.days * layout.intervals))
    out = []
    for start in range(0, months, step):
        sl = slice(start, min(months, start + step))
        out.append(_roll_up(qm, _interpolate(tables, h_nodes, u[sl], h[sl]), v[sl], layout))
    return out


def _interpolate(tables: list[QueueTable], h_nodes: np.ndarray, u: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Quantities at load multipliers ``u`` (Mc, D) and AHT multipliers ``h`` (Mc,): (Mc, D, I, Q)."""
    mc, d = u.shape
    at_nodes = [table(u).reshape(mc, d, *table.q.shape[1:]) for table in tables]
    if len(h_nodes) == 1:
        return at_nodes[0]
    # Linear in h between neighbouring nodes (h only moves the time scale once u is fixed).
    j = np.clip(np.searchsorted(h_nodes, h) - 1, 0, len(h_nodes) - 2)
    t = ((h - h_nodes[j]) / (h_nodes[j + 1] - h_nodes[j]))[:, None, None, None]
    stacked = np.stack(at_nodes)  # (H, Mc, D, I, Q)
    rows = np.arange(mc)
    out: np.ndarray = (1 - t) * stacked[j, rows] + t * stacked[j + 1, rows]
    return out


def _roll_up(qm: QueueModel, q: np.ndarray, v: np.ndarray, layout: MonthLayout) -> dict[str, np.ndarray]:
    """Cells → month, measurement periods, days and cells, by counts as the profile says.

    Returns ``month`` (Mc, K), ``period`` (Mc, P, K), ``day_service_level`` (Mc, D), ``cell_service_level``
    (Mc, D, I).
    """
    w = qm.first_calls[None, None, :] * v[:, :, None] * q[..., 6]  # expected calls offered per cell (Mc, D, I)
    num, den = qm.service_level_parts(q)
    pab, asa_num = q[..., 1], q[..., 5]
    with np.errstate(invalid="ignore", divide="ignore"):
        cell_sl = np.where((den > 0) & (w > 0), num / den, np.nan)
    sums = {"num": (w * num).sum(axis=2), "den": (w * den).sum(axis=2), "calls": w.sum(axis=2),
            "abandoned": (w * pab).sum(axis=2), "answered": (w * (1 - pab)).sum(axis=2),
            "asa": (w * asa_num).sum(axis=2)}  # per (month, day)
    interval_weighted = qm.aggregation == "interval_weighted"

    def metrics(group: dict[str, np.ndarray], cells: np.ndarray | list[np.ndarray]) -> np.ndarray:
        """SL, abandon rate and ASA of groups of cells; ``cells``: the SLs of each group's cells, for the
        interval-weighted SL (an array with the cells on the last axis, or one array per group)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            if not interval_weighted:
                sl = np.where(group["den"] > 0, group["num"] / group["den"], np.nan)
            elif isinstance(cells, list):
                sl = np.stack([np.nanmean(c, axis=-1) for c in cells], axis=-1)
            else:
                sl = np.nanmean(cells, axis=-1)
            ab = np.where(group["calls"] > 0, group["abandoned"] / group["calls"], np.nan)
            asa = np.where(group["answered"] > 0, group["asa"] / group["answered"], np.nan)
        return np.stack([sl, ab, asa], axis=-1)

    mc = v.shape[0]
    with warnings.catch_warnings():  # an all-NaN slice (no calls) is simply not measured
        warnings.simplefilter("ignore", category=RuntimeWarning)
        month = metrics({k: s.sum(axis=1) for k, s in sums.items()}, cell_sl.reshape(mc, -1))
        day_sl = metrics(sums, cell_sl)[..., 0]
        if layout.kind == "interval":
            cell_group = {"num": w * num, "den": w * den, "calls": w, "abandoned": w * pab,
                          "answered": w * (1 - pab), "asa": w * asa_num}
            period = metrics(cell_group, cell_sl[..., None]).reshape(mc, -1, len(METRICS))
        elif layout.kind == "month":
            period = month[:, None, :]
        else:
            groups = layout.period_of_day
            n_periods = layout.periods
            grouped = {k: np.stack([s[:, groups == p].sum(axis=1) for p in range(n_periods)], axis=1)
                       for k, s in sums.items()}
            period = metrics(grouped, [cell_sl[:, groups == p].reshape(mc, -1) for p in range(n_periods)])
    return {"month": month, "period": period, "day_service_level": day_sl, "cell_service_level": cell_sl}

"""Calibrate a scenario from an ACD interval report: :func:`calibrate_intervals`.

An interval report says, per interval, how many calls were offered, answered, abandoned and answered within T,
the AHT, the ASA and the agents staffed. From it: the profile, the volume and its day-to-day dispersion (of
*offered* calls: repeat calls cannot be told from first calls, so none are generated again), the AHT (the
answered-weighted mean, with a ratio-estimator interval over intervals), the staffing actually present, and the
patience under which Erlang A reproduces the abandonment (:func:`simulator.calibrate.patience.erlang_a_patience`),
or, when the report has the average time to abandon, total waiting time over abandonments
(:func:`~simulator.calibrate.patience.exposure_patience`).
The shape of the handle time is not in the report: it is written exponential, as Erlang A assumes.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from scipy import stats

from simulator.calibrate.calls import _data_label, _date_after
from simulator.calibrate.columns import ColumnMap
from simulator.calibrate.demand import estimate_demand
from simulator.calibrate.fits import DurationFit
from simulator.calibrate.observed import observe_intervals
from simulator.calibrate.patience import erlang_a_patience, exposure_patience
from simulator.calibrate.reader import DAY, read_intervals
from simulator.calibrate.result import Calibration
from simulator.errors import ScenarioError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["calibrate_intervals"]


def _aht(aht: np.ndarray, answered: np.ndarray) -> DurationFit:
    """Answered-weighted AHT with the ratio estimator's interval over intervals (clusters of calls)."""
    used = answered > 0
    a, h = answered[used], aht[used] * answered[used]
    ratio = float(h.sum() / a.sum())
    k = len(a)
    if k > 1:
        se = math.sqrt(float(np.sum((h - ratio * a) ** 2)) / (k - 1) * k) / float(a.sum())
        half = float(stats.t.ppf(0.975, k - 1)) * se
        ci = (ratio - half, ratio + half)
    else:
        ci = (math.nan, math.nan)
    return DurationFit("handling.talk", int(a.sum()), "exponential", ratio, 1.0, ci, (1.0, 1.0),
                       "answered-weighted mean of the intervals' AHT; ratio-estimator interval over intervals")


def calibrate_intervals(data: str | Path | pd.DataFrame, columns: ColumnMap | None = None, *,
                        threshold_seconds: float = 20.0, call_type: str | None = None,
                        name: str | None = None) -> Calibration:
    """Fit a scenario to an ACD interval report (one row per interval).

    Parameters
    ----------
    data : str, Path or pandas.DataFrame
        A CSV or Parquet file, or a table in memory.
    columns : ColumnMap, optional
        How the report names its columns; its ``threshold_seconds`` (the T of the answered-within column)
        wins over the argument.
    threshold_seconds : float
        The T of the answered-within column when the mapping does not say. [s]
    call_type : str, optional
        Keep only the rows of this call type.
    name : str, optional
        The scenario's name; default the file's stem.
    """
    mapping = columns or ColumnMap("intervals")
    records = read_intervals(data, mapping, call_type=call_type)
    threshold = records.threshold_seconds if records.threshold_seconds is not None else threshold_seconds
    label = _data_label(data)
    length = records.interval_seconds
    v = records.values
    slot = (records.start_seconds // length).astype(int)
    busy_days = np.unique(records.day[v["offered"] > 0])
    if not busy_days.size:
        raise ScenarioError("no interval offered a call", source=records.source, field="offered", value=0)
    row = np.searchsorted(busy_days, records.day)
    keep = (row < len(busy_days)) & (busy_days[np.minimum(row, len(busy_days) - 1)] == records.day)
    counts = np.zeros((len(busy_days), int(DAY // length)))
    np.add.at(counts, (row[keep], slot[keep]), v["offered"][keep])
    demand = estimate_demand(counts, busy_days, records.weekday0, length, length)
    n = demand.interval_count
    observed = observe_intervals(records, busy_days, demand.open_seconds, n, threshold)

    warnings: list[str] = []
    talk = _aht(v["aht_seconds"], v["answered"])
    inside = keep & (records.start_seconds >= demand.open_seconds) & \
        (records.start_seconds < demand.open_seconds + n * length)
    of_day = ((records.start_seconds - demand.open_seconds) // length).astype(int)
    # The expected calls of a row: its day's volume times the interval's share of the day.
    day_total = counts.sum(axis=1)[np.minimum(row, len(busy_days) - 1)]
    expected = day_total * demand.profile[np.clip(of_day, 0, n - 1)]
    fitted = inside & (of_day > 0)  # each day's first interval starts empty, not in Erlang A's steady state
    aht = np.where(v["answered"] > 0, np.nan_to_num(v["aht_seconds"]), talk.mean)
    patience, note = None, None
    try:
        erlang = erlang_a_patience(v["offered"][fitted], v["abandoned"][fitted], expected[fitted],
                                   v["agents"][fitted], aht[fitted], length, of_day[fitted], demand.interval_starts)
        patience = erlang
        if "ata_seconds" in v:
            patience = exposure_patience(v["abandoned"][inside], v["answered"][inside], v["asa_seconds"][inside],
                                         v["ata_seconds"][inside], erlang)
    except ValueError as error:
        note = f"{error}; patience is left to the master agreement or the model (none: nobody abandons)"
        warnings.append(note)
    if patience is not None and patience.dispersion is not None and patience.dispersion > 2:
        warnings.append(f"the intervals' abandonment varies {patience.dispersion:.1f} times more than Erlang A's "
                        "binomial allows (non-exponential patience or handling, time-varying load); the interval "
                        "of the patience is widened by it")
    warnings.append("an interval report cannot tell repeat calls from first calls: calls_per_day counts every "
                    "offered call and no repeat is generated")
    data_info = {"file": label, "rows": len(records), "days": len(busy_days), "first_date": records.first_date,
                 "last_date": _date_after(records.first_date, int(records.day.max())), "call_type": call_type,
                 "offered": int(v["offered"].sum()), "answered": int(v["answered"].sum()),
                 "abandoned": int(v["abandoned"].sum())}
    return Calibration("intervals", name or (Path(label).stem if label != "data" else "calibrated"), data_info,
                       mapping, demand, {"talk": talk}, patience, note, observed, threshold,
                       warnings=tuple(warnings))

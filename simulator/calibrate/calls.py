"""Calibrate a scenario from a call-by-call log: :func:`calibrate_calls`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from simulator.calibrate.columns import ColumnMap
from simulator.calibrate.demand import estimate_demand
from simulator.calibrate.estimate import Estimate, wilson
from simulator.calibrate.fits import DurationFit, fit_durations
from simulator.calibrate.observed import observe_calls
from simulator.calibrate.patience import patience_from_waits
from simulator.calibrate.reader import DAY, CallRecords, read_calls
from simulator.calibrate.repeats import Links, fit_repeats, link_repeats
from simulator.calibrate.result import Calibration
from simulator.errors import ScenarioError
from simulator.sim.calllog import ABANDONED, ANSWERED, IVR_ABANDONED, IVR_CONTAINED

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["calibrate_calls"]

SLOT = 900.0  # [s] arrivals are counted per 15 minutes, then grouped into the profile's interval


def _data_label(data: str | Path | pd.DataFrame) -> str:
    return Path(data).name if isinstance(data, str | Path) else "data"


def _share(count: int, total: int, what: str) -> Estimate:
    return Estimate(count / total, wilson(count, total), total, what, "fraction",
                    "share of all call attempts; Wilson interval")


def _fit(values: np.ndarray, name: str, warnings: list[str]) -> DurationFit | None:
    try:
        return fit_durations(values, name)
    except ValueError as error:
        warnings.append(f"{name} not fitted: {error}")
        return None


def _handling(records: CallRecords, warnings: list[str]) -> tuple[dict[str, DurationFit], dict[str, np.ndarray]]:
    t = records.times
    served = records.outcome == ANSWERED
    if not served.any():
        raise ScenarioError("no answered call in the data: handle times cannot be estimated",
                            source=records.source, field="outcome", value=None, has_value=False)
    samples: dict[str, np.ndarray] = {"ring": (t["answer"] - t["queue_exit"])[served],
               "talk": (t["talk_end"] - t["answer"] - records.hold_seconds)[served]}
    if "hold_seconds" in records.present:
        samples["hold"] = records.hold_seconds[served]
    if "acw_end" in records.present:
        samples["acw"] = (t["acw_end"] - t["talk_end"])[served]
    fits: dict[str, DurationFit] = {}
    for name in ("talk", "hold", "acw", "ring"):
        if name in samples:
            fit = _fit(samples[name], f"handling.{name}", warnings)
            if fit is not None:
                fits[name] = fit
    if "talk" not in fits:
        raise ScenarioError("talk time cannot be estimated", source=records.source, field="talk_end", value=None,
                            has_value=False)
    return fits, samples


def _ivr(records: CallRecords, warnings: list[str]) -> tuple[DurationFit | None, np.ndarray | None]:
    t = records.times
    if "ivr_entry" in t and "ivr_exit" in t:
        navigation = t["ivr_exit"] - t["ivr_entry"]
    elif "ivr_exit" in t:
        navigation = t["ivr_exit"] - t["arrival"]
    else:
        navigation = t["queue_entry"] - t["arrival"]
    navigation = navigation[np.isfinite(navigation)]
    if not len(navigation) or np.all(navigation == 0):
        return None, None
    return _fit(navigation, "ivr.navigation", warnings), navigation


def calibrate_calls(data: str | Path | pd.DataFrame, columns: ColumnMap | None = None, *,
                    interval_minutes: int = 30, threshold_seconds: float = 20.0, window_days: float = 7.0,
                    call_type: str | None = None, name: str | None = None) -> Calibration:
    """Fit a scenario to a call-by-call log (one row per call attempt).

    Parameters
    ----------
    data : str, Path or pandas.DataFrame
        A CSV or Parquet file, or a table already in memory.
    columns : ColumnMap, optional
        How the file names its columns (:func:`simulator.calibrate.load_columns`); default the canonical names.
    interval_minutes : {15, 30, 60}
        The profile's interval (the master agreement's ``definitions.interval_minutes``).
    threshold_seconds : float
        The service-level threshold T of the back-test's observed service level. [s]
    window_days : float
        A call by the same customer within this many days of the end of the previous one is a follow-up
        (repeat or redial). [days]
    call_type : str, optional
        Keep only the rows of this call type (a scenario is one queue).
    name : str, optional
        The scenario's name; default the file's stem.

    Returns
    -------
    Calibration

    Raises
    ------
    ScenarioError
        Bad data, naming the file, the row and the column (see :mod:`simulator.calibrate.reader`).
    """
    if interval_minutes not in (15, 30, 60):
        raise ScenarioError("must be 15, 30 or 60", field="interval_minutes", value=interval_minutes)
    mapping = columns or ColumnMap("calls")
    records = read_calls(data, mapping, call_type=call_type)
    warnings: list[str] = []
    label = _data_label(data)

    links: Links | None = None
    first = np.ones(len(records), dtype=bool)
    if records.customer is not None:
        links = link_repeats(records, window_days * DAY)
        first = links.first_attempt
    else:
        warnings.append("no customer id: FCR and redials are not estimated, every call counts as a first attempt")

    arrival = records.times["arrival"][first]
    day = np.floor(arrival / DAY).astype(int)
    day_numbers = np.unique(day)
    counts = np.zeros((len(day_numbers), int(DAY // SLOT)))
    np.add.at(counts, (np.searchsorted(day_numbers, day), ((arrival - day * DAY) // SLOT).astype(int)), 1)
    demand = estimate_demand(counts, day_numbers, records.weekday0, SLOT, interval_minutes * 60.0)
    if demand.outside_hours:
        warnings.append(f"{demand.outside_hours} first attempts arrived outside {demand.interval_starts[0]}-"
                        "closing; calls_per_day counts them, the profile spreads them over the open hours")
    repeats = None if links is None else fit_repeats(links, demand)
    if demand.weekday_p_value < 0.05:
        factors = ", ".join(f"{row['weekday'][:3]} {row['factor']:.2f}" for row in demand.by_weekday())
        warnings.append(f"weekday factors (calls per day ÷ the mean): {factors}")

    handling, samples = _handling(records, warnings)
    navigation, ivr_samples = _ivr(records, warnings)
    if ivr_samples is not None:
        samples["ivr"] = ivr_samples
    total = len(records)
    containment = _share(int((records.outcome == IVR_CONTAINED).sum()), total, "call attempts")
    ivr_abandon = _share(int((records.outcome == IVR_ABANDONED).sum()), total, "call attempts")

    t = records.times
    queued = (records.outcome == ANSWERED) | (records.outcome == ABANDONED)
    patience, note = None, None
    try:
        patience = patience_from_waits((t["queue_exit"] - t["queue_entry"])[queued],
                                       (records.outcome == ABANDONED)[queued])
    except ValueError as error:
        note = f"{error}; patience is left to the master agreement or the model (none: nobody abandons)"
        warnings.append(note)

    observed = observe_calls(records, day_numbers, demand.open_seconds, demand.interval_seconds,
                             demand.interval_count, threshold_seconds)
    last = float(np.nanmax(t["arrival"]))
    data_info = {"file": label, "rows": total, "days": len(day_numbers), "first_date": records.first_date,
                 "last_date": _date_after(records.first_date, int(last // DAY)), "call_type": call_type,
                 "queue_calls": int(queued.sum()), "first_attempts": int(first.sum())}
    return Calibration("calls", name or (Path(label).stem if label != "data" else "calibrated"), data_info, mapping,
                       demand, handling, patience, note, observed, threshold_seconds, navigation, containment,
                       ivr_abandon, repeats, tuple(warnings), samples)


def _date_after(first: str, days: int) -> str:
    import datetime as dt

    return (dt.date.fromisoformat(first) + dt.timedelta(days=days)).isoformat()

"""Client data made by callsim: a scenario simulated and written the way an ACD exports it.

For the tests (simulate a known scenario, calibrate, recover it) and the notebook ``04-from-data-to-price``:
:func:`simulate_acd_data` runs one replication of a scenario for some days and returns its call log in a
foreign column layout (an ACD's own headers, day-first date-times, its own outcome names) and the interval
report aggregated from the same run, with the mapping files that read them back (:data:`ACD_COLUMNS`,
:data:`ACD_INTERVAL_COLUMNS`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulator.calibrate.columns import ColumnMap, parse_columns
from simulator.sim.calllog import ABANDONED, ANSWERED, IVR_ABANDONED, IVR_CONTAINED, SimulationResult

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from simulator.scenario.model import Scenario

__all__ = ["ACD_COLUMNS", "ACD_DATETIME", "ACD_INTERVAL_COLUMNS", "AcdData", "simulate_acd_data"]

ACD_DATETIME = "%d.%m.%Y %H:%M:%S.%f"  # how the example ACD writes instants (CSV: pass as date_format)
ACD_COLUMNS = """\
# How the example ACD names the fields of its call-by-call export.
[columns]
arrival = "StartTime"
ivr_entry = "IVREnter"
ivr_exit = "IVRLeave"
queue_entry = "QueueIn"
queue_exit = "QueueOut"
answer = "Connect"
talk_end = "TalkEnd"
acw_end = "WrapEnd"
hold_seconds = "HoldSecs"
outcome = "Result"
call_type = "Skill"
customer = "CustomerNo"
call_id = "CallID"

[outcomes]
answered = ["HANDLED"]
abandoned = ["ABANDONED"]
ivr_contained = ["IVR-SELFSERVICE"]
ivr_abandoned = ["IVR-HANGUP"]

[format]
datetime = "%d.%m.%Y %H:%M:%S.%f"
"""
ACD_INTERVAL_COLUMNS = """\
# How the example ACD names the fields of its interval report.
[columns]
date = "Date"
interval_start = "Interval"
offered = "Offered"
answered = "Handled"
abandoned = "Abandoned"
answered_within = "Within20"
aht_seconds = "AHT"
asa_seconds = "ASA"
ata_seconds = "AvgAbandonTime"
agents = "Staffed"
call_type = "Skill"

[format]
date = "%d/%m/%Y"
threshold_seconds = 20
"""
_RESULT = {ANSWERED: "HANDLED", ABANDONED: "ABANDONED", IVR_CONTAINED: "IVR-SELFSERVICE",
           IVR_ABANDONED: "IVR-HANGUP"}


@dataclass(frozen=True, eq=False)
class AcdData:
    """A simulated month as a client would hand it over.

    ``calls`` is the call-by-call export (datetime columns; write it with ``to_csv(path, index=False,
    date_format=ACD_DATETIME)``), ``intervals`` the interval report, ``agents`` the staffing simulated per
    (day, interval), ``result`` the simulation itself (the truth), ``dates`` the calendar date of each day.
    """

    calls: pd.DataFrame
    intervals: pd.DataFrame
    agents: np.ndarray
    result: SimulationResult
    dates: tuple[str, ...]

    @staticmethod
    def call_columns() -> ColumnMap:
        return parse_columns(tomllib.loads(ACD_COLUMNS), "calls", "ACD_COLUMNS")

    @staticmethod
    def interval_columns() -> ColumnMap:
        return parse_columns(tomllib.loads(ACD_INTERVAL_COLUMNS), "intervals", "ACD_INTERVAL_COLUMNS")


def _dates(days: int, open_weekdays: int, start: dt.date) -> list[dt.date]:
    out: list[dt.date] = []
    day = start
    while len(out) < days:
        if day.weekday() < open_weekdays:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def simulate_acd_data(scenario: Scenario, *, seed: int = 0, days: int | None = None,
                      agents: int | np.ndarray | None = None, start: str = "2024-03-04",
                      call_type: str = "voice") -> AcdData:
    """Simulate ``scenario`` (one replication of ``days`` open days) and export it as an ACD would.

    Parameters
    ----------
    scenario : Scenario
        The truth to be recovered.
    seed : int
        Seed of the run.
    days : int, optional
        Open days simulated; default ``demand.days_per_month``. They fall on the first
        round(days_per_month × 12/52) weekdays of each week from ``start`` (Monday to Saturday for 26).
    agents : int or array, optional
        Agents per interval (or per day and interval); default the scenario's own staffing rule.
    start : str
        The first date (ISO). A Monday keeps the weekdays as above.
    call_type : str
        The value of the export's call-type column.
    """
    import pandas as pd

    from simulator.sim import CentreModel, simulate
    from simulator.simulation import default_agents

    days = scenario.demand.days_per_month if days is None else int(days)
    plan = default_agents(scenario)[0] if agents is None else np.asarray(agents)
    model = CentreModel.from_scenario(scenario, plan)
    model = dataclasses.replace(model, days=days, agents=np.broadcast_to(model.agents[0], (days, model.interval_count))
                                if np.ndim(plan) < 2 else plan)
    result = simulate(model, seed=seed)
    log = result.log
    open_weekdays = min(7, max(1, round(scenario.demand.days_per_month * 12 / 52)))
    dates = _dates(days, open_weekdays, dt.date.fromisoformat(start))
    midnight = np.array([np.datetime64(d, "ms") for d in dates])

    def stamp(seconds: np.ndarray, day: np.ndarray) -> np.ndarray:
        within = np.rint((seconds - day * 86400.0) * 1000)
        valid = np.isfinite(within)
        out = np.full(len(seconds), np.datetime64("NaT"), dtype="datetime64[ms]")
        out[valid] = midnight[day[valid]] + within[valid].astype("timedelta64[ms]")
        return out

    day = log.day.astype(int)
    answered, abandoned = log.outcome == ANSWERED, log.outcome == ABANDONED
    in_ivr = log.ivr_seconds > 0
    seized = np.where(answered, log.answered_at - log.ring_seconds, np.where(abandoned, log.abandoned_at, np.nan))
    talk_end = np.where(answered, log.answered_at + log.talk_seconds + log.hold_seconds, np.nan)
    root = log.root if log.root is not None else np.arange(len(log))
    calls = pd.DataFrame({
        "CallID": np.arange(1_000_001, 1_000_001 + len(log)),
        "CustomerNo": [f"C{r:07d}" for r in root],
        "Skill": call_type,
        "StartTime": stamp(log.offered_at, day),
        "IVREnter": stamp(np.where(in_ivr, log.offered_at, np.nan), day),
        "IVRLeave": stamp(np.where(in_ivr, log.offered_at + log.ivr_seconds, np.nan), day),
        "QueueIn": stamp(log.queued_at, day),
        "QueueOut": stamp(seized, day),
        "Connect": stamp(log.answered_at, day),
        "TalkEnd": stamp(talk_end, day),
        "WrapEnd": stamp(np.where(answered, talk_end + log.acw_seconds, np.nan), day),
        "HoldSecs": np.where(answered, np.round(log.hold_seconds, 3), np.nan),
        "Result": [_RESULT[int(o)] for o in log.outcome],
    })
    agents_by_day = np.asarray(model.agents)
    return AcdData(calls, _interval_report(result, seized, agents_by_day, dates, call_type), agents_by_day, result,
                   tuple(d.isoformat() for d in dates))


def _interval_report(result: SimulationResult, seized: np.ndarray, agents: np.ndarray, dates: list[dt.date],
                     call_type: str) -> pd.DataFrame:
    """Per (day, interval) of queue entry: offered, answered, abandoned, within 20 s, AHT, ASA, the average time
    to abandon and the agents scheduled."""
    import pandas as pd

    log = result.log
    n, length, opening = result.interval_count, result.interval_seconds, result.open_seconds
    queued = np.isfinite(log.queued_at)
    q = log.queued_at[queued]
    day = np.floor(q / 86400.0).astype(int)
    cell = day * n + np.clip(((q - day * 86400.0 - opening) // length).astype(int), 0, n - 1)
    size = result.days * n
    answered = (log.outcome == ANSWERED)[queued]
    wait = (seized - log.queued_at)[queued]
    handle = (log.talk_seconds + log.hold_seconds + log.acw_seconds)[queued]

    def total(weights: np.ndarray) -> np.ndarray:
        return np.bincount(cell, weights=weights, minlength=size)

    offered = total(np.ones(len(q)))
    handled = total(answered.astype(float))
    with np.errstate(invalid="ignore", divide="ignore"):
        aht = np.round(total(np.where(answered, handle, 0.0)) / handled, 1)
        asa = np.round(total(np.where(answered, wait, 0.0)) / handled, 1)
        gave_up = total((~answered).astype(float))
        ata = np.round(total(np.where(answered, 0.0, wait)) / gave_up, 1)
    starts = [f"{int((opening + i * length) // 3600):02d}:{int((opening + i * length) % 3600 // 60):02d}"
              for i in range(n)]
    return pd.DataFrame({
        "Date": [dates[d].strftime("%d/%m/%Y") for d in range(result.days) for _ in range(n)],
        "Interval": starts * result.days,
        "Skill": call_type,
        "Offered": offered.astype(int),
        "Handled": handled.astype(int),
        "Abandoned": total((~answered).astype(float)).astype(int),
        "Within20": total((answered & (wait <= 20.0)).astype(float)).astype(int),
        "AHT": aht,
        "ASA": asa,
        "AvgAbandonTime": ata,
        "Staffed": agents.ravel(),
    })

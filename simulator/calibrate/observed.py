"""What happened in the data, per (day, interval): the queue's counts and the agents staffed.

The back-test compares these with the simulation and with Erlang A. A call is booked in the interval it entered
the queue (the definitions profile's default attribution). From a call log, the agents staffed are not
recorded; they are inferred from the calls in service at once (an agent is busy from seizure to the end of
after-call work): the level reached or exceeded during at least 5 % of the interval. When a queue forms every
agent is busy, so this is the staffing wherever it matters (in quiet intervals it is a lower bound); the
maximum would count, in an interval where staffing drops, the agents of the previous one still finishing
their calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.calibrate.reader import DAY, CallRecords, IntervalRecords
from simulator.sim.calllog import ABANDONED, ANSWERED

__all__ = ["CELL_NAMES", "Observed", "observe_calls", "observe_intervals"]

CELL_NAMES = ("offered", "answered", "abandoned", "answered_within", "wait_sum")


@dataclass(frozen=True, eq=False)
class Observed:
    """Counts per (observed day, interval from opening) and the agents staffed in each.

    ``cells[name]`` has shape (days, intervals): calls offered to the queue, answered, abandoned, answered
    within ``threshold_seconds`` (wait <= T) and the summed waits of answered calls [s].
    """

    interval_seconds: float
    open_seconds: float
    threshold_seconds: float
    cells: dict[str, np.ndarray]
    agents: np.ndarray
    agents_method: str


def _cell(times: np.ndarray, day_numbers: np.ndarray, open_seconds: float, interval_seconds: float,
          n: int) -> tuple[np.ndarray, np.ndarray]:
    """Row in the observed days (-1 if the day is not one) and interval (clipped to the open hours)."""
    day = np.floor(times / DAY).astype(int)
    row = np.searchsorted(day_numbers, day)
    row = np.where((row < len(day_numbers)) & (day_numbers[np.minimum(row, len(day_numbers) - 1)] == day), row, -1)
    interval = np.clip(np.floor((times - day * DAY - open_seconds) / interval_seconds).astype(int), 0, n - 1)
    return row, interval


def _busy_level(start: np.ndarray, end: np.ndarray, day_numbers: np.ndarray, open_seconds: float,
                interval_seconds: float, n: int, share: float = 0.05) -> np.ndarray:
    """Per (observed day, interval): the number of calls in service reached or exceeded during at least ``share``
    of the interval (the time-weighted 95th percentile of the busy agents)."""
    times = np.concatenate((start, end))
    delta = np.concatenate((np.ones(len(start)), -np.ones(len(end))))
    order = np.lexsort((delta, times))  # at equal instants an agent frees before the next seizure
    times, level = times[order], np.cumsum(delta[order])
    out = np.zeros((len(day_numbers), n))
    for r, d in enumerate(day_numbers):
        for i in range(n):
            a = d * DAY + open_seconds + i * interval_seconds
            b = a + interval_seconds
            k0 = int(np.searchsorted(times, a, side="right")) - 1
            k1 = int(np.searchsorted(times, b, side="left"))
            levels = np.concatenate(([level[k0] if k0 >= 0 else 0.0], level[k0 + 1:k1]))
            held = np.diff(np.concatenate(([a], times[k0 + 1:k1], [b])))
            by_level = np.argsort(-levels, kind="stable")
            reached = np.cumsum(held[by_level]) / interval_seconds
            out[r, i] = levels[by_level][min(int(np.searchsorted(reached, share)), len(levels) - 1)]
    return out


def observe_calls(records: CallRecords, day_numbers: np.ndarray, open_seconds: float, interval_seconds: float,
                  n: int, threshold_seconds: float) -> Observed:
    """The queue's counts per (day, interval) and the agents inferred from concurrent service."""
    t = records.times
    queued = (records.outcome == ANSWERED) | (records.outcome == ABANDONED)
    row, interval = _cell(t["queue_entry"][queued], day_numbers, open_seconds, interval_seconds, n)
    keep = row >= 0
    answered = (records.outcome == ANSWERED)[queued]
    wait = (t["queue_exit"] - t["queue_entry"])[queued]
    cells = {name: np.zeros((len(day_numbers), n)) for name in CELL_NAMES}
    for name, weight in (("offered", np.ones(len(wait))), ("answered", answered.astype(float)),
                         ("abandoned", (~answered).astype(float)),
                         ("answered_within", (answered & (wait <= threshold_seconds)).astype(float)),
                         ("wait_sum", np.where(answered, wait, 0.0))):
        np.add.at(cells[name], (row[keep], interval[keep]), weight[keep])
    served = records.outcome == ANSWERED
    end = t["acw_end"] if "acw_end" in t else t["talk_end"]
    agents = _busy_level(t["queue_exit"][served], end[served], day_numbers, open_seconds, interval_seconds, n)
    return Observed(interval_seconds, open_seconds, threshold_seconds, cells, agents,
                    "inferred: the calls in service at once (seizure to end of ACW) reached during at least 5 % "
                    "of the interval")


def observe_intervals(records: IntervalRecords, day_numbers: np.ndarray, open_seconds: float,
                      n: int, threshold_seconds: float) -> Observed:
    """The report's own counts and agents, on the (day, interval) grid of the calibrated hours."""
    interval_seconds = records.interval_seconds
    row, interval = _cell(records.day * DAY + records.start_seconds, day_numbers, open_seconds, interval_seconds, n)
    inside = (row >= 0) & (records.start_seconds >= open_seconds) & \
        (records.start_seconds < open_seconds + n * interval_seconds)
    v = records.values
    cells = {name: np.zeros((len(day_numbers), n)) for name in CELL_NAMES}
    for name, values in (("offered", v["offered"]), ("answered", v["answered"]), ("abandoned", v["abandoned"]),
                         ("answered_within", v["answered_within"]),
                         ("wait_sum", np.nan_to_num(v["asa_seconds"]) * v["answered"])):
        np.add.at(cells[name], (row[inside], interval[inside]), values[inside])
    agents = np.zeros((len(day_numbers), n))
    agents[row[inside], interval[inside]] = v["agents"][inside]
    return Observed(interval_seconds, open_seconds, threshold_seconds, cells, agents,
                    "the report's agents staffed")

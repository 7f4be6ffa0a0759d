"""Read a client's export (CSV or Parquet) through a :class:`ColumnMap` into checked numpy columns.

Nothing is guessed silently: a missing column, a time that does not parse, a call whose clock runs backwards,
a time that wrapped past midnight without its date moving on, or a duplicated row stops the read with one
:class:`~simulator.errors.ScenarioError` naming the file, the row (``line N`` of a CSV file, counting the
header as line 1; ``row N`` of a Parquet file) and the column, and the bad value.

Times become seconds after midnight of the first day in the data (day ``d`` starts at ``d * 86400``), the
convention of the simulator's call log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.calibrate.columns import ColumnMap, Field, fields_for
from simulator.errors import ScenarioError
from simulator.sim.calllog import OUTCOMES

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["CallRecords", "IntervalRecords", "read_calls", "read_intervals", "read_table"]

DAY = 86400.0
# Each stage of a call starts no earlier than the one before it (pairs checked where both are present).
ORDER = (("arrival", "ivr_entry"), ("ivr_entry", "ivr_exit"), ("arrival", "queue_entry"), ("ivr_exit", "queue_entry"),
         ("queue_entry", "queue_exit"), ("queue_exit", "answer"), ("answer", "talk_end"), ("talk_end", "acw_end"))
# What each outcome must carry.
NEEDS = {"answered": ("queue_entry", "queue_exit", "answer", "talk_end", "acw_end"),
         "abandoned": ("queue_entry", "queue_exit")}


@dataclass(frozen=True)
class _Table:
    frame: pd.DataFrame
    source: str
    row_label: Callable[[int], str]


@dataclass(frozen=True, eq=False)
class CallRecords:
    """A call-by-call log, one row per call attempt, times in seconds from midnight of day 0 (NaN if absent).

    ``present`` names the optional fields the file has; ``first_date`` is day 0's date (ISO); ``outcome``
    indexes :data:`simulator.sim.calllog.OUTCOMES`; ``customer`` holds integer codes (-1 if blank), or None.
    """

    source: str
    first_date: str
    weekday0: int  # weekday of day 0 (Monday = 0)
    times: dict[str, np.ndarray]  # canonical time field → seconds
    hold_seconds: np.ndarray
    outcome: np.ndarray
    customer: np.ndarray | None
    present: frozenset[str]
    call_type: str | None

    def __len__(self) -> int:
        return len(self.outcome)

    @property
    def day(self) -> np.ndarray:
        return np.floor(self.times["arrival"] / DAY).astype(int)


@dataclass(frozen=True, eq=False)
class IntervalRecords:
    """An ACD interval report, one row per (day, interval)."""

    source: str
    first_date: str
    weekday0: int
    interval_seconds: float
    day: np.ndarray  # int
    start_seconds: np.ndarray  # seconds after midnight of the row's day
    values: dict[str, np.ndarray]  # offered, answered, abandoned, answered_within, aht_seconds, asa_seconds, agents
    threshold_seconds: float | None
    call_type: str | None

    def __len__(self) -> int:
        return len(self.day)


def read_table(data: str | Path | pd.DataFrame) -> _Table:
    """The file as a table of strings (CSV) or typed columns (Parquet, by the suffix .parquet or .pq); a
    DataFrame is taken as it is (its rows are named ``row N``, counting from 1)."""
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return _Table(data.reset_index(drop=True), "data", lambda i: f"row {i + 1}")
    path = Path(data)
    source = str(path)
    if not path.is_file():
        raise ScenarioError("file not found" if not path.exists() else "is not a file", source=source)
    if path.suffix.lower() in (".parquet", ".pq"):
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ScenarioError("reading Parquet needs pyarrow: pip install 'callsim[parquet]'",
                                source=source) from None
        try:
            frame = pd.read_parquet(path)
        except Exception as error:  # pyarrow raises many kinds for a file that is not Parquet
            raise ScenarioError(f"cannot read as Parquet: {' '.join(str(error).split())[:120]}",
                                source=source) from None
        return _Table(frame.reset_index(drop=True), source, lambda i: f"row {i + 1}")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[], skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise ScenarioError("the file is empty", source=source) from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as error:
        raise ScenarioError(f"cannot read as CSV: {' '.join(str(error).split())[:160]}", source=source) from None
    return _Table(frame, source, lambda i: f"line {i + 2}")


def _fail(table: _Table, row: int, column: str, message: str, value: Any) -> ScenarioError:
    return ScenarioError(message, source=table.source, field=f"{table.row_label(row)}.{column}",
                         value=value if not isinstance(value, float) or np.isfinite(value) else str(value))


def _columns(table: _Table, mapping: ColumnMap) -> dict[str, str]:
    """Canonical name → header, for the fields the file has; a required one missing is an error."""
    headers = [str(h) for h in table.frame.columns]
    found = {}
    for f in fields_for(mapping.kind):
        header = mapping.header(f.name)
        if header in headers:
            found[f.name] = header
        elif f.required or f.name in mapping.columns:
            shown = ", ".join(headers[:12]) + (", ..." if len(headers) > 12 else "")
            raise ScenarioError(f"missing column {header!r} ({f.name}: {f.meaning}); the file has {shown}",
                                source=table.source, field=f.name, value=None, has_value=False)
    if not len(table.frame):
        raise ScenarioError("the file has a header but no rows", source=table.source)
    return found


def _blank(raw: pd.Series) -> np.ndarray:
    if raw.dtype == object:
        return np.asarray(raw.isna() | (raw.astype(str).str.strip() == ""))
    return np.asarray(raw.isna())


def _datetimes(table: _Table, header: str, fmt: str | None) -> pd.Series:
    """Parse a column of date-times; a non-blank value that does not parse is an error."""
    import pandas as pd

    raw = table.frame[header]
    if pd.api.types.is_datetime64_any_dtype(raw):
        values = raw.dt.tz_localize(None) if getattr(raw.dt, "tz", None) is not None else raw
        return values.astype("datetime64[ns]")
    if raw.dtype != object:
        raise _fail(table, 0, header, "expected date-times", raw.iloc[0])
    text = raw.astype(str).str.strip()
    parsed = pd.to_datetime(text, format=fmt or "ISO8601", errors="coerce")
    bad = np.flatnonzero(parsed.isna().to_numpy() & ~_blank(raw))
    if bad.size:
        expected = f"the format {fmt!r}" if fmt else "ISO 8601, e.g. 2024-03-04 08:15:02"
        raise _fail(table, int(bad[0]), header, f"cannot read as a date-time ({expected})", raw.iloc[bad[0]])
    return parsed.astype("datetime64[ns]")


def _clock_times(table: _Table, header: str) -> pd.Series:
    """Parse clock times HH:MM[:SS[.fff]] (when a date column holds the date) into timedeltas."""
    import pandas as pd

    raw = table.frame[header]
    text = raw.astype(str).str.strip()
    text = text.where(~text.str.fullmatch(r"\d{1,2}:\d{2}"), text + ":00")  # HH:MM as HH:MM:00
    parsed = pd.to_timedelta(text.where(~_blank(raw), None), errors="coerce")
    out_of_day = parsed.notna() & ((parsed < pd.Timedelta(0)) | (parsed > pd.Timedelta(days=1)))
    bad = np.flatnonzero((parsed.isna().to_numpy() & ~_blank(raw)) | out_of_day.to_numpy())
    if bad.size:
        raise _fail(table, int(bad[0]), header, "cannot read as a clock time HH:MM:SS", raw.iloc[bad[0]])
    return parsed


def _numbers(table: _Table, header: str, *, whole: bool = False) -> np.ndarray:
    """Parse a numeric column (>= 0, finite; whole numbers for counts); blanks are NaN."""
    import pandas as pd

    raw = table.frame[header]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float) if raw.dtype == object else \
        raw.to_numpy(dtype=float)
    blank = _blank(raw)
    for mask, message in ((~blank & ~np.isfinite(values), "cannot read as a number"),
                          (np.isfinite(values) & (values < 0), "must be >= 0"),
                          (np.isfinite(values) & (values != np.round(values)) if whole else None,
                           "must be a whole number")):
        if mask is not None and mask.any():
            i = int(np.flatnonzero(mask)[0])
            raise _fail(table, i, header, message, raw.iloc[i])
    return values


def _select_type(table: _Table, found: dict[str, str], call_type: str | None) -> _Table:
    if call_type is None:
        return table
    if "call_type" not in found:
        raise ScenarioError("there is no call-type column to select from (map call_type in --columns)",
                            source="--call-type", value=call_type)
    column = table.frame[found["call_type"]].astype(str).str.strip()
    keep = np.flatnonzero(column.to_numpy() == call_type)
    if not keep.size:
        seen = sorted(set(column))[:10]
        raise ScenarioError(f"no row has this call type; the file has {', '.join(map(repr, seen))}",
                            source="--call-type", value=call_type)
    frame = table.frame.iloc[keep].reset_index(drop=True)
    original = table.row_label
    return _Table(frame, table.source, lambda i: original(int(keep[i])))


def _duplicates(table: _Table, found: dict[str, str]) -> None:
    headers = list(found.values())
    frame = table.frame[headers]
    if "call_id" in found:
        ids = frame[found["call_id"]].astype(str)
        dup = ids.duplicated(keep="first").to_numpy() & ~_blank(frame[found["call_id"]])
        if dup.any():
            i = int(np.flatnonzero(dup)[0])
            first = int(np.flatnonzero((ids == ids.iloc[i]).to_numpy())[0])
            raise _fail(table, i, found["call_id"], f"duplicate call id (also on {table.row_label(first)})",
                        ids.iloc[i])
    dup = frame.duplicated(keep="first").to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        same = (frame == frame.iloc[i]).all(axis=1).to_numpy()
        first = int(np.flatnonzero(same)[0])
        raise _fail(table, i, headers[0], f"duplicate row: the same as {table.row_label(first)}",
                    frame.iloc[i, 0])


def _time_columns(table: _Table, found: dict[str, str], mapping: ColumnMap,
                  fields: tuple[Field, ...], anchor: str) -> tuple[dict[str, np.ndarray], str, int, bool]:
    """Every time field in seconds after midnight of the first date; also that date, its weekday and whether
    the times were clock times beside a date column."""
    import pandas as pd

    names = [f.name for f in fields if f.type == "time" and f.name in found]
    clock = "date" in found
    if clock:
        dates = _datetimes(table, found["date"], mapping.date_format).dt.normalize()
        blank = np.flatnonzero(dates.isna().to_numpy())
        if blank.size:
            raise _fail(table, int(blank[0]), found["date"], "the date is missing", "")
        stamps = {name: dates + _clock_times(table, found[name]) for name in names}
    else:
        stamps = {name: _datetimes(table, found[name], mapping.datetime_format) for name in names}
    anchor_values = stamps[anchor]
    missing = np.flatnonzero(anchor_values.isna().to_numpy())
    if missing.size:
        raise _fail(table, int(missing[0]), found[anchor], "is missing", "")
    origin = anchor_values.min().normalize()
    seconds = {name: ((s - origin) / pd.Timedelta(seconds=1)).to_numpy(dtype=float) for name, s in stamps.items()}
    return seconds, origin.date().isoformat(), int(origin.weekday()), clock


def _check_order(table: _Table, found: dict[str, str], times: dict[str, np.ndarray]) -> None:
    for earlier, later in ORDER:
        if earlier not in times or later not in times:
            continue
        gap = times[later] - times[earlier]
        bad = np.flatnonzero(gap < 0)
        if not bad.size:
            continue
        i = int(bad[0])
        header = found[later]
        raw = table.frame[header].iloc[i]
        if gap[i] < -DAY / 2:  # hours backwards: the clock passed 24:00 and the date stayed
            raise _fail(table, i, header, f"is {-gap[i]:g} s before {earlier} ({found[earlier]}): a time that "
                        "passed midnight without its date moving on (midnight wrap); give full date-times", raw)
        raise _fail(table, i, header, f"is {-gap[i]:g} s before {earlier} ({found[earlier]}): a negative "
                    "duration", raw)


def read_calls(path: str | Path | pd.DataFrame, mapping: ColumnMap, *, call_type: str | None = None) -> CallRecords:
    """Read and check a call-by-call log (one row per call attempt)."""
    table = read_table(path)
    found = _columns(table, mapping)
    table = _select_type(table, found, call_type)
    _duplicates(table, found)

    # Outcomes first: they decide which times each row must have.
    raw = table.frame[found["outcome"]].astype(str).str.strip()
    codes = mapping.outcome_values()
    outcome_names = raw.map(codes)
    unknown = np.flatnonzero(outcome_names.isna().to_numpy())
    if unknown.size:
        i = int(unknown[0])
        known = ", ".join(f"{value!r} ({name})" for value, name in codes.items())
        raise _fail(table, i, found["outcome"], f"unknown outcome; mapped values are {known} (map others under "
                    "[outcomes] in --columns)", raw.iloc[i])
    outcome = outcome_names.map({name: k for k, name in enumerate(OUTCOMES)}).to_numpy(dtype=np.int8)

    times, first_date, weekday0, _ = _time_columns(table, found, mapping, fields_for("calls"), "arrival")
    for name, needed in NEEDS.items():
        rows = outcome == OUTCOMES.index(name)
        for field_name in needed:
            if field_name not in times:
                continue
            missing = np.flatnonzero(rows & np.isnan(times[field_name]))
            if missing.size:
                raise _fail(table, int(missing[0]), found[field_name], f"an {name} call needs this time", "")
    _check_order(table, found, times)

    hold = np.zeros(len(outcome))
    if "hold_seconds" in found:
        hold = np.nan_to_num(_numbers(table, found["hold_seconds"]), nan=0.0)
        conversation = times["talk_end"] - times["answer"]
        over = np.flatnonzero(hold > conversation + 1e-6)
        if over.size:
            i = int(over[0])
            raise _fail(table, i, found["hold_seconds"], f"is longer than the conversation ({conversation[i]:g} s "
                        "from answer to talk_end): a negative talk time", table.frame[found["hold_seconds"]].iloc[i])
    customer = None
    if "customer" in found:
        column = table.frame[found["customer"]].astype(str).str.strip()
        codes_, _ = column.factorize()
        customer = np.where(_blank(table.frame[found["customer"]]), -1, codes_).astype(np.int64)
    return CallRecords(table.source, first_date, weekday0, times, hold, outcome, customer,
                       frozenset(found), call_type)


def read_intervals(path: str | Path | pd.DataFrame, mapping: ColumnMap, *,
                   call_type: str | None = None) -> IntervalRecords:
    """Read and check an ACD interval report (one row per interval)."""
    table = read_table(path)
    found = _columns(table, mapping)
    table = _select_type(table, found, call_type)
    _duplicates(table, found)
    times, first_date, weekday0, _ = _time_columns(table, found, mapping, fields_for("intervals"), "interval_start")
    start = times["interval_start"]
    counts = ("offered", "answered", "abandoned", "answered_within")
    values: dict[str, np.ndarray] = {
        name: _numbers(table, found[name], whole=name in counts)
        for name in ("offered", "answered", "abandoned", "answered_within", "aht_seconds", "asa_seconds",
                           "agents", "ata_seconds") if name in found}
    for name in ("offered", "answered", "abandoned", "answered_within", "agents"):
        missing = np.flatnonzero(np.isnan(values[name]))
        if missing.size:
            raise _fail(table, int(missing[0]), found[name], "is missing", "")
    for part, whole in (("answered", "offered"), ("abandoned", "offered"), ("answered_within", "answered")):
        bad = np.flatnonzero(values[part] > values[whole])
        if bad.size:
            i = int(bad[0])
            raise _fail(table, i, found[part], f"is more than {whole} ({values[whole][i]:g})",
                        table.frame[found[part]].iloc[i])
    for name, count in (("aht_seconds", "answered"), ("asa_seconds", "answered"), ("ata_seconds", "abandoned")):
        if name not in values:
            continue
        missing = np.flatnonzero(np.isnan(values[name]) & (values[count] > 0))
        if missing.size:
            raise _fail(table, int(missing[0]), found[name], f"is missing in an interval with {count} calls", "")
    order = np.argsort(start, kind="stable")
    dup = np.flatnonzero(np.diff(start[order]) == 0)
    if dup.size:
        i = int(order[dup[0] + 1])
        raise _fail(table, i, found["interval_start"], f"the same interval as {table.row_label(int(order[dup[0]]))}",
                    table.frame[found["interval_start"]].iloc[i])
    day = np.floor(start / DAY).astype(int)
    within = start - day * DAY
    steps = np.diff(start[order])
    same_day = np.diff(day[order]) == 0
    gaps = steps[same_day & (steps > 0)]
    distinct, times_seen = np.unique(gaps, return_counts=True)
    length = float(distinct[np.argmax(times_seen)]) if gaps.size else 1800.0  # the usual step between intervals
    if length not in (900.0, 1800.0, 3600.0):
        i = int(order[int(np.flatnonzero(same_day & (steps == length))[0]) + 1])
        raise _fail(table, i, found["interval_start"], f"intervals must be 15, 30 or 60 minutes apart; these "
                    f"are {length / 60:g} minutes", table.frame[found["interval_start"]].iloc[i])
    off = np.flatnonzero(np.abs(within / length - np.round(within / length)) > 1e-9)
    if off.size:
        i = int(off[0])
        raise _fail(table, i, found["interval_start"], f"does not start on a {length / 60:g}-minute boundary",
                    table.frame[found["interval_start"]].iloc[i])
    return IntervalRecords(table.source, first_date, weekday0, length, day[order], within[order],
                           {k: v[order] for k, v in values.items()}, mapping.threshold_seconds, call_type)

"""How a client's export names its columns: the small mapping file of ``callsim calibrate --columns``.

Every ACD names its fields its own way. A :class:`ColumnMap` says which column of the file holds each field
callsim reads (the *canonical* names below), which values of the outcome column mean what, and how times are
written. It comes from a TOML file, from ``--column NAME=HEADER`` flags, or both (flags win)::

    [columns]                    # canonical name = the file's header
    arrival = "StartTime"
    queue_entry = "QueueIn"
    answer = "Connect"

    [outcomes]                   # the outcome column's values
    answered = ["HANDLED"]
    abandoned = ["ABANDONED"]

    [format]
    datetime = "%d.%m.%Y %H:%M:%S.%f"   # strftime; default ISO 8601
    threshold_seconds = 20               # interval reports: the T of the answered-within column

A field left out of ``[columns]`` is looked for under its canonical name.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from simulator.errors import ScenarioError

__all__ = ["CALL_FIELDS", "INTERVAL_FIELDS", "OUTCOME_NAMES", "ColumnMap", "Field", "fields_for", "load_columns"]

Kind = Literal["calls", "intervals"]


@dataclass(frozen=True)
class Field:
    """A field callsim reads: its canonical name, what it holds, whether it is required and its type."""

    name: str
    meaning: str
    required: bool
    type: Literal["time", "number", "count", "text", "date"]


CALL_FIELDS: tuple[Field, ...] = (
    Field("arrival", "arrival at the trunk", True, "time"),
    Field("date", "the call's date, when the times are clock times", False, "date"),
    Field("ivr_entry", "entry into the IVR", False, "time"),
    Field("ivr_exit", "exit from the IVR (end of the call if it ended there)", False, "time"),
    Field("queue_entry", "entry into the agent queue", True, "time"),
    Field("queue_exit", "exit from the queue: an agent seized, or the caller hung up", True, "time"),
    Field("answer", "the caller connected to the agent", True, "time"),
    Field("talk_end", "end of the conversation (talk and hold)", True, "time"),
    Field("acw_end", "end of after-call work", False, "time"),
    Field("hold_seconds", "time on hold during the conversation", False, "number"),
    Field("outcome", "how the call ended", True, "text"),
    Field("call_type", "the call type or skill", False, "text"),
    Field("customer", "the caller's id, to link repeat calls", False, "text"),
    Field("call_id", "the call's id (duplicates are refused)", False, "text"),
)
INTERVAL_FIELDS: tuple[Field, ...] = (
    Field("interval_start", "start of the interval", True, "time"),
    Field("date", "the interval's date, when the starts are clock times", False, "date"),
    Field("offered", "calls offered to the queue", True, "count"),
    Field("answered", "calls answered", True, "count"),
    Field("abandoned", "calls abandoned in the queue", True, "count"),
    Field("answered_within", "calls answered within the threshold", True, "count"),
    Field("aht_seconds", "average handle time of the answered calls", True, "number"),
    Field("asa_seconds", "average speed of answer", True, "number"),
    Field("agents", "agents staffed (average logged in)", True, "number"),
    Field("ata_seconds", "average time to abandon (wait of the abandoned calls)", False, "number"),
    Field("call_type", "the call type or skill", False, "text"),
)
OUTCOME_NAMES = ("answered", "abandoned", "ivr_contained", "ivr_abandoned")


def fields_for(kind: Kind) -> tuple[Field, ...]:
    return CALL_FIELDS if kind == "calls" else INTERVAL_FIELDS


@dataclass(frozen=True)
class ColumnMap:
    """Which header holds each canonical field, what the outcome values mean, how times are written.

    Attributes
    ----------
    kind : {"calls", "intervals"}
        A call-by-call log or an ACD interval report.
    columns : mapping of str to str
        Canonical name → the file's header; a field not named here is looked for under its canonical name.
    outcomes : mapping of str to tuple of str
        Outcome name (``answered``, ``abandoned``, ``ivr_contained``, ``ivr_abandoned``) → the values that
        mean it. Default: the names themselves.
    datetime_format, date_format : str or None
        strftime formats of the time columns and of the date column; None reads ISO 8601.
    threshold_seconds : float or None
        The threshold T of an interval report's answered-within column. [s]
    source : str
        Where the mapping came from, for error messages.
    """

    kind: Kind
    columns: Mapping[str, str] = field(default_factory=dict)
    outcomes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    datetime_format: str | None = None
    date_format: str | None = None
    threshold_seconds: float | None = None
    source: str = "--columns"

    def header(self, name: str) -> str:
        """The file's header for canonical field ``name``."""
        return self.columns.get(name, name)

    def outcome_values(self) -> dict[str, str]:
        """The outcome column's value → outcome name."""
        values: dict[str, str] = {}
        for outcome in OUTCOME_NAMES:
            for value in self.outcomes.get(outcome, (outcome,)):
                values[value] = outcome
        return values

    def with_flags(self, flags: Sequence[str]) -> ColumnMap:
        """This mapping with ``NAME=HEADER`` flags on top."""
        columns = dict(self.columns)
        known = [f.name for f in fields_for(self.kind)]
        for text in flags:
            name, sep, header = text.partition("=")
            name, header = name.strip(), header.strip()
            if not sep or not name or not header:
                raise ScenarioError("expected NAME=HEADER, e.g. --column answer=ConnectTime", source="--column",
                                    value=text)
            _check_name(name, known, "--column", name)
            columns[name] = header
        return ColumnMap(self.kind, columns, self.outcomes, self.datetime_format, self.date_format,
                         self.threshold_seconds, self.source)

    def to_dict(self) -> dict[str, Any]:
        return {"columns": {f.name: self.header(f.name) for f in fields_for(self.kind)},
                "outcomes": {o: list(self.outcomes.get(o, (o,))) for o in OUTCOME_NAMES} if self.kind == "calls"
                else None,
                "datetime_format": self.datetime_format, "date_format": self.date_format,
                "threshold_seconds": self.threshold_seconds}


def _check_name(name: str, known: Sequence[str], source: str, path: str) -> None:
    if name not in known:
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; the fields are {', '.join(known)}"
        raise ScenarioError(f"unknown field{hint}", source=source, field=path, value=name)


def parse_columns(doc: Mapping[str, Any], kind: Kind, source: str) -> ColumnMap:
    """A :class:`ColumnMap` from a parsed mapping document (see the module docstring)."""
    for key in doc:
        _check_name(key, ["columns", "outcomes", "format"], source, key)
    known = [f.name for f in fields_for(kind)]
    columns: dict[str, str] = {}
    for name, header in dict(doc.get("columns", {})).items():
        _check_name(name, known, source, f"columns.{name}")
        if not isinstance(header, str) or not header:
            raise ScenarioError("must be the column's header (a string)", source=source, field=f"columns.{name}",
                                value=header)
        columns[name] = header
    outcomes: dict[str, tuple[str, ...]] = {}
    for name, values in dict(doc.get("outcomes", {})).items():
        _check_name(name, OUTCOME_NAMES, source, f"outcomes.{name}")
        listed = [values] if isinstance(values, str) else values
        if not isinstance(listed, list) or not listed or not all(isinstance(v, str) for v in listed):
            raise ScenarioError("must be a value or a list of values of the outcome column", source=source,
                                field=f"outcomes.{name}", value=values)
        outcomes[name] = tuple(listed)
    seen: dict[str, str] = {}
    for name, values in outcomes.items():
        for value in values:
            if value in seen:
                raise ScenarioError(f"the value is already mapped to {seen[value]!r}", source=source,
                                    field=f"outcomes.{name}", value=value)
            seen[value] = name
    fmt = dict(doc.get("format", {}))
    for key in fmt:
        _check_name(key, ["datetime", "date", "threshold_seconds"], source, f"format.{key}")
    for key in ("datetime", "date"):
        if key in fmt and not isinstance(fmt[key], str):
            raise ScenarioError("must be a strftime format, e.g. \"%d.%m.%Y %H:%M:%S\"", source=source,
                                field=f"format.{key}", value=fmt[key])
    threshold = fmt.get("threshold_seconds")
    if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, int | float)
                                  or not math.isfinite(threshold) or threshold < 0):
        raise ScenarioError("must be a number of seconds >= 0", source=source, field="format.threshold_seconds",
                            value=threshold)
    return ColumnMap(kind, columns, outcomes, fmt.get("datetime"), fmt.get("date"),
                     None if threshold is None else float(threshold), source)


def load_columns(path: str | Path | None, kind: Kind, flags: Sequence[str] = ()) -> ColumnMap:
    """Read a ``--columns`` TOML file (or none) and apply ``--column NAME=HEADER`` flags."""
    if path is None:
        mapping = ColumnMap(kind)
    else:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ScenarioError("file not found", source=source) from None
        except (OSError, UnicodeDecodeError) as error:
            raise ScenarioError(f"cannot read the file: {getattr(error, 'strerror', None) or error}",
                                source=source) from None
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ScenarioError(f"invalid TOML: {error}", source=source) from None
        mapping = parse_columns(doc, kind, source)
    return mapping.with_flags(flags)

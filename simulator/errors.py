"""The exception hierarchy. The library raises these; only the CLI prints them and exits."""

from __future__ import annotations

from typing import Any


class SimulatorError(Exception):
    """Base of every error callsim raises on purpose.

    ``source`` is the file or command-line option the bad value came from, ``field`` the dotted field path,
    ``value`` the offending value. ``str(error)`` is the one-line message the CLI prints after ``error:``.
    """

    def __init__(self, message: str, *, source: str | None = None, field: str | None = None,
                 value: Any = None, has_value: bool | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.field = field
        self.value = value
        self.has_value = (value is not None) if has_value is None else has_value

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep source, field and value when an error crosses a process or cluster boundary.
        return (_rebuild, (type(self), self.message, self.source, self.field, self.value, self.has_value))

    def __str__(self) -> str:
        parts = [p for p in (self.source, self.field) if p]
        text = ": ".join([*parts, self.message])
        if self.has_value:
            text += f" (got {format_value(self.value)})"
        return text


class ScenarioError(SimulatorError):
    """Bad input: a scenario file, an override or a command-line option that cannot be used."""


class InfeasibleTargetError(SimulatorError):
    """No staffing meets the targets together (for example an occupancy cap against a service-level target)."""


class UnstableQueueError(SimulatorError):
    """A quantity was asked of a queue that has no steady state (load >= agents without abandonment)."""


class SweepError(SimulatorError):
    """A sweep did not finish: a task failed or the run was interrupted (not bad input)."""


class TaskFailedError(SweepError):
    """A task of a sweep raised an unexpected error; ``task`` names it, the message says why."""

    def __init__(self, message: str, *, task: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.task = task


class SweepInterrupted(SweepError):
    """The sweep was stopped (Ctrl-C) after ``done`` of ``total`` tasks; finished ones were kept if stored."""

    def __init__(self, message: str, *, done: int = 0, total: int = 0, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.done = done
        self.total = total


def _rebuild(cls: type[SimulatorError], message: str, source: str | None, field: str | None, value: Any,
             has_value: bool) -> SimulatorError:
    return cls(message, source=source, field=field, value=value, has_value=has_value)


def format_value(value: Any) -> str:
    """Render a bad value for an error message: short, on one line."""
    text = repr(value) if isinstance(value, str) else str(value)
    text = " ".join(text.split())
    return text if len(text) <= 80 else text[:77] + "..."

"""Simulating a scenario or a quick stationary centre: the library side of ``callsim simulate``.

A scenario is simulated for one month (``demand.days_per_month`` open days) per replication, with the staffing
given, or else the scenario's own staffing rule (a fixed head count if it names one, otherwise the analytic
plan of :func:`simulator.staffing.analytic_staffing`).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simulator.analytic.definitions import SL_DEFINITIONS
from simulator.errors import ScenarioError
from simulator.replications import ReplicationSummary, replicate
from simulator.scenario.model import Definitions, Scenario
from simulator.sim.model import CentreModel
from simulator.staffing import analytic_staffing, normalise_choice
from simulator.sweep import Backend

Progress = Callable[[int, int], None]


def days_per_period(scenario: Scenario) -> int:
    """Open days in one measurement period of the definitions profile (the month is the simulated run)."""
    days = scenario.demand.days_per_month
    period = scenario.definitions.measurement_period
    if period in ("interval", "day"):
        return 1
    if period == "week":
        return max(1, round(days * 12 / 52))
    return days


def read_staffing_csv(path: Path, scenario: Scenario) -> np.ndarray:
    """Agents per interval from a CSV with columns ``start`` (HH:MM) and ``agents``, one row per interval."""
    source = str(path)
    try:
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        raise ScenarioError(f"cannot read the staffing file: {error.strerror or error}", source=source) from None
    except UnicodeDecodeError:
        raise ScenarioError("cannot read the staffing file: not UTF-8 text", source=source) from None
    if not rows or rows[0].keys() is None or not {"start", "agents"} <= set(rows[0].keys()):
        raise ScenarioError("needs a header row with the columns start,agents", source=source)
    expected = scenario.interval_starts
    if len(rows) != len(expected):
        raise ScenarioError(f"needs one row per interval ({len(expected)}, {expected[0]} to {expected[-1]})",
                            source=source, field="rows", value=len(rows))
    agents = []
    for number, (row, start) in enumerate(zip(rows, expected, strict=True), start=2):
        if (row.get("start") or "").strip() != start:
            raise ScenarioError(f"expected interval start {start}", source=source, field=f"line {number}.start",
                                value=row.get("start"))
        text = (row.get("agents") or "").strip()
        try:
            value = int(text)
        except ValueError:
            raise ScenarioError("must be a whole number of agents", source=source, field=f"line {number}.agents",
                                value=text) from None
        if value < 0:
            raise ScenarioError("must be >= 0", source=source, field=f"line {number}.agents", value=value)
        agents.append(value)
    return np.asarray(agents, dtype=int)


@dataclass(frozen=True)
class ScenarioRun:
    """A simulated scenario: the staffing that was simulated and the replication summary."""

    scenario: Scenario
    agents_per_interval: np.ndarray
    staffing_source: str
    summary: ReplicationSummary


def default_agents(scenario: Scenario) -> tuple[np.ndarray, str]:
    """The scenario's own staffing rule: its fixed head count if it names one, else the analytic plan."""
    staffing = scenario.staffing
    if staffing.agents_per_interval is not None:
        return np.asarray(staffing.agents_per_interval, dtype=int), "staffing.agents_per_interval"
    if staffing.agents is not None:
        return np.full(scenario.interval_count, staffing.agents, dtype=int), "staffing.agents"
    method = staffing.method if staffing.method != "simulation" else (
        "erlang_a" if scenario.patience is not None else "erlang_c")
    plan = analytic_staffing(scenario, method=method)
    return plan.agents, f"analytic plan ({plan.method})"


def simulate_scenario(scenario: Scenario, *, agents: int | np.ndarray | None = None,
                      replications: int | None = None, seed: int | None = None,
                      progress: Progress | None = None, workers: int | None = None,
                      staffing_source: str | None = None, backend: str | Backend | None = None) -> ScenarioRun:
    """Simulate ``replications`` months of ``scenario`` with the given (or the scenario's own) staffing."""
    if agents is None:
        per_interval, source = default_agents(scenario)
    else:
        per_interval = np.broadcast_to(np.asarray(agents, dtype=int), (scenario.interval_count,)).copy()
        source = staffing_source or "given"
    model = CentreModel.from_scenario(scenario, per_interval)
    summary = replicate(
        model,
        replications=scenario.simulation.replications if replications is None else replications,
        seed=scenario.simulation.seed if seed is None else seed,
        definitions=scenario.definitions,
        threshold_seconds=scenario.sla.threshold_seconds,
        target=scenario.sla.service_level,
        days_per_period=days_per_period(scenario),
        progress=progress,
        workers=workers,
        backend=backend,
    )
    return ScenarioRun(scenario, per_interval, source, summary)


def simulate_quick(*, calls_per_hour: float, aht_seconds: float, agents: int, hours: float,
                   replications: int, seed: int, patience_seconds: float | None = None,
                   threshold_seconds: float = 20.0, warmup_hours: float = 0.0,
                   sl_definition: str = "abandons_fail", short_abandon_seconds: float = 5.0,
                   target: float | None = None, progress: Progress | None = None,
                   workers: int | None = None, backend: str | Backend | None = None) -> ReplicationSummary:
    """The quick form: a stationary M/M/N(+M) centre that starts empty, takes arrivals for ``hours`` and drains.

    Calls arriving in the first ``warmup_hours`` are simulated but left out of the metrics.
    """
    definition = normalise_choice(sl_definition, SL_DEFINITIONS, field="sl_definition")
    if not (math.isfinite(warmup_hours) and 0 <= warmup_hours < hours):
        raise ScenarioError("must be >= 0 and less than the hours simulated", field="warmup_hours",
                            value=warmup_hours)
    if isinstance(agents, bool) or agents < 0:
        raise ScenarioError("must be >= 0", field="agents", value=agents)
    if not (math.isfinite(threshold_seconds) and threshold_seconds >= 0):
        raise ScenarioError("must be >= 0", field="threshold_seconds", value=threshold_seconds)
    model = CentreModel.stationary(calls_per_hour, aht_seconds, agents, hours, patience_seconds=patience_seconds)
    definitions = Definitions(sl_definition=definition, short_abandon_seconds=short_abandon_seconds)
    return replicate(model, replications=replications, seed=seed, definitions=definitions,
                     threshold_seconds=threshold_seconds, target=target, warmup_seconds=warmup_hours * 3600.0,
                     progress=progress, workers=workers, backend=backend)

"""Required agents per interval for a scenario's SLA targets (the analytic, SIPP answer).

Each interval is treated as a stationary queue (stationary independent period by period, domain.md §2.4) with the
load that reaches the agents: trunk calls, less IVR containment and IVR abandonment, plus the expected repeat calls
of unresolved first calls. Later stages (simulation-confirmed staffing in pricing) start from this plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.analytic import erlang_a, erlang_c, required_agents
from simulator.analytic.definitions import SL_DEFINITIONS
from simulator.errors import ScenarioError, SimulatorError
from simulator.jsonutil import jsonable
from simulator.scenario.model import Scenario

ANALYTIC_METHODS = ("erlang_c", "erlang_a")


def normalise_choice(value: str, choices: tuple[str, ...], *, field: str, source: str | None = None) -> str:
    """Accept ``erlang-a`` and ``erlang_a`` alike; reject anything else with the valid names."""
    name = value.strip().lower().replace("-", "_")
    if name not in choices:
        valid = ", ".join(c.replace("_", "-") for c in choices)
        raise ScenarioError(f"must be one of {valid}", source=source, field=field, value=value)
    return name


def repeat_factor(fcr: float, max_attempts: int) -> float:
    """Expected attempts per first call when a fraction 1 − FCR of handled calls comes back (geometric, capped)."""
    unresolved = 1.0 - fcr
    return float(sum(unresolved**k for k in range(max_attempts)))


@dataclass(frozen=True)
class StaffingPlan:
    """Agents per interval meeting the SLA targets, with the Erlang metrics at that staffing."""

    method: str
    sl_definition: str
    threshold_seconds: float
    interval_starts: list[str]
    queue_calls: np.ndarray  # calls reaching the agent queue per interval, repeats included
    offered_load: np.ndarray  # [Erlang]
    agents_for_sla: np.ndarray  # the SLA targets alone
    agents: np.ndarray  # after the occupancy cap
    occupancy_cap: float | None
    metrics: erlang_c.ErlangCMetrics | erlang_a.ErlangAMetrics

    def to_dict(self) -> dict[str, Any]:
        per = self.metrics.to_dict()
        skip = {"offered_load", "agents"}
        intervals = []
        for i, start in enumerate(self.interval_starts):
            row: dict[str, Any] = {
                "start": start,
                "calls": self.queue_calls[i],
                "offered_load": self.offered_load[i],
                "agents_for_sla": int(self.agents_for_sla[i]),
                "agents": int(self.agents[i]),
            }
            for key, value in per.items():
                if key in skip:
                    continue
                if isinstance(value, dict):
                    row[key] = {k: v[i] for k, v in value.items()}
                else:
                    row[key] = value[i]
            intervals.append(row)
        return jsonable({
            "method": self.method,
            "sl_definition": self.sl_definition,
            "threshold_seconds": self.threshold_seconds,
            "occupancy_cap": self.occupancy_cap,
            "agents_per_interval": [int(a) for a in self.agents],
            "agents_for_sla_per_interval": [int(a) for a in self.agents_for_sla],
            "peak_agents": int(self.agents.max(initial=0)),
            "required_agent_hours": float(self.agents.sum()) * self.interval_hours,
            "intervals": intervals,
        })

    @property
    def interval_hours(self) -> float:
        if len(self.interval_starts) < 2:
            return 0.0
        h0, m0 = map(int, self.interval_starts[0].split(":"))
        h1, m1 = map(int, self.interval_starts[1].split(":"))
        return ((h1 * 60 + m1) - (h0 * 60 + m0)) / 60


def analytic_staffing(scenario: Scenario, *, method: str | None = None,
                      sl_definition: str | None = None) -> StaffingPlan:
    """Required agents per interval for ``scenario``'s SLA by Erlang C or Erlang A.

    Parameters
    ----------
    scenario : Scenario
        The resolved scenario (demand, handling, patience, IVR, repeats, SLA, staffing rule).
    method : str, optional
        ``erlang_c`` or ``erlang_a``; default: the scenario's ``staffing.method`` (which must then be analytic).
    sl_definition : str, optional
        The service-level definition the target applies to; default: the scenario's definitions profile.
    """
    chosen = method if method is not None else scenario.staffing.method
    name = normalise_choice(chosen, ANALYTIC_METHODS, field="staffing.method")
    definition = normalise_choice(sl_definition or scenario.definitions.sl_definition, SL_DEFINITIONS,
                                  field="definitions.sl_definition")
    patience = scenario.patience_seconds
    if name == "erlang_a" and patience is None:
        raise ScenarioError("Erlang A needs a patience distribution; add a [patience] table or use erlang-c",
                            field="patience", value=None, has_value=False)
    aht = scenario.handling.handle_seconds
    queue_calls = (scenario.calls_per_interval * (1.0 - scenario.ivr.containment - scenario.ivr.abandon)
                   * repeat_factor(scenario.repeats.fcr, scenario.repeats.max_attempts))
    load = queue_calls / scenario.interval_seconds * aht
    sla = scenario.sla
    targets: dict[str, Any] = {
        "aht_seconds": aht,
        "method": name,
        "threshold_seconds": sla.threshold_seconds,
        "target_sl": sla.service_level,
        "sl_definition": definition,
        "short_abandon_seconds": scenario.definitions.short_abandon_seconds,
        "max_asa_seconds": sla.max_asa_seconds,
        "max_abandon": sla.max_abandon_rate if name == "erlang_a" else None,
    }
    if name == "erlang_a":
        targets["patience_seconds"] = patience
    try:
        for_sla = np.asarray(required_agents(load, **targets), dtype=int)
        cap = scenario.staffing.occupancy_cap
        agents = for_sla if cap is None else np.asarray(required_agents(load, max_occupancy=cap, **targets),
                                                        dtype=int)
    except SimulatorError as error:
        raise _in_scenario_terms(error, scenario) from None
    metrics = _metrics_at(name, load, agents, aht=aht, threshold=sla.threshold_seconds, patience=patience,
                          short_abandon=scenario.definitions.short_abandon_seconds)
    return StaffingPlan(
        method=name, sl_definition=definition, threshold_seconds=sla.threshold_seconds,
        interval_starts=scenario.interval_starts, queue_calls=queue_calls, offered_load=load,
        agents_for_sla=for_sla, agents=agents, occupancy_cap=cap, metrics=metrics,
    )


# The search's keyword arguments → the scenario fields that set them.
FIELD_FOR_TARGET = {
    "target_sl": "sla.service_level",
    "threshold_seconds": "sla.threshold_seconds",
    "max_asa_seconds": "sla.max_asa_seconds",
    "max_abandon": "sla.max_abandon_rate",
    "max_occupancy": "staffing.occupancy_cap",
    "patience_seconds": "patience",
    "aht_seconds": "handling",
}


def _in_scenario_terms(error: SimulatorError, scenario: Scenario) -> SimulatorError:
    """Name the scenario field (and the file it came from) instead of the search's parameter."""
    if error.source is None and error.field in FIELD_FOR_TARGET:
        path = FIELD_FOR_TARGET[error.field]
        error.field = path
        origin = scenario.provenance.get(path) or next(
            (v for k, v in scenario.provenance.items() if k.startswith(path + ".")), None)
        if origin:
            error.source = origin.split(": ")[0] if ": " in origin else origin
    return error


def _metrics_at(method: str, load: np.ndarray, agents: np.ndarray, *, aht: float, threshold: float,
                patience: float | None, short_abandon: float) -> erlang_c.ErlangCMetrics | erlang_a.ErlangAMetrics:
    if method == "erlang_c":
        return erlang_c.metrics(load, agents, aht_seconds=aht, threshold_seconds=threshold)
    assert patience is not None
    return erlang_a.metrics(load, agents, aht_seconds=aht, patience_seconds=patience,
                            threshold_seconds=threshold, short_abandon_seconds=short_abandon)


def start_method(scenario: Scenario) -> tuple[str, str]:
    """The formulas the engine starts from and plans with, and a sentence saying why."""
    method = scenario.staffing.method
    if method != "simulation":
        return method, f"formulas: {method.replace('_', ' ').title()} (staffing.method)"
    if scenario.patience is not None:
        return "erlang_a", ("staffing.method = simulation: planned with Erlang A (the scenario gives a patience "
                            "distribution), every staffing checked by simulation")
    return "erlang_c", ("staffing.method = simulation: planned with Erlang C (the scenario gives no patience), "
                        "every staffing checked by simulation")

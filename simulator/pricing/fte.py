"""The FTE chain: required agents per interval → agent-hours → productive → paid hours → FTE, seats, roles.

The hours follow ``architecture.md`` ("Hours in the FTE chain") and ``domain.md`` §2.5:

=============  ==========================================================================================
step           rule
=============  ==========================================================================================
required       Σ_i agents[i] × interval hours × open days a month (agents already raised to the occupancy
               cap by the staffing search)
productive     required ÷ schedule efficiency: the *staffed* (logged-in) hours, handling or available
paid           productive ÷ (1 − shrinkage): shrinkage is applied by division, never as × (1 + s)
FTE            paid ÷ paid hours per FTE-month (fractional: an FTE is an amount of paid time, not a person)
seats          ⌈peak agents ÷ schedule efficiency⌉ (see :func:`seats_for`)
support roles  max(minimum, ⌈agent FTE ÷ span⌉) whole heads, each paid a full FTE-month
=============  ==========================================================================================

Everything here is a pure function of its arguments; :class:`FteChain` is a frozen record of every step.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.errors import ScenarioError
from simulator.jsonutil import jsonable
from simulator.scenario.model import RateCard, Role, Staffing

__all__ = ["FteChain", "SupportRole", "fte_chain", "seats_for", "support_roles", "whole_heads"]

# Relative slack for rounding up: 100 FTE / span 10 must give 10 heads even if float noise makes it 10.000…01.
_CEIL_SLACK = 1e-9


def whole_heads(amount: float) -> int:
    """Round a head count up to a whole person, forgiving float noise (10.000000000001 → 10).

    Parameters
    ----------
    amount : float
        A non-negative fractional head count. [heads]
    """
    if not (math.isfinite(amount) and amount >= 0):
        raise ScenarioError("a head count must be finite and >= 0", value=amount)
    return math.ceil(amount - _CEIL_SLACK * max(1.0, amount))


def seats_for(peak_agents: int, schedule_efficiency: float) -> int:
    """Seats (workstations) for a peak of required agents: ⌈peak ÷ schedule efficiency⌉.

    Why this rule: seats serve the agents *logged in at once*. Shift fitting leaves the schedule above the
    requirement by a factor 1 ÷ schedule efficiency on average, and nothing suggests the busiest interval is
    fitted better than the rest, so the peak logged-in head count is the peak requirement ÷ schedule
    efficiency. Shrinkage adds no seats: people on leave, sick or in training rooms are not at a workstation.
    That is why seats come out below FTE when the centre is open long hours (domain.md §3.3: 150 FTE in 125
    seats); when it opens for fewer hours a day than a full-time schedule pays, seats can exceed FTE.

    Parameters
    ----------
    peak_agents : int
        The largest number of required agents in any interval. [agents]
    schedule_efficiency : float
        Required ÷ scheduled agent-hours, in (0, 1]. [-]
    """
    if not 0 < schedule_efficiency <= 1:
        raise ScenarioError("must be in (0, 1]", field="staffing.schedule_efficiency",
                            value=schedule_efficiency)
    return whole_heads(peak_agents / schedule_efficiency)


@dataclass(frozen=True)
class SupportRole:
    """A support role in whole heads, sized from the agent FTEs (team leads by span, QA, trainers, WFM)."""

    name: str
    heads: int
    span: float  # agent FTEs per head
    minimum: int
    hourly_wage: float  # [currency/h]
    paid_hours: float  # heads × paid hours per FTE-month [h/month]

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"heads": self.heads, "span": self.span, "minimum": self.minimum,
                         "hourly_wage": self.hourly_wage, "paid_hours": self.paid_hours})


def support_roles(agent_fte: float, roles: Mapping[str, Role], *,
                  paid_hours_per_fte_month: float) -> dict[str, SupportRole]:
    """Whole heads per support role: ``max(minimum, ⌈agent_fte ÷ span⌉)``, in the rate card's order.

    Parameters
    ----------
    agent_fte : float
        Agent full-time equivalents. [FTE]
    roles : mapping of str to Role
        The rate card's roles (span in agent FTEs per head, minimum heads, hourly wage).
    paid_hours_per_fte_month : float
        Paid hours of one full-time head in a month. [h/month]
    """
    out: dict[str, SupportRole] = {}
    for name, role in roles.items():
        heads = max(role.minimum, whole_heads(agent_fte / role.span))
        out[name] = SupportRole(name=name, heads=heads, span=role.span, minimum=role.minimum,
                                hourly_wage=role.hourly_wage, paid_hours=heads * paid_hours_per_fte_month)
    return out


@dataclass(frozen=True, eq=False)
class FteChain:
    """Every step from required agents per interval to paid FTE, seats and support heads, for one month.

    Hours are per month [h/month]; ``agents_per_interval`` is one average open day.
    """

    agents_per_interval: np.ndarray  # int, after the occupancy cap [agents]
    agents_for_sla_per_interval: np.ndarray | None  # int, before the occupancy cap, if known [agents]
    interval_seconds: float  # [s]
    days_per_month: int  # open days [d/month]
    schedule_efficiency: float  # [-]
    shrinkage: float  # [-]
    paid_hours_per_fte_month: float  # [h/month]
    billable_hours_tolerance: float | None  # [-]; None: productive hours are billed uncapped
    required_for_sla_hours: float | None  # what the SLA targets alone need [h/month]
    required_hours: float  # [h/month]
    productive_hours: float  # staffed (logged-in) hours [h/month]
    billable_productive_hours: float  # min(productive, required × (1 + tolerance)) [h/month]
    paid_hours: float  # agent paid hours [h/month]
    fte: float  # agent FTEs (fractional) [FTE]
    peak_agents: int  # [agents]
    seats: int  # [seats]
    support: dict[str, SupportRole]

    @property
    def interval_hours(self) -> float:
        """Length of one interval. [h]"""
        return self.interval_seconds / 3600.0

    @property
    def support_heads(self) -> dict[str, int]:
        """Whole heads per support role. [heads]"""
        return {name: role.heads for name, role in self.support.items()}

    @property
    def total_heads(self) -> float:
        """Agent FTEs plus support heads: the workforce that attrition thins and hiring replaces. [heads]"""
        return self.fte + sum(role.heads for role in self.support.values())

    @property
    def steps(self) -> list[dict[str, Any]]:
        """The chain as a list of ``{"step", "value", "unit", "rule"}``, in order, for people and JSON."""
        h = self.interval_hours
        rows: list[dict[str, Any]] = []
        if self.required_for_sla_hours is not None:
            rows.append({"step": "required_for_sla", "value": self.required_for_sla_hours, "unit": "h/month",
                         "rule": f"Σ agents for the SLA alone × {h:g} h × {self.days_per_month} days"})
        rows += [
            {"step": "required", "value": self.required_hours, "unit": "h/month",
             "rule": f"Σ agents (occupancy cap applied) × {h:g} h × {self.days_per_month} days"},
            {"step": "productive", "value": self.productive_hours, "unit": "h/month",
             "rule": f"required ÷ schedule efficiency {self.schedule_efficiency:g}"},
        ]
        if self.billable_hours_tolerance is not None:
            rows.append({"step": "billable_productive", "value": self.billable_productive_hours,
                         "unit": "h/month",
                         "rule": f"min(productive, required × (1 + {self.billable_hours_tolerance:g}))"})
        rows += [
            {"step": "paid", "value": self.paid_hours, "unit": "h/month",
             "rule": f"productive ÷ (1 − shrinkage {self.shrinkage:g})"},
            {"step": "fte", "value": self.fte, "unit": "FTE",
             "rule": f"paid ÷ {self.paid_hours_per_fte_month:g} paid h per FTE-month"},
            {"step": "seats", "value": self.seats, "unit": "seats",
             "rule": f"⌈peak {self.peak_agents} agents ÷ schedule efficiency {self.schedule_efficiency:g}⌉"},
        ]
        for name, role in self.support.items():
            rows.append({"step": name, "value": role.heads, "unit": "heads",
                         "rule": f"max({role.minimum}, ⌈{self.fte:.4g} FTE ÷ span {role.span:g}⌉)"})
        return rows

    def to_dict(self) -> dict[str, Any]:
        hours: dict[str, Any] = {"required": self.required_hours, "productive": self.productive_hours,
                                 "billable_productive": self.billable_productive_hours,
                                 "paid": self.paid_hours}
        if self.required_for_sla_hours is not None:
            hours = {"required_for_sla": self.required_for_sla_hours, **hours}
        return jsonable({
            "agents_per_interval": [int(a) for a in self.agents_per_interval],
            "agents_for_sla_per_interval": (None if self.agents_for_sla_per_interval is None
                                            else [int(a) for a in self.agents_for_sla_per_interval]),
            "peak_agents": self.peak_agents,
            "fte": self.fte,
            "seats": self.seats,
            "support_heads": self.support_heads,
            "support": {name: role.to_dict() for name, role in self.support.items()},
            "hours": hours,
            "assumptions": {
                "interval_seconds": self.interval_seconds,
                "days_per_month": self.days_per_month,
                "schedule_efficiency": self.schedule_efficiency,
                "shrinkage": self.shrinkage,
                "paid_hours_per_fte_month": self.paid_hours_per_fte_month,
                "billable_hours_tolerance": self.billable_hours_tolerance,
            },
            "steps": self.steps,
        })


def _agents_array(values: Any, field: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1 or array.size == 0:
        raise ScenarioError("must be a non-empty list of agents per interval", field=field, value=values)
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise ScenarioError("must hold numbers", field=field, value=values)
    as_float = array.astype(float)
    bad = ~np.isfinite(as_float) | (as_float < 0) | (as_float != np.round(as_float))
    if bad.any():
        raise ScenarioError("must be whole numbers >= 0", field=field, value=array[bad][0])
    return as_float.astype(np.int64)


def fte_chain(agents_per_interval: Any, *, interval_seconds: float, days_per_month: int, staffing: Staffing,
              rate_card: RateCard, agents_for_sla: Any = None) -> FteChain:
    """Required agents per interval of an average day → hours, FTE, seats and support heads for a month.

    Parameters
    ----------
    agents_per_interval : array_like of int
        Required agents per interval of an average open day, after the occupancy cap. [agents]
    interval_seconds : float
        Interval length (``scenario.interval_seconds``). [s]
    days_per_month : int
        Open days a month (``demand.days_per_month``). [d]
    staffing : Staffing
        Supplies ``schedule_efficiency`` and ``shrinkage``. [-]
    rate_card : RateCard
        Supplies ``paid_hours_per_fte_month``, ``roles`` and ``billable_hours_tolerance``.
    agents_for_sla : array_like of int, optional
        Agents per interval for the SLA targets alone (before the occupancy cap), to show what the cap adds.

    Returns
    -------
    FteChain
        The frozen record of every step.

    Raises
    ------
    ScenarioError
        Agents not whole and non-negative, lengths that differ, or a non-positive interval or month.
    """
    agents = _agents_array(agents_per_interval, "staffing.agents_per_interval")
    for_sla = None if agents_for_sla is None else _agents_array(agents_for_sla, "agents_for_sla")
    if for_sla is not None and for_sla.shape != agents.shape:
        raise ScenarioError(f"must have {agents.size} entries like agents_per_interval",
                            field="agents_for_sla", value=for_sla.size)
    if not (math.isfinite(interval_seconds) and interval_seconds > 0):
        raise ScenarioError("must be > 0", field="interval_seconds", value=interval_seconds)
    if days_per_month < 1:
        raise ScenarioError("must be >= 1", field="demand.days_per_month", value=days_per_month)

    hours_per_agent_interval = interval_seconds / 3600.0 * days_per_month
    required = float(agents.sum()) * hours_per_agent_interval
    required_for_sla = None if for_sla is None else float(for_sla.sum()) * hours_per_agent_interval
    productive = required / staffing.schedule_efficiency
    tolerance = rate_card.billable_hours_tolerance
    billable = productive if tolerance is None else min(productive, required * (1.0 + tolerance))
    paid = productive / (1.0 - staffing.shrinkage)
    fte = paid / rate_card.paid_hours_per_fte_month
    peak = int(agents.max())
    return FteChain(
        agents_per_interval=agents,
        agents_for_sla_per_interval=for_sla,
        interval_seconds=float(interval_seconds),
        days_per_month=int(days_per_month),
        schedule_efficiency=staffing.schedule_efficiency,
        shrinkage=staffing.shrinkage,
        paid_hours_per_fte_month=rate_card.paid_hours_per_fte_month,
        billable_hours_tolerance=tolerance,
        required_for_sla_hours=required_for_sla,
        required_hours=required,
        productive_hours=productive,
        billable_productive_hours=billable,
        paid_hours=paid,
        fte=fte,
        peak_agents=peak,
        seats=seats_for(peak, staffing.schedule_efficiency),
        support=support_roles(fte, rate_card.roles,
                              paid_hours_per_fte_month=rate_card.paid_hours_per_fte_month),
    )

"""The resolved scenario: frozen pydantic models, one per section of a scenario file.

A master agreement and a project file are both partial documents of this one schema; the loader merges them
(master → tier → project → ``--set``) and validates the result into a :class:`Scenario`. Units: seconds,
fractions in 0–1, calls per day or per interval, money in the agreement's currency.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from simulator.distributions import Distribution, Exponential

SLDefinition = Literal[
    "abandons_fail",
    "short_excluded",
    "abandons_within_threshold_excluded",
    "abandons_within_threshold_success",
    "answered_only",
]
BillingUnit = Literal["fte_month", "productive_hour", "paid_hour", "handled_minute", "call"]
BILLING_UNITS: tuple[BillingUnit, ...] = (
    "fte_month", "productive_hour", "paid_hour", "handled_minute", "call",
)
StaffingMethod = Literal["erlang_c", "erlang_a", "simulation"]
Fraction = float  # documented alias: 0..1

_CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def clock_to_seconds(text: str) -> int:
    """'08:30' → 30600 seconds after midnight ('24:00' is the end of the day)."""
    match = _CLOCK.match(text)
    if not match or (match.group(1) == "24" and match.group(2) != "00"):
        raise ValueError(f"must be a clock time HH:MM between 00:00 and 24:00, got {text!r}")
    return int(match.group(1)) * 3600 + int(match.group(2)) * 60


def seconds_to_clock(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class Agreement(_Section):
    """Who signed what: the master agreement's identity and currency."""

    name: str = "callsim default agreement"
    version: str = "1"
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")


class Floors(_Section):
    """Optional floors under the measurement period: 'no day below X'."""

    interval: Fraction | None = Field(default=None, ge=0, le=1)
    day: Fraction | None = Field(default=None, ge=0, le=1)


class Definitions(_Section):
    """The measurement definitions profile: what the contract's numbers mean (domain.md §1)."""

    sl_definition: SLDefinition = "abandons_fail"
    short_abandon_seconds: float = Field(default=5.0, ge=0)
    threshold_inclusive: bool = True  # answered within T means wait <= T (True) or wait < T (False)
    interval_minutes: Literal[15, 30, 60] = 30
    interval_attribution: Literal["offered", "answered"] = "offered"
    measurement_period: Literal["interval", "day", "week", "month"] = "month"
    aggregation: Literal["volume_weighted", "interval_weighted"] = "volume_weighted"
    floors: Floors = Floors()
    asa_includes_ring: bool = False
    acw_in_aht: bool = True


class Role(_Section):
    """A support role staffed in whole heads, one per ``span`` agent FTEs (at least ``minimum``)."""

    hourly_wage: float = Field(gt=0)
    span: float = Field(gt=0, description="agent FTEs per head")
    minimum: int = Field(default=0, ge=0)


class ShiftPremium(_Section):
    """A wage premium for agent hours worked in a window of the day (evenings, nights, weekends' late shift)."""

    start: str = Field(description="first minute of the window, HH:MM")
    end: str = Field(description="end of the window, HH:MM (exclusive)")
    premium: float = Field(gt=0, le=3, description="extra share of the agent wage in the window")

    @model_validator(mode="after")
    def _window(self) -> ShiftPremium:
        if clock_to_seconds(self.end) <= clock_to_seconds(self.start):
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self


class VolumeBand(_Section):
    """One band of volume beyond the deadband, on both sides of the baseline (domain.md §3.1, ARC/RRC).

    The band runs from the previous edge (the deadband, or the previous band's ``up_to``) to ``up_to``, both as
    shares of the baseline volume; each unit of volume in it above the baseline is charged ``arc``, each unit
    below it credited ``rrc`` (marginally, like tax brackets). The last band may leave ``up_to`` out: it then
    runs on without an edge.
    """

    up_to: Fraction | None = Field(default=None, gt=0, le=10,
                                   description="outer edge of the band, as a deviation from the baseline [-]")
    arc: float = Field(ge=0, description="additional resource charge per unit above the baseline [currency/unit]")
    rrc: float = Field(ge=0, description="reduced resource credit per unit below the baseline [currency/unit]")


class VolumeTerms(_Section):
    """Anchored pricing: the monthly price covers the forecast volume ± a deadband; outside it, additional and
    reduced resource charges (ARC/RRC) per call or per productive hour; a minimum volume commitment
    (take-or-pay) stops the reduced resource credits at the committed volume (domain.md §3.1)."""

    unit: Literal["call", "productive_hour"] = Field(
        default="call", description="what ARC/RRC are charged per: answered calls or productive hours")
    deadband: Fraction = Field(default=0.0, ge=0, lt=1,
                               description="deviation from the baseline billed at the monthly price alone [-]")
    bands: tuple[VolumeBand, ...] = Field(default=(), description="ARC/RRC bands beyond the deadband, outward")
    min_commitment: Fraction | None = Field(
        default=None, gt=0, le=1,
        description="take-or-pay: the client pays for at least this share of the forecast volume [-]")

    @model_validator(mode="after")
    def _bands_in_order(self) -> VolumeTerms:
        edge = self.deadband
        for k, band in enumerate(self.bands):
            last = k == len(self.bands) - 1
            if band.up_to is None and not last:
                raise ValueError(f"bands: band {k + 1} of {len(self.bands)} has no up_to; only the last band "
                                 f"may run on without an edge")
            if band.up_to is not None and band.up_to <= edge:
                where = "the deadband" if k == 0 else f"band {k}'s up_to"
                raise ValueError(f"bands: band {k + 1}'s up_to {band.up_to:g} must be above {where} ({edge:g}); "
                                 f"the bands run outward from the deadband")
            edge = band.up_to if band.up_to is not None else edge
        if self.min_commitment is not None:
            if not self.bands:
                raise ValueError("min_commitment is pointless without bands: with no reduced resource credit (rrc) "
                                 "the monthly price is owed whatever the volume")
            if self.min_commitment >= 1 - self.deadband:
                raise ValueError(f"min_commitment is inside the deadband (volume down to {1 - self.deadband:g} "
                                 f"of the forecast is billed at the full price), so it never binds")
        return self


class RateCard(_Section):
    """The provider's cost components and pricing formula (domain.md §3)."""

    paid_hours_per_fte_month: float = Field(default=160.0, gt=0, le=744)
    agent_hourly_wage: float = Field(default=18.0, gt=0)
    burden: Fraction = Field(default=0.30, ge=0, le=3, description="employer on-costs as a share of wages")
    roles: dict[str, Role] = Field(default_factory=dict)
    seat_month: float = Field(default=450.0, ge=0, description="facility cost per seat per month")
    licence_seat_month: float = Field(default=150.0, ge=0, description="software licences per seat per month")
    telephony_per_minute: float = Field(default=0.01, ge=0, description="per handled minute")
    annual_attrition: Fraction = Field(default=0.45, ge=0, le=5)
    cost_per_hire: float = Field(default=4500.0, ge=0, description="recruiting and initial training per hire")
    overhead: Fraction = Field(default=0.12, ge=0, le=2, description="share added on direct cost")
    pricing_formula: Literal["margin", "markup"] = "margin"
    margin: Fraction = Field(default=0.25, ge=0, lt=1,
                             description="price = cost/(1 - margin) or cost*(1 + margin)")
    annual_escalator: Fraction = Field(default=0.03, ge=0, le=1)
    ramp_up_months: int = Field(default=1, ge=0, le=12)
    billable_hours_tolerance: Fraction | None = Field(default=None, ge=0, le=1)
    shift_premiums: tuple[ShiftPremium, ...] = Field(
        default=(), description="wage premiums by time of day; windows may not overlap")
    volume: VolumeTerms | None = Field(
        default=None, description="anchored pricing: deadband, ARC/RRC bands, minimum commitment")

    @model_validator(mode="after")
    def _premiums_apart(self) -> RateCard:
        windows = sorted((clock_to_seconds(p.start), clock_to_seconds(p.end)) for p in self.shift_premiums)
        for (_, end), (start, _) in itertools.pairwise(windows):
            if start < end:
                raise ValueError("shift_premiums: windows overlap")
        return self


class Billing(_Section):
    units: tuple[BillingUnit, ...] = BILLING_UNITS
    unit: BillingUnit = "productive_hour"

    @model_validator(mode="after")
    def _unit_allowed(self) -> Billing:
        if self.unit not in self.units:
            raise ValueError(f"unit {self.unit!r} is not among the allowed units {list(self.units)}")
        return self


class CreditMetric(_Section):
    """One credit-bearing service level: a miss in a month costs ``allocation`` × the at-risk amount."""

    allocation: Fraction = Field(gt=0, le=1)


CreditMetricName = Literal["service_level", "abandon_rate", "asa"]


def _default_credit_metrics() -> dict[CreditMetricName, CreditMetric]:
    return {"service_level": CreditMetric(allocation=0.6), "abandon_rate": CreditMetric(allocation=0.4)}


class Credits(_Section):
    """The service-credit regime of the master agreement (domain.md §3.5)."""

    at_risk_share: Fraction = Field(default=0.10, ge=0, le=1,
                                    description="share of the monthly invoice at risk")
    metrics: dict[CreditMetricName, CreditMetric] = Field(default_factory=_default_credit_metrics)
    cap_share: Fraction | None = Field(default=None, ge=0, le=1,
                                       description="monthly cap; default: at-risk share")
    earn_back: bool = False
    bonus_share: Fraction = Field(default=0.0, ge=0, le=1)
    bonus_service_level: Fraction | None = Field(
        default=None, gt=0, le=1,
        description="monthly SL at or above which the bonus is paid; "
                    "default: every credit-bearing target met",
    )
    include_in_price: bool = True
    risk_premium: Fraction = Field(default=0.0, ge=0, le=1)
    forecast_tolerance: Fraction | None = Field(
        default=None, gt=0, le=2,
        description="forecast-miss exclusion: no credit (and no miss) in a month whose volume exceeds the "
                    "forecast by more than this share")
    grace_months: int = Field(default=0, ge=0, le=60,
                              description="ramp-up: the first months of the term carry no credits")

    @model_validator(mode="after")
    def _pool(self) -> Credits:
        total = sum(m.allocation for m in self.metrics.values())
        if total > 1 + 1e-12:
            raise ValueError(f"allocations sum to {total:g}, more than the whole at-risk pool (1)")
        return self


class SLA(_Section):
    """Service-level targets. ``service_level`` is measured under ``definitions.sl_definition``."""

    threshold_seconds: float = Field(default=20.0, ge=0)
    service_level: Fraction | None = Field(default=0.80, gt=0, le=1)
    max_asa_seconds: float | None = Field(default=None, gt=0)
    max_abandon_rate: Fraction | None = Field(default=None, gt=0, le=1)


class Tier(_Section):
    """A bundle on the Gold / Silver / Bronze menu: SLA targets and, optionally, hours of cover."""

    description: str = ""
    sla: SLA


class Demand(_Section):
    """Volume and its shape over the day: calls per day with a profile, or calls per interval."""

    calls_per_day: float | None = Field(default=None, gt=0)
    profile: tuple[float, ...] | None = None
    calls_per_interval: tuple[float, ...] | None = None
    open: str = "08:00"
    close: str = "20:00"
    days_per_month: int = Field(default=22, ge=1, le=31)
    day_cv: Fraction = Field(default=0.0, ge=0, le=2,
                             description="day-to-day volume coefficient of variation")
    month_cv: Fraction = Field(default=0.0, ge=0, le=2,
                               description="month-level volume coefficient of variation")

    @field_validator("open", "close")
    @classmethod
    def _clock(cls, value: str) -> str:
        clock_to_seconds(value)
        return value

    @field_validator("profile", "calls_per_interval")
    @classmethod
    def _weights(cls, value: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if value is None:
            return value
        if len(value) == 0:
            raise ValueError("must not be empty")
        bad = [v for v in value if not (math.isfinite(v) and v >= 0)]
        if bad:
            raise ValueError(f"entries must be finite and >= 0, got {bad[0]}")
        return value

    @model_validator(mode="after")
    def _one_volume(self) -> Demand:
        if clock_to_seconds(self.close) <= clock_to_seconds(self.open):
            raise ValueError(f"close ({self.close}) must be after open ({self.open})")
        if (self.calls_per_day is None) == (self.calls_per_interval is None):
            raise ValueError("give exactly one of calls_per_day (with profile) or calls_per_interval")
        if self.profile is not None and self.calls_per_interval is not None:
            raise ValueError("profile goes with calls_per_day, not with calls_per_interval")
        if self.profile is not None and sum(self.profile) <= 0:
            raise ValueError("profile must have a positive sum")
        if self.calls_per_interval is not None and sum(self.calls_per_interval) <= 0:
            raise ValueError("calls_per_interval must have a positive sum")
        return self


class Handling(_Section):
    """Agent handling: talk, hold and after-call work, each a distribution; optional ring time."""

    talk: Distribution = Field(default_factory=lambda: Exponential(mean=240.0))
    hold: Distribution | None = None
    acw: Distribution | None = None
    ring: Distribution | None = None

    @property
    def handle_seconds(self) -> float:
        """Mean agent busy time per answered call (talk + hold + ACW) [s]: what loads the agents."""
        return sum(d.mean_seconds for d in (self.talk, self.hold, self.acw) if d is not None)


class IVR(_Section):
    navigation: Distribution | None = None
    containment: Fraction = Field(default=0.0, ge=0, le=1)
    abandon: Fraction = Field(default=0.0, ge=0, le=1)

    @model_validator(mode="after")
    def _shares(self) -> IVR:
        if self.containment + self.abandon > 1:
            raise ValueError(f"containment + abandon must be <= 1, got {self.containment + self.abandon:g}")
        return self


class Repeats(_Section):
    """Calls that come back: unresolved first calls (1 − FCR) and redials after abandonment."""

    fcr: Fraction = Field(default=1.0, ge=0, le=1)
    repeat_delay: Distribution = Field(default_factory=lambda: Exponential(mean=86400.0))
    redial_probability: Fraction = Field(default=0.0, ge=0, le=1)
    redial_delay: Distribution = Field(default_factory=lambda: Exponential(mean=300.0))
    max_attempts: int = Field(default=5, ge=1, le=50)


class Staffing(_Section):
    """The staffing rule and the hours chain from required agents to paid FTE (domain.md §2.5)."""

    method: StaffingMethod = "erlang_a"
    criterion: Literal["mean", "risk", "cost"] = "mean"
    risk: Fraction = Field(default=0.10, gt=0, lt=1, description="allowed P(miss) under the risk criterion")
    max_p_miss: Fraction | None = Field(default=None, gt=0, lt=1,
                                        description="optional cap on P(miss) under the cost criterion")
    min_agents: int | None = Field(default=None, ge=0, description="fewest agents in any open interval")
    max_agents: int | None = Field(default=None, ge=1, description="most agents in any interval (seats)")
    occupancy_cap: Fraction | None = Field(default=0.85, gt=0, le=1)
    schedule_efficiency: Fraction = Field(default=0.85, gt=0, le=1)
    shrinkage: Fraction = Field(default=0.30, ge=0, lt=1)
    agents: int | None = Field(default=None, ge=0, description="a fixed head count per interval, if given")
    agents_per_interval: tuple[int, ...] | None = None

    @model_validator(mode="after")
    def _agent_bounds(self) -> Staffing:
        if self.min_agents is not None and self.max_agents is not None and self.min_agents > self.max_agents:
            raise ValueError(f"min_agents {self.min_agents} is above max_agents {self.max_agents}")
        return self


class Simulation(_Section):
    seed: int = Field(default=0, ge=0)
    replications: int = Field(default=10, ge=1, le=100_000)
    months: int = Field(default=200, ge=1, le=100_000)
    aht_drift_cv: Fraction = Field(default=0.0, ge=0, le=1)


class Scenario(_Section):
    """A fully resolved, validated scenario. Build it with :func:`simulator.scenario.load_scenario`."""

    name: str = "scenario"
    agreement: Agreement = Agreement()
    definitions: Definitions = Definitions()
    rate_card: RateCard = RateCard()
    billing: Billing = Billing()
    credits: Credits = Credits()
    tiers: dict[str, Tier] = Field(default_factory=dict)
    tier: str | None = None
    demand: Demand
    handling: Handling = Handling()
    patience: Distribution | None = None
    ivr: IVR = IVR()
    repeats: Repeats = Repeats()
    sla: SLA = SLA()
    staffing: Staffing = Staffing()
    simulation: Simulation = Simulation()

    # Set by the loader (simulator.scenario.loader); not fields, so they take no part in validation.
    _provenance: dict[str, str] | None = PrivateAttr(default=None)
    _renegotiation: tuple[str, ...] = PrivateAttr(default=())
    _warnings: tuple[str, ...] = PrivateAttr(default=())
    _source_path: Path | None = PrivateAttr(default=None)
    _resolution: Any = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        n = self.interval_count
        seconds = self.interval_seconds
        span = clock_to_seconds(self.demand.close) - clock_to_seconds(self.demand.open)
        if span % seconds:
            raise ValueError(
                f"demand: opening hours {self.demand.open}-{self.demand.close} are not a whole number of "
                f"{self.definitions.interval_minutes}-minute intervals"
            )
        for key in ("profile", "calls_per_interval"):
            values = getattr(self.demand, key)
            if values is not None and len(values) != n:
                raise ValueError(
                    f"demand.{key}: needs {n} entries ({self.demand.open}-{self.demand.close} in "
                    f"{self.definitions.interval_minutes}-minute intervals), got {len(values)}"
                )
        per = self.staffing.agents_per_interval
        if per is not None and len(per) != n:
            raise ValueError(f"staffing.agents_per_interval: needs {n} entries, got {len(per)}")
        if self.tier is not None and self.tier not in self.tiers:
            raise ValueError(f"tier: unknown tier {self.tier!r}; the menu has {sorted(self.tiers)}")
        return self

    # -- derived quantities -------------------------------------------------------------------------------
    @property
    def interval_seconds(self) -> int:
        return self.definitions.interval_minutes * 60

    @property
    def open_seconds(self) -> int:
        return clock_to_seconds(self.demand.open)

    @property
    def interval_count(self) -> int:
        span = clock_to_seconds(self.demand.close) - clock_to_seconds(self.demand.open)
        return span // self.interval_seconds

    @property
    def interval_starts(self) -> list[str]:
        return [seconds_to_clock(self.open_seconds + i * self.interval_seconds)
                for i in range(self.interval_count)]

    @property
    def calls_per_interval(self) -> np.ndarray:
        """Expected calls offered at the trunk per interval of an average day."""
        d = self.demand
        if d.calls_per_interval is not None:
            return np.asarray(d.calls_per_interval, dtype=float)
        assert d.calls_per_day is not None
        weights = np.asarray(d.profile if d.profile is not None else [1.0] * self.interval_count, dtype=float)
        return d.calls_per_day * weights / weights.sum()

    @property
    def arrival_rate_per_interval(self) -> np.ndarray:
        """Trunk arrival rate λ per interval [calls/s]."""
        return self.calls_per_interval / self.interval_seconds

    @property
    def queue_arrival_rate_per_interval(self) -> np.ndarray:
        """Arrival rate at the agent queue after IVR containment and IVR abandonment [calls/s]."""
        return self.arrival_rate_per_interval * (1.0 - self.ivr.containment - self.ivr.abandon)

    @property
    def offered_load_per_interval(self) -> np.ndarray:
        """Offered load A = λ_queue · handle time per interval [Erlang] (first attempts only)."""
        return self.queue_arrival_rate_per_interval * self.handling.handle_seconds

    @property
    def shift_premium_per_interval(self) -> np.ndarray:
        """The rate card's wage premium for an agent hour in each interval (by the interval's start). [-]"""
        starts = self.open_seconds + self.interval_seconds * np.arange(self.interval_count)
        out = np.zeros(self.interval_count)
        for p in self.rate_card.shift_premiums:
            out[(starts >= clock_to_seconds(p.start)) & (starts < clock_to_seconds(p.end))] += p.premium
        return out

    @property
    def patience_seconds(self) -> float | None:
        return None if self.patience is None else self.patience.mean_seconds

    # -- where the values came from (set by the loader) ---------------------------------------------------
    @property
    def provenance(self) -> dict[str, str]:
        """Source of every resolved leaf value, by dotted field path.

        ``"<file>: <key path>"`` for a value from a file, ``"tier <name> (<master file>)"`` for a tier's
        targets, ``"--set"`` for a command-line override, ``"code"`` (or the label given to
        :meth:`with_changes`) for a change made in code, ``"default"`` for a model default. Lists are one
        leaf; a distribution's keys are leaves (``handling.talk.mean``).
        """
        if self._provenance is None:
            from simulator.scenario.loader import code_provenance

            return code_provenance(self)
        return dict(self._provenance)

    @property
    def renegotiation(self) -> tuple[str, ...]:
        """Field paths locked by the master agreement whose resolved value differs from the master's."""
        return self._renegotiation

    @property
    def warnings(self) -> tuple[str, ...]:
        """One message per renegotiated field (the CLI prints them on stderr)."""
        return self._warnings

    @property
    def source_path(self) -> Path | None:
        """The project file this scenario was loaded from (None when built in code)."""
        return self._source_path

    def with_changes(self, changes: Mapping[str, Any], label: str = "code") -> Scenario:
        """A new validated scenario with ``changes`` merged on top; this one is left untouched.

        Parameters
        ----------
        changes : mapping of str to Any
            Dotted field path → value, merged like ``--set``: ``{"sla.service_level": 0.9}``,
            ``{"patience.mean": 200}``, ``{"tier": "gold"}``,
            ``{"handling.talk": Lognormal(mean=300, cv=1)}``.
        label : str
            The provenance recorded for the changed values.

        Raises
        ------
        simulator.errors.ScenarioError
            With ``source=label`` when a path is unknown or a value is invalid.
        """
        from simulator.scenario.loader import apply_changes

        return apply_changes(self, changes, label)

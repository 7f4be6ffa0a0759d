"""The engine's complete input: a call centre stated in seconds and arrays, independent of any file.

:class:`CentreModel` is what :func:`simulator.sim.simulate` runs. Build it from a resolved scenario with
:meth:`CentreModel.from_scenario`, or for the quick stationary case with :meth:`CentreModel.stationary`.

Time layout: day ``d`` starts at ``d * day_seconds``; the centre opens at ``open_seconds`` into the day and
stays open for ``interval_count`` intervals of ``interval_seconds``. Arrivals happen only while open.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.distributions import Exponential
from simulator.errors import ScenarioError

if TYPE_CHECKING:  # pragma: no cover
    from simulator.distributions import Distribution
    from simulator.scenario.model import Scenario

__all__ = ["CentreModel"]


def _frozen_array(values: Any, dtype: type, name: str) -> np.ndarray:
    try:
        array: np.ndarray = np.array(values, dtype=dtype)
    except (TypeError, ValueError) as error:
        raise ScenarioError(f"must be numeric: {error}", field=name, value=values) from None
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class CentreModel:
    """A call centre as the simulation engine sees it. Times in seconds, rates per second.

    Parameters
    ----------
    day_seconds : float
        Period between the starts of consecutive days. [s]
    open_seconds : float
        Opening time within a day. [s]
    interval_seconds : float
        Length of a staffing and reporting interval. [s]
    interval_count : int
        Intervals per day; the centre closes at ``open_seconds + interval_count * interval_seconds``, which
        must not be later than ``day_seconds``.
    days : int
        Days simulated.
    arrival_rate : array of float, shape (interval_count,)
        Base trunk arrival rate per interval of an average day (before the day and month multipliers).
        [calls/s]
    agents : array of int, shape (interval_count,) or (days, interval_count)
        Agents logged in per interval (the same every day if one-dimensional).
    day_cv, month_cv : float
        Coefficients of variation of the gamma-distributed day and month volume multipliers (mean 1; 0 means
        exactly 1).
    ivr_navigation : Distribution or None
        Time spent in the IVR before the queue (None: no IVR time). [s]
    ivr_containment, ivr_abandon : float
        Shares of trunk arrivals that end in the IVR (self-service) or hang up there, at the end of their
        navigation time.
    talk, hold, acw, ring : Distribution or None
        Handling times (None: 0). The agent is busy for ring + talk + hold + ACW. [s]
    patience : Distribution or None
        Time a caller waits in the queue before hanging up (None: infinitely patient). [s]
    fcr : float
        First-contact resolution: an answered call comes back with probability ``1 - fcr``.
    repeat_delay : Distribution
        Delay from the end of the conversation (answer + talk + hold) to the repeat call. [s]
    redial_probability : float
        Probability that a caller who abandoned the queue calls again.
    redial_delay : Distribution
        Delay from the abandonment to the redial. [s]
    max_attempts : int
        No attempt beyond this number is made (1: no repeats at all).

    Notes
    -----
    How the engine reads these (both engines alike; :mod:`simulator.sim.timeline` has the calendar rules):

    * First attempts arrive only while the centre is open, as a Poisson process with rate
      ``arrival_rate[i] * M * D_d`` in interval ``i`` of day ``d`` (M the month multiplier, D_d the day's).
    * IVR-contained and IVR-abandoned calls end when their navigation time ends; the others then join
      the agent queue (FCFS). Queue time starts there: IVR time never counts as waiting.
    * A queued caller abandons at ``queued_at + patience`` unless an agent is seized by then (an agent
      free exactly at that instant answers). No abandonment during ring time.
    * Staffing changes at each interval edge. When it drops, idle agents leave at once and then the agents
      who finish their current call first, each when that call (with its ACW) ends; when it rises, new
      agents log in. At closing the last interval's agents stay until the queue and the IVR are empty,
      so every call that arrived is answered or abandoned (offered = answered + abandoned, exactly).
    * A repeat call (after an answered call, from the end of the conversation) or a redial (after an
      abandonment) that would arrive while the centre is closed arrives at the next opening; one that would
      arrive after the last day's closing is dropped and counted in ``dropped_attempts``.
    * Agents' logged-in time, overtime included, is booked per interval; time after closing goes to the
      day's last interval.
    """

    day_seconds: float
    open_seconds: float
    interval_seconds: float
    interval_count: int
    days: int
    arrival_rate: np.ndarray
    agents: np.ndarray
    day_cv: float = 0.0
    month_cv: float = 0.0
    ivr_navigation: Distribution | None = None
    ivr_containment: float = 0.0
    ivr_abandon: float = 0.0
    talk: Distribution | None = field(default_factory=lambda: Exponential(mean=240.0))
    hold: Distribution | None = None
    acw: Distribution | None = None
    ring: Distribution | None = None
    patience: Distribution | None = None
    fcr: float = 1.0
    repeat_delay: Distribution = field(default_factory=lambda: Exponential(mean=86400.0))
    redial_probability: float = 0.0
    redial_delay: Distribution = field(default_factory=lambda: Exponential(mean=300.0))
    max_attempts: int = 5

    def __post_init__(self) -> None:
        def bad(name: str, message: str, value: Any) -> ScenarioError:
            return ScenarioError(message, field=name, value=value)

        for name in ("day_seconds", "interval_seconds"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise bad(name, "must be a finite number > 0", value)
        if not (math.isfinite(self.open_seconds) and self.open_seconds >= 0):
            raise bad("open_seconds", "must be a finite number >= 0", self.open_seconds)
        for name in ("interval_count", "days"):
            value = getattr(self, name)
            if int(value) != value or value < 1:
                raise bad(name, "must be a whole number >= 1", value)
        if self.close_seconds > self.day_seconds * (1 + 1e-12):
            raise bad("interval_count", f"the centre closes at {self.close_seconds:g} s, after the end of "
                      f"the {self.day_seconds:g}-second day", self.interval_count)

        rate = _frozen_array(self.arrival_rate, float, "arrival_rate")
        if rate.shape != (self.interval_count,):
            raise bad("arrival_rate", f"needs shape ({self.interval_count},)", rate.shape)
        if not np.all(np.isfinite(rate) & (rate >= 0)):
            raise bad("arrival_rate", "entries must be finite and >= 0", rate.tolist())
        object.__setattr__(self, "arrival_rate", rate)

        raw = np.asarray(self.agents)
        if raw.size and not np.all(np.isfinite(raw.astype(float)) & (raw == np.round(raw))):
            raise bad("agents", "entries must be whole numbers", raw.tolist())
        agents = _frozen_array(raw, np.int64, "agents")
        if agents.shape == (self.interval_count,):
            agents = np.broadcast_to(agents, (self.days, self.interval_count))
        elif agents.shape != (self.days, self.interval_count):
            raise bad("agents", f"needs shape ({self.interval_count},) or "
                      f"({self.days}, {self.interval_count})", agents.shape)
        if np.any(agents < 0):
            raise bad("agents", "entries must be >= 0", int(agents.min()))
        if self.patience is None and agents[-1, -1] == 0:
            raise bad("agents", "the last interval of the last day needs at least one agent when patience "
                      "is infinite, or calls still queued at closing would wait for ever", 0)
        object.__setattr__(self, "agents", agents)

        for name in ("day_cv", "month_cv"):
            value = getattr(self, name)
            if not (math.isfinite(value) and 0 <= value <= 5):
                raise bad(name, "must be between 0 and 5", value)
        for name in ("ivr_containment", "ivr_abandon", "fcr", "redial_probability"):
            value = getattr(self, name)
            if not (0 <= value <= 1):
                raise bad(name, "must be a fraction between 0 and 1", value)
        if self.ivr_containment + self.ivr_abandon > 1 + 1e-12:
            raise bad("ivr_abandon", "ivr_containment + ivr_abandon must be <= 1",
                      self.ivr_containment + self.ivr_abandon)
        if int(self.max_attempts) != self.max_attempts or self.max_attempts < 1:
            raise bad("max_attempts", "must be a whole number >= 1", self.max_attempts)

    # -- derived ------------------------------------------------------------------------------------------
    @property
    def close_seconds(self) -> float:
        """Closing time within a day. [s]"""
        return self.open_seconds + self.interval_count * self.interval_seconds

    @property
    def agents_by_day(self) -> np.ndarray:
        """Agents per interval, shape (days, interval_count)."""
        return self.agents

    @property
    def repeats_enabled(self) -> bool:
        """Whether any attempt can come back (a repeat call or a redial)."""
        return self.max_attempts > 1 and (self.fcr < 1 or self.redial_probability > 0)

    @property
    def expected_first_attempts(self) -> float:
        """Expected trunk arrivals of first attempts over the whole run (multipliers have mean 1)."""
        return float(self.arrival_rate.sum() * self.interval_seconds * self.days)

    def open_at(self, day: int) -> float:
        """Opening instant of ``day``. [s]"""
        return day * self.day_seconds + self.open_seconds

    def close_at(self, day: int) -> float:
        """Closing instant of ``day``. [s]"""
        return day * self.day_seconds + self.close_seconds

    # -- constructors -------------------------------------------------------------------------------------
    @classmethod
    def from_scenario(cls, scenario: Scenario, agents_per_interval: Any = None) -> CentreModel:
        """The centre a resolved scenario describes, with the given staffing.

        Parameters
        ----------
        scenario : Scenario
            A resolved scenario (:func:`simulator.scenario.load_scenario`).
        agents_per_interval : int, array of int of shape (interval_count,) or (days, interval_count), optional
            Agents per interval. Default: the scenario's ``staffing.agents_per_interval``, else
            ``staffing.agents`` in every interval.

        Raises
        ------
        ScenarioError
            If no staffing is given here or in the scenario, or if it has the wrong shape.
        """
        n = scenario.interval_count
        days = scenario.demand.days_per_month
        staffing = scenario.staffing
        if agents_per_interval is None:
            if staffing.agents_per_interval is not None:
                agents_per_interval = staffing.agents_per_interval
            elif staffing.agents is not None:
                agents_per_interval = staffing.agents
            else:
                raise ScenarioError(
                    "no staffing to simulate: give agents (staffing.agents or staffing.agents_per_interval "
                    "in the scenario, or --agents / --staffing on the command line)",
                    field="staffing.agents",
                )
        agents = np.asarray(agents_per_interval)
        if agents.ndim == 0:
            agents = np.full(n, agents)
        ivr = scenario.ivr
        handling = scenario.handling
        repeats = scenario.repeats
        return cls(
            day_seconds=86400.0,
            open_seconds=float(scenario.open_seconds),
            interval_seconds=float(scenario.interval_seconds),
            interval_count=n,
            days=days,
            arrival_rate=scenario.arrival_rate_per_interval,
            agents=agents,
            day_cv=scenario.demand.day_cv,
            month_cv=scenario.demand.month_cv,
            ivr_navigation=ivr.navigation,
            ivr_containment=ivr.containment,
            ivr_abandon=ivr.abandon,
            talk=handling.talk,
            hold=handling.hold,
            acw=handling.acw,
            ring=handling.ring,
            patience=scenario.patience,
            fcr=repeats.fcr,
            repeat_delay=repeats.repeat_delay,
            redial_probability=repeats.redial_probability,
            redial_delay=repeats.redial_delay,
            max_attempts=repeats.max_attempts,
        )

    @classmethod
    def stationary(cls, calls_per_hour: float, aht_seconds: float, agents: int, hours: float,
                   patience_seconds: float | None = None) -> CentreModel:
        """The quick form: one period of ``hours`` with constant load, exponential handling and patience.

        One day of length ``hours`` that opens at 0 and has a single interval covering it; the run starts
        empty, takes arrivals for ``hours`` and then lets every call finish (answered or abandoned).

        Parameters
        ----------
        calls_per_hour : float
            Trunk arrival rate. [calls/h]
        aht_seconds : float
            Mean handling time (talk only, exponential). [s]
        agents : int
            Agents throughout.
        hours : float
            Length of the arrival period. [h]
        patience_seconds : float, optional
            Mean of the exponential patience; None for infinitely patient callers. [s]
        """
        if not (math.isfinite(calls_per_hour) and calls_per_hour >= 0):
            raise ScenarioError("must be a finite number >= 0", field="calls_per_hour", value=calls_per_hour)
        if not (math.isfinite(aht_seconds) and aht_seconds > 0):
            raise ScenarioError("must be a finite number > 0", field="aht_seconds", value=aht_seconds)
        if not (math.isfinite(hours) and hours > 0):
            raise ScenarioError("must be a finite number > 0", field="hours", value=hours)
        if patience_seconds is not None and not (math.isfinite(patience_seconds) and patience_seconds > 0):
            raise ScenarioError("must be a finite number > 0", field="patience_seconds",
                                value=patience_seconds)
        period = hours * 3600.0
        return cls(
            day_seconds=period,
            open_seconds=0.0,
            interval_seconds=period,
            interval_count=1,
            days=1,
            arrival_rate=np.array([calls_per_hour / 3600.0]),
            agents=np.array([agents]),
            talk=Exponential(mean=aht_seconds),
            patience=None if patience_seconds is None else Exponential(mean=patience_seconds),
        )

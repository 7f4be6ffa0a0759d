"""The simulation against Erlang C / Erlang A: ``callsim check``.

Where a centre satisfies the formulas' assumptions (Poisson arrivals at a constant rate, exponential handling,
exponential or no patience, no IVR, no repeat calls, constant staffing), every analytic value must lie within
the simulation's confidence interval; the check then *passes* or *fails*. The intervals are Student-t over the
replications with a Bonferroni correction over the metrics compared, at a family-wise confidence of 99 %, so a
correct engine fails by chance at most 1 % of the time. Where the scenario breaks an assumption the comparison
is reported as ``comparable: false`` with the reasons, and the drift (simulation − formula) shows how far the
formulas are off: that difference is the reason to simulate, not an error.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

from simulator.analytic import erlang_a, erlang_c
from simulator.analytic.definitions import SL_DEFINITIONS
from simulator.jsonutil import jsonable
from simulator.replications import Estimate, ReplicationSummary, within_range
from simulator.scenario.model import Scenario

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

FAMILY_CONFIDENCE = 0.99
Progress = Callable[[int, int], None]

# Simulated metric → the analytic key it estimates, per model.
COMPARED = {
    "erlang_c": {"wait_probability": "wait_probability", "service_level": "service_level",
                 "asa_seconds": "asa_seconds", "mean_wait_seconds": "asa_seconds", "occupancy": "occupancy"},
    "erlang_a": {"wait_probability": "wait_probability", "abandon_rate": "abandon_probability",
                 "service_level": "service_level", "service_level_of_answered": "service_level_of_answered",
                 "asa_seconds": "asa_seconds", "mean_wait_seconds": "mean_wait_seconds",
                 "occupancy": "occupancy"},
}


@dataclass(frozen=True)
class CheckRow:
    metric: str
    analytic: float
    simulated: float
    low: float
    high: float

    @property
    def within(self) -> bool:
        return bool(self.low <= self.analytic <= self.high)

    @property
    def drift(self) -> float:
        return self.simulated - self.analytic


@dataclass(frozen=True)
class CheckReport:
    """Simulation against the matching Erlang model, metric by metric."""

    model: str
    comparable: bool
    reasons: tuple[str, ...]
    replications: int
    seed: int
    z: float
    rows: tuple[CheckRow, ...]

    @property
    def passed(self) -> bool | None:
        """True/False where comparable, None where the assumptions do not hold."""
        return all(r.within for r in self.rows) if self.comparable else None

    @property
    def exit_code(self) -> int:
        return 1 if self.passed is False else 0

    def to_dict(self) -> dict[str, Any]:
        return jsonable({
            "model": self.model,
            "comparable": self.comparable,
            "reasons": list(self.reasons),
            "passed": self.passed,
            "replications": self.replications,
            "seed": self.seed,
            "family_confidence": FAMILY_CONFIDENCE,
            "correction": f"Bonferroni over {len(self.rows)} metrics",
            "critical_value": self.z,
            "metrics": {
                r.metric: {"analytic": r.analytic, "simulated": r.simulated, "ci_low": r.low, "ci_high": r.high,
                           "within": r.within if self.comparable else None, "drift": r.drift}
                for r in self.rows
            },
        })

    def to_frame(self) -> pd.DataFrame:
        """One row per metric compared (index: metric): the formula's value, the simulated mean and its
        interval (family-wise, with the critical value ``z``), whether the formula lies inside, and the drift
        (simulated − formula).

        ``within`` is a pass or a failure only where the scenario is ``comparable``; elsewhere it says whether
        the drift is too small for these replications to detect.
        """
        import pandas as pd

        rows = [{"metric": r.metric, "analytic": r.analytic, "simulated": r.simulated, "ci_low": r.low,
                 "ci_high": r.high, "within": r.within, "drift": r.drift} for r in self.rows]
        columns = ["metric", "analytic", "simulated", "ci_low", "ci_high", "within", "drift"]
        return pd.DataFrame(rows, columns=columns).set_index("metric")


def critical_value(replications: int, metrics: int) -> float:
    """Student-t quantile for a Bonferroni family of ``metrics`` two-sided intervals at FAMILY_CONFIDENCE."""
    alpha = (1 - FAMILY_CONFIDENCE) / max(metrics, 1)
    return float(stats.t.ppf(1 - alpha / 2, df=max(replications - 1, 1)))


def compare(summary: ReplicationSummary, analytic: dict[str, Any], model: str, *, comparable: bool,
            reasons: tuple[str, ...]) -> CheckReport:
    """Set each simulated metric (its replication samples) beside its analytic value."""
    pairs = COMPARED[model]
    r = summary.replications
    z = critical_value(r, len(pairs))
    rows = []
    for metric, key in pairs.items():
        values = np.asarray(summary.samples[metric], dtype=float)
        values = values[np.isfinite(values)]
        value = analytic[key]
        if value is None or values.size == 0:
            continue
        mean = float(values.mean())
        half = z * float(values.std(ddof=1)) / math.sqrt(values.size) if values.size > 1 else math.inf
        # Clipped to the metric's range (no negative wait, no probability above 1); a value inside the range
        # is within the clipped interval exactly when it is within the unclipped one.
        clipped = within_range(metric, Estimate(mean, mean - half, mean + half, values.size))
        rows.append(CheckRow(metric, float(value), mean, clipped.ci_low, clipped.ci_high))
    return CheckReport(model, comparable, reasons, r, summary.seed, z, tuple(rows))


def analytic_values(model: str, *, load: float, agents: int, aht_seconds: float, threshold_seconds: float,
                    patience_seconds: float | None, sl_definition: str,
                    short_abandon_seconds: float) -> dict[str, Any]:
    """The analytic metrics the check compares, with ``service_level`` under ``sl_definition``."""
    if model == "erlang_c":
        return erlang_c.metrics(load, agents, aht_seconds=aht_seconds, threshold_seconds=threshold_seconds).to_dict()
    assert patience_seconds is not None
    values = erlang_a.metrics(load, agents, aht_seconds=aht_seconds, patience_seconds=patience_seconds,
                              threshold_seconds=threshold_seconds,
                              short_abandon_seconds=short_abandon_seconds).to_dict()
    values["service_level"] = values["service_level_by_definition"][sl_definition]
    return values


def assumption_breaks(scenario: Scenario, agents: np.ndarray) -> list[str]:
    """Why the Erlang formulas do not describe ``scenario`` exactly (empty when they do)."""
    reasons = []
    handling = scenario.handling
    if not handling.talk.is_exponential:
        reasons.append(f"talk time is {handling.talk.kind}, not exponential")
    if handling.hold is not None or handling.acw is not None:
        reasons.append("handling has hold and/or after-call work (a sum of phases is not exponential)")
    if handling.ring is not None and handling.ring.mean_seconds > 0:
        reasons.append("ring time at the agent")
    if scenario.patience is not None and not scenario.patience.is_exponential:
        reasons.append(f"patience is {scenario.patience.kind}, not exponential")
    ivr = scenario.ivr
    if ivr.navigation is not None or ivr.containment > 0 or ivr.abandon > 0:
        reasons.append("an IVR in front of the queue")
    if scenario.repeats.fcr < 1 or scenario.repeats.redial_probability > 0:
        reasons.append("repeat calls and redials feed back into the queue")
    calls = scenario.calls_per_interval
    if np.ptp(calls) > 1e-9 * max(float(calls.max()), 1.0):
        reasons.append("the arrival rate varies over the day (backlog carries across intervals)")
    if np.ptp(agents) > 0:
        reasons.append("staffing varies over the day")
    if scenario.demand.day_cv > 0 or scenario.demand.month_cv > 0:
        reasons.append("day- and month-level volume uncertainty (over-dispersed arrivals)")
    return reasons


def check_quick(*, calls_per_hour: float, aht_seconds: float, agents: int, hours: float, replications: int,
                seed: int, patience_seconds: float | None = None, threshold_seconds: float = 20.0,
                warmup_hours: float | None = None, sl_definition: str = "abandons_fail",
                short_abandon_seconds: float = 5.0, progress: Progress | None = None,
                workers: int | None = None) -> CheckReport:
    """Simulate a stationary M/M/N(+M) centre and compare it with Erlang C (no patience) or Erlang A.

    The warm-up defaults to a tenth of the hours: the run starts empty, the formulas describe the steady state.
    """
    from simulator.simulation import simulate_quick
    from simulator.staffing import normalise_choice

    definition = normalise_choice(sl_definition, SL_DEFINITIONS, field="sl_definition")
    warmup = hours / 10 if warmup_hours is None else warmup_hours
    summary = simulate_quick(calls_per_hour=calls_per_hour, aht_seconds=aht_seconds, agents=agents, hours=hours,
                             replications=replications, seed=seed, patience_seconds=patience_seconds,
                             threshold_seconds=threshold_seconds, warmup_hours=warmup, sl_definition=definition,
                             short_abandon_seconds=short_abandon_seconds, progress=progress, workers=workers)
    model = "erlang_c" if patience_seconds is None else "erlang_a"
    load = calls_per_hour / 3600 * aht_seconds
    reasons: tuple[str, ...] = ()
    if model == "erlang_c" and load >= agents:
        reasons = (f"no steady state: load {load:g} Erlang >= {agents} agents without abandonment",)
    analytic = analytic_values(model, load=load, agents=agents, aht_seconds=aht_seconds,
                               threshold_seconds=threshold_seconds, patience_seconds=patience_seconds,
                               sl_definition=definition, short_abandon_seconds=short_abandon_seconds)
    return compare(summary, analytic, model, comparable=not reasons, reasons=reasons)


def check_scenario(scenario: Scenario, *, agents: np.ndarray | None = None, replications: int | None = None,
                   seed: int | None = None, progress: Progress | None = None,
                   workers: int | None = None) -> CheckReport:
    """Compare a scenario's simulation with the matching Erlang model.

    Within the assumptions, the open hours of the month are simulated as one stationary stretch (the formulas
    describe the steady state, not a day that starts empty); otherwise the scenario itself is simulated and
    set beside the formulas applied interval by interval (SIPP), rolled up by expected call counts.
    """
    from simulator.simulation import default_agents, simulate_scenario
    from simulator.staffing import repeat_factor

    staffing = default_agents(scenario)[0] if agents is None else np.asarray(agents, dtype=int)
    staffing = np.broadcast_to(staffing, (scenario.interval_count,)).astype(int)
    model = "erlang_a" if scenario.patience is not None else "erlang_c"
    definition = scenario.definitions.sl_definition
    aht = scenario.handling.handle_seconds
    reasons = assumption_breaks(scenario, staffing)
    reps = scenario.simulation.replications if replications is None else replications
    run_seed = scenario.simulation.seed if seed is None else seed
    if not reasons:
        hours = scenario.interval_count * scenario.interval_seconds / 3600 * scenario.demand.days_per_month
        return check_quick(calls_per_hour=float(scenario.calls_per_interval[0]) * 3600 / scenario.interval_seconds,
                           aht_seconds=aht, agents=int(staffing[0]), hours=hours, replications=reps,
                           seed=run_seed, patience_seconds=scenario.patience_seconds,
                           threshold_seconds=scenario.sla.threshold_seconds, sl_definition=definition,
                           short_abandon_seconds=scenario.definitions.short_abandon_seconds,
                           progress=progress, workers=workers)
    run = simulate_scenario(scenario, agents=staffing, replications=reps, seed=run_seed, progress=progress,
                            workers=workers, staffing_source="check")
    calls = (scenario.calls_per_interval * (1 - scenario.ivr.containment - scenario.ivr.abandon)
             * repeat_factor(scenario.repeats.fcr, scenario.repeats.max_attempts))
    load = calls / scenario.interval_seconds * aht
    per = analytic_values(model, load=load, agents=staffing, aht_seconds=aht,  # type: ignore[arg-type]
                          threshold_seconds=scenario.sla.threshold_seconds,
                          patience_seconds=scenario.patience_seconds, sl_definition=definition,
                          short_abandon_seconds=scenario.definitions.short_abandon_seconds)
    analytic = roll_up(per, calls)
    return compare(run.summary, analytic, model, comparable=False, reasons=tuple(reasons))


def roll_up(per: dict[str, Any], calls: np.ndarray) -> dict[str, Any]:
    """Period values of per-interval analytic metrics, weighted by the calls each one concerns."""
    def arr(key: str) -> np.ndarray:
        return np.asarray([np.nan if v is None else v for v in per[key]], dtype=float)

    def weighted(values: np.ndarray, weights: np.ndarray) -> float:
        ok = np.isfinite(values) & (weights > 0)
        return float(np.sum(values[ok] * weights[ok]) / np.sum(weights[ok])) if ok.any() else math.nan

    abandon = arr("abandon_probability") if "abandon_probability" in per else np.zeros_like(calls)
    answered = calls * (1 - abandon)
    busy = np.asarray(per["offered_load"], dtype=float) * (1 - abandon)
    agents = np.asarray(per["agents"], dtype=float)
    out = {
        "wait_probability": weighted(arr("wait_probability"), calls),
        "abandon_probability": weighted(abandon, calls),
        "service_level": weighted(arr("service_level"), calls),
        "asa_seconds": weighted(arr("asa_seconds"), answered),
        "occupancy": float(busy.sum() / agents.sum()) if agents.sum() > 0 else math.nan,
    }
    if "service_level_of_answered" in per:
        out["service_level_of_answered"] = weighted(arr("service_level_of_answered"), answered)
        out["mean_wait_seconds"] = weighted(arr("mean_wait_seconds"), calls)
    return out

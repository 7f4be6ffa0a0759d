"""Simulation-confirmed staffing: the analytic plan, adjusted by one knob until the simulation meets the SLA.

The analytic plan (:func:`simulator.staffing.analytic_staffing`, SIPP with Erlang A or C per interval) knows
nothing of backlog across intervals, IVR time, redials, non-exponential handling or patience. The simulation
does, so it confirms the plan and adjusts it, with one monotone knob f > 0 that scales every target's
allowed miss in every interval:

    service level  SL' = max(0, 1 − f (1 − SL))      abandon cap  f × cap (at most 1)      ASA cap  f × cap

and ``required_agents`` per interval with those targets (the occupancy cap kept as it is) gives staffing(f).
f = 1 is the analytic plan, a smaller f more agents in every interval the targets bind, a larger f fewer; the
staffing keeps the shape of the load. The search looks for the largest f (the cheapest staffing) whose
staffing meets the scenario's criterion (``staffing.criterion``):

``"mean"``
    Months simulated on the forecast (volume shocks off: day_cv = month_cv = 0; up to ``replications``
    months per staffing, common random numbers: month r has the same seed at every f) meet every target on
    average: the mean over the simulated measurement periods of the SL (the contract's definition, rolled up
    as the profile says), of the abandon rate and of the ASA; a day floor on the mean day, an interval floor
    on the mean of each interval of the day. Months are simulated in batches (one per worker, at least two)
    and a staffing is judged as soon as every target is met, or one is missed, by more than 4 standard
    errors (the day-to-day spread of the simulated days ÷ √days, doubled for the correlation between days);
    otherwise after all ``replications`` months (floors: always all months). The answer is always simulated
    for all ``replications`` months and judged again on them; should it then fail, the search goes on.
``"risk"``
    P(at least one SLA target missed in a month) ≤ ``staffing.risk``, with P(miss) from the surrogate months
    of :mod:`simulator.risk` calibrated by the same simulated months at that staffing (the full
    simulation of hundreds of months per candidate would take minutes).

Search: from f = 1, double f while the simulation meets the criterion (up to f = 4), or halve it while it
does not (down to f = 1/64); then bisect in log f between the last f that met and the first that did not,
until they are within 2^(1/8) (9 %) or 8 staffings have been simulated. A staffing already simulated (two
values of f can give the same agents) is not simulated again. The answer is the cheapest staffing seen that
met the criterion. With ``staffing.method = "simulation"`` the search starts from Erlang A if the scenario has
a patience distribution, else from Erlang C. A scenario that fixes its staffing (``staffing.agents`` or
``staffing.agents_per_interval``) is simulated as given and reported as meeting the criterion or not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.analytic import required_agents
from simulator.errors import InfeasibleTargetError
from simulator.jsonutil import jsonable
from simulator.risk import (
    Calibration,
    MonthRunner,
    MonthSet,
    RiskMonths,
    calibrate,
    forecast_model,
    slope_volume,
    surrogate_months,
    volume_model,
)
from simulator.scenario.model import Scenario
from simulator.staffing import StaffingPlan, analytic_staffing

__all__ = ["KNOB_RULE", "ConfirmedStaffing", "SearchStep", "confirm_staffing", "criterion_metrics",
           "knob_staffing", "start_method"]

KNOB_RULE = ("f scales every target's allowed miss per interval: SL' = max(0, 1 - f(1 - SL)), abandon cap' = "
             "min(1, f cap), ASA cap' = f cap; occupancy cap unchanged; f = 1 is the analytic plan")
F_MIN = 2.0**-6
F_MAX = 4.0
RESOLUTION = 1.0 / 8.0  # bisection stops when log2(f_fail / f_met) is below this
MAX_EVALUATIONS = 8  # staffings simulated in the bisection (the gallop may add its few)
RAISED_MONTHS = 2  # months re-simulated at a raised volume for the surrogate's slope
EARLY_Z = 4.0  # a staffing is judged before all months when every margin exceeds this many standard errors
EARLY_INFLATION = 2.0  # standard errors from the spread of days, doubled: days of a month are not independent
_TIE = 1e-12


def start_method(scenario: Scenario) -> tuple[str, str]:
    """The analytic method the search starts from, and a sentence saying why."""
    method = scenario.staffing.method
    if method != "simulation":
        return method, f"analytic start: {method.replace('_', ' ').title()} (staffing.method)"
    if scenario.patience is not None:
        return "erlang_a", ("staffing.method = simulation: the search starts from the Erlang A plan "
                            "(the scenario gives a patience distribution)")
    return "erlang_c", ("staffing.method = simulation: the search starts from the Erlang C plan "
                        "(the scenario gives no patience)")


def knob_staffing(scenario: Scenario, plan: StaffingPlan, knob: float) -> tuple[np.ndarray, np.ndarray]:
    """staffing(f): agents per interval with every allowed miss scaled by ``knob`` (see the module docstring),
    with and without the occupancy cap.

    Raises
    ------
    InfeasibleTargetError
        When the scaled targets cannot be met (or conflict with the occupancy cap).
    """
    if knob == 1.0:
        return plan.agents.astype(int), plan.agents_for_sla.astype(int)
    sla = scenario.sla
    targets: dict[str, Any] = {
        "aht_seconds": scenario.handling.handle_seconds,
        "method": plan.method,
        "threshold_seconds": sla.threshold_seconds,
        "sl_definition": plan.sl_definition,
        "short_abandon_seconds": scenario.definitions.short_abandon_seconds,
        "target_sl": None if sla.service_level is None else max(0.0, 1.0 - knob * (1.0 - sla.service_level)),
        "max_asa_seconds": None if sla.max_asa_seconds is None else knob * sla.max_asa_seconds,
        "max_abandon": (min(1.0, knob * sla.max_abandon_rate)
                        if sla.max_abandon_rate is not None and plan.method == "erlang_a" else None),
    }
    if plan.method == "erlang_a":
        targets["patience_seconds"] = scenario.patience_seconds
    cap = scenario.staffing.occupancy_cap
    has_target = any(targets[k] is not None for k in ("target_sl", "max_asa_seconds", "max_abandon"))
    for_sla = (np.asarray(required_agents(plan.offered_load, **targets), dtype=int) if has_target
               else np.zeros(plan.offered_load.shape, dtype=int))
    agents = for_sla if cap is None else np.asarray(required_agents(plan.offered_load, max_occupancy=cap,
                                                                    **targets), dtype=int)
    return agents, for_sla


def criterion_metrics(sims: MonthSet) -> dict[str, float]:
    """What the ``"mean"`` criterion judges: the mean over the simulated measurement periods of the SL,
    abandon rate and ASA, the mean day SL, and the worst interval of the day's mean SL."""
    def mean(values: np.ndarray) -> float:
        finite = values[np.isfinite(values)]
        return float(finite.mean()) if finite.size else math.nan

    cells = np.concatenate([m.cell_service_level for m in sims.months])  # (R·D, I)
    with np.errstate(invalid="ignore"):
        per_interval = np.array([mean(cells[:, i]) for i in range(cells.shape[1])])
    finite = per_interval[np.isfinite(per_interval)]
    return {
        "service_level": mean(sims.period_array("service_level")),
        "abandon_rate": mean(sims.period_array("abandon_rate")),
        "asa_seconds": mean(sims.period_array("asa_seconds")),
        "day_service_level": mean(np.concatenate([m.day_service_level for m in sims.months])),
        "worst_interval_service_level": float(finite.min()) if finite.size else math.nan,
    }


def _judge(values: dict[str, float], scenario: Scenario,
           errors: dict[str, float] | None = None) -> tuple[bool, bool]:
    """(meets, clear): whether the means meet every target, and whether each margin exceeds ``EARLY_Z``
    standard errors (``errors``: metric → standard error; None: the final judgement, always clear)."""
    sla, floors = scenario.sla, scenario.definitions.floors
    # (metric, level, at_least): SL and floors from below, abandon rate and ASA caps from above
    targets = [("service_level", sla.service_level, True), ("abandon_rate", sla.max_abandon_rate, False),
               ("asa_seconds", sla.max_asa_seconds, False), ("day_service_level", floors.day, True),
               ("worst_interval_service_level", floors.interval, True)]
    margins: list[tuple[float, float]] = []
    for metric, level, at_least in targets:
        if level is None:
            continue
        value = values[metric]
        if not math.isfinite(value):
            # No answered call means no ASA to judge (a NaN is no measurement and no miss, as in credits);
            # an SL without calls cannot meet a minimum.
            margins.append((-math.inf if at_least else math.inf, 0.0))
            continue
        margin = (value - level if at_least else level - value) + _TIE * max(1.0, abs(level))
        margins.append((margin, 0.0 if errors is None else errors.get(metric, math.inf)))
    meets = all(m >= 0 for m, _ in margins)
    if errors is None:
        return meets, True
    if meets:
        return True, all(m > EARLY_Z * se for m, se in margins)
    return False, any(m < -EARLY_Z * se for m, se in margins)


def _standard_errors(sims: MonthSet) -> dict[str, float]:
    """Standard error of each criterion mean from the spread of the simulated days (see the module docstring);
    floors get none (they are judged on all months)."""
    out = {}
    for metric in ("service_level", "abandon_rate", "asa_seconds"):
        days = np.concatenate([m.day[metric] for m in sims.months])
        days = days[np.isfinite(days)]
        out[metric] = (EARLY_INFLATION * float(days.std(ddof=1)) / math.sqrt(days.size) if days.size > 1
                       else math.inf)
    return out


@dataclass(frozen=True, eq=False)
class SearchStep:
    """One staffing the search looked at."""

    knob: float
    agents: np.ndarray
    simulated: bool  # False: the same agents as an earlier step, so its result was reused
    meets: bool
    metrics: dict[str, float]  # the criterion's view of the simulated months
    p_miss: float | None  # the surrogate's P(any target missed), risk criterion only
    interval_hours: float
    months: int  # simulated months it was judged on

    @property
    def peak_agents(self) -> int:
        return int(self.agents.max(initial=0))

    @property
    def agent_hours_per_day(self) -> float:
        return float(self.agents.sum()) * self.interval_hours

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"knob": self.knob, "peak_agents": self.peak_agents,
                         "agent_hours_per_day": self.agent_hours_per_day, "simulated": self.simulated,
                         "months": self.months, "meets": self.meets, **self.metrics, "p_miss": self.p_miss})


@dataclass(frozen=True, eq=False)
class ConfirmedStaffing:
    """The staffing the quote is priced on, how it was found, and the simulated months behind it."""

    method: str  # the scenario's staffing.method
    start_method: str  # the analytic method the search started from
    start_note: str
    source: str  # "search", or the scenario field that fixed the staffing
    criterion: str
    risk_limit: float | None
    knob: float | None  # None for a fixed staffing
    agents: np.ndarray
    agents_for_sla: np.ndarray | None
    start: StaffingPlan
    steps: tuple[SearchStep, ...]
    sims: MonthSet  # months simulated at the answer on the forecast
    calibration: Calibration
    risk_months: RiskMonths | None  # the surrogate months at the answer (risk criterion)
    met: bool
    replications: int
    seed: int
    simulated_months: int  # months simulated in all

    @property
    def evaluations(self) -> int:
        """Distinct staffings simulated by the search."""
        return len({tuple(step.agents.tolist()) for step in self.steps if step.simulated})

    @property
    def metrics(self) -> dict[str, float]:
        """The criterion's view of the months at the answer."""
        return criterion_metrics(self.sims)

    def to_dict(self) -> dict[str, Any]:
        return jsonable({
            "source": self.source,
            "method": self.method,
            "start_method": self.start_method,
            "start_note": self.start_note,
            "start_agents_per_interval": [int(a) for a in self.start.agents],
            "criterion": self.criterion,
            "risk_limit": self.risk_limit,
            "knob": {"name": "f", "value": self.knob, "rule": KNOB_RULE, "range": [F_MIN, F_MAX]},
            "met": self.met,
            "metrics": self.metrics,
            "iterations": [step.to_dict() for step in self.steps],
            "evaluations": self.evaluations,
            "months_per_evaluation": self.replications,
            "simulated_months": self.simulated_months,
            "seed": self.seed,
            "basis": "simulated months on the forecast (volume shocks off), the same month seeds at every "
                     "staffing (common random numbers)",
        })


@dataclass
class _Evaluation:
    months: list[Any]  # SimulatedMonth, in seed order
    meets: bool
    values: dict[str, float]
    extra: Any  # (calibration, risk months, P(miss)) under the risk criterion


class _Search:
    """Simulated months and the criterion for each staffing, cached by the agents."""

    def __init__(self, scenario: Scenario, plan: StaffingPlan, *, replications: int, seed: int, months: int,
                 runner: MonthRunner) -> None:
        self.scenario = scenario
        self.plan = plan
        self.runner = runner
        self.seed = seed
        self.months = months
        self.replications = replications
        self.seeds = np.random.SeedSequence(int(seed)).spawn(int(replications))
        self.raised_volume = slope_volume(scenario)
        self.cache: dict[tuple[int, ...], _Evaluation] = {}
        self.steps: list[SearchStep] = []
        self.plans: dict[float, tuple[np.ndarray, np.ndarray] | None] = {}
        self.interval_hours = scenario.interval_seconds / 3600.0
        floors = scenario.definitions.floors
        self.sequential = (scenario.staffing.criterion == "mean" and floors.day is None
                           and floors.interval is None)

    def staffing(self, knob: float) -> tuple[np.ndarray, np.ndarray] | None:
        """staffing(f), or None when no staffing meets the scaled targets."""
        if knob not in self.plans:
            try:
                self.plans[knob] = knob_staffing(self.scenario, self.plan, knob)
            except InfeasibleTargetError:
                self.plans[knob] = None
        return self.plans[knob]

    def month_set(self, months: list[Any]) -> MonthSet:
        return MonthSet(tuple(months), self.scenario.definitions)

    def simulate(self, agents: np.ndarray, start: int, stop: int) -> list[Any]:
        return self.runner.run(forecast_model(self.scenario, agents), self.seeds[start:stop], self.scenario)

    def calibration(self, agents: np.ndarray, sims: MonthSet) -> Calibration:
        raised = None
        if self.raised_volume is not None:
            seeds = self.seeds[:RAISED_MONTHS]
            raised = MonthSet(tuple(self.runner.run(volume_model(self.scenario, agents, self.raised_volume),
                                                    seeds, self.scenario)), self.scenario.definitions)
        return calibrate(self.scenario, agents, sims, raised, self.raised_volume)

    def _judge_all(self, agents: np.ndarray, months: list[Any]) -> _Evaluation:
        """Judge on every one of ``months`` (all replications)."""
        sims = self.month_set(months)
        values = criterion_metrics(sims)
        if self.scenario.staffing.criterion == "risk":
            calibration = self.calibration(agents, sims)
            risk = surrogate_months(self.scenario, agents, calibration, months=self.months, seed=self.seed)
            p = risk.p_miss_any(self.scenario)
            return _Evaluation(months, p <= self.scenario.staffing.risk + _TIE, values, (calibration, risk, p))
        return _Evaluation(months, _judge(values, self.scenario)[0], values, None)

    def evaluate(self, knob: float, agents: np.ndarray) -> bool:
        key = tuple(int(a) for a in agents)
        fresh = key not in self.cache
        if fresh:
            total = self.replications
            if self.sequential:
                # Judge after 2, 4, 8, ... months: a schedule fixed in advance, never sized by the workers, so
                # the verdict (and the staffing) is the same on one core, a pool or a cluster.
                months = self.simulate(agents, 0, min(total, 2))
                while True:
                    sims = self.month_set(months)
                    values = criterion_metrics(sims)
                    if len(months) >= total:
                        result = _Evaluation(months, _judge(values, self.scenario)[0], values, None)
                        break
                    meets, clear = _judge(values, self.scenario, _standard_errors(sims))
                    if clear:
                        result = _Evaluation(months, meets, values, None)
                        break
                    months = months + self.simulate(agents, len(months), min(total, 2 * len(months)))
            else:
                result = self._judge_all(agents, self.simulate(agents, 0, total))
            self.cache[key] = result
        self._step(knob, agents, fresh)
        return self.cache[key].meets

    def _step(self, knob: float, agents: np.ndarray, fresh: bool) -> None:
        result = self.cache[tuple(int(a) for a in agents)]
        self.steps.append(SearchStep(knob=knob, agents=np.asarray(agents, dtype=int), simulated=fresh,
                                     meets=result.meets, metrics=result.values,
                                     p_miss=None if result.extra is None else result.extra[2],
                                     interval_hours=self.interval_hours, months=len(result.months)))

    def complete(self, knob: float, agents: np.ndarray) -> bool:
        """Simulate the answer for every replication and judge it on them all; False if it then fails."""
        key = tuple(int(a) for a in agents)
        result = self.cache[key]
        if len(result.months) >= self.replications:
            return result.meets
        months = result.months + self.simulate(agents, len(result.months), self.replications)
        self.cache[key] = self._judge_all(agents, months)
        self._step(knob, agents, True)  # the answer again, judged on every month
        return self.cache[key].meets

    def run(self) -> float | None:
        """The largest f found whose staffing meets the criterion (None: not even F_MIN)."""
        good: float | None = None
        bad: float | None = None
        if self.evaluate(1.0, self.staffing(1.0)[0]):  # type: ignore[index]
            good, knob = 1.0, 2.0
            while knob <= F_MAX:
                staffing = self.staffing(knob)
                if staffing is not None and self.evaluate(knob, staffing[0]):
                    good, knob = knob, knob * 2.0
                else:
                    bad = knob
                    break
        else:
            bad, knob = 1.0, 0.5
            while knob >= F_MIN:
                staffing = self.staffing(knob)
                if staffing is None:
                    break
                if self.evaluate(knob, staffing[0]):
                    good = knob
                    break
                bad, knob = knob, knob / 2.0
        if good is None or bad is None:
            return good
        budget = MAX_EVALUATIONS
        while math.log2(bad / good) > RESOLUTION and budget > 0:
            mid = math.sqrt(good * bad)
            staffing = self.staffing(mid)
            good_staffing = self.staffing(good)
            if staffing is None:
                bad = mid
                continue
            if good_staffing is not None and np.array_equal(staffing[0], good_staffing[0]):
                good = mid  # same agents as a staffing that met: no simulation needed
                continue
            bad_staffing = self.staffing(bad)
            if bad_staffing is not None and np.array_equal(staffing[0], bad_staffing[0]):
                bad = mid
                continue
            budget -= 1
            if self.evaluate(mid, staffing[0]):
                good = mid
            else:
                bad = mid
        return good



def confirm_staffing(scenario: Scenario, *, seed: int, replications: int, months: int,
                     runner: MonthRunner) -> ConfirmedStaffing:
    """The staffing the simulation confirms for ``scenario``'s SLA (rules in the module docstring).

    Parameters
    ----------
    scenario : Scenario
        The resolved scenario.
    seed : int
        Root seed: month ``r`` of every staffing uses ``SeedSequence(seed).spawn(replications)[r]``.
    replications : int
        Months simulated on the forecast per staffing. [months]
    months : int
        Risk months for the surrogate (risk criterion). [months]
    runner : MonthRunner
        Runs the simulations (its pool is reused across staffings).

    Raises
    ------
    InfeasibleTargetError
        No staffing down to f = 1/64 meets the criterion.
    """
    method, note = start_method(scenario)
    plan = analytic_staffing(scenario, method=method)
    search = _Search(scenario, plan, replications=replications, seed=seed, months=months, runner=runner)
    fixed = scenario.staffing.agents_per_interval is not None or scenario.staffing.agents is not None
    knob: float | None
    for_sla: np.ndarray | None
    if fixed:
        source = ("staffing.agents_per_interval" if scenario.staffing.agents_per_interval is not None
                  else "staffing.agents")
        agents = (np.asarray(scenario.staffing.agents_per_interval, dtype=int)
                  if scenario.staffing.agents_per_interval is not None
                  else np.full(scenario.interval_count, scenario.staffing.agents, dtype=int))
        search.evaluate(1.0, agents)
        met = search.complete(1.0, agents)
        knob, for_sla = None, None
    else:
        source = "search"
        while True:  # judged early, the answer is judged again on every month; rarely, it then fails
            found = search.run()
            if found is None:
                last = search.steps[-1]
                raise InfeasibleTargetError(
                    f"no staffing meets the SLA in simulation, down to f = {F_MIN:g} (every allowed miss scaled "
                    f"by {F_MIN:g}; {last.peak_agents} agents at peak gave SL "
                    f"{last.metrics['service_level']:.4g}, abandon rate {last.metrics['abandon_rate']:.4g}, "
                    f"ASA {last.metrics['asa_seconds']:.4g} s)", field="sla")
            staffing = search.staffing(found)
            assert staffing is not None
            if search.complete(found, staffing[0]):
                break
        knob = found
        agents, for_sla = staffing
        met = True
    result = search.cache[tuple(int(a) for a in agents)]
    sims = search.month_set(result.months)
    if result.extra is not None:
        calibration, risk_months = result.extra[0], result.extra[1]
    else:
        calibration, risk_months = search.calibration(agents, sims), None
    return ConfirmedStaffing(
        method=scenario.staffing.method, start_method=method, start_note=note, source=source,
        criterion=scenario.staffing.criterion,
        risk_limit=scenario.staffing.risk if scenario.staffing.criterion == "risk" else None, knob=knob,
        agents=np.asarray(agents, dtype=int), agents_for_sla=for_sla, start=plan, steps=tuple(search.steps),
        sims=sims, calibration=calibration, risk_months=risk_months, met=met, replications=replications,
        seed=seed, simulated_months=runner.simulated,
    )

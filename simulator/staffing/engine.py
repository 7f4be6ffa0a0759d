"""The staffing engine: the cheapest staffing that meets the contract as it is measured, under a criterion.

1. **Time-stable start** (:mod:`~simulator.staffing.fixed_point`): the iterative staffing algorithm, from the
   SIPP plan, gives the staffing meeting every target in every interval and the interval response measured there.
2. **The contract's measurement.** Measured per interval, that staffing (within the limits) is the answer. Measured
   over a day, week or month, the Lagrangian allocation (:mod:`~simulator.staffing.allocation`) finds the
   cheapest staffing whose *period* meets the targets, with the limits (:mod:`~simulator.staffing.limits`) as
   bounds per interval. The answer is simulated (2, then ``CHECK_MONTHS`` months on the forecast, the same seeds
   at every staffing, judged early when clear, :mod:`~simulator.staffing.criteria`); where the simulated period differs
   from the allocation's prediction, the planning targets are moved by that gap on the logit/log scale and the
   allocation is made again, until a staffing repeats or ``ROUNDS`` have passed. The cheapest staffing that met
   is simulated for every replication and judged again on them all.
3. **The criterion** (``staffing.criterion``). ``mean``: step 2 as it stands. ``risk``: a knob f scales every
   allowed miss of the planning targets (SL' = 1 − f(1 − SL), caps × f); the largest f (gallop from 1 by
   doubling or halving within [1/64, 4], then bisection in log f to 2^(1/8)) whose staffing has P(any target
   missed in a month) ≤ ``staffing.risk`` by the surrogate months, calibrated at the last simulated staffing;
   the answer is simulated and calibrated again, and the search repeats from there should it then fail.
   ``cost``: the knob on a grid from 4 to 1/8 (steps of √2), each staffing priced by the quote's objective (the
   cost build-up's price + expected credits + risk premium), the cheapest kept (with P(miss) ≤
   ``staffing.max_p_miss`` when set), then simulated and priced again at its own calibration.

A scenario that fixes its staffing (``staffing.agents`` or ``staffing.agents_per_interval``) is simulated as given
and reported as meeting its criterion or not.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulator.errors import InfeasibleTargetError
from simulator.jsonutil import jsonable
from simulator.risk.calibration import Calibration, calibrate, slope_volume, to_scale, volume_model
from simulator.risk.months import METRICS, MonthRunner, MonthSet, RiskMonths, SimulatedMonth, forecast_model
from simulator.risk.surrogate import surrogate_months
from simulator.scenario.model import Scenario
from simulator.staffing.allocation import Allocation, allocate
from simulator.staffing.criteria import criterion_metrics, judge, standard_errors
from simulator.staffing.fixed_point import MAX_ITERATIONS, SETTLED, FixedPoint, fixed_point_months, iterate_staffing
from simulator.staffing.limits import (
    Limits,
    binding_labels,
    interval_bounds,
    judged_under,
    occupancy_bound,
    target_labels,
)
from simulator.staffing.plan import StaffingPlan, analytic_staffing
from simulator.staffing.response import IntervalTargets, interval_response

__all__ = ["KNOB_RANGE", "ROUNDS", "Candidate", "Objective", "Solution", "StaffingEngine", "start_method"]

ROUNDS = 3  # allocations checked by simulation before the cheapest that met is taken
CHECK_MONTHS = 4  # months a check round simulates at most (the answer is then judged on every replication)
FINAL_ROUNDS = 1  # extra searches when the answer, judged on every month, fails after all
MARGIN_SE = 1.0  # the planning targets aim this many standard errors inside the contract's
RAISED_MONTHS = 2  # months re-simulated at a raised volume for the surrogate's slope
KNOB_RANGE = (2.0**-6, 4.0)
RESOLUTION = 1.0 / 8.0  # the risk search stops when log2(f_fail / f_met) is below this
MAX_EVALUATIONS = 8
COST_KNOBS = tuple(float(2.0 ** (k / 2)) for k in range(4, -7, -1))  # 4 … 1/8
OUTER_SEARCHES = 3  # risk/cost searches, each calibrated at the previous answer

Objective = Callable[[np.ndarray, RiskMonths, MonthSet], dict[str, float]]


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


@dataclass(frozen=True, eq=False)
class Candidate:
    """One staffing the engine looked at."""

    stage: str  # "allocation", "final", "risk", "cost", "fixed"
    knob: float
    agents: np.ndarray
    planning: IntervalTargets
    predicted: dict[str, float]  # the allocation's forecast of the period
    simulated: dict[str, float] | None  # the criterion's view of the simulated months (None: surrogate only)
    months: int  # months simulated at it so far
    meets: bool
    p_miss: float | None = None
    objective: float | None = None
    interval_hours: float = 0.5

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"stage": self.stage, "knob": self.knob, "peak_agents": int(self.agents.max(initial=0)),
                         "agent_hours_per_day": float(self.agents.sum()) * self.interval_hours,
                         "planning_targets": self.planning.as_dict(), "predicted": self.predicted,
                         "simulated": self.simulated, "months": self.months, "meets": self.meets,
                         "p_miss": self.p_miss, "objective": self.objective})


@dataclass(frozen=True, eq=False)
class Solution:
    """The staffing for one set of limits, and the simulated months behind it."""

    limits: Limits
    agents: np.ndarray
    need: np.ndarray  # what the targets alone ask of each interval at the same prices of the targets
    binding: list[str]
    targets: list[str]  # per interval, the target that sets it where no limit does
    allocation: Allocation | None  # None where the SLA is measured per interval
    knob: float | None
    candidates: tuple[Candidate, ...]
    sims: MonthSet  # every replication at ``agents``
    calibration: Calibration
    risk_months: RiskMonths | None  # the surrogate months the criterion judged (risk, cost)
    met: bool
    offsets: np.ndarray = field(default_factory=lambda: np.zeros(len(METRICS)))

    @property
    def metrics(self) -> dict[str, float]:
        return criterion_metrics(self.sims)


@dataclass
class _Plan:
    agents: np.ndarray
    need: np.ndarray
    binding: list[str]
    allocation: Allocation | None
    planning: IntervalTargets
    predicted: dict[str, float]
    targets: list[str]  # per interval, the target that sets it where no limit does


class StaffingEngine:
    """Solves the staffing of one scenario for any set of limits, sharing the simulated months (cached by the
    staffing, the same seeds at every staffing) and the time-stable start between them."""

    def __init__(self, scenario: Scenario, *, seed: int, replications: int, months: int, runner: MonthRunner,
                 objective: Objective | None = None) -> None:
        self.scenario = scenario
        self.runner = runner
        self.seed = int(seed)
        self.replications = int(replications)
        self.risk_months_count = int(months)
        self.objective = objective
        self.method, self.note = start_method(scenario)
        self.plan: StaffingPlan = analytic_staffing(scenario, method=self.method)
        self.targets = IntervalTargets.of(scenario)
        self.seeds = np.random.SeedSequence(self.seed).spawn(self.replications)
        self.cost = 1.0 + scenario.shift_premium_per_interval
        self.per_interval = scenario.definitions.measurement_period == "interval"
        self.interval_hours = scenario.interval_seconds / 3600.0
        self._months: dict[tuple[int, ...], list[SimulatedMonth]] = {}
        self._raised: dict[tuple[int, ...], MonthSet] = {}
        self._fixed: FixedPoint | None = None
        self._occupancy: np.ndarray | None = None
        self.judging = scenario  # the scenario as the limits being solved judge it (floors)
        self.solutions: dict[Limits, Solution] = {}

    # -- simulated months ----------------------------------------------------------------------------------
    def months(self, agents: np.ndarray, count: int) -> MonthSet:
        """The first ``count`` forecast months at ``agents`` (simulated once, then taken from the cache)."""
        key = tuple(int(a) for a in agents)
        have = self._months.setdefault(key, [])
        count = min(count, self.replications)
        if len(have) < count:
            have.extend(self.runner.run(forecast_model(self.scenario, np.asarray(key)), self.seeds[len(have):count],
                                        self.scenario))
        return MonthSet(tuple(have[:count]), self.scenario.definitions)

    def simulated(self, agents: np.ndarray) -> int:
        return len(self._months.get(tuple(int(a) for a in agents), ()))

    def calibration(self, agents: np.ndarray) -> tuple[MonthSet, Calibration]:
        """Every replication at ``agents`` and the surrogate's calibration there (with the raised-volume months)."""
        sims = self.months(agents, self.replications)
        volume = slope_volume(self.scenario)
        raised = None
        if volume is not None:
            key = tuple(int(a) for a in agents)
            if key not in self._raised:
                model = volume_model(self.scenario, agents, volume)
                self._raised[key] = MonthSet(tuple(self.runner.run(model, self.seeds[:RAISED_MONTHS],
                                                                   self.scenario)), self.scenario.definitions)
            raised = self._raised[key]
        return sims, calibrate(self.scenario, agents, sims, raised, volume)

    # -- the time-stable start -------------------------------------------------------------------------------
    @property
    def fixed_point(self) -> FixedPoint:
        if self._fixed is None:
            per_iteration = fixed_point_months(self.scenario, self.replications)
            self._fixed = iterate_staffing(self.scenario, self.targets, self.plan.agents_for_sla,
                                           lambda agents: self.months(agents, per_iteration),
                                           months_per_iteration=per_iteration, method=self.method)
        return self._fixed

    @property
    def occupancy(self) -> np.ndarray | None:
        """The occupancy cap's bound per interval (None without a cap): the fewest agents whose occupancy, by
        the formulas at the load measured with the centre staffed so, is at most the cap. Found by iterating
        from the bound at the SIPP load, as the fixed point is (simulate, measure, re-bound, until no interval
        moves by more than one agent), so that it depends on neither the SLA targets nor the staffing the
        targets ask for; within one agent it is what the simulation measures at a staffing set by the cap."""
        cap = self.scenario.staffing.occupancy_cap
        if cap is None:
            return None
        if self._occupancy is None:
            per_iteration = fixed_point_months(self.scenario, self.replications)
            response = interval_response(self.scenario, self.plan.queue_calls, method=self.method)
            agents = occupancy_bound(response, cap)
            for _ in range(MAX_ITERATIONS):
                sims = self.months(agents, per_iteration)
                response = interval_response(self.scenario, sims.interval_table()["offered_per_day"], sims=sims,
                                             agents=agents, method=self.method)
                proposed = occupancy_bound(response, cap)
                if int(np.abs(proposed - agents).max(initial=0)) <= SETTLED:
                    agents = np.maximum(proposed, agents)
                    break
                agents = proposed
            self._occupancy = agents
        return self._occupancy

    # -- planning ----------------------------------------------------------------------------------------------
    def _planned(self, knob: float, offsets: np.ndarray, limits: Limits) -> _Plan:
        response = self.fixed_point.response
        lower_by, upper = interval_bounds(response, limits, self.occupancy)
        lower = np.max(np.stack(list(lower_by.values())), axis=0) if lower_by else np.zeros_like(upper)
        planning = self.targets.loosened(knob).shifted(offsets)
        if self.per_interval or not any(v is not None for v in planning.as_dict().values()):
            need = response.required(planning)
            agents = np.minimum(np.maximum(need, lower), upper)
            allocation = None
            labels = target_labels(response, planning)
        else:
            day_floor = None
            if limits.day_floor is not None:
                day_floor = IntervalTargets(service_level=limits.day_floor).loosened(knob).shifted(
                    offsets).service_level
            allocation = allocate(response, planning, lower=lower, upper=upper, cost=self.cost, day_floor=day_floor)
            agents, need = allocation.agents, allocation.unbounded
            labels = np.full(agents.size, allocation.binding or "sla", dtype=object)
        binding = binding_labels(agents, need, lower_by, upper, labels)
        return _Plan(agents=agents, need=need, binding=binding, allocation=allocation, planning=planning,
                     predicted=response.period(agents), targets=[str(x) for x in labels])

    def _judge_mean(self, agents: np.ndarray, *, final: bool) -> tuple[bool, dict[str, float], int]:
        """(meets, the criterion's values, months) for the mean criterion: judged after 2 and ``CHECK_MONTHS``
        months (early when clear), or on every month when ``final`` or when a floor is set."""
        floors = self.judging.definitions.floors
        count = self.replications if final or floors.day is not None or floors.interval is not None else 2
        most = self.replications if final else min(self.replications, CHECK_MONTHS)
        while True:
            sims = self.months(agents, count)
            values = criterion_metrics(sims)
            if len(sims) >= most:
                return judge(values, self.judging)[0], values, len(sims)
            meets, clear = judge(values, self.judging, standard_errors(sims))
            if clear:
                return meets, values, len(sims)
            count = 2 * len(sims)

    def _candidate(self, stage: str, knob: float, plan: _Plan, meets: bool, values: dict[str, float] | None,
                   months: int, p_miss: float | None = None, objective: float | None = None) -> Candidate:
        return Candidate(stage=stage, knob=knob, agents=plan.agents, planning=plan.planning,
                         predicted=plan.predicted, simulated=values, months=months, meets=meets, p_miss=p_miss,
                         objective=objective, interval_hours=self.interval_hours)

    def _price(self, agents: np.ndarray) -> float:
        return float((self.cost * agents).sum())

    def _offsets(self, predicted: dict[str, float], sims: MonthSet) -> np.ndarray:
        """Planning offsets on the logit/log scale: minus the gap between the simulated period and the
        allocation's forecast, moved inwards by ``MARGIN_SE`` standard errors of the simulated mean (so the
        next staffing aims inside the target, not at it, and still meets it on every replication)."""
        names = METRICS
        values = criterion_metrics(sims)
        errors = standard_errors(sims)
        pred = np.array([[predicted[n] for n in names]])
        sim = np.array([[values[n] for n in names]])
        with np.errstate(invalid="ignore"):
            gap = (to_scale(sim, names) - to_scale(pred, names))[0]
            # d z / d value on each scale: logit for fractions, log for the ASA
            slope = np.array([1.0 / max(v * (1 - v), 1e-9) if n != "asa_seconds" else 1.0 / max(v, 1e-9)
                              for n, v in zip(names, sim[0], strict=True)])
        inward = np.array([1.0, -1.0, -1.0])  # the SL from above, the caps from below
        margin = MARGIN_SE * np.array([errors[n] for n in names]) * slope
        out = -gap + inward * np.where(np.isfinite(margin), margin, 0.0)
        return np.where(np.isfinite(out), out, 0.0)

    # -- criteria ----------------------------------------------------------------------------------------------
    def _mean(self, limits: Limits, knob: float = 1.0,
              offsets: np.ndarray | None = None) -> tuple[_Plan, list[Candidate], np.ndarray]:
        """The cheapest staffing (at ``knob``) whose simulated period meets every target on average; should no
        allocation do so, the time-stable staffing within the limits. ``offsets``: the planning offsets to
        start from (default none)."""
        offsets = np.zeros(len(METRICS)) if offsets is None else np.asarray(offsets, dtype=float)
        candidates: list[Candidate] = []
        tried: set[tuple[int, ...]] = set()
        rounds = 1 if self.per_interval else ROUNDS
        for _ in range(1 + FINAL_ROUNDS):
            best: tuple[_Plan, np.ndarray] | None = None
            for _ in range(rounds):
                plan = self._planned(knob, offsets, limits)
                key = tuple(plan.agents.tolist())
                if key in tried:
                    break
                tried.add(key)
                meets, values, months = self._judge_mean(plan.agents, final=False)
                candidates.append(self._candidate("allocation", knob, plan, meets, values, months))
                if meets and (best is None or self._price(plan.agents) < self._price(best[0].agents)):
                    best = (plan, offsets)
                offsets = self._offsets(plan.predicted, self.months(plan.agents, months))
            if best is None:
                break
            plan, chosen = best
            meets, values, months = self._judge_mean(plan.agents, final=True)
            candidates.append(self._candidate("final", knob, plan, meets, values, months))
            if meets:
                return plan, candidates, chosen
            # Judged on a few months, the answer fails on every month: plan from the full set and look again.
            offsets = self._offsets(plan.predicted, self.months(plan.agents, months))
        plan = self._fixed_point_plan(limits)
        meets, values, months = self._judge_mean(plan.agents, final=True)
        candidates.append(self._candidate("fixed_point", knob, plan, meets, values, months))
        return plan, candidates, offsets

    def _fixed_point_plan(self, limits: Limits) -> _Plan:
        """The time-stable staffing within the limits: meets the targets in every interval."""
        fp = self.fixed_point
        lower_by, upper = interval_bounds(fp.response, limits, self.occupancy)
        lower = np.max(np.stack(list(lower_by.values())), axis=0) if lower_by else np.zeros_like(upper)
        agents = np.minimum(np.maximum(fp.agents, lower), upper)
        labels = target_labels(fp.response, self.targets)
        return _Plan(agents=agents, need=fp.agents, binding=binding_labels(agents, fp.agents, lower_by, upper, labels),
                     allocation=None, planning=self.targets, predicted=fp.response.period(agents),
                     targets=[str(x) for x in labels])

    def _surrogate(self, agents: np.ndarray, calibration: Calibration) -> RiskMonths:
        return surrogate_months(self.scenario, agents, calibration, months=self.risk_months_count, seed=self.seed)

    def _risk_search(self, limits: Limits, offsets: np.ndarray, calibration: Calibration,
                     candidates: list[Candidate]) -> float | None:
        """The largest knob whose staffing's surrogate P(miss) is within ``staffing.risk`` (None: not even the
        smallest)."""
        limit = self.scenario.staffing.risk
        cache: dict[float, tuple[_Plan, float]] = {}

        def ok(knob: float) -> bool:
            if knob not in cache:
                plan = self._planned(knob, offsets, limits)
                p = self._surrogate(plan.agents, calibration).p_miss_any(self.judging)
                cache[knob] = (plan, p)
                candidates.append(self._candidate("risk", knob, plan, p <= limit + 1e-12, None,
                                                  self.simulated(plan.agents), p_miss=p))
            return cache[knob][1] <= limit + 1e-12

        lo_k, hi_k = KNOB_RANGE
        good: float | None = None
        bad: float | None = None
        if ok(1.0):
            good, knob = 1.0, 2.0
            while knob <= hi_k:
                if not ok(knob):
                    bad = knob
                    break
                good, knob = knob, knob * 2
        else:
            bad, knob = 1.0, 0.5
            while knob >= lo_k:
                if ok(knob):
                    good = knob
                    break
                bad, knob = knob, knob / 2
        if good is None or bad is None:
            return good
        for _ in range(MAX_EVALUATIONS):
            if math.log2(bad / good) <= RESOLUTION:
                break
            mid = math.sqrt(good * bad)
            if np.array_equal(self._planned(mid, offsets, limits).agents, cache[good][0].agents):
                good = mid
                continue
            if ok(mid):
                good = mid
            else:
                bad = mid
        return good

    def _cost_search(self, limits: Limits, offsets: np.ndarray, calibration: Calibration, sims: MonthSet,
                     candidates: list[Candidate]) -> float | None:
        """The knob of least objective on the grid (within ``staffing.max_p_miss`` when set)."""
        assert self.objective is not None
        cap = self.scenario.staffing.max_p_miss
        best: tuple[float, float] | None = None
        seen: dict[tuple[int, ...], tuple[float, float]] = {}
        for knob in COST_KNOBS:
            plan = self._planned(knob, offsets, limits)
            key = tuple(plan.agents.tolist())
            if key not in seen:
                months = self._surrogate(plan.agents, calibration)
                total = self.objective(plan.agents, months, sims)["total"]
                seen[key] = (months.p_miss_any(self.judging), total)
                allowed = cap is None or seen[key][0] <= cap + 1e-12
                candidates.append(self._candidate("cost", knob, plan, allowed, None, self.simulated(plan.agents),
                                                  p_miss=seen[key][0], objective=total))
            p, total = seen[key]
            if (cap is None or p <= cap + 1e-12) and (best is None or total < best[1] - 1e-9):
                best = (knob, total)
        return None if best is None else best[0]

    def solve(self, limits: Limits | None = None, *, start: Solution | None = None) -> Solution:
        """The staffing for ``limits`` (default: the scenario's own) under the scenario's criterion.

        ``start``: a solution of the same scenario under other limits (the quote's own, when the engine solves
        without one limit to cost it): its planning offsets start the search, and under the risk and cost
        criteria its calibration starts the knob search, which the answer's own simulation then checks."""
        limits = Limits.of(self.scenario) if limits is None else limits
        if limits in self.solutions:
            return self.solutions[limits]
        criterion = self.scenario.staffing.criterion
        self.judging = judged_under(self.scenario, limits)
        knob: float | None = 1.0
        risk_months: RiskMonths | None = None
        if criterion == "mean" or start is None:
            plan, candidates, offsets = self._mean(limits, offsets=None if start is None else start.offsets)
            sims, calibration = self.calibration(plan.agents)
            met = bool(candidates[-1].meets)
        else:
            offsets, candidates = start.offsets, []
            plan = self._planned(1.0, offsets, limits)
            sims, calibration, met = start.sims, start.calibration, False
        if criterion in ("risk", "cost"):
            for _ in range(OUTER_SEARCHES):
                if criterion == "risk":
                    found = self._risk_search(limits, offsets, calibration, candidates)
                else:
                    found = self._cost_search(limits, offsets, calibration, sims, candidates)
                if found is None:
                    raise InfeasibleTargetError(self._infeasible_message(criterion), field="staffing.criterion")
                new = self._planned(found, offsets, limits)
                same = np.array_equal(new.agents, plan.agents)
                plan, knob = new, found
                sims, calibration = self.calibration(plan.agents)
                risk_months = self._surrogate(plan.agents, calibration)
                p = risk_months.p_miss_any(self.judging)
                limit = self.scenario.staffing.risk if criterion == "risk" else self.scenario.staffing.max_p_miss
                met = limit is None or p <= limit + 1e-12
                total = None if self.objective is None else self.objective(plan.agents, risk_months, sims)["total"]
                candidates.append(self._candidate("final", found, plan, met, criterion_metrics(sims), len(sims),
                                                  p_miss=p, objective=total))
                if met or same:
                    break
        elif not met:
            raise InfeasibleTargetError(self._infeasible_message(criterion, candidates[-1]), field="sla")
        solution = Solution(limits=limits, agents=plan.agents, need=plan.need, binding=plan.binding,
                            targets=plan.targets,
                            allocation=plan.allocation, knob=knob, candidates=tuple(candidates), sims=sims,
                            calibration=calibration, risk_months=risk_months, met=met, offsets=offsets)
        self.solutions[limits] = solution
        return solution

    def fixed(self, agents: np.ndarray) -> Solution:
        """A staffing the scenario fixes: simulated as given and judged by the criterion."""
        agents = np.asarray(agents, dtype=int)
        sims, calibration = self.calibration(agents)
        values = criterion_metrics(sims)
        criterion = self.scenario.staffing.criterion
        risk_months = None
        p = None
        if criterion == "mean":
            met = judge(values, self.scenario)[0]
        else:
            risk_months = self._surrogate(agents, calibration)
            p = risk_months.p_miss_any(self.scenario)
            limit = self.scenario.staffing.risk if criterion == "risk" else self.scenario.staffing.max_p_miss
            met = limit is None or p <= limit + 1e-12
        plan = _Plan(agents=agents, need=agents, binding=["fixed"] * agents.size, allocation=None,
                     planning=self.targets, predicted={}, targets=["fixed"] * agents.size)
        candidate = self._candidate("fixed", 1.0, plan, met, values, len(sims), p_miss=p)
        return Solution(limits=Limits.of(self.scenario), agents=agents, need=agents, binding=plan.binding,
                        targets=plan.targets,
                        allocation=None,
                        knob=None, candidates=(candidate,), sims=sims, calibration=calibration,
                        risk_months=risk_months, met=met)

    def _infeasible_message(self, criterion: str, last: Candidate | None = None) -> str:
        if last is not None and last.simulated is not None:
            v = last.simulated
            return (f"no staffing meets the SLA in simulation ({criterion} criterion): at {int(last.agents.max())} "
                    f"agents at peak the simulated SL is {v['service_level']:.4g}, abandon rate "
                    f"{v['abandon_rate']:.4g}, ASA {v['asa_seconds']:.4g} s")
        return (f"no staffing down to f = {KNOB_RANGE[0]:g} (every allowed miss scaled by {KNOB_RANGE[0]:g}) meets "
                f"the {criterion} criterion")


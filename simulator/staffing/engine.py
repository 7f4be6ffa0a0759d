"""The staffing engine: the cheapest staffing that meets the contract as it is measured, under a criterion.

1. **Time-stable start** (:mod:`~simulator.staffing.fixed_point`): the iterative staffing algorithm, from the
   SIPP plan, gives the staffing meeting every target in every interval and the interval response measured there.
2. **The contract's measurement.** Measured per interval, that staffing (within the limits) is the answer. Measured
   over a day, week or month, the Lagrangian allocation (:mod:`~simulator.staffing.allocation`) finds the
   cheapest staffing whose *period* meets the targets, with the limits (:mod:`~simulator.staffing.limits`) as
   bounds per interval. The answer is simulated (2, then ``CHECK_MONTHS`` months on the forecast, the same seeds
   at every staffing, judged early when clear, :mod:`~simulator.staffing.criteria`); where the simulated period differs
   from the allocation's prediction, the planning targets are moved by that gap on the logit/log scale and the
   allocation is made again, until a staffing repeats or ``ROUNDS`` have passed. Under ``mean`` the cheapest
   staffing that met is simulated for every replication and judged again on them all.
3. **The criterion** (``staffing.criterion``). ``mean``: step 2 as it stands. ``risk`` and ``cost``: the knob
   searches of :mod:`~simulator.staffing.search` on the surrogate months, calibrated at the staffing of step 2
   (on the ``PRELIMINARY_MONTHS`` it was judged on), then the answer is **confirmed** by simulation with a
   sequential rule: months are simulated at it in a schedule fixed in advance (``PRELIMINARY_MONTHS``, then two
   more at a time up to ``simulation.replications``), the surrogate is calibrated on them, and the verdict is
   taken as soon as it holds with the month-level drift moved ``CONFIRM_Z`` standard errors either way (P(miss)
   within the limit even at the worse drift, or above it even at the better one), else on every replication.
   Should the answer then fail, the search runs again from its own calibration (at most ``OUTER_SEARCHES``).

Every staffing's months are simulated once and kept (common random numbers: the same month seeds at every
staffing; a month met again at a new staffing reuses its draws, :mod:`simulator.sim.reuse`), so a staffing the
search comes back to costs nothing, and the solves without each limit (what a limit
costs) start from the quote's own calibration. A scenario that fixes its staffing (``staffing.agents`` or
``staffing.agents_per_interval``) is simulated as given and reported as meeting its criterion or not.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from simulator.errors import InfeasibleTargetError
from simulator.risk.calibration import Calibration
from simulator.risk.months import METRICS, MonthRunner, MonthSet, RiskMonths
from simulator.risk.queue import QueueModel
from simulator.risk.surrogate import (
    RollUps,
    forecast_miss_excused,
    month_shocks,
    month_volume,
    surrogate_months,
)
from simulator.scenario.model import Scenario
from simulator.staffing.allocation import allocate
from simulator.staffing.criteria import criterion_metrics, judge, planning_offsets, standard_errors
from simulator.staffing.fixed_point import MAX_ITERATIONS, SETTLED, FixedPoint, fixed_point_months, iterate_staffing
from simulator.staffing.limits import (
    Limits,
    binding_labels,
    interval_bounds,
    judged_under,
    target_labels,
)
from simulator.staffing.month_cache import MonthCache
from simulator.staffing.plan import StaffingPlan, analytic_staffing, start_method
from simulator.staffing.response import IntervalResponse, IntervalTargets, occupancy_staffing
from simulator.staffing.search import KNOB_RANGE, cost_knob, risk_knob
from simulator.staffing.solution import Candidate, Objective, Plan, Solution

__all__ = ["CONFIRM_Z", "PRELIMINARY_MONTHS", "ROUNDS", "StaffingEngine"]

ROUNDS = 3  # allocations checked by simulation before the cheapest that met is taken
CHECK_MONTHS = 4  # months a check round simulates at most (under mean the answer is then judged on every month)
FINAL_ROUNDS = 1  # extra searches when the answer, judged on every month, fails after all
PRELIMINARY_MONTHS = 4  # months behind the calibration the risk and cost searches start from
CONFIRM_STEP = 2  # months added at a time while the sequential rule has no verdict
CONFIRM_Z = 2.0  # the verdict must hold with the month-level drift moved this many standard errors either way
OUTER_SEARCHES = 3  # risk/cost searches, each calibrated at the previous answer
ROLL_UPS_KEPT = 8  # staffings whose surrogate roll-ups are kept (a few MB each)
_TIE = 1e-12


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
        self.cost = 1.0 + scenario.shift_premium_per_interval
        self.per_interval = scenario.definitions.measurement_period == "interval"
        self.interval_hours = scenario.interval_seconds / 3600.0
        self._fixed: FixedPoint | None = None
        self._occupancy: np.ndarray | None = None
        self._floors: dict[float, np.ndarray] = {}
        self.judging = scenario  # the scenario as the limits being solved judge it (floors)
        self.solutions: dict[Limits, Solution] = {}
        # The formulas' queue (it keeps the intervals it has tabulated) and the risk months' shocks: the same
        # for every staffing the search looks at.
        self.queue = QueueModel.from_scenario(scenario)
        self.shocks = month_shocks(scenario, months=self.risk_months_count, seed=self.seed)
        # The surrogate's analytic months by staffing: a staffing is calibrated again and again (the sequential
        # rule, the drift moved either way), its formulas' roll-up stays the same.
        self.roll_ups: dict[tuple[int, ...], RollUps] = {}
        self.excused = forecast_miss_excused(scenario, month_volume(self.shocks))
        self.cache = MonthCache(scenario, runner, seed=self.seed, replications=self.replications, queue=self.queue)

    # -- the time-stable start -------------------------------------------------------------------------------
    @property
    def fixed_point(self) -> FixedPoint:
        if self._fixed is None:
            per_iteration = fixed_point_months(self.scenario, self.replications)
            self._fixed = iterate_staffing(self.scenario, self.targets, self.plan.agents_for_sla,
                                           lambda agents: self.cache.months(agents, per_iteration),
                                           months_per_iteration=per_iteration, method=self.method)
        return self._fixed

    @property
    def occupancy(self) -> np.ndarray | None:
        """The occupancy cap's bound per interval (None without a cap): the fewest agents whose occupancy, by
        the formulas at the load measured with the centre staffed so, is at most the cap. Found by iterating
        from the bound at the forecast load, as the fixed point is (simulate, measure, re-bound, until no interval
        moves by more than one agent), so that it depends on neither the SLA targets nor the staffing the
        targets ask for; within one agent it is what the simulation measures at a staffing set by the cap."""
        cap = self.scenario.staffing.occupancy_cap
        if cap is None:
            return None
        if self._occupancy is None:
            per_iteration = fixed_point_months(self.scenario, self.replications)
            # Start from the forecast's load (not the time-stable staffing's, which depends on the targets).
            agents = occupancy_staffing(self.scenario, self.plan.queue_calls, cap, method=self.method)
            for _ in range(MAX_ITERATIONS):
                sims = self.cache.months(agents, per_iteration)
                proposed = occupancy_staffing(self.scenario, sims.interval_table()["offered_per_day"], cap,
                                              method=self.method)
                if int(np.abs(proposed - agents).max(initial=0)) <= SETTLED:
                    agents = np.maximum(proposed, agents)
                    break
                agents = proposed
            self._occupancy = agents
        return self._occupancy

    def floor_bound(self, level: float) -> np.ndarray:
        """An interval floor's bound per interval: the time-stable staffing at an SL target of ``level`` (the
        iterative staffing algorithm with the floor as its only target, measured as precisely as an SLA
        measured per interval), since a floor is such a target in every interval. Cached per level."""
        if level not in self._floors:
            per_iteration = fixed_point_months(self.scenario, self.replications, per_interval=True)
            target = IntervalTargets(service_level=level)
            self._floors[level] = iterate_staffing(self.scenario, target, self.fixed_point.response.required(target),
                                                   lambda agents: self.cache.months(agents, per_iteration),
                                                   months_per_iteration=per_iteration, method=self.method).agents
        return self._floors[level]

    def _bounds(self, response: IntervalResponse, limits: Limits) -> tuple[dict[str, np.ndarray], np.ndarray]:
        floor = None if limits.interval_floor is None else self.floor_bound(limits.interval_floor)
        return interval_bounds(response, limits, self.occupancy, floor)

    # -- planning ----------------------------------------------------------------------------------------------
    def _planned(self, knob: float, offsets: np.ndarray, limits: Limits) -> Plan:
        response = self.fixed_point.response
        lower_by, upper = self._bounds(response, limits)
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
        return Plan(agents=agents, need=need, binding=binding, allocation=allocation, planning=planning,
                    predicted=response.period(agents), targets=[str(x) for x in labels])

    def _judge_mean(self, agents: np.ndarray, *, final: bool) -> tuple[bool, dict[str, float], int]:
        """(meets, the criterion's values, months) for the mean criterion: judged after 2 and ``CHECK_MONTHS``
        months (early when clear), or on every month when ``final`` or when a floor is set."""
        floors = self.judging.definitions.floors
        count = self.replications if final or floors.day is not None or floors.interval is not None else 2
        most = self.replications if final else min(self.replications, CHECK_MONTHS)
        while True:
            sims = self.cache.months(agents, count)
            values = criterion_metrics(sims)
            if len(sims) >= most:
                return judge(values, self.judging)[0], values, len(sims)
            meets, clear = judge(values, self.judging, standard_errors(sims))
            if clear:
                return meets, values, len(sims)
            count = 2 * len(sims)

    def _candidate(self, stage: str, knob: float, plan: Plan, meets: bool, values: dict[str, float] | None,
                   months: int, p_miss: float | None = None, objective: float | None = None,
                   p_miss_range: tuple[float, float] | None = None) -> Candidate:
        return Candidate(stage=stage, knob=knob, agents=plan.agents, planning=plan.planning,
                         predicted=plan.predicted, simulated=values, months=months, meets=meets, p_miss=p_miss,
                         objective=objective, interval_hours=self.interval_hours, p_miss_range=p_miss_range)

    def _price(self, agents: np.ndarray) -> float:
        return float((self.cost * agents).sum())

    # -- criteria ----------------------------------------------------------------------------------------------
    def _mean(self, limits: Limits, *, final: bool = True,
              offsets: np.ndarray | None = None) -> tuple[Plan, list[Candidate], np.ndarray]:
        """The cheapest staffing whose simulated period meets every target on average (judged on every
        replication when ``final``, else on the few months of the check rounds); should no allocation do so,
        the time-stable staffing within the limits. ``offsets``: the planning offsets to start from."""
        offsets = np.zeros(len(METRICS)) if offsets is None else np.asarray(offsets, dtype=float)
        candidates: list[Candidate] = []
        tried: set[tuple[int, ...]] = set()
        rounds = 1 if self.per_interval else ROUNDS
        for _ in range(1 + FINAL_ROUNDS):
            best: tuple[Plan, np.ndarray] | None = None
            for _ in range(rounds):
                plan = self._planned(1.0, offsets, limits)
                key = tuple(plan.agents.tolist())
                if key in tried:
                    break
                tried.add(key)
                meets, values, months = self._judge_mean(plan.agents, final=False)
                candidates.append(self._candidate("allocation", 1.0, plan, meets, values, months))
                if meets and (best is None or self._price(plan.agents) < self._price(best[0].agents)):
                    best = (plan, offsets)
                offsets = planning_offsets(plan.predicted, self.cache.months(plan.agents, months))
            if best is None:
                break
            plan, chosen = best
            if not final:
                return plan, candidates, chosen
            meets, values, months = self._judge_mean(plan.agents, final=True)
            candidates.append(self._candidate("final", 1.0, plan, meets, values, months))
            if meets:
                return plan, candidates, chosen
            # Judged on a few months, the answer fails on every month: plan from the full set and look again.
            offsets = planning_offsets(plan.predicted, self.cache.months(plan.agents, months))
        plan = self._fixed_point_plan(limits)
        meets, values, months = self._judge_mean(plan.agents, final=final)
        candidates.append(self._candidate("fixed_point", 1.0, plan, meets, values, months))
        return plan, candidates, offsets

    def _fixed_point_plan(self, limits: Limits) -> Plan:
        """The time-stable staffing within the limits: meets the targets in every interval."""
        fp = self.fixed_point
        lower_by, upper = self._bounds(fp.response, limits)
        lower = np.max(np.stack(list(lower_by.values())), axis=0) if lower_by else np.zeros_like(upper)
        agents = np.minimum(np.maximum(fp.agents, lower), upper)
        labels = target_labels(fp.response, self.targets)
        return Plan(agents=agents, need=fp.agents, binding=binding_labels(agents, fp.agents, lower_by, upper, labels),
                    allocation=None, planning=self.targets, predicted=fp.response.period(agents),
                    targets=[str(x) for x in labels])

    def _surrogate(self, agents: np.ndarray, calibration: Calibration) -> RiskMonths:
        if len(self.roll_ups) > ROLL_UPS_KEPT:  # the oldest staffing first (dicts keep their order)
            del self.roll_ups[next(iter(self.roll_ups))]
        return surrogate_months(self.scenario, agents, calibration, months=self.risk_months_count, seed=self.seed,
                                queue=self.queue, shocks=self.shocks, roll_ups=self.roll_ups)

    def _p_miss(self, months: RiskMonths, judging: Scenario | None = None) -> float:
        """P(a target missed in a month) as the contract counts it: the months the forecast-miss exclusion
        excuses (volume far above the forecast) miss nothing."""
        misses = months.misses(self.judging if judging is None else judging)
        if self.excused is not None:
            misses = misses & ~self.excused
        return float(misses.mean())

    def _limit(self) -> float | None:
        """The P(miss) the criterion allows (``risk``: staffing.risk; ``cost``: staffing.max_p_miss, maybe
        None)."""
        staffing = self.scenario.staffing
        return staffing.risk if staffing.criterion == "risk" else staffing.max_p_miss

    def _confirm(self, agents: np.ndarray) -> tuple[MonthSet, Calibration, RiskMonths, float,
                                                    tuple[float, float] | None]:
        """Simulate the answer and calibrate the surrogate there, by the sequential rule (module docstring):
        its months, calibration and risk months, P(miss), and P(miss) at the better and worse drift where the
        rule stopped early."""
        limit = self._limit()
        # Without a P(miss) limit (cost with no cap) there is no verdict to reach early: every replication.
        count = self.replications if limit is None else min(PRELIMINARY_MONTHS, self.replications)
        while True:
            sims, calibration = self.cache.calibration(agents, count)
            months = self._surrogate(agents, calibration)
            p = self._p_miss(months)
            if limit is None or count >= self.replications:
                return sims, calibration, months, p, None
            worse = self._p_miss(self._surrogate(agents, calibration.shifted(CONFIRM_Z)))
            better = self._p_miss(self._surrogate(agents, calibration.shifted(-CONFIRM_Z)))
            if worse <= limit + _TIE or better > limit + _TIE:
                return sims, calibration, months, p, (better, worse)
            count = min(self.replications, count + CONFIRM_STEP)

    def _note(self, candidates: list[Candidate]) -> Callable[[str, float, Plan, float, float | None, bool], None]:
        def note(stage: str, knob: float, plan: Plan, p: float, objective: float | None, ok: bool) -> None:
            candidates.append(self._candidate(stage, knob, plan, ok, None, self.cache.simulated(plan.agents), p_miss=p,
                                              objective=objective))
        return note

    def _search(self, limits: Limits, offsets: np.ndarray, calibration: Calibration, sims: MonthSet,
                candidates: list[Candidate]) -> float | None:
        """The knob the criterion asks for, on the surrogate months calibrated by ``calibration``."""
        def plan_at(knob: float) -> Plan:
            return self._planned(knob, offsets, limits)

        if self.scenario.staffing.criterion == "risk":
            return risk_knob(plan_at, lambda plan: self._p_miss(self._surrogate(plan.agents, calibration)),
                             self.scenario.staffing.risk, self._note(candidates))
        assert self.objective is not None
        objective = self.objective

        def price(plan: Plan) -> tuple[float, float]:
            months = self._surrogate(plan.agents, calibration)
            return self._p_miss(months), objective(plan.agents, months, sims)["total"]

        return cost_knob(plan_at, price, self.scenario.staffing.max_p_miss, self._note(candidates))

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
        if criterion == "mean":
            plan, candidates, offsets = self._mean(limits, offsets=None if start is None else start.offsets)
            sims, calibration = self.cache.calibration(plan.agents)
            met = bool(candidates[-1].meets)
            if not met:
                raise InfeasibleTargetError(self._infeasible_message(criterion, candidates[-1]), field="sla")
        else:
            if start is None:
                plan, candidates, offsets = self._mean(limits, final=False)
                sims, calibration = self.cache.calibration(plan.agents, PRELIMINARY_MONTHS)
            else:
                return self._relaxed(limits, start)
            met = False
            confirmed: set[tuple[int, ...]] = set()  # staffings the sequential rule has judged
            for _ in range(OUTER_SEARCHES):
                found = self._search(limits, offsets, calibration, sims, candidates)
                if found is None:
                    raise InfeasibleTargetError(self._infeasible_message(criterion), field="staffing.criterion")
                new = self._planned(found, offsets, limits)
                key = tuple(new.agents.tolist())
                same = key in confirmed  # judged already: its calibration cannot say anything new
                confirmed.add(key)
                plan, knob = new, found
                sims, calibration, risk_months, p, p_range = self._confirm(plan.agents)
                limit = self._limit()
                met = limit is None or p <= limit + _TIE
                total = None if self.objective is None else self.objective(plan.agents, risk_months, sims)["total"]
                candidates.append(self._candidate("final", found, plan, met, criterion_metrics(sims), len(sims),
                                                  p_miss=p, objective=total, p_miss_range=p_range))
                if met or same:
                    break
        solution = Solution(limits=limits, agents=plan.agents, need=plan.need, binding=plan.binding,
                            targets=plan.targets, allocation=plan.allocation, knob=knob, candidates=tuple(candidates),
                            sims=sims, calibration=calibration, risk_months=risk_months, met=met, offsets=offsets)
        self.solutions[limits] = solution
        return solution

    def _relaxed(self, limits: Limits, start: Solution) -> Solution:
        """Under ``risk`` or ``cost``, the staffing for other ``limits`` (the quote's less one) searched and judged
        on the surrogate calibrated at the quote's staffing (``start``), without simulating it: what a limit
        costs is a difference between two staffings of the same centre, and the calibration holds near both."""
        candidates: list[Candidate] = []
        sims, calibration = start.sims, start.calibration
        found = self._search(limits, start.offsets, calibration, sims, candidates)
        if found is None:
            raise InfeasibleTargetError(self._infeasible_message(self.scenario.staffing.criterion),
                                        field="staffing.criterion")
        plan = self._planned(found, start.offsets, limits)
        risk_months = self._surrogate(plan.agents, calibration)
        p = self._p_miss(risk_months)
        limit = self._limit()
        met = limit is None or p <= limit + _TIE
        total = None if self.objective is None else self.objective(plan.agents, risk_months, sims)["total"]
        candidates.append(self._candidate("final", found, plan, met, None, self.cache.simulated(plan.agents), p_miss=p,
                                          objective=total))
        solution = Solution(limits=limits, agents=plan.agents, need=plan.need, binding=plan.binding,
                            targets=plan.targets, allocation=plan.allocation, knob=found,
                            candidates=tuple(candidates), sims=sims, calibration=calibration,
                            risk_months=risk_months, met=met, offsets=start.offsets)
        self.solutions[limits] = solution
        return solution

    def fixed(self, agents: np.ndarray) -> Solution:
        """A staffing the scenario fixes: simulated as given and judged by the criterion."""
        agents = np.asarray(agents, dtype=int)
        sims, calibration = self.cache.calibration(agents)
        values = criterion_metrics(sims)
        risk_months = None
        p = None
        if self.scenario.staffing.criterion == "mean":
            met = judge(values, self.scenario)[0]
        else:
            risk_months = self._surrogate(agents, calibration)
            p = self._p_miss(risk_months, self.scenario)
            limit = self._limit()
            met = limit is None or p <= limit + _TIE
        plan = Plan(agents=agents, need=agents, binding=["fixed"] * agents.size, allocation=None,
                    planning=self.targets, predicted={}, targets=["fixed"] * agents.size)
        candidate = self._candidate("fixed", 1.0, plan, met, values, len(sims), p_miss=p)
        return Solution(limits=Limits.of(self.scenario), agents=agents, need=agents, binding=plan.binding,
                        targets=plan.targets, allocation=None, knob=None, candidates=(candidate,), sims=sims,
                        calibration=calibration, risk_months=risk_months, met=met)

    def _infeasible_message(self, criterion: str, last: Candidate | None = None) -> str:
        if last is not None and last.simulated is not None:
            v = last.simulated
            return (f"no staffing meets the SLA in simulation ({criterion} criterion): at {int(last.agents.max())} "
                    f"agents at peak the simulated SL is {v['service_level']:.4g}, abandon rate "
                    f"{v['abandon_rate']:.4g}, ASA {v['asa_seconds']:.4g} s")
        return (f"no staffing down to f = {KNOB_RANGE[0]:g} (every allowed miss scaled by {KNOB_RANGE[0]:g}) meets "
                f"the {criterion} criterion")

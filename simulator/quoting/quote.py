"""The quote pipeline: SLA → simulation-driven staffing → FTE chain → cost → price with risk → every unit.

:func:`quote` chains the steps, each in its own module:

1. **Staffing** (:mod:`simulator.staffing`): the cheapest staffing that meets the contract as it is measured
   (per interval, or over the day, week or month), found by simulation from the time-stable fixed point, under
   the scenario's criterion (``staffing.criterion``: ``mean``, ``risk`` or ``cost``); beside it the staffing
   without each limit that binds (the occupancy cap, floors, minimum and maximum agents), priced the same way,
   so that each limit's monthly cost is the difference.
2. **FTE chain** (:func:`simulator.pricing.fte_chain`): required agent-hours → productive → paid hours → FTE,
   seats, support heads.
3. **Cost build-up** (:func:`simulator.pricing.cost_build_up`): the workload is the answered calls per month
   of the simulation at the quoted staffing on the forecast (repeat calls and redials are calls too) and
   the contract's handle time (:func:`simulator.pricing.contract_handle_seconds`).
4. **Risk** (:mod:`simulator.risk`): ``months`` contract months with volume and AHT shocks, by the
   surrogate (default) or the full simulation; :func:`simulator.pricing.credit_risk` turns them into
   P(miss), expected credits, their 95th percentile and the price with risk as the master agreement says.
5. **Billing units** (:func:`simulator.pricing.billing_units`): the quoted total per FTE-month, productive
   hour, paid hour, handled minute and answered call; ``per_X × quantity_X = total`` for every unit.
6. Optionally the **term** (:func:`simulator.pricing.term_schedule`): escalator and ramp-up, month by month.

Beside it, the **comparison**: the staffing and price that Erlang C, Erlang A (when the scenario has a
patience) and the simulation-driven plan give, and the simulated service level under all five
definitions at the quoted staffing. The cost lines of :meth:`Quote.to_dict` add up to ``price.total``:
the cost build-up (which ends with the margin) plus, when the master prices risk in, the expected credits,
minus the expected bonus, plus the risk premium.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator import __version__
from simulator.errors import InfeasibleTargetError, ScenarioError
from simulator.jsonutil import jsonable
from simulator.pricing.billing import BillingUnits, billing_quantities, billing_units
from simulator.pricing.cost import CostBuildUp, Workload, contract_handle_seconds, cost_build_up
from simulator.pricing.credits import CreditRisk
from simulator.pricing.fte import FteChain, fte_chain
from simulator.pricing.term import TermSchedule, term_schedule
from simulator.quoting.priced import ConstraintCost, price_parts, price_staffing
from simulator.risk import RISK_METHODS, MonthRunner, MonthSet, RiskMonths, simulated_months, surrogate_months
from simulator.scenario.model import Scenario
from simulator.staffing import analytic_staffing, normalise_choice
from simulator.staffing.limits import judged_under
from simulator.staffing.result import ContractStaffing, staff_contract
from simulator.sweep import SEQUENTIAL, Backend, Task, digest

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["PlanComparison", "Quote", "quote"]

Progress = Callable[[int, int], None]
P_MISS_WARNING = 0.5  # a quote whose P(miss) is above this is flagged on stderr, whatever the criterion


@dataclass(frozen=True, eq=False)
class PlanComparison:
    """The staffing and base price one staffing method gives (before expected credits)."""

    method: str  # "erlang_c", "erlang_a" or "simulation"
    basis: str
    chain: FteChain | None
    price: float  # the cost build-up's price (before credits) [currency/month]
    price_per_unit: float  # that price per billing unit [currency/unit]
    service_level: float  # the method's own monthly SL (contract definition), volume-weighted
    abandon_rate: float
    error: str | None = None  # why the method gives no staffing (targets it cannot meet)

    def to_dict(self) -> dict[str, Any]:
        if self.chain is None:
            return jsonable({"method": self.method, "basis": self.basis, "error": self.error})
        return jsonable({
            "method": self.method,
            "peak_agents": self.chain.peak_agents,
            "agent_hours": self.chain.required_hours,
            "fte": self.chain.fte,
            "seats": self.chain.seats,
            "price": self.price,
            "price_per_billing_unit": self.price_per_unit,
            "service_level": self.service_level,
            "abandon_rate": self.abandon_rate,
            "agents_per_interval": [int(a) for a in self.chain.agents_per_interval],
            "basis": self.basis,
        })


@dataclass(frozen=True, eq=False)
class Quote:
    """A priced scenario: every step from the SLA to the price in every unit, and the risk."""

    scenario: Scenario
    seed: int
    staffing: ContractStaffing
    chain: FteChain
    workload: Workload
    cost: CostBuildUp
    credit: CreditRisk
    risk_months: RiskMonths
    units: BillingUnits
    term: TermSchedule | None
    comparison: tuple[PlanComparison, ...]
    constraints: dict[str, ConstraintCost]  # per limit that binds somewhere: what it costs a month

    # -- key figures ---------------------------------------------------------------------------------------
    @property
    def total(self) -> float:
        """The monthly price quoted (with expected credits and risk premium as the master says). [currency]"""
        return self.units.total

    @property
    def currency(self) -> str:
        return self.units.currency

    @property
    def billing_unit(self) -> str:
        return self.scenario.billing.unit

    @property
    def metrics(self) -> dict[str, float]:
        """Simulated metrics at the quoted staffing on the forecast (counts per month, pooled ratios)."""
        return self.staffing.sims.pooled()

    @property
    def service_level_by_definition(self) -> dict[str, float]:
        """The simulated SL under each of the five definitions at the quoted staffing (pooled counts)."""
        return self.staffing.sims.service_level_by_definition()

    @property
    def cost_lines(self) -> dict[str, float]:
        """Cost build-up lines (margin included) plus the risk lines; they add up to the total."""
        lines = dict(self.cost.lines)
        credit = self.credit
        if credit.include_in_price:
            lines["expected_credits"] = credit.expected_credits
            if self.scenario.credits.bonus_share > 0:
                lines["expected_bonus"] = -credit.expected_bonus
            lines["risk_premium"] = credit.risk_premium
        return lines

    def interval_rows(self) -> list[dict[str, Any]]:
        """Per interval of the day: the forecast load, the load the simulation measured, the SIPP start, the
        staffing at the SLA alone (occupancy cap off), the quoted agents, what binds, and the simulated metrics
        at the quoted staffing."""
        plan = self.staffing.start
        simulated = self.staffing.sims.interval_table()
        for_sla = self.staffing.agents_for_sla
        fixed_point = self.staffing.fixed_point
        rows = []
        for i, start in enumerate(self.scenario.interval_starts):
            rows.append({
                "start": start,
                "calls": float(plan.queue_calls[i]),
                "offered_load": float(plan.offered_load[i]),
                "measured_load": None if fixed_point is None else float(fixed_point.response.load[i]),
                "start_agents": int(plan.agents_for_sla[i]),
                "agents_for_sla": None if for_sla is None else int(for_sla[i]),
                "agents": int(self.staffing.agents[i]),
                "binding": self.staffing.binding[i],
                "simulated_calls": float(simulated["offered_per_day"][i]),
                "carried_in": float(simulated["carried_in_per_day"][i]),
                "service_level": float(simulated["service_level"][i]),
                "abandon_rate": float(simulated["abandon_rate"][i]),
                "asa_seconds": float(simulated["asa_seconds"][i]),
                "occupancy": float(simulated["occupancy"][i]),
            })
        return rows

    def warnings(self) -> list[str]:
        """What a negotiator must not miss: a quote more likely to miss the SLA than to meet it, a criterion
        that is not met."""
        out = []
        p = max(self.credit.p_miss, self.risk_months.p_miss_any(self.scenario))
        if p > P_MISS_WARNING:
            out.append(f"{self.scenario.name}: P(miss) is {100 * p:.1f}% under the {self.staffing.criterion} "
                       f"criterion: more months miss the SLA than meet it (staffing.criterion = risk staffs to "
                       f"P(miss) <= staffing.risk)")
        if not self.staffing.met:
            out.append(f"{self.scenario.name}: the staffing does not meet the {self.staffing.criterion} criterion")
        return out

    @property
    def price_split(self) -> dict[str, float]:
        """The quoted price as staffing cost + expected credits (net of bonus) + risk premium."""
        return price_parts(self.cost, self.credit)

    def constraint_sentence(self) -> str | None:
        """'the occupancy cap costs $X a month; the SLA alone needs Y FTE' for every limit that binds."""
        from simulator.report.formatting import format_money

        words = {"occupancy_cap": "the occupancy cap", "floor": "the floor", "min_agents": "the minimum agents",
                 "max_agents": "the maximum agents"}
        parts = []
        for name, c in self.constraints.items():
            parts.append(f"{words[name]} costs {format_money(c.price, self.currency)} a month "
                         f"({c.fte:+.1f} FTE); without it {c.fte_without:.1f} FTE")
        return "; ".join(parts) if parts else None

    # -- documents and tables ------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The ``callsim quote --json`` document (architecture.md), with the extra keys beside the contract's."""
        scenario = self.scenario
        chain = self.chain
        price = self.units.to_dict()
        price["billing_unit"] = self.billing_unit
        price["per_billing_unit"] = self.units.rate(self.billing_unit)
        price["base_total"] = self.cost.price
        risk = {
            "p_miss": self.credit.p_miss,
            "p_miss_by_metric": self.credit.p_miss_by_metric,
            "expected_credits": self.credit.expected_credits,
            "credits_p95": self.credit.credits_p95,
            **{k: v for k, v in self.credit.to_dict().items()
               if k not in ("p_miss", "p_miss_by_metric", "expected_credits", "credits_p95")},
            "p_miss_any_target": self.risk_months.p_miss_any(scenario),
            **{k: v for k, v in self.risk_months.to_dict().items() if k != "months"},
        }
        cost_summary = {k: v for k, v in self.cost.to_dict().items() if k != "lines"}
        cost_summary["lines_sum_to"] = "price.total"
        cost_summary["workload"] = self.workload.to_dict()
        return jsonable({
            "scenario": scenario.name,
            "method": scenario.staffing.method,
            "criterion": scenario.staffing.criterion,
            "seed": self.seed,
            "staffing": {
                "agents_per_interval": [int(a) for a in chain.agents_per_interval],
                "fte": chain.fte,
                "seats": chain.seats,
                "support_heads": chain.support_heads,
                "peak_agents": chain.peak_agents,
                "agents_for_sla_per_interval": (None if chain.agents_for_sla_per_interval is None
                                                else [int(a) for a in chain.agents_for_sla_per_interval]),
                "interval_starts": scenario.interval_starts,
                "steps": chain.steps,
                "binding": self.staffing.binding,
                "binding_counts": self.staffing.binding_counts(),
                "what_binds": self.staffing.sentence(),
                "search": self.staffing.to_dict(),
            },
            "constraints": {name: c.to_dict() for name, c in self.constraints.items()},
            "constraint_summary": self.constraint_sentence(),
            "price_split": self.price_split,
            "hours": chain.to_dict()["hours"],
            "cost": self.cost_lines,
            "cost_build_up": cost_summary,
            "price": price,
            "billing_unit": self.billing_unit,
            "risk": risk,
            "metrics": self.metrics,
            "service_level_by_definition": self.service_level_by_definition,
            "comparison": {
                "plans": [plan.to_dict() for plan in self.comparison],
                "sl_definition": scenario.definitions.sl_definition,
                "service_level_by_definition": self.service_level_by_definition,
                "note": "price is the cost build-up's price before expected credits, for every plan; "
                        "service levels are each method's own (formulas for Erlang C/A, simulation on the "
                        "forecast for the quoted plan)",
            },
            "intervals": self.interval_rows(),
            "term": None if self.term is None else self.term.to_dict(),
            "provenance": scenario.provenance,
            "renegotiation": list(scenario.renegotiation),
        })

    def staffing_frame(self) -> pd.DataFrame:
        """One row per interval of the day (index: start)."""
        import pandas as pd

        return pd.DataFrame(self.interval_rows()).set_index("start")

    def cost_frame(self) -> pd.DataFrame:
        """One row per cost line: amount and share of the total."""
        import pandas as pd

        lines = self.cost_lines
        frame = pd.DataFrame({"amount": list(lines.values())}, index=pd.Index(list(lines), name="line"))
        frame["share"] = frame["amount"] / self.total
        return frame

    def price_frame(self) -> pd.DataFrame:
        """One row per billing unit: quantity per month, price per unit, and the scenario's unit marked."""
        import pandas as pd

        quantities = billing_quantities(self.chain, self.workload)
        rows = [{"unit": unit, "quantity": q, "price": self.units.rates[unit], "billed": unit == self.billing_unit}
                for unit, q in quantities.items()]
        return pd.DataFrame(rows).set_index("unit")

    def comparison_frame(self) -> pd.DataFrame:
        """One row per staffing method (Erlang C, Erlang A, simulation-confirmed)."""
        import pandas as pd

        rows = []
        for plan in self.comparison:
            row = plan.to_dict()
            row.pop("agents_per_interval", None)
            rows.append(row)
        return pd.DataFrame(rows).set_index("method")

    def to_frame(self) -> pd.DataFrame:
        """The key figures as one column (index: quantity)."""
        import pandas as pd

        figures = {
            "peak_agents": self.chain.peak_agents, "fte": self.chain.fte, "seats": self.chain.seats,
            "required_hours": self.chain.required_hours, "productive_hours": self.chain.productive_hours,
            "paid_hours": self.chain.paid_hours, "base_price": self.cost.price, "total": self.total,
            **{f"per_{u}": r for u, r in self.units.rates.items()},
            "p_miss": self.credit.p_miss, "expected_credits": self.credit.expected_credits,
            "credits_p95": self.credit.credits_p95,
            "service_level": self.metrics["service_level"], "abandon_rate": self.metrics["abandon_rate"],
        }
        return pd.DataFrame({"value": list(figures.values())}, index=pd.Index(list(figures), name="quantity"))

    def risk_frame(self) -> pd.DataFrame:
        """The risk of the monthly SLA as one column (index: quantity): P(miss) overall and per target, the
        credits and the price with risk; money in the agreement's currency per month."""
        import pandas as pd

        credit = self.credit
        figures: dict[str, Any] = {
            "months": credit.months,
            "p_miss": credit.p_miss,
            "p_miss_standard_error": credit.p_miss_standard_error,
            **{f"p_miss_{metric}": p for metric, p in credit.p_miss_by_metric.items()},
            "p_miss_any_target": self.risk_months.p_miss_any(self.scenario),
            "p_credit": credit.p_credit,
            "expected_credits": credit.expected_credits,
            "expected_credits_standard_error": credit.expected_credits_standard_error,
            "credits_p95": credit.credits_p95,
            "expected_bonus": credit.expected_bonus,
            "risk_premium": credit.risk_premium,
            "base_price": credit.base_price,
            "price": credit.price,
        }
        return pd.DataFrame({"value": list(figures.values())}, index=pd.Index(list(figures), name="quantity"))

    def monthly_frame(self) -> pd.DataFrame:
        """One row per simulated contract month (index: month): service level, abandonment rate and ASA as
        measured, whether a credit-bearing target was missed, and the credit paid. [currency]"""
        import pandas as pd

        frame = pd.DataFrame({name: np.asarray(values, dtype=float)
                              for name, values in self.risk_months.monthly.items()})
        missed = np.zeros(self.credit.months, dtype=bool)
        for metric in self.credit.credit_bearing:
            missed |= self.credit.misses[metric]
        frame["missed"] = missed
        frame["credit"] = self.credit.credit_share * self.credit.price
        frame.index = pd.RangeIndex(len(frame), name="month")
        return frame

    # -- figures (matplotlib, object API: they show inline in Jupyter and save with report.figures.save_figure)
    def staffing_figure(self) -> Figure:
        """Agents per interval (bars) against the calls reaching the agents (line); the requirement before the
        occupancy cap as an outline where the cap raised the staffing."""
        from simulator.report.figures import intraday_staffing

        scenario = self.scenario
        for_sla = self.chain.agents_for_sla_per_interval
        differs = for_sla is not None and not np.array_equal(for_sla, self.chain.agents_per_interval)
        return intraday_staffing(
            scenario.interval_starts, self.staffing.start.queue_calls, self.chain.agents_per_interval,
            agents_for_sla=for_sla if differs else None,
            title=f"{scenario.name}: agents per interval against demand",
            subtitle=f"{self.staffing.criterion} criterion, confirmed by simulation · seed {self.seed}",
            interval_minutes=scenario.definitions.interval_minutes,
            agents_for_sla_label="Agents for the SLA alone (before the occupancy cap)")

    def monthly_figure(self, metric: str = "service_level") -> Figure:
        """The distribution of ``metric`` over the simulated contract months, with its target and the share of
        months that miss it.

        Parameters
        ----------
        metric : {"service_level", "abandon_rate", "asa_seconds"}
            The monthly metric; its SLA target (``sla.service_level``, ``sla.max_abandon_rate``,
            ``sla.max_asa_seconds``) must be set.
        """
        from simulator.report.figures import monthly_metric_distribution

        sla = self.scenario.sla
        # metric → (its SLA field, higher is better, axis format, label)
        targets = {"service_level": ("service_level", True, "percent", "Monthly service level"),
                   "abandon_rate": ("max_abandon_rate", False, "percent", "Monthly abandonment rate"),
                   "asa_seconds": ("max_asa_seconds", False, "seconds", "Monthly average speed of answer")}
        if metric not in targets:
            raise ScenarioError(f"must be one of {', '.join(targets)}", field="metric", value=metric)
        field, higher_is_better, value_format, label = targets[metric]
        target = getattr(sla, field)
        if target is None:
            raise ScenarioError("the SLA sets no target for this metric", field=f"sla.{field}", value=None,
                                has_value=False)
        months = self.risk_months
        return monthly_metric_distribution(
            months.monthly[metric], target=float(target), higher_is_better=higher_is_better,
            value_format=value_format, metric_label=label,  # type: ignore[arg-type]
            title=f"{self.scenario.name}: {label[0].lower() + label[1:]}",
            subtitle=f"simulated contract months ({months.method}), seed {months.seed}")

    def monthly_sl_figure(self) -> Figure:
        """``monthly_figure("service_level")``: the monthly service level against its target."""
        return self.monthly_figure("service_level")


def _positive_int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ScenarioError("must be an integer >= 1", field=field, value=value)
    return int(value)


def _analytic_comparison(scenario: Scenario, method: str, rate_card_unit: str) -> PlanComparison:
    """The plan one Erlang method gives, priced like the quote (answered calls by that method's formulas)."""
    try:
        plan = analytic_staffing(scenario, method=method)
    except InfeasibleTargetError as error:
        return PlanComparison(method=method, basis="formulas", chain=None, price=math.nan, price_per_unit=math.nan,
                              service_level=math.nan, abandon_rate=math.nan, error=str(error))
    days = scenario.demand.days_per_month
    chain = fte_chain(plan.agents, agents_for_sla=plan.agents_for_sla, interval_seconds=scenario.interval_seconds,
                      days_per_month=days, staffing=scenario.staffing, rate_card=scenario.rate_card)
    metrics = plan.metrics
    calls = plan.queue_calls
    abandon = np.asarray(getattr(metrics, "abandon_probability", np.zeros_like(calls)), dtype=float)
    definition = scenario.definitions.sl_definition
    by_def = getattr(metrics, "service_level_by_definition", None)
    sl = np.asarray(metrics.service_level if by_def is None else by_def[definition], dtype=float)
    # Volume-weighted by each definition's denominator: the denominators differ only by abandons, and the
    # formulas' SL per interval is the ratio; weight by calls for a plain, documented roll-up.
    total_calls = float(calls.sum())
    workload = Workload(answered_calls=float((calls * (1.0 - abandon)).sum()) * days,
                        handle_seconds=contract_handle_seconds(scenario.handling, scenario.definitions))
    cost = cost_build_up(chain, workload, scenario.rate_card, currency=scenario.agreement.currency,
                         shift_premium=scenario.shift_premium_per_interval)
    units = billing_units(cost.price, chain=chain, workload=workload, currency=scenario.agreement.currency)
    return PlanComparison(
        method=method, basis="formulas (SIPP per interval, calls-weighted over the day)", chain=chain,
        price=cost.price, price_per_unit=units.rate(rate_card_unit),
        service_level=float((calls * sl).sum() / total_calls) if total_calls > 0 else math.nan,
        abandon_rate=float((calls * abandon).sum() / total_calls) if total_calls > 0 else math.nan,
    )


def quote(scenario: Scenario, *, seed: int | None = None, months: int | None = None,
          replications: int | None = None, risk_method: str = "surrogate", term_months: int | None = None,
          progress: Progress | None = None, workers: int | None = None,
          backend: str | Backend | None = None) -> Quote:
    """Price ``scenario``: staffing confirmed by simulation, FTE chain, cost, price with risk, every unit.

    Parameters
    ----------
    scenario : Scenario
        The resolved scenario (:func:`simulator.scenario.load_scenario`).
    seed : int, optional
        Root seed of every simulated and surrogate month; default ``simulation.seed`` (0). Equal seeds give
        identical quotes.
    months : int, optional
        Contract months for P(miss) and the credits; default ``simulation.months``. [months]
    replications : int, optional
        Months simulated on the forecast at each staffing the search tries (and behind the surrogate's
        calibration); default ``simulation.replications``. [months]
    risk_method : {"surrogate", "simulation"}
        How the risk months are evaluated (:mod:`simulator.risk`); hyphens accepted.
    term_months : int, optional
        Also price the contract term month by month (escalator, ramp-up). [months]
    progress : callable, optional
        ``progress(done, total)`` after each simulated month of a batch.
    workers : int, optional
        Processes for the simulations; default the available cores. The result does not depend on it.
    backend : str or Backend, optional
        Where the simulated months run instead of a local pool (:mod:`simulator.sweep`: ``"sequential"``,
        ``"local:4"``, ``"dask://host:8786"`` or an open backend). The result does not depend on it.

    Returns
    -------
    Quote

    Raises
    ------
    ScenarioError
        A bad argument (the field names it: ``risk_method``, ``simulation.months``, ...).
    InfeasibleTargetError
        No staffing meets the SLA, or credits that take the whole invoice.
    """
    method = normalise_choice(risk_method, RISK_METHODS, field="risk_method")
    seed = scenario.simulation.seed if seed is None else seed
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ScenarioError("must be an integer >= 0", field="simulation.seed", value=seed)
    seed = int(seed)
    months = _positive_int(scenario.simulation.months if months is None else months, "simulation.months")
    replications = _positive_int(scenario.simulation.replications if replications is None else replications,
                                 "simulation.replications")
    if term_months is not None:
        term_months = _positive_int(term_months, "term_months")

    def objective(agents: np.ndarray, months_at: RiskMonths, sims: MonthSet) -> dict[str, float]:
        return price_staffing(scenario, agents, None, sims, months_at).objective()

    with MonthRunner(workers=workers, progress=progress, backend=backend) as runner:
        staffing = staff_contract(scenario, seed=seed, replications=replications, months=months, runner=runner,
                                  objective=objective)
        solution = staffing.solution
        if method == "simulation":
            risk_months = simulated_months(scenario, staffing.agents, months=months, seed=seed, runner=runner)
        elif solution.risk_months is not None and solution.risk_months.months == months:
            risk_months = solution.risk_months
        else:
            risk_months = surrogate_months(scenario, staffing.agents, staffing.calibration, months=months,
                                           seed=seed)
        # What each binding limit costs, both sides priced on surrogate months (the same shocks), so that the
        # difference is the limit's and not the risk method's.
        def on_surrogate(agents: np.ndarray, solved: Any) -> Any:
            at = solved.risk_months or surrogate_months(scenario, agents, solved.calibration, months=months,
                                                        seed=seed)
            return price_staffing(judged_under(scenario, solved.limits), agents, None, solved.sims, at)

        relaxed = {name: on_surrogate(other.agents, other) for name, other in staffing.relaxed.items()}
        basis = (on_surrogate(staffing.agents, solution) if relaxed and method == "simulation" else None)

    priced = price_staffing(scenario, staffing.agents, staffing.agents_for_sla, staffing.sims, risk_months)
    chain, workload, cost, credit = priced.chain, priced.workload, priced.cost, priced.credit
    currency = scenario.agreement.currency
    units = billing_units(credit.price, chain=chain, workload=workload, currency=currency)
    term = None if term_months is None else term_schedule(credit.price, chain=chain, rate_card=scenario.rate_card,
                                                           term_months=term_months, currency=currency)
    constraints = {name: ConstraintCost.between(name, basis or priced, other) for name, other in relaxed.items()}

    unit = scenario.billing.unit
    comparison = [_analytic_comparison(scenario, "erlang_c", unit)]
    if scenario.patience is not None:
        comparison.append(_analytic_comparison(scenario, "erlang_a", unit))
    simulated = staffing.sims.pooled()
    comparison.append(PlanComparison(
        method="simulation", basis=f"simulation-driven ({staffing.criterion} criterion), simulated on the "
                                   "forecast", chain=chain, price=cost.price,
        price_per_unit=cost.price / billing_quantities(chain, workload)[unit]
        if billing_quantities(chain, workload)[unit] > 0 else math.nan,
        service_level=simulated["service_level"], abandon_rate=simulated["abandon_rate"]))
    return Quote(scenario=scenario, seed=seed, staffing=staffing, chain=chain, workload=workload, cost=cost,
                 credit=credit, risk_months=risk_months, units=units, term=term, comparison=tuple(comparison),
                 constraints=constraints)


@dataclass(frozen=True)
class QuoteOptions:
    """The run settings every quote of a comparison shares (one seed, so differences come from the change).

    ``None`` takes the scenario's own value (``simulation.seed``, ``simulation.months``, ...). Picklable, so a
    quote can be a task of a sweep: ``options.task(key, scenario)``.
    """

    seed: int | None = None
    months: int | None = None
    replications: int | None = None
    risk_method: str = "surrogate"
    term_months: int | None = None

    def __call__(self, scenario: Scenario, *, backend: str | Backend | None = None,
                 progress: Progress | None = None) -> Quote:
        return quote(scenario, seed=self.seed, months=self.months, replications=self.replications,
                     risk_method=self.risk_method, term_months=self.term_months, backend=backend, progress=progress)

    def task(self, key: str, scenario: Scenario) -> Task:
        """This quote as a sweep task; its digest covers every value, source and setting behind the result."""
        identity = {"name": scenario.name, "values": scenario.model_dump(mode="json"),
                    "provenance": dict(scenario.provenance), "renegotiation": list(scenario.renegotiation),
                    "options": asdict(self), "callsim": __version__}
        return Task(key, quote_in_worker, (scenario, self), digest=digest("quote", identity))


def quote_in_worker(scenario: Scenario, options: QuoteOptions) -> Quote:
    """A quote run as one task of a sweep: its own months run in the worker, one after another."""
    return options(scenario, backend=SEQUENTIAL)

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
6. The **commercial terms** (:mod:`simulator.quoting.terms`): on the same months, the forecast-miss
   exclusion (already applied to P(miss) and the credits in step 4) and, with ``rate_card.volume``, the ARC/RRC
   and take-or-pay charges each month's volume brings (:func:`simulator.pricing.volume_charges`).
7. Optionally the **term** (:func:`simulator.pricing.term_schedule`): escalator, ramp-up, the months without
   credits, expected credits and volume charges, month by month.

Beside it, the **comparison**: the staffing and price that Erlang C, Erlang A (when the scenario has a
patience) and the simulation-driven plan give, and the simulated service level under all five
definitions at the quoted staffing. The cost lines of :meth:`Quote.to_dict` add up to ``price.total``:
the cost build-up (which ends with the margin) plus, when the master prices risk in, the expected credits,
minus the expected bonus, plus the risk premium.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator import __version__
from simulator.errors import ScenarioError
from simulator.pricing.billing import billing_quantities, billing_units
from simulator.pricing.cost import Workload, contract_handle_seconds, cost_build_up
from simulator.pricing.fte import fte_chain
from simulator.pricing.term import term_schedule
from simulator.quoting.priced import ConstraintCost, price_staffing
from simulator.quoting.result import PlanComparison, Quote
from simulator.quoting.staffed import Staffed, staff_for_quote, staffing_identity
from simulator.quoting.terms import quote_volume
from simulator.risk import RISK_METHODS, MonthRunner, MonthSet, RiskMonths
from simulator.scenario.model import Scenario
from simulator.staffing import StaffingPlan, normalise_choice
from simulator.staffing.limits import judged_under
from simulator.sweep import SEQUENTIAL, Backend, Task, digest

if TYPE_CHECKING:  # pragma: no cover
    from simulator.sweep import Sweep

__all__ = ["QuoteFn", "QuoteOptions", "price_quote", "quote", "quote_all", "quote_in_worker"]

Progress = Callable[[int, int], None]
QuoteFn = Callable[[Scenario], Any]


def _positive_int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ScenarioError("must be an integer >= 1", field=field, value=value)
    return int(value)


def _analytic_comparison(scenario: Scenario, method: str, plan: StaffingPlan | str,
                         rate_card_unit: str) -> PlanComparison:
    """The plan one Erlang method gives (or why it gives none), priced like the quote (answered calls by that
    method's formulas)."""
    if isinstance(plan, str):
        return PlanComparison(method=method, basis="formulas", chain=None, price=math.nan, price_per_unit=math.nan,
                              service_level=math.nan, abandon_rate=math.nan, error=plan)
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
        # The price of a candidate is the cost criterion's to minimise; under the others the staffing never
        # looks at a price (which is what lets scenarios that differ only in their prices share it).
        staffed = staff_for_quote(scenario, seed=seed, months=months, replications=replications, method=method,
                                  runner=runner,
                                  objective=objective if scenario.staffing.criterion == "cost" else None)
    return price_quote(scenario, staffed, seed=seed, term_months=term_months)


def price_quote(scenario: Scenario, staffed: Staffed, *, seed: int, term_months: int | None = None) -> Quote:
    """The pricing of a quote (FTE chain, cost, credits, every unit, commercial terms, term, the limits' costs,
    the methods compared) on a staffing and its months (:func:`simulator.quoting.staffed.staff_for_quote`)."""
    staffing, risk_months = staffed.staffing, staffed.risk_months
    priced = price_staffing(scenario, staffing.agents, staffing.agents_for_sla, staffing.sims, risk_months)
    chain, workload, cost, credit = priced.chain, priced.workload, priced.cost, priced.credit
    currency = scenario.agreement.currency
    units = billing_units(credit.price, chain=chain, workload=workload, currency=currency)
    volume = quote_volume(scenario, risk_months, chain=chain, workload=workload, monthly_price=credit.price)
    term = None if term_months is None else term_schedule(
        credit.price, chain=chain, rate_card=scenario.rate_card, term_months=term_months, currency=currency,
        expected_credit_share=credit.expected_credit_share, grace_months=scenario.credits.grace_months,
        expected_adjustment=0.0 if volume is None else volume.expected_adjustment)

    def on_surrogate(solved: Any, months_at: RiskMonths) -> Any:
        return price_staffing(judged_under(scenario, solved.limits), solved.agents, None, solved.sims, months_at)

    basis = None if staffed.basis_months is None else on_surrogate(staffing.solution, staffed.basis_months)
    constraints = {name: ConstraintCost.between(name, basis or priced,
                                                on_surrogate(staffing.relaxed[name], staffed.relaxed_months[name]))
                   for name in staffed.relaxed_months}

    unit = scenario.billing.unit
    comparison = [_analytic_comparison(scenario, name, plan, unit) for name, plan in staffed.plans.items()]
    simulated = staffing.sims.pooled()
    comparison.append(PlanComparison(
        method="simulation", basis=f"simulation-driven ({staffing.criterion} criterion), simulated on the "
                                   "forecast", chain=chain, price=cost.price,
        price_per_unit=cost.price / billing_quantities(chain, workload)[unit]
        if billing_quantities(chain, workload)[unit] > 0 else math.nan,
        service_level=simulated["service_level"], abandon_rate=simulated["abandon_rate"]))
    return Quote(scenario=scenario, seed=seed, staffing=staffing, chain=chain, workload=workload, cost=cost,
                 credit=credit, risk_months=risk_months, units=units, term=term, comparison=tuple(comparison),
                 constraints=constraints, volume=volume, staffed=staffed)


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


def quote_all(named: Sequence[tuple[str, Scenario]], *, options: QuoteOptions | None = None,
              sweep: Sweep | None = None, quote_fn: QuoteFn | None = None) -> list[Any]:
    """Quote every (key, scenario) as one sweep, results in the given order. Scenarios that differ only in what is
    priced (:func:`simulator.quoting.staffed.staffing_identity`) are staffed once, by the first of them, and the
    others priced on its staffing here: the same quotes, without running the staffing engine again."""
    if quote_fn is not None:
        return [quote_fn(scenario) for _, scenario in named]
    from simulator.sweep import Sweep

    chosen = options if options is not None else QuoteOptions()
    first: dict[str, int] = {}  # staffing identity -> the position that staffs it
    owners = []
    for position, (_, scenario) in enumerate(named):
        owners.append(first.setdefault(staffing_identity(scenario, asdict(chosen)), position))
    staffing_owners = sorted(set(owners))
    quoted = (sweep if sweep is not None else Sweep()).run([chosen.task(*named[i]) for i in staffing_owners])
    by_owner = dict(zip(staffing_owners, quoted, strict=True))
    out = []
    for position, (_, scenario) in enumerate(named):
        owner = by_owner[owners[position]]
        out.append(owner if owners[position] == position else price_quote(
            scenario, owner.staffed.for_scenario(scenario), seed=owner.seed, term_months=chosen.term_months))
    return out

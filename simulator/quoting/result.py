"""A priced scenario (:class:`Quote`): every step from the SLA to the price in every unit, and the risk; its
JSON document, tables for pandas and figures. :class:`PlanComparison` is the same SLA staffed by one method.

The cost lines of :meth:`Quote.to_dict` add up to ``price.total``: the cost build-up (which ends with the margin)
plus, when the master prices risk in, the expected credits, minus the expected bonus, plus the risk premium.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.errors import ScenarioError
from simulator.jsonutil import jsonable
from simulator.pricing.billing import BillingUnits, billing_quantities
from simulator.pricing.cost import CostBuildUp, Workload
from simulator.pricing.credits import CreditRisk
from simulator.pricing.fte import FteChain
from simulator.pricing.term import TermSchedule
from simulator.pricing.volume import VolumeCharges
from simulator.quoting.priced import ConstraintCost, price_parts
from simulator.risk import RiskMonths
from simulator.scenario.model import Scenario
from simulator.staffing.result import ContractStaffing

if TYPE_CHECKING:
    # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

    from simulator.quoting.staffed import Staffed

__all__ = ["P_MISS_WARNING", "PlanComparison", "Quote"]

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
    volume: VolumeCharges | None = None  # ARC/RRC and take-or-pay on the risk months (rate_card.volume)
    staffed: Staffed | None = None  # the staffing and months it was priced on (shared by priced-only changes)

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
            "commercial_terms": self.commercial_terms(),
            "provenance": scenario.provenance,
            "renegotiation": list(scenario.renegotiation),
        })

    def commercial_terms(self) -> dict[str, Any]:
        """The volume terms (ARC/RRC, take-or-pay) priced on the risk months, the forecast-miss exclusion and
        the months without credits; ``volume`` is None without ``rate_card.volume``."""
        credits = self.scenario.credits
        return {"volume": None if self.volume is None else self.volume.to_dict(),
                "forecast_tolerance": credits.forecast_tolerance, "grace_months": credits.grace_months,
                "p_miss": self.credit.p_miss, "p_miss_before_exclusions": self.credit.p_miss_before_exclusions,
                "p_excluded": self.credit.p_excluded}

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
        if self.volume is not None:  # the month's quantity against the baseline and what it adds to the bill
            frame["volume_index"] = self.volume.index
            frame["arc"], frame["rrc"], frame["top_up"] = self.volume.arc, self.volume.rrc, self.volume.top_up
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

"""The price–service frontier: quotes along one SLA target, and the marginal cost per point between them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.errors import ScenarioError
from simulator.jsonutil import jsonable
from simulator.quoting.documents import headline_lines, resolved_value
from simulator.quoting.quote import QuoteFn, quote_all
from simulator.scenario import Scenario

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from simulator.quoting.quote import QuoteOptions
    from simulator.sweep import Sweep

__all__ = ["FRONTIER_METRICS", "Frontier", "frontier", "parse_range"]


FRONTIER_METRICS = {
    "service_level": "sla.service_level",
    "asa": "sla.max_asa_seconds",
    "abandon": "sla.max_abandon_rate",
}


@dataclass(frozen=True)
class Frontier:
    metric: str
    path: str
    targets: tuple[float, ...]
    quotes: tuple[Any, ...]
    contract_target: float | None = None  # the target the scenario states, before the frontier moved it

    @property
    def marginal_unit(self) -> str:
        """What the marginal cost is per: '<currency> a month per percentage point' (per second for ASA)."""
        point = "second" if self.metric == "asa" else "percentage point"
        return f"{self.quotes[0].currency} a month per {point}"

    def prices(self) -> np.ndarray:
        return np.asarray([q.to_dict()["price"]["total"] for q in self.quotes], dtype=float)

    def marginal_cost_per_point(self) -> list[float | None]:
        """Δprice / Δtarget between neighbouring targets, per point (1 point = 0.01 for fractions, 1 s for ASA)."""
        unit = 1.0 if self.metric == "asa" else 0.01
        prices = self.prices()
        out: list[float | None] = []
        for i in range(1, len(self.targets)):
            step = (self.targets[i] - self.targets[i - 1]) / unit
            out.append(float((prices[i] - prices[i - 1]) / step) if step else None)
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per target, in the order given (index: target): the headline lines of its quote and the
        marginal cost per point from the previous target (NaN on the first)."""
        import pandas as pd

        rows = []
        for target, q, marginal in zip(self.targets, self.quotes, [None, *self.marginal_cost_per_point()],
                                       strict=True):
            rows.append({"target": target, **headline_lines(dict(q.to_dict())),
                         "marginal cost per point": marginal})
        return pd.DataFrame(rows).set_index("target").astype(float)

    def figure(self) -> Figure:
        """Price (with agent FTEs) and P(miss) against the target, with the marginal cost per point between
        neighbouring targets."""
        from simulator.report.figures import frontier as frontier_figure

        frame = self.to_frame()
        scenario = self.quotes[0].scenario
        labels = {"service_level": f"Service-level target (answered within {scenario.sla.threshold_seconds:g} s)",
                  "asa": "ASA cap", "abandon": "Abandonment cap"}
        # Marginal costs are drawn between neighbours in target order; the figure computes them the same way
        # as marginal_cost_per_point (per percentage point, per second for ASA), whatever order was given.
        return frontier_figure(list(frame.index), frame["price"], frame["P(miss)"], target_label=labels[self.metric],
                               currency=self.quotes[0].currency, fte=frame["agent FTE"], marginal_costs=True,
                               target_format="seconds" if self.metric == "asa" else "percent",
                               title=f"Price–service frontier: {scenario.name}",
                               subtitle=f"{self.path} moved, everything else as quoted; marginal cost in "
                                        f"{self.marginal_unit}",
                               contract_target=self.contract_target)

    def to_dict(self) -> dict[str, Any]:
        return jsonable({
            "metric": self.metric,
            "field": self.path,
            "points": [{"target": t, "quote": q.to_dict()} for t, q in zip(self.targets, self.quotes, strict=True)],
            "marginal_cost_per_point": self.marginal_cost_per_point(),
            "marginal_cost_unit": self.marginal_unit,
            "contract_target": self.contract_target,
        })


def parse_range(text: str, *, source: str) -> tuple[float, ...]:
    """'0.70:0.95:0.05' → (0.70, 0.75, …, 0.95), both ends inclusive; '0.8,0.9' → (0.8, 0.9)."""
    try:
        if ":" in text:
            parts = [float(p) for p in text.split(":")]
            if len(parts) != 3:
                raise ValueError
            start, stop, step = parts
            if step <= 0 or stop < start:
                raise ScenarioError("needs START:STOP:STEP with STEP > 0 and STOP >= START", source=source,
                                    value=text)
            count = math.floor((stop - start) / step + 1e-9) + 1
            values = tuple(round(start + i * step, 12) for i in range(count))
        else:
            values = tuple(float(p) for p in text.split(","))
    except ValueError:
        raise ScenarioError("needs START:STOP:STEP or a comma-separated list of numbers", source=source,
                            value=text) from None
    if not values or len(values) > 200 or not all(math.isfinite(v) for v in values):
        raise ScenarioError("needs 1 to 200 finite values", source=source, value=text)
    return values


def frontier(scenario: Scenario, *, metric: str, targets: Sequence[float], options: QuoteOptions | None = None,
             sweep: Sweep | None = None, quote_fn: QuoteFn | None = None) -> Frontier:
    """Quotes along one SLA target (service level, ASA cap or abandonment cap), both ends inclusive; arguments
    as :func:`whatif`."""
    if metric not in FRONTIER_METRICS:
        raise ScenarioError(f"must be one of {', '.join(FRONTIER_METRICS)}", field="metric", value=metric)
    path = FRONTIER_METRICS[metric]
    values = tuple(dict.fromkeys(float(t) for t in targets))
    named = [(f"{metric} {value:g}", scenario.with_changes({path: value}, label="frontier")) for value in values]
    quotes = quote_all(named, options=options, sweep=sweep, quote_fn=quote_fn)
    current = resolved_value(scenario, path)
    return Frontier(metric, path, values, tuple(quotes),
                    contract_target=float(current) if isinstance(current, int | float) else None)


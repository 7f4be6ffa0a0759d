"""Quotes side by side: what-if, the tier menu, the price–service frontier and sensitivity.

Each function builds new scenarios with :meth:`Scenario.with_changes` (the original is never edited; provenance
and renegotiation follow the change) and quotes each of them with the same seed, so the differences come from
the change and not from random numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from simulator.errors import ScenarioError
from simulator.jsonutil import jsonable
from simulator.quoting.priced import PRICE_PARTS
from simulator.scenario import Scenario, parse_override

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from simulator.quoting.quote import QuoteOptions
    from simulator.sweep import Sweep


class QuoteLike(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


QuoteFn = Callable[[Scenario], Any]

#: The lines a what-if reports, as (label, path into the quote document).
DELTA_LINES: tuple[tuple[str, str], ...] = (
    ("peak agents", "staffing.peak_agents"),
    ("agent FTE", "staffing.fte"),
    ("seats", "staffing.seats"),
    ("required hours", "hours.required"),
    ("productive hours", "hours.productive"),
    ("paid hours", "hours.paid"),
    ("price", "price.total"),
    ("staffing cost", "price_split.staffing_cost"),
    ("expected credits priced in", "price_split.expected_credits"),
    ("risk premium", "price_split.risk_premium"),
    ("price per productive hour", "price.per_productive_hour"),
    ("price per call", "price.per_call"),
    ("P(miss)", "risk.p_miss"),
    ("expected credits", "risk.expected_credits"),
)


def lookup(document: Mapping[str, Any], path: str) -> Any:
    """``lookup(doc, "price.total")``: a value inside a nested quote document (None where absent)."""
    value: Any = document
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def _peak(document: Mapping[str, Any]) -> int | None:
    agents = lookup(document, "staffing.agents_per_interval")
    return max(agents) if agents else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def numeric_delta(baseline: Any, variant: Any) -> Any:
    """Variant − baseline for every number present in both documents, keeping the nesting."""
    if isinstance(baseline, Mapping) and isinstance(variant, Mapping):
        out = {k: numeric_delta(baseline[k], variant[k]) for k in baseline if k in variant}
        return {k: v for k, v in out.items() if v is not None and v != {}}
    a, b = _number(baseline), _number(variant)
    if a is None or b is None:
        return None
    return b - a


def changes_from_overrides(overrides: Iterable[str]) -> dict[str, Any]:
    """``["sla.service_level=0.9"]`` → ``{"sla.service_level": 0.9}`` (validated against the schema)."""
    changes: dict[str, Any] = {}
    for text in overrides:
        path, value = parse_override(text)
        changes[path] = value
    return changes


@dataclass(frozen=True)
class WhatIf:
    baseline: Any
    variant: Any
    changes: Mapping[str, Any]

    @property
    def baseline_document(self) -> dict[str, Any]:
        return dict(self.baseline.to_dict())

    @property
    def variant_document(self) -> dict[str, Any]:
        return dict(self.variant.to_dict())

    def lines(self) -> list[dict[str, Any]]:
        """The headline lines: baseline, variant, delta and relative delta."""
        base, var = _with_peak(self.baseline_document), _with_peak(self.variant_document)
        rows = []
        for label, path in DELTA_LINES:
            a, b = _number(lookup(base, path)), _number(lookup(var, path))
            delta = None if a is None or b is None else b - a
            relative = None if delta is None or not a else delta / a
            rows.append({"item": label, "path": path, "baseline": a, "variant": b, "delta": delta,
                         "delta_relative": relative})
        return rows

    def price_split(self) -> dict[str, float | None]:
        """The price change split into staffing cost, expected credits (net of bonus) and risk premium; the
        parts add up to the change of the price."""
        base, var = self.baseline_document, self.variant_document
        out: dict[str, float | None] = {}
        for part in PRICE_PARTS:
            a, b = _number(lookup(base, f"price_split.{part}")), _number(lookup(var, f"price_split.{part}"))
            out[part] = None if a is None or b is None else b - a
        return out

    def summary(self) -> str:
        """One sentence naming what moved and why: '90/20 instead of 80/20 adds no agent: the occupancy cap
        binds in 24 of 24 intervals; price +2.2% (staffing +$0, expected credits +$17,650); P(miss) 2% → 38%'."""
        from simulator.report.formatting import format_money

        base, var = _with_peak(self.baseline_document), _with_peak(self.variant_document)
        what = describe_changes(self.changes, self.baseline.scenario, self.variant.scenario)
        peak_a, peak_b = lookup(base, "staffing.peak_agents"), lookup(var, "staffing.peak_agents")
        fte_a, fte_b = _number(lookup(base, "staffing.fte")), _number(lookup(var, "staffing.fte"))
        same = lookup(base, "staffing.agents_per_interval") == lookup(var, "staffing.agents_per_interval")
        if same:
            head = f"{what} moves no agent"
        else:
            moved = []
            if peak_a is not None and peak_b is not None:
                moved.append(f"{peak_b - peak_a:+d} agents at peak")
            if fte_a is not None and fte_b is not None:
                moved.append(f"{fte_b - fte_a:+.1f} FTE")
            head = f"{what}: " + ", ".join(moved)
        why = lookup(var, "staffing.what_binds")
        parts = [head + (f" ({why})" if why else "")]
        price_a, price_b = _number(lookup(base, "price.total")), _number(lookup(var, "price.total"))
        if price_a and price_b is not None:
            currency = lookup(var, "price.currency")
            split = self.price_split()
            pieces = [f"{label} {format_money(split[key], currency, decimals=0, signed=True)}"
                      for key, label in (("staffing_cost", "staffing"), ("expected_credits", "expected credits"),
                                         ("risk_premium", "risk premium")) if split.get(key)]
            change = price_b - price_a
            credits = split.get("expected_credits")
            if change and credits and abs(credits - change) <= 1e-6 * abs(price_a):
                detail = "all expected credits"
            else:
                detail = ", ".join(pieces) if pieces else "no change"
            parts.append(f"price {100 * (price_b / price_a - 1):+.1f}% ({detail})")
        p_a, p_b = _number(lookup(base, "risk.p_miss")), _number(lookup(var, "risk.p_miss"))
        if p_a is not None and p_b is not None:
            parts.append(f"P(miss) {100 * p_a:.0f}% → {100 * p_b:.0f}%")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        base, var = self.baseline_document, self.variant_document
        delta = numeric_delta(base, var)
        if isinstance(delta, dict):
            peak_a, peak_b = _peak(base), _peak(var)
            if peak_a is not None and peak_b is not None:
                delta.setdefault("staffing", {})["peak_agents"] = peak_b - peak_a
        return jsonable({"changes": dict(self.changes), "baseline": base, "variant": var, "delta": delta,
                         "price_split": self.price_split(), "lines": self.lines(), "summary": self.summary()})

    # -- tables and figures for Jupyter (pandas and matplotlib load on first use) ---------------------------
    def to_frame(self) -> pd.DataFrame:
        """The headline lines (index: item): baseline, variant, delta and relative delta."""
        import pandas as pd

        rows = [{k: v for k, v in row.items() if k != "path"} for row in self.lines()]
        return pd.DataFrame(rows).set_index("item").astype(float)

    def staffing_frame(self) -> pd.DataFrame:
        """Agents per interval of the day (index: start): baseline, variant and the change."""
        import pandas as pd

        base, var = self.baseline_document, self.variant_document
        frame = pd.DataFrame({"baseline": base["staffing"]["agents_per_interval"],
                              "variant": var["staffing"]["agents_per_interval"]},
                             index=pd.Index(var["staffing"]["interval_starts"], name="start"))
        frame["delta"] = frame["variant"] - frame["baseline"]
        return frame

    def cost_frame(self) -> pd.DataFrame:
        """The cost lines, which add up to the price (index: line): baseline, variant and delta per month."""
        return self._side_by_side("cost", "line")

    def price_frame(self) -> pd.DataFrame:
        """The price in every billing unit (index: unit): baseline, variant, delta and relative delta."""
        frame = self._side_by_side("price", "unit")
        frame["delta_relative"] = frame["delta"] / frame["baseline"]
        return frame

    def _side_by_side(self, section: str, index: str) -> pd.DataFrame:
        import pandas as pd

        base = {k: _number(v) for k, v in (self.baseline_document.get(section) or {}).items()}
        var = {k: _number(v) for k, v in (self.variant_document.get(section) or {}).items()}
        keys = [k for k in dict.fromkeys([*base, *var]) if base.get(k) is not None or var.get(k) is not None]
        frame = pd.DataFrame({"baseline": [base.get(k) for k in keys], "variant": [var.get(k) for k in keys]},
                             index=pd.Index(keys, name=index), dtype=float)
        frame["delta"] = frame["variant"] - frame["baseline"]
        return frame

    def provenance_frame(self) -> pd.DataFrame:
        """Each changed field (index: field): its value and where it came from, before and after the change."""
        import pandas as pd

        base_scenario, var_scenario = self.baseline.scenario, self.variant.scenario
        base_sources, var_sources = base_scenario.provenance, var_scenario.provenance
        rows = []
        for path in self.changes:
            leaves = [k for k in var_sources if k == path or k.startswith(path + ".")] or [path]
            for leaf in leaves:
                rows.append({"field": leaf, "baseline": _resolved(base_scenario, leaf),
                             "baseline_source": base_sources.get(leaf), "variant": _resolved(var_scenario, leaf),
                             "variant_source": var_sources.get(leaf)})
        return pd.DataFrame(rows).set_index("field")

    def staffing_figure(self) -> Figure:
        """The variant's agents per interval (bars) over the baseline's (outline), against the calls reaching
        the agents in the variant."""
        from simulator.report.figures import intraday_staffing

        base, var = self.baseline_document, self.variant_document
        what = describe_changes(self.changes, self.baseline.scenario, self.variant.scenario)
        return intraday_staffing(
            var["staffing"]["interval_starts"], [row["calls"] for row in var["intervals"]],
            var["staffing"]["agents_per_interval"], agents_for_sla=base["staffing"]["agents_per_interval"],
            title=f"{var['scenario']}: staffing with {what}", subtitle=self.summary(),
            interval_minutes=self.variant.scenario.definitions.interval_minutes,
            agents_label="Agents staffed (variant)", agents_for_sla_label="Agents staffed (baseline)")


def _with_peak(document: dict[str, Any]) -> dict[str, Any]:
    staffing = dict(document.get("staffing") or {})
    staffing.setdefault("peak_agents", _peak(document))
    return {**document, "staffing": staffing}


def describe_changes(changes: Mapping[str, Any], base: Scenario, var: Scenario) -> str:
    """'90/20 instead of 80/20' for an SLA change, else 'sla.max_abandon_rate = 0.03 instead of 0.05'."""
    def sla(scenario: Scenario) -> str | None:
        level = scenario.sla.service_level
        return None if level is None else f"{100 * level:g}/{scenario.sla.threshold_seconds:g}"

    sla_keys = {"sla.service_level", "sla.threshold_seconds", "tier"}
    if changes and set(changes) <= sla_keys and sla(base) and sla(var) and sla(base) != sla(var):
        return f"{sla(var)} instead of {sla(base)}"
    texts = []
    for path, value in changes.items():
        before = _resolved(base, path)
        texts.append(f"{path} = {value}" + (f" instead of {before}" if before is not None else ""))
    return "; ".join(texts) if texts else "no change"


def _resolved(scenario: Scenario, path: str) -> Any:
    value: Any = scenario
    for key in path.split("."):
        value = value.get(key) if isinstance(value, Mapping) else getattr(value, key, None)
        if value is None:
            return None
    return value


def whatif(scenario: Scenario, changes: Mapping[str, Any], *, options: QuoteOptions | None = None,
           sweep: Sweep | None = None, quote_fn: QuoteFn | None = None, label: str = "--set") -> WhatIf:
    """The quote of ``scenario`` and of ``scenario`` with ``changes``, side by side.

    ``options`` are the run settings both quotes share; ``sweep`` says where they run (default a local pool);
    ``quote_fn`` instead quotes each scenario in this process (for tests and custom quoting).
    """
    if not changes:
        raise ScenarioError("give at least one change (--set KEY=VALUE)", source="--set", field=None)
    variant = scenario.with_changes(changes, label=label)
    baseline, changed = quote_all([("baseline", scenario), ("variant", variant)], options=options, sweep=sweep,
                                  quote_fn=quote_fn)
    return WhatIf(baseline, changed, dict(changes))


def quote_all(named: Sequence[tuple[str, Scenario]], *, options: QuoteOptions | None = None,
              sweep: Sweep | None = None, quote_fn: QuoteFn | None = None) -> list[Any]:
    """Quote every (key, scenario) as one sweep (each quote one task), results in the given order."""
    if quote_fn is not None:
        return [quote_fn(scenario) for _, scenario in named]
    from simulator.quoting.quote import QuoteOptions
    from simulator.sweep import Sweep

    chosen = options if options is not None else QuoteOptions()
    return (sweep if sweep is not None else Sweep()).run([chosen.task(key, s) for key, s in named])


class TierMenu(Mapping[str, Any]):
    """The quote of each tier of the master agreement's menu, in the menu's order (a read-only mapping)."""

    def __init__(self, quotes: Mapping[str, Any]) -> None:
        self._quotes = dict(quotes)

    def __getitem__(self, name: str) -> Any:
        return self._quotes[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._quotes)

    def __len__(self) -> int:
        return len(self._quotes)

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"tiers": {name: q.to_dict() for name, q in self._quotes.items()}})

    def to_frame(self) -> pd.DataFrame:
        """One row per tier, in menu order (index: tier): its SLA targets, then the headline lines of its quote
        (peak agents, agent FTE, hours, price, P(miss), expected credits)."""
        import pandas as pd

        rows = []
        for name, q in self._quotes.items():
            sla = q.scenario.sla
            document = _with_peak(dict(q.to_dict()))
            rows.append({"tier": name, "service level": sla.service_level, "threshold [s]": sla.threshold_seconds,
                         "max abandon": sla.max_abandon_rate, "max ASA [s]": sla.max_asa_seconds,
                         **Frontier._lines(document)})
        return pd.DataFrame(rows).set_index("tier")

    def figure(self) -> Figure:
        """Price, agent FTEs and P(miss) per tier side by side; the expected credits priced in are marked on
        the price bars."""
        from simulator.report.figures import tiers_comparison

        docs = {name: q.to_dict() for name, q in self._quotes.items()}
        first = next(iter(self._quotes.values()))
        # The cost lines carry expected credits only when the master prices them in.
        credits = [doc["cost"].get("expected_credits") for doc in docs.values()]
        priced_in = all(c is not None for c in credits)
        # Each bar is labelled with its tier and SLA ("gold 90/20"); the figure breaks long labels onto lines.
        labels = [f"{name} {100 * q.scenario.sla.service_level:g}/{q.scenario.sla.threshold_seconds:g}"
                  if q.scenario.sla.service_level is not None else name for name, q in self._quotes.items()]
        return tiers_comparison(labels, [doc["price"]["total"] for doc in docs.values()],
                                [doc["risk"]["p_miss"] for doc in docs.values()],
                                [doc["staffing"]["fte"] for doc in docs.values()], currency=first.currency,
                                title=f"The tier menu: {first.scenario.name}",
                                expected_credits=credits if priced_in else None)


def tiers(scenario: Scenario, *, options: QuoteOptions | None = None, sweep: Sweep | None = None,
          quote_fn: QuoteFn | None = None) -> TierMenu:
    """The quote for each tier of the master agreement's menu (in the menu's order); arguments as :func:`whatif`."""
    if not scenario.tiers:
        raise ScenarioError("the master agreement has no tier menu", field="tiers", value=None, has_value=False)
    names = list(scenario.tiers)
    named = [(f"tier {name}", scenario.with_changes(tier_changes(scenario, name), label=f"tier {name}"))
             for name in names]
    quotes = quote_all(named, options=options, sweep=sweep, quote_fn=quote_fn)
    return TierMenu(dict(zip(names, quotes, strict=True)))


def tier_changes(scenario: Scenario, name: str) -> dict[str, Any]:
    """The changes that put tier ``name``'s SLA in force, over any SLA the project file states itself.

    The merge order puts the project above the tier (a project may tighten its tier); on the menu, each tier's
    bundle must be priced as the tier states it.
    """
    sla = scenario.tiers[name].sla
    return {"tier": name, **{f"sla.{key}": ("none" if value is None else value)
                             for key, value in sla.model_dump().items()}}


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
            rows.append({"target": target, **self._lines(dict(q.to_dict())), "marginal cost per point": marginal})
        return pd.DataFrame(rows).set_index("target").astype(float)

    @staticmethod
    def _lines(document: dict[str, Any]) -> dict[str, float | None]:
        """The headline lines of one quote document (as a what-if reports them) and the price per billed unit."""
        document = _with_peak(document)
        lines = {label: _number(lookup(document, path)) for label, path in DELTA_LINES}
        unit = str(document.get("billing_unit") or "")
        label = f"price per {unit.replace('_', ' ')}"
        if unit and label not in lines:
            lines[label] = _number(lookup(document, "price.per_billing_unit"))
        return lines

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
                               subtitle=f"{self.path} moved, everything else as quoted")

    def to_dict(self) -> dict[str, Any]:
        return jsonable({
            "metric": self.metric,
            "field": self.path,
            "points": [{"target": t, "quote": q.to_dict()} for t, q in zip(self.targets, self.quotes, strict=True)],
            "marginal_cost_per_point": self.marginal_cost_per_point(),
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
    return Frontier(metric, path, values, tuple(quotes))


SENSITIVITY_FACTORS = ("volume", "aht", "patience", "shrinkage")


def moved(scenario: Scenario, factor: str, step: float) -> Scenario:
    """``scenario`` with one input moved by the relative ``step`` (+0.05 = +5 %)."""
    scale = 1.0 + step
    changes: dict[str, Any] = {}
    if factor == "volume":
        demand = scenario.demand
        if demand.calls_per_day is not None:
            changes["demand.calls_per_day"] = demand.calls_per_day * scale
        else:
            assert demand.calls_per_interval is not None
            changes["demand.calls_per_interval"] = [c * scale for c in demand.calls_per_interval]
    elif factor == "aht":
        for part in ("talk", "hold", "acw"):
            dist = getattr(scenario.handling, part)
            if dist is not None:
                changes.update(_scaled(f"handling.{part}", dist, scale))
    elif factor == "patience":
        if scenario.patience is None:
            raise ScenarioError("the scenario has no patience to move", field="patience", value=None,
                                has_value=False)
        changes.update(_scaled("patience", scenario.patience, scale))
    elif factor == "shrinkage":
        value = min(scenario.staffing.shrinkage * scale, 0.95)
        changes["staffing.shrinkage"] = value
    else:
        raise ScenarioError(f"must be one of {', '.join(SENSITIVITY_FACTORS)}", field="factor", value=factor)
    return scenario.with_changes(changes, label=f"sensitivity {factor} {step:+.0%}")


def _scaled(path: str, dist: Any, scale: float) -> dict[str, Any]:
    if hasattr(dist, "samples"):
        return {f"{path}.samples": [v * scale for v in dist.samples]}
    return {f"{path}.mean": dist.mean * scale}


@dataclass(frozen=True)
class Sensitivity:
    baseline: Any
    steps: tuple[float, ...]
    rows: tuple[tuple[str, float, Any], ...]  # (factor, step, quote)

    def table(self) -> list[dict[str, Any]]:
        base = self.baseline.to_dict()
        base_price = base["price"]["total"]
        out = []
        for factor, step, quote in self.rows:
            doc = quote.to_dict()
            price = doc["price"]["total"]
            out.append({"factor": factor, "step": step, "price": price,
                        "price_change": price / base_price - 1 if base_price else None,
                        "fte": doc["staffing"]["fte"], "p_miss": doc["risk"]["p_miss"]})
        return out

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"baseline": self.baseline.to_dict(), "steps": list(self.steps), "rows": self.table()})

    def to_frame(self) -> pd.DataFrame:
        """One row per moved input and step (index: factor, step): price, its relative change, agent FTE and
        P(miss)."""
        import pandas as pd

        names = {"price": "price", "price_change": "price change", "fte": "agent FTE", "p_miss": "P(miss)"}
        rows = [{"factor": row["factor"], "step": row["step"], **{names[k]: row[k] for k in names}}
                for row in self.table()]
        return pd.DataFrame(rows).set_index(["factor", "step"]).astype(float)

    def figure(self) -> Figure:
        """A tornado chart of the price when each input moves by the smallest and by the largest step."""
        from simulator.report.figures import tornado

        labels = {"volume": "Call volume", "aht": "Handle time (AHT)", "patience": "Caller patience",
                  "shrinkage": "Shrinkage"}
        base = self.baseline.to_dict()
        low, high = min(self.steps), max(self.steps)
        prices = {(factor, step): q.to_dict()["price"]["total"] for factor, step, q in self.rows}
        bars = [(labels.get(factor, factor), f"{low:+.0%}", f"{high:+.0%}", prices[factor, low],
                 prices[factor, high]) for factor in dict.fromkeys(f for f, _, _ in self.rows)]
        return tornado(base["price"]["total"], bars, currency=base["price"]["currency"],
                       title=f"Sensitivity of the price: {base['scenario']}",
                       subtitle="each input moved alone, everything else as quoted")


def sensitivity(scenario: Scenario, *, steps: Sequence[float] = (-0.10, -0.05, 0.05, 0.10),
                factors: Sequence[str] = SENSITIVITY_FACTORS, options: QuoteOptions | None = None,
                sweep: Sweep | None = None, quote_fn: QuoteFn | None = None) -> Sensitivity:
    """Re-quote with each input moved by each step: what the price and P(miss) do when a forecast is off;
    arguments as :func:`whatif`."""
    chosen = [f for f in factors if f != "patience" or scenario.patience is not None]
    moves = tuple(dict.fromkeys(float(step) for step in steps))
    grid = [(factor, step) for factor in chosen for step in moves]
    named = [("baseline", scenario)] + [(f"{factor} {step:+g}", moved(scenario, factor, step))
                                        for factor, step in grid]
    base, *quotes = quote_all(named, options=options, sweep=sweep, quote_fn=quote_fn)
    rows = tuple((factor, step, q) for (factor, step), q in zip(grid, quotes, strict=True))
    return Sensitivity(base, moves, rows)

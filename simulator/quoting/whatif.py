"""What-if: the quote of a scenario and of the scenario with a change, side by side, and one sentence saying
what moved and why.

Both quotes share one seed, so the differences come from the change and not from random numbers; the changed
scenario is built with :meth:`Scenario.with_changes` (the original is never edited; provenance and
renegotiation follow the change).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulator.errors import ScenarioError
from simulator.jsonutil import jsonable
from simulator.quoting.documents import (
    DELTA_LINES,
    lookup,
    number,
    numeric_delta,
    peak_agents,
    resolved_value,
    with_peak,
)
from simulator.quoting.priced import PRICE_PARTS
from simulator.quoting.quote import QuoteFn, quote_all
from simulator.scenario import Scenario, parse_override

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from simulator.quoting.quote import QuoteOptions
    from simulator.sweep import Sweep

__all__ = ["WhatIf", "changes_from_overrides", "describe_changes", "whatif"]


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
        base, var = with_peak(self.baseline_document), with_peak(self.variant_document)
        rows = []
        for label, path in DELTA_LINES:
            a, b = number(lookup(base, path)), number(lookup(var, path))
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
            a, b = number(lookup(base, f"price_split.{part}")), number(lookup(var, f"price_split.{part}"))
            out[part] = None if a is None or b is None else b - a
        return out

    def summary(self) -> str:
        """One sentence naming what moved and why: '90/20 instead of 80/20 adds no agent: the occupancy cap
        binds in 24 of 24 intervals; price +2.2% (staffing +$0, expected credits +$17,650); P(miss) 2% → 38%'."""
        from simulator.report.formatting import format_money

        base, var = with_peak(self.baseline_document), with_peak(self.variant_document)
        what = describe_changes(self.changes, self.baseline.scenario, self.variant.scenario)
        peak_a, peak_b = lookup(base, "staffing.peak_agents"), lookup(var, "staffing.peak_agents")
        fte_a, fte_b = number(lookup(base, "staffing.fte")), number(lookup(var, "staffing.fte"))
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
        price_a, price_b = number(lookup(base, "price.total")), number(lookup(var, "price.total"))
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
        p_a, p_b = number(lookup(base, "risk.p_miss")), number(lookup(var, "risk.p_miss"))
        if p_a is not None and p_b is not None:
            parts.append(f"P(miss) {100 * p_a:.0f}% → {100 * p_b:.0f}%")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        base, var = self.baseline_document, self.variant_document
        delta = numeric_delta(base, var)
        if isinstance(delta, dict):
            peak_a, peak_b = peak_agents(base), peak_agents(var)
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

        base = {k: number(v) for k, v in (self.baseline_document.get(section) or {}).items()}
        var = {k: number(v) for k, v in (self.variant_document.get(section) or {}).items()}
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
                rows.append({"field": leaf, "baseline": resolved_value(base_scenario, leaf),
                             "baseline_source": base_sources.get(leaf), "variant": resolved_value(var_scenario, leaf),
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
        before = resolved_value(base, path)
        texts.append(f"{path} = {value}" + (f" instead of {before}" if before is not None else ""))
    return "; ".join(texts) if texts else "no change"



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


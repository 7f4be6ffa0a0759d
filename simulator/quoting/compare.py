"""Proposals side by side: any scenarios (other project files, other masters, other tiers) quoted with one seed,
their SLA terms, staffing, price per billing unit and over the term, P(miss), expected credits, what binds, and
each difference from the first proposal split into staffing cost, expected credits and risk premium."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.errors import ScenarioError
from simulator.jsonutil import jsonable
from simulator.quoting.priced import PRICE_PARTS
from simulator.quoting.quote import QuoteFn, quote_all
from simulator.quoting.summary import term_of
from simulator.quoting.terms_text import sla_short
from simulator.scenario import Scenario

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

    from simulator.quoting.quote import QuoteOptions
    from simulator.sweep import Sweep

__all__ = ["Comparison", "compare", "p_miss_limit", "proposal_label", "split_spec"]


def p_miss_limit(scenario: Scenario) -> float | None:
    """The P(miss) the staffing criterion allows: ``staffing.risk`` (risk), ``max_p_miss`` (cost), else None."""
    staffing = scenario.staffing
    return {"risk": staffing.risk, "cost": staffing.max_p_miss}.get(staffing.criterion)


def split_spec(spec: str) -> tuple[str, str | None]:
    """``"scenarios/a.toml@gold"`` → (``"scenarios/a.toml"``, ``"gold"``); a spec without ``@`` has no tier;
    ``"@gold"`` is the embedded default scenario on tier gold."""
    path, sep, tier = spec.rpartition("@")
    if not sep:
        return spec, None
    if not tier:
        raise ScenarioError("a tier name must follow '@' (FILE@TIER)", source="PROPOSALS", value=spec)
    return path, tier


def proposal_label(path: str, tier: str | None) -> str:
    """A short, readable column name: the file's stem, with its tier when one was chosen."""
    stem = Path(path).stem if path else "default"
    return f"{stem}@{tier}" if tier else stem


@dataclass(frozen=True)
class Comparison:
    """The quotes of several proposals, in the order given; the first is the reference for the differences."""

    quotes: Mapping[str, Any]
    term_months: int

    def differences(self) -> dict[str, dict[str, float]]:
        """Per proposal, its monthly price minus the first's, split into PRICE_PARTS (the parts add up)."""
        names = list(self.quotes)
        first = self.quotes[names[0]]
        out = {}
        for name, q in self.quotes.items():
            parts = {part: q.price_split[part] - first.price_split[part] for part in PRICE_PARTS}
            out[name] = {"price": q.total - first.total, **parts}
        return out

    def lines(self) -> list[dict[str, Any]]:
        """One row per proposal: SLA, staffing, price per billing unit and month, term total, risk, what binds."""
        rows = []
        diffs = self.differences()
        for name, q in self.quotes.items():
            term = term_of(q, self.term_months)
            rows.append({
                "proposal": name, "scenario": q.scenario.name, "sla": sla_short(q.scenario),
                "sl_definition": q.scenario.definitions.sl_definition,
                "measurement_period": q.scenario.definitions.measurement_period,
                "peak_agents": q.chain.peak_agents, "fte": q.chain.fte, "seats": q.chain.seats,
                "billing_unit": q.billing_unit, "price_per_billing_unit": q.units.rate(q.billing_unit),
                "price": q.total, "term_total": term.total, "term_expected_net": float(term.expected_net.sum()),
                "p_miss": q.credit.p_miss, "expected_credits": q.credit.expected_credits,
                "expected_invoice": q.total if q.volume is None else q.volume.expected_invoice,
                "what_binds": q.staffing.sentence(), "delta_price": diffs[name]["price"],
                **{f"delta_{part}": diffs[name][part] for part in PRICE_PARTS},
            })
        return rows

    def to_dict(self) -> dict[str, Any]:
        names = list(self.quotes)
        return jsonable({"proposals": {name: q.to_dict() for name, q in self.quotes.items()},
                         "reference": names[0], "term_months": self.term_months, "lines": self.lines(),
                         "differences": self.differences(),
                         "rule": "differences are each proposal's monthly price minus the reference's, split into "
                                 "staffing cost, expected credits and risk premium (the parts add up)"})

    def to_frame(self) -> pd.DataFrame:
        """One row per proposal (index: proposal)."""
        import pandas as pd

        return pd.DataFrame(self.lines()).set_index("proposal")

    def figure(self) -> Figure:
        """Price (expected credits marked), agent FTEs and P(miss) per proposal."""
        from simulator.report.figures import tiers_comparison

        qs = list(self.quotes.values())
        credits = [q.price_split["expected_credits"] for q in qs]
        return tiers_comparison([f"{name} {sla_short(q.scenario).split(',')[0]}" for name, q in self.quotes.items()],
                                [q.total for q in qs], [q.credit.p_miss for q in qs], [q.chain.fte for q in qs],
                                currency=qs[0].currency, title="Proposals side by side",
                                expected_credits=credits, category_label="Proposal",
                                p_miss_limit=p_miss_limit(qs[0].scenario))


def compare(named: Sequence[tuple[str, Scenario]], *, term_months: int = 12, options: QuoteOptions | None = None,
            sweep: Sweep | None = None, quote_fn: QuoteFn | None = None) -> Comparison:
    """Quote each (label, scenario) with the same run settings and put them side by side.

    Raises
    ------
    ScenarioError
        Fewer than two proposals, two with the same label, or proposals priced in different currencies.
    """
    if len(named) < 2:
        raise ScenarioError("give at least two proposals to compare", source="PROPOSALS",
                            value=len(named))
    labels = [label for label, _ in named]
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise ScenarioError("each proposal must be named once", source="PROPOSALS", value=", ".join(repeated))
    currencies = {s.agreement.currency for _, s in named}
    if len(currencies) > 1:
        raise ScenarioError("the proposals are priced in different currencies; convert one master agreement first",
                            source="PROPOSALS", value=", ".join(sorted(currencies)))
    if term_months < 1:
        raise ScenarioError("must be an integer >= 1", source="--term-months", value=term_months)
    quotes = quote_all([(f"proposal {label}", s) for label, s in named], options=options, sweep=sweep,
                       quote_fn=quote_fn)
    return Comparison(dict(zip(labels, quotes, strict=True)), term_months)

"""The tier menu: the quote for each tier of the master agreement's menu, each tier's SLA bundle in force."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from simulator.errors import ScenarioError
from simulator.jsonutil import jsonable
from simulator.quoting.documents import headline_lines, with_peak
from simulator.quoting.quote import QuoteFn, quote_all
from simulator.scenario import Scenario

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from simulator.quoting.quote import QuoteOptions
    from simulator.sweep import Sweep

__all__ = ["TierMenu", "tier_changes", "tiers"]


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
            document = with_peak(dict(q.to_dict()))
            rows.append({"tier": name, "service level": sla.service_level, "threshold [s]": sla.threshold_seconds,
                         "max abandon": sla.max_abandon_rate, "max ASA [s]": sla.max_asa_seconds,
                         **headline_lines(document)})
        return pd.DataFrame(rows).set_index("tier")

    def figure(self) -> Figure:
        """Price, agent FTEs and P(miss) per tier side by side; the expected credits priced in are marked on
        the price bars, the P(miss) the staffing criterion allows on the P(miss) panel."""
        from simulator.quoting.compare import p_miss_limit
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
                                expected_credits=credits if priced_in else None,
                                p_miss_limit=p_miss_limit(first.scenario))


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


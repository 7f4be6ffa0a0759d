"""Reading quote documents (``Quote.to_dict()``): values by path, deltas between two, the headline lines.

The comparisons (what-if, tiers, frontier, sensitivity) work on the documents rather than on the ``Quote``
objects, so a quote restored from a checkpoint and one computed now compare the same way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["DELTA_LINES", "headline_lines", "lookup", "number", "numeric_delta", "peak_agents", "resolved_value",
           "with_peak"]

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


def peak_agents(document: Mapping[str, Any]) -> int | None:
    agents = lookup(document, "staffing.agents_per_interval")
    return max(agents) if agents else None


def number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def numeric_delta(baseline: Any, variant: Any) -> Any:
    """Variant − baseline for every number present in both documents, keeping the nesting."""
    if isinstance(baseline, Mapping) and isinstance(variant, Mapping):
        out = {k: numeric_delta(baseline[k], variant[k]) for k in baseline if k in variant}
        return {k: v for k, v in out.items() if v is not None and v != {}}
    a, b = number(baseline), number(variant)
    if a is None or b is None:
        return None
    return b - a


def with_peak(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with ``staffing.peak_agents`` filled in where it is missing."""
    staffing = dict(document.get("staffing") or {})
    staffing.setdefault("peak_agents", peak_agents(document))
    return {**document, "staffing": staffing}


def resolved_value(scenario: Any, path: str) -> Any:
    """The resolved value of a dotted field path in a scenario (None where absent)."""
    value: Any = scenario
    for key in path.split("."):
        value = value.get(key) if isinstance(value, Mapping) else getattr(value, key, None)
        if value is None:
            return None
    return value


def headline_lines(document: dict[str, Any]) -> dict[str, float | None]:
    """The headline lines of one quote document (as a what-if reports them) and the price per billed unit."""
    document = with_peak(document)
    lines = {label: number(lookup(document, path)) for label, path in DELTA_LINES}
    unit = str(document.get("billing_unit") or "")
    label = f"price per {unit.replace('_', ' ')}"
    if unit and label not in lines:
        lines[label] = number(lookup(document, "price.per_billing_unit"))
    return lines

"""The contract in words: the SLA as signed, the credit regime, the commercial terms and the main assumptions with
where each came from. The one-page summary and the workbooks both read them from here, so they agree."""

from __future__ import annotations

from typing import Any

from simulator.report.formatting import format_money, format_percent
from simulator.scenario.model import Scenario

__all__ = ["DEFINITION_WORDS", "assumptions", "credit_terms", "sla_as_signed", "sla_short", "volume_terms"]

DEFINITION_WORDS = {
    "abandons_fail": "every abandoned call counts as a miss",
    "short_excluded": "abandons within the short-abandon time are left out",
    "abandons_within_threshold_excluded": "abandons within the threshold are left out",
    "abandons_within_threshold_success": "abandons within the threshold count as met",
    "answered_only": "abandoned calls are ignored",
}


def _pct(value: float) -> str:
    return f"{100 * value:g} %"


def sla_short(holder: Any) -> str:
    """'80/20, abandon ≤ 5 %' for a scenario or a tier (anything with an ``sla``); '—' without an SL target."""
    sla = holder.sla
    text = f"{100 * sla.service_level:g}/{sla.threshold_seconds:g}" if sla.service_level is not None else "—"
    if sla.max_abandon_rate is not None:
        text += f", abandon ≤ {_pct(sla.max_abandon_rate)}"
    if sla.max_asa_seconds is not None:
        text += f", ASA ≤ {sla.max_asa_seconds:g} s"
    return text


def sla_as_signed(scenario: Scenario) -> list[tuple[str, str]]:
    """The SLA as the contract states it: targets, definition, period, aggregation and floors, in words."""
    sla, d = scenario.sla, scenario.definitions
    within = "≤" if d.threshold_inclusive else "<"
    rows = []
    if sla.service_level is not None:
        rows.append(("Service level", f"{_pct(sla.service_level)} of calls answered within {sla.threshold_seconds:g} s "
                                      f"(wait {within} {sla.threshold_seconds:g} s)"))
    rows.append(("Abandoned calls", f"{DEFINITION_WORDS[d.sl_definition]} ({d.sl_definition}; short abandon "
                                    f"{d.short_abandon_seconds:g} s)"))
    rows.append(("Abandonment cap", "none" if sla.max_abandon_rate is None else f"≤ {_pct(sla.max_abandon_rate)}"))
    rows.append(("ASA cap", "none" if sla.max_asa_seconds is None else f"≤ {sla.max_asa_seconds:g} s"))
    weighting = "by call counts" if d.aggregation == "volume_weighted" else "as the mean of interval percentages"
    rows.append(("Measured", f"per {d.measurement_period}, {weighting}, {d.interval_minutes}-minute intervals"))
    floors = [f"no {name} below {_pct(v)}" for name, v in (("day", d.floors.day), ("interval", d.floors.interval))
              if v is not None]
    rows.append(("Floors", "; ".join(floors) if floors else "none"))
    return rows


def credit_terms(scenario: Scenario) -> list[tuple[str, str]]:
    """The credit regime and its exclusions, in words."""
    c = scenario.credits
    cap = c.at_risk_share if c.cap_share is None else c.cap_share
    pools = ", ".join(f"{name} {_pct(m.allocation)}" for name, m in c.metrics.items())
    rows = [("Service credits", f"{_pct(c.at_risk_share)} of the invoice at risk ({pools}); capped at {_pct(cap)} a "
                                f"month; {'priced in' if c.include_in_price else 'not priced in'}"
                                + ("; earn-back" if c.earn_back else ""))]
    excl = []
    if c.forecast_tolerance is not None:
        excl.append(f"no credit in a month whose volume is more than {_pct(c.forecast_tolerance)} over the forecast")
    if c.grace_months:
        excl.append(f"no credit in the first {c.grace_months} month(s) (ramp-up)")
    rows.append(("Exclusions", "; ".join(excl) if excl else "none"))
    return rows


def volume_terms(scenario: Scenario) -> list[tuple[str, str]]:
    """The volume band, ARC/RRC and the commitment in words (empty without ``rate_card.volume``)."""
    terms = scenario.rate_card.volume
    if terms is None:
        return []
    currency = scenario.agreement.currency
    unit = "call" if terms.unit == "call" else "productive hour"
    rows = [("Volume band", f"± {_pct(terms.deadband)} of the forecast at the monthly price")]
    inner = terms.deadband
    for k, band in enumerate(terms.bands):
        span = f"{_pct(inner)} to {_pct(band.up_to)}" if band.up_to is not None else f"beyond {_pct(inner)}"
        rows.append((f"ARC/RRC band {k + 1}", f"{span} off the forecast: ARC {format_money(band.arc, currency)}, "
                                              f"RRC {format_money(band.rrc, currency)} per {unit}"))
        inner = band.up_to if band.up_to is not None else inner
    rows.append(("Minimum commitment", "none" if terms.min_commitment is None else
                 f"take-or-pay: at least {_pct(terms.min_commitment)} of the forecast volume is paid for"))
    return rows


# (label, field path whose source is shown, how to read the value from the scenario)
_ASSUMPTIONS: tuple[tuple[str, str], ...] = (
    ("Volume", "demand.calls_per_day"),
    ("Days per month", "demand.days_per_month"),
    ("Month-level forecast error (CV)", "demand.month_cv"),
    ("Handle time (AHT)", "handling.talk.mean"),
    ("Patience (mean)", "patience.mean"),
    ("Shrinkage", "staffing.shrinkage"),
    ("Schedule efficiency", "staffing.schedule_efficiency"),
    ("Occupancy cap", "staffing.occupancy_cap"),
)


def _assumption_value(scenario: Scenario, path: str) -> str:
    d = scenario.demand
    if path == "demand.calls_per_day":
        per_day = float(scenario.calls_per_interval.sum())
        return f"{per_day:,.0f} calls a day ({per_day * d.days_per_month:,.0f} a month at the trunk)"
    if path == "demand.days_per_month":
        return f"{d.days_per_month} open days, {d.open}–{d.close}"
    if path == "demand.month_cv":
        return f"{_pct(d.month_cv)} (day-to-day {_pct(d.day_cv)})"
    if path == "handling.talk.mean":
        return f"{scenario.handling.handle_seconds:,.0f} s (talk + hold + after-call work)"
    if path == "patience.mean":
        return "none (callers never hang up)" if scenario.patience is None else f"{scenario.patience_seconds:,.0f} s"
    if path == "staffing.occupancy_cap":
        cap = scenario.staffing.occupancy_cap
        return "none" if cap is None else format_percent(cap, decimals=0)
    value: Any = scenario
    for key in path.split("."):
        value = getattr(value, key)
    return format_percent(value, decimals=0)


def assumptions(scenario: Scenario) -> list[tuple[str, str, str]]:
    """The main assumptions behind the price: (label, value in words, where it came from)."""
    sources = scenario.provenance
    out = []
    for label, path in _ASSUMPTIONS:
        source = sources.get(path, "default")
        if path == "demand.calls_per_day" and scenario.demand.calls_per_day is None:
            source = sources.get("demand.calls_per_interval", "default")
        out.append((label, _assumption_value(scenario, path), source))
    return out

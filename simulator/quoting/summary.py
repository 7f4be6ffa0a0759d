"""The one-page summary of one or more quotes (quote, what-if, compare, tiers): the SLA as signed, the price in
the billing unit and per month, the term total, P(miss) and expected credits, what binds, the commercial terms
and the main assumptions with where they came from (:class:`simulator.report.onepage.OnePage`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from simulator import __version__
from simulator.pricing.term import TermSchedule, term_schedule
from simulator.quoting.priced import PRICE_PARTS
from simulator.quoting.terms_text import assumptions, credit_terms, sla_as_signed, volume_terms
from simulator.report.formatting import format_money, format_percent
from simulator.report.onepage import OnePage, Section

__all__ = ["DEFAULT_TERM_MONTHS", "quote_summary", "term_of", "unit_words"]

DEFAULT_TERM_MONTHS = 12  # [months] the term a summary shows when none was asked for


def term_of(quote: Any, term_months: int | None = None) -> TermSchedule:
    """The quote's term schedule, or one over ``term_months`` (default 12) from the same price and terms."""
    months = term_months or (quote.term.term_months if quote.term is not None else DEFAULT_TERM_MONTHS)
    if quote.term is not None and quote.term.term_months == months:
        return quote.term
    scenario = quote.scenario
    return term_schedule(quote.credit.price, chain=quote.chain, rate_card=scenario.rate_card, term_months=months,
                         currency=quote.currency, expected_credit_share=quote.credit.expected_credit_share,
                         grace_months=scenario.credits.grace_months,
                         expected_adjustment=0.0 if quote.volume is None else quote.volume.expected_adjustment)


def unit_words(unit: str) -> str:
    return {"fte_month": "FTE-month", "productive_hour": "productive hour", "paid_hour": "paid hour",
            "handled_minute": "handled minute", "call": "answered call"}.get(unit, unit.replace("_", " "))


def _short_source(source: str) -> str:
    """'scenarios/retail_support.toml: demand.calls_per_day' → 'retail_support.toml: demand.calls_per_day'."""
    head, sep, tail = source.partition(": ")
    return f"{Path(head).name}{sep}{tail}" if sep else source


def _rows(per_column: list[list[tuple[str, str]]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Rows by label, in first-seen order, one text per column ('—' where a column lacks the row)."""
    labels = list(dict.fromkeys(label for rows in per_column for label, _ in rows))
    maps = [dict(rows) for rows in per_column]
    return tuple((label, tuple(m.get(label, "—") for m in maps)) for label in labels)


def _price_rows(q: Any, term: TermSchedule) -> list[tuple[str, str]]:
    cur = q.currency
    unit = q.billing_unit
    rows = [(f"Price per {unit_words(unit)} (billing unit)", format_money(q.units.rate(unit), cur)),
            ("Price per month", format_money(q.total, cur, decimals=0)),
            (f"Term total ({term.term_months} months)",
             f"{format_money(term.total, cur, decimals=0)} (escalator {format_percent(term.annual_escalator)}/year, "
             f"ramp-up {format_money(term.ramp_up_price, cur, decimals=0)})"),
            ("Expected net over the term", f"{format_money(float(term.expected_net.sum()), cur, decimals=0)} "
                                           f"(less expected credits, plus expected ARC − RRC)")]
    split = q.price_split
    rows.append(("Price split (per month)", ", ".join(
        f"{label} {format_money(split[key], cur, decimals=0)}" for key, label in
        (("staffing_cost", "staffing"), ("expected_credits", "credits"), ("risk_premium", "risk premium")))))
    return rows


def _risk_rows(q: Any) -> list[tuple[str, str]]:
    credit = q.credit
    p = format_percent(credit.p_miss)
    if credit.p_miss_before_exclusions is not None:
        p += (f" with the forecast-miss exclusion ({format_percent(credit.p_miss_before_exclusions)} without; "
              f"{format_percent(credit.p_excluded)} of months excused)")
    return [("P(miss) a month", p),
            ("Expected credits", f"{format_money(credit.expected_credits, q.currency, decimals=0)} a month "
                                 f"(P95 {format_money(credit.credits_p95, q.currency, decimals=0)})"),
            ("What binds", q.staffing.sentence()),
            ("Staffing", f"{q.chain.peak_agents} agents at peak, {q.chain.fte:,.1f} agent FTE, {q.chain.seats} seats"),
            ("What the limits cost", q.constraint_sentence() or "no limit binds")]


def _volume_rows(q: Any) -> list[tuple[str, str]]:
    rows = volume_terms(q.scenario)
    v = q.volume
    if v is None:
        return rows
    cur = q.currency
    rows += [("Expected ARC / RRC", f"+{format_money(v.expected_arc, cur, decimals=0)} / "
                                    f"−{format_money(v.expected_rrc, cur, decimals=0)} a month "
                                    f"(outside the band: {format_percent(v.p_above)} above, "
                                    f"{format_percent(v.p_below)} below)"),
             ("Expected take-or-pay top-up", f"{format_money(v.expected_top_up, cur, decimals=0)} a month"
                                             + ("" if v.p_commitment_binds is None else
                                                f" (binds in {format_percent(v.p_commitment_binds)} of months)")),
             ("Expected monthly invoice", f"{format_money(v.expected_invoice, cur, decimals=0)} (90 % of months "
                                          f"{format_money(float(_q(v.invoice, 0.05)), cur, decimals=0)} – "
                                          f"{format_money(float(_q(v.invoice, 0.95)), cur, decimals=0)})")]
    return rows


def _q(values: Any, level: float) -> float:
    import numpy as np

    return float(np.quantile(values, level))


def _difference_rows(quotes: list[Any]) -> list[list[tuple[str, str]]]:
    """Against the first column: the monthly price difference split into staffing cost, credits, risk premium."""
    first = quotes[0]
    out: list[list[tuple[str, str]]] = []
    for q in quotes:
        if q is first:
            out.append([("Δ price a month vs the first", "(the reference)")])
            continue
        a, b = first.price_split, q.price_split
        parts = ", ".join(
            f"{name.replace('_', ' ')} {format_money(b[name] - a[name], q.currency, decimals=0, signed=True)}"
            for name in PRICE_PARTS)
        out.append([("Δ price a month vs the first",
                     f"{format_money(q.total - first.total, q.currency, decimals=0, signed=True)} ({parts})")])
    return out


def quote_summary(quotes: Mapping[str, Any], *, title: str, subtitle: str = "", term_months: int | None = None,
                  differences: bool = True, extra: Callable[[Any], list[tuple[str, str]]] | None = None) -> OnePage:
    """The one-page summary of ``quotes`` (name → Quote), one column each.

    Parameters
    ----------
    quotes : mapping of str to Quote
        The proposals, in the order to show them; the first is the reference for the differences.
    title, subtitle : str
        The page's heading.
    term_months : int, optional
        The term to total over (default: each quote's own term, else 12 months). [months]
    differences : bool
        Add the price difference against the first column, split into its parts (two columns or more).
    """
    qs = list(quotes.values())
    terms = [term_of(q, term_months) for q in qs]
    sections = [
        Section("The SLA as signed", _rows([sla_as_signed(q.scenario) for q in qs])),
        Section("Credits and exclusions", _rows([credit_terms(q.scenario) for q in qs])),
    ]
    price = [_price_rows(q, t) for q, t in zip(qs, terms, strict=True)]
    if differences and len(qs) > 1:
        for rows, diff in zip(price, _difference_rows(qs), strict=True):
            rows.extend(diff)
    sections.append(Section(f"The price ({qs[0].currency})", _rows(price)))
    sections.append(Section("Risk and staffing", _rows([_risk_rows(q) + (extra(q) if extra else []) for q in qs])))
    if any(q.scenario.rate_card.volume is not None for q in qs):
        sections.append(Section("Volume terms", _rows([_volume_rows(q) for q in qs])))
    sections.append(Section("Main assumptions (and where each came from)", _rows([
        [(label, f"{value} [{_short_source(source)}]") for label, value, source in assumptions(q.scenario)]
        for q in qs])))
    seeds = sorted({q.seed for q in qs})
    months = qs[0].risk_months
    footer = (f"callsim {__version__} · seed {', '.join(str(s) for s in seeds)} · {months.months} simulated contract "
              f"months ({months.method}) · staffing criterion {qs[0].staffing.criterion} · money in "
              f"{qs[0].currency}",
              "P(miss): share of simulated months in which a credit-bearing target is missed. Expected credits: their "
              "mean over those months, on the quoted invoice. Same files and seed give the same numbers.")
    return OnePage(title=title, subtitle=subtitle, columns=tuple(quotes), sections=tuple(sections), footer=footer)

"""The workbooks a negotiator sends: every sheet headed in words with units and currency, numbers kept as numbers
(percentages with a percent format, money with the currency), an About sheet (scenario, definitions, seed,
version, how to reproduce) and a Provenance sheet (every resolved value and where it came from).

Each function returns ``(sheets, formats)`` for :func:`simulator.report.workbook.write_workbook`: sheet name →
rows, and column header → kind for the columns whose kind the header alone does not say. A table with a
``Unit`` column is formatted row by row from the unit (``"%"`` → percent, the currency → money).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from simulator import __version__
from simulator.quoting.summary import term_of, unit_words
from simulator.quoting.terms_text import assumptions, credit_terms, sla_as_signed, sla_short, volume_terms

__all__ = ["DEFINITIONS", "about", "comparison_sheets", "frontier_sheets", "quote_sheets", "sensitivity_sheets"]

Sheets = dict[str, list[dict[str, Any]]]
Formats = dict[str, str]

DEFINITIONS = {
    "P(miss)": "share of the simulated contract months in which at least one credit-bearing target is missed "
               "(after the forecast-miss exclusion, where the contract has one)",
    "Expected credits": "mean over the simulated months of the service credits on the quoted invoice",
    "Credits P95": "the monthly credits exceeded in one simulated month in twenty",
    "Agent FTE": "paid agent hours ÷ paid hours per FTE-month",
    "Productive hour": "an agent hour logged in (handling or available); paid hours also carry shrinkage",
    "ARC / RRC": "additional resource charge / reduced resource credit per unit of volume outside the deadband",
    "Take-or-pay top-up": "what the minimum commitment keeps the client paying in a month below it",
    "What binds": "the constraint that sets the staffing in each interval (SLA, a cap, a floor, a limit)",
}


def _files(scenario: Any) -> str:
    path = scenario.source_path
    return "the embedded default scenario" if path is None else Path(path).name


def about(quotes: Mapping[str, Any], *, document: str, command: str) -> dict[str, Any]:
    """The About sheet: what the workbook is, the scenarios, definitions, seed, version, how to reproduce."""
    first = next(iter(quotes.values()))
    scenario = first.scenario
    notes: dict[str, Any] = {"Document": document}
    for name, q in quotes.items():
        s = q.scenario
        label = "Scenario" if len(quotes) == 1 else f"Scenario: {name}"
        notes[label] = (f"{s.name} ({_files(s)}; master agreement {s.agreement.name}, version "
                        f"{s.agreement.version}); SLA {sla_short(s)}; billed per {s.billing.unit.replace('_', ' ')}")
    for label, text in sla_as_signed(scenario) + credit_terms(scenario) + volume_terms(scenario):
        notes[f"Contract: {label}"] = text
    notes["Currency"] = f"{first.currency}; money per month unless a header says otherwise"
    notes["Seed"] = int(first.seed)
    notes["Simulated contract months"] = (f"{first.risk_months.months} ({first.risk_months.method}); staffing "
                                          f"criterion {first.staffing.criterion}")
    notes["callsim version"] = __version__
    notes["Reproduce"] = command
    for term, meaning in DEFINITIONS.items():
        notes[f"Definition: {term}"] = meaning
    notes["Provenance"] = "the Provenance sheet gives every resolved value and the file and key it came from"
    return notes


def _summary(q: Any) -> list[dict[str, Any]]:
    cur = q.currency
    unit = q.billing_unit
    term = term_of(q)
    rows: list[tuple[str, Any, str]] = [
        ("SLA", sla_short(q.scenario), "text"),
        (f"Price per {unit_words(unit)} (billing unit)", q.units.rate(unit), f"{cur} per {unit_words(unit)}"),
        ("Price per month", q.total, f"{cur}/month"),
        (f"Term total ({term.term_months} months, ramp-up and escalator included)", term.total, cur),
        ("Expected net over the term (less credits, plus ARC − RRC)", float(term.expected_net.sum()), cur),
        ("Staffing cost in the price", q.price_split["staffing_cost"], f"{cur}/month"),
        ("Expected credits priced in", q.price_split["expected_credits"], f"{cur}/month"),
        ("Risk premium", q.price_split["risk_premium"], f"{cur}/month"),
        ("P(miss) a month", q.credit.p_miss, "%"),
        ("Expected credits", q.credit.expected_credits, f"{cur}/month"),
        ("Credits P95", q.credit.credits_p95, f"{cur}/month"),
        ("Peak agents", q.chain.peak_agents, "agents"),
        ("Agent FTE", q.chain.fte, "FTE"),
        ("Seats", q.chain.seats, "seats"),
        ("What binds", q.staffing.sentence(), "text"),
    ]
    if q.credit.p_miss_before_exclusions is not None:
        rows.insert(9, ("P(miss) without the forecast-miss exclusion", q.credit.p_miss_before_exclusions, "%"))
    if q.volume is not None:
        v = q.volume
        rows += [("Expected ARC", v.expected_arc, f"{cur}/month"), ("Expected RRC", v.expected_rrc, f"{cur}/month"),
                 ("Expected take-or-pay top-up", v.expected_top_up, f"{cur}/month"),
                 ("Expected monthly invoice", v.expected_invoice, f"{cur}/month")]
    return [{"Item": item, "Value": value, "Unit": "" if unit == "text" else unit} for item, value, unit in rows]


def _provenance(quotes: Mapping[str, Any]) -> list[dict[str, Any]]:
    from simulator.quoting.documents import resolved_value

    rows = []
    for name, q in quotes.items():
        for field, source in q.scenario.provenance.items():
            value = resolved_value(q.scenario, field)
            rows.append({**({"Proposal": name} if len(quotes) > 1 else {}), "Field": field,
                         "Value": value if isinstance(value, int | float | str | bool) else str(value),
                         "Source": source})
    return rows


def quote_sheets(q: Any) -> tuple[Sheets, Formats]:
    """The quote workbook's sheets and formats."""
    cur = q.currency
    money = f"[{cur}]"
    staffing = [{"Start": r["start"], "Calls a day (simulated)": r["simulated_calls"],
                 "SIPP agents": r["start_agents"], "Agents for the SLA alone": r["agents_for_sla"],
                 "Agents quoted": r["agents"], "What binds": r["binding"],
                 "SL simulated [%]": r["service_level"], "Abandoned [%]": r["abandon_rate"],
                 "ASA [s]": r["asa_seconds"], "Occupancy [%]": r["occupancy"]} for r in q.interval_rows()]
    cost = [{"Line": line.replace("_", " "), f"Per month {money}": amount, "Share of the price [%]": amount / q.total}
            for line, amount in q.cost_lines.items()]
    price = [{"Billing unit": unit_words(unit), "Quantity per month": quantity,
              f"Price per unit {money}": q.units.rates[unit], "Billed in this unit": unit == q.billing_unit}
             for unit, quantity in q.units.quantities.items()]
    methods = [{"Method": p.method, "Peak agents": p.chain.peak_agents if p.chain else None,
                "Agent FTE": p.chain.fte if p.chain else None, f"Price before credits {money}": p.price,
                f"Per billing unit {money}": p.price_per_unit, "SL [%]": p.service_level,
                "Abandoned [%]": p.abandon_rate, "Note": p.error or p.basis} for p in q.comparison]
    frame = q.monthly_frame()
    names = {"service_level": "SL [%]", "abandon_rate": "Abandoned [%]", "asa_seconds": "ASA [s]",
             "missed": "Credit-bearing miss", "credit": f"Credit {money}", "volume_index": "Volume ÷ forecast [%]",
             "arc": f"ARC {money}", "rrc": f"RRC {money}", "top_up": f"Take-or-pay top-up {money}"}
    months = [{"Month": int(m) + 1, **{names[k]: v for k, v in row.items()}}
              for m, row in zip(frame.index, frame.to_dict(orient="records"), strict=True)]
    term = term_of(q)
    schedule = [{"Month": m["month"], "Contract year": m["year"], f"Price {money}": m["price"],
                 f"Ramp-up charge {money}": m["ramp_up"], f"Billed {money}": m["total"],
                 f"Expected credits {money}": m["expected_credits"],
                 f"Expected ARC − RRC {money}": m["expected_volume_adjustment"],
                 f"Expected net {money}": m["expected_net"]} for m in term.to_dict()["months"]]
    scenario = q.scenario
    terms = [{"Term": label, "As signed": text}
             for label, text in sla_as_signed(scenario) + credit_terms(scenario) + volume_terms(scenario)]
    menu = [{"Tier": name, "In force": name == scenario.tier, "SLA": sla_short(t),
             "Description": t.description} for name, t in scenario.tiers.items()]
    sheets: Sheets = {
        "Summary": _summary(q), "Contract terms": terms,
        "Assumptions": [{"Assumption": a, "Value": v, "Source": s} for a, v, s in assumptions(scenario)],
        "Staffing per interval": staffing, "Cost lines": cost, "Price per unit": price,
        "Staffing methods": methods, "Simulated months": months, f"Term ({term.term_months} months)": schedule,
        "Tier menu": menu, "Provenance": _provenance({scenario.name: q}),
    }
    formats = {"Occupancy [%]": "percent", "SL [%]": "percent", "Abandoned [%]": "percent",
               "SL simulated [%]": "percent", "Volume ÷ forecast [%]": "percent", "Share of the price [%]": "percent",
               "ASA [s]": "number", "Quantity per month": "number", "Calls a day (simulated)": "number",
               "Agent FTE": "number", "Value": "text"}
    formats.update({k: "money" for sheet in sheets.values() for row in sheet[:1] for k in row if money in k})
    del formats["Value"]  # the summary's values are formatted by their unit
    return sheets, formats


def comparison_sheets(quotes: Mapping[str, Any]) -> tuple[Sheets, Formats]:
    """Proposals side by side: one column each, rows with their unit; the SLA terms and assumptions in words;
    every proposal's provenance."""
    names = list(quotes)
    per = {name: {row["Item"]: (row["Value"], row["Unit"]) for row in _summary(q)} for name, q in quotes.items()}
    items = list(dict.fromkeys(item for rows in per.values() for item in rows))
    first = quotes[names[0]]
    side = []
    for item in items:
        unit = next((per[n][item][1] for n in names if item in per[n]), "")
        side.append({"Item": item, "Unit": unit, **{n: per[n].get(item, (None, ""))[0] for n in names}})
    for part in ("staffing_cost", "expected_credits", "risk_premium"):
        side.append({"Item": f"Δ {part.replace('_', ' ')} vs {names[0]}", "Unit": f"{first.currency}/month",
                     **{n: q.price_split[part] - first.price_split[part] for n, q in quotes.items()}})
    terms = []
    for name, q in quotes.items():
        s = q.scenario
        for label, text in sla_as_signed(s) + credit_terms(s) + volume_terms(s):
            terms.append({"Term": label, "Proposal": name, "As signed": text})
    assumed = [{"Proposal": n, "Assumption": a, "Value": v, "Source": s}
               for n, q in quotes.items() for a, v, s in assumptions(q.scenario)]
    return ({"Comparison": side, "Contract terms": terms, "Assumptions": assumed, "Provenance": _provenance(quotes)},
            {})


def frontier_sheets(result: Any) -> tuple[Sheets, Formats]:
    """The frontier workbook: one row per target with price, staffing and risk, and the marginal cost per point."""
    first = result.quotes[0]
    cur = first.currency
    asa = result.metric == "asa"
    target = "Target [s]" if asa else "Target [%]"
    point = "s" if asa else "percentage point"
    rows = []
    for t, q, marginal in zip(result.targets, result.quotes, [None, *result.marginal_cost_per_point()], strict=True):
        rows.append({target: t, "Peak agents": q.chain.peak_agents, "Agent FTE": q.chain.fte,
                     f"Price per month [{cur}]": q.total,
                     f"Price per {q.billing_unit.replace('_', ' ')} [{cur}]": q.units.rate(q.billing_unit),
                     "P(miss) [%]": q.credit.p_miss, f"Expected credits [{cur}/month]": q.credit.expected_credits,
                     f"Marginal cost [{cur} a month per {point}]": marginal})
    formats = {target: "number" if asa else "percent", "P(miss) [%]": "percent", "Agent FTE": "number",
               **{k: "money" for k in rows[0] if f"[{cur}" in k}}
    return {"Frontier": rows, "Provenance": _provenance({"baseline": first})}, formats


def sensitivity_sheets(result: Any) -> tuple[Sheets, Formats]:
    """The sensitivity workbook: one row per moved input and step."""
    cur = result.baseline.currency
    rows = [{"Input moved": r["factor"].replace("_", " "), "Step [%]": r["step"],
             f"Price per month [{cur}]": r["price"], "Price change [%]": r["price_change"], "Agent FTE": r["fte"],
             "P(miss) [%]": r["p_miss"], f"Expected invoice [{cur}/month]": r.get("expected_invoice")}
            for r in result.table()]
    formats = {"Step [%]": "percent", "Price change [%]": "percent", "P(miss) [%]": "percent", "Agent FTE": "number",
               **{k: "money" for k in rows[0] if f"[{cur}" in k}}
    return {"Sensitivity": rows, "Provenance": _provenance({"baseline": result.baseline})}, formats

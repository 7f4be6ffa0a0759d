"""Sensitivity: the quote again with one input (volume, AHT, patience, shrinkage) moved at a time; and, where the
contract has volume terms, the deadband moved on the baseline's own simulated months (``volume_band``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulator.errors import ScenarioError
from simulator.jsonutil import jsonable
from simulator.quoting.quote import QuoteFn, quote_all
from simulator.quoting.terms import moved_deadband
from simulator.scenario import Scenario

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from simulator.quoting.quote import QuoteOptions
    from simulator.sweep import Sweep

__all__ = ["BAND_FACTOR", "SENSITIVITY_FACTORS", "Sensitivity", "moved", "sensitivity"]


SENSITIVITY_FACTORS = ("volume", "aht", "patience", "shrinkage")
BAND_FACTOR = "volume_band"  # the deadband of rate_card.volume, moved on the baseline's own months (no re-quote)


def _expected_invoice(quote: Any) -> float:
    """The monthly price plus the expected ARC − RRC (the price alone without volume terms). [currency/month]"""
    volume = getattr(quote, "volume", None)
    return float(quote.to_dict()["price"]["total"]) if volume is None else float(volume.expected_invoice)


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
    band_rows: tuple[tuple[float, Any], ...] = ()  # (step, VolumeCharges with the deadband moved)

    def table(self) -> list[dict[str, Any]]:
        base = self.baseline.to_dict()
        base_price = base["price"]["total"]
        out = []
        for factor, step, quote in self.rows:
            doc = quote.to_dict()
            price = doc["price"]["total"]
            out.append({"factor": factor, "step": step, "price": price,
                        "price_change": price / base_price - 1 if base_price else None,
                        "fte": doc["staffing"]["fte"], "p_miss": doc["risk"]["p_miss"],
                        "expected_invoice": _expected_invoice(quote)})
        for step, charges in self.band_rows:
            # The band moves what volume adds to the invoice, not the staffing or the monthly price.
            out.append({"factor": BAND_FACTOR, "step": step, "price": base_price, "price_change": 0.0,
                        "fte": base["staffing"]["fte"], "p_miss": base["risk"]["p_miss"],
                        "expected_invoice": charges.expected_invoice,
                        "deadband": charges.deadband})
        return out

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"baseline": self.baseline.to_dict(), "steps": list(self.steps), "rows": self.table(),
                         "baseline_expected_invoice": _expected_invoice(self.baseline),
                         "note": "volume_band moves rate_card.volume.deadband by each step on the baseline's own "
                                 "months (staffing and monthly price unchanged); expected_invoice = price + "
                                 "expected ARC − RRC"})

    def to_frame(self) -> pd.DataFrame:
        """One row per moved input and step (index: factor, step): price, its relative change, agent FTE and
        P(miss)."""
        import pandas as pd

        names = {"price": "price", "price_change": "price change", "fte": "agent FTE", "p_miss": "P(miss)",
                 "expected_invoice": "expected invoice"}
        rows = [{"factor": row["factor"], "step": row["step"], **{names[k]: row[k] for k in names}}
                for row in self.table()]
        return pd.DataFrame(rows).set_index(["factor", "step"]).astype(float)

    def figure(self) -> Figure:
        """A tornado chart of the price when each input moves by the smallest and by the largest step."""
        from simulator.report.figures import tornado

        labels = {"volume": "Call volume", "aht": "Handle time (AHT)", "patience": "Caller patience",
                  "shrinkage": "Shrinkage", BAND_FACTOR: "Volume band (deadband)"}
        base = self.baseline.to_dict()
        low, high = min(self.steps), max(self.steps)
        # With volume terms the invoice, not the monthly price alone, is what moves with the band.
        invoice = bool(self.band_rows)
        key = "expected_invoice" if invoice else "price"
        values = {(row["factor"], row["step"]): row[key] for row in self.table()}
        factors = dict.fromkeys(row["factor"] for row in self.table())
        bars = [(labels.get(factor, factor), f"{low:+.0%}", f"{high:+.0%}", values[factor, low],
                 values[factor, high]) for factor in factors]
        return tornado(_expected_invoice(self.baseline) if invoice else base["price"]["total"], bars,
                       currency=base["price"]["currency"],
                       price_label="Expected monthly invoice" if invoice else "Monthly price",
                       title=f"Sensitivity of the {'expected invoice' if invoice else 'price'}: {base['scenario']}",
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
    terms, charges = scenario.rate_card.volume, getattr(base, "volume", None)
    band = () if terms is None or charges is None or terms.deadband == 0 else tuple(
        (step, moved_deadband(charges, terms, step)) for step in moves)
    return Sensitivity(base, moves, rows, band)

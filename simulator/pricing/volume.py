"""Volume risk in the invoice: the deadband, ARC/RRC bands and the minimum commitment (domain.md §3.1).

An anchored contract fixes a monthly price for a baseline volume (the forecast) and moves the invoice only when
the month's volume leaves a deadband around it. Rules, one month at a time, with ``B`` the baseline quantity
(answered calls, or productive hours, per month at the forecast), ``x`` the month's volume as a multiple of
the forecast, ``d`` the deadband and the bands' outer edges ``e_1 < e_2 < …`` (deviations from the baseline):

* **ARC** (additional resource charge): above the baseline, each band ``k`` covers deviations from
  ``e_{k-1}`` (``e_0 = d``) to ``e_k``; the units of volume in it are charged at its ``arc``, marginally (like
  tax brackets): ``ARC = B × Σ_k arc_k × clip(x − 1 − e_{k-1}, 0, e_k − e_{k-1})``. Beyond the last edge
  the last band's rate goes on.
* **RRC** (reduced resource credit): the mirror image below the baseline, at each band's ``rrc``, on the
  billed volume ``max(x, c)``, where ``c`` is the minimum commitment (take-or-pay; 0 without one).
* **Take-or-pay top-up**: what the commitment keeps the client paying, the credit it would have had on the
  actual volume minus the credit on the committed one: ``RRC(x) − RRC(max(x, c))``, ≥ 0.
* **Invoice**: the monthly price + ARC − RRC.

Expected values are means over the simulated months; the 5th and 95th percentiles of the invoice show its
spread. A productive-hour baseline moves with the workload (volume × AHT multiplier), a call baseline with the
volume alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.errors import ScenarioError
from simulator.jsonutil import jsonable
from simulator.scenario.model import VolumeTerms

__all__ = ["VolumeCharges", "band_amount", "volume_charges"]


def band_amount(deviation: Any, *, deadband: float, edges: list[float | None], rates: list[float]) -> np.ndarray:
    """Σ over bands of rate × the part of ``deviation`` inside the band (per unit of baseline). [currency/unit]

    Parameters
    ----------
    deviation : array_like
        Distance from the baseline on one side, as a share of it (≥ 0; 0.15 = 15 % above or below). [-]
    deadband : float
        Deviation charged nothing. [-]
    edges : list of float or None
        Outer edge of each band, outward; None for the last band without an edge. [-]
    rates : list of float
        The band's ARC or RRC. [currency/unit]
    """
    dev = np.maximum(np.asarray(deviation, dtype=float), 0.0)
    out = np.zeros_like(dev)
    inner = deadband
    for edge, rate in zip(edges, rates, strict=True):
        outer = math.inf if edge is None else edge
        out += rate * np.clip(dev - inner, 0.0, outer - inner)
        inner = outer
    if edges and edges[-1] is not None:  # the last band's rate goes on past its edge
        out += rates[-1] * np.maximum(dev - edges[-1], 0.0)
    return out


@dataclass(frozen=True, eq=False)
class VolumeCharges:
    """ARC, RRC and take-or-pay top-ups of each simulated month, and what they add to the invoice."""

    currency: str
    unit: str  # "call" or "productive_hour"
    baseline: float  # quantity per month at the forecast [unit/month]
    monthly_price: float  # the quoted monthly price [currency/month]
    deadband: float  # [-]
    min_commitment: float | None  # [-]
    last_edge: float | None  # outer edge of the last band (None: open) [-]
    index: np.ndarray  # each month's quantity as a multiple of the baseline (M,) [-]
    arc: np.ndarray  # (M,) [currency]
    rrc: np.ndarray  # (M,) [currency], on the billed volume
    top_up: np.ndarray  # (M,) [currency]

    @property
    def months(self) -> int:
        return int(self.index.size)

    @property
    def invoice(self) -> np.ndarray:
        """What each month is invoiced: the monthly price + ARC − RRC. [currency]"""
        return self.monthly_price + self.arc - self.rrc

    @property
    def expected_arc(self) -> float:
        return float(self.arc.mean())

    @property
    def expected_rrc(self) -> float:
        return float(self.rrc.mean())

    @property
    def expected_top_up(self) -> float:
        return float(self.top_up.mean())

    @property
    def expected_adjustment(self) -> float:
        """E[ARC] − E[RRC]: what volume adds to the monthly price on average. [currency/month]"""
        return self.expected_arc - self.expected_rrc

    @property
    def expected_invoice(self) -> float:
        return self.monthly_price + self.expected_adjustment

    @property
    def p_above(self) -> float:
        """P(the month's volume is above the deadband)."""
        return float((self.index > 1 + self.deadband + 1e-12).mean())

    @property
    def p_below(self) -> float:
        """P(the month's volume is below the deadband)."""
        return float((self.index < 1 - self.deadband - 1e-12).mean())

    @property
    def p_beyond_bands(self) -> float | None:
        """P(the volume leaves the last band's edge on either side); None when the last band is open."""
        if self.last_edge is None:
            return None
        return float((np.abs(self.index - 1) > self.last_edge + 1e-12).mean())

    @property
    def p_commitment_binds(self) -> float | None:
        """P(the volume falls below the minimum commitment); None without one."""
        if self.min_commitment is None:
            return None
        return float((self.index < self.min_commitment - 1e-12).mean())

    def to_dict(self) -> dict[str, Any]:
        p05, p50, p95 = (float(v) for v in np.quantile(self.invoice, [0.05, 0.5, 0.95]))
        low, high = (float(v) for v in np.quantile(self.index, [0.05, 0.95]))
        return jsonable({
            "unit": self.unit,
            "baseline_quantity": self.baseline,
            "deadband": self.deadband,
            "min_commitment": self.min_commitment,
            "months": self.months,
            "volume_index_p05": low,
            "volume_index_p95": high,
            "p_above_band": self.p_above,
            "p_below_band": self.p_below,
            "p_beyond_bands": self.p_beyond_bands,
            "p_commitment_binds": self.p_commitment_binds,
            "expected_arc": self.expected_arc,
            "expected_rrc": self.expected_rrc,
            "expected_top_up": self.expected_top_up,
            "expected_adjustment": self.expected_adjustment,
            "monthly_price": self.monthly_price,
            "expected_invoice": self.expected_invoice,
            "invoice_p05": p05,
            "invoice_p50": p50,
            "invoice_p95": p95,
            "currency": self.currency,
            "rule": "invoice = monthly price + ARC − RRC; ARC/RRC marginal by band beyond the deadband, RRC on "
                    "max(volume, commitment); top-up = RRC(volume) − RRC(max(volume, commitment))",
        })


def volume_charges(index: Any, *, terms: VolumeTerms, baseline: float, monthly_price: float,
                   currency: str) -> VolumeCharges:
    """ARC, RRC and top-ups of each month (rules in the module docstring).

    Parameters
    ----------
    index : array_like
        Each month's quantity (calls, or productive hours) as a multiple of the baseline (M,). [-]
    terms : VolumeTerms
        ``rate_card.volume``: deadband, bands, minimum commitment.
    baseline : float
        The quantity per month at the forecast. [unit/month]
    monthly_price : float
        The quoted monthly price. [currency/month]
    currency : str
        ``agreement.currency``.
    """
    x = np.asarray(index, dtype=float)
    if x.ndim != 1 or x.size == 0 or not np.all(np.isfinite(x)) or np.any(x < 0):
        raise ScenarioError("must be a non-empty array of finite multiples >= 0", field="volume_index",
                            value=x.shape)
    if not (math.isfinite(baseline) and baseline >= 0):
        raise ScenarioError("must be finite and >= 0", field="baseline", value=baseline)
    edges = [band.up_to for band in terms.bands]
    commitment = terms.min_commitment or 0.0
    if terms.bands:
        arc = baseline * band_amount(x - 1.0, deadband=terms.deadband, edges=edges,
                                     rates=[b.arc for b in terms.bands])
        rrc_rates = [b.rrc for b in terms.bands]
        rrc_actual = baseline * band_amount(1.0 - x, deadband=terms.deadband, edges=edges, rates=rrc_rates)
        rrc = baseline * band_amount(1.0 - np.maximum(x, commitment), deadband=terms.deadband, edges=edges,
                                     rates=rrc_rates)
    else:
        arc = rrc_actual = rrc = np.zeros_like(x)
    return VolumeCharges(
        currency=currency, unit=terms.unit, baseline=float(baseline), monthly_price=float(monthly_price),
        deadband=terms.deadband, min_commitment=terms.min_commitment,
        last_edge=edges[-1] if edges else None, index=x, arc=arc, rrc=rrc, top_up=rrc_actual - rrc)

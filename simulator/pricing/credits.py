"""Service credits, earn-back, bonus and the risk in the price, from many simulated months (domain.md §3.5).

Input: the outcome of each of M simulated months (:class:`MonthOutcomes`). Rules, one month at a time:

* **Miss.** ``service_level`` misses when the SL is below its target, ``abandon_rate`` when the abandon rate
  is above its cap, ``asa`` when the ASA is above its cap (ties, to 1e-12, count as met; a NaN, a period with
  no calls, is no measurement and no miss). A metric given per measurement period (an (M, P) array, e.g. daily
  SL under a daily SLA) misses the month when any period misses. A breach of a floor (``definitions.floors``:
  a day or an interval below the floor) counts as a ``service_level`` miss.
* **Credit.** Credit-bearing metrics are those with both an allocation in ``credits.metrics`` and a target in
  the SLA. A missed metric costs allocation × at-risk share × the monthly invoice. §3.5's pool allocation ×
  credit allocation is one ``allocation`` here (50 % × 40 % → 0.2).
* **Earn-back** (``credits.earn_back``): the credit for a metric missed in month m is cancelled when the same
  metric meets its target in month m + 1. The simulated months are exchangeable draws of one contract month,
  so the month after the last is the first (a circular shift gives every month the same chance of earn-back).
* **Cap.** What is left is capped at ``cap_share`` (default: the at-risk share) × the invoice.
* **Bonus** (``credits.bonus_share`` > 0): paid in a month with no credit-bearing miss and, if
  ``credits.bonus_service_level`` is set, a service level (every period of it) at or above that level;
  bonus = bonus share × the invoice.
* **Price with risk** (``credits.include_in_price``): the provider prices in the expected credits and bonuses
  and a risk premium, with credits and bonuses a share of the invoice actually quoted:
  ``price = base + E[credits] − E[bonus] + risk_premium × base``, solved as
  ``price = base × (1 + risk_premium) / (1 − E[credit share] + E[bonus share])``. Without ``include_in_price``
  the price is the base price and the credits are reported on it.

* **Forecast-miss exclusion** (``credits.forecast_tolerance``): a month whose volume exceeds the forecast by
  more than the tolerance is excused: its misses do not count and it carries no credit (and no bonus), since
  the provider staffed to the client's forecast. The caller passes the excused months (``excluded``).

``p_miss`` is the share of months in which at least one credit-bearing metric misses (before earn-back, after
the exclusion; ``p_miss_before_exclusions`` without it); ``credits_p95`` is the 95th percentile (linear
interpolation) of the monthly credits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulator.errors import InfeasibleTargetError, ScenarioError
from simulator.jsonutil import jsonable
from simulator.scenario.model import SLA, Credits, Floors

__all__ = [
    "CREDIT_METRICS",
    "CreditRisk",
    "MonthOutcomes",
    "credit_risk",
    "month_misses",
    "p_miss_standard_error",
    "wilson_interval",
]

CREDIT_METRICS = ("service_level", "abandon_rate", "asa")
_TIE = 1e-12  # values within this of a target count as meeting it (float noise in ratios of counts)


def _as_months(values: Any, name: str, months: int | None) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim not in (1, 2) or array.shape[0] == 0:
        raise ScenarioError("must be an array over months (M,) or months × periods (M, P)", field=name,
                            value=array.shape)
    if months is not None and array.shape[0] != months:
        raise ScenarioError(f"must cover the same {months} months as the other outcomes", field=name,
                            value=array.shape[0])
    return array


@dataclass(frozen=True, eq=False)
class MonthOutcomes:
    """What each of M simulated months delivered, measured as the contract measures it.

    Each metric is an array over months (M,), or months × measurement periods (M, P) when the contract
    measures a period shorter than a month (the month misses when any period misses). Leave out what the SLA
    does not target.
    """

    service_level: Any = None  # SL under the contract's definition [-]
    abandon_rate: Any = None  # abandoned / offered [-]
    asa_seconds: Any = None  # mean queue wait of answered calls [s]
    daily_service_level: Any = None  # (M, D) SL per day, for a day floor [-]
    interval_service_level: Any = None  # (M, K) SL per interval, for an interval floor [-]
    months: int = field(init=False)

    def __post_init__(self) -> None:
        months: int | None = None
        for name in ("service_level", "abandon_rate", "asa_seconds", "daily_service_level",
                     "interval_service_level"):
            value = getattr(self, name)
            if value is None:
                continue
            array = _as_months(value, name, months)
            if name in ("daily_service_level", "interval_service_level") and array.ndim == 1:
                array = array[:, None]
            months = array.shape[0]
            object.__setattr__(self, name, array)
        if months is None:
            raise ScenarioError("no outcomes: need one of service_level, abandon_rate, asa_seconds",
                                field="outcomes", value=None, has_value=False)
        object.__setattr__(self, "months", months)


def _any_below(values: np.ndarray, level: float) -> np.ndarray:
    below = np.asarray(values < level - _TIE)  # NaN compares False: no measurement, no miss
    return below if below.ndim == 1 else np.asarray(below.any(axis=1))


def _any_above(values: np.ndarray, level: float) -> np.ndarray:
    above = np.asarray(values > level + _TIE * max(1.0, abs(level)))
    return above if above.ndim == 1 else np.asarray(above.any(axis=1))


def _need(outcomes: MonthOutcomes, name: str, target_field: str) -> np.ndarray:
    value = getattr(outcomes, name)
    if value is None:
        raise ScenarioError(f"the SLA sets this target but the simulated months carry no {name}",
                            field=target_field, value=None, has_value=False)
    return np.asarray(value)


def floor_breaches(outcomes: MonthOutcomes, floors: Floors | None) -> np.ndarray | None:
    """Months in which a day or an interval fell below its floor (None when the contract sets no floor)."""
    if floors is None or (floors.day is None and floors.interval is None):
        return None
    breach = np.zeros(outcomes.months, dtype=bool)
    if floors.day is not None:
        breach |= _any_below(_need(outcomes, "daily_service_level", "definitions.floors.day"), floors.day)
    if floors.interval is not None:
        breach |= _any_below(_need(outcomes, "interval_service_level", "definitions.floors.interval"),
                             floors.interval)
    return breach


def month_misses(outcomes: MonthOutcomes, sla: SLA, floors: Floors | None = None) -> dict[str, np.ndarray]:
    """Per metric with a target, a boolean array over months: True where the month misses it.

    Parameters
    ----------
    outcomes : MonthOutcomes
        The simulated months.
    sla : SLA
        ``service_level`` (minimum), ``max_abandon_rate`` and ``max_asa_seconds`` (caps); None: no target.
    floors : Floors, optional
        ``definitions.floors``; a breach counts as a ``service_level`` miss.
    """
    misses: dict[str, np.ndarray] = {}
    breach = floor_breaches(outcomes, floors)
    if sla.service_level is not None:
        sl = _any_below(_need(outcomes, "service_level", "sla.service_level"), sla.service_level)
        misses["service_level"] = sl if breach is None else sl | breach
    elif breach is not None:
        misses["service_level"] = breach
    if sla.max_abandon_rate is not None:
        misses["abandon_rate"] = _any_above(_need(outcomes, "abandon_rate", "sla.max_abandon_rate"),
                                            sla.max_abandon_rate)
    if sla.max_asa_seconds is not None:
        misses["asa"] = _any_above(_need(outcomes, "asa_seconds", "sla.max_asa_seconds"), sla.max_asa_seconds)
    return misses


def p_miss_standard_error(p_miss: float, months: int) -> float:
    """Monte-Carlo standard error of a miss probability estimated from ``months`` independent months.

    ``sqrt(p (1 − p) / M)``. It is 0 when no month (or every month) missed: use :func:`wilson_interval` to
    bound a probability that was never observed.
    """
    if months < 1:
        raise ScenarioError("must be >= 1", field="months", value=months)
    if not 0 <= p_miss <= 1:
        raise ScenarioError("must be a probability in [0, 1]", field="p_miss", value=p_miss)
    return math.sqrt(p_miss * (1.0 - p_miss) / months)


def wilson_interval(p_miss: float, months: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a miss probability observed in ``months`` months (z = 1.96: 95 %)."""
    p_miss_standard_error(p_miss, months)  # validates
    n = float(months)
    centre = (p_miss + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p_miss * (1 - p_miss) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True, eq=False)
class CreditRisk:
    """Miss probabilities, credits and bonuses over the simulated months, and the price with risk."""

    currency: str
    months: int
    credit_bearing: tuple[str, ...]
    misses: dict[str, np.ndarray]  # metric → miss per month (before earn-back)
    p_miss: float  # P(at least one credit-bearing metric missed in a month)
    p_miss_by_metric: dict[str, float]  # every metric with a target
    p_credit: float  # P(a credit is paid in a month, after earn-back)
    p_floor_breach: float | None
    credit_share: np.ndarray  # credits per month ÷ invoice, after earn-back and cap [-]
    bonus_share: np.ndarray  # bonus per month ÷ invoice [-]
    base_price: float  # the price before risk [currency/month]
    price: float  # quoted: base, or with expected credits, bonuses and risk premium [currency/month]
    include_in_price: bool
    risk_premium_rate: float  # [-]
    p_miss_before_exclusions: float | None = None  # None: no exclusion applies
    p_excluded: float | None = None  # share of months excused by the forecast-miss exclusion

    @property
    def expected_credit_share(self) -> float:
        return float(self.credit_share.mean())

    @property
    def expected_bonus_share(self) -> float:
        return float(self.bonus_share.mean())

    @property
    def expected_credits(self) -> float:
        """Mean credit per month on the quoted invoice. [currency/month]"""
        return self.expected_credit_share * self.price

    @property
    def expected_credits_standard_error(self) -> float:
        """Monte-Carlo standard error of ``expected_credits``. [currency/month]"""
        if self.months < 2:
            return math.nan
        return float(self.credit_share.std(ddof=1)) / math.sqrt(self.months) * self.price

    @property
    def credits_p95(self) -> float:
        """95th percentile of the monthly credits on the quoted invoice. [currency/month]"""
        return float(np.quantile(self.credit_share, 0.95)) * self.price

    @property
    def expected_bonus(self) -> float:
        return self.expected_bonus_share * self.price

    @property
    def risk_premium(self) -> float:
        """The risk premium added to the price. [currency/month]"""
        return self.risk_premium_rate * self.base_price if self.include_in_price else 0.0

    @property
    def p_miss_standard_error(self) -> float:
        return p_miss_standard_error(self.p_miss, self.months)

    @property
    def rule(self) -> str:
        if not self.include_in_price:
            return "price = base price (credits not priced in)"
        return ("price = base + expected credits − expected bonus + risk_premium × base, credits and bonus "
                "being shares of the quoted invoice: price = base × (1 + risk_premium) / "
                "(1 − E[credit share] + E[bonus share])")

    def to_dict(self) -> dict[str, Any]:
        return jsonable({
            "p_miss": self.p_miss,
            "p_miss_by_metric": self.p_miss_by_metric,
            "expected_credits": self.expected_credits,
            "credits_p95": self.credits_p95,
            "p_miss_standard_error": self.p_miss_standard_error,
            "p_miss_interval_95": list(wilson_interval(self.p_miss, self.months)),
            "p_credit": self.p_credit,
            "p_floor_breach": self.p_floor_breach,
            "expected_credits_standard_error": self.expected_credits_standard_error,
            "expected_bonus": self.expected_bonus,
            "risk_premium": self.risk_premium,
            "base_price": self.base_price,
            "price": self.price,
            "include_in_price": self.include_in_price,
            "credit_bearing": list(self.credit_bearing),
            "months": self.months,
            "rule": self.rule,
            "currency": self.currency,
            "p_miss_before_exclusions": self.p_miss_before_exclusions,
            "p_excluded": self.p_excluded,
        })


def credit_risk(outcomes: MonthOutcomes, *, sla: SLA, credits: Credits, base_price: float,
                floors: Floors | None = None, currency: str = "USD",
                excluded: Any = None) -> CreditRisk:
    """Miss probabilities, credits, bonuses and the price with risk (rules in the module docstring).

    Parameters
    ----------
    outcomes : MonthOutcomes
        SL, abandon rate and ASA of each simulated month (and daily/interval SL for floors).
    sla : SLA
        The targets.
    credits : Credits
        The credit regime: allocations, at-risk share, cap, earn-back, bonus, and how risk is priced in.
    base_price : float
        The monthly price before risk (cost build-up price). [currency/month]
    floors : Floors, optional
        ``definitions.floors``.
    currency : str
        ``agreement.currency``.
    excluded : array_like of bool, optional
        Months excused by the forecast-miss exclusion (M,): no miss, no credit, no bonus there.

    Raises
    ------
    ScenarioError
        A target whose metric the outcomes do not carry.
    InfeasibleTargetError
        Credits that take the whole invoice every month, so no price recovers the cost.
    """
    if not (math.isfinite(base_price) and base_price >= 0):
        raise ScenarioError("must be finite and >= 0", field="base_price", value=base_price)
    misses = month_misses(outcomes, sla, floors)
    months = outcomes.months
    raw_any = np.zeros(months, dtype=bool)
    excused = None
    if excluded is not None:
        excused = np.asarray(excluded, dtype=bool)
        if excused.shape != (months,):
            raise ScenarioError(f"must be one flag per month ({months})", field="excluded", value=excused.shape)
        for metric in misses:
            if metric in credits.metrics:
                raw_any |= misses[metric]
        misses = {k: v & ~excused for k, v in misses.items()}
    bearing = tuple(k for k in CREDIT_METRICS if k in credits.metrics and k in misses)
    cap = credits.at_risk_share if credits.cap_share is None else credits.cap_share

    share = np.zeros(months)
    any_miss = np.zeros(months, dtype=bool)
    paid = np.zeros(months, dtype=bool)
    for metric in bearing:
        miss = misses[metric]
        any_miss |= miss
        credited = miss & np.roll(miss, -1) if credits.earn_back else miss
        paid |= credited
        share += credits.metrics[metric].allocation * credits.at_risk_share * credited
    share = np.minimum(share, cap)

    bonus = np.zeros(months)
    if credits.bonus_share > 0:
        earns = ~any_miss if excused is None else ~any_miss & ~excused
        if credits.bonus_service_level is not None:
            sl = _need(outcomes, "service_level", "credits.bonus_service_level")
            earns &= ~_any_below(sl, credits.bonus_service_level)
        bonus = credits.bonus_share * earns

    price = base_price
    if credits.include_in_price:
        denominator = 1.0 - float(share.mean()) + float(bonus.mean())
        if denominator <= 0:
            raise InfeasibleTargetError("expected credits take the whole invoice; no price recovers the cost",
                                        field="credits", value=float(share.mean()))
        price = base_price * (1.0 + credits.risk_premium) / denominator

    breach = floor_breaches(outcomes, floors)
    return CreditRisk(
        currency=currency, months=months, credit_bearing=bearing, misses=misses,
        p_miss=float(any_miss.mean()),
        p_miss_by_metric={k: float(v.mean()) for k, v in misses.items()},
        p_credit=float(paid.mean()),
        p_floor_breach=None if breach is None else float(breach.mean()),
        credit_share=share, bonus_share=bonus, base_price=base_price, price=price,
        include_in_price=credits.include_in_price, risk_premium_rate=credits.risk_premium,
        p_miss_before_exclusions=None if excused is None else float(raw_any.mean()),
        p_excluded=None if excused is None else float(excused.mean()),
    )

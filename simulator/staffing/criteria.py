"""How a candidate staffing is judged: the criterion's view of the months simulated on the forecast.

``mean`` judges the mean over the simulated measurement periods of the SL (the contract's definition, rolled up as
the profile says), of the abandon rate and of the ASA; a day floor on the mean day, an interval floor on the mean of
each interval of the day. Months are simulated 2, 4, 8, … at a time (a schedule fixed in advance, never sized by
the workers, so the verdict is the same on one core, a pool or a cluster), and a staffing is judged as soon as
every target is met, or one is missed, by more than ``EARLY_Z`` standard errors (the day-to-day spread of the
simulated days ÷ √days, doubled for the correlation between days); floors are always judged on every month.
"""

from __future__ import annotations

import math

import numpy as np

from simulator.risk.calibration import to_scale
from simulator.risk.months import METRICS, MonthSet
from simulator.scenario.model import Scenario

__all__ = ["EARLY_Z", "MARGIN_SE", "criterion_metrics", "judge", "planning_offsets", "standard_errors"]

EARLY_Z = 4.0  # a staffing is judged before all months when every margin exceeds this many standard errors
MARGIN_SE = 1.0  # the planning targets aim this many standard errors inside the contract's
EARLY_INFLATION = 2.0  # standard errors from the spread of days, doubled: days of a month are not independent
_TIE = 1e-12


def criterion_metrics(sims: MonthSet) -> dict[str, float]:
    """The mean over the simulated measurement periods of the SL, abandon rate and ASA, the mean day SL, and
    the worst interval of the day's mean SL."""
    def mean(values: np.ndarray) -> float:
        finite = values[np.isfinite(values)]
        return float(finite.mean()) if finite.size else math.nan

    cells = np.concatenate([m.cell_service_level for m in sims.months])  # (R·D, I)
    with np.errstate(invalid="ignore"):
        per_interval = np.array([mean(cells[:, i]) for i in range(cells.shape[1])])
    finite = per_interval[np.isfinite(per_interval)]
    return {
        "service_level": mean(sims.period_array("service_level")),
        "abandon_rate": mean(sims.period_array("abandon_rate")),
        "asa_seconds": mean(sims.period_array("asa_seconds")),
        "day_service_level": mean(np.concatenate([m.day_service_level for m in sims.months])),
        "worst_interval_service_level": float(finite.min()) if finite.size else math.nan,
    }


def judge(values: dict[str, float], scenario: Scenario,
          errors: dict[str, float] | None = None) -> tuple[bool, bool]:
    """(meets, clear): whether the means meet every target, and whether each margin exceeds ``EARLY_Z``
    standard errors (``errors``: metric → standard error; None: the final judgement, always clear)."""
    sla, floors = scenario.sla, scenario.definitions.floors
    # (metric, level, at_least): SL and floors from below, abandon rate and ASA caps from above
    targets = [("service_level", sla.service_level, True), ("abandon_rate", sla.max_abandon_rate, False),
               ("asa_seconds", sla.max_asa_seconds, False), ("day_service_level", floors.day, True),
               ("worst_interval_service_level", floors.interval, True)]
    margins: list[tuple[float, float]] = []
    for metric, level, at_least in targets:
        if level is None:
            continue
        value = values[metric]
        if not math.isfinite(value):
            # No answered call means no ASA to judge (a NaN is no measurement and no miss, as in credits);
            # an SL without calls cannot meet a minimum.
            margins.append((-math.inf if at_least else math.inf, 0.0))
            continue
        margin = (value - level if at_least else level - value) + _TIE * max(1.0, abs(level))
        margins.append((margin, 0.0 if errors is None else errors.get(metric, math.inf)))
    meets = all(m >= 0 for m, _ in margins)
    if errors is None:
        return meets, True
    if meets:
        return True, all(m > EARLY_Z * se for m, se in margins)
    return False, any(m < -EARLY_Z * se for m, se in margins)


def standard_errors(sims: MonthSet) -> dict[str, float]:
    """Standard error of each criterion mean from the spread of the simulated days (see the module docstring);
    floors get none (they are judged on all months)."""
    out = {}
    for metric in ("service_level", "abandon_rate", "asa_seconds"):
        days = np.concatenate([m.day[metric] for m in sims.months])
        days = days[np.isfinite(days)]
        out[metric] = (EARLY_INFLATION * float(days.std(ddof=1)) / math.sqrt(days.size) if days.size > 1
                       else math.inf)
    return out


def planning_offsets(predicted: dict[str, float], sims: MonthSet) -> np.ndarray:
    """Planning offsets on the logit/log scale: minus the gap between the simulated period and the
    allocation's forecast, moved inwards by ``MARGIN_SE`` standard errors of the simulated mean (so the
    next staffing aims inside the target, not at it, and still meets it on every replication)."""
    names = METRICS
    values = criterion_metrics(sims)
    errors = standard_errors(sims)
    pred = np.array([[predicted[n] for n in names]])
    sim = np.array([[values[n] for n in names]])
    with np.errstate(invalid="ignore"):
        gap = (to_scale(sim, names) - to_scale(pred, names))[0]
        # d z / d value on each scale: logit for fractions, log for the ASA
        slope = np.array([1.0 / max(v * (1 - v), 1e-9) if n != "asa_seconds" else 1.0 / max(v, 1e-9)
                          for n, v in zip(names, sim[0], strict=True)])
    inward = np.array([1.0, -1.0, -1.0])  # the SL from above, the caps from below
    margin = MARGIN_SE * np.array([errors[n] for n in names]) * slope
    out = -gap + inward * np.where(np.isfinite(margin), margin, 0.0)
    return np.where(np.isfinite(out), out, 0.0)

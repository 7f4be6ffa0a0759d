"""Volume and its shape: calls per day (by weekday), day-to-day over-dispersion, the intraday profile, hours.

The input is a matrix of first-attempt trunk arrivals per observed day and *slot* (15 minutes for a call log,
the report's interval for an interval report). Days without a single call are closed days and are not in the
matrix.

- **Hours**: the first and last interval that has calls on at least half of the observed days.
- **Profile**: each interval's share of the calls inside those hours, with its multinomial standard error
  √(p(1 − p)/C) (C the calls counted): the day's volume multiplier scales every interval of a day alike, so
  the shares are multinomial given the day's total.
- **Calls per day**: the mean of the daily totals, Student-t interval over days; a one-way analysis of
  variance of the daily totals by weekday says whether weekdays differ (the project file has one average day).
- **Day-to-day CV beyond Poisson**: the simulator draws a day's calls as Poisson with mean m·D, D a gamma
  multiplier with mean 1 and cv c, so Var(N) = m + m²c². Within each weekday (the weekday means removed, so a
  Monday peak is not mistaken for noise), the pooled relative variance V = Σ((N − m_g)/m_g)² / (k − G)
  estimates 1/m + c²; c² = V − mean(1/m_g). Its 95 % interval comes from the χ² distribution of
  (k − G)V / (1/m + c²) with k − G degrees of freedom, and the index-of-dispersion test (Σ(N − m_g)²/m_g ~
  χ²(k − G) under Poisson, Cox & Lewis 1966) says whether there is over-dispersion at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from simulator.calibrate.estimate import Estimate
from simulator.scenario.model import seconds_to_clock

__all__ = ["WEEKDAYS", "Demand", "estimate_demand"]

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, eq=False)
class Demand:
    """What the arrivals show: hours, profile, volume and its dispersion (see the module docstring)."""

    interval_seconds: float
    open_seconds: float
    close_seconds: float
    day_numbers: np.ndarray  # the observed days (day index from day 0)
    weekdays: np.ndarray  # their weekdays, Monday = 0
    daily: np.ndarray  # calls per observed day
    profile: np.ndarray  # share per interval from open to close
    profile_se: np.ndarray
    profile_calls: np.ndarray  # calls per interval, all days
    outside_hours: int  # calls before open or after close
    calls_per_day: Estimate
    day_cv: Estimate
    dispersion_p_value: float
    weekday_p_value: float  # one-way ANOVA of the daily totals by weekday (NaN with fewer than two weekdays)
    overall_cv: float
    days_per_month: int
    profiles: dict[int, list[float]]  # interval minutes → shares (open to close) at 15/30/60 where they fit

    @property
    def interval_count(self) -> int:
        return len(self.profile)

    @property
    def interval_starts(self) -> list[str]:
        return [seconds_to_clock(self.open_seconds + i * self.interval_seconds) for i in range(self.interval_count)]

    def by_weekday(self) -> list[dict[str, Any]]:
        mean = float(self.daily.mean())
        rows = []
        for w in sorted(set(self.weekdays.tolist())):
            counts = self.daily[self.weekdays == w]
            rows.append({"weekday": WEEKDAYS[w], "days": len(counts), "calls_per_day": float(counts.mean()),
                         "factor": float(counts.mean() / mean)})
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "open": seconds_to_clock(self.open_seconds), "close": seconds_to_clock(self.close_seconds),
            "interval_minutes": int(self.interval_seconds // 60), "days": len(self.daily),
            "days_per_month": self.days_per_month,
            "calls_per_day": self.calls_per_day.to_dict(), "day_cv": self.day_cv.to_dict(),
            "overall_day_cv": self.overall_cv, "dispersion_test_p_value": self.dispersion_p_value,
            "weekday_test_p_value": self.weekday_p_value,
            "by_weekday": self.by_weekday(),
            "daily": [{"day": int(d), "weekday": WEEKDAYS[int(w)], "calls": int(c)}
                      for d, w, c in zip(self.day_numbers, self.weekdays, self.daily, strict=True)],
            "outside_hours": self.outside_hours,
            "profile": [{"start": s, "share": float(p), "se": float(se), "calls": int(c)}
                        for s, p, se, c in zip(self.interval_starts, self.profile, self.profile_se,
                                               self.profile_calls, strict=True)],
            "profiles_by_interval_minutes": {str(k): v for k, v in self.profiles.items()},
        }


def _day_cv(daily: np.ndarray, weekdays: np.ndarray) -> tuple[Estimate, float]:
    """Over-dispersion beyond Poisson within weekdays (module docstring) and the dispersion test's p-value."""
    groups = [daily[weekdays == w] for w in sorted(set(weekdays.tolist()))]
    if any(len(g) < 2 for g in groups):  # too few days per weekday: pool every day as one group
        groups = [daily]
    k, g = len(daily), len(groups)
    dof = k - g
    method = ("pooled relative variance within weekdays minus the Poisson part; chi-square interval" if g > 1
              else "relative variance of the daily totals minus the Poisson part; chi-square interval")
    if dof < 1 or daily.min() <= 0:
        return Estimate(math.nan, None, k, "days", "fraction", "not estimable: fewer than two days"), math.nan
    rel = sum(float(np.sum((grp / grp.mean() - 1) ** 2)) for grp in groups) / dof
    poisson = sum(len(grp) / float(grp.mean()) for grp in groups) / k
    dispersion = sum(float(np.sum((grp - grp.mean()) ** 2 / grp.mean())) for grp in groups)
    p_value = float(stats.chi2.sf(dispersion, dof))
    low_v = dof * rel / float(stats.chi2.ppf(0.975, dof))
    high_v = dof * rel / float(stats.chi2.ppf(0.025, dof))

    def cv(v: float) -> float:
        return math.sqrt(max(v - poisson, 0.0))

    return Estimate(cv(rel), (cv(low_v), cv(high_v)), k, "days", "fraction", method), p_value


def estimate_demand(counts: np.ndarray, day_numbers: np.ndarray, weekday0: int, slot_seconds: float,
                    interval_seconds: float) -> Demand:
    """Hours, profile, calls per day and day CV from first-attempt arrivals per (observed day, slot).

    Parameters
    ----------
    counts : array of int, shape (days, slots per day)
        Arrivals per observed day and slot; slot ``j`` starts at ``j * slot_seconds`` after midnight.
    day_numbers : array of int, shape (days,)
        Each row's day index (day 0 is the first date in the data).
    weekday0 : int
        Weekday of day 0 (Monday = 0).
    slot_seconds, interval_seconds : float
        Width of a slot and of the profile's interval (a whole number of slots). [s]
    """
    counts = np.asarray(counts, dtype=float)
    per = round(interval_seconds / slot_seconds)
    days, slots = counts.shape
    by_interval = counts[:, : slots - slots % per].reshape(days, -1, per).sum(axis=2)
    present = (by_interval > 0).mean(axis=0) >= 0.5
    if not present.any():
        present = by_interval.sum(axis=0) > 0
    first, last = int(np.flatnonzero(present)[0]), int(np.flatnonzero(present)[-1])
    inside = by_interval[:, first: last + 1]
    profile_calls = inside.sum(axis=0)
    total = float(profile_calls.sum())
    share = profile_calls / total
    se = np.sqrt(share * (1 - share) / total)
    daily = counts.sum(axis=1)
    weekdays = (weekday0 + np.asarray(day_numbers)) % 7
    k = len(daily)
    mean = float(daily.mean())
    half = float(stats.t.ppf(0.975, k - 1)) * float(daily.std(ddof=1)) / math.sqrt(k) if k > 1 else math.nan
    calls_per_day = Estimate(mean, (mean - half, mean + half) if k > 1 else None, k, "days", "calls",
                             "mean of the daily first-attempt arrivals; Student-t interval over days")
    day_cv, p_value = _day_cv(daily, weekdays)
    overall = float(daily.std(ddof=1) / mean) if k > 1 else math.nan
    groups = [daily[weekdays == w] for w in sorted(set(weekdays.tolist()))]
    groups = [g for g in groups if len(g) >= 2]
    weekday_p = float(stats.f_oneway(*groups).pvalue) if len(groups) >= 2 else math.nan
    open_weekdays = len(set(weekdays.tolist())) if k >= 7 else min(k, 7)
    days_per_month = int(min(31, max(1, round(open_weekdays * 52 / 12))))
    profiles = {}
    for minutes in (15, 30, 60):
        step = minutes * 60
        if step % slot_seconds or (first * interval_seconds) % step or ((last + 1) * interval_seconds) % step:
            continue
        m = int(step // slot_seconds)
        lo, hi = int(first * interval_seconds // slot_seconds), int((last + 1) * interval_seconds // slot_seconds)
        grouped = counts[:, lo:hi].sum(axis=0).reshape(-1, m).sum(axis=1)
        profiles[minutes] = (grouped / grouped.sum()).tolist()
    return Demand(interval_seconds, first * interval_seconds, (last + 1) * interval_seconds,
                  np.asarray(day_numbers), weekdays, daily, share, se, profile_calls,
                  round(daily.sum() - total), calls_per_day, day_cv, p_value, weekday_p, overall, days_per_month,
                  profiles)

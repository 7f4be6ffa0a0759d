"""One fitted number with its evidence: estimate, 95 % confidence interval, sample size and method."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from scipy import stats

__all__ = ["Estimate", "wilson"]


@dataclass(frozen=True)
class Estimate:
    """A fitted value and its evidence.

    Attributes
    ----------
    value : float
        The estimate, in ``unit``.
    ci : tuple of float, or None
        Its 95 % confidence interval (None where no interval is computed).
    n : int
        The sample size behind it, counted in ``n_of``.
    n_of : str
        What ``n`` counts ("days", "calls", "abandoned calls", ...).
    unit : str
        "s", "calls", "fraction", ...
    method : str
        How it was estimated, in a few words.
    """

    value: float
    ci: tuple[float, float] | None
    n: int
    n_of: str
    unit: str
    method: str

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "ci_low": None if self.ci is None else self.ci[0],
                "ci_high": None if self.ci is None else self.ci[1], "n": self.n, "n_of": self.n_of,
                "unit": self.unit, "method": self.method}


def wilson(successes: float, trials: float) -> tuple[float, float]:
    """Wilson score 95 % interval of a binomial proportion (Wilson 1927); (nan, nan) without trials."""
    if trials <= 0:
        return math.nan, math.nan
    z = float(stats.norm.ppf(0.975))
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return max(0.0, centre - half), min(1.0, centre + half)

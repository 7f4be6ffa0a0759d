"""Frozen, validated specifications of the time distributions a scenario uses.

Every distribution is stated by its mean in seconds (and a coefficient of variation where it has a shape), as
people state handle times and patience. ``sample(rng, size)`` draws from a caller's own
``numpy.random.Generator``: there is no global random state.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @property
    def mean_seconds(self) -> float:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    @property
    def is_exponential(self) -> bool:
        return False

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


class Exponential(_Spec):
    """Exponential with the given mean."""

    kind: Literal["exponential"] = "exponential"
    mean: float = Field(gt=0, description="mean [s]")

    @property
    def mean_seconds(self) -> float:
        return self.mean

    @property
    def is_exponential(self) -> bool:
        return True

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.exponential(self.mean, size)


class Deterministic(_Spec):
    """Always the same duration."""

    kind: Literal["deterministic"] = "deterministic"
    mean: float = Field(ge=0, description="the duration [s]")

    @property
    def mean_seconds(self) -> float:
        return self.mean

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.full(size, float(self.mean))


class Lognormal(_Spec):
    """Lognormal with the given mean and coefficient of variation (standard deviation / mean)."""

    kind: Literal["lognormal"] = "lognormal"
    mean: float = Field(gt=0, description="mean [s]")
    cv: float = Field(gt=0, le=20, description="coefficient of variation")

    @property
    def mean_seconds(self) -> float:
        return self.mean

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        sigma2 = math.log1p(self.cv**2)
        mu = math.log(self.mean) - sigma2 / 2
        return rng.lognormal(mu, math.sqrt(sigma2), size)


class Gamma(_Spec):
    """Gamma with the given mean and coefficient of variation (shape = 1/cv²)."""

    kind: Literal["gamma"] = "gamma"
    mean: float = Field(gt=0, description="mean [s]")
    cv: float = Field(gt=0, le=20, description="coefficient of variation")

    @property
    def mean_seconds(self) -> float:
        return self.mean

    @property
    def is_exponential(self) -> bool:
        return self.cv == 1.0

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        shape = 1.0 / self.cv**2
        return rng.gamma(shape, self.mean / shape, size)


class Weibull(_Spec):
    """Weibull with the given mean and coefficient of variation (the shape is solved from the cv)."""

    kind: Literal["weibull"] = "weibull"
    mean: float = Field(gt=0, description="mean [s]")
    cv: float = Field(ge=0.05, le=10, description="coefficient of variation")

    @property
    def mean_seconds(self) -> float:
        return self.mean

    @property
    def is_exponential(self) -> bool:
        return self.cv == 1.0

    @cached_property
    def shape(self) -> float:
        from scipy import optimize, special  # loaded when a Weibull is first used, not at start-up

        def excess(log_k: float) -> float:
            k = math.exp(log_k)
            lg1 = special.gammaln(1 + 1 / k)
            lg2 = special.gammaln(1 + 2 / k)
            return math.log(math.expm1(lg2 - 2 * lg1)) - 2 * math.log(self.cv)

        return math.exp(optimize.brentq(excess, math.log(0.05), math.log(100.0), xtol=1e-14))

    @cached_property
    def scale(self) -> float:
        from scipy import special

        return self.mean / math.exp(special.gammaln(1 + 1 / self.shape))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self.scale * rng.weibull(self.shape, size)


class Empirical(_Spec):
    """Resampled with replacement from observed durations."""

    kind: Literal["empirical"] = "empirical"
    samples: tuple[float, ...] = Field(min_length=1, description="observed durations [s]")

    @model_validator(mode="after")
    def _non_negative(self) -> Empirical:
        bad = [v for v in self.samples if not (v >= 0 and math.isfinite(v))]
        if bad:
            raise ValueError(f"samples must be finite and >= 0, got {bad[0]}")
        return self

    @property
    def mean_seconds(self) -> float:
        return float(np.mean(self.samples))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.choice(np.asarray(self.samples, dtype=float), size)


Distribution = Annotated[
    Exponential | Deterministic | Lognormal | Gamma | Weibull | Empirical,
    Field(discriminator="kind"),
]
"""Any supported distribution, chosen by its ``kind`` field."""

KINDS = ("exponential", "deterministic", "lognormal", "gamma", "weibull", "empirical")

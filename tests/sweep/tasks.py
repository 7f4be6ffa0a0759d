"""Task functions for the sweep tests: module-level, so that pool and Dask workers import them by name."""

from __future__ import annotations

import numpy as np

from simulator.errors import ScenarioError


def draw(seed: np.random.SeedSequence, size: int) -> np.ndarray:
    """A seeded computation whose result depends on nothing but its arguments."""
    return np.random.default_rng(seed).gamma(2.0, 3.0, size=size)


def fail_on(value: int, bad: int) -> int:
    if value == bad:
        raise ValueError(f"cannot handle {value}")
    return value * value


def refuse(value: float) -> float:
    raise ScenarioError("must be below 1", source="test.toml", field="demand.calls_per_day", value=value)


def noop() -> None:
    return None

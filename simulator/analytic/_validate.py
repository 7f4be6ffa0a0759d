"""Input checks for the analytic functions: bad numbers raise :class:`ScenarioError` naming the parameter."""

from __future__ import annotations

from typing import Any

import numpy as np

from simulator.errors import ScenarioError


def _array(value: Any, name: str) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ScenarioError("must be a number", field=name, value=value) from None
    bad = np.isnan(array)
    if bad.any():
        raise ScenarioError("must be a number", field=name, value=float(array[bad].flat[0]))
    return array


def _first(array: np.ndarray, mask: np.ndarray) -> Any:
    value = array[mask].flat[0]
    return int(value) if float(value).is_integer() else float(value)


def nonnegative(value: Any, name: str, *, finite: bool = True) -> np.ndarray:
    """A float array with every entry ``>= 0`` (and finite unless ``finite=False``)."""
    array = _array(value, name)
    bad = array < 0
    if bad.any():
        raise ScenarioError("must be >= 0", field=name, value=_first(array, bad))
    if finite and np.isinf(array).any():
        raise ScenarioError("must be finite", field=name, value=float("inf"))
    return array


def positive(value: Any, name: str) -> np.ndarray:
    """A float array with every entry finite and ``> 0``."""
    array = _array(value, name)
    bad = ~(array > 0)
    if bad.any():
        raise ScenarioError("must be > 0", field=name, value=_first(array, bad))
    if np.isinf(array).any():
        raise ScenarioError("must be finite", field=name, value=float("inf"))
    return array


def agents(value: Any, name: str = "agents") -> np.ndarray:
    """A whole, non-negative number of agents, as an int64 array."""
    array = nonnegative(value, name)
    fractional = array != np.floor(array)
    if fractional.any():
        raise ScenarioError("must be a whole number of agents", field=name, value=_first(array, fractional))
    return array.astype(np.int64)


def fraction(value: Any, name: str, *, allow_zero: bool = True) -> float:
    """One probability-like target in [0, 1] (or (0, 1])."""
    array = _array(value, name)
    if array.ndim:
        raise ScenarioError("must be a single number", field=name, value=value)
    number = float(array)
    if not (0 <= number <= 1) or (not allow_zero and number == 0):
        interval = "[0, 1]" if allow_zero else "(0, 1]"
        raise ScenarioError(f"must be a fraction in {interval}", field=name, value=number)
    return number


def scalar_positive(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """One finite number ``> 0`` (or ``>= 0``)."""
    array = _array(value, name)
    if array.ndim:
        raise ScenarioError("must be a single number", field=name, value=value)
    number = float(array)
    ok = np.isfinite(number) and (number >= 0 if allow_zero else number > 0)
    if not ok:
        raise ScenarioError("must be >= 0" if allow_zero else "must be > 0", field=name, value=number)
    return number


def output(array: np.ndarray) -> Any:
    """A float for 0-d results, the array otherwise."""
    return float(array) if np.ndim(array) == 0 else array


def jsonable(array: Any) -> Any:
    """A JSON-ready copy: Python scalars for 0-d arrays, (nested) lists otherwise; ``None`` for NaN or inf."""
    values = np.asarray(array)
    if values.dtype == bool or np.issubdtype(values.dtype, np.integer):
        return values.tolist()
    clean = values.astype(object)
    clean[~np.isfinite(values)] = None
    if values.ndim:
        return clean.tolist()
    item = clean.item()
    return None if item is None else float(item)

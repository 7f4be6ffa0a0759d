"""Turn results into JSON-ready values: numpy → Python, NaN and ±inf → None, so documents are strict JSON."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np


def jsonable(value: Any) -> Any:
    """Recursively convert numpy scalars/arrays, tuples and non-finite floats (→ None) for ``json.dumps``."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        number = float(value)
        return number if math.isfinite(number) else None
    return value


def dumps(value: Any) -> str:
    """One strict JSON document (no NaN), stable key order as built, indented for people."""
    return json.dumps(jsonable(value), indent=2, allow_nan=False)

"""The figure of a cross-check: per case, a simulated metric with its interval against the formulas' values.

Same conventions as :mod:`simulator.report.figures`: the object API (no pyplot), the Okabe–Ito palette, sizes for
a 16:9 slide; save it with :func:`simulator.report.figures.save_figure`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from simulator.errors import ScenarioError
from simulator.report.figures import BLUE, GREEN, GREY, LIGHT_GREY, ORANGE, PURPLE, SLIDE_SIZE, VERMILION
from simulator.report.formatting import format_number, format_percent

__all__ = ["drift_chart"]

ValueFormat = Literal["percent", "seconds", "number"]

# Marker and colour per formula, in the order they are drawn.
_FORMULA_STYLES = (("s", ORANGE), ("D", GREEN), ("^", PURPLE), ("v", VERMILION))


def _format(value: float, fmt: ValueFormat) -> str:
    if fmt == "percent":
        whole = abs(value * 100 - round(value * 100)) < 1e-9
        return format_percent(value, decimals=0 if whole else 1)
    if fmt == "seconds":
        return f"{format_number(value, decimals=0)} s"
    return format_number(value, decimals=2)


def _floats(values: npt.ArrayLike, name: str, count: int) -> npt.NDArray[np.float64]:
    array = np.asarray([math.nan if v is None else v for v in np.asarray(values, dtype=object).ravel()],
                       dtype=float)
    if array.size != count:
        raise ScenarioError(f"must have {count} values, one per case (got {array.size})", field=name,
                            has_value=False)
    return array


def drift_chart(cases: Sequence[str], simulated: npt.ArrayLike, ci_low: npt.ArrayLike, ci_high: npt.ArrayLike,
                formulas: Mapping[str, npt.ArrayLike], *, metric_label: str,
                value_format: ValueFormat = "percent", target: float | None = None,
                title: str = "The formulas against the simulation", subtitle: str | None = None) -> Figure:
    """One row per case: the simulated value with its confidence interval, and each formula's value beside it.

    Parameters
    ----------
    cases : sequence of str
        Case labels, drawn top to bottom in this order.
    simulated, ci_low, ci_high : array_like
        The simulated mean of the metric per case and the bounds of its confidence interval (same unit as the
        metric: a fraction for ``"percent"``, seconds for ``"seconds"``). NaN or None draws no bar.
    formulas : mapping of str to array_like
        Formula name (``"Erlang C"``) → its value per case (NaN or None where it gives none).
    metric_label : str
        X-axis label; the unit is added.
    value_format : {'percent', 'seconds', 'number'}
        How values read on the axis.
    target : float, optional
        A contract target drawn as a vertical line.
    title, subtitle : str
        Texts.

    Returns
    -------
    matplotlib.figure.Figure
    """
    labels = [str(c) for c in cases]
    n = len(labels)
    if n == 0:
        raise ScenarioError("must not be empty", field="cases", has_value=False)
    if len(formulas) > len(_FORMULA_STYLES):
        raise ScenarioError(f"at most {len(_FORMULA_STYLES)} formulas", field="formulas", value=list(formulas))
    mean = _floats(simulated, "simulated", n)
    low, high = _floats(ci_low, "ci_low", n), _floats(ci_high, "ci_high", n)
    values = {name: _floats(v, f"formulas[{name}]", n) for name, v in formulas.items()}

    fig = Figure(figsize=(SLIDE_SIZE[0], max(3.2, 1.6 + 0.55 * n)), layout="constrained")
    ax = fig.add_subplot()
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", color=LIGHT_GREY, linewidth=0.8)
    ax.set_axisbelow(True)
    y = np.arange(n, dtype=float)[::-1]  # the first case on top
    ok = np.isfinite(low) & np.isfinite(high)
    ax.hlines(y[ok], low[ok], high[ok], color=BLUE, linewidth=5, alpha=0.35, label="Simulation: interval",
              zorder=2)
    ax.plot(mean, y, "o", color=BLUE, markersize=7, label="Simulation: mean", zorder=3)
    for (name, value), (marker, colour) in zip(values.items(), _FORMULA_STYLES, strict=False):
        ax.plot(value, y, marker, color=colour, markersize=7, markeredgecolor="white", label=name, zorder=4,
                linestyle="none")
    if target is not None:
        ax.axvline(target, color=GREY, linewidth=1.4, linestyle="--", label=f"Target {_format(target, value_format)}",
                   zorder=1)
    ax.set_yticks(y, labels, fontsize=11)
    unit = {"percent": " [%]", "seconds": " [s]", "number": ""}[value_format]
    ax.set_xlabel(metric_label + unit, fontsize=11)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _format(v, value_format)))
    ax.tick_params(labelsize=10)
    ax.set_ylim(-0.7, n - 0.3)
    ax.margins(x=0.08)
    handles: list[Any]
    handles, names = ax.get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncols=min(len(names), 5), fontsize=10, frameon=False)
    ax.set_title(title, fontsize=14, fontweight="bold", loc="left", pad=22 if subtitle else 10)
    if subtitle:
        ax.text(0.0, 1.02, subtitle, transform=ax.transAxes, fontsize=10, color=GREY, va="bottom")
    return fig

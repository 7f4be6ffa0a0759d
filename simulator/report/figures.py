"""Figures for the quote, the frontier, the risk and the tier menu: functions that return a matplotlib Figure.

Every function builds its own :class:`matplotlib.figure.Figure` through the object API: no pyplot, no global state,
no rcParams changes, so it works under any backend (Agg on a server, inline in Jupyter) and two figures never
interfere. Sizes and fonts are chosen to read on a 16:9 slide. Money axes carry the master agreement's currency
(``$1.25M``), fraction axes are shown in percent, and colours come from the Okabe–Ito palette, which stays
distinguishable for colour-blind readers and in greyscale print.

:func:`save_figure` writes PNG (150 dpi) and SVG, each atomically.
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import matplotlib as mpl
import numpy as np
import numpy.typing as npt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator, PercentFormatter

from simulator.errors import ScenarioError
from simulator.report._atomic import atomic_paths
from simulator.report.formatting import format_money, format_number, format_percent

__all__ = [
    "MoneyFormatter",
    "frontier",
    "intraday_staffing",
    "monthly_metric_distribution",
    "monthly_sl_distribution",
    "save_figure",
    "tiers_comparison",
    "tornado",
]

# Okabe & Ito (2008), "Color Universal Design".
BLUE = "#0072B2"
ORANGE = "#E69F00"
GREEN = "#009E73"
VERMILION = "#D55E00"
SKY = "#56B4E9"
PURPLE = "#CC79A7"
GREY = "#7F7F7F"
LIGHT_GREY = "#D9D9D9"

SLIDE_SIZE = (10.0, 5.625)  # [in] 16:9
TITLE_SIZE = 14.0
LABEL_SIZE = 11.0
TICK_SIZE = 10.0
NOTE_SIZE = 9.0
PNG_DPI = 150

TargetFormat = Literal["percent", "seconds", "number"]


class MoneyFormatter(Formatter):
    """Axis ticks in a currency, compact and distinct: ``$950k``, ``$1.00M``, ``$1.05M``.

    The scale (none, k, M, B) follows the largest tick, and the number of decimals the tick spacing, so
    neighbouring labels never collapse to the same text.
    """

    def __init__(self, currency: str | None) -> None:
        self.currency = currency
        self._scale = 1.0
        self._suffix = ""
        self._decimals = 0

    def set_locs(self, locs: list[float]) -> None:
        super().set_locs(locs)
        values = np.asarray([v for v in locs if np.isfinite(v)], dtype=float)
        if values.size == 0:
            return
        largest = float(np.max(np.abs(values)))
        self._scale, self._suffix = 1.0, ""
        for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e4, "k")):
            if largest >= scale:
                self._scale, self._suffix = (scale if suffix != "k" else 1e3), suffix
                break
        # The fewest decimals that write every tick exactly (1.25M needs two, 1.5M one, 2M none).
        scaled = values / self._scale
        self._decimals = next((d for d in range(4) if np.allclose(np.round(scaled, d), scaled, rtol=0, atol=1e-6)),
                              3)

    def __call__(self, x: float, pos: int | None = None) -> str:
        if pos is None:  # the cursor read-out: full precision
            return format_money(x, self.currency)
        if x == 0:
            return format_money(0.0, self.currency, decimals=0)
        if not self._suffix:
            return format_money(x, self.currency, decimals=self._decimals)
        text = format_money(x / self._scale, self.currency, decimals=self._decimals)
        return text + self._suffix if text[-1].isdigit() else text


def _new_figure(size: tuple[float, float] = SLIDE_SIZE) -> Figure:
    return Figure(figsize=size, layout="constrained")


def _style(ax: Axes, *, right_spine: bool = False) -> None:
    """A clean frame: light horizontal grid behind the data, no top (or right) spine, readable tick labels."""
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(right_spine)
    ax.tick_params(labelsize=TICK_SIZE)
    ax.grid(axis="y", color=LIGHT_GREY, linewidth=0.8)
    ax.set_axisbelow(True)


def _title(ax: Axes, title: str, subtitle: str | None = None) -> None:
    # A long subtitle (a what-if's sentence) wraps instead of running off the figure, and "$" stays a dollar sign.
    lines = textwrap.wrap(subtitle, 120) if subtitle else []
    ax.set_title(title, fontsize=TITLE_SIZE, fontweight="bold", loc="left",
                 pad=22 + 12 * (len(lines) - 1) if lines else 10)
    if lines:
        ax.text(0.0, 1.02, "\n".join(lines), transform=ax.transAxes, fontsize=NOTE_SIZE + 1, color=GREY,
                va="bottom", parse_math=False)


def _money_axis(ax: Axes, which: Literal["x", "y"], currency: str | None) -> None:
    axis = ax.yaxis if which == "y" else ax.xaxis
    axis.set_major_formatter(MoneyFormatter(currency))


def _as_floats(values: npt.ArrayLike, name: str) -> npt.NDArray[np.float64]:
    try:
        array = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError) as error:
        raise ScenarioError("must be numbers", field=name, value=values) from error
    return array


def _same_length(reference: int, **arrays: npt.NDArray[Any] | Sequence[Any]) -> None:
    for name, array in arrays.items():
        if len(array) != reference:
            raise ScenarioError(f"must have {reference} values, one per point (got {len(array)})", field=name,
                                has_value=False)


def _non_empty(array: npt.NDArray[Any] | Sequence[Any], name: str) -> None:
    if len(array) == 0:
        raise ScenarioError("must not be empty", field=name, has_value=False)


def _clock_label(value: Any) -> str:
    """An interval start as ``HH:MM``: from a string (kept), a time or datetime, or seconds after midnight."""
    if isinstance(value, str):
        return value
    if isinstance(value, np.datetime64):
        value = value.astype("datetime64[s]").item()
    if isinstance(value, dt.datetime | dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.timedelta):
        value = value.total_seconds()
    seconds = float(value)
    if not math.isfinite(seconds):
        return ""
    minutes = round(seconds / 60.0)
    day, minute_of_day = divmod(minutes, 24 * 60)
    clock = f"{minute_of_day // 60:02d}:{minute_of_day % 60:02d}"
    return clock if day == 0 else f"d{day + 1} {clock}"


def _unit_suffix(unit: str | None) -> str:
    return f" [{unit}]" if unit else ""


def intraday_staffing(interval_starts: Sequence[Any] | npt.ArrayLike, calls: npt.ArrayLike, agents: npt.ArrayLike,
                      agents_for_sla: npt.ArrayLike | None = None, *,
                      title: str = "Intraday staffing against demand", subtitle: str | None = None,
                      interval_minutes: float | None = None, agents_label: str = "Agents staffed",
                      agents_for_sla_label: str = "Agents required for the SLA") -> Figure:
    """Agents per interval as bars, against the calls offered per interval on a second axis.

    Parameters
    ----------
    interval_starts : sequence
        Start of each interval: ``"HH:MM"`` strings, :class:`datetime.time` / :class:`datetime.datetime`, or
        seconds after midnight. [s]
    calls : array_like
        Calls offered per interval (expected or simulated). [calls/interval]
    agents : array_like
        Agents on the phones per interval (the staffing quoted). [agents]
    agents_for_sla : array_like, optional
        A second staffing drawn as a step outline over the bars, e.g. the analytic requirement before the
        simulation adjusted it, or the requirement before occupancy caps. [agents]
    title, subtitle : str
        Figure title and an optional grey line under it (scenario, method, seed).
    interval_minutes : float, optional
        Interval length, shown in the demand axis label. [min]
    agents_label, agents_for_sla_label : str
        Legend entries.

    Returns
    -------
    matplotlib.figure.Figure
        One axes of agents (left) with a twin axes of calls (right); ``fig.axes[0]`` holds the title.
    """
    starts = np.asarray(interval_starts)
    if starts.dtype.kind == "M":  # datetime64[ns] would turn into integers as objects
        starts = starts.astype("datetime64[s]")
    labels = [_clock_label(v) for v in starts.astype(object).ravel()]
    n = len(labels)
    _non_empty(labels, "interval_starts")
    calls_a = _as_floats(calls, "calls")
    agents_a = _as_floats(agents, "agents")
    _same_length(n, calls=calls_a, agents=agents_a)
    required = None if agents_for_sla is None else _as_floats(agents_for_sla, "agents_for_sla")
    if required is not None:
        _same_length(n, agents_for_sla=required)

    fig = _new_figure()
    ax = fig.add_subplot()
    _style(ax)
    x = np.arange(n, dtype=float)
    handles: list[Any] = [ax.bar(x, agents_a, width=0.85, color=BLUE, alpha=0.85, label=agents_label, zorder=2)]
    if required is not None:
        # A step outline around each interval, so it reads against the bar it belongs to.
        edges = np.append(x - 0.5, x[-1] + 0.5)
        handles.append(ax.stairs(required, edges, baseline=None, color="black", linewidth=1.6, linestyle="--",
                                 label=agents_for_sla_label, zorder=3))
    ax.set_ylabel("Agents on the phones [agents]", fontsize=LABEL_SIZE)
    ax.set_xlabel("Interval start [hh:mm]", fontsize=LABEL_SIZE)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(-0.6, n - 0.4)
    top = float(np.nanmax(np.concatenate([agents_a, required if required is not None else agents_a])))
    ax.set_ylim(0, max(1.0, top) * 1.15)

    every = max(1, math.ceil(n / 16))  # at most ~16 labels across a slide
    ax.set_xticks(x[::every], labels[::every], rotation=45 if n > 24 else 0, ha="right" if n > 24 else "center")

    demand = ax.twinx()
    demand.spines["top"].set_visible(False)
    demand.tick_params(labelsize=TICK_SIZE, colors=ORANGE)
    unit = f"calls/{format_number(interval_minutes, decimals=0)} min" if interval_minutes else "calls/interval"
    demand.set_ylabel(f"Calls offered per interval [{unit}]", fontsize=LABEL_SIZE, color=ORANGE)
    (demand_line,) = demand.plot(x, calls_a, color=ORANGE, linewidth=2.2, marker="o", markersize=3.5,
                                 label="Calls offered", zorder=4)
    demand.set_ylim(0, max(1.0, float(np.nanmax(calls_a))) * 1.15)
    handles.append(demand_line)

    peak = int(np.nanargmax(agents_a))
    ax.annotate(f"peak {format_number(float(agents_a[peak]), decimals=0)}", (x[peak], agents_a[peak]),
                xytext=(0, 4), textcoords="offset points", ha="center", va="bottom", fontsize=NOTE_SIZE)
    ax.legend(handles=handles, loc="upper left", fontsize=NOTE_SIZE + 1, frameon=False,
              ncols=len(handles))
    _title(ax, title, subtitle)
    return fig


def _target_format(targets: npt.NDArray[np.float64], given: TargetFormat | None) -> TargetFormat:
    if given is not None:
        return given
    return "percent" if bool(np.all((targets >= 0) & (targets <= 1))) else "number"


def _format_target(value: float, fmt: TargetFormat) -> str:
    if fmt == "percent":
        return format_percent(value, decimals=0 if abs(value * 100 - round(value * 100)) < 1e-9 else 1)
    if fmt == "seconds":
        return f"{format_number(value, decimals=0)} s"
    return format_number(value, decimals=2)


def _alternative_curve(alternative: Mapping[str, Any], targets: npt.NDArray[np.float64]) -> tuple[
        str, npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64] | None]:
    if "prices" not in alternative:
        raise ScenarioError("needs 'prices' (and optionally 'label', 'targets', 'p_miss')", field="alternative",
                            has_value=False)
    label = str(alternative.get("label", "Alternative"))
    alt_targets = _as_floats(alternative.get("targets", targets), "alternative.targets")
    alt_prices = _as_floats(alternative["prices"], "alternative.prices")
    _same_length(len(alt_targets), **{"alternative.prices": alt_prices})
    alt_miss = None
    if alternative.get("p_miss") is not None:
        alt_miss = _as_floats(alternative["p_miss"], "alternative.p_miss")
        _same_length(len(alt_targets), **{"alternative.p_miss": alt_miss})
    return label, alt_targets, alt_prices, alt_miss


def frontier(targets: npt.ArrayLike, prices: npt.ArrayLike, p_miss: npt.ArrayLike | None, *, target_label: str,
             currency: str | None, fte: npt.ArrayLike | None = None, alternative: Mapping[str, Any] | None = None,
             marginal_costs: bool | npt.ArrayLike = False, target_format: TargetFormat | None = None,
             price_label: str = "Monthly price", curve_label: str = "Price",
             title: str = "Price–service frontier", subtitle: str | None = None,
             contract_target: float | None = None, price_from_zero: bool = True) -> Figure:
    """Price against the service target, with the probability of missing it on a second axis.

    Parameters
    ----------
    targets : array_like
        The target at each point: an SL target (fraction, 0–1), an ASA cap [s] or an abandonment cap (fraction).
    prices : array_like
        The price quoted at each target. [currency per billing unit, e.g. currency/month]
    p_miss : array_like or None
        Probability of missing the target in a month at each point (fraction, 0–1), drawn on the right axis.
    target_label : str
        X-axis label, e.g. ``"Service-level target (answered within 20 s)"``; the unit is added.
    currency : str or None
        ISO code for the price axis (``"USD"``).
    fte : array_like, optional
        Agent FTEs at each point, written beside the markers. [FTE]
    alternative : mapping, optional
        A second price curve (e.g. the same targets under the alternative SL definition): ``{"label": str,
        "prices": [...], "targets": [...] (default: ``targets``), "p_miss": [...] (optional)}``.
    marginal_costs : bool or array_like
        ``True`` annotates Δprice / Δtarget between neighbouring points (per percentage point for fraction
        targets, per second for ASA); an array gives those values precomputed (one per gap, e.g. the frontier
        JSON's ``marginal_cost_per_point``). [currency per point]
    target_format : {'percent', 'seconds', 'number'}, optional
        How targets read; default percent when every target lies in [0, 1], else plain numbers.
    price_label, curve_label : str
        Left-axis label (the currency is added) and the legend entry of the main curve.
    title, subtitle : str
        Figure title and an optional grey line under it.
    contract_target : float, optional
        The target the contract states today, marked with a vertical line (same unit as ``targets``).
    price_from_zero : bool
        Start the price axis at zero (the default, so that a 7 % rise looks like 7 %); False zooms in and the
        axis label says that it does not start at zero.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes[0]`` is the price axes, ``fig.axes[1]`` the P(miss) twin (when ``p_miss`` is given).
    """
    t = _as_floats(targets, "targets")
    price = _as_floats(prices, "prices")
    _non_empty(t, "targets")
    _same_length(len(t), prices=price)
    miss = None if p_miss is None else _as_floats(p_miss, "p_miss")
    if miss is not None:
        _same_length(len(t), p_miss=miss)
    fte_a = None if fte is None else _as_floats(fte, "fte")
    if fte_a is not None:
        _same_length(len(t), fte=fte_a)
    fmt = _target_format(t, target_format)
    order = np.argsort(t, kind="stable")

    fig = _new_figure()
    ax = fig.add_subplot()
    _style(ax, right_spine=miss is not None)
    handles: list[Any] = []
    (main,) = ax.plot(t[order], price[order], color=BLUE, linewidth=2.4, marker="o", markersize=6,
                      label=curve_label, zorder=3)
    handles.append(main)
    alt_miss: npt.NDArray[np.float64] | None = None
    alt_t: npt.NDArray[np.float64] | None = None
    alt_label = ""
    if alternative is not None:
        alt_label, alt_t, alt_price, alt_miss = _alternative_curve(alternative, t)
        alt_order = np.argsort(alt_t, kind="stable")
        alt_t, alt_price = alt_t[alt_order], alt_price[alt_order]
        alt_miss = None if alt_miss is None else alt_miss[alt_order]
        (alt_line,) = ax.plot(alt_t, alt_price, color=GREEN, linewidth=2.0, marker="s", markersize=5,
                              linestyle="-.", label=f"{curve_label}: {alt_label}", zorder=3)
        handles.append(alt_line)

    unit = {"percent": "%", "seconds": "s", "number": ""}[fmt]
    ax.set_xlabel(target_label + _unit_suffix(unit), fontsize=LABEL_SIZE)
    zoom = "" if price_from_zero else " (axis does not start at zero)"
    ax.set_ylabel(f"{price_label}{zoom}{_unit_suffix(currency)}", fontsize=LABEL_SIZE)
    _money_axis(ax, "y", currency)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _format_target(v, fmt)))
    if len(t) <= 12:
        ax.set_xticks(t[order])
    ax.margins(x=0.06, y=0.12)
    if price_from_zero:
        ax.set_ylim(bottom=0, top=float(np.nanmax(price)) * 1.15 if np.any(np.isfinite(price)) else None)
    if contract_target is not None:
        target_line = ax.axvline(float(contract_target), color=GREY, linestyle=":", linewidth=1.6, zorder=1,
                                 label=f"Contract target today: {_format_target(float(contract_target), fmt)}")
        handles.append(target_line)

    if fte_a is not None:
        for ti, pi, fi in zip(t[order], price[order], fte_a[order], strict=True):
            ax.annotate(f"{format_number(fi, decimals=1)} FTE", (ti, pi), xytext=(-6, 8), textcoords="offset points",
                        ha="right", fontsize=NOTE_SIZE, color=BLUE)

    gaps = _marginals(t[order], price[order], fmt, marginal_costs)
    if gaps is not None:
        per = {"percent": "pt", "seconds": "s", "number": "unit"}[fmt]
        for i, value in enumerate(gaps):
            if not np.isfinite(value):
                continue
            mid_t = 0.5 * (t[order][i] + t[order][i + 1])
            mid_p = 0.5 * (price[order][i] + price[order][i + 1])
            ax.annotate(f"{format_money(value, currency, compact=True, signed=True)} a month per {per}", (mid_t, mid_p),
                        xytext=(8, -10), textcoords="offset points", fontsize=NOTE_SIZE, color=GREY,
                        ha="left", va="top", zorder=5,
                        bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})

    if miss is not None or alt_miss is not None:
        risk = ax.twinx()
        risk.spines["top"].set_visible(False)
        if miss is not None:
            (miss_line,) = risk.plot(t[order], miss[order], color=VERMILION, linewidth=1.8, linestyle="--",
                                     marker="^", markersize=5, label="P(miss)", zorder=2)
            handles.append(miss_line)
        if alt_miss is not None and alt_t is not None:
            (alt_miss_line,) = risk.plot(alt_t, alt_miss, color=PURPLE, linewidth=1.6, linestyle=":",
                                         marker="v", markersize=5, label=f"P(miss): {alt_label}", zorder=2)
            handles.append(alt_miss_line)
        risk.set_ylim(0, 1.05)
        risk.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
        risk.set_ylabel("P(miss) in a month [% of months]", fontsize=LABEL_SIZE, color=VERMILION)
        risk.tick_params(labelsize=TICK_SIZE, colors=VERMILION)

    # From zero, the curve runs along the top: the legend goes in the empty middle, on a light box.
    legend = ax.legend(handles=handles, loc="center left" if price_from_zero else "upper left",
                       fontsize=NOTE_SIZE + 1, frameon=price_from_zero, framealpha=0.85)
    if price_from_zero:
        legend.get_frame().set_edgecolor("none")
    _title(ax, title, subtitle)
    return fig


def _marginals(t: npt.NDArray[np.float64], price: npt.NDArray[np.float64], fmt: TargetFormat,
               marginal_costs: bool | npt.ArrayLike) -> npt.NDArray[np.float64] | None:
    """Δprice per point of target between neighbours (sorted by target); None when not asked for."""
    if isinstance(marginal_costs, bool | np.bool_):
        if not marginal_costs or len(t) < 2:
            return None
        step = np.diff(t) * (100.0 if fmt == "percent" else 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(step != 0, np.diff(price) / step, np.nan)
    given = _as_floats(marginal_costs, "marginal_costs")
    _same_length(max(len(t) - 1, 0), marginal_costs=given)
    return given


def monthly_metric_distribution(values: npt.ArrayLike, *, target: float, credit_threshold: float | None = None,
                                higher_is_better: bool = True, value_format: TargetFormat = "percent",
                                metric_label: str = "Monthly service level",
                                title: str = "Distribution of the monthly result", subtitle: str | None = None,
                                bins: int | None = None) -> Figure:
    """Histogram of a simulated monthly metric with the target, the credit threshold and the share missing.

    Parameters
    ----------
    values : array_like
        The metric in each simulated month (NaN months are left out). Fractions for ``value_format="percent"``,
        seconds for ``"seconds"``.
    target : float
        The contract target (same unit as ``values``).
    credit_threshold : float, optional
        The level at which a service credit is due, when it differs from the target.
    higher_is_better : bool
        True for service level (a miss is below the target); False for ASA or abandonment caps (a miss is above).
    value_format : {'percent', 'seconds', 'number'}
        How values read on the axis.
    metric_label : str
        X-axis label; the unit is added.
    title, subtitle : str
        Figure title and an optional grey line under it.
    bins : int, optional
        Number of histogram bins (default: numpy's "auto", at most 40).

    Returns
    -------
    matplotlib.figure.Figure
    """
    raw = _as_floats(values, "monthly_values")
    data = raw[np.isfinite(raw)]
    _non_empty(data, "monthly_values")

    def missed(level: float) -> float:
        return float(np.mean(data < level)) if higher_is_better else float(np.mean(data > level))

    lo, hi = float(np.min(data)), float(np.max(data))
    marks = [target] + ([credit_threshold] if credit_threshold is not None else [])
    lo, hi = min(lo, *marks), max(hi, *marks)
    if hi - lo < 1e-9:  # every month identical: give the single bar some width
        pad = 0.005 if value_format == "percent" else max(abs(lo) * 0.01, 0.5)
        lo, hi = lo - pad, hi + pad
    if bins is None:
        count = len(np.histogram_bin_edges(data, bins="auto", range=(lo, hi))) - 1
        count = min(max(count, 5), 40)
    else:
        count = max(int(bins), 1)
    # Bins of equal width with one edge on the target, so every bar lies wholly on one side of it.
    width = (hi - lo) / count
    first = target - math.ceil((target - lo) / width - 1e-9) * width
    edges = first + width * np.arange(math.ceil((hi - first) / width - 1e-9) + 1)
    if edges[-1] < hi:
        edges = np.append(edges, edges[-1] + width)

    fig = _new_figure()
    ax = fig.add_subplot()
    _style(ax)
    counts, edges = np.histogram(data, bins=edges)
    share = counts / data.size
    centres_left = edges[:-1]
    widths = np.diff(edges)
    tol = 1e-9 * max(1.0, abs(target))
    bad = (edges[1:] <= target + tol) if higher_is_better else (edges[:-1] >= target - tol)
    colours = [VERMILION if b else BLUE for b in bad]
    ax.bar(centres_left, share, width=widths, align="edge", color=colours, alpha=0.8, edgecolor="white",
           linewidth=0.6, zorder=2)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None))
    ax.set_ylabel("Share of simulated months [%]", fontsize=LABEL_SIZE)
    unit = {"percent": "%", "seconds": "s", "number": ""}[value_format]
    ax.set_xlabel(metric_label + _unit_suffix(unit), fontsize=LABEL_SIZE)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _format_target(v, value_format)))

    handles: list[Any] = []
    word = "below" if higher_is_better else "above"
    handles.append(ax.axvline(target, color="black", linewidth=2.0,
                              label=f"Target {_format_target(target, value_format)}: "
                                    f"{format_percent(missed(target))} of months {word}"))
    if credit_threshold is not None:
        handles.append(ax.axvline(credit_threshold, color=VERMILION, linewidth=1.8, linestyle="--",
                                  label=f"Credit threshold {_format_target(credit_threshold, value_format)}: "
                                        f"{format_percent(missed(credit_threshold))} of months {word}"))
    side = "missed" if higher_is_better else "over the cap"
    handles.append(Patch(color=VERMILION, alpha=0.8, label=f"Months {side}"))
    handles.append(Patch(color=BLUE, alpha=0.8, label="Months met"))
    # The legend goes in the top corner away from the target and credit lines, so that it never hides them.
    lines_left = float(np.mean(marks)) < 0.5 * (float(edges[0]) + float(edges[-1]))
    ax.legend(handles=handles, loc="upper right" if lines_left else "upper left", fontsize=NOTE_SIZE + 1,
              frameon=False)
    ax.set_ylim(0, max(float(np.max(share)), 0.01) * 1.35)  # head-room for the legend
    note = (f"{format_number(data.size)} months · mean {_format_target(float(np.mean(data)), value_format)}"
            f" · 5th–95th percentile {_format_target(float(np.percentile(data, 5)), value_format)}–"
            f"{_format_target(float(np.percentile(data, 95)), value_format)}")
    # The summary goes on the grey line under the title (not beside it, where a long title would run into it).
    _title(ax, title, note if not subtitle else f"{subtitle} · {note}")
    return fig


def monthly_sl_distribution(monthly_sl: npt.ArrayLike, *, target: float, credit_threshold: float | None = None,
                            title: str = "Monthly service level over simulated months",
                            subtitle: str | None = None, metric_label: str = "Monthly service level",
                            bins: int | None = None) -> Figure:
    """Histogram of the simulated monthly service level with the target line and the credit threshold.

    Parameters
    ----------
    monthly_sl : array_like
        Service level of each simulated month (fraction, 0–1), as the contract measures it.
    target : float
        SL target (fraction).
    credit_threshold : float, optional
        SL below which a credit is due, when it differs from the target (fraction).
    title, subtitle, metric_label : str
        Texts; the share of months below the target (and below the credit threshold) is in the legend.
    bins : int, optional
        Number of bins.

    Returns
    -------
    matplotlib.figure.Figure
    """
    return monthly_metric_distribution(monthly_sl, target=target, credit_threshold=credit_threshold,
                                       higher_is_better=True, value_format="percent", metric_label=metric_label,
                                       title=title, subtitle=subtitle, bins=bins)


def _input_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    number = float(value)
    return f"{number:,.0f}" if abs(number) >= 100 else f"{number:.3g}"


def tornado(base_price: float, rows: Sequence[tuple[str, Any, Any, float, float]], *, currency: str | None,
            title: str = "Sensitivity of the price", subtitle: str | None = None,
            price_label: str = "Monthly price", low_label: str = "Input at its low value",
            high_label: str = "Input at its high value", input_label: str = "Input") -> Figure:
    """A tornado chart: the price when each input moves down and up, widest swing on top.

    Parameters
    ----------
    base_price : float
        The price of the scenario as given. [currency]
    rows : sequence of (label, low_value, high_value, low_price, high_price)
        One input each: its name (``"Volume ±10%"``), its low and high values (numbers or ready text such as
        ``"-10%"``; written at the bar ends), and the price at each. [currency]
    currency : str or None
        ISO code for the price axis.
    title, subtitle, price_label, low_label, high_label : str
        Texts.
    input_label : str
        Label of the axis of input names.

    Returns
    -------
    matplotlib.figure.Figure
    """
    _non_empty(rows, "rows")
    base = float(base_price)
    parsed = []
    for index, row in enumerate(rows):
        if len(row) != 5:
            raise ScenarioError("each row is (label, low_value, high_value, low_price, high_price)",
                                field=f"rows[{index}]", value=row)
        label, low_value, high_value, low_price, high_price = row
        parsed.append((str(label), low_value, high_value, float(low_price), float(high_price)))
    # Widest swing at the top: barh draws the first row at the bottom, so sort ascending.
    parsed.sort(key=lambda r: abs(r[4] - r[3]) if np.isfinite(r[4] - r[3]) else -1.0)

    height = max(3.2, min(SLIDE_SIZE[1] + 2.0, 1.4 + 0.55 * len(parsed)))
    fig = _new_figure((SLIDE_SIZE[0], height))
    ax = fig.add_subplot()
    _style(ax)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color=LIGHT_GREY, linewidth=0.8)
    y = np.arange(len(parsed), dtype=float)
    lows = np.array([r[3] for r in parsed])
    highs = np.array([r[4] for r in parsed])
    # Per row the longer bar first and the shorter in front of it: when both moves push the price the same way,
    # both bars still show.
    low_in_front = np.abs(lows - base) <= np.abs(highs - base)
    back = np.where(low_in_front, highs, lows)
    front = np.where(low_in_front, lows, highs)
    ax.barh(y, back - base, left=base, height=0.6, color=np.where(low_in_front, BLUE, SKY), zorder=2)
    ax.barh(y, front - base, left=base, height=0.6, color=np.where(low_in_front, SKY, BLUE), zorder=2.5)
    ax.axvline(base, color="black", linewidth=1.4, zorder=3)
    ax.set_yticks(y, [r[0] for r in parsed], fontsize=LABEL_SIZE)
    ax.set_ylabel(input_label, fontsize=LABEL_SIZE)
    _money_axis(ax, "x", currency)
    ax.set_xlabel(f"{price_label} around the base price, axis not from zero{_unit_suffix(currency)}",
                  fontsize=LABEL_SIZE)
    span = float(np.nanmax(np.abs(np.concatenate([lows, highs]) - base))) if len(parsed) else 0.0
    span = span if span > 0 else max(abs(base) * 0.01, 1.0)
    ax.set_xlim(base - span * 1.45, base + span * 1.45)  # room for the end labels
    for yi, (_, low_value, high_value, low_price, high_price) in zip(y, parsed, strict=True):
        # The cheaper end's label left of its bar and the dearer end's right of it, even when both prices lie
        # on one side of the base (or on it), so that the two labels of a row never overlap.
        low_left = not low_price > high_price
        for value, price, left in ((low_value, low_price, low_left), (high_value, high_price, not low_left)):
            if not np.isfinite(price):
                continue
            change = (price - base) / base if base else float("nan")
            anchor = min(price, base) if left else max(price, base)
            ax.annotate(f"{_input_text(value)} → {format_percent(change, signed=True)}", (anchor, yi),
                        xytext=(-5 if left else 5, 0), textcoords="offset points",
                        ha="right" if left else "left", va="center", fontsize=NOTE_SIZE)
    ax.annotate(f"base {format_money(base, currency, compact=True)}", (base, 1.0), xycoords=("data", "axes fraction"),
                xytext=(0, 2), textcoords="offset points", ha="center", va="bottom", fontsize=NOTE_SIZE)
    ax.legend(handles=[Patch(color=SKY, label=low_label), Patch(color=BLUE, label=high_label)], loc="lower right",
              fontsize=NOTE_SIZE + 1, frameon=False)
    _title(ax, title, subtitle)
    return fig


def tiers_comparison(names: Sequence[str], prices: npt.ArrayLike, p_miss: npt.ArrayLike | None,
                     fte: npt.ArrayLike | None, *, currency: str | None, title: str = "The tier menu",
                     subtitle: str | None = None, price_label: str = "Monthly price",
                     expected_credits: npt.ArrayLike | None = None, category_label: str = "Tier",
                     p_miss_limit: float | None = None) -> Figure:
    """The tiers side by side: price, agent FTEs and P(miss), one bar per tier in each panel.

    Parameters
    ----------
    names : sequence of str
        Tier names, in menu order (``["gold", "silver", "bronze"]``).
    prices : array_like
        Price per tier. [currency per billing unit]
    p_miss : array_like or None
        Probability of a credit-bearing miss in a month per tier (fraction).
    fte : array_like or None
        Agent FTEs per tier. [FTE]
    currency : str or None
        ISO code of the prices.
    expected_credits : array_like, optional
        Expected credits per month per tier, stacked in a lighter shade on the price bar. [currency/month]
    title, subtitle, price_label : str
        Texts.
    category_label : str
        Label of the axis of bars (``"Tier"``, ``"Proposal"``).
    p_miss_limit : float, optional
        The P(miss) the contract's staffing criterion allows (fraction), drawn as a line on the P(miss) panel.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per quantity given (price always; FTE and P(miss) when not None); each axes has a title.
    """
    labels = [str(n) for n in names]
    _non_empty(labels, "names")
    price = _as_floats(prices, "prices")
    _same_length(len(labels), prices=price)
    panels: list[tuple[str, npt.NDArray[np.float64], str]] = [("price", price, BLUE)]
    if fte is not None:
        fte_a = _as_floats(fte, "fte")
        _same_length(len(labels), fte=fte_a)
        panels.append(("fte", fte_a, GREEN))
    if p_miss is not None:
        miss = _as_floats(p_miss, "p_miss")
        _same_length(len(labels), p_miss=miss)
        panels.append(("p_miss", miss, VERMILION))
    credits = None if expected_credits is None else _as_floats(expected_credits, "expected_credits")
    if credits is not None:
        _same_length(len(labels), expected_credits=credits)

    fig = _new_figure()
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    # Long names break onto lines so that neighbouring tick labels never run into each other.
    width = max(8, int(28 / len(labels)))
    labels = [textwrap.fill(label, width=width, break_long_words=False) for label in labels]
    x = np.arange(len(labels), dtype=float)
    for ax, (kind, values, colour) in zip(axes, panels, strict=True):
        _style(ax)
        bars = ax.bar(x, values, width=0.65, color=colour, alpha=0.9, zorder=2)
        ax.set_xticks(x, labels, fontsize=LABEL_SIZE)
        ax.set_xlabel(category_label, fontsize=LABEL_SIZE)
        if kind == "price":
            ax.set_title(price_label, fontsize=LABEL_SIZE + 1, fontweight="bold")
            ax.set_ylabel(f"{price_label}{_unit_suffix(currency)}", fontsize=LABEL_SIZE)
            _money_axis(ax, "y", currency)
            texts = [format_money(v, currency, compact=True) for v in values]
            if credits is not None:
                # The expected credits priced in, as a hatched cap on each bar and in its label.
                ax.bar(x, credits, bottom=values - credits, width=0.65, color="white", alpha=0.45, hatch="//",
                       edgecolor=colour, zorder=3)
                for xi, value, credit in zip(x, values, credits, strict=True):
                    if np.isfinite(credit) and credit > 0:
                        ax.annotate(f"incl.\n{format_money(credit, currency, compact=True)}\ncredits",
                                    (xi, value - credit), xytext=(0, -4), textcoords="offset points",
                                    ha="center", va="top", fontsize=NOTE_SIZE, color="white", zorder=4)
        elif kind == "fte":
            ax.set_title("Agent FTEs", fontsize=LABEL_SIZE + 1, fontweight="bold")
            ax.set_ylabel("Agent FTEs [FTE]", fontsize=LABEL_SIZE)
            texts = [format_number(v, decimals=1) for v in values]
        else:
            ax.set_title("P(miss) in a month", fontsize=LABEL_SIZE + 1, fontweight="bold")
            ax.set_ylabel("P(miss) [% of months]", fontsize=LABEL_SIZE)
            ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
            texts = [format_percent(v, decimals=0 if v >= 0.1 else 1) for v in values]
            if p_miss_limit is not None:
                ax.axhline(p_miss_limit, color=GREY, linestyle=":", linewidth=1.6, zorder=3)
                ax.annotate(f"limit {format_percent(p_miss_limit, decimals=0)}", (1.0, p_miss_limit),
                            xycoords=("axes fraction", "data"), xytext=(-2, 3), textcoords="offset points",
                            ha="right", va="bottom", fontsize=NOTE_SIZE, color=GREY)
                values = np.append(values, p_miss_limit)  # head-room for the line's label
        top = float(np.nanmax(values)) if np.any(np.isfinite(values)) else 0.0
        ax.set_ylim(0, (top if top > 0 else 1.0) * 1.18)  # head-room for the value labels
        ax.bar_label(bars, labels=texts, padding=3, fontsize=NOTE_SIZE + 1)
    fig.suptitle(title, fontsize=TITLE_SIZE, fontweight="bold", x=0.01, ha="left")
    if subtitle:
        fig.text(0.01, 0.0, subtitle, fontsize=NOTE_SIZE, color=GREY, ha="left", va="bottom")
    return fig


def save_figure(fig: Figure, path_without_suffix: str | Path, *,
                formats: Sequence[str] = ("png", "svg")) -> list[Path]:
    """Write the figure as PNG (150 dpi) and SVG beside each other, atomically.

    Both files are rendered to temporary files first and renamed into place only when both succeeded, so a
    failure leaves the previous files (or none) and no partial ones. The SVG has no date stamp and fixed element
    ids, so the same figure gives the same bytes.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    path_without_suffix : str or Path
        ``out/frontier`` writes ``out/frontier.png`` and ``out/frontier.svg``; a ``.png``/``.svg`` suffix given by
        mistake is dropped. Missing folders are created.
    formats : sequence of str
        File formats to write.

    Returns
    -------
    list of Path
        The files written, in the order of ``formats``.
    """
    base = Path(path_without_suffix)
    if base.suffix.lower() in {".png", ".svg", ".pdf"}:
        base = base.with_suffix("")
    targets = [base.with_name(f"{base.name}.{fmt}") for fmt in formats]
    with atomic_paths(targets) as temps, mpl.rc_context({"svg.hashsalt": "callsim"}):
        for fmt, temp in zip(formats, temps, strict=True):
            metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {}
            if fmt == "png":
                metadata = {"Software": None}
            fig.savefig(temp, format=fmt, dpi=PNG_DPI, metadata=metadata or None)
    return targets

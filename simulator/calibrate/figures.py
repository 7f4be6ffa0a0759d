"""The calibration's figures: the profile with its error bars, the handle-time histograms with their fits, the
patience's Kaplan–Meier curve with the fitted survival function (or, from an interval report, Erlang A's
abandonment against the observed, interval by interval of the day). Object API only, as in
:mod:`simulator.report.figures`: each function returns its own Figure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from simulator.calibrate.fits import frozen
from simulator.report.figures import BLUE, GREY, ORANGE, SLIDE_SIZE, VERMILION

if TYPE_CHECKING:  # pragma: no cover
    from simulator.calibrate.result import Calibration

__all__ = ["handle_time_figure", "patience_figure", "profile_figure"]


def profile_figure(cal: Calibration) -> Figure:
    """Share of the day's calls per interval, with 95 % error bars (±1.96 standard errors)."""
    d = cal.demand
    fig = Figure(figsize=SLIDE_SIZE, layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(d.interval_count)
    ax.bar(x, d.profile, color=BLUE, yerr=1.96 * d.profile_se, ecolor=GREY, capsize=2, label="share of calls")
    ticks = x[:: max(1, d.interval_count // 12)]
    ax.set_xticks(ticks, [d.interval_starts[i] for i in ticks])
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    ax.set_xlabel("interval start")
    ax.set_ylabel("share of the day's calls")
    cpd = d.calls_per_day
    ax.set_title(f"Intraday profile: {cpd.value:,.0f} calls per day over {cpd.n} days "
                 f"(error bars: 95 % sampling interval)", loc="left")
    return fig


def handle_time_figure(cal: Calibration) -> Figure:
    """Histogram of each observed handling component with the written distribution's density."""
    names = [n for n in ("talk", "hold", "acw") if n in cal.handling and n in cal.samples
             and cal.handling[n].kind != "deterministic"]
    fig = Figure(figsize=SLIDE_SIZE, layout="constrained")
    if not names:
        ax = fig.add_subplot()
        ax.text(0.5, 0.5, "no per-call handle times in the data (an interval report gives the AHT only)",
                ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names, strict=True):
        fit = cal.handling[name]
        x = cal.samples[name]
        top = float(np.quantile(x, 0.99))
        edges = np.linspace(0, top, 61)
        # Scaled by all calls (not only those drawn), so the bars and the density share one scale.
        ax.hist(x[x <= top], bins=edges, weights=np.full(int((x <= top).sum()), 1 / (len(x) * edges[1])),
                color=BLUE, alpha=0.6, label=f"data (n = {fit.n:,})")
        grid = np.linspace(top / 500, top, 400)
        ax.plot(grid, frozen(fit.kind, fit.mean, fit.cv).pdf(grid), color=VERMILION, lw=2,
                label=f"{fit.kind} mean {fit.mean:.0f} s, cv {fit.cv:.2f}")
        ax.set_title(f"{name}: KS {fit.ks_distance:.3f}" if fit.ks_distance is not None else name, loc="left")
        ax.set_xlabel("seconds (to the 99th percentile)")
        ax.legend(fontsize=8)
    axes[0].set_ylabel("density")
    return fig


def patience_figure(cal: Calibration) -> Figure:
    """Kaplan–Meier survival of patience with its 95 % band and the fitted families (call log), or the
    observed and Erlang A abandonment per interval of the day (interval report)."""
    fig = Figure(figsize=SLIDE_SIZE, layout="constrained")
    ax = fig.add_subplot()
    p = cal.patience
    if p is None:
        ax.text(0.5, 0.5, cal.patience_note or "patience not estimated", ha="center", va="center",
                transform=ax.transAxes, wrap=True)
        ax.set_axis_off()
        return fig
    if p.km_times is not None and p.km_survival is not None:
        ax.step(p.km_times, p.km_survival, where="post", color=BLUE, lw=2, label="Kaplan–Meier (data)")
        if p.km_low is not None and p.km_high is not None:
            ax.fill_between(p.km_times, p.km_low, p.km_high, step="post", color=BLUE, alpha=0.2,
                            label="95 % band")
        horizon = float(np.quantile(p.km_times, 0.995))
        grid = np.linspace(0, horizon, 400)
        for c in p.candidates:
            chosen = c.kind == p.kind
            ax.plot(grid, frozen(c.kind, c.mean, c.cv).sf(grid), color=VERMILION if chosen else GREY,
                    lw=2 if chosen else 1, ls="-" if chosen else "--",
                    label=f"{c.kind}: mean {c.mean:.0f} s" + (" (least AIC)" if chosen else ""))
        ax.set_xlim(0, horizon)
        ax.set_xlabel("wait in the queue [s]")
        ax.set_ylabel("P(patience > wait)")
        ax.set_title(f"Patience: {p.events:,} abandoned of {p.n:,} queue calls (answered calls are censored)",
                     loc="left")
    else:
        rows = p.fit_rows
        x = np.arange(len(rows))
        ax.plot(x, [r["abandon_rate_observed"] for r in rows], "o-", color=BLUE, label="observed")
        ax.plot(x, [r["abandon_rate_erlang_a"] for r in rows], "s--", color=ORANGE,
                label=f"Erlang A, mean patience {p.mean:.0f} s")
        step = max(1, len(rows) // 12)
        ax.set_xticks(x[::step], [rows[i]["start"] for i in x[::step]])
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
        ax.set_xlabel("interval start")
        ax.set_ylabel("abandoned / offered")
        ax.set_title("Patience fitted by Erlang A to the abandonment of every interval", loc="left")
    ax.legend()
    return fig

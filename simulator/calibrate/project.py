"""Render a calibration as a project file in the shipped schema, each fitted value with its evidence beside it."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

import numpy as np

from simulator.calibrate.estimate import Estimate
from simulator.calibrate.fits import DurationFit
from simulator.scenario.model import seconds_to_clock

if TYPE_CHECKING:  # pragma: no cover
    from simulator.calibrate.result import Calibration

__all__ = ["render"]


def _g(value: float, digits: int = 4) -> str:
    """A number for people: ``digits`` significant figures, no exponent for ordinary magnitudes."""
    if not math.isfinite(value):
        return str(value)
    text = f"{value:.{digits}g}"
    if "e" in text:
        text = f"{value:.{max(digits - 3, 0)}f}" if abs(value) >= 1 else f"{value:.{digits + 2}f}"
    return text


def _ci_text(ci: tuple[float, float] | None) -> str:
    if ci is None or not math.isfinite(ci[0]) or math.isnan(ci[1]):
        return ""
    if math.isinf(ci[1]):
        return f" (95 % CI {_g(ci[0])} to unbounded)"
    return f" (95 % CI {_g(ci[0])}–{_g(ci[1])})"


def _evidence(e: Estimate, what: str = "") -> str:
    return f"{what}{_g(e.value)}{_ci_text(e.ci)}, n = {e.n:,} {e.n_of}"


def _toml_number(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") + ("" if "." in text.rstrip("0").rstrip(".") else ".0")


def _distribution(fit: DurationFit) -> tuple[str, str]:
    """(inline table, comment) for a fitted duration."""
    if fit.kind == "deterministic":
        return (f'{{ kind = "deterministic", mean = {_toml_number(fit.mean, 2)} }}',
                f"constant: {_g(fit.mean)} s, n = {fit.n:,}")
    cv = "" if fit.kind == "exponential" else f", cv = {_toml_number(fit.cv, 3)}"
    table = f'{{ kind = "{fit.kind}", mean = {_toml_number(fit.mean, 1)}{cv} }}'
    text = f"mean {_g(fit.mean)}{_ci_text(fit.mean_ci)} s"
    if fit.kind != "exponential" and all(math.isfinite(x) for x in fit.cv_ci):
        text += f", cv {_g(fit.cv, 3)} ({_g(fit.cv_ci[0], 3)}–{_g(fit.cv_ci[1], 3)})"
    text += f", n = {fit.n:,}"
    if fit.candidates:
        text += f"; {fit.kind} by AIC, KS {_g(fit.ks_distance or math.nan, 2)}"
    return table, text


EMPIRICAL_POINTS = 200  # quantiles written for an empirical distribution


def empirical_samples(values: np.ndarray) -> list[float]:
    """200 equally likely durations [s]: the means of 200 equal slices of the sorted data, so that the
    distribution keeps the data's mean (quantile points would cut the tail and lower it)."""
    ordered = np.sort(np.asarray(values, dtype=float))
    n = len(ordered)
    total = np.concatenate(([0.0], np.cumsum(ordered)))
    # ∫_0^p Q(u) du of the empirical quantile function Q, at the slice edges p = k/200 (exact for a step Q).
    edge = np.arange(EMPIRICAL_POINTS + 1) / EMPIRICAL_POINTS * n
    whole = np.minimum(np.floor(edge).astype(int), n)
    area = total[whole] + (edge - whole) * ordered[np.minimum(whole, n - 1)]
    return [round(float(v), 2) for v in np.diff(area) * EMPIRICAL_POINTS / n]


def km_samples(times: np.ndarray, survival: np.ndarray) -> list[float] | None:
    """Quantiles of the Kaplan–Meier distribution at (k + 0.5)/200, or None if the curve stops above the
    highest of them (the longest waits were answered: the patience beyond them is not in the data)."""
    q = (np.arange(EMPIRICAL_POINTS) + 0.5) / EMPIRICAL_POINTS
    if survival[-1] > 1 - q[-1]:
        return None
    index = np.searchsorted(-survival, -(1 - q), side="left")  # first time with S <= 1 - q
    return [round(float(times[i]), 1) for i in index]


def _samples_table(header: str, samples: list[float], comment: str) -> list[str]:
    rows = [f"[{header}]", f"# {comment}", 'kind = "empirical"', "samples = ["]
    for k in range(0, len(samples), 10):
        rows.append("    " + ", ".join(f"{s:g}" for s in samples[k:k + 10]) + ",")
    return [*rows, "]", ""]


def _line(key: str, value: str, comment: str, width: int = 44) -> str:
    left = f"{key} = {value}"
    return f"{left:<{width}} # {comment}" if len(left) < width else f"{left}  # {comment}"


def render(cal: Calibration, msa: str | None, data_label: str, empirical: bool = False) -> str:
    """The project file's text (see :meth:`Calibration.project_text`)."""
    d = cal.demand
    kinds = {"calls": "call-by-call log", "intervals": "ACD interval report"}
    data = cal.data
    lines = [
        f"# Project file calibrated by `callsim calibrate` from {data_label}: a {kinds[cal.kind]} of "
        f"{data['days']} days",
        f"# ({data['first_date']} to {data['last_date']}, {data['rows']:,} rows"
        + (f", call type {data['call_type']!r}" if data.get("call_type") else "") + ").",
        "# Beside each fitted value: its estimate, 95 % confidence interval and sample size. The evidence (fitted",
        "# against empirical quantiles, tests) is in calibration.json, the figures in the PNG files beside it.",
        "# Not in the data, so left to the master agreement or the model's defaults: the SLA targets, the rate",
        "# card, the staffing rule, month_cv (a month-level forecast error needs several months of data).",
    ]
    for warning in cal.warnings:
        lines.append(f"# note: {warning}")
    lines.append("")
    if msa is not None:
        lines.append(f"msa = {json.dumps(msa)}")
    lines.append(f"name = {json.dumps(cal.name)}")
    lines.append("")
    if cal.kind == "intervals" or d.interval_seconds != 1800:
        lines += ["[definitions]", _line("interval_minutes", str(int(d.interval_seconds // 60)),
                                          "the interval of the data"), ""]
    lines += [
        "[demand]",
        _line("calls_per_day", _toml_number(d.calls_per_day.value, 1),
              ("first attempts per open day: " if cal.repeats is not None else "calls per open day: ")
              + _evidence(d.calls_per_day)),
        _line("open", json.dumps(d.interval_starts[0]), "first interval with calls on at least half the days"),
        _line("close", json.dumps(seconds_to_clock(d.close_seconds)), "end of the last such interval"),
        _line("days_per_month", str(d.days_per_month),
              f"{len(set(d.weekdays.tolist()))} open weekdays in the data × 52/12"),
    ]
    if math.isfinite(d.day_cv.value):
        lines.append(_line("day_cv", _toml_number(d.day_cv.value, 4),
                           "beyond Poisson: " + _evidence(d.day_cv)
                           + f"; dispersion test p = {d.dispersion_p_value:.2g}"))
    lines.append(f"# Share of the day's calls per {int(d.interval_seconds // 60)}-minute interval "
                 "± its standard error (calls counted):")
    lines.append("profile = [")
    for start, share, se, calls in zip(d.interval_starts, d.profile, d.profile_se, d.profile_calls, strict=True):
        lines.append(f"    {_toml_number(share, 6) + ',':<11} # {start}  ± {_g(se, 2)} ({int(calls):,} calls)")
    lines += ["]", ""]

    lines.append("[handling]")
    tables: list[str] = []
    for name in ("talk", "hold", "acw", "ring"):
        fit = cal.handling.get(name)
        if fit is None:
            continue
        if fit.mean <= 0:
            lines.append(_line(name, '"none"', f"no {name} time in the data (n = {fit.n:,})"))
            continue
        table, comment = _distribution(fit)
        if cal.kind == "intervals":
            comment = f"AHT {_evidence(Estimate(fit.mean, fit.mean_ci, fit.n, 'answered calls', 's', ''))}; " \
                      "the shape is not in an interval report: exponential, as Erlang A assumes"
        elif empirical and fit.kind != "deterministic" and name in cal.samples:
            tables += _samples_table(f"handling.{name}", empirical_samples(cal.samples[name]),
                                     f"empirical: the means of 200 equal slices of the data; the fit was {comment}")
            continue
        lines.append(_line(name, table, comment))
    lines += ["", *tables]

    km = None
    if empirical and cal.patience is not None and cal.patience.km_times is not None:
        assert cal.patience.km_survival is not None
        km = km_samples(cal.patience.km_times, cal.patience.km_survival)
        if km is None:
            lines.append(f"# patience: the Kaplan-Meier curve stops at {cal.patience.km_survival[-1]:.3f} after the "
                         "longest wait (longer waits were answered): no empirical distribution, the fit is written")
    if cal.patience is not None and km is not None:
        p = cal.patience
        lines += _samples_table("patience", km, f"empirical: quantiles of the Kaplan-Meier curve ({p.events:,} "
                                f"abandoned of {p.n:,} queue calls); the fit was {p.kind}, mean {_g(p.mean)} s")
    elif cal.patience is not None:
        p = cal.patience
        lines.append("[patience]")
        lines.append(f"# {p.method}; {p.events:,} abandoned of {p.n:,} {p.n_of}")
        lines.append(_line("kind", json.dumps(p.kind), "least AIC" if p.candidates else "Erlang A's assumption"))
        lines.append(_line("mean", _toml_number(p.mean, 1),
                           _evidence(Estimate(p.mean, p.mean_ci, p.n, p.n_of, "s", "")) + " [s]"))
        if p.kind != "exponential":
            lines.append(_line("cv", _toml_number(p.cv, 3), _evidence(Estimate(p.cv, p.cv_ci, p.n, p.n_of, "", ""))))
        lines.append("")
    elif cal.patience_note:
        lines += [f"# [patience]: {cal.patience_note}", ""]

    lines.append("[ivr]")
    ivr_table: list[str] = []
    if cal.ivr_navigation is not None:
        table, comment = _distribution(cal.ivr_navigation)
        if empirical and "ivr" in cal.samples and cal.ivr_navigation.kind != "deterministic":
            ivr_table = _samples_table("ivr.navigation", empirical_samples(cal.samples["ivr"]),
                                       f"empirical: the means of 200 equal slices of the data; the fit was {comment}")
        else:
            lines.append(_line("navigation", table, comment))
    if cal.ivr_containment is not None and cal.ivr_abandon is not None:
        lines.append(_line("containment", _toml_number(cal.ivr_containment.value, 5),
                           "ended in self-service: " + _evidence(cal.ivr_containment)))
        lines.append(_line("abandon", _toml_number(cal.ivr_abandon.value, 5),
                           "hung up in the IVR: " + _evidence(cal.ivr_abandon)))
    else:
        lines.append(_line("containment", "0.0", "an interval report shows the queue only"))
        lines.append(_line("abandon", "0.0", "an interval report shows the queue only"))
    lines += ["", *ivr_table]

    lines.append("[repeats]")
    r = cal.repeats
    if r is None:
        why = "no customer id in the data" if cal.kind == "calls" else \
            "an interval report cannot tell repeat calls from first calls"
        lines.append(f"# {why}: every call is counted in calls_per_day, none is generated again")
        lines.append(_line("fcr", "1.0", "not estimated"))
        lines.append(_line("redial_probability", "0.0", "not estimated"))
    else:
        lines.append(f"# a follow-up is the same customer's next call within {_g(r.window_seconds / 86400)} days")
        for key, value in (("fcr", r.fcr), ("redial_probability", r.redial_probability)):
            if math.isfinite(value.value):
                lines.append(_line(key, _toml_number(value.value, 4), _evidence(value)))
        for key, fit in (("repeat_delay", r.repeat_delay), ("redial_delay", r.redial_delay)):
            if fit is not None:
                table, comment = _distribution(fit)
                lines.append(_line(key, table, comment))
        lines.append(_line("max_attempts", str(max(r.longest_chain, 2)), "the longest chain of calls in the data"))
    lines.append("")
    return "\n".join(lines)


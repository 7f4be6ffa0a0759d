"""The calibration: every fitted value with its evidence, as a project file, a JSON document and figures."""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.calibrate.columns import ColumnMap
from simulator.calibrate.demand import Demand
from simulator.calibrate.estimate import Estimate
from simulator.calibrate.fits import DurationFit
from simulator.calibrate.observed import Observed
from simulator.calibrate.patience import PatienceFit
from simulator.calibrate.repeats import RepeatsFit

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

    from simulator.scenario.model import Scenario

__all__ = ["Calibration"]

HANDLING = ("talk", "hold", "acw", "ring")


def _distribution_estimates(path: str, fit: DurationFit) -> dict[str, Estimate]:
    out = {f"{path}.mean": Estimate(fit.mean, fit.mean_ci, fit.n, "calls", "s", fit.method)}
    if fit.kind not in ("exponential", "deterministic"):
        out[f"{path}.cv"] = Estimate(fit.cv, fit.cv_ci, fit.n, "calls", "fraction", fit.method)
    return out


@dataclass(frozen=True, eq=False)
class Calibration:
    """A scenario fitted to a client's data (:func:`simulator.calibrate.calibrate_calls` or
    :func:`~simulator.calibrate.calibrate_intervals`).

    ``project_text()`` is the project file, ``to_dict()`` the evidence (``calibration.json``), ``scenario()``
    the validated scenario, and ``profile_figure()``, ``handle_time_figure()``, ``patience_figure()`` the
    figures. ``handling`` maps talk/hold/acw/ring to their fits (an interval report gives the AHT only);
    ``patience`` is None where it cannot be estimated (``patience_note`` says why); ``repeats`` is None without
    customer ids.
    """

    kind: str
    name: str
    data: dict[str, Any]
    columns: ColumnMap
    demand: Demand
    handling: dict[str, DurationFit]
    patience: PatienceFit | None
    patience_note: str | None
    observed: Observed
    threshold_seconds: float
    ivr_navigation: DurationFit | None = None
    ivr_containment: Estimate | None = None
    ivr_abandon: Estimate | None = None
    repeats: RepeatsFit | None = None
    warnings: tuple[str, ...] = field(default=())
    samples: dict[str, np.ndarray] = field(default_factory=dict)  # observed durations, for the figures [s]

    # -- the values -------------------------------------------------------------------------------------
    @property
    def aht_seconds(self) -> float:
        """Mean handle time (talk + hold + ACW) of the answered calls. [s]"""
        return float(sum(self.handling[k].mean for k in ("talk", "hold", "acw") if k in self.handling))

    def estimates(self) -> dict[str, Estimate]:
        """Every fitted scalar written to the project file, by its field path."""
        d = self.demand
        out: dict[str, Estimate] = {"demand.calls_per_day": d.calls_per_day}
        if math.isfinite(d.day_cv.value):
            out["demand.day_cv"] = d.day_cv
        for name, fit in self.handling.items():
            if fit.mean > 0:
                out.update(_distribution_estimates(f"handling.{name}", fit))
        if self.patience is not None:
            p = self.patience
            out["patience.mean"] = Estimate(p.mean, p.mean_ci, p.n, p.n_of, "s", p.method)
            if p.kind != "exponential":
                out["patience.cv"] = Estimate(p.cv, p.cv_ci, p.n, p.n_of, "fraction", p.method)
        if self.ivr_navigation is not None:
            out.update(_distribution_estimates("ivr.navigation", self.ivr_navigation))
        if self.ivr_containment is not None and self.ivr_abandon is not None:
            out["ivr.containment"] = self.ivr_containment
            out["ivr.abandon"] = self.ivr_abandon
        r = self.repeats
        if r is not None:
            for key, value in (("fcr", r.fcr), ("redial_probability", r.redial_probability)):
                if math.isfinite(value.value):
                    out[f"repeats.{key}"] = value
            for key, delay in (("repeat_delay", r.repeat_delay), ("redial_delay", r.redial_delay)):
                if delay is not None:
                    out.update(_distribution_estimates(f"repeats.{key}", delay))
        return out

    # -- outputs ----------------------------------------------------------------------------------------
    def project_text(self, msa: str | None = None, *, data_label: str | None = None,
                     empirical: bool = False) -> str:
        """The project file (TOML) with every fitted value and, beside it, its estimate, CI and sample size.

        ``msa`` is the master agreement's path as the project file should name it (relative to where the
        project file will be written). ``empirical`` writes the handle times, the IVR navigation and the
        patience as empirical distributions (the means of 200 equal slices of the data; for patience, 200
        quantiles of the Kaplan–Meier curve where it falls far enough) instead of the fitted families.
        """
        from simulator.calibrate.project import render

        return render(self, msa, data_label or self.data["file"], empirical)

    def scenario(self, msa: str | os.PathLike[str] | None = None, *, empirical: bool = False) -> Scenario:
        """The calibrated scenario, validated by the loader (under ``msa``, a master agreement's path)."""
        from simulator.scenario import load_scenario

        with tempfile.TemporaryDirectory(prefix="callsim-calibrate-") as folder:
            path = Path(folder) / f"{self.name}.toml"
            master = None if msa is None else str(Path(msa).resolve())
            path.write_text(self.project_text(master, empirical=empirical), encoding="utf-8")
            return load_scenario(path)

    def to_dict(self) -> dict[str, Any]:
        """The evidence, ``calibration.json``: every written value, the fits against the data, the tests."""
        from simulator.jsonutil import jsonable

        staffing = self.observed.agents
        document = {
            "calibrate": {"kind": self.kind, "name": self.name, "data": self.data, "columns": self.columns.to_dict(),
                          "interval_minutes": int(self.demand.interval_seconds // 60),
                          "threshold_seconds": self.threshold_seconds},
            "values": {path: e.to_dict() for path, e in self.estimates().items()},
            "demand": self.demand.to_dict(),
            "handling": {name: fit.to_dict() for name, fit in self.handling.items()},
            "aht_seconds": self.aht_seconds,
            "patience": None if self.patience is None else self.patience.to_dict(),
            "patience_note": self.patience_note,
            "ivr": None if self.ivr_containment is None else {
                "navigation": None if self.ivr_navigation is None else self.ivr_navigation.to_dict(),
                "containment": self.ivr_containment.to_dict(),
                "abandon": None if self.ivr_abandon is None else self.ivr_abandon.to_dict()},
            "repeats": None if self.repeats is None else self.repeats.to_dict(),
            "staffing": {"method": self.observed.agents_method,
                         "mean_agents_by_interval": [{"start": s, "agents": float(a)} for s, a in
                                                     zip(self.demand.interval_starts, staffing.mean(axis=0),
                                                         strict=True)],
                         "peak_agents": float(staffing.max()) if staffing.size else None},
            "warnings": list(self.warnings),
        }
        result: dict[str, Any] = jsonable(document)
        return result

    def to_frame(self) -> pd.DataFrame:
        """One row per fitted value: estimate, 95 % interval, sample size, method."""
        import pandas as pd

        rows = [{"value": e.value, "ci_low": None if e.ci is None else e.ci[0],
                 "ci_high": None if e.ci is None else e.ci[1], "n": e.n, "n_of": e.n_of, "unit": e.unit,
                 "method": e.method} for e in self.estimates().values()]
        return pd.DataFrame(rows, index=pd.Index(list(self.estimates()), name="field"))

    # -- figures ----------------------------------------------------------------------------------------
    def profile_figure(self) -> Figure:
        from simulator.calibrate.figures import profile_figure

        return profile_figure(self)

    def handle_time_figure(self) -> Figure:
        from simulator.calibrate.figures import handle_time_figure

        return handle_time_figure(self)

    def patience_figure(self) -> Figure:
        from simulator.calibrate.figures import patience_figure

        return patience_figure(self)

    def observed_agents(self) -> np.ndarray:
        """Agents staffed per (observed day, interval): the report's, or inferred from the log."""
        return np.rint(self.observed.agents).astype(int)

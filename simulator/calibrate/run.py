"""The library side of ``callsim calibrate``: options in, a checked calibration (and back-test) out."""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.errors import ScenarioError

if TYPE_CHECKING:  # pragma: no cover
    from simulator.calibrate.backtest import Backtest
    from simulator.calibrate.result import Calibration
    from simulator.scenario.model import Scenario

__all__ = ["CalibrationRun", "master_defaults", "run_calibration"]

FORMATS = ("calls", "intervals")


def master_defaults(msa: Path | None) -> tuple[int, float]:
    """The master agreement's interval length [min] and SL threshold [s] (30 and 20 without one)."""
    if msa is None:
        return 30, 20.0
    if not msa.is_file():
        raise ScenarioError("master agreement not found", source="--msa", value=str(msa))
    try:
        doc = tomllib.loads(msa.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ScenarioError(f"cannot read the master agreement: {error}", source=str(msa)) from None
    interval = doc.get("definitions", {}).get("interval_minutes", 30)
    threshold = doc.get("sla", {}).get("threshold_seconds", 20.0)
    return (interval if interval in (15, 30, 60) else 30,
            float(threshold) if isinstance(threshold, int | float) and not isinstance(threshold, bool) else 20.0)


@dataclass(frozen=True, eq=False)
class CalibrationRun:
    """A calibration, the scenario it validates into, the project file's text and the optional back-test."""

    calibration: Calibration
    scenario: Scenario
    project_text: str
    backtest: Backtest | None
    warnings: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        document = self.calibration.to_dict()
        document["backtest"] = None if self.backtest is None else self.backtest.to_dict()
        return document


def run_calibration(data: Path, *, format: str, columns: Path | None = None, column_flags: tuple[str, ...] = (),
                    msa: Path | None = None, out: Path | None = None, interval_minutes: int | None = None,
                    threshold_seconds: float | None = None, call_type: str | None = None,
                    window_days: float = 7.0, name: str | None = None, backtest: bool = False,
                    replications: int = 5, seed: int = 0, empirical: bool = False) -> CalibrationRun:
    """Calibrate ``data`` as ``callsim calibrate`` does; the project file names ``msa`` relative to ``out``.

    Raises ScenarioError for bad options (``source`` the option) or bad data (the file, row and column).
    """
    from simulator.calibrate.backtest import backtest as run_backtest
    from simulator.calibrate.calls import calibrate_calls
    from simulator.calibrate.columns import load_columns
    from simulator.calibrate.intervals import calibrate_intervals

    kind = format.strip().lower()
    if kind not in FORMATS:
        raise ScenarioError("must be calls (a call-by-call log) or intervals (an ACD interval report)",
                            source="--format", value=format)
    if interval_minutes is not None and interval_minutes not in (15, 30, 60):
        raise ScenarioError("must be 15, 30 or 60", source="--interval", value=interval_minutes)
    if interval_minutes is not None and kind == "intervals":
        raise ScenarioError("an interval report keeps its own intervals; --interval goes with --format calls",
                            source="--interval", value=interval_minutes)
    if threshold_seconds is not None and not (math.isfinite(threshold_seconds) and threshold_seconds >= 0):
        raise ScenarioError("must be >= 0", source="--threshold", value=threshold_seconds)
    if not (math.isfinite(window_days) and window_days > 0):
        raise ScenarioError("must be > 0", source="--repeat-window", value=window_days)
    if replications < 1:
        raise ScenarioError("must be >= 1", source="--replications", value=replications)
    if out is not None and (out.is_dir() or out.suffix.lower() != ".toml"):
        raise ScenarioError("must name the project file to write (.toml), e.g. out/project.toml", source="--out",
                            value=str(out))
    master_interval, master_threshold = master_defaults(msa)
    threshold = master_threshold if threshold_seconds is None else threshold_seconds
    mapping = load_columns(columns, "calls" if kind == "calls" else "intervals", column_flags)
    warnings: list[str] = []
    calibration: Calibration
    if kind == "calls":
        calibration = calibrate_calls(data, mapping, interval_minutes=interval_minutes or master_interval,
                                      threshold_seconds=threshold, window_days=window_days, call_type=call_type,
                                      name=name)
    else:
        calibration = calibrate_intervals(data, mapping, threshold_seconds=threshold, call_type=call_type, name=name)
    written_interval = int(calibration.demand.interval_seconds // 60)
    if msa is not None and written_interval != master_interval:
        warnings.append(f"the data's {written_interval}-minute intervals differ from the master agreement's "
                        f"{master_interval}: the project file sets definitions.interval_minutes, a renegotiation "
                        "where the master locks its definitions")
    if empirical and kind == "intervals":
        raise ScenarioError("an interval report has no per-call durations; --empirical goes with --format calls",
                            source="--empirical", value=None, has_value=False)
    scenario = calibration.scenario(msa, empirical=empirical)
    relative = None
    if msa is not None:
        folder = (out.parent if out is not None else Path.cwd()).resolve()
        relative = Path(os.path.relpath(msa.resolve(), folder)).as_posix()
    text = calibration.project_text(relative, empirical=empirical)
    result = run_backtest(calibration, scenario=scenario, replications=replications, seed=seed) if backtest else None
    return CalibrationRun(calibration, scenario, text, result, tuple(warnings))

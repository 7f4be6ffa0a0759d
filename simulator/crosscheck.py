"""Erlang C and Erlang A against the simulation, one broken assumption at a time.

:func:`simulator.check.check_scenario` answers "do the formulas describe this scenario?" for one scenario and
one model. :func:`crosscheck` asks it of a family of scenarios built from one project file:

1. the project **reduced to the Erlang assumptions** (:func:`erlang_assumptions`): exponential handling with
   the project's mean handle time, exponential patience with its mean, no IVR, no repeat calls, the day's volume
   spread evenly over the day, no day- or month-level volume noise. Here the formulas must agree with the
   simulation within its confidence interval;
2. one scenario per feature of the project that breaks an assumption (:data:`FEATURES`): the reduced scenario
   with that feature put back, so any drift is that feature's;
3. the project as written.

Each scenario is staffed by its own rule (the analytic plan unless it fixes its staffing), simulated once, and
set beside both formulas: the model that matches it (Erlang A when callers abandon) through
:func:`simulator.check.check_scenario`, and the other one (Erlang C, which ignores abandonment) judged against
the same simulated interval.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from simulator.check import COMPARED, FAMILY_CONFIDENCE, CheckReport, analytic_values, check_scenario, roll_up
from simulator.distributions import Exponential
from simulator.errors import ScenarioError
from simulator.jsonutil import jsonable
from simulator.scenario.model import Scenario
from simulator.simulation import default_agents
from simulator.staffing import repeat_factor

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["AS_WRITTEN", "FEATURES", "REDUCED", "CaseCheck", "CrossCheck", "crosscheck", "drift_cases",
           "erlang_assumptions"]

Progress = Callable[[int, int], None]

REDUCED = "Erlang assumptions"
AS_WRITTEN = "the project as written"

#: The features that break an Erlang assumption, with the label of the case that puts each back.
FEATURES: dict[str, str] = {
    "handling": "non-exponential handling",
    "patience": "non-exponential patience",
    "ivr": "IVR in front of the queue",
    "repeats": "repeat calls and redials",
    "time_varying_load": "time-varying load",
    "volume_noise": "day and month volume noise",
}

# How each metric reads in a figure: label and axis format.
_METRIC_LABELS: dict[str, tuple[str, Literal["percent", "seconds", "number"]]] = {
    "service_level": ("Service level", "percent"),
    "service_level_of_answered": ("Service level of answered calls", "percent"),
    "wait_probability": ("P(wait)", "percent"),
    "abandon_rate": ("Abandonment rate", "percent"),
    "asa_seconds": ("Average speed of answer", "seconds"),
    "mean_wait_seconds": ("Mean wait of all calls", "seconds"),
    "occupancy": ("Occupancy", "percent"),
}


def _reductions(scenario: Scenario) -> dict[str, dict[str, Any]]:
    """Per feature the project has, the changes that take it out (only the features it has)."""
    out: dict[str, dict[str, Any]] = {}
    handling = scenario.handling
    has_ring = handling.ring is not None and handling.ring.mean_seconds > 0
    if not handling.talk.is_exponential or handling.hold is not None or handling.acw is not None or has_ring:
        out["handling"] = {"handling.talk": Exponential(mean=handling.handle_seconds), "handling.hold": None,
                           "handling.acw": None, "handling.ring": None}
    if scenario.patience is not None and not scenario.patience.is_exponential:
        out["patience"] = {"patience": Exponential(mean=scenario.patience.mean_seconds)}
    ivr = scenario.ivr
    if ivr.navigation is not None or ivr.containment > 0 or ivr.abandon > 0:
        out["ivr"] = {"ivr.navigation": None, "ivr.containment": 0.0, "ivr.abandon": 0.0}
    if scenario.repeats.fcr < 1 or scenario.repeats.redial_probability > 0:
        out["repeats"] = {"repeats.fcr": 1.0, "repeats.redial_probability": 0.0}
    calls = scenario.calls_per_interval
    if np.ptp(calls) > 1e-9 * max(float(calls.max()), 1.0):
        if scenario.demand.calls_per_interval is not None:
            out["time_varying_load"] = {"demand.calls_per_interval": [float(calls.mean())] * len(calls)}
        else:
            out["time_varying_load"] = {"demand.profile": None}
    if scenario.demand.day_cv > 0 or scenario.demand.month_cv > 0:
        out["volume_noise"] = {"demand.day_cv": 0.0, "demand.month_cv": 0.0}
    return out


def erlang_assumptions(scenario: Scenario) -> Scenario:
    """``scenario`` reduced to what Erlang C and Erlang A assume (a new scenario; the given one is untouched).

    Handling becomes exponential with the same mean handle time (talk + hold + ACW) [s] and no ring time,
    patience exponential with the same mean [s], the IVR and repeat calls go, the day's volume is spread evenly
    over the opening hours, and the day- and month-level volume noise is set to zero. Everything else (SLA,
    definitions, opening hours, rate card) stays. The provenance of the changed fields reads
    ``"erlang assumptions"``.

    Parameters
    ----------
    scenario : Scenario
        The project.

    Returns
    -------
    Scenario
    """
    changes = {path: value for reduction in _reductions(scenario).values() for path, value in reduction.items()}
    if not changes:
        return scenario
    return scenario.with_changes(changes, label="erlang assumptions")


def drift_cases(scenario: Scenario, features: Sequence[str] | None = None) -> dict[str, Scenario]:
    """The scenarios :func:`crosscheck` compares, by case label, in order.

    ``"Erlang assumptions"`` first, then for each feature of :data:`FEATURES` the project has (or each one
    named in ``features``) the reduced scenario with that feature put back, then ``"the project as written"``.

    Parameters
    ----------
    scenario : Scenario
        The project.
    features : sequence of str, optional
        Keys of :data:`FEATURES`; default every feature the project has. A named feature the project does not
        have is left out.

    Returns
    -------
    dict of str to Scenario

    Raises
    ------
    ScenarioError
        An unknown feature name (the message lists the valid ones).
    """
    chosen = list(FEATURES) if features is None else list(features)
    unknown = [f for f in chosen if f not in FEATURES]
    if unknown:
        raise ScenarioError(f"must be among {', '.join(FEATURES)}", field="features", value=unknown[0])
    reductions = _reductions(scenario)
    cases = {REDUCED: erlang_assumptions(scenario)}
    for feature in (f for f in FEATURES if f in chosen and f in reductions):
        # Every reduction but this feature's: the reduced scenario with the feature put back.
        changes = {path: value for name, reduction in reductions.items() if name != feature
                   for path, value in reduction.items()}
        cases[FEATURES[feature]] = scenario.with_changes(changes, label="erlang assumptions") if changes \
            else scenario
    if reductions:
        cases[AS_WRITTEN] = scenario
    return cases


def _formulas(scenario: Scenario, agents: np.ndarray, model: str) -> dict[str, Any]:
    """The formula's metrics for ``scenario`` at ``agents``, interval by interval (SIPP), rolled up by calls.

    The load is what reaches the agents: trunk calls less the IVR's share, times the expected attempts per
    first call (the same load :func:`simulator.check.check_scenario` and the analytic staffing use).
    """
    calls = (scenario.calls_per_interval * (1 - scenario.ivr.containment - scenario.ivr.abandon)
             * repeat_factor(scenario.repeats.fcr, scenario.repeats.max_attempts))
    aht = scenario.handling.handle_seconds
    load = calls / scenario.interval_seconds * aht
    if model == "erlang_c" and bool(np.any((load >= agents) & (calls > 0))):
        # No steady state in some interval: Erlang C gives no value for the day.
        return dict.fromkeys(("wait_probability", "abandon_probability", "service_level", "asa_seconds",
                              "occupancy"))
    per = analytic_values(model, load=load, agents=agents, aht_seconds=aht,  # type: ignore[arg-type]
                          threshold_seconds=scenario.sla.threshold_seconds,
                          patience_seconds=scenario.patience_seconds,
                          sl_definition=scenario.definitions.sl_definition,
                          short_abandon_seconds=scenario.definitions.short_abandon_seconds)
    return roll_up(per, calls)


@dataclass(frozen=True)
class CaseCheck:
    """One scenario of a cross-check: the staffing simulated, the simulation against the matching formula
    (``report``), and the other formula's values judged against the same simulated intervals."""

    name: str
    scenario: Scenario
    agents: np.ndarray
    report: CheckReport
    other_model: str | None
    other_values: Mapping[str, float | None]  # simulated metric name → the other formula's value

    def values(self, model: str) -> dict[str, float | None]:
        """Each compared metric's value by ``model`` (``"erlang_c"`` or ``"erlang_a"``); empty when absent."""
        if model == self.report.model:
            return {row.metric: row.analytic for row in self.report.rows}
        if model == self.other_model:
            return dict(self.other_values)
        return {}


@dataclass(frozen=True)
class CrossCheck:
    """The cases of :func:`crosscheck`, in order."""

    cases: tuple[CaseCheck, ...]
    replications: int
    seed: int

    def to_frame(self, metric: str | None = None) -> pd.DataFrame:
        """One row per (case, metric): the simulated mean and its interval, and each formula's value, whether
        it lies in the interval, and its drift (simulated − formula).

        The interval is the check's (:data:`simulator.check.FAMILY_CONFIDENCE`, Bonferroni over the metrics
        of the matching model). ``comparable`` is True only where the scenario meets every assumption; there
        a formula outside the interval is a failure, elsewhere it is drift.

        Parameters
        ----------
        metric : str, optional
            Keep one metric (``"service_level"``, ``"abandon_rate"``, ``"asa_seconds"``, ...); the index is
            then the case alone.
        """
        import pandas as pd

        rows = []
        for case in self.cases:
            formulas = {model: case.values(model) for model in ("erlang_c", "erlang_a")}
            for row in case.report.rows:
                out: dict[str, Any] = {"case": case.name, "metric": row.metric, "simulated": row.simulated,
                                       "ci_low": row.low, "ci_high": row.high}
                for model, values in formulas.items():
                    value = values.get(row.metric)
                    number = math.nan if value is None else float(value)
                    out[model] = number
                    out[f"{model}_within"] = (bool(row.low <= number <= row.high) if math.isfinite(number)
                                              else None)
                    out[f"{model}_drift"] = row.simulated - number
                out["comparable"] = case.report.comparable
                rows.append(out)
        frame = pd.DataFrame(rows).set_index(["case", "metric"])
        if metric is None:
            return frame
        metrics = frame.index.get_level_values("metric")
        if metric not in set(metrics):
            raise ScenarioError(f"must be one of {', '.join(dict.fromkeys(metrics))}", field="metric",
                                value=metric)
        return frame.xs(metric, level="metric")

    def reasons_frame(self) -> pd.DataFrame:
        """One row per case: the staffing simulated and why the formulas do not describe it exactly."""
        import pandas as pd

        rows = [{"case": case.name, "peak_agents": int(case.agents.max(initial=0)),
                 "agent_hours_per_day": float(case.agents.sum()) * case.scenario.interval_seconds / 3600,
                 "formula_checked": case.report.model, "comparable": case.report.comparable,
                 "reasons": "; ".join(case.report.reasons) or "none: every assumption holds"}
                for case in self.cases]
        return pd.DataFrame(rows).set_index("case")

    def figure(self, metric: str = "service_level", *, title: str | None = None) -> Figure:
        """Per case, the simulated ``metric`` with its interval against Erlang C and Erlang A."""
        from simulator.report.crosscheck import drift_chart

        frame = self.to_frame(metric)
        label, value_format = _METRIC_LABELS.get(metric, (metric, "number"))
        # Every metric is >= 0 and fractions are <= 1: a wide interval over few months is drawn within that.
        upper = 1.0 if value_format == "percent" else np.inf
        low, high = frame["ci_low"].clip(0.0, upper), frame["ci_high"].clip(0.0, upper)
        formulas = {name: frame[model].tolist() for model, name in (("erlang_c", "Erlang C"),
                                                                      ("erlang_a", "Erlang A"))
                    if frame[model].notna().any()}
        scenario = self.cases[0].scenario
        sla = scenario.sla
        target = {"service_level": sla.service_level, "abandon_rate": sla.max_abandon_rate,
                  "asa_seconds": sla.max_asa_seconds}.get(metric)
        subtitle = (f"{scenario.name}: {self.replications} simulated months per case, seed {self.seed}; bars: the "
                    f"simulation's {FAMILY_CONFIDENCE:.0%} family-wise confidence interval")
        return drift_chart(list(frame.index), frame["simulated"].tolist(), low.tolist(), high.tolist(), formulas,
                           metric_label=label, value_format=value_format, target=target,
                           title=title or f"{label}: the formulas against the simulation", subtitle=subtitle)

    def to_dict(self) -> dict[str, Any]:
        return jsonable({
            "replications": self.replications,
            "seed": self.seed,
            "cases": [{"case": c.name, "agents_per_interval": c.agents, "report": c.report.to_dict(),
                       "other_model": c.other_model, "other_values": dict(c.other_values)} for c in self.cases],
        })


def crosscheck(scenario: Scenario, *, features: Sequence[str] | None = None, replications: int | None = None,
               seed: int | None = None, workers: int | None = None,
               progress: Progress | None = None) -> CrossCheck:
    """Simulate the :func:`drift_cases` of ``scenario`` and set each beside Erlang C and Erlang A.

    Parameters
    ----------
    scenario : Scenario
        The project.
    features : sequence of str, optional
        Which features of :data:`FEATURES` to put back one at a time; default all the project has.
    replications : int, optional
        Simulated months per case; default ``simulation.replications``. [months]
    seed : int, optional
        Root seed, the same for every case; default ``simulation.seed``.
    workers : int, optional
        Processes for the replications; default the available cores. The result does not depend on it.
    progress : callable, optional
        ``progress(done, total)`` after each simulated month of a case.

    Returns
    -------
    CrossCheck
    """
    reps = scenario.simulation.replications if replications is None else replications
    run_seed = scenario.simulation.seed if seed is None else seed
    cases = []
    for name, case in drift_cases(scenario, features).items():
        agents = np.broadcast_to(default_agents(case)[0], (case.interval_count,)).astype(int)
        report = check_scenario(case, agents=agents, replications=reps, seed=run_seed, progress=progress,
                                workers=workers)
        other = "erlang_c" if report.model == "erlang_a" else None
        other_values: dict[str, float | None] = {}
        if other is not None:
            formula = _formulas(case, agents, other)
            # Erlang C has nobody abandon: every call is answered, so the SL of answered calls is its SL.
            keys = {**COMPARED[other], "abandon_rate": "abandon_probability",
                    "service_level_of_answered": "service_level"}
            other_values = {row.metric: formula.get(keys[row.metric]) if row.metric in keys else None
                            for row in report.rows}
        cases.append(CaseCheck(name, case, agents, report, other, other_values))
    return CrossCheck(tuple(cases), int(reps), int(run_seed))

"""Statistical agreement of simulated replications with exact Erlang C (M/M/N) and Erlang A (M/M/N+M) values.

The exact values come from an independent reference written here, which needs no special functions: the
stationary birth–death chain (birth λ, death min(k, N)·μ + max(k − N, 0)·θ) and, for the service level, the
absorbing chain of a tagged caller who arrives j-th in the queue (moves up at rate Nμ + (j − 1)θ, hangs up at
rate θ), evaluated with a sparse matrix exponential. It reproduces pyworkforce's published Erlang C example
and the closed forms, and, once :mod:`simulator.analytic` exists, that module too.

Tolerance. Replications are independent, so each replication's metric is one draw; the test asserts
|mean − exact| ≤ z·SE with SE = s/√R over replications and z = 3.7: a Bonferroni bound for about 50
comparisons (5 loads × up to 10 metrics) at a family-wise error of 1 %, so a correct engine fails a default
run with probability below 1 % and, with fixed seeds, never flakes. Biases that are not noise are removed,
not widened into the tolerance: the start-empty transient by a warm-up, and the drain after closing (agents
stay, fully busy, until the last call ends) by computing occupancy over the opening hours (the overtime,
staffed seconds beyond N·hours, is all busy time and is taken out of numerator and denominator).
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.linalg import expm_multiply

from simulator.analytic.definitions import SL_DEFINITIONS
from simulator.replications import replicate
from simulator.scenario.model import Definitions
from simulator.sim.calllog import SimulationResult
from simulator.sim.engine import simulate
from simulator.sim.model import CentreModel

Z = 3.7
THRESHOLD = 20.0
SHORT = 5.0


def exact(calls_per_hour: float, aht: float, agents: int, patience: float | None,
          threshold: float = THRESHOLD, short: float = SHORT) -> dict[str, float]:
    """Exact stationary M/M/N(+M) metrics per arrival, in the simulator's names."""
    lam, mu, n = calls_per_hour / 3600.0, 1.0 / aht, agents
    theta = 0.0 if patience is None else 1.0 / patience
    extra = 64
    while True:  # truncate the chain where the stationary tail is below double precision
        k = np.arange(1, n + extra + 1)
        death = np.minimum(k, n) * mu + np.maximum(k - n, 0) * theta
        log_p = np.concatenate(([0.0], np.cumsum(math.log(lam) - np.log(death))))
        p = np.exp(log_p - log_p.max())
        p /= p.sum()
        if p[-1] < 1e-17 or extra > 100_000:
            break
        extra *= 2
    queued = p[n:]  # an arrival that finds N + j − 1 present is j-th in the queue (PASTA)
    j = np.arange(1, len(queued) + 1)
    p_answered = n * mu / (n * mu + j * theta)
    p_abandon = float((queued * (1 - p_answered)).sum())

    # Absorbing chain of the tagged caller: states 0..m−1 = positions 1..m, m = answered, m + 1 = abandoned.
    m = len(queued)
    rows = np.concatenate((j - 1, j - 1, j - 1))
    cols = np.concatenate((j - 1, np.where(j == 1, m, j - 2), np.full(m, m + 1)))
    vals = np.concatenate((-(n * mu + j * theta), n * mu + (j - 1) * theta, np.full(m, theta)))
    generator = csr_matrix((vals, (rows, cols)), shape=(m + 2, m + 2))
    start = np.concatenate((queued, [0.0, 0.0]))

    def absorbed_by(t: float) -> tuple[float, float]:
        state = expm_multiply(generator.T * t, start)
        return float(state[m]), float(state[m + 1])

    answered_by_t, abandoned_by_t = absorbed_by(threshold)
    _, abandoned_by_short = absorbed_by(short)
    answered_within = float(p[:n].sum()) + answered_by_t
    waits = np.cumsum(1.0 / (n * mu + j * theta))  # expected time to reach an agent from position j
    queue_length = float((np.maximum(np.arange(len(p)) - n, 0) * p).sum())
    return {
        "wait_probability": float(queued.sum()),
        "abandon_rate": p_abandon,
        "service_level": answered_within,  # abandons_fail, the default profile
        "service_level_abandons_fail": answered_within,
        "service_level_short_excluded": answered_within / (1 - abandoned_by_short),
        "service_level_abandons_within_threshold_excluded": answered_within / (1 - abandoned_by_t),
        "service_level_abandons_within_threshold_success": answered_within + abandoned_by_t,
        "service_level_answered_only": answered_within / (1 - p_abandon),
        "service_level_of_answered": answered_within / (1 - p_abandon),
        "asa_seconds": float((queued * p_answered * waits).sum()) / (1 - p_abandon),
        "mean_wait_seconds": queue_length / lam,  # Little's law over all arrivals
        "occupancy": lam * (1 - p_abandon) * aht / n,
    }


# ---------------------------------------------------------------------------------------------------------
# The reference itself
# ---------------------------------------------------------------------------------------------------------
def test_reference_reproduces_published_and_closed_form_values() -> None:
    # pyworkforce 0.1.0: 100 calls per 30 min, AHT 180 s, 14 agents → SL(20 s) 0.88835, P(wait) 0.17413.
    ref = exact(200.0, 180.0, 14, None)
    assert ref["service_level"] == pytest.approx(0.88835, abs=5e-6)
    assert ref["wait_probability"] == pytest.approx(0.17413, abs=5e-6)
    # Erlang C closed forms: SL = 1 − C·exp(−(N − A)·t/AHT), ASA = C·AHT/(N − A), occupancy A/N.
    load, agents, aht = 40.0, 46, 360.0
    ref = exact(load * 3600 / aht, aht, agents, None)
    c = ref["wait_probability"]
    closed = 1 - c * math.exp(-(agents - load) * THRESHOLD / aht)
    assert ref["service_level"] == pytest.approx(closed, rel=1e-9)
    assert ref["asa_seconds"] == pytest.approx(c * aht / (agents - load), rel=1e-9)
    assert ref["occupancy"] == pytest.approx(load / agents, rel=1e-12)
    assert ref["abandon_rate"] == 0.0
    # Erlang A: mean wait of all callers = P(abandon) × mean patience; domain.md §2.2: 4.1 % abandon.
    ref = exact(400.0, 360.0, 43, 180.0)
    assert ref["mean_wait_seconds"] == pytest.approx(ref["abandon_rate"] * 180.0, rel=1e-9)
    assert round(ref["abandon_rate"], 3) == 0.041
    assert ref["service_level"] >= 0.80  # "Erlang A says 43 at a mean patience of 180 s" for 80/20


def _analytic(name: str) -> Any:
    """simulator.analytic.<name> with a ``metrics`` function, or a skip while it is not written yet."""
    try:
        module = importlib.import_module(f"simulator.analytic.{name}")
    except ImportError:
        pytest.skip(f"simulator.analytic.{name} does not exist yet")
    if not hasattr(module, "metrics"):
        pytest.skip(f"simulator.analytic.{name} has no metrics() yet")
    return module


def test_reference_matches_analytic_erlang_c() -> None:
    erlang_c = _analytic("erlang_c")
    c = erlang_c.metrics(40.0, 46, aht_seconds=360.0, threshold_seconds=THRESHOLD).to_dict()
    ref = exact(400.0, 360.0, 46, None)
    for name in ("wait_probability", "service_level", "asa_seconds", "occupancy"):
        assert c[name] == pytest.approx(ref[name], rel=1e-8), name


def test_reference_matches_analytic_erlang_a() -> None:
    erlang_a = _analytic("erlang_a")
    for agents, patience in ((43, 180.0), (36, 120.0)):
        a = erlang_a.metrics(40.0, agents, aht_seconds=360.0, patience_seconds=patience,
                             threshold_seconds=THRESHOLD, short_abandon_seconds=SHORT).to_dict()
        ref = exact(400.0, 360.0, agents, patience)
        assert a["abandon_probability"] == pytest.approx(ref["abandon_rate"], rel=1e-8)
        for name in ("wait_probability", "service_level", "service_level_of_answered", "asa_seconds",
                     "mean_wait_seconds", "occupancy"):
            assert a[name] == pytest.approx(ref[name], rel=1e-8), name
        for definition in SL_DEFINITIONS:
            assert a["service_level_by_definition"][definition] == pytest.approx(
                ref[f"service_level_{definition}"], rel=1e-8), definition


# ---------------------------------------------------------------------------------------------------------
# Simulation against the exact values
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    name: str
    calls_per_hour: float
    aht: float
    agents: int
    patience: float | None
    hours: float
    warmup_hours: float
    replications: int
    seed: int
    engine: str = "auto"  # "simpy" forces the discrete-event model instead of the fast path


FAST = [
    Case("small, Erlang C (A = 2.5, N = 4)", 30.0, 300.0, 4, None, 9.0, 1.0, 200, 101),
    Case("medium, Erlang C (A = 40, N = 46)", 400.0, 360.0, 46, None, 9.0, 1.0, 200, 102),
    Case("near saturation, Erlang C (A = 40, N = 42, ρ = 0.95)", 400.0, 360.0, 42, None, 40.0, 8.0, 100, 103),
    Case("medium, Erlang A (A = 40, N = 43, patience 180 s)", 400.0, 360.0, 43, 180.0, 9.0, 1.0, 200, 104),
    Case("overload with abandonment, Erlang A (A = 48, N = 40, patience 120 s)", 480.0, 360.0, 40, 120.0, 9.0,
         1.0, 200, 105),
]
SLOW = [
    Case("small, Erlang C, many replications", 30.0, 300.0, 4, None, 9.0, 1.0, 1000, 201),
    Case("medium, Erlang C, many replications", 400.0, 360.0, 46, None, 9.0, 1.0, 1000, 202),
    Case("near saturation, Erlang C, long", 400.0, 360.0, 42, None, 60.0, 12.0, 400, 203),
    Case("large, Erlang C (A = 200, N = 210)", 2000.0, 360.0, 210, None, 9.0, 1.0, 300, 204),
    Case("medium, Erlang A, many replications", 400.0, 360.0, 43, 180.0, 9.0, 1.0, 1000, 205),
    Case("overload, Erlang A, many replications", 480.0, 360.0, 40, 120.0, 9.0, 1.0, 1000, 206),
    Case("heavy overload, Erlang A (A = 60, N = 40, patience 60 s)", 600.0, 360.0, 40, 60.0, 9.0, 1.0, 600,
         207),
    Case("small with abandonment, Erlang A (A = 2.5, N = 3, patience 300 s)", 30.0, 300.0, 3, 300.0, 9.0, 1.0,
         1000, 208),
    Case("simpy engine, medium, Erlang C", 400.0, 360.0, 46, None, 9.0, 1.0, 150, 209, "simpy"),
    Case("simpy engine, overload, Erlang A", 480.0, 360.0, 40, 120.0, 9.0, 1.0, 150, 210, "simpy"),
]


def simpy_engine(model: CentreModel, *, seed: np.random.SeedSequence) -> SimulationResult:
    return simulate(model, seed=seed, engine="simpy")


def disagreements(case: Case, reference_agents: int | None = None) -> list[str]:
    """The metrics whose simulated mean lies more than Z·SE from the exact value (at ``reference_agents``,
    default the simulated head count)."""
    model = CentreModel.stationary(case.calls_per_hour, case.aht, case.agents, case.hours,
                                   patience_seconds=case.patience)
    summary = replicate(model, replications=case.replications, seed=case.seed, definitions=Definitions(),
                        threshold_seconds=THRESHOLD, warmup_seconds=case.warmup_hours * 3600.0, workers=1,
                        engine=simpy_engine if case.engine == "simpy" else None)
    ref = exact(case.calls_per_hour, case.aht, reference_agents or case.agents, case.patience)
    samples = dict(summary.samples)
    # Occupancy over the opening hours: the overtime after closing is staffed only while busy.
    staffed = samples["staffed_hours"] * 3600.0
    overtime = staffed - case.agents * (case.hours - case.warmup_hours) * 3600.0
    assert np.all(overtime >= -1e-6 * staffed)
    samples["occupancy"] = (samples["occupancy"] * staffed - overtime) / (staffed - overtime)
    names = ["wait_probability", "service_level", "asa_seconds", "mean_wait_seconds", "occupancy"]
    if case.patience is None:
        assert np.all(samples["abandon_rate"] == 0.0)
        for definition in SL_DEFINITIONS:  # without abandons all five definitions coincide
            assert np.array_equal(samples[f"service_level_{definition}"], samples["service_level"])
    else:
        others = [d for d in SL_DEFINITIONS if d not in ("abandons_fail", "answered_only")]
        names += ["abandon_rate", "service_level_of_answered", *(f"service_level_{d}" for d in others)]
    failures = []
    for name in names:
        values = samples[name]
        mean, se = float(values.mean()), float(values.std(ddof=1) / math.sqrt(len(values)))
        if not abs(mean - ref[name]) <= Z * se:
            failures.append(f"{name}: simulated {mean:.6g} ± {se:.2g} (SE), exact {ref[name]:.6g}, "
                            f"z = {(mean - ref[name]) / se:+.2f}")
    return failures


@pytest.mark.parametrize("case", FAST, ids=[c.name for c in FAST])
def test_simulation_agrees_with_erlang(case: Case) -> None:
    failures = disagreements(case)
    assert not failures, f"{case.name}:\n" + "\n".join(failures)


def test_the_comparison_detects_one_agent_too_many() -> None:
    # Power: the same runs must be told apart from the exact values of a centre with one more agent.
    for case in (FAST[1], FAST[3]):
        failures = disagreements(case, reference_agents=case.agents + 1)
        assert any(f.startswith("service_level:") for f in failures), case.name


@pytest.mark.slow
@pytest.mark.parametrize("case", SLOW, ids=[c.name for c in SLOW])
def test_simulation_agrees_with_erlang_many_replications(case: Case) -> None:
    failures = disagreements(case)
    assert not failures, f"{case.name}:\n" + "\n".join(failures)

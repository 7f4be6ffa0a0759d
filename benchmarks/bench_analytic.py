"""Speed of the analytic module against straightforward baselines measured in the same run.

Run on demand (not a test):  python benchmarks/bench_analytic.py

Figures (best of several repeats, wall clock, one process):
  1. Erlang B, 20,000 agents: log-space quadrature vs the O(N) recursion B_k = A B_{k-1} / (k + A B_{k-1}).
  2. Erlang C, all metrics at 10,000 agents vs the recursion plus the closed forms (target: well under 1 ms).
  3. Erlang A, all metrics (five SL definitions) at 1,500 agents vs a numpy birth-death chain that computes only
     P(wait), P(abandon), ASA and queue length (target: under 5 ms).
  4. Erlang A staffing for a 96-interval day (loads 5..150 Erlang, 80/20 plus an abandonment cap) vs an
     interval-by-interval linear scan upwards from one agent with the same metrics (target: under 0.5 s).
  5. A staffing engine's Erlang A table (2,400 cells, all metrics): the compiled kernels (split over the cores)
     against the numpy ones.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator.analytic import _numerics, erlang_a, erlang_b, erlang_c, required_agents


def best_of(function: Callable[[], object], repeats: int = 7, number: int = 1) -> float:
    """Best time per call over ``repeats`` rounds of ``number`` calls. [s]"""
    function()  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            function()
        times.append((time.perf_counter() - start) / number)
    return min(times)


def erlang_b_recursion(load: float, agents: int) -> float:
    b = 1.0
    for k in range(1, agents + 1):
        b = load * b / (k + load * b)
    return b


def erlang_c_recursion(load: float, agents: int, aht: float, threshold: float) -> dict[str, float]:
    b = erlang_b_recursion(load, agents)
    c = agents * b / (agents - load * (1 - b))
    return {"wait_probability": c, "service_level": 1 - c * np.exp(-(agents - load) * threshold / aht),
            "asa_seconds": c * aht / (agents - load), "mean_queue_length": c * load / (agents - load),
            "occupancy": load / agents}


def erlang_a_chain(load: float, agents: int, aht: float, patience: float) -> dict[str, float]:
    """Truncated birth-death chain in numpy (log space): P(wait), P(abandon), ASA (appendix series), E[queue]."""
    mu, theta = 1.0 / aht, 1.0 / patience
    lam = load * mu
    k = np.arange(agents + 1)
    log_low = k * np.log(load) - np.cumsum(np.log(np.maximum(k, 1)))
    j_max = int(max(200, 60 * (1 + np.sqrt(agents * patience / aht)) + 5 * lam / theta))
    j = np.arange(1, j_max + 1)
    log_high = log_low[-1] + np.cumsum(np.log(lam) - np.log(agents * mu + j * theta))
    logs = np.concatenate([log_low, log_high])
    pi = np.exp(logs - logs.max())
    pi /= pi.sum()
    queue = float((j * pi[agents + 1:]).sum())
    p_ab = theta * queue / lam
    x = agents * mu / theta
    inner = np.cumsum(1.0 / (theta * (x + j)))
    asa = float((pi[agents:agents + j_max] * x / (x + j) * inner).sum()) / (1 - p_ab)
    return {"wait_probability": float(pi[agents:].sum()), "abandon_probability": p_ab, "asa_seconds": asa,
            "mean_queue_length": queue}


def linear_scan_day(loads: np.ndarray, aht: float, patience: float, target: float, max_abandon: float) -> list[int]:
    out = []
    for load in loads:
        n = 1
        while True:
            m = erlang_a.metrics(float(load), n, aht_seconds=aht, patience_seconds=patience, threshold_seconds=20)
            if float(m.service_level) >= target and float(m.abandon_probability) <= max_abandon:
                break
            n += 1
        out.append(n)
    return out


def row(name: str, ours: float, baseline: float, note: str = "") -> None:
    print(f"{name:<58} {ours * 1e3:9.3f} ms  baseline {baseline * 1e3:9.3f} ms  x{baseline / ours:7.1f} {note}")


def main() -> None:
    print(f"numpy {np.__version__}, python {sys.version.split()[0]}")
    load_b, agents_b = 19500.0, 20000
    ours = best_of(lambda: erlang_b.blocking(load_b, agents_b), number=50)
    base = best_of(lambda: erlang_b_recursion(load_b, agents_b), number=5)
    diff = abs(erlang_b.blocking(load_b, agents_b) / erlang_b_recursion(load_b, agents_b) - 1)
    row("Erlang B, N = 20,000, A = 19,500 (vs O(N) recursion)", ours, base, f"rel. diff {diff:.1e}")

    ours = best_of(lambda: erlang_c.metrics(9500.0, 10000, aht_seconds=300, threshold_seconds=20), number=50)
    base = best_of(lambda: erlang_c_recursion(9500.0, 10000, 300.0, 20.0), number=5)
    row("Erlang C metrics, N = 10,000, A = 9,500 (vs recursion)", ours, base)

    def a_all() -> object:
        return erlang_a.metrics(1400.0, 1500, aht_seconds=300, patience_seconds=180, threshold_seconds=20)

    ours = best_of(a_all, number=20)
    base = best_of(lambda: erlang_a_chain(1400.0, 1500, 300.0, 180.0), number=20)
    row("Erlang A all metrics, N = 1,500, A = 1,400 (vs numpy chain*)", ours, base)
    ours = best_of(lambda: erlang_a.metrics(1600.0, 1500, aht_seconds=300, patience_seconds=180,
                                            threshold_seconds=20), number=20)
    base = best_of(lambda: erlang_a_chain(1600.0, 1500, 300.0, 180.0), number=20)
    row("Erlang A all metrics, N = 1,500, A = 1,600 (overload)", ours, base)
    ours = best_of(lambda: erlang_a.metrics(19000.0, 20000, aht_seconds=300, patience_seconds=1e5,
                                            threshold_seconds=20), number=10)
    base = best_of(lambda: erlang_a_chain(19000.0, 20000, 300.0, 1e5), repeats=3)
    row("Erlang A all metrics, N = 20,000, patience 1e5 s", ours, base)

    loads = np.linspace(5.0, 150.0, 96)
    ours = best_of(lambda: required_agents(loads, aht_seconds=300, method="erlang_a", patience_seconds=180,
                                           target_sl=0.8, max_abandon=0.05), repeats=5)
    base = best_of(lambda: linear_scan_day(loads, 300.0, 180.0, 0.8, 0.05), repeats=1)
    same = required_agents(loads, aht_seconds=300, method="erlang_a", patience_seconds=180, target_sl=0.8,
                           max_abandon=0.05).tolist() == linear_scan_day(loads, 300.0, 180.0, 0.8, 0.05)
    row("Erlang A staffing, 96 intervals, 80/20 + 5 % abandon cap", ours, base, f"same answer: {same}")
    ours = best_of(lambda: required_agents(loads, aht_seconds=300, method="erlang_a", patience_seconds=180,
                                           target_sl=0.8, max_abandon=0.05, max_asa_seconds=15,
                                           max_occupancy=0.85, sl_definition="short_excluded"), repeats=5)
    print(f"{'Erlang A staffing, 96 intervals, four joint targets':<58} {ours * 1e3:9.3f} ms")
    ours = best_of(lambda: required_agents(loads, aht_seconds=300, method="erlang_c", target_sl=0.8), repeats=5)
    print(f"{'Erlang C staffing, 96 intervals, 80/20':<58} {ours * 1e3:9.3f} ms")
    print("* the chain computes four metrics only (no service level); Erlang A here computes all eleven.")

    # A staffing engine's table: 24 intervals x 100 staffing levels, all metrics, on the compiled kernels (what
    # batches of that size use) against the numpy kernels (what one-off calls use).
    load = np.repeat(np.linspace(5.0, 150.0, 24), 100)
    agents = np.maximum(1, np.round(load * np.tile(np.linspace(0.5, 1.6, 100), 24))).astype(np.int64)
    ones = np.ones(load.size)
    args = (load, agents, 300 * ones, 180 * ones, 20 * ones, 5 * ones, erlang_a.ALL_QUANTITIES)
    ours = best_of(lambda: erlang_a.evaluate(*args), repeats=3)
    compiled = erlang_a.evaluate(*args)
    threshold, _numerics.COMPILED_MIN_ROWS = _numerics.COMPILED_MIN_ROWS, 10**12
    try:
        base = best_of(lambda: erlang_a.evaluate(*args), repeats=3)
        plain = erlang_a.evaluate(*args)
    finally:
        _numerics.COMPILED_MIN_ROWS = threshold
    diff = max(float(np.nanmax(np.abs(compiled[q] / plain[q] - 1))) for q in erlang_a.ALL_QUANTITIES)
    row("Erlang A table, 2,400 cells: compiled vs numpy kernels", ours, base, f"max rel. diff {diff:.1e}")


if __name__ == "__main__":
    main()

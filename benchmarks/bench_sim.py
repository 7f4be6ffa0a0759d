"""Speed and memory of the simulation engine, against baselines measured in the same run.

Two cases, each against its baseline (issue "Interactive speed": targets as ratios):

1. The M/M/N+M centre: 2 calls/s, AHT 240 s (exponential), 500 agents, exponential patience with mean 120 s.
   Calls simulated per second by

   * an idiomatic simpy model written below (one process per call, ``request | env.timeout(patience)``),
     given its random numbers pre-drawn with numpy (which only flatters it): the baseline;
   * callsim's simpy engine (``simulate(..., engine="simpy")``);
   * callsim's compiled fast path (``engine="fast"``, what ``"auto"`` picks): target >= 150x the baseline;
   * Ciw, if it is installed (``pip install callsim[bench]``); skipped with a message otherwise (counted:
     the records of calls served or reneged by the end of the horizon).

2. The full default model (``retail_support``: IVR, repeats and redials, lognormal talk, hold and ACW,
   lognormal patience, time-varying staffing), one month at its SIPP staffing: calls per second of the compiled
   fast path against callsim's simpy engine on the same month (the same draws, the same call log): target
   >= 100x.

Each rate is the best of 5 rounds (2 with ``--quick``) that take turns, since the machine may be shared, each
timed with Python's garbage collector off (as ``timeit`` does), and counts the whole job: drawing the random
numbers, simulating, and (for callsim) building the call log. The fast path is compiled (or loaded from numba's
cache) before the rounds start; the first run after installing compiles it, which is printed apart.

Then the peak memory of a simulated month of about one million calls (22 days of 12 hours, a day-shaped
profile, lognormal talk, time-varying staffing) with its full call log, measured with tracemalloc (the
Python heap, numpy arrays included) and, in a fresh process, as the peak resident set (VmHWM; the
interpreter and libraries included, their share printed beside it): target < 300 MiB.

Run: ``python benchmarks/bench_sim.py [--quick]``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import simpy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator.distributions import Exponential, Lognormal
from simulator.sim import CentreModel, simulate

RATE = 2.0  # calls/s
AHT = 240.0  # s
AGENTS = 500
PATIENCE = 120.0  # s


def idiomatic_simpy(hours: float, seed: int) -> int:
    """The textbook simpy model: a Resource of agents, one process per call, reneging by ``req | timeout``."""
    rng = np.random.default_rng(seed)
    horizon = hours * 3600.0
    count = int(rng.poisson(RATE * horizon))
    arrivals = np.sort(rng.random(count) * horizon).tolist()
    patience = rng.exponential(PATIENCE, count).tolist()
    service = rng.exponential(AHT, count).tolist()
    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=AGENTS)
    waits: list[float] = []
    abandons: list[float] = []

    def call(env: simpy.Environment, patience: float, service: float):  # type: ignore[no-untyped-def]
        arrived = env.now
        with agents.request() as request:
            result = yield request | env.timeout(patience)
            if request in result:
                waits.append(env.now - arrived)
                yield env.timeout(service)
            else:
                abandons.append(env.now)

    def source(env: simpy.Environment):  # type: ignore[no-untyped-def]
        previous = 0.0
        for when, p, s in zip(arrivals, patience, service, strict=True):
            yield env.timeout(when - previous)
            previous = when
            env.process(call(env, p, s))

    env.process(source(env))
    env.run()
    assert len(waits) + len(abandons) == count
    return count


def ciw_model(hours: float, seed: int) -> int:
    """The same centre in Ciw (reneging with exponential patience)."""
    import ciw  # type: ignore[import-not-found]

    ciw.seed(seed)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=RATE)],
        service_distributions=[ciw.dists.Exponential(rate=1 / AHT)],
        number_of_servers=[AGENTS],
        reneging_time_distributions=[ciw.dists.Exponential(rate=1 / PATIENCE)],
    )
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(hours * 3600.0)
    return len(sim.get_all_records())


def callsim(engine: str) -> Callable[[float, int], int]:
    def run(hours: float, seed: int) -> int:
        model = CentreModel.stationary(RATE * 3600, AHT, AGENTS, hours, patience_seconds=PATIENCE)
        return len(simulate(model, seed=seed, engine=engine).log)  # type: ignore[arg-type]

    return run


def retail_month() -> tuple[CentreModel, int]:
    """The default scenario's month at its SIPP staffing, and its call count."""
    from simulator.scenario import load_scenario
    from simulator.staffing import analytic_staffing

    scenario = load_scenario(None)
    model = CentreModel.from_scenario(scenario, analytic_staffing(scenario, method="erlang_a").agents)
    return model, len(simulate(model, seed=0).log)


def engine_only(model: CentreModel, repeats: int) -> tuple[float, float]:
    """Best seconds of each engine's event loop on the same draws (what the engines do differently): the
    drawing of the first attempts and the building of the call log, which both share, left out (the repeat
    calls' attributes, drawn in the loop by both, are in)."""
    from simulator.sim import fastpath
    from simulator.sim.draws import ChildPool, draw_roots, make_streams, root_plan
    from simulator.sim.engine import _Centre
    from simulator.sim.timeline import Timeline

    timeline = Timeline(model)
    best = {"simpy": float("inf"), "fast": float("inf")}
    for seed in range(repeats):
        for name in best:
            streams = make_streams(seed)
            draws = draw_roots(model, timeline, streams)
            plan = root_plan(model, draws)
            pool = ChildPool(model, streams)
            with quiet_gc():
                start = time.perf_counter()
                if name == "simpy":
                    _Centre(model, timeline, draws, plan, pool).run()
                else:
                    fastpath.run(model, timeline, draws, plan, pool)
                best[name] = min(best[name], time.perf_counter() - start)
    return best["simpy"], best["fast"]


def rates(contenders: dict[str, tuple[Callable[[float, int], int], float]], repeats: int) -> dict[str, float]:
    """Best calls per second of each contender (run, hours) over rounds that take turns, so that load from
    other processes on a shared machine falls on all of them alike."""
    best = dict.fromkeys(contenders, 0.0)
    for seed in range(repeats):
        for name, (run, hours) in contenders.items():
            with quiet_gc():
                start = time.perf_counter()
                calls = run(hours, seed)
                best[name] = max(best[name], calls / (time.perf_counter() - start))
    return best


@contextlib.contextmanager
def quiet_gc() -> Iterator[None]:
    """Collect, then keep Python's cyclic garbage collector off while timing (as ``timeit`` does), so that no
    contender pays for the garbage another left behind."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def month_model() -> CentreModel:
    """About one million calls over 22 days of 12 hours, a day-shaped profile and staffing to match."""
    n = 24  # 30-minute intervals, 08:00-20:00
    shape = np.sin(np.linspace(0.15, np.pi - 0.15, n)) ** 1.5
    calls_per_day = 1_000_000 / 22
    rate = calls_per_day * shape / shape.sum() / 1800.0
    load = rate * AHT
    agents = np.ceil(load + 1.0 * np.sqrt(load) + 1).astype(int)
    return CentreModel(day_seconds=86400.0, open_seconds=8 * 3600.0, interval_seconds=1800.0,
                       interval_count=n, days=22, arrival_rate=rate, agents=agents,
                       talk=Lognormal(mean=AHT, cv=0.8), patience=Exponential(mean=PATIENCE),
                       day_cv=0.05, month_cv=0.03)


def month_peak_tracemalloc() -> tuple[int, float, float]:
    tracemalloc.start()
    start = time.perf_counter()
    result = simulate(month_model(), seed=0)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return len(result.log), peak / 2**20, seconds


def month_peak_rss() -> dict[str, float]:
    """Run the month in a fresh process (this script with ``--month-only``): its peak resident set size."""
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--month-only"], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def _peak_rss_mib() -> float:
    """This process's peak resident set (VmHWM: unlike ru_maxrss, not inherited across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # pragma: no cover - not Linux


def month_only() -> None:
    base = _peak_rss_mib()
    start = time.perf_counter()
    log = simulate(month_model(), seed=0).log
    seconds = time.perf_counter() - start
    print(json.dumps({"calls": len(log), "base_mb": base, "peak_mb": _peak_rss_mib(), "seconds": seconds}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs (noisier figures)")
    parser.add_argument("--month-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.month_only:
        month_only()
        return
    repeats = 2 if args.quick else 5
    idiomatic_hours, engine_hours, fast_hours = (1.0, 2.0, 12.0) if args.quick else (2.0, 4.0, 24.0)

    start = time.perf_counter()
    simulate(CentreModel.stationary(720, 240, 5, 0.1, patience_seconds=120), seed=0, engine="fast")
    print(f"compiled fast path ready in {time.perf_counter() - start:.2f} s (compiled now, or loaded from "
          "numba's cache)")

    print(f"M/M/N+M: {RATE:g} calls/s, AHT {AHT:g} s, {AGENTS} agents, patience {PATIENCE:g} s (exponential)")
    baseline_name = "idiomatic simpy (request | timeout)"
    contenders = {
        baseline_name: (idiomatic_simpy, idiomatic_hours),
        "callsim simpy engine": (callsim("simpy"), engine_hours),
        "callsim fast path": (callsim("fast"), fast_hours),
    }
    try:
        import ciw  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        print("Ciw is not installed (pip install 'callsim[bench]'): skipping it")
    else:
        contenders["Ciw"] = (ciw_model, idiomatic_hours / 2)
    measured = rates(contenders, repeats)
    baseline = measured[baseline_name]
    for name, value in measured.items():
        print(f"  {name:40s} {value:12,.0f} calls/s   {value / baseline:7.1f} x idiomatic simpy")
    ratio = measured["callsim fast path"] / baseline
    print(f"  target: compiled fast path >= 150 x idiomatic simpy: {'met' if ratio >= 150 else 'NOT met'} "
          f"({ratio:.0f} x)")

    model, calls = retail_month()
    print(f"retail_support, one month at its SIPP staffing ({calls:,} call attempts; IVR, repeats, redials, "
          "lognormal times)")
    full = rates({"callsim simpy engine": (lambda _h, seed: len(simulate(model, seed=seed, engine="simpy").log), 0),
                  "callsim fast path": (lambda _h, seed: len(simulate(model, seed=seed, engine="fast").log), 0)},
                 max(1, repeats // 2))
    for name, value in full.items():
        print(f"  {name:40s} {value:12,.0f} calls/s")
    ratio = full["callsim fast path"] / full["callsim simpy engine"]
    print(f"  target: compiled fast path >= 100 x callsim's simpy engine: {'met' if ratio >= 100 else 'NOT met'} "
          f"({ratio:.0f} x, the whole job)")
    simpy_loop, fast_loop = engine_only(model, max(1, repeats // 2))
    print(f"  the event loop alone, on the same pre-drawn calls (no drawing, no call log): simpy engine "
          f"{simpy_loop:.3f} s, fast path {fast_loop:.4f} s: {simpy_loop / fast_loop:.0f} x")

    calls, peak, _ = month_peak_tracemalloc()
    print(f"month of {calls:,} calls with its call log: peak {peak:.0f} MiB traced (tracemalloc)")
    rss = month_peak_rss()
    print(f"  same in a fresh process: peak RSS {rss['peak_mb']:.0f} MiB "
          f"({rss['base_mb']:.0f} MiB before simulating: interpreter and libraries); "
          f"simulated in {rss['seconds']:.1f} s ({rss['calls'] / rss['seconds']:,.0f} calls/s, auto engine)")
    print(f"  target < 300 MiB: {'met' if max(peak, rss['peak_mb']) < 300 else 'NOT met'}")


if __name__ == "__main__":
    main()

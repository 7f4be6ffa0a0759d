"""A 2,000-task sweep on the local process pool against the same tasks run one after another.

Each task simulates one replication of a small stationary centre (M/M/N+M: 360 calls/h, AHT 180 s,
20 agents, patience 120 s, four hours of arrivals, its own seed) and computes its metrics, through
:func:`simulator.replications.replicate` with one replication, the way the sweep runner's real tasks do.

Printed, all measured in this run:
- sequential time, pool time, the speed-up and its ratio to the core count (target: near the core count);
- the per-task overhead of the pool: the pool's time for 2,000 tasks that do nothing, divided by 2,000, and
  the overhead seen in the real sweep, (pool time × workers − sequential time) / tasks;
- that the pool's results are identical to the sequential ones.

Run: ``python benchmarks/bench_sweep.py [--tasks N] [--workers W]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator.scenario.model import Definitions
from simulator.sim.model import CentreModel
from simulator.sweep import Task, available_cores, opened, run_tasks

DEFINITIONS = Definitions()


def one_replication(seed: int) -> tuple[float, float, float]:
    """Service level, abandonment and ASA of four simulated hours."""
    from simulator.replications import replicate

    model = CentreModel.stationary(360.0, 180.0, 20, 4.0, patience_seconds=120.0)
    summary = replicate(model, replications=1, seed=seed, definitions=DEFINITIONS, threshold_seconds=20.0,
                        workers=1)
    m = summary.metrics
    return m["service_level"].mean, m["abandon_rate"].mean, m["asa_seconds"].mean


def nothing(_: int) -> None:
    return None


def timed(tasks: list[Task], backend: object) -> tuple[float, list[object]]:
    start = time.perf_counter()
    results = run_tasks(tasks, backend=backend)  # type: ignore[arg-type]
    return time.perf_counter() - start, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=2000, help="tasks in the sweep; default 2000")
    parser.add_argument("--workers", type=int, default=available_cores(), help="pool processes; default all cores")
    args = parser.parse_args()

    work = [Task(f"replication {k}", one_replication, (k,)) for k in range(args.tasks)]
    empty = [Task(f"nothing {k}", nothing, (k,)) for k in range(args.tasks)]
    with opened(f"local:{args.workers}") as pool:
        run_tasks(empty[: 2 * args.workers], backend=pool)  # start the workers before timing
        empty_time, _ = timed(empty, pool)
        pool_time, pooled = timed(work, pool)
    sequential_time, sequential = timed(work, "sequential")

    identical = all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(pooled, sequential, strict=True))
    speedup = sequential_time / pool_time
    overhead = (pool_time * args.workers - sequential_time) / args.tasks
    print(f"sweep of {args.tasks} tasks (four simulated hours of M/M/20+M each), {args.workers} workers")
    print(f"  sequential        {sequential_time:8.2f} s   ({1000 * sequential_time / args.tasks:.2f} ms per task)")
    print(f"  local pool        {pool_time:8.2f} s")
    print(f"  speed-up          {speedup:8.2f} x   ({speedup / args.workers:.0%} of the {args.workers} cores)")
    print(f"  pool overhead     {1e3 * empty_time / args.tasks:8.3f} ms per task (empty tasks), "
          f"{1e3 * overhead:.3f} ms per task in the sweep")
    print(f"  identical results {identical}")
    if not identical:
        raise SystemExit("the pool's results differ from the sequential ones")


if __name__ == "__main__":
    main()

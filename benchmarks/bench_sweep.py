"""A 2,000-task sweep on the local process pool against the same tasks run one after another.

Each task simulates one replication of a small stationary centre (M/M/N+M: 360 calls/h, AHT 180 s,
20 agents, patience 120 s, a day of arrivals, its own seed) and computes its metrics, through
:func:`simulator.replications.replicate` with one replication, the way the sweep runner's real tasks do.

Printed, all measured in this run:
- sequential time; the pool's time with one task per round trip and with chunks of 16 (``--chunk``), each
  with its speed-up and its ratio to the core count (target: near the core count);
- the per-task overhead of the pool: its time for 2,000 tasks that do nothing, divided by 2,000, and the
  overhead seen in the real sweep, (pool time × workers − sequential time) / tasks;
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
    """Service level, abandonment and ASA of one simulated day."""
    from simulator.replications import replicate

    model = CentreModel.stationary(360.0, 180.0, 20, 24.0, patience_seconds=120.0)
    summary = replicate(model, replications=1, seed=seed, definitions=DEFINITIONS, threshold_seconds=20.0,
                        workers=1)
    m = summary.metrics
    return m["service_level"].mean, m["abandon_rate"].mean, m["asa_seconds"].mean


def nothing(_: int) -> None:
    return None


def timed(tasks: list[Task], backend: object, chunk: int) -> tuple[float, list[object]]:
    start = time.perf_counter()
    results = run_tasks(tasks, backend=backend, chunk_size=chunk)  # type: ignore[arg-type]
    return time.perf_counter() - start, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=2000, help="tasks in the sweep; default 2000")
    parser.add_argument("--workers", type=int, default=available_cores(), help="pool processes; default all cores")
    parser.add_argument("--chunk", type=int, default=16, help="tasks per round trip in the second run; default 16")
    args = parser.parse_args()

    work = [Task(f"replication {k}", one_replication, (k,)) for k in range(args.tasks)]
    empty = [Task(f"nothing {k}", nothing, (k,)) for k in range(args.tasks)]
    first_sequential, sequential = timed(work, "sequential", 1)  # before and after the pool: the best counts
    timings: dict[int, tuple[float, float]] = {}
    pooled: dict[int, list[object]] = {}
    with opened(f"local:{args.workers}") as pool:
        run_tasks(empty[: 2 * args.workers], backend=pool)  # start the workers before timing
        for chunk in (1, args.chunk):
            empty_time, _ = timed(empty, pool, chunk)
            pool_time, pooled[chunk] = timed(work, pool, chunk)
            timings[chunk] = (empty_time, pool_time)
    sequential_time = min(first_sequential, timed(work, "sequential", 1)[0])

    print(f"sweep of {args.tasks} tasks (one simulated day of M/M/20+M each), {args.workers} workers")
    print(f"  sequential             {sequential_time:8.2f} s   ({1e3 * sequential_time / args.tasks:.2f} ms per task)")
    identical = True
    for chunk, (empty_time, pool_time) in timings.items():
        same = all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(pooled[chunk], sequential,
                                                                                strict=True))
        identical &= same
        speedup = sequential_time / pool_time
        overhead = (pool_time * args.workers - sequential_time) / args.tasks
        print(f"  local pool, chunk {chunk:<4} {pool_time:8.2f} s   speed-up {speedup:.2f} x "
              f"({speedup / args.workers:.0%} of {args.workers} cores); overhead per task "
              f"{1e3 * empty_time / args.tasks:.3f} ms (empty tasks), {1e3 * overhead:.3f} ms (in the sweep); "
              f"identical to sequential: {same}")
    if not identical:
        raise SystemExit("the pool's results differ from the sequential ones")


if __name__ == "__main__":
    main()

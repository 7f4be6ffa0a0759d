"""Sweeps: many independent tasks on one process, a local pool or a Dask cluster, with checkpoints."""

from simulator.sweep.backends import (
    SEQUENTIAL,
    SPEC_HELP,
    Backend,
    available_cores,
    open_backend,
    opened,
    pool_spec,
    worker_count,
)
from simulator.sweep.runner import Progress, Sweep, Task, digest, run_tasks
from simulator.sweep.store import SweepStore

__all__ = [
    "SEQUENTIAL",
    "SPEC_HELP",
    "Backend",
    "Progress",
    "Sweep",
    "SweepStore",
    "Task",
    "available_cores",
    "digest",
    "open_backend",
    "opened",
    "pool_spec",
    "run_tasks",
    "worker_count",
]

"""Load the compiled kernels that a simulated month runs, before the first month needs them.

A worker of a fresh process pool imports numba (a third of a second) and loads the kernels from numba's cache
(about half a second) when its first month arrives, while the quote that sent the month waits. ``callsim quote``
instead imports numba and the month's modules in its own process before the pool forks
(:func:`import_for_months`: it needs numba later for its Erlang kernels anyway), and its workers run
:func:`load_compiled` as they start (:func:`simulator.sweep.backends.local_backend`), while the quote sets up
its staffing search. :func:`load_compiled` simulates and sums one tiny month with every feature the kernels
branch on (IVR, patience, ring time, repeat calls and redials), so the kernels are loaded with the argument
types a real month passes.
"""

from __future__ import annotations

import numpy as np

__all__ = ["import_for_months", "load_compiled"]


def load_compiled() -> None:
    """Simulate and sum a tiny month, which loads (or, after installing, compiles) every kernel a month runs."""
    from simulator.distributions import Exponential
    from simulator.metrics import cell_sums
    from simulator.risk.reduction import carried_in
    from simulator.scenario.model import Definitions
    from simulator.sim import CentreModel, simulate

    model = CentreModel(day_seconds=86400.0, open_seconds=28800.0, interval_seconds=1800.0, interval_count=2,
                        days=2, arrival_rate=np.full(2, 0.02), agents=np.array([2, 3]),
                        patience=Exponential(mean=120.0), talk=Exponential(mean=180.0), ring=Exponential(mean=3.0),
                        ivr_navigation=Exponential(mean=30.0), ivr_containment=0.1, ivr_abandon=0.05, fcr=0.5,
                        repeat_delay=Exponential(mean=600.0), redial_probability=0.5,
                        redial_delay=Exponential(mean=300.0))
    result = simulate(model, seed=0, ordered=False)
    cell_sums(result, Definitions(), 20.0)
    carried_in(result)


def import_for_months() -> None:
    """Import numba and the modules a simulated month runs in, in this process, before it forks a pool: the
    workers then start with them imported (which this process needs later anyway) and only load the kernels."""
    import numba  # noqa: F401

    import simulator.risk.reduction  # noqa: F401

"""The simulation engine: a simpy model of the call centre, an exact fast path, and the call log.

>>> from simulator.sim import CentreModel, simulate
>>> result = simulate(CentreModel.stationary(calls_per_hour=360, aht_seconds=240, agents=28, hours=8,
...                                          patience_seconds=120), seed=1)
>>> len(result.log) > 0
True
"""

from simulator.sim.calllog import OUTCOMES, CallLog, SimulationResult
from simulator.sim.draws import Trace
from simulator.sim.engine import ENGINES, simulate
from simulator.sim.model import CentreModel

__all__ = ["ENGINES", "OUTCOMES", "CallLog", "CentreModel", "SimulationResult", "Trace", "simulate"]

"""callsim: price call-centre service-level agreements.

Erlang B/C/A (:mod:`simulator.analytic`), a simpy discrete-event model (:mod:`simulator.sim`), scenario files
(:mod:`simulator.scenario`) and, on top, staffing and pricing.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]

"""Erlang B, C and A as pure, vectorised functions, and the staffing search built on them.

- :mod:`~simulator.analytic.erlang_b`: blocking probability of M/M/N/N;
- :mod:`~simulator.analytic.erlang_c`: M/M/N (callers wait for ever): P(wait), service level, ASA, occupancy;
- :mod:`~simulator.analytic.erlang_a`: M/M/N+M (exponential patience): abandonment and the five service-level
  definitions of domain.md §1.2, for any load;
- :func:`required_agents`: the fewest agents meeting service-level, ASA, abandonment and occupancy targets
  together, per interval.

Every function broadcasts over numpy arrays (one element per interval) and is accurate to about 1e-13 relative
against 50-digit references, from 1 to 20,000 agents and beyond (tests/analytic).
"""

from simulator.analytic import erlang_a, erlang_b, erlang_c
from simulator.analytic.staffing import METHODS, required_agents

__all__ = ["METHODS", "erlang_a", "erlang_b", "erlang_c", "required_agents"]

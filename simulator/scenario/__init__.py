"""Scenario files: the model (frozen, validated) and the loader (master → tier → project → --set)."""

from simulator.scenario.model import Scenario

__all__ = ["Scenario"]

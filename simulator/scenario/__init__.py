"""Scenario files: the model (frozen, validated) and the loader (master → tier → project → --set)."""

from simulator.scenario.loader import default_scenario_path, load_scenario, parse_override, resolved_items
from simulator.scenario.model import Scenario

__all__ = ["Scenario", "default_scenario_path", "load_scenario", "parse_override", "resolved_items"]

"""Staffing for the contract: the analytic plan per interval, and the staffing the simulation confirms."""

from simulator.staffing.plan import (
    ANALYTIC_METHODS,
    FIELD_FOR_TARGET,
    StaffingPlan,
    analytic_staffing,
    normalise_choice,
    repeat_factor,
)

__all__ = ["ANALYTIC_METHODS", "FIELD_FOR_TARGET", "StaffingPlan", "analytic_staffing", "normalise_choice",
           "repeat_factor"]

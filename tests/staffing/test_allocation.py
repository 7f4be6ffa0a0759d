"""The period allocation and the limits, on responses built by hand (no simulation): exact optimum on small
cases, bounds, shift premiums, and the binding labels."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from simulator.staffing.allocation import allocate
from simulator.staffing.limits import Limits, binding_labels, interval_bounds, occupancy_bound
from simulator.staffing.response import IntervalResponse, IntervalTargets


def response(calls, loads, top=14) -> IntervalResponse:
    """A response whose SL rises with agents as 1 − exp(−(s − a)) above the load (0 below), abandonment falls
    as exp(−(s − a + 1)), occupancy is a/s (every call served): shapes like Erlang A's, known exactly."""
    calls = np.asarray(calls, dtype=float)
    load = np.asarray(loads, dtype=float)
    s = np.arange(top + 1)[None, :].astype(float)
    gap = s - load[:, None]
    sl = np.where(gap > 0, 1 - np.exp(-gap), 0.0)
    abandon = np.minimum(1.0, np.exp(-(gap + 1)))
    with np.errstate(divide="ignore", invalid="ignore"):
        occupancy = np.where(s > 0, load[:, None] / np.maximum(s, 1), np.nan)
    return IntervalResponse(calls=calls, load=load, lowest=np.zeros(calls.size, dtype=int), service_level=sl,
                            denominator=np.ones_like(sl), abandon=abandon, asa=np.full_like(sl, np.nan),
                            occupancy=occupancy, drift=np.zeros((calls.size, 3)), aggregation="volume_weighted")


def brute_force(r: IntervalResponse, target: float, cost: np.ndarray, low: int = 0, high: int = 10) -> float:
    best = np.inf
    for agents in itertools.product(range(low, high + 1), repeat=r.calls.size):
        a = np.array(agents)
        if r.period(a)["service_level"] >= target - 1e-12:
            best = min(best, float((cost * a).sum()))
    return best


@pytest.mark.parametrize(("calls", "loads", "target"), [
    ((100, 300, 50), (2.0, 6.0, 1.0), 0.8),
    ((100, 300, 50), (2.0, 6.0, 1.0), 0.95),
    ((40, 40, 200, 90), (1.0, 1.5, 5.0, 3.0), 0.7),
    ((10, 500, 10), (0.5, 7.5, 0.5), 0.85),
])
def test_allocation_is_the_cheapest_staffing_meeting_the_period_target(calls, loads, target):
    r = response(calls, loads)
    cost = np.ones(len(calls))
    result = allocate(r, IntervalTargets(service_level=target), lower=np.zeros(len(calls), dtype=int),
                      upper=np.full(len(calls), 10), cost=cost)
    assert result.feasible and r.period(result.agents)["service_level"] >= target - 1e-12
    assert float(result.agents.sum()) == brute_force(r, target, cost)


def test_a_period_target_is_cheaper_than_meeting_it_in_every_interval():
    r = response((100, 300, 50, 20), (2.0, 6.0, 1.0, 0.4))
    targets = IntervalTargets(service_level=0.8)
    per_interval = r.required(targets)
    period = allocate(r, targets, lower=np.zeros(4, dtype=int), upper=np.full(4, 14), cost=np.ones(4)).agents
    assert period.sum() < per_interval.sum()
    assert r.period(period)["service_level"] >= 0.8


def test_a_shift_premium_moves_agents_out_of_the_dear_interval():
    r = response((200, 200, 200), (4.0, 4.0, 4.0))
    targets = IntervalTargets(service_level=0.9)
    premium = np.array([1.5, 1.0, 1.0])  # a 50 % premium in the first interval
    dear = allocate(r, targets, lower=np.zeros(3, dtype=int), upper=np.full(3, 14), cost=premium).agents
    assert float((premium * dear).sum()) == brute_force(r, 0.9, premium)
    assert dear[0] == dear.min() and dear[0] < dear.max()
    assert r.period(dear)["service_level"] >= 0.9


def test_bounds_hold_and_an_unreachable_target_is_reported():
    r = response((100, 100), (3.0, 3.0))
    result = allocate(r, IntervalTargets(service_level=0.99), lower=np.array([6, 0]), upper=np.array([14, 5]),
                      cost=np.ones(2))
    assert result.agents[0] >= 6 and result.agents[1] <= 5
    capped = allocate(r, IntervalTargets(service_level=0.999), lower=np.zeros(2, dtype=int),
                      upper=np.array([4, 4]), cost=np.ones(2))
    assert not capped.feasible and capped.agents.tolist() == [4, 4]


def test_abandonment_cap_binds_when_it_is_the_tighter_target():
    r = response((100, 100), (3.0, 5.0))
    result = allocate(r, IntervalTargets(service_level=0.2, max_abandon=0.01), lower=np.zeros(2, dtype=int),
                      upper=np.full(2, 14), cost=np.ones(2))
    assert result.binding == "abandon" and r.period(result.agents)["abandon_rate"] <= 0.01


def test_occupancy_bound_is_the_fewest_agents_under_the_cap():
    r = response((100, 100), (3.0, 7.0))
    bound = occupancy_bound(r, 0.8)
    for i, s in enumerate(bound):
        assert r.occupancy[i, s] <= 0.8 and (s == 0 or r.occupancy[i, s - 1] > 0.8)


def test_binding_labels_by_hand():
    need = np.array([5, 5, 5, 5, 5])
    lower = {"occupancy_cap": np.array([7, 0, 0, 0, 6]), "floor": np.array([0, 8, 0, 0, 6]),
             "min_agents": np.array([2, 2, 2, 6, 2])}
    upper = np.array([20, 20, 4, 20, 20])
    agents = np.array([7, 8, 4, 6, 6])
    targets = np.array(["sla"] * 5, dtype=object)
    labels = binding_labels(agents, need, lower, upper, targets)
    # the cap alone; the floor alone; the seat limit; the minimum; a tie goes to the floor
    assert labels == ["occupancy_cap", "floor", "max_agents", "min_agents", "floor"]
    assert binding_labels(need, need, lower, upper, targets) == ["sla"] * 5


def test_limits_without_one_and_bounds():
    limits = Limits(occupancy_cap=0.85, interval_floor=0.5, day_floor=0.6, min_agents=2, max_agents=12)
    assert limits.in_force() == ["occupancy_cap", "floor", "min_agents", "max_agents"]
    assert limits.without("floor").in_force() == ["occupancy_cap", "min_agents", "max_agents"]
    lower, upper = interval_bounds(response((100, 100), (3.0, 7.0)), limits)
    assert set(lower) == {"occupancy_cap", "floor", "min_agents"} and upper.tolist() == [12, 12]


def test_planning_targets_loosen_and_shift():
    t = IntervalTargets(service_level=0.8, max_abandon=0.05, max_asa=30.0)
    assert t.loosened(0.5).as_dict() == pytest.approx({"service_level": 0.9, "max_abandon_rate": 0.025,
                                                       "max_asa_seconds": 15.0})
    up = t.shifted(np.array([0.5, -0.5, -0.5]))
    assert up.service_level > 0.8 and up.max_abandon < 0.05 and up.max_asa < 30.0
    assert t.shifted(np.zeros(3)) == t

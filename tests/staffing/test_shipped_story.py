"""The shipped projects show the trade-offs they are shipped for (README, "Writing scenario files"): the SLA
binds on retail_support and bank_premium (a tighter target moves agents and price), the occupancy cap on
tech_support (and has a monthly cost), and vip_line is a queue of under ten agents. Full-size quotes: slow."""

from __future__ import annotations

import pytest

from simulator.quoting.quote import quote
from simulator.quoting.whatif import whatif
from simulator.scenario import load_scenario
from tests.helpers import REPO

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(("name", "tighter"), [("retail_support", 0.9), ("bank_premium", 0.95)])
def test_where_the_sla_binds_a_tighter_target_moves_agents_and_price(name, tighter):
    s = load_scenario(REPO / "scenarios" / f"{name}.toml")
    result = whatif(s, {"sla.service_level": tighter})
    base, var = result.baseline, result.variant
    assert base.staffing.binding.count("sla") > len(base.staffing.binding) / 2
    assert var.chain.fte > base.chain.fte and var.total > base.total
    assert result.price_split()["staffing_cost"] > 0
    assert "moves no agent" not in result.summary() and "service level binds" in result.summary()


def test_where_the_cap_binds_the_quote_says_so_and_prices_it():
    q = quote(load_scenario(REPO / "scenarios" / "tech_support.toml"))
    assert q.staffing.binding.count("occupancy_cap") > len(q.staffing.binding) / 2
    cost = q.constraints["occupancy_cap"]
    assert cost.price > 0 and cost.fte > 0
    assert "the occupancy cap costs" in q.constraint_sentence()


def test_the_small_queue_is_under_ten_agents_in_whole_steps():
    q = quote(load_scenario(REPO / "scenarios" / "vip_line.toml"))
    assert q.chain.peak_agents < 10 and min(q.staffing.agents) >= 2

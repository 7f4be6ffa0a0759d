"""The quote pipeline end to end: JSON contract, identities, provenance, search, determinism, monotonicity.

Fast tests quote a small centre (the default scenario at 800 calls a day, 6 open days a month, few repeats) with
3 months per staffing and 60 risk months, sequentially; the scenario files run with the smallest counts here
and with their own counts in the slow tests.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest

from simulator.analytic.definitions import SL_DEFINITIONS
from simulator.errors import ScenarioError
from simulator.jsonutil import dumps
from simulator.quoting.quote import Quote, quote
from simulator.risk import MonthRunner, MonthSet, forecast_model
from simulator.scenario import load_scenario
from simulator.staffing.criteria import criterion_metrics
from tests.helpers import SCENARIOS

SMALL = ("demand.calls_per_day=800", "demand.days_per_month=6", "repeats.fcr=0.9")
FAST = {"replications": 3, "months": 60, "workers": 1}
UNITS = ("fte_month", "productive_hour", "paid_hour", "handled_minute", "call")


@pytest.fixture(scope="module")
def small_quote() -> Quote:
    return quote(load_scenario(None, SMALL), term_months=13, **FAST)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def doc(small_quote: Quote) -> dict:
    return json.loads(dumps(small_quote.to_dict()))


def test_json_has_the_contract_keys(doc):
    for key in ("scenario", "method", "criterion", "seed", "staffing", "hours", "cost", "price", "risk", "metrics",
                "provenance", "renegotiation"):
        assert key in doc, key
    assert doc["scenario"] == "retail_support" and doc["method"] == "erlang_a" and doc["criterion"] == "risk"
    assert doc["seed"] == 0
    assert {"agents_per_interval", "fte", "seats", "support_heads"} <= set(doc["staffing"])
    assert len(doc["staffing"]["agents_per_interval"]) == 24
    assert set(doc["staffing"]["support_heads"]) == {"team_leader", "qa_analyst", "trainer", "wfm_analyst",
                                                     "operations_manager"}
    assert {"required", "productive", "paid"} <= set(doc["hours"])
    assert all(isinstance(v, float) for v in doc["cost"].values())
    assert {"agent_wages", "seats", "licences", "telephony", "recruiting_training", "overhead", "margin",
            "expected_credits"} <= set(doc["cost"])
    assert {"total", *(f"per_{u}" for u in UNITS), "currency"} <= set(doc["price"])
    assert doc["price"]["currency"] == "USD" and doc["billing_unit"] == "productive_hour"
    assert {"p_miss", "p_miss_by_metric", "expected_credits", "credits_p95", "method", "calibration"} <= set(
        doc["risk"])
    assert doc["risk"]["method"] == "surrogate" and doc["risk"]["months"] == 60
    assert set(doc["risk"]["p_miss_by_metric"]) == {"service_level", "abandon_rate"}
    assert {"drift", "slope", "noise_sd"} <= set(doc["risk"]["calibration"]["month"])
    assert doc["renegotiation"] == []
    # the comparison: Erlang C, Erlang A (the scenario has a patience) and the confirmed plan, and all five SLs
    plans = {plan["method"]: plan for plan in doc["comparison"]["plans"]}
    assert set(plans) == {"erlang_c", "erlang_a", "simulation"}
    for plan in plans.values():
        assert {"peak_agents", "agent_hours", "fte", "price"} <= set(plan)
    assert plans["simulation"]["agents_per_interval"] == doc["staffing"]["agents_per_interval"]
    assert set(doc["comparison"]["service_level_by_definition"]) == set(SL_DEFINITIONS)
    assert len(doc["intervals"]) == 24 and doc["intervals"][0]["start"] == "08:00"


def _walk(value, path=""):
    if isinstance(value, dict):
        for key, sub in value.items():
            yield f"{path}.{key}", key, sub
            yield from _walk(sub, f"{path}.{key}")
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            yield from _walk(sub, f"{path}[{i}]")


def test_json_holds_no_timings_or_machine_paths(doc):
    for path, key, value in _walk(doc):
        assert not any(word in key for word in ("time", "elapsed", "duration", "clock", "date")), path
        if isinstance(value, str):
            assert "/work/" not in value and "/tmp/" not in value and "/home/" not in value, (path, value)


def test_price_identities_hold_for_every_unit(small_quote, doc):
    price, total = doc["price"], doc["price"]["total"]
    for unit in UNITS:
        assert price[f"per_{unit}"] * price["quantities"][unit] == pytest.approx(total, rel=1e-12)
    assert price["per_fte_month"] * doc["staffing"]["fte"] == pytest.approx(total, rel=1e-12)
    assert price["per_paid_hour"] * doc["hours"]["paid"] == pytest.approx(total, rel=1e-12)
    answered = small_quote.workload.answered_calls
    assert answered == pytest.approx(doc["metrics"]["answered"], rel=1e-12)  # simulated answered calls a month
    assert price["per_call"] * answered == pytest.approx(total, rel=1e-12)
    minutes = answered * small_quote.workload.handle_seconds / 60.0
    assert price["per_handled_minute"] * minutes == pytest.approx(total, rel=1e-12)
    assert small_quote.workload.handle_seconds == pytest.approx(300 + 35 + 45)  # talk + hold + ACW (acw_in_aht)
    # the cost lines (margin and the priced-in expected credits included) add up to the total
    assert math.fsum(doc["cost"].values()) == pytest.approx(total, rel=1e-12)
    # the total carries the expected credits as a share of itself (credits.py's rule, risk premium 0)
    risk = doc["risk"]
    assert total == pytest.approx(risk["base_price"] + risk["expected_credits"], rel=1e-12)
    assert doc["price"]["base_total"] == pytest.approx(risk["base_price"])


def test_hours_follow_the_fte_chain(small_quote, doc):
    s = small_quote.scenario
    required = sum(doc["staffing"]["agents_per_interval"]) * 0.5 * s.demand.days_per_month
    assert doc["hours"]["required"] == pytest.approx(required)
    assert doc["hours"]["productive"] == pytest.approx(required / s.staffing.schedule_efficiency)
    assert doc["hours"]["paid"] == pytest.approx(doc["hours"]["productive"] / (1 - s.staffing.shrinkage))
    assert doc["staffing"]["fte"] == pytest.approx(doc["hours"]["paid"] / s.rate_card.paid_hours_per_fte_month)
    assert doc["staffing"]["seats"] == math.ceil(max(doc["staffing"]["agents_per_interval"])
                                                 / s.staffing.schedule_efficiency)


def test_provenance_names_where_each_input_came_from(doc):
    provenance = doc["provenance"]
    assert provenance["sla.service_level"].startswith("tier silver")
    assert provenance["sla.max_abandon_rate"].startswith("tier silver")
    assert provenance["staffing.shrinkage"] == "<embedded>/default.toml: staffing.shrinkage"
    assert provenance["rate_card.margin"] == "<embedded>/msa/acme.toml: rate_card.margin"
    assert provenance["demand.calls_per_day"] == "--set"
    assert provenance["definitions.floors.day"] == "default"


def test_term_schedule_escalates_after_a_year(doc):
    term = doc["term"]
    assert term["term_months"] == 13 and len(term["months"]) == 13
    assert term["total"] == pytest.approx(math.fsum(m["total"] for m in term["months"]))
    assert term["months"][12]["price"] == pytest.approx(doc["price"]["total"] * 1.03)
    assert term["months"][0]["ramp_up"] > 0 and term["months"][1]["ramp_up"] == 0


def test_the_mean_criterion_meets_the_targets_on_its_own_simulation():
    mean_quote = quote(load_scenario(None, (*SMALL, "staffing.criterion=mean")), **FAST)  # type: ignore[arg-type]
    confirmed = mean_quote.staffing
    s = mean_quote.scenario
    assert confirmed.met and confirmed.source == "search"
    # Simulate the answer again, independently of the search's cache: the same seeds give the same months,
    # and their means meet every target.
    with MonthRunner(workers=1) as runner:
        seeds = np.random.SeedSequence(0).spawn(FAST["replications"])
        again = MonthSet(tuple(runner.run(forecast_model(s, confirmed.agents), seeds, s)), s.definitions)
    values = criterion_metrics(again)
    assert values == criterion_metrics(confirmed.sims)
    assert values["service_level"] >= s.sla.service_level
    assert values["abandon_rate"] <= s.sla.max_abandon_rate
    # Every candidate the search judged on simulated months and called met does meet on those months.
    for step in confirmed.steps:
        if step.simulated is not None and step.meets:
            assert step.simulated["service_level"] >= s.sla.service_level
    assert confirmed.knob == 1.0  # the mean criterion plans at the contract's own targets


def test_same_seed_gives_identical_json_and_another_seed_does_not(small_quote):
    s = small_quote.scenario
    first = dumps(small_quote.to_dict())
    again = quote(s, term_months=13, replications=3, months=60, workers=2)  # on a process pool this time
    assert dumps(again.to_dict()) == first
    other = quote(s, seed=1, term_months=13, replications=3, months=60, workers=1)
    assert dumps(other.to_dict()) != first


def test_a_locked_field_set_on_the_command_line_is_a_renegotiation():
    s = load_scenario(None, (*SMALL, "definitions.sl_definition=answered_only"))
    doc = quote(s, replications=2, months=30, workers=1).to_dict()
    assert doc["renegotiation"] == ["definitions.sl_definition"]
    assert doc["provenance"]["definitions.sl_definition"] == "--set"


@pytest.mark.parametrize("overrides", [(), ("sla.max_abandon_rate=0.2", "staffing.occupancy_cap=0.99")],
                         ids=["silver", "sl-binding"])
def test_a_tighter_service_level_never_lowers_staffing_or_price(overrides):
    results = []
    for target in (0.7, 0.8, 0.9):
        s = load_scenario(None, (*SMALL, *overrides, f"sla.service_level={target}"))
        q = quote(s, replications=3, months=60, workers=1)
        # The base price also moves with the simulated answered calls (telephony), by cents; the staffing and
        # the price quoted are what a tighter target must not lower.
        results.append((int(q.chain.agents_per_interval.sum()), q.chain.peak_agents, q.chain.fte, q.total))
    for looser, tighter in itertools.pairwise(results):
        assert all(t >= lo for lo, t in zip(looser, tighter, strict=True)), (looser, tighter)
    if overrides:  # where the SL target binds, 0.7 → 0.9 must cost agents
        assert results[-1][0] > results[0][0]


def test_risk_criterion_keeps_p_miss_below_the_limit():
    s = load_scenario(None, (*SMALL, "staffing.criterion=risk", "staffing.risk=0.2"))
    q = quote(s, replications=3, months=60, workers=1)
    confirmed = q.staffing
    assert confirmed.criterion == "risk" and confirmed.risk_limit == 0.2
    assert q.risk_months.p_miss_any(s) <= 0.2
    answer = confirmed.steps[-1]
    assert answer.stage == "final" and answer.p_miss is not None and answer.p_miss <= 0.2
    # Every knob the search called failing had a surrogate P(miss) above the limit.
    assert all(step.p_miss is not None and step.p_miss > 0.2 for step in confirmed.steps
               if step.stage == "risk" and not step.meets)
    mean = quote(load_scenario(None, (*SMALL, "staffing.criterion=mean")), replications=3, months=60, workers=1)
    assert q.chain.agents_per_interval.sum() >= mean.chain.agents_per_interval.sum()


def test_a_fixed_staffing_is_quoted_as_given():
    s = load_scenario(None, (*SMALL, "staffing.agents=9"))
    q = quote(s, replications=2, months=30, workers=1)
    assert q.staffing.source == "staffing.agents" and q.staffing.knob is None
    assert q.chain.agents_per_interval.tolist() == [9] * 24
    assert q.to_dict()["staffing"]["search"]["met"] in (True, False)


def test_tables_for_pandas(small_quote):
    staffing = small_quote.staffing_frame()
    assert list(staffing.index) == small_quote.scenario.interval_starts
    assert staffing["agents"].tolist() == small_quote.chain.agents_per_interval.tolist()
    assert small_quote.cost_frame()["amount"].sum() == pytest.approx(small_quote.total)
    price = small_quote.price_frame()
    assert price.loc["productive_hour", "billed"] and price["billed"].sum() == 1
    assert (price["price"] * price["quantity"]).to_numpy() == pytest.approx(small_quote.total)
    assert set(small_quote.comparison_frame().index) == {"erlang_c", "erlang_a", "simulation"}
    assert small_quote.to_frame().loc["total", "value"] == pytest.approx(small_quote.total)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"risk_method": "monte-carlo"}, "risk_method"),
    ({"months": 0}, "simulation.months"),
    ({"replications": 0}, "simulation.replications"),
    ({"term_months": 0}, "term_months"),
    ({"seed": -1}, "simulation.seed"),
])
def test_bad_arguments_name_their_field(kwargs, field):
    with pytest.raises(ScenarioError) as info:
        quote(load_scenario(None, SMALL), **kwargs)
    assert info.value.field == field


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_scenario_quotes(path):
    s = load_scenario(path)
    q = quote(s, replications=1, months=20, workers=1)
    doc = json.loads(dumps(q.to_dict()))
    assert doc["scenario"] == path.stem
    assert doc["price"]["total"] > 0 and doc["staffing"]["fte"] > 0
    assert doc["billing_unit"] == s.billing.unit
    assert 0 <= doc["risk"]["p_miss"] <= 1


@pytest.mark.slow
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_scenario_quotes_with_its_own_counts(path):
    s = load_scenario(path)
    q = quote(s)
    doc = q.to_dict()
    assert doc["staffing"]["search"]["met"]
    assert doc["risk"]["months"] == s.simulation.months
    assert doc["staffing"]["search"]["months_per_evaluation"] == s.simulation.replications
    assert math.fsum(doc["cost"].values()) == pytest.approx(doc["price"]["total"], rel=1e-12)

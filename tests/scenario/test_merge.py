"""Merge order (master → tier → project → --set), provenance, tiers, locked fields and with_changes."""

from __future__ import annotations

import pickle

import pytest

from simulator.distributions import Exponential, Lognormal
from simulator.errors import ScenarioError
from simulator.scenario import Scenario, load_scenario, parse_override, resolved_items
from tests.scenario.conftest import MINIMAL_PROJECT


def project(top: str = "", tail: str = "") -> str:
    """The minimal project with top-level keys ``top`` (before any table) and tables ``tail``."""
    return top + MINIMAL_PROJECT + tail


def test_merge_order_and_provenance(write, master) -> None:
    """The same key set at each level: the later level wins, and provenance names it."""
    path = write(project('tier = "gold"\n', "[sla]\nmax_abandon_rate = 0.04\nmax_asa_seconds = 30\n"))
    scenario = load_scenario(path, ["sla.max_asa_seconds=25"])
    sla = scenario.sla
    # master [sla] says 20 s / 0.80 / 5 %; tier gold 20 s / 0.90 / 3 %; project 4 %, ASA 30; --set ASA 25.
    assert (sla.threshold_seconds, sla.service_level) == (20, 0.9)
    assert (sla.max_abandon_rate, sla.max_asa_seconds) == (0.04, 25)
    p = scenario.provenance
    assert p["sla.service_level"] == f"tier gold ({master})"
    assert p["sla.max_abandon_rate"] == f"{path}: sla.max_abandon_rate"
    assert p["sla.max_asa_seconds"] == "--set"
    assert p["staffing.shrinkage"] == f"{master}: staffing.shrinkage"
    assert p["staffing.risk"].endswith("msa/acme.toml: staffing.risk")
    assert p["demand.profile"] == f"{path}: demand.profile"  # a list is one leaf
    assert p["tier"] == f"{path}: tier"
    # Every resolved value has a source, and resolved_items shows the same ones.
    rows = resolved_items(scenario)
    assert all(source for _, _, source in rows)
    assert {path: source for path, _, source in rows}["sla.max_asa_seconds"] == "--set"
    assert p["sla.max_asa_seconds"] == "--set"
    assert len(p) >= len(rows) > 50


def test_master_values_apply_without_a_tier(write, master) -> None:
    scenario = load_scenario(write(MINIMAL_PROJECT))
    assert scenario.tier is None
    assert (scenario.sla.service_level, scenario.sla.max_abandon_rate) == (0.8, 0.05)
    assert scenario.provenance["sla.service_level"] == f"{master}: sla.service_level"
    assert scenario.rate_card.margin == 0.28 and scenario.agreement.currency == "USD"


@pytest.mark.parametrize(("name", "target", "threshold", "cap"),
                         [("gold", 0.9, 20, 0.03), ("silver", 0.8, 20, 0.05), ("bronze", 0.7, 30, 0.08)])
def test_each_tier_applies_its_sla(write, name, target, threshold, cap) -> None:
    scenario = load_scenario(write(MINIMAL_PROJECT), [f"tier={name}"])
    assert scenario.tier == name
    assert (scenario.sla.service_level, scenario.sla.threshold_seconds, scenario.sla.max_abandon_rate) == (
        target, threshold, cap)
    assert scenario.provenance["tier"] == "--set"


def test_tier_precedence(write, master) -> None:
    path = write(project('tier = "bronze"\n'))
    assert load_scenario(path).sla.service_level == 0.7
    assert load_scenario(path, ["tier=silver"]).sla.service_level == 0.8
    chosen = load_scenario(path, ["tier=silver"], tier="gold")  # the argument wins over --set and the file
    assert chosen.tier == "gold" and chosen.sla.service_level == 0.9
    assert chosen.provenance["tier"] == "--tier"
    assert chosen.provenance["sla.threshold_seconds"] == f"tier gold ({master})"


def test_project_sla_beats_tier(write) -> None:
    path = write(project('tier = "gold"\n', "[sla]\nservice_level = 0.85\n"))
    scenario = load_scenario(path)
    assert scenario.sla.service_level == 0.85 and scenario.sla.max_abandon_rate == 0.03


def test_standalone_project_without_master(write) -> None:
    text = MINIMAL_PROJECT.replace('msa = "msa/acme.toml"\n', "")
    scenario = load_scenario(write(text))
    assert scenario.rate_card.margin == Scenario.model_fields["rate_card"].default.margin
    assert scenario.provenance["rate_card.margin"] == "default"
    assert scenario.tiers == {} and scenario.renegotiation == ()


def test_name_defaults_to_file_stem(write) -> None:
    path = write(MINIMAL_PROJECT.replace('name = "minimal"\n', ""), name="my_queue.toml")
    assert load_scenario(path).name == "my_queue"


def test_distribution_replaced_whole_by_file_merged_by_set(write, master) -> None:
    # The master sets no handling; the project gives talk as a lognormal; the model's default is exponential.
    path = write(MINIMAL_PROJECT + '[handling]\ntalk = { kind = "lognormal", mean = 300, cv = 0.8 }\n'
                 '[patience]\nkind = "exponential"\nmean = 90\n')
    base = load_scenario(path)
    assert base.handling.talk == Lognormal(mean=300, cv=0.8)
    merged = load_scenario(path, ["handling.talk.mean=200"])
    assert merged.handling.talk == Lognormal(mean=200, cv=0.8)  # cv kept: --set merges that one key
    assert merged.provenance["handling.talk.mean"] == "--set"
    assert merged.provenance["handling.talk.cv"] == f"{path}: handling.talk.cv"
    replaced = load_scenario(path, ['handling.talk={kind="exponential", mean=100}'])
    assert replaced.handling.talk == Exponential(mean=100)  # a whole table replaces
    switched = load_scenario(path, ["handling.talk.kind=exponential"])
    assert switched.handling.talk == Exponential(mean=300)  # keys the new kind lacks (cv) are dropped
    patience = load_scenario(path, ["patience.kind=gamma", "patience.cv=0.5"])
    assert patience.patience is not None and patience.patience.kind == "gamma"
    assert patience.patience.mean_seconds == 90


def test_project_table_replaces_master_distribution(write, master) -> None:
    master.write_text(master.read_text() + '\n[handling]\nhold = {kind = "lognormal", mean = 30, cv = 2}\n')
    path = write(MINIMAL_PROJECT + '[handling]\nhold = { kind = "exponential", mean = 40 }\n')
    scenario = load_scenario(path)
    assert scenario.handling.hold == Exponential(mean=40)
    assert "handling.hold.cv" not in scenario.provenance


def test_sections_and_roles_merge_key_by_key(write, master) -> None:
    path = write(MINIMAL_PROJECT + "[rate_card.roles.team_leader]\nspan = 15\n[rate_card.roles.coach]\n"
                 "hourly_wage = 14.0\nspan = 50\n")
    card = load_scenario(path).rate_card
    assert card.roles["team_leader"].span == 15 and card.roles["team_leader"].hourly_wage == 11.0
    assert set(card.roles) >= {"team_leader", "qa_analyst", "trainer", "coach"}
    assert card.agent_hourly_wage == 6.5  # untouched master value


def test_none_clears_an_optional_field(write) -> None:
    path = write(project('tier = "gold"\n'))
    scenario = load_scenario(path, ["sla.max_abandon_rate=none", "tier=none"])
    assert scenario.tier is None
    assert scenario.sla.max_abandon_rate is None and scenario.sla.service_level == 0.8


def test_overrides_apply_in_order(write) -> None:
    scenario = load_scenario(write(MINIMAL_PROJECT), ["sla.service_level=0.9", "sla.service_level=0.85"])
    assert scenario.sla.service_level == 0.85
    assert load_scenario(write(MINIMAL_PROJECT), "sla.service_level=0.9").sla.service_level == 0.9


@pytest.mark.parametrize(("text", "expected"), [
    ("sla.service_level=0.9", ("sla.service_level", 0.9)),
    ('demand.open="07:00"', ("demand.open", "07:00")),
    ("demand.open=07:00", ("demand.open", "07:00")),
    ("demand.open=07:00:00", ("demand.open", "07:00:00")),  # a TOML time stays the string the user typed
    ("patience.kind=lognormal", ("patience.kind", "lognormal")),
    ("patience.mean=200", ("patience.mean", 200)),
    ("definitions.asa_includes_ring=true", ("definitions.asa_includes_ring", True)),
    ("demand.profile=[1, 2, 3]", ("demand.profile", [1, 2, 3])),
    ('handling.talk={kind="exponential", mean=200}', ("handling.talk", {"kind": "exponential", "mean": 200})),
    (" tier = gold ", ("tier", "gold")),
    ("name=Retail = peak", ("name", "Retail = peak")),  # split at the first '='
    ("name=", ("name", "")),
])
def test_parse_override(text, expected) -> None:
    assert parse_override(text) == expected


def test_with_changes_returns_a_new_validated_scenario(write) -> None:
    original = load_scenario(write(MINIMAL_PROJECT))
    before = original.model_dump()
    changed = original.with_changes({"sla.service_level": 0.9, "patience": Lognormal(mean=200, cv=1.2)})
    assert changed.sla.service_level == 0.9 and changed.patience == Lognormal(mean=200, cv=1.2)
    assert changed.provenance["sla.service_level"] == "code"
    assert changed.provenance["patience.cv"] == "code"
    assert original.model_dump() == before and original.sla.service_level == 0.8  # untouched
    labelled = original.with_changes({"demand.calls_per_day": 3000}, label="what-if")
    assert labelled.provenance["demand.calls_per_day"] == "what-if"
    assert labelled.provenance["demand.open"] == original.provenance["demand.open"]
    tiered = original.with_changes({"tier": "gold"})
    assert tiered.sla.service_level == 0.9  # a tier change applies the tier's SLA
    with pytest.raises(ScenarioError) as info:
        original.with_changes({"sla.service_level": 1.2}, label="notebook")
    assert (info.value.source, info.value.field, info.value.value) == ("notebook", "sla.service_level", 1.2)


def test_with_changes_on_a_scenario_built_in_code() -> None:
    built = Scenario(demand={"calls_per_day": 480.0, "open": "09:00", "close": "17:00"})
    assert built.provenance["demand.calls_per_day"] == "code"
    assert built.provenance["sla.service_level"] == "default"
    changed = built.with_changes({"demand.calls_per_day": 960})
    assert changed.calls_per_interval.sum() == pytest.approx(960)
    assert changed.provenance["demand.calls_per_day"] == "code"
    assert changed.provenance["demand.open"] == "code"
    assert changed.provenance["sla.service_level"] == "default"


def test_locked_fields_are_flagged_not_refused(write, master) -> None:
    path = write(MINIMAL_PROJECT + '[definitions]\nsl_definition = "answered_only"\n'
                 "short_abandon_seconds = 5\n")  # 5 s is the master's own value: not a change
    scenario = load_scenario(path, ["credits.at_risk_share=0.15", "rate_card.margin=0.2"])
    assert scenario.definitions.sl_definition == "answered_only" and scenario.credits.at_risk_share == 0.15
    assert scenario.renegotiation == ("definitions.sl_definition", "credits.at_risk_share")
    assert len(scenario.warnings) == 2
    first, second = scenario.warnings
    assert first.startswith(f"{path}: definitions.sl_definition: ") and str(master) in first
    assert "'abandons_fail' -> 'answered_only'" in first and "renegotiation" in first
    assert second.startswith("--set: credits.at_risk_share: ") and "0.1 -> 0.15" in second


def test_locked_change_reverted_is_not_a_renegotiation(write) -> None:
    path = write(MINIMAL_PROJECT + "[credits]\nat_risk_share = 0.2\n")
    flagged = load_scenario(path)
    assert flagged.renegotiation == ("credits.at_risk_share",)
    assert load_scenario(path, ["credits.at_risk_share=0.1"]).renegotiation == ()
    assert flagged.with_changes({"credits.at_risk_share": 0.1}).renegotiation == ()
    again = flagged.with_changes({"definitions.short_abandon_seconds": 10})
    assert again.renegotiation == ("definitions.short_abandon_seconds", "credits.at_risk_share")


def test_locked_credit_metrics_added_or_dropped(write, master) -> None:
    path = write(MINIMAL_PROJECT + "[credits.metrics.service_level]\nallocation = 0.4\n"
                 "[credits.metrics.asa]\nallocation = 0.1\n")
    scenario = load_scenario(path)
    assert set(scenario.renegotiation) == {"credits.metrics.service_level.allocation",
                                           "credits.metrics.asa.allocation"}
    assert any("(absent) -> 0.1" in w for w in scenario.warnings)


def test_lock_on_a_subsection(write, master) -> None:
    master.write_text(master.read_text().replace('locked = ["definitions", "credits"]',
                                                 'locked = ["rate_card.roles", "sla.threshold_seconds"]'))
    path = write(project('tier = "bronze"\n', "[rate_card]\nmargin = 0.2\n"))
    # The tier is the master's own menu: its 30 s threshold is not a renegotiation. The margin is not locked.
    assert load_scenario(path).renegotiation == ()
    changed = load_scenario(path, ["rate_card.roles.trainer.span=30", "sla.threshold_seconds=25"])
    assert changed.renegotiation == ("rate_card.roles.trainer.span", "sla.threshold_seconds")


def test_resolved_items(write, master) -> None:
    path = write(MINIMAL_PROJECT + '[handling]\ntalk = { kind = "lognormal", mean = 300, cv = 0.8 }\n')
    items = {p: (v, s) for p, v, s in resolved_items(load_scenario(path, ["handling.talk.mean=250"]))}
    assert items["handling.talk"] == ({"kind": "lognormal", "mean": 250.0, "cv": 0.8},
                                      f"{path}: handling.talk; --set")
    assert items["demand.profile"] == ([1.0, 2.0, 2.0, 1.0], f"{path}: demand.profile")
    assert items["sla.max_asa_seconds"] == (None, "default")
    assert items["handling.hold"] == (None, "default")
    assert items["rate_card.margin"] == (0.28, f"{master}: rate_card.margin")
    assert items["tiers.gold.sla.service_level"] == (0.9, f"{master}: tiers.gold.sla.service_level")
    assert "handling.talk.mean" not in items  # a distribution is one row


def test_loaded_scenario_pickles(write) -> None:
    """Process pools and dask send scenarios to workers."""
    scenario = load_scenario(write(MINIMAL_PROJECT + "[credits]\nat_risk_share = 0.2\n"))
    copy = pickle.loads(pickle.dumps(scenario))
    assert copy == scenario and copy.renegotiation == scenario.renegotiation
    assert copy.with_changes({"sla.service_level": 0.9}).sla.service_level == 0.9


def test_derived_quantities(write) -> None:
    scenario = load_scenario(write(MINIMAL_PROJECT + "[ivr]\ncontainment = 0.1\nabandon = 0.05\n"
                                   '[handling]\ntalk = { kind = "deterministic", mean = 200 }\n'
                                   'acw = { kind = "exponential", mean = 40 }\n'))
    assert scenario.interval_count == 4 and scenario.interval_starts == ["08:00", "08:30", "09:00", "09:30"]
    per_interval = scenario.calls_per_interval
    assert per_interval.sum() == pytest.approx(2400)
    assert per_interval.tolist() == pytest.approx([400, 800, 800, 400])  # profile [1, 2, 2, 1] normalised
    assert scenario.handling.handle_seconds == pytest.approx(240)
    # A = λ_queue · handle time: 800 calls in 1800 s, 85 % reach the queue, 240 s each.
    assert scenario.offered_load_per_interval[1] == pytest.approx(800 / 1800 * 0.85 * 240)
    per_15 = scenario.with_changes({"definitions.interval_minutes": 15, "demand.profile": [1] * 8})
    assert per_15.calls_per_interval.sum() == pytest.approx(2400) and per_15.interval_count == 8
    explicit = scenario.with_changes({"demand.calls_per_day": "none", "demand.profile": "none",
                                      "demand.calls_per_interval": [10, 20, 30, 40]})
    assert explicit.calls_per_interval.tolist() == [10, 20, 30, 40]
    assert explicit.arrival_rate_per_interval[3] == pytest.approx(40 / 1800)

"""The shipped scenario files: they load, the embedded copies match them, the docs cover the schema."""

from __future__ import annotations

import re
import tomllib

import numpy as np
import pytest

from simulator.scenario import Scenario, default_scenario_path, load_scenario
from simulator.scenario.model import clock_to_seconds
from simulator.scenario.schema import DistNode, MapNode, ModelNode, child, field_node
from tests.helpers import REPO, SCENARIOS

DOC = REPO / "docs" / "scenario-format.md"
RENEGOTIATED = {"retail_anchored.toml": ("credits.forecast_tolerance", "credits.grace_months")}


def test_there_are_scenarios() -> None:
    names = {p.name for p in SCENARIOS}
    assert {"retail_support.toml", "bank_premium.toml", "tech_support.toml", "seasonal_peak.toml"} <= names


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_scenario_loads_cleanly(path) -> None:
    scenario = load_scenario(path)
    assert isinstance(scenario, Scenario)
    assert scenario.name == path.stem
    # Examples do not renegotiate, except the anchored deal, whose statement of work changes the master's
    # credit regime on purpose (a forecast-miss exclusion and months without credits) and is flagged for it.
    expected = RENEGOTIATED.get(path.name, ())
    assert scenario.renegotiation == expected and len(scenario.warnings) == len(expected)
    assert scenario.source_path == path
    # Every value is accounted for, and the shipped files state the essentials themselves.
    provenance = scenario.provenance
    assert all(provenance.values())
    assert provenance["demand.open"].startswith(f"{path}: ")
    master = path.parent / "msa" / "acme.toml"
    assert provenance["definitions.sl_definition"] == f"{master}: definitions.sl_definition"
    assert scenario.patience is not None and scenario.handling.handle_seconds > 0


def test_scenarios_are_realistic() -> None:
    """The numbers the brief asks for (domain.md §3.6)."""
    retail = load_scenario(REPO / "scenarios" / "retail_support.toml")
    assert (retail.sla.service_level, retail.sla.threshold_seconds) == (0.8, 20)
    assert retail.demand.calls_per_day == 5000
    assert (retail.demand.open, retail.demand.close) == ("08:00", "20:00")
    assert retail.interval_count == 24 and retail.repeats.fcr == 0.75
    assert (retail.demand.day_cv, retail.demand.month_cv) == (0.08, 0.05)
    assert retail.handling.talk.kind == "lognormal" and retail.patience is not None
    assert retail.patience.kind == "lognormal" and retail.ivr.navigation is not None
    profile = np.asarray(retail.demand.profile)
    peak = int(np.argmax(profile))
    assert 3 <= peak <= 8  # a morning peak, quiet ends of the day
    assert profile[0] < profile[peak] / 2 and profile[-1] < profile[peak] / 2
    bank = load_scenario(REPO / "scenarios" / "bank_premium.toml")
    assert (bank.sla.service_level, bank.sla.threshold_seconds, bank.sla.max_abandon_rate) == (0.9, 15, 0.03)
    tech = load_scenario(REPO / "scenarios" / "tech_support.toml")
    assert tech.sla.threshold_seconds == 120 and 600 <= tech.handling.handle_seconds <= 900
    peak_month = load_scenario(REPO / "scenarios" / "seasonal_peak.toml")
    assert peak_month.calls_per_interval.sum() > retail.calls_per_interval.sum()


def test_master_agreement_terms() -> None:
    master = tomllib.loads((REPO / "scenarios" / "msa" / "acme.toml").read_text(encoding="utf-8"))
    assert master["locked"] == ["definitions", "credits"]
    tiers = {name: t["sla"] for name, t in master["tiers"].items()}
    assert tiers["gold"] == {"threshold_seconds": 20, "service_level": 0.90, "max_abandon_rate": 0.03}
    assert tiers["silver"] == {"threshold_seconds": 20, "service_level": 0.80, "max_abandon_rate": 0.05}
    assert tiers["bronze"] == {"threshold_seconds": 30, "service_level": 0.70, "max_abandon_rate": 0.08}
    card = master["rate_card"]
    assert 0.25 <= card["margin"] <= 0.30 and card["annual_escalator"] == 0.03
    assert 400 <= card["seat_month"] <= 600
    assert 12 <= card["roles"]["team_leader"]["span"] <= 15
    assert 20 <= card["roles"]["qa_analyst"]["span"] <= 25
    assert {"trainer", "wfm_analyst", "operations_manager"} <= set(card["roles"])
    assert master["credits"]["at_risk_share"] == 0.10
    assert master["billing"]["unit"] in master["billing"]["units"]


def test_embedded_copies_are_byte_identical() -> None:
    """simulator/data must never drift from scenarios/: the default scenario is the documented one."""
    data, scenarios = REPO / "simulator" / "data", REPO / "scenarios"
    assert (data / "default.toml").read_bytes() == (scenarios / "retail_support.toml").read_bytes()
    assert (data / "msa" / "acme.toml").read_bytes() == (scenarios / "msa" / "acme.toml").read_bytes()


def test_embedded_default_loads_like_the_file() -> None:
    embedded = load_scenario()
    from_file = load_scenario(REPO / "scenarios" / "retail_support.toml")
    assert embedded.model_dump() == from_file.model_dump()
    assert default_scenario_path().is_file()
    assert embedded.source_path == default_scenario_path()
    # Provenance names the packaged files without a machine path.
    assert embedded.provenance["demand.calls_per_day"] == "<embedded>/default.toml: demand.calls_per_day"
    assert embedded.provenance["rate_card.margin"] == "<embedded>/msa/acme.toml: rate_card.margin"
    assert embedded.provenance["sla.service_level"] == "tier silver (<embedded>/msa/acme.toml)"


def _schema_keys() -> set[str]:
    keys: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, ModelNode):
            for name in node.keys:
                keys.add(name)
                walk(field_node(node.cls, name))
        elif isinstance(node, MapNode):
            keys.update(node.choices or ())
            walk(node.value)
        elif isinstance(node, DistNode):
            keys.update(node.kind_names)
            keys.update(node.keys())

    walk(ModelNode(Scenario))
    return keys


def test_docs_cover_every_key() -> None:
    """docs/scenario-format.md names every key of the schema (so a new field cannot go undocumented)."""
    text = DOC.read_text(encoding="utf-8")
    prose = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    spans = re.findall(r"`([^`]+)`", prose)
    documented = {word for span in spans for word in re.findall(r"[a-z_0-9]+", span)}
    missing = sorted(_schema_keys() - documented)
    assert not missing, f"undocumented keys: {missing}"
    for word in ("msa", "msa_sha256", "locked", "--set", "renegotiation", "provenance"):
        assert word in text


def test_docs_examples_parse() -> None:
    """Every ```toml block in the docs is valid TOML."""
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", text, flags=re.DOTALL)
    assert blocks
    for block in blocks:
        tomllib.loads(block)


def test_docs_minimal_pair_loads(tmp_path) -> None:
    """The documented master/project pair is a working example."""
    blocks = re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    master_text, project_text = blocks[:2]
    (tmp_path / "msa").mkdir()
    (tmp_path / "msa" / "example.toml").write_text(master_text, encoding="utf-8")
    (tmp_path / "example.toml").write_text(project_text, encoding="utf-8")
    scenario = load_scenario(tmp_path / "example.toml")
    assert scenario.agreement.currency == "EUR" and scenario.sla.service_level == 0.8
    assert scenario.calls_per_interval.tolist() == [400, 800, 800, 400]


def test_schema_walk_sanity() -> None:
    root = ModelNode(Scenario)
    assert isinstance(child(root, "patience"), DistNode)
    assert clock_to_seconds("24:00") == 86400

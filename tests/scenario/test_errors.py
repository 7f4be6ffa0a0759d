"""Bad input: each kind gives one ScenarioError naming the file the value came from, its field and value."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from simulator.errors import ScenarioError
from simulator.scenario import load_scenario, parse_override
from tests.scenario.conftest import MINIMAL_PROJECT

GOOD = MINIMAL_PROJECT + """
[handling]
talk = { kind = "lognormal", mean = 300, cv = 0.8 }

[patience]
kind = "lognormal"
mean = 120
cv = 1.0

[staffing]
shrinkage = 0.3
"""

NO_VALUE = object()


def _fails(path: Path, overrides: tuple[str, ...] = (), **kwargs: object) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides, **kwargs)  # type: ignore[arg-type]
    error = info.value
    assert "\n" not in str(error)  # one line
    return error


def _check(error: ScenarioError, source: str, field: str | None, value: object, *fragments: str) -> None:
    assert error.source == source, str(error)
    assert error.field == field, str(error)
    if value is NO_VALUE:
        assert not error.has_value, str(error)
    else:
        assert error.has_value and error.value == value, str(error)
    for fragment in fragments:
        assert fragment in str(error), (fragment, str(error))
    # str(err) is "<source>: <field>: <message> (got <value>)".
    assert str(error).startswith(f"{source}: {field}: " if field else f"{source}: ")


# (edit of the good project, field, value, fragments of the message)
PROJECT_CASES = [
    ("handle time 0", ("mean = 300,", "mean = 0,"), "handling.talk.mean", 0, ["must be > 0"]),
    ("handle time negative", ("mean = 300,", "mean = -30,"), "handling.talk.mean", -30, ["must be > 0"]),
    ("string for a number", ("mean = 300,", 'mean = "300",'), "handling.talk.mean", "300",
     ["must be a number"]),
    ("bool for an int", ("[staffing]\n", "[staffing]\nagents = true\n"), "staffing.agents", True,
     ["whole number"]),
    ("float for an int", ("[staffing]\n", "[staffing]\nagents = 2.5\n"), "staffing.agents", 2.5,
     ["whole number"]),
    ("number for a string", ('open = "08:00"', "open = 8"), "demand.open", 8, ["must be a string"]),
    ("unquoted clock", ('open = "08:00"', "open = 08:00:00"), "demand.open", "08:00", ["in quotes"]),
    ("bad clock", ('open = "08:00"', 'open = "8am"'), "demand.open", NO_VALUE, ["clock time", "'8am'"]),
    ("fraction above 1", ("shrinkage = 0.3", "shrinkage = 30"), "staffing.shrinkage", 30, ["must be < 1"]),
    ("shrinkage of 1", ("shrinkage = 0.3", "shrinkage = 1.0"), "staffing.shrinkage", 1.0, ["must be < 1"]),
    ("negative fraction", ("shrinkage = 0.3", "shrinkage = -0.1"), "staffing.shrinkage", -0.1, [">= 0"]),
    ("not finite", ("mean = 120", "mean = inf"), "patience.mean", float("inf"), ["finite"]),
    ("empty profile", ("profile = [1, 2, 2, 1]", "profile = []"), "demand.profile", [],
     ["must not be empty"]),
    ("short profile", ("profile = [1, 2, 2, 1]", "profile = [1, 2, 2]"), "demand.profile", NO_VALUE,
     ["needs 4 entries", "got 3"]),
    ("negative weight", ("profile = [1, 2, 2, 1]", "profile = [1, -2, 2, 1]"), "demand.profile", NO_VALUE,
     [">= 0"]),
    ("unknown key", ("calls_per_day = 2400", "calls_per_dya = 2400"), "demand.calls_per_dya", 2400,
     ["unknown key", "did you mean 'calls_per_day'?"]),
    ("unknown section", ("[staffing]", "[stafing]"), "stafing", NO_VALUE, ["did you mean 'staffing'?"]),
    ("unknown kind", ('kind = "lognormal", mean = 300', 'kind = "lognorml", mean = 300'),
     "handling.talk.kind", "lognorml",
     ["unknown distribution kind", "did you mean 'lognormal'?", "exponential, deterministic"]),
    ("key of another kind", ('kind = "lognormal", mean = 300', 'kind = "exponential", mean = 300'),
     "handling.talk.cv", 0.8, ["unknown key for an exponential distribution"]),
    ("missing kind", ('kind = "lognormal"\nmean = 120', "mean = 120"), "patience", NO_VALUE,
     ["needs a kind", "lognormal"]),
    ("wrong literal", ("[staffing]\n", '[staffing]\nmethod = "erlang-c"\n'), "staffing.method", "erlang-c",
     ["must be one of", "did you mean 'erlang_c'?"]),
    ("close before open", ('close = "10:00"', 'close = "07:00"'), "demand.close", "07:00", ["after open"]),
    ("unknown tier", ('name = "minimal"', 'name = "minimal"\ntier = "platnum"'), "tier", "platnum",
     ["unknown tier", "bronze, gold, silver"]),
    ("top-level key after a table", ("[staffing]\n", '[staffing]\ntier = "gold"\n'), "staffing.tier", "gold",
     ["before the first [table]"]),
    ("locked in a project", ('name = "minimal"', 'name = "minimal"\nlocked = ["sla"]'), "locked", ["sla"],
     ["master agreement"]),
    ("msa not a string", ('msa = "msa/acme.toml"', "msa = 3"), "msa", 3, ["path of the master"]),
    ("bad pin", ('name = "minimal"', 'name = "minimal"\nmsa_sha256 = "abc"'), "msa_sha256", "abc",
     ["64 hex"]),
]


@pytest.mark.parametrize(("edit", "field", "value", "fragments"),
                         [case[1:] for case in PROJECT_CASES], ids=[case[0] for case in PROJECT_CASES])
def test_bad_project_values(write, edit, field, value, fragments) -> None:
    old, new = edit
    assert old in GOOD
    path = write(GOOD.replace(old, new, 1))
    _check(_fails(path), str(path), field, value, *fragments)


def test_the_good_project_loads(write) -> None:
    assert load_scenario(write(GOOD)).name == "minimal"


# (edit of the master, field, value, fragments)
MASTER_CASES = [
    ("bad rate", ("cost_per_hire = 2500.0", "cost_per_hire = -5"), "rate_card.cost_per_hire", -5, [">= 0"]),
    ("margin of 1", ("margin = 0.28", "margin = 1.0"), "rate_card.margin", 1.0, ["must be < 1"]),
    ("unknown key", ("seat_month = 480.0", "seat_mnth = 480.0"), "rate_card.seat_mnth", 480.0,
     ["did you mean 'seat_month'?"]),
    ("bad tier table", ("service_level = 0.90,", "service_level = 9,"), "tiers.gold.sla.service_level", 9,
     ["<= 1"]),
    ("allocations", ("allocation = 0.4", "allocation = 0.6"), "credits", NO_VALUE,
     ["allocations sum to 1.2"]),
    ("unknown credit metric", ("[credits.metrics.abandon_rate]", "[credits.metrics.abandon]"),
     "credits.metrics.abandon", NO_VALUE, ["did you mean 'abandon_rate'?"]),
    ("billing unit not allowed", ('unit = "productive_hour"', 'unit = "outcome"'), "billing.unit", "outcome",
     ["must be one of"]),
    ("unknown locked path", ('locked = ["definitions", "credits"]', 'locked = ["definitons"]'), "locked[0]",
     NO_VALUE, ["did you mean 'definitions'?"]),
    ("locked not a list", ('locked = ["definitions", "credits"]', 'locked = "credits"'), "locked", "credits",
     ["list of field paths"]),
    ("tier in a master", ('locked = ["definitions", "credits"]', 'tier = "gold"'), "tier", "gold",
     ["not allowed in a master"]),
    ("pin in a master", ('locked = ["definitions", "credits"]', f'msa_sha256 = "{"0" * 64}"'), "msa_sha256",
     "0" * 64, ["not allowed in a master"]),
    ("chained master", ('locked = ["definitions", "credits"]', 'msa = "other.toml"'), "msa", "other.toml",
     ["must not name a master"]),
    ("master naming itself", ('locked = ["definitions", "credits"]', 'msa = "acme.toml"'), "msa", "acme.toml",
     ["circular master reference"]),
    ("master naming the project", ('locked = ["definitions", "credits"]', 'msa = "../project.toml"'), "msa",
     "../project.toml", ["circular master reference"]),
]


@pytest.mark.parametrize(("edit", "field", "value", "fragments"),
                         [case[1:] for case in MASTER_CASES], ids=[case[0] for case in MASTER_CASES])
def test_bad_master_values_name_the_master(write, master, edit, field, value, fragments) -> None:
    old, new = edit
    text = master.read_text()
    assert old in text
    master.write_text(text.replace(old, new, 1))
    _check(_fails(write(GOOD)), str(master), field, value, *fragments)


# (override, field, value, fragments)
SET_CASES = [
    ("sla.service_level", None, "sla.service_level", ["KEY=VALUE"]),
    ("=0.9", None, "=0.9", ["key before '='"]),
    ("sla.servce_level=0.9", "sla.servce_level", NO_VALUE, ["did you mean 'service_level'?"]),
    ("nope=1", "nope", NO_VALUE, ["unknown key"]),
    ("sla.service_level.x=1", "sla.service_level.x", NO_VALUE, ["is a value"]),
    ("demand.profile[2]=3", "demand.profile[2]", NO_VALUE, ["whole list"]),
    ("sla..service_level=1", "sla..service_level", "sla..service_level", ["not a field path"]),
    ("sla.service_level=1.5", "sla.service_level", 1.5, ["<= 1"]),
    ("sla.service_level=high", "sla.service_level", "high", ["must be a number"]),
    ("patience.kind=weibul", "patience.kind", "weibul", ["did you mean 'weibull'?"]),
    ("patience.mean=0", "patience.mean", 0, ["> 0"]),
    ("handling.talk.kind=empirical", "handling.talk.samples", NO_VALUE, ["is required"]),  # a new kind's keys
    ("handling.talk=300", "handling.talk", 300, ["must be a table"]),
    ("sla=0.9", "sla", 0.9, ["must be a table"]),
    ("demand.close=09:45", "demand", NO_VALUE, ["whole number of 30-minute intervals"]),
    ("demand.open=09:00", "demand.profile", NO_VALUE, ["needs 2 entries"]),
    ("definitions.interval_minutes=20", "definitions.interval_minutes", 20, ["15, 30, 60"]),
    ("agreement.currency=usd", "agreement.currency", "usd", ["currency code"]),
    ("ivr.abandon=0.8", "ivr.containment", NO_VALUE, ["containment + abandon must be <= 1"]),
    ("tier=diamond", "tier", "diamond", ["bronze, gold, silver"]),
]


@pytest.mark.parametrize(("override", "field", "value", "fragments"), SET_CASES,
                         ids=[case[0] for case in SET_CASES])
def test_bad_overrides_name_set(write, override, field, value, fragments) -> None:
    path = write(GOOD + "[ivr]\ncontainment = 0.3\n")
    error = _fails(path, (override,))
    source = str(path) if field == "demand.profile" else "--set"  # the profile's length no longer fits
    _check(error, source, field, value, *fragments)


def test_conflict_blames_the_latest_value(write) -> None:
    """'close must be after open': the file gave close, --set gave the open that broke it."""
    error = _fails(write(GOOD), ("demand.open=11:00",))
    assert error.source == "--set" and error.field == "demand.close"


def test_unknown_tier_argument(write) -> None:
    _check(_fails(write(GOOD), tier="gld"), "--tier", "tier", "gld", "did you mean 'gold'?")


def test_unknown_tier_without_menu(write) -> None:
    text = GOOD.replace('msa = "msa/acme.toml"\n', 'tier = "gold"\n')
    path = write(text)
    _check(_fails(path), str(path), "tier", "gold", "defines no tiers")


def test_missing_demand(write) -> None:
    path = write('msa = "msa/acme.toml"\n')
    _check(_fails(path), str(path), "demand", NO_VALUE, "is required")


def test_demand_needs_one_volume(write) -> None:
    path = write(GOOD.replace("calls_per_day = 2400\n", ""))
    error = _fails(path)
    assert error.source == str(path) and error.field is not None and error.field.startswith("demand")
    assert "exactly one of calls_per_day" in str(error)


def test_missing_master(write, workdir) -> None:
    path = write(GOOD.replace("msa/acme.toml", "msa/nope.toml"))
    _check(_fails(path), str(path), "msa", "msa/nope.toml", "master agreement not found",
           str(workdir / "msa" / "nope.toml"))


def test_master_is_a_directory(write) -> None:
    path = write(GOOD.replace('"msa/acme.toml"', '"msa"'))
    _check(_fails(path), str(path), "msa", "msa", "is a directory")


def test_project_naming_itself(write) -> None:
    path = write(GOOD.replace('"msa/acme.toml"', '"project.toml"'))
    _check(_fails(path), str(path), "msa", "project.toml", "circular master reference")


def test_malformed_toml_gives_the_line(write) -> None:
    path = write(GOOD.replace("calls_per_day = 2400", "calls_per_day = = 2400"))
    error = _fails(path)
    assert error.source == str(path) and error.field is None
    line = GOOD.splitlines().index("calls_per_day = 2400") + 1
    assert re.search(rf"invalid TOML: .*line {line}\b", str(error)), str(error)


def test_malformed_master_names_the_master(write, master) -> None:
    master.write_text(master.read_text() + "\n[rate_card\n")
    error = _fails(write(GOOD))
    assert error.source == str(master) and "invalid TOML" in str(error) and "line" in str(error)


def test_not_utf8(write, workdir) -> None:
    path = workdir / "latin1.toml"
    path.write_bytes('name = "caf\xe9"\n'.encode("latin-1"))
    assert "not UTF-8" in str(_fails(path))


def test_file_not_found(workdir) -> None:
    path = workdir / "absent.toml"
    _check(_fails(path), str(path), None, NO_VALUE, "file not found")


def test_directory(workdir) -> None:
    _check(_fails(workdir), str(workdir), None, NO_VALUE, "is a directory")


def test_unreadable(write, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(GOOD)

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)  # chmod does not stop root, so simulate it
    _check(_fails(path), str(path), None, NO_VALUE, "not readable")


def test_pinned_master(write, master) -> None:
    digest = hashlib.sha256(master.read_bytes()).hexdigest()
    pinned = GOOD.replace('name = "minimal"', f'name = "minimal"\nmsa_sha256 = "{digest.upper()}"')
    path = write(pinned)
    assert load_scenario(path).name == "minimal"  # the pin matches (hex case does not matter)
    master.write_text(master.read_text().replace("margin = 0.28", "margin = 0.30"))
    error = _fails(path)
    actual = hashlib.sha256(master.read_bytes()).hexdigest()
    _check(error, str(path), "msa_sha256", NO_VALUE, actual, digest, "has changed")


def test_pin_without_master(write) -> None:
    text = GOOD.replace('msa = "msa/acme.toml"', f'msa_sha256 = "{"a" * 64}"')
    path = write(text)
    _check(_fails(path), str(path), "msa_sha256", NO_VALUE, "names none")


def test_parse_override_errors() -> None:
    with pytest.raises(ScenarioError) as info:
        parse_override("tier")
    assert info.value.source == "--set" and "KEY=VALUE" in str(info.value)
    with pytest.raises(ScenarioError) as info:
        parse_override("staffing.shrinkge=0.3")
    assert str(info.value) == "--set: staffing.shrinkge: unknown key; did you mean 'shrinkage'?"

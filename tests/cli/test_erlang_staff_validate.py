"""CLI: `callsim erlang`, `staff` and `validate`, the JSON contract, and one-line errors for bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO, SCENARIOS, assert_one_line_error

ERLANG_C_KEYS = {"offered_load", "agents", "stable", "wait_probability", "service_level", "asa_seconds",
                 "mean_queue_length", "occupancy"}
ERLANG_A_KEYS = {"offered_load", "agents", "wait_probability", "abandon_probability", "service_level",
                 "service_level_of_answered", "service_level_by_definition", "asa_seconds", "mean_wait_seconds",
                 "mean_queue_length", "occupancy"}
DEFINITIONS = {"abandons_fail", "short_excluded", "abandons_within_threshold_excluded",
               "abandons_within_threshold_success", "answered_only"}

# CRAN ErlangC README / pyworkforce: 100 calls per 30 min, AHT 180 s, 14 agents, 20 s.
CRAN = ("--calls-per-hour", "200", "--aht", "180")


def test_erlang_c_published_example(cli):
    result = cli("erlang", "c", *CRAN, "--agents", "14", "--threshold", "20", "--json")
    assert result.code == 0, result.err
    doc = result.json
    assert set(doc) == ERLANG_C_KEYS
    assert doc["stable"] is True
    assert doc["wait_probability"] == pytest.approx(0.1741319, abs=5e-8)
    assert doc["service_level"] == pytest.approx(0.88835, abs=5e-6)
    assert doc["occupancy"] == pytest.approx(10 / 14, rel=1e-12)


def test_erlang_c_unstable_is_never_finite(cli):
    doc = cli("erlang", "c", *CRAN, "--agents", "10", "--json").json
    assert doc["stable"] is False
    assert doc["wait_probability"] == 1
    assert doc["service_level"] == 0
    assert doc["asa_seconds"] is None
    assert doc["mean_queue_length"] is None
    assert doc["occupancy"] == 1


def test_erlang_a_keys_and_definitions(cli):
    doc = cli("erlang", "a", "--calls-per-hour", "400", "--aht", "360", "--agents", "39", "--patience", "60",
              "--json").json
    assert set(doc) == ERLANG_A_KEYS
    assert set(doc["service_level_by_definition"]) == DEFINITIONS
    assert doc["service_level"] == doc["service_level_by_definition"]["abandons_fail"]
    assert doc["service_level_of_answered"] == doc["service_level_by_definition"]["answered_only"]
    # domain.md §1.2: 39 agents reach 80/20 (abandons_fail) while 10.3 % abandon.
    assert doc["service_level"] >= 0.80
    assert doc["abandon_probability"] == pytest.approx(0.103, abs=0.0005)


def test_erlang_a_overload_is_finite_and_valid(cli):
    doc = cli("erlang", "a", "--calls-per-hour", "1000", "--aht", "360", "--agents", "50", "--patience", "120",
              "--json").json
    assert 0 < doc["abandon_probability"] < 1
    assert doc["occupancy"] <= 1


def test_erlang_b(cli):
    doc = cli("erlang", "b", "--calls-per-hour", "200", "--aht", "180", "--agents", "14", "--json").json
    assert set(doc) == {"offered_load", "agents", "blocking"}
    assert 0 < doc["blocking"] < 1


def test_erlang_human_table(cli):
    result = cli("erlang", "c", *CRAN, "--agents", "14")
    assert result.code == 0
    assert "wait_probability" in result.out and "0.174132" in result.out


def test_staff_quick_published_example(cli):
    doc = cli("staff", *CRAN, "--threshold", "20", "--target-sl", "0.8", "--method", "erlang-c", "--json").json
    assert doc["agents"] == 14
    assert set(doc) >= ERLANG_C_KEYS


def test_staff_quick_erlang_a_below_offered_load(cli):
    # Very impatient callers: Erlang A may staff below the offered load, which Erlang C never can.
    doc = cli("staff", "--calls-per-hour", "400", "--aht", "360", "--patience", "10", "--target-sl", "0.3",
              "--method", "erlang_a", "--json").json
    assert doc["agents"] < 40
    assert doc["service_level"] >= 0.3


def test_staff_quick_sl_definition(cli):
    base = ("staff", "--calls-per-hour", "400", "--aht", "360", "--patience", "60", "--method", "erlang-a",
            "--target-sl", "0.8", "--json")
    fail = cli(*base).json["agents"]
    answered = cli(*base, "--sl-definition", "answered-only").json["agents"]
    assert answered <= fail


def test_staff_default_scenario(cli):
    doc = cli("staff", "--json").json
    assert doc["method"] in ("erlang_a", "erlang_c")
    assert len(doc["agents_per_interval"]) == len(doc["intervals"]) > 0
    assert all(row["agents"] >= row["agents_for_sla"] for row in doc["intervals"])
    assert doc["peak_agents"] == max(doc["agents_per_interval"])


def test_staff_default_scenario_table(cli):
    result = cli("staff")
    assert result.code == 0, result.err
    assert "agents" in result.out and "peak agents" in result.out


def test_tighter_target_never_lowers_staffing(cli):
    loose = cli("staff", "--json").json["agents_for_sla_per_interval"]
    tight = cli("staff", "--set", "sla.service_level=0.95", "--json").json["agents_for_sla_per_interval"]
    assert all(t >= lo for t, lo in zip(tight, loose, strict=True))
    assert sum(tight) > sum(loose)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_scenario_validates_and_staffs(cli, path):
    result = cli("validate", path)
    assert result.code == 0, result.err
    assert "is valid" in result.out
    doc = cli("staff", path, "--json").json
    assert doc["peak_agents"] > 0


def test_validate_json_has_sources(cli):
    path = REPO / "scenarios" / "retail_support.toml"
    doc = cli("validate", path, "--set", "sla.service_level=0.85", "--json").json
    assert doc["valid"] is True
    assert doc["values"]["sla.service_level"] == {"value": 0.85, "source": "--set"}
    assert "retail_support.toml" in doc["values"]["demand.open"]["source"]


def test_locked_field_override_warns(cli):
    path = REPO / "scenarios" / "retail_support.toml"
    result = cli("validate", path, "--set", "definitions.sl_definition=answered_only", "--json")
    assert result.code == 0
    assert "warning:" in result.err
    assert "definitions.sl_definition" in result.json["renegotiation"]


# -- bad input: one line, exit 2, nothing on stdout ----------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("erlang", "c", "--calls-per-hour", "200", "--aht", "-5", "--agents", "3"), ("--aht", "(got -5")),
        (("erlang", "c", "--calls-per-hour", "abc", "--aht", "5", "--agents", "3"), ("--calls-per-hour", "abc")),
        (("erlang", "a", *CRAN, "--agents", "14"), ("--patience",)),
        (("erlang", "x", *CRAN, "--agents", "14"), ("b, c, a", "'x'")),
        (("erlang", "c", *CRAN), ("--agents", "required")),
        (("erlang", "c", *CRAN, "--agents", "14", "--bogus"), ("--bogus",)),
        (("staff", *CRAN, "--method", "erlang-z"), ("--method", "erlang-c, erlang-a", "erlang-z")),
        (("staff", *CRAN, "--target-sl", "80"), ("--target-sl", "80")),
        (("staff", *CRAN, "--target-sl", "1", "--method", "erlang-c"), ("--target-sl",)),
        (("staff", "--calls-per-hour", "200"), ("--aht",)),
        (("staff", "no/such/file.toml"), ("no/such/file.toml",)),
        (("staff", "--set", "sla.service_levl=0.9"), ("--set", "service_levl", "did you mean")),
        (("staff", "--set", "nonsense"), ("--set", "nonsense")),
        (("staff", "--set", "sla.service_level=1"), ("--set", "sla.service_level", "cannot be met")),
        (("staff", *CRAN, "--target-sl", "0.9", "--max-occupancy", "0.5", "--max-agents-typo"),
         ("--max-agents-typo",)),
        (("validate",), ("SCENARIO",)),
        (("frobnicate",), ("frobnicate",)),
    ],
)
def test_bad_command_line(cli, args, fragments):
    assert_one_line_error(cli(*args), *fragments)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


MINIMAL = """
name = "t"
[demand]
calls_per_day = 1000
open = "08:00"
close = "10:00"
[handling]
talk = {kind = "exponential", mean = 200}
"""


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (MINIMAL.replace("mean = 200", "mean = -30"), ("handling.talk.mean", "-30")),
        (MINIMAL.replace("calls_per_day = 1000", "calls_per_day = 'many'"), ("demand.calls_per_day", "many")),
        (MINIMAL + "[staffing]\nshrinkage = 1.0\n", ("staffing.shrinkage", "1")),
        (MINIMAL + "[sla]\nservice_level = 1.5\n", ("sla.service_level", "1.5")),
        (MINIMAL.replace("calls_per_day = 1000", "calls_per_day = 1000\nprofile = []"), ("demand.profile",)),
        (MINIMAL.replace("calls_per_day = 1000", "calls_per_day = 1000\nprofile = [1, 2, 3]"),
         ("demand.profile", "4")),
        (MINIMAL + "[demnd]\nx = 1\n", ("demnd", "did you mean 'demand'")),
        ('tier = "platinum"\n' + MINIMAL, ("tier", "platinum")),
        (MINIMAL + "[patience]\nkind = \"normal\"\nmean = 3\n", ("patience", "normal")),
        (MINIMAL + "[sla\n", ("line",)),
        ('msa = "missing.toml"\n' + MINIMAL, ("missing.toml",)),
    ],
)
def test_bad_scenario_file(cli, tmp_path, text, fragments):
    path = _write(tmp_path, "project.toml", text)
    result = cli("validate", path)
    assert_one_line_error(result, "project.toml", *fragments)


def test_circular_master(cli, tmp_path):
    _write(tmp_path, "a.toml", 'msa = "b.toml"\n')
    _write(tmp_path, "b.toml", 'msa = "a.toml"\n')
    project = _write(tmp_path, "p.toml", 'msa = "a.toml"\n' + MINIMAL)
    assert_one_line_error(cli("validate", project))


def test_pinned_master_hash_mismatch(cli, tmp_path):
    _write(tmp_path, "m.toml", '[agreement]\ncurrency = "EUR"\n')
    project = _write(tmp_path, "p.toml", 'msa = "m.toml"\nmsa_sha256 = "' + "0" * 64 + '"\n' + MINIMAL)
    assert_one_line_error(cli("validate", project), "msa_sha256")


def test_python_dash_m_and_help():
    done = subprocess.run([sys.executable, "-m", "simulator", "--help"], capture_output=True, text=True,
                          cwd=REPO, check=False)
    assert done.returncode == 0
    for command in ("erlang", "staff", "validate"):
        assert command in done.stdout

"""CLI: `callsim simulate` and `callsim check` (quick form and scenarios), their JSON and their errors."""

from __future__ import annotations

import csv

import pytest

from tests.helpers import REPO, SCENARIOS, assert_one_line_error

QUICK = ("--calls-per-hour", "400", "--aht", "360", "--agents", "43", "--patience", "180", "--hours", "6",
         "--replications", "4", "--seed", "7")
NAMES = ("service_level", "service_level_of_answered", "wait_probability", "abandon_rate", "asa_seconds",
         "mean_wait_seconds", "occupancy", "offered", "answered", "abandoned")


def test_simulate_quick_json_contract(cli):
    doc = cli("simulate", *QUICK, "--json").json
    assert doc["replications"] == 4 and doc["seed"] == 7
    for name in NAMES:
        assert set(doc["metrics"][name]) == {"mean", "ci_low", "ci_high"}
        estimate = doc["metrics"][name]
        assert estimate["ci_low"] <= estimate["mean"] <= estimate["ci_high"]
    assert doc["metrics"]["offered"]["mean"] == pytest.approx(
        doc["metrics"]["answered"]["mean"] + doc["metrics"]["abandoned"]["mean"])
    assert len(doc["intervals"]) == 1 and doc["intervals"][0]["start"] == "00:00"
    assert len(doc["days"]) == 1
    assert all(name in doc["days"][0] for name in NAMES)


def test_simulate_is_reproducible_and_seed_sensitive(cli):
    first = cli("simulate", *QUICK, "--json").out
    assert cli("simulate", *QUICK, "--json").out == first
    other = cli("simulate", *QUICK[:-1], "8", "--json").out
    assert other != first


def test_simulate_single_replication_has_null_bounds(cli):
    args = list(QUICK)
    args[args.index("--replications") + 1] = "1"
    doc = cli("simulate", *args, "--json").json
    assert doc["metrics"]["service_level"]["ci_low"] is None
    assert doc["metrics"]["service_level"]["ci_high"] is None


def test_simulate_warmup_leaves_calls_out(cli):
    full = cli("simulate", *QUICK, "--json").json["metrics"]["offered"]["mean"]
    cut = cli("simulate", *QUICK, "--warmup-hours", "3", "--json").json["metrics"]["offered"]["mean"]
    assert cut < 0.6 * full


def test_simulate_scenario_with_out_folder(cli, tmp_path):
    out = tmp_path / "run"
    result = cli("simulate", REPO / "scenarios" / "bank_premium.toml", "--replications", "2",
                 "--set", "demand.days_per_month=3", "--out", out)
    assert result.code == 0, result.err
    assert sorted(p.name for p in out.iterdir()) == ["daily_report.csv", "intervals.csv", "simulation.json"]
    with (out / "daily_report.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3
    assert {"offered", "answered", "abandoned", "service_level", "asa_seconds", "aht_seconds", "occupancy",
            "staffed_hours"} <= set(rows[0])


def test_simulate_scenario_json_names_its_staffing(cli):
    doc = cli("simulate", "--replications", "2", "--set", "demand.days_per_month=2", "--json").json
    assert doc["staffing_source"].startswith("analytic plan")
    assert len(doc["agents_per_interval"]) == len(doc["intervals"])
    fixed = cli("simulate", "--agents", "60", "--replications", "2", "--set", "demand.days_per_month=2",
                "--json").json
    assert set(fixed["agents_per_interval"]) == {60}
    assert fixed["staffing_source"] == "--agents"


def test_simulate_staffing_csv(cli, tmp_path):
    from simulator.scenario import load_scenario

    starts = load_scenario(None).interval_starts
    path = tmp_path / "plan.csv"
    path.write_text("start,agents\n" + "".join(f"{s},{50}\n" for s in starts))
    doc = cli("simulate", "--staffing", path, "--replications", "2", "--set", "demand.days_per_month=2",
              "--json").json
    assert set(doc["agents_per_interval"]) == {50}
    path.write_text("start,agents\n" + "".join(f"{s},x\n" for s in starts))
    assert_one_line_error(cli("simulate", "--staffing", path, "--replications", "2"), "plan.csv", "agents", "'x'")


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("simulate", "--calls-per-hour", "400", "--aht", "360", "--agents", "43"), ("--hours",)),
        (("simulate", *QUICK[:-2], "--seed", "-1"), ("--seed",)),
        (("simulate", *QUICK[:-4], "--replications", "0", "--seed", "1"), ("--replications",)),
        (("simulate", *QUICK, "--warmup-hours", "9"), ("--warmup-hours", "9")),
        (("simulate", *QUICK, "--sl-definition", "nope"), ("--sl-definition", "nope")),
        (("simulate", "--patience", "30"), ("--patience",)),
        (("simulate", "--agents", "-3"), ("--agents", "-3")),
        (("simulate", "--warmup-hours", "2"), ("--warmup-hours", "quick-form")),
        (("check", "--calls-per-hour", "400", "--aht", "360"), ("--agents",)),
    ],
)
def test_simulate_and_check_bad_input(cli, args, fragments):
    assert_one_line_error(cli(*args), *fragments)


def test_check_erlang_c_agrees(cli):
    result = cli("check", "--calls-per-hour", "200", "--aht", "180", "--agents", "14", "--hours", "12",
                 "--replications", "12", "--json")
    doc = result.json
    assert doc["model"] == "erlang_c" and doc["comparable"] is True
    assert result.code == (0 if doc["passed"] else 1)
    assert set(doc["metrics"]) >= {"wait_probability", "service_level", "asa_seconds", "occupancy"}
    assert doc["correction"].startswith("Bonferroni")


def test_check_detects_a_wrong_formula(cli, monkeypatch):
    # The verdict must be able to fail: feed it a formula one agent off and it must say so (exit 1).
    from simulator import check as check_module

    real = check_module.analytic_values

    def off_by_one(model, *, agents, **kw):
        return real(model, agents=agents - 1, **kw)

    monkeypatch.setattr(check_module, "analytic_values", off_by_one)
    result = cli("check", "--calls-per-hour", "400", "--aht", "360", "--agents", "43", "--patience", "180",
                 "--hours", "12", "--replications", "12", "--json")
    assert result.code == 1
    assert result.json["passed"] is False


def test_check_unstable_erlang_c_is_not_comparable(cli):
    result = cli("check", "--calls-per-hour", "400", "--aht", "360", "--agents", "40", "--hours", "2",
                 "--replications", "3", "--json")
    assert result.code == 0
    assert result.json["comparable"] is False
    assert "no steady state" in result.json["reasons"][0]


def test_check_scenario_outside_the_assumptions(cli):
    result = cli("check", "--replications", "2", "--set", "demand.days_per_month=2", "--json")
    assert result.code == 0, result.err
    doc = result.json
    assert doc["comparable"] is False
    assert any("lognormal" in r for r in doc["reasons"])
    assert any("IVR" in r for r in doc["reasons"])
    assert all(row["drift"] is not None for row in doc["metrics"].values())


def test_check_table_output(cli):
    result = cli("check", "--calls-per-hour", "200", "--aht", "180", "--agents", "14", "--hours", "6",
                 "--replications", "5")
    assert "Bonferroni" in result.out
    assert "verdict" in result.out


@pytest.mark.slow
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_scenario_simulates(cli, path):
    result = cli("simulate", path, "--replications", "3", "--json")
    assert result.code == 0, result.err
    doc = result.json
    assert doc["metrics"]["offered"]["mean"] > 0

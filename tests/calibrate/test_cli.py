"""`callsim calibrate` end to end: files written all together, byte-identical JSON, the project file loads under
its master, Parquet reads as CSV does, and the back-test compares per hour."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from simulator.calibrate import ACD_COLUMNS, ACD_DATETIME, simulate_acd_data
from simulator.scenario import load_scenario
from tests.helpers import REPO

MSA = REPO / "scenarios" / "msa" / "acme.toml"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scenario = load_scenario(REPO / "scenarios" / "retail_support.toml", ["demand.calls_per_day=600"])
    data = simulate_acd_data(scenario, seed=5, days=6, agents=np.maximum(
        np.rint(scenario.offered_load_per_interval * 1.3 / 5000 * 600).astype(int), 2))
    path = tmp_path_factory.mktemp("cli")
    data.calls.to_csv(path / "calls.csv", index=False, date_format=ACD_DATETIME)
    data.calls.to_parquet(path / "calls.parquet", index=False)
    data.intervals.to_csv(path / "report.csv", index=False)
    (path / "columns.toml").write_text(ACD_COLUMNS)
    return path


def calibrate(cli, folder: Path, *extra: object):
    return cli("calibrate", folder / "calls.csv", "--format", "calls", "--columns", folder / "columns.toml", *extra)


def test_writes_the_project_file_evidence_and_figures(cli, folder: Path) -> None:
    out = folder / "run1" / "acme_line.toml"
    result = calibrate(cli, folder, "--msa", MSA, "--out", out, "--name", "acme_line")
    assert result.code == 0, result.err
    assert "demand.calls_per_day" in result.out and "patience.mean" in result.out
    assert sorted(p.name for p in out.parent.iterdir()) == ["acme_line.toml", "calibration.json", "handle_time.png",
                                                             "patience.png", "profile.png"]
    scenario = load_scenario(out)  # the master named relative to the project file
    assert scenario.name == "acme_line" and scenario.agreement.name == load_scenario().agreement.name
    assert scenario.provenance["demand.calls_per_day"].endswith("acme_line.toml: demand.calls_per_day")
    doc = json.loads((out.parent / "calibration.json").read_text())
    assert doc["calibrate"]["data"]["file"] == "calls.csv" and str(folder) not in json.dumps(doc)
    assert doc["values"]["patience.mean"]["ci_low"] < doc["values"]["patience.mean"]["value"]
    assert {q["q"] for q in doc["handling"]["talk"]["quantiles"]} >= {0.5, 0.9}
    assert doc["patience"]["kaplan_meier"] and doc["backtest"] is None


def test_json_is_byte_identical_and_matches_the_file(cli, folder: Path) -> None:
    first = calibrate(cli, folder, "--json", "--out", folder / "run2" / "p.toml")
    second = calibrate(cli, folder, "--json")
    assert first.code == second.code == 0
    assert first.out == second.out
    assert (folder / "run2" / "calibration.json").read_text() == first.out


def test_parquet_reads_as_csv_does(cli, folder: Path) -> None:
    csv_doc = calibrate(cli, folder, "--json").json
    parquet = cli("calibrate", folder / "calls.parquet", "--format", "calls", "--columns", folder / "columns.toml",
                  "--json").json
    for path, value in csv_doc["values"].items():
        assert parquet["values"][path]["value"] == pytest.approx(value["value"], rel=1e-9), path


def test_interval_option_and_renegotiation_warning(cli, folder: Path) -> None:
    result = calibrate(cli, folder, "--interval", "60", "--msa", MSA, "--json")
    assert result.code == 0
    assert len(result.json["demand"]["profile"]) == 12
    assert "differ from the master agreement's 30" in result.err


def test_backtest_per_hour(cli, folder: Path) -> None:
    result = calibrate(cli, folder, "--backtest", "--replications", "1")
    assert result.code == 0, result.err
    assert "back-test" in result.out and "Erlang A" in result.out
    doc = calibrate(cli, folder, "--backtest", "--replications", "1", "--json").json["backtest"]
    assert [h["hour"] for h in doc["hours"]][:2] == ["08:00", "09:00"] and len(doc["hours"]) == 12
    row = doc["hours"][3]
    for metric in ("abandon_rate", "service_level", "asa_seconds"):
        for source in ("simulated", "erlang_a"):
            assert row[f"{metric}_error_{source}"] == pytest.approx(row[f"{metric}_{source}"]
                                                                     - row[f"{metric}_observed"])
    assert 0 <= doc["total"]["observed"]["abandon_rate"] <= 1
    assert set(doc["mean_absolute_error"]) == {"simulated", "erlang_a"}


def test_interval_report_on_the_command_line(cli, folder: Path) -> None:
    columns = folder / "intervals.toml"
    from simulator.calibrate import ACD_INTERVAL_COLUMNS

    columns.write_text(ACD_INTERVAL_COLUMNS)
    result = cli("calibrate", folder / "report.csv", "--format", "intervals", "--columns", columns, "--backtest",
                 "--replications", "1", "--json")
    assert result.code == 0, result.err
    doc = result.json
    assert doc["calibrate"]["kind"] == "intervals" and doc["patience"]["kind"] == "exponential"
    assert doc["staffing"]["method"] == "the report's agents staffed"
    assert doc["backtest"]["hours"][0]["offered"] > 0

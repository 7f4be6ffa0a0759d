"""Malformed data stops `callsim calibrate` with one line naming the file, the row and the column, exit 2,
and nothing written."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator.calibrate import ACD_COLUMNS, ACD_DATETIME, ACD_INTERVAL_COLUMNS, simulate_acd_data
from simulator.scenario import load_scenario
from tests.helpers import REPO, assert_one_line_error


@pytest.fixture(scope="module")
def small():
    scenario = load_scenario(REPO / "scenarios" / "retail_support.toml", ["demand.calls_per_day=300"])
    return simulate_acd_data(scenario, seed=0, days=3, agents=8)


@pytest.fixture
def files(tmp_path: Path, small):
    """Write (possibly corrupted) data and run the CLI with --out into a folder that must stay empty."""
    (tmp_path / "columns.toml").write_text(ACD_COLUMNS)
    (tmp_path / "intervals.toml").write_text(ACD_INTERVAL_COLUMNS)

    def run(cli, frame: pd.DataFrame, *extra: str, kind: str = "calls", name: str = "calls.csv"):
        path = tmp_path / name
        frame.to_csv(path, index=False, date_format=ACD_DATETIME)
        out = tmp_path / "out"
        columns = "columns.toml" if kind == "calls" else "intervals.toml"
        result = cli("calibrate", path, "--format", kind, "--columns", tmp_path / columns,
                     "--out", out / "project.toml", *extra)
        assert not out.exists() or not any(out.iterdir()), "something was written"
        return result, str(path)

    return run


def answered_row(small) -> int:
    return int(np.flatnonzero((small.calls["Result"] == "HANDLED").to_numpy())[3])


def test_missing_column(cli, files, small):
    result, path = files(cli, small.calls.drop(columns=["Connect"]))
    assert_one_line_error(result, path, "answer", "missing column 'Connect'")


def test_unparseable_time(cli, files, small):
    frame = small.calls.copy()
    frame["QueueIn"] = frame["QueueIn"].dt.strftime(ACD_DATETIME).astype(object)
    frame.loc[4, "QueueIn"] = "yesterday noon"
    result, path = files(cli, frame)
    assert_one_line_error(result, f"{path}: line 6.QueueIn: cannot read as a date-time", "(got 'yesterday noon')")


def test_negative_duration(cli, files, small):
    i = answered_row(small)
    frame = small.calls.copy()
    frame.loc[i, "TalkEnd"] = frame.loc[i, "Connect"] - pd.Timedelta(seconds=7)
    result, path = files(cli, frame)
    assert_one_line_error(result, f"{path}: line {i + 2}.TalkEnd: is 7 s before answer (Connect): a negative duration")


def test_midnight_wrap(cli, files, small):
    i = answered_row(small)
    frame = small.calls.copy()
    day = frame.loc[i, "StartTime"].normalize()
    frame.loc[i, "TalkEnd"] = day + pd.Timedelta(hours=23, minutes=59, seconds=58)
    frame.loc[i, "WrapEnd"] = day + pd.Timedelta(seconds=10)  # 00:00:10 on the same date
    result, path = files(cli, frame)
    assert_one_line_error(result, f"{path}: line {i + 2}.WrapEnd:", "midnight wrap")


def test_duplicate_call_id_and_duplicate_row(cli, files, small, tmp_path):
    frame = pd.concat([small.calls, small.calls.iloc[[2]]], ignore_index=True)
    result, path = files(cli, frame)
    assert_one_line_error(result, f"{path}: line {len(frame) + 1}.CallID: duplicate call id (also on line 4)")
    # Without a call id, a row repeated whole is refused all the same.
    (tmp_path / "columns.toml").write_text(ACD_COLUMNS.replace('call_id = "CallID"\n', ""))
    result = files(cli, frame.drop(columns=["CallID"]))[0]
    assert_one_line_error(result, f"line {len(frame) + 1}.", "duplicate row: the same as line 4")


def test_unknown_outcome_and_missing_time(cli, files, small):
    frame = small.calls.copy()
    frame.loc[1, "Result"] = "TRANSFERRED"
    result, path = files(cli, frame)
    assert_one_line_error(result, f"{path}: line 3.Result: unknown outcome", "'HANDLED' (answered)",
                          "(got 'TRANSFERRED')")
    i = answered_row(small)
    frame = small.calls.copy()
    frame.loc[i, "Connect"] = pd.NaT
    result, path = files(cli, frame)
    assert_one_line_error(result, f"{path}: line {i + 2}.Connect: an answered call needs this time")


def test_hold_longer_than_the_conversation(cli, files, small):
    i = answered_row(small)
    frame = small.calls.copy()
    frame.loc[i, "HoldSecs"] = 1e6
    result, path = files(cli, frame)
    assert_one_line_error(result, f"{path}: line {i + 2}.HoldSecs: is longer than the conversation")


def test_interval_report_errors(cli, files, small):
    result, path = files(cli, small.intervals.drop(columns=["Staffed"]), kind="intervals", name="report.csv")
    assert_one_line_error(result, path, "missing column 'Staffed'")
    frame = small.intervals.copy()
    frame.loc[5, "Handled"] = frame.loc[5, "Offered"] + 1
    result, path = files(cli, frame, kind="intervals", name="report.csv")
    assert_one_line_error(result, f"{path}: line 7.Handled: is more than offered")
    frame = small.intervals.astype({"Interval": object})
    frame.loc[2, "Interval"] = "08:17"
    result, path = files(cli, frame, kind="intervals", name="report.csv")
    assert_one_line_error(result, f"{path}: line 4.Interval: does not start on a 30-minute boundary")


def test_bad_options_and_mapping(cli, files, small, tmp_path):
    result, _ = files(cli, small.calls, "--format", "minutes")
    assert_one_line_error(result, "--format: must be calls", "(got 'minutes')")
    (tmp_path / "columns.toml").write_text('[columns]\nanswr = "Connect"\n')
    result, _ = files(cli, small.calls)
    assert_one_line_error(result, "columns.toml: columns.answr: unknown field; did you mean 'answer'?")
    (tmp_path / "columns.toml").write_text(ACD_COLUMNS)
    result, _ = files(cli, small.calls, "--column", "answered=Connect")
    assert_one_line_error(result, "--column: answered: unknown field; did you mean 'answer'?")
    result = cli("calibrate", tmp_path / "calls.csv", "--format", "calls", "--out", tmp_path)
    assert_one_line_error(result, "--out: must name the project file to write (.toml)")
    result, _ = files(cli, small.calls, "--call-type", "sales")
    assert_one_line_error(result, "--call-type: no row has this call type; the file has 'voice'")


def test_empty_file_and_parquet_without_pyarrow(cli, tmp_path, monkeypatch):
    (tmp_path / "empty.csv").write_text("")
    assert_one_line_error(cli("calibrate", tmp_path / "empty.csv", "--format", "calls"), "empty.csv: the file is empty")
    (tmp_path / "calls.parquet").write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    assert_one_line_error(cli("calibrate", tmp_path / "calls.parquet", "--format", "calls"),
                          "reading Parquet needs pyarrow: pip install 'callsim[parquet]'")

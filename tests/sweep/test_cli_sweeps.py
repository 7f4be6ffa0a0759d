"""Sweeps from the command line: --executor, Ctrl-C that keeps finished quotes, --resume, and its errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import REPO, Result, assert_one_line_error

# A short month and few months keep each quote to about a second.
SMALL = ["--set", "demand.days_per_month=3", "--months", "3", "--replications", "2"]
FRONTIER = ["frontier", "--target-sl", "0.7,0.8,0.9", *SMALL]


def callsim(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "simulator", *args], cwd=REPO, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_ctrl_c_keeps_finished_quotes_and_resume_gives_the_uninterrupted_result(tmp_path: Path) -> None:
    out = tmp_path / "interrupted"
    process = callsim(*FRONTIER, "--executor", "local:2", "--out", str(out))
    deadline = time.monotonic() + 120
    while not list(out.glob("checkpoint/batch-*.pkl")):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no quote finished in time"
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert stdout == "" and "Traceback" not in stderr
    [line] = stderr.strip().splitlines()
    assert line.startswith("error: interrupted after ") and line.endswith("rerun with --resume to continue")
    # Nothing half-done: no final files, only whole checkpoint batches.
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint"]
    kept = sorted(p.name for p in (out / "checkpoint").iterdir())
    assert "sweep.json" in kept and all(n.startswith("batch-") or n == "sweep.json" for n in kept)

    refused = callsim(*FRONTIER, "--out", str(out))
    refused_out, refused_err = refused.communicate(timeout=120)
    assert_one_line_error(Result(refused.returncode or 0, refused_out, refused_err),
                          "--out: holds finished tasks of an earlier sweep; add --resume")

    resumed = callsim(*FRONTIER, "--executor", "sequential", "--out", str(out), "--resume", "--json")
    resumed_json, _ = resumed.communicate(timeout=300)
    assert resumed.returncode == 0
    fresh = callsim(*FRONTIER, "--out", str(tmp_path / "fresh"), "--json")
    fresh_json, _ = fresh.communicate(timeout=300)
    assert fresh.returncode == 0
    assert resumed_json == fresh_json
    assert (out / "frontier.csv").read_bytes() == (tmp_path / "fresh" / "frontier.csv").read_bytes()
    assert not (out / "checkpoint").exists()  # the final files replace it


def test_resume_needs_an_out_folder(cli: Callable[..., Result]) -> None:
    assert_one_line_error(cli("tiers", "--resume", *SMALL), "--resume: needs --out DIR")


@pytest.mark.parametrize("command", ["quote", "whatif", "tiers", "frontier", "sensitivity", "simulate"])
def test_a_bad_executor_is_one_line(cli: Callable[..., Result], command: str) -> None:
    extra = {"whatif": ["--change", "sla.service_level=0.9"], "frontier": ["--target-sl", "0.8"]}.get(command, [])
    assert_one_line_error(cli(command, *extra, "--executor", "pool:3"),
                          "--executor: must be sequential, local, local:N")


def test_executors_give_identical_json_and_the_progress_bar_goes_to_stderr(
        cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["whatif", "--change", "sla.service_level=0.85", *SMALL, "--json"]
    sequential = cli(*args, "--executor", "sequential")
    monkeypatch.setenv("CALLSIM_PROGRESS", "1")  # show the bar although stderr is not a terminal
    pool = cli(*args, "--executor", "local:2")
    assert sequential.code == pool.code == 0
    assert sequential.out == pool.out  # stdout holds the JSON document only
    bar = pool.err.replace("\r", "\n")
    assert "quoting baseline and variant" in bar and "2/2" in bar  # tasks done
    assert "/s" in bar or "s each" in bar  # the rate


def test_the_executor_can_come_from_the_environment(cli: Callable[..., Result],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLSIM_EXECUTOR", "pool:3")
    assert_one_line_error(cli("quote", *SMALL), "--executor: must be sequential, local, local:N", "pool:3")

"""Start-up stays light: ``callsim --help`` and ``callsim erlang`` load none of the heavy libraries (their
time is measured by benchmarks/bench_startup.py; this checks the cause, which does not depend on the machine)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("pandas", "matplotlib", "openpyxl", "scipy", "numba", "lifelines", "dask", "simpy", "pydantic.v1")
PROBE = ("import atexit, sys\n"
         "atexit.register(lambda: print('loaded:' + ','.join(m for m in {heavy!r} if m in sys.modules)))\n"
         "from simulator.cli import run\n"
         "sys.exit(run({args!r}))\n")


@pytest.mark.parametrize("args", [["--help"], ["erlang", "c", "--calls-per-hour", "200", "--aht", "180",
                                                "--agents", "14"],
                                  ["erlang", "a", "--calls-per-hour", "400", "--aht", "360", "--agents", "43",
                                   "--patience", "180", "--json"]], ids=["help", "erlang-c", "erlang-a"])
def test_start_up_loads_no_heavy_library(args: list[str]) -> None:
    out = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY, args=args)], capture_output=True,
                         text=True, cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "loaded:", out.stdout

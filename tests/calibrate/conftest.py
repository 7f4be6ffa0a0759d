"""Client data made by callsim from a known scenario, in a foreign layout, calibrated once per session.

The truth is a retail line (``scenarios/retail_support.toml``: lognormal talk, hold, ACW and patience, an IVR,
repeat calls and redials) at 2,000 calls a day for 26 days, staffed three agents below its Erlang A plan so
that about one caller in ten abandons (patience must be seen through the censoring of the answered calls). The
month-level volume shock is off: one month shows one draw of it, which no calibration can separate from the
level. Its call log is written as an ACD would (``simulator.calibrate.synthetic``) and read back through the
ACD's column map.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from simulator.calibrate import ACD_DATETIME, AcdData, Calibration, calibrate_calls, simulate_acd_data
from simulator.scenario import Scenario, load_scenario
from simulator.simulation import default_agents
from tests.helpers import REPO

TRUTH_SETS = ("demand.calls_per_day=2000", "demand.month_cv=0")
SEED = 3


@dataclass(frozen=True)
class Made:
    scenario: Scenario
    data: AcdData
    csv: Path
    columns: Path
    calibration: Calibration


def truth() -> Scenario:
    return load_scenario(REPO / "scenarios" / "retail_support.toml", list(TRUTH_SETS))


@pytest.fixture(scope="session")
def made(tmp_path_factory: pytest.TempPathFactory) -> Made:
    scenario = truth()
    plan = default_agents(scenario)[0]
    data = simulate_acd_data(scenario, seed=SEED, agents=np.maximum(plan - 3, 1))
    folder = tmp_path_factory.mktemp("acd")
    path = folder / "calls.csv"
    data.calls.to_csv(path, index=False, date_format=ACD_DATETIME)
    columns = folder / "columns.toml"
    from simulator.calibrate import ACD_COLUMNS

    columns.write_text(ACD_COLUMNS, encoding="utf-8")
    return Made(scenario, data, path, columns, calibrate_calls(path, AcdData.call_columns()))

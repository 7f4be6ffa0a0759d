"""Other layouts of the same log: callsim's own column names without IVR or customer columns, and clock times
beside a date column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulator.calibrate import AcdData, calibrate_calls, load_columns
from tests.calibrate.conftest import Made
from tests.helpers import assert_one_line_error


@pytest.fixture(scope="module")
def canonical(made: Made) -> pd.DataFrame:
    """The first six days, under callsim's canonical names, without IVR, customer or call-id columns."""
    mapping = AcdData.call_columns()
    frame = made.data.calls.rename(columns={header: name for name, header in mapping.columns.items()})
    days = frame["arrival"].dt.normalize()
    frame = frame[days < days.min() + pd.Timedelta(days=6)]
    frame = frame.drop(columns=["ivr_entry", "ivr_exit", "customer", "call_id", "call_type"])
    frame["outcome"] = frame["outcome"].map({v: k for k, values in mapping.outcomes.items() for v in values})
    return frame.reset_index(drop=True)


def test_canonical_names_without_customer_ids(canonical: pd.DataFrame) -> None:
    cal = calibrate_calls(canonical)  # no column map: the canonical names
    assert cal.repeats is None and any("no customer id" in w for w in cal.warnings)
    # Every call is demand then, repeats included; the IVR time is queue entry minus arrival.
    assert cal.data["first_attempts"] == len(canonical)
    assert cal.ivr_navigation is not None and cal.ivr_navigation.mean == pytest.approx(40, rel=0.05)
    text = cal.project_text()
    assert "fcr = 1.0" in text and "no customer id in the data" in text
    assert cal.scenario().repeats.fcr == 1.0


def test_clock_times_beside_a_date(canonical: pd.DataFrame, tmp_path, cli) -> None:
    frame = canonical.copy()
    times = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
    frame.insert(0, "date", frame["arrival"].dt.strftime("%Y-%m-%d"))
    for column in times:
        frame[column] = frame[column].dt.strftime("%H:%M:%S.%f").where(frame[column].notna(), "")
    cal = calibrate_calls(frame)
    reference = calibrate_calls(canonical)
    assert cal.estimates()["handling.talk.mean"].value == pytest.approx(
        reference.estimates()["handling.talk.mean"].value, abs=1e-3)
    # A call whose wrap-up ends after midnight wraps the clock: refused, with its row and column.
    served = int(np.flatnonzero((frame["outcome"] == "answered").to_numpy())[0])
    frame.loc[served, "talk_end"] = "23:59:50"
    frame.loc[served, "acw_end"] = "00:00:20"
    path = tmp_path / "clock.csv"
    frame.to_csv(path, index=False)
    assert load_columns(None, "calls").header("acw_end") == "acw_end"
    result = cli("calibrate", path, "--format", "calls")
    assert_one_line_error(result, f"{path}: line {served + 2}.acw_end:", "midnight wrap", "(got '00:00:20')")

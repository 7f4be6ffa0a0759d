"""Calendar rules: where a repeat call meant for closed hours lands in the next day."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.sim.model import CentreModel
from simulator.sim.timeline import Timeline


def centre(rates: list[float], days: int = 2) -> CentreModel:
    # Open [0, 400) of each 1000 s day, four 100 s intervals.
    return CentreModel(day_seconds=1000.0, open_seconds=0.0, interval_seconds=100.0, interval_count=len(rates),
                       days=days, arrival_rate=np.asarray(rates), agents=np.ones(len(rates), dtype=int))


def test_volume_share_follows_the_profile() -> None:
    timeline = Timeline(centre([1.0, 3.0, 0.0, 4.0]))  # shares 1/8, 3/8, 0, 4/8
    assert timeline.time_at_volume_share(0.0) == 0.0
    assert timeline.time_at_volume_share(1 / 16) == pytest.approx(50.0)  # half-way through interval 0
    assert timeline.time_at_volume_share(0.25) == pytest.approx(100.0 + 100.0 / 3)  # 1/8 into the 3/8
    assert timeline.time_at_volume_share(0.75) == pytest.approx(350.0)  # interval 2 is empty: skipped
    assert timeline.time_at_volume_share(1.0) == pytest.approx(400.0)


def test_closed_time_maps_into_the_next_opening_hours() -> None:
    timeline = Timeline(centre([1.0, 1.0, 1.0, 1.0]))
    assert timeline.arrival_instant(150.0) == 150.0  # open: unchanged
    assert timeline.arrival_instant(400.0) == pytest.approx(1000.0)  # the closing instant: next opening
    assert timeline.arrival_instant(700.0) == pytest.approx(1200.0)  # half the night → half the next day
    assert timeline.arrival_instant(1500.0) is None  # after the last day's closing: dropped


def test_deferred_arrivals_are_spread_not_stacked() -> None:
    timeline = Timeline(centre([2.0, 1.0, 1.0, 0.0]))
    nights = np.linspace(400.0, 999.0, 600)
    landed = np.array([timeline.arrival_instant(t) for t in nights])
    assert np.all((landed >= 1000.0) & (landed < 1300.0))  # never in the empty last interval
    counts = np.histogram(landed, bins=[1000, 1100, 1200, 1300])[0]
    assert counts.tolist() == pytest.approx([300, 150, 150], abs=2)  # in proportion 2 : 1 : 1

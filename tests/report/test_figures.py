"""Figures: each renders to PNG and SVG with no display, has titles, units and legends, and is saved atomically."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from simulator.errors import ScenarioError
from simulator.report import figures
from simulator.report.figures import MoneyFormatter, save_figure

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CATEGORY_LABELS = {"Tier", "Input"}  # axes of names, which have no unit
STARTS = [f"{h:02d}:{m:02d}" for h in range(8, 20) for m in (0, 30)]
CALLS = 200 + 150 * np.sin(np.linspace(0, np.pi, len(STARTS)))
AGENTS = np.ceil(CALLS / 5.5) + 2
TARGETS = np.array([0.70, 0.75, 0.80, 0.85, 0.90, 0.95])
PRICES = 1.0e6 + (TARGETS - 0.7) ** 2 * 8e6


def intraday() -> Figure:
    return figures.intraday_staffing(STARTS, CALLS, AGENTS, AGENTS - 1, title="Intraday staffing",
                                     interval_minutes=30, subtitle="acme · seed 0")


def frontier() -> Figure:
    return figures.frontier(TARGETS, PRICES, [0.4, 0.3, 0.2, 0.12, 0.08, 0.05],
                            target_label="Service-level target (answered within 20 s)", currency="USD",
                            fte=PRICES / 9000, marginal_costs=True,
                            alternative={"label": "short abandons excluded", "prices": PRICES * 0.97,
                                         "p_miss": [0.3, 0.2, 0.15, 0.1, 0.05, 0.03]})


def monthly() -> Figure:
    sl = np.clip(np.random.default_rng(0).normal(0.82, 0.03, 200), 0, 1)
    return figures.monthly_sl_distribution(sl, target=0.80, credit_threshold=0.78)


def tornado() -> Figure:
    rows = [("Volume ±10%", "-10%", "+10%", 0.93e6, 1.08e6), ("AHT ±10%", 324, 396, 0.94e6, 1.07e6),
            ("Patience ±10%", 162, 198, 1.01e6, 0.99e6)]
    return figures.tornado(1.0e6, rows, currency="EUR")


def tiers() -> Figure:
    return figures.tiers_comparison(["Gold 90/20", "Silver 80/20", "Bronze 70/30"], [1.25e6, 1.05e6, 0.93e6],
                                    [0.08, 0.12, 0.2], [130.2, 110.5, 98.1], currency="CHF",
                                    expected_credits=[2e4, 3e4, 5e4])


BUILDERS: dict[str, Callable[[], Figure]] = {"intraday": intraday, "frontier": frontier, "monthly": monthly,
                                             "tornado": tornado, "tiers": tiers}


@pytest.fixture(scope="module")
def built() -> dict[str, Figure]:
    return {name: build() for name, build in BUILDERS.items()}


def svg_texts(svg: bytes) -> set[str]:
    """The texts drawn in an SVG: matplotlib draws text as paths and puts each string in a comment before it."""
    return {html.unescape(text) for text in re.findall(r"<!-- (.*?) -->", svg.decode("utf-8"), flags=re.S)}


def titles_and_labels(fig: Figure) -> list[str]:
    """The figure's title, every axes title and every axis label that is set."""
    texts = [fig.get_suptitle()]
    for ax in fig.axes:
        texts += [ax.get_title(loc="left"), ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
    return [text for text in texts if text]


@pytest.mark.parametrize("name", list(BUILDERS))
def test_each_figure_renders_to_png_and_svg(name: str, built: dict[str, Figure], tmp_path: Path) -> None:
    paths = save_figure(built[name], tmp_path / "out" / name)
    assert paths == [tmp_path / "out" / f"{name}.png", tmp_path / "out" / f"{name}.svg"]
    png, svg = (p.read_bytes() for p in paths)
    assert png.startswith(PNG_SIGNATURE) and len(png) > 10_000
    assert b"<svg" in svg[:2000] and len(svg) > 10_000
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [f"{name}.png", f"{name}.svg"]  # no temp left
    # The title and the axis labels are drawn in the file, not only set on the objects.
    expected = titles_and_labels(built[name])
    assert len(expected) >= 3  # a title and at least two axis labels
    drawn = svg_texts(svg)
    assert not [text for text in expected if text not in drawn], drawn


@pytest.mark.parametrize("name", list(BUILDERS))
def test_each_figure_has_title_labels_with_units_and_a_legend(name: str, built: dict[str, Figure]) -> None:
    fig = built[name]
    main = fig.axes[0]
    title = main.get_title(loc="left") or main.get_title() or (fig.get_suptitle() if name == "tiers" else "")
    assert title
    for ax in fig.axes:
        labels = [label for label in (ax.get_xlabel(), ax.get_ylabel()) if label]
        assert labels
        # Every quantity axis names its unit in brackets; categorical axes (tiers, tornado inputs) need none.
        for label in labels:
            assert label in CATEGORY_LABELS or ("[" in label and label.endswith("]")), label
    if name != "tiers":
        assert any(ax.get_legend() is not None for ax in fig.axes)


def test_money_axes_carry_the_currency(built: dict[str, Figure]) -> None:
    price_axis = built["frontier"].axes[0]
    assert "[USD]" in price_axis.get_ylabel()
    assert isinstance(price_axis.yaxis.get_major_formatter(), MoneyFormatter)
    assert "[EUR]" in built["tornado"].axes[0].get_xlabel()
    assert "[CHF]" in built["tiers"].axes[0].get_ylabel()


def test_money_formatter_labels_are_distinct_and_scaled() -> None:
    formatter = MoneyFormatter("USD")
    assert formatter.format_ticks([1.0e6, 1.05e6, 1.1e6]) == ["$1.00M", "$1.05M", "$1.10M"]
    assert formatter.format_ticks([0, 5e5, 1e6]) == ["$0", "$0.5M", "$1.0M"]
    assert formatter.format_ticks([900e3, 950e3]) == ["$900k", "$950k"]
    assert formatter.format_ticks([20, 22.5, 25]) == ["$20.0", "$22.5", "$25.0"]
    assert MoneyFormatter("CHF").format_ticks([1e6, 2e6]) == ["CHF 1M", "CHF 2M"]


def test_monthly_distribution_states_the_share_missing() -> None:
    fig = figures.monthly_sl_distribution([0.70, 0.75, 0.79, 0.85, 0.90], target=0.80, credit_threshold=0.76)
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any("Target 80%" in t and "60.0% of months below" in t for t in texts)
    assert any("Credit threshold 76%" in t and "40.0% of months below" in t for t in texts)


@pytest.mark.parametrize(("target", "centre"), [(0.80, 0.90), (0.90, 0.78)])
def test_monthly_legend_keeps_clear_of_the_target_line(target: float, centre: float) -> None:
    fig = figures.monthly_sl_distribution(np.linspace(centre - 0.05, centre + 0.05, 200), target=target)
    FigureCanvasAgg(fig).draw()
    ax = fig.axes[0]
    box = ax.get_legend().get_window_extent()
    x = ax.transData.transform((target, 0.0))[0]
    assert not box.x0 <= x <= box.x1


def test_monthly_summary_sits_under_the_title() -> None:
    fig = figures.monthly_sl_distribution([0.70, 0.75, 0.79, 0.85, 0.90], target=0.80, subtitle="seed 0",
                                          title="A long scenario name: simulated monthly service level")
    notes = [t.get_text() for t in fig.axes[0].texts]
    assert any(n.startswith("seed 0 · 5 months · mean 79.8%") for n in notes), notes
    note = next(t for t in fig.axes[0].texts if t.get_text().startswith("seed 0"))
    assert note.get_position() == (0.0, 1.02) and note.get_horizontalalignment() == "left"  # the subtitle line
    assert len(fig.axes[0].texts) == 1  # and nothing beside the title


def test_metric_with_a_cap_counts_months_above() -> None:
    fig = figures.monthly_metric_distribution([10, 20, 30, 40], target=25, higher_is_better=False,
                                              value_format="seconds", metric_label="Monthly ASA")
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any("50.0% of months above" in t for t in texts)
    assert fig.axes[0].get_xlabel() == "Monthly ASA [s]"


def test_single_valued_distribution_still_draws() -> None:
    fig = figures.monthly_sl_distribution([0.85] * 20, target=0.80)
    assert fig.axes[0].patches  # at least one bar


def test_frontier_without_risk_or_extras() -> None:
    fig = figures.frontier([15, 20, 30], [3.0e5, 2.8e5, 2.5e5], None, target_label="ASA cap", currency="USD",
                           target_format="seconds", marginal_costs=[-4000.0, -3000.0])
    assert len(fig.axes) == 1
    assert fig.axes[0].get_xlabel() == "ASA cap [s]"


def test_tornado_puts_the_widest_swing_on_top() -> None:
    rows = [("Small", 1, 2, 99.0, 101.0), ("Large", 1, 2, 80.0, 120.0), ("Middle", 1, 2, 95.0, 110.0)]
    fig = figures.tornado(100.0, rows, currency="USD")
    ticks = fig.axes[0].get_yticklabels()
    by_position = sorted(((t.get_position()[1], t.get_text()) for t in ticks), reverse=True)
    assert [text for _, text in by_position] == ["Large", "Middle", "Small"]


@pytest.mark.parametrize(("low_price", "high_price"), [(101.0, 104.0), (96.0, 99.0), (100.0, 100.0)])
def test_tornado_row_on_one_side_of_the_base_shows_both_bars_and_labels(low_price: float, high_price: float) -> None:
    fig = figures.tornado(100.0, [("Volume", "-10%", "+10%", low_price, high_price)], currency="USD")
    FigureCanvasAgg(fig).draw()
    ax = fig.axes[0]
    bars = [p for p in ax.patches if p.get_height() > 0]
    assert sorted(round(b.get_x() + b.get_width(), 9) for b in bars) == sorted([low_price, high_price])
    if low_price != high_price:  # the shorter bar is drawn in front of the longer one, so both show
        shorter, longer = sorted(bars, key=lambda b: abs(b.get_width()))
        assert shorter.get_zorder() > longer.get_zorder()
    low_text, high_text = (t for t in ax.texts if "→" in t.get_text())
    assert low_text.get_text().startswith("-10%") and high_text.get_text().startswith("+10%")
    assert not low_text.get_window_extent().overlaps(high_text.get_window_extent())
    assert low_text.get_window_extent().x1 <= high_text.get_window_extent().x0


@pytest.mark.parametrize("call", [
    lambda: figures.intraday_staffing(["08:00", "08:30"], [1.0], [1, 2], title="t"),
    lambda: figures.intraday_staffing([], [], [], title="t"),
    lambda: figures.frontier([0.8, 0.9], [1.0], None, target_label="x", currency="USD"),
    lambda: figures.frontier([0.8, 0.9], [1.0, 2.0], None, target_label="x", currency="USD",
                             alternative={"label": "no prices"}),
    lambda: figures.monthly_sl_distribution([np.nan], target=0.8),
    lambda: figures.tornado(1.0, [("too short", 1, 2)], currency="USD"),  # type: ignore[list-item]
    lambda: figures.tiers_comparison(["a", "b"], [1.0, 2.0], [0.1], None, currency="USD"),
])
def test_bad_input_raises_a_scenario_error(call: Callable[[], Any]) -> None:
    with pytest.raises(ScenarioError):
        call()


def test_interval_starts_may_be_seconds_or_times() -> None:
    import datetime as dt

    by_seconds = figures.intraday_staffing([8 * 3600, 8 * 3600 + 1800], [10, 12], [3, 4], title="t")
    by_time = figures.intraday_staffing([dt.time(8, 0), dt.time(8, 30)], [10, 12], [3, 4], title="t")
    for fig in (by_seconds, by_time):
        assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["08:00", "08:30"]


def test_rcparams_untouched_and_svg_reproducible(tmp_path: Path) -> None:
    before = dict(mpl.rcParams)
    fig = tornado()
    first = save_figure(fig, tmp_path / "a")[1].read_bytes()
    second = save_figure(fig, tmp_path / "b.svg")[1].read_bytes()  # a stray suffix is dropped
    assert first == second
    assert (tmp_path / "b.png").exists()
    assert dict(mpl.rcParams) == before


def test_failed_save_leaves_old_files_and_no_temporaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "fig"
    (tmp_path / "fig.png").write_bytes(b"old png")
    fig = tornado()
    original = fig.savefig

    def savefig_failing_on_svg(path: Any, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("format") == "svg":
            Path(path).write_bytes(b"<svg half")
            raise RuntimeError("disk full")
        original(path, *args, **kwargs)

    monkeypatch.setattr(fig, "savefig", savefig_failing_on_svg)
    with pytest.raises(RuntimeError):
        save_figure(fig, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.png"]
    assert (tmp_path / "fig.png").read_bytes() == b"old png"


def test_unwritable_folder_is_a_scenario_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ScenarioError, match="cannot write"):
        save_figure(tornado(), blocker / "fig")


def test_no_pyplot_and_light_table_imports() -> None:
    # The object API keeps figures free of pyplot's global state; the terminal tables load neither pandas,
    # matplotlib nor openpyxl, so the CLI starts fast.
    import subprocess
    import sys

    code = ("import sys, simulator.report.tables as t\n"
            "heavy = [m for m in ('pandas', 'matplotlib', 'openpyxl') if m in sys.modules]\n"
            "from simulator.report import figures\n"
            "figures.tornado(1.0, [('a', 1, 2, 0.9, 1.1)], currency='USD')\n"
            "print(heavy, 'matplotlib.pyplot' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[] False"


def test_frontier_price_axis_starts_at_zero_and_marks_the_contract_target() -> None:
    fig = figures.frontier([0.8, 0.85, 0.9], [270_000, 280_000, 290_000], [0.1, 0.08, 0.06],
                           target_label="Service-level target", currency="USD", marginal_costs=True,
                           contract_target=0.8)
    ax = fig.axes[0]
    assert ax.get_ylim()[0] == 0
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("Contract target today: 80%" in text for text in legend), legend
    notes = [t.get_text() for t in ax.texts]
    assert any("a month per pt" in text for text in notes), notes
    zoomed = figures.frontier([0.8, 0.9], [270_000, 290_000], None, target_label="Service-level target",
                              currency="USD", price_from_zero=False)
    assert zoomed.axes[0].get_ylim()[0] > 0
    assert "does not start at zero" in zoomed.axes[0].get_ylabel()


def test_tornado_says_its_axis_does_not_start_at_zero() -> None:
    fig = figures.tornado(100.0, [("Volume", "-10%", "+10%", 90.0, 112.0)], currency="USD")
    assert "not from zero" in fig.axes[0].get_xlabel() and fig.axes[0].get_xlabel().endswith("[USD]")

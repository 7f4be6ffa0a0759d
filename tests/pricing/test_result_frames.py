"""The pandas tables and matplotlib figures of the quote and comparison results (what the notebooks show).

Pass-through tests: every frame holds the numbers of the result's own document (no second computation), the
identities of a quote hold in its frames (cost lines add up to the price, the monthly credits average to the
expected credits), and every figure renders to a non-empty PNG. The quotes are of a small centre (the default
scenario at 400 calls a day, 3 days a month) with the smallest run sizes, quoted in this process.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from matplotlib.figure import Figure

from simulator.check import check_quick
from simulator.errors import ScenarioError
from simulator.quoting import frontier, sensitivity, tiers, whatif
from simulator.quoting.documents import DELTA_LINES
from simulator.quoting.quote import Quote, quote
from simulator.report.figures import save_figure
from simulator.scenario import Scenario, load_scenario

SMALL = ("demand.calls_per_day=400", "demand.days_per_month=3", "repeats.fcr=0.9")


def fast_quote(scenario: Scenario) -> Quote:
    return quote(scenario, replications=1, months=20, workers=1)


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(None, SMALL)


@pytest.fixture(scope="module")
def what(scenario: Scenario) -> whatif.WhatIf:
    return whatif.whatif(scenario, {"sla.service_level": 0.95}, quote_fn=fast_quote, label="code")


@pytest.fixture(scope="module")
def base(what: whatif.WhatIf) -> Quote:
    return what.baseline  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def menu(scenario: Scenario) -> tiers.TierMenu:
    return tiers.tiers(scenario, quote_fn=fast_quote)


@pytest.fixture(scope="module")
def front(scenario: Scenario) -> frontier.Frontier:
    return frontier.frontier(scenario, metric="service_level", targets=[0.9, 0.8], quote_fn=fast_quote)


@pytest.fixture(scope="module")
def sens(scenario: Scenario) -> sensitivity.Sensitivity:
    return sensitivity.sensitivity(scenario, steps=[0.1, -0.1], factors=["volume", "shrinkage"],
                               quote_fn=fast_quote)


def rendered(fig: Figure, tmp_path: Path, name: str = "figure") -> Figure:
    """Save as PNG and check the file is there and not empty."""
    assert isinstance(fig, Figure)
    (path,) = save_figure(fig, tmp_path / name, formats=("png",))
    assert path.stat().st_size > 1000, path
    return fig


def titles(fig: Figure) -> str:
    texts = [ax.get_title(loc) for ax in fig.axes for loc in ("left", "center")]
    return " ".join([*texts, fig._suptitle.get_text() if fig._suptitle else ""])


# -- Quote ------------------------------------------------------------------------------------------------
def test_risk_frame_holds_the_credit_risk(base: Quote) -> None:
    frame = base.risk_frame()["value"]
    credit = base.credit
    assert frame["p_miss"] == credit.p_miss
    assert frame["expected_credits"] == pytest.approx(credit.expected_credits)
    assert frame["credits_p95"] == pytest.approx(credit.credits_p95)
    assert frame["price"] == pytest.approx(base.total)
    for metric, p in credit.p_miss_by_metric.items():
        assert frame[f"p_miss_{metric}"] == p


def test_monthly_frame_adds_up_to_the_risk(base: Quote) -> None:
    frame = base.monthly_frame()
    assert len(frame) == base.credit.months == 20
    assert list(frame.index) == list(range(20))
    np.testing.assert_array_equal(frame["service_level"], base.risk_months.monthly["service_level"])
    # Identities: the share of months missed is P(miss), the mean monthly credit the expected credits.
    assert frame["missed"].mean() == pytest.approx(base.credit.p_miss)
    assert frame["credit"].mean() == pytest.approx(base.credit.expected_credits)
    assert (frame.loc[~frame["missed"], "credit"] == 0).all()


def test_quote_figures_render(base: Quote, tmp_path: Path) -> None:
    staffing = rendered(base.staffing_figure(), tmp_path, "staffing")
    assert base.scenario.name in titles(staffing)
    bars = staffing.axes[0].patches
    assert [round(b.get_height()) for b in bars[:len(base.chain.agents_per_interval)]] == \
        [int(a) for a in base.chain.agents_per_interval]
    rendered(base.monthly_sl_figure(), tmp_path, "sl")
    rendered(base.monthly_figure("abandon_rate"), tmp_path, "abandon")


def test_monthly_figure_names_a_missing_target_and_an_unknown_metric(base: Quote) -> None:
    assert base.scenario.sla.max_asa_seconds is None
    with pytest.raises(ScenarioError) as missing:
        base.monthly_figure("asa_seconds")
    assert missing.value.field == "sla.max_asa_seconds"
    with pytest.raises(ScenarioError) as unknown:
        base.monthly_figure("occupancy")
    assert unknown.value.field == "metric"


# -- WhatIf -----------------------------------------------------------------------------------------------
def test_whatif_frame_is_its_lines(what: whatif.WhatIf) -> None:
    frame = what.to_frame()
    lines = what.lines()
    assert list(frame.index) == [label for label, _ in DELTA_LINES]
    for row in lines:
        for column in ("baseline", "variant", "delta"):
            expected = row[column]
            assert (math.isnan(frame.loc[row["item"], column]) if expected is None
                    else frame.loc[row["item"], column] == pytest.approx(expected))


def test_whatif_cost_lines_add_up_to_each_price(what: whatif.WhatIf) -> None:
    frame = what.cost_frame()
    assert frame["baseline"].sum() == pytest.approx(what.baseline.total)
    assert frame["variant"].sum() == pytest.approx(what.variant.total)
    assert frame["delta"].sum() == pytest.approx(what.variant.total - what.baseline.total)


def test_whatif_price_and_staffing_frames(what: whatif.WhatIf) -> None:
    price = what.price_frame()
    assert price.loc["total", "baseline"] == pytest.approx(what.baseline.total)
    assert price.loc["total", "variant"] == pytest.approx(what.variant.total)
    assert price.loc["total", "delta_relative"] == pytest.approx(what.variant.total / what.baseline.total - 1)
    staffing = what.staffing_frame()
    assert list(staffing.index) == what.variant.scenario.interval_starts
    np.testing.assert_array_equal(staffing["baseline"], what.baseline.chain.agents_per_interval)
    np.testing.assert_array_equal(staffing["variant"], what.variant.chain.agents_per_interval)
    assert (staffing["delta"] == staffing["variant"] - staffing["baseline"]).all()


def test_whatif_provenance_names_both_sources(what: whatif.WhatIf) -> None:
    frame = what.provenance_frame()
    row = frame.loc["sla.service_level"]
    assert row["baseline"] == 0.8 and row["variant"] == 0.95
    assert row["baseline_source"].startswith("tier silver")
    assert row["variant_source"] == "code"


def test_whatif_provenance_lists_every_leaf_of_a_changed_table(scenario: Scenario) -> None:
    change = {"patience": {"kind": "exponential", "mean": 200}}
    # The provenance needs the scenarios only, not their quotes.
    result = whatif.WhatIf(SimpleNamespace(scenario=scenario),
                            SimpleNamespace(scenario=scenario.with_changes(change, label="--set")), change)
    frame = result.provenance_frame()
    assert set(frame.index) == {"patience.kind", "patience.mean"}
    assert (frame["variant_source"] == "--set").all()
    assert frame.loc["patience.mean", "variant"] == 200


def test_whatif_figure_renders(what: whatif.WhatIf, tmp_path: Path) -> None:
    fig = rendered(what.staffing_figure(), tmp_path)
    assert "95/20 instead of 80/20" in titles(fig)


# -- TierMenu, Frontier, Sensitivity --------------------------------------------------------------------
def test_tier_frame_in_menu_order_with_each_tiers_sla(menu: tiers.TierMenu, scenario: Scenario) -> None:
    frame = menu.to_frame()
    assert list(frame.index) == list(scenario.tiers)
    for name, tier in scenario.tiers.items():
        assert frame.loc[name, "service level"] == tier.sla.service_level
        assert frame.loc[name, "threshold [s]"] == tier.sla.threshold_seconds
        assert frame.loc[name, "price"] == pytest.approx(menu[name].total)
        assert frame.loc[name, "agent FTE"] == pytest.approx(menu[name].chain.fte)
        assert frame.loc[name, "P(miss)"] == menu[name].credit.p_miss


def test_tier_figure_renders_a_panel_per_quantity(menu: tiers.TierMenu, tmp_path: Path) -> None:
    fig = rendered(menu.figure(), tmp_path)
    assert len(fig.axes) == 3  # price, FTE, P(miss)
    labels = [t.get_text().replace("\n", " ") for t in fig.axes[0].get_xticklabels()]
    assert labels[0].startswith("gold")


def test_frontier_frame_keeps_the_given_order_and_the_marginal_costs(front: frontier.Frontier) -> None:
    frame = front.to_frame()
    assert list(frame.index) == [0.9, 0.8]
    assert math.isnan(frame["marginal cost per point"].iloc[0])
    np.testing.assert_allclose(frame["marginal cost per point"].iloc[1:], front.marginal_cost_per_point())
    np.testing.assert_allclose(frame["price"], front.prices())
    # The billed unit (productive hour here) is one of the headline lines already, not repeated.
    assert "price per productive hour" in frame.columns
    assert sum(c.startswith("price per productive") for c in frame.columns) == 1


def test_frontier_figure_renders(front: frontier.Frontier, tmp_path: Path) -> None:
    fig = rendered(front.figure(), tmp_path)
    np.testing.assert_allclose(sorted(fig.axes[0].lines[0].get_xdata()), [0.8, 0.9])


def test_sensitivity_frame_and_tornado(sens: sensitivity.Sensitivity, tmp_path: Path) -> None:
    frame = sens.to_frame()
    assert list(frame.index) == [(f, s) for f in ("volume", "shrinkage") for s in (0.1, -0.1)]
    for factor, step, q in sens.rows:
        assert frame.loc[(factor, step), "price"] == pytest.approx(q.total)
        assert frame.loc[(factor, step), "price change"] == pytest.approx(q.total / sens.baseline.total - 1)
    fig = rendered(sens.figure(), tmp_path)
    ticks = {t.get_text() for t in fig.axes[0].get_yticklabels()}
    assert ticks == {"Call volume", "Shrinkage"}


# -- CheckReport --------------------------------------------------------------------------------------------
def test_check_report_frame_is_its_rows() -> None:
    report = check_quick(calls_per_hour=200, aht_seconds=180, agents=12, hours=20, replications=3, seed=1,
                         workers=1)
    frame = report.to_frame()
    assert list(frame.index) == [r.metric for r in report.rows]
    for r in report.rows:
        assert frame.loc[r.metric, "analytic"] == r.analytic
        assert frame.loc[r.metric, "ci_low"] == r.low and frame.loc[r.metric, "ci_high"] == r.high
        assert frame.loc[r.metric, "within"] == r.within
        assert frame.loc[r.metric, "drift"] == pytest.approx(r.simulated - r.analytic)

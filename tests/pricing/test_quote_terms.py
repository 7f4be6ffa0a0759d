"""The commercial terms inside a quote: priced on the quote's own risk months, identities that hold, the
forecast-miss exclusion applied consistently, the volume band in sensitivity, and the one-page summary (its PDF
rendered to an image and its text layer read back).

One small quote of the shipped anchored project (800 calls a day, 4 days a month, 60 risk months) serves
every test here.
"""

from __future__ import annotations

import json

import numpy as np
import pypdfium2 as pdfium
import pytest

from simulator.jsonutil import dumps
from simulator.quoting.quote import Quote, quote
from simulator.quoting.sensitivity import BAND_FACTOR, sensitivity
from simulator.quoting.summary import quote_summary
from simulator.quoting.terms import month_indices
from simulator.report.onepage import save_pdf
from simulator.scenario import load_scenario
from tests.helpers import REPO

ANCHORED = REPO / "scenarios" / "retail_anchored.toml"
SMALL = ("demand.calls_per_day=800", "demand.days_per_month=4")


@pytest.fixture(scope="module")
def anchored() -> Quote:
    scenario = load_scenario(ANCHORED, SMALL)
    return quote(scenario, months=60, replications=2, workers=1, term_months=15)


@pytest.fixture(scope="module")
def doc(anchored: Quote) -> dict:
    return json.loads(dumps(anchored.to_dict()))


def test_the_terms_are_priced_on_the_quotes_own_months(anchored: Quote) -> None:
    """The volume multiples drawn again from the months' seeds are the ones the surrogate months used (month
    multiplier; the day multipliers average around 1), so ARC/RRC and the exclusion see the same months as
    P(miss)."""
    volume, aht = month_indices(anchored.scenario, anchored.risk_months)
    months = anchored.risk_months
    assert months.volume_multiplier is not None
    ratio = volume / months.volume_multiplier  # the mean of each month's day multipliers
    assert np.all(np.abs(ratio - 1) < 0.5) and not np.allclose(ratio, 1)  # day_cv 0.10: near 1, not equal
    np.testing.assert_allclose(aht, months.aht_multiplier)
    np.testing.assert_allclose(anchored.volume.index, volume)  # unit "call": the volume alone


def test_commercial_terms_in_the_json_and_their_identities(anchored: Quote, doc: dict) -> None:
    terms = doc["commercial_terms"]
    volume = terms["volume"]
    assert volume["unit"] == "call" and volume["deadband"] == 0.05 and volume["min_commitment"] == 0.85
    assert volume["baseline_quantity"] == pytest.approx(doc["price"]["quantities"]["call"])
    assert volume["expected_invoice"] == pytest.approx(doc["price"]["total"] + volume["expected_arc"]
                                                       - volume["expected_rrc"])
    assert volume["expected_arc"] > 0 and volume["expected_rrc"] > 0  # month_cv 0.10 leaves a ±5 % band often
    assert volume["invoice_p05"] <= volume["invoice_p50"] <= volume["invoice_p95"]
    v = anchored.volume
    np.testing.assert_allclose(v.invoice, doc["price"]["total"] + v.arc - v.rrc)
    assert np.all(v.top_up >= 0) and np.all(v.top_up[v.index >= 0.85] == 0)  # top-ups only below the commitment
    assert terms["forecast_tolerance"] == 0.10 and terms["grace_months"] == 3
    # Term: 15 months, 3 without credits; billed + expected ARC − RRC − expected credits = expected net.
    term = doc["term"]
    assert term["grace_months"] == 3
    assert [m["expected_credits"] for m in term["months"][:3]] == [0, 0, 0]
    assert term["expected_net"] == pytest.approx(term["total"] + term["expected_volume_adjustment"]
                                                 - term["expected_credits"])
    assert term["expected_credits"] == pytest.approx(sum(
        anchored.credit.expected_credit_share * m["price"] for m in term["months"][3:]))


def test_the_exclusion_is_applied_to_p_miss_and_the_credits(anchored: Quote) -> None:
    volume, _ = month_indices(anchored.scenario, anchored.risk_months)
    excused = volume > 1.10
    credit = anchored.credit
    raw = np.zeros(credit.months, dtype=bool)
    from simulator.pricing.credits import month_misses

    for metric, miss in month_misses(anchored.risk_months.outcomes, anchored.scenario.sla,
                                     anchored.scenario.definitions.floors).items():
        if metric in credit.credit_bearing:
            raw |= miss
    assert credit.p_miss_before_exclusions == pytest.approx(raw.mean())
    assert credit.p_miss == pytest.approx((raw & ~excused).mean())
    assert credit.p_excluded == pytest.approx(excused.mean()) and credit.p_excluded > 0
    assert np.all(credit.credit_share[excused] == 0)


def test_sensitivity_has_the_volume_band_as_a_row(anchored: Quote) -> None:
    """The band row moves the deadband on the baseline's months: a wider band charges and credits less."""
    result = sensitivity(anchored.scenario, steps=(-0.5, 0.5), factors=("volume",), quote_fn=lambda s: anchored)
    rows = [r for r in result.table() if r["factor"] == BAND_FACTOR]
    assert [r["step"] for r in rows] == [-0.5, 0.5]
    assert [r["deadband"] for r in rows] == pytest.approx([0.025, 0.075])
    narrow, wide = (dict(result.band_rows)[s] for s in (-0.5, 0.5))
    assert narrow.expected_arc >= anchored.volume.expected_arc >= wide.expected_arc
    assert narrow.expected_rrc >= anchored.volume.expected_rrc >= wide.expected_rrc
    assert all(r["price"] == anchored.total for r in rows)  # the band does not move the monthly price
    fig = result.figure()
    assert "Volume band (deadband)" in [t.get_text() for t in fig.axes[0].get_yticklabels()]


def test_one_page_summary_pdf_renders_and_reads_back(anchored: Quote, tmp_path) -> None:
    page = quote_summary({"retail_anchored": anchored}, title="Quote: retail_anchored", subtitle="test")
    path = save_pdf(page.figure(), tmp_path / "summary.pdf")
    pdf = pdfium.PdfDocument(str(path))
    assert len(pdf) == 1  # one page
    text = pdf[0].get_textpage().get_text_range()
    for fragment in ("The SLA as signed", "80 % of calls answered within 20 s", "per month, by call counts",
                     "Price per productive hour (billing unit)", "Term total (15 months)", "P(miss) a month",
                     "Expected credits", "What binds", "Volume band", "take-or-pay", "Main assumptions",
                     "retail_anchored.toml: demand.month_cv", "[--set]", "Shrinkage"):
        assert fragment in " ".join(text.split()), fragment
    image = pdf[0].render(scale=1).to_pil()
    assert image.size[0] == pytest.approx(595, abs=1) and image.size[1] == pytest.approx(842, abs=1)  # A4, 72 dpi
    pixels = np.asarray(image.convert("L"))
    assert (pixels < 128).mean() > 0.01  # text was drawn, not a blank page
    markdown = page.to_markdown()
    assert "## The SLA as signed" in markdown and "| Minimum commitment |" in markdown
    assert save_pdf(page.figure(), tmp_path / "again.pdf").read_bytes() == path.read_bytes()  # reproducible

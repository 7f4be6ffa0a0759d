"""Commercial terms, computed by hand: ARC/RRC bands, take-or-pay, the forecast-miss exclusion, months without
credits over the term; and the validation of contradictory terms."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from simulator.pricing import MonthOutcomes, band_amount, credit_risk, term_schedule, volume_charges
from simulator.scenario.model import SLA, CreditMetric, Credits, RateCard, VolumeBand, VolumeTerms
from tests.pricing.builders import hand_quote

TERMS = VolumeTerms(unit="call", deadband=0.10,
                    bands=(VolumeBand(up_to=0.25, arc=4.0, rrc=3.0), VolumeBand(arc=5.0, rrc=3.5)),
                    min_commitment=0.80)
INDEX = [1.05, 1.20, 1.40, 0.85, 0.70, 0.60]


def test_arc_rrc_and_take_or_pay_by_hand():
    """Baseline 10,000 calls a month, deadband ±10 %, band 1 to ±25 % (ARC $4, RRC $3), band 2 beyond (ARC $5,
    RRC $3.50), commitment 80 % of the forecast. Months at 1.05, 1.20, 1.40, 0.85, 0.70 and 0.60 × forecast:

    * 1.05: inside the deadband: nothing.
    * 1.20: 10 % above the band edge 1.10: 1,000 calls × $4 = $4,000 ARC.
    * 1.40: band 1 from 1.10 to 1.25, 1,500 × $4 = $6,000; band 2 from 1.25 to 1.40, 1,500 × $5 = $7,500:
      $13,500 ARC.
    * 0.85: 5 % below the edge 0.90: 500 × $3 = $1,500 RRC; the commitment (0.80) does not bind.
    * 0.70: billed at the commitment 0.80: 1,000 × $3 = $3,000 RRC. On the actual volume the credit would be
      1,500 × $3 + 500 × $3.50 = $6,250, so the top-up is $3,250.
    * 0.60: billed at 0.80 again: $3,000 RRC; on the actual volume 1,500 × $3 + 1,500 × $3.50 = $9,750, top-up
      $6,750.

    Means over the six months: ARC $17,500 / 6 = $2,916.67, RRC $7,500 / 6 = $1,250, top-up $10,000 / 6 =
    $1,666.67; invoice = $100,000 + ARC − RRC, so its mean is $101,666.67.
    """
    charges = volume_charges(INDEX, terms=TERMS, baseline=10_000, monthly_price=100_000, currency="USD")
    np.testing.assert_allclose(charges.arc, [0, 4_000, 13_500, 0, 0, 0], atol=1e-9)
    np.testing.assert_allclose(charges.rrc, [0, 0, 0, 1_500, 3_000, 3_000], atol=1e-9)
    np.testing.assert_allclose(charges.top_up, [0, 0, 0, 0, 3_250, 6_750], atol=1e-9)
    assert charges.expected_arc == pytest.approx(17_500 / 6)
    assert charges.expected_rrc == pytest.approx(1_250)
    assert charges.expected_top_up == pytest.approx(10_000 / 6)
    assert charges.expected_invoice == pytest.approx(100_000 + 17_500 / 6 - 1_250)
    np.testing.assert_allclose(charges.invoice, 100_000 + charges.arc - charges.rrc)
    assert charges.p_above == pytest.approx(2 / 6)
    assert charges.p_below == pytest.approx(3 / 6)
    assert charges.p_commitment_binds == pytest.approx(2 / 6)
    assert charges.p_beyond_bands is None
    doc = charges.to_dict()
    assert doc["expected_arc"] == pytest.approx(17_500 / 6) and doc["currency"] == "USD"


def test_the_last_band_rate_goes_on_past_its_edge():
    """One band from 0 to 20 % at ARC $2 / RRC $1, edge at 20 %: a deviation of 30 % pays 20 % × $2 + 10 % × $2
    (the last rate goes on) = $0.60 per unit of baseline above, and 30 % × $1 = $0.30 below; one month in two
    leaves the edge."""
    amount = band_amount([0.3], deadband=0.0, edges=[0.2], rates=[2.0])
    assert amount[0] == pytest.approx(0.6)
    terms = VolumeTerms(bands=(VolumeBand(up_to=0.2, arc=2.0, rrc=1.0),))
    charges = volume_charges([1.3, 0.9], terms=terms, baseline=100, monthly_price=1_000, currency="USD")
    np.testing.assert_allclose(charges.arc, [60.0, 0.0])
    np.testing.assert_allclose(charges.rrc, [0.0, 10.0])
    assert charges.p_beyond_bands == pytest.approx(0.5)


def test_no_bands_no_charges():
    charges = volume_charges([0.5, 1.5], terms=VolumeTerms(deadband=0.1), baseline=100, monthly_price=10,
                             currency="USD")
    assert charges.expected_adjustment == 0 and charges.expected_top_up == 0


def _outcomes():
    # Four months' service level against an 80 % target: months 1 and 3 miss.
    return MonthOutcomes(service_level=[0.75, 0.85, 0.70, 0.90])


def test_forecast_miss_exclusion_by_hand():
    """SL misses in months 1 and 3 of 4 (P(miss) 2/4 = 50 % before the exclusion). Month 3 ran 20 % over the
    forecast; with a 10 % tolerance it is excused, so P(miss) = 1/4 = 25 % and only month 1 carries a credit:
    at-risk 10 % × allocation 0.6 = 6 % of the invoice in one month of four, an expected credit share of 1.5 %.
    Price with credits priced in: 100,000 / (1 − 0.015) = 101,522.84."""
    credits = Credits(at_risk_share=0.10, metrics={"service_level": CreditMetric(allocation=0.6)},
                      forecast_tolerance=0.10)
    volume = np.array([1.0, 1.05, 1.20, 0.9])
    excluded = volume > 1 + credits.forecast_tolerance
    risk = credit_risk(_outcomes(), sla=SLA(service_level=0.8), credits=credits, base_price=100_000,
                       excluded=excluded)
    assert risk.p_miss_before_exclusions == pytest.approx(0.5)
    assert risk.p_miss == pytest.approx(0.25)
    assert risk.p_excluded == pytest.approx(0.25)
    np.testing.assert_allclose(risk.credit_share, [0.06, 0, 0, 0])
    assert risk.price == pytest.approx(100_000 / (1 - 0.015))
    plain = credit_risk(_outcomes(), sla=SLA(service_level=0.8), credits=credits, base_price=100_000)
    assert plain.p_miss == pytest.approx(0.5) and plain.p_miss_before_exclusions is None


def test_term_with_months_without_credits_by_hand():
    """Monthly price $100,000, 3 % escalator, 14 months, expected credit share 2 %, grace 3 months, expected
    volume adjustment +$500 a month; no ramp-up charge. Credits: months 4–12 at 2 % × 100,000 = $2,000 (9
    months, $18,000), months 13–14 at 2 % × 103,000 = $2,060 ($4,120): $22,120. Adjustment: 12 × 500 + 2 × 515
    = $7,030. Billed: 12 × 100,000 + 2 × 103,000 = $1,406,000. Expected net: 1,406,000 + 7,030 − 22,120 =
    $1,390,910."""
    chain, _, _ = hand_quote()
    card = RateCard(annual_escalator=0.03, ramp_up_months=0)
    term = term_schedule(100_000, chain=chain, rate_card=card, term_months=14, currency="USD",
                         expected_credit_share=0.02, grace_months=3, expected_adjustment=500)
    doc = term.to_dict()
    assert doc["total"] == pytest.approx(1_406_000)
    assert doc["expected_credits"] == pytest.approx(22_120)
    assert doc["expected_volume_adjustment"] == pytest.approx(7_030)
    assert doc["expected_net"] == pytest.approx(1_390_910)
    assert [m["expected_credits"] for m in doc["months"][:4]] == pytest.approx([0, 0, 0, 2_000])
    assert doc["grace_months"] == 3


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"deadband": 1.2}, "less than 1"),
        ({"deadband": -0.1}, "greater than or equal to 0"),
        ({"bands": (VolumeBand(up_to=0.05, arc=1, rrc=1),), "deadband": 0.1}, "must be above the deadband"),
        ({"bands": (VolumeBand(up_to=0.3, arc=1, rrc=1), VolumeBand(up_to=0.2, arc=1, rrc=1))},
         "must be above band 1's up_to"),
        ({"bands": (VolumeBand(arc=1, rrc=1), VolumeBand(up_to=0.2, arc=1, rrc=1))}, "only the last band"),
        ({"min_commitment": 1.2, "bands": (VolumeBand(arc=1, rrc=1),)}, "less than or equal to 1"),
        ({"min_commitment": 0.8}, "pointless without bands"),
        ({"min_commitment": 0.95, "deadband": 0.1, "bands": (VolumeBand(arc=1, rrc=1),)}, "inside the deadband"),
    ],
)
def test_contradictory_terms_are_refused(kwargs, fragment):
    with pytest.raises(ValidationError, match=fragment):
        VolumeTerms(**kwargs)

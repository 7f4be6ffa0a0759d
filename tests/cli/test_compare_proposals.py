"""CLI: `compare` (proposals side by side), `whatif --out`, and bad commercial terms, on small, fast runs."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook

from tests.helpers import REPO, assert_one_line_error

RETAIL = REPO / "scenarios" / "retail_support.toml"
ANCHORED = REPO / "scenarios" / "retail_anchored.toml"
FAST = ("--months", "10", "--replications", "2", "--set", "demand.days_per_month=4",
        "--set", "demand.calls_per_day=800")
TINY = ("--months", "5", "--replications", "1", "--set", "demand.days_per_month=2",
        "--set", "demand.calls_per_day=400")


def _pdf_text(path) -> str:
    pdf = pdfium.PdfDocument(str(path))
    assert len(pdf) == 1
    return " ".join(pdf[0].get_textpage().get_text_range().split())


def test_compare_two_files_side_by_side(cli, tmp_path):
    result = cli("compare", RETAIL, f"{ANCHORED}@gold", *FAST, "--term-months", "24", "--out", tmp_path, "--json")
    assert result.code == 0, result.err
    doc = result.json
    assert list(doc["proposals"]) == ["retail_support", "retail_anchored@gold"]
    assert doc["reference"] == "retail_support" and doc["term_months"] == 24
    base, gold = doc["proposals"]["retail_support"], doc["proposals"]["retail_anchored@gold"]
    assert gold["provenance"]["sla.service_level"].startswith("tier gold")
    diff = doc["differences"]["retail_anchored@gold"]
    # The difference splits into its parts, and the parts add up.
    assert diff["price"] == pytest.approx(gold["price"]["total"] - base["price"]["total"])
    assert diff["staffing_cost"] + diff["expected_credits"] + diff["risk_premium"] == pytest.approx(diff["price"])
    assert doc["differences"]["retail_support"]["price"] == 0
    for line, quote_doc in zip(doc["lines"], (base, gold), strict=True):
        unit = quote_doc["billing_unit"]
        assert line["price_per_billing_unit"] * quote_doc["price"]["quantities"][unit] == pytest.approx(
            quote_doc["price"]["total"])
        assert line["term_total"] > 24 * line["price"]  # two contract years: escalator and ramp-up on top
        assert line["what_binds"]
    assert {p.name for p in tmp_path.iterdir()} == {"compare.json", "compare.csv", "compare.xlsx", "summary.md",
                                                    "summary.pdf", "compare_figure.png", "compare_figure.svg"}
    text = _pdf_text(tmp_path / "summary.pdf")
    for fragment in ("Proposals side by side", "retail_support", "retail_anchored@gold", "The SLA as signed",
                     "90 % of calls answered within 20 s", "Term total (24 months)", "Δ price a month vs the first",
                     "Volume band", "Main assumptions"):
        assert fragment in text, fragment
    book = load_workbook(tmp_path / "compare.xlsx")
    assert book.sheetnames[:2] == ["About", "Comparison"]
    header = [c.value for c in book["Comparison"][1]]
    assert header == ["Item", "Unit", "retail_support", "retail_anchored@gold"]


def test_compare_prints_a_table(cli):
    result = cli("compare", RETAIL, f"{RETAIL}@bronze", *TINY)
    assert result.code == 0, result.err
    assert "proposals side by side" in result.out and "retail_support@bronze" in result.out
    assert "Δ staffing cost" in result.out


def test_whatif_writes_a_workbook_and_a_summary(cli, tmp_path):
    result = cli("whatif", RETAIL, *FAST, "--change", "sla.service_level=0.9", "--out", tmp_path)
    assert result.code == 0, result.err
    names = {p.name for p in tmp_path.iterdir()}
    assert {"whatif.json", "whatif.csv", "whatif.xlsx", "summary.md", "summary.pdf", "whatif_figure.png"} <= names
    book = load_workbook(tmp_path / "whatif.xlsx")
    change = list(book["Change"].iter_rows(min_row=2, values_only=True))
    assert change[0][0] == "sla.service_level" and change[0][3] == "0.9"
    assert "90/20 instead of 80/20" in _pdf_text(tmp_path / "summary.pdf")


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("compare", RETAIL), ("PROPOSALS", "at least two")),
        (("compare", RETAIL, f"{RETAIL}@platinum"), ("platinum", "unknown tier")),
        (("compare", RETAIL, f"{RETAIL}@"), ("FILE@TIER",)),
        (("compare", RETAIL, RETAIL), ("named once", "retail_support")),
        (("compare", RETAIL, f"{RETAIL}@gold", "--term-months", "0"), ("--term-months",)),
    ],
)
def test_compare_bad_input(cli, args, fragments):
    assert_one_line_error(cli(*args), *fragments)


BAD_BANDS = """msa = "msa/acme.toml"
name = "bad_bands"
[demand]
calls_per_day = 800
[rate_card.volume]
deadband = 0.10
bands = [{ up_to = 0.30, arc = 4.0, rrc = 3.0 }, { up_to = 0.20, arc = 5.0, rrc = 3.5 }]
"""


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        (None, ("bad_bands.toml", "rate_card.volume.bands", "band 2's up_to 0.2 must be above band 1's up_to",
                "0.3")),
        ("rate_card.volume.deadband=1.5", ("--set", "rate_card.volume.deadband", "must be < 1", "1.5")),
        ("rate_card.volume.min_commitment=1.2", ("rate_card.volume.min_commitment", "must be <= 1", "1.2")),
        ("credits.forecast_tolerance=0", ("credits.forecast_tolerance", "must be > 0")),
    ],
)
def test_contradictory_terms_are_one_line_errors_and_nothing_is_written(cli, tmp_path, change, fragments):
    msa = tmp_path / "msa"
    msa.mkdir()
    (msa / "acme.toml").write_text((REPO / "scenarios" / "msa" / "acme.toml").read_text())
    text = BAD_BANDS if change is None else BAD_BANDS.replace("{ up_to = 0.20, arc = 5.0, rrc = 3.5 }",
                                                              "{ arc = 5.0, rrc = 3.5 }")
    project = tmp_path / "bad_bands.toml"
    project.write_text(text)
    out = tmp_path / "out"
    args = ("quote", project, "--out", out, *(("--set", change) if change else ()))
    assert_one_line_error(cli(*args), *fragments)
    assert not out.exists()

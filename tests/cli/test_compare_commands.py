"""CLI: `whatif`, `tiers`, `frontier`, `sensitivity` and the quote's files, on a small, fast scenario."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from tests.helpers import REPO, SCENARIOS, assert_one_line_error

BANK = REPO / "scenarios" / "bank_premium.toml"
FAST = ("--months", "10", "--replications", "2", "--set", "demand.days_per_month=4")


def test_whatif_tighter_target(cli):
    result = cli("whatif", BANK, *FAST, "--change", "sla.service_level=0.95", "--json")
    assert result.code == 0, result.err
    doc = result.json
    assert set(doc) >= {"baseline", "variant", "delta", "summary"}
    assert doc["baseline"]["price"]["currency"] == doc["variant"]["price"]["currency"]
    base = sum(doc["baseline"]["staffing"]["agents_per_interval"])
    tight = sum(doc["variant"]["staffing"]["agents_per_interval"])
    assert tight >= base
    assert doc["delta"]["price"]["total"] == pytest.approx(
        doc["variant"]["price"]["total"] - doc["baseline"]["price"]["total"])
    assert doc["summary"].startswith("95/15 instead of 90/15:")
    assert "FTE" in doc["summary"] and "P(miss)" in doc["summary"]


def test_whatif_locked_field_is_a_renegotiation(cli):
    result = cli("whatif", BANK, *FAST, "--change", "definitions.sl_definition=answered_only", "--json")
    assert result.code == 0, result.err
    assert "warning:" in result.err
    assert "definitions.sl_definition" in result.json["variant"]["renegotiation"]
    assert result.json["baseline"]["renegotiation"] == []


def test_whatif_table_and_sentence(cli):
    result = cli("whatif", BANK, *FAST, "--change", "sla.service_level=0.95")
    assert result.code == 0, result.err
    assert "95/15 instead of 90/15" in result.out
    assert "Price" in result.out


def test_tiers_side_by_side_with_files(cli, tmp_path):
    result = cli("tiers", BANK, *FAST, "--out", tmp_path, "--json")
    assert result.code == 0, result.err
    tiers = result.json["tiers"]
    assert set(tiers) == {"gold", "silver", "bronze"}
    # The project states 90/15 itself; on the menu each tier's own bundle is priced.
    assert tiers["gold"]["provenance"]["sla.service_level"].startswith("tier gold")
    assert tiers["bronze"]["provenance"]["sla.threshold_seconds"].startswith("tier bronze")
    fte = {name: doc["staffing"]["fte"] for name, doc in tiers.items()}
    assert fte["gold"] >= fte["silver"] >= fte["bronze"]
    assert {p.name for p in tmp_path.iterdir()} == {"tiers.json", "tiers.csv", "tiers.xlsx", "tiers_figure.png",
                                                    "tiers_figure.svg", "summary.md", "summary.pdf"}
    book = load_workbook(tmp_path / "tiers.xlsx")
    assert book.sheetnames[0] == "About"
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True) if row[0]}
    assert about["Seed"] == 0 and about["callsim version"] and "tiers" in about["Reproduce"]
    assert "Definition: P(miss)" in about and "Contract: Service level" in about
    sheet = book["Comparison"]
    header = [c.value for c in sheet[1]]
    assert header == ["Item", "Unit", "gold", "silver", "bronze"]  # no pandas "Index" column
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    p_miss = rows["P(miss) a month"]
    assert p_miss[1].value == "%" and all(c.number_format == "0.0%" for c in p_miss[2:])
    assert all(isinstance(c.value, int | float) and 0 <= c.value <= 1 for c in p_miss[2:])  # a number, not "70%"
    price = rows["Price per month"]
    assert price[1].value == "USD/month" and price[2].number_format.startswith('"$"')
    assert {"Contract terms", "Assumptions", "Provenance"} <= set(book.sheetnames)


def test_frontier_points_and_marginal_cost(cli, tmp_path):
    result = cli("frontier", BANK, *FAST, "--target-sl", "0.80:0.90:0.05", "--out", tmp_path, "--json")
    assert result.code == 0, result.err
    doc = result.json
    assert [p["target"] for p in doc["points"]] == pytest.approx([0.80, 0.85, 0.90])
    prices = [p["quote"]["price"]["total"] for p in doc["points"]]
    assert len(doc["marginal_cost_per_point"]) == 2
    assert doc["marginal_cost_per_point"][0] == pytest.approx((prices[1] - prices[0]) / 5)
    agents = [sum(p["quote"]["staffing"]["agents_per_interval"]) for p in doc["points"]]
    assert agents == sorted(agents)
    assert (tmp_path / "frontier_figure.png").stat().st_size > 10_000
    assert doc["marginal_cost_unit"] == "USD a month per percentage point"
    assert doc["contract_target"] == pytest.approx(0.90)  # bank_premium states 90/15
    book = load_workbook(tmp_path / "frontier.xlsx")
    sheet = book["Frontier"]
    header = [c.value for c in sheet[1]]
    assert header[0] == "Target [%]" and "P(miss) [%]" in header
    assert "Marginal cost [USD a month per percentage point]" in header
    first = next(iter(sheet.iter_rows(min_row=2, max_row=2)))
    assert first[0].number_format == "0.0%" and first[header.index("P(miss) [%]")].number_format == "0.0%"
    assert first[header.index("Price per month [USD]")].number_format.startswith('"$"')
    assert book.sheetnames[0] == "About"


def test_sensitivity_table_and_tornado(cli, tmp_path):
    result = cli("sensitivity", BANK, *FAST, "--steps", "-0.1,0.1", "--out", tmp_path, "--json")
    assert result.code == 0, result.err
    rows = result.json["rows"]
    assert {r["factor"] for r in rows} == {"volume", "aht", "patience", "shrinkage"}
    price = {(r["factor"], r["step"]): r["price"] for r in rows}
    assert price[("volume", 0.1)] > price[("volume", -0.1)]
    assert price[("shrinkage", 0.1)] > price[("shrinkage", -0.1)]
    assert (tmp_path / "tornado_figure.svg").stat().st_size > 0
    sheet = load_workbook(tmp_path / "sensitivity.xlsx")["Sensitivity"]
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["Input moved", "Step [%]"]
    assert all(row[1].number_format == "0.0%" for row in sheet.iter_rows(min_row=2))


def test_quote_files(cli, tmp_path):
    result = cli("quote", BANK, *FAST, "--out", tmp_path)
    assert result.code == 0, result.err
    names = {p.name for p in tmp_path.iterdir()}
    assert {"quote.json", "quote.xlsx", "staffing.csv", "cost.csv", "price.csv", "comparison.csv",
            "staffing_figure.png", "staffing_figure.svg", "monthly_sl_figure.png"} <= names
    book = load_workbook(tmp_path / "quote.xlsx")
    assert {"About", "Summary", "Contract terms", "Assumptions", "Staffing per interval", "Cost lines",
            "Price per unit", "Staffing methods", "Simulated months", "Term (12 months)", "Tier menu",
            "Provenance"} <= set(book.sheetnames)
    menu = [row[0] for row in book["Tier menu"].iter_rows(min_row=2, values_only=True)]
    assert menu == ["gold", "silver", "bronze"]
    summary = {row[0].value: row for row in book["Summary"].iter_rows(min_row=2)}
    assert summary["SLA"][1].value.startswith("90/15")  # the SLA terms are on the summary
    unit_price = summary["Price per FTE-month (billing unit)"]
    assert unit_price[2].value == "USD per FTE-month" and unit_price[1].number_format.startswith('"$"')
    assert summary["P(miss) a month"][1].number_format == "0.0%"
    seed = next(row[1] for row in book["About"].iter_rows() if row[0].value == "Seed")
    assert seed.value == 0 and seed.number_format == "#,##0"  # a whole number, not "seed 0.00"


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("whatif", BANK), ("--set",)),
        (("frontier", BANK), ("--target-sl",)),
        (("frontier", BANK, "--target-sl", "0.9:0.8:0.05"), ("--target-sl", "0.9:0.8:0.05")),
        (("frontier", BANK, "--target-sl", "abc"), ("--target-sl", "abc")),
        (("sensitivity", BANK, "--steps", "-1.5"), ("--steps",)),
        (("tiers", BANK, "--months", "0"), ("--months",)),
        (("whatif", BANK, "--change", "sla.nonsense=1"), ("nonsense",)),
    ],
)
def test_bad_input(cli, args, fragments):
    assert_one_line_error(cli(*args), *fragments)


TINY = ("--months", "5", "--replications", "1", "--set", "demand.days_per_month=2")
COMMANDS = {
    "quote": (),
    "whatif": ("--change", "sla.threshold_seconds=30"),
    "tiers": (),
    "frontier": ("--target-sl", "0.75,0.85"),
    "sensitivity": ("--steps", "0.1"),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_command_on_every_scenario(cli, command, path):
    result = cli(command, path, *TINY, *COMMANDS[command], "--json")
    assert result.code == 0, result.err
    assert result.json


@pytest.mark.slow
@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_command_on_every_scenario_full(cli, command, path):
    result = cli(command, path, *COMMANDS[command], "--json")
    assert result.code == 0, result.err

"""Terminal tables: values formatted by kind, what-if deltas computed right, nothing read as markup."""

from __future__ import annotations

import copy
import io

import pandas as pd
import pytest
from rich.console import Console
from rich.table import Table

from simulator.errors import ScenarioError
from simulator.report.tables import (
    comparison_rows,
    comparison_table,
    flatten,
    format_money,
    key_value_table,
    records_table,
)

BASELINE = {"staffing": {"fte": 104.2, "seats": 52}, "price": {"total": 1_234_567.89, "currency": "USD"},
            "risk": {"p_miss": 0.31, "expected_credits": 2300.0}, "metrics": {"asa_seconds": 14.2},
            "method": "simulation"}
VARIANT = {"staffing": {"fte": 108.3, "seats": 54}, "price": {"total": 1_282_000.0, "currency": "USD"},
           "risk": {"p_miss": 0.08, "expected_credits": 0.0}, "metrics": {"asa_seconds": 6.1},
           "method": "erlang_c"}


def render(table: Table) -> str:
    console = Console(file=io.StringIO(), width=200, record=True, color_system=None)
    console.print(table)
    return console.export_text()


def test_format_money_is_exported_here() -> None:
    assert format_money(1234.5, "USD") == "$1,234.50"


def test_flatten_makes_dotted_keys_and_leaves_the_input_alone() -> None:
    before = copy.deepcopy(BASELINE)
    flat = flatten(BASELINE)
    assert flat["price.total"] == 1_234_567.89
    assert flat["risk.p_miss"] == 0.31
    assert flat["method"] == "simulation"
    assert before == BASELINE


def test_key_value_table_formats_by_kind() -> None:
    text = render(key_value_table(BASELINE, title="Quote", currency="USD"))
    assert "Quote" in text
    assert "$1,234,567.89" in text
    assert "31.0%" in text  # P(miss) as a percentage
    assert "P(miss)" in text
    assert "52" in text and "104.20" in text
    assert "ASA [s]" in text  # a bracket in a label is text, not a rich style tag
    assert "simulation" in text


def test_key_value_table_overrides_and_pairs() -> None:
    table = key_value_table([("fee", 0.5), ("rate", 12)], formats={"fee": "percent", "rate": "money"},
                            labels={"fee": "Management fee"}, currency="CHF")
    text = render(table)
    assert "Management fee" in text and "50.0%" in text
    assert "CHF 12.00" in text
    with pytest.raises(ScenarioError):
        key_value_table([("only one",)])  # type: ignore[list-item]


def test_comparison_rows_deltas() -> None:
    rows = {r["item"]: r for r in comparison_rows({"baseline": BASELINE, "variant": VARIANT})}
    total = rows["price.total"]
    assert total["baseline"] == 1_234_567.89 and total["variant"] == 1_282_000.0
    assert total["delta"] == pytest.approx(1_282_000.0 - 1_234_567.89)
    assert total["delta_relative"] == pytest.approx((1_282_000.0 - 1_234_567.89) / 1_234_567.89)
    assert rows["staffing.seats"]["delta"] == 2
    assert rows["risk.p_miss"]["delta"] == pytest.approx(-0.23)
    assert rows["method"]["delta"] is None and rows["method"]["delta_relative"] is None
    # From zero: an absolute change, but no relative one.
    back = {r["item"]: r for r in comparison_rows({"a": VARIANT, "b": BASELINE})}
    assert back["risk.expected_credits"]["delta"] == 2300.0
    assert back["risk.expected_credits"]["delta_relative"] is None


def test_comparison_rows_union_of_keys_and_many_columns() -> None:
    rows = comparison_rows({"gold": {"price": 3.0, "extra": 1}, "silver": {"price": 2.0}, "bronze": {"price": 1.0}})
    assert [r["item"] for r in rows] == ["price", "extra"]
    assert rows[0]["delta_silver"] == -1.0 and rows[0]["delta_bronze"] == -2.0
    assert rows[0]["delta_relative_bronze"] == pytest.approx(-2.0 / 3.0)
    assert rows[1]["silver"] is None and rows[1]["delta_silver"] is None
    assert "delta" not in comparison_rows({"a": {"x": 1}, "b": {"x": 2}}, deltas=False)[0]
    with pytest.raises(ScenarioError):
        comparison_rows({})


def test_comparison_table_shows_what_changed() -> None:
    text = render(comparison_table({"80/20": BASELINE, "90/20": VARIANT}, currency="USD", title="What-if"))
    header = next(line for line in text.splitlines() if "80/20" in line)
    assert "90/20" in header and "Δ" in header and "Δ %" in header
    assert "+$47,432.11" in text
    assert "+3.8%" in text  # relative change of the price
    assert "-23.0 pp" in text  # P(miss) moves in percentage points
    assert "+2" in text  # seats
    assert "changed" in text  # the method differs
    p_miss = next(line for line in text.splitlines() if "-23.0 pp" in line)
    assert p_miss.rstrip().endswith("-23.0 pp")  # no relative change of a probability (it would read -74.2%)
    assert "-74.2%" not in text


def test_records_table_formats_columns_and_truncates() -> None:
    frame = pd.DataFrame({"start": ["08:00", "08:30", "09:00"], "calls": [200, 220, 240],
                          "agents": [39.0, 41.0, 43.5], "occupancy": [0.85, 0.86, float("nan")],
                          "price": [1.5, 2.5, 3.5]})
    text = render(records_table(frame, currency="EUR", max_rows=2, title="Staffing"))
    assert "Occupancy" in text and "85.0%" in text
    assert "€1.50" in text and "€3.50" not in text
    assert "1 more row" in text
    full = render(records_table(frame.to_dict(orient="records"), columns=["start", "occupancy"]))
    assert "—" in full  # the NaN
    assert "Price" not in full
    with pytest.raises(ScenarioError):
        records_table(frame, columns=["nope"])

"""Money, percentages and counts as people read them, and the kind inferred from a field name."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.report.formatting import (
    excel_number_format,
    format_money,
    format_number,
    format_percent,
    format_points,
    format_value,
    humanize,
    infer_kind,
)


@pytest.mark.parametrize(("value", "currency", "expected"), [
    (1234.5, "USD", "$1,234.50"),
    (1234.5, "usd", "$1,234.50"),
    (-98000, "EUR", "-€98,000.00"),
    (0.125, "GBP", "£0.12"),  # round half to even at the cent
    (1234.5, "CHF", "CHF 1,234.50"),
    (1234.5, "JPY", "¥1,234"),  # no minor unit
    (1234.5, None, "1,234.50"),
    (1234.5, "", "1,234.50"),
    (np.float64(2.5), "USD", "$2.50"),
    (np.int64(7), "USD", "$7.00"),
    (-0.001, "USD", "$0.00"),  # no "-$0.00"
])
def test_format_money(value: float, currency: str | None, expected: str) -> None:
    assert format_money(value, currency) == expected


@pytest.mark.parametrize("missing", [None, math.nan, np.nan, "text"])
def test_format_money_missing_is_na(missing: object) -> None:
    assert format_money(missing, "USD") == "n/a"


@pytest.mark.parametrize(("value", "expected"), [
    (950, "$950"),
    (1234.5, "$1.23k"),
    (350_000, "$350k"),
    (1_250_000, "$1.25M"),
    (999_999, "$1M"),  # rounds up into the next scale, never "$1000k"
    (2.5e9, "$2.5B"),
    (-98_000, "-$98k"),
])
def test_format_money_compact(value: float, expected: str) -> None:
    assert format_money(value, "USD", compact=True) == expected


def test_format_money_signed_and_decimals() -> None:
    assert format_money(47432.114, "USD", signed=True) == "+$47,432.11"
    assert format_money(-10.6, "USD", signed=True) == "-$10.60"
    assert format_money(0.0, "USD", signed=True) == "$0.00"
    assert format_money(1234.5678, "USD", decimals=0) == "$1,235"
    assert format_money(math.inf, "USD") == "∞"


def test_percentages_and_points() -> None:
    assert format_percent(0.811) == "81.1%"
    assert format_percent(0.8, decimals=0) == "80%"
    assert format_percent(0.039, signed=True) == "+3.9%"
    assert format_percent(-0.742, signed=True) == "-74.2%"
    assert format_percent(-0.00001) == "0.0%"
    assert format_percent(None) == "n/a"
    assert format_points(0.05) == "+5.0 pp"
    assert format_points(-0.23) == "-23.0 pp"


def test_numbers() -> None:
    assert format_number(16063) == "16,063"
    assert format_number(104.2) == "104.20"
    assert format_number(104.25, decimals=1) == "104.2"
    assert format_number(6, signed=True) == "+6"
    assert format_number(True) == "yes"
    assert format_number(math.nan) == "n/a"


@pytest.mark.parametrize(("name", "kind"), [
    ("price.total", "money"),
    ("price.per_fte_month", "money"),
    ("per_call", "money"),
    ("cost.wages", "money"),
    ("risk.expected_credits", "money"),
    ("risk.credits_p95", "money"),
    ("risk.p_miss", "percent"),
    ("p_miss_by_metric.service_level", "percent"),
    ("abandon_rate", "percent"),
    ("wait_probability", "percent"),
    ("service_level_of_answered", "percent"),
    ("occupancy", "percent"),
    ("credit_threshold", "percent"),
    ("staffing.seats", "integer"),
    ("agents", "integer"),
    ("staffing.fte", "number"),
    ("hours.paid", "number"),
    ("cost_hours", "number"),  # a quantity, even with "cost" in its name
    ("asa_seconds", "number"),
])
def test_infer_kind_follows_the_json_contract(name: str, kind: str) -> None:
    assert infer_kind(name, 1.5) == kind


def test_infer_kind_from_the_value_when_the_name_says_nothing() -> None:
    assert infer_kind("method", "erlang_c") == "text"
    assert infer_kind("whatever", 3) == "integer"
    assert infer_kind("whatever", 3.5) == "number"


def test_format_value_by_kind() -> None:
    assert format_value(1234.5, "money", currency="USD") == "$1,234.50"
    assert format_value(0.25, name="p_miss") == "25.0%"
    assert format_value(46.0, "integer") == "46"
    assert format_value([1, 2], "integer") == "1, 2"
    assert format_value("as is", "money") == "as is"
    assert format_value(None, "number") == "n/a"


def test_humanize() -> None:
    assert humanize("per_fte_month") == "Per FTE month"
    assert humanize("p_miss") == "P(miss)"
    assert humanize("asa_seconds") == "ASA [s]"
    assert humanize("price.total") == "Price · Total"
    assert humanize("staffing_per_interval") == "Staffing per interval"


def test_excel_number_formats() -> None:
    assert excel_number_format("money", "USD") == '"$"#,##0.00'
    assert excel_number_format("money", "CHF") == '"CHF "#,##0.00'
    assert excel_number_format("money", "JPY") == '"¥"#,##0'
    assert excel_number_format("money") == "#,##0.00"
    assert excel_number_format("percent") == "0.0%"
    assert excel_number_format("integer") == "#,##0"
    assert excel_number_format("text") is None

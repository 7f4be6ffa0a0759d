"""CLI: `callsim quote` — the JSON document, the readable summary, --out, and one-line errors."""

from __future__ import annotations

import contextlib
import csv
import io
import json

import pytest

from simulator.cli import run
from tests.helpers import assert_one_line_error

SMALL = ("--set", "demand.calls_per_day=800", "--set", "demand.days_per_month=6", "--set", "repeats.fcr=0.9",
         "--replications", "2", "--months", "30")


@pytest.fixture(scope="module")
def quoted(tmp_path_factory):
    """One JSON run with --out and --term-months, shared by the tests below."""
    out = tmp_path_factory.mktemp("quote")
    buffer, errors = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(errors):
        code = run(["quote", *SMALL, "--term-months", "3", "--json", "--out", str(out)])
    return code, buffer.getvalue(), errors.getvalue(), out


def test_quote_json_is_one_document_with_the_contract_keys(quoted):
    code, out, _, _ = quoted
    assert code == 0
    doc = json.loads(out)
    assert {"scenario", "method", "criterion", "seed", "staffing", "hours", "cost", "price", "risk", "metrics",
            "provenance", "renegotiation"} <= set(doc)
    assert doc["price"]["per_fte_month"] * doc["staffing"]["fte"] == pytest.approx(doc["price"]["total"])
    assert doc["term"]["term_months"] == 3
    assert doc["provenance"]["demand.calls_per_day"] == "--set"


def test_quote_out_writes_the_json_and_the_tables(quoted):
    _, out, _, folder = quoted
    assert json.loads((folder / "quote.json").read_text()) == json.loads(out)
    with (folder / "staffing.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 24 and rows[0]["start"] == "08:00"
    assert [int(r["agents"]) for r in rows] == json.loads(out)["staffing"]["agents_per_interval"]
    for name in ("cost.csv", "price.csv", "comparison.csv"):
        assert (folder / name).stat().st_size > 0


def test_quote_summary_for_people(cli):
    result = cli("quote", *SMALL)
    assert result.code == 0, result.err
    for fragment in ("FTE chain", "cost build-up", "◀ billing unit", "P(miss)", "expected credits",
                     "erlang_c", "erlang_a", "simulation", "abandons_fail (contract)"):
        assert fragment in result.out, fragment


def test_locked_field_warns_and_is_a_renegotiation(cli):
    result = cli("quote", *SMALL, "--set", "credits.at_risk_share=0.2", "--json")
    assert result.code == 0, result.err
    assert "warning:" in result.err and "credits.at_risk_share" in result.err
    assert result.json["renegotiation"] == ["credits.at_risk_share"]


@pytest.mark.parametrize(("args", "fragment"), [
    (("--risk-method", "exact"), "--risk-method: must be one of surrogate, simulation"),
    (("--months", "0"), "--months: must be an integer >= 1"),
    (("--replications", "0"), "--replications: must be an integer >= 1"),
    (("--term-months", "0"), "--term-months: must be an integer >= 1"),
    (("--seed", "-1"), "--seed: must be an integer >= 0"),
    (("--set", "sla.service_level=1.5"), "sla.service_level"),
])
def test_quote_bad_input_is_one_line(cli, args, fragment):
    assert_one_line_error(cli("quote", *args), fragment)


def test_quote_missing_file_is_one_line(cli, tmp_path):
    assert_one_line_error(cli("quote", str(tmp_path / "nope.toml")), "nope.toml")

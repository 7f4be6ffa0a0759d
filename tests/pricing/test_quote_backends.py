"""A quote does not depend on where its months run: sequential, or a pool of any size."""

from __future__ import annotations

from simulator.jsonutil import dumps
from simulator.quoting.quote import QuoteOptions
from simulator.scenario import load_scenario


def test_the_quote_is_identical_sequential_and_on_pools_of_two_and_three() -> None:
    # A short month keeps it quick; the staffing search judges after 2, 4, 8, ... months whatever the pool size,
    # so the verdicts, the staffing and every number are the same.
    scenario = load_scenario(None).with_changes({"demand.days_per_month": 3}, label="test")
    options = QuoteOptions(months=6, replications=6, seed=5)
    documents = {spec: dumps(options(scenario, backend=spec).to_dict())
                 for spec in ("sequential", "local:2", "local:3")}
    assert documents["sequential"] == documents["local:2"] == documents["local:3"]

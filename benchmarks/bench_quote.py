"""Speed of ``callsim quote`` on the default scenario, against one plain simulation of the same month.

The quote: the embedded default scenario (one month, staffing confirmed by simulation, risk from
``simulation.months`` = 200 contract months by the default surrogate), run through the command line in this
process (``callsim quote --json``, output discarded), so it counts loading, the staffing search, the risk
months, the pricing and the JSON, but not the interpreter's start-up.

The baseline: one plain simulation of the same month, ``callsim simulate --replications 1`` in the library
(:func:`simulator.simulation.simulate_scenario` with the scenario's own staffing, one process): the engine
and the metrics of one month.

Rounds take turns (baseline, quote, baseline, ...) because the machine may be shared; the best time of each
is kept. Printed: both times, the ratio (target: below 30, the issue's speed requirement) and what the quote
did (months simulated, staffings tried, risk months).

Run: ``python benchmarks/bench_quote.py [--rounds N] [--workers W]``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator.cli import run
from simulator.scenario import load_scenario
from simulator.simulation import simulate_scenario

TARGET_RATIO = 30.0


def plain_month() -> float:
    """Seconds for one simulated month of the default scenario (engine + metrics, one process)."""
    scenario = load_scenario(None)
    start = time.perf_counter()
    simulate_scenario(scenario, replications=1, workers=1)
    return time.perf_counter() - start


def quote_command() -> tuple[float, dict]:
    """Seconds for ``callsim quote --json`` on the default scenario, and its document."""
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(["quote", "--json"])
    elapsed = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"callsim quote failed ({code}): {err.getvalue().strip()}")
    return elapsed, json.loads(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each (best kept); default 2")
    args = parser.parse_args()

    plain_month()  # warm the imports and caches for both
    sims, quotes = [], []
    doc: dict = {}
    for _ in range(max(1, args.rounds)):
        sims.append(plain_month())
        elapsed, doc = quote_command()
        quotes.append(elapsed)
    sims.append(plain_month())
    sim, quoted = min(sims), min(quotes)
    search = doc["staffing"]["search"]
    ratio = quoted / sim
    print("callsim quote, default scenario (best of "
          f"{len(quotes)}; baseline best of {len(sims)})")
    print(f"  one plain simulated month : {sim:8.2f} s")
    print(f"  callsim quote --json      : {quoted:8.2f} s")
    print(f"  ratio                     : {ratio:8.1f}   (target < {TARGET_RATIO:g}: "
          f"{'ok' if ratio < TARGET_RATIO else 'TOO SLOW'})")
    steps = ", ".join(f"f={step['knob']:g}: {step['months'] if step['simulated'] else 'same staffing, no'} months"
                      for step in search["iterations"])
    print(f"  the quote simulated {search['simulated_months']} months on the forecast ({steps}; "
          f"up to {search['months_per_evaluation']} per staffing, plus "
          f"{doc['risk']['calibration']['raised_months']} at a raised volume for the surrogate's slope) and "
          f"evaluated {doc['risk']['months']} risk months by the {doc['risk']['method']}")
    print(f"  quote: {doc['staffing']['peak_agents']} agents at peak, {doc['staffing']['fte']:.1f} FTE, "
          f"{doc['price']['total']:,.0f} {doc['price']['currency']} a month, P(miss) {doc['risk']['p_miss']:.1%}")


if __name__ == "__main__":
    main()

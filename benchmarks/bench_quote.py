"""Speed of ``callsim quote`` on every shipped scenario, against one plain simulation of the same month.

The quote: each shipped project file (one month, the staffing engine under the scenario's criterion, risk from
``simulation.months`` = 200 contract months by the default surrogate, the staffing re-solved without each limit
that binds), run through the command line in this process (``callsim quote FILE --json``, output discarded), so
it counts loading, the staffing engine, the risk months, the pricing and the JSON, but not the interpreter's
start-up.

The baseline: one plain simulation of the same month (:func:`simulator.simulation.simulate_scenario` with the
scenario's own staffing rule, one replication, one process): the engine and the metrics of one month.

Rounds take turns (baseline, quote, baseline, ...) because the machine may be shared; the best time of each
is kept. Printed per scenario: both times, the ratio (target: at most 30, issue "Staff the contract as it is
measured") and the months the quote simulated.

Run: ``python benchmarks/bench_quote.py [--rounds N] [SCENARIO ...]``.
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


SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.toml"))


def plain_month(path: Path) -> float:
    """Seconds for one simulated month of ``path`` (engine + metrics, one process)."""
    scenario = load_scenario(path)
    start = time.perf_counter()
    simulate_scenario(scenario, replications=1, workers=1)
    return time.perf_counter() - start


def quote_command(path: Path) -> tuple[float, dict]:
    """Seconds for ``callsim quote FILE --json``, and its document."""
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(["quote", str(path), "--json"])
    elapsed = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"callsim quote failed ({code}): {err.getvalue().strip()}")
    return elapsed, json.loads(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=1, help="rounds of each (best kept); default 1")
    parser.add_argument("scenarios", nargs="*", type=Path, default=SCENARIOS)
    args = parser.parse_args()
    print(f"{'scenario':<16} {'month [s]':>9} {'quote [s]':>9} {'ratio':>6} {'months':>6}  verdict")
    for path in args.scenarios:
        plain_month(path)  # warm the imports and caches
        sims, quotes = [], []
        doc: dict = {}
        for _ in range(max(1, args.rounds)):
            sims.append(plain_month(path))
            elapsed, doc = quote_command(path)
            quotes.append(elapsed)
        sim, quoted = min(sims), min(quotes)
        ratio = quoted / sim
        months = doc["staffing"]["search"]["simulated_months"]
        print(f"{path.stem:<16} {sim:9.2f} {quoted:9.2f} {ratio:6.1f} {months:6d}  "
              f"{'ok' if ratio <= TARGET_RATIO else 'TOO SLOW'} (target <= {TARGET_RATIO:g}); "
              f"{doc['staffing']['what_binds']}")


if __name__ == "__main__":
    main()

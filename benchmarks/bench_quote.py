"""Speed of the pricing commands on every shipped scenario, as ratios to baselines measured in the same run.

Targets (issue "Interactive speed"; the ratio of issue "Staff the contract as it is measured" was 30):

* ``callsim quote FILE``: at most 10 x one plain simulated month of the same scenario;
* ``callsim whatif FILE --change sla.service_level=…`` (the SL target 5 points tighter): at most 2 x the quote;
* ``callsim sensitivity FILE`` (volume, AHT, patience, shrinkage at -10, -5, +5, +10 %): at most 8 x the quote.

The commands run through the command line in this process (``callsim COMMAND FILE --json``, output discarded),
so they count loading, the staffing engine, the risk months, the pricing and the JSON, but not the interpreter's
start-up. The baseline, one plain simulated month, is :func:`simulator.simulation.simulate_scenario` with the
scenario's own staffing rule, one replication, in this process: the engine and the metrics of one month.

Rounds take turns (baseline, quote, baseline, ...) because the machine may be shared; the best time of each is
kept. Printed per scenario: the times, the ratios with their verdicts, and the months the quote simulated.
``sensitivity`` (17 quotes) runs on the default scenario unless ``--sensitivity-all``.

Run: ``python benchmarks/bench_quote.py [--rounds N] [--no-whatif] [--sensitivity-all] [SCENARIO ...]``.
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

QUOTE_TARGET = 10.0  # x one plain simulated month
WHATIF_TARGET = 2.0  # x the quote
SENSITIVITY_TARGET = 8.0  # x the quote
SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.toml"))
DEFAULT = "retail_support"


def plain_month(path: Path) -> float:
    """Seconds for one simulated month of ``path`` (engine + metrics, one process)."""
    scenario = load_scenario(path)
    start = time.perf_counter()
    simulate_scenario(scenario, replications=1, workers=1)
    return time.perf_counter() - start


def command(args: list[str]) -> tuple[float, dict]:
    """Seconds for ``callsim ARGS --json``, and its document."""
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run([*args, "--json"])
    elapsed = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"callsim {' '.join(args)} failed ({code}): {err.getvalue().strip()}")
    return elapsed, json.loads(out.getvalue())


def verdict(ratio: float, target: float) -> str:
    return f"{ratio:6.1f} {'ok' if ratio <= target else 'NOT met':>7}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=1, help="rounds of each (best kept); default 1")
    parser.add_argument("--no-whatif", action="store_true", help="time the quote only")
    parser.add_argument("--sensitivity-all", action="store_true", help="sensitivity on every scenario")
    parser.add_argument("scenarios", nargs="*", type=Path, default=SCENARIOS)
    args = parser.parse_args()
    plain_month(args.scenarios[0])  # warm the imports and the compiled engine
    print(f"{'scenario':<16} {'month':>6} {'quote':>6} {'q/month':>14} {'months':>6} {'whatif':>7} "
          f"{'w/quote':>14} {'sens.':>7} {'s/quote':>14}   (times in s; targets <= {QUOTE_TARGET:g}, "
          f"{WHATIF_TARGET:g}, {SENSITIVITY_TARGET:g})")
    for path in args.scenarios:
        months, quotes, whatifs, sensitivities = [], [], [], []
        doc: dict = {}
        level = load_scenario(path).sla.service_level
        for _ in range(max(1, args.rounds)):
            months.append(plain_month(path))
            elapsed, doc = command(["quote", str(path)])
            quotes.append(elapsed)
            if not args.no_whatif and level is not None:
                tighter = min(0.99, round(level + 0.05, 4))
                whatifs.append(command(["whatif", str(path), "--change", f"sla.service_level={tighter}"])[0])
            if args.sensitivity_all or path.stem == DEFAULT:
                sensitivities.append(command(["sensitivity", str(path)])[0])
        month, quoted = min(months), min(quotes)
        line = (f"{path.stem:<16} {month:6.2f} {quoted:6.2f} {verdict(quoted / month, QUOTE_TARGET):>14} "
                f"{doc['staffing']['search']['simulated_months']:6d}")
        if whatifs:
            line += f" {min(whatifs):7.2f} {verdict(min(whatifs) / quoted, WHATIF_TARGET):>14}"
        else:
            line += f" {'-':>7} {'-':>14}"
        if sensitivities:
            line += f" {min(sensitivities):7.2f} {verdict(min(sensitivities) / quoted, SENSITIVITY_TARGET):>14}"
        print(line)


if __name__ == "__main__":
    main()

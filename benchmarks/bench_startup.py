"""Start-up time of the command line: ``callsim --help`` and ``callsim erlang a …``, each in a fresh process.

Target (issue "Interactive speed"): under 0.5 s each. Printed: the best and the median of ``--rounds`` runs
(default 7; the best is what the machine can do, the median what a user sees on a busy one), and the heavy
libraries each command loaded (the start-up keeps pandas, matplotlib, openpyxl, scipy, numba, lifelines and
dask out until a command needs them).

Run: ``python benchmarks/bench_startup.py [--rounds N]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

TARGET = 0.5  # [s]
HEAVY = ("pandas", "matplotlib", "openpyxl", "scipy", "numba", "lifelines", "dask", "simpy")
COMMANDS = {
    "callsim --help": ["--help"],
    "callsim erlang a": ["erlang", "a", "--calls-per-hour", "400", "--aht", "360", "--agents", "43",
                         "--patience", "180"],
}
PROBE = ("import atexit, sys; atexit.register(lambda: print(','.join(m for m in {heavy!r} if m in sys.modules), "
         "file=sys.stderr)); from simulator.cli import run; sys.exit(run({args!r}))")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    for name, argv in COMMANDS.items():
        times = []
        for _ in range(max(1, args.rounds)):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "simulator", *argv], check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        loaded = subprocess.run([sys.executable, "-c", PROBE.format(args=argv, heavy=HEAVY)], check=False,
                                capture_output=True, text=True).stderr.strip().splitlines()
        loaded = loaded[-1] if loaded else ""
        best, median = min(times), statistics.median(times)
        print(f"{name:<18} best {best:5.2f} s  median {median:5.2f} s  target < {TARGET} s: "
              f"{'met' if best < TARGET else 'NOT met'}; heavy libraries loaded: {loaded or 'none'}")


if __name__ == "__main__":
    main()

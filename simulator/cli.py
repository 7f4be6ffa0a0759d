"""The ``callsim`` command line: thin commands that parse, call one library function and render.

This is the only module that prints, exits or writes files the user names. Every error, including option
parsing errors, becomes one line on stderr (``error: <source>: <field>: <message> (got <value>)``) and exit
code 2.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

# typer >= 0.29 carries its own copy of click; its exceptions are what parsing raises.
from typer._click import exceptions as click_errors

from simulator import __version__
from simulator.errors import SimulatorError, SweepInterrupted, TaskFailedError, format_value

app = typer.Typer(
    name="callsim",
    help="Price call-centre service-level agreements: staffing, risk and price for an SLA target.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# Wide enough for the tables when output goes to a file or a pipe (a terminal sets its own width).
stdout = Console(highlight=False, width=None if sys.stdout.isatty() else 140)
stderr = Console(stderr=True, highlight=False)

# Library parameter names → the command-line options that feed them, so that errors name what the user typed.
OPTION_FOR_FIELD = {
    "calls_per_hour": "--calls-per-hour",
    "aht_seconds": "--aht",
    "agents": "--agents",
    "patience_seconds": "--patience",
    "threshold_seconds": "--threshold",
    "short_abandon_seconds": "--short-abandon",
    "target_sl": "--target-sl",
    "max_abandon": "--max-abandon",
    "max_asa_seconds": "--max-asa",
    "max_occupancy": "--max-occupancy",
    "sl_definition": "--sl-definition",
    "method": "--method",
    "hours": "--hours",
    "warmup_hours": "--warmup-hours",
    "replications": "--replications",
    "seed": "--seed",
}

ScenarioArg = Annotated[
    Path | None,
    typer.Argument(help="Project file (TOML). Default: the embedded default scenario.", show_default=False,
                   metavar="SCENARIO"),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a field: --set sla.service_level=0.9 (repeatable).", show_default=False,
                 metavar="KEY=VALUE"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")]
SeedOpt = Annotated[int | None, typer.Option(help="Root seed (default: the scenario's, else 0).")]
ExecutorOpt = Annotated[str | None, typer.Option(
    "--executor", metavar="SPEC", show_default=False, envvar="CALLSIM_EXECUTOR",
    help="Where the simulations run: local (a process pool on every core; the default), local:N, sequential, "
         "dask://HOST:PORT or a Dask scheduler file (.json). The numbers do not depend on it.")]
ResumeOpt = Annotated[bool, typer.Option(
    "--resume", help="Continue an interrupted run: reuse the finished quotes kept in --out DIR/checkpoint.")]
CHECKPOINT = "checkpoint"
# The arguments of the running command, for the "Reproduce" line of the workbooks it writes.
_ARGS: ContextVar[tuple[str, ...]] = ContextVar("callsim_args", default=())


def command_line() -> str:
    import shlex

    return shlex.join(("callsim", *_ARGS.get()))


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        stdout.print(f"callsim {__version__}")
        raise typer.Exit(0)


# -- helpers ------------------------------------------------------------------------------------------------


def emit_json(document: Any) -> None:
    from simulator.jsonutil import dumps

    sys.stdout.write(dumps(document) + "\n")


def print_warnings(messages: Sequence[str]) -> None:
    for message in messages:
        stderr.print(f"warning: {message}")


def option_error(option: str, message: str, value: Any) -> SimulatorError:
    from simulator.errors import ScenarioError

    return ScenarioError(message, source=option, value=value, has_value=value is not None)


def as_option_error(error: SimulatorError) -> SimulatorError:
    """The library names its parameters; the user typed options: name the option instead."""
    if error.source is None and error.field in OPTION_FOR_FIELD:
        error.source, error.field = OPTION_FOR_FIELD[error.field], None
    return error


def check_quick_form(scenario: Path | None, set_: list[str] | None, required: Sequence[tuple[str, Any]]) -> None:
    """The quick flags stand alone: no scenario or --set beside them, and each required flag given."""
    if scenario is not None or set_:
        raise option_error("SCENARIO", "give a scenario or the quick flags, not both",
                           str(scenario) if scenario is not None else " ".join(set_ or ()))
    for option, value in required:
        if value is None:
            raise option_error(option, "is required in the quick form", None)


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def key_value_table(title: str, rows: dict[str, Any]) -> Table:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    for key, value in rows.items():
        if isinstance(value, dict):
            for sub, subvalue in value.items():
                table.add_row(f"{key}.{sub}", _fmt(subvalue))
        else:
            table.add_row(key, _fmt(value))
    return table


def load(scenario: Path | None, sets: list[str] | None) -> Any:
    from simulator.scenario import load_scenario

    loaded = load_scenario(scenario, sets or ())
    print_warnings(loaded.warnings)
    return loaded


# -- commands -----------------------------------------------------------------------------------------------


@app.command()
def erlang(
    model: Annotated[str, typer.Argument(help="b, c or a.", show_default=False)],
    calls_per_hour: Annotated[float, typer.Option(help="Arrival rate λ. [calls/h]", show_default=False)],
    aht: Annotated[float, typer.Option(help="Average handle time 1/μ. [s]", show_default=False)],
    agents: Annotated[int, typer.Option(help="Agents N.", show_default=False)],
    patience: Annotated[float | None, typer.Option(help="Mean patience 1/θ, Erlang A only. [s]")] = None,
    threshold: Annotated[float, typer.Option(help="Service-level threshold T. [s]")] = 20.0,
    short_abandon: Annotated[float, typer.Option(help="Short-abandon threshold. [s]")] = 5.0,
    json_out: JsonOpt = False,
) -> None:
    """Erlang B, C or A for one queue: blocking, waiting, service level, abandonment."""
    from simulator.analytic import erlang_a, erlang_b, erlang_c

    kind = model.strip().lower()
    if kind not in ("b", "c", "a"):
        raise option_error("MODEL", "must be one of b, c, a", model)
    _check_positive("--calls-per-hour", calls_per_hour, allow_zero=True)
    _check_positive("--aht", aht)
    if agents < 0:
        raise option_error("--agents", "must be >= 0", agents)
    _check_positive("--threshold", threshold, allow_zero=True)
    _check_positive("--short-abandon", short_abandon, allow_zero=True)
    load_erlang = calls_per_hour / 3600.0 * aht
    result: dict[str, Any]
    if kind == "b":
        if patience is not None:
            raise option_error("--patience", "only Erlang A uses patience", patience)
        result = {"offered_load": load_erlang, "agents": agents,
                  "blocking": float(erlang_b.blocking(load_erlang, agents))}
        title = "Erlang B (M/M/N/N, blocked calls lost)"
    elif kind == "c":
        if patience is not None:
            raise option_error("--patience", "only Erlang A uses patience; use `callsim erlang a`", patience)
        result = erlang_c.metrics(load_erlang, agents, aht_seconds=aht, threshold_seconds=threshold).to_dict()
        title = "Erlang C (M/M/N, callers wait for ever)"
    else:
        if patience is None:
            raise option_error("--patience", "Erlang A requires --patience (mean patience in seconds)", None)
        _check_positive("--patience", patience)
        result = erlang_a.metrics(load_erlang, agents, aht_seconds=aht, patience_seconds=patience,
                                  threshold_seconds=threshold, short_abandon_seconds=short_abandon).to_dict()
        title = "Erlang A (M/M/N+M, exponential patience)"
    if json_out:
        emit_json(result)
    else:
        stdout.print(key_value_table(title, result))


def _check_positive(option: str, value: float, *, allow_zero: bool = False) -> None:
    import math

    ok = math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        raise option_error(option, "must be >= 0" if allow_zero else "must be > 0", value)


def _check_fraction(option: str, value: float | None) -> None:
    import math

    if value is not None and not (math.isfinite(value) and 0 < value <= 1):
        raise option_error(option, "must be a fraction in (0, 1]", value)


@app.command()
def staff(
    scenario: ScenarioArg = None,
    set_: SetOpt = None,
    calls_per_hour: Annotated[float | None, typer.Option(help="Quick form: arrival rate. [calls/h]")] = None,
    aht: Annotated[float | None, typer.Option(help="Quick form: average handle time. [s]")] = None,
    threshold: Annotated[float | None, typer.Option(help="SL threshold T [s]. Quick form default 20.")] = None,
    target_sl: Annotated[float | None, typer.Option(help="SL target, a fraction. Quick form default 0.8.")] = None,
    patience: Annotated[float | None, typer.Option(help="Quick form: mean patience (Erlang A). [s]")] = None,
    max_abandon: Annotated[float | None, typer.Option(help="Abandonment cap, a fraction (Erlang A).")] = None,
    max_asa: Annotated[float | None, typer.Option(help="ASA cap. [s]")] = None,
    max_occupancy: Annotated[float | None, typer.Option(help="Occupancy cap, a fraction.")] = None,
    sl_definition: Annotated[str | None, typer.Option(help="SL definition, e.g. abandons-fail, answered-only.")]
    = None,
    method: Annotated[str | None, typer.Option(help="erlang-c or erlang-a.")] = None,
    short_abandon: Annotated[float | None, typer.Option(help="Short-abandon threshold. [s]")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Required agents: for one queue (quick flags) or per interval of a scenario's day."""
    quick = calls_per_hour is not None or aht is not None
    if quick:
        check_quick_form(scenario, set_, (("--calls-per-hour", calls_per_hour), ("--aht", aht)))
        _staff_quick(calls_per_hour, aht, threshold, target_sl, patience, max_abandon, max_asa, max_occupancy,
                     sl_definition, method, short_abandon, json_out)
        return
    for option, value in (("--patience", patience), ("--target-sl", target_sl), ("--threshold", threshold),
                          ("--max-abandon", max_abandon), ("--max-asa", max_asa),
                          ("--max-occupancy", max_occupancy), ("--short-abandon", short_abandon)):
        if value is not None:
            raise option_error(option, "is a quick-form flag; with a scenario use --set (e.g. --set "
                               "sla.service_level=0.9)", value)
    from simulator.staffing import analytic_staffing

    loaded = load(scenario, set_)
    plan = analytic_staffing(loaded, method=method, sl_definition=sl_definition)
    document = {"scenario": loaded.name, **plan.to_dict(), "renegotiation": list(loaded.renegotiation)}
    if json_out:
        emit_json(document)
        return
    _print_plan(loaded, document)


def _print_plan(loaded: Any, document: dict[str, Any]) -> None:
    method = document["method"].replace("_", " ").title().replace("Erlang ", "Erlang ")
    table = Table(title=f"{loaded.name}: SIPP, agents per interval by {method} on the forecast (SL "
                  f"{loaded.sla.service_level} within {loaded.sla.threshold_seconds:g} s, "
                  f"{document['sl_definition']}); `callsim quote` staffs by simulation", title_justify="left")
    for column in ("start", "calls", "load [Erl]", "SLA alone", "with cap", "SL", "ASA [s]", "abandon",
                   "occupancy"):
        table.add_column(column, justify="right")
    for row in document["intervals"]:
        table.add_row(
            row["start"], f"{row['calls']:.1f}", f"{row['offered_load']:.2f}", str(row["agents_for_sla"]),
            str(row["agents"]), _pct(row.get("service_level")), _num(row.get("asa_seconds")),
            _pct(row.get("abandon_probability", 0.0)), _pct(row.get("occupancy")),
        )
    stdout.print(table)
    stdout.print(f"peak agents {document['peak_agents']}, required agent-hours per day "
                 f"{document['required_agent_hours']:.1f}")


def _pct(value: Any) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _num(value: Any) -> str:
    return "—" if value is None else f"{value:.1f}"


def _staff_quick(calls_per_hour: float | None, aht: float | None, threshold: float | None,
                 target_sl: float | None, patience: float | None, max_abandon: float | None,
                 max_asa: float | None, max_occupancy: float | None, sl_definition: str | None,
                 method: str | None, short_abandon: float | None, json_out: bool) -> None:
    from simulator.analytic import erlang_a, erlang_c, required_agents
    from simulator.analytic.definitions import SL_DEFINITIONS
    from simulator.staffing import ANALYTIC_METHODS, normalise_choice

    assert calls_per_hour is not None and aht is not None  # check_quick_form saw to it
    _check_positive("--calls-per-hour", calls_per_hour, allow_zero=True)
    _check_positive("--aht", aht)
    threshold = 20.0 if threshold is None else threshold
    _check_positive("--threshold", threshold, allow_zero=True)
    target = 0.8 if target_sl is None else target_sl
    _check_fraction("--target-sl", target)
    _check_fraction("--max-abandon", max_abandon)
    _check_fraction("--max-occupancy", max_occupancy)
    if max_asa is not None:
        _check_positive("--max-asa", max_asa)
    short = 5.0 if short_abandon is None else short_abandon
    _check_positive("--short-abandon", short, allow_zero=True)
    name = normalise_choice(method or "erlang_c", ANALYTIC_METHODS, field="", source="--method")
    definition = normalise_choice(sl_definition or "abandons_fail", SL_DEFINITIONS, field="",
                                  source="--sl-definition")
    if name == "erlang_a":
        if patience is None:
            raise option_error("--patience", "--method erlang-a requires --patience (mean patience in seconds)",
                               None)
        _check_positive("--patience", patience)
    elif patience is not None or max_abandon is not None:
        option, value = ("--patience", patience) if patience is not None else ("--max-abandon", max_abandon)
        raise option_error(option, "needs --method erlang-a (Erlang C assumes callers never abandon)", value)
    load_erlang = calls_per_hour / 3600.0 * aht
    try:
        agents = int(required_agents(
            load_erlang, aht_seconds=aht, method=name, threshold_seconds=threshold, target_sl=target,
            sl_definition=definition, patience_seconds=patience, short_abandon_seconds=short,
            max_asa_seconds=max_asa, max_abandon=max_abandon, max_occupancy=max_occupancy,
        ))
    except SimulatorError as error:
        raise as_option_error(error) from None
    if name == "erlang_c":
        metrics = erlang_c.metrics(load_erlang, agents, aht_seconds=aht, threshold_seconds=threshold).to_dict()
    else:
        assert patience is not None
        metrics = erlang_a.metrics(load_erlang, agents, aht_seconds=aht, patience_seconds=patience,
                                   threshold_seconds=threshold, short_abandon_seconds=short).to_dict()
    if name == "erlang_a" and definition != "abandons_fail":
        metrics["service_level"] = metrics["service_level_by_definition"][definition]
    document = {**metrics, "agents": agents, "method": name, "sl_definition": definition,
                "target_sl": target, "threshold_seconds": threshold}
    if json_out:
        emit_json(document)
    else:
        stdout.print(key_value_table(f"Minimum agents: {agents} ({name.replace('_', ' ')}, {definition})",
                                     document))


@app.command()
def validate(
    scenario: Annotated[Path, typer.Argument(help="Project file (TOML).", show_default=False)],
    set_: SetOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Validate a scenario and show every resolved value with the file and key it came from."""
    from simulator.scenario import resolved_items

    loaded = load(scenario, set_)
    items = resolved_items(loaded)
    if json_out:
        emit_json({
            "scenario": loaded.name,
            "valid": True,
            "values": {path: {"value": value, "source": source} for path, value, source in items},
            "renegotiation": list(loaded.renegotiation),
        })
        return
    table = Table(title=f"{loaded.name}: resolved scenario", title_justify="left")
    table.add_column("field")
    table.add_column("value")
    table.add_column("source")
    for path, value, source in items:
        table.add_row(path, format_value(value) if not isinstance(value, str) else value, source)
    stdout.print(table)
    if loaded.renegotiation:
        stdout.print("renegotiation (locked fields overridden): " + ", ".join(loaded.renegotiation))
    stdout.print(f"ok: {scenario} is valid")


class LazyProgress:
    """A progress bar on stderr (tasks done, rate, time left) that appears once a run has taken a second.

    Refreshed by hand (no refresh thread), so that process pools can fork safely while it is shown.
    ``CALLSIM_PROGRESS=1`` shows it at once, even when stderr is not a terminal.
    """

    def __init__(self, description: str, *, enabled: bool = True) -> None:
        import time

        self.description = description
        self.enabled = enabled and (stderr.is_terminal or _force_progress())
        self.started = time.monotonic()
        self.bar: Any = None
        self.task: Any = None
        self.first = (0, self.started)  # (tasks done, time) when the bar appeared: the rate counts from there

    def __call__(self, done: int, total: int) -> None:
        import time

        if not self.enabled:
            return
        if self.bar is None:
            if time.monotonic() - self.started < 1.0 and not _force_progress():
                return
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            # CALLSIM_PROGRESS=1 shows the bar even when stderr is not a terminal (a log file, a test).
            console = stderr if stderr.is_terminal else Console(stderr=True, force_terminal=True, width=100)
            self.bar = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                                TextColumn("{task.fields[rate]}"), TimeRemainingColumn(), console=console,
                                auto_refresh=False, transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.description, total=total, rate="")
            self.first = (done, time.monotonic())
        elapsed = time.monotonic() - self.first[1]
        rate = (done - self.first[0]) / elapsed if elapsed > 0 else 0.0
        per = f"{rate:.2f}/s" if rate >= 1 else (f"{1 / rate:.1f} s each" if rate > 0 else "")
        self.bar.update(self.task, completed=done, total=total, rate=per)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def _force_progress() -> bool:
    import os

    return os.environ.get("CALLSIM_PROGRESS") == "1"


def write_outputs(out: Path, files: dict[str, Callable[[Path], Any]]) -> None:
    """Write every file into a fresh temporary folder inside ``out``, then move them in: all or nothing.

    ``files`` maps a file name to the function that writes it there (a writer may also write siblings, as a
    figure writes its PNG and SVG; everything written is moved)."""
    import shutil
    import tempfile

    try:
        out.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".callsim-", dir=out))
    except OSError as error:
        raise option_error("--out", f"cannot create the folder: {error.strerror}", str(out)) from None
    try:
        for name, writer in files.items():
            writer(staging / name)
        for written in sorted(staging.iterdir()):
            written.replace(out / written.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@app.command()
def simulate(
    scenario: ScenarioArg = None,
    set_: SetOpt = None,
    agents: Annotated[int | None, typer.Option(help="Agents in every interval (quick form: required).")] = None,
    staffing_file: Annotated[Path | None, typer.Option("--staffing", help="CSV with columns start,agents.")]
    = None,
    replications: Annotated[int | None, typer.Option(help="Independent replications R.")] = None,
    seed: Annotated[int | None, typer.Option(help="Root seed (default: the scenario's, else 0).")] = None,
    calls_per_hour: Annotated[float | None, typer.Option(help="Quick form: arrival rate. [calls/h]")] = None,
    aht: Annotated[float | None, typer.Option(help="Quick form: mean handle time (exponential). [s]")] = None,
    patience: Annotated[float | None, typer.Option(help="Quick form: mean patience (exponential). [s]")] = None,
    threshold: Annotated[float | None, typer.Option(help="Quick form: SL threshold, default 20. [s]")] = None,
    hours: Annotated[float | None, typer.Option(help="Quick form: hours of arrivals. [h]")] = None,
    warmup_hours: Annotated[float, typer.Option(help="Quick form: hours left out of the metrics. [h]")] = 0.0,
    sl_definition: Annotated[str | None, typer.Option(help="Quick form: SL definition.")] = None,
    executor: ExecutorOpt = None,
    out: Annotated[Path | None, typer.Option(help="Folder for CSV files and the JSON summary.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Simulate the call centre: metrics per interval and day with confidence intervals."""
    from simulator.jsonutil import dumps
    from simulator.metrics import write_daily_report

    progress = LazyProgress("simulating")
    try:
        if calls_per_hour is not None or aht is not None or hours is not None:
            if staffing_file is not None:
                raise option_error("--staffing", "goes with a scenario, not with the quick flags", str(staffing_file))
            check_quick_form(scenario, set_, (("--calls-per-hour", calls_per_hour), ("--aht", aht),
                                              ("--agents", agents), ("--hours", hours)))
            from simulator.simulation import simulate_quick

            assert calls_per_hour is not None and aht is not None and agents is not None and hours is not None
            try:
                summary = simulate_quick(
                    calls_per_hour=calls_per_hour, aht_seconds=aht, agents=agents, hours=hours,
                    replications=10 if replications is None else replications, seed=0 if seed is None else seed,
                    patience_seconds=patience, threshold_seconds=20.0 if threshold is None else threshold,
                    warmup_hours=warmup_hours, sl_definition=sl_definition or "abandons_fail", progress=progress,
                    backend=executor)
            except SimulatorError as error:
                raise as_option_error(error) from None
            document = summary.to_dict()
            name = "quick"
        else:
            quick_only: tuple[tuple[str, Any], ...] = (("--patience", patience), ("--threshold", threshold),
                                                       ("--sl-definition", sl_definition),
                                                       ("--warmup-hours", warmup_hours or None))
            for option, value in quick_only:
                if value is not None:
                    raise option_error(option, "is a quick-form flag; with a scenario use --set", value)
            from simulator.simulation import read_staffing_csv, simulate_scenario

            loaded = load(scenario, set_)
            given: Any = None
            source = None
            if staffing_file is not None and agents is not None:
                raise option_error("--staffing", "give --agents or --staffing, not both", str(staffing_file))
            if staffing_file is not None:
                given, source = read_staffing_csv(staffing_file, loaded), str(staffing_file)
            elif agents is not None:
                if agents < 0:
                    raise option_error("--agents", "must be >= 0", agents)
                given, source = agents, "--agents"
            try:
                run_ = simulate_scenario(loaded, agents=given, replications=replications, seed=seed,
                                         progress=progress, staffing_source=source, backend=executor)
            except SimulatorError as error:
                raise as_option_error(error) from None
            summary = run_.summary
            document = {"scenario": loaded.name, "staffing_source": run_.staffing_source,
                        "agents_per_interval": [int(a) for a in run_.agents_per_interval], **summary.to_dict()}
            name = loaded.name
    finally:
        progress.close()
    if out is not None:
        write_outputs(out, {
            "simulation.json": lambda p: p.write_text(dumps(document) + "\n"),
            "daily_report.csv": lambda p: write_daily_report(p, summary),
            "intervals.csv": lambda p: summary.to_frame("interval").to_csv(p),
        })
    if json_out:
        emit_json(document)
        return
    _print_summary(name, summary, out)


def _print_summary(name: str, summary: Any, out: Path | None) -> None:
    table = Table(title=f"{name}: {summary.replications} replications, seed {summary.seed}, "
                  f"SL {summary.definitions.sl_definition} within {summary.threshold_seconds:g} s",
                  title_justify="left")
    for column in ("metric", "mean", "95% CI"):
        table.add_column(column, justify="right" if column != "metric" else "left")
    for metric in ("offered", "answered", "abandoned", "service_level", "service_level_of_answered",
                   "wait_probability", "abandon_rate", "asa_seconds", "mean_wait_seconds", "wait_p90_seconds",
                   "aht_seconds", "occupancy", "repeat_calls"):
        estimate = summary.metrics[metric]
        ci = "—" if estimate.ci_low is None or not _finite(estimate.ci_low) else \
            f"{_fmt(float(estimate.ci_low))} – {_fmt(float(estimate.ci_high))}"
        table.add_row(metric, _fmt(float(estimate.mean)), ci)
    stdout.print(table)
    if summary.attainment is not None:
        att = summary.attainment.to_dict()
        stdout.print("share meeting the SL target: " + ", ".join(
            f"{k} {_pct(v['mean'] if isinstance(v, dict) else v)}" for k, v in att.items()
            if k in ("intervals", "days", "periods")))
    if out is not None:
        stdout.print(f"wrote {out}/simulation.json, daily_report.csv, intervals.csv")


def _finite(value: float) -> bool:
    import math

    return math.isfinite(value)


@app.command()
def check(
    scenario: ScenarioArg = None,
    set_: SetOpt = None,
    agents: Annotated[int | None, typer.Option(help="Agents (quick form: required).")] = None,
    replications: Annotated[int | None, typer.Option(help="Replications R (quick form default 20).")] = None,
    seed: Annotated[int | None, typer.Option(help="Root seed.")] = None,
    calls_per_hour: Annotated[float | None, typer.Option(help="Quick form: arrival rate. [calls/h]")] = None,
    aht: Annotated[float | None, typer.Option(help="Quick form: mean handle time. [s]")] = None,
    patience: Annotated[float | None, typer.Option(help="Quick form: mean patience; Erlang A. [s]")] = None,
    threshold: Annotated[float, typer.Option(help="Quick form: SL threshold. [s]")] = 20.0,
    hours: Annotated[float, typer.Option(help="Quick form: hours of arrivals per replication. [h]")] = 24.0,
    warmup_hours: Annotated[float | None, typer.Option(help="Quick form: warm-up, default hours/10. [h]")]
    = None,
    sl_definition: Annotated[str, typer.Option(help="Quick form: SL definition.")] = "abandons_fail",
    json_out: JsonOpt = False,
) -> None:
    """Simulation against Erlang C / Erlang A, metric by metric, with a verdict (exit 1 if they disagree)."""
    from simulator.check import check_quick, check_scenario

    progress = LazyProgress("checking")
    try:
        if calls_per_hour is not None or aht is not None:
            check_quick_form(scenario, set_, (("--calls-per-hour", calls_per_hour), ("--aht", aht),
                                              ("--agents", agents)))
            assert calls_per_hour is not None and aht is not None and agents is not None
            try:
                report = check_quick(calls_per_hour=calls_per_hour, aht_seconds=aht, agents=agents, hours=hours,
                                     replications=20 if replications is None else replications,
                                     seed=0 if seed is None else seed, patience_seconds=patience,
                                     threshold_seconds=threshold, warmup_hours=warmup_hours,
                                     sl_definition=sl_definition, progress=progress)
            except SimulatorError as error:
                raise as_option_error(error) from None
        else:
            loaded = load(scenario, set_)
            report = check_scenario(loaded, agents=None if agents is None else agents,  # type: ignore[arg-type]
                                    replications=replications, seed=seed, progress=progress)
    finally:
        progress.close()
    if json_out:
        emit_json(report.to_dict())
    else:
        _print_check(report)
    if report.exit_code:
        raise typer.Exit(report.exit_code)


def _print_check(report: Any) -> None:
    model = report.model.replace("_", " ").title()
    table = Table(title=f"simulation ({report.replications} replications, seed {report.seed}) against {model}",
                  title_justify="left")
    for column in ("metric", model, "simulated", "interval", "drift", "verdict"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for row in report.rows:
        verdict = ("ok" if row.within else "OUTSIDE") if report.comparable else "—"
        table.add_row(row.metric, _fmt(row.analytic), _fmt(row.simulated), f"{_fmt(row.low)} – {_fmt(row.high)}",
                      f"{row.drift:+.4g}", verdict)
    stdout.print(table)
    stdout.print(f"intervals: Student t, critical value {report.z:.3f} (Bonferroni over {len(report.rows)} "
                 f"metrics, family-wise 99 %)")
    if report.comparable:
        stdout.print("verdict: " + ("the simulation agrees with the formula" if report.passed else
                                    "DISAGREEMENT: an analytic value lies outside its interval"))
    else:
        stdout.print("comparable: false, the formulas' assumptions do not hold here:")
        for reason in report.reasons:
            stdout.print(f"  - {reason}")
        stdout.print("the drift column shows how far the formulas are off (simulation − formula).")


@app.command()
def quote(
    scenario: ScenarioArg = None,
    set_: SetOpt = None,
    seed: Annotated[int | None, typer.Option(help="Root seed (default: the scenario's, else 0).")] = None,
    months: Annotated[int | None, typer.Option(help="Contract months for P(miss) and credits "
                                                    "(default: simulation.months).")] = None,
    replications: Annotated[int | None, typer.Option(help="Months simulated per staffing the search tries "
                                                          "(default: simulation.replications).")] = None,
    risk_method: Annotated[str, typer.Option(help="surrogate (fast, calibrated by simulation) or simulation "
                                                  "(every month simulated).")] = "surrogate",
    term_months: Annotated[int | None, typer.Option(help="Also price the contract term, month by month.")]
    = None,
    executor: ExecutorOpt = None,
    out: Annotated[Path | None, typer.Option(help="Folder for the quote's files: quote.json, CSV tables, the "
                                                   "workbook quote.xlsx, figures (PNG, SVG) and the one-page "
                                                   "summary (summary.pdf, summary.md).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """The main job: the cheapest staffing that meets the SLA as the contract measures it (found by simulation),
    what binds, FTEs, cost lines, price in every unit, P(miss), credits."""
    options = quote_options(seed, months, replications, risk_method, term_months)
    loaded = load(scenario, set_)
    with command_sweep(executor, "quoting (simulated months)", months=True) as sweep:
        result = options(loaded, backend=sweep.backend, progress=sweep.progress)
    print_warnings(result.warnings())
    if out is not None:
        write_quote_files(result, out)
    if json_out:
        emit_json(result.to_dict())
        return
    _print_quote(result, out)


def write_quote_files(result: Any, out: Path) -> None:
    """The quote's files in ``out``, all or nothing (:func:`simulator.quoting.outputs.quote_files`)."""
    from simulator.quoting.outputs import quote_files

    write_outputs(out, quote_files(result, command=command_line()))


def _money(value: Any, currency: str = "") -> str:
    if value is None or (isinstance(value, float) and not _finite(value)):
        return "—"
    text = f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    return f"{text} {currency}".rstrip()


def _print_quote(result: Any, out: Path | None) -> None:
    doc = result.to_dict()
    loaded = result.scenario
    sla = loaded.sla
    currency = doc["price"]["currency"]
    search = doc["staffing"]["search"]
    targets = []
    if sla.service_level is not None:
        targets.append(f"SL {sla.service_level:g} within {sla.threshold_seconds:g} s "
                       f"({loaded.definitions.sl_definition})")
    if sla.max_abandon_rate is not None:
        targets.append(f"abandon ≤ {sla.max_abandon_rate:g}")
    if sla.max_asa_seconds is not None:
        targets.append(f"ASA ≤ {sla.max_asa_seconds:g} s")
    stdout.print(f"[bold]{doc['scenario']}[/bold]: {', '.join(targets)}, measured per "
                 f"{loaded.definitions.measurement_period}; criterion {doc['criterion']}"
                 + (f" (P(miss) ≤ {loaded.staffing.risk:g})" if doc["criterion"] == "risk" else "")
                 + f"; seed {doc['seed']}")
    knob = search["knob"]["value"]
    fixed_point = search["fixed_point"]
    how = ("" if fixed_point is None else
           f"time-stable start after {fixed_point['iterations']} simulated iterations"
           + ("" if fixed_point["converged"] else " (not settled)") + "; ")
    stdout.print(f"staffing: {search['start_note']}; {how}{search['evaluations']} staffings simulated on the "
                 f"forecast for the {loaded.definitions.measurement_period}'s targets, "
                 f"{search['simulated_months']} months in all"
                 + (f", knob f = {knob:.4g}" if knob is not None and doc["criterion"] != "mean" else "")
                 + ("" if search["source"] == "search" else f", fixed by {search['source']}")
                 + ("" if search["met"] else " — the criterion is NOT met"))
    stdout.print(f"what sets the staffing: {doc['staffing']['what_binds']}")
    if doc["constraint_summary"]:
        stdout.print(f"what the limits cost: {doc['constraint_summary']}")

    table = Table(title="staffing per interval (SIPP: Erlang per interval on the forecast; SLA alone: the "
                  "simulated staffing with the occupancy cap off)", title_justify="left")
    for column in ("start", "calls", "load [Erl]", "SIPP", "SLA alone", "quoted", "binds", "SL (sim)", "abandon",
                   "ASA [s]", "occupancy"):
        table.add_column(column, justify="left" if column == "binds" else "right")
    for row in doc["intervals"]:
        load = row["measured_load"] if row["measured_load"] is not None else row["offered_load"]
        table.add_row(row["start"], f"{row['simulated_calls']:.1f}", f"{load:.2f}", str(row["start_agents"]),
                      "—" if row["agents_for_sla"] is None else str(row["agents_for_sla"]), str(row["agents"]),
                      row["binding"], _pct(row["service_level"]), _pct(row["abandon_rate"]),
                      _num(row["asa_seconds"]), _pct(row["occupancy"]))
    stdout.print(table)

    chain = Table(title="FTE chain (one month)", title_justify="left")
    for column in ("step", "value", "unit", "rule"):
        chain.add_column(column, justify="right" if column == "value" else "left")
    for step in doc["staffing"]["steps"]:
        value = step["value"]
        chain.add_row(step["step"], f"{value:,.1f}" if isinstance(value, float) else str(value), step["unit"],
                      step["rule"])
    stdout.print(chain)

    cost = Table(title=f"cost build-up and price ({doc['cost_build_up']['rule']})", title_justify="left")
    cost.add_column("line")
    cost.add_column(f"per month [{currency}]", justify="right")
    cost.add_column("share", justify="right")
    total = doc["price"]["total"]
    for line, amount in doc["cost"].items():
        cost.add_row(line, _money(amount), _pct(amount / total if total else None))
    cost.add_row("[bold]total[/bold]", f"[bold]{_money(total)}[/bold]", "100.0%")
    stdout.print(cost)

    units = Table(title="price in every billing unit (one total)", title_justify="left")
    for column in ("unit", "quantity per month", f"price [{currency}]", ""):
        units.add_column(column, justify="left" if column in ("unit", "") else "right")
    for unit, quantity in doc["price"]["quantities"].items():
        units.add_row(unit, f"{quantity:,.1f}", _money(doc["price"][f"per_{unit}"]),
                      "◀ billing unit" if unit == doc["billing_unit"] else "")
    stdout.print(units)

    risk = doc["risk"]
    low, high = risk["p_miss_interval_95"]
    by_metric = ", ".join(f"{k} {_pct(v)}" for k, v in risk["p_miss_by_metric"].items())
    stdout.print(f"risk ({risk['method']}, {result.credit.months} months): P(miss) {_pct(risk['p_miss'])} "
                 f"(95% {_pct(low)} – {_pct(high)}; {by_metric}); expected credits "
                 f"{_money(risk['expected_credits'], currency)} a month, P95 {_money(risk['credits_p95'], currency)}"
                 + ("; priced in" if risk["include_in_price"] else "; not priced in"))

    compare = Table(title="the same SLA by each staffing method", title_justify="left")
    for column in ("method", "peak agents", "agent-hours", "FTE", f"price [{currency}]",
                   f"per {doc['billing_unit']}", "SL", "abandon"):
        compare.add_column(column, justify="left" if column == "method" else "right")
    for plan in doc["comparison"]["plans"]:
        if plan.get("error"):
            compare.add_row(plan["method"], "—", "—", "—", "—", "—", "—", plan["error"][:40])
            continue
        compare.add_row(plan["method"], str(plan["peak_agents"]), f"{plan['agent_hours']:,.0f}", f"{plan['fte']:.1f}",
                        _money(plan["price"]), _money(plan["price_per_billing_unit"]), _pct(plan["service_level"]),
                        _pct(plan["abandon_rate"]))
    stdout.print(compare)
    stdout.print("simulated SL at the quoted staffing under each definition: " + ", ".join(
        f"{name}{' (contract)' if name == loaded.definitions.sl_definition else ''} {_pct(value)}"
        for name, value in doc["service_level_by_definition"].items()))
    terms = doc["commercial_terms"]
    if terms["p_miss_before_exclusions"] is not None:
        stdout.print(f"forecast-miss exclusion: no credit in a month more than {_pct(terms['forecast_tolerance'])} "
                     f"over the forecast ({_pct(terms['p_excluded'])} of months); P(miss) "
                     f"{_pct(terms['p_miss_before_exclusions'])} without it")
    if terms["grace_months"]:
        stdout.print(f"no credits in the first {terms['grace_months']} month(s) of the term (ramp-up)")
    if terms["volume"] is not None:
        v = terms["volume"]
        stdout.print(f"volume terms (per {v['unit']}, ±{_pct(v['deadband'])} deadband"
                     + (f", take-or-pay {_pct(v['min_commitment'])}" if v["min_commitment"] else "")
                     + f"): expected ARC {_money(v['expected_arc'], currency)}, RRC "
                     f"{_money(v['expected_rrc'], currency)}, take-or-pay top-up "
                     f"{_money(v['expected_top_up'], currency)} a month; expected invoice "
                     f"{_money(v['expected_invoice'], currency)} (90% of months {_money(v['invoice_p05'], currency)}"
                     f" – {_money(v['invoice_p95'], currency)})")
    if doc["term"] is not None:
        term = doc["term"]
        stdout.print(f"term: {term['term_months']} months, total {_money(term['total'], currency)} (escalator "
                     f"{term['annual_escalator']:g}/year, ramp-up {_money(term['ramp_up_price'], currency)} over "
                     f"{term['ramp_up_months']} month(s)); expected net {_money(term['expected_net'], currency)} "
                     f"after credits and volume charges")
    if out is not None:
        stdout.print(f"wrote {out}: quote.json, quote.xlsx, staffing/cost/price/comparison .csv, "
                     "staffing_figure and monthly_sl_figure (.png, .svg), summary.pdf and summary.md")


MonthsOpt = Annotated[int | None, typer.Option(help="Contract months for P(miss) (default: simulation.months).")]
RepsOpt = Annotated[int | None, typer.Option(help="Months simulated per staffing tried (default: "
                                                  "simulation.replications).")]
RiskOpt = Annotated[str, typer.Option(help="surrogate or simulation.")]


def quote_options(seed: int | None, months: int | None, replications: int | None, risk_method: str,
                  term_months: int | None = None) -> Any:
    """The run settings every quote of a command shares: one seed, so differences come from the change."""
    from simulator.quoting.quote import QuoteOptions
    from simulator.risk import RISK_METHODS
    from simulator.staffing import normalise_choice

    for option, value in (("--months", months), ("--replications", replications), ("--term-months", term_months)):
        if value is not None and value < 1:
            raise option_error(option, "must be an integer >= 1", value)
    if seed is not None and seed < 0:
        raise option_error("--seed", "must be an integer >= 0", seed)
    method = normalise_choice(risk_method, RISK_METHODS, field="", source="--risk-method")
    return QuoteOptions(seed=seed, months=months, replications=replications, risk_method=method,
                        term_months=term_months)


@contextmanager
def command_sweep(executor: str | None, description: str, *, out: Path | None = None, resume: bool = False,
                  title: str = "", months: bool = False) -> Iterator[Any]:
    """The sweep a command runs its tasks on: the --executor backend, a progress bar and, with --out, a
    checkpoint folder that keeps finished tasks (so that Ctrl-C loses nothing and --resume continues).
    ``months``: the tasks are simulated months of a quote run here (warm the workers up for them)."""
    import shutil

    from simulator.sweep import Sweep, SweepStore, opened

    if resume and out is None:
        raise option_error("--resume", "needs --out DIR: the checkpoint is kept there", None)
    # Every finished quote is its own batch: a quote takes seconds, so losing one to Ctrl-C would be waste.
    store = None if out is None else SweepStore(out / CHECKPOINT, title=title, resume=resume, batch_size=1,
                                                source="--out")
    progress = LazyProgress(description)
    warm = None
    if months and (executor or "local").strip().startswith("local"):
        # The workers will simulate months for this process, which imports numba anyway (its Erlang kernels):
        # imported before the fork, the workers start with it, and load the compiled simulation as they
        # start rather than when the first month arrives.
        from simulator.sim.warmup import import_for_months, load_compiled

        import_for_months()
        warm = load_compiled
    try:
        with opened(executor, warm=warm) as backend:
            yield Sweep(backend=backend, progress=progress, store=store)
    except SweepInterrupted as stopped:
        hint = (f"; the finished tasks are kept in {store.directory}: rerun with --resume to continue"
                if store is not None and store.batch_count() > 0 else "; nothing was written")
        raise SweepInterrupted(stopped.message + hint, done=stopped.done, total=stopped.total) from None
    finally:
        progress.close()
        if store is not None and store.batch_count() == 0:
            shutil.rmtree(store.directory, ignore_errors=True)  # nothing finished: leave no empty checkpoint


def drop_checkpoint(out: Path | None) -> None:
    """After the final files are written, the checkpoint has served its purpose."""
    import shutil

    if out is not None:
        shutil.rmtree(out / CHECKPOINT, ignore_errors=True)


def _headline(doc: dict[str, Any]) -> dict[str, Any]:
    from simulator.quoting.documents import lookup

    agents = lookup(doc, "staffing.agents_per_interval") or [0]
    return {"peak agents": max(agents), "agent FTE": doc["staffing"]["fte"], "seats": doc["staffing"]["seats"],
            "paid hours": doc["hours"]["paid"], "price": doc["price"]["total"],
            f"per {doc.get('billing_unit', 'productive_hour')}":
                doc["price"].get(f"per_{doc.get('billing_unit', 'productive_hour')}"),
            "P(miss)": doc["risk"]["p_miss"], "expected credits": doc["risk"]["expected_credits"]}


@app.command()
def whatif(
    scenario: ScenarioArg = None,
    set_: SetOpt = None,
    change: Annotated[list[str] | None, typer.Option("--change", metavar="KEY=VALUE",
                                                     help="The change to price against the scenario "
                                                          "(repeatable), e.g. --change sla.service_level=0.9.")]
    = None,
    seed: SeedOpt = None, months: MonthsOpt = None, replications: RepsOpt = None, risk_method: RiskOpt = "surrogate",
    out: Annotated[Path | None, typer.Option(help="Folder for whatif.json, whatif.csv, the workbook whatif.xlsx, a "
                                                   "figure and the one-page summary (summary.pdf, summary.md).")]
    = None,
    executor: ExecutorOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The quote for the scenario and for the changed scenario side by side, every line with its delta.

    The baseline is the scenario (with any --set applied); the variant adds the --change values. With no
    --change, the --set values are the change against the scenario as written.
    """
    from simulator.quoting.whatif import changes_from_overrides
    from simulator.quoting.whatif import whatif as price_whatif

    if change:
        loaded = load(scenario, set_)
        changes = changes_from_overrides(change)
    else:
        if not set_:
            raise option_error("--set", "give the change to price, e.g. --set sla.service_level=0.9", None)
        loaded = load(scenario, None)
        changes = changes_from_overrides(set_)
    options = quote_options(seed, months, replications, risk_method)
    with command_sweep(executor, "quoting baseline and variant") as sweep:
        result = price_whatif(loaded, changes, options=options, sweep=sweep)
    print_warnings(result.variant.scenario.warnings)
    if out is not None:
        from simulator.quoting.outputs import whatif_files

        write_outputs(out, whatif_files(result, command=command_line()))
    if json_out:
        emit_json(result.to_dict())
        return
    from simulator.report.tables import comparison_table

    currency = result.baseline.currency
    table = comparison_table({"baseline": _headline(result.baseline_document),
                              "variant": _headline(result.variant_document)},
                             currency=currency, title="what-if: baseline and variant",
                             formats={"P(miss)": "percent"})
    stdout.print(table)
    renegotiated = result.variant_document.get("renegotiation") or []
    if renegotiated:
        stdout.print("renegotiation (locked fields changed): " + ", ".join(renegotiated))
    stdout.print(result.summary())


@app.command()
def compare(
    proposals: Annotated[list[str], typer.Argument(
        help="Two or more proposals: project files (TOML), each optionally with a tier of its master, "
             "FILE@TIER (@TIER alone: the embedded default scenario on that tier). The first is the reference.",
        show_default=False, metavar="PROPOSAL...")],
    set_: SetOpt = None,
    term_months: Annotated[int, typer.Option(help="Contract term for the totals. [months]")] = 12,
    seed: SeedOpt = None, months: MonthsOpt = None, replications: RepsOpt = None, risk_method: RiskOpt = "surrogate",
    out: Annotated[Path | None, typer.Option(help="Folder for compare.json, compare.csv, the workbook compare.xlsx, "
                                                   "a figure and the one-page summary (summary.pdf, summary.md).")]
    = None,
    executor: ExecutorOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Proposals side by side: SLA terms, staffing, FTE, price per billing unit and over the term, P(miss),
    expected credits, what binds, and each difference from the first split into staffing cost, credits and risk
    premium. --set applies to every proposal."""
    from simulator.quoting.compare import compare as price_compare
    from simulator.quoting.compare import proposal_label, split_spec
    from simulator.quoting.tiers import tier_changes

    if term_months < 1:
        raise option_error("--term-months", "must be an integer >= 1", term_months)
    options = quote_options(seed, months, replications, risk_method)
    named = []
    for spec in proposals:
        path, tier = split_spec(spec)
        loaded = load(Path(path) if path else None, set_)
        if tier is not None:
            if tier not in loaded.tiers:
                raise option_error(spec, f"unknown tier {tier!r}; the master agreement's menu has "
                                         f"{sorted(loaded.tiers)}", tier)
            loaded = loaded.with_changes(tier_changes(loaded, tier), label=f"tier {tier}")
        named.append((proposal_label(path, tier), loaded))
    with command_sweep(executor, "quoting the proposals") as sweep:
        result = price_compare(named, term_months=term_months, options=options, sweep=sweep)
    for q in result.quotes.values():
        print_warnings(q.warnings())
    if out is not None:
        from simulator.quoting.outputs import compare_files

        write_outputs(out, compare_files(result, command=command_line()))
    if json_out:
        emit_json(result.to_dict())
        return
    from simulator.report.tables import comparison_table

    currency = next(iter(result.quotes.values())).currency
    rows = {}
    for line in result.lines():
        unit = line["billing_unit"]
        rows[line["proposal"]] = {
            "SLA": line["sla"], "peak agents": line["peak_agents"], "agent FTE": line["fte"],
            f"per {unit.replace('_', ' ')}": line["price_per_billing_unit"], "price a month": line["price"],
            f"term total ({term_months} months)": line["term_total"], "P(miss)": line["p_miss"],
            "expected credits": line["expected_credits"], "Δ price a month": line["delta_price"],
            "Δ staffing cost": line["delta_staffing_cost"], "Δ expected credits": line["delta_expected_credits"],
            "Δ risk premium": line["delta_risk_premium"]}
    stdout.print(comparison_table(rows, deltas=False, currency=currency, title="proposals side by side",
                                  formats={"P(miss)": "percent", f"term total ({term_months} months)": "money"}))
    for line in result.lines():
        stdout.print(f"{line['proposal']}: {line['what_binds']}")


@app.command()
def tiers(
    scenario: ScenarioArg = None,
    set_: SetOpt = None,
    seed: SeedOpt = None, months: MonthsOpt = None, replications: RepsOpt = None, risk_method: RiskOpt = "surrogate",
    out: Annotated[Path | None, typer.Option(help="Folder for tiers.json, tiers.csv, the workbook tiers.xlsx, a "
                                                   "figure and the one-page summary (summary.pdf, summary.md).")]
    = None,
    executor: ExecutorOpt = None, resume: ResumeOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """The quote for each tier of the master agreement's menu, side by side."""
    from simulator.quoting.tiers import tiers as price_tiers

    options = quote_options(seed, months, replications, risk_method)
    loaded = load(scenario, set_)
    with command_sweep(executor, "quoting tiers", out=out, resume=resume, title=f"tiers of {loaded.name}") as sweep:
        quotes = price_tiers(loaded, options=options, sweep=sweep)
    docs = {name: q.to_dict() for name, q in quotes.items()}
    currency = next(iter(quotes.values())).currency
    rows = {name: {"SLA": _sla_text(q.scenario), **_headline(doc)} for (name, q), doc in
            zip(quotes.items(), docs.values(), strict=True)}
    if out is not None:
        from simulator.quoting.outputs import tiers_files

        write_outputs(out, tiers_files(quotes, _frame(rows), command=command_line()))
        drop_checkpoint(out)
    if json_out:
        emit_json({"tiers": docs})
        return
    from simulator.report.tables import comparison_table

    stdout.print(comparison_table(rows, deltas=False, currency=currency, title="the tier menu"))


def _sla_text(holder: Any) -> str:
    """'90/20, abandon ≤ 3%' for a scenario or a tier (anything with an ``sla``)."""
    sla = holder.sla
    text = f"{100 * sla.service_level:g}/{sla.threshold_seconds:g}" if sla.service_level is not None else "—"
    if sla.max_abandon_rate is not None:
        text += f", abandon ≤ {100 * sla.max_abandon_rate:g}%"
    return text


def _frame(rows: dict[str, dict[str, Any]]) -> Any:
    import pandas as pd

    return pd.DataFrame.from_dict(rows, orient="index")


@app.command()
def frontier(
    scenario: ScenarioArg = None,
    set_: SetOpt = None,
    target_sl: Annotated[str | None, typer.Option(help="Service-level targets START:STOP:STEP (inclusive) or a "
                                                       "list, e.g. 0.70:0.95:0.05.")] = None,
    max_asa: Annotated[str | None, typer.Option(help="ASA caps [s], e.g. 60:15:... as a list: 60,45,30,15.")]
    = None,
    max_abandon: Annotated[str | None, typer.Option(help="Abandonment caps, e.g. 0.08,0.05,0.03.")] = None,
    seed: SeedOpt = None, months: MonthsOpt = None, replications: RepsOpt = None, risk_method: RiskOpt = "surrogate",
    out: Annotated[Path | None, typer.Option(help="Folder for frontier.json, frontier.csv, the workbook "
                                                   "frontier.xlsx and the figure.")] = None,
    executor: ExecutorOpt = None, resume: ResumeOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Price, FTE and P(miss) against an SLA target, with the marginal cost per point; a figure with --out."""
    from simulator.quoting.frontier import frontier as price_frontier
    from simulator.quoting.frontier import parse_range

    given = [(m, o, v) for m, o, v in (("service_level", "--target-sl", target_sl), ("asa", "--max-asa", max_asa),
                                       ("abandon", "--max-abandon", max_abandon)) if v is not None]
    if len(given) != 1:
        raise option_error("--target-sl", "give exactly one of --target-sl, --max-asa, --max-abandon",
                           None if not given else ", ".join(o for _, o, _ in given))
    metric, option, text = given[0]
    targets = parse_range(text, source=option)
    options = quote_options(seed, months, replications, risk_method)
    loaded = load(scenario, set_)
    with command_sweep(executor, "quoting the frontier", out=out, resume=resume,
                       title=f"frontier of {loaded.name} along {option}") as sweep:
        result = price_frontier(loaded, metric=metric, targets=targets, options=options, sweep=sweep)
    doc = result.to_dict()
    currency = result.quotes[0].currency
    rows = []
    marginal = [None, *doc["marginal_cost_per_point"]]
    for point, cost in zip(doc["points"], marginal, strict=True):
        q = point["quote"]
        rows.append({"target": point["target"], "peak agents": max(q["staffing"]["agents_per_interval"]),
                     "agent FTE": q["staffing"]["fte"], "price": q["price"]["total"], "P(miss)": q["risk"]["p_miss"],
                     f"marginal cost [{result.marginal_unit}]": cost})
    if out is not None:
        from simulator.quoting.outputs import frontier_files

        write_outputs(out, frontier_files(result, rows, command=command_line()))
        drop_checkpoint(out)
    if json_out:
        emit_json(doc)
        return
    from simulator.report.tables import records_table

    formats = {"P(miss)": "percent", "target": "number" if metric == "asa" else "percent"}
    stdout.print(records_table(rows, currency=currency, formats=formats, title=f"price–service frontier ({option})"))


@app.command()
def sensitivity(
    scenario: ScenarioArg = None,
    set_: SetOpt = None,
    steps: Annotated[str, typer.Option(help="Relative moves, e.g. -0.10,-0.05,0.05,0.10.")] = "-0.10,-0.05,0.05,0.10",
    seed: SeedOpt = None, months: MonthsOpt = None, replications: RepsOpt = None, risk_method: RiskOpt = "surrogate",
    out: Annotated[Path | None, typer.Option(help="Folder for sensitivity.json, .csv, the workbook "
                                                   "sensitivity.xlsx and the tornado figure.")]
    = None,
    executor: ExecutorOpt = None, resume: ResumeOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Price and P(miss) when volume, AHT, patience and shrinkage move by the given steps (re-quoted)."""
    from simulator.quoting.frontier import parse_range
    from simulator.quoting.sensitivity import sensitivity as price_sensitivity

    moves = parse_range(steps, source="--steps")
    if any(m <= -1 for m in moves):
        raise option_error("--steps", "each move must be > -1 (a relative change)", steps)
    options = quote_options(seed, months, replications, risk_method)
    loaded = load(scenario, set_)
    with command_sweep(executor, "quoting moved scenarios", out=out, resume=resume,
                       title=f"sensitivity of {loaded.name}") as sweep:
        result = price_sensitivity(loaded, steps=moves, options=options, sweep=sweep)
    doc = result.to_dict()
    base = doc["baseline"]
    currency = base["price"]["currency"]
    if out is not None:
        from simulator.quoting.outputs import sensitivity_files

        write_outputs(out, sensitivity_files(result, command=command_line()))
        drop_checkpoint(out)
    if json_out:
        emit_json(doc)
        return
    from simulator.report.tables import records_table

    stdout.print(records_table(doc["rows"], currency=currency,
                               formats={"p_miss": "percent", "price_change": "percent", "step": "percent"},
                               title=f"sensitivity (baseline price {base['price']['total']:,.0f} {currency})"))


# -- calibrate ----------------------------------------------------------------------------------------------


@app.command()
def calibrate(
    data: Annotated[Path, typer.Argument(help="The client's data: a CSV or Parquet file.", show_default=False,
                                         metavar="DATA")],
    format_: Annotated[str, typer.Option("--format", help="calls (a call-by-call log) or intervals (an ACD "
                                         "interval report).", show_default=False)],
    columns: Annotated[Path | None, typer.Option(help="TOML file mapping the file's columns and outcome values "
                                                 "to callsim's fields.")] = None,
    column: Annotated[list[str] | None, typer.Option(
        "--column", help="Map one field: --column answer=ConnectTime (repeatable; wins over --columns).",
        metavar="NAME=HEADER", show_default=False)] = None,
    msa: Annotated[Path | None, typer.Option(help="Master agreement the project file names (its interval and "
                                             "threshold are the defaults).")] = None,
    out: Annotated[Path | None, typer.Option(help="Write the project file here, and calibration.json and the "
                                             "figures beside it.")] = None,
    interval: Annotated[int | None, typer.Option(help="Profile interval for a call log: 15, 30 or 60 minutes "
                                                 "(default: the master's, else 30).")] = None,
    threshold: Annotated[float | None, typer.Option(help="SL threshold T of the back-test and of an interval "
                                                    "report's answered-within column (default: the master's, "
                                                    "else 20). [s]")] = None,
    call_type: Annotated[str | None, typer.Option(help="Keep only the rows of this call type.")] = None,
    repeat_window: Annotated[float, typer.Option(help="A customer's next call within this many days is a repeat "
                                                 "or a redial. [days]")] = 7.0,
    name: Annotated[str | None, typer.Option(help="The scenario's name (default: the data file's stem).")] = None,
    empirical: Annotated[bool, typer.Option("--empirical", help="Write handle times, IVR time and patience as "
                                            "empirical distributions (the data's quantiles) instead of the "
                                            "fitted families.")] = False,
    backtest: Annotated[bool, typer.Option("--backtest", help="Simulate the calibrated scenario at the staffing "
                                           "the data shows; per hour, predicted against observed.")] = False,
    replications: Annotated[int, typer.Option(help="Back-test: simulated runs of the observed days.")] = 5,
    seed: Annotated[int, typer.Option(help="Back-test: root seed.")] = 0,
    json_out: JsonOpt = False,
) -> None:
    """Fit a project file to a call-by-call log or an ACD interval report, every value with its evidence."""
    from simulator.calibrate.run import run_calibration

    result = run_calibration(data, format=format_, columns=columns, column_flags=tuple(column or ()), msa=msa,
                             out=out, interval_minutes=interval, threshold_seconds=threshold, call_type=call_type,
                             window_days=repeat_window, name=name, backtest=backtest, replications=replications,
                             seed=seed, empirical=empirical)
    print_warnings(result.warnings)
    document = result.to_dict()
    calibration = result.calibration
    if out is not None:
        from simulator.jsonutil import dumps

        def figure(make: Callable[[], Any]) -> Callable[[Path], None]:
            return lambda path: make().savefig(path, dpi=150, metadata={"Software": None})

        write_outputs(out.parent, {
            out.name: lambda p: p.write_text(result.project_text, encoding="utf-8"),
            "calibration.json": lambda p: p.write_text(dumps(document) + "\n"),
            "profile.png": figure(calibration.profile_figure),
            "handle_time.png": figure(calibration.handle_time_figure),
            "patience.png": figure(calibration.patience_figure),
        })
    if json_out:
        emit_json(document)
        return
    _print_calibration(calibration, document, out)
    if result.backtest is not None:
        _print_backtest(document["backtest"])


def _print_calibration(calibration: Any, document: dict[str, Any], out: Path | None) -> None:
    info = document["calibrate"]["data"]
    table = Table(title=f"{info['file']}: {info['rows']:,} rows, {info['days']} days ({info['first_date']} to "
                  f"{info['last_date']}), calibrated as {calibration.name!r}", title_justify="left")
    for column_name in ("field", "value", "95% CI", "n", "method"):
        table.add_column(column_name, justify="right" if column_name in ("value", "95% CI", "n") else "left",
                         overflow="fold")
    for path, value in document["values"].items():
        ci = "—" if value["ci_low"] is None else \
            f"{_fmt(value['ci_low'])} – {'∞' if value['ci_high'] is None else _fmt(value['ci_high'])}"
        table.add_row(path, _fmt(value["value"]), ci, f"{value['n']:,} {value['n_of']}",
                      value["method"].split(";")[0])
    stdout.print(table)
    demand = document["demand"]
    stdout.print(f"hours {demand['open']}-{demand['close']} in {demand['interval_minutes']}-minute intervals; "
                 f"staffing {document['staffing']['method']}, peak {_fmt(document['staffing']['peak_agents'])}")
    for warning in document["warnings"]:
        stdout.print(f"note: {warning}")
    if out is not None:
        stdout.print(f"wrote {out}, and calibration.json, profile.png, handle_time.png, patience.png beside it")


def _print_backtest(doc: dict[str, Any]) -> None:
    predicted = [s for s in ("simulated", "erlang_a") if f"abandon_rate_{s}" in doc["hours"][0]]
    table = Table(title=f"back-test: {doc['replications']} simulated runs at the observed staffing "
                  f"({doc['staffing'].split(':')[0]}); SL within {doc['threshold_seconds']:g} s (abandons_fail); "
                  "(Δ) = predicted − observed", title_justify="left")
    table.add_column("hour")
    table.add_column("calls", justify="right")
    for metric in ("abandon", "SL", "ASA"):
        for source in ("observed", *predicted):
            table.add_column(f"{metric} {'Erlang A' if source == 'erlang_a' else source[:3]}", justify="right")
    for row in doc["hours"]:
        cells = [row["hour"], f"{row['offered']:,.0f}"]
        for key in ("abandon_rate", "service_level", "asa_seconds"):
            show = _num if key == "asa_seconds" else _pct
            cells.append(show(row[f"{key}_observed"]))
            for source in predicted:
                error = row[f"{key}_error_{source}"]
                delta = "" if error is None else (f" ({error:+.1f})" if key == "asa_seconds" else
                                                  f" ({100 * error:+.1f})")
                cells.append(show(row[f"{key}_{source}"]) + delta)
        table.add_row(*cells)
    stdout.print(table)
    mae = doc["mean_absolute_error"]
    stdout.print("mean absolute error over the hours: " + "; ".join(
        f"{'Erlang A' if source == 'erlang_a' else source}: abandon {100 * (v['abandon_rate'] or 0):.1f} pts, "
        f"SL {100 * (v['service_level'] or 0):.1f} pts, ASA {v['asa_seconds'] or 0:.1f} s"
        for source, v in mae.items()))


# -- the error boundary -------------------------------------------------------------------------------------


def _option_value(args: Sequence[str], names: Sequence[str]) -> str | None:
    """What the user typed for an option, for the '(got …)' part of a parsing error."""
    for i, arg in enumerate(args):
        for name in names:
            if arg == name and i + 1 < len(args):
                return args[i + 1]
            if arg.startswith(name + "="):
                return arg[len(name) + 1:]
    return None


def _param_name(param: Any) -> tuple[str, list[str]]:
    """How the user spells a parameter: ``--aht`` for an option, ``SCENARIO`` for an argument."""
    opts = list(getattr(param, "opts", None) or [])
    if getattr(param, "param_type_name", "") == "argument" or not opts:
        return (param.name or "").upper(), []
    return opts[0], opts


def _click_error_line(error: Exception, args: Sequence[str]) -> str:
    """One line for a parsing error, in the same shape as every other error."""
    param = getattr(error, "param", None)
    if isinstance(error, click_errors.MissingParameter) and param is not None:
        return f"{_param_name(param)[0]}: is required"
    if isinstance(error, click_errors.BadParameter) and param is not None:
        name, opts = _param_name(param)
        message = " ".join(str(error.message).split()).rstrip(".")
        message = message[0].lower() + message[1:] if message else "is not valid"
        got = _option_value(args, opts) if opts else None
        return f"{name}: {message}" + (f" (got {format_value(got)})" if got is not None else "")
    if isinstance(error, click_errors.NoSuchOption):
        hint = f"; did you mean {', '.join(error.possibilities)}?" if error.possibilities else ""
        return f"{error.option_name}: no such option{hint}"
    if isinstance(error, click_errors.ClickException):
        return " ".join(error.format_message().split())
    return " ".join(str(error).split())


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI on ``argv``; return the exit code instead of exiting (the tests call this)."""
    command = typer.main.get_command(app)
    args = list(sys.argv[1:] if argv is None else argv)
    _ARGS.set(tuple(args))
    try:
        returned = command.main(args=args, prog_name="callsim", standalone_mode=False)
        # Outside standalone mode, click hands back the code of a typer.Exit instead of raising it.
        if isinstance(returned, int) and not isinstance(returned, bool):
            return returned
    except SweepInterrupted as error:
        _fail(str(error))
        return 130
    except TaskFailedError as error:
        _fail(str(error))
        return 1
    except SimulatorError as error:
        _fail(str(error))
        return 2
    except typer.Exit as done:
        return int(done.exit_code or 0)
    except typer.Abort:
        sys.stderr.write("error: interrupted\n")
        return 130
    except click_errors.NoArgsIsHelpError as shown:
        stdout.print(shown.format_message())
        return 0
    except click_errors.ClickException as error:
        _fail(_click_error_line(error, args))
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    return 0


def _fail(line: str) -> None:
    # Plain write, not rich: the line must not be wrapped or styled.
    sys.stderr.write(f"error: {line}\n")


def main() -> NoReturn:
    sys.exit(run())


"""The README stays true: its quick start is what CI runs, every command it shows exists with the options it
uses and runs, its scenario examples load and price, and its tables and links are complete."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from simulator.scenario import load_scenario
from tests.helpers import REPO
from tools import docs

README = (REPO / "README.md").read_text()


def section(title: str) -> str:
    """The text of the README section headed ``## {title}…``, up to the next ``## `` heading."""
    return README.split(f"\n## {title}", 1)[1].split("\n## ", 1)[0]


def quick_start_commands() -> list[str]:
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", section("Quick start"), flags=re.S)]


def shown_commands() -> list[list[str]]:
    """Every ``$ callsim …`` line of the README, as arguments after ``callsim``."""
    return [shlex.split(line) for line in re.findall(r"^\$ callsim (.*)$", README, flags=re.M)]


def example_commands() -> list[str]:
    """The commands of the list under ``### Examples`` (its first console block)."""
    examples = section("What it does").split("### Examples", 1)[1]
    block = re.search(r"```console\n(.*?)```", examples, flags=re.S)
    assert block
    return re.findall(r"^\$ callsim (.*)$", block.group(1), flags=re.M)


# The examples list, split by cost: the fast suite runs the cheap ones (a few seconds each at most), the slow
# suite the rest (quotes, tiers and frontiers of a whole month, a month simulated 20 times).
CHEAP = ("erlang ", "staff ", "validate ", "check ", "simulate --calls-per-hour")


def test_quick_start_is_two_commands_and_ci_runs_the_second() -> None:
    install_and_run, tests = quick_start_commands()
    assert install_and_run == "pip install . && callsim quote"
    ci = (REPO / ".ci" / "run").read_text()
    assert tests in ci.splitlines()


def test_quick_start_comes_first() -> None:
    headings = re.findall(r"^## (.*)$", README, flags=re.M)
    assert headings[0] == "Quick start"
    assert headings[1].startswith("A worked example")


def test_every_command_shown_exists(cli) -> None:
    listed = cli("--help").out
    shown = {args[0] for args in shown_commands()}
    assert shown >= {"quote", "whatif", "tiers", "frontier", "staff", "simulate", "check", "erlang", "validate"}
    for command in shown:
        assert command in listed, command
    assert "sensitivity" in listed


def test_every_option_shown_is_an_option_of_its_command() -> None:
    helps: dict[str, str] = {}
    for args in shown_commands():
        command = args[0]
        text = helps.setdefault(command, docs.help_text([command]))
        for option in (a.split("=", 1)[0] for a in args[1:] if a.startswith("--")):
            assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text), f"callsim {command}: {option}"


def _run_example(cli, line: str, tmp_path: Path) -> None:
    args = [a.replace("out/", f"{tmp_path}/out/") for a in shlex.split(line)]
    result = cli(*args)
    assert result.code == 0, (line, result.err)
    assert result.out.strip(), line
    out = next((a for a in args if a.startswith(f"{tmp_path}/out/")), None)
    if out is not None:
        assert any(Path(out).iterdir()), line


@pytest.mark.parametrize("line", [c for c in example_commands() if c.startswith(CHEAP)])
def test_cheap_examples_run(cli, line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # the examples name scenario files relative to the repository
    _run_example(cli, line, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("line", [c for c in example_commands() if not c.startswith(CHEAP)])
def test_expensive_examples_run(cli, line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    _run_example(cli, line, tmp_path)


def test_the_error_example_is_what_the_cli_prints(cli) -> None:
    block = README.split("gives one line on stderr and exit code 2:", 1)[1]
    command, expected = re.findall(r"```console\n\$ callsim (.*?)\n(.*?)\n```", block, flags=re.S)[0]
    result = cli(*command.split())
    assert result.code == 2
    assert result.err.strip() == expected.strip()


def test_minimal_master_and_project_load_and_price(cli, tmp_path: Path) -> None:
    master_text, project_text = re.findall(r"```toml\n(.*?)```", section("Writing scenario files"), flags=re.S)
    paths = []
    for text in (master_text, project_text):
        # Each example's first line names where it lives: "# scenarios/msa/helpdesk.toml: …".
        relative = re.match(r"# (scenarios/\S+\.toml):", text)
        assert relative, text.splitlines()[0]
        path = tmp_path / relative.group(1)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        paths.append(path)
    master, project = paths
    scenario = load_scenario(project)
    assert scenario.agreement.currency == "EUR"
    assert scenario.provenance["definitions.sl_definition"].startswith(f"{master}: ")
    assert scenario.provenance["sla.service_level"].startswith("tier standard")
    assert scenario.renegotiation == () and scenario.warnings == ()
    result = cli("quote", project, "--months", "5", "--replications", "1", "--json")
    assert result.code == 0, result.err
    assert result.json["price"]["total"] > 0 and result.json["price"]["currency"] == "EUR"


def test_nomenclature_names_every_symbol_with_a_unit() -> None:
    rows = [[cell.strip() for cell in line.strip("|").split("|")]
            for line in section("Nomenclature").splitlines() if line.startswith("| ") and "---" not in line]
    table = {row[0]: row for row in rows[1:]}
    assert rows[0][:3] == ["symbol", "name", "unit"]
    assert set(table) >= {"λ", "μ", "θ", "N", "A", "ASA", "SL", "occupancy", "shrinkage", "FTE", "AHT"}
    for symbol, row in table.items():
        assert row[2] and row[3], symbol


def test_definitions_table_lists_the_five_rules() -> None:
    rules = set(re.findall(r"^\| `(\w+)`", section("The definitions profile"), flags=re.M))
    assert rules == {"abandons_fail", "short_excluded", "abandons_within_threshold_excluded",
                     "abandons_within_threshold_success", "answered_only"}


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_links_resolve() -> None:
    anchors = {_slug(h) for h in re.findall(r"^#+ (.*)$", README, flags=re.M)}
    targets = re.findall(r"\]\(([^)\s]+)\)", README)
    assert "docs/cli.md" in targets and "docs/scenario-format.md" in targets
    for target in targets:
        if target.startswith("#"):
            assert target[1:] in anchors, target
        elif not re.match(r"https?://", target):
            assert (REPO / target).exists(), target


def test_references_cite_the_models() -> None:
    cite = section("The models and their assumptions").split("### How to cite", 1)[1]
    for author in ("Erlang", "Palm", "Garnett", "Mandelbaum", "Reiman", "Zeltyn"):
        assert author in cite, author

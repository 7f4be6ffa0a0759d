"""The README stays true: its quick start is what CI runs, and every command it shows exists."""

from __future__ import annotations

import re

from tests.helpers import REPO

README = (REPO / "README.md").read_text()


def quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", section, flags=re.S)]


def test_quick_start_is_two_commands_and_ci_runs_the_second():
    install_and_run, tests = quick_start_commands()
    assert install_and_run == "pip install . && callsim quote"
    ci = (REPO / ".ci" / "run").read_text()
    assert tests in ci.splitlines()


def test_every_command_shown_exists(cli):
    listed = cli("--help").out
    shown = set(re.findall(r"^\$ callsim ([a-z]+)", README, flags=re.M))
    assert shown >= {"quote", "whatif", "tiers", "frontier", "staff", "simulate", "check", "erlang", "validate"}
    for command in shown:
        assert command in listed, command
    assert "sensitivity" in listed


def test_the_error_example_is_what_the_cli_prints(cli):
    block = README.split("gives one line on stderr and exit code 2:", 1)[1]
    command, expected = re.findall(r"```console\n\$ callsim (.*?)\n(.*?)\n```", block, flags=re.S)[0]
    result = cli(*command.split())
    assert result.code == 2
    assert result.err.strip() == expected.strip()

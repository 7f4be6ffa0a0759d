"""Shared fixtures: run the CLI in-process and capture what it prints."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from simulator.cli import run
from tests.helpers import Result


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    def invoke(*args: object) -> Result:
        code = run([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke

"""Fixtures: a scratch folder holding a copy of the shipped master agreement, and a project writer."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import REPO

MINIMAL_PROJECT = """\
msa = "msa/acme.toml"
name = "minimal"

[demand]
calls_per_day = 2400
open = "08:00"
close = "10:00"
profile = [1, 2, 2, 1]
"""


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "msa").mkdir()
    shutil.copy(REPO / "scenarios" / "msa" / "acme.toml", tmp_path / "msa" / "acme.toml")
    return tmp_path


@pytest.fixture
def write(workdir: Path) -> Callable[..., Path]:
    """write(text, name="project.toml") → the path of a file written under the scratch folder."""

    def _write(text: str, name: str = "project.toml") -> Path:
        path = workdir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def master(workdir: Path) -> Path:
    return workdir / "msa" / "acme.toml"

"""Write files so that a reader never sees half of one: a temporary file beside the target, then a rename."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from simulator.errors import ScenarioError

__all__ = ["atomic_paths", "atomic_write"]


def _temp_path(target: Path) -> Path:
    """A fresh, hidden, empty file in the target's folder (same file system, so the rename is atomic)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(100):
        temp = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
        try:
            # Mode 0o666 through the umask, as a plain open() would give the final file (mkstemp's 0o600 would
            # leave the negotiator's workbook unreadable to the group).
            os.close(os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
        except FileExistsError:
            continue
        return temp
    raise FileExistsError(f"no free temporary name beside {target}")


@contextlib.contextmanager
def atomic_paths(targets: list[Path]) -> Iterator[list[Path]]:
    """Temporary paths for several targets; all are renamed into place only if the block finishes.

    If the block raises, every temporary file is removed and no target is touched, so a set of files (a figure's
    PNG and SVG) is either all new or all as before. An ``OSError`` becomes a :class:`ScenarioError` naming the
    file, which the CLI prints on one line.
    """
    temps: list[Path] = []
    try:
        for target in targets:
            temps.append(_temp_path(target))
        yield temps
        for temp in temps:
            with open(temp, "rb") as handle:  # the data must be on disk before the name points at it
                os.fsync(handle.fileno())
        for temp, target in zip(temps, targets, strict=True):
            os.replace(temp, target)
    except OSError as error:
        raise ScenarioError(f"cannot write: {error.strerror or error}",
                            source=str(getattr(error, "filename", None) or targets[0])) from error
    finally:
        for temp in temps:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()


def atomic_write(target: Path, write: Callable[[IO[bytes]], object]) -> Path:
    """Write one file through ``write(binary_handle)``, atomically; returns the target path."""
    with atomic_paths([target]) as (temp,), open(temp, "wb") as handle:
        write(handle)
    return target

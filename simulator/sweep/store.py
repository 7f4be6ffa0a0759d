"""Finished tasks of a sweep, written to disk batch by batch so an interrupted sweep can resume.

Layout of a checkpoint folder::

    sweep.json            what the folder holds (format, callsim version, the sweep's title and task count)
    batch-000001.pkl      {task digest: result} for the tasks finished in one batch
    batch-000002.pkl      ...

Each batch is written to a temporary file and renamed into place, so a batch file is either complete or absent;
an interrupted write leaves nothing half-done. A task is found again by its digest (a hash of everything that
determines its result: the scenario's resolved values and their sources, the seed, the run sizes), so a rerun
with a changed scenario or seed never reuses a stale result. Results are pickled: open only checkpoint folders
you wrote yourself.
"""

from __future__ import annotations

import json
import os
import pickle
import tempfile
import time
from pathlib import Path
from typing import Any

from simulator import __version__
from simulator.errors import ScenarioError

FORMAT = 1
MANIFEST = "sweep.json"


class SweepStore:
    """A checkpoint folder. ``resume=False`` refuses a folder that already holds finished tasks.

    Parameters
    ----------
    directory : Path
        The folder (created if missing).
    title : str
        What the sweep is, for people looking at the folder ("frontier of retail_support").
    resume : bool
        Reuse the tasks a previous run finished here.
    batch_size : int
        Tasks per batch file; a batch is also written when ``flush_seconds`` have passed since the last.
    source : str
        Where the folder was named (the CLI option), for error messages.
    """

    def __init__(self, directory: Path, *, title: str = "", resume: bool = False, batch_size: int = 16,
                 flush_seconds: float = 30.0, source: str = "--out") -> None:
        self.directory = Path(directory)
        self.batch_size = batch_size
        self.flush_seconds = flush_seconds
        self.source = source
        self._pending: dict[str, Any] = {}
        self._last_flush = time.monotonic()
        self.finished: dict[str, Any] = {}
        batches = sorted(self.directory.glob("batch-*.pkl")) if self.directory.is_dir() else []
        if batches and not resume:
            raise ScenarioError("holds finished tasks of an earlier sweep; add --resume to continue it, or remove "
                                "the folder", source=source, value=str(self.directory))
        for path in batches:
            self.finished.update(self._read(path))
        self._next = len(batches) + 1
        self._title = title

    @staticmethod
    def _read(path: Path) -> dict[str, Any]:
        with path.open("rb") as handle:
            batch = pickle.load(handle)
        if not isinstance(batch, dict):
            raise ScenarioError("is not a callsim checkpoint batch", source=str(path), value=type(batch).__name__)
        return batch

    def start(self, total: int) -> None:
        """Create the folder and its manifest (before the first task finishes)."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            manifest = {"format": FORMAT, "callsim": __version__, "title": self._title, "tasks": total}
            self._atomic_write(self.directory / MANIFEST, json.dumps(manifest, indent=2).encode() + b"\n")
        except OSError as error:
            raise ScenarioError(f"cannot write the checkpoint folder: {error.strerror}", source=self.source,
                                value=str(self.directory)) from None

    def add(self, digest: str, result: Any) -> None:
        """Keep one finished task; a full or old enough batch goes to disk."""
        self._pending[digest] = result
        self.finished[digest] = result
        if len(self._pending) >= self.batch_size or time.monotonic() - self._last_flush >= self.flush_seconds:
            self.flush()

    def flush(self) -> None:
        """Write the tasks finished since the last batch (a no-op when there are none)."""
        self._last_flush = time.monotonic()
        if not self._pending:
            return
        path = self.directory / f"batch-{self._next:06d}.pkl"
        self._atomic_write(path, pickle.dumps(self._pending, protocol=pickle.HIGHEST_PROTOCOL))
        self._next += 1
        self._pending = {}

    def batch_count(self) -> int:
        return len(list(self.directory.glob("batch-*.pkl")))

    def _atomic_write(self, path: Path, data: bytes) -> None:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

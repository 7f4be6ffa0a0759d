"""The malloc setting that lets one simulated month reuse the memory the one before freed."""

from __future__ import annotations

import ctypes
import sys

import pytest

from simulator.sim.memory import keep_freed_memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_applied_once_on_glibc():
    if not hasattr(ctypes.CDLL(None), "mallopt"):
        pytest.skip("not glibc")
    assert keep_freed_memory() is True
    assert keep_freed_memory() is True  # idempotent

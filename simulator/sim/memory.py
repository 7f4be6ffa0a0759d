"""Keep the memory a simulation frees for the next one.

A simulated month allocates its draws and call log as a few dozen arrays of a megabyte or more, frees them,
and the next month allocates the same again. glibc's malloc serves such arrays with fresh ``mmap`` pages and
gives freed heap back to the system, so every month pays again for page faults on memory it just had: on a
short month this is most of the run (the M/M/N+M benchmark runs 1.7 times faster with it). Raising the two
thresholds serves arrays up to 32 MiB from the heap and keeps up to 256 MiB of freed heap for the next
allocation. The peak stays that of one month (the memory is reused, not added). Elsewhere than glibc this does
nothing.
"""

from __future__ import annotations

import ctypes
import functools
import sys

__all__ = ["keep_freed_memory"]

_M_TRIM_THRESHOLD = -1  # mallopt parameters (malloc.h)
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20  # glibc's largest on 64-bit systems [bytes]
TRIM_THRESHOLD = 256 << 20  # [bytes]

@functools.cache  # one setting per process, as malloc's own
def keep_freed_memory() -> bool:
    """Set glibc's malloc thresholds (once per process); whether they are in force."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter runs on
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))

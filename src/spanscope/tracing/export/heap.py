"""Giving memory back once a burst is over.

A burst grows the process: the queued traces, the store's page cache filled by the writes
(SPANSCOPE_SQLITE_CACHE_MIB per connection) and the C allocator's arenas of the export
threads. Python frees its own objects after the export, but the page cache stays full and the
allocator keeps the pages it freed. So once the queue has run empty after being over its memory
budget, the export thread asks each exporter to drop its caches (`release_memory()`, optional:
the store exporter's SQLite connections empty their page cache) and glibc's allocator to return
its free pages to the system (`malloc_trim`; on other C libraries that step is skipped).
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable

from spanscope.safety import report_background_error
from spanscope.tracing.state import STATE

__all__ = ["release_after_burst", "trim_heap"]


def release_after_burst() -> None:
    """Ask every exporter to drop its caches, then the allocator to return its free pages.
    Runs on the export thread; an exporter's failure is reported and the rest still runs."""
    for exporter in list(STATE.exporters):
        release = getattr(exporter, "release_memory", None)
        if release is None:
            continue
        try:
            release()
        except Exception as exc:
            report_background_error(f"releasing the memory of {type(exporter).__name__}", exc)
    trim_heap()
    with STATE.lock:
        STATE.memory_releases += 1


def trim_heap() -> bool:
    """Return the C allocator's free pages to the system; False where it cannot (not glibc)."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):  # not glibc: musl, macOS, Windows
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim

"""Notebook display state: the cell-display switch and the cached server health checks."""

from __future__ import annotations

import threading

from spanscope.tracing.state import on_reset

__all__ = ["DISPLAY", "DisplayState", "reset"]


class DisplayState:
    """One instance, `DISPLAY`; `reset()` (also run by `spanscope.tracing.reset()`) restores it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.enabled = True
        # Server health checks by base URL: (monotonic time of the check, reachable).
        self.server_checks: dict[str, tuple[float, bool]] = {}


DISPLAY = DisplayState()


def reset() -> None:
    """Turn cell display back on and forget server health checks."""
    with DISPLAY.lock:
        DISPLAY.enabled = True
        DISPLAY.server_checks = {}


on_reset(reset)

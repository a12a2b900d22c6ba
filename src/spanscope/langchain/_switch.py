"""The on/off switch of LangChain tracing.

LangChain has no way to unregister a configure hook, so spanscope's handler, once registered,
stays attached to every run and asks this switch whether to record. `autolog()` turns it on
with `safe_patch`, so `spanscope.patching.revert` (autolog(disable=True), tracing.reset())
turns it off, and while tracing is disabled the patched switch answers with the original.
"""

from __future__ import annotations

__all__ = ["is_active"]


def is_active() -> bool:
    """Whether the handler records runs: False until `autolog()` patches this function."""
    return False

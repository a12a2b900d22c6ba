"""Jupyter: after a cell runs, show the traces it made; the switch to turn that off.

The hook is registered at `import spanscope` inside a Jupyter kernel (and by
`enable_notebook_display()` in any IPython shell). It never imports IPython itself.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from spanscope.display.render import trace_mimebundle
from spanscope.display.state import DISPLAY
from spanscope.entities.trace import Trace
from spanscope.safety import log_internal_error
from spanscope.tracing.export.queue import flush
from spanscope.tracing.state import STATE

__all__ = [
    "CellTraceDisplay",
    "disable_notebook_display",
    "display_traces",
    "enable_notebook_display",
    "register_in_jupyter",
]

_FLUSH_TIMEOUT_S = 5.0


class CellTraceDisplay:
    """IPython event callbacks: remember the traces before a cell, show the new ones after."""

    def __init__(self) -> None:
        self._before: set[str] = set()
        self._last_before: str | None = None

    def pre_run_cell(self, info: Any = None) -> None:
        try:
            self._last_before = STATE.last_trace_id
            recent = STATE.recent
            self._before = {t.trace_id for t in recent.get_traces()} if recent else set()
        except Exception as exc:
            log_internal_error("notebook display", exc)

    def post_run_cell(self, result: Any = None) -> None:
        try:
            self._show_new_traces(getattr(result, "result", None))
        except Exception as exc:
            log_internal_error("notebook display", exc)

    def _show_new_traces(self, cell_value: Any) -> None:
        # No trace ended in this cell: return without waiting on the export queue.
        if not DISPLAY.enabled or STATE.last_trace_id == self._last_before:
            return
        flush(_FLUSH_TIMEOUT_S)  # so a server has the traces before its iframe asks
        recent = STATE.recent
        if recent is None:
            return
        # A trace that is the cell's own value is already displayed by IPython.
        value = cell_value if isinstance(cell_value, (Trace, list, tuple)) else None
        skip = self._before | {t.trace_id for t in _as_traces(value)}
        new = [t for t in recent.get_traces() if t.trace_id not in skip]
        if new:
            _publish(new)  # at most MAX_TRACES are rendered, with a note about the rest


def enable_notebook_display() -> None:
    """Show the traces a notebook cell makes below the cell (the default in Jupyter)."""
    DISPLAY.enabled = True
    shell = _current_shell()
    if shell is not None:
        _register(shell)


def disable_notebook_display() -> None:
    """Stop showing traces after each notebook cell; `display_traces` still works."""
    DISPLAY.enabled = False


def display_traces(traces: Trace | Iterable[Trace]) -> None:
    """Show traces: inline in a notebook (UI iframe or HTML tree), as text trees elsewhere."""
    items = _as_traces(traces)
    if _current_shell() is not None:
        _publish(items)
    else:
        print("\n\n".join(t.to_text() for t in items))


def register_in_jupyter() -> None:
    """Register the cell hook if this process is a Jupyter kernel (called at import)."""
    shell = _current_shell()
    if shell is not None and getattr(shell, "kernel", None) is not None:
        _register(shell)


def _register(shell: Any) -> None:
    callbacks = shell.events.callbacks.get("post_run_cell", [])
    if any(isinstance(getattr(cb, "__self__", None), CellTraceDisplay) for cb in callbacks):
        return
    hook = CellTraceDisplay()
    shell.events.register("pre_run_cell", hook.pre_run_cell)
    shell.events.register("post_run_cell", hook.post_run_cell)


def _current_shell() -> Any:
    # Only a program that already runs IPython has it imported: never import it here.
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    return get_ipython() if get_ipython is not None else None


def _publish(traces: list[Trace]) -> None:
    from IPython.display import display  # present: a shell is running

    display(trace_mimebundle(traces), raw=True)  # type: ignore[no-untyped-call]


def _as_traces(value: Any) -> list[Trace]:
    if isinstance(value, Trace):
        return [value]
    if value is None or isinstance(value, (str, bytes, dict)) or not isinstance(value, Iterable):
        return []
    return [item for item in value if isinstance(item, Trace)]


register_in_jupyter()

"""All mutable state of the tracing runtime, in one object with a public reset.

Nothing else in spanscope keeps module-level mutable state; tests call
`spanscope.tracing.reset()` instead of poking private globals.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spanscope.constants import DEFAULT_EXPERIMENT_ID
from spanscope.tracing.config import TracingConfig

if TYPE_CHECKING:
    from spanscope.entities.live_span import LiveSpan
    from spanscope.store.base import TraceStore
    from spanscope.tracing.export.base import TraceExporter
    from spanscope.tracing.export.memory import InMemoryTraceExporter
    from spanscope.tracing.export.queue import ExportQueue
    from spanscope.tracing.trace_state import TraceState

__all__ = ["STATE", "TracingStats", "TracingState"]

SpanProcessor = Callable[["LiveSpan"], Any]


@dataclass(frozen=True, slots=True)
class TracingStats:
    """Counters of the export pipeline; `dropped` ones always come with a logged warning."""

    traces_exported: int
    traces_dropped_queue_full: int
    traces_dropped_export_error: int
    traces_sampled_out: int
    spans_dropped_late: int
    internal_errors: int
    queue_size: int


class TracingState:
    """The process-wide tracing runtime; one instance, `STATE`."""

    def __init__(self) -> None:
        # Reentrant: a garbage-collected stream may end a span while this thread holds the lock.
        self.lock = threading.RLock()
        self.warned: set[str] = set()
        self.enabled = True
        self.config = TracingConfig()
        self.in_flight: dict[str, TraceState] = {}
        self.last_trace_id: str | None = None
        self.span_processors: list[SpanProcessor] = []
        self.exporters: list[TraceExporter] = []
        self.recent: InMemoryTraceExporter | None = None
        self.queue: ExportQueue | None = None
        self.exit_hooks_installed = False
        self.tracking_uri: str | None = None
        self.stores: dict[str, TraceStore] = {}
        # Monkey-patches by integration name (spanscope.patching), and autolog settings.
        self.patches: dict[str, list[Any]] = {}
        self.silent_integrations: set[str] = set()
        self.autolog_pending: dict[str, tuple[str, bool, bool]] = {}
        self.experiment_id = DEFAULT_EXPERIMENT_ID
        # SPANSCOPE_EXPERIMENT_NAME, looked up (or created) when the first trace starts.
        self.experiment_name_pending: str | None = None
        # Notebook display (spanscope.display): the switch, and server health checks by URL
        # as (monotonic time of the check, reachable).
        self.notebook_display = True
        self.server_checks: dict[str, tuple[float, bool]] = {}
        self.traces_exported = 0
        self.traces_dropped_queue_full = 0
        self.traces_dropped_export_error = 0
        self.traces_sampled_out = 0
        self.spans_dropped_late = 0
        self.internal_errors = 0

    def stats(self) -> TracingStats:
        queue = self.queue
        return TracingStats(
            traces_exported=self.traces_exported,
            traces_dropped_queue_full=self.traces_dropped_queue_full,
            traces_dropped_export_error=self.traces_dropped_export_error,
            traces_sampled_out=self.traces_sampled_out,
            spans_dropped_late=self.spans_dropped_late,
            internal_errors=self.internal_errors,
            queue_size=queue.size() if queue is not None else 0,
        )


STATE = TracingState()

"""All mutable state of the tracing runtime, in one object with a public reset.

Other owners keep their own state beside it, each with a public reset: the store cache and
tracking URI (`spanscope.store.uri`), error reporting (`spanscope.safety`), monkey-patches
(`spanscope.patching`), pending autologs (`spanscope.autologging`) and notebook display
(`spanscope.display`). `spanscope.tracing.reset()` resets them all: the layers above the
runtime register their resets here with `on_reset`, so the runtime never imports them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spanscope.constants import DEFAULT_EXPERIMENT_ID
from spanscope.safety import ERRORS
from spanscope.tracing.config import TracingConfig

if TYPE_CHECKING:
    from spanscope.tracing.export.base import TraceExporter
    from spanscope.tracing.export.delivery import Delivery
    from spanscope.tracing.export.memory import InMemoryTraceExporter
    from spanscope.tracing.export.queue import ExportQueue
    from spanscope.tracing.live_span import LiveSpan
    from spanscope.tracing.trace_buffer import TraceBuffer

__all__ = ["STATE", "TracingStats", "TracingState", "on_reset"]

SpanProcessor = Callable[["LiveSpan"], Any]


@dataclass(frozen=True, slots=True)
class TracingStats:
    """Counters of the export pipeline; `dropped` ones always come with a logged warning."""

    traces_exported: int
    traces_dropped_queue_full: int
    traces_dropped_export_error: int
    traces_spooled: int
    traces_overflowed: int
    traces_replayed: int
    traces_evicted: int
    traces_dropped_spool_error: int
    traces_sampled_out: int
    spans_dropped_late: int
    live_parts_sent: int
    live_parts_failed: int
    memory_releases: int
    internal_errors: int
    queue_size: int


class TracingState:
    """The process-wide tracing runtime; one instance, `STATE`."""

    def __init__(self) -> None:
        # Reentrant: a garbage-collected stream may end a span while this thread holds the lock.
        self.lock = threading.RLock()
        self.enabled = True
        self.config = TracingConfig()
        self.in_flight: dict[str, TraceBuffer] = {}
        self.last_trace_id: str | None = None
        self.span_processors: list[SpanProcessor] = []
        self.exporters: list[TraceExporter] = []
        self.recent: InMemoryTraceExporter | None = None
        self.queue: ExportQueue | None = None
        self.exit_hooks_installed = False
        # The SIGTERM handler that was in place before spanscope's: it runs after the flush.
        self.previous_sigterm: Any = None
        self.experiment_id = DEFAULT_EXPERIMENT_ID
        # SPANSCOPE_EXPERIMENT_NAME, looked up (or created) when the first trace starts.
        self.experiment_name_pending: str | None = None
        self.traces_exported = 0
        self.traces_dropped_queue_full = 0
        self.traces_dropped_export_error = 0
        # Spooled delivery (tracing/export/delivery.py), made with the queue.
        self.delivery: Delivery | None = None
        self.traces_spooled = 0
        # Traces the export queue moved to its overflow file on disk during bursts.
        self.traces_overflowed = 0
        self.traces_replayed = 0
        self.traces_evicted = 0
        self.traces_dropped_spool_error = 0
        self.traces_sampled_out = 0
        self.spans_dropped_late = 0
        # Parts of running traces sent to stores (live traces), and those not taken.
        self.live_parts_sent = 0
        self.live_parts_failed = 0
        # Times the export thread gave memory back after a burst (tracing/export/heap.py).
        self.memory_releases = 0
        # Resets of the owners above the runtime, run by `spanscope.tracing.reset()`.
        self.reset_hooks: list[Callable[[], None]] = []

    def stats(self) -> TracingStats:
        queue = self.queue
        return TracingStats(
            traces_exported=self.traces_exported,
            traces_dropped_queue_full=self.traces_dropped_queue_full,
            traces_dropped_export_error=self.traces_dropped_export_error,
            traces_spooled=self.traces_spooled,
            traces_overflowed=self.traces_overflowed,
            traces_replayed=self.traces_replayed,
            traces_evicted=self.traces_evicted,
            traces_dropped_spool_error=self.traces_dropped_spool_error,
            traces_sampled_out=self.traces_sampled_out,
            spans_dropped_late=self.spans_dropped_late,
            live_parts_sent=self.live_parts_sent,
            live_parts_failed=self.live_parts_failed,
            memory_releases=self.memory_releases,
            internal_errors=ERRORS.internal_errors,
            queue_size=queue.size() if queue is not None else 0,
        )


STATE = TracingState()


def on_reset(hook: Callable[[], None]) -> None:
    """Run `hook` on every `spanscope.tracing.reset()` (registered once per owner)."""
    if hook not in STATE.reset_hooks:
        STATE.reset_hooks.append(hook)

"""An exporter that keeps traces in memory (tests, notebooks, the most recent traces)."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence

from spanscope.entities.trace import Trace
from spanscope.tracing.export.base import TraceExporter

__all__ = ["InMemoryTraceExporter"]


class InMemoryTraceExporter(TraceExporter):
    """Keeps exported traces in order; with `max_traces`, only the newest ones."""

    def __init__(self, max_traces: int | None = None) -> None:
        self._traces: deque[Trace] = deque(maxlen=max_traces)
        self._lock = threading.Lock()

    def export(self, traces: Sequence[Trace]) -> None:
        with self._lock:
            self._traces.extend(traces)

    def get_traces(self) -> list[Trace]:
        with self._lock:
            return list(self._traces)

    def get_trace(self, trace_id: str) -> Trace | None:
        with self._lock:
            for trace in reversed(self._traces):
                if trace.trace_id == trace_id:
                    return trace
        return None

    def clear(self) -> None:
        with self._lock:
            self._traces.clear()

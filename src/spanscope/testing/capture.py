"""Capturing traces in memory, for tests."""

from __future__ import annotations

from types import TracebackType

from spanscope.entities.trace import Trace
from spanscope.tracing.export.memory import InMemoryTraceExporter
from spanscope.tracing.export.queue import flush
from spanscope.tracing.runtime import add_exporter, remove_exporter

__all__ = ["TraceCapture", "capture_traces"]


class TraceCapture:
    """Collects every trace exported while it is active (a context manager)."""

    def __init__(self) -> None:
        self._exporter = InMemoryTraceExporter()

    @property
    def traces(self) -> list[Trace]:
        """The traces captured so far, oldest first (flushes the export queue first)."""
        flush()
        return self._exporter.get_traces()

    def single(self) -> Trace:
        """The one trace captured; AssertionError if there is not exactly one."""
        traces = self.traces
        assert len(traces) == 1, f"expected exactly one trace, captured {len(traces)}"
        return traces[0]

    def clear(self) -> None:
        flush()
        self._exporter.clear()

    def __enter__(self) -> TraceCapture:
        flush()  # traces that ended before the block belong to whoever was exporting then
        add_exporter(self._exporter)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        flush()
        remove_exporter(self._exporter)


def capture_traces() -> TraceCapture:
    """`with capture_traces() as captured: ...; captured.traces`."""
    return TraceCapture()

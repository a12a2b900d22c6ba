"""The exporter interface: where finished traces go."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from spanscope.entities.trace import Trace

__all__ = ["TraceExporter"]


class TraceExporter(Protocol):
    """Receives finished traces in batches, on the export worker thread.

    Any object with these methods is an exporter (the OTLP exporter of `spanscope.otel`, which
    sits below the runtime, is one without subclassing); subclass it to inherit `shutdown`.
    `export` may raise: the error is counted and logged, and never reaches user code.
    """

    def export(self, traces: Sequence[Trace]) -> None:
        raise NotImplementedError

    def shutdown(self) -> None:
        """Release resources; called by `spanscope.tracing.reset()`."""
        return None

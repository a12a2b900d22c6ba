"""TracingClient: explicit start / end of traces and spans, for callback-style code.

Spans started here are not made current; ids tie them together, so a span may start on one
thread and end on another. `spanscope.tracing.use_span(span)` makes one current for a block.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from spanscope.entities.span_status import SpanStatus, SpanStatusCode
from spanscope.entities.span_type import SpanType
from spanscope.entities.trace import Trace
from spanscope.exceptions import NotFoundError
from spanscope.tracing import store_fluent
from spanscope.tracing.live_span import NOOP_SPAN, LiveSpan, NoOpSpan
from spanscope.tracing.processor import encode_attributes, new_span_id, start_span
from spanscope.tracing.state import STATE
from spanscope.tracing.trace_buffer import TraceBuffer

__all__ = ["TracingClient"]

_Status = SpanStatus | SpanStatusCode | str


class TracingClient:
    """Start and end traces and spans by id, without context managers."""

    def start_trace(
        self,
        name: str,
        span_type: str = SpanType.UNKNOWN,
        inputs: Any = None,
        attributes: Mapping[str, Any] | None = None,
        tags: Mapping[str, str] | None = None,
        metadata: Mapping[str, str] | None = None,
        start_time_ns: int | None = None,
    ) -> LiveSpan | NoOpSpan:
        """Start a new trace; returns its root span (a NoOpSpan if off or sampled out)."""
        if not STATE.enabled:
            return NOOP_SPAN
        span = start_span(name, encode_attributes(span_type, attributes), None, start_time_ns)
        if isinstance(span, LiveSpan):
            buffer = span._buffer
            buffer.update(
                tags={str(k): str(v) for k, v in (tags or {}).items()},
                metadata={str(k): str(v) for k, v in (metadata or {}).items()},
            )
            buffer.add_live(span)
            if inputs is not None:
                span.set_inputs(inputs)
        return span

    def start_span(
        self,
        name: str,
        trace_id: str | None,
        parent_id: str | None,
        span_type: str = SpanType.UNKNOWN,
        inputs: Any = None,
        attributes: Mapping[str, Any] | None = None,
        start_time_ns: int | None = None,
    ) -> LiveSpan | NoOpSpan:
        """Start a span in the running trace `trace_id`, under the span `parent_id`."""
        if trace_id is None:  # the trace was sampled out or tracing is off
            return NOOP_SPAN
        buffer = self._buffer(trace_id)
        span = LiveSpan(
            buffer,
            new_span_id(),
            parent_id,
            name,
            start_time_ns if start_time_ns is not None else time.time_ns(),
            encode_attributes(span_type, attributes),
        )
        buffer.add_live(span)
        if inputs is not None:
            span.set_inputs(inputs)
        return span

    def end_span(
        self,
        trace_id: str | None,
        span_id: str | None,
        outputs: Any = None,
        attributes: Mapping[str, Any] | None = None,
        status: _Status | None = None,
        end_time_ns: int | None = None,
    ) -> None:
        """End a span this client started (status OK unless given)."""
        if trace_id is None or span_id is None:
            return
        span = self.get_span(trace_id, span_id)
        span.end(outputs=outputs, attributes=attributes, status=status, end_time_ns=end_time_ns)

    def end_trace(
        self,
        trace_id: str | None,
        outputs: Any = None,
        attributes: Mapping[str, Any] | None = None,
        status: _Status | None = None,
        end_time_ns: int | None = None,
    ) -> None:
        """End the root span of `trace_id`, which hands the trace to export."""
        if trace_id is None:
            return
        root = self._buffer(trace_id).root
        if root is None:
            raise NotFoundError(f"trace {trace_id!r} has no root span")
        root.end(outputs=outputs, attributes=attributes, status=status, end_time_ns=end_time_ns)

    def get_span(self, trace_id: str, span_id: str) -> LiveSpan:
        """A running span this client started."""
        buffer = self._buffer(trace_id)
        span = buffer.get_live(span_id)
        if span is None or span.is_ended:
            raise NotFoundError(
                f"no running span {span_id!r} started by TracingClient in trace {trace_id!r}"
            )
        return span

    def get_trace(self, trace_id: str) -> Trace:
        """A finished trace by id (flushes pending exports first); NotFoundError if unknown."""
        return store_fluent.get_trace(trace_id)

    @staticmethod
    def _buffer(trace_id: str) -> TraceBuffer:
        buffer: TraceBuffer | None = STATE.in_flight.get(trace_id)
        if buffer is None:
            raise NotFoundError(
                f"no running trace {trace_id!r}: it was never started in this process, or its "
                "root span has already ended"
            )
        return buffer

"""Turns a finished trace buffer into a Trace, on the export worker thread."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spanscope.entities.derivation import compute_trace_info
from spanscope.entities.trace import Trace, TraceData
from spanscope.safety import logger
from spanscope.tracing.live_span import LiveSpan
from spanscope.tracing.state import STATE, SpanProcessor

if TYPE_CHECKING:
    from spanscope.tracing.trace_buffer import TraceBuffer

__all__ = ["build_trace"]


def build_trace(buffer: TraceBuffer) -> Trace:
    """Apply user span processors, freeze the spans and compute the TraceInfo."""
    for live in buffer.spans:
        live.finalize()  # before the user's processors, which must see the whole span
    processors = STATE.span_processors
    if processors:
        for live in buffer.spans:
            _process(live, processors)
    spans = [live.freeze() for live in buffer.spans]
    root = buffer.root
    if root is None:
        raise ValueError(f"trace {buffer.trace_id} has no root span")
    info = compute_trace_info(
        buffer.trace_id,
        buffer.experiment_id,
        spans,
        root_id=root.span_id,
        metadata=buffer.metadata,
        tags=buffer.tags,
        request_preview=buffer.request_preview,
        response_preview=buffer.response_preview,
        client_request_id=buffer.client_request_id,
    )
    return Trace(info, TraceData(spans))


def _process(span: LiveSpan, processors: list[SpanProcessor]) -> None:
    span._editable = True
    try:
        for processor in processors:
            try:
                processor(span)
            except Exception as exc:
                # The user's own processor failed: their bug, logged, never raised.
                logger.warning(
                    "spanscope: span processor %r raised on span %r: %s: %s",
                    processor,
                    span.name,
                    type(exc).__name__,
                    exc,
                )
    finally:
        span._editable = False

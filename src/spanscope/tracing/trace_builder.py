"""Turns a finished trace buffer into a Trace, on the export worker thread."""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson

from spanscope.constants import TRACE_SCHEMA_VERSION, TraceMetadataKey
from spanscope.entities.live_span import LiveSpan
from spanscope.entities.span_status import SpanStatusCode
from spanscope.entities.trace import Trace, TraceData
from spanscope.entities.trace_info import TraceInfo, TraceState
from spanscope.tracing.previews import request_preview, response_preview
from spanscope.tracing.safety import logger
from spanscope.tracing.state import STATE, SpanProcessor
from spanscope.tracing.token_usage import aggregate_token_usage

if TYPE_CHECKING:
    from spanscope.tracing.trace_buffer import TraceBuffer

__all__ = ["build_trace"]


def build_trace(buffer: TraceBuffer) -> Trace:
    """Apply user span processors, freeze the spans and compute the TraceInfo."""
    processors = STATE.span_processors
    if processors:
        for live in buffer.spans:
            _process(live, processors)
    spans = [live.freeze() for live in buffer.spans]
    spans.sort(key=lambda span: span.start_time_ns)
    root = buffer.root
    if root is None:
        raise ValueError(f"trace {buffer.trace_id} has no root span")
    frozen_root = next(span for span in spans if span.span_id == root.span_id)
    metadata = {TraceMetadataKey.SCHEMA_VERSION: TRACE_SCHEMA_VERSION}
    if buffer.metadata:
        metadata.update(buffer.metadata)
    usage = aggregate_token_usage(spans)
    if usage is not None:
        metadata[TraceMetadataKey.TOKEN_USAGE] = orjson.dumps(usage).decode()
    end = frozen_root.end_time_ns or frozen_root.start_time_ns
    error = frozen_root.status.status_code is SpanStatusCode.ERROR
    info = TraceInfo(
        trace_id=buffer.trace_id,
        experiment_id=buffer.experiment_id,
        request_time=frozen_root.start_time_ns // 1_000_000,
        execution_duration=(end - frozen_root.start_time_ns) // 1_000_000,
        state=TraceState.ERROR if error else TraceState.OK,
        name=frozen_root.name,
        request_preview=buffer.request_preview or request_preview(frozen_root.inputs),
        response_preview=buffer.response_preview or response_preview(frozen_root.outputs),
        client_request_id=buffer.client_request_id,
        metadata=metadata,
        tags=dict(buffer.tags or {}),
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

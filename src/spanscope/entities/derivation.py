"""A trace's info derived from its spans: state, timing and previews from the root span,
token usage rolled up without double counting.

Used wherever a trace's row is made: the SDK when a trace ends, and every store backend when
spans arrive piecemeal.
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson

from spanscope.constants import TRACE_SCHEMA_VERSION, TraceMetadataKey
from spanscope.entities.previews import request_preview as build_request_preview
from spanscope.entities.previews import response_preview as build_response_preview
from spanscope.entities.span import Span
from spanscope.entities.span_status import SpanStatusCode
from spanscope.entities.token_usage import aggregate_token_usage
from spanscope.entities.trace_info import TraceInfo, TraceState

__all__ = ["compute_trace_info"]


def compute_trace_info(
    trace_id: str,
    experiment_id: str,
    spans: list[Span],
    root_id: str | None = None,
    metadata: Mapping[str, str] | None = None,
    tags: Mapping[str, str] | None = None,
    request_preview: str | None = None,
    response_preview: str | None = None,
    client_request_id: str | None = None,
) -> TraceInfo:
    """The TraceInfo of a trace, derived from its root span (sorts `spans` by start time).

    Without a root (spans of a trace arriving piecemeal), the trace is IN_PROGRESS.
    """
    spans.sort(key=lambda span: span.start_time_ns)
    root = _find_root(spans, root_id)
    merged = {TraceMetadataKey.SCHEMA_VERSION: TRACE_SCHEMA_VERSION}
    if metadata:
        merged.update(metadata)
    usage = aggregate_token_usage(spans)
    if usage is not None:
        merged[TraceMetadataKey.TOKEN_USAGE] = orjson.dumps(usage).decode()
    if root is None:
        start = spans[0].start_time_ns if spans else 0
        return TraceInfo(
            trace_id=trace_id,
            experiment_id=experiment_id,
            request_time=start // 1_000_000,
            state=TraceState.IN_PROGRESS,
            client_request_id=client_request_id,
            metadata=merged,
            tags=dict(tags or {}),
        )
    end = root.end_time_ns
    if end is None:
        state, duration = TraceState.IN_PROGRESS, None
    else:
        error = root.status.status_code is SpanStatusCode.ERROR
        state = TraceState.ERROR if error else TraceState.OK
        duration = (end - root.start_time_ns) // 1_000_000
    return TraceInfo(
        trace_id=trace_id,
        experiment_id=experiment_id,
        request_time=root.start_time_ns // 1_000_000,
        execution_duration=duration,
        state=state,
        name=root.name,
        request_preview=request_preview or build_request_preview(root.inputs),
        response_preview=response_preview or build_response_preview(root.outputs),
        client_request_id=client_request_id,
        metadata=merged,
        tags=dict(tags or {}),
    )


def _find_root(spans: list[Span], root_id: str | None) -> Span | None:
    if root_id is not None:
        return next((span for span in spans if span.span_id == root_id), None)
    # Without a known root only a span with no parent is one: a span whose parent has not
    # arrived yet (or lives in another process) does not make the trace complete.
    return next((span for span in spans if span.parent_id is None), None)

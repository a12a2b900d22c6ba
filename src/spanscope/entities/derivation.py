"""A trace's info derived from its spans: state, timing and previews from its root span(s),
token usage rolled up without double counting.

Used wherever a trace's row is made: the SDK when a trace ends, and every store backend when
spans arrive piecemeal.

Which spans are the roots (`trace_roots`): a span without a parent is the trace's true root,
and wins. Without one, every span whose parent is not among the trace's spans is a local root:
the top span of a downstream service of a distributed trace (its parent lives in another
process), of OpenTelemetry spans whose parent was never sent, or of spans arriving before their
parent. The trace then ends when all its local roots have ended: the earliest one names it and
gives its previews, it lasts from the earliest start to the latest end of them, and it is
ERROR if any of them failed. A true root arriving later takes over.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import orjson

from spanscope.constants import TRACE_SCHEMA_VERSION, TraceMetadataKey
from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.previews import request_preview as build_request_preview
from spanscope.entities.previews import response_preview as build_response_preview
from spanscope.entities.span import Span
from spanscope.entities.span_status import SpanStatusCode
from spanscope.entities.token_usage import aggregate_token_usage
from spanscope.entities.trace_info import TraceInfo, TraceState

__all__ = ["compute_trace_info", "trace_model", "trace_roots"]


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
    """The TraceInfo of a trace, derived from its root span(s) (sorts `spans` by start time).

    `root_id` names the root (the SDK knows it); without it the roots are found from the spans
    (`trace_roots`). Without any (an empty trace, or spans whose parents form a cycle), the
    trace is IN_PROGRESS.
    """
    spans.sort(key=lambda span: span.start_time_ns)
    roots = trace_roots(spans, root_id)
    merged = {TraceMetadataKey.SCHEMA_VERSION: TRACE_SCHEMA_VERSION}
    if metadata:
        merged.update(metadata)
    usage = aggregate_token_usage(spans)
    if usage is not None:
        merged[TraceMetadataKey.TOKEN_USAGE] = orjson.dumps(usage).decode()
    if not roots:
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
    first = roots[0]
    ends = [root.end_time_ns for root in roots]
    if any(end is None for end in ends):
        state, duration = TraceState.IN_PROGRESS, None
    else:
        error = any(root.status.status_code is SpanStatusCode.ERROR for root in roots)
        state = TraceState.ERROR if error else TraceState.OK
        duration = (max(e for e in ends if e is not None) - first.start_time_ns) // 1_000_000
    return TraceInfo(
        trace_id=trace_id,
        experiment_id=experiment_id,
        request_time=first.start_time_ns // 1_000_000,
        execution_duration=duration,
        state=state,
        name=first.name,
        request_preview=request_preview or build_request_preview(first.inputs),
        response_preview=response_preview or build_response_preview(first.outputs),
        client_request_id=client_request_id,
        metadata=merged,
        tags=dict(tags or {}),
    )


def trace_roots(spans: Sequence[Span], root_id: str | None = None) -> list[Span]:
    """The spans a trace's info comes from, the earliest first (by start time, then span id).

    The span `root_id` if given (none if it is missing); else the earliest span without a
    parent, the true root; else the local roots: every span whose parent is not another span
    of `spans`.
    """
    if root_id is not None:
        return [span for span in spans if span.span_id == root_id][:1]
    parentless = [span for span in spans if span.parent_id is None]
    if parentless:
        return [min(parentless, key=_start_order)]
    ids = {span.span_id for span in spans}
    local = [
        span
        for span in spans
        if span.parent_id not in ids or span.parent_id == span.span_id  # self-parented: broken
    ]
    return sorted(local, key=_start_order)


def _start_order(span: Span) -> tuple[int, str]:
    return span.start_time_ns, span.span_id


def trace_model(spans: Sequence[Span]) -> str | None:
    """The model a trace is counted under in metrics grouped by model: that of its first span
    (by start time, then span id) naming one, `gen_ai.response.model` before
    `gen_ai.request.model` (the model that answered, e.g. a dated snapshot). One per trace, so
    the groups partition the traces; a trace calling several models is counted under the one
    it called first."""
    for span in sorted(spans, key=_start_order):
        for key in (K.GEN_AI_RESPONSE_MODEL, K.GEN_AI_REQUEST_MODEL):
            value = span.get_attribute(key)
            if isinstance(value, str) and value:
                return value
    return None

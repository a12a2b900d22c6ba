"""Turns a finished trace buffer into a Trace, on the export worker thread.

A trace the worker cannot export yet (it is behind) is first reduced to a record: plain
tuples of its spans' fields, attribute values still JSON text, which the queue's overflow
file keeps on disk (`tracing/export/overflow.py`) and `trace_from_record` turns into the
same Trace later.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from spanscope.entities.derivation import compute_trace_info
from spanscope.entities.span import Span
from spanscope.entities.span_event import SpanEvent
from spanscope.entities.span_status import SpanStatus, SpanStatusCode
from spanscope.entities.trace import Trace, TraceData
from spanscope.safety import logger, report_background_error
from spanscope.tracing.live_span import LiveSpan
from spanscope.tracing.state import STATE, SpanProcessor

if TYPE_CHECKING:
    from spanscope.tracing.trace_buffer import TraceBuffer

__all__ = [
    "TraceRecord",
    "build_trace",
    "live_part",
    "trace_from_record",
    "trace_record",
    "try_build",
    "try_from_record",
    "try_record",
]

# (trace_id, experiment_id, root span id, metadata, tags, request preview, response preview,
#  client request id, spans as (span_id, parent_id, name, start, end, status code, status
#  description, attributes as JSON text, events as (name, timestamp, attributes)))
TraceRecord = tuple[Any, ...]
_S = TypeVar("_S")
_R = TypeVar("_R")
# trace id, experiment id, root span id, metadata, tags, previews, client request id
_TraceFields = tuple[
    str, str, str, dict[str, str] | None, dict[str, str] | None, str | None, str | None, str | None
]
_STATUS = {code.value: SpanStatus(code) for code in SpanStatusCode}


def build_trace(buffer: TraceBuffer) -> Trace:
    """Apply user span processors, freeze the spans and compute the TraceInfo."""
    fields, spans = _prepare(buffer)
    trace = _assemble(*fields, [live.freeze() for live in spans])
    buffer.forget_spans()
    return trace


def trace_record(buffer: TraceBuffer) -> TraceRecord:
    """The buffer's trace as plain data (user span processors applied): what
    `trace_from_record` makes the same Trace from."""
    trace, live_spans = _prepare(buffer)
    spans = [live.record() for live in live_spans]
    buffer.forget_spans()
    return (*trace, spans)


def trace_from_record(record: TraceRecord) -> Trace:
    trace_id, experiment_id, root, metadata, tags, request, response, client_id, fields = record
    spans = [
        Span(
            trace_id=trace_id,
            span_id=span_id,
            parent_id=parent_id,
            name=name,
            start_time_ns=start,
            end_time_ns=end,
            status=_STATUS[code]
            if not description
            else SpanStatus(SpanStatusCode(code), description),
            attributes_json=attributes,
            events=[SpanEvent(*event) for event in events] if events else [],
        )
        for span_id, parent_id, name, start, end, code, description, attributes, events in fields
    ]
    return _assemble(
        trace_id, experiment_id, root, metadata, tags, request, response, client_id, spans
    )


def live_part(buffer: TraceBuffer, open_since_ns: int) -> Trace | None:
    """The part of a running trace to send now (live traces, `tracing/export/live.py`): the
    spans ended since the last part, and snapshots of the open spans started before
    `open_since_ns` or above a span of the part (end time None: markers the store replaces
    when the span ends). None when the trace has ended (the whole trace follows) or nothing is
    new. User span processors run on copies: the spans are processed again when built."""
    with buffer.lock:
        if buffer.closed:
            return None
        ended = buffer.spans[buffer.live_sent :]
        buffer.live_sent = len(buffer.spans)
        started = list(buffer.started)
        metadata = dict(buffer.metadata) if buffer.metadata else None
        tags = dict(buffer.tags) if buffer.tags else None
        client_request_id = buffer.client_request_id
    root = buffer.root
    if root is None:
        return None
    running = {s.span_id: s for s in started if s._end_time_ns is None}
    chosen = {i for i, s in running.items() if s._start_time_ns <= open_since_ns}
    above = [s.parent_id for s in ended] + [running[i].parent_id for i in chosen]
    while above:  # an open span above a sent one is sent too, so the tree stays whole
        parent_id = above.pop()
        if parent_id is not None and parent_id in running and parent_id not in chosen:
            chosen.add(parent_id)
            above.append(running[parent_id].parent_id)
    sent_open = buffer.live_open or set()
    if not ended and chosen <= sent_open:
        return None
    buffer.live_open = sent_open | chosen
    for live in ended:  # their deferred work (a stream's output, say) is done now, not later
        live.finalize()
    spans = [live.snapshot(live.end_time_ns) for live in ended]
    spans += [running[i].snapshot(None) for i in sorted(chosen)]
    processors = STATE.span_processors
    if processors:
        for copy in spans:
            _process(copy, processors)
    return _assemble(
        buffer.trace_id,
        buffer.experiment_id,
        root.span_id,
        metadata,
        tags,
        None,
        None,
        client_request_id,
        [copy.freeze() for copy in spans],
    )


def _prepare(buffer: TraceBuffer) -> tuple[_TraceFields, list[LiveSpan]]:
    """Run the spans' deferred work and the user's processors; returns the trace's own fields
    as a record holds them (all but the spans) and the spans to freeze."""
    for live in buffer.spans:
        live.finalize()  # before the user's processors, which must see the whole span
    root = buffer.root
    if root is None:
        raise ValueError(f"trace {buffer.trace_id} has no root span")
    spans = buffer.spans
    if buffer.live_open:
        spans = spans + _unfinished(buffer, root)
    processors = STATE.span_processors
    if processors:
        for live in spans:
            _process(live, processors)
    fields: _TraceFields = (
        buffer.trace_id,
        buffer.experiment_id,
        root.span_id,
        buffer.metadata,
        buffer.tags,
        buffer.request_preview,
        buffer.response_preview,
        buffer.client_request_id,
    )
    return fields, spans


def _unfinished(buffer: TraceBuffer, root: LiveSpan) -> list[LiveSpan]:
    """Spans a live part sent open that had not ended when the trace did: stored as ending
    with the trace (the store would otherwise show them running for ever)."""
    ended = {live.span_id for live in buffer.spans}
    missing = (buffer.live_open or set()) - ended
    return [
        live.snapshot(root.end_time_ns)
        for live in buffer.started
        if live.span_id in missing and live is not root
    ]


def _assemble(
    trace_id: str,
    experiment_id: str,
    root_id: str,
    metadata: dict[str, str] | None,
    tags: dict[str, str] | None,
    request_preview: str | None,
    response_preview: str | None,
    client_request_id: str | None,
    spans: list[Span],
) -> Trace:
    info = compute_trace_info(
        trace_id,
        experiment_id,
        spans,
        root_id=root_id,
        metadata=metadata,
        tags=tags,
        request_preview=request_preview,
        response_preview=response_preview,
        client_request_id=client_request_id,
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


# The worker's variants: a trace that cannot be built is reported and counted as dropped.


def try_build(buffer: TraceBuffer) -> Trace | None:
    return _counted(build_trace, buffer, buffer.trace_id)


def try_record(buffer: TraceBuffer) -> TraceRecord | None:
    return _counted(trace_record, buffer, buffer.trace_id)


def try_from_record(record: TraceRecord) -> Trace | None:
    return _counted(trace_from_record, record, str(record[0]))


def _counted(make: Callable[[_S], _R], source: _S, trace_id: str) -> _R | None:
    try:
        return make(source)
    except Exception as exc:
        report_background_error(f"building trace {trace_id}", exc)
        with STATE.lock:
            STATE.traces_dropped_export_error += 1
        return None

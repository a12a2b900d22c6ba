"""Spans read back from a store: whole (the capture cap applies when a value is captured, not
when it is read), equal to what was written, and their values the reader's own."""

from __future__ import annotations

import copy
import pickle

import orjson

from spanscope import Trace
from spanscope.constants import TRUNCATED_MARKER, SpanAttributeKey
from spanscope.entities.serialization import DEFAULT_MAX_VALUE_BYTES
from spanscope.entities.span import Span
from spanscope.entities.trace import TraceData
from spanscope.otel import decode_request, request_from_traces, spans_from_request
from spanscope.store.sql.store import SqlTraceStore

from .factory import emptied, make_trace

BIG = "x" * (DEFAULT_MAX_VALUE_BYTES + 1000)


def _with_big_tool_span(trace: Trace) -> Trace:
    """`trace` with its TOOL span holding an attribute and an output over the capture cap (as
    a client capturing with a larger cap, or an OTLP exporter of another tool, sends them)."""
    spans = []
    for span in trace.data.spans:
        if span.span_type == "TOOL":
            attrs = dict(span.attributes_json)
            attrs["tool.result"] = orjson.dumps({"text": BIG}).decode()
            attrs[SpanAttributeKey.OUTPUTS] = orjson.dumps(BIG).decode()
            span = Span(
                trace_id=span.trace_id,
                span_id=span.span_id,
                parent_id=span.parent_id,
                name=span.name,
                start_time_ns=span.start_time_ns,
                end_time_ns=span.end_time_ns,
                status=span.status,
                attributes_json=attrs,
                events=span.events,
            )
        spans.append(span)
    return Trace(trace.info, TraceData(spans))


def _tool(spans: list[Span]) -> Span:
    (tool,) = [s for s in spans if s.span_type == "TOOL"]
    return tool


def test_a_value_over_the_capture_cap_reads_back_whole(store: SqlTraceStore) -> None:
    store = emptied(store)
    trace = _with_big_tool_span(make_trace())
    store.write_traces([trace])
    trace_id = trace.info.trace_id

    found = [
        _tool(store.get_trace(trace_id).data.spans),
        _tool(store.search_traces(["0"], include_spans=True)[0].data.spans),
        _tool(list(store.search_spans(["0"], "type = 'TOOL'"))),
    ]
    for tool in found:
        assert tool.outputs == BIG
        assert tool.attributes["tool.result"] == {"text": BIG}
        assert TRUNCATED_MARKER not in tool.attributes_json["tool.result"]
        assert orjson.loads(tool.attributes_json[SpanAttributeKey.OUTPUTS]) == BIG


def test_spans_read_back_equal_those_written(store: SqlTraceStore) -> None:
    store = emptied(store)
    trace = make_trace(fail=True)
    store.write_traces([trace])
    read = store.search_traces(["0"], include_spans=True)[0].data.spans
    written = {s.span_id: s for s in trace.data.spans}
    assert len(read) == len(written)
    for span in read:
        original = written[span.span_id]
        assert span.to_dict() == original.to_dict()
        assert span.span_type == original.span_type
        assert span.inputs == original.inputs
        assert span.attributes == original.attributes
        assert span.events == original.events
        decoded = {k: orjson.loads(v) for k, v in span.attributes_json.items()}
        assert decoded == {k: orjson.loads(v) for k, v in original.attributes_json.items()}
        assert span.get_attribute("no.such.key", "absent") == "absent"


def test_a_read_span_decodes_on_first_use_and_is_a_plain_span(store: SqlTraceStore) -> None:
    store = emptied(store)
    trace = make_trace(fail=True)
    store.write_traces([trace])
    written = sorted(trace.data.spans, key=lambda s: (s.start_time_ns, s.span_id))
    firsts = ["status", "events", "name", "parent_id", "duration_ns", "attributes", "inputs"]
    for first in firsts:  # whichever field is read first decodes the whole span
        read = store.get_trace(trace.info.trace_id).data.spans
        assert len(read) == len(written)
        for span, original in zip(read, written, strict=True):
            assert getattr(span, first) == getattr(original, first), first
            assert span == original
    # Copied and pickled before anything decoded them.
    assert [copy.copy(s) for s in store.get_trace(trace.info.trace_id).data.spans] == written
    read = store.get_trace(trace.info.trace_id).data.spans
    assert [pickle.loads(pickle.dumps(s)) for s in read] == written
    for span, original in zip(
        store.get_trace(trace.info.trace_id).data.spans, written, strict=True
    ):
        assert isinstance(span, Span)
        assert not hasattr(span, "no_such_field")  # a missing attribute stays missing
        assert repr(span) == repr(original)


def test_a_read_spans_values_are_the_callers_own(store: SqlTraceStore) -> None:
    store = emptied(store)
    store.write_traces([make_trace()])
    root = store.search_traces(["0"], include_spans=True)[0].data.spans[0]
    inputs = root.inputs
    assert isinstance(inputs, dict) and inputs
    inputs.clear()
    assert root.inputs, "changing the returned inputs changed the span"


def test_a_value_over_the_capture_cap_sent_over_otlp_is_stored_whole(
    store: SqlTraceStore,
) -> None:
    store = emptied(store)
    sent = _with_big_tool_span(make_trace())
    request = request_from_traces([sent])
    ingested = spans_from_request(
        decode_request(request.SerializeToString(), "application/x-protobuf", None)
    )
    store.write_traces([Trace(sent.info, TraceData([item.span for item in ingested]))])
    tool = _tool(store.get_trace(sent.info.trace_id).data.spans)
    assert tool.outputs == BIG
    assert tool.attributes["tool.result"] == {"text": BIG}

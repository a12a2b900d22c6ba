"""`spanscope.trace.metadata` on a spanscope span (the TypeScript SDK's root span) becomes trace
metadata at ingest, and leaves the attributes; on a foreign span it is an attribute like any."""

from __future__ import annotations

from spanscope.constants import SpanAttributeKey, TraceMetadataKey
from spanscope.otel import spans_from_request
from tests.otel.otlp_helpers import proto_request


def test_spanscope_span_metadata_becomes_trace_metadata() -> None:
    request = proto_request(
        {
            "name": "handler",
            "attributes": {
                SpanAttributeKey.SPAN_TYPE: '"CHAIN"',
                SpanAttributeKey.TRACE_METADATA: {"region": "eu", "attempt": 2},
                "session.id": "s-1",
            },
        }
    )
    [ingested] = spans_from_request(request)
    assert ingested.trace_metadata == {
        "region": "eu",
        "attempt": "2",
        TraceMetadataKey.SESSION: "s-1",
    }
    assert SpanAttributeKey.TRACE_METADATA not in ingested.span.attributes


def test_foreign_span_keeps_the_attribute() -> None:
    request = proto_request(
        {"name": "other", "attributes": {SpanAttributeKey.TRACE_METADATA: {"region": "eu"}}}
    )
    [ingested] = spans_from_request(request)
    assert ingested.trace_metadata == {}
    assert ingested.span.attributes[SpanAttributeKey.TRACE_METADATA] == {"region": "eu"}

"""OTLP/HTTP bodies from the real OpenTelemetry SDK and exporter, decoded and mapped."""

from __future__ import annotations

import base64
import gzip
import zlib
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from google.protobuf import json_format
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, SpanKind, Status, StatusCode

from spanscope.otel import (
    OtlpDecodeError,
    decode_request,
    request_to_json,
    spans_from_request,
)
from spanscope.otel.conventions import ResourceKey
from spanscope.otel.values import ExportTraceServiceRequest
from tests.otel.otlp_helpers import Captured, capture_server

PROTOBUF = "application/x-protobuf"
JSON = "application/json"


@pytest.fixture(scope="module")
def sdk_export() -> Iterator[tuple[Captured, list[ReadableSpan]]]:
    """Spans made by the OTel SDK, sent by the real OTLP/HTTP exporter (gzip) to a local server."""
    with capture_server() as server:
        memory = InMemorySpanExporter()
        provider = TracerProvider(
            resource=Resource.create({"service.name": "shop", ResourceKey.EXPERIMENT_ID: "7"})
        )
        provider.add_span_processor(SimpleSpanProcessor(memory))
        otlp = OTLPSpanExporter(endpoint=server.url, compression=Compression.Gzip, timeout=5)
        provider.add_span_processor(SimpleSpanProcessor(otlp))
        tracer = provider.get_tracer("shop.checkout", "2.1.0")
        with tracer.start_as_current_span(
            "checkout", kind=SpanKind.SERVER, attributes={"cart.items": 3, "vip": True}
        ) as root:
            root.set_attribute("tags", ["a", "b"])
            root.set_attribute("ratio", 0.25)
            root.add_event("cart.loaded", {"count": 3})
            with tracer.start_as_current_span(
                "charge", links=[Link(root.get_span_context(), {"why": "retry"})]
            ) as child:
                try:
                    raise ValueError("card declined")
                except ValueError as exc:
                    child.record_exception(exc)
                    child.set_status(Status(StatusCode.ERROR))
            root.set_status(Status(StatusCode.OK))
        provider.shutdown()
        assert len(server.requests) == 2  # SimpleSpanProcessor: one request per span
        merged = ExportTraceServiceRequest()
        for captured in server.requests:
            assert captured.headers["content-encoding"] == "gzip"
            merged.MergeFrom(
                decode_request(captured.body, captured.headers["content-type"], "gzip")
            )
        body = merged.SerializeToString()
        yield Captured("/v1/traces", {}, body, 0.0), list(memory.get_finished_spans())


def _decoded(sdk_export: tuple[Captured, list[ReadableSpan]]) -> list[dict[str, Any]]:
    request = decode_request(sdk_export[0].body, PROTOBUF, None)
    return [item.span.to_dict() for item in spans_from_request(request)]


def test_sdk_spans_map_exactly(sdk_export: tuple[Captured, list[ReadableSpan]]) -> None:
    request = decode_request(sdk_export[0].body, PROTOBUF, None)
    ingested = spans_from_request(request)
    by_name = {item.span.name: item for item in ingested}
    sdk = {span.name: span for span in sdk_export[1]}
    charge, checkout = sdk["charge"], sdk["checkout"]
    trace_id = f"{checkout.context.trace_id:032x}"
    root_id = f"{checkout.context.span_id:016x}"
    child_id = f"{charge.context.span_id:016x}"
    exception = charge.events[0]
    assert by_name["checkout"].span.to_dict() == {
        "trace_id": trace_id,
        "span_id": root_id,
        "parent_id": None,
        "name": "checkout",
        "span_type": "UNKNOWN",
        "start_time_ns": checkout.start_time,
        "end_time_ns": checkout.end_time,
        "status": {"code": "OK", "message": ""},
        "inputs": None,
        "outputs": None,
        "attributes": {
            "cart.items": 3,
            "vip": True,
            "tags": ["a", "b"],
            "ratio": 0.25,
            "otel.span.kind": "SERVER",
            "otel.scope.name": "shop.checkout",
            "otel.scope.version": "2.1.0",
        },
        "events": [
            {
                "name": "cart.loaded",
                "timestamp_ns": checkout.events[0].timestamp,
                "attributes": {"count": 3},
            }
        ],
    }
    assert by_name["charge"].span.to_dict() == {
        "trace_id": trace_id,
        "span_id": child_id,
        "parent_id": root_id,
        "name": "charge",
        "span_type": "UNKNOWN",
        "start_time_ns": charge.start_time,
        "end_time_ns": charge.end_time,
        # No description was set: the exception event gives one.
        "status": {"code": "ERROR", "message": "ValueError: card declined"},
        "inputs": None,
        "outputs": None,
        "attributes": {
            "otel.scope.name": "shop.checkout",
            "otel.scope.version": "2.1.0",
            "otel.links": [
                {"trace_id": trace_id, "span_id": root_id, "attributes": {"why": "retry"}}
            ],
        },
        "events": [
            {
                "name": "exception",
                "timestamp_ns": exception.timestamp,
                "attributes": dict(exception.attributes or {}),
            }
        ],
    }
    assert set(exception.attributes or {}) >= {
        "exception.type",
        "exception.message",
        "exception.stacktrace",
    }
    for item in ingested:
        assert (item.experiment_id, item.experiment_name, item.experiment) == ("7", None, "7")
        assert item.resource["service.name"] == "shop"
        assert item.resource[ResourceKey.EXPERIMENT_ID] == "7"
        assert item.trace_metadata == {}


def _spec_json(request: ExportTraceServiceRequest) -> bytes:
    """OTLP/JSON written independently of spanscope: enum names, hex ids (the spec's rule)."""
    obj = json_format.MessageToDict(request)
    for resource_spans in obj["resourceSpans"]:
        for scope_spans in resource_spans["scopeSpans"]:
            for span in scope_spans["spans"]:
                for item in [span, *span.get("links", [])]:
                    for key in ("traceId", "spanId", "parentSpanId"):
                        if key in item:
                            item[key] = base64.b64decode(item[key]).hex()
    return orjson.dumps(obj)


def test_json_and_compressed_bodies_decode_identically(
    sdk_export: tuple[Captured, list[ReadableSpan]],
) -> None:
    expected = _decoded(sdk_export)
    request = decode_request(sdk_export[0].body, PROTOBUF, None)
    ours = request_to_json(request).encode()
    spec = _spec_json(request)
    assert b'"kind":"SPAN_KIND_SERVER"' in spec and b'"kind":2' in ours
    bodies = [
        (ours, JSON, None),
        (spec, "application/json; charset=utf-8", None),
        (gzip.compress(spec), JSON, "gzip"),
        (zlib.compress(ours), JSON, "deflate"),
        (gzip.compress(sdk_export[0].body), PROTOBUF, "GZIP"),
        # Two gzip members back to back are one stream.
        (gzip.compress(spec[:50]) + gzip.compress(spec[50:]), JSON, "gzip"),
    ]
    for body, content_type, encoding in bodies:
        decoded = decode_request(body, content_type, encoding)
        assert decoded == request
        assert [i.span.to_dict() for i in spans_from_request(decoded)] == expected


def test_json_accepts_snake_case_and_base64_ids() -> None:
    body = {
        "resource_spans": [
            {
                "scope_spans": [
                    {
                        "spans": [
                            {
                                "trace_id": base64.b64encode(bytes(range(1, 17))).decode(),
                                "span_id": "0102030405060708",
                                "name": "old-style",
                                "start_time_unix_nano": 5,
                                "end_time_unix_nano": "9",
                                "status": {"code": "STATUS_CODE_ERROR", "message": "bad"},
                                "unknownField": 1,
                            }
                        ]
                    }
                ]
            }
        ]
    }
    [item] = spans_from_request(decode_request(orjson.dumps(body), JSON, None))
    assert item.span.trace_id == bytes(range(1, 17)).hex()
    assert item.span.span_id == "0102030405060708"
    assert (item.span.start_time_ns, item.span.end_time_ns) == (5, 9)
    assert item.span.status.to_dict() == {"code": "ERROR", "message": "bad"}


def _error(body: bytes, content_type: str | None, encoding: str | None, **kw: Any) -> Any:
    with pytest.raises(OtlpDecodeError) as info:
        decode_request(body, content_type, encoding, **kw)
    return info.value


def test_malformed_bodies_get_clear_errors() -> None:
    error = _error(b"\xff\xfe not protobuf at all", PROTOBUF, None)
    assert error.http_status == 400
    assert "not a valid OTLP protobuf ExportTraceServiceRequest" in str(error)

    error = _error(b'{"resourceSpans": []}', PROTOBUF, None)
    assert "it looks like JSON: send Content-Type: application/json" in str(error)

    error = _error(b"{not json", JSON, None)
    assert error.http_status == 400 and "not valid JSON" in str(error)

    error = _error(b"[1, 2]", JSON, None)
    assert "body is a JSON list; expected an OTLP/JSON ExportTraceServiceRequest" in str(error)

    error = _error(b'{"resourceSpans": "nope"}', JSON, None)
    assert "does not match the OTLP/JSON schema" in str(error)

    bad_id = {"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "zz" * 16}]}]}]}
    error = _error(orjson.dumps(bad_id), JSON, None)
    assert "resourceSpans[0].scopeSpans[0].spans[0].traceId" in str(error)
    assert "expected 32 hex characters" in str(error)


def test_unsupported_content_types_and_encodings_are_415() -> None:
    for content_type in ("text/plain", None, "application/grpc"):
        error = _error(b"", content_type, None)
        assert error.http_status == 415
        assert "accepted are application/x-protobuf or application/json" in str(error)
    error = _error(b"", PROTOBUF, "br")
    assert error.http_status == 415
    assert "Content-Encoding 'br' is not supported; accepted are gzip" in str(error)


def test_bad_gzip_is_400() -> None:
    body = gzip.compress(b"x" * 1000)
    error = _error(body[: len(body) // 2], PROTOBUF, "gzip")
    assert error.http_status == 400 and "truncated gzip" in str(error)
    error = _error(b"plain bytes, not gzip", PROTOBUF, "gzip")
    assert error.http_status == 400 and "not valid gzip data" in str(error)
    error = _error(b"", PROTOBUF, "gzip")
    assert "truncated gzip" in str(error)


def test_oversized_bodies_are_413() -> None:
    error = _error(b"\x00" * 101, PROTOBUF, None, max_bytes=100)
    assert error.http_status == 413 and "larger than the limit of 100 bytes" in str(error)
    bomb = gzip.compress(b"\x00" * 10_000_000)  # ~10 KB that inflates to 10 MB
    assert len(bomb) < 20_000
    error = _error(bomb, PROTOBUF, "gzip", max_bytes=1_000_000)
    assert error.http_status == 413 and "decompressed body" in str(error)
    # Exactly at the cap is fine.
    request = ExportTraceServiceRequest()
    request.resource_spans.add().scope_spans.add().spans.add().name = "n" * 5000
    raw = request.SerializeToString()
    assert decode_request(gzip.compress(raw), PROTOBUF, "gzip", max_bytes=len(raw)) == request
    error = _error(gzip.compress(raw), PROTOBUF, "gzip", max_bytes=len(raw) - 1)
    assert error.http_status == 413


def test_spans_with_bad_ids_are_rejected() -> None:
    request = ExportTraceServiceRequest()
    span = request.resource_spans.add().scope_spans.add().spans.add()
    span.trace_id = b"\x01" * 16
    span.span_id = b"\x01" * 4
    with pytest.raises(OtlpDecodeError, match=r"spans\[0\]\.span_id is '01010101' \(4 bytes\)"):
        spans_from_request(request)
    span.span_id = b""
    with pytest.raises(OtlpDecodeError, match=r"span_id is missing"):
        spans_from_request(request)
    span.span_id = b"\x02" * 8
    span.trace_id = bytes(16)
    with pytest.raises(OtlpDecodeError, match=r"trace_id .* not all zero"):
        spans_from_request(request)

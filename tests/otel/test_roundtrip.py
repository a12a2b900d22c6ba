"""spanscope traces -> OTLP -> bytes -> decode -> spanscope spans: nothing changes."""

from __future__ import annotations

import contextlib
import gzip
from typing import Any

import pytest

import spanscope
from spanscope import Trace
from spanscope.constants import SpanAttributeKey, TraceMetadataKey
from spanscope.entities import Span, SpanEvent, TraceData, TraceInfo
from spanscope.otel import decode_request, request_from_traces, request_to_json, spans_from_request
from spanscope.otel.conventions import ResourceKey
from spanscope.otel.values import any_to_json
from spanscope.testing import TraceCapture

MESSAGES = [
    {"role": "user", "parts": [{"type": "text", "content": "Wetter in Köln?"}]},
]
REPLY = [
    {"role": "assistant", "parts": [{"type": "text", "content": "Regen."}], "finish_reason": "stop"}
]


@spanscope.trace(span_type="TOOL")
def lookup(city: str) -> dict[str, Any]:
    return {"city": city, "values": [1, 2.5, None, True, {"empty": []}], "big": 2**70}


@spanscope.trace
def broken() -> None:
    raise ValueError("boom")


@spanscope.trace(span_type="AGENT")
def agent(question: str) -> str:
    spanscope.update_current_trace(session_id="s-1", user_id="u-7", tags={"env": "test"})
    attributes = {
        SpanAttributeKey.GEN_AI_PROVIDER: "openai",
        SpanAttributeKey.GEN_AI_REQUEST_MODEL: "gpt-4o",
        SpanAttributeKey.GEN_AI_INPUT_MESSAGES: MESSAGES,
        SpanAttributeKey.GEN_AI_OUTPUT_MESSAGES: REPLY,
        SpanAttributeKey.GEN_AI_INPUT_TOKENS: 12,
        SpanAttributeKey.GEN_AI_OUTPUT_TOKENS: 2,
        SpanAttributeKey.GEN_AI_FINISH_REASONS: ["stop"],
        "otel.span.kind": "CLIENT",
        "empty": {},
        "nothing": None,
    }
    with spanscope.start_span("chat gpt-4o", span_type="CHAT_MODEL", attributes=attributes) as span:
        span.set_inputs({"model": "gpt-4o", "messages": [{"role": "user", "content": question}]})
        span.add_event(SpanEvent("first_token", attributes={"after_ms": 120}))
        span.set_outputs("Regen.")
    lookup("Köln")
    with contextlib.suppress(ValueError):  # recorded on its span, handled here
        broken()
    return "Regen."


@pytest.fixture
def trace(spanscope_traces: TraceCapture) -> Trace:
    agent("Wetter in Köln?")
    return spanscope_traces.single()


def _bodies(trace: Trace) -> list[tuple[bytes, str, str | None]]:
    request = request_from_traces([trace])
    raw = request.SerializeToString()
    as_json = request_to_json(request).encode()
    return [
        (raw, "application/x-protobuf", None),
        (gzip.compress(raw), "application/x-protobuf", "gzip"),
        (as_json, "application/json", None),
        (gzip.compress(as_json), "application/json", "gzip"),
    ]


def test_spanscope_trace_round_trips_exactly(trace: Trace) -> None:
    expected = [span.to_dict() for span in trace.spans]
    assert {span["span_type"] for span in expected} >= {"AGENT", "CHAT_MODEL", "TOOL"}
    assert any(span["status"]["code"] == "ERROR" for span in expected)
    root_id = trace.data.root.span_id if trace.data.root else None
    for body, content_type, encoding in _bodies(trace):
        ingested = spans_from_request(decode_request(body, content_type, encoding))
        assert [item.span.to_dict() for item in ingested] == expected
        for item in ingested:
            assert item.experiment_id == trace.info.experiment_id
            assert item.resource["service.name"] == "spanscope"
            # Session and user travel on the root span and come back as trace metadata.
            metadata = (
                {TraceMetadataKey.SESSION: "s-1", TraceMetadataKey.USER: "u-7"}
                if item.span.span_id == root_id
                else {}
            )
            assert item.trace_metadata == metadata


def test_export_writes_reserved_keys_as_json_text_and_genai_as_native_values(
    trace: Trace,
) -> None:
    request = request_from_traces([trace], service_name="weather-bot")
    [resource_spans] = request.resource_spans
    resource = {kv.key: any_to_json(kv.value) for kv in resource_spans.resource.attributes}
    assert resource["service.name"] == "weather-bot"
    assert resource[ResourceKey.EXPERIMENT_ID] == trace.info.experiment_id
    assert resource_spans.scope_spans[0].scope.name == "spanscope"
    spans = {span.name: span for span in resource_spans.scope_spans[0].spans}
    chat = {kv.key: kv.value for kv in spans["chat gpt-4o"].attributes}
    assert chat[SpanAttributeKey.SPAN_TYPE].string_value == '"CHAT_MODEL"'
    assert chat[SpanAttributeKey.OUTPUTS].string_value == '"Regen."'
    assert chat[SpanAttributeKey.GEN_AI_INPUT_TOKENS].WhichOneof("value") == "int_value"
    assert chat[SpanAttributeKey.GEN_AI_INPUT_MESSAGES].WhichOneof("value") == "array_value"
    assert any_to_json(chat[SpanAttributeKey.GEN_AI_INPUT_MESSAGES]) == MESSAGES
    assert any_to_json(chat[SpanAttributeKey.GEN_AI_FINISH_REASONS]) == ["stop"]
    assert "otel.span.kind" not in chat
    assert spans["chat gpt-4o"].kind == 3  # CLIENT
    root = {kv.key: any_to_json(kv.value) for kv in spans["agent"].attributes}
    assert (root["session.id"], root["user.id"]) == ("s-1", "u-7")


def test_traces_group_by_experiment_and_unfinished_spans_survive() -> None:
    def one_span_trace(trace_id: str, experiment: str) -> Trace:
        span = Span.from_dict(
            {
                "trace_id": trace_id,
                "span_id": "1" * 16,
                "parent_id": "2" * 16,  # its parent lives elsewhere
                "name": "partial",
                "span_type": "custom-kind",
                "start_time_ns": 5,
                "end_time_ns": None,
                "status": {"code": "UNSET", "message": ""},
                "inputs": "q",
                "attributes": {"n": 1.0},
            }
        )
        return Trace(TraceInfo(trace_id, experiment_id=experiment), TraceData([span]))

    traces = [one_span_trace("a" * 32, "1"), one_span_trace("b" * 32, "2")]
    traces.append(one_span_trace("c" * 32, "1"))
    request = request_from_traces(traces)
    assert len(request.resource_spans) == 2
    ingested = spans_from_request(
        decode_request(request.SerializeToString(), "application/x-protobuf", None)
    )
    assert [(i.experiment_id, i.span.trace_id[0]) for i in ingested] == [
        ("1", "a"),
        ("1", "c"),
        ("2", "b"),
    ]
    by_trace = {trace.trace_id: trace.spans[0].to_dict() for trace in traces}
    for item in ingested:
        assert item.span.to_dict() == by_trace[item.span.trace_id]
        assert item.span.end_time_ns is None

"""spanscope traces -> OTLP -> bytes -> decode -> spanscope spans: nothing changes; and through
a real server, the stored trace is the one a direct write to a store gives."""

from __future__ import annotations

import contextlib
import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import spanscope
from spanscope import Trace
from spanscope.constants import SpanAttributeKey, TraceMetadataKey
from spanscope.entities import Span, SpanEvent, TraceData, TraceInfo
from spanscope.otel import (
    OtlpTraceExporter,
    decode_request,
    request_from_traces,
    request_to_json,
    spans_from_request,
)
from spanscope.otel.conventions import ExportKey, ResourceKey
from spanscope.otel.values import any_to_json
from spanscope.server.settings import ServerSettings
from spanscope.store.sql.store import SqlTraceStore
from spanscope.testing import TraceCapture
from tests.live_server import server_thread

# The exporter lists what it derived for the GenAI conventions (operation, tool and agent
# names, the CLIENT kind) and sends the trace's tags on the root span; ingest takes them out
# again (`IngestedSpan.trace_tags`), and the server is to store those tags on the trace.
# Remove this mark once `server/routers/otlp.py` does.

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
    spanscope.update_current_trace(
        session_id="s-1", user_id="u-7", tags={"env": "test"}, metadata={"app.version": "1.2"}
    )
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
    # Spans whose OTLP kind and GenAI operation the exporter derives; one names its own.
    with spanscope.start_span("embeddings", span_type="EMBEDDING") as span:
        span.set_attributes({SpanAttributeKey.GEN_AI_INPUT_TOKENS: 3})
        span.set_inputs(["Köln"])
        span.set_outputs([[0.25, -1.0]])
    with spanscope.start_span("search", span_type="RETRIEVER", inputs={"query": "Köln"}) as span:
        span.set_outputs([{"id": "doc-1", "content": "Köln liegt am Rhein.", "score": 0.9}])
    summary = {SpanAttributeKey.GEN_AI_OPERATION: "generate_content"}
    with spanscope.start_span("summarise", span_type="LLM", attributes=summary) as span:
        span.set_outputs("kurz")
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
            # Session, user and other metadata travel on the root span and come back as
            # trace metadata.
            metadata = (
                {
                    TraceMetadataKey.SESSION: "s-1",
                    TraceMetadataKey.USER: "u-7",
                    "app.version": "1.2",
                }
                if item.span.span_id == root_id
                else {}
            )
            assert item.trace_metadata == metadata
            assert item.trace_tags == ({"env": "test"} if item.span.span_id == root_id else {})


def test_ingest_leaves_out_what_the_exporter_added(trace: Trace) -> None:
    """The exporter's GenAI additions arrive on the wire and are gone after ingest."""
    request = request_from_traces([trace])
    sent = {
        span.name: {kv.key for kv in span.attributes}
        for span in request.resource_spans[0].scope_spans[0].spans
    }
    assert {ExportKey.DERIVED, SpanAttributeKey.GEN_AI_TOOL_NAME} <= sent["lookup"]
    assert {ExportKey.TRACE_TAGS, ExportKey.AGENT_NAME} <= sent["agent"]
    stored = {span.name: span.attributes for span in trace.spans}
    ingested = spans_from_request(
        decode_request(request.SerializeToString(), "application/x-protobuf", None)
    )
    for item in ingested:
        assert item.span.attributes == stored[item.span.name], item.span.name
        assert not {ExportKey.DERIVED, ExportKey.TRACE_TAGS} & item.span.attributes.keys()


def test_export_writes_inputs_as_json_text_the_type_as_plain_text_and_genai_natively(
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
    assert chat[SpanAttributeKey.SPAN_TYPE].string_value == "CHAT_MODEL"
    assert chat[SpanAttributeKey.OUTPUTS].string_value == '"Regen."'
    assert chat[SpanAttributeKey.GEN_AI_INPUT_TOKENS].WhichOneof("value") == "int_value"
    assert chat[SpanAttributeKey.GEN_AI_INPUT_MESSAGES].WhichOneof("value") == "array_value"
    assert any_to_json(chat[SpanAttributeKey.GEN_AI_INPUT_MESSAGES]) == MESSAGES
    assert any_to_json(chat[SpanAttributeKey.GEN_AI_FINISH_REASONS]) == ["stop"]
    assert "otel.span.kind" not in chat
    assert spans["chat gpt-4o"].kind == 3  # CLIENT
    # It named its kind; the exporter gave it the operation of its type, and says so.
    assert chat[SpanAttributeKey.GEN_AI_OPERATION].string_value == "chat"
    assert any_to_json(chat[ExportKey.DERIVED]) == [SpanAttributeKey.GEN_AI_OPERATION]
    root = {kv.key: any_to_json(kv.value) for kv in spans["agent"].attributes}
    assert (root["session.id"], root["user.id"]) == ("s-1", "u-7")
    # The trace's other metadata and its tags travel on the root span too.
    assert root[SpanAttributeKey.TRACE_METADATA] == {"app.version": "1.2"}
    assert root[ExportKey.TRACE_TAGS] == {"env": "test"}
    assert root[ExportKey.DERIVED] == [SpanAttributeKey.GEN_AI_OPERATION, ExportKey.AGENT_NAME]
    child = {kv.key: any_to_json(kv.value) for kv in spans["lookup"].attributes}
    assert SpanAttributeKey.TRACE_METADATA not in child
    assert ExportKey.TRACE_TAGS not in child


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


# Through a real server: the trace sent over OTLP is stored as a direct write stores it.


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[SqlTraceStore, str, str]]:
    """A store written directly, with a server over it; and a server over an empty store."""
    direct = SqlTraceStore(f"sqlite:///{tmp_path}/direct.db")
    via_otlp = SqlTraceStore(f"sqlite:///{tmp_path}/otlp.db")
    try:
        with (
            server_thread(ServerSettings(direct.uri), direct) as direct_url,
            server_thread(ServerSettings(via_otlp.uri), via_otlp) as otlp_url,
        ):
            yield direct, direct_url, otlp_url
    finally:
        direct.close()
        via_otlp.close()


def _send(trace: Trace, url: str, encoding: str) -> None:
    if encoding == "protobuf":  # the exporter the SDK uses: gzip protobuf
        exporter = OtlpTraceExporter(f"{url}/v1/traces", max_retry_time=5.0)
        try:
            exporter.export([trace])
        finally:
            exporter.shutdown()
        return
    response = httpx.post(
        f"{url}/v1/traces",
        content=request_to_json(request_from_traces([trace])).encode(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 200, response.text


def _stored_both_ways(
    trace: Trace, servers: tuple[SqlTraceStore, str, str], encoding: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The trace as the server over the direct write returns it, and as the other one does
    after the trace went there over OTLP."""
    direct, direct_url, otlp_url = servers
    direct.write_traces([trace])
    _send(trace, otlp_url, encoding)
    path = f"/api/v1/traces/{trace.info.trace_id}"
    want = httpx.get(direct_url + path).json()
    got = httpx.get(otlp_url + path).json()
    assert set(got) == set(want) == {"info", "data"}
    assert want["info"]["tags"] == {"env": "test"}  # the direct write is the full trace
    assert want["info"]["metadata"]["app.version"] == "1.2"
    return want, got


@pytest.mark.parametrize("encoding", ["protobuf", "json"])
def test_otlp_round_trip_through_a_server_stores_what_a_direct_write_stores(
    trace: Trace, servers: tuple[SqlTraceStore, str, str], encoding: str
) -> None:
    want, got = _stored_both_ways(trace, servers, encoding)
    for name, value in want["info"].items():
        if name == "tags":  # the test below
            continue
        assert got["info"].get(name) == value, f"trace info field {name!r}"
    assert got["info"].keys() == want["info"].keys()
    assert [s["span_id"] for s in got["data"]["spans"]] == [
        s["span_id"] for s in want["data"]["spans"]
    ]
    for want_span, got_span in zip(want["data"]["spans"], got["data"]["spans"], strict=True):
        for name, value in want_span.items():
            where = f"span {want_span['name']!r} field {name!r}"
            assert got_span.get(name) == value, where
        assert got_span.keys() == want_span.keys()


@pytest.mark.parametrize("encoding", ["protobuf", "json"])
def test_otlp_round_trip_through_a_server_keeps_the_trace_tags(
    trace: Trace, servers: tuple[SqlTraceStore, str, str], encoding: str
) -> None:
    want, got = _stored_both_ways(trace, servers, encoding)
    assert got["info"]["tags"] == want["info"]["tags"]

"""What an OpenTelemetry backend sees of a trace spanscope's own OpenAI integration recorded
(the real openai SDK against the fake server), once the OTLP exporter sent it: read with
opentelemetry-proto's classes from the bytes on the wire."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span as OtlpSpan

import spanscope
import spanscope.openai
from spanscope.constants import SpanAttributeKey as K
from spanscope.otel import OtlpTraceExporter
from spanscope.otel.conventions import ExportKey
from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.otel.otlp_helpers import capture_server

openai = pytest.importorskip("openai")

CLIENT = OtlpSpan.SpanKind.SPAN_KIND_CLIENT
INTERNAL = OtlpSpan.SpanKind.SPAN_KIND_INTERNAL
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The forecast for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as running:
        yield running


@pytest.fixture
def client(_fresh_tracing: None, fake: FakeLLMServer) -> Iterator[Any]:
    spanscope.openai.autolog()
    with openai.OpenAI(base_url=fake.openai_base_url, api_key="sk-fake", max_retries=0) as c:
        yield c


@spanscope.trace(span_type="TOOL")
def get_weather(city: str) -> dict[str, str]:
    return {"city": city, "forecast": "rain"}


@spanscope.trace(name="weather-agent", span_type="AGENT")
def agent(client: Any, question: str) -> str:
    messages: list[dict[str, Any]] = [{"role": "user", "content": question}]
    first = client.chat.completions.create(
        model="gpt-4o-mini", messages=messages, tools=[WEATHER_TOOL]
    )
    [call] = first.choices[0].message.tool_calls
    result = get_weather(**json.loads(call.function.arguments))
    messages += [
        first.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)},
    ]
    client.embeddings.create(model="text-embedding-3-small", input=question)
    second = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
    return str(second.choices[0].message.content)


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_value(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: _value(kv.value) for kv in value.kvlist_value.values}
    return getattr(value, kind) if kind else None


def test_an_integration_trace_reads_as_genai_spans(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    agent(client, "What is the weather in Paris?")
    trace = spanscope_traces.single()
    with capture_server() as server:
        exporter = OtlpTraceExporter(server.url)
        exporter.export([trace])
        exporter.shutdown()
    [sent] = server.requests
    request = ExportTraceServiceRequest.FromString(gzip.decompress(sent.body))
    spans = sorted(
        (span for rs in request.resource_spans for ss in rs.scope_spans for span in ss.spans),
        key=lambda span: span.start_time_unix_nano,
    )
    attributes = [{kv.key: _value(kv.value) for kv in span.attributes} for span in spans]
    # Every GenAI span names its operation; model calls are CLIENT spans.
    seen = [
        (attrs[K.SPAN_TYPE], attrs.get(K.GEN_AI_OPERATION), span.kind)
        for span, attrs in zip(spans, attributes, strict=True)
    ]
    assert seen == [
        ("AGENT", "invoke_agent", INTERNAL),
        ("CHAT_MODEL", "chat", CLIENT),
        ("TOOL", "execute_tool", INTERNAL),
        ("EMBEDDING", "embeddings", CLIENT),
        ("CHAT_MODEL", "chat", CLIENT),
    ]
    agent_span, first, tool, embedding, second = attributes
    assert agent_span[ExportKey.AGENT_NAME] == "weather-agent"
    assert tool[K.GEN_AI_TOOL_NAME] == "get_weather"
    assert [first[K.GEN_AI_REQUEST_MODEL], embedding[K.GEN_AI_REQUEST_MODEL]] == [
        "gpt-4o-mini",
        "text-embedding-3-small",
    ]
    assert second[K.GEN_AI_OUTPUT_MESSAGES][0]["role"] == "assistant"
    root, *children = spans
    assert not root.parent_span_id
    assert {span.parent_span_id for span in children} == {root.span_id}

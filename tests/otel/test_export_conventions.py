"""Our OTLP export speaks the OpenTelemetry GenAI conventions, read with opentelemetry-proto's
own classes from the bytes the exporter sends: model calls are CLIENT spans, every GenAI span
names its operation, tools and agents their names, and the span type is plain text."""

from __future__ import annotations

import gzip
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span as OtlpSpan

import spanscope
from spanscope import Trace
from spanscope.constants import SpanAttributeKey as K
from spanscope.otel import OtlpTraceExporter, request_from_traces, spans_from_request
from spanscope.otel.conventions import ExportKey, OtelKey
from spanscope.otel.export import span_type_from_attribute, take_export_additions
from spanscope.otel.values import attributes_to_dict
from spanscope.testing import TraceCapture
from tests.otel.otlp_helpers import capture_server

CLIENT = OtlpSpan.SpanKind.SPAN_KIND_CLIENT
INTERNAL = OtlpSpan.SpanKind.SPAN_KIND_INTERNAL
OPERATION, TOOL_NAME, AGENT_NAME = K.GEN_AI_OPERATION, K.GEN_AI_TOOL_NAME, ExportKey.AGENT_NAME


@spanscope.trace(span_type="TOOL")
def get_weather(city: str) -> str:
    return f"Regen in {city}"


@spanscope.trace(name="weather-agent", span_type="AGENT")
def run_agent(question: str) -> str:
    spanscope.update_current_trace(tags={"team": "search"}, metadata={"app.version": "1.2"})
    chat = {K.GEN_AI_PROVIDER: "openai", K.GEN_AI_REQUEST_MODEL: "gpt-4o-mini"}
    with spanscope.start_span("chat gpt-4o-mini", span_type="CHAT_MODEL", attributes=chat):
        pass
    with spanscope.start_span("embeddings text-embedding-3-small", span_type="EMBEDDING"):
        pass
    with spanscope.start_span("search_docs", span_type="RETRIEVER"):
        pass
    with spanscope.start_span("complete", span_type="LLM"):
        pass
    with spanscope.start_span("nightly", span_type="WORKFLOW"):
        pass
    get_weather("Köln")
    # Names a GenAI instrumentation gives: the operation in front of the tool / agent name.
    with spanscope.start_span("execute_tool lookup_order", span_type="TOOL"):
        pass
    with spanscope.start_span("invoke_agent helper", span_type="AGENT"):
        pass
    # Spans that say it themselves: their operation, tool name and kind stay theirs.
    own = {OPERATION: "generate_content", K.GEN_AI_REQUEST_MODEL: "gemini-2.5-flash"}
    with spanscope.start_span("generate", span_type="LLM", attributes=own):
        pass
    with spanscope.start_span("tool with its name", span_type="TOOL", attributes={TOOL_NAME: "t"}):
        pass
    in_process = {OtelKey.SPAN_KIND: "INTERNAL"}  # a model running in the process
    with spanscope.start_span("local model", span_type="CHAT_MODEL", attributes=in_process):
        pass
    with spanscope.start_span(
        "remote tool", span_type="TOOL", attributes={"otel.span.kind": "CLIENT"}
    ):
        pass
    # Not GenAI spans: no operation, INTERNAL.
    with spanscope.start_span("prepare", span_type="CHAIN"):
        pass
    with spanscope.start_span("a custom type", span_type="42"):
        pass
    return "Regen"


# name -> (OTLP kind, the attributes the exporter derives, and they only)
EXPECTED: dict[str, tuple[int, dict[str, Any]]] = {
    "weather-agent": (INTERNAL, {OPERATION: "invoke_agent", AGENT_NAME: "weather-agent"}),
    "chat gpt-4o-mini": (CLIENT, {OPERATION: "chat"}),
    "embeddings text-embedding-3-small": (CLIENT, {OPERATION: "embeddings"}),
    "search_docs": (CLIENT, {OPERATION: "retrieval"}),
    "complete": (CLIENT, {OPERATION: "text_completion"}),
    "nightly": (INTERNAL, {OPERATION: "invoke_workflow"}),
    "get_weather": (INTERNAL, {OPERATION: "execute_tool", TOOL_NAME: "get_weather"}),
    "execute_tool lookup_order": (INTERNAL, {OPERATION: "execute_tool", TOOL_NAME: "lookup_order"}),
    "invoke_agent helper": (INTERNAL, {OPERATION: "invoke_agent", AGENT_NAME: "helper"}),
    "generate": (CLIENT, {}),
    "tool with its name": (INTERNAL, {OPERATION: "execute_tool"}),
    "local model": (INTERNAL, {OPERATION: "chat"}),
    "remote tool": (CLIENT, {OPERATION: "execute_tool", TOOL_NAME: "remote tool"}),
    "prepare": (INTERNAL, {}),
    "a custom type": (INTERNAL, {}),
}


@pytest.fixture
def trace(spanscope_traces: TraceCapture) -> Trace:
    run_agent("Regnet es in Köln?")
    return spanscope_traces.single()


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_value(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: _value(kv.value) for kv in value.kvlist_value.values}
    return getattr(value, kind) if kind else None


def _sent(trace: Trace) -> dict[str, OtlpSpan]:
    """The spans as the exporter put them on the wire, decoded with opentelemetry-proto."""
    with capture_server() as server:
        exporter = OtlpTraceExporter(server.url)
        exporter.export([trace])
        exporter.shutdown()
    [sent] = server.requests
    request = ExportTraceServiceRequest.FromString(gzip.decompress(sent.body))
    [resource_spans] = request.resource_spans
    [scope_spans] = resource_spans.scope_spans
    return {span.name: span for span in scope_spans.spans}


def _attributes(span: OtlpSpan) -> dict[str, Any]:
    return {kv.key: _value(kv.value) for kv in span.attributes}


def test_model_calls_are_client_spans_and_genai_spans_name_their_operation(trace: Trace) -> None:
    spans = _sent(trace)
    assert spans.keys() == EXPECTED.keys()
    for name, (kind, derived) in EXPECTED.items():
        attributes = _attributes(spans[name])
        assert spans[name].kind == kind, name
        for key, value in derived.items():
            assert attributes[key] == value, (name, key)
        # The exporter lists exactly what it derived (and the kind when it chose it).
        listed = attributes.get(ExportKey.DERIVED, [])
        chose_kind = kind == CLIENT and OtelKey.SPAN_KIND not in trace_attributes(trace, name)
        assert listed == ([OtelKey.SPAN_KIND] if chose_kind else []) + list(derived), name
    # What a span says itself is kept.
    assert _attributes(spans["generate"])[OPERATION] == "generate_content"
    assert _attributes(spans["tool with its name"])[TOOL_NAME] == "t"
    assert _attributes(spans["local model"])[OtelKey.SPAN_KIND] == "INTERNAL"
    assert OtelKey.SPAN_KIND not in _attributes(spans["remote tool"])  # it is the OTLP kind
    for name in ("prepare", "a custom type"):
        assert OPERATION not in _attributes(spans[name])


def trace_attributes(trace: Trace, name: str) -> dict[str, Any]:
    return next(span.attributes for span in trace.spans if span.name == name)


def test_every_genai_span_by_operation(trace: Trace) -> None:
    """The GenAI view of the trace: what an OpenTelemetry backend reading only gen_ai.* sees."""
    spans = _sent(trace)
    operations = {
        name: (_attributes(span).get(OPERATION), span.kind)
        for name, span in spans.items()
        if OPERATION in _attributes(span)
    }
    assert operations == {
        "weather-agent": ("invoke_agent", INTERNAL),
        "chat gpt-4o-mini": ("chat", CLIENT),
        "embeddings text-embedding-3-small": ("embeddings", CLIENT),
        "search_docs": ("retrieval", CLIENT),
        "complete": ("text_completion", CLIENT),
        "nightly": ("invoke_workflow", INTERNAL),
        "get_weather": ("execute_tool", INTERNAL),
        "execute_tool lookup_order": ("execute_tool", INTERNAL),
        "invoke_agent helper": ("invoke_agent", INTERNAL),
        "generate": ("generate_content", CLIENT),
        "tool with its name": ("execute_tool", INTERNAL),
        "local model": ("chat", INTERNAL),
        "remote tool": ("execute_tool", CLIENT),
    }


def test_the_span_type_is_plain_text(trace: Trace) -> None:
    spans = _sent(trace)
    types = {name: _attributes(span)[K.SPAN_TYPE] for name, span in spans.items()}
    assert types["chat gpt-4o-mini"] == "CHAT_MODEL"
    assert types["get_weather"] == "TOOL"
    assert types["prepare"] == "CHAIN"
    # A type whose plain text reads as another JSON value goes as JSON text, the older form.
    assert types["a custom type"] == '"42"'
    for span in trace.spans:
        assert span_type_from_attribute(types[span.name]) == span.span_type


def test_ingest_reads_the_plain_type_back(trace: Trace) -> None:
    ingested = spans_from_request(request_from_traces([trace]))
    assert [item.span.span_type for item in ingested] == [span.span_type for span in trace.spans]


@pytest.mark.parametrize(
    ("value", "span_type"),
    [
        ("TOOL", "TOOL"),
        ('"TOOL"', "TOOL"),  # JSON text: older exporters, the TypeScript SDK
        ("42", "42"),
        ('"42"', "42"),
        ("null", "null"),
        ('"\\"quoted\\""', '"quoted"'),
        ("", ""),
        (7, "7"),
    ],
)
def test_span_type_from_attribute_reads_both_forms(value: Any, span_type: str) -> None:
    assert span_type_from_attribute(value) == span_type


def test_take_export_additions_gives_back_the_span_attributes(trace: Trace) -> None:
    """Ingest's half: once the OTLP kind is recorded as `otel.span.kind` (as ingest does),
    taking the additions out leaves the span's own attributes, and the root gives the tags."""
    root_only = {K.TRACE_METADATA, OtelKey.SESSION_ID, OtelKey.USER_ID}
    reserved = {K.SPAN_TYPE, K.INPUTS, K.OUTPUTS}
    request = request_from_traces([trace])
    sent = request.resource_spans[0].scope_spans[0].spans
    for span, proto in zip(trace.spans, sent, strict=True):
        attributes = attributes_to_dict(proto.attributes)
        if proto.kind not in (0, 1):
            kind = OtlpSpan.SpanKind.Name(proto.kind).removeprefix("SPAN_KIND_")
            attributes.setdefault(OtelKey.SPAN_KIND, kind)
        tags = take_export_additions(attributes)
        for key in root_only | reserved:
            attributes.pop(key, None)
        assert attributes == span.attributes, span.name
        assert tags == ({"team": "search"} if span.parent_id is None else {})
    assert take_export_additions({"a": 1}) == {}

"""The official opentelemetry-instrumentation-openai-v2 end to end: the real openai client
against the fake OpenAI server, the real OpenTelemetry SDK's OTLP/HTTP span and log exporters,
and a real `spanscope server` (SQLite and PostgreSQL).

openai-v2 (with opentelemetry-util-genai 0.4) captures message content in one of three places,
by environment: per-message log events (its default conventions), one operation-details log
event (the latest experimental conventions, `event_only`), or span attributes (`span_only`).
Whichever it is, and whichever of a span and its log records reaches the server first, the
stored chat spans must carry the same messages, model, token usage and error.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from spanscope.entities.span import Span
from spanscope.entities.trace import Trace
from spanscope.store.sql.store import SqlTraceStore
from tests.live_server import server_process

pytestmark = pytest.mark.instrumentation

_CONTENT_ENV = (
    "OTEL_SEMCONV_STABILITY_OPT_IN",
    "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
)
MODES: dict[str, dict[str, str]] = {
    "default": {"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "true"},
    "event_only": {
        "OTEL_SEMCONV_STABILITY_OPT_IN": "gen_ai_latest_experimental",
        "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "event_only",
    },
    "span_only": {
        "OTEL_SEMCONV_STABILITY_OPT_IN": "gen_ai_latest_experimental",
        "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "span_only",
    },
}
# (mode, which signal reaches the server first). In span_only mode no log carries content.
CASES = [
    ("default", "logs first"),
    ("default", "spans first"),
    ("event_only", "logs first"),
    ("event_only", "spans first"),
    ("span_only", "spans first"),
]
WEATHER_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
SYSTEM_AND_USER = [
    {"role": "system", "parts": [{"type": "text", "content": "Be brief."}]},
    {"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]},
]


@dataclass
class Server:
    url: str
    store: SqlTraceStore


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """`spanscope server` as a subprocess, one per backend; each test uses its own experiment."""
    if request.param == "sqlite":
        uri = f"sqlite:///{tmp_path_factory.mktemp('openai-v2') / Path('server.db')}"
    else:
        uri = request.getfixturevalue("postgres_uri")
    with server_process(uri) as url:
        store = SqlTraceStore(uri)
        try:
            yield Server(url, store)
        finally:
            store.close()


@dataclass
class Run:
    """What the application saw: the calls' results and the raised error."""

    tool_call_id: str
    usage: list[Any]
    answer: str
    error: Exception


def run_agent(server_url: str, experiment: str, order: str, monkeypatch: pytest.MonkeyPatch) -> Run:
    """An agent span around three instrumented chat calls: one asking for a tool, one given
    the tool's result, one failing with a 500; exported over OTLP/HTTP to the server."""
    import openai
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation._semconv import _OpenTelemetrySemanticConventionStability
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, SimpleLogRecordProcessor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    from spanscope.testing.fake_llm import FakeLLMServer

    # OpenTelemetry reads OTEL_SEMCONV_STABILITY_OPT_IN once per process: read it again here.
    stability = _OpenTelemetrySemanticConventionStability
    monkeypatch.setattr(stability, "_initialized", False)
    monkeypatch.setattr(stability, "_OTEL_SEMCONV_STABILITY_SIGNAL_MAPPING", {})

    headers = {"x-spanscope-experiment-name": experiment}
    resource = Resource.create({"service.name": "weather-agent"})
    span_exporter = OTLPSpanExporter(f"{server_url}/v1/traces", headers=headers, timeout=10)
    log_exporter = OTLPLogExporter(f"{server_url}/v1/logs", headers=headers, timeout=10)
    # One signal is sent as it is produced; the other is held back until the run is over.
    tracer_provider = TracerProvider(resource=resource)
    logger_provider = LoggerProvider(resource=resource)
    held = 600_000  # ms: longer than the run
    if order == "logs first":
        logger_provider.add_log_record_processor(SimpleLogRecordProcessor(log_exporter))
        tracer_provider.add_span_processor(
            BatchSpanProcessor(span_exporter, schedule_delay_millis=held)
        )
        providers: list[Any] = [logger_provider, tracer_provider]
    else:
        tracer_provider.add_span_processor(SimpleSpanProcessor(span_exporter))
        logger_provider.add_log_record_processor(
            BatchLogRecordProcessor(log_exporter, schedule_delay_millis=held)
        )
        providers = [tracer_provider, logger_provider]
    instrumentor = OpenAIInstrumentor()  # type: ignore[no-untyped-call]
    instrumentor.instrument(tracer_provider=tracer_provider, logger_provider=logger_provider)
    messages: list[Any] = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris?"},
    ]
    try:
        with FakeLLMServer() as llm:
            client = openai.OpenAI(base_url=llm.openai_base_url, api_key="sk-fake", max_retries=0)
            with tracer_provider.get_tracer("agent").start_as_current_span("weather-agent"):
                first = client.chat.completions.create(
                    model="gpt-4o-mini", messages=messages, tools=[WEATHER_TOOL]
                )
                [call] = first.choices[0].message.tool_calls or []
                assert call.type == "function"
                function = {"name": call.function.name, "arguments": call.function.arguments}
                messages.append(
                    {
                        "role": "assistant",
                        "tool_calls": [{"id": call.id, "type": "function", "function": function}],
                    }
                )
                messages.append({"role": "tool", "tool_call_id": call.id, "content": "rain, 12 C"})
                second = client.chat.completions.create(
                    model="gpt-4o-mini", messages=messages, tools=[WEATHER_TOOL]
                )
                with pytest.raises(openai.InternalServerError) as failed:
                    client.chat.completions.create(
                        model="error-500", messages=[{"role": "user", "content": "Again?"}]
                    )
            client.close()
    finally:
        instrumentor.uninstrument()
        for provider in providers:  # shutting down flushes what was held back
            provider.shutdown()
    return Run(
        tool_call_id=call.id,
        usage=[first.usage, second.usage],
        answer=second.choices[0].message.content or "",
        error=failed.value,
    )


@pytest.mark.timeout(90)
@pytest.mark.parametrize(("mode", "order"), CASES, ids=[f"{m}-{o}" for m, o in CASES])
def test_openai_v2_chat_spans_carry_messages_usage_and_errors(
    mode: str, order: str, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in _CONTENT_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in MODES[mode].items():
        monkeypatch.setenv(name, value)
    experiment = f"openai-v2-{mode}-{order.replace(' ', '-')}"
    run = run_agent(server.url, experiment, order, monkeypatch)
    assert run.answer == "The tool returned: rain, 12 C"

    stored = server.store.get_experiment_by_name(experiment)
    assert stored is not None
    [trace] = server.store.search_traces([stored.experiment_id], include_spans=True)
    root, chats = _tree(trace)
    assert root.name == "weather-agent"
    assert [s.name for s in chats] == ["chat gpt-4o-mini", "chat gpt-4o-mini", "chat error-500"]
    assert all(s.span_type == "CHAT_MODEL" for s in chats)
    tool_call = {
        "type": "tool_call",
        "id": run.tool_call_id,
        "name": "get_weather",
        "arguments": {"city": "example"},  # an object, not JSON text
    }
    tool_result = {"type": "tool_call_response", "id": run.tool_call_id, "response": "rain, 12 C"}
    expected = [
        (
            SYSTEM_AND_USER,
            [{"role": "assistant", "parts": [tool_call], "finish_reason": "tool_calls"}],
        ),
        (
            [
                *SYSTEM_AND_USER,
                {"role": "assistant", "parts": [tool_call]},
                {"role": "tool", "parts": [tool_result]},
            ],
            [
                {
                    "role": "assistant",
                    "parts": [{"type": "text", "content": run.answer}],
                    "finish_reason": "stop",
                }
            ],
        ),
    ]
    for span, (inputs, outputs), used in zip(chats, expected, run.usage, strict=False):
        attributes = span.attributes
        assert attributes["gen_ai.input.messages"] == inputs
        assert attributes["gen_ai.output.messages"] == outputs
        assert span.inputs == {"messages": inputs}
        assert span.outputs == outputs
        assert attributes["gen_ai.request.model"] == "gpt-4o-mini"
        assert attributes["gen_ai.response.model"] == "gpt-4o-mini"
        assert attributes["gen_ai.usage.input_tokens"] == used.prompt_tokens
        assert attributes["gen_ai.usage.output_tokens"] == used.completion_tokens
        assert span.status.status_code != "ERROR"
        assert not span.events  # the GenAI events became messages, not events

    failed = chats[2]
    assert failed.status.status_code == "ERROR"
    assert failed.status.description == str(run.error)
    assert failed.attributes["error.type"] == "InternalServerError"
    assert failed.attributes["gen_ai.request.model"] == "error-500"
    again = [{"role": "user", "parts": [{"type": "text", "content": "Again?"}]}]
    assert failed.attributes["gen_ai.input.messages"] == again
    assert failed.inputs == {"messages": again}
    assert failed.outputs is None
    assert "gen_ai.usage.input_tokens" not in failed.attributes

    total_in = sum(u.prompt_tokens for u in run.usage)
    total_out = sum(u.completion_tokens for u in run.usage)
    assert trace.info.token_usage == {
        "input_tokens": total_in,
        "output_tokens": total_out,
        "total_tokens": total_in + total_out,
    }
    found = server.store.search_traces([stored.experiment_id], "text LIKE '%rain, 12 C%'")
    assert [t.info.trace_id for t in found] == [trace.info.trace_id]


def _tree(trace: Trace) -> tuple[Span, list[Span]]:
    """The trace's root and its children in start order, which must be all the other spans."""
    [root] = [s for s in trace.data.spans if s.parent_id is None]
    children = sorted((s for s in trace.data.spans if s is not root), key=lambda s: s.start_time_ns)
    assert all(s.parent_id == root.span_id for s in children)
    assert all(s.trace_id == root.trace_id for s in children)
    return root, children

"""A program instrumented with OpenInference's OpenAI instrumentor, calling a fake OpenAI server,
produces a trace whose LLM span has chat messages and token usage in spanscope's shape."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest
from openinference.instrumentation.openai import OpenAIInstrumentor
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from spanscope.store.sql.store import SqlTraceStore
from spanscope.testing.fake_llm import FakeLLMServer


@pytest.fixture
def fake_openai() -> Iterator[FakeLLMServer]:
    server = FakeLLMServer(reply="Paris is the capital of France.").start()
    yield server
    server.stop()


def test_openinference_openai_spans_map_to_chat_and_usage(
    server_url: str, backend: SqlTraceStore, fake_openai: FakeLLMServer
) -> None:
    provider = TracerProvider(resource=Resource.create({"service.name": "oi-app"}))
    exporter = OTLPSpanExporter(
        endpoint=f"{server_url}/v1/traces", headers={"x-spanscope-experiment-name": "oi"}
    )
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    try:
        client = openai.OpenAI(
            base_url=fake_openai.openai_base_url, api_key="sk-fake", max_retries=0
        )
        reply = client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[
                {"role": "system", "content": "Answer briefly."},
                {"role": "user", "content": "What is the capital of France?"},
            ],
        )
        client.close()
    finally:
        instrumentor.uninstrument()
        provider.shutdown()
    assert reply.choices[0].message.content == "Paris is the capital of France."
    experiment = backend.get_experiment_by_name("oi")
    assert experiment is not None
    (trace,) = backend.search_traces([experiment.experiment_id], include_spans=True)
    (span,) = trace.data.spans
    assert span.span_type == "LLM"
    attributes = span.attributes
    assert attributes["gen_ai.input.messages"] == [
        {"role": "system", "parts": [{"type": "text", "content": "Answer briefly."}]},
        {"role": "user", "parts": [{"type": "text", "content": "What is the capital of France?"}]},
    ]
    output = attributes["gen_ai.output.messages"]
    assert output[0]["role"] == "assistant"
    assert output[0]["parts"] == [{"type": "text", "content": "Paris is the capital of France."}]
    usage = reply.usage
    assert usage is not None
    assert attributes["gen_ai.usage.input_tokens"] == usage.prompt_tokens
    assert attributes["gen_ai.usage.output_tokens"] == usage.completion_tokens
    assert attributes["gen_ai.request.model"] == "gpt-4o-mini"
    assert trace.info.token_usage == {
        "input_tokens": usage.prompt_tokens,
        "output_tokens": usage.completion_tokens,
        "total_tokens": usage.prompt_tokens + usage.completion_tokens,
        "cache_read_input_tokens": 0,
    }
    assert trace.info.request_preview is not None

"""Streamed runs (`run_stream`, `run_stream_sync`): read whole, and dropped half-way."""

from __future__ import annotations

from typing import Any

from spanscope.constants import SpanAttributeKey as K
from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.outline import outline
from tests.pydantic_ai.conftest import MODEL, make_agent

QUESTION = "Tell me about the sea, in a few words please."
ECHO = f"You said: {QUESTION}"
TREE = ["invoke_agent assistant [AGENT]", f"  chat {MODEL} [CHAT_MODEL]"]


def output_text(span: Any) -> str:
    (message,) = span.get_attribute(K.GEN_AI_OUTPUT_MESSAGES)
    return "".join(part.get("content", "") for part in message["parts"])


def model_span(trace: Any) -> Any:
    return next(s for s in trace.data.spans if s.span_type == "CHAT_MODEL")


async def test_a_stream_read_whole(server: FakeLLMServer, spanscope_traces: TraceCapture) -> None:
    async with make_agent(server).run_stream(QUESTION) as result:
        chunks = [chunk async for chunk in result.stream_text(delta=True, debounce_by=None)]

    assert "".join(chunks) == ECHO
    assert len(chunks) > 1
    trace = spanscope_traces.single()
    assert outline(trace) == TREE
    request = model_span(trace)
    assert output_text(request) == ECHO
    assert request.get_attribute(K.GEN_AI_OUTPUT_TOKENS) > 0
    assert trace.data.spans[0].outputs == ECHO


async def test_a_stream_dropped_after_one_chunk_still_ends_its_spans(
    server: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    async with make_agent(server).run_stream(QUESTION) as result:
        async for chunk in result.stream_text(delta=True, debounce_by=None):
            assert chunk
            break

    trace = spanscope_traces.single()
    assert outline(trace) == TREE
    assert all(span.end_time_ns is not None for span in trace.data.spans)
    assert [span.status.status_code.value for span in trace.data.spans] == ["OK", "OK"]


def test_run_stream_sync(server: FakeLLMServer, spanscope_traces: TraceCapture) -> None:
    with make_agent(server).run_stream_sync(QUESTION) as result:
        chunks = list(result.stream_text(delta=True, debounce_by=None))

    assert "".join(chunks) == ECHO
    trace = spanscope_traces.single()
    assert outline(trace) == TREE
    assert output_text(model_span(trace)) == ECHO

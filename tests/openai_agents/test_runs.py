"""Runner.run, run_sync and run_streamed (read whole and dropped half-way), and a failing model
call: whole trees, the chat on the model span, usage counted once, the error re-raised."""

from __future__ import annotations

from typing import Any

import openai
import pytest
from agents import Runner

import spanscope
from spanscope.constants import SpanAttributeKey as K
from spanscope.testing import TraceCapture, span_tree
from spanscope.testing.conformance.fixtures.openai_agents import close_default_loop
from spanscope.testing.fake_llm import FakeLLMServer
from tests.openai_agents.helpers import (
    MODEL,
    QUESTION,
    RecordingProcessor,
    agent,
    one_turn,
    outline,
    span,
    usage,
)

SYSTEM = {"role": "system", "parts": [{"type": "text", "content": "You answer briefly."}]}
ASKED = {"role": "user", "parts": [{"type": "text", "content": QUESTION}]}


def answered(text: str) -> list[dict[str, Any]]:
    return [
        {"role": "assistant", "parts": [{"type": "text", "content": text}], "finish_reason": "stop"}
    ]


def check_one_turn(trace: Any, final_output: str) -> None:
    assert outline(trace) == one_turn()
    (root,) = span_tree(trace, attributes=[K.GEN_AI_INPUT_MESSAGES, K.GEN_AI_OUTPUT_MESSAGES])
    assert root["inputs"] == {"workflow_name": "Agent workflow", "input": QUESTION}
    assert root["outputs"] == final_output
    task = root["children"][0]
    assistant = task["children"][0]
    assert (assistant["inputs"], assistant["outputs"]) == (QUESTION, final_output)
    model = assistant["children"][0]["children"][0]
    assert model["attributes"] == {
        K.GEN_AI_INPUT_MESSAGES: [SYSTEM, ASKED],
        K.GEN_AI_OUTPUT_MESSAGES: answered(final_output),
    }
    assert model["inputs"] == {
        "model": MODEL,
        "instructions": "You answer briefly.",
        "input": [{"content": QUESTION, "role": "user"}],
    }
    assert model["outputs"][0]["content"][0]["text"] == final_output
    response = span(trace, "response")
    assert response.get_attribute(K.GEN_AI_REQUEST_MODEL) == MODEL
    assert response.get_attribute(K.GEN_AI_RESPONSE_ID) == "resp_fake"
    assert response.get_attribute(K.GEN_AI_PROVIDER) == "openai"
    assert response.get_attribute(K.GEN_AI_FINISH_REASONS) == ["stop"]
    tokens = usage(response)
    assert all(isinstance(v, int) and v > 0 for v in tokens.values())
    assert usage(trace) == tokens  # counted once, though the task span's data has it too
    # Every span of the tree starts inside its parent, in nanoseconds of one clock.
    by_id = {s.span_id: s for s in trace.data.spans}
    for s in trace.data.spans:
        assert s.end_time_ns is not None and s.start_time_ns <= s.end_time_ns
        parent = by_id.get(s.parent_id or "")
        if parent is not None:
            assert parent.start_time_ns <= s.start_time_ns <= s.end_time_ns <= parent.end_time_ns


async def test_run(
    client: Any, spanscope_traces: TraceCapture, app_processor: RecordingProcessor
) -> None:
    result = await Runner.run(agent(client), QUESTION)
    (trace,) = spanscope_traces.traces
    check_one_turn(trace, result.final_output)
    # The application's own processor still sees every span.
    assert app_processor.ended == ["response", "turn", "agent", "task", "trace Agent workflow"]


def test_run_sync(fake_llm: FakeLLMServer, spanscope_traces: TraceCapture) -> None:
    client = openai.AsyncOpenAI(base_url=fake_llm.openai_base_url, api_key="sk", max_retries=0)
    try:
        result = Runner.run_sync(agent(client), QUESTION)
    finally:
        close_default_loop(client)
    (trace,) = spanscope_traces.traces
    check_one_turn(trace, result.final_output)


async def test_run_inside_a_user_span_nests(client: Any, spanscope_traces: TraceCapture) -> None:
    with spanscope.start_span("handler"):
        await Runner.run(agent(client), QUESTION)
    (trace,) = spanscope_traces.traces
    assert outline(trace) == ["handler [UNKNOWN]", *("  " + line for line in one_turn())]


async def test_streamed_read_whole(client: Any, spanscope_traces: TraceCapture) -> None:
    result = Runner.run_streamed(agent(client), QUESTION)
    kinds = [event.type async for event in result.stream_events()]
    assert "raw_response_event" in kinds
    (trace,) = spanscope_traces.traces
    check_one_turn(trace, result.final_output)


async def test_streamed_dropped_half_way(client: Any, spanscope_traces: TraceCapture) -> None:
    result = Runner.run_streamed(agent(client), QUESTION)
    events: Any = result.stream_events()
    async for event in events:
        if event.type == "raw_response_event":
            break  # the model's reply has begun
    result.cancel()
    await events.aclose()
    (trace,) = spanscope_traces.traces
    # Every span ended; nothing of the cancelled run is marked failed.
    assert all(s.end_time_ns is not None for s in trace.data.spans)
    assert outline(trace) == one_turn()
    assert {s.status.status_code.value for s in trace.data.spans} == {"OK"}


async def test_model_error_is_raised_unchanged_and_recorded(
    client: Any, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    fake_llm.fail_next(500)
    with pytest.raises(openai.InternalServerError) as raised:
        await Runner.run(agent(client), QUESTION)
    (trace,) = spanscope_traces.traces
    error = f"InternalServerError: {raised.value}"
    assert outline(trace) == [f"{line} ERROR: {error}" for line in one_turn()]
    response = span(trace, "response")
    (event,) = response.events
    assert event.name == "exception"
    assert event.attributes["exception.type"].endswith("InternalServerError")
    assert response.get_attribute(K.GEN_AI_INPUT_TOKENS) is None
    assert trace.info.token_usage is None


async def test_error_handled_before_the_run_is_not_blamed_on_it(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    try:
        raise KeyError("the application's own, already handled")
    except KeyError:
        await Runner.run(agent(client), QUESTION)  # runs inside the except block
    (trace,) = spanscope_traces.traces
    assert {s.status.status_code.value for s in trace.data.spans} == {"OK"}

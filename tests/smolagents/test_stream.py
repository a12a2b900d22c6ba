"""Streams: `run(stream=True)` traced while the caller reads it (read whole, dropped between
steps, closed or abandoned inside one, never read) and the model classes' `generate_stream`."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from smolagents.memory import ActionStep, FinalAnswerStep
from smolagents.models import ChatMessageStreamDelta

import spanscope
import spanscope.smolagents
from spanscope.constants import STREAM_CHUNK_EVENT
from spanscope.constants import SpanAttributeKey as K
from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from spanscope.tracing.context import CURRENT_SPAN
from tests.smolagents.helpers import (
    QUESTION,
    get_weather,
    make_agent,
    make_model,
    outline,
    text,
    tool_call,
    tree,
)

ONE_STEP = [
    (0, "ToolCallingAgent", "AGENT", "OK"),
    (1, "step 1", "CHAIN", "OK"),
    (2, "OpenAIModel.generate", "CHAT_MODEL", "OK"),
    (2, "final_answer", "TOOL", "OK"),
]


def test_a_run_stream_read_whole_is_traced_as_the_run_is(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    make_agent(fake_llm).run(QUESTION)
    stream = make_agent(fake_llm).run(QUESTION, stream=True)
    assert CURRENT_SPAN.get() is None  # nothing runs (nor stays current) until it is read
    events = list(stream)

    assert isinstance(events[-1], FinalAnswerStep) and events[-1].output == "example"
    plain, streamed = spanscope_traces.traces
    assert outline(streamed) == outline(plain) == ONE_STEP
    (root,) = tree(streamed, values=True)
    (step,) = root["children"]
    assert root["outputs"] == "example"
    assert root["events"] == step["events"] == []  # steps, not tokens: no chunk events
    assert step["outputs"]["is_final_answer"] is True
    assert streamed.info.token_usage == plain.info.token_usage


def test_streamed_model_outputs_are_one_model_span_with_the_assembled_reply(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    events = list(make_agent(fake_llm, stream_outputs=True).run(QUESTION, stream=True))

    deltas = [e for e in events if isinstance(e, ChatMessageStreamDelta)]
    trace = spanscope_traces.single()
    assert [row[1] for row in outline(trace)] == [
        "ToolCallingAgent",
        "step 1",
        "OpenAIModel.generate_stream",
        "final_answer",
    ]
    (model,) = [s for s in trace.data.spans if s.span_type == "CHAT_MODEL"]
    # Every delta the agent read is a chunk event of the model's span.
    assert [e.name for e in model.events] == [STREAM_CHUNK_EVENT] * len(deltas)
    # The deltas carry no finish reason (smolagents drops it from the stream).
    (message,) = model.get_attribute(K.GEN_AI_OUTPUT_MESSAGES)
    assert message == {
        "role": "assistant",
        "parts": tool_call("final_answer", {"answer": "example"})["parts"],
    }
    assert model.get_attribute(K.TIME_TO_FIRST_TOKEN_NS) > 0
    assert trace.info.token_usage == {"input_tokens": 14, "output_tokens": 2, "total_tokens": 16}


def test_a_run_stream_dropped_between_steps_ends_its_spans(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    stream = make_agent(fake_llm, [get_weather]).run(QUESTION, stream=True)
    for event in stream:
        if isinstance(event, ActionStep):
            break
    stream.close()

    trace = spanscope_traces.single()
    assert outline(trace) == [
        (0, "ToolCallingAgent", "AGENT", "OK"),
        (1, "step 1", "CHAIN", "OK"),
        (2, "OpenAIModel.generate", "CHAT_MODEL", "OK"),
        (2, "get_weather", "TOOL", "OK"),
        (3, "lookup", "UNKNOWN", "OK"),
    ]
    (root,) = tree(trace, values=True)
    assert root["outputs"] is None  # no final answer came
    assert root["children"][0]["outputs"]["observations"] == "Sunny in example"


def _close_inside_a_step(server: FakeLLMServer) -> BaseException | None:
    stream = make_agent(server, stream_outputs=True).run(QUESTION, stream=True)
    next(stream)  # the model's first delta, inside step 1
    try:
        stream.close()
    except RuntimeError as exc:
        return exc
    finally:
        del stream
        gc.collect()
    return None


def test_a_run_stream_closed_inside_a_step_raises_as_it_does_untraced(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    # smolagents' loop yields the step again from a `finally` block: closing its stream inside
    # a step raises RuntimeError, traced or not.
    spanscope.smolagents.autolog(disable=True)
    untraced = _close_inside_a_step(fake_llm)
    spanscope.smolagents.autolog()
    traced = _close_inside_a_step(fake_llm)

    assert isinstance(untraced, RuntimeError) and isinstance(traced, RuntimeError)
    assert str(traced) == str(untraced) == "generator ignored GeneratorExit"
    trace = spanscope_traces.single()
    assert outline(trace) == [
        (0, "ToolCallingAgent", "AGENT", "OK"),
        (1, "step 1", "CHAIN", "OK"),
        (2, "OpenAIModel.generate_stream", "CHAT_MODEL", "OK"),
    ]
    assert all(span.end_time_ns is not None for span in trace.data.spans)


# smolagents' own RuntimeError (see above), raised as the abandoned generator is collected.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_run_stream_abandoned_inside_a_step_ends_its_spans_when_collected(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    stream = make_agent(fake_llm).run(QUESTION, stream=True)
    next(stream)  # the ToolCall event, inside step 1
    del stream
    gc.collect()

    trace = spanscope_traces.single()
    assert [row[1] for row in outline(trace)] == [
        "ToolCallingAgent",
        "step 1",
        "OpenAIModel.generate",
    ]
    assert all(span.end_time_ns is not None for span in trace.data.spans)


def test_a_run_stream_never_read_ends_its_span_when_collected(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    asked = len(fake_llm.requests)
    stream = make_agent(fake_llm).run(QUESTION, stream=True)
    del stream
    gc.collect()

    assert len(fake_llm.requests) == asked
    (root,) = tree(spanscope_traces.single(), values=True)
    assert (root["name"], root["status"], root["outputs"], root["children"]) == (
        "ToolCallingAgent",
        "OK",
        None,
        [],
    )


def test_the_callers_span_is_current_between_the_events_it_reads(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    seen: list[Any] = []
    with spanscope.start_span("app") as app:
        for _ in make_agent(fake_llm).run(QUESTION, stream=True):
            seen.append(CURRENT_SPAN.get())
    assert seen and all(span is app for span in seen)
    (root,) = tree(spanscope_traces.single())
    assert [c["name"] for c in root["children"]] == ["ToolCallingAgent"]


def test_a_model_stream_dropped_after_one_delta_ends_its_span(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    messages = [{"role": "user", "content": [{"type": "text", "text": QUESTION}]}]
    stream = make_model(fake_llm).generate_stream(messages)
    first = next(stream)
    stream.close()

    (root,) = tree(spanscope_traces.single(), values=True)
    assert (root["name"], root["span_type"], root["status"]) == (
        "OpenAIModel.generate_stream",
        "CHAT_MODEL",
        "OK",
    )
    assert root["events"] == [STREAM_CHUNK_EVENT]
    assert root["outputs"] == {"role": "assistant", "content": first.content}
    assert root["attributes"][K.GEN_AI_INPUT_MESSAGES] == [text("user", QUESTION)]

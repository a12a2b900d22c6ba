"""Runs, sync (`Runner.run`) and async (`Runner.run_async`): the run's AGENT span with the
agent's inside and its model calls inside that, a tool round trip, errors re-raised unchanged,
nesting under the caller's span."""

from __future__ import annotations

from typing import Any

import pytest
from google.genai import errors

import spanscope
from spanscope.constants import SpanAttributeKey as K
from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.google_adk.helpers import (
    ANSWER,
    APP,
    CHAT_KEYS,
    QUESTION,
    TOOL_ANSWER,
    Setup,
    WeatherServiceDown,
    broken_weather,
    chat_attributes,
    collect,
    final_text,
    get_weather,
    model_span,
    run,
    run_async,
    text,
    without_values,
)
from tests.outline import outline, tree

OPERATION = {K.GEN_AI_OPERATION: "invoke_agent"}


def answer_tree() -> dict[str, Any]:
    """A run of one agent answering with one model call."""
    return {
        "name": APP,
        "span_type": "AGENT",
        "status": "OK",
        "inputs": {"user_id": "user", "session_id": "s1", "message": QUESTION},
        "outputs": ANSWER,
        "events": [],
        "attributes": OPERATION,
        "children": [
            {
                "name": "weather_agent",
                "span_type": "AGENT",
                "status": "OK",
                "inputs": {"message": QUESTION},
                "outputs": ANSWER,
                "events": [],
                "attributes": OPERATION,
                "children": [model_span([text("user", QUESTION)], ANSWER, (17, 8))],
            }
        ],
    }


def test_a_sync_run_is_an_agent_span_with_the_agent_and_its_model_call(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    events = list(run(Setup(fake_llm).runner()))

    assert final_text(events) == ANSWER
    trace = spanscope_traces.single()
    assert without_values(tree(trace, CHAT_KEYS)) == [answer_tree()]
    assert trace.info.token_usage == {"input_tokens": 17, "output_tokens": 8, "total_tokens": 25}


async def test_run_async_is_traced_the_same(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    events = [event async for event in run_async(Setup(fake_llm).runner())]

    assert final_text(events) == ANSWER
    assert without_values(tree(spanscope_traces.single(), CHAT_KEYS)) == [answer_tree()]


def test_the_model_span_holds_the_request_and_the_reply(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    list(run(Setup(fake_llm).runner()))

    (model,) = spanscope_traces.single().search_spans(span_type="CHAT_MODEL")
    assert model.inputs["model"] == "gemini-2.5-flash"
    assert model.inputs["contents"] == [{"role": "user", "parts": [{"text": QUESTION}]}]
    assert model.inputs["config"]["system_instruction"].startswith("Be brief.")
    assert model.outputs["content"] == {"role": "model", "parts": [{"text": ANSWER}]}
    assert model.outputs["finish_reason"] == "STOP"
    assert model.outputs["usage_metadata"]["prompt_token_count"] == 17
    assert model.get_attribute(K.GEN_AI_RESPONSE_MODEL) == "gemini-2.5-flash"


def _tool_round_trip_tree(call_id: str) -> list[dict[str, Any]]:
    call = {"type": "tool_call", "name": "get_weather", "arguments": {"city": "example"}}
    result = {
        "type": "tool_call_response",
        "id": None,
        "response": {"result": "Sunny in example"},
        "name": "get_weather",
    }
    calling = chat_attributes(
        [text("user", QUESTION)],
        [{"role": "assistant", "parts": [{**call, "id": call_id}], "finish_reason": "tool_call"}],
        "tool_call",
        (17, 2),
    )
    answering = [
        text("user", QUESTION),
        {"role": "assistant", "parts": [{**call, "id": None}]},  # ADK sends no call ids
        {"role": "user", "parts": [result]},
    ]
    return [
        {
            "name": "Gemini",
            "span_type": "CHAT_MODEL",
            "status": "OK",
            "events": [],
            "attributes": calling,
            "children": [],
        },
        {
            "name": "get_weather",
            "span_type": "TOOL",
            "status": "OK",
            "inputs": {"city": "example"},
            "outputs": "Sunny in example",
            "events": [],
            "attributes": {K.GEN_AI_TOOL_NAME: "get_weather", "gen_ai.tool.call.id": call_id},
            "children": [
                {
                    "name": "lookup",
                    "span_type": "UNKNOWN",
                    "status": "OK",
                    "inputs": None,
                    "outputs": None,
                    "events": [],
                    "attributes": {},
                    "children": [],
                }
            ],
        },
        model_span(answering, TOOL_ANSWER, (23, 6)),
    ]


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_a_tool_round_trip_is_model_tool_model_under_the_agent(
    is_async: bool, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    setup = Setup(fake_llm)
    runner = setup.runner(setup.agent(tools=[get_weather]))
    events = await collect(runner, is_async)

    assert final_text(events) == TOOL_ANSWER
    trace = spanscope_traces.single()
    (tool,) = trace.search_spans(span_type="TOOL")
    call_id = tool.get_attribute("gen_ai.tool.call.id")
    assert call_id.startswith("adk-")  # the id ADK gives the call (it sends none to the model)
    keys = [*CHAT_KEYS, K.GEN_AI_TOOL_NAME, "gen_ai.tool.call.id"]
    (root,) = without_values(tree(trace, keys))
    (agent,) = root["children"]
    assert (root["outputs"], agent["outputs"]) == (TOOL_ANSWER, TOOL_ANSWER)
    assert agent["children"] == _tool_round_trip_tree(call_id)
    assert trace.info.token_usage == {"input_tokens": 40, "output_tokens": 8, "total_tokens": 48}


def test_the_run_nests_under_the_callers_span(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    runner = Setup(fake_llm).runner()

    @spanscope.trace
    def app() -> str | None:
        return final_text(list(run(runner)))  # Runner.run drives the run on a thread

    assert app() == ANSWER
    assert outline(spanscope_traces.single()) == [
        "app [UNKNOWN]",
        "  weather_app [AGENT]",
        "    weather_agent [AGENT]",
        "      Gemini [CHAT_MODEL]",
    ]


async def test_a_second_turn_sends_the_conversation_so_far(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    runner = Setup(fake_llm).runner()
    [event async for event in run_async(runner, "Hello there")]
    [event async for event in run_async(runner)]

    first, second = spanscope_traces.traces
    assert first.info.trace_id != second.info.trace_id
    (model,) = second.search_spans(span_type="CHAT_MODEL")
    assert model.get_attribute(K.GEN_AI_INPUT_MESSAGES)[1:] == [
        text("user", "Hello there"),
        text("assistant", "You said: Hello there"),
        text("user", QUESTION),
    ]


def error_outline(error: BaseException) -> list[str]:
    """A model call's error on its span, its agent's and the run's."""
    described = f"{type(error).__name__}: {error}"
    return [
        f"weather_app [AGENT] ERROR: {described}",
        f"  weather_agent [AGENT] ERROR: {described}",
        f"    Gemini [CHAT_MODEL] ERROR: {described}",
    ]


def test_a_model_error_reaches_the_caller_unchanged_and_marks_the_spans(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    fake_llm.fail_next(500)
    with pytest.raises(errors.ServerError) as raised:
        list(run(Setup(fake_llm).runner()))

    assert raised.value.code == 500
    trace = spanscope_traces.single()
    assert outline(trace) == error_outline(raised.value)
    assert str(raised.value).startswith("500 INTERNAL")
    for span in trace.data.spans:
        assert [e.name for e in span.events] == ["exception"]


async def test_a_model_error_in_run_async_is_the_same(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    fake_llm.fail_next(500)
    with pytest.raises(errors.ServerError) as raised:
        [event async for event in run_async(Setup(fake_llm).runner())]

    assert outline(spanscope_traces.single()) == error_outline(raised.value)


async def test_a_tool_error_reaches_the_caller_unchanged_and_marks_the_spans(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    setup = Setup(fake_llm)
    with pytest.raises(WeatherServiceDown, match="no weather for example"):
        [event async for event in run_async(setup.runner(setup.agent(tools=[broken_weather])))]

    error = "ERROR: WeatherServiceDown: no weather for example"
    assert outline(spanscope_traces.single()) == [
        f"weather_app [AGENT] {error}",
        f"  weather_agent [AGENT] {error}",
        "    Gemini [CHAT_MODEL]",
        f"    broken_weather [TOOL] {error}",
    ]

"""Agent invocations, sync and async: the AGENT span with the model call inside, a tool round
trip, errors re-raised unchanged, nesting under the caller's span."""

from __future__ import annotations

from typing import Any

import openai
import pytest

import spanscope
from spanscope.constants import SpanAttributeKey as K
from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.outline import tree
from tests.strands.helpers import (
    AGENT,
    AGENT_ATTRIBUTES,
    ANSWER,
    CHAT_KEYS,
    QUESTION,
    TOOL_ANSWER,
    answer_tree,
    assistant,
    broken_weather,
    chat_attributes,
    get_weather,
    make_agent,
    text,
    user,
)


def test_a_sync_call_is_an_agent_span_with_its_model_call(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    result = make_agent(fake_llm)(QUESTION)

    assert str(result).strip() == ANSWER
    trace = spanscope_traces.single()
    assert tree(trace, CHAT_KEYS) == [answer_tree()]
    assert trace.info.token_usage == {"input_tokens": 6, "output_tokens": 8, "total_tokens": 14}


async def test_invoke_async_is_traced_the_same(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    result = await make_agent(fake_llm).invoke_async(QUESTION)

    assert str(result).strip() == ANSWER
    assert tree(spanscope_traces.single(), CHAT_KEYS) == [answer_tree()]


def test_the_agent_span_nests_under_the_callers_span(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    agent = make_agent(fake_llm, name="weather_bot")

    @spanscope.trace
    def app() -> str:
        return str(agent(QUESTION))

    app()
    (root,) = tree(spanscope_traces.single())
    assert root["name"] == "app"
    (child,) = root["children"]
    assert (child["name"], child["span_type"]) == ("weather_bot", "AGENT")
    assert [c["span_type"] for c in child["children"]] == ["CHAT_MODEL"]


def test_a_second_turn_sends_the_conversation_so_far(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    agent = make_agent(fake_llm, system_prompt="Be terse.")
    agent("Hello there")
    agent(QUESTION)

    _, second = spanscope_traces.traces
    (model,) = tree(second, [K.GEN_AI_INPUT_MESSAGES, K.GEN_AI_SYSTEM_INSTRUCTIONS])[0]["children"]
    assert model["inputs"] == {
        "messages": [user("Hello there"), assistant("You said: Hello there"), user(QUESTION)],
        "system_prompt": "Be terse.",
    }
    assert model["attributes"] == {
        K.GEN_AI_INPUT_MESSAGES: [
            text("system", "Be terse."),
            text("user", "Hello there"),
            text("assistant", "You said: Hello there"),
            text("user", QUESTION),
        ],
        K.GEN_AI_SYSTEM_INSTRUCTIONS: [{"type": "text", "content": "Be terse."}],
    }


def _tool_round_trip_tree() -> dict[str, Any]:
    call = {"toolUseId": "call_fake_0", "name": "get_weather", "input": {"city": "example"}}
    call_part = {
        "type": "tool_call",
        "id": "call_fake_0",
        "name": "get_weather",
        "arguments": {"city": "example"},
    }
    result_part = {
        "type": "tool_call_response",
        "id": "call_fake_0",
        "response": "Sunny in example",
    }
    tool_result = {
        "toolResult": {
            "toolUseId": "call_fake_0",
            "status": "success",
            "content": [{"text": "Sunny in example"}],
        }
    }
    calling = {"role": "assistant", "content": [{"toolUse": call}]}
    return {
        "name": AGENT,
        "span_type": "AGENT",
        "status": "OK",
        "inputs": {"prompt": QUESTION},
        "outputs": {"message": assistant(TOOL_ANSWER), "stop_reason": "end_turn"},
        "events": [],
        "attributes": AGENT_ATTRIBUTES,
        "children": [
            {
                "name": "OpenAIModel",
                "span_type": "CHAT_MODEL",
                "status": "OK",
                "inputs": {"messages": [user(QUESTION)], "tools": ["get_weather"]},
                "outputs": calling,
                "events": [],
                "attributes": chat_attributes(
                    [text("user", QUESTION)],
                    [{"role": "assistant", "parts": [call_part], "finish_reason": "tool_call"}],
                    "tool_call",
                    (6, 2),
                ),
                "children": [],
            },
            {
                "name": "get_weather",
                "span_type": "TOOL",
                "status": "OK",
                "inputs": {"city": "example"},
                "outputs": "Sunny in example",
                "events": [],
                "attributes": {},
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
            {
                "name": "OpenAIModel",
                "span_type": "CHAT_MODEL",
                "status": "OK",
                "inputs": {
                    "messages": [
                        user(QUESTION),
                        calling,
                        {"role": "user", "content": [tool_result]},
                    ],
                    "tools": ["get_weather"],
                },
                "outputs": assistant(TOOL_ANSWER),
                "events": [],
                "attributes": chat_attributes(
                    [
                        text("user", QUESTION),
                        {"role": "assistant", "parts": [call_part]},
                        {"role": "tool", "parts": [result_part]},
                    ],
                    [text("assistant", TOOL_ANSWER, finish_reason="stop")],
                    "stop",
                    (9, 6),
                ),
                "children": [],
            },
        ],
    }


def test_a_tool_round_trip(fake_llm: FakeLLMServer, spanscope_traces: TraceCapture) -> None:
    result = make_agent(fake_llm, [get_weather])(QUESTION)

    assert str(result).strip() == TOOL_ANSWER
    trace = spanscope_traces.single()
    assert tree(trace, CHAT_KEYS) == [_tool_round_trip_tree()]
    assert trace.info.token_usage == {"input_tokens": 15, "output_tokens": 8, "total_tokens": 23}
    (model, *_) = trace.search_spans(span_type="CHAT_MODEL")
    assert model.get_attribute(K.GEN_AI_TOOL_DEFINITIONS) == [
        {
            "type": "function",
            "name": "get_weather",
            "description": "Current weather in a city.",
            "parameters": {
                "properties": {"city": {"description": "Parameter city", "type": "string"}},
                "required": ["city"],
                "type": "object",
            },
        }
    ]
    (tool,) = trace.search_spans(span_type="TOOL")
    assert tool.get_attribute(K.GEN_AI_TOOL_NAME) == "get_weather"
    assert tool.get_attribute("gen_ai.tool.call.id") == "call_fake_0"


async def test_a_tool_round_trip_async(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    await make_agent(fake_llm, [get_weather]).invoke_async(QUESTION)

    assert tree(spanscope_traces.single(), CHAT_KEYS) == [_tool_round_trip_tree()]


def test_a_failing_tool_is_an_error_span_under_an_ok_agent(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    make_agent(fake_llm, [broken_weather])(QUESTION)

    (root,) = tree(spanscope_traces.single())
    assert root["status"] == "OK"
    assert [c["span_type"] for c in root["children"]] == ["CHAT_MODEL", "TOOL", "CHAT_MODEL"]
    tool = root["children"][1]
    assert tool["status"] == "ERROR"
    assert tool["error"] == "WeatherServiceDown: no weather for example"
    assert tool["events"] == ["exception"]
    assert tool["outputs"] == "Error: WeatherServiceDown - no weather for example"


def test_a_model_error_is_raised_unchanged_and_recorded(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    agent = make_agent(fake_llm)
    fake_llm.fail_next(500)
    with pytest.raises(openai.InternalServerError) as raised:
        agent(QUESTION)

    (root,) = tree(spanscope_traces.single())
    error = f"InternalServerError: {raised.value}"
    assert root == {
        "name": AGENT,
        "span_type": "AGENT",
        "status": "ERROR",
        "error": error,
        "inputs": {"prompt": QUESTION},
        "outputs": None,
        "events": ["exception"],
        "children": [
            {
                "name": "OpenAIModel",
                "span_type": "CHAT_MODEL",
                "status": "ERROR",
                "error": error,
                "inputs": {"messages": [user(QUESTION)]},
                "outputs": None,
                "events": ["exception"],
                "children": [],
            }
        ],
    }


async def test_a_model_error_async_is_raised_unchanged_and_recorded(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    agent = make_agent(fake_llm)
    fake_llm.fail_next(500)
    with pytest.raises(openai.InternalServerError):
        await agent.invoke_async(QUESTION)

    (root,) = tree(spanscope_traces.single())
    assert (root["status"], root["events"]) == ("ERROR", ["exception"])
    assert [(c["span_type"], c["status"]) for c in root["children"]] == [("CHAT_MODEL", "ERROR")]


def test_an_agent_used_as_a_tool_nests_under_the_tool_span(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    inner = make_agent(fake_llm, name="researcher", description="Looks things up.")
    outer = make_agent(fake_llm, [inner.as_tool()], name="planner")
    outer(QUESTION)

    (root,) = tree(spanscope_traces.single())
    assert root["name"] == "planner"
    model, tool, final = root["children"]
    assert (tool["span_type"], [c["name"] for c in tool["children"]]) == ("TOOL", ["researcher"])
    (researcher,) = tool["children"]
    assert researcher["span_type"] == "AGENT"
    assert [c["span_type"] for c in researcher["children"]] == ["CHAT_MODEL"]
    assert final["span_type"] == "CHAT_MODEL"
    assert model["span_type"] == "CHAT_MODEL"

"""Haystack's Agent with a tool round trip: the agent, its steps, LLM calls and tool calls."""

from __future__ import annotations

import asyncio
from typing import Any

from haystack import Pipeline
from haystack.components.agents import Agent
from haystack.components.generators.chat import OpenAIChatGenerator
from haystack.dataclasses import ChatMessage

from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.span import Span
from spanscope.entities.trace import Trace
from spanscope.testing import TraceCapture
from spanscope.testing.conformance.fixtures.haystack import (
    MODEL,
    generator,
    run_closed,
    weather_tool,
)
from spanscope.testing.fake_llm import FakeLLMServer
from tests.outline import outline

QUESTION = "What is the weather in Paris?"
# The fake calls the offered tool first (with an example argument from its schema), then
# answers the tool's result in text.
TOOL_OUTPUT = "Sunny in example"
ANSWER = f"The tool returned: {TOOL_OUTPUT}"
AGENT_TREE = [
    "Agent [AGENT]",
    "  step 0 [CHAIN]",
    "    chat_generator [CHAT_MODEL]",
    "    get_weather [TOOL]",
    "  step 1 [CHAIN]",
    "    chat_generator [CHAT_MODEL]",
]


def _agent(server: FakeLLMServer, chat_generator: OpenAIChatGenerator | None = None) -> Agent:
    return Agent(chat_generator=chat_generator or generator(server), tools=[weather_tool()])


def _spans(trace: Trace, name: str) -> list[Span]:
    return sorted((s for s in trace.data.spans if s.name == name), key=lambda s: s.start_time_ns)


def _check_agent_spans(trace: Trace) -> None:
    [agent] = _spans(trace, "Agent")
    first, second = _spans(trace, "chat_generator")
    [tool] = _spans(trace, "get_weather")
    step0, step1 = _spans(trace, "step 0") + _spans(trace, "step 1")
    assert {step0.parent_id, step1.parent_id} == {agent.span_id}
    assert first.parent_id == tool.parent_id == step0.span_id
    assert second.parent_id == step1.span_id

    assert agent.inputs["messages"] == [
        {"role": "user", "parts": [{"type": "text", "content": QUESTION}]}
    ]
    assert agent.outputs["last_message"]["parts"] == [{"type": "text", "content": ANSWER}]
    assert agent.get_attribute("haystack.agent.steps_taken") == 2

    assert first.get_attribute(K.GEN_AI_REQUEST_MODEL) == MODEL
    assert first.get_attribute(K.GEN_AI_TOOL_DEFINITIONS) == [
        {
            "type": "function",
            "name": "get_weather",
            "description": "Current weather in a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        }
    ]
    [call] = first.get_attribute(K.GEN_AI_OUTPUT_MESSAGES)
    [part] = call["parts"]
    assert part["type"] == "tool_call" and part["name"] == "get_weather"
    assert part["arguments"] == {"city": "example"}
    assert first.get_attribute(K.GEN_AI_FINISH_REASONS) == ["tool_calls"]

    assert tool.get_attribute(K.GEN_AI_TOOL_NAME) == "get_weather"
    assert tool.inputs == {"city": "example"}
    assert tool.outputs == TOOL_OUTPUT

    sent = second.get_attribute(K.GEN_AI_INPUT_MESSAGES)
    assert [m["role"] for m in sent] == ["user", "assistant", "tool"]
    assert sent[2]["parts"] == [
        {"type": "tool_call_response", "id": part["id"], "response": TOOL_OUTPUT}
    ]
    assert second.get_attribute(K.GEN_AI_OUTPUT_MESSAGES)[0]["parts"] == [
        {"type": "text", "content": ANSWER}
    ]
    for model_call in (first, second):
        assert model_call.get_attribute(K.GEN_AI_INPUT_TOKENS) > 0


def test_agent_tool_round_trip(fake_llm: FakeLLMServer, spanscope_traces: TraceCapture) -> None:
    chat = generator(fake_llm)
    try:
        result = _agent(fake_llm, chat).run(messages=[ChatMessage.from_user(QUESTION)])
    finally:
        chat.close()

    assert result["last_message"].text == ANSWER
    trace = spanscope_traces.single()
    assert outline(trace) == AGENT_TREE
    _check_agent_spans(trace)


def test_agent_async(fake_llm: FakeLLMServer, spanscope_traces: TraceCapture) -> None:
    async def run() -> Any:
        chat = generator(fake_llm)
        try:
            return await _agent(fake_llm, chat).run_async(
                messages=[ChatMessage.from_user(QUESTION)]
            )
        finally:
            await chat.close_async()

    result = asyncio.run(run())

    assert result["last_message"].text == ANSWER
    trace = spanscope_traces.single()
    assert outline(trace) == AGENT_TREE
    _check_agent_spans(trace)


def test_agent_in_a_pipeline(fake_llm: FakeLLMServer, spanscope_traces: TraceCapture) -> None:
    pipeline = Pipeline()
    pipeline.add_component("agent", _agent(fake_llm))

    result = run_closed(pipeline, {"agent": {"messages": [ChatMessage.from_user(QUESTION)]}})

    assert result["agent"]["last_message"].text == ANSWER
    trace = spanscope_traces.single()
    # The component's span is the agent; its run inside is a chain, not a second agent.
    assert outline(trace) == [
        "Pipeline [CHAIN]",
        "  agent [AGENT]",
        "    Agent.run [CHAIN]",
        *("    " + line for line in AGENT_TREE[1:]),
    ]

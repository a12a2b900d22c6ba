"""Crew runs, sync and async: the crew's CHAIN span, its task, the agent, the model calls and
tools inside, errors re-raised unchanged, nesting under the caller's span."""

from __future__ import annotations

from typing import Any

import openai
import pytest

import spanscope
import spanscope.openai
from spanscope.constants import SpanAttributeKey as K
from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.crewai.helpers import (
    CHAT_KEYS,
    EXPECTED,
    MODEL,
    QUESTION,
    ROLE,
    TOOL_ANSWER,
    TOOL_RUN,
    broken_weather,
    get_weather,
    make_crew,
)
from tests.outline import outline, tree

SYSTEM = f"You are {ROLE}. You know the weather.\nYour personal goal is: Report the weather"
PROMPT = (
    f"\nCurrent Task: {QUESTION}\n\nThis is the expected criteria for your final answer: "
    f"{EXPECTED}\nyou MUST return the actual complete content as the final answer, not a "
    "summary."
)


def _text(role: str, content: str) -> dict[str, Any]:
    return {"role": role, "parts": [{"type": "text", "content": content}]}


def _call(index: int = 0) -> dict[str, Any]:
    return {
        "role": "assistant",
        "parts": [
            {
                "type": "tool_call",
                "id": f"call_fake_{index}",
                "name": "get_weather",
                "arguments": {"city": "example"},
            }
        ],
    }


def test_a_crew_run_is_a_tree_of_its_task_agent_model_calls_and_tools(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    result: Any = make_crew(fake_llm, [get_weather]).kickoff(inputs={"city": "Paris"})

    assert result.raw == TOOL_ANSWER
    trace = spanscope_traces.single()
    assert outline(trace) == TOOL_RUN
    [crew] = tree(trace, CHAT_KEYS)
    assert crew["inputs"] == {"inputs": {"city": "Paris"}}
    assert crew["outputs"] == TOOL_ANSWER
    [task] = crew["children"]
    assert task["inputs"] == {"description": QUESTION, "expected_output": EXPECTED}
    assert task["outputs"] == TOOL_ANSWER
    assert task["attributes"] == {"gen_ai.agent.name": ROLE}
    [agent] = task["children"]
    assert agent["inputs"] == {"task": QUESTION, "tools": ["get_weather"]}
    assert agent["attributes"] == {K.GEN_AI_OPERATION: "invoke_agent", "gen_ai.agent.name": ROLE}
    first, tool, second = agent["children"]
    attributes = first["attributes"]
    assert attributes[K.GEN_AI_PROVIDER] == "openai"
    assert attributes[K.GEN_AI_REQUEST_MODEL] == MODEL
    assert attributes[K.GEN_AI_SYSTEM_INSTRUCTIONS] == [{"type": "text", "content": SYSTEM}]
    assert attributes[K.GEN_AI_INPUT_MESSAGES] == [_text("system", SYSTEM), _text("user", PROMPT)]
    assert attributes[K.GEN_AI_OUTPUT_MESSAGES] == [{**_call(), "finish_reason": "tool_calls"}]
    assert attributes[K.GEN_AI_FINISH_REASONS] == ["tool_calls"]
    assert [d["name"] for d in attributes[K.GEN_AI_TOOL_DEFINITIONS]] == ["get_weather"]
    assert (attributes[K.GEN_AI_INPUT_TOKENS], attributes[K.GEN_AI_OUTPUT_TOKENS]) == (48, 2)
    assert tool["inputs"] == {"city": "example"}
    assert tool["outputs"] == "Sunny in example"
    assert tool["attributes"] == {K.GEN_AI_TOOL_NAME: "get_weather"}
    answer = second["attributes"]
    assert answer[K.GEN_AI_INPUT_MESSAGES][2:] == [
        _call(),
        {
            "role": "tool",
            "parts": [
                {"type": "tool_call_response", "id": "call_fake_0", "response": "Sunny in example"}
            ],
            "name": "get_weather",
        },
    ]
    assert answer[K.GEN_AI_OUTPUT_MESSAGES] == [
        {**_text("assistant", TOOL_ANSWER), "finish_reason": "stop"}
    ]
    usage = trace.info.token_usage or {}
    assert usage == {
        "input_tokens": 48 + answer[K.GEN_AI_INPUT_TOKENS],
        "output_tokens": 2 + answer[K.GEN_AI_OUTPUT_TOKENS],
        "total_tokens": usage["input_tokens"] + usage["output_tokens"],
    }


async def test_akickoff_is_traced_the_same(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    result: Any = await make_crew(fake_llm, [get_weather]).akickoff()

    assert result.raw == TOOL_ANSWER
    assert outline(spanscope_traces.single()) == TOOL_RUN


async def test_kickoff_async_is_traced_the_same(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    result: Any = await make_crew(fake_llm, [get_weather]).kickoff_async()

    assert result.raw == TOOL_ANSWER
    assert outline(spanscope_traces.single()) == TOOL_RUN


def test_the_crew_nests_under_the_callers_span(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    @spanscope.trace
    def app() -> str:
        result: Any = make_crew(fake_llm).kickoff()
        return str(result.raw)

    assert app().startswith("You said: Current Task: " + QUESTION)
    assert outline(spanscope_traces.single()) == [
        "app [UNKNOWN]",
        "  crew [CHAIN]",
        f"    {QUESTION} [TASK]",
        f"      {ROLE} [AGENT]",
        "        OpenAICompletion.call [CHAT_MODEL]",
    ]


def test_a_model_error_is_re_raised_unchanged_and_recorded(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    fake_llm.fail_next(500, times=10)  # CrewAI retries the agent's task
    try:
        with pytest.raises(openai.InternalServerError):
            make_crew(fake_llm).kickoff()
    finally:
        fake_llm.reset()

    trace = spanscope_traces.single()
    lines = outline(trace)
    assert lines[0].startswith("crew [CHAIN] ERROR: InternalServerError")
    assert lines[1].startswith(f"  {QUESTION} [TASK] ERROR: InternalServerError")
    assert lines[2].startswith(f"    {ROLE} [AGENT] ERROR: InternalServerError")
    assert all(
        line.startswith("      OpenAICompletion.call [CHAT_MODEL] ERROR: InternalServerError")
        for line in lines[3:]
    )
    assert len(lines) > 3
    [crew] = tree(trace)
    assert crew["events"] == ["exception"]


def test_a_tool_error_is_recorded_on_its_span_and_given_to_the_model(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    make_crew(fake_llm, [broken_weather]).kickoff()

    lines = outline(spanscope_traces.single())
    assert "      broken_weather [TOOL] ERROR: WeatherServiceDown: no weather for example" in lines
    assert lines[0] == "crew [CHAIN]"


def test_the_openai_sdk_call_nests_under_the_model_span_and_usage_counts_once(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    spanscope.openai.autolog()
    make_crew(fake_llm).kickoff()

    trace = spanscope_traces.single()
    assert outline(trace) == [
        "crew [CHAIN]",
        f"  {QUESTION} [TASK]",
        f"    {ROLE} [AGENT]",
        "      OpenAICompletion.call [CHAT_MODEL]",
        "        openai.chat.completions.create [CHAT_MODEL]",
    ]
    [crew] = tree(trace, CHAT_KEYS)
    model = crew["children"][0]["children"][0]["children"][0]
    tokens = (
        model["attributes"][K.GEN_AI_INPUT_TOKENS],
        model["attributes"][K.GEN_AI_OUTPUT_TOKENS],
    )
    assert trace.info.token_usage == {
        "input_tokens": tokens[0],
        "output_tokens": tokens[1],
        "total_tokens": sum(tokens),
    }

"""Agent runs (sync, async, iter) with tool calls and structured output: whole span trees."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import BaseModel

import spanscope
from spanscope.constants import SpanAttributeKey as K
from spanscope.testing import TraceCapture, span_tree
from spanscope.testing.fake_llm import FakeLLMServer
from tests.outline import outline
from tests.pydantic_ai.conftest import MODEL, make_agent

QUESTION = "What is the weather in Paris?"
SYSTEM = {"role": "system", "parts": [{"type": "text", "content": "Be brief."}]}
USER = {"role": "user", "parts": [{"type": "text", "content": QUESTION}]}
ECHO = f"You said: {QUESTION}"


def reply(text: str, finish: str = "stop") -> dict[str, Any]:
    return {
        "role": "assistant",
        "parts": [{"type": "text", "content": text}],
        "finish_reason": finish,
    }


def chat(trace: Any, index: int = 0) -> Any:
    spans = sorted(
        (s for s in trace.data.spans if s.span_type == "CHAT_MODEL"), key=lambda s: s.start_time_ns
    )
    return spans[index]


def usage(trace: Any) -> dict[str, int]:
    totals = trace.info.token_usage
    assert totals is not None
    return dict(totals)


def weather_agent(server: FakeLLMServer) -> Any:
    agent = make_agent(server)

    @spanscope.trace
    def lookup(city: str) -> str:
        return f"Sunny in {city}"

    @agent.tool_plain
    def get_weather(city: str) -> str:
        """Current weather in a city."""
        return lookup(city)

    return agent


def test_run_sync_records_the_agent_and_its_model_request(
    server: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    result = make_agent(server).run_sync(QUESTION)

    assert result.output == ECHO
    trace = spanscope_traces.single()
    assert span_tree(trace, attributes=[K.GEN_AI_REQUEST_MODEL, K.GEN_AI_INPUT_TOKENS]) == [
        {
            "name": "invoke_agent assistant",
            "span_type": "AGENT",
            "status": "OK",
            "inputs": {"messages": [SYSTEM, USER]},
            "outputs": ECHO,
            "events": [],
            "attributes": {K.GEN_AI_REQUEST_MODEL: MODEL, K.GEN_AI_INPUT_TOKENS: 8},
            "children": [
                {
                    "name": f"chat {MODEL}",
                    "span_type": "CHAT_MODEL",
                    "status": "OK",
                    "inputs": {"messages": [SYSTEM, USER]},
                    "outputs": [reply(ECHO)],
                    "events": [],
                    "attributes": {K.GEN_AI_REQUEST_MODEL: MODEL, K.GEN_AI_INPUT_TOKENS: 8},
                    "children": [],
                }
            ],
        }
    ]
    model_span = chat(trace)
    assert model_span.get_attribute(K.GEN_AI_INPUT_MESSAGES) == [USER]
    assert model_span.get_attribute(K.GEN_AI_OUTPUT_MESSAGES) == [reply(ECHO)]
    assert model_span.get_attribute(K.GEN_AI_PROVIDER) == "openai"
    assert model_span.get_attribute(K.GEN_AI_RESPONSE_MODEL) == MODEL
    # The agent reports the sum of its requests: the trace counts it once.
    assert usage(trace)["input_tokens"] == 8
    assert usage(trace)["output_tokens"] == model_span.get_attribute(K.GEN_AI_OUTPUT_TOKENS)


def test_a_tool_call_round_trip_nests_the_users_code_under_the_tool(
    server: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    agent = weather_agent(server)

    @spanscope.trace(span_type="CHAIN")
    def ask() -> str:
        return str(agent.run_sync(QUESTION).output)

    answer = ask()

    assert answer == "The tool returned: Sunny in example"
    trace = spanscope_traces.single()
    assert outline(trace) == [
        "ask [CHAIN]",
        "  invoke_agent assistant [AGENT]",
        f"    chat {MODEL} [CHAT_MODEL]",
        "    execute_tool get_weather [TOOL]",
        "      lookup [UNKNOWN]",
        f"    chat {MODEL} [CHAT_MODEL]",
    ]
    call = {"type": "tool_call", "id": "call_fake_0", "name": "get_weather"}
    call["arguments"] = {"city": "example"}  # type: ignore[assignment]
    first, second = chat(trace, 0), chat(trace, 1)
    assert first.get_attribute(K.GEN_AI_OUTPUT_MESSAGES) == [
        {"role": "assistant", "parts": [call], "finish_reason": "tool_call"}
    ]
    assert [d["name"] for d in first.get_attribute(K.GEN_AI_TOOL_DEFINITIONS)] == ["get_weather"]
    tool_result = {
        "role": "tool",
        "parts": [
            {
                "type": "tool_call_response",
                "id": "call_fake_0",
                "name": "get_weather",
                "response": "Sunny in example",
            }
        ],
    }
    assert second.get_attribute(K.GEN_AI_INPUT_MESSAGES) == [
        USER,
        {"role": "assistant", "parts": [call], "finish_reason": "tool_call"},
        tool_result,
    ]
    tool = next(s for s in trace.data.spans if s.span_type == "TOOL")
    assert (tool.inputs, tool.outputs) == ({"city": "example"}, "Sunny in example")
    assert tool.get_attribute(K.GEN_AI_TOOL_NAME) == "get_weather"
    # Each request's usage is counted once, under the agent's sum.
    assert usage(trace)["input_tokens"] == sum(
        s.get_attribute(K.GEN_AI_INPUT_TOKENS) for s in (first, second)
    )


async def test_async_run_nests_under_the_callers_span(
    server: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    agent = weather_agent(server)

    @spanscope.trace
    async def ask() -> str:
        return str((await agent.run(QUESTION)).output)

    assert await ask() == "The tool returned: Sunny in example"
    assert outline(spanscope_traces.single()) == [
        "ask [UNKNOWN]",
        "  invoke_agent assistant [AGENT]",
        f"    chat {MODEL} [CHAT_MODEL]",
        "    execute_tool get_weather [TOOL]",
        "      lookup [UNKNOWN]",
        f"    chat {MODEL} [CHAT_MODEL]",
    ]


async def test_concurrent_runs_are_separate_traces(
    server: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    agent = make_agent(server)
    results = await asyncio.gather(agent.run("one"), agent.run("two"))

    assert [r.output for r in results] == ["You said: one", "You said: two"]
    traces = spanscope_traces.traces
    assert len(traces) == 2
    assert all(
        outline(t) == ["invoke_agent assistant [AGENT]", f"  chat {MODEL} [CHAT_MODEL]"]
        for t in traces
    )
    prompts = sorted(
        chat(t).get_attribute(K.GEN_AI_INPUT_MESSAGES)[0]["parts"][0]["content"] for t in traces
    )
    assert prompts == ["one", "two"]


async def test_iter_records_the_run(server: FakeLLMServer, spanscope_traces: TraceCapture) -> None:
    nodes = []
    async with make_agent(server).iter(QUESTION) as run:
        async for node in run:
            nodes.append(type(node).__name__)

    assert run.result is not None and run.result.output == ECHO
    assert "ModelRequestNode" in nodes
    trace = spanscope_traces.single()
    assert outline(trace) == ["invoke_agent assistant [AGENT]", f"  chat {MODEL} [CHAT_MODEL]"]
    assert trace.data.spans[0].outputs == ECHO


class Broken(Exception):
    pass


class City(BaseModel):
    name: str
    population: int


def test_structured_output(server: FakeLLMServer, spanscope_traces: TraceCapture) -> None:
    result = make_agent(server, output_type=City).run_sync("Describe Paris.")

    assert isinstance(result.output, City)
    trace = spanscope_traces.single()
    # Pydantic AI asks for the output through a tool the model calls: no tool runs.
    assert outline(trace) == ["invoke_agent assistant [AGENT]", f"  chat {MODEL} [CHAT_MODEL]"]
    agent_span = trace.data.spans[0]
    assert agent_span.outputs == result.output.model_dump()
    request = chat(trace)
    (part,) = request.get_attribute(K.GEN_AI_OUTPUT_MESSAGES)[0]["parts"]
    assert (part["type"], part["name"]) == ("tool_call", "final_result")
    assert part["arguments"] == result.output.model_dump()


def test_a_model_error_is_re_raised_unchanged_and_recorded(
    server: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    from pydantic_ai.exceptions import ModelHTTPError

    agent = make_agent(server)
    server.fail_next(500)
    with pytest.raises(ModelHTTPError) as caught:
        agent.run_sync(QUESTION)

    assert caught.value.status_code == 500
    trace = spanscope_traces.single()
    tree = span_tree(trace, values=False)
    assert [tree[0]["span_type"], tree[0]["status"], tree[0]["events"]] == [
        "AGENT",
        "ERROR",
        ["exception"],
    ]
    (request,) = tree[0]["children"]
    assert [request["span_type"], request["status"], request["events"]] == [
        "CHAT_MODEL",
        "ERROR",
        ["exception"],
    ]
    assert request["error"].startswith("ModelHTTPError")
    event = chat(trace).events[0]
    assert event.attributes["exception.type"].endswith("ModelHTTPError")


def test_a_tool_error_is_recorded_on_the_tool(
    server: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    agent = make_agent(server)

    @agent.tool_plain
    def get_weather(city: str) -> str:
        """Current weather in a city."""
        raise Broken(city)

    with pytest.raises(Broken) as caught:
        agent.run_sync(QUESTION)

    assert caught.value.args == ("example",)
    trace = spanscope_traces.single()
    # The descriptions are the ones Pydantic AI's instrumentation gives.
    assert outline(trace) == [
        "invoke_agent assistant [AGENT] ERROR: Broken: example",
        f"  chat {MODEL} [CHAT_MODEL]",
        f"  execute_tool get_weather [TOOL] ERROR: {Broken.__module__}.Broken: example",
    ]

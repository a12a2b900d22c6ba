"""An agent's run: its AGENT span with the model calls and tool executions inside."""

from __future__ import annotations

from typing import Any

import openai
import pytest

import spanscope
from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.autogen.expect import (
    CREATE,
    QUESTION,
    SYSTEM,
    WEATHER_DEFINITION,
    agent,
    assistant,
    chat,
    system,
    tool,
    tool_call,
    tool_result,
    tree,
    user,
)

agents = pytest.importorskip("autogen_agentchat.agents")
messages = pytest.importorskip("autogen_agentchat.messages")

ANSWER = f"You said: {QUESTION}"


def get_weather(city: str) -> str:
    """Current weather in a city."""
    return f"Sunny in {city}"


async def test_an_agent_run_is_an_agent_span_with_the_model_call(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    bot = agents.AssistantAgent("bot", model_client=client, system_message=SYSTEM)
    result = await bot.run(task=QUESTION)

    assert result.messages[-1].content == ANSWER
    (root,) = tree(spanscope_traces.single(), values=True)
    model = chat(
        CREATE,
        [system(), user()],
        [assistant(ANSWER, "stop")],
        "stop",
        (8, 8),
        inputs=root["children"][0]["inputs"],
        outputs=root["children"][0]["outputs"],
    )
    assert root == agent(
        "bot", model, inputs={"task": QUESTION}, outputs=result.model_dump(mode="json")
    )
    sent = model["inputs"]["messages"]
    assert [m["type"] for m in sent] == ["SystemMessage", "UserMessage"]
    assert model["outputs"]["content"] == ANSWER


async def test_on_messages_is_one_agent_span(client: Any, spanscope_traces: TraceCapture) -> None:
    bot = agents.AssistantAgent("bot", model_client=client, system_message=SYSTEM)
    task = messages.TextMessage(content=QUESTION, source="user")
    response = await bot.on_messages([task], cancellation_token=None)

    assert response.chat_message.content == ANSWER
    (root,) = tree(spanscope_traces.single(), values=True)
    assert [c["name"] for c in root["children"]] == [CREATE]
    assert root["name"] == "bot" and root["span_type"] == "AGENT"
    assert [m["content"] for m in root["inputs"]["messages"]] == [QUESTION]
    assert root["outputs"]["chat_message"]["content"] == ANSWER


async def test_a_tool_round_trip(client: Any, spanscope_traces: TraceCapture) -> None:
    bot = agents.AssistantAgent(
        "bot",
        model_client=client,
        system_message=SYSTEM,
        tools=[get_weather],
        reflect_on_tool_use=True,
    )
    result = await bot.run(task=QUESTION)

    assert result.messages[-1].content == "The tool returned: Sunny in example"
    (root,) = tree(spanscope_traces.single())
    assert root == agent(
        "bot",
        chat(
            CREATE,
            [system(), user()],
            [tool_call(finish="tool_calls")],
            "tool_calls",
            (8, 2),
            tools=[WEATHER_DEFINITION],
        ),
        tool(),
        chat(
            CREATE,
            [system(), user(), tool_call(), tool_result("Sunny in example")],
            [assistant("The tool returned: Sunny in example", "stop")],
            "stop",
            (11, 6),
        ),
    )
    (trace,) = spanscope_traces.traces
    (tool_span,) = [s for s in trace.data.spans if s.span_type == "TOOL"]
    assert (tool_span.inputs, tool_span.outputs) == ({"city": "example"}, "Sunny in example")


async def test_a_model_error_reaches_the_caller_unchanged_and_is_recorded(
    client: Any, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    bot = agents.AssistantAgent("bot", model_client=client, system_message=SYSTEM)
    fake_llm.fail_next(500)
    with pytest.raises(openai.InternalServerError) as caught:
        await bot.run(task=QUESTION)

    (root,) = tree(spanscope_traces.single(), events=True)
    error = f"InternalServerError: {caught.value}"
    model = chat(CREATE, [system(), user()], None, None, None, status="ERROR", error=error)
    model["events"] = ["exception"]
    assert root == agent("bot", model, status="ERROR", error=error, events=["exception"])
    (trace,) = spanscope_traces.traces
    (event,) = next(s for s in trace.data.spans if s.name == CREATE).events
    assert event.attributes["exception.type"] == "InternalServerError"


async def test_a_failing_tool_is_recorded_and_shown_to_the_model(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    def get_weather(city: str) -> str:
        """Current weather in a city."""
        raise ValueError(f"no weather for {city}")

    bot = agents.AssistantAgent("bot", model_client=client, tools=[get_weather])
    result = await bot.run(task=QUESTION)

    # AutoGen catches a tool's error and gives it to the model as the tool's result.
    assert "no weather for example" in str(result.messages[-1].content)
    (root,) = tree(spanscope_traces.single(), events=True)
    assert root["status"] == "OK"
    tool_span = root["children"][1]
    assert (tool_span["name"], tool_span["status"], tool_span["events"]) == (
        "get_weather",
        "ERROR",
        ["exception"],
    )


async def test_runs_nest_under_the_callers_span(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    bot = agents.AssistantAgent("bot", model_client=client, system_message=SYSTEM)

    @spanscope.trace(span_type="CHAIN")
    async def workflow() -> str:
        first = await bot.run(task="first")
        second = await bot.run(task="second")
        return f"{first.messages[-1].content} / {second.messages[-1].content}"

    assert await workflow() == "You said: first / You said: second"
    (root,) = tree(spanscope_traces.single())
    assert root["name"] == "workflow"
    assert [(c["name"], [g["name"] for g in c["children"]]) for c in root["children"]] == [
        ("bot", [CREATE]),
        ("bot", [CREATE]),
    ]

"""A two-agent AutoGen team on the real AutoGen AgentChat and its OpenAI model client: a
forecaster that calls a Python tool and reflects on its result, then an editor, fully offline.

The model client talks HTTP to spanscope's fake OpenAI API on 127.0.0.1, so no key and no
network are needed. Run: `python examples/autogen_team.py` (part of `make demo`).
"""

from __future__ import annotations

import asyncio

from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.conditions import MaxMessageTermination
from autogen_agentchat.teams import RoundRobinGroupChat
from autogen_ext.models.openai import OpenAIChatCompletionClient

import spanscope
from spanscope.testing.fake_llm import FakeLLMServer

# A model AutoGen knows by this name (a short alias is resolved to it, with a warning).
MODEL = "gpt-4o-mini-2024-07-18"


def get_weather(city: str) -> str:
    """Current weather in a city."""
    return f"sunny and 21 °C in {city}"


def fake_reply(prompt: str) -> str:
    if "sunny" in prompt:
        return "Paris: sunny and 21 °C, a fine day for a walk."
    return "It is sunny and 21 °C in Paris."


async def forecast(server: FakeLLMServer) -> str:
    client = OpenAIChatCompletionClient(
        model=MODEL, base_url=server.openai_base_url, api_key="sk-fake", max_retries=0
    )
    forecaster = AssistantAgent(
        "forecaster",
        model_client=client,
        system_message="You forecast the weather; use your tools.",
        tools=[get_weather],
        reflect_on_tool_use=True,
    )
    editor = AssistantAgent(
        "editor", model_client=client, system_message="You polish the forecast."
    )
    team = RoundRobinGroupChat([forecaster, editor], termination_condition=MaxMessageTermination(3))
    try:
        result = await team.run(task="What is the weather in Paris?")
    finally:
        await client.close()
    return str(result.messages[-1].content)


def main() -> None:
    spanscope.autogen.autolog()
    with FakeLLMServer(reply=fake_reply) as server:
        answer = asyncio.run(forecast(server))
    print(f"answer: {answer}\n")
    print(spanscope.get_trace(spanscope.get_last_active_trace_id()).to_text())


if __name__ == "__main__":
    main()

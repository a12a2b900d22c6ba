"""A travel agent on the real Strands Agents SDK: a tool-calling turn, then a streamed turn,
traced through Strands' own hooks, fully offline.

Strands' OpenAI model talks HTTP to spanscope's fake OpenAI API on 127.0.0.1, so no key and no
network are needed. Run: `python examples/strands_agent.py` (part of `make demo`).
"""

from __future__ import annotations

import asyncio
from typing import Literal

from strands import Agent, tool
from strands.models.openai import OpenAIModel

import spanscope
from spanscope.testing.fake_llm import FakeLLMServer

MODEL = "gpt-4o-mini"


@tool
def get_weather(city: Literal["Paris", "Lyon"]) -> str:
    """Current weather in a city."""
    return f"sunny and 21 °C in {city}"


def fake_reply(prompt: str) -> str:
    if "tomorrow" in prompt.lower():
        return "Tomorrow stays sunny in Paris: no umbrella needed."
    return "It is sunny and 21 °C in Paris."


class TravelDesk:
    def __init__(self, agent: Agent) -> None:
        self.agent = agent

    @spanscope.trace(name="travel_desk", span_type="CHAIN")
    def answer(self, question: str, follow_up: str) -> list[str]:
        spanscope.update_current_trace(user_id="user-strands", tags={"framework": "strands"})
        # The model asks for get_weather; Strands runs it and sends the result back.
        today = str(self.agent(question)).strip()

        async def streamed() -> str:
            events = self.agent.stream_async(follow_up)
            return "".join([event["data"] async for event in events if "data" in event])

        return [today, asyncio.run(streamed())]


def main() -> None:
    spanscope.strands.autolog()
    with FakeLLMServer(reply=fake_reply) as server:
        client_args = {"base_url": server.openai_base_url, "api_key": "fake"}
        agent = Agent(
            model=OpenAIModel(client_args=client_args, model_id=MODEL),
            tools=[get_weather],
            system_prompt="You are a terse travel assistant.",
            name="weather_agent",
            callback_handler=None,  # Strands' default handler prints the reply as it streams
        )
        desk = TravelDesk(agent)
        today, tomorrow = desk.answer("What is the weather in Paris?", "And tomorrow?")
    print(f"today: {today}\ntomorrow: {tomorrow}\n")
    print(spanscope.get_trace(spanscope.get_last_active_trace_id()).to_text())


if __name__ == "__main__":
    main()

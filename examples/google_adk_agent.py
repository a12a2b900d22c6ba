"""A travel agent on the real Google Agent Development Kit (ADK): a run calling a tool, then a
streamed run, traced through ADK's own plugin system, fully offline.

ADK's Gemini model talks HTTP (through google-genai) to spanscope's fake Gemini API on
127.0.0.1, so no key and no network are needed. Run: `python examples/google_adk_agent.py`
(part of `make demo`).
"""

from __future__ import annotations

import asyncio
from typing import Literal

from google.adk.agents import LlmAgent, RunConfig
from google.adk.agents.run_config import StreamingMode  # type: ignore[attr-defined]
from google.adk.events import Event
from google.adk.models import Gemini
from google.adk.runners import Runner
from google.adk.sessions import InMemorySessionService
from google.genai import types

import spanscope
from spanscope.testing.fake_llm import FakeLLMServer

MODEL = "gemini-2.5-flash"


def get_weather(city: Literal["Paris", "Lyon"]) -> str:
    """Current weather in a city."""
    return f"sunny and 21 °C in {city}"


def fake_reply(prompt: str) -> str:
    if "tomorrow" in prompt.lower():
        return "Tomorrow stays sunny in Paris: no umbrella needed."
    return "It is sunny and 21 °C in Paris."


def message(text: str) -> types.Content:
    return types.Content(role="user", parts=[types.Part(text=text)])


def text_of(event: Event) -> str:
    parts = event.content.parts if event.content is not None else None
    return "".join(part.text or "" for part in parts or [])


class TravelDesk:
    def __init__(self, runner: Runner) -> None:
        self.runner = runner

    @spanscope.trace(name="travel_desk", span_type="CHAIN")
    def answer(self, question: str, follow_up: str) -> list[str]:
        spanscope.update_current_trace(user_id="user-adk", tags={"framework": "google-adk"})
        # The model asks for get_weather; ADK runs it and sends the result back.
        events = self.runner.run(
            user_id="user-adk", session_id="trip", new_message=message(question)
        )
        today = [text_of(event) for event in events if event.is_final_response()]

        async def streamed() -> str:
            sse = RunConfig(streaming_mode=StreamingMode.SSE)
            events = self.runner.run_async(
                user_id="user-adk",
                session_id="trip",
                new_message=message(follow_up),
                run_config=sse,
            )
            return "".join([text_of(event) async for event in events if event.partial])

        return [today[-1], asyncio.run(streamed())]


def main() -> None:
    spanscope.google_adk.autolog()
    with FakeLLMServer(reply=fake_reply) as server:
        # An offline stand-in for the Gemini API; an application passes its own key (or sets
        # GOOGLE_API_KEY) and no base_url.
        model = Gemini(
            model=MODEL, base_url=server.gemini_base_url, client_kwargs={"api_key": "fake"}
        )
        agent = LlmAgent(
            name="weather_agent",
            model=model,
            instruction="You are a terse travel assistant.",
            tools=[get_weather],
        )
        runner = Runner(
            agent=agent,
            app_name="weather_app",
            session_service=InMemorySessionService(),
            auto_create_session=True,
        )
        today, tomorrow = TravelDesk(runner).answer(
            "What is the weather in Paris?", "And tomorrow?"
        )
    print(f"today: {today}\ntomorrow: {tomorrow}\n")
    print(spanscope.get_trace(spanscope.get_last_active_trace_id()).to_text())


if __name__ == "__main__":
    main()

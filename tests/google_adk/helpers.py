"""Agents on the fake Gemini server, their runners, and the expected spans of their runs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from google import genai
from google.adk.agents import BaseAgent, LlmAgent, RunConfig
from google.adk.agents.run_config import StreamingMode  # type: ignore[attr-defined]
from google.adk.events import Event
from google.adk.runners import Runner
from google.genai import types

import spanscope
from spanscope.constants import SpanAttributeKey as K
from spanscope.testing.conformance.fixtures.google_adk import app_runner, gemini
from spanscope.testing.fake_llm import FakeLLMServer

MODEL = "gemini-2.5-flash"
QUESTION = "What is the weather in Paris?"
ANSWER = f"You said: {QUESTION}"
TOOL_ANSWER = "The tool returned: Sunny in example"
APP = "weather_app"
INSTRUCTION = "Be brief."
SYSTEM = f'{INSTRUCTION}\n\nYou are an agent. Your internal name is "weather_agent".'

CHAT_KEYS = [
    K.GEN_AI_PROVIDER,
    K.GEN_AI_OPERATION,
    K.GEN_AI_REQUEST_MODEL,
    K.GEN_AI_INPUT_MESSAGES,
    K.GEN_AI_OUTPUT_MESSAGES,
    K.GEN_AI_FINISH_REASONS,
    K.GEN_AI_INPUT_TOKENS,
    K.GEN_AI_OUTPUT_TOKENS,
]


def get_weather(city: str) -> str:
    """Current weather in a city."""
    with spanscope.start_span("lookup"):  # the tool's own code nests under its span
        return f"Sunny in {city}"


class WeatherServiceDown(Exception):
    pass


def broken_weather(city: str) -> str:
    """Current weather in a city."""
    raise WeatherServiceDown(f"no weather for {city}")


class Setup:
    """Agents on one fake server; their clients closed after each run (ClosingClients)."""

    def __init__(self, server: FakeLLMServer) -> None:
        self.server = server
        self.clients: list[genai.Client] = []

    def agent(
        self, name: str = "weather_agent", tools: list[Any] | None = None, **kwargs: Any
    ) -> LlmAgent:
        kwargs.setdefault("instruction", INSTRUCTION)
        model = gemini(self.server, self.clients)
        return LlmAgent(name=name, model=model, tools=list(tools or []), **kwargs)

    def runner(self, agent: BaseAgent | None = None) -> Runner:
        return app_runner(agent or self.agent(), self.clients)


def message(text: str = QUESTION) -> types.Content:
    return types.Content(role="user", parts=[types.Part(text=text)])


def config(stream: bool) -> RunConfig:
    return RunConfig(streaming_mode=StreamingMode.SSE if stream else StreamingMode.NONE)


def run(runner: Runner, text: str = QUESTION, stream: bool = False) -> Iterator[Event]:
    return runner.run(
        user_id="user", session_id="s1", new_message=message(text), run_config=config(stream)
    )


def run_async(runner: Runner, text: str = QUESTION, stream: bool = False) -> AsyncIterator[Event]:
    return runner.run_async(
        user_id="user", session_id="s1", new_message=message(text), run_config=config(stream)
    )


async def collect(runner: Runner, is_async: bool, stream: bool = False) -> list[Event]:
    """The events of one run, through `run_async` or through the sync `run`."""
    if is_async:
        return [event async for event in run_async(runner, stream=stream)]
    return list(run(runner, stream=stream))


def event_text(event: Event) -> str:
    parts = event.content.parts if event.content is not None else None
    return "".join(part.text or "" for part in parts or [])


def final_text(events: list[Event]) -> str | None:
    """The text of the last final response among `events`."""
    finals = [event_text(e) for e in events if e.is_final_response() and event_text(e)]
    return finals[-1] if finals else None


def text(role: str, content: str, **extra: Any) -> dict[str, Any]:
    return {"role": role, "parts": [{"type": "text", "content": content}], **extra}


def chat_attributes(
    inputs: list[dict[str, Any]],
    outputs: list[dict[str, Any]],
    finish: str,
    tokens: tuple[int, int],
) -> dict[str, Any]:
    return {
        K.GEN_AI_PROVIDER: "gcp.gemini",
        K.GEN_AI_OPERATION: "chat",
        K.GEN_AI_REQUEST_MODEL: MODEL,
        K.GEN_AI_INPUT_MESSAGES: [text("system", SYSTEM), *inputs],
        K.GEN_AI_OUTPUT_MESSAGES: outputs,
        K.GEN_AI_FINISH_REASONS: [finish],
        K.GEN_AI_INPUT_TOKENS: tokens[0],
        K.GEN_AI_OUTPUT_TOKENS: tokens[1],
    }


def model_span(inputs: list[dict[str, Any]], reply: str, tokens: tuple[int, int]) -> dict[str, Any]:
    """A model call answering with text, as `tree(trace, CHAT_KEYS)` shows it (inputs and
    outputs left out: the request and response as JSON)."""
    return {
        "name": "Gemini",
        "span_type": "CHAT_MODEL",
        "status": "OK",
        "events": [],
        "attributes": chat_attributes(
            inputs, [text("assistant", reply, finish_reason="stop")], "stop", tokens
        ),
        "children": [],
    }


def without_values(nodes: list[dict[str, Any]], span_type: str = "CHAT_MODEL") -> Any:
    """The tree with the inputs and outputs of spans of `span_type` left out."""
    for node in nodes:
        if node["span_type"] == span_type:
            node.pop("inputs", None)
            node.pop("outputs", None)
        without_values(node["children"], span_type)
    return nodes

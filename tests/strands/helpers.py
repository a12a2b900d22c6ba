"""Agents on the fake OpenAI server, and the expected spans of their calls."""

from __future__ import annotations

from typing import Any

from strands import Agent, tool
from strands.models.openai import OpenAIModel

import spanscope
from spanscope.constants import SpanAttributeKey as K
from spanscope.testing.fake_llm import FakeLLMServer

MODEL = "gpt-4o-mini"
QUESTION = "What is the weather in Paris?"
ANSWER = f"You said: {QUESTION}"
TOOL_ANSWER = "The tool returned: Sunny in example"
AGENT = "Strands Agents"

AGENT_ATTRIBUTES = {K.GEN_AI_OPERATION: "invoke_agent"}
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


@tool
def get_weather(city: str) -> str:
    """Current weather in a city."""
    with spanscope.start_span("lookup"):  # the tool's own code nests under its span
        return f"Sunny in {city}"


class WeatherServiceDown(Exception):
    pass


@tool
def broken_weather(city: str) -> str:
    """Current weather in a city."""
    raise WeatherServiceDown(f"no weather for {city}")


def make_agent(server: FakeLLMServer, tools: list[Any] | None = None, **kwargs: Any) -> Agent:
    client_args = {"base_url": server.openai_base_url, "api_key": "fake", "max_retries": 0}
    model = OpenAIModel(client_args=client_args, model_id=MODEL)
    return Agent(model=model, tools=tools, callback_handler=None, **kwargs)


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"text": text}]}


def assistant(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": [{"text": text}]}


def text(role: str, content: str, **extra: Any) -> dict[str, Any]:
    return {"role": role, "parts": [{"type": "text", "content": content}], **extra}


def chat_attributes(
    inputs: list[dict[str, Any]],
    outputs: list[dict[str, Any]] | None,
    finish: str | None,
    tokens: tuple[int, int] | None,
) -> dict[str, Any]:
    attributes = {
        K.GEN_AI_PROVIDER: "openai",
        K.GEN_AI_OPERATION: "chat",
        K.GEN_AI_REQUEST_MODEL: MODEL,
        K.GEN_AI_INPUT_MESSAGES: inputs,
        K.GEN_AI_OUTPUT_MESSAGES: outputs,
        K.GEN_AI_FINISH_REASONS: [finish] if finish else None,
        K.GEN_AI_INPUT_TOKENS: tokens[0] if tokens else None,
        K.GEN_AI_OUTPUT_TOKENS: tokens[1] if tokens else None,
    }
    return {k: v for k, v in attributes.items() if v is not None}


def answer_tree(prompt: str = QUESTION) -> dict[str, Any]:
    """An agent answering one prompt with one model call."""
    reply = f"You said: {prompt}"
    tokens = (len(prompt.split()), len(reply.split()))
    return {
        "name": AGENT,
        "span_type": "AGENT",
        "status": "OK",
        "inputs": {"prompt": prompt},
        "outputs": {"message": assistant(reply), "stop_reason": "end_turn"},
        "events": [],
        "attributes": AGENT_ATTRIBUTES,
        "children": [
            {
                "name": "OpenAIModel",
                "span_type": "CHAT_MODEL",
                "status": "OK",
                "inputs": {"messages": [user(prompt)]},
                "outputs": assistant(reply),
                "events": [],
                "attributes": chat_attributes(
                    [text("user", prompt)],
                    [text("assistant", reply, finish_reason="stop")],
                    "stop",
                    tokens,
                ),
                "children": [],
            }
        ],
    }

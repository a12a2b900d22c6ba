"""Expected spans of the autogen integration, shared by its test modules."""

from __future__ import annotations

from typing import Any

from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.trace import Trace
from spanscope.testing import span_tree
from tests.autogen.conftest import MODEL

QUESTION = "What is the weather in Paris?"
SYSTEM = "Be terse."
CREATE = "OpenAIChatCompletionClient.create"
CREATE_STREAM = "OpenAIChatCompletionClient.create_stream"
CHAT_KEYS = [
    K.GEN_AI_PROVIDER,
    K.GEN_AI_REQUEST_MODEL,
    K.GEN_AI_INPUT_MESSAGES,
    K.GEN_AI_OUTPUT_MESSAGES,
    K.GEN_AI_FINISH_REASONS,
    K.GEN_AI_TOOL_DEFINITIONS,
    K.GEN_AI_INPUT_TOKENS,
    K.GEN_AI_OUTPUT_TOKENS,
    K.GEN_AI_TOOL_NAME,
    "gen_ai.agent.name",
    "gen_ai.tool.call.id",
]
WEATHER_DEFINITION = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather in a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"description": "city", "title": "City", "type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
}


def tree(trace: Trace, **kwargs: Any) -> list[dict[str, Any]]:
    """The span tree with the chat keys each span has (absent keys left out)."""
    kwargs.setdefault("values", False)
    kwargs.setdefault("events", False)
    nodes = span_tree(trace, attributes=CHAT_KEYS, **kwargs)

    def strip(node: dict[str, Any]) -> dict[str, Any]:
        node["attributes"] = {k: v for k, v in node["attributes"].items() if v is not None}
        node["children"] = [strip(child) for child in node["children"]]
        return node

    return [strip(node) for node in nodes]


def text(role: str, content: str) -> dict[str, Any]:
    return {"role": role, "parts": [{"type": "text", "content": content}]}


def system(content: str = SYSTEM) -> dict[str, Any]:
    return text("system", content)


def user(content: str = QUESTION) -> dict[str, Any]:
    return text("user", content)


def assistant(content: str, finish: str | None = None) -> dict[str, Any]:
    message = text("assistant", content)
    if finish:
        message["finish_reason"] = finish
    return message


def tool_call(call_id: str = "call_fake_0", finish: str | None = None) -> dict[str, Any]:
    part = {"type": "tool_call", "id": call_id, "name": "get_weather"}
    message: dict[str, Any] = {
        "role": "assistant",
        "parts": [{**part, "arguments": {"city": "example"}}],
    }
    if finish:
        message["finish_reason"] = finish
    return message


def tool_result(response: str, call_id: str = "call_fake_0") -> dict[str, Any]:
    return {
        "role": "tool",
        "parts": [{"type": "tool_call_response", "id": call_id, "response": response}],
    }


def chat(
    name: str,
    sent: list[dict[str, Any]],
    reply: list[dict[str, Any]] | None,
    finish: str | None,
    tokens: tuple[int, int] | None,
    *,
    tools: list[dict[str, Any]] | None = None,
    status: str = "OK",
    **extra: Any,
) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        K.GEN_AI_PROVIDER: "openai",
        K.GEN_AI_REQUEST_MODEL: MODEL,
        K.GEN_AI_INPUT_MESSAGES: sent,
    }
    if reply is not None:
        attributes[K.GEN_AI_OUTPUT_MESSAGES] = reply
    if finish:
        attributes[K.GEN_AI_FINISH_REASONS] = [finish]
    if tools:
        attributes[K.GEN_AI_TOOL_DEFINITIONS] = tools
    if tokens:
        attributes[K.GEN_AI_INPUT_TOKENS], attributes[K.GEN_AI_OUTPUT_TOKENS] = tokens
    return {
        "name": name,
        "span_type": "CHAT_MODEL",
        "status": status,
        "attributes": attributes,
        "children": [],
        **extra,
    }


def agent(name: str, *children: dict[str, Any], status: str = "OK", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "span_type": "AGENT",
        "status": status,
        "attributes": {"gen_ai.agent.name": name},
        "children": list(children),
        **extra,
    }


def tool(output_call_id: str = "call_fake_0") -> dict[str, Any]:
    return {
        "name": "get_weather",
        "span_type": "TOOL",
        "status": "OK",
        "attributes": {K.GEN_AI_TOOL_NAME: "get_weather", "gen_ai.tool.call.id": output_call_id},
        "children": [],
    }

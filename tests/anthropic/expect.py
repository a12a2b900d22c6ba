"""Expected span trees of the anthropic integration, shared by its test modules."""

from __future__ import annotations

from typing import Any

from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.trace import Trace
from spanscope.testing import span_tree
from spanscope.tracing.streaming import CHUNK_EVENT

MODEL = "claude-x"
QUESTION = "What is the weather in Paris?"
USER = [{"role": "user", "content": QUESTION}]
ANSWER = f"You said: {QUESTION}"
THOUGHT = f"The user wrote: {QUESTION}"
PREAMBLE = "I will call get_weather."
WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Current weather",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}
WEATHER_DEFINITION = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather",
    "parameters": WEATHER_TOOL["input_schema"],
}
TOOL_CALL = {
    "type": "tool_call",
    "id": "toolu_fake_0",
    "name": "get_weather",
    "arguments": {"city": "example"},
}
TTFT = "<time to first token>"

# Raw events of the fake server's answers (pings are dropped by the SDK).
TEXT_EVENTS = 13  # message_start, block start, 8 text deltas, block stop, message_delta, stop
TOOL_EVENTS = 14  # the same with a 4-piece preamble, then a tool_use block with 3 JSON pieces


def text(content: Any) -> dict[str, Any]:
    return {"type": "text", "content": content}


def user(content: str = QUESTION) -> dict[str, Any]:
    return {"role": "user", "parts": [text(content)]}


def usage(
    input_tokens: int, output_tokens: int | None, cache_read: int = 0, cache_creation: int = 0
) -> dict[str, int]:
    """Usage attributes; input tokens include cache reads and writes (GenAI conventions)."""
    counts = {
        K.GEN_AI_INPUT_TOKENS: input_tokens + cache_read + cache_creation,
        K.GEN_AI_CACHE_READ_TOKENS: cache_read,
        K.GEN_AI_CACHE_CREATION_TOKENS: cache_creation,
    }
    if output_tokens is not None:
        counts[K.GEN_AI_OUTPUT_TOKENS] = output_tokens
    return counts


def chat_attributes(
    *,
    inputs: list[dict[str, Any]],
    outputs: list[dict[str, Any]] | None = None,
    finish: str | None = None,
    tokens: dict[str, int] | None = None,
    system: str | None = None,
    tools: list[dict[str, Any]] | None = None,
    model: str = MODEL,
    streamed: bool = False,
    response: bool = True,
) -> dict[str, Any]:
    """Every attribute of a CHAT_MODEL span of the anthropic integration."""
    attributes: dict[str, Any] = {
        K.GEN_AI_PROVIDER: "anthropic",
        K.GEN_AI_OPERATION: "chat",
        K.GEN_AI_REQUEST_MODEL: model,
    }
    if system is not None:
        attributes[K.GEN_AI_SYSTEM_INSTRUCTIONS] = [text(system)]
        inputs = [{"role": "system", "parts": [text(system)]}, *inputs]
    attributes[K.GEN_AI_INPUT_MESSAGES] = inputs
    if tools:
        attributes[K.GEN_AI_TOOL_DEFINITIONS] = tools
    if streamed:
        attributes[K.TIME_TO_FIRST_TOKEN_NS] = TTFT
    if outputs is not None:
        message: dict[str, Any] = {"role": "assistant", "parts": outputs}
        if finish:
            message["finish_reason"] = finish
            attributes[K.GEN_AI_FINISH_REASONS] = [finish]
        attributes[K.GEN_AI_OUTPUT_MESSAGES] = [message]
    attributes.update(tokens or {})
    if response:
        attributes[K.GEN_AI_RESPONSE_MODEL] = model
        attributes[K.GEN_AI_RESPONSE_ID] = "msg_fake"
    return attributes


def chat_span(
    name: str,
    *,
    inputs: Any,
    outputs: Any,
    attributes: dict[str, Any],
    chunks: int = 0,
    error: str | None = None,
    children: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One node of `span_tree(..., attributes=True)`."""
    node: dict[str, Any] = {
        "name": name,
        "span_type": "CHAT_MODEL",
        "status": "ERROR" if error else "OK",
    }
    if error:
        node["error"] = error
    events = [CHUNK_EVENT] * chunks + (["exception"] if error else [])
    node.update(inputs=inputs, outputs=outputs, events=events, attributes=attributes)
    node["children"] = children or []
    return node


def tree(trace: Trace) -> list[dict[str, Any]]:
    """The whole span tree, with the (timing-dependent) time to first token checked and masked."""

    def mask(node: dict[str, Any]) -> dict[str, Any]:
        attributes = node.get("attributes", {})
        ttft = attributes.get(K.TIME_TO_FIRST_TOKEN_NS)
        if ttft is not None:
            assert isinstance(ttft, int) and ttft > 0, ttft
            attributes[K.TIME_TO_FIRST_TOKEN_NS] = TTFT
        node["children"] = [mask(child) for child in node["children"]]
        return node

    return [mask(node) for node in span_tree(trace, attributes=True)]


def error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"

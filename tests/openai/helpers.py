"""Requests, expected GenAI messages and normalised span trees shared by the openai tests."""

from __future__ import annotations

from typing import Any

from spanscope.testing import TraceCapture, span_tree

TTFT = "spanscope.span.time_to_first_token_ns"

QUESTION = "What is the weather in Paris?"
ANSWER = "You said: What is the weather in Paris?"  # the fake server echoes
USER = [{"role": "user", "content": QUESTION}]
WEATHER_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
    "required": ["city", "days"],
}
WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather",
        "parameters": WEATHER_PARAMETERS,
    },
}
WEATHER_DEFINITION = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather",
    "parameters": WEATHER_PARAMETERS,
}
WEATHER_ARGUMENTS = {"city": "example", "days": 1}  # the fake server's schema example


def text(role: str, content: str, finish_reason: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": role, "parts": [{"type": "text", "content": content}]}
    if finish_reason:
        message["finish_reason"] = finish_reason
    return message


def tool_call(call_id: str, finish_reason: str = "tool_calls") -> dict[str, Any]:
    part = {"type": "tool_call", "id": call_id, "name": "get_weather"}
    return {
        "role": "assistant",
        "parts": [{**part, "arguments": WEATHER_ARGUMENTS}],
        "finish_reason": finish_reason,
    }


def usage(input_tokens: int, output_tokens: int, cached: int = 0) -> dict[str, int]:
    return {
        "gen_ai.usage.input_tokens": input_tokens,
        "gen_ai.usage.output_tokens": output_tokens,
        "gen_ai.usage.cache_read.input_tokens": cached,
        "gen_ai.usage.reasoning.output_tokens": 0,
    }


def request(operation: str = "chat", model: str = "gpt-x") -> dict[str, Any]:
    return {
        "gen_ai.provider.name": "openai",
        "gen_ai.operation.name": operation,
        "gen_ai.request.model": model,
    }


def response(response_id: str, model: str = "gpt-x") -> dict[str, Any]:
    return {"gen_ai.response.model": model, "gen_ai.response.id": response_id}


def trees(captured: TraceCapture) -> list[list[dict[str, Any]]]:
    """Every captured trace as a span tree with all attributes, time to first token checked
    (a positive number of nanoseconds) and replaced by "<ns>"."""
    return [_normalise(span_tree(trace, attributes=True)) for trace in captured.traces]


def tree(captured: TraceCapture) -> list[dict[str, Any]]:
    """The one captured trace, as `trees` makes it."""
    (only,) = trees(captured)
    return only


def _normalise(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for node in nodes:
        attributes = node["attributes"]
        if TTFT in attributes:
            assert isinstance(attributes[TTFT], int) and attributes[TTFT] > 0
            attributes[TTFT] = "<ns>"
        _normalise(node["children"])
    return nodes


def error_of(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"

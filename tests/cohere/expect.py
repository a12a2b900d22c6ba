"""Expected span trees of the cohere integration, shared by its test modules."""

from __future__ import annotations

from typing import Any

from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.trace import Trace
from spanscope.testing import span_tree
from spanscope.tracing.streaming import CHUNK_EVENT

MODEL = "command-a-03-2025"
QUESTION = "What is the weather in Paris?"
ANSWER = f"You said: {QUESTION}"
ANSWER_PIECES = 8  # one content-delta per word
TTFT = "<time to first token>"
CHAT = "cohere.ClientV2.chat"
STREAM = "cohere.ClientV2.chat_stream"
ACHAT = "cohere.AsyncClientV2.chat"
ASTREAM = "cohere.AsyncClientV2.chat_stream"
EMBED = "cohere.ClientV2.embed"
RERANK = "cohere.ClientV2.rerank"
RESPONSE_ID = "fake-cohere-response"
CALL_ID = "get_weather_fake0"
PLAN = "I will call get_weather."
MESSAGES = [{"role": "user", "content": QUESTION}]
WEATHER_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
}
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather",
        "parameters": WEATHER_SCHEMA,
    },
}
WEATHER_DEFINITION = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather",
    "parameters": WEATHER_SCHEMA,
}


def text(content: Any) -> dict[str, Any]:
    return {"type": "text", "content": content}


def user(content: str = QUESTION) -> dict[str, Any]:
    return {"role": "user", "parts": [text(content)]}


def plan(content: str = PLAN) -> dict[str, Any]:
    return {"type": "reasoning", "content": content}


def tool_call(arguments: Any = None) -> dict[str, Any]:
    return {
        "type": "tool_call",
        "id": CALL_ID,
        "name": "get_weather",
        "arguments": {"city": "example"} if arguments is None else arguments,
    }


def tool_result(response: Any) -> dict[str, Any]:
    return {"type": "tool_call_response", "id": CALL_ID, "response": response}


def usage(input_tokens: int, output_tokens: int | None) -> dict[str, int]:
    counts = {K.GEN_AI_INPUT_TOKENS: input_tokens}
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
    """Every attribute of a CHAT_MODEL span of the cohere integration."""
    attributes: dict[str, Any] = {
        K.GEN_AI_PROVIDER: "cohere",
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
        attributes[K.GEN_AI_RESPONSE_ID] = RESPONSE_ID
    return attributes


def chat_span(
    name: str,
    *,
    inputs: Any,
    outputs: Any,
    attributes: dict[str, Any],
    chunks: int = 0,
    error: str | None = None,
    span_type: str = "CHAT_MODEL",
    children: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One node of `span_tree(..., attributes=True)`."""
    node: dict[str, Any] = {
        "name": name,
        "span_type": span_type,
        "status": "ERROR" if error else "OK",
    }
    if error:
        node["error"] = error
    events = [CHUNK_EVENT] * chunks + (["exception"] if error else [])
    node.update(inputs=inputs, outputs=outputs, events=events, attributes=attributes)
    node["children"] = children or []
    return node


def counts(input_tokens: int, output_tokens: int) -> dict[str, Any]:
    """The `usage` of a fake chat response as the span records it (JSON numbers)."""
    tokens = {"input_tokens": float(input_tokens), "output_tokens": float(output_tokens)}
    return {"billed_units": dict(tokens), "tokens": dict(tokens), "cached_tokens": 0.0}


def reply(text_: str, input_tokens: int, output_tokens: int) -> dict[str, Any]:
    """A text chat response as its span records it."""
    return {
        "id": RESPONSE_ID,
        "finish_reason": "COMPLETE",
        "message": {"role": "assistant", "content": [{"type": "text", "text": text_}]},
        "usage": counts(input_tokens, output_tokens),
    }


def streamed(text_: str, input_tokens: int | None, output_tokens: int | None) -> dict[str, Any]:
    """The response a text stream assembles to (`input_tokens` None: it stopped before its
    message-end event, which has the finish reason and usage)."""
    assembled: dict[str, Any] = {"id": RESPONSE_ID}
    if input_tokens is not None and output_tokens is not None:
        assembled.update(finish_reason="COMPLETE", usage=counts(input_tokens, output_tokens))
    assembled["message"] = {"role": "assistant", "content": [{"text": text_, "type": "text"}]}
    return assembled


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

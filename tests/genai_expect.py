"""Expected spans in the GenAI shape, shared by the providers' tests: message parts, usage,
the attributes of a CHAT_MODEL span and its node in `span_tree(..., attributes=True)`.

Each provider's `expect.py` holds only what differs: its model, names and response ids (a
`ChatProvider`), and the raw responses its spans record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.trace import Trace
from spanscope.testing import span_tree
from spanscope.tracing.streaming import CHUNK_EVENT

# What the fake servers are asked, and what they answer (they echo the last user message).
QUESTION = "What is the weather in Paris?"
ANSWER = f"You said: {QUESTION}"
# Stands in for the time to first token, which depends on timing (`tree` checks it).
TTFT = "<time to first token>"
WEATHER_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
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


def assistant(content: str) -> dict[str, Any]:
    return {"role": "assistant", "parts": [text(content)]}


def tool_call(call_id: str | None, arguments: Any = None) -> dict[str, Any]:
    """A call of the weather tool (`call_id` None: the provider names no call ids)."""
    return {
        "type": "tool_call",
        "id": call_id,
        "name": "get_weather",
        "arguments": {"city": "example"} if arguments is None else arguments,
    }


def tool_result(call_id: str | None, response: Any, name: str | None = None) -> dict[str, Any]:
    """A tool's result sent back to the model (`name` where the provider sends it too)."""
    part = {"type": "tool_call_response", "id": call_id, "response": response}
    if name is not None:
        part["name"] = name
    return part


def usage(
    input_tokens: int,
    output_tokens: int | None = None,
    *,
    cache_read: int | None = None,
    cache_creation: int | None = None,
) -> dict[str, int]:
    """Usage attributes; output and cache counts only where the response reports them."""
    counts = {K.GEN_AI_INPUT_TOKENS: input_tokens}
    if output_tokens is not None:
        counts[K.GEN_AI_OUTPUT_TOKENS] = output_tokens
    if cache_read is not None:
        counts[K.GEN_AI_CACHE_READ_TOKENS] = cache_read
    if cache_creation is not None:
        counts[K.GEN_AI_CACHE_CREATION_TOKENS] = cache_creation
    return counts


@dataclass(frozen=True)
class ChatProvider:
    """What the CHAT_MODEL spans of one provider's integration record of the provider."""

    name: str
    """`gen_ai.provider.name`."""
    model: str
    """The model the tests ask for."""
    response_id: str | None = None
    """The id of the fake server's responses, where the integration records one."""
    response_model: bool = True
    """Whether the integration records the model the response names."""

    def chat_attributes(
        self,
        *,
        inputs: list[dict[str, Any]],
        outputs: list[dict[str, Any]] | None = None,
        finish: str | None = None,
        tokens: dict[str, int] | None = None,
        system: str | None = None,
        tools: list[dict[str, Any]] | None = None,
        model: str | None = None,
        streamed: bool = False,
        response: bool = True,
        response_id: str | None = None,
    ) -> dict[str, Any]:
        """Every attribute of a CHAT_MODEL span (`response` False: the call got none;
        `response_id`: one the response has where the provider's usually have none)."""
        model = model or self.model
        attributes: dict[str, Any] = {
            K.GEN_AI_PROVIDER: self.name,
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
            if self.response_model:
                attributes[K.GEN_AI_RESPONSE_MODEL] = model
            if response_id or self.response_id:
                attributes[K.GEN_AI_RESPONSE_ID] = response_id or self.response_id
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
    """One node of `tree(...)`."""
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
    """A span's `error`: the exception's type and message."""
    return f"{type(exc).__name__}: {exc}"

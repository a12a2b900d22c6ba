"""Expected spans of the mistral integration, shared by its test modules."""

from __future__ import annotations

from typing import Any

from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.trace import Trace
from spanscope.testing import span_tree
from spanscope.tracing.streaming import CHUNK_EVENT

MODEL = "mistral-small-latest"
QUESTION = "What is the weather in Paris?"
ANSWER = f"You said: {QUESTION}"
ANSWER_CHUNKS = 10  # the role chunk, one per word, the finish chunk with usage
COMPLETE = "mistral.chat.complete"
STREAM = "mistral.chat.stream"
EMBED = "mistral.embeddings.create"
TTFT = "<time to first token>"
USER: Any = [{"role": "user", "content": QUESTION}]
WEATHER: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def text(content: Any) -> dict[str, Any]:
    return {"type": "text", "content": content}


def user(content: str = QUESTION) -> dict[str, Any]:
    return {"role": "user", "parts": [text(content)]}


def usage(input_tokens: int, output_tokens: int) -> dict[str, int]:
    return {K.GEN_AI_INPUT_TOKENS: input_tokens, K.GEN_AI_OUTPUT_TOKENS: output_tokens}


def chat_attributes(
    *,
    inputs: list[dict[str, Any]],
    outputs: list[dict[str, Any]] | None,
    finish: str | None,
    tokens: dict[str, int] | None,
    tools: list[Any] | None = None,
    streamed: bool = False,
) -> dict[str, Any]:
    """Every attribute of a CHAT_MODEL span of the mistral integration."""
    attributes: dict[str, Any] = {
        K.GEN_AI_PROVIDER: "mistral_ai",
        K.GEN_AI_OPERATION: "chat",
        K.GEN_AI_REQUEST_MODEL: MODEL,
        K.GEN_AI_INPUT_MESSAGES: inputs,
    }
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
        attributes[K.GEN_AI_RESPONSE_MODEL] = MODEL
        attributes[K.GEN_AI_RESPONSE_ID] = "chatcmpl-fake"
    attributes.update(tokens or {})
    return attributes


def span(
    name: str,
    *,
    inputs: Any,
    outputs: Any,
    attributes: dict[str, Any],
    chunks: int = 0,
    error: str | None = None,
    span_type: str = "CHAT_MODEL",
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
    node.update(inputs=inputs, outputs=outputs, events=events, attributes=attributes, children=[])
    return node


def tree(trace: Trace) -> list[dict[str, Any]]:
    """`span_tree` with every attribute, time to first token replaced by a marker."""
    nodes = span_tree(trace, attributes=True)

    def mark(node: dict[str, Any]) -> None:
        if K.TIME_TO_FIRST_TOKEN_NS in node["attributes"]:
            assert node["attributes"][K.TIME_TO_FIRST_TOKEN_NS] >= 0
            node["attributes"][K.TIME_TO_FIRST_TOKEN_NS] = TTFT
        for child in node["children"]:
            mark(child)

    for node in nodes:
        mark(node)
    return nodes


def dumped(response: Any) -> Any:
    return response.model_dump(mode="json", warnings=False)

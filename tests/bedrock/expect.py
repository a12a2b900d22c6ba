"""Expected span trees of the bedrock integration, shared by its test modules."""

from __future__ import annotations

from typing import Any

from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.trace import Trace
from spanscope.testing import span_tree
from spanscope.tracing.streaming import CHUNK_EVENT

MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0"
QUESTION = "What is the weather in Paris?"
ANSWER = f"You said: {QUESTION}"
TTFT = "<time to first token>"
CONVERSE = "BedrockRuntime.converse"
CONVERSE_STREAM = "BedrockRuntime.converse_stream"
INVOKE = "BedrockRuntime.invoke_model"
INVOKE_STREAM = "BedrockRuntime.invoke_model_with_response_stream"
MESSAGES = [{"role": "user", "content": [{"text": QUESTION}]}]
WEATHER_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
}
TOOL_CONFIG = {
    "tools": [
        {
            "toolSpec": {
                "name": "get_weather",
                "description": "Current weather",
                "inputSchema": {"json": WEATHER_SCHEMA},
            }
        }
    ]
}
WEATHER_DEFINITION = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather",
    "parameters": WEATHER_SCHEMA,
}
TOOL_USE_ID = "tooluse_fake_0"


def text(content: Any) -> dict[str, Any]:
    return {"type": "text", "content": content}


def user(content: str = QUESTION) -> dict[str, Any]:
    return {"role": "user", "parts": [text(content)]}


def tool_call(arguments: Any = None) -> dict[str, Any]:
    return {
        "type": "tool_call",
        "id": TOOL_USE_ID,
        "name": "get_weather",
        "arguments": {"city": "example"} if arguments is None else arguments,
    }


def usage(input_tokens: int, output_tokens: int | None = None, **cache: int) -> dict[str, int]:
    counts = {K.GEN_AI_INPUT_TOKENS: input_tokens}
    if output_tokens is not None:
        counts[K.GEN_AI_OUTPUT_TOKENS] = output_tokens
    if "read" in cache:
        counts[K.GEN_AI_CACHE_READ_TOKENS] = cache["read"]
    if "written" in cache:
        counts[K.GEN_AI_CACHE_CREATION_TOKENS] = cache["written"]
    return counts


def chat_attributes(
    *,
    inputs: list[dict[str, Any]],
    outputs: list[dict[str, Any]] | None = None,
    finish: str | None = None,
    tokens: dict[str, int] | None = None,
    system: str | None = None,
    tools: list[dict[str, Any]] | None = None,
    streamed: bool = False,
    response_id: str | None = None,
) -> dict[str, Any]:
    """Every attribute of a CHAT_MODEL span of the bedrock integration."""
    attributes: dict[str, Any] = {
        K.GEN_AI_PROVIDER: "aws.bedrock",
        K.GEN_AI_OPERATION: "chat",
        K.GEN_AI_REQUEST_MODEL: MODEL,
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
    if response_id:
        attributes[K.GEN_AI_RESPONSE_ID] = response_id
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
    node: dict[str, Any] = {"name": name, "span_type": "CHAT_MODEL"}
    node["status"] = "ERROR" if error else "OK"
    if error:
        node["error"] = error
    events = [CHUNK_EVENT] * chunks + (["exception"] if error else [])
    node.update(inputs=inputs, outputs=outputs, events=events, attributes=attributes)
    node["children"] = children or []
    return node


def converse_output(
    content: list[dict[str, Any]], stop: str, tokens: tuple[int, int], latency: bool = True
) -> dict[str, Any]:
    """A Converse response as its span records it (no ResponseMetadata)."""
    response: dict[str, Any] = {
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": stop,
        "usage": {"inputTokens": tokens[0], "outputTokens": tokens[1], "totalTokens": sum(tokens)},
    }
    if latency:
        response["metrics"] = {"latencyMs": 42}
    return response


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

"""Expected span trees of the google_genai integration, shared by its test modules."""

from __future__ import annotations

from typing import Any

from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.trace import Trace
from spanscope.testing import span_tree
from spanscope.tracing.streaming import CHUNK_EVENT

MODEL = "gemini-2.5-flash"
QUESTION = "What is the weather in Paris?"
ANSWER = f"You said: {QUESTION}"
ANSWER_CHUNKS = 8  # one per word
TTFT = "<time to first token>"
GENERATE = "google.genai.models.generate_content"
STREAM = "google.genai.models.generate_content_stream"
EMBED = "google.genai.models.embed_content"
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


def tool_call(arguments: Any = None) -> dict[str, Any]:
    return {
        "type": "tool_call",
        "id": None,
        "name": "get_weather",
        "arguments": {"city": "example"} if arguments is None else arguments,
    }


def tool_result(response: Any) -> dict[str, Any]:
    return {"type": "tool_call_response", "id": None, "response": response, "name": "get_weather"}


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
    """Every attribute of a CHAT_MODEL span of the google_genai integration."""
    attributes: dict[str, Any] = {
        K.GEN_AI_PROVIDER: "gcp.gemini",
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
        attributes[K.GEN_AI_RESPONSE_ID] = "fake-gemini-response"
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


def dumped(response: Any) -> dict[str, Any]:
    """A response as its span records it: JSON, without unset fields and HTTP headers."""
    data: dict[str, Any] = response.model_dump(mode="json", exclude_none=True)
    data.pop("sdk_http_response", None)
    return data


def streamed(text_: str, prompt_tokens: int, output_tokens: int | None) -> dict[str, Any]:
    """The response a text stream of the fake server assembles to (`output_tokens` None: the
    stream stopped before its last chunk, which has the finish reason and final usage)."""
    candidate: dict[str, Any] = {
        "content": {"role": "model", "parts": [{"text": text_}]},
        "index": 0,
    }
    usage_metadata: dict[str, Any] = {
        "prompt_token_count": prompt_tokens,
        "prompt_tokens_details": [{"modality": "TEXT", "token_count": prompt_tokens}],
        "total_token_count": prompt_tokens + (output_tokens or 0),
    }
    if output_tokens is not None:
        candidate["finish_reason"] = "STOP"
        usage_metadata["candidates_token_count"] = output_tokens
    return {
        "candidates": [candidate],
        "usage_metadata": usage_metadata,
        "model_version": MODEL,
        "response_id": "fake-gemini-response",
    }


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

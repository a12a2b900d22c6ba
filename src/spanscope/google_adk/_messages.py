"""Pure functions: ADK's requests and responses (`LlmRequest`, `LlmResponse`, whose contents
are google-genai types), messages and tool results -> the GenAI forms spanscope records.

The contents themselves are Gemini's shape (`spanscope.tracing.gemini_contents`); this module
adds what is ADK's own: a model call's request as a span's inputs, the reply its responses add
up to (a streamed call gives partial responses, then the whole), the provider of a model
class, and the text an agent or run answers with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from spanscope.entities.chat import field
from spanscope.tracing.gemini_contents import (
    content_messages,
    finish_reason,
    merge_part,
    plain,
    system_messages,
    tool_definitions,
    usage,
)
from spanscope.tracing.llm import Usage

__all__ = [
    "assemble",
    "content_value",
    "model_name",
    "output_messages",
    "provider",
    "reply_text",
    "reply_usage",
    "request_inputs",
    "request_messages",
]

# ADK's model classes -> the GenAI provider name (a subclass speaks for its base's provider).
_PROVIDERS = {
    "Gemini": "gcp.gemini",
    "LiteLlm": "litellm",
    "AnthropicLlm": "anthropic",
    "ApigeeLlm": "apigee",
}
# The response fields a reply keeps from the last response that has them.
_LAST = ("finish_reason", "usage_metadata", "model_version", "error_code", "error_message")


def provider(model: Any) -> str:
    """The provider of an ADK model object (`gcp.vertex_ai` for Gemini on Vertex AI)."""
    for cls in type(model).__mro__:
        name = _PROVIDERS.get(cls.__name__)
        if name == "gcp.gemini" and str(getattr(model, "_api_backend", "")).endswith("VERTEX_AI"):
            return "gcp.vertex_ai"
        if name is not None:
            return name
    return "google_adk"


def model_name(request: Any, model: Any) -> str | None:
    """The model a request asks for (ADK fills it in from the agent's model)."""
    for value in (field(request, "model"), getattr(model, "model", None)):
        if isinstance(value, str) and value:
            return value
    return None


# -- a model call's request -----------------------------------------------------------------


def request_inputs(request: Any) -> dict[str, Any]:
    """A model span's inputs: the request's model, contents and generation config (without
    its `http_options`, whose headers may carry credentials)."""
    config = plain(field(request, "config"))
    if isinstance(config, dict):
        config.pop("http_options", None)
    inputs = {"model": field(request, "model"), "contents": plain(field(request, "contents"))}
    if config:
        inputs["config"] = config
    return inputs


def request_messages(request: Any) -> tuple[list[Any], list[Any] | None, list[Any] | None]:
    """(the conversation, the system instruction, the tool definitions) in the GenAI form."""
    config = field(request, "config")
    messages = content_messages(field(request, "contents")) or []
    system = system_messages(field(config, "system_instruction"))
    return messages, system, tool_definitions(field(config, "tools"))


# -- its responses ---------------------------------------------------------------------------


def assemble(responses: Iterable[Any]) -> dict[str, Any] | None:
    """The reply a model call's responses add up to, as JSON: their parts joined in order
    (streamed text put together), and the finish reason, usage and model version of the last
    response that gives them. None without a response."""
    reply: dict[str, Any] | None = None
    parts: list[dict[str, Any]] = []
    for response in responses:
        data = plain(response)
        if not isinstance(data, dict):
            continue
        reply = reply if reply is not None else {}
        content = data.get("content")
        for piece in content.get("parts") or [] if isinstance(content, dict) else []:
            merge_part(parts, piece)
        reply.update({key: data[key] for key in _LAST if data.get(key) is not None})
    if reply is None:
        return None
    return {"content": {"role": "model", "parts": parts}, **reply}


def output_messages(reply: Mapping[str, Any]) -> tuple[list[Any], list[str | None]]:
    """(the reply as one GenAI assistant message, its finish reason)."""
    content = reply.get("content") or {}
    calls = any(isinstance(p, Mapping) and p.get("function_call") for p in content["parts"])
    return content_messages([content]) or [], [finish_reason(reply.get("finish_reason"), calls)]


def reply_usage(reply: Mapping[str, Any]) -> Usage | None:
    """The call's token usage: the last usage metadata its responses gave (a stream's
    partial responses repeat the running count, which the whole reply then gives again)."""
    return usage(reply)


def reply_text(content: Any) -> str | None:
    """The answer text of a content (thoughts left out); None when it has none (a reply that
    only calls functions)."""
    texts = [
        text
        for p in field(content, "parts") or []
        if isinstance(text := field(p, "text"), str) and not field(p, "thought")
    ]
    return "".join(texts) if texts else None


# -- messages ---------------------------------------------------------------


def content_value(content: Any) -> Any:
    """A message (the user's, or a final answer) as a span's input or output: its text when it
    is all text, else the content as JSON."""
    parts = field(content, "parts") or []
    if parts and all(isinstance(field(p, "text"), str) for p in parts):
        return "".join(field(p, "text") for p in parts)
    return plain(content)

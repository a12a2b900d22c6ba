"""google-genai payloads in the GenAI chat shape: pure functions, no SDK import.

Everything here takes the call's keyword arguments (`model`, `contents`, `config`), the SDK's
pydantic objects or their dicts, and returns plain data for `spanscope.tracing.llm`. The
contents, parts, tools and usage themselves are Gemini's shape, shared with the Google ADK
(`spanscope.tracing.gemini_contents`, re-exported here); this module adds the SDK's calls:
its request and response as a span's inputs and outputs, candidates, streams, embeddings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from spanscope.entities.chat import field, first_int
from spanscope.tracing.gemini_contents import (
    Declare,
    content_messages,
    finish_reason,
    merge_part,
    part,
    plain,
    system_messages,
    tool_definitions,
    usage,
)
from spanscope.tracing.llm import Usage

__all__ = [
    "Declare",
    "assemble",
    "content_messages",
    "embedding_usage",
    "finish_reasons",
    "output_messages",
    "part",
    "plain",
    "request_inputs",
    "response_ids",
    "response_outputs",
    "system_messages",
    "tool_definitions",
    "usage",
]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# -- the request ------------------------------------------------------------------------------


def request_inputs(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """A span's inputs: the call's keyword arguments (`model`, `contents`, `config`).

    The config's `http_options` is left out: its headers may carry credentials.
    """
    inputs = {key: plain(value) for key, value in kwargs.items()}
    config = inputs.get("config")
    if isinstance(config, dict):
        config.pop("http_options", None)
    return inputs


# -- the response -----------------------------------------------------------------------------


def response_outputs(response: Any) -> Any:
    """A span's outputs: the response as JSON, without the HTTP response's headers."""
    data = plain(response)
    if isinstance(data, dict):
        data.pop("sdk_http_response", None)
    return data


def afc_history(response: Any) -> list[dict[str, Any]] | None:
    """The conversation of automatic function calling (the caller's contents, then each
    function call and its result), when the SDK ran the caller's functions; else None."""
    history = field(response, "automatic_function_calling_history")
    return content_messages(history) if history else None


def output_messages(response: Any) -> list[dict[str, Any]]:
    """One GenAI assistant message per candidate."""
    messages = []
    for candidate in field(response, "candidates") or []:
        content = field(candidate, "content")
        parts = field(content, "parts") if content is not None else None
        messages.append({"role": "assistant", "parts": [part(p) for p in parts or []]})
    return messages


def finish_reasons(response: Any) -> list[str | None]:
    """Each candidate's finish reason in GenAI terms (`stop`, `length`, `content_filter`,
    `tool_call` when it stopped to call a function, ...); None where it has none yet."""
    reasons: list[str | None] = []
    for candidate in field(response, "candidates") or []:
        content = field(candidate, "content")
        calls = any(field(p, "function_call") for p in field(content, "parts") or [])
        reasons.append(finish_reason(field(candidate, "finish_reason"), calls))
    return reasons


def response_ids(response: Any) -> tuple[str | None, str | None]:
    """(response model, response id)."""
    return _text(field(response, "model_version")), _text(field(response, "response_id"))


def embedding_usage(response: Any) -> Usage | None:
    """Input tokens of an embedding call: the Gemini API's `usage_metadata`, or the sum of
    Vertex AI's per-embedding statistics."""
    counts = field(response, "usage_metadata")
    if counts is not None:
        tokens = first_int(field(counts, "prompt_token_count"))
        return Usage(input_tokens=tokens) if tokens is not None else None
    statistics = [field(e, "statistics") for e in field(response, "embeddings") or []]
    tokens_each = [first_int(field(s, "token_count")) for s in statistics if s is not None]
    numbers = [t for t in tokens_each if t is not None]
    return Usage(input_tokens=sum(numbers)) if numbers else None


# -- streams ----------------------------------------------------------------------------------


def assemble(chunks: Iterable[Any]) -> dict[str, Any] | None:
    """The response a stream's chunks add up to, shaped like a non-streamed one as JSON.

    Each candidate's parts are joined in order (adjacent text of the same kind, answer or
    thought, put together; function calls kept whole); its finish reason and the usage are the
    last given, as are the model version and response id. None before the first chunk.
    """
    response: dict[str, Any] | None = None
    candidates: dict[int, dict[str, Any]] = {}
    for chunk in chunks:
        data = plain(chunk)
        if not isinstance(data, dict):
            continue
        if response is None:
            response = {}
        for key in ("usage_metadata", "model_version", "response_id", "prompt_feedback"):
            if data.get(key) is not None:
                response[key] = data[key]
        history = data.get("automatic_function_calling_history")
        if history:
            response["automatic_function_calling_history"] = history
        for position, candidate in enumerate(data.get("candidates") or []):
            index = candidate.get("index", position)
            merged = candidates.setdefault(index, {"content": {"role": "model", "parts": []}})
            content = candidate.get("content") or {}
            if content.get("role"):
                merged["content"]["role"] = content["role"]
            for piece in content.get("parts") or []:
                merge_part(merged["content"]["parts"], piece)
            for key, value in candidate.items():
                if key != "content":
                    merged[key] = value
    if response is None:
        return None
    return {"candidates": [candidates[index] for index in sorted(candidates)], **response}

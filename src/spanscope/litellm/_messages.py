"""LiteLLM payloads in the GenAI shape (pure; no litellm import).

LiteLLM speaks the OpenAI chat format for every provider: requests carry OpenAI messages
(dicts or litellm's pydantic `Message`), responses are `ModelResponse`s whose choices hold an
OpenAI message, plus `reasoning_content` for providers that think aloud.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spanscope.entities.chat import field as field
from spanscope.entities.chat import normalize_message
from spanscope.tracing.llm import Usage

__all__ = [
    "as_dict",
    "field",
    "finish_reasons",
    "genai_messages",
    "output_messages",
    "redacted",
    "reported_finish_reasons",
    "reported_usage",
    "usage_of",
]

REDACTED = "***"
_SECRET_PARTS = ("api_key", "secret", "password", "credential", "access_key")
_SECRET_HEADERS = frozenset({"authorization", "api-key", "x-api-key", "proxy-authorization"})


def as_dict(value: Any) -> Any:
    """A mapping or pydantic model as a dict; anything else as it is."""
    if isinstance(value, Mapping):
        return dict(value)
    model_dump = getattr(value, "model_dump", None)
    return model_dump() if callable(model_dump) else value


def genai_messages(messages: Any) -> list[dict[str, Any]]:
    """Request messages as GenAI messages."""
    return [_genai(message, "user") for message in messages or []]


def output_messages(response: Any) -> list[dict[str, Any]]:
    """One GenAI assistant message per choice of a `ModelResponse`."""
    return [_genai(field(choice, "message"), "assistant") for choice in _choices(response)]


def finish_reasons(response: Any) -> list[str]:
    return [str(r) for r in (field(c, "finish_reason") for c in _choices(response)) if r]


def usage_of(usage: Any, with_output: bool = True) -> Usage | None:
    """Token counts of an OpenAI-style usage (litellm normalises every provider's to it)."""
    if usage is None:
        return None
    prompt_details = field(usage, "prompt_tokens_details")
    completion_details = field(usage, "completion_tokens_details")
    # litellm fills zeros for details a provider never reported: only counts that say something.
    cache_read = field(usage, "cache_read_input_tokens") or field(prompt_details, "cached_tokens")
    cache_creation = field(usage, "cache_creation_input_tokens")
    return Usage(
        input_tokens=field(usage, "prompt_tokens"),
        output_tokens=field(usage, "completion_tokens") if with_output else None,
        cache_read_tokens=cache_read or None,
        cache_creation_tokens=cache_creation or None,
        reasoning_tokens=field(completion_details, "reasoning_tokens") or None,
    )


def reported_usage(chunks: Any) -> Any:
    """The last usage among stream chunks, as the provider reported it; None if none did."""
    if not isinstance(chunks, list):
        return None
    return next((u for u in (field(c, "usage") for c in reversed(chunks)) if u is not None), None)


def reported_finish_reasons(chunks: list[Any]) -> dict[int, Any]:
    """Each choice's finish reason, by index, as stream chunks reported it."""
    reasons: dict[int, Any] = {}
    for chunk in chunks:
        for choice in field(chunk, "choices") or []:
            reason = field(choice, "finish_reason")
            if reason:
                reasons[field(choice, "index") or 0] = reason
    return reasons


def redacted(request: Mapping[str, Any]) -> dict[str, Any]:
    """The request without credentials (api keys, secrets, tokens, auth headers)."""
    clean: dict[str, Any] = {}
    for name, value in request.items():
        if _is_secret(name) and value is not None:
            clean[name] = REDACTED
        elif name in ("headers", "extra_headers") and isinstance(value, Mapping):
            clean[name] = {
                key: REDACTED if str(key).lower() in _SECRET_HEADERS else item
                for key, item in value.items()
            }
        else:
            clean[name] = value
    return clean


def _is_secret(name: str) -> bool:
    lowered = name.lower()
    return any(part in lowered for part in _SECRET_PARTS) or lowered.endswith("_token")


def _choices(response: Any) -> list[Any]:
    choices = field(response, "choices")
    return list(choices) if isinstance(choices, (list, tuple)) else []


def _genai(message: Any, default_role: str) -> dict[str, Any]:
    data = as_dict(message)
    if not isinstance(data, Mapping):
        return normalize_message(data, default_role)
    normalized = normalize_message(data, default_role)
    reasoning = data.get("reasoning_content")
    if reasoning:
        normalized["parts"] = [{"type": "reasoning", "content": reasoning}, *normalized["parts"]]
    return normalized

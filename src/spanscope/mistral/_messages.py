"""Mistral's requests, responses and stream events in the GenAI shape (pure).

Mistral speaks the OpenAI chat-completions shape (`spanscope.tracing.chat_completions`) with
a few differences handled here: a stream yields `CompletionEvent`s whose `data` is the chunk,
tool call arguments may be an object rather than JSON text, request headers are passed as
`http_headers`, and arguments not given are the SDK's `UNSET`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from spanscope.tracing.chat_completions import assemble_chat_stream, call_inputs, get
from spanscope.tracing.llm import Usage

__all__ = ["assemble_stream", "embedding_usage", "request_inputs"]

_SECRET = frozenset({"http_headers"})


def request_inputs(request: Mapping[str, Any], unset: tuple[type, ...] = ()) -> dict[str, Any]:
    """The call's arguments, without headers (they may carry credentials) and `UNSET`s."""
    return call_inputs({k: v for k, v in request.items() if k not in _SECRET}, unset)


def assemble_stream(events: Iterable[Any]) -> dict[str, Any]:
    """The chat completion (as JSON) that a stream's events add up to."""
    return assemble_chat_stream(get(event, "data") for event in events)


def embedding_usage(usage: Any) -> Usage | None:
    """Embeddings count input tokens only (the response's `completion_tokens` is 0)."""
    if usage is None:
        return None
    return Usage(input_tokens=get(usage, "prompt_tokens"))

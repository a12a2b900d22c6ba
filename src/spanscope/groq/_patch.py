"""The patches of `spanscope.groq.autolog()`: one span per chat completion.

Patched: `Completions.create` and `AsyncCompletions.create` of `groq.resources.chat`, which
every client's `chat.completions.create` reaches. The SDK speaks OpenAI's chat-completions
shape (`spanscope.tracing.chat_completions`); a stream is the SDK's own `Stream` /
`AsyncStream`, traced in place through its `_iterator`. Groq reports a stream's usage in the
last chunk's `x_groq` (without `stream_options`), read when no `usage` came.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from groq import AsyncStream, Stream
from groq._types import NotGiven, Omit
from groq.resources.chat.completions import AsyncCompletions, Completions

from spanscope.entities.span_type import SpanType
from spanscope.patching import safe_patch
from spanscope.patching.api_hooks import Api, ApiHooks, SdkStreams
from spanscope.tracing import chat_completions as cc
from spanscope.tracing.llm import LLMCall

__all__ = ["patch"]

INTEGRATION = "groq"
PROVIDER = "groq"
STREAMS = SdkStreams(Stream, AsyncStream, "_iterator")


def patch() -> None:
    for owner in (Completions, AsyncCompletions):
        safe_patch(INTEGRATION, owner, "create", ApiHooks(INTEGRATION, PROVIDER, CREATE, STREAMS))


def _inputs(request: Mapping[str, Any]) -> dict[str, Any]:
    return cc.call_inputs(request, (NotGiven, Omit))


def _request(call: LLMCall, request: Mapping[str, Any]) -> None:
    call.set_input_messages(cc.chat_input_messages(request.get("messages")))
    call.set_tools(cc.chat_tools(request))


def _response(call: LLMCall, response: Any) -> None:
    cc.set_response(call, response)
    cc.set_output(call, cc.chat_output(response))


def assemble(chunks: Iterable[Any]) -> dict[str, Any]:
    """The chat completion the chunks add up to; usage from `x_groq` when none came as `usage`."""
    chunks = list(chunks)
    completion = cc.assemble_chat_stream(chunks)
    if completion["usage"] is None:
        reported = [cc.get(cc.get(chunk, "x_groq"), "usage") for chunk in chunks]
        completion["usage"] = cc.plain(next((u for u in reversed(reported) if u), None))
    return completion


CREATE = Api(
    "groq.chat.completions.create",
    "chat",
    SpanType.CHAT_MODEL,
    _inputs,
    cc.request_model,
    _request,
    _response,
    cc.plain,
    assemble,
)

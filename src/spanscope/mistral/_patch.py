"""The patches of `spanscope.mistral.autolog()`: one span per chat or embeddings call.

Patched: `Chat.complete`, `Chat.stream`, `Embeddings.create` and their `_async` twins, the
methods every call reaches (`client.chat` is a `Chat`; the `parse*` helpers call `complete` or
`stream`, so they are traced once, through them). A stream is the SDK's own `EventStream` /
`EventStreamAsync`, traced in place through its `generator`, so `with` blocks and `close()`
keep working.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mistralai.client.chat import Chat
from mistralai.client.embeddings import Embeddings
from mistralai.client.types.basemodel import Unset
from mistralai.client.utils.eventstreaming import EventStream, EventStreamAsync

from spanscope.entities.span_type import SpanType
from spanscope.mistral import _messages
from spanscope.patching import safe_patch
from spanscope.patching.api_hooks import Api, ApiHooks, SdkStreams
from spanscope.tracing import chat_completions as cc
from spanscope.tracing.llm import LLMCall

__all__ = ["patch"]

INTEGRATION = "mistral"
PROVIDER = "mistral_ai"  # the GenAI conventions' name for it
STREAMS = SdkStreams(EventStream, EventStreamAsync, "generator")


def patch() -> None:
    for owner, method, api in PATCH_POINTS:
        safe_patch(INTEGRATION, owner, method, ApiHooks(INTEGRATION, PROVIDER, api, STREAMS))


def _inputs(request: Mapping[str, Any]) -> dict[str, Any]:
    return _messages.request_inputs(request, (Unset,))


def _chat_request(call: LLMCall, request: Mapping[str, Any]) -> None:
    call.set_input_messages(cc.chat_input_messages(request.get("messages")))
    call.set_tools(cc.chat_tools(request))


def _chat_response(call: LLMCall, response: Any) -> None:
    cc.set_response(call, response)
    cc.set_output(call, cc.chat_output(response))


def _no_request(call: LLMCall, request: Mapping[str, Any]) -> None:
    """Embeddings: the inputs are in the span inputs; GenAI defines no messages for them."""


def _embeddings_response(call: LLMCall, response: Any) -> None:
    call.set_usage(_messages.embedding_usage(cc.get(response, "usage")))
    call.set_response(cc.get(response, "model"), cc.get(response, "id"))


def _chat(method: str) -> Api:
    return Api(
        f"mistral.chat.{method}",
        "chat",
        SpanType.CHAT_MODEL,
        _inputs,
        cc.request_model,
        _chat_request,
        _chat_response,
        cc.plain,
        _messages.assemble_stream,
    )


_EMBEDDINGS = Api(
    "mistral.embeddings.create",
    "embeddings",
    SpanType.EMBEDDING,
    _inputs,
    cc.request_model,
    _no_request,
    _embeddings_response,
    cc.plain,
)

# (owner, method, api): an async twin is named like the sync method the caller knows.
PATCH_POINTS: tuple[tuple[type, str, Api], ...] = (
    (Chat, "complete", _chat("complete")),
    (Chat, "complete_async", _chat("complete")),
    (Chat, "stream", _chat("stream")),
    (Chat, "stream_async", _chat("stream")),
    (Embeddings, "create", _EMBEDDINGS),
    (Embeddings, "create_async", _EMBEDDINGS),
)

"""Where the google-genai SDK is patched, and what happens around each call.

Patch points, on `google.genai.models.Models` and `AsyncModels` (`client.models`,
`client.aio.models`):

- `generate_content`: one span per call. It covers the SDK's automatic function calling (the
  caller's Python functions offered as tools are run by the SDK between requests, inside the
  call) and automatic continuation.
- `generate_content_stream`: the SDK returns a generator (async: a coroutine resolving to an
  async generator) that sends the request when first read; the caller gets a generator over
  it that records the chunks and ends the span when the stream ends, fails, is closed or is
  dropped.
- `embed_content`: one EMBEDDING span per call.

Chat sessions (`client.chats.create(...).send_message` / `send_message_stream`, and the
async ones) send through these methods, with the whole conversation as `contents`.
`count_tokens` and `compute_tokens` are not traced: they generate nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from spanscope.google_genai import _messages
from spanscope.google_genai._call import (
    GenAICall,
    provider_of,
    record_embedding,
    record_response,
    start_call,
    start_embedding,
)
from spanscope.patching import SKIP, CallHooks, safe_patch
from spanscope.tracing.llm import LLMCall
from spanscope.tracing.streaming import trace_async_stream, trace_stream

__all__ = ["INTEGRATION", "patch"]

INTEGRATION = "google_genai"
KIND = "google_genai autolog"  # the kind of internal error: silent=True mutes it
_PREFIX = "google.genai.models"


def patch() -> None:
    """Apply every patch (autolog() reverts the previous ones first)."""
    from google.genai import models

    for resource in (models.Models, models.AsyncModels):
        safe_patch(
            INTEGRATION, resource, "generate_content", GenerateHooks(f"{_PREFIX}.generate_content")
        )
        safe_patch(
            INTEGRATION,
            resource,
            "generate_content_stream",
            StreamHooks(f"{_PREFIX}.generate_content_stream"),
        )
        safe_patch(INTEGRATION, resource, "embed_content", EmbedHooks(f"{_PREFIX}.embed_content"))


def declare(function: Callable[..., Any]) -> Any:
    """A Python function offered as a tool, declared as the SDK declares it to the API."""
    from google.genai import types

    try:
        return types.FunctionDeclaration.from_callable_with_api_option(
            callable=function, api_option="GEMINI_API", use_json_schema=True
        )
    except Exception:
        return None  # a function the SDK cannot declare either; its name is shown instead


class GenerateHooks(CallHooks):
    """`generate_content`: the reply is a GenerateContentResponse."""

    def __init__(self, name: str) -> None:
        self.name = name

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        provider = provider_of(args[0] if args else None)
        return start_call(self.name, kwargs, provider, declare) or SKIP

    def after(self, state: GenAICall, result: Any) -> Any:
        outputs = None
        try:
            outputs = _messages.response_outputs(result)
            record_response(state, result)
        finally:
            state.end(outputs=outputs)
        return result

    def error(self, state: GenAICall, exc: BaseException) -> None:
        state.end(error=exc)


def finish_stream(call: LLMCall, chunks: list[Any]) -> Any:
    """Record the response the chunks add up to; it becomes the span's outputs."""
    response = _messages.assemble(chunks)
    if response is None:
        return None
    if isinstance(call, GenAICall):
        record_response(call, response)
    return response


class StreamHooks(GenerateHooks):
    """`generate_content_stream`: the chunks are read by the caller, through a traced
    generator; the span ends with the stream."""

    def after(self, state: GenAICall, result: Any) -> Any:
        try:
            if hasattr(result, "__anext__"):
                return trace_async_stream(result, state, finish_stream, KIND)
            return trace_stream(result, state, finish_stream, KIND)
        except BaseException:
            state.end()  # never leave a span open; the caller gets its stream untraced
            raise


class EmbedHooks(CallHooks):
    """`embed_content`: the reply is an EmbedContentResponse."""

    def __init__(self, name: str) -> None:
        self.name = name

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        provider = provider_of(args[0] if args else None)
        return start_embedding(self.name, kwargs, provider) or SKIP

    def after(self, state: GenAICall, result: Any) -> Any:
        outputs = None
        try:
            outputs = _messages.response_outputs(result)
            record_embedding(state, result)
        finally:
            state.end(outputs=outputs)
        return result

    def error(self, state: GenAICall, exc: BaseException) -> None:
        state.end(error=exc)

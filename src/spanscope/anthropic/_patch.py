"""Where the anthropic SDK is patched, and what happens around each call.

Patch points (sync and async, and the same on `client.beta.messages`):

- `Messages.create` / `Messages.parse`: one span per call; with `stream=True` the SDK's own
  `Stream` comes back with its iterator traced in place.
- `Messages.stream`: it only builds a `MessageStreamManager` (the request is sent on enter,
  through `_post`, not `create`), so the request is remembered on the manager and the span
  starts in the manager's patched `__enter__` / `__aenter__`, which traces the raw stream that
  `MessageStream` reads: iteration, `text_stream` and `get_final_message()` all go through it.
- `Stream.close` / `AsyncStream.close`: closing a traced stream early ends its span with what
  was read so far (the SDK closes the HTTP response there, not the iterator).

`count_tokens` is not traced: it generates nothing and costs nothing.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from spanscope.anthropic import _messages
from spanscope.anthropic._call import AnthropicCall, provider_of, record_message, start_call
from spanscope.anthropic._stream import KIND, end_stream_span, trace_sdk_stream
from spanscope.patching import SKIP, CallHooks, await_traced, safe_patch

__all__ = ["INTEGRATION", "patch"]

INTEGRATION = "anthropic"
_REQUEST = "_spanscope_request"  # set on a stream manager by `.stream()`, read on enter


def patch() -> None:
    """Apply every patch (autolog() reverts the previous ones first)."""
    from anthropic._streaming import AsyncStream, Stream  # anthropic.Stream, AsyncStream
    from anthropic.lib import streaming
    from anthropic.resources.beta.messages import messages as beta
    from anthropic.resources.messages import messages

    stream_types = (Stream, AsyncStream)
    for prefix, module in (("anthropic.messages", messages), ("anthropic.beta.messages", beta)):
        for resource in (module.Messages, module.AsyncMessages):
            for method in ("create", "parse"):
                _patch(resource, method, CreateHooks(f"{prefix}.{method}", stream_types))
            _patch(resource, "stream", StreamHooks(f"{prefix}.stream"))
    enter = EnterHooks()
    for manager, method in (
        ("MessageStreamManager", "__enter__"),
        ("AsyncMessageStreamManager", "__aenter__"),
        ("BetaMessageStreamManager", "__enter__"),
        ("BetaAsyncMessageStreamManager", "__aenter__"),
    ):
        _patch(getattr(streaming, manager, None), method, enter)
    close = CloseHooks()
    for stream_type in stream_types:
        _patch(stream_type, "close", close)


def _patch(owner: Any, name: str, hooks: CallHooks) -> None:
    # Older SDKs lack some of these (parse, the beta stream managers): trace what exists.
    if owner is not None and callable(getattr(owner, name, None)):
        safe_patch(INTEGRATION, owner, name, hooks)


class CreateHooks(CallHooks):
    """`create` and `parse`: the reply is a Message, or with stream=True a Stream."""

    def __init__(self, name: str, stream_types: tuple[type, ...]) -> None:
        self.name = name
        self.stream_types = stream_types

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return start_call(self.name, kwargs, provider_of(args[0] if args else None)) or SKIP

    def after(self, state: AnthropicCall, result: Any) -> Any:
        if inspect.isawaitable(result):
            # The async `create` is wrapped by the SDK's sync `required_args`, so safe_patch sees
            # a sync function returning a coroutine: the call really happens when it is awaited.
            return await_traced(KIND, self, state, result)
        return self._finish(state, result)

    def error(self, state: AnthropicCall, exc: BaseException) -> None:
        state.end(error=exc)

    def _finish(self, call: AnthropicCall, result: Any) -> Any:
        if isinstance(result, self.stream_types):
            try:
                trace_sdk_stream(result, call)
            except BaseException:
                call.end()  # never leave a span open; the caller gets its stream untraced
                raise
            return result
        body = response_body(result)
        outputs = None
        try:
            if body is not None:
                record_message(call, body)
                outputs = _messages.response_outputs(body)
        finally:
            call.end(outputs=outputs if outputs is not None else body)
        return result


def response_body(result: Any) -> Any:
    """The Message; for `with_raw_response` its JSON body, if already read (else None)."""
    http = getattr(result, "http_response", None)
    if http is None:
        return result
    content_type = str(http.headers.get("content-type", ""))
    if not http.is_closed or not content_type.startswith("application/json"):
        return None  # with_streaming_response, or a raw stream: the body is the caller's to read
    return http.json()


@dataclass(frozen=True, slots=True)
class StreamRequest:
    """What `.stream()` was asked for, kept on its manager until the request is sent."""

    name: str
    kwargs: dict[str, Any]
    provider: str


class StreamHooks(CallHooks):
    """`.stream()`: no request yet, so no span; remember the request on the manager."""

    def __init__(self, name: str) -> None:
        self.name = name

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return StreamRequest(self.name, dict(kwargs), provider_of(args[0] if args else None))

    def after(self, state: StreamRequest, result: Any) -> Any:
        vars(result)[_REQUEST] = state
        return result


class EnterHooks(CallHooks):
    """A stream manager's `__enter__` / `__aenter__`: the request is sent, the span starts."""

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        manager = args[0] if args else None
        request = vars(manager).get(_REQUEST) if hasattr(manager, "__dict__") else None
        if not isinstance(request, StreamRequest):
            return SKIP  # made before autolog, or while tracing was off
        return start_call(request.name, request.kwargs, request.provider) or SKIP

    def after(self, state: AnthropicCall, result: Any) -> Any:
        try:
            trace_sdk_stream(result._raw_stream, state)
        except BaseException:
            state.end()
            raise
        return result

    def error(self, state: AnthropicCall, exc: BaseException) -> None:
        state.end(error=exc)


class CloseHooks(CallHooks):
    """`Stream.close()` / `AsyncStream.close()`: end a traced stream's span now."""

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if args:
            end_stream_span(args[0])
        return SKIP

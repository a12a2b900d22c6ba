"""Where the Cohere SDK is patched, and what happens around each call.

Patch points, on the v2 raw clients `cohere.v2.raw_client.RawV2Client` and
`AsyncRawV2Client`: `chat`, `chat_stream`, `embed`, `rerank`.

`ClientV2` / `AsyncClientV2` (and a v1 client's `.v2`) send every v2 call through these
methods, looked up when the call is made, and `with_raw_response` returns the raw client
itself. The public methods of `ClientV2` are not patched: its constructor binds `chat` and
`chat_stream` to the instance (argument checks and warnings), so a patch there would miss
clients made before autolog().

- `chat`, `embed`, `rerank` return an `HttpResponse` whose `data` is the SDK's response.
- `chat_stream` returns a context manager (async: an async one) that sends the request when
  entered and yields an `HttpResponse` whose `data` iterates the stream events. The span
  starts at the call; a request that fails on entering ends it with the error; the events are
  traced in place (the response's `data` replaced by a recording generator) and the span ends
  with the stream: exhausted, closed (the SDK closes it when the caller's generator is
  dropped), collected, or failing.

The v1 API (`cohere.Client.chat`, `/v1/chat`, with `message` and `chat_history`) is a
different code path with a different message shape, and is not traced.
"""

from __future__ import annotations

import functools
from types import TracebackType
from typing import Any

from spanscope.cohere import _messages
from spanscope.cohere._call import (
    EMBEDDING,
    KIND,
    RERANK,
    CohereCall,
    record_response,
    start_call,
    start_other,
)
from spanscope.entities.serialization import loads
from spanscope.patching import SKIP, CallHooks, safe_patch
from spanscope.safety import log_internal_error
from spanscope.tracing.llm import LLMCall
from spanscope.tracing.streaming import (
    StreamEnd,
    stamp_stream,
    trace_async_stream,
    trace_stream,
)
from spanscope.tracing.wire import tee_body

__all__ = ["INTEGRATION", "patch"]

INTEGRATION = "cohere"


def patch() -> None:
    """Apply every patch (autolog() reverts the previous ones first)."""
    from cohere.v2 import raw_client

    for owner, prefix in (
        (raw_client.RawV2Client, "cohere.ClientV2"),
        (raw_client.AsyncRawV2Client, "cohere.AsyncClientV2"),
    ):
        safe_patch(INTEGRATION, owner, "chat", ChatHooks(f"{prefix}.chat"))
        safe_patch(INTEGRATION, owner, "chat_stream", StreamHooks(f"{prefix}.chat_stream"))
        safe_patch(INTEGRATION, owner, "embed", OtherHooks(f"{prefix}.embed", *EMBEDDING))
        safe_patch(INTEGRATION, owner, "rerank", OtherHooks(f"{prefix}.rerank", *RERANK))


def _data(result: Any) -> Any:
    """The SDK's response inside the raw client's `HttpResponse`."""
    return getattr(result, "data", result)


def _body(result: Any) -> bytes | None:
    """The JSON body the SDK's response was parsed from: bytes, which nothing can change, so
    the span keeps them instead of a copy of the response made on the caller's thread. None
    when the SDK does not show it (its `HttpResponse.response` is the httpx response)."""
    try:
        body = result.response.content
    except Exception:  # not an HttpResponse, or a body not read (httpx.ResponseNotRead)
        return None
    return body if type(body) is bytes and body[:1] == b"{" else None


def record_body(call: CohereCall, body: bytes) -> None:
    """The span's outputs (the response as JSON, without nulls, as `_messages.plain` makes
    them), reply, finish reason, usage and response id, from the response's JSON body."""
    outputs = _messages.plain(loads(body))
    call.span.set_outputs(outputs)
    record_response(call, outputs)


class ChatHooks(CallHooks):
    """`chat`: the reply is an HttpResponse of a V2ChatResponse."""

    def __init__(self, name: str) -> None:
        self.name = name

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return start_call(self.name, kwargs) or SKIP

    def after(self, state: CohereCall, result: Any) -> Any:
        outputs = None
        try:
            body = _body(result)
            if body is not None:  # the reply as it came: read when the trace is built
                state.defer(KIND, functools.partial(record_body, state, body))
            else:  # the span's own plain copy, made now (the caller may change the response)
                outputs = _messages.response_outputs(_data(result))
                state.defer(KIND, functools.partial(record_response, state, outputs))
        finally:
            state.end(outputs=outputs)
        return result

    def error(self, state: CohereCall, exc: BaseException) -> None:
        state.end(error=exc)


class OtherHooks(ChatHooks):
    """`embed` (EMBEDDING, with input tokens) and `rerank` (RERANKER: the query and documents
    in, the ranked indices and scores out; Cohere bills it in search units, not tokens)."""

    def __init__(self, name: str, operation: str, span_type: str) -> None:
        super().__init__(name)
        self.operation = operation
        self.span_type = span_type

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return start_other(self.name, kwargs, self.operation, self.span_type) or SKIP

    def after(self, state: CohereCall, result: Any) -> Any:
        outputs = None
        try:
            response = _data(result)
            outputs = _messages.response_outputs(response)
            state.set_usage(_messages.embedding_usage(response))
            state.set_response(None, _messages.response_id(response))
        finally:
            state.end(outputs=outputs)
        return result


def finish_stream(call: LLMCall, chunks: list[Any]) -> Any:
    """Record the response the events add up to; it becomes the span's outputs."""
    response = _messages.assemble(chunks)
    if response is not None:
        record_response(call, response)
    return response


class StreamHooks(ChatHooks):
    """`chat_stream`: the context manager is handed back traced (see the module's notes)."""

    def after(self, state: CohereCall, result: Any) -> Any:
        try:
            if hasattr(result, "__aenter__"):
                return _AsyncTracedStream(result, state)
            return _TracedStream(result, state)
        except BaseException:
            state.end()  # never leave a span open; the caller gets its stream untraced
            raise


def _traced_data(response: Any, call: CohereCall, is_async: bool) -> Any:
    """Replace the response's event iterator by one that records the events; returns it."""
    try:
        data = response._data
        # The events are made again from the body's bytes when the trace is built: the SDK's
        # event objects are not kept (see spanscope.tracing.wire).
        body = tee_body(getattr(response, "response", None))
        events = None if body is None else functools.partial(_messages.stream_events, body)
        traced = (
            trace_async_stream(data, call, finish_stream, KIND, chunks=events)
            if is_async
            else trace_stream(data, call, finish_stream, KIND, chunks=events)
        )
        response._data = traced
        return traced
    except Exception as exc:
        log_internal_error(KIND, exc)
        call.end()
        return None


def _stamped_data(response: Any, call: CohereCall) -> StreamEnd | None:
    """Where the body can be kept: the response's event iterator noting each event's time in
    C code, and the span ended by the manager's exit (see `stamp_stream`). Returns the
    `StreamEnd`; None when the body cannot be kept (the caller then traces the events)."""
    body = tee_body(getattr(response, "response", None))
    if body is None:
        return None
    events = functools.partial(_messages.stream_events, body)
    response._data, end = stamp_stream(response._data, call, finish_stream, KIND, events)
    return end


class _Manager:
    """What the sync and async wrappers of the SDK's stream context manager share: when the
    wrapper is collected, the span ends if the manager was never entered (nothing was sent:
    no output) or, for a stamped stream, never exited (with the events read so far)."""

    _entered = True  # class defaults: a wrapper whose __init__ failed ends nothing
    _end: StreamEnd | None = None

    def __init__(self, manager: Any, call: CohereCall) -> None:
        self._manager = manager
        self._call = call
        self._entered = False
        self._events: Any = None

    def __del__(self) -> None:
        try:
            end, self._end = self._end, None
            if end is not None:
                end(None)
            elif not self._entered:
                self._call.end()
        except Exception as exc:
            log_internal_error(KIND, exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._manager, name)


class _TracedStream(_Manager):
    """The SDK's stream context manager, with the span ended if entering it fails, and ended
    with what came when it exits (which every end of the stream goes through: exhausted,
    closed, failing), or when it is collected without exiting."""

    def __enter__(self) -> Any:
        self._entered = True
        try:
            response = self._manager.__enter__()
        except BaseException as exc:
            self._call.end(error=exc)
            raise
        try:
            self._end = _stamped_data(response, self._call)
        except Exception as exc:
            log_internal_error(KIND, exc)
        if self._end is None:
            self._events = _traced_data(response, self._call, is_async=False)
        return response

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Any:
        try:
            end, self._end = self._end, None
            if end is not None:
                end(exc)
            elif self._events is not None:
                self._events.close()
        except Exception as error:
            log_internal_error(KIND, error)
        return self._manager.__exit__(exc_type, exc, tb)


class _AsyncTracedStream(_Manager):
    """The async twin of `_TracedStream`, whose events are traced in place (a generator: no
    C-coded async map to stamp them): the SDK's async generator leaves the events unclosed
    when the caller drops it, so exiting closes them."""

    async def __aenter__(self) -> Any:
        self._entered = True
        try:
            response = await self._manager.__aenter__()
        except BaseException as exc:
            self._call.end(error=exc)
            raise
        self._events = _traced_data(response, self._call, is_async=True)
        return response

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Any:
        try:
            if self._events is not None:
                await self._events.aclose()
        except Exception as error:
            log_internal_error(KIND, error)
        return await self._manager.__aexit__(exc_type, exc, tb)

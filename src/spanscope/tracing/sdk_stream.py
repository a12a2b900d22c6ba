"""An SDK's own stream object traced in place: its inner iterator attribute is replaced.

Generated SDKs (Stainless: OpenAI, Groq, Anthropic; Speakeasy: Mistral) keep the stream's
generator in one attribute (`_iterator`, `generator`) that `__iter__`, `__next__` and their
helpers read, so replacing it with `spanscope.tracing.streaming.trace_stream` traces every way
of consuming the stream while `isinstance` checks and helper methods keep working. Gaps of a bare
generator are closed here: `stream.close()` (which only closes the HTTP response: the span
ends then, not whenever the garbage collector gets to the stream; closing a generator that
never started runs no cleanup, so that case is ended here too), and a race when the event
loop finalizes an abandoned async stream (see `_WithoutClose`).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Iterator
from typing import Any

from spanscope.safety import log_internal_error
from spanscope.tracing.llm import LLMCall
from spanscope.tracing.streaming import Finish, trace_async_stream, trace_stream

__all__ = ["wrap_async_stream", "wrap_stream"]


def wrap_stream(stream: Any, attribute: str, call: LLMCall, finish: Finish, kind: str) -> None:
    """Trace `stream` in place (its iterator is `stream.<attribute>`); `finish(call, chunks)`
    records the output; spanscope's own errors are logged as `kind`."""
    iterator = _Iterator(trace_stream(getattr(stream, attribute), call, finish, kind), call, kind)
    setattr(stream, attribute, iterator)
    close = stream.close

    @functools.wraps(close)
    def close_traced() -> None:
        try:
            iterator.close()
        finally:
            close()

    stream.close = close_traced


def wrap_async_stream(
    stream: Any, attribute: str, call: LLMCall, finish: Finish, kind: str
) -> None:
    """The async twin of `wrap_stream`."""
    inner = _WithoutClose(getattr(stream, attribute))
    iterator = _AsyncIterator(trace_async_stream(inner, call, finish, kind), call, kind)
    setattr(stream, attribute, iterator)
    close = stream.close

    @functools.wraps(close)
    async def close_traced() -> None:
        try:
            await iterator.aclose()
        finally:
            await close()

    stream.close = close_traced  # `__aexit__` calls `self.close()` too


def _end_unstarted(call: LLMCall, kind: str) -> None:
    try:
        if not call.span.is_ended:
            call.end()
    except Exception as exc:
        log_internal_error(kind, exc)


class _Iterator:
    """The traced generator, ending the span also when it was never started."""

    __slots__ = ("_call", "_gen", "_kind", "_started")

    def __init__(self, gen: Iterator[Any], call: LLMCall, kind: str) -> None:
        self._gen = gen
        self._call = call
        self._kind = kind
        self._started = False

    def __iter__(self) -> _Iterator:
        return self

    def __next__(self) -> Any:
        self._started = True
        return next(self._gen)

    def close(self) -> None:
        close = getattr(self._gen, "close", None)
        if not self._started:
            self._started = True  # no later iteration can start it any more
            if callable(close):
                close()
            _end_unstarted(self._call, self._kind)
        elif callable(close):
            # ValueError: another thread is reading a chunk; the span ends with the stream.
            with contextlib.suppress(ValueError):
                close()


class _AsyncIterator:
    """The async twin of `_Iterator`."""

    __slots__ = ("_call", "_gen", "_kind", "_started")

    def __init__(self, gen: AsyncIterator[Any], call: LLMCall, kind: str) -> None:
        self._gen = gen
        self._call = call
        self._kind = kind
        self._started = False

    def __aiter__(self) -> _AsyncIterator:
        return self

    def __anext__(self) -> Awaitable[Any]:
        self._started = True
        return self._gen.__anext__()

    async def aclose(self) -> None:
        aclose = getattr(self._gen, "aclose", None)
        if not self._started:
            self._started = True
            if callable(aclose):
                await aclose()
            _end_unstarted(self._call, self._kind)
        elif callable(aclose):
            # RuntimeError: closed while another task awaits its next chunk.
            with contextlib.suppress(RuntimeError):
                await aclose()


class _WithoutClose:
    """The SDK's async generator, hidden from `trace_async_stream`'s closing of it.

    When an abandoned stream is collected, the event loop closes both generators in tasks of
    their own; ours closing the SDK's as well races with that ("aclose(): asynchronous
    generator is already running", logged by asyncio). The SDK's generator is closed by its
    own finalizer, and its HTTP response by `stream.close()`.
    """

    __slots__ = ("_iterator",)

    def __init__(self, iterator: AsyncIterator[Any]) -> None:
        self._iterator = iterator

    def __aiter__(self) -> _WithoutClose:
        return self

    def __anext__(self) -> Awaitable[Any]:
        return self._iterator.__anext__()

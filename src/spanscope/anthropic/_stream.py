"""Tracing the SDK's streams in place: `Stream._iterator` is replaced by a traced one.

The caller keeps the SDK's own `Stream` / `AsyncStream` (and `MessageStream`, which reads its raw
stream), so `isinstance`, `text_stream`, `get_final_message()` and the rest work as before.
`spanscope.tracing.streaming` records each raw event and ends the span when the stream is
exhausted, raises, or is garbage-collected; `end_span()` ends it at `close()`, which closes
the HTTP response but not the iterator.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from spanscope.anthropic import _messages
from spanscope.anthropic._call import AnthropicCall, record_message
from spanscope.tracing.llm import LLMCall
from spanscope.tracing.streaming import trace_async_stream, trace_stream

__all__ = [
    "AsyncTracedEvents",
    "TracedEvents",
    "end_stream_span",
    "finish_stream",
    "trace_sdk_stream",
]

KIND = "anthropic autolog"  # the kind of internal error: silent=True mutes it


def finish_stream(call: LLMCall, events: list[Any]) -> Any:
    """Record the message the events add up to; it becomes the span's outputs."""
    message, complete = _messages.assemble(events)
    if message is None:
        return None
    record_message(call, message, complete)
    return message


class _Traced:
    __slots__ = ("_call", "_events")

    def __init__(self, call: AnthropicCall) -> None:
        self._call = call
        # The events so far, for end_span(); the stream recorder keeps its own list.
        self._events: list[Any] = []

    def end_span(self) -> None:
        """End the span now with the events so far (the stream was closed early)."""
        call = self._call
        if call.span.is_ended:
            return
        outputs = None
        try:
            outputs = finish_stream(call, self._events)
        finally:
            call.end(outputs=outputs)


class TracedEvents(_Traced):
    """The traced `_iterator` of a sync `Stream`."""

    __slots__ = ("_iterator",)

    def __init__(self, iterator: Iterator[Any], call: AnthropicCall) -> None:
        super().__init__(call)
        # Holds nothing that refers to the stream: a cycle would delay ending an abandoned one.
        self._iterator = trace_stream(iterator, call, finish_stream, KIND)

    def __iter__(self) -> TracedEvents:
        return self

    def __next__(self) -> Any:
        event = next(self._iterator)
        self._events.append(event)
        return event


class AsyncTracedEvents(_Traced):
    """The traced `_iterator` of an `AsyncStream`."""

    __slots__ = ("_iterator",)

    def __init__(self, iterator: AsyncIterator[Any], call: AnthropicCall) -> None:
        super().__init__(call)
        self._iterator = trace_async_stream(iterator, call, finish_stream, KIND)

    def __aiter__(self) -> AsyncTracedEvents:
        return self

    async def __anext__(self) -> Any:
        event = await self._iterator.__anext__()
        self._events.append(event)
        return event


def trace_sdk_stream(stream: Any, call: AnthropicCall) -> None:
    """Replace `stream._iterator` (a cached_property, so assignable) by a traced one."""
    inner = stream._iterator
    if hasattr(inner, "__anext__"):
        stream._iterator = AsyncTracedEvents(inner, call)
    else:
        stream._iterator = TracedEvents(inner, call)


def end_stream_span(stream: Any) -> None:
    """At `Stream.close()`: end the span of a traced stream with what it has read so far."""
    events = vars(stream).get("_iterator") if hasattr(stream, "__dict__") else None
    if isinstance(events, _Traced):
        events.end_span()

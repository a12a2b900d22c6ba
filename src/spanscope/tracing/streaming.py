"""Tracing streams: wrap a library's iterator in place, end the span when the stream ends.

The caller keeps the library's own stream object; only its inner iterator is replaced by one
of these generators. Each chunk is recorded as it passes (an event, up to a cap), time to first
token is noted, and when the stream is exhausted, closed, abandoned (garbage-collected) or
raises, the span ends; a stream dropped before its first chunk (a generator that never
started runs no cleanup) ends its span when it is garbage-collected. The caller's thread pays
only for keeping the chunks: serialising them and `finish(call, chunks)`, which assembles the
output and usage, run on the export thread when the trace is built (`LiveSpan.defer`).
"""

from __future__ import annotations

import contextlib
import operator
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar

from spanscope.constants import MAX_CHUNK_EVENTS, STREAM_CHUNK_EVENT, SpanAttributeKey
from spanscope.entities.span_event import SpanEvent
from spanscope.safety import log_internal_error
from spanscope.tracing.llm import LLMCall

__all__ = [
    "CHUNK_EVENT",
    "MAX_CHUNK_EVENTS",
    "Finish",
    "StreamEnd",
    "stamp_stream",
    "trace_async_stream",
    "trace_stream",
]

T = TypeVar("T")
Finish = Callable[[LLMCall, list[Any]], Any]
"""Sets output messages and usage on the call from the chunks; returns the span's outputs.

Runs after the span has ended, on the export thread (the span is still writable then): it
must not rely on the library's stream object being alive."""

CHUNK_EVENT = STREAM_CHUNK_EVENT
StreamEnd = Callable[[BaseException | None], None]
"""Ends a stamped stream's span (see `stamp_stream`), given what the stream's context manager
exits with: None (exhausted), GeneratorExit (closed) or an error, recorded as the call's only
when it was raised inside the library's iterator (not the caller's own, in its `with` block)."""
_FIRST = operator.itemgetter(0)


class _Recorder:
    __slots__ = (
        "call",
        "chunks",
        "done",
        "events",
        "finish",
        "kind",
        "made",
        "source",
        "stamped",
        "started",
        "times",
    )

    def __init__(
        self,
        call: LLMCall,
        finish: Finish,
        kind: str,
        events: bool = True,
        source: Callable[[], list[Any]] | None = None,
    ) -> None:
        self.call = call
        self.finish = finish
        self.kind = kind
        self.events = events or source is not None  # a source's chunks are counted by time
        self.source = source
        self.chunks: list[Any] = []
        self.times: list[int] = []  # when each chunk came; the events are made at export
        self.done = False
        self.started = False
        self.stamped = False  # times noted in C code (stamp_stream): TTFT set by _finish
        self.made: list[Any] | None = None  # the source's chunks, once the stream has ended

    def values(self) -> list[Any]:
        """The chunks the caller read: kept, or made again by the source (on the export
        thread; once for an ended stream, whose chunk events and output both need them)."""
        if self.source is None:
            return self.chunks
        if self.made is not None:
            return self.made
        made = self.source()[: len(self.times)]
        if self.done:
            self.made = made
        return made

    def start(self) -> None:
        """Called as the stream starts: its chunk events' place among the span's events."""
        self.started = True
        if self.events:
            try:
                self.call.span.add_lazy_events(self._chunk_events)
            except Exception as exc:
                log_internal_error(self.kind, exc)

    def first(self, now: int) -> None:
        """Called at the first chunk: the time to first token."""
        try:
            span = self.call.span
            ttft = now - span.start_time_ns
            span.set_attribute(SpanAttributeKey.TIME_TO_FIRST_TOKEN_NS, ttft)
        except Exception as exc:
            log_internal_error(self.kind, exc)

    def _chunk_events(self) -> list[SpanEvent]:
        # Read while the caller may still append (a live part of a running trace): a time is
        # appended before its chunk, so the shorter list says how many are whole.
        times, chunks = self.times, self.values()
        count = min(len(times), len(chunks), MAX_CHUNK_EVENTS)
        ended = self.call.span.end_time_ns
        events = []
        for index in range(count):
            if ended is not None and times[index] > ended:
                break  # read after the span ended (it was closed): not the span's
            events.append(
                SpanEvent(CHUNK_EVENT, times[index], {"index": index, "value": chunks[index]})
            )
        return events

    def end(self, error: BaseException | None, assemble: bool = True) -> None:
        if self.done:
            return
        self.done = True
        try:
            span = self.call.span
            if span.is_ended:  # the integration ended it already (the stream was closed)
                return
            if assemble:
                span.defer(self._finish)
            self.call.end(error=error)
        except Exception as exc:
            log_internal_error(self.kind, exc)

    def end_if_unstarted(self) -> None:
        # Runs when the traced generator is collected; a started one ended its span itself.
        if not self.started:
            self.end(None, assemble=False)  # nothing was read: no output, as when closed

    def _finish(self) -> None:
        try:
            if self.stamped and self.times:
                self.first(self.times[0])
            chunks = self.values()
            if len(chunks) < len(self.times):  # never silently: the body lacks chunks read
                message = f"the stream's body holds {len(chunks)} of {len(self.times)} chunks"
                log_internal_error(self.kind, RuntimeError(message))
            outputs = self.finish(self.call, chunks)
            if outputs is not None:
                self.call.span.set_outputs(outputs)
        except Exception as exc:
            log_internal_error(self.kind, exc)


def trace_stream(
    iterator: Iterator[T],
    call: LLMCall,
    finish: Finish,
    kind: str = "stream tracing",
    *,
    events: bool = True,
    chunks: Callable[[], list[Any]] | None = None,
) -> Iterator[T]:
    """A generator over `iterator` that records chunks and ends `call` when it stops.

    `events=False` keeps the chunks for `finish` only: no chunk events and no time to first
    token, for a stream of a framework's steps rather than of a model's tokens. `chunks`, when
    the chunks can be made again on the export thread (from the body's bytes, see
    `spanscope.tracing.wire`), returns them there: the caller's thread keeps only their times,
    and the first as many as the caller read are the span's."""
    recorder = _Recorder(call, finish, kind, events, chunks)
    stream = _traced(iterator, recorder)
    weakref.finalize(stream, recorder.end_if_unstarted).atexit = False
    return stream


def stamp_stream(
    iterator: Iterator[T],
    call: LLMCall,
    finish: Finish,
    kind: str,
    chunks: Callable[[], list[Any]],
) -> tuple[Iterator[T], StreamEnd]:
    """`trace_stream` for a stream whose end the integration sees itself (the exit of the
    SDK's stream context manager: exhausted, closed, failing) and whose chunks `chunks` makes
    again on the export thread. The iterator returned notes each chunk's time in C code (no
    Python frame per chunk, the cheapest a stream can be traced); the integration calls the
    `StreamEnd` returned once, when the stream ends. The chunks are those the caller read:
    a time is noted only after the library's iterator gave a chunk."""
    recorder = _Recorder(call, finish, kind, True, chunks)
    recorder.stamped = True
    recorder.start()
    stamps = map(recorder.times.append, iter(time.time_ns, None))
    code = getattr(iterator, "gi_code", None)

    def end(exc: BaseException | None) -> None:
        recorder.end(_raised_inside(exc, code))

    return map(_FIRST, zip(iterator, stamps, strict=False)), end


def _raised_inside(exc: BaseException | None, code: Any) -> BaseException | None:
    """`exc` if the stream ended with it: raised inside the generator whose code is `code`
    (its frame is in the traceback; any error when the iterator is not a generator)."""
    if exc is None or isinstance(exc, GeneratorExit):
        return None
    if code is None:
        return exc
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is code:
            return exc
        tb = tb.tb_next
    return None


def trace_async_stream(
    iterator: AsyncIterator[T],
    call: LLMCall,
    finish: Finish,
    kind: str = "stream tracing",
    *,
    events: bool = True,
    chunks: Callable[[], list[Any]] | None = None,
) -> AsyncIterator[T]:
    """The async twin of `trace_stream`."""
    recorder = _Recorder(call, finish, kind, events, chunks)
    stream = _atraced(iterator, recorder)
    weakref.finalize(stream, recorder.end_if_unstarted).atexit = False
    return stream


def _traced(iterator: Iterator[T], recorder: _Recorder) -> Iterator[T]:
    recorder.start()
    # A chunk's cost to the caller: its time, and an append unless a source makes it again.
    keep, keeps = recorder.chunks.append, recorder.source is None
    try:
        if recorder.events:
            times, now = recorder.times, time.time_ns
            stamp = times.append
            for chunk in iterator:
                at = now()
                if not times:
                    recorder.first(at)
                stamp(at)
                if keeps:
                    keep(chunk)
                yield chunk
        else:
            for chunk in iterator:
                keep(chunk)
                yield chunk
    except GeneratorExit:  # closed, or garbage-collected halfway: end with what came
        close = getattr(iterator, "close", None)
        try:
            if callable(close):
                # ValueError: the inner generator is running (closed from inside itself).
                with contextlib.suppress(ValueError):
                    close()
        finally:
            recorder.end(None)
        raise
    except BaseException as exc:
        recorder.end(exc)
        raise
    recorder.end(None)


async def _atraced(iterator: AsyncIterator[T], recorder: _Recorder) -> AsyncIterator[T]:
    recorder.start()
    keep, keeps = recorder.chunks.append, recorder.source is None
    try:
        if recorder.events:
            times, now = recorder.times, time.time_ns
            stamp = times.append
            async for chunk in iterator:
                at = now()
                if not times:
                    recorder.first(at)
                stamp(at)
                if keeps:
                    keep(chunk)
                yield chunk
        else:
            async for chunk in iterator:
                keep(chunk)
                yield chunk
    except GeneratorExit:
        aclose = getattr(iterator, "aclose", None)
        try:
            if callable(aclose):
                # RuntimeError: the event loop's finalizer is already closing the inner one.
                with contextlib.suppress(RuntimeError):
                    await aclose()
        finally:
            recorder.end(None)
        raise
    except BaseException as exc:
        recorder.end(exc)
        raise
    recorder.end(None)

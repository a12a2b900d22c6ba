"""An async stream that keeps its span current while it is read, and closes the traced streams
started inside it when it is dropped.

Agent frameworks (AutoGen, Semantic Kernel) return streams that do their work (model calls,
tools, auto-invoked functions, a team's runtime started in its own task, which copies the
context) while being read, not when created: the span must be current then, so what they do
nests under it. They read their inner streams with `async for`, which does not close them
when the outer one is closed: those would end only when collected, after the caller has gone
on, so a dropped stream closes them itself (they are noted with `adopt`).
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import AsyncIterator
from typing import Any

from spanscope.tracing.context import CURRENT_SPAN
from spanscope.tracing.live_span import LiveSpan

__all__ = ["activating", "adopt"]

# id(span) -> the traced streams started while it was current, while its stream is read.
_NESTED: dict[int, weakref.WeakSet[Any]] = {}


def adopt(stream: Any) -> Any:
    """Note `stream` (a traced stream) under the current span's stream, which closes it when
    it is dropped; returns it."""
    span = CURRENT_SPAN.get()
    nested = _NESTED.get(id(span)) if span is not None else None
    if nested is not None:
        nested.add(stream)
    return stream


async def activating(inner: AsyncIterator[Any], span: LiveSpan) -> AsyncIterator[Any]:
    """`inner`'s items, with `span` current while each is produced (and while `inner` is
    closed). It is set and reset within each step, never across a `yield`, so the caller's
    context is left as it was. Closed early, it closes the streams adopted inside it too,
    ending their spans with what they had."""
    _NESTED[id(span)] = weakref.WeakSet()
    dropped = False
    try:
        while True:
            token = CURRENT_SPAN.set(span)
            try:
                item = await inner.__anext__()
            except StopAsyncIteration:
                return
            finally:
                CURRENT_SPAN.reset(token)
            try:
                yield item
            except GeneratorExit:
                dropped = True
                raise
    finally:
        aclose = getattr(inner, "aclose", None)
        if callable(aclose):
            token = CURRENT_SPAN.set(span)
            try:
                await aclose()  # a no-op for a stream that ended; else the stream's cleanup
            finally:
                CURRENT_SPAN.reset(token)
        if dropped:
            await _close_nested(span)
        _NESTED.pop(id(span), None)


async def _close_nested(span: LiveSpan) -> None:
    for stream in list(_NESTED.pop(id(span), ())):
        # RuntimeError: the stream is being read in another task (a team's runtime).
        with contextlib.suppress(RuntimeError, ValueError):
            await stream.aclose()

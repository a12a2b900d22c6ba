"""A stream that keeps its span current while it is read."""

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
    """`inner`'s items, with `span` current while each is produced.

    Semantic Kernel's streams do their work (the request, auto-invoked functions) while being
    read, not when created: the span must be current then, so what they do nests under it.
    It is set and reset within each step, never across a `yield`. Semantic Kernel reads its
    inner streams with `async for`, which does not close them when the outer one is closed:
    dropped, this closes the traced streams started inside it, ending their spans now.
    """
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
                await aclose()
            finally:
                CURRENT_SPAN.reset(token)
        for stream in list(_NESTED.pop(id(span), ())) if dropped else ():
            with contextlib.suppress(RuntimeError, ValueError):
                await stream.aclose()
        _NESTED.pop(id(span), None)

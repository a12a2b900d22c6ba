"""A stream that keeps its span current while it is read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from spanscope.tracing.context import CURRENT_SPAN
from spanscope.tracing.live_span import LiveSpan

__all__ = ["activating"]


async def activating(inner: AsyncIterator[Any], span: LiveSpan) -> AsyncIterator[Any]:
    """`inner`'s items, with `span` current while each is produced.

    Semantic Kernel's streams do their work (the request, auto-invoked functions) while being
    read, not when created: the span must be current then, so what they do nests under it.
    It is set and reset within each step, never across a `yield`.
    """
    try:
        while True:
            token = CURRENT_SPAN.set(span)
            try:
                item = await inner.__anext__()
            except StopAsyncIteration:
                return
            finally:
                CURRENT_SPAN.reset(token)
            yield item
    finally:
        aclose = getattr(inner, "aclose", None)
        if callable(aclose):
            token = CURRENT_SPAN.set(span)
            try:
                await aclose()
            finally:
                CURRENT_SPAN.reset(token)

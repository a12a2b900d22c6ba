"""The spans of agent and team runs: who owns them, and streams that keep them current.

AutoGen nests its entry points (`run` calls `on_messages`, which calls `on_messages_stream`;
a team's `run` reads its `run_stream`): a call is traced only when the current span is not
already a run of the same agent or team, so each run is one span whichever entry point the
caller used. A span of an agent that another agent calls (a society of minds, a message
filter) nests as its own span.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import AsyncIterator
from typing import Any

from spanscope.tracing.context import CURRENT_SPAN
from spanscope.tracing.live_span import LiveSpan
from spanscope.tracing.llm import LLMCall

__all__ = ["Run", "activating", "adopt", "running"]

# id(span) -> id(agent or team) while the span is open; ended spans leave it.
_OWNERS: dict[int, int] = {}
# id(span) -> the traced streams started while it was current, while its stream is read.
_NESTED: dict[int, weakref.WeakSet[Any]] = {}


class Run(LLMCall):
    """An open span of an agent or team run (or a model call); `end` is idempotent: a stream's
    span may end when the caller closes it and again when its iterator is collected."""

    __slots__ = ()

    def __init__(self, span: LiveSpan, owner: Any = None) -> None:
        super().__init__(span)
        if owner is not None:
            _OWNERS[id(span)] = id(owner)

    def end(self, outputs: Any = None, error: BaseException | None = None) -> None:
        _OWNERS.pop(id(self.span), None)
        if not self.span.is_ended:
            LLMCall.end(self, outputs=outputs, error=error)


def running(owner: Any) -> bool:
    """Whether the current span is a run of `owner` (an agent or a team)."""
    span = CURRENT_SPAN.get()
    return span is not None and _OWNERS.get(id(span)) == id(owner)


def adopt(stream: Any) -> Any:
    """Note `stream` (a traced stream) under the current span's stream, which closes it when
    it is dropped; returns it."""
    span = CURRENT_SPAN.get()
    nested = _NESTED.get(id(span)) if span is not None else None
    if nested is not None:
        nested.add(stream)
    return stream


async def _close_nested(span: LiveSpan) -> None:
    # AutoGen reads its inner streams with `async for`, which does not close them when the
    # outer one is closed: they would end only when collected, after the caller has gone
    # on. Closing them now ends their spans with what they had.
    for stream in list(_NESTED.pop(id(span), ())):
        # RuntimeError: the stream is being read in another task (a team's runtime).
        with contextlib.suppress(RuntimeError, ValueError):
            await stream.aclose()


async def activating(inner: AsyncIterator[Any], span: LiveSpan) -> AsyncIterator[Any]:
    """`inner`'s items, with `span` current while each is produced.

    AutoGen's streams do their work (model calls, tools, a team's runtime started in its own
    task, which copies the context) while being read, not when created: the run's span must
    be current then, so what they do nests under it. It is set and reset within each step,
    never across a `yield`, so the caller's context is left as it was. Closed early, it
    closes the traced streams started inside it too (see `adopt`).
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
                await aclose()  # a no-op for a stream that ended; else the run's cleanup
            finally:
                CURRENT_SPAN.reset(token)
        if dropped:
            await _close_nested(span)
        _NESTED.pop(id(span), None)

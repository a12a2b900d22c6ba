"""Which span is current: one context variable, and helpers to carry it into threads."""

from __future__ import annotations

import concurrent.futures
import contextvars
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

if TYPE_CHECKING:
    from spanscope.tracing.live_span import LiveSpan, NoOpSpan

__all__ = [
    "CURRENT_SPAN",
    "ROOT_OBSERVER",
    "ContextThreadPoolExecutor",
    "RemoteParent",
    "observe_roots",
    "use_span",
    "with_context",
]

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class RemoteParent:
    """A span of another process (from a `traceparent` header) that new spans continue."""

    trace_id: str
    span_id: str
    sampled: bool = True


CURRENT_SPAN: contextvars.ContextVar[LiveSpan | NoOpSpan | RemoteParent | None] = (
    contextvars.ContextVar("spanscope_current_span", default=None)
)


# Told of each trace's root span as it starts, inside `observe_roots` (spanscope.evaluate learns
# which trace a call of the app made, and tags it).
ROOT_OBSERVER: contextvars.ContextVar[Callable[[LiveSpan], None] | None] = contextvars.ContextVar(
    "spanscope_root_observer", default=None
)


@contextmanager
def observe_roots(callback: Callable[[LiveSpan], None]) -> Iterator[None]:
    """Call `callback` with the root span of every trace started in the block."""
    token = ROOT_OBSERVER.set(callback)
    try:
        yield
    finally:
        ROOT_OBSERVER.reset(token)


@contextmanager
def use_span(span: LiveSpan | NoOpSpan) -> Iterator[LiveSpan | NoOpSpan]:
    """Make `span` (e.g. from `TracingClient`) the current span in the block; it is not ended."""
    token = CURRENT_SPAN.set(span)
    try:
        yield span
    finally:
        CURRENT_SPAN.reset(token)


def with_context(fn: Callable[P, R]) -> Callable[P, R]:
    """Bind `fn` to the current context, so spans it starts in another thread nest right.

    >>> executor.submit(spanscope.tracing.with_context(work), item)
    """
    context = contextvars.copy_context()

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        # A Context can be entered by one thread at a time; each call runs in its own copy.
        return context.copy().run(fn, *args, **kwargs)

    return run


class ContextThreadPoolExecutor(concurrent.futures.ThreadPoolExecutor):
    """A ThreadPoolExecutor whose tasks run in the submitter's context (spans nest right)."""

    def submit(
        self, fn: Callable[..., R], /, *args: Any, **kwargs: Any
    ) -> concurrent.futures.Future[R]:
        context = contextvars.copy_context()
        return super().submit(context.run, fn, *args, **kwargs)

"""The spans of smolagents' calls: opening one around a patched call, and keeping it current
while a generator smolagents returns is read."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from spanscope.patching import SKIP, CallHooks
from spanscope.tracing.context import CURRENT_SPAN, use_span
from spanscope.tracing.live_span import LiveSpan
from spanscope.tracing.llm import LLMCall
from spanscope.tracing.processor import encode_attributes, start_span

__all__ = ["KIND", "Open", "SpanHooks", "activating", "argument", "end"]

KIND = "smolagents autolog"  # the kind of internal error: silent=True mutes it

T = TypeVar("T")


@dataclass(slots=True)
class Open(LLMCall):
    """An open span, with what its end needs: the step it stands for, whether the call
    returns a stream."""

    step: Any = None
    stream: bool = False


def argument(
    args: tuple[Any, ...], kwargs: Mapping[str, Any], index: int, name: str, default: Any = None
) -> Any:
    """A call's argument, passed by position (`index`, counting `self`) or by name."""
    return args[index] if len(args) > index else kwargs.get(name, default)


class SpanHooks(CallHooks):
    """A call as one span of `span_type`: `describe` names it and gives its attributes and
    inputs; it ends with the call's result as outputs, or its exception."""

    span_type: str

    def describe(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[str, dict[str, Any], Any]:
        raise NotImplementedError

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        name, attributes, inputs = self.describe(args, kwargs)
        span = start_span(name, encode_attributes(self.span_type, attributes))
        if not isinstance(span, LiveSpan):
            return SKIP
        state = Open(span)
        try:
            span.set_inputs(inputs)
        except BaseException:
            state.end()  # never leave a span open; the call goes on untraced
            raise
        return state

    def after(self, state: Open, result: Any) -> Any:
        end(state, lambda: self.outputs(result))
        return result

    def outputs(self, result: Any) -> Any:
        return result

    def error(self, state: Open, exc: BaseException) -> None:
        state.end(error=exc)


def end(state: Open, outputs: Callable[[], Any]) -> None:
    """End the span with `outputs()`; an error of ours there still ends it (and is raised
    after, for the patch to report)."""
    value = None
    try:
        value = outputs()
    finally:
        state.end(outputs=value)


def activating(inner: Iterator[T], span: LiveSpan) -> Iterator[T]:
    """`inner`'s items, with `span` current while each is produced.

    smolagents' generators (a streamed run, each step, a model's stream) do their work while
    they are read, not when they are made: the span must be current then, so the model and
    tool calls inside nest under it. It is set and reset within each step, never across a
    `yield`, so the caller's context is left as it was. Closed early, it closes `inner` with
    the span current too (smolagents runs a step's cleanup then).
    """
    try:
        while True:
            token = CURRENT_SPAN.set(span)
            try:
                item = next(inner)
            except StopIteration:
                return
            finally:
                CURRENT_SPAN.reset(token)
            yield item
    finally:
        close = getattr(inner, "close", None)
        if callable(close):
            with use_span(span):
                close()  # a no-op for a generator that ended

"""The spans of CrewAI's calls: one span around a patched call, and the guard that keeps a
call made inside the same object's call (a retry, a method calling its twin) from being
recorded twice."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from spanscope.crewai import _messages
from spanscope.patching import SKIP, CallHooks
from spanscope.tracing.context import CURRENT_SPAN
from spanscope.tracing.live_span import LiveSpan
from spanscope.tracing.llm import LLMCall
from spanscope.tracing.processor import encode_attributes, start_span

__all__ = [
    "INTEGRATION",
    "Open",
    "SpanHooks",
    "argument",
    "opened",
    "owned_by",
    "owner_of",
]

INTEGRATION = "crewai"

# id(span) -> (kind, id of the object whose call it stands for, its state), while it is open.
_OWNERS: dict[int, tuple[str, int, Open]] = {}
_LOCK = threading.Lock()


@dataclass(slots=True)
class Open(LLMCall):
    """An open span; for a model call, what CrewAI reports about it while it runs."""

    finish_reason: str | None = None
    response_id: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)

    def end(self, outputs: Any = None, error: BaseException | None = None) -> None:
        with _LOCK:
            _OWNERS.pop(id(self.span), None)
        LLMCall.end(self, outputs=outputs, error=error)


def argument(
    args: tuple[Any, ...], kwargs: Mapping[str, Any], index: int, name: str, default: Any = None
) -> Any:
    """A call's argument, passed by position (`index`, counting `self`) or by name."""
    return args[index] if len(args) > index else kwargs.get(name, default)


def owner_of(kind: str, owner: Any) -> Open | None:
    """The state of the current span if it is one of `kind` opened for `owner`'s call."""
    current = CURRENT_SPAN.get()
    entry = None if current is None else _OWNERS.get(id(current))
    if entry is None or entry[0] != kind or entry[1] != id(owner):
        return None
    return entry[2]


def owned_by(kind: str, owner: Any) -> bool:
    """Whether the current span is one of `kind` opened for `owner`'s call."""
    return owner_of(kind, owner) is not None


class SpanHooks(CallHooks):
    """A call as one span of `span_type`: `describe` names it and gives its attributes and
    inputs (or None: not traced); it ends with `outputs(result)` (CrewAI's outputs as their
    text), or the call's exception.
    A call on the same object made while its span is current is not traced again."""

    span_type: str
    kind: str = ""

    def describe(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        raise NotImplementedError

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        owner = args[0]
        kind = self.kind or self.span_type
        if owned_by(kind, owner):
            return SKIP
        described = self.describe(args, kwargs)
        if described is None:
            return SKIP
        name, attributes, inputs = described
        span = start_span(name, encode_attributes(self.span_type, attributes))
        if not isinstance(span, LiveSpan):
            return SKIP
        return opened(Open(span), kind, owner, inputs)

    def after(self, state: Open, result: Any) -> Any:
        value = None
        try:
            value = self.outputs(result)
        finally:
            state.end(outputs=value)
        return result

    def outputs(self, result: Any) -> Any:
        return _messages.result_outputs(result)  # a crew's, task's or agent's output as text

    def error(self, state: Open, exc: BaseException) -> None:
        state.end(error=exc)


def opened(state: Open, kind: str, owner: Any, inputs: Any) -> Open:
    """`state`'s span, owned by `owner`, with its inputs set (ended again if that fails)."""
    with _LOCK:
        _OWNERS[id(state.span)] = (kind, id(owner), state)
    try:
        state.span.set_inputs(inputs)
    except BaseException:
        state.end()  # never leave a span open; the call goes on untraced
        raise
    return state

"""Tracing a `litellm.CustomStreamWrapper` in place: the caller keeps the very same object.

Python looks special methods up on the type, so `for chunk in stream` would never see a
`__next__` set on the instance. The wrapper's class is therefore swapped for a subclass (made
once per wrapper class, same name) whose `__next__` / `__anext__` pull through
`spanscope.tracing.streaming`; `isinstance(stream, CustomStreamWrapper)` stays true, and every
attribute and helper method is the wrapper's own. `close`, `aclose`, `with` blocks and garbage
collection end the span too. A wrapper that reaches several patched calls (litellm's fallbacks
call `litellm.acompletion` again) gets one tracing layer per call, innermost first.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator, Iterator
from typing import Any

from spanscope.tracing.llm import LLMCall
from spanscope.tracing.streaming import Finish, trace_async_stream, trace_stream

__all__ = ["trace_in_place"]

_STATE = "_spanscope_stream"
_TRACED: dict[type, Any] = {}


class _Busy:
    """Set while the wrapper's own `__next__` runs: it closes itself when the stream ends."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = False


class _StreamState:
    """The spans one wrapper feeds, and the traced iterator once iteration has begun."""

    __slots__ = ("async_chain", "busy", "calls", "kind", "sync_chain")

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.calls: list[tuple[LLMCall, Finish]] = []
        self.sync_chain: Iterator[Any] | None = None
        self.async_chain: AsyncIterator[Any] | None = None
        self.busy = _Busy()

    def sync(self, wrapper: Any, base: Any) -> Iterator[Any]:
        if self.sync_chain is None:
            chain: Iterator[Any] = _pull(weakref.ref(wrapper), base, self.busy)
            for call, finish in self.calls:
                chain = trace_stream(chain, call, finish, self.kind)
            self.sync_chain = chain
        return self.sync_chain

    def async_(self, wrapper: Any, base: Any) -> AsyncIterator[Any]:
        if self.async_chain is None:
            chain: AsyncIterator[Any] = _apull(weakref.ref(wrapper), base, self.busy)
            for call, finish in self.calls:
                chain = trace_async_stream(chain, call, finish, self.kind)
            self.async_chain = chain
        return self.async_chain

    def close(self) -> None:
        """End the spans now, with what came so far (closing a generator ends its span)."""
        if self.busy.value:
            return  # litellm closing itself mid-`__next__`: the chain ends as that returns
        if self.sync_chain is not None:
            close = getattr(self.sync_chain, "close", None)
            if close is not None:
                close()
        elif self.async_chain is None:
            self._end_unstarted()
        # A started async chain ends in `aclose`, or via the event loop when collected.

    async def aclose(self) -> None:
        if self.busy.value:
            return
        aclose = getattr(self.async_chain, "aclose", None)
        if aclose is not None:
            await aclose()
        else:
            self.close()

    def _end_unstarted(self) -> None:
        # No generator ran, so none will end these spans: end them here, innermost first.
        for call, _ in self.calls:
            if not call.span.is_ended:
                call.end()


def trace_in_place(wrapper: Any, call: LLMCall, finish: Finish, kind: str) -> Any:
    """Trace `wrapper`'s iteration into `call`; returns the same object."""
    state = wrapper.__dict__.get(_STATE)
    if state is None:
        state = _StreamState(kind)
        traced = _traced_class(type(wrapper))
        wrapper.__dict__[_STATE] = state
        wrapper.__class__ = traced
    if state.sync_chain is not None or state.async_chain is not None:
        call.end()  # iteration began before this call saw the stream: nothing left to trace
    else:
        state.calls.append((call, finish))
    return wrapper


def _traced_class(base: Any) -> Any:
    traced = _TRACED.get(base)
    if traced is None:
        traced = _TRACED.setdefault(base, _make_traced_class(base))
    return traced


def _make_traced_class(base: Any) -> Any:
    # Each method falls back to the wrapper's own when it has no tracing state (an instance
    # of this class made some other way, e.g. by a copy that dropped the state).
    def __next__(self: Any) -> Any:
        state = _state(self)
        return base.__next__(self) if state is None else next(state.sync(self, base))

    async def __anext__(self: Any) -> Any:
        state = _state(self)
        if state is None:
            return await base.__anext__(self)
        return await state.async_(self, base).__anext__()

    def close(self: Any) -> None:
        try:
            base.close(self)
        finally:
            state = _state(self)
            if state is not None:
                state.close()

    async def aclose(self: Any) -> None:
        try:
            await base.aclose(self)
        finally:
            state = _state(self)
            if state is not None:
                await state.aclose()

    def __del__(self: Any) -> None:
        state = _state(self)
        if state is not None:
            state.close()  # while the wrapper is still whole, so usage can be read from it
        finalize = getattr(base, "__del__", None)
        if finalize is not None:
            finalize(self)

    namespace = {
        "__next__": __next__,
        "__anext__": __anext__,
        "close": close,
        "aclose": aclose,
        "__del__": __del__,
        "__module__": __name__,  # the same name, but `type()` tells it is traced
        "__qualname__": base.__qualname__,
        "__doc__": base.__doc__,
    }
    return type(base.__name__, (base,), namespace)


def _state(wrapper: Any) -> _StreamState | None:
    state: _StreamState | None = wrapper.__dict__.get(_STATE)
    return state


def _pull(ref: weakref.ref[Any], base: Any, busy: _Busy) -> Iterator[Any]:
    """The wrapper's own chunks; holds it weakly, so dropping the wrapper frees it."""
    while True:
        wrapper = ref()
        if wrapper is None:
            return
        busy.value = True
        try:
            chunk = base.__next__(wrapper)
        except StopIteration:
            return
        finally:
            busy.value = False
        del wrapper
        yield chunk


async def _apull(ref: weakref.ref[Any], base: Any, busy: _Busy) -> AsyncIterator[Any]:
    while True:
        wrapper = ref()
        if wrapper is None:
            return
        busy.value = True
        try:
            chunk = await base.__anext__(wrapper)
        except StopAsyncIteration:
            return
        finally:
            busy.value = False
        del wrapper
        yield chunk

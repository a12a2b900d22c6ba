"""Streamed query responses: the span that returned one stays open until it is consumed.

A streaming query engine returns a `StreamingResponse` whose generator calls the LLM only
when the caller iterates it, after every LlamaIndex span of the query has exited. Its
`response_gen` is replaced in place by a relay that makes the returning span current while
the generator runs (so the lazy LLM call, and the provider call under it, land in the query's
trace), and ends that span and its waiting parents when the stream ends, is closed, is
garbage-collected unread, or raises.
"""

from __future__ import annotations

import contextvars
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from spanscope.llama_index._runs import Run
from spanscope.tracing.context import CURRENT_SPAN

__all__ = ["RELAYING", "relay_response"]

RELAYING: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "spanscope_llama_index_relaying", default=False
)
"""True while a relay runs the wrapped generator. Whatever becomes current in there is undone
when the relay hands the chunk out, so an LLM stream's span may stay current past its exit:
the provider request LlamaIndex sends on the stream's first iteration then nests under it."""

_STREAMING_RESPONSES = frozenset({"StreamingResponse", "AsyncStreamingResponse"})

Release = Callable[[Run, Any, "BaseException | None"], None]


class _Relay:
    """Collects the streamed text; `finish` releases the run once, however the stream ends."""

    __slots__ = ("__weakref__", "done", "pieces", "release", "run")

    def __init__(self, run: Run, release: Release) -> None:
        self.run = run
        self.release = release
        self.pieces: list[str] = []
        self.done = False

    def finish(self, error: BaseException | None = None) -> None:
        if not self.done:
            self.done = True
            text = "".join(self.pieces) if self.pieces else None
            self.release(self.run, text, error)

    def add(self, piece: Any) -> None:
        if isinstance(piece, str):
            self.pieces.append(piece)


def relay_response(run: Run, result: Any, release: Release, relays: weakref.WeakSet[Any]) -> bool:
    """Wrap the generator of a streaming query response in place; True if it was wrapped
    (then `release(run, text, error)` is called exactly once when the stream ends).

    `relays` holds the relays installed, so the outer spans returning the same response
    leave it as it is (they wait for the inner span instead)."""
    if type(result).__name__ not in _STREAMING_RESPONSES:
        return False
    stream = getattr(result, "response_gen", None)
    if stream is None or stream in relays:
        return False
    state = _Relay(run, release)
    relay: Any
    if isinstance(stream, Iterator):
        relay = _relay(stream, state)
    elif isinstance(stream, AsyncIterator):
        relay = _arelay(stream, state)
    else:
        return False
    relays.add(relay)
    weakref.finalize(relay, state.finish)  # never iterated: its body (and finally) never runs
    result.response_gen = relay
    return True


def _relay(stream: Iterator[Any], state: _Relay) -> Iterator[Any]:
    span = state.run.span
    try:
        while True:
            # Current only while the generator body runs, never while the caller has the chunk.
            token, relaying = CURRENT_SPAN.set(span), RELAYING.set(True)
            try:
                piece = next(stream)
            except StopIteration:
                break
            finally:
                RELAYING.reset(relaying)
                CURRENT_SPAN.reset(token)
            state.add(piece)
            yield piece
    except GeneratorExit:
        close = getattr(stream, "close", None)
        if callable(close):
            close()
        state.finish()
        raise
    except BaseException as exc:
        state.finish(exc)
        raise
    state.finish()


async def _arelay(stream: AsyncIterator[Any], state: _Relay) -> AsyncIterator[Any]:
    span = state.run.span
    try:
        while True:
            token, relaying = CURRENT_SPAN.set(span), RELAYING.set(True)
            try:
                piece = await stream.__anext__()
            except StopAsyncIteration:
                break
            finally:
                RELAYING.reset(relaying)
                CURRENT_SPAN.reset(token)
            state.add(piece)
            yield piece
    except GeneratorExit:
        aclose = getattr(stream, "aclose", None)
        if callable(aclose):
            await aclose()
        state.finish()
        raise
    except BaseException as exc:
        state.finish(exc)
        raise
    state.finish()

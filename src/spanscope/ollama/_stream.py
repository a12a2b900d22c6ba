"""Ollama streams: trace the generator the client returns, and assemble the full reply.

A streamed call returns a plain (async) generator of `ChatResponse` / `GenerateResponse` parts;
the caller gets a traced generator in its place (`spanscope.tracing.streaming`). Parts carry
text (and thinking, tool calls, logprobs) pieces; the last one (`done: true`) carries the
finish reason, token counts and durations.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from spanscope.tracing.llm import LLMCall
from spanscope.tracing.streaming import Finish, trace_async_stream, trace_stream

__all__ = ["assemble", "traced_async_stream", "traced_stream"]


def assemble(method: str, parts: Sequence[Any]) -> Any:
    """The whole reply built from stream parts, like a non-streamed response; None if none."""
    if not parts:
        return None
    last = parts[-1]
    logprobs = [p for part in parts for p in getattr(part, "logprobs", None) or []] or None
    if method == "generate":
        update = {
            "response": "".join(getattr(p, "response", None) or "" for p in parts),
            "thinking": _joined(getattr(p, "thinking", None) for p in parts),
            "logprobs": logprobs,
        }
        return last.model_copy(update=update)
    messages = [p.message for p in parts if getattr(p, "message", None) is not None]
    if not messages:
        return last
    message = messages[-1].model_copy(
        update={
            "content": "".join(m.content or "" for m in messages),
            "thinking": _joined(m.thinking for m in messages),
            "tool_calls": [c for m in messages for c in m.tool_calls or []] or None,
        }
    )
    return last.model_copy(update={"message": message, "logprobs": logprobs})


def _joined(pieces: Any) -> str | None:
    return "".join(piece for piece in pieces if piece) or None


class _Started:
    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = False


def traced_stream(iterator: Iterator[Any], call: LLMCall, finish: Finish, kind: str) -> Any:
    """`trace_stream` over the client's generator, also ending the span of a stream that is
    dropped before its first part (a generator that never started runs no cleanup)."""
    started = _Started()
    stream = trace_stream(_marking(iterator, started), call, finish, kind)
    weakref.finalize(stream, _end_unstarted, call, started).atexit = False
    return stream


def traced_async_stream(
    iterator: AsyncIterator[Any], call: LLMCall, finish: Finish, kind: str
) -> Any:
    started = _Started()
    stream = trace_async_stream(_amarking(iterator, started), call, finish, kind)
    weakref.finalize(stream, _end_unstarted, call, started).atexit = False
    return stream


def _marking(iterator: Iterator[Any], started: _Started) -> Iterator[Any]:
    started.value = True
    yield from iterator  # delegates close() to the client's generator too


async def _amarking(iterator: AsyncIterator[Any], started: _Started) -> AsyncIterator[Any]:
    started.value = True
    try:
        async for part in iterator:
            yield part
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            # RuntimeError: the event loop is already closing it (both were collected).
            with contextlib.suppress(RuntimeError):
                await aclose()


def _end_unstarted(call: LLMCall, started: _Started) -> None:
    # Runs when the traced generator is collected; a started one ends its span itself.
    if not started.value and not call.span.is_ended:
        call.end()

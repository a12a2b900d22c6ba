"""Ollama streams: trace the generator the client returns, and assemble the full reply.

A streamed call returns a plain (async) generator of `ChatResponse` / `GenerateResponse` parts;
the caller gets a traced generator in its place (`spanscope.tracing.streaming`). Parts carry
text (and thinking, tool calls, logprobs) pieces; the last one (`done: true`) carries the
finish reason, token counts and durations.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["assemble"]


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

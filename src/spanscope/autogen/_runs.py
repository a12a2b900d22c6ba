"""The spans of agent and team runs, and who owns them.

AutoGen nests its entry points (`run` calls `on_messages`, which calls `on_messages_stream`;
a team's `run` reads its `run_stream`): a call is traced only when the current span is not
already a run of the same agent or team, so each run is one span whichever entry point the
caller used. A span of an agent that another agent calls (a society of minds, a message
filter) nests as its own span.
"""

from __future__ import annotations

from typing import Any

from spanscope.tracing.context import CURRENT_SPAN
from spanscope.tracing.live_span import LiveSpan
from spanscope.tracing.llm import LLMCall

__all__ = ["Run", "running"]

# id(span) -> id(agent or team) while the span is open; ended spans leave it.
_OWNERS: dict[int, int] = {}


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

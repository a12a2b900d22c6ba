"""Run bookkeeping: LangChain run ids to spans (bounded), parents, and which span is current.

A run's span is made current in the callback that starts it. LangChain calls a sync (or
`run_inline`) handler in the run's own context, right before the run's work, and the work's
nested contexts are copied from there: so provider SDK calls and `@spanscope.trace` functions
inside the run nest under its span. The end callback gives the current span back, but only if
the run's span is still the current one in that context: no contextvar tokens, which raise
when a run ends in another context (a stream closed elsewhere) or out of order (LangChain
starts the runs of a batch side by side in one context and ends them in any order).

A span never ends before its children: LangChain reports the end of a stream abandoned early
for the outer run first and for the inner ones when their generators are collected, which
would otherwise export the trace without them. Such a parent ends when its last child does.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from spanscope.entities.span_event import SpanEvent
from spanscope.entities.span_status import SpanStatus, SpanStatusCode
from spanscope.entities.span_type import SpanType
from spanscope.langchain._classify import is_control_flow
from spanscope.safety import warn_once
from spanscope.tracing.context import CURRENT_SPAN
from spanscope.tracing.live_span import LiveSpan, NoOpSpan

__all__ = ["MAX_OPEN_RUNS", "MODEL", "OTHER", "TOOL", "Run", "RunRegistry"]

MAX_OPEN_RUNS = 10_000
"""Runs LangChain started but has not ended; beyond this the oldest is ended and dropped."""

# What kind of run a span is, as bits, so a parent can note what ran below it (see Run.below).
TOOL = 1
MODEL = 2
OTHER = 4


@dataclass(slots=True, eq=False)
class Run:
    """One LangChain run being traced."""

    span: LiveSpan | NoOpSpan
    kind: int
    parent: Run | None = None
    role: str = ""  # "graph" (a LangGraph graph), "node" (one of its nodes) or ""
    active: bool = False  # its span was made current
    previous: Any = None  # the current span it replaced...
    previous_run: Run | None = None  # ...and the run of that span, if it was one
    done: bool = False  # LangChain reported its end
    outputs: Any = None
    error: BaseException | None = None
    open_children: int = 0
    closed: bool = False  # its span has ended
    direct: int = 0  # kinds of the direct children, OR-ed
    below: int = 0  # kinds of all descendants, OR-ed
    chunks: int = 0  # streamed tokens seen

    def outer(self) -> Any:
        """The current span from before any run of this context: the user's, or None."""
        run = self
        while run.previous_run is not None:
            run = run.previous_run
        return run.previous

    def deactivate(self) -> None:
        """Give the current span back, if this run's span is still current here."""
        if not self.active:
            return
        self.active = False
        if CURRENT_SPAN.get() is self.span:
            run = self  # skip runs of this context that have ended meanwhile (out of order)
            while run.previous_run is not None and run.previous_run.done:
                run = run.previous_run
            CURRENT_SPAN.set(run.previous)


class RunRegistry:
    """Open runs by run id (and by span); thread-safe and bounded by `limit`."""

    def __init__(self, limit: int = MAX_OPEN_RUNS) -> None:
        self.limit = limit
        self.evicted = 0
        self.lock = threading.Lock()
        self._runs: dict[UUID, Run] = {}
        self._by_span: dict[str, Run] = {}

    def __len__(self) -> int:
        return len(self._runs)

    def get(self, run_id: UUID | None) -> Run | None:
        return None if run_id is None else self._runs.get(run_id)

    def run_of(self, span: Any) -> Run | None:
        """The open run whose span `span` is."""
        return self._by_span.get(span.span_id) if isinstance(span, LiveSpan) else None

    def parent_of(self, parent_run_id: UUID | None) -> tuple[Run | None, Any]:
        """The parent run LangChain names, and the span to start the new run's span under."""
        parent_run = self.get(parent_run_id)
        current = CURRENT_SPAN.get()
        current_run = self.run_of(current)
        if parent_run is None:
            if current_run is not None:
                # LangChain says "no parent", yet one of its runs is current here: both were
                # started side by side in this context (a batch). Nest where that one did.
                return None, current_run.outer()
            if isinstance(current, LiveSpan) and current.is_ended:
                return None, None  # left current by a run that ended elsewhere: a new trace
            return None, current
        if current_run is None and _opened_inside(current, parent_run.span):
            return parent_run, current  # a user's span within the parent run: nest there
        return parent_run, parent_run.span

    def add(self, run_id: UUID, run: Run, activate: bool) -> None:
        evicted: list[Run] = []
        if activate:
            run.active = True
            run.previous = CURRENT_SPAN.get()
            run.previous_run = self.run_of(run.previous)
            CURRENT_SPAN.set(run.span)
        with self.lock:
            if run.parent is not None:
                run.parent.open_children += 1
            self._runs[run_id] = run
            if isinstance(run.span, LiveSpan):
                self._by_span[run.span.span_id] = run
            while len(self._runs) > self.limit:
                oldest = next(iter(self._runs))  # dicts keep insertion order: oldest first
                evicted.append(self._forget(oldest))
            self.evicted += len(evicted)
        for stale in evicted:
            _warn_evicted(self.limit)
            stale.error = _EVICTED
            self._settle(stale, force=True)

    def pop(self, run_id: UUID) -> Run | None:
        with self.lock:
            run = self._forget(run_id) if run_id in self._runs else None
        if run is not None:
            run.deactivate()
        return run

    def _forget(self, run_id: UUID) -> Run:
        run = self._runs.pop(run_id)
        if isinstance(run.span, LiveSpan):
            self._by_span.pop(run.span.span_id, None)
        run.done = True
        return run

    def finish(self, run: Run, outputs: Any, error: BaseException | None) -> None:
        """LangChain ended `run`: end its span now, or when its last open child ends."""
        run.outputs, run.error = outputs, error
        self._settle(run)

    def _settle(self, run: Run, force: bool = False) -> None:
        ready: list[Run] = []
        with self.lock:
            node: Run | None = run
            while node is not None and node.done and not node.closed:
                if node.open_children and not (force and node is run):
                    break
                node.closed = True
                ready.append(node)
                parent = node.parent
                if parent is not None:  # tell the parent what ran below it
                    parent.open_children -= 1
                    parent.direct |= node.kind
                    parent.below |= node.kind | node.below
                node = parent
        for closed in ready:
            _end_span(closed)


def _end_span(run: Run) -> None:
    span, error = run.span, run.error
    if run.role == "node" and run.direct == TOOL:
        span.set_span_type(SpanType.TOOL)
    elif run.role == "graph" and run.below & TOOL and run.below & MODEL:
        span.set_span_type(SpanType.AGENT)
    if error is _EVICTED:
        span.set_status(SpanStatus(SpanStatusCode.ERROR, str(error)))
    elif error is not None and is_control_flow(error):
        # LangGraph interrupts and parent commands travel as exceptions: not failures.
        span.add_event(SpanEvent(type(error).__name__, attributes={"message": str(error)}))
    elif error is not None and not isinstance(error, GeneratorExit):  # GeneratorExit: the
        span.record_exception(error)  # caller stopped a stream early, which is no failure
    span.end(outputs=run.outputs)


def _opened_inside(current: Any, span: LiveSpan | NoOpSpan) -> bool:
    # Contexts are inherited downwards: a running span of the parent's trace that started
    # after the parent run, current where the child starts, was opened inside the parent run.
    return (
        isinstance(current, LiveSpan)
        and isinstance(span, LiveSpan)
        and current is not span
        and not current.is_ended
        and current.trace_id == span.trace_id
        and current.start_time_ns >= span.start_time_ns
    )


_EVICTED = RuntimeError("LangChain never reported the end of this run")


def _warn_evicted(limit: int) -> None:
    warn_once(
        "langchain-runs-evicted",
        f"spanscope: more than {limit} LangChain runs were started and never ended (abandoned "
        "streams?); the oldest are ended with status ERROR and forgotten",
    )

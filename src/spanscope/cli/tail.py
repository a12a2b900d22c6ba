"""`spanscope traces tail`: follow new and running traces of an experiment, as the UI's live
table does, by polling the store (or server).

Each poll asks for the newest traces matching the filter (the indexed first page the traces
table shows) and re-reads the running ones it knows by id; it prints a line when a trace
appears, grows (spans of a live trace arriving) and ends.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import orjson

from spanscope.cli.render import clip, clock
from spanscope.entities.trace import Trace
from spanscope.entities.trace_info import TraceState
from spanscope.store.base import TraceStore

__all__ = ["TraceTail", "TailEvent"]

# Traces looked at per poll: the newest page of the filter.
_PAGE = 100
# Running traces re-read per query (an `IN` list).
_RUNNING_CHUNK = 100


@dataclass(frozen=True)
class TailEvent:
    """Something to print: a trace that appeared, grew or ended."""

    kind: str  # "new", "grew" or "ended"
    trace: Trace
    spans: int | None  # spans stored so far (known for running traces)

    def line(self) -> str:
        info = self.trace.info
        state = info.state.value
        if info.execution_duration is not None:
            state += f" {info.execution_duration} ms"
        spans = "" if self.spans is None else f"  {self.spans} span(s)"
        return (
            f"{clock(info.request_time)}  {self.kind:<5}  {info.trace_id}  "
            f"{clip(info.name, 30) or '-'}  {state}{spans}  {clip(info.request_preview, 50)}"
        )

    def json(self) -> str:
        body = {"event": self.kind, "spans": self.spans, "info": self.trace.info.to_dict()}
        return orjson.dumps(body).decode()


class TraceTail:
    """The polling behind `traces tail`, one `poll()` at a time."""

    def __init__(self, store: TraceStore, experiment_id: str, filter_string: str | None) -> None:
        self._store = store
        self._experiment_id = experiment_id
        self._filter = filter_string
        # Trace id -> (state, span count) of every trace known, and those printed.
        self._seen: dict[str, tuple[TraceState, int | None]] = {}
        self._printed: set[str] = set()

    def start(self, backlog: int) -> list[TailEvent]:
        """The `backlog` newest traces (oldest first); later polls print what changes (and
        the running traces among the rest of the newest page, as new)."""
        newest = self._newest(_PAGE)
        shown = newest[: max(backlog, 0)]
        for trace in newest:
            self._seen[trace.info.trace_id] = (trace.info.state, None)
        return [self._event("new", t) for t in reversed(shown)]

    def poll(self) -> list[TailEvent]:
        events: list[TailEvent] = []
        for trace in reversed(self._newest(_PAGE)):
            if trace.info.trace_id not in self._seen:
                events.append(self._event("new", trace))
        running = [i for i, (state, _) in self._seen.items() if state is TraceState.IN_PROGRESS]
        for start in range(0, len(running), _RUNNING_CHUNK):
            ids = running[start : start + _RUNNING_CHUNK]
            found = self._by_id(ids)
            for gone in set(ids) - {t.info.trace_id for t in found}:  # deleted meanwhile
                del self._seen[gone]
            for trace in found:
                before = self._seen[trace.info.trace_id]
                if trace.info.trace_id not in self._printed:
                    events.append(self._event("new", trace))
                elif trace.info.state is not TraceState.IN_PROGRESS:
                    events.append(self._event("ended", trace))
                elif len(trace.data.spans) != before[1]:
                    events.append(self._event("grew", trace))
        return events

    def _event(self, kind: str, trace: Trace) -> TailEvent:
        running = trace.info.state is TraceState.IN_PROGRESS
        spans: int | None = None
        if running or kind == "ended":
            if not trace.data.spans:
                trace = next(iter(self._by_id([trace.info.trace_id])), trace)
            spans = len(trace.data.spans)
        self._seen[trace.info.trace_id] = (trace.info.state, spans)
        self._printed.add(trace.info.trace_id)
        return TailEvent(kind, trace, spans)

    def _newest(self, count: int) -> list[Trace]:
        return list(
            self._store.search_traces(
                [self._experiment_id],
                self._filter,
                ["timestamp_ms DESC"],
                count,
                include_spans=False,
            )
        )

    def _by_id(self, trace_ids: list[str]) -> list[Trace]:
        listed = ", ".join(f"'{i}'" for i in trace_ids)
        return list(
            self._store.search_traces(
                [self._experiment_id],
                f"trace_id IN ({listed})",
                max_results=len(trace_ids),
                include_spans=True,
            )
        )


def follow(
    tail: TraceTail,
    backlog: int,
    interval_s: float,
    timeout_s: float | None,
    write: Callable[[TailEvent], None],
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Print the backlog, then each poll's events, until `timeout_s` (None: until stopped)."""
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    for events in _polls(tail, backlog, interval_s, deadline, sleep):
        for event in events:
            write(event)
        sys.stdout.flush()


def _polls(
    tail: TraceTail,
    backlog: int,
    interval_s: float,
    deadline: float | None,
    sleep: Callable[[float], None],
) -> Iterator[list[TailEvent]]:
    yield tail.start(backlog)
    while deadline is None or time.monotonic() < deadline:
        sleep(interval_s)
        yield tail.poll()

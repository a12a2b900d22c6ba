"""The in-memory record of one in-flight trace, handed to the export queue when its root ends."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from spanscope.safety import warn_rate_limited
from spanscope.tracing.export.queue import ensure_queue
from spanscope.tracing.state import STATE

if TYPE_CHECKING:
    from spanscope.tracing.live_span import LiveSpan

__all__ = ["TraceBuffer"]

# What a finished span costs in memory besides its serialised values: the LiveSpan, its
# dicts, ids and timestamps (about 1 KiB for a 1-span trace with small values, measured).
_SPAN_BYTES = 1024


class TraceBuffer:
    """Spans of one trace as they end, plus the trace-level fields set while it runs."""

    __slots__ = (
        "client_request_id",
        "closed",
        "experiment_id",
        "live",
        "live_open",
        "live_sent",
        "lock",
        "max_value_bytes",
        "metadata",
        "nbytes",
        "request_preview",
        "response_preview",
        "root",
        "spans",
        "started",
        "tags",
        "trace_id",
    )

    def __init__(self, trace_id: str, experiment_id: str, max_value_bytes: int) -> None:
        self.trace_id = trace_id
        self.experiment_id = experiment_id
        self.max_value_bytes = max_value_bytes
        self.root: LiveSpan | None = None
        self.spans: list[LiveSpan] = []
        # Every span started, open or not: what a live part finds the open ones in.
        self.started: list[LiveSpan] = []
        # Live parts (tracing/export/live.py, the export thread only): how many of `spans`
        # were sent, and the ids of the spans sent open (None: none yet).
        self.live_sent = 0
        self.live_open: set[str] | None = None
        # Few traces fill these: they are made on first use, to keep the hot path lean.
        self.live: dict[str, LiveSpan] | None = None
        self.tags: dict[str, str] | None = None
        self.metadata: dict[str, str] | None = None
        self.request_preview: str | None = None
        self.response_preview: str | None = None
        self.client_request_id: str | None = None
        self.closed = False
        # Set by the export queue when the trace is handed off (`estimated_bytes`).
        self.nbytes = 0
        # Reentrant: a garbage-collected stream may end a span while this thread holds the lock.
        self.lock = threading.RLock()

    def update(
        self, tags: Mapping[str, str] | None = None, metadata: Mapping[str, str] | None = None
    ) -> None:
        with self.lock:
            if tags:
                self.tags = {**(self.tags or {}), **tags}
            if metadata:
                self.metadata = {**(self.metadata or {}), **metadata}

    def add_live(self, span: LiveSpan) -> None:
        """Remember a span started by TracingClient, so it can be ended by id."""
        with self.lock:
            if self.live is None:
                self.live = {}
            self.live[span.span_id] = span

    def get_live(self, span_id: str) -> LiveSpan | None:
        live = self.live
        return None if live is None else live.get(span_id)

    def on_span_end(self, span: LiveSpan) -> None:
        with self.lock:
            closed = self.closed
            if not closed:
                self.spans.append(span)
                if self.live is not None:
                    self.live.pop(span.span_id, None)
                self.closed = span is self.root
        if closed:
            self._late(span)
        elif self.closed:
            self._hand_off()

    def ended_ago_ns(self) -> float:
        """How long ago the trace's root span ended (infinite if unknown)."""
        root = self.root
        end = None if root is None else root.end_time_ns
        return math.inf if end is None else time.time_ns() - end

    def forget_spans(self) -> None:
        """Once the trace is built (or made a record): a span and its buffer refer to each
        other, so without this every trace would wait for the cyclic garbage collector (the
        next full collection, for one queued long enough) before its memory is freed."""
        with self.lock:
            self.spans = []
            self.started = []
            self.root = None

    def estimated_bytes(self) -> int:
        """What this finished trace holds in memory, roughly: a fixed cost per span plus the
        length of its serialised values (the attributes are JSON text already). Values not yet
        serialised (raw stream chunks, span events) are not counted."""
        total = _SPAN_BYTES * len(self.spans)
        for span in self.spans:
            total += sum(map(len, span.attributes_json.values()))
        return total

    def _hand_off(self) -> None:
        STATE.in_flight.pop(self.trace_id, None)
        STATE.last_trace_id = self.trace_id
        queue = STATE.queue
        if queue is None:
            queue = ensure_queue()
        queue.put(self)

    def _late(self, span: LiveSpan) -> None:
        with STATE.lock:
            STATE.spans_dropped_late += 1
            total = STATE.spans_dropped_late
        warn_rate_limited(
            "late-span",
            f"spanscope: span {span.name!r} ended after the root span of trace {self.trace_id} "
            f"had ended and been exported; it was dropped. Totals: {total} span(s) dropped "
            "(spanscope.tracing.stats().spans_dropped_late). End child spans before their root.",
        )

"""Live traces: a trace running longer than `live_interval_s` is sent in parts while it runs.

Every interval the export thread takes from each trace running that long the spans ended since
its last part, plus snapshots of its open spans (end time None) started an interval ago or
above a span of the part, and hands them to the exporters that take parts (`export_live`: the
store exporter, for a local store or a server). Stores merge parts like spans arriving
piecemeal: the trace is IN_PROGRESS while its root is open, a snapshot of an open span never
replaces the span stored ended, and the whole trace, exported when it ends, replaces its parts.

A part is a view, not the record: one that cannot be delivered is not spooled (the whole trace
will be, if need be), and its spans go with the trace's next part.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, TypeGuard

from spanscope.entities.trace import Trace
from spanscope.safety import report_background_error, warn_rate_limited
from spanscope.tracing.state import STATE
from spanscope.tracing.trace_builder import live_part

if TYPE_CHECKING:
    from spanscope.tracing.trace_buffer import TraceBuffer

__all__ = ["LiveExporter", "LiveParts"]

# After a failed part, an exporter is left alone for this many intervals.
_PAUSE_INTERVALS = 5


class LiveExporter(Protocol):
    """An exporter that takes parts of running traces as well as whole traces."""

    def export_live(self, parts: Sequence[Trace]) -> None:
        raise NotImplementedError


def _takes_parts(exporter: object) -> TypeGuard[LiveExporter]:
    return callable(getattr(exporter, "export_live", None))


class LiveParts:
    """What the export thread does each live interval; owned by the export queue."""

    def __init__(self) -> None:
        self._next_ns = 0
        self._paused_until: dict[int, int] = {}

    def tick(self) -> None:
        """Send the parts due, at most once per live interval; never raises."""
        interval_ns = int(STATE.config.live_interval_s * 1e9)
        now = time.time_ns()
        if interval_ns <= 0 or now < self._next_ns or not STATE.in_flight:
            return
        self._next_ns = now + interval_ns
        exporters = [
            e
            for e in list(STATE.exporters)
            if _takes_parts(e) and self._paused_until.get(id(e), 0) <= now
        ]
        if not exporters:
            return
        open_since = now - interval_ns
        parts: list[tuple[TraceBuffer, Trace]] = []
        for buffer in list(STATE.in_flight.values()):
            root = buffer.root
            if root is None or root.start_time_ns > open_since:
                continue
            try:
                part = live_part(buffer, open_since)
            except Exception as exc:
                report_background_error(f"taking a live part of trace {buffer.trace_id}", exc)
                continue
            if part is not None:
                parts.append((buffer, part))
        if parts:
            self._send(exporters, parts, now + interval_ns * _PAUSE_INTERVALS)

    def _send(
        self,
        exporters: list[LiveExporter],
        parts: list[tuple[TraceBuffer, Trace]],
        pause_until: int,
    ) -> None:
        traces = [trace for _, trace in parts]
        for exporter in exporters:
            try:
                exporter.export_live(traces)
            except Exception as exc:
                self._paused_until[id(exporter)] = pause_until
                for buffer, _ in parts:
                    with buffer.lock:
                        buffer.live_sent = 0  # the next part carries these spans again
                with STATE.lock:
                    STATE.live_parts_failed += len(traces)
                warn_rate_limited(
                    "live-part-" + type(exporter).__name__,
                    f"spanscope: {type(exporter).__name__} did not take the live view of "
                    f"{len(traces)} running trace(s) ({type(exc).__name__}: {exc}); nothing "
                    "is lost: each trace is exported whole when it ends "
                    "(spanscope.tracing.stats().live_parts_failed).",
                )
            else:
                with STATE.lock:
                    STATE.live_parts_sent += len(traces)

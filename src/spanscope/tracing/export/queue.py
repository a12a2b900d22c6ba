"""The bounded export queue and its background worker.

The thread that ends a root span only appends the trace's buffer here and returns. A worker
thread builds the Trace objects (previews, token usage, user span processors) and hands them to
the exporters in batches. A full queue drops the trace, counts it and logs why. The queue is
flushed by `spanscope.flush()`, at interpreter exit and on SIGTERM.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import threading
from collections import deque
from collections.abc import Sequence
from types import FrameType
from typing import TYPE_CHECKING, Any

from spanscope.entities.trace import Trace
from spanscope.safety import logger, report_background_error, warn_once
from spanscope.tracing.config import TracingConfig
from spanscope.tracing.state import STATE
from spanscope.tracing.trace_builder import build_trace

if TYPE_CHECKING:
    from spanscope.tracing.trace_buffer import TraceBuffer

__all__ = ["ExportQueue", "ensure_queue", "flush"]


class ExportQueue:
    """A bounded FIFO of finished traces, drained in batches by one daemon thread."""

    def __init__(self, config: TracingConfig) -> None:
        self._items: deque[TraceBuffer | threading.Event] = deque()
        self._max_size = config.queue_size
        self._batch_size = config.batch_size
        self._interval = config.export_interval_s
        self._wake = threading.Event()
        self._stopping = False
        self._export_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="spanscope-export", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def size(self) -> int:
        return sum(1 for item in list(self._items) if not isinstance(item, threading.Event))

    def put(self, buffer: TraceBuffer) -> None:
        items = self._items
        if len(items) >= self._max_size:
            self._drop(buffer)
            return
        items.append(buffer)
        if len(items) >= self._batch_size:
            self._wake.set()

    def flush(self, timeout: float | None = None) -> bool:
        """Export everything queued before this call; False if `timeout` passed first."""
        if self._thread is threading.current_thread():
            return False  # an exporter calling flush() would wait on itself
        if not self._thread.is_alive():
            self._drain()
            return True
        marker = threading.Event()
        self._items.append(marker)
        self._wake.set()
        return marker.wait(timeout)

    def shutdown(self, timeout: float | None = None) -> None:
        self.flush(timeout)
        self._stopping = True
        self._wake.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _drop(self, buffer: TraceBuffer) -> None:
        with STATE.lock:
            STATE.traces_dropped_queue_full += 1
        warn_once(
            "queue-full",
            f"spanscope: export queue full ({self._max_size} traces waiting); trace "
            f"{buffer.trace_id} was dropped. Exporters are slower than the application makes "
            "traces: raise SPANSCOPE_EXPORT_QUEUE_SIZE or check the exporter. Dropped traces "
            "are counted in spanscope.tracing.stats().traces_dropped_queue_full.",
        )

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait(self._interval)
            self._wake.clear()
            self._drain()
        self._drain()

    def _drain(self) -> None:
        with self._export_lock:
            batch: list[TraceBuffer] = []
            while True:
                try:
                    item = self._items.popleft()
                except IndexError:
                    break
                if isinstance(item, threading.Event):
                    self._export(batch)
                    batch = []
                    item.set()
                    continue
                batch.append(item)
                if len(batch) >= self._batch_size:
                    self._export(batch)
                    batch = []
            self._export(batch)

    def _export(self, buffers: Sequence[TraceBuffer]) -> None:
        if not buffers:
            return
        traces: list[Trace] = []
        for buffer in buffers:
            try:
                traces.append(build_trace(buffer))
            except Exception as exc:
                report_background_error(f"building trace {buffer.trace_id}", exc)
                with STATE.lock:
                    STATE.traces_dropped_export_error += 1
        exporters = list(STATE.exporters)
        if STATE.recent is not None:
            exporters.append(STATE.recent)
        for exporter in exporters:
            try:
                exporter.export(traces)
            except Exception as exc:
                failed = getattr(exc, "failed_count", len(traces))
                with STATE.lock:
                    STATE.traces_dropped_export_error += failed
                warn_once(
                    "export-error-" + type(exporter).__name__,
                    f"spanscope: {type(exporter).__name__}.export failed for {failed} "
                    f"trace(s), which it did not store: {type(exc).__name__}: {exc}. Counted in "
                    "spanscope.tracing.stats().traces_dropped_export_error.",
                )
        with STATE.lock:
            STATE.traces_exported += len(traces)


def ensure_queue() -> ExportQueue:
    """The running export queue, started (with its exit and SIGTERM hooks) on first use."""
    with STATE.lock:
        queue = STATE.queue
        if queue is None:
            queue = ExportQueue(STATE.config)
            queue.start()
            STATE.queue = queue
            first = not STATE.exit_hooks_installed
            STATE.exit_hooks_installed = True
        else:
            first = False
    if first:
        atexit.register(_flush_at_exit)
        _install_sigterm_handler()
    return queue


def flush(timeout: float | None = None) -> bool:
    """Block until every trace ended so far is exported; False if `timeout` passed first."""
    queue = STATE.queue
    return True if queue is None else queue.flush(timeout)


def _flush_at_exit() -> None:
    queue = STATE.queue
    if queue is not None and not queue.flush(STATE.config.exit_flush_timeout_s):
        logger.warning("spanscope: traces still unexported at exit after the flush timeout")


def _install_sigterm_handler() -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous is signal.SIG_IGN or previous is None:
        return

    def on_sigterm(signum: int, frame: FrameType | None) -> Any:
        _flush_at_exit()
        if callable(previous):
            return previous(signum, frame)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        return None

    # ValueError / OSError: not the main interpreter, or no signals on this platform.
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGTERM, on_sigterm)


def _after_fork_in_child() -> None:
    # The worker thread does not survive fork; the child starts its own on first use.
    STATE.queue = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)

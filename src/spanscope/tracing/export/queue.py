"""The bounded export queue and its background worker.

The thread that ends a root span only appends the trace's buffer here and returns: it never
waits for the exporters. A worker thread builds the Trace objects (previews, token usage, user
span processors) and hands them to the exporters in batches.

Memory is what bounds the queue, estimated per trace (`TraceBuffer.estimated_bytes`), not a
count. When the worker falls behind (more than `SPANSCOPE_EXPORT_QUEUE_MEMORY_BYTES`, 4 MiB,
held), it moves the oldest traces to the overflow file on disk (`overflow.py`), which costs a
small fraction of exporting them, and exports them from there, oldest first and in batches 8
times larger, once it has caught up. Only when the queue is full all the same (the worker stuck
in an exporter while `SPANSCOPE_EXPORT_QUEUE_MAX_BYTES`, 256 MiB, fill up; the spool, and with
it the overflow, off; or a small limit set on purpose) does the caller drop the trace, counted
and warned. The queue is flushed by `spanscope.flush()`, at interpreter exit and on SIGTERM.
"""

from __future__ import annotations

import atexit
import contextlib
import math
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Sequence
from types import FrameType
from typing import TYPE_CHECKING, Any

from spanscope.entities.trace import Trace
from spanscope.safety import logger, report_background_error, warn_rate_limited
from spanscope.tracing.config import TracingConfig
from spanscope.tracing.export.fanout import deliver, dropped, process_delivery, spools
from spanscope.tracing.export.heap import release_after_burst
from spanscope.tracing.export.live import LiveParts
from spanscope.tracing.state import STATE
from spanscope.tracing.trace_builder import TraceRecord, try_build, try_from_record, try_record

if TYPE_CHECKING:
    from spanscope.tracing.export.overflow import Overflow
    from spanscope.tracing.trace_buffer import TraceBuffer

__all__ = ["ExportQueue", "ensure_queue", "flush"]

# Behind, batches (and the overflow's chunks) grow this many times, within a quarter of the
# memory budget (estimated).
_PRESSURE_BATCH_FACTOR = 8


class ExportQueue:
    """A bounded FIFO of finished traces, drained in batches by one daemon thread; a second
    one moves the oldest to the overflow file while the first is behind."""

    def __init__(self, config: TracingConfig) -> None:
        self._items: deque[TraceBuffer | threading.Event] = deque()
        self._max_bytes = config.queue_max_bytes
        self._max_count = config.queue_size if config.queue_size is not None else math.inf
        # Past this the oldest traces move to the overflow file; past half of it, without an
        # overflow file, the worker builds traces without giving way to the application.
        self._memory_bytes = config.queue_memory_bytes
        self._polite_bytes = config.queue_memory_bytes // 2
        self._batch_size = config.batch_size
        self._interval = config.export_interval_s
        # Estimated bytes of the queued traces and the batch being exported (freed after it).
        self._held = 0
        self._held_lock = threading.Lock()
        self._overflow: Overflow | None = None
        self._use_overflow = config.spool  # no disk writes when the spool is off
        # Held while traces are between the queue and the overflow file, and while the worker
        # looks at both: a flush marker is set only once every older trace is exported.
        self._spill_lock = threading.Lock()
        self._spill_wake = threading.Event()
        self._spiller: threading.Thread | None = None
        # Flush markers that wait for the overflow file to be exported.
        self._markers: list[threading.Event] = []
        self._wake = threading.Event()
        self._stopping = False
        self._export_lock = threading.Lock()
        # The traces the worker is exporting now: spooled at exit if it cannot finish them.
        self._current: list[Trace] | None = None
        self._thread = threading.Thread(target=self._run, name="spanscope-export", daemon=True)
        self._live = LiveParts()
        # Set when the queue goes over its memory budget; memory is given back once it has
        # run empty again (heap.py).
        self._burst = False

    def start(self) -> None:
        self._thread.start()

    def size(self) -> int:
        """Traces waiting, in memory and in the overflow file."""
        with self._spill_lock:  # none on their way from one to the other
            queued = sum(1 for item in list(self._items) if not isinstance(item, threading.Event))
            overflow = self._overflow
            return queued + (overflow.traces if overflow is not None else 0)

    def held_bytes(self) -> int:
        """The estimated memory of the traces waiting here (and of the batch in export)."""
        return self._held

    def put(self, buffer: TraceBuffer) -> None:
        """Queue a finished trace; never waits. Drops it (counted) only when the queue is full
        even though the worker spills what it cannot export."""
        items = self._items
        size = buffer.estimated_bytes()
        with self._held_lock:
            if self._held + size > self._max_bytes or len(items) >= self._max_count:
                full = True
            else:
                full = False
                self._held += size
        if full:
            self._drop(buffer)
            return
        buffer.nbytes = size
        items.append(buffer)
        if len(items) >= self._batch_size or self._held > self._memory_bytes:
            self._wake.set()
            if self._held > self._memory_bytes:
                self._burst = True
                if self._use_overflow:
                    self._spill_soon()

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
        self._spill_wake.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        overflow = self._overflow
        if overflow is not None and not self._thread.is_alive():
            self._overflow = None
            overflow.close()

    def _drop(self, buffer: TraceBuffer) -> None:
        with STATE.lock:
            STATE.traces_dropped_queue_full += 1
            total = STATE.traces_dropped_queue_full
        count = "" if self._max_count == math.inf else f", at most {self._max_count} traces"
        warn_rate_limited(
            "queue-full",
            f"spanscope: export queue full ({self._held} of {self._max_bytes} bytes{count}); "
            f"trace {buffer.trace_id} was dropped. Past SPANSCOPE_EXPORT_QUEUE_MEMORY_BYTES the "
            "oldest traces move to an overflow file on disk, which is full too (it holds up to "
            "SPANSCOPE_SPOOL_MAX_BYTES), or off with the spool; an exporter may be stuck: raise "
            "SPANSCOPE_EXPORT_QUEUE_MAX_BYTES (or SPANSCOPE_EXPORT_QUEUE_SIZE if set) or check "
            f"the exporter. Totals: {total} trace(s) dropped "
            "(spanscope.tracing.stats().traces_dropped_queue_full).",
        )

    def _run(self) -> None:
        while not self._stopping:
            woken = self._wake.wait(self._interval)
            self._wake.clear()
            self._drain()
            if not woken:  # neither a full batch nor a flush for an interval: the burst is over
                self._release_if_idle()
            try:
                self._live.tick()
            except Exception as exc:  # a bug here must not stop the export thread
                report_background_error("sending parts of running traces", exc)
        self._drain()

    def _release_if_idle(self) -> None:
        """After a burst, once nothing is left to export (at a flush, or after an export
        interval with no full batch): give memory back (heap.py)."""
        overflow = self._overflow
        if not self._burst or self._items or (overflow is not None and overflow.traces):
            return
        self._burst = False
        try:
            release_after_burst()
        except Exception as exc:  # a bug here must not stop the export thread
            report_background_error("giving memory back after a burst", exc)

    def _drain(self) -> None:
        """Export everything queued: what the overflow file holds (the oldest) first, then
        what is in memory."""
        with self._export_lock:
            while True:
                overflow = self._overflow
                markers: list[threading.Event] = []
                with self._spill_lock:
                    records = overflow.take() if overflow is not None else None
                    if records is None:
                        markers, self._markers = self._markers, []
                if records is not None:
                    self._send([t for t in map(try_from_record, records) if t is not None])
                    continue
                if markers:  # every trace before them has been exported
                    self._release_if_idle()  # a flush after a burst ends with the release
                    for waiting in markers:
                        waiting.set()
                    continue
                batch, nbytes, marker = self._take()
                self._export(batch, nbytes)
                if marker is not None:
                    # Older traces may sit in the overflow file: set it once they are out.
                    with self._spill_lock:
                        self._markers.append(marker)
                elif not batch:
                    return

    def _take(self) -> tuple[list[TraceBuffer], int, threading.Event | None]:
        """The next batch from memory, and the flush marker that ends it, if one does."""
        batch: list[TraceBuffer] = []
        nbytes = 0
        limit_bytes: float
        if self._behind():
            limit, limit_bytes = self._batch_size * _PRESSURE_BATCH_FACTOR, self._chunk_bytes()
        else:
            limit, limit_bytes = self._batch_size, math.inf
        while len(batch) < limit and nbytes < limit_bytes:
            try:
                item = self._items.popleft()
            except IndexError:
                break
            if isinstance(item, threading.Event):
                return batch, nbytes, item
            batch.append(item)
            nbytes += item.nbytes
        return batch, nbytes, None

    def _behind(self) -> bool:
        return self._held > self._memory_bytes

    def _chunk_bytes(self) -> int:
        return max(self._memory_bytes // 4, 1)

    # -- the overflow file ----------------------------------------------------------------

    def _spill_soon(self) -> None:
        """Wake the thread that moves traces to the overflow file (made on first use)."""
        if self._spiller is None:
            with self._held_lock:
                if self._spiller is None:
                    self._spiller = threading.Thread(
                        target=self._run_spiller, name="spanscope-overflow", daemon=True
                    )
                    self._spiller.start()
        if not self._spill_wake.is_set():
            self._spill_wake.set()

    def _run_spiller(self) -> None:
        while not self._stopping:
            self._spill_wake.wait()
            self._spill_wake.clear()
            if not self._stopping:
                try:
                    self._spill()
                except Exception as exc:
                    report_background_error("moving traces to the overflow file", exc)

    def _spill(self) -> None:
        """Over the memory budget: move the oldest traces to the overflow file, a chunk at a
        time, until half the budget is held. A pending flush stops it (so a flush ends even
        while a burst goes on)."""
        limit = self._batch_size * _PRESSURE_BATCH_FACTOR
        while self._held > self._memory_bytes // 2:
            with self._spill_lock:
                overflow = self._open_overflow()
                if overflow is None or self._markers or overflow.full():
                    return  # what stays in memory counts against queue_max_bytes
                records: list[TraceRecord] = []
                nbytes = 0
                while len(records) < limit and nbytes < self._chunk_bytes():
                    try:
                        item = self._items.popleft()
                    except IndexError:
                        break
                    if isinstance(item, threading.Event):
                        self._markers.append(item)
                        break
                    nbytes += item.nbytes
                    record = try_record(item)
                    if record is not None:
                        records.append(record)
                try:
                    if records:
                        overflow.append(records)
                        with STATE.lock:
                            STATE.traces_overflowed += len(records)
                except Exception as exc:
                    report_background_error("moving traces to the overflow file", exc)
                    with STATE.lock:
                        STATE.traces_dropped_export_error += len(records)
                finally:
                    with self._held_lock:
                        self._held -= nbytes
            if not nbytes:
                return

    def _open_overflow(self) -> Overflow | None:
        if self._overflow is None and self._use_overflow:
            from spanscope.tracing.export.overflow import Overflow
            from spanscope.tracing.spool import default_max_bytes, default_spool_dir

            try:
                self._overflow = Overflow(default_spool_dir(), default_max_bytes())
            except Exception as exc:
                report_background_error("opening the export queue's overflow file", exc)
                self._use_overflow = False
        return self._overflow if self._use_overflow else None

    def _export(self, buffers: Sequence[TraceBuffer], nbytes: int = 0) -> None:
        if not buffers:
            return
        try:
            self._send(self._build_all(buffers))
        finally:
            with self._held_lock:
                self._held -= nbytes

    def _send(self, traces: list[Trace]) -> None:
        if not traces:
            return
        self._current = traces
        try:
            deliver(traces)
        finally:
            self._current = None

    def _build_all(self, buffers: Sequence[TraceBuffer]) -> list[Trace]:
        """Build the batch's traces, offering the GIL to the application after each young one
        (a thread running Python keeps it for the switch interval, so building waits while the
        application is busy and runs while it waits on I/O). A trace that has waited an export
        interval is built at full speed (a killed process loses at most an interval's worth).
        A long queue changes nothing while the overflow file takes what is over the budget;
        without one (spool off) the worker goes full speed past half the budget."""
        traces = []
        interval_ns = self._interval * 1e9
        for buffer in buffers:
            young = buffer.ended_ago_ns() < interval_ns  # before building: it forgets the root
            trace = try_build(buffer)
            if trace is not None:
                traces.append(trace)
            if young and (self._use_overflow or self._held < self._polite_bytes):
                time.sleep(0)
        return traces

    def spool_remaining(self, grace_s: float) -> int:
        """At exit, past the flush budget: build what is still queued and keep it in the
        spool (counted as dropped for exporters that cannot spool), with the batch the worker
        is exporting if it does not finish within `grace_s`. Returns the traces spooled."""
        traces: list[Trace] = []
        with self._spill_lock:  # a chunk on its way to the overflow file gets there first
            self._use_overflow = False  # and nothing more follows it
            overflow = self._overflow
            while overflow is not None and (records := overflow.take()) is not None:
                traces += [t for t in map(try_from_record, records) if t is not None]
            markers, self._markers = self._markers, []
        for marker in markers:
            marker.set()
        buffers: list[TraceBuffer] = []
        while True:
            try:
                item = self._items.popleft()
            except IndexError:
                break
            if isinstance(item, threading.Event):
                item.set()
            else:
                buffers.append(item)
        traces += [t for t in map(try_build, buffers) if t is not None]
        current: list[Trace] = []
        if self._export_lock.acquire(timeout=grace_s):
            self._export_lock.release()
        else:  # still at it: spool its batch too (stores are idempotent on span ids)
            current = self._current or []
        delivery = process_delivery()
        for exporter in list(STATE.exporters):
            batch = traces
            if current and not (
                delivery is not None  # a batch written ahead is in the spool already
                and spools(exporter)
                and delivery.holds(exporter.destination(), current)
            ):
                batch = [*current, *traces]
            if not batch:
                continue
            if delivery is not None and spools(exporter):
                try:
                    delivery.spool_only(exporter, batch)
                except Exception as exc:
                    report_background_error("spooling at exit", exc)
                    dropped(exporter, len(batch), exc)
            else:
                dropped(exporter, len(batch), TimeoutError("exit flush budget spent"))
        return len(current) + len(traces)


def ensure_queue() -> ExportQueue:
    """The running export queue, started (with its exit and SIGTERM hooks) on first use."""
    with STATE.lock:
        queue = STATE.queue
        if queue is None:
            queue = ExportQueue(STATE.config)
            queue.start()
            STATE.queue = queue
            first = True
        else:
            first = False
    if first:
        install_exit_hooks()
    return queue


def flush(timeout: float | None = None) -> bool:
    """Block until every trace ended so far is delivered or in the spool; False if `timeout`
    passed first. Spooled traces of destinations that are up again are delivered first; the
    traces the queue spilled to the spool during a burst are waited for like queued ones
    (within `timeout`), unless their destination is down."""
    deadline = math.inf if timeout is None else time.monotonic() + timeout
    queue = STATE.queue
    if queue is not None and not queue.flush(timeout):
        return False
    delivery = STATE.delivery
    if delivery is not None and delivery.has_pending():
        from spanscope.tracing.export.destinations import open_destination

        budget = delivery.timeout_s if timeout is None else deadline - time.monotonic()
        delivery.replay(time.monotonic() + max(budget, 0.0), open_destination)
    return True


def flush_at_exit() -> None:
    """Deliver within the exit budget (SPANSCOPE_EXIT_FLUSH_TIMEOUT_S); spool the rest."""
    queue = STATE.queue
    if queue is None:
        return
    budget = STATE.config.exit_flush_timeout_s
    if queue.flush(budget):
        return
    spooled = queue.spool_remaining(STATE.config.delivery_timeout_s)
    if spooled:
        logger.warning(
            "spanscope: %d trace(s) not delivered within the exit budget of %ss "
            "(SPANSCOPE_EXIT_FLUSH_TIMEOUT_S) were kept in the spool; the next spanscope "
            "process (or `spanscope spool flush`) delivers them",
            spooled,
            budget,
        )


def install_exit_hooks() -> None:
    """Flush at interpreter exit and on SIGTERM. Python lets only the main thread set signal
    handlers, so this runs at import (and again when the queue starts on the main thread);
    the application's own SIGTERM handler, set before or after, still runs."""
    with STATE.lock:
        if not STATE.exit_hooks_installed:
            STATE.exit_hooks_installed = True
            atexit.register(flush_at_exit)
    _install_sigterm_handler()


def _install_sigterm_handler() -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    with contextlib.suppress(ValueError, OSError):
        previous = signal.getsignal(signal.SIGTERM)
        if previous is signal.SIG_IGN or previous is None or previous is _on_sigterm:
            return
        STATE.previous_sigterm = previous
        # ValueError / OSError: not the main interpreter, or no signals on this platform.
        signal.signal(signal.SIGTERM, _on_sigterm)


def _on_sigterm(signum: int, frame: FrameType | None) -> Any:
    flush_at_exit()
    previous = STATE.previous_sigterm
    if callable(previous):
        return previous(signum, frame)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)
    return None


def _after_fork_in_child() -> None:
    # The worker thread does not survive fork; the child starts its own on first use.
    STATE.queue = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)

"""Delivery to destinations that can fail, through the spool: nothing is dropped silently.

An exporter that can spool (`SpoolingExporter`: the store exporter and the OTLP exporter)
names its destination and can encode a batch into a request body and deliver a body later.

- A remote destination (`write_ahead`) gets each batch written to the spool first, sent with a
  short retry budget (`delivery_timeout_s`), and deleted from the spool once acknowledged.
- A local store gets the batch directly; only if it fails for a transient reason (database
  down, disk full) is the batch spooled.
- A destination that just failed is considered down until its retry time: batches go straight
  to the spool meanwhile (the export queue keeps flowing at disk speed), and one background
  thread replays the spool with backoff and jitter, honouring Retry-After.
- A refusal that retrying cannot fix (bad data, an unknown experiment) drops the batch,
  counted by cause and warned with running totals.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, runtime_checkable

import orjson

from spanscope.constants import CLIENT_LOSSES_HEADER
from spanscope.entities.trace import Trace
from spanscope.exceptions import SpanscopeError, StorageUnavailableError
from spanscope.safety import logger, report_background_error, warn_rate_limited
from spanscope.tracing.spool import Batch, Spool
from spanscope.tracing.state import STATE

__all__ = ["Delivery", "SpoolingExporter", "is_transient", "loss_headers", "retry_after_of"]

_MAX_BACKOFF_S = 30.0
_REPLAY_BATCHES = 8


@runtime_checkable
class SpoolingExporter(Protocol):
    """An exporter whose batches can wait in the spool."""

    def destination(self) -> str:
        """The spool key of where batches go now: "store:<uri>" or "otlp:<endpoint>"."""
        ...

    def write_ahead(self) -> bool:
        """Whether a batch is spooled before it is sent (remote destinations)."""
        ...

    def export(self, traces: Sequence[Trace]) -> None: ...

    def encode(self, traces: Sequence[Trace]) -> bytes:
        """The request body of a batch, as `deliver` takes it."""
        ...

    def deliver(
        self,
        destination: str,
        payload: bytes,
        timeout_s: float,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Send a batch encoded for `destination`, retrying for at most `timeout_s`, with
        `headers` added to the request (the client's loss counters); raises when it fails."""
        ...


def is_transient(exc: BaseException) -> bool:
    """Whether a failed delivery may succeed later (so its batch is spooled, not dropped)."""
    if isinstance(exc, StorageUnavailableError | ConnectionError | TimeoutError):
        return True
    if isinstance(exc, SpanscopeError) and hasattr(exc, "status_code"):  # OtlpExportError
        status = exc.status_code  # None: the endpoint was not reached
        return status is None or status == 429 or (isinstance(status, int) and status >= 500)
    # sqlite3 / SQLAlchemy operational errors: a locked, full or unreachable database.
    return type(exc).__name__ in ("OperationalError", "InterfaceError", "DisconnectionError")


def retry_after_of(exc: BaseException) -> float | None:
    value = getattr(exc, "retry_after_s", None)
    return float(value) if isinstance(value, int | float) and value >= 0 else None


class _Down:
    """A destination that failed: when to try it again, and how often it failed in a row."""

    __slots__ = ("failures", "until")

    def __init__(self) -> None:
        self.failures = 0
        self.until = 0.0


class Delivery:
    """Spooled delivery for one process: the spool, destinations known to be down, and the
    replay thread. Owned by the tracing runtime (`STATE.delivery`)."""

    def __init__(self, spool: Spool, timeout_s: float) -> None:
        self.spool = spool
        self.timeout_s = timeout_s
        self._down: dict[str, _Down] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._exporters: dict[str, SpoolingExporter] = {}
        # Whether the spool may hold batches to replay (cleared when a replay finds none).
        self._pending = False
        # Batches claimed from the spool by this process's threads and not yet settled.
        self._claimed = 0
        # destination -> the traces of the batch last written ahead for it (see `holds`).
        self._written_ahead: dict[str, Sequence[Trace]] = {}

    # -- from the export queue ----------------------------------------------------------

    def export(self, exporter: SpoolingExporter, traces: Sequence[Trace]) -> int:
        """Deliver `traces` now, or leave them in the spool (counted); returns how many were
        delivered now."""
        destination = exporter.destination()
        self._exporters[destination] = exporter
        count = len(traces)
        if not exporter.write_ahead() and not self._is_down(destination):
            # One experiment's failure must not spool or drop the others' traces.
            delivered = 0
            for group in _by_experiment(traces):
                try:
                    exporter.export(group)
                except Exception as exc:
                    self._failed(exporter, destination, group, None, exc)
                else:
                    delivered += len(group)
            return delivered
        payload = exporter.encode(traces)
        batch_id = self._append(destination, payload, traces)
        if batch_id is None:
            return 0
        self._written_ahead[destination] = traces
        if self._is_down(destination):
            self.spool.release(batch_id)
            _count(traces_spooled=count)
            self._start_replay()
            return 0
        try:
            exporter.deliver(destination, payload, self.timeout_s, loss_headers())
        except Exception as exc:
            self._failed(exporter, destination, traces, batch_id, exc)
            return 0
        self.spool.ack(batch_id)
        self._up(destination)
        return count

    def holds(self, destination: str, traces: Sequence[Trace]) -> bool:
        """Whether this very batch was written ahead to the spool for `destination` (an exit
        past its budget need not spool it again)."""
        return self._written_ahead.get(destination) is traces

    def spool_only(self, exporter: SpoolingExporter, traces: Sequence[Trace]) -> None:
        """At exit, past the flush budget: keep the batch in the spool without sending it."""
        batch_id = self._append(exporter.destination(), exporter.encode(traces), traces)
        if batch_id is not None:
            self.spool.release(batch_id)
            _count(traces_spooled=len(traces))

    def spill(self, exporter: SpoolingExporter, traces: Sequence[Trace]) -> None:
        """The export queue is over its high-water mark: keep the batch in the spool without
        trying the destination, for the replay (`start_replay`) to deliver."""
        self._exporters[exporter.destination()] = exporter
        self.spool_only(exporter, traces)
        self._pending = True

    # -- replay -------------------------------------------------------------------------

    def replay(self, deadline: float, opener: Callable[[str], SpoolingExporter | None]) -> int:
        """Deliver spooled batches until the spool is empty, every destination is down, or
        `deadline` (monotonic) passes; returns the traces delivered."""
        delivered = 0
        destinations = self.spool.destinations()
        if not destinations:
            self._pending = False
        for destination in destinations:
            exporter = self._exporters.get(destination) or opener(destination)
            if exporter is None:
                continue
            while time.monotonic() < deadline and not self._is_down(destination):
                batches = self.spool.claim(destination, _REPLAY_BATCHES)
                with self._lock:
                    self._claimed += len(batches)
                if not batches:
                    break
                for batch in batches:
                    try:
                        delivered += self._replay_batch(destination, exporter, batch, deadline)
                    finally:
                        with self._lock:
                            self._claimed -= 1
        return delivered

    def _replay_batch(
        self, destination: str, exporter: SpoolingExporter, batch: Batch, deadline: float
    ) -> int:
        if time.monotonic() >= deadline or self._is_down(destination):
            self.spool.release(batch.id)
            return 0
        try:
            exporter.deliver(destination, batch.payload, self.timeout_s, loss_headers())
        except Exception as exc:
            self._replay_failed(destination, batch.id, batch.traces, exc)
            return 0
        self.spool.ack(batch.id)
        self._up(destination)
        _count(traces_replayed=batch.traces)
        return batch.traces

    def _replaying(self) -> bool:
        """Whether a thread of this process holds claimed batches it has not settled."""
        with self._lock:
            return self._claimed > 0

    def has_pending(self) -> bool:
        return self._pending

    def drain(self, deadline: float, opener: Callable[[str], SpoolingExporter | None]) -> None:
        """Replay until nothing waits for a destination this process exports to that is up,
        or `deadline` (monotonic; math.inf: no limit) passes. Batches the background replay
        holds are waited for."""
        while True:
            delivered = self.replay(deadline, opener)
            waiting = [
                d
                for d in self.spool.destinations()
                if d in self._exporters and not self._is_down(d)
            ]
            # A batch the background replay acked is counted a moment later: wait for that too.
            if (not waiting and not self._replaying()) or time.monotonic() >= deadline:
                return
            if not delivered:  # the background replay is sending them: give it a moment
                time.sleep(min(0.05, max(deadline - time.monotonic(), 0.0)))

    def wait_until_up(self, deadline: float) -> None:
        """Sleep until the earliest retry time of a down destination, or `deadline`."""
        with self._lock:
            retry = min((d.until for d in self._down.values()), default=0.0)
        delay = min(max(retry - time.monotonic(), 0.0), max(deadline - time.monotonic(), 0.0))
        if delay > 0:
            self._wake.wait(delay)

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        thread = self._thread
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join(self.timeout_s + 1)
        self.spool.close()

    def start_replay(self) -> None:
        """Start the background replay (spilled batches wait for it)."""
        self._start_replay()

    def _start_replay(self) -> None:
        self._pending = True
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(
                target=self._replay_loop, name="spanscope-spool", daemon=True
            )
            self._thread.start()

    def start_replay_if_needed(self) -> None:
        """Replay what earlier processes left in the spool (at the first export)."""
        try:
            if self.spool.destinations():
                self._start_replay()
        except Exception as exc:
            report_background_error("reading the spool", exc)

    def _replay_loop(self) -> None:
        from spanscope.tracing.export.destinations import open_destination

        while not self._stopping:
            try:
                self.replay(time.monotonic() + 60.0, open_destination)
                if not self.spool.destinations():
                    return  # nothing left: the next failure starts a new thread
            except Exception as exc:
                report_background_error("replaying the spool", exc)
                self._wake.wait(5.0)
            self.wait_until_up(time.monotonic() + _MAX_BACKOFF_S)
            self._wake.clear()

    # -- bookkeeping --------------------------------------------------------------------

    def _append(self, destination: str, payload: bytes, traces: Sequence[Trace]) -> int | None:
        spans = sum(len(t.data.spans) for t in traces)
        try:
            batch_id, evicted = self.spool.append(destination, payload, len(traces), spans)
        except Exception as exc:
            _count(traces_dropped_spool_error=len(traces))
            warn_rate_limited(
                "spool-error",
                f"spanscope: could not write {len(traces)} trace(s) to the spool at "
                f"{self.spool.path} ({type(exc).__name__}: {exc}); they are lost. Totals: "
                f"{STATE.traces_dropped_spool_error} trace(s) lost this way "
                "(spanscope.tracing.stats().traces_dropped_spool_error).",
            )
            return None
        if evicted:
            _count(traces_evicted=evicted)
            warn_rate_limited(
                "spool-evicted",
                f"spanscope: the spool is over its size limit ({self.spool.max_bytes} bytes): "
                f"{evicted} of the oldest spooled trace(s) were evicted. Totals: "
                f"{STATE.traces_evicted} evicted (spanscope.tracing.stats().traces_evicted); "
                "raise SPANSCOPE_SPOOL_MAX_BYTES or check the destination.",
            )
        return batch_id

    def _failed(
        self,
        exporter: SpoolingExporter,
        destination: str,
        traces: Sequence[Trace],
        batch_id: int | None,
        exc: Exception,
    ) -> None:
        count = len(traces)
        if is_transient(exc):
            self._mark_down(destination, exc)
            if batch_id is None:
                batch_id = self._append(destination, exporter.encode(traces), traces)
                if batch_id is None:
                    return
            self.spool.release(batch_id)
            _count(traces_spooled=count)
            warn_rate_limited(
                "delivery-down-" + destination,
                f"spanscope: {_describe(destination)} is unavailable ({type(exc).__name__}: "
                f"{exc}); {count} trace(s) kept in the spool and retried in the background. "
                f"Totals: {STATE.traces_spooled} spooled, {STATE.traces_replayed} delivered "
                "from the spool (spanscope.tracing.stats()).",
            )
            self._start_replay()
            return
        if batch_id is not None:
            self.spool.ack(batch_id)
        _dropped(destination, count, exc)

    def _replay_failed(self, destination: str, batch_id: int, traces: int, exc: Exception) -> None:
        if is_transient(exc):
            self.spool.release(batch_id)
            self._mark_down(destination, exc)
            return
        self.spool.ack(batch_id)
        _dropped(destination, traces, exc)

    def _is_down(self, destination: str) -> bool:
        down = self._down.get(destination)
        return down is not None and time.monotonic() < down.until

    def _mark_down(self, destination: str, exc: BaseException) -> None:
        with self._lock:
            down = self._down.setdefault(destination, _Down())
            down.failures += 1
            delay = retry_after_of(exc)
            if delay is None:
                delay = min(0.5 * 2.0 ** (down.failures - 1), _MAX_BACKOFF_S)
                delay *= 0.5 + random.random() / 2  # jitter: clients do not retry in step
            down.until = time.monotonic() + min(delay, _MAX_BACKOFF_S)

    def _up(self, destination: str) -> None:
        if destination in self._down:
            with self._lock:
                self._down.pop(destination, None)


def _describe(destination: str) -> str:
    kind, _, where = destination.partition(":")
    return f"the OTLP endpoint {where}" if kind == "otlp" else f"the store {where}"


def _dropped(destination: str, count: int, exc: BaseException) -> None:
    _count(traces_dropped_export_error=count)
    warn_rate_limited(
        "delivery-refused-" + destination,
        f"spanscope: {_describe(destination)} refused {count} trace(s), which retrying cannot "
        f"fix ({type(exc).__name__}: {exc}); they are dropped. Totals: "
        f"{STATE.traces_dropped_export_error} dropped "
        "(spanscope.tracing.stats().traces_dropped_export_error).",
    )
    logger.debug("spanscope: delivery to %s refused", destination, exc_info=exc)


_CLIENT_ID = os.urandom(16).hex()  # this process, as the servers it reports losses to know it


def loss_headers() -> dict[str, str]:
    """The header that tells a destination this process's loss counters (cumulative)."""
    state = STATE
    losses = {
        "queue_full": state.traces_dropped_queue_full,
        "export_error": state.traces_dropped_export_error,
        "evicted": state.traces_evicted,
        "spool_error": state.traces_dropped_spool_error,
        "late_spans": state.spans_dropped_late,
    }
    body = {"client_id": _CLIENT_ID, "losses": losses}
    return {CLIENT_LOSSES_HEADER: orjson.dumps(body).decode()}


def _by_experiment(traces: Sequence[Trace]) -> list[list[Trace]]:
    groups: dict[str, list[Trace]] = {}
    for trace in traces:
        groups.setdefault(trace.info.experiment_id, []).append(trace)
    return list(groups.values())


def _count(**increments: int) -> None:
    with STATE.lock:
        for name, value in increments.items():
            setattr(STATE, name, getattr(STATE, name) + value)

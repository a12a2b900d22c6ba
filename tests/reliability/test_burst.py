"""Bursts: past its memory budget the export queue moves the oldest traces to its overflow file
rather than dropping them; the caller never waits; drops happen only where the queue is capped
small on purpose, or the overflow is full or off."""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

import spanscope
from spanscope import Trace
from spanscope.store.sql.store import SqlTraceStore
from spanscope.tracing.export.delivery import Delivery
from spanscope.tracing.export.destinations import open_destination
from spanscope.tracing.export.store import StoreExporter
from spanscope.tracing.spool import Batch, Spool


@spanscope.trace(span_type="TOOL")
def work(n: int) -> int:
    return n + 1


class HeldExporter(spanscope.tracing.TraceExporter):
    """Holds the export worker until released (an exporter that cannot spool)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = threading.Event()
        self.traces: list[Trace] = []

    def export(self, traces: Sequence[Trace]) -> None:
        self.entered.set()
        self.release.wait(60)
        self.traces.extend(traces)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlTraceStore]:
    uri = f"sqlite:///{tmp_path}/traces.db"
    spanscope.set_tracking_uri(uri)
    backend = SqlTraceStore(uri)
    yield backend
    backend.close()


def _inputs(store: SqlTraceStore) -> list[int]:
    found: list[int] = []
    token = None
    while True:
        page = store.search_traces(["0"], max_results=1000, page_token=token)
        # The preview of {"n": 5} is "5" (one argument) or the JSON: its last integer is n.
        found += [int(re.findall(r"-?\d+", t.info.request_preview or "")[-1]) for t in page]
        token = page.next_page_token
        if token is None:
            return sorted(found)


def test_a_burst_past_the_memory_budget_goes_through_the_overflow_and_loses_nothing(
    store: SqlTraceStore,
) -> None:
    # 12,000 traces of about 1 KiB each, 12 times the memory budget: the oldest move to the
    # overflow file while the burst goes on, and flush waits for all of them.
    spanscope.tracing.configure(
        queue_memory_bytes=1024 * 1024, batch_size=1_000_000, export_interval_s=60
    )
    for n in range(12_000):
        work(n)
    assert spanscope.flush()
    stats = spanscope.tracing.stats()
    assert stats.traces_dropped_queue_full == stats.traces_dropped_export_error == 0
    assert stats.traces_overflowed > 6_000
    assert stats.traces_exported == 12_000
    assert stats.queue_size == 0
    assert _inputs(store) == list(range(12_000))
    assert Spool().status() == []  # nothing went through the spool


def test_a_flush_during_a_burst_waits_for_the_overflow_before_it(store: SqlTraceStore) -> None:
    spanscope.tracing.configure(queue_memory_bytes=64 * 1024, export_interval_s=60)
    done = threading.Event()

    made: list[int] = []

    def burst() -> None:  # at most 6,000 more, made while the flush runs
        for n in range(10_000, 16_000):
            if done.is_set():
                return
            work(n)
            made.append(n)

    for n in range(3_000):
        work(n)
    other = threading.Thread(target=burst)
    other.start()
    try:
        assert spanscope.flush()  # returns while the other thread goes on making traces
        stored = set(_inputs(store))
    finally:
        done.set()
        other.join()
    assert set(range(3_000)) <= stored
    assert spanscope.tracing.stats().traces_overflowed > 0
    assert spanscope.flush()
    assert spanscope.tracing.stats().traces_dropped_queue_full == 0
    assert _inputs(store) == [*range(3_000), *made]


def test_the_caller_never_waits_for_a_held_exporter(store: SqlTraceStore) -> None:
    held = HeldExporter()
    spanscope.tracing.set_exporters([StoreExporter(), held])
    work(-1)
    assert held.entered.wait(30)  # the worker is stuck in the exporter from now on
    caller = threading.Thread(target=lambda: [work(n) for n in range(3_000)])
    caller.start()
    caller.join(120)
    assert not caller.is_alive()  # all 3,000 made while the exporter still holds the worker
    assert not held.release.is_set()
    assert spanscope.tracing.stats().queue_size == 3_000
    held.release.set()
    assert spanscope.flush()
    stats = spanscope.tracing.stats()
    assert stats.traces_dropped_queue_full == 0
    assert sorted(t.data.spans[0].inputs["n"] for t in held.traces) == list(range(-1, 3_000))
    assert _inputs(store) == list(range(-1, 3_000))


def test_with_queue_and_overflow_capped_small_losses_are_counted_and_warned(
    store: SqlTraceStore, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SPANSCOPE_SPOOL_MAX_BYTES", "1")  # the overflow takes one chunk
    spanscope.tracing.configure(
        queue_max_bytes=100_000, queue_memory_bytes=20_000, batch_size=2, export_interval_s=60
    )
    held = HeldExporter()
    spanscope.tracing.set_exporters([StoreExporter(), held])
    with caplog.at_level(logging.WARNING, logger="spanscope"):
        work(-2)
        work(-1)  # a batch: the worker wakes and is held with both
        assert held.entered.wait(30)
        for n in range(149):
            work(n)  # a chunk goes to the overflow, about 95 fit in memory, the rest drop
        queued = spanscope.tracing.stats().queue_size
        held.release.set()
        assert spanscope.flush()
    stats = spanscope.tracing.stats()
    assert 0 < queued < 149
    assert stats.traces_overflowed > 0
    assert stats.traces_dropped_queue_full == 149 - queued
    stored = _inputs(store)
    assert len(stored) + stats.traces_dropped_queue_full == 151
    # The exporter that cannot spool got every trace that was not dropped at the queue.
    assert len(held.traces) == 2 + queued
    messages = [r.getMessage() for r in caplog.records]
    assert sum("export queue full" in m for m in messages) == 1
    assert any("SPANSCOPE_EXPORT_QUEUE_MAX_BYTES" in m for m in messages)
    assert any("overflow" in m and "SPANSCOPE_SPOOL_MAX_BYTES" in m for m in messages)


def test_queue_limits_are_checked() -> None:
    with pytest.raises(spanscope.InvalidArgumentError, match="queue_max_bytes"):
        spanscope.tracing.configure(queue_max_bytes=0)
    with pytest.raises(spanscope.InvalidArgumentError, match="queue_memory_bytes"):
        spanscope.tracing.configure(queue_memory_bytes=-1)


class _SlowAckSpool(Spool):
    """A spool whose background claims are announced and whose acks settle slowly, so a flush
    runs between a batch leaving the spool and its count."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.claimed_elsewhere = threading.Event()

    def claim(self, destination: str, limit: int = 8, lease_s: float = 60.0) -> list[Batch]:
        batches = super().claim(destination, limit, lease_s)
        if batches and threading.current_thread() is not threading.main_thread():
            self.claimed_elsewhere.set()
        return batches

    def ack(self, batch_id: int) -> None:
        super().ack(batch_id)
        time.sleep(0.5)


def test_flush_waits_for_the_background_replay_to_count_what_it_delivered(
    store: SqlTraceStore, tmp_path: Path
) -> None:
    for n in range(3):
        work(n)
    spanscope.flush()
    traces = spanscope.search_traces(experiment_ids=["0"], max_results=10)
    spool = _SlowAckSpool(tmp_path / "spool")
    delivery = Delivery(spool, timeout_s=5)
    delivery.spill(StoreExporter(), traces)
    delivery.start_replay()
    assert spool.claimed_elsewhere.wait(30)  # the background replay holds the batch
    before = spanscope.tracing.stats().traces_replayed
    delivery.drain(math.inf, open_destination)
    assert spanscope.tracing.stats().traces_replayed - before == 3
    delivery.stop()

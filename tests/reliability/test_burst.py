"""Bursts: the export queue spills to the spool rather than dropping; the caller never waits;
drops happen only where both the queue and the spool are capped small on purpose."""

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


def test_a_burst_past_the_old_limit_spills_and_loses_nothing(store: SqlTraceStore) -> None:
    # 12,000 traces (the old queue took 10,000) wait while the worker sleeps; when it runs it is
    # far behind (past a quarter of 16 MiB): it spills the oldest, exports the rest, and flush
    # waits for the replay of what it spilled.
    spanscope.tracing.configure(
        queue_max_bytes=16 * 1024 * 1024, batch_size=1_000_000, export_interval_s=60
    )
    for n in range(12_000):
        work(n)
    assert spanscope.tracing.stats().queue_size == 12_000
    assert spanscope.flush()
    stats = spanscope.tracing.stats()
    assert stats.traces_dropped_queue_full == stats.traces_evicted == 0
    assert stats.traces_spooled > 4_000  # the worker was behind: most went through the spool
    assert stats.traces_replayed == stats.traces_spooled
    assert stats.traces_exported + stats.traces_replayed == 12_000
    assert _inputs(store) == list(range(12_000))
    assert Spool().status() == []


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


def test_with_queue_and_spool_capped_small_losses_are_counted_and_warned(
    store: SqlTraceStore, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SPANSCOPE_SPOOL_MAX_BYTES", "1")  # each spilled batch evicts the last
    spanscope.tracing.configure(queue_max_bytes=100_000, batch_size=2, export_interval_s=60)
    held = HeldExporter()
    spanscope.tracing.set_exporters([StoreExporter(), held])
    with caplog.at_level(logging.WARNING, logger="spanscope"):
        work(-2)
        work(-1)  # a batch: the worker wakes and is held with both
        assert held.entered.wait(30)
        for n in range(149):
            work(n)  # about 95 fit in 100,000 estimated bytes; the rest are dropped
        queued = spanscope.tracing.stats().queue_size
        held.release.set()
        assert spanscope.flush()
    stats = spanscope.tracing.stats()
    assert 0 < queued < 149
    assert stats.traces_dropped_queue_full == 149 - queued
    assert stats.traces_evicted > 0
    stored = _inputs(store)
    assert len(stored) + stats.traces_dropped_queue_full + stats.traces_evicted == 151
    # The exporter that cannot spool got every trace that was not dropped at the queue.
    assert len(held.traces) == 2 + queued
    messages = [r.getMessage() for r in caplog.records]
    assert sum("export queue full" in m for m in messages) == 1
    assert any("SPANSCOPE_EXPORT_QUEUE_MAX_BYTES" in m for m in messages)
    assert any("evicted" in m and "SPANSCOPE_SPOOL_MAX_BYTES" in m for m in messages)


def test_queue_limits_are_checked() -> None:
    with pytest.raises(spanscope.InvalidArgumentError, match="queue_max_bytes"):
        spanscope.tracing.configure(queue_max_bytes=0)


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

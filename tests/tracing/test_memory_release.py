"""A trace's memory is freed once it is exported, without waiting for the cyclic garbage
collector. After a burst (the export queue over its memory budget), memory is given back once
the queue has run empty: each exporter drops its caches, the store's SQLite connections empty
their page cache, the C allocator returns its free pages. Not before, and not without a
burst."""

from __future__ import annotations

import gc
import platform
import time
from collections.abc import Sequence
from typing import Any

import pytest

import spanscope
from spanscope.entities.trace import Trace
from spanscope.store.sql.store import SqlTraceStore
from spanscope.tracing import TraceExporter
from spanscope.tracing.export.heap import trim_heap
from spanscope.tracing.export.store import StoreExporter
from spanscope.tracing.live_span import LiveSpan


class Releasing(TraceExporter):
    def __init__(self, fail: bool = False) -> None:
        self.traces: list[Trace] = []
        self.releases: list[int] = []  # how many traces it had when asked
        self.fail = fail

    def export(self, traces: Sequence[Trace]) -> None:
        self.traces.extend(traces)

    def release_memory(self) -> None:
        self.releases.append(len(self.traces))
        if self.fail:
            raise RuntimeError("cannot release")


@spanscope.trace
def step(n: int) -> int:
    return n + 1


def _burst(count: int) -> None:
    """`count` traces, every one of them over a 1-byte memory budget."""
    spanscope.tracing.configure(queue_memory_bytes=1, export_interval_s=60)
    for n in range(count):
        step(n)


def test_an_exported_trace_is_freed_without_the_cyclic_garbage_collector() -> None:
    exporter = Releasing()  # keeps the traces: frozen spans, not the live ones
    spanscope.tracing.set_exporters([exporter])
    gc.collect()
    gc.disable()
    try:
        for n in range(20):  # exported from memory
            step(n)
        assert spanscope.flush()
        _burst(20)  # over the budget: most go through the overflow file, as records
        assert spanscope.flush()
        live = [o for o in gc.get_objects() if type(o) is LiveSpan]
    finally:
        gc.enable()
    assert len(exporter.traces) == 40
    ours = {t.info.trace_id for t in exporter.traces}  # other tests' spans may be alive
    assert [span for span in live if span.trace_id in ours] == []


def test_a_burst_gives_memory_back_once_everything_is_exported() -> None:
    exporter = Releasing()
    spanscope.tracing.set_exporters([exporter])
    _burst(200)
    assert spanscope.flush()
    # Asked once, after the burst's last trace was exported, and before flush() returned.
    assert exporter.releases == [200]
    assert spanscope.tracing.stats().memory_releases == 1
    assert sorted(t.data.spans[0].inputs["n"] for t in exporter.traces) == list(range(200))


def test_a_burst_without_a_flush_gives_memory_back_once_an_interval_passes_idle() -> None:
    exporter = Releasing()
    spanscope.tracing.set_exporters([exporter])
    spanscope.tracing.configure(queue_memory_bytes=1, export_interval_s=0.05)
    for n in range(100):
        step(n)
    deadline = time.monotonic() + 30
    while len(exporter.traces) < 100 or not exporter.releases:
        assert time.monotonic() < deadline, (len(exporter.traces), exporter.releases)
        time.sleep(0.01)
    # The last release came once every trace was exported (on a loaded machine an interval may
    # also pass idle within the burst, and each such pause is followed by one release).
    assert exporter.releases[-1] == 100


def test_no_burst_no_release() -> None:
    exporter = Releasing()
    spanscope.tracing.set_exporters([exporter])
    for n in range(50):
        step(n)
    assert spanscope.flush()
    assert len(exporter.traces) == 50
    assert exporter.releases == []
    assert spanscope.tracing.stats().memory_releases == 0


def test_each_burst_is_followed_by_one_release() -> None:
    exporter = Releasing()
    spanscope.tracing.set_exporters([exporter])
    _burst(30)
    assert spanscope.flush()
    assert spanscope.flush()  # idle since: nothing more to give back
    spanscope.tracing.configure(queue_memory_bytes=64 * 1024 * 1024)
    step(0)
    assert spanscope.flush()
    assert exporter.releases == [30]
    _burst(30)
    assert spanscope.flush()
    assert exporter.releases == [30, 61]
    assert spanscope.tracing.stats().memory_releases == 2


@pytest.mark.internal_errors
def test_an_exporter_that_fails_to_release_loses_nothing() -> None:
    failing, other = Releasing(fail=True), Releasing()
    spanscope.tracing.set_exporters([failing, other])
    _burst(40)
    assert spanscope.flush()
    assert failing.releases == other.releases == [40]  # the next one is still asked
    assert len(failing.traces) == len(other.traces) == 40
    stats = spanscope.tracing.stats()
    assert stats.internal_errors == 1 and stats.memory_releases == 1
    assert stats.traces_exported == 40 and stats.traces_dropped_export_error == 0


def test_the_sqlite_store_empties_the_page_cache_of_each_idle_connection(
    tmp_path: Any,
) -> None:
    store = SqlTraceStore(f"sqlite:///{tmp_path}/release.db")
    try:
        with store.engine.connect(), store.engine.connect():
            pass  # two connections in the pool now
        assert store.engine.pool.checkedin() == 2  # type: ignore[attr-defined]
        seen: list[str] = []
        held = [store.engine.raw_connection() for _ in range(2)]
        for connection in held:
            connection.driver_connection.set_trace_callback(seen.append)  # type: ignore[union-attr]
            connection.close()
        store.release_memory()
        assert seen == ["PRAGMA shrink_memory"] * 2
        assert store.engine.pool.checkedin() == 2  # type: ignore[attr-defined]
        store.create_experiment("still works")
        assert store.get_experiment_by_name("still works") is not None
    finally:
        store.close()


def test_the_store_exporter_gives_back_only_what_an_open_store_holds(tmp_path: Any) -> None:
    StoreExporter(f"sqlite:///{tmp_path}/never.db").release_memory()
    assert not (tmp_path / "never.db").exists()  # not opened (nor created) to be emptied


def test_a_burst_into_the_default_sqlite_store_is_stored_whole(tmp_path: Any) -> None:
    spanscope.set_tracking_uri(f"sqlite:///{tmp_path}/burst.db")
    _burst(300)
    assert spanscope.flush()
    assert spanscope.tracing.stats().memory_releases == 1
    step(1000)  # after the page cache was emptied, writes and reads go on
    assert spanscope.flush()
    found = spanscope.search_traces(max_results=1000)
    assert len(found) == 301
    assert spanscope.tracing.stats().traces_dropped_export_error == 0


def test_the_allocator_is_trimmed_where_it_is_glibc() -> None:
    assert trim_heap() is (platform.libc_ver()[0] == "glibc")

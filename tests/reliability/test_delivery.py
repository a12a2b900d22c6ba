"""Nothing lost: a server down, a process killed, SIGTERM from a worker thread, many processes
exiting at once. Bounded in time; loopback only."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import spanscope
from spanscope.server.settings import ServerSettings
from spanscope.store.sql.store import SqlTraceStore
from spanscope.testing.server import free_port, serve_in_thread
from spanscope.tracing import TracingStats
from spanscope.tracing.spool import Spool
from tests.postgres_server import PostgresServer, postgres_binaries

ROOT = Path(__file__).resolve().parent.parent.parent


@spanscope.trace(span_type="TOOL")
def work(n: int) -> int:
    return n + 1


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[SqlTraceStore]:
    store = SqlTraceStore(f"sqlite:///{tmp_path}/server.db")
    yield store
    store.close()


def _count(store: SqlTraceStore, experiment_id: str = "0") -> int:
    total, token = 0, None
    while True:
        page = store.search_traces([experiment_id], max_results=1000, page_token=token)
        total += len(page)
        token = page.next_page_token
        if token is None:
            return total


# The outage alone takes 30 s; on a loaded machine the replay of 10,000 traces takes as long.
@pytest.mark.timeout(300)
def test_a_server_down_30_s_while_10000_traces_are_logged_loses_nothing(
    backend: SqlTraceStore, tmp_path: Path
) -> None:
    port = free_port()
    spanscope.set_tracking_uri(f"http://127.0.0.1:{port}")  # nothing listens yet
    spanscope.tracing.configure(delivery_timeout_s=0.5)
    outage_ends = time.monotonic() + 30
    for n in range(10_000):
        work(n)
        if n % 500 == 499:  # a steady load across the outage
            time.sleep(max(outage_ends - time.monotonic(), 0) / ((10_000 - n) / 500))
    assert spanscope.flush(timeout=60)
    stats = spanscope.tracing.stats()
    assert (stats.traces_exported, stats.traces_spooled) == (0, 10_000)
    assert sum(row.traces for row in Spool().status()) == 10_000
    with serve_in_thread(ServerSettings(backend.uri), backend, port=port):
        _replay_until(lambda stats: stats.traces_replayed >= 10_000, timeout_s=120)
        for n in range(10):
            work(n)  # the destination is up again: straight through
        assert spanscope.flush(timeout=30)
    stats = spanscope.tracing.stats()
    assert (stats.traces_replayed, stats.traces_exported) == (10_000, 10)
    assert stats.traces_dropped_export_error == stats.traces_dropped_queue_full == 0
    assert _count(backend) == 10_010
    assert Spool().status() == []


def test_the_database_behind_a_server_down_loses_nothing() -> None:
    if postgres_binaries() is None:
        pytest.skip("PostgreSQL is not installed here; apt-get install postgresql")
    database = PostgresServer()
    backend = SqlTraceStore(database.uri)
    try:
        with serve_in_thread(ServerSettings(database.uri), backend) as url:
            spanscope.set_tracking_uri(url)
            spanscope.tracing.configure(delivery_timeout_s=0.5)
            database.stop()  # the server answers 503 with Retry-After
            for n in range(200):
                work(n)
            assert spanscope.flush(timeout=30)
            assert spanscope.tracing.stats().traces_spooled == 200
            database.start()
            _replay_until(lambda stats: stats.traces_replayed >= 200)
        assert _count(backend) == 200
        assert spanscope.tracing.stats().traces_dropped_export_error == 0
    finally:
        spanscope.tracing.reset()
        backend.close()
        database.remove()


def test_exit_with_the_server_down_spools_within_the_budget(tmp_path: Path) -> None:
    port = free_port()
    code = f"""
    import time, spanscope
    spanscope.set_tracking_uri("http://127.0.0.1:{port}")

    @spanscope.trace
    def work(n):
        return n

    for n in range(300):
        work(n)
    started = time.monotonic()
    """
    env = _env(tmp_path, SPANSCOPE_EXIT_FLUSH_TIMEOUT_S="2", SPANSCOPE_DELIVERY_TIMEOUT_S="1")
    began = time.monotonic()
    result = _python(code, env)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - began < 30  # no 45 s hang at exit
    assert sum(row.traces for row in Spool(tmp_path / "spool").status()) == 300


def test_exit_while_a_written_ahead_batch_is_being_sent_spools_it_once(tmp_path: Path) -> None:
    # At exit the worker is still sending a batch it wrote ahead to the spool (its destination
    # answers after the exit's grace): the exit spools what is queued, not that batch again.
    code = """
    import threading, time, spanscope

    class Slow:
        sending = threading.Event()

        def destination(self):
            return "otlp:http://127.0.0.1:9/v1/traces"

        def write_ahead(self):
            return True

        def export(self, traces):
            raise AssertionError("a write-ahead exporter is sent encoded batches")

        def encode(self, traces):
            return b"x" * len(traces)

        def deliver(self, destination, payload, timeout_s, headers=None):
            self.sending.set()
            time.sleep(30)  # past the exit's grace (the delivery timeout, 1 s)

        def shutdown(self):
            pass

    slow = Slow()
    spanscope.tracing.set_exporters([slow])
    spanscope.tracing.configure(batch_size=100)

    @spanscope.trace
    def work(n):
        return n

    for n in range(100):
        work(n)
    assert slow.sending.wait(30)  # the worker is sending the first 100
    for n in range(100, 300):
        work(n)
    """
    env = _env(tmp_path, SPANSCOPE_EXIT_FLUSH_TIMEOUT_S="0.5", SPANSCOPE_DELIVERY_TIMEOUT_S="1")
    result = _python(code, env)
    assert result.returncode == 0, result.stderr
    assert sum(row.traces for row in Spool(tmp_path / "spool").status()) == 300


def test_a_killed_process_leaves_its_spool_to_the_next(
    backend: SqlTraceStore, tmp_path: Path
) -> None:
    port = free_port()
    code = f"""
    import signal, spanscope
    spanscope.set_tracking_uri("http://127.0.0.1:{port}")
    spanscope.tracing.configure(delivery_timeout_s=0.2)

    @spanscope.trace
    def work(n):
        return n

    for n in range(200):
        work(n)
    spanscope.flush()
    print("spooled", spanscope.tracing.stats().traces_spooled, flush=True)
    signal.pause()
    """
    env = _env(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().split() == ["spooled", "200"]
    proc.kill()  # SIGKILL: no exit hook runs
    proc.communicate(timeout=30)
    with serve_in_thread(ServerSettings(backend.uri), backend, port=port):
        flushed = subprocess.run(
            [sys.executable, "-m", "spanscope.cli.main", "spool", "flush", "--timeout", "60"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert flushed.returncode == 0, flushed.stderr
    assert "delivered 200 trace(s) from the spool; 0 left" in flushed.stdout
    assert _count(backend) == 200


def test_a_process_killed_mid_run_loses_at_most_what_it_had_not_spooled(
    backend: SqlTraceStore, tmp_path: Path
) -> None:
    port = free_port()
    code = f"""
    import time, spanscope
    spanscope.set_tracking_uri("http://127.0.0.1:{port}")
    spanscope.tracing.configure(delivery_timeout_s=0.2, export_interval_s=0.1)

    @spanscope.trace
    def work(n):
        return n

    n = 0
    while True:  # about 1,000 traces a second
        work(n)
        n += 1
        if n % 100 == 0:
            print(n, spanscope.tracing.stats().queue_size, flush=True)
            time.sleep(0.1)
    """
    env = _env(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    made = queued = 0
    while made < 2000:  # mid-run: traces being made, batches being spooled
        made, queued = map(int, proc.stdout.readline().split())
    proc.kill()
    proc.communicate(timeout=30)
    spooled = sum(row.traces for row in Spool(tmp_path / "spool").status())
    assert spooled > 0
    with serve_in_thread(ServerSettings(backend.uri), backend, port=port):
        flushed = subprocess.run(
            [sys.executable, "-m", "spanscope.cli.main", "spool", "flush", "--timeout", "60"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert flushed.returncode == 0, flushed.stderr
    assert _count(backend) == spooled  # everything handed to the spool arrived, once
    # What was lost was still in the killed process's memory: the queue when it printed its
    # last line, and at most the one batch (256 traces) its worker was exporting then.
    assert made - spooled <= queued + 256


def test_sigterm_flushes_when_the_first_trace_is_made_on_a_worker_thread(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    code = f"""
    import signal, threading, spanscope
    spanscope.set_tracking_uri("sqlite:///{db}")
    spanscope.tracing.configure(export_interval_s=60)  # only the SIGTERM flush can save them

    @spanscope.trace
    def handle(n):
        return n

    def worker():
        for n in range(50):
            handle(n)
        print("ready", flush=True)

    threading.Thread(target=worker).start()
    signal.pause()
    """
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGTERM  # the default behaviour is kept
    store = SqlTraceStore(f"sqlite:///{db}")
    assert _count(store) == 50
    store.close()


def test_four_processes_of_10000_traces_exiting_at_once_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    code = f"""
    import spanscope
    spanscope.set_tracking_uri("sqlite:///{db}")

    @spanscope.trace
    def work(n):
        return n

    for n in range(10_000):
        work(n)
    """
    env = _env(tmp_path, SPANSCOPE_EXIT_FLUSH_TIMEOUT_S="1")
    SqlTraceStore(f"sqlite:///{db}").close()  # migrated once, before the writers race
    procs = [
        subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=env) for _ in range(4)
    ]
    for proc in procs:
        assert proc.wait(timeout=120) == 0
    # Whatever did not fit in the exit budget waits in the spool; the next run delivers it.
    flushed = subprocess.run(
        [sys.executable, "-m", "spanscope.cli.main", "spool", "flush"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert flushed.returncode == 0, flushed.stdout + flushed.stderr
    store = SqlTraceStore(f"sqlite:///{db}")
    assert _count(store) == 40_000
    store.close()


def test_the_spool_is_bounded_and_counts_what_it_evicts(tmp_path: Path) -> None:
    os.environ["SPANSCOPE_SPOOL_MAX_BYTES"] = "20000"
    try:
        spanscope.tracing.reset()
        spanscope.set_tracking_uri(f"http://127.0.0.1:{free_port()}")
        spanscope.tracing.configure(delivery_timeout_s=0.1, batch_size=10)
        for n in range(400):
            work(n)
        assert spanscope.flush(timeout=30)
        stats = spanscope.tracing.stats()
        kept = sum(row.traces for row in Spool().status())
        assert stats.traces_evicted > 0
        assert kept + stats.traces_evicted == stats.traces_spooled == 400
        assert sum(row.bytes for row in Spool().status()) <= 20000
    finally:
        del os.environ["SPANSCOPE_SPOOL_MAX_BYTES"]


def test_a_refused_batch_is_dropped_and_counted(backend: SqlTraceStore) -> None:
    with serve_in_thread(ServerSettings(backend.uri), backend) as url:
        spanscope.set_tracking_uri(url)
        experiment = spanscope.set_experiment("doomed")
        backend.delete_experiment(experiment.experiment_id)  # behind the SDK's back
        work(1)  # for an experiment the server no longer has: 404, retrying cannot help
        assert spanscope.flush(timeout=30)
    stats = spanscope.tracing.stats()
    assert (stats.traces_dropped_export_error, stats.traces_spooled) == (1, 0)


def _replay_until(done: Callable[[TracingStats], bool], timeout_s: float = 60.0) -> TracingStats:
    """Flush (which replays what destinations can take now) until `done(stats)`."""
    deadline = time.monotonic() + timeout_s
    while not done(stats := spanscope.tracing.stats()):
        assert time.monotonic() < deadline, stats
        spanscope.flush(timeout=5)
        time.sleep(0.1)
    return stats


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "SPANSCOPE_SPOOL_DIR": str(tmp_path / "spool"), **extra}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    return env


def _python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs, to fill up (needs root; skipped with the reason otherwise)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, check=False)


def test_a_full_disk_under_the_local_store_loses_nothing(small_disk: Path) -> None:
    uri = f"sqlite:///{small_disk}/traces.db"
    SqlTraceStore(uri).close()  # the schema, while there is room
    filler = small_disk / "filler"
    with filler.open("wb") as out:  # take every free byte
        chunk = b"\0" * 65536
        with contextlib.suppress(OSError):
            while True:
                out.write(chunk)
                out.flush()
    spanscope.set_tracking_uri(uri)
    spanscope.tracing.configure(batch_size=50)
    for n in range(300):
        work(n)
    assert spanscope.flush(timeout=60)
    stats = spanscope.tracing.stats()
    assert stats.traces_spooled > 0
    assert stats.traces_dropped_export_error == 0
    filler.unlink()  # room again: the spool is replayed into the store
    spooled = stats.traces_spooled
    _replay_until(lambda stats: stats.traces_replayed >= spooled)
    store = SqlTraceStore(uri)
    assert _count(store) == 300
    store.close()


def test_postgresql_restarted_under_load_loses_nothing() -> None:
    if postgres_binaries() is None:
        pytest.skip("PostgreSQL is not installed here; apt-get install postgresql")
    database = PostgresServer()
    try:
        SqlTraceStore(database.uri).close()  # the schema
        spanscope.set_tracking_uri(database.uri)
        spanscope.tracing.configure(batch_size=50, export_interval_s=0.05)
        made = 0
        for phase in ("up", "down", "up again"):
            if phase == "down":
                database.stop()
            elif phase == "up again":
                database.start()
            for n in range(600):
                work(n)
                made += 1
                if n % 100 == 0:
                    time.sleep(0.05)  # a steady load, batches leaving while it runs
            spanscope.flush(timeout=30)
        stats = _replay_until(lambda stats: stats.traces_exported + stats.traces_replayed >= made)
        assert stats.traces_spooled > 0  # the outage was seen
        assert stats.traces_dropped_export_error == stats.traces_dropped_queue_full == 0
        store = SqlTraceStore(database.uri)
        assert _count(store) == made
        store.close()
    finally:
        spanscope.tracing.reset()  # closes the pooled connections before the server goes
        database.remove()

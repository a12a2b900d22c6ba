"""Real faults reach callers of SqlTraceStore as spanscope's exceptions, never as SQLAlchemy's or
a driver's, and never with SQL text: operational failures as StorageUnavailableError (a full
or read-only disk, a lock held past the busy timeout, a PostgreSQL server that is not listening
or stops under an open store), values the database refuses as InvalidArgumentError."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from spanscope import Trace
from spanscope.exceptions import InvalidArgumentError, StorageUnavailableError
from spanscope.store.sql import engine as engine_module
from spanscope.store.sql.store import SqlTraceStore
from tests.postgres_server import postgres_binaries
from tests.store.factory import make_trace

SQL_WORDS = ("SELECT", "INSERT", "UPDATE", "DELETE FROM", "[SQL:", "[parameters:")


def _clean_message(error: BaseException) -> str:
    message = str(error)
    assert not any(word in message for word in SQL_WORDS), message
    return message


def _big_trace(i: int) -> Trace:
    """~100 kB of text that does not compress: a 2 MB disk holds a few of them."""
    return make_trace("0", os.urandom(24_000).hex() + f" {i}")


# -- SQLite on a small tmpfs ------------------------------------------------------------------


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs (root only): unmounted after the test."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    mount_point = tmp_path / "tmpfs"
    mount_point.mkdir()
    command = ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {result.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, timeout=30)


def test_sqlite_disk_full_is_storage_unavailable_and_loses_nothing_stored(
    small_tmpfs: Path,
) -> None:
    store = SqlTraceStore(f"sqlite:///{small_tmpfs}/traces.db")
    try:
        written = 0
        with pytest.raises(StorageUnavailableError) as info:
            for i in range(200):
                store.write_traces([_big_trace(i)])
                written += 1
        assert "database or disk is full" in _clean_message(info.value)
        assert 0 < written < 200
        # Nothing of the failed call was stored; what was stored is still there.
        assert len(store.search_traces(["0"], max_results=1000)) == written
        with pytest.raises(StorageUnavailableError):
            store.write_traces([_big_trace(999)])
    finally:
        store.close()


def test_sqlite_read_only_disk_is_storage_unavailable(small_tmpfs: Path) -> None:
    uri = f"sqlite:///{small_tmpfs}/traces.db"
    store = SqlTraceStore(uri)
    store.write_traces([make_trace("0")])
    store.close()  # a file open for writing keeps a remount read-only from happening
    remount = ["mount", "-o", "remount,ro", str(small_tmpfs)]
    subprocess.run(remount, check=True, capture_output=True, timeout=30)
    with pytest.raises(StorageUnavailableError) as info:
        reopened = SqlTraceStore(uri)
        try:
            reopened.write_traces([make_trace("0")])
        finally:
            reopened.close()
    _clean_message(info.value)


def test_sqlite_lock_held_past_the_busy_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "_BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "locked.db"
    store = SqlTraceStore(f"sqlite:///{path}")
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process's writer, as SQLite sees it
        with pytest.raises(StorageUnavailableError) as info:
            store.write_traces([make_trace("0")])
        assert "locked" in _clean_message(info.value)
        other.execute("ROLLBACK")
        store.write_traces([make_trace("0")])  # the lock gone, writes go through again
        assert len(store.search_traces(["0"])) == 1
    finally:
        other.close()
        store.close()


# -- PostgreSQL unreachable, or stopped under an open store ------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_postgresql_not_listening_is_storage_unavailable() -> None:
    pytest.importorskip("psycopg")
    uri = f"postgresql://spanscope@127.0.0.1:{_free_port()}/spanscope"
    with pytest.raises(StorageUnavailableError) as info:
        SqlTraceStore(uri)
    assert "connection" in _clean_message(info.value).lower()


class _Server:
    """A PostgreSQL server of this test alone, started and stopped at will (not the suite's)."""

    def __init__(self) -> None:
        binaries = postgres_binaries()
        if binaries is None:
            pytest.skip("PostgreSQL is not installed here")
        self.binaries = binaries
        self.root = Path(tempfile.mkdtemp(prefix="spanscope-pg-stop-"))
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.prefix:
            shutil.chown(self.root, user="postgres")
        self.port = _free_port()
        self.data = self.root / "data"
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "spanscope", "-E", "UTF8")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "spanscope", "db")
        self.uri = f"postgresql://spanscope@127.0.0.1:{self.port}/db"

    def _run(self, tool: str, *args: str) -> None:
        command = [*self.prefix, str(self.binaries / tool), *args]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.root / "log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        command = [*self.prefix, str(self.binaries / "pg_ctl"), "-D", str(self.data), "stop"]
        subprocess.run(command, capture_output=True, timeout=120)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def own_postgres() -> Iterator[_Server]:
    pytest.importorskip("psycopg")
    server = _Server()
    try:
        yield server
    finally:
        server.remove()


def test_postgresql_stopped_under_an_open_store(own_postgres: _Server) -> None:
    store = SqlTraceStore(own_postgres.uri)
    try:
        first = make_trace("0")
        store.write_traces([first])
        own_postgres.stop()
        calls: dict[str, Callable[[], object]] = {
            "write_traces": lambda: store.write_traces([make_trace("0")]),
            "log_spans": lambda: store.log_spans("0", make_trace("0").data.spans),
            "search_traces": lambda: store.search_traces(["0"], "name = 'support_bot'"),
            "get_trace": lambda: store.get_trace(first.trace_id),
            "search_experiments": lambda: store.search_experiments(),
            "create_experiment": lambda: store.create_experiment("bot"),
            "set_trace_tag": lambda: store.set_trace_tag(first.trace_id, "k", "v"),
            "delete_traces": lambda: store.delete_traces("0", max_traces=1),
            "search_sessions": lambda: store.search_sessions(["0"]),
        }
        for name, call in calls.items():
            with pytest.raises(StorageUnavailableError) as info:
                call()
            _clean_message(info.value)
            assert info.value.__class__ is StorageUnavailableError, name
        own_postgres.start()  # back: the same store works again, nothing lost
        store.write_traces([make_trace("0")])
        assert len(store.search_traces(["0"])) == 2
    finally:
        store.close()


# -- values the database refuses ---------------------------------------------------------------


def test_values_the_database_refuses_are_invalid_arguments(store: SqlTraceStore) -> None:
    trace = make_trace("0")
    trace.info.request_time = 2**70  # no 64-bit column holds it
    with pytest.raises(InvalidArgumentError) as info:
        store.write_traces([trace])
    _clean_message(info.value)
    assert store.search_traces(["0"]) == []
    store.write_traces([make_trace("0")])  # the store is fine afterwards
    assert len(store.search_traces(["0"])) == 1

"""Engines for SQLite (WAL, busy timeout, BEGIN IMMEDIATE for writes) and PostgreSQL."""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import NullPool, QueuePool

from spanscope.constants import ENV_SQLITE_CACHE_MIB
from spanscope.exceptions import InvalidArgumentError, StorageUnavailableError
from spanscope.store.sql.sqlite_functions import register as register_functions

__all__ = ["WRITE", "make_engine", "release_page_caches", "write_transaction"]

# Execution option for write transactions: on SQLite they take the write lock up front, so two
# writers queue on the busy timeout instead of failing mid-transaction.
WRITE = {"sqlite_begin": "IMMEDIATE"}
_BUSY_TIMEOUT_MS = 60_000
# Page cache per connection, at most: SQLite's own default. Trace ids start with their time
# (tracing/processor.py), so a batch of new traces touches the few last pages of each index:
# 2 MiB writes within 7 % of 8 MiB at 50,000 traces, and 6 MiB less stays resident in the
# application after a burst. `spanscope server` uses SERVER_SQLITE_CACHE_MIB.
_CACHE_MIB_DEFAULT = 2
_CHECKPOINT_PAGES = 10_000  # SQLite's default is 1,000
_CONNECT_TIMEOUT_S = 10  # PostgreSQL: a server that does not answer is unavailable, not a hang
# SQLite engine -> (pid, lock): the threads of one process take turns writing on a lock that
# wakes the next one at once, instead of SQLite's busy handler, which polls with sleeps of up
# to 100 ms. Other processes still wait on the busy timeout.
_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, tuple[int, threading.Lock]] = (
    weakref.WeakKeyDictionary()
)
_WRITE_LOCKS_GUARD = threading.Lock()


def make_engine(uri: str) -> Engine:
    """An engine for `sqlite:///path` or `postgresql://...` (psycopg 3)."""
    url = make_url(uri)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(uri)
    if backend == "postgresql":
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise InvalidArgumentError(
                "a postgresql:// store needs psycopg: pip install 'spanscope[postgres]'"
            ) from None
        args = {} if "connect_timeout" in url.query else {"connect_timeout": _CONNECT_TIMEOUT_S}
        return create_engine(
            url, pool_pre_ping=True, pool_size=5, max_overflow=10, connect_args=args
        )
    raise InvalidArgumentError(
        f"unsupported store URI {uri!r}: expected sqlite:///<path> or postgresql://..."
    )


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """`with write_transaction(engine) as conn`: one write transaction, committed on success."""
    if engine.dialect.name != "sqlite":
        with engine.connect().execution_options(**WRITE) as conn, conn.begin():
            yield conn
        return
    with _write_lock(engine), engine.connect().execution_options(**WRITE) as conn, conn.begin():
        yield conn


def _write_lock(engine: Engine) -> threading.Lock:
    with _WRITE_LOCKS_GUARD:
        found = _WRITE_LOCKS.get(engine)
        if found is None or found[0] != os.getpid():  # a lock copied by fork() may be held
            found = _WRITE_LOCKS[engine] = (os.getpid(), threading.Lock())
        return found[1]


def _sqlite_engine(uri: str) -> Engine:
    url = make_url(uri)
    database = url.database
    if database and database != ":memory:":
        folder = Path(os.path.expanduser(database)).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageUnavailableError(
                f"the store is unavailable: cannot create the folder {str(folder)!r}: "
                f"{exc.strerror or exc}"
            ) from exc
        url = url.set(database=os.path.expanduser(database))
    args = {"check_same_thread": False}
    if not database or database == ":memory:":
        engine = create_engine(url, poolclass=NullPool, connect_args=args)
    else:
        # Pooled connections keep their page cache, and the WAL stays open between writes:
        # closing the last connection checkpoints and removes it, an fsync'ing pause per batch.
        engine = create_engine(url, poolclass=QueuePool, pool_size=4, connect_args=args)

    cache_kib = _cache_mib() * 1024

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        record.info["pid"] = os.getpid()
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA case_sensitive_like = ON")
        cursor.execute(f"PRAGMA cache_size = -{cache_kib}")
        # Checkpoint every ~40 MB of WAL instead of 4 MB: a page written by many batches is
        # copied into the database once per checkpoint, so fewer checkpoints write less.
        cursor.execute(f"PRAGMA wal_autocheckpoint = {_CHECKPOINT_PAGES}")
        cursor.close()
        register_functions(dbapi_connection)

    @event.listens_for(engine, "checkout")
    def _on_checkout(_dbapi_connection: Any, record: Any, proxy: Any) -> None:
        # A connection inherited across fork() must be neither used nor closed by the child
        # (SQLite's locks are per process): drop it unclosed and let the pool open another.
        if record.info.get("pid") != os.getpid():
            record.dbapi_connection = proxy.dbapi_connection = None
            raise DisconnectionError("SQLite connection opened by another process")

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())

    return engine


def release_page_caches(engine: Engine) -> None:
    """Empty the page cache of each pooled SQLite connection not in use (`PRAGMA
    shrink_memory`): after a burst of writes it holds up to SPANSCOPE_SQLITE_CACHE_MIB each,
    which the next reads and writes fill again as they need."""
    pool = engine.pool
    if not isinstance(pool, QueuePool):
        return  # connections are not kept: nothing is cached between uses
    held = []
    try:
        for _ in range(pool.checkedin()):
            held.append(engine.raw_connection())
        for connection in held:
            cursor = connection.cursor()
            cursor.execute("PRAGMA shrink_memory")
            cursor.close()
    finally:
        for connection in held:
            connection.close()  # back to the pool


def _cache_mib() -> int:
    given = os.environ.get(ENV_SQLITE_CACHE_MIB, "").strip()
    if not given:
        return _CACHE_MIB_DEFAULT
    try:
        mib = int(given)
    except ValueError:
        mib = 0
    if mib < 1:
        raise InvalidArgumentError(
            f"{ENV_SQLITE_CACHE_MIB} is the SQLite page cache per connection in MiB, a whole "
            f"number >= 1; got {given!r}"
        )
    return mib

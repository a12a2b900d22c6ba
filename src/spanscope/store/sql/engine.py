"""Engines for SQLite (WAL, busy timeout, BEGIN IMMEDIATE for writes) and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import NullPool

from spanscope.exceptions import InvalidArgumentError
from spanscope.store.sql.sqlite_functions import register as register_functions

__all__ = ["WRITE", "make_engine"]

# Execution option for write transactions: on SQLite they take the write lock up front, so two
# writers queue on the busy timeout instead of failing mid-transaction.
WRITE = {"sqlite_begin": "IMMEDIATE"}
_BUSY_TIMEOUT_MS = 60_000


def make_engine(uri: str) -> Engine:
    """An engine for `sqlite:///path` or `postgresql://...` (psycopg 3)."""
    url = make_url(uri)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(uri)
    if backend == "postgresql":
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    raise InvalidArgumentError(
        f"unsupported store URI {uri!r}: expected sqlite:///<path> or postgresql://..."
    )


def _sqlite_engine(uri: str) -> Engine:
    url = make_url(uri)
    database = url.database
    if database and database != ":memory:":
        Path(os.path.expanduser(database)).parent.mkdir(parents=True, exist_ok=True)
        url = url.set(database=os.path.expanduser(database))
    # NullPool: a connection per use is cheap on SQLite and safe across fork and threads.
    engine = create_engine(url, poolclass=NullPool, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA case_sensitive_like = ON")
        cursor.close()
        register_functions(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())

    return engine

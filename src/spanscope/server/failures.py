"""Which failures of the store a client may retry, and which its request caused.

The store raises StorageUnavailableError for what it knows to be transient. This is the
safety net for errors that reach a route raw, from SQLAlchemy, the driver (sqlite3, psycopg)
or the OS. SQLAlchemy calls many things an OperationalError, so the driver's own error code
decides when there is one: a full disk or an unreachable database is worth a retry; a query
that outgrows the database's limits (a filter of a thousand terms) never is.
"""

from __future__ import annotations

import enum
import functools
import sqlite3
from typing import Any, Literal

from sqlalchemy import exc as sa_exc

from spanscope.exceptions import StorageUnavailableError

__all__ = ["Failure", "classify", "reason"]


class Failure(enum.Enum):
    UNAVAILABLE = "unavailable"  # 503: the store cannot serve now; retry later
    REFUSED_VALUE = "refused value"  # 400: a value the database cannot hold (NUL on PostgreSQL)
    TOO_COMPLEX = "too complex"  # 400: the request exceeds a limit of the database


# sqlite3 errors carry SQLite's (extended) result code name, e.g. SQLITE_IOERR_WRITE.
_SQLITE_UNAVAILABLE = (
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_FULL",
    "SQLITE_IOERR",
    "SQLITE_CANTOPEN",
    "SQLITE_NOMEM",
    "SQLITE_PROTOCOL",
    "SQLITE_NOLFS",
    "SQLITE_READONLY",
)
_SQLITE_TOO_COMPLEX = ("SQLITE_TOOBIG", "SQLITE_RANGE")
# Limits SQLite reports as a plain SQLITE_ERROR.
_SQLITE_LIMIT_MESSAGES = ("too large", "too many", "too complex", "stack overflow", "too deep")
# PostgreSQL SQLSTATE classes: connection exception, insufficient resources (disk full, out
# of memory, too many connections), operator intervention (shutdown, cannot connect now),
# system error (I/O); and the codes a retry resolves (serialization failure, deadlock, lock
# not available). Class 54 is program limit exceeded (statement too complex).
_PG_UNAVAILABLE_CLASSES = ("08", "53", "57", "58")
_PG_UNAVAILABLE_CODES = frozenset({"40001", "40P01", "55P03"})
_PG_TOO_COMPLEX_CLASS = "54"


def classify(exc: BaseException) -> Failure | None:
    """What kind of store failure `exc` is; None for anything else (a bug: 500)."""
    if isinstance(exc, StorageUnavailableError):
        return Failure.UNAVAILABLE
    if isinstance(exc, (sa_exc.DisconnectionError, sa_exc.TimeoutError)):  # pool ran dry
        return Failure.UNAVAILABLE
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return Failure.UNAVAILABLE
    if isinstance(exc, OSError):  # ENOSPC, EIO, ... (not the driver's errors: see below)
        return Failure.UNAVAILABLE
    driver: Any = exc.orig if isinstance(exc, sa_exc.DBAPIError) else exc
    by_driver = _by_driver_code(driver)
    if by_driver is not None:
        return by_driver if isinstance(by_driver, Failure) else None
    if isinstance(exc, sa_exc.DataError) or isinstance(driver, _data_errors()):
        return Failure.REFUSED_VALUE
    if isinstance(exc, OverflowError) and "SQLite" in str(exc):  # sqlite3 binding an integer
        return Failure.REFUSED_VALUE
    if isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError)):
        return Failure.UNAVAILABLE
    if isinstance(driver, _unavailable_errors()):  # raw, where the store uses the driver (COPY)
        return Failure.UNAVAILABLE
    return None


def _by_driver_code(driver: Any) -> Failure | Literal[False] | None:
    """From the driver's error code: a Failure, False for "not a store failure", None when
    the code says nothing (no code, or a kind left to the exception classes)."""
    if isinstance(driver, sqlite3.Error):
        name = getattr(driver, "sqlite_errorname", None)
        if not isinstance(name, str):
            return None
        if name.startswith(_SQLITE_UNAVAILABLE):
            return Failure.UNAVAILABLE
        if name.startswith(_SQLITE_TOO_COMPLEX):
            return Failure.TOO_COMPLEX
        message = str(driver).lower()
        if name == "SQLITE_ERROR" and any(m in message for m in _SQLITE_LIMIT_MESSAGES):
            return Failure.TOO_COMPLEX
        if isinstance(driver, sqlite3.DataError):
            return Failure.REFUSED_VALUE
        return False  # no such table, a syntax error, a constraint: a bug, not an outage
    code = getattr(driver, "sqlstate", None)
    if not isinstance(code, str) or not isinstance(driver, _psycopg_error()):
        return None
    if code.startswith(_PG_UNAVAILABLE_CLASSES) or code in _PG_UNAVAILABLE_CODES:
        return Failure.UNAVAILABLE
    if code.startswith(_PG_TOO_COMPLEX_CLASS):
        return Failure.TOO_COMPLEX
    if code.startswith("22"):  # data exception
        return Failure.REFUSED_VALUE
    return False


def reason(exc: BaseException) -> str:
    """The failure in a line, without the SQL or its parameters (SQLAlchemy's message has
    both) and without file names."""
    name = type(exc).__name__
    if isinstance(exc, StorageUnavailableError):
        return _clip(str(exc))
    if isinstance(exc, OSError):
        return f"{name}: {exc.strerror}" if exc.strerror else name
    driver = exc.orig if isinstance(exc, sa_exc.DBAPIError) else exc
    lines = str(driver).strip().splitlines()
    return f"{name}: {_clip(lines[0])}" if lines else name


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@functools.cache
def _psycopg_error() -> tuple[type[Exception], ...]:
    try:
        import psycopg
    except ImportError:  # PostgreSQL support is an extra
        return ()
    return (psycopg.Error,)


@functools.cache
def _unavailable_errors() -> tuple[type[Exception], ...]:
    errors: list[type[Exception]] = [sqlite3.OperationalError, sqlite3.InterfaceError]
    if _psycopg_error():
        import psycopg

        errors += [psycopg.OperationalError, psycopg.InterfaceError]
    return tuple(errors)


@functools.cache
def _data_errors() -> tuple[type[Exception], ...]:
    errors: list[type[Exception]] = [sqlite3.DataError]
    if _psycopg_error():
        import psycopg

        errors.append(psycopg.DataError)
    return tuple(errors)

"""Database errors as spanscope's exceptions: the SQL store never lets a raw SQLAlchemy or DB-API
exception reach its caller.

* Operational failures (the database unreachable, the connection lost, the disk full, a
  read-only database, a lock held past the timeout, a corrupt file) become
  StorageUnavailableError: the server answers 503, the SDK retries and spools.
* Anything else the database refuses (a value it cannot hold, a query too complex for it)
  becomes InvalidArgumentError. Neither message holds SQL text: only the first line of the
  driver's own message.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from sqlalchemy import exc as sa

from spanscope.exceptions import InvalidArgumentError, SpanscopeError, StorageUnavailableError

__all__ = ["database_errors", "translate", "translated"]

P = ParamSpec("P")
R = TypeVar("R")

# SQLite primary result codes of operational failures: BUSY, LOCKED, NOMEM, READONLY, INTERRUPT,
# IOERR, CORRUPT, FULL, CANTOPEN, PROTOCOL, NOTADB.
_SQLITE_UNAVAILABLE_CODES = frozenset({5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 26})
# The same failures by message, for Pythons whose sqlite3 errors carry no code (3.10).
_SQLITE_UNAVAILABLE_MESSAGES = (
    "database is locked",
    "database table is locked",
    "out of memory",
    "readonly database",
    "interrupted",
    "disk i/o error",
    "database disk image is malformed",
    "database or disk is full",
    "unable to open database",
    "locking protocol",
    "file is not a database",
)
# PostgreSQL SQLSTATE classes and codes of operational failures: connection exceptions,
# insufficient resources (disk full, out of memory, too many connections), operator
# intervention (shutdown, query cancelled by statement_timeout), system errors (I/O), a
# read-only transaction, lock not available, serialization failures and deadlocks, privileges.
_PG_UNAVAILABLE_CLASSES = ("08", "53", "57", "58")
_PG_UNAVAILABLE_CODES = frozenset({"25006", "55P03", "55006", "40001", "40P01", "42501"})


def translate(error: BaseException) -> SpanscopeError | None:
    """Our exception for a database `error` (SQLAlchemy's or the driver's); None when it is
    not a database error."""
    if isinstance(error, SpanscopeError):
        return error
    original: BaseException = error
    if isinstance(error, sa.DBAPIError) and error.orig is not None:
        original = error.orig
    if isinstance(error, sa.DBAPIError) and error.connection_invalidated:
        return _unavailable(original)
    if isinstance(error, (sa.DisconnectionError, sa.TimeoutError, sa.PendingRollbackError)):
        return _unavailable(error)
    if isinstance(error, sa.StatementError) and not isinstance(error, sa.DBAPIError):
        cause = error.orig if error.orig is not None else error
        return InvalidArgumentError(f"a value cannot be sent to the database: {_first_line(cause)}")
    if isinstance(error, OverflowError):  # sqlite3 binding an int past 64 bits
        return InvalidArgumentError(f"a number is out of the database's range: {error}")
    if isinstance(error, UnicodeError):  # a driver encoding text UTF-8 cannot hold
        return InvalidArgumentError(f"text the database cannot hold: {error}")
    if isinstance(error, (sa.ArgumentError, sa.NoSuchModuleError)):
        return InvalidArgumentError(f"invalid store URI: {_first_line(error)}")
    if isinstance(original, sqlite3.Error):
        return _unavailable(original) if _sqlite_unavailable(original) else _rejected(original)
    psycopg_error = _psycopg_error(original)
    if psycopg_error is not None:
        return _unavailable(original) if _pg_unavailable(psycopg_error) else _rejected(original)
    if isinstance(error, sa.SQLAlchemyError):
        return _rejected(error)
    return None


@contextmanager
def database_errors() -> Iterator[None]:
    """Run a block, raising database errors as spanscope's exceptions (see `translate`)."""
    try:
        yield
    except Exception as error:
        translated = translate(error)
        if translated is None or translated is error:
            raise
        raise translated from error


def translated(method: Callable[P, R]) -> Callable[P, R]:
    """Decorate a store method so database errors leave it as spanscope's exceptions."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with database_errors():
            return method(*args, **kwargs)

    return wrapper


def _sqlite_unavailable(error: sqlite3.Error) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in _SQLITE_UNAVAILABLE_CODES
    message = str(error).lower()
    return any(m in message for m in _SQLITE_UNAVAILABLE_MESSAGES)


def _psycopg_error(error: BaseException) -> BaseException | None:
    module = type(error).__module__
    return error if module == "psycopg" or module.startswith("psycopg.") else None


def _pg_unavailable(error: BaseException) -> bool:
    state = getattr(error, "sqlstate", None)
    if not isinstance(state, str):  # no server answer: the connection itself failed
        import psycopg

        return isinstance(error, (psycopg.OperationalError, psycopg.InterfaceError))
    return state.startswith(_PG_UNAVAILABLE_CLASSES) or state in _PG_UNAVAILABLE_CODES


def _unavailable(error: BaseException) -> StorageUnavailableError:
    return StorageUnavailableError(f"the store is unavailable: {_first_line(error)}")


def _rejected(error: BaseException) -> InvalidArgumentError:
    return InvalidArgumentError(f"the database rejected the request: {_first_line(error)}")


def _first_line(error: BaseException) -> str:
    """The first line of an error's message: drivers add SQL context on the next ones."""
    if isinstance(error, sa.StatementError) and error.orig is not None:
        error = error.orig
    text = str(error).strip()
    line = text.splitlines()[0].strip() if text else ""
    return line or type(error).__name__

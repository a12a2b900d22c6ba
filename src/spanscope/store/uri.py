"""The tracking URI: where traces are stored, and the store object for it."""

from __future__ import annotations

import os
from pathlib import Path

from spanscope.constants import ENV_HOME, ENV_TRACKING_URI
from spanscope.exceptions import InvalidArgumentError
from spanscope.store.base import TraceStore
from spanscope.tracing.state import STATE

__all__ = [
    "default_tracking_uri",
    "get_store",
    "get_tracking_uri",
    "redact_uri",
    "set_tracking_uri",
]

_SCHEMES = ("sqlite://", "postgresql://", "postgresql+psycopg://", "http://", "https://")


def default_tracking_uri() -> str:
    home = os.environ.get(ENV_HOME) or os.path.join(os.path.expanduser("~"), ".spanscope")
    return "sqlite:///" + str(Path(home) / "spanscope.db")


def set_tracking_uri(uri: str | os.PathLike[str]) -> None:
    """Store traces at `uri`: `sqlite:///path.db`, `postgresql://...`, or a server's
    `http(s)://host:port`. A plain file path means SQLite."""
    STATE.tracking_uri = _normalise(uri)


def get_tracking_uri() -> str:
    """The tracking URI in force: set_tracking_uri(), SPANSCOPE_TRACKING_URI, or the default
    SQLite file under SPANSCOPE_HOME (~/.spanscope)."""
    if STATE.tracking_uri is not None:
        return STATE.tracking_uri
    env = os.environ.get(ENV_TRACKING_URI)
    return _normalise(env) if env else default_tracking_uri()


def get_store(uri: str | None = None) -> TraceStore:
    """The store for `uri` (default: the tracking URI), opened and migrated on first use."""
    uri = get_tracking_uri() if uri is None else _normalise(uri)
    store = STATE.stores.get(uri)
    if store is not None:
        return store
    with STATE.lock:
        store = STATE.stores.get(uri)
    if store is None:
        store = _open(uri)
        with STATE.lock:
            store = STATE.stores.setdefault(uri, store)
    return store


def _open(uri: str) -> TraceStore:
    if uri.startswith(("http://", "https://")):
        from spanscope.store.rest import RestTraceStore  # httpx loads only when used

        return RestTraceStore(uri)
    from spanscope.store.sql.store import SqlTraceStore  # SQLAlchemy loads only when used

    return SqlTraceStore(uri)


def _normalise(uri: str | os.PathLike[str]) -> str:
    text = os.fspath(uri).strip()
    if not text:
        raise InvalidArgumentError("the tracking URI is empty")
    if text.startswith(_SCHEMES):
        return text
    if "://" in text:
        raise InvalidArgumentError(
            f"unsupported tracking URI {text!r}: expected sqlite:///<path>, "
            "postgresql://user@host:port/db, http(s)://host:port, or a file path"
        )
    return "sqlite:///" + str(Path(text).expanduser().absolute())


def redact_uri(uri: str) -> str:
    """`uri` with any password replaced by ***, for logs and terminals."""
    if "@" not in uri or "://" not in uri:
        return uri
    scheme, rest = uri.split("://", 1)
    credentials, where = rest.rsplit("@", 1)
    if ":" not in credentials:
        return uri
    return f"{scheme}://{credentials.split(':', 1)[0]}:***@{where}"

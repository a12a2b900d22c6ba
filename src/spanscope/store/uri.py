"""The tracking URI: where traces are stored, and the open store object for each URI."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from spanscope.constants import ENV_HOME, ENV_TRACKING_URI, STORE_ENTRY_POINT_GROUP
from spanscope.exceptions import InvalidArgumentError
from spanscope.store.base import TraceStore
from spanscope.store.registry import find_store_factory, registered_schemes

__all__ = [
    "STORES",
    "StoreState",
    "default_tracking_uri",
    "get_store",
    "get_tracking_uri",
    "opened_store",
    "redact_uri",
    "reset",
    "set_tracking_uri",
]

_logger = logging.getLogger("spanscope")


class StoreState:
    """The tracking URI set in code, and the stores opened so far by URI: one instance,
    `STORES`; `reset()` closes the stores and forgets the URI."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.tracking_uri: str | None = None
        self.stores: dict[str, TraceStore] = {}


STORES = StoreState()


def reset() -> None:
    """Close every open store and forget the tracking URI set in code (tests)."""
    with STORES.lock:
        stores, STORES.stores = STORES.stores, {}
        STORES.tracking_uri = None
    for store in stores.values():
        try:
            store.close()
        except Exception:
            _logger.warning("spanscope: %r failed to close", store, exc_info=True)


def default_tracking_uri() -> str:
    home = os.environ.get(ENV_HOME) or os.path.join(os.path.expanduser("~"), ".spanscope")
    return "sqlite:///" + str(Path(home) / "spanscope.db")


def set_tracking_uri(uri: str | os.PathLike[str]) -> None:
    """Store traces at `uri`: `sqlite:///path.db`, `postgresql://...`, or a server's
    `http(s)://host:port`. A plain file path means SQLite."""
    STORES.tracking_uri = _normalise(uri)


def get_tracking_uri() -> str:
    """The tracking URI in force: set_tracking_uri(), SPANSCOPE_TRACKING_URI, or the default
    SQLite file under SPANSCOPE_HOME (~/.spanscope)."""
    if STORES.tracking_uri is not None:
        return STORES.tracking_uri
    env = os.environ.get(ENV_TRACKING_URI)
    return _normalise(env) if env else default_tracking_uri()


def get_store(uri: str | None = None) -> TraceStore:
    """The store for `uri` (default: the tracking URI), opened and migrated on first use."""
    uri = get_tracking_uri() if uri is None else _normalise(uri)
    store = STORES.stores.get(uri)
    if store is not None:
        return store
    with STORES.lock:
        store = STORES.stores.get(uri)
    if store is None:
        store = _open(uri)
        with STORES.lock:
            store = STORES.stores.setdefault(uri, store)
    return store


def opened_store(uri: str | None = None) -> TraceStore | None:
    """The store for `uri` (default: the tracking URI) if it is open already, else None."""
    return STORES.stores.get(get_tracking_uri() if uri is None else _normalise(uri))


def _open(uri: str) -> TraceStore:
    factory = find_store_factory(uri.split("://", 1)[0])
    if factory is None:  # unregistered since the URI was checked
        raise InvalidArgumentError(_unsupported(uri))
    return factory(uri)


def _normalise(uri: str | os.PathLike[str]) -> str:
    text = os.fspath(uri).strip()
    if not text:
        raise InvalidArgumentError("the tracking URI is empty")
    if "://" in text:
        if find_store_factory(text.split("://", 1)[0]) is None:
            raise InvalidArgumentError(_unsupported(text))
        return text
    return "sqlite:///" + str(Path(text).expanduser().absolute())


def _unsupported(uri: str) -> str:
    others = [
        f"{scheme}://..."
        for scheme in registered_schemes()
        if scheme not in ("sqlite", "postgresql", "postgresql+psycopg", "http", "https")
    ]
    extra = f", {', '.join(others)}" if others else ""
    return (
        f"unsupported tracking URI {redact_uri(uri)!r}: expected sqlite:///<path>, "
        f"postgresql://user@host:port/db, http(s)://host:port{extra}, or a file path "
        f"(other backends register a URI scheme in the {STORE_ENTRY_POINT_GROUP!r} entry point "
        "group)"
    )


def redact_uri(uri: str) -> str:
    """`uri` with any password replaced by ***, for logs and terminals."""
    if "@" not in uri or "://" not in uri:
        return uri
    scheme, rest = uri.split("://", 1)
    credentials, where = rest.rsplit("@", 1)
    if ":" not in credentials:
        return uri
    return f"{scheme}://{credentials.split(':', 1)[0]}:***@{where}"

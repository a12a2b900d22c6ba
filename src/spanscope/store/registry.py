"""Store backends by URI scheme: the seam a new backend plugs into.

The built-in backends are SQL (`sqlite`, `postgresql`, `postgresql+psycopg`) and a spanscope
server (`http`, `https`). Another package adds one without touching spanscope by declaring an
entry point in the `spanscope.stores` group, named by its scheme, whose object is a factory
taking the full URI and returning a `TraceStore`:

    [project.entry-points."spanscope.stores"]
    mystore = "my_package.store:MyTraceStore"

`register_store("mystore", factory)` does the same at run time. Entry points are read only
when a URI with an unknown scheme is first used, so `import spanscope` stays fast.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from spanscope.constants import STORE_ENTRY_POINT_GROUP
from spanscope.exceptions import InvalidArgumentError
from spanscope.store.base import TraceStore

__all__ = [
    "ENTRY_POINT_GROUP",
    "StoreFactory",
    "find_store_factory",
    "register_store",
    "registered_schemes",
    "reset_registry",
]

ENTRY_POINT_GROUP = STORE_ENTRY_POINT_GROUP

StoreFactory = Callable[[str], TraceStore]


def _sql(uri: str) -> TraceStore:
    from spanscope.store.sql.store import SqlTraceStore  # SQLAlchemy loads only when used

    return SqlTraceStore(uri)


def _rest(uri: str) -> TraceStore:
    from spanscope.store.rest import RestTraceStore  # httpx loads only when used

    return RestTraceStore(uri)


_BUILT_IN: dict[str, StoreFactory] = {
    "sqlite": _sql,
    "postgresql": _sql,
    "postgresql+psycopg": _sql,
    "http": _rest,
    "https": _rest,
}


class _Registry:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.factories: dict[str, StoreFactory] = dict(_BUILT_IN)
        self.entry_points_loaded = False


_REGISTRY = _Registry()


def register_store(scheme: str, factory: StoreFactory) -> None:
    """Open URIs `scheme://...` with `factory(uri)` (replacing any backend of that scheme)."""
    if not scheme or "://" in scheme or not callable(factory):
        raise InvalidArgumentError(
            f"register_store takes a URI scheme such as 'mystore' and a callable, "
            f"got {scheme!r} and {type(factory).__name__}"
        )
    with _REGISTRY.lock:
        _REGISTRY.factories[scheme.lower()] = factory


def registered_schemes() -> list[str]:
    """Every scheme a backend is known for, entry points included."""
    _load_entry_points()
    return sorted(_REGISTRY.factories)


def find_store_factory(scheme: str) -> StoreFactory | None:
    """The factory of `scheme`, looking at entry points the first time a scheme is unknown."""
    scheme = scheme.lower()
    factory = _REGISTRY.factories.get(scheme)
    if factory is None:
        _load_entry_points()
        factory = _REGISTRY.factories.get(scheme)
    return factory


def reset_registry() -> None:
    """Forget backends registered at run time; entry points are read again when needed."""
    with _REGISTRY.lock:
        _REGISTRY.factories = dict(_BUILT_IN)
        _REGISTRY.entry_points_loaded = False


def _load_entry_points() -> None:
    if _REGISTRY.entry_points_loaded:
        return
    from importlib.metadata import entry_points

    found = entry_points(group=ENTRY_POINT_GROUP)
    with _REGISTRY.lock:
        _REGISTRY.entry_points_loaded = True
        for entry_point in found:
            # Built-in and run-time registrations win over a package's entry point.
            _REGISTRY.factories.setdefault(entry_point.name.lower(), _lazy(entry_point.load))


def _lazy(load: Callable[[], object]) -> StoreFactory:
    """A factory that imports the entry point's object only when a store is opened."""

    def factory(uri: str) -> TraceStore:
        target = load()
        if not callable(target):
            raise InvalidArgumentError(
                f"the {ENTRY_POINT_GROUP} entry point for {uri.split('://', 1)[0]!r} "
                f"is not callable: {target!r}"
            )
        store = target(uri)
        if not isinstance(store, TraceStore):
            raise InvalidArgumentError(
                f"the {ENTRY_POINT_GROUP} entry point for {uri.split('://', 1)[0]!r} "
                f"returned {type(store).__name__}, not a TraceStore"
            )
        return store

    return factory

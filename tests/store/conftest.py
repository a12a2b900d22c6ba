"""Store fixtures: every store test runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from spanscope.store.sql.store import SqlTraceStore
from tests.store.factory import emptied


@pytest.fixture(scope="session")
def _stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, SqlTraceStore]]:
    opened: dict[str, SqlTraceStore] = {}
    yield opened
    for store in opened.values():
        store.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_uri(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.getbasetemp()}/store.db"
    uri: str = request.getfixturevalue("postgres_uri")
    return uri


@pytest.fixture
def store(store_uri: str, _stores: dict[str, SqlTraceStore]) -> SqlTraceStore:
    """A store emptied of everything but the default experiment."""
    if store_uri not in _stores:
        _stores[store_uri] = SqlTraceStore(store_uri)
    return emptied(_stores[store_uri])

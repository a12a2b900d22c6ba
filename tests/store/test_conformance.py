"""The store conformance kit (spanscope.testing.conformance) on every backend we ship:
SqlTraceStore on SQLite and on PostgreSQL, and RestTraceStore against a live server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from spanscope.store.rest import RestTraceStore
from spanscope.store.sql.store import SqlTraceStore
from spanscope.testing.conformance import StoreConformance, clear_store
from spanscope.testing.server import serve_in_thread
from tests.store.factory import emptied


@pytest.fixture(scope="module")
def sqlite_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlTraceStore]:
    store = SqlTraceStore(f"sqlite:///{tmp_path_factory.mktemp('sqlite')}/store.db")
    yield store
    store.close()


@pytest.fixture(scope="module")
def postgres_backend(postgres_uri: str) -> Iterator[SqlTraceStore]:
    store = SqlTraceStore(postgres_uri)
    yield store
    store.close()


@pytest.fixture(scope="module")
def rest_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RestTraceStore]:
    uri = f"sqlite:///{tmp_path_factory.mktemp('rest')}/server.db"
    with serve_in_thread(uri) as url:
        store = RestTraceStore(url, max_retries=0)
        yield store
        store.close()


class TestSqliteStore(StoreConformance):
    @pytest.fixture
    def store(self, sqlite_backend: SqlTraceStore) -> SqlTraceStore:
        return emptied(sqlite_backend)


class TestPostgresStore(StoreConformance):
    @pytest.fixture
    def store(self, postgres_backend: SqlTraceStore) -> SqlTraceStore:
        return emptied(postgres_backend)


class TestRestStore(StoreConformance):
    # The REST API takes whole traces; spans arriving piecemeal go to OTLP ingest instead.
    supports_log_spans = False

    @pytest.fixture
    def store(self, rest_backend: RestTraceStore) -> RestTraceStore:
        clear_store(rest_backend)  # through the API, as a third-party backend's suite may
        return rest_backend

"""A live server (uvicorn on 127.0.0.1) over a fresh SQLite store per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from spanscope.server.settings import ServerSettings
from spanscope.store.sql.store import SqlTraceStore
from tests.live_server import server_thread


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[SqlTraceStore]:
    store = SqlTraceStore(f"sqlite:///{tmp_path}/server.db")
    yield store
    store.close()


@pytest.fixture
def server_url(backend: SqlTraceStore) -> Iterator[str]:
    with server_thread(ServerSettings(backend.uri), backend) as url:
        yield url

"""A live server over SQLite and PostgreSQL for the bad-input tests, and the check that it
logged no error."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from spanscope.server.settings import ServerSettings
from spanscope.store.sql.store import SqlTraceStore
from tests.live_server import server_thread
from tests.reliability.inputs.helpers import MAX_BODY, ErrorLog, Server
from tests.store.factory import make_trace


def _postgres_database(postgres_uri: str) -> str:
    """A database of its own on the session's PostgreSQL server."""
    engine = create_engine(make_url(postgres_uri).set(drivername="postgresql+psycopg"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("DROP DATABASE IF EXISTS spanscope_inputs"))
        conn.execute(text("CREATE DATABASE spanscope_inputs"))
    engine.dispose()
    return make_url(postgres_uri).set(database="spanscope_inputs").render_as_string(False)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    if request.param == "sqlite":
        uri = f"sqlite:///{Path(tmp_path_factory.mktemp('inputs')) / 'inputs.db'}"
    else:
        uri = _postgres_database(request.getfixturevalue("postgres_uri"))
    store = SqlTraceStore(uri)
    store.write_traces([make_trace("0")])
    errors = ErrorLog()
    with server_thread(ServerSettings(uri, max_body_bytes=MAX_BODY), store) as url:
        # uvicorn configures its loggers as it starts: listen once it has.
        loggers = [logging.getLogger(name) for name in ("uvicorn.error", "spanscope.server")]
        for logger in loggers:
            logger.addHandler(errors)
        try:
            with httpx.Client(base_url=url, timeout=30) as http:
                yield Server(url, http, request.param, errors)
                # Still up, and nothing was logged as an error.
                assert http.get("/health").json() == {"status": "ok"}
                assert http.post("/api/v1/traces/search", json={}).status_code == 200
        finally:
            for logger in loggers:
                logger.removeHandler(errors)
    store.close()


@pytest.fixture(autouse=True)
def _no_server_errors(server: Server) -> Iterator[None]:
    yield
    logged, server.errors.records = server.errors.records, []
    assert logged == [], "the server logged errors"

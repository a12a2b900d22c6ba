"""A store that fails (disk full, database unreachable) answers 503 with Retry-After, in the
API's JSON error shape, and the client's keep-alive connection serves the next request."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import selectors
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from spanscope.exceptions import StorageUnavailableError
from spanscope.server.settings import ServerSettings
from spanscope.store.sql.store import SqlTraceStore
from tests.live_server import server_thread
from tests.store.factory import make_trace


def client_port(response: httpx.Response) -> int:
    """The local port of the connection that carried `response`: the same port, the same
    keep-alive connection."""
    address = response.extensions["network_stream"].get_extra_info("client_addr")
    return int(address[1])


def assert_unavailable(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["content-type"] == "application/json"
    assert response.headers.get("connection", "").lower() != "close"
    error: dict[str, str] = response.json()["error"]
    assert error["code"] == "STORAGE_UNAVAILABLE"
    # SQLAlchemy's messages quote the SQL and its parameters: none of that is answered.
    for leaked in ("[SQL", "INSERT", "SELECT", "parameters", "where is my refund"):
        assert leaked not in error["message"]
    return error


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs, so a test can fill the disk for real."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, check=False)


def test_full_disk_is_503_and_the_connection_stays_usable(small_disk: Path) -> None:
    store = SqlTraceStore(f"sqlite:///{small_disk}/traces.db")
    try:
        with (
            server_thread(ServerSettings(store.uri), store) as url,
            httpx.Client(base_url=url) as http,
        ):
            refused = None
            for _ in range(100):  # ~100 KB a trace: a 2 MiB disk is full within ~20
                trace = make_trace("0", "where is my refund?" + "x" * 100_000)
                written = http.post("/api/v1/traces", json={"traces": [trace.to_dict()]})
                if written.status_code != 204:
                    refused = written
                    break
            assert refused is not None, "the disk never filled up"
            assert_unavailable(refused)
            # The same connection answers the next request: reading still works.
            found = http.post("/api/v1/traces/search", json={"max_results": 1})
            assert found.status_code == 200
            assert client_port(found) == client_port(refused)
    finally:
        store.close()


class TcpRelay:
    """127.0.0.1:<port> forwarded to a PostgreSQL server, which `cut()` makes unreachable
    (open connections reset, new ones refused) and `restore()` brings back on the same port.

    The shared test server stays up; only this store loses it.
    """

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = 0
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            closing = [self._listener, *self._sockets] if self._listener else self._sockets
            self._listener, self._sockets = None, []
        for sock in closing:
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # cut
                return
            try:
                server = socket.create_connection(self.upstream, timeout=10)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(a, selectors.EVENT_READ, b)
            selector.register(b, selectors.EVENT_READ, a)
            while True:
                try:
                    for key, _ in selector.select(timeout=1):
                        source: socket.socket = key.fileobj  # type: ignore[assignment]
                        data = source.recv(65536)
                        if not data:
                            raise OSError(errno.ECONNRESET, "closed")
                        key.data.sendall(data)
                except (OSError, ValueError):
                    for sock in (a, b):
                        sock.close()
                    return


def test_postgresql_unreachable_is_503_then_the_server_recovers(postgres_uri: str) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(postgres_uri)
    relay = TcpRelay((url.host or "127.0.0.1", url.port or 5432))
    store = SqlTraceStore(url.set(port=relay.port).render_as_string(hide_password=False))
    first, second = make_trace("0"), make_trace("0")
    try:
        with (
            server_thread(ServerSettings(store.uri), store) as base,
            httpx.Client(base_url=base) as http,
        ):
            assert http.post("/api/v1/traces", json={"traces": [first.to_dict()]}).is_success
            relay.cut()
            refused = http.post("/api/v1/traces", json={"traces": [second.to_dict()]})
            assert_unavailable(refused)
            reading = http.get(f"/api/v1/traces/{first.info.trace_id}")
            assert_unavailable(reading)
            assert client_port(reading) == client_port(refused)
            relay.restore()
            # The retry the 503 asked for succeeds, on the same connection.
            again = http.post("/api/v1/traces", json={"traces": [second.to_dict()]})
            assert again.status_code == 204
            assert client_port(again) == client_port(refused)
            got = http.get(f"/api/v1/traces/{second.info.trace_id}")
            assert got.json()["info"]["trace_id"] == second.info.trace_id
    finally:
        relay.cut()
        store.close()


class FailingStore(SqlTraceStore):
    """Writes raise what the test sets; everything else is a working SQLite store."""

    failure: BaseException = RuntimeError()

    def write_traces(self, batch: object) -> None:
        raise self.failure


@pytest.fixture
def failing(tmp_path: Path) -> Iterator[tuple[FailingStore, str]]:
    store = FailingStore(f"sqlite:///{tmp_path}/failing.db")
    with server_thread(ServerSettings(store.uri), store) as url:
        yield store, url
    store.close()


def test_the_stores_retry_after_is_passed_on(failing: tuple[FailingStore, str]) -> None:
    store, url = failing
    store.failure = StorageUnavailableError("the database is restarting", retry_after_s=7.2)
    with httpx.Client(base_url=url) as http:
        refused = http.post("/api/v1/traces", json={"traces": [make_trace("0").to_dict()]})
        error = assert_unavailable(refused)
        assert refused.headers["retry-after"] == "8"
        assert "the database is restarting" in error["message"]
        store.failure = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/secret/path/x.db")
        raw = http.post("/api/v1/traces", json={"traces": [make_trace("0").to_dict()]})
        assert "No space left on device" in assert_unavailable(raw)["message"]
        assert "/secret/path" not in raw.text
        assert client_port(raw) == client_port(refused)


def test_an_unexpected_error_is_a_json_500_that_tells_nothing_of_the_request(
    failing: tuple[FailingStore, str], caplog: pytest.LogCaptureFixture
) -> None:
    store, url = failing
    store.failure = KeyError("SELECT secret FROM traces WHERE question = 'where is my refund?'")
    with httpx.Client(base_url=url) as http, caplog.at_level(logging.ERROR, "spanscope.server"):
        failed = http.post("/api/v1/traces", json={"traces": [make_trace("0").to_dict()]})
        assert failed.status_code == 500
        assert failed.headers["content-type"] == "application/json"
        error = failed.json()["error"]
        assert error["code"] == "INTERNAL"
        assert "SELECT" not in failed.text and "refund" not in failed.text
        # The id in the answer finds the traceback in the server's log.
        error_id = error["message"].split("error id ")[1].split(";")[0]
        (record,) = [r for r in caplog.records if error_id in r.getMessage()]
        assert record.exc_info is not None
        after = http.get("/api/v1/experiments")
        assert after.status_code == 200
        assert client_port(after) == client_port(failed)


def test_503_is_documented(server_url: str) -> None:
    spec = httpx.get(f"{server_url}/openapi.json").json()
    for path in ("/api/v1/traces", "/api/v1/traces/search", "/v1/traces"):
        response = spec["paths"][path]["post"]["responses"]["503"]
        assert "Retry-After" in response["headers"]

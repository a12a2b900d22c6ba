"""Real servers for tests: uvicorn on a free 127.0.0.1 port, in a thread or a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from spanscope.server.settings import ServerSettings
from spanscope.store.base import TraceStore
from spanscope.testing.server import free_port, serve_in_thread

__all__ = ["free_port", "server_process", "server_thread"]


def wait_until_up(url: str, token: str | None = None, timeout_s: float = 60.0) -> None:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(f"{url}/health", headers=headers, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"server at {url} did not come up")
        time.sleep(0.05)


@contextmanager
def server_thread(settings: ServerSettings, store: TraceStore | None = None) -> Iterator[str]:
    """The app served by uvicorn in a background thread; yields its base URL."""
    with serve_in_thread(settings, store) as url:
        yield url


@contextmanager
def server_process(backend_store_uri: str, *extra: str, token: str | None = None) -> Iterator[str]:
    """`spanscope server` as a subprocess; yields its base URL."""
    port = free_port()
    env = dict(os.environ)
    if token:
        env["SPANSCOPE_SERVER_TOKEN"] = token
    command = [sys.executable, "-m", "spanscope.cli.main", "server", "--port", str(port)]
    command += ["--backend-store-uri", backend_store_uri, "--log-level", "warning", *extra]
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log)
        try:
            try:
                wait_until_up(url, token)
            except TimeoutError:
                log.seek(0)
                raise TimeoutError(f"server did not start: {log.read().decode()}") from None
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

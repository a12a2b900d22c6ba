"""A spanscope server in a background thread, for tests and notebooks (needs the server extra)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from spanscope.server.settings import ServerSettings
from spanscope.store.base import TraceStore

__all__ = ["free_port", "serve_in_thread"]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_in_thread(
    settings: ServerSettings | str, store: TraceStore | None = None, port: int = 0
) -> Iterator[str]:
    """Serve the app with uvicorn on 127.0.0.1 in a thread; yields the base URL.

    `settings` may be just a backend store URI. The server stops when the block ends.
    """
    import uvicorn

    from spanscope.server.app import create_app

    if isinstance(settings, str):
        settings = ServerSettings(settings)
    port = port or free_port()
    app = create_app(settings, store)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name=f"spanscope-server-{port}", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the spanscope server on port {port} did not start")
            time.sleep(0.01)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=30)

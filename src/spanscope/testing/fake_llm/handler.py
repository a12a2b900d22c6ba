"""HTTP/1.1 on the standard library: keep-alive, chunked streams, and connections closed on stop."""

from __future__ import annotations

import contextlib
import json
import socket
import socketserver
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from spanscope.testing.fake_llm.routes import handle
from spanscope.testing.fake_llm.state import ServerState
from spanscope.testing.fake_llm.wire import FullReply, RecordedRequest, StreamReply

__all__ = ["FakeHTTPServer"]

HOST = "127.0.0.1"


class FakeHTTPServer(ThreadingHTTPServer):
    """A thread per connection; remembers open connections so that stopping can close them."""

    daemon_threads = True

    def __init__(self, port: int, state: ServerState, *, verbose: bool = False) -> None:
        self.state = state
        self.verbose = verbose
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__((HOST, port), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (socket.getfqdn), a DNS query we skip.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = HOST, int(self.server_address[1])

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake the threads waiting on idle keep-alive connections, so they end."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up mid-stream is normal; anything else is a bug worth printing.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the SDKs' connection pools reuse connections
    server_version = "spanscope-fake-llm"
    sys_version = ""
    timeout = 120  # idle keep-alive connections end eventually even if nobody stops the server
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and
    # delayed ACKs hold every reply ~40 ms.
    disable_nagle_algorithm = True
    server: FakeHTTPServer

    def date_time_string(self, timestamp: float | None = None) -> str:
        # One Date for every reply: some SDKs put the response headers in their errors' text
        # (Cohere's ApiError), so a real clock made two runs of one failing call differ
        # whenever they fell on either side of a second.
        return "Thu, 01 Jan 2026 00:00:00 GMT"

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def _serve(self) -> None:
        raw = self._read_body()
        url = urlsplit(self.path)
        request = RecordedRequest(
            method=self.command,
            path=url.path or "/",
            query=dict(parse_qsl(url.query, keep_blank_values=True)),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=_parse_json(raw),
            raw_body=raw,
        )
        reply = handle(request, self.server.state)
        if isinstance(reply, FullReply):
            self._send_full(reply)
        else:
            self._send_stream(reply)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()  # the CRLF after each chunk
            while self.rfile.readline().strip():
                pass  # trailers, up to the blank line
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send_full(self, reply: FullReply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.content)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.content)

    def _send_stream(self, reply: StreamReply) -> None:
        self.send_response(200)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            for frame in reply.frames:
                if frame:  # an empty chunk would end the body
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
        except ConnectionError:
            self.close_connection = True
            return
        except Exception:
            # A bug in the fake: cut the connection, so the client sees a broken stream.
            traceback.print_exc(file=sys.stderr)
            self.close_connection = True
            return
        self.wfile.write(b"0\r\n\r\n")


def _parse_json(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None

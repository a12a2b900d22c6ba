"""ASGI middleware: the catch-all for errors, the API token and the request-size cap, applied
before any route runs."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson
from starlette.requests import Request

from spanscope.server.responses import unexpected_error_response

__all__ = ["BodyLimitMiddleware", "ErrorMiddleware", "TokenMiddleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# The UI's page shell and files are public (they hold no data; the UI then asks for the token),
# so a deep link such as /traces/<id> loads. The API, OTLP ingest, the API docs and /health
# need the token when one is set.
_PROTECTED_PREFIXES = ("/api/", "/v1/")
_PROTECTED_PATHS = frozenset({"/api", "/v1", "/openapi.json", "/docs", "/redoc", "/health"})


async def _send_error(send: Send, status: int, code: str, message: str) -> None:
    body = orjson.dumps({"error": {"code": code, "message": message}})
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="spanscope"'))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class ErrorMiddleware:
    """Any exception a route lets through becomes a JSON answer, and the connection lives on.

    A storage failure (the store's StorageUnavailableError, or a database or OS error that
    reached the route raw) is a 503 with Retry-After; anything else a 500 whose message holds
    an id to find in the log, never the request. Starlette's own last-resort handler would
    answer bare text and re-raise, which makes the server drop the keep-alive connection.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started:  # half an answer is out: nothing better to do than end the connection
                raise
            response = unexpected_error_response(Request(scope), exc)
            await response(scope, receive, send)


class TokenMiddleware:
    """With a token configured, requests need `Authorization: Bearer <token>`."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _is_public(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"authorization", b"")
        if not hmac.compare_digest(given, self.expected):
            await _send_error(
                send,
                401,
                "UNAUTHENTICATED",
                "missing or wrong token: send 'Authorization: Bearer <token>'",
            )
            return
        await self.app(scope, receive, send)


def _is_public(method: str, path: str) -> bool:
    if method == "OPTIONS":
        return True
    if method not in ("GET", "HEAD"):
        return False
    return not (
        path in _PROTECTED_PATHS
        or path.startswith(_PROTECTED_PREFIXES)
        or path.startswith("/docs/")
    )


class BodyLimitMiddleware:
    """Answers 413 to a body over `max_bytes`, declared or streamed, before any route runs.

    The body is read here (it is bounded) and replayed to the app, so an oversized stream is
    refused cleanly instead of failing halfway through a handler.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _send_error(send, 413, "TOO_LARGE", self._message())
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _send_error(send, 413, "TOO_LARGE", self._message())
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _message(self) -> str:
        return f"request body larger than the server's limit of {self.max_bytes} bytes"

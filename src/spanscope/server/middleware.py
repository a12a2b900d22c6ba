"""ASGI middleware around every route: security headers, the catch-all for errors, the API
token, and the request body (content type, size cap, decompression) before any route runs."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from spanscope.constants import OTLP_LOGS_PATH, OTLP_TRACES_PATH
from spanscope.otel.decode import Decompressor, OtlpDecodeError
from spanscope.server.responses import code_for_status, unexpected_error_response

__all__ = [
    "API_CSP",
    "ErrorMiddleware",
    "RequestBodyMiddleware",
    "SecurityHeadersMiddleware",
    "TokenMiddleware",
    "UI_CSP",
]

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

JSON = "application/json"
# What each body-accepting route takes. A browser sends text/plain, form encodings or no
# Content-Type cross-site without asking first (no CORS preflight); none of them is accepted,
# token or not, so no other web page can write to a server on the user's machine.
_JSON_ONLY = frozenset({JSON})
_OTLP_TYPES = frozenset({"application/x-protobuf", "application/protobuf", JSON})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_NO_BODY_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})

# The built UI loads only its own scripts, styles and data; React sets styles through the
# DOM, which style-src does not restrict. The favicon is a data: URL.
_UI_SOURCES = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'"
)
UI_CSP = f"{_UI_SOURCES}; frame-ancestors 'none'"
# The embeddable trace view (/traces/<id>?embed=1) sits in notebook iframes, whose origin is
# anything from http://localhost:8888 to a vscode-webview: so it names no frame-ancestors.
EMBED_CSP = _UI_SOURCES
# API answers are data, never a page: nothing in them may load or run, or be framed.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
# /docs and /redoc load their scripts from a CDN, inline: only framing is restricted there.
_DOCS_CSP = "frame-ancestors 'none'"
_DOCS_PREFIXES = ("/docs", "/redoc")
_SERVER_PREFIXES = ("/api/", "/v1/", "/health", "/openapi.json")


async def _send_error(send: Send, status: int, code: str, message: str) -> None:
    body = orjson.dumps({"error": {"code": code, "message": message}})
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="spanscope"'))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class SecurityHeadersMiddleware:
    """Headers that keep browsers from misusing the server's answers.

    Every answer: `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer`; every
    answer but the embeddable trace view: `X-Frame-Options: DENY`. The UI's pages get a
    Content-Security-Policy allowing only the server's own files (`UI_CSP`), API answers one
    allowing nothing (`API_CSP`).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                content_type = dict(headers).get(b"content-type", b"")
                if message["status"] == 304 and not content_type:
                    # A revalidated page: the browser keeps the cached body and takes these
                    # headers as the page's own, so they must be the page's policy.
                    content_type = b"text/html"
                for name, value in _security_headers(path, scope, content_type):
                    if name not in present:
                        headers.append((name, value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def _security_headers(path: str, scope: Scope, content_type: bytes) -> list[tuple[bytes, bytes]]:
    headers = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
    if path.startswith(_DOCS_PREFIXES):
        policy = _DOCS_CSP
    elif content_type.startswith(b"text/html") and not path.startswith(_SERVER_PREFIXES):
        if _is_embed_view(path, scope):
            return [*headers, (b"content-security-policy", EMBED_CSP.encode())]
        policy = UI_CSP
    else:
        policy = API_CSP
    return [
        *headers,
        (b"content-security-policy", policy.encode()),
        (b"x-frame-options", b"DENY"),
    ]


def _is_embed_view(path: str, scope: Scope) -> bool:
    if not path.startswith("/traces/"):
        return False
    query = scope.get("query_string", b"").decode("latin-1")
    return ("embed", "1") in parse_qsl(query)


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


class RequestBodyMiddleware:
    """Every request body, before any route runs: its content type, size and encoding.

    * A body-accepting API route takes only `application/json`, OTLP ingest only protobuf or
      JSON: anything else is a 415 before the body is read.
    * The body is read here, up to `max_bytes` (413 past it, declared or streamed), decoded
      from gzip or deflate by one capped decompressor, whose output is held to `max_bytes`
      too (413: a gzip bomb stops there), and replayed to the route without its
      Content-Encoding. A JSON body must be UTF-8 (400 otherwise).
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _NO_BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        media = headers.get(b"content-type", b"").decode("latin-1").split(";", 1)[0]
        media = media.strip().lower()
        refused = _refused_content_type(scope["method"], scope["path"], media)
        if refused:
            await _send_error(send, 415, "UNSUPPORTED_MEDIA_TYPE", refused)
            return
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _send_error(send, 413, "TOO_LARGE", self._message())
            return
        encoding = headers.get(b"content-encoding", b"").decode("latin-1")
        try:
            decompressor = Decompressor(encoding, self.max_bytes)
        except OtlpDecodeError as exc:
            await _send_error(send, exc.http_status, _code(exc.http_status), str(exc))
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
        try:
            if not decompressor.identity:
                # Inflating is CPU work (up to max_bytes of it): off the event loop.
                body = await run_in_threadpool(_inflate, decompressor, body)
            if media == JSON:
                _check_utf8(body)
        except OtlpDecodeError as exc:
            status = exc.http_status
            message_text = self._message(True) if status == 413 else str(exc)
            await _send_error(send, status, _code(status), message_text)
            return
        if not decompressor.identity:
            scope = dict(scope)
            scope["headers"] = [
                (name, value)
                for name, value in scope["headers"]
                if name.lower() not in (b"content-encoding", b"content-length")
            ] + [(b"content-length", str(len(body)).encode())]
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _message(self, decompressed: bool = False) -> str:
        what = "decompressed request body" if decompressed else "request body"
        return f"{what} larger than the server's limit of {self.max_bytes} bytes"


def _refused_content_type(method: str, path: str, media: str) -> str | None:
    if method not in _BODY_METHODS:
        return None
    if path in (OTLP_TRACES_PATH, OTLP_LOGS_PATH):
        accepted, shown = _OTLP_TYPES, "application/x-protobuf or application/json"
    elif path.startswith("/api/"):
        accepted, shown = _JSON_ONLY, JSON
    else:
        return None
    if media in accepted:
        return None
    given = repr(media) if media else "missing"
    return f"Content-Type is {given}; this route accepts {shown}"


def _code(status: int) -> str:
    # A body that is not valid in its encoding is bad input, as for the routes' own checks.
    return "INVALID_ARGUMENT" if status == 400 else code_for_status(status)


def _inflate(decompressor: Decompressor, body: bytes) -> bytes:
    data = decompressor.feed(body)
    decompressor.finish()
    return data


def _check_utf8(body: bytes) -> None:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise OtlpDecodeError(
            f"the body is not UTF-8: byte 0x{body[exc.start]:02x} at offset {exc.start} "
            "(JSON must be UTF-8 encoded)"
        ) from None

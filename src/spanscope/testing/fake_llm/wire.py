"""What crosses the wire: the recorded request, the replies, and SSE / NDJSON framing."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

__all__ = [
    "BadRequest",
    "FullReply",
    "RecordedRequest",
    "Reply",
    "StreamReply",
    "json_reply",
    "require",
    "ndjson_reply",
    "optional_int",
    "sse_reply",
    "text_reply",
]


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request the fake server received (kept for assertions in tests)."""

    method: str
    path: str
    """The path without the query string, e.g. `/v1/messages`."""
    query: Mapping[str, str]
    headers: Mapping[str, str]
    """Header names in lower case."""
    body: Any
    """The parsed JSON body; None when the body was empty or not JSON."""
    raw_body: bytes = field(default=b"", repr=False)

    @property
    def json(self) -> dict[str, Any]:
        """The body when it is a JSON object, else an empty dict."""
        return self.body if isinstance(self.body, dict) else {}


class BadRequest(Exception):
    """The request is malformed; the route answers 400 in the provider's error shape."""


def require(body: Mapping[str, Any], *names: str) -> None:
    """BadRequest unless every named parameter is present and not null."""
    for name in names:
        if body.get(name) is None:
            raise BadRequest(f"missing required parameter: '{name}'")


def optional_int(body: Mapping[str, Any], name: str) -> int | None:
    """The integer parameter `name`, or None when absent; BadRequest for other types."""
    value = body.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise BadRequest(f"'{name}' must be an integer, got {value!r}")
    return value


@dataclass(frozen=True)
class FullReply:
    """A response whose body is known up front (sent with Content-Length)."""

    content: bytes
    status: int = 200
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StreamReply:
    """A streamed response (sent with chunked transfer encoding, one chunk per frame)."""

    frames: Iterable[bytes]
    content_type: str
    headers: Mapping[str, str] = field(default_factory=dict)


Reply: TypeAlias = FullReply | StreamReply


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def json_reply(obj: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> FullReply:
    return FullReply(_dumps(obj).encode(), status, "application/json", dict(headers or {}))


def text_reply(text: str, status: int = 200) -> FullReply:
    return FullReply(text.encode(), status, "text/plain; charset=utf-8")


def sse_reply(
    events: Iterable[tuple[str | None, Any]], headers: Mapping[str, str] | None = None
) -> StreamReply:
    """Server-sent events from (event name or None, data) pairs; str data is sent verbatim."""

    def frames() -> Iterator[bytes]:
        for name, data in events:
            payload = data if isinstance(data, str) else _dumps(data)
            head = f"event: {name}\n" if name else ""
            yield f"{head}data: {payload}\n\n".encode()

    return StreamReply(frames(), "text/event-stream; charset=utf-8", dict(headers or {}))


def ndjson_reply(parts: Iterable[Any]) -> StreamReply:
    """Newline-delimited JSON, Ollama's streaming format."""
    return StreamReply((f"{_dumps(part)}\n".encode() for part in parts), "application/x-ndjson")

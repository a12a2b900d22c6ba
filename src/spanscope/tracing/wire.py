"""A streamed HTTP body kept as the bytes that came, for a stream's span.

A traced stream must keep what it needs to assemble its output and chunk events later, on the
export thread. Keeping the SDK's parsed chunk objects (nested pydantic models: a dozen objects
a chunk, alive until the trace is exported) costs the caller's thread garbage-collector work on
every call. The bytes of the body are what those chunks were parsed from, immutable and not
tracked by the collector: `tee_body` keeps them as the SDK reads them (every httpx reader goes
through the response's byte stream), and `sse_data` parses the server-sent events again when
the trace is built.
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx

__all__ = ["sse_data", "tee_body"]

_LINES = re.compile("\r\n|\r|\n")
_FIRST = operator.itemgetter(0)


def tee_body(response: Any) -> list[bytes] | None:
    """Keep the body of `response` (an httpx response not read yet) in the list returned, as
    it is read. None where the bytes would not be the body's text: a response that is not
    httpx's, already read, or with a content encoding (the kept bytes would be compressed)."""
    if not isinstance(response, httpx.Response) or response.is_stream_consumed:
        return None
    if response.headers.get("content-encoding", "identity").strip().lower() != "identity":
        return None
    stream: object = response.stream
    sink: list[bytes] = []
    if isinstance(stream, httpx.SyncByteStream):
        response.stream = _Tee(stream, sink)
    elif isinstance(stream, httpx.AsyncByteStream):
        response.stream = _AsyncTee(stream, sink)
    else:
        return None
    return sink


def sse_data(body: bytes) -> list[str]:
    """The `data` of each event of a server-sent event stream, in order (multi-line data joined
    with newlines, as the standard says). An event is complete at its blank line; the last one
    is taken without it, for a body that ended there."""
    found: list[str] = []
    data: list[str] = []
    for line in _LINES.split(body.decode("utf-8", errors="replace")):
        if not line:
            if data:
                found.append("\n".join(data))
                data = []
            continue
        name, _, value = line.partition(":")
        if name == "data":
            data.append(value[1:] if value.startswith(" ") else value)
    if data:
        found.append("\n".join(data))
    return found


class _Tee(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, sink: list[bytes]) -> None:
        self._inner = inner
        self._sink = sink

    def __iter__(self) -> Iterator[bytes]:
        # In C code, no Python frame per part: `kept` gives each part the reader pulled
        # through `parts` to the sink's append, before the reader gets the next one.
        parts, kept = itertools.tee(self._inner)
        return map(_FIRST, zip(parts, map(self._sink.append, kept), strict=False))

    def close(self) -> None:
        self._inner.close()


class _AsyncTee(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, sink: list[bytes]) -> None:
        self._inner = inner
        self._sink = sink

    async def __aiter__(self) -> AsyncIterator[bytes]:
        keep = self._sink.append
        async for part in self._inner:
            keep(part)
            yield part

    async def aclose(self) -> None:
        await self._inner.aclose()

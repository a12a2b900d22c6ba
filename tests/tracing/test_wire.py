"""A stream's body kept as bytes (`tracing.wire`), and streams whose chunks are made again from
it on the export thread (`trace_stream(..., chunks=...)`)."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator, Generator, Iterator
from typing import Any

import httpx
import pytest

import spanscope
from spanscope.testing import TraceCapture, span_tree, strict_mode
from spanscope.tracing.llm import LLMCall, start_llm_span
from spanscope.tracing.streaming import CHUNK_EVENT, trace_async_stream, trace_stream
from spanscope.tracing.wire import sse_data, tee_body

BODY = b'data: {"n": 1}\n\ndata: {"n": 2}\n\ndata: [DONE]\n\n'


def test_sse_data_follows_the_event_stream_format() -> None:
    body = (
        b": a comment\r\n"
        b"event: delta\r\n"
        b'data: {"a":\r\n'
        b"data: 1}\r\n\r\n"  # two data lines make one, joined by a newline
        b"id: 7\rdata:no space\r\r"  # CR line ends; the space after the colon is optional
        b"retry: 10\n\n"  # an event without data is none
        b"data: \xe2\x82\xac\n\n"
        b"data: last, without its blank line"
    )
    assert sse_data(body) == ['{"a":\n1}', "no space", "€", "last, without its blank line"]
    assert sse_data(b"") == []


class _Parts(httpx.SyncByteStream):
    def __init__(self, parts: list[bytes]) -> None:
        self.parts = parts
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        yield from self.parts

    def close(self) -> None:
        self.closed = True


class _AsyncParts(httpx.AsyncByteStream):
    def __init__(self, parts: list[bytes]) -> None:
        self.parts = parts
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for part in self.parts:
            yield part

    async def aclose(self) -> None:
        self.closed = True


def _response(stream: Any, **headers: str) -> httpx.Response:
    return httpx.Response(
        200, headers={"content-type": "text/event-stream", **headers}, stream=stream
    )


@pytest.mark.parametrize("read", ["iter_lines", "iter_text", "iter_bytes", "read"])
def test_tee_body_keeps_the_bytes_however_the_sdk_reads_them(read: str) -> None:
    inner = _Parts([BODY[:10], BODY[10:]])
    response = _response(inner)
    sink = tee_body(response)
    assert sink == []
    got = getattr(response, read)()
    if read != "read":
        got = list(got)
    assert b"".join(sink) == BODY
    assert inner.closed  # reading to the end closes the response, and so the inner stream


async def test_tee_body_async() -> None:
    inner = _AsyncParts([BODY[:7], BODY[7:]])
    response = _response(inner)
    sink = tee_body(response)
    lines = [line async for line in response.aiter_lines()]
    assert lines == [line.decode() for line in BODY.splitlines()]
    assert b"".join(sink or []) == BODY
    assert inner.closed


def test_tee_body_refuses_what_would_not_be_the_bodys_text() -> None:
    assert tee_body(object()) is None
    assert tee_body(None) is None
    assert (
        tee_body(_response(_Parts([gzip.compress(BODY)]), **{"content-encoding": "gzip"})) is None
    )
    read = _response(_Parts([BODY]))
    read.read()
    assert tee_body(read) is None
    assert tee_body(_response(_Parts([BODY]), **{"content-encoding": "identity"})) == []


def _events(body: list[bytes]) -> list[Any]:
    return [json.loads(d) for d in sse_data(b"".join(body)) if d != "[DONE]"]


def _finish(call: LLMCall, chunks: list[Any]) -> Any:
    return {"sum": sum(chunk["n"] for chunk in chunks)}


def _call() -> LLMCall:
    call = start_llm_span("llm", provider="fake", operation="chat", inputs={"q": "hi"})
    assert call is not None
    return call


def _sdk(response: httpx.Response) -> Iterator[dict[str, Any]]:
    """An SDK's stream: parsed events, read from the response line by line."""
    for line in response.iter_lines():
        if line.startswith("data: ") and line != "data: [DONE]":
            yield json.loads(line[6:])


def _node(capture: TraceCapture) -> dict[str, Any]:
    [node] = span_tree(capture.single(), attributes=True)
    return node


def test_a_stream_made_again_from_its_body(spanscope_traces: TraceCapture) -> None:
    response = _response(_Parts([BODY]))
    body = tee_body(response)
    assert body is not None
    chunks = list(trace_stream(_sdk(response), _call(), _finish, chunks=lambda: _events(body)))
    assert chunks == [{"n": 1}, {"n": 2}]
    (span,) = spanscope_traces.single().data.spans
    assert span.outputs == {"sum": 3}
    events = [(e.name, e.attributes) for e in span.events]
    assert events == [
        (CHUNK_EVENT, {"index": 0, "value": {"n": 1}}),
        (CHUNK_EVENT, {"index": 1, "value": {"n": 2}}),
    ]


async def test_an_async_stream_made_again_from_its_body(spanscope_traces: TraceCapture) -> None:
    response = _response(_AsyncParts([BODY]))
    body = tee_body(response)
    assert body is not None

    async def sdk() -> AsyncIterator[dict[str, Any]]:
        async for line in response.aiter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                yield json.loads(line[6:])

    stream = trace_async_stream(sdk(), _call(), _finish, chunks=lambda: _events(body))
    assert [chunk async for chunk in stream] == [{"n": 1}, {"n": 2}]
    node = _node(spanscope_traces)
    assert node["outputs"] == {"sum": 3} and node["events"] == [CHUNK_EVENT] * 2


def test_only_the_chunks_the_caller_read_are_the_spans(spanscope_traces: TraceCapture) -> None:
    """The body may hold events read ahead of the caller (one network read, several events):
    a stream dropped after its first chunk has that chunk only."""
    response = _response(_Parts([BODY]))
    body = tee_body(response)
    assert body is not None
    stream = trace_stream(_sdk(response), _call(), _finish, chunks=lambda: _events(body))
    assert isinstance(stream, Generator)
    assert next(stream) == {"n": 1}
    assert b"".join(body) == BODY  # the whole body is read already
    stream.close()
    node = _node(spanscope_traces)
    assert node["outputs"] == {"sum": 1} and node["events"] == [CHUNK_EVENT]


@pytest.mark.internal_errors
def test_a_body_that_lacks_chunks_read_is_an_internal_error(
    spanscope_traces: TraceCapture,
) -> None:
    """Never silently: if the SDK read chunks from elsewhere (a reconnection, say), the span
    keeps what the body holds and the gap is reported."""
    with strict_mode(False):
        chunks = trace_stream(
            iter([{"n": 1}, {"n": 2}]), _call(), _finish, chunks=lambda: [{"n": 1}]
        )
        assert len(list(chunks)) == 2
        node = _node(spanscope_traces)  # built now, on the export thread: strict mode off
    assert node["outputs"] == {"sum": 1} and node["events"] == [CHUNK_EVENT]
    assert spanscope.tracing.stats().internal_errors == 1

"""Stream plumbing: chunks kept on the caller's thread, assembled on the export thread."""

from __future__ import annotations

import gc
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pydantic
import pytest

import spanscope
from spanscope.constants import SpanAttributeKey
from spanscope.entities.span_event import SpanEvent
from spanscope.testing import TraceCapture, span_tree, strict_mode
from spanscope.tracing.llm import LLMCall, start_llm_span
from spanscope.tracing.streaming import (
    CHUNK_EVENT,
    MAX_CHUNK_EVENTS,
    stamp_stream,
    trace_async_stream,
    trace_stream,
)

CALLER = threading.get_ident()


class Chunk(pydantic.BaseModel):
    """A library's chunk type: records on which thread it was serialised."""

    text: str

    def model_dump(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        SERIALISED_ON.append(threading.get_ident())
        return super().model_dump(*args, **kwargs)


SERIALISED_ON: list[int] = []
FINISHED_ON: list[int] = []


def _finish(call: LLMCall, chunks: list[Chunk]) -> Any:
    FINISHED_ON.append(threading.get_ident())
    text = "".join(chunk.text for chunk in chunks)
    call.set_output_messages([{"role": "assistant", "content": text}], ["stop"])
    return {"text": text}


def _call() -> LLMCall:
    call = start_llm_span("llm", provider="fake", operation="chat", inputs={"q": "hi"})
    assert call is not None
    return call


def _chunks() -> Iterator[Chunk]:
    yield from (Chunk(text=part) for part in ("Hel", "lo", "!"))


@pytest.fixture(autouse=True)
def _clear_records() -> None:
    SERIALISED_ON.clear()
    FINISHED_ON.clear()


def _node(capture: TraceCapture) -> dict[str, Any]:
    [node] = span_tree(capture.single(), attributes=True)
    return node


def test_chunks_and_output_are_serialised_off_the_callers_thread(
    spanscope_traces: TraceCapture,
) -> None:
    received = list(trace_stream(_chunks(), _call(), _finish))
    assert [chunk.text for chunk in received] == ["Hel", "lo", "!"]
    assert SERIALISED_ON == FINISHED_ON == []  # nothing done for the trace on the caller's thread
    trace = spanscope_traces.single()
    [node] = span_tree(trace, attributes=True)
    assert CALLER not in SERIALISED_ON and CALLER not in FINISHED_ON
    assert len(FINISHED_ON) == 1 and len(SERIALISED_ON) >= 3
    assert node["status"] == "OK"
    assert node["outputs"] == {"text": "Hello!"}
    assert node["attributes"]["gen_ai.output.messages"] == [
        {
            "role": "assistant",
            "parts": [{"type": "text", "content": "Hello!"}],
            "finish_reason": "stop",
        }
    ]
    assert SpanAttributeKey.TIME_TO_FIRST_TOKEN_NS in node["attributes"]
    assert [(e.name, e.attributes) for e in trace.data.spans[0].events] == [
        (CHUNK_EVENT, {"index": 0, "value": {"text": "Hel"}}),
        (CHUNK_EVENT, {"index": 1, "value": {"text": "lo"}}),
        (CHUNK_EVENT, {"index": 2, "value": {"text": "!"}}),
    ]


async def test_async_stream_alike(spanscope_traces: TraceCapture) -> None:
    async def chunks() -> AsyncIterator[Chunk]:
        for chunk in _chunks():
            yield chunk

    received = [chunk.text async for chunk in trace_async_stream(chunks(), _call(), _finish)]
    assert received == ["Hel", "lo", "!"]
    assert FINISHED_ON == []
    node = _node(spanscope_traces)
    assert node["outputs"] == {"text": "Hello!"} and len(node["events"]) == 3
    assert FINISHED_ON and CALLER not in FINISHED_ON


def test_a_stream_of_steps_keeps_its_chunks_for_finish_only(
    spanscope_traces: TraceCapture,
) -> None:
    received = list(trace_stream(_chunks(), _call(), _finish, events=False))
    assert [chunk.text for chunk in received] == ["Hel", "lo", "!"]
    node = _node(spanscope_traces)
    assert node["outputs"] == {"text": "Hello!"} and node["events"] == []
    assert SpanAttributeKey.TIME_TO_FIRST_TOKEN_NS not in node["attributes"]
    assert SERIALISED_ON == []  # the chunks themselves are never serialised


def test_span_processors_see_the_assembled_output(spanscope_traces: TraceCapture) -> None:
    seen: list[Any] = []
    spanscope.tracing.add_span_processor(lambda span: seen.append(span.outputs))
    list(trace_stream(_chunks(), _call(), _finish))
    spanscope_traces.single()
    assert seen == [{"text": "Hello!"}]


def test_abandoned_stream_is_finished_with_what_came(spanscope_traces: TraceCapture) -> None:
    stream = trace_stream(_chunks(), _call(), _finish)
    assert next(stream).text == "Hel"
    del stream
    gc.collect()
    node = _node(spanscope_traces)
    assert node["status"] == "OK" and node["outputs"] == {"text": "Hel"}
    assert len(node["events"]) == 1


def test_stream_dropped_before_its_first_chunk_ends_its_span(
    spanscope_traces: TraceCapture,
) -> None:
    stream = trace_stream(_chunks(), _call(), _finish)
    del stream  # a generator that never started runs no cleanup of its own
    gc.collect()
    node = _node(spanscope_traces)
    assert node["status"] == "OK" and node["events"] == []
    assert node["outputs"] is None  # nothing was read: nothing to assemble


async def test_async_stream_dropped_before_its_first_chunk_ends_its_span(
    spanscope_traces: TraceCapture,
) -> None:
    async def chunks() -> AsyncIterator[Chunk]:
        for chunk in _chunks():
            yield chunk

    stream = trace_async_stream(chunks(), _call(), _finish)
    del stream
    gc.collect()
    node = _node(spanscope_traces)
    assert node["status"] == "OK" and node["events"] == []


def test_error_from_the_library_ends_the_span_with_the_partial_output(
    spanscope_traces: TraceCapture,
) -> None:
    def failing() -> Iterator[Chunk]:
        yield Chunk(text="Hel")
        raise ConnectionError("reset by peer")

    with pytest.raises(ConnectionError, match="reset by peer"):
        list(trace_stream(failing(), _call(), _finish))
    node = _node(spanscope_traces)
    assert node["status"] == "ERROR"
    assert node["outputs"] == {"text": "Hel"}
    assert node["events"] == [CHUNK_EVENT, "exception"]


@pytest.mark.internal_errors
def test_a_failing_finish_keeps_the_span_and_its_events(spanscope_traces: TraceCapture) -> None:
    def broken(call: LLMCall, chunks: list[Chunk]) -> Any:
        raise RuntimeError("bug in spanscope")

    with strict_mode(False):
        assert len(list(trace_stream(_chunks(), _call(), broken))) == 3
        node = _node(spanscope_traces)  # exported while strict mode is off
    assert node["status"] == "OK" and node["outputs"] is None
    assert len(node["events"]) == 3
    assert spanscope.tracing.stats().internal_errors == 1


def test_chunk_events_keep_their_place_and_time_among_the_spans_events(
    spanscope_traces: TraceCapture,
) -> None:
    call = _call()
    call.span.add_event(SpanEvent("before"))
    stream = trace_stream(_chunks(), call, _finish)
    assert next(stream).text == "Hel"
    assert [e.name for e in call.span.events] == ["before", CHUNK_EVENT]  # seen while running
    assert [e["name"] for e in call.span.to_dict()["events"]] == ["before", CHUNK_EVENT]
    call.span.add_event(SpanEvent("between"))
    assert [chunk.text for chunk in stream] == ["lo", "!"]
    trace = spanscope_traces.single()
    [span] = trace.data.spans
    names = [e.name for e in span.events]
    assert names == ["before", CHUNK_EVENT, "between", CHUNK_EVENT, CHUNK_EVENT]
    chunks = [e for e in span.events if e.name == CHUNK_EVENT]
    assert [e.attributes["index"] for e in chunks] == [0, 1, 2]
    times = [e.timestamp_ns for e in chunks]
    assert span.end_time_ns is not None
    assert span.start_time_ns <= times[0] <= times[1] <= times[2] <= span.end_time_ns


def test_chunks_read_after_the_span_ended_are_not_its_events(
    spanscope_traces: TraceCapture,
) -> None:
    call = _call()
    stream = trace_stream(_chunks(), call, _finish)
    assert next(stream).text == "Hel"
    call.end()  # as an integration does when the caller closes the library's stream
    assert [chunk.text for chunk in stream] == ["lo", "!"]
    node = _node(spanscope_traces)
    assert node["events"] == [CHUNK_EVENT]


def test_chunk_events_stop_at_the_cap_while_finish_gets_every_chunk(
    spanscope_traces: TraceCapture,
) -> None:
    many = [Chunk(text="x") for _ in range(MAX_CHUNK_EVENTS + 5)]
    assert len(list(trace_stream(iter(many), _call(), _finish))) == MAX_CHUNK_EVENTS + 5
    node = _node(spanscope_traces)
    assert node["events"] == [CHUNK_EVENT] * MAX_CHUNK_EVENTS
    assert node["outputs"] == {"text": "x" * (MAX_CHUNK_EVENTS + 5)}


class _Source:
    """Makes the chunks again, as a stream's body read on the export thread would."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def __call__(self) -> list[dict[str, str]]:
        self.calls.append(threading.get_ident())
        return [{"text": part} for part in ("Hel", "lo", "!")]


def _finish_plain(call: LLMCall, chunks: list[dict[str, str]]) -> Any:
    return _finish(call, [Chunk(text=chunk["text"]) for chunk in chunks])


def test_a_stamped_stream_records_the_chunks_the_caller_read(
    spanscope_traces: TraceCapture,
) -> None:
    """stamp_stream: times noted in C code, the span ended by the integration; the chunks
    the caller did not read are not the span's, and the source is asked once, off the
    caller's thread, for both the events and the output."""
    source = _Source()
    stream, end = stamp_stream(_chunks(), _call(), _finish_plain, "test", source)
    assert [next(stream).text, next(stream).text] == ["Hel", "lo"]
    end(None)
    assert source.calls == []
    trace = spanscope_traces.single()
    node = _node(spanscope_traces)
    assert (node["status"], node["outputs"]) == ("OK", {"text": "Hello"})
    (span,) = trace.data.spans
    assert [(e.name, e.attributes) for e in span.events] == [
        (CHUNK_EVENT, {"index": 0, "value": {"text": "Hel"}}),
        (CHUNK_EVENT, {"index": 1, "value": {"text": "lo"}}),
    ]
    ttft = node["attributes"][SpanAttributeKey.TIME_TO_FIRST_TOKEN_NS]
    assert ttft == span.events[0].timestamp_ns - span.start_time_ns >= 0
    assert len(source.calls) == 1 and CALLER not in source.calls


def test_a_stamped_stream_ended_by_an_error_keeps_what_came(
    spanscope_traces: TraceCapture,
) -> None:
    def failing() -> Iterator[Chunk]:
        yield Chunk(text="Hel")
        raise ConnectionError("the body broke off")

    stream, end = stamp_stream(failing(), _call(), _finish_plain, "test", _Source())
    received: list[str] = []
    with pytest.raises(ConnectionError) as caught:
        received.extend(chunk.text for chunk in stream)
    end(caught.value)
    end(None)  # a second end changes nothing
    node = _node(spanscope_traces)
    assert received == ["Hel"]
    assert (node["status"], node["outputs"]) == ("ERROR", {"text": "Hel"})
    assert node["events"] == [CHUNK_EVENT, "exception"]


def test_a_stamped_stream_never_read_has_no_chunks(spanscope_traces: TraceCapture) -> None:
    stream, end = stamp_stream(_chunks(), _call(), _finish_plain, "test", _Source())
    end(None)
    node = _node(spanscope_traces)
    assert (node["outputs"], node["events"]) == ({"text": ""}, [])
    assert SpanAttributeKey.TIME_TO_FIRST_TOKEN_NS not in node["attributes"]
    assert next(stream).text == "Hel"  # the caller's stream still works

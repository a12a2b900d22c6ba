"""chat.stream and stream_async: the SDK's own stream object traced in place, one span ended
when the stream is read whole, closed, dropped or broken, the reply assembled from chunks."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from spanscope.tracing.streaming import CHUNK_EVENT
from tests.genai_expect import ANSWER, chat_span, text, tree, usage, user
from tests.mistral.conftest import make_client
from tests.mistral.expect import ANSWER_CHUNKS, MODEL, STREAM, USER, chat_attributes

pytest.importorskip("mistralai.client")


def assembled(
    content: str | None, finish: str | None, tokens: dict[str, Any] | None
) -> dict[str, Any]:
    """The chat completion a stream's chunks add up to (the span's outputs)."""
    message = {"role": "assistant", "content": content}
    completion: dict[str, Any] = {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "model": MODEL,
        "created": 1767225600,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": tokens,
    }
    return completion


USAGE = {"prompt_tokens": 6, "completion_tokens": 8, "total_tokens": 14}


def whole_stream_span(events: int = ANSWER_CHUNKS) -> dict[str, Any]:
    return chat_span(
        STREAM,
        inputs={"model": MODEL, "messages": USER},
        outputs=assembled(ANSWER, "stop", USAGE),
        chunks=events,
        attributes=chat_attributes(
            inputs=[user()],
            outputs=[text(ANSWER)],
            finish="stop",
            tokens=usage(6, 8),
            streamed=True,
        ),
    )


def test_stream_read_whole_in_a_with_block(client: Any, spanscope_traces: TraceCapture) -> None:
    from mistralai.client.utils.eventstreaming import EventStream

    with client.chat.stream(model=MODEL, messages=USER) as events:
        assert isinstance(events, EventStream)  # the SDK's own object
        pieces = [event.data.choices[0].delta.content for event in events]
    assert "".join(p for p in pieces if isinstance(p, str)) == ANSWER
    assert tree(spanscope_traces.single()) == [whole_stream_span()]


async def test_stream_async(
    fake_llm: FakeLLMServer, traced: None, spanscope_traces: TraceCapture
) -> None:
    async with make_client(fake_llm) as client:
        events = await client.chat.stream_async(model=MODEL, messages=USER)
        async with events:
            pieces = [event.data.choices[0].delta.content async for event in events]
    assert "".join(p for p in pieces if isinstance(p, str)) == ANSWER
    assert tree(spanscope_traces.single()) == [whole_stream_span()]


def test_a_stream_dropped_half_way_ends_its_span(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    events = client.chat.stream(model=MODEL, messages=USER)
    first = next(iter(events))
    assert first.data.choices[0].delta.role == "assistant"
    del events, first
    gc.collect()
    (node,) = tree(spanscope_traces.single())
    assert node["status"] == "OK" and node["events"] == [CHUNK_EVENT]
    assert node["outputs"] == assembled(None, None, None)
    assert node["attributes"]["gen_ai.output.messages"] == [{"role": "assistant", "parts": []}]


def test_a_stream_closed_before_reading_ends_its_span(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    events = client.chat.stream(model=MODEL, messages=USER)
    events.close()
    (node,) = tree(spanscope_traces.single())
    assert (node["name"], node["status"], node["events"], node["outputs"]) == (
        STREAM,
        "OK",
        [],
        None,
    )


def test_a_stream_breaking_midway_is_recorded(client: Any, spanscope_traces: TraceCapture) -> None:
    from mistralai.client import errors

    events = client.chat.stream(model="error-stream", messages=USER)
    with pytest.raises(errors.ResponseValidationError) as raised:
        for _ in events:
            pass
    (node,) = tree(spanscope_traces.single())
    assert node["status"] == "ERROR"
    assert node["events"] == [CHUNK_EVENT, CHUNK_EVENT, "exception"]
    assert node["error"] == f"ResponseValidationError: {raised.value}"
    assert node["outputs"]["choices"][0]["message"] == {"role": "assistant", "content": "You"}

"""chat_stream, sync and async: read to the end, dropped, closed, failing, and tool calls."""

from __future__ import annotations

import gc
import json
from typing import Any

import httpx
import pytest

from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.cohere.expect import (
    ANSWER_PIECES,
    ASTREAM,
    CALL_ID,
    MESSAGES,
    MODEL,
    PLAN,
    STREAM,
    WEATHER_TOOL,
    chat_attributes,
    counts,
    plan,
    streamed,
    tool_call,
)
from tests.genai_expect import (
    ANSWER,
    WEATHER_DEFINITION,
    chat_span,
    error_text,
    text,
    tree,
    usage,
    user,
)

cohere = pytest.importorskip("cohere")

INPUTS = {"model": MODEL, "messages": MESSAGES}
# message-start, content-start, a delta per word, content-end, message-end
EVENTS = 2 + ANSWER_PIECES + 2


def whole_tree(name: str = STREAM) -> list[Any]:
    return [
        chat_span(
            name,
            inputs=INPUTS,
            outputs=streamed(ANSWER, 6, 8),
            chunks=EVENTS,
            attributes=chat_attributes(
                inputs=[user()],
                outputs=[text(ANSWER)],
                finish="stop",
                tokens=usage(6, 8),
                streamed=True,
            ),
        )
    ]


def first_delta_tree(name: str = STREAM, error: str | None = None) -> list[Any]:
    """The span of a stream that stopped after its first content delta ("You")."""
    return [
        chat_span(
            name,
            inputs=INPUTS,
            outputs=streamed("You", None, None),
            chunks=3,
            error=error,
            attributes=chat_attributes(inputs=[user()], outputs=[text("You")], streamed=True),
        )
    ]


def _until_first_delta(events: Any) -> None:
    for event in events:
        if event.type == "content-delta":
            assert event.delta.message.content.text == "You"
            return


def test_stream(client: Any, spanscope_traces: TraceCapture) -> None:
    events = list(client.chat_stream(**INPUTS))
    assert [e.type for e in events][:3] == ["message-start", "content-start", "content-delta"]
    deltas = [e.delta.message.content.text for e in events if e.type == "content-delta"]
    assert "".join(deltas) == ANSWER
    assert tree(spanscope_traces.single()) == whole_tree()


async def test_stream_async(aclient: Any, spanscope_traces: TraceCapture) -> None:
    events = [event async for event in aclient.chat_stream(**INPUTS)]
    assert len(events) == EVENTS
    assert tree(spanscope_traces.single()) == whole_tree(ASTREAM)


@pytest.mark.parametrize("tools", [None, [WEATHER_TOOL]])
def test_the_chunk_events_are_the_sdk_events_read_again_from_the_body(
    client: Any, spanscope_traces: TraceCapture, tools: Any
) -> None:
    """The span keeps the stream's body, not the SDK's event objects: its chunk events, made
    when the trace is built, hold the same events, in order, at the times they were read."""
    request = {**INPUTS, "tools": tools} if tools else INPUTS
    events = list(client.chat_stream(**request))
    (span,) = spanscope_traces.single().data.spans
    chunks = [e for e in span.events if e.name == "stream.chunk"]
    assert [c.attributes["index"] for c in chunks] == list(range(len(events)))
    assert [c.attributes["value"] for c in chunks] == [_json(e) for e in events]
    times = [c.timestamp_ns for c in chunks]
    assert times == sorted(times) and span.start_time_ns <= times[0]
    assert span.end_time_ns is not None and times[-1] <= span.end_time_ns


def _json(event: Any) -> Any:
    """An SDK event as JSON under its wire names, without unset fields."""
    return json.loads(event.model_dump_json(by_alias=True, exclude_none=True))


def test_a_stream_dropped_halfway_ends_its_span(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    stream = client.chat_stream(**INPUTS)
    _until_first_delta(stream)
    del stream
    gc.collect()
    assert tree(spanscope_traces.single()) == first_delta_tree()


def test_a_stream_closed_halfway_ends_its_span(client: Any, spanscope_traces: TraceCapture) -> None:
    stream = client.chat_stream(**INPUTS)
    _until_first_delta(stream)
    stream.close()
    assert tree(spanscope_traces.single()) == first_delta_tree()


async def test_an_async_stream_closed_halfway_ends_its_span(
    aclient: Any, spanscope_traces: TraceCapture
) -> None:
    stream = aclient.chat_stream(**INPUTS)
    async for event in stream:
        if event.type == "content-delta":
            break
    await stream.aclose()
    assert tree(spanscope_traces.single()) == first_delta_tree(ASTREAM)


def test_a_raw_stream_left_halfway_records_what_was_read(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    """The span ends as the SDK's stream manager exits: with the events the caller read,
    not those the HTTP client read ahead."""
    with client.with_raw_response.chat_stream(**INPUTS) as response:
        _until_first_delta(response.data)
    assert tree(spanscope_traces.single()) == first_delta_tree()


def test_the_callers_own_error_in_a_raw_stream_is_not_the_calls(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    with pytest.raises(KeyError, match="the caller's"):
        with client.with_raw_response.chat_stream(**INPUTS) as response:
            _until_first_delta(response.data)
            raise KeyError("the caller's")
    assert tree(spanscope_traces.single()) == first_delta_tree()


def test_a_raw_stream_broken_midway_raises_unchanged(
    client: Any, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    fake_llm.fail_next("stream")
    with pytest.raises(httpx.RemoteProtocolError) as caught:
        with client.with_raw_response.chat_stream(**INPUTS) as response:
            for _ in response.data:
                pass
    assert tree(spanscope_traces.single()) == first_delta_tree(error=error_text(caught.value))


def test_a_raw_stream_entered_and_dropped_ends_its_span(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    manager = client.with_raw_response.chat_stream(**INPUTS)
    _until_first_delta(manager.__enter__().data)
    del manager
    gc.collect()
    assert tree(spanscope_traces.single()) == first_delta_tree()


def test_a_stream_never_read_sends_nothing_and_records_nothing(
    client: Any, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    fake_llm.reset()
    stream = client.chat_stream(**INPUTS)
    del stream
    gc.collect()
    # The SDK's stream is a generator: nothing is called (or sent) before it is first read.
    assert fake_llm.requests == []
    assert spanscope_traces.traces == []


def test_a_stream_broken_midway_raises_unchanged(
    client: Any, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    fake_llm.fail_next("stream")
    received = []
    with pytest.raises(httpx.RemoteProtocolError) as caught:
        for event in client.chat_stream(**INPUTS):
            received.append(event.type)
    assert received == ["message-start", "content-start", "content-delta"]
    assert tree(spanscope_traces.single()) == first_delta_tree(error=error_text(caught.value))


def test_an_error_before_the_first_event(
    client: Any, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    fake_llm.fail_next(503)
    with pytest.raises(cohere.ServiceUnavailableError) as caught:
        list(client.chat_stream(**INPUTS))
    assert tree(spanscope_traces.single()) == [
        chat_span(
            STREAM,
            inputs=INPUTS,
            outputs=None,
            error=error_text(caught.value),
            attributes=chat_attributes(inputs=[user()], response=False),
        )
    ]


async def test_an_error_before_the_first_event_async(
    aclient: Any, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    fake_llm.fail_next(500)
    with pytest.raises(cohere.InternalServerError) as caught:
        [event async for event in aclient.chat_stream(**INPUTS)]
    (node,) = tree(spanscope_traces.single())
    assert (node["name"], node["status"], node["error"], node["outputs"]) == (
        ASTREAM,
        "ERROR",
        error_text(caught.value),
        None,
    )


def _streamed_tool_call(events: list[Any], node: dict[str, Any]) -> None:
    assert [e.type for e in events] == [
        "message-start",
        *["tool-plan-delta"] * 4,  # "I will call get_weather."
        "tool-call-start",
        *["tool-call-delta"] * 2,  # '{"city":' ' "example"}'
        "tool-call-end",
        "message-end",
    ]
    assert node["outputs"] == {
        "id": "fake-cohere-response",
        "finish_reason": "TOOL_CALL",
        "usage": counts(6, 2),
        "message": {
            "role": "assistant",
            "tool_plan": PLAN,
            "tool_calls": [
                {
                    "id": CALL_ID,
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "example"}'},
                }
            ],
        },
    }
    assert node["events"] == ["stream.chunk"] * len(events)
    assert node["attributes"] == chat_attributes(
        inputs=[user()],
        tools=[WEATHER_DEFINITION],
        outputs=[plan(), tool_call()],
        finish="tool_call",
        tokens=usage(6, 2),
        streamed=True,
    )


def test_a_streamed_tool_call(client: Any, spanscope_traces: TraceCapture) -> None:
    events = list(client.chat_stream(**INPUTS, tools=[WEATHER_TOOL]))
    (node,) = tree(spanscope_traces.single())
    _streamed_tool_call(events, node)


async def test_a_streamed_tool_call_async(aclient: Any, spanscope_traces: TraceCapture) -> None:
    events = [e async for e in aclient.chat_stream(**INPUTS, tools=[WEATHER_TOOL])]
    (node,) = tree(spanscope_traces.single())
    assert node["name"] == ASTREAM
    _streamed_tool_call(events, node)


def test_thinking_is_assembled_apart_from_the_answer(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    list(client.chat_stream(**INPUTS, thinking={"type": "enabled"}))
    (node,) = tree(spanscope_traces.single())
    thought = "The user wrote: What is the weather in Paris?"
    assert node["outputs"]["message"]["content"] == [
        {"thinking": thought, "type": "thinking"},
        {"text": ANSWER, "type": "text"},
    ]
    assert node["attributes"]["gen_ai.output.messages"] == [
        {
            "role": "assistant",
            "parts": [{"type": "reasoning", "content": thought}, text(ANSWER)],
            "finish_reason": "stop",
        }
    ]

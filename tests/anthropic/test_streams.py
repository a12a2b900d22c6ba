"""Streams: create(stream=True) and the .stream() helper, sync and async, to the end and not."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from typing import Any

import pytest

from spanscope.testing import TraceCapture
from tests.anthropic.expect import (
    MODEL,
    PREAMBLE,
    TEXT_EVENTS,
    TOOL_CALL,
    TOOL_EVENTS,
    USER,
    WEATHER_TOOL,
    chat_attributes,
    usage,
)
from tests.genai_expect import ANSWER, WEATHER_DEFINITION, chat_span, error_text, text, tree, user

anthropic = pytest.importorskip("anthropic")

CREATE = "anthropic.messages.create"
STREAM = "anthropic.messages.stream"
Reply = Callable[..., dict[str, Any]]

REQUEST = {"model": MODEL, "max_tokens": 100, "messages": USER}
TOOL_REQUEST = {**REQUEST, "tools": [WEATHER_TOOL]}


def text_tree(name: str, inputs: dict[str, Any], outputs: dict[str, Any]) -> list[Any]:
    return [
        chat_span(
            name,
            inputs=inputs,
            outputs=outputs,
            chunks=TEXT_EVENTS,
            attributes=chat_attributes(
                inputs=[user()],
                outputs=[text(ANSWER)],
                finish="end_turn",
                tokens=usage(6, 8),
                streamed=True,
            ),
        )
    ]


def tool_tree(name: str, inputs: dict[str, Any], outputs: dict[str, Any]) -> list[Any]:
    return [
        chat_span(
            name,
            inputs=inputs,
            outputs=outputs,
            chunks=TOOL_EVENTS,
            attributes=chat_attributes(
                inputs=[user()],
                tools=[WEATHER_DEFINITION],
                outputs=[text(PREAMBLE), TOOL_CALL],
                finish="tool_use",
                tokens=usage(9, 6),
                streamed=True,
            ),
        )
    ]


def partial_span(
    name: str,
    inputs: dict[str, Any],
    reply: dict[str, Any],
    model: str = MODEL,
    error: str | None = None,
) -> Any:
    """A span that ended after the first text piece ("You"): no stop reason, no output count."""
    partial = {
        **reply,
        "model": model,
        "content": [{**reply["content"][0], "text": "You"}],
        "stop_reason": None,
        "usage": {**reply["usage"], "output_tokens": 1},  # message_start's placeholder
    }
    return chat_span(
        name,
        inputs=inputs,
        outputs=partial,
        chunks=3,  # message_start, content_block_start, the first delta
        error=error,
        attributes=chat_attributes(
            model=model,
            inputs=[user()],
            outputs=[text("You")],
            tokens=usage(6, None),
            streamed=True,
        ),
    )


# -- to the end -------------------------------------------------------------------------------


def test_create_stream(client: Any, spanscope_traces: TraceCapture, untraced_reply: Reply) -> None:
    stream = client.messages.create(**REQUEST, stream=True)
    assert isinstance(stream, anthropic.Stream)  # the SDK's own object, traced in place
    with stream:
        events = list(stream)
    assert len(events) == TEXT_EVENTS and events[-1].type == "message_stop"
    # The assembled output is the Message the same request gets without streaming.
    expected = text_tree(CREATE, {**REQUEST, "stream": True}, untraced_reply(**REQUEST))
    assert tree(spanscope_traces.single()) == expected


async def test_create_stream_async(
    aclient: Any, spanscope_traces: TraceCapture, untraced_reply: Reply
) -> None:
    stream = await aclient.messages.create(**REQUEST, stream=True)
    assert isinstance(stream, anthropic.AsyncStream)
    async with stream:
        events = [event async for event in stream]
    assert len(events) == TEXT_EVENTS
    expected = text_tree(CREATE, {**REQUEST, "stream": True}, untraced_reply(**REQUEST))
    assert tree(spanscope_traces.single()) == expected


def test_stream_helper(client: Any, spanscope_traces: TraceCapture, untraced_reply: Reply) -> None:
    with client.messages.stream(**REQUEST) as stream:
        assert isinstance(stream, anthropic.lib.streaming.MessageStream)
        assert "".join(stream.text_stream) == ANSWER
        final = stream.get_final_message()
    assert final.content[0].text == ANSWER
    assert tree(spanscope_traces.single()) == text_tree(STREAM, REQUEST, untraced_reply(**REQUEST))


async def test_stream_helper_async(
    aclient: Any, spanscope_traces: TraceCapture, untraced_reply: Reply
) -> None:
    async with aclient.messages.stream(**REQUEST) as stream:
        assert isinstance(stream, anthropic.lib.streaming.AsyncMessageStream)
        assert await stream.get_final_text() == ANSWER
    assert tree(spanscope_traces.single()) == text_tree(STREAM, REQUEST, untraced_reply(**REQUEST))


def test_stream_helper_iteration_and_final_message_make_one_span(
    client: Any, spanscope_traces: TraceCapture, untraced_reply: Reply
) -> None:
    with client.messages.stream(**REQUEST) as stream:
        kinds = [event.type for event in stream]  # the helper's events (text, ...) included
        assert stream.get_final_message().content[0].text == ANSWER
        assert stream.get_final_text() == ANSWER
    assert "text" in kinds and kinds[-1] == "message_stop"
    assert tree(spanscope_traces.single()) == text_tree(STREAM, REQUEST, untraced_reply(**REQUEST))


def test_create_stream_tool_use(
    client: Any, spanscope_traces: TraceCapture, untraced_reply: Reply
) -> None:
    with client.messages.create(**TOOL_REQUEST, stream=True) as stream:
        pieces = [
            e.delta.partial_json
            for e in stream
            if e.type == "content_block_delta" and e.delta.type == "input_json_delta"
        ]
    assert "".join(pieces) == '{"city": "example"}'
    inputs = {**TOOL_REQUEST, "stream": True}
    assert tree(spanscope_traces.single()) == tool_tree(CREATE, inputs, untraced_reply(**inputs))


async def test_stream_helper_tool_use_async(
    aclient: Any, spanscope_traces: TraceCapture, untraced_reply: Reply
) -> None:
    async with aclient.messages.stream(**TOOL_REQUEST) as stream:
        final = await stream.get_final_message()
    assert final.content[1].input == {"city": "example"}
    expected = tool_tree(STREAM, TOOL_REQUEST, untraced_reply(**TOOL_REQUEST))
    assert tree(spanscope_traces.single()) == expected


def test_streamed_thinking(client: Any, spanscope_traces: TraceCapture) -> None:
    thinking = {"type": "enabled", "budget_tokens": 1024}
    with client.messages.stream(**REQUEST, thinking=thinking) as stream:
        final = stream.get_final_message()
    (node,) = tree(spanscope_traces.single())
    assert node["attributes"]["gen_ai.output.messages"] == [
        {
            "role": "assistant",
            "parts": [{"type": "reasoning", "content": final.content[0].thinking}, text(ANSWER)],
            "finish_reason": "end_turn",
        }
    ]
    assert node["outputs"]["content"][0]["signature"] == "fake-signature"


# -- provider errors --------------------------------------------------------------------------


def test_create_stream_provider_error(client: Any, spanscope_traces: TraceCapture) -> None:
    request = {**REQUEST, "model": "error-500", "stream": True}
    with pytest.raises(anthropic.InternalServerError) as caught:
        client.messages.create(**request)
    assert tree(spanscope_traces.single()) == [
        chat_span(
            CREATE,
            inputs=request,
            outputs=None,
            error=error_text(caught.value),
            attributes=chat_attributes(model="error-500", inputs=[user()], response=False),
        )
    ]


@pytest.mark.parametrize("helper", ["sync", "async"])
async def test_stream_helper_provider_error(
    client: Any, aclient: Any, spanscope_traces: TraceCapture, helper: str
) -> None:
    request = {**REQUEST, "model": "error-429"}
    with pytest.raises(anthropic.RateLimitError) as caught:
        if helper == "sync":
            with client.messages.stream(**request):
                pass
        else:
            async with aclient.messages.stream(**request):
                pass
    assert tree(spanscope_traces.single()) == [
        chat_span(
            STREAM,
            inputs=request,
            outputs=None,
            error=error_text(caught.value),
            attributes=chat_attributes(model="error-429", inputs=[user()], response=False),
        )
    ]


def test_stream_breaking_midway(
    client: Any, spanscope_traces: TraceCapture, untraced_reply: Reply
) -> None:
    request = {**REQUEST, "model": "error-stream"}
    received = []
    with client.messages.stream(**request) as stream:
        with pytest.raises(anthropic.APIStatusError, match="overloaded_error") as caught:
            for piece in stream.text_stream:
                received.append(piece)
    assert received == ["You"]
    expected = partial_span(
        STREAM, request, untraced_reply(**REQUEST), "error-stream", error_text(caught.value)
    )
    assert tree(spanscope_traces.single()) == [expected]


async def test_stream_breaking_midway_async(aclient: Any, spanscope_traces: TraceCapture) -> None:
    request = {**REQUEST, "model": "error-stream", "stream": True}
    stream = await aclient.messages.create(**request)
    with pytest.raises(anthropic.APIStatusError):
        async for _ in stream:
            pass
    (node,) = tree(spanscope_traces.single())
    assert node["status"] == "ERROR" and node["events"][-1] == "exception"
    assert node["attributes"]["gen_ai.output.messages"][0]["parts"] == [text("You")]


# -- ended early: close(), abandoned, the caller's own exception --------------------------------


def test_close_ends_the_span_with_what_was_read(
    client: Any, spanscope_traces: TraceCapture, untraced_reply: Reply
) -> None:
    with client.messages.create(**REQUEST, stream=True) as stream:
        for event in stream:
            if event.type == "content_block_delta":
                break
        # Closing (the `with` exit) ends the span, before the stream object goes away.
    assert len(spanscope_traces.traces) == 1
    inputs = {**REQUEST, "stream": True}
    assert tree(spanscope_traces.single()) == [
        partial_span(CREATE, inputs, untraced_reply(**REQUEST))
    ]


async def test_close_ends_the_span_async(
    aclient: Any, spanscope_traces: TraceCapture, untraced_reply: Reply
) -> None:
    stream = await aclient.messages.create(**REQUEST, stream=True)
    for _ in range(3):
        await stream.__anext__()
    await stream.close()
    assert len(spanscope_traces.traces) == 1
    inputs = {**REQUEST, "stream": True}
    assert tree(spanscope_traces.single()) == [
        partial_span(CREATE, inputs, untraced_reply(**REQUEST))
    ]
    del stream


def test_abandoned_stream_ends_its_span(client: Any, spanscope_traces: TraceCapture) -> None:
    stream = client.messages.create(**REQUEST, stream=True)
    assert next(stream).type == "message_start"
    assert spanscope_traces.traces == []  # still open
    del stream  # dropped halfway: the span ends when the stream is collected (no cycle holds it)
    (node,) = tree(spanscope_traces.single())
    assert (node["status"], node["events"]) == ("OK", ["stream.chunk"])
    assert node["outputs"]["content"] == [] and node["outputs"]["stop_reason"] is None
    assert "gen_ai.usage.output_tokens" not in node["attributes"]


async def test_abandoned_stream_ends_its_span_async(
    aclient: Any, spanscope_traces: TraceCapture
) -> None:
    stream = await aclient.messages.create(**REQUEST, stream=True)
    assert (await stream.__anext__()).type == "message_start"
    del stream
    # The event loop closes a dropped async generator in a task of its own.
    for _ in range(100):
        if spanscope_traces.traces:
            break
        await asyncio.sleep(0.01)
    (node,) = tree(spanscope_traces.single())
    assert (node["status"], node["events"]) == ("OK", ["stream.chunk"])


def test_stream_dropped_before_its_first_event_ends_its_span(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    stream = client.messages.create(**REQUEST, stream=True)
    del stream  # never iterated, never closed: a generator that never started runs no cleanup
    gc.collect()
    (node,) = tree(spanscope_traces.single())
    assert (node["status"], node["events"], node["outputs"]) == ("OK", [], None)
    assert node["inputs"] == {**REQUEST, "stream": True}


async def test_stream_dropped_before_its_first_event_ends_its_span_async(
    aclient: Any, spanscope_traces: TraceCapture
) -> None:
    stream = await aclient.messages.create(**REQUEST, stream=True)
    del stream
    gc.collect()
    (node,) = tree(spanscope_traces.single())
    assert (node["status"], node["events"], node["outputs"]) == ("OK", [], None)


def test_user_exception_in_helper_loop(
    client: Any, spanscope_traces: TraceCapture, untraced_reply: Reply
) -> None:
    with pytest.raises(ValueError, match="user bug"):
        with client.messages.stream(**REQUEST) as stream:
            for _ in stream.text_stream:
                raise ValueError("user bug")
    # The stream call itself did not fail: the span is OK, with the chunks read so far.
    assert tree(spanscope_traces.single()) == [
        partial_span(STREAM, REQUEST, untraced_reply(**REQUEST))
    ]


def test_user_exception_in_create_stream_loop(
    client: Any, spanscope_traces: TraceCapture, untraced_reply: Reply
) -> None:
    stream = client.messages.create(**REQUEST, stream=True)
    with pytest.raises(ValueError, match="user bug"):
        for event in stream:
            if event.type == "content_block_delta":
                raise ValueError("user bug")
    del stream  # never closed: ends when collected
    inputs = {**REQUEST, "stream": True}
    assert tree(spanscope_traces.single()) == [
        partial_span(CREATE, inputs, untraced_reply(**REQUEST))
    ]


async def test_user_exception_in_helper_loop_async(
    aclient: Any, spanscope_traces: TraceCapture, untraced_reply: Reply
) -> None:
    with pytest.raises(ValueError, match="user bug"):
        async with aclient.messages.stream(**REQUEST) as stream:
            async for _ in stream.text_stream:
                raise ValueError("user bug")
    assert tree(spanscope_traces.single()) == [
        partial_span(STREAM, REQUEST, untraced_reply(**REQUEST))
    ]

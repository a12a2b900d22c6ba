"""Chat streams: the SDK's own stream object, assembled output, and every way a stream ends."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from typing import Any

import pytest

import spanscope
from spanscope.testing import TraceCapture
from tests.openai.helpers import (
    ANSWER,
    QUESTION,
    USER,
    WEATHER_ARGUMENTS,
    WEATHER_DEFINITION,
    WEATHER_TOOL,
    error_of,
    request,
    response,
    text,
    tool_call,
    tree,
    trees,
    usage,
)

openai = pytest.importorskip("openai")

CREATED = 1_767_225_600
WITH_USAGE = {"stream": True, "stream_options": {"include_usage": True}}


def assembled(message: dict[str, Any], finish: str | None, usage_json: Any) -> dict[str, Any]:
    """The chat completion a stream adds up to, as recorded in the span outputs."""
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": CREATED,
        "model": "gpt-x",
        "system_fingerprint": "fp_fake",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": usage_json,
    }


def stream_span(
    inputs: dict[str, Any],
    outputs: Any,
    chunks: int,
    attributes: dict[str, Any],
    error: BaseException | None = None,
) -> dict[str, Any]:
    span: dict[str, Any] = {
        "name": "openai.chat.completions.create",
        "span_type": "CHAT_MODEL",
        "status": "OK" if error is None else "ERROR",
    }
    if error is not None:
        span["error"] = error_of(error)
    return {
        **span,
        "inputs": inputs,
        "outputs": outputs,
        "events": ["stream.chunk"] * chunks + (["exception"] if error else []),
        "attributes": {
            **request(),
            "gen_ai.input.messages": [text("user", QUESTION)],
            **attributes,
        },
        "children": [],
    }


def full_answer_span(usage_json: Any, chunks: int = 11) -> dict[str, Any]:
    return stream_span(
        {"model": "gpt-x", "messages": USER, **WITH_USAGE},
        assembled({"role": "assistant", "content": ANSWER}, "stop", usage_json),
        chunks,
        {
            "spanscope.span.time_to_first_token_ns": "<ns>",
            "gen_ai.output.messages": [text("assistant", ANSWER, "stop")],
            "gen_ai.response.finish_reasons": ["stop"],
            **usage(6, 8),
            **response("chatcmpl-fake"),
        },
    )


def partial_span(chunks: int, error: BaseException | None = None) -> dict[str, Any]:
    """A stream that stopped after `chunks` chunks: the role chunk, then one word each."""
    words = ANSWER.split(" ")[: chunks - 1]
    content = " ".join(words) or None
    return stream_span(
        {"model": "gpt-x", "messages": USER, "stream": True},
        assembled({"role": "assistant", "content": content}, None, None),
        chunks,
        {
            "spanscope.span.time_to_first_token_ns": "<ns>",
            "gen_ai.output.messages": [
                {"role": "assistant", "parts": [{"type": "text", "content": content}]}
                if content
                else {"role": "assistant", "parts": []}
            ],
            **response("chatcmpl-fake"),
        },
        error,
    )


def test_stream_is_the_sdk_stream_and_one_span(client: Any, spanscope_traces: TraceCapture) -> None:
    stream = client.chat.completions.create(model="gpt-x", messages=USER, **WITH_USAGE)
    assert isinstance(stream, openai.Stream)
    with stream:
        chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == ANSWER
    assert len(chunks) == 11
    assert tree(spanscope_traces) == [full_answer_span(chunks[-1].usage.model_dump(mode="json"))]


async def test_async_stream(aclient: Any, spanscope_traces: TraceCapture) -> None:
    stream = await aclient.chat.completions.create(model="gpt-x", messages=USER, **WITH_USAGE)
    assert isinstance(stream, openai.AsyncStream)
    async with stream:
        chunks = [chunk async for chunk in stream]
    assert tree(spanscope_traces) == [full_answer_span(chunks[-1].usage.model_dump(mode="json"))]


def test_stream_without_usage_chunk(client: Any, spanscope_traces: TraceCapture) -> None:
    chunks = list(client.chat.completions.create(model="gpt-x", messages=USER, stream=True))
    assert len(chunks) == 10
    assert tree(spanscope_traces) == [
        stream_span(
            {"model": "gpt-x", "messages": USER, "stream": True},
            assembled({"role": "assistant", "content": ANSWER}, "stop", None),
            10,
            {
                "spanscope.span.time_to_first_token_ns": "<ns>",
                "gen_ai.output.messages": [text("assistant", ANSWER, "stop")],
                "gen_ai.response.finish_reasons": ["stop"],
                **response("chatcmpl-fake"),
            },
        )
    ]


def tool_stream_span(chunks: list[Any]) -> dict[str, Any]:
    call = {
        "id": "call_fake_0",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "example", "days": 1}'},
    }
    return stream_span(
        {"model": "gpt-x", "messages": USER, "tools": [WEATHER_TOOL], **WITH_USAGE},
        assembled(
            {"role": "assistant", "content": None, "tool_calls": [call]},
            "tool_calls",
            chunks[-1].usage.model_dump(mode="json"),
        ),
        len(chunks),
        {
            "gen_ai.tool.definitions": [WEATHER_DEFINITION],
            "spanscope.span.time_to_first_token_ns": "<ns>",
            "gen_ai.output.messages": [tool_call("call_fake_0")],
            "gen_ai.response.finish_reasons": ["tool_calls"],
            **usage(6, 4),
            **response("chatcmpl-fake"),
        },
    )


def test_streamed_tool_call_is_assembled(client: Any, spanscope_traces: TraceCapture) -> None:
    chunks = list(
        client.chat.completions.create(
            model="gpt-x", messages=USER, tools=[WEATHER_TOOL], **WITH_USAGE
        )
    )
    assert len(chunks) > 4  # the arguments arrive in pieces
    assert tree(spanscope_traces) == [tool_stream_span(chunks)]
    (span,) = spanscope_traces.single().data.spans
    assert span.get_attribute("gen_ai.output.messages")[0]["parts"][0]["arguments"] == (
        WEATHER_ARGUMENTS
    )


async def test_async_streamed_tool_call(aclient: Any, spanscope_traces: TraceCapture) -> None:
    stream = await aclient.chat.completions.create(
        model="gpt-x", messages=USER, tools=[WEATHER_TOOL], **WITH_USAGE
    )
    chunks = [chunk async for chunk in stream]
    assert tree(spanscope_traces) == [tool_stream_span(chunks)]


def broken_span(exc: BaseException) -> dict[str, Any]:
    span = partial_span(2, exc)
    span["inputs"]["model"] = span["outputs"]["model"] = "error-stream"
    span["attributes"]["gen_ai.request.model"] = "error-stream"
    span["attributes"]["gen_ai.response.model"] = "error-stream"
    return span


def test_stream_broken_by_the_provider(client: Any, spanscope_traces: TraceCapture) -> None:
    stream = client.chat.completions.create(model="error-stream", messages=USER, stream=True)
    received = []
    with pytest.raises(openai.APIError, match="The stream broke") as caught:
        for chunk in stream:
            received.append(chunk)
    assert len(received) == 2
    assert tree(spanscope_traces) == [broken_span(caught.value)]


async def test_async_stream_broken_by_the_provider(
    aclient: Any, spanscope_traces: TraceCapture
) -> None:
    stream = await aclient.chat.completions.create(model="error-stream", messages=USER, stream=True)
    with pytest.raises(openai.APIError, match="The stream broke") as caught:
        async for _ in stream:
            pass
    assert tree(spanscope_traces) == [broken_span(caught.value)]


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize(
    ("status", "error"),
    [(400, "BadRequestError"), (429, "RateLimitError"), (500, "InternalServerError")],
)
async def test_stream_refused_at_the_start(
    client: Any,
    aclient: Any,
    spanscope_traces: TraceCapture,
    is_async: bool,
    status: int,
    error: str,
) -> None:
    model = f"error-{status}"
    with pytest.raises(getattr(openai, error)) as caught:
        if is_async:
            await aclient.chat.completions.create(model=model, messages=USER, stream=True)
        else:
            client.chat.completions.create(model=model, messages=USER, stream=True)
    assert tree(spanscope_traces) == [
        {
            "name": "openai.chat.completions.create",
            "span_type": "CHAT_MODEL",
            "status": "ERROR",
            "error": error_of(caught.value),
            "inputs": {"model": model, "messages": USER, "stream": True},
            "outputs": None,
            "events": ["exception"],
            "attributes": {
                **request(model=model),
                "gen_ai.input.messages": [text("user", QUESTION)],
            },
            "children": [],
        }
    ]


def test_abandoned_stream_ends_when_collected(client: Any, spanscope_traces: TraceCapture) -> None:
    stream = client.chat.completions.create(model="gpt-x", messages=USER, stream=True)
    next(stream)
    next(stream)
    del stream
    gc.collect()
    assert tree(spanscope_traces) == [partial_span(2)]


async def settle(done: Callable[[], bool]) -> None:
    """Let the event loop run the async-generator finalizers it was handed."""
    for _ in range(50):
        if done():
            return
        await asyncio.sleep(0.01)


async def test_async_abandoned_stream_ends_when_collected(
    aclient: Any, spanscope_traces: TraceCapture
) -> None:
    stream = await aclient.chat.completions.create(model="gpt-x", messages=USER, stream=True)
    await stream.__anext__()
    await stream.__anext__()
    del stream
    gc.collect()
    await settle(lambda: bool(spanscope_traces.traces))
    assert tree(spanscope_traces) == [partial_span(2)]


def never_read_span() -> dict[str, Any]:
    return stream_span({"model": "gpt-x", "messages": USER, "stream": True}, None, 0, {})


def test_stream_never_read_ends_when_collected(client: Any, spanscope_traces: TraceCapture) -> None:
    stream = client.chat.completions.create(model="gpt-x", messages=USER, stream=True)
    stream.response.close()  # the SDK leaves an unread response to the caller
    del stream
    gc.collect()
    assert tree(spanscope_traces) == [never_read_span()]


async def test_async_stream_never_read_ends_when_closed_or_collected(
    aclient: Any, spanscope_traces: TraceCapture
) -> None:
    closed = await aclient.chat.completions.create(model="gpt-x", messages=USER, stream=True)
    await closed.close()
    assert len(spanscope_traces.traces) == 1
    dropped = await aclient.chat.completions.create(model="gpt-x", messages=USER, stream=True)
    await dropped.response.aclose()
    del dropped
    gc.collect()
    assert trees(spanscope_traces) == [[never_read_span()], [never_read_span()]]


def test_close_ends_the_span_at_once(client: Any, spanscope_traces: TraceCapture) -> None:
    with client.chat.completions.create(model="gpt-x", messages=USER, stream=True) as stream:
        for _ in zip(range(2), stream, strict=False):
            pass
    assert stream.response.is_closed
    assert tree(spanscope_traces) == [partial_span(2)]


async def test_async_close_ends_the_span_at_once(
    aclient: Any, spanscope_traces: TraceCapture
) -> None:
    stream = await aclient.chat.completions.create(model="gpt-x", messages=USER, stream=True)
    await stream.__anext__()
    await stream.__anext__()
    await stream.close()
    assert tree(spanscope_traces) == [partial_span(2)]


def test_exception_in_the_users_loop_ends_the_span(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    def consume() -> None:
        for chunk in client.chat.completions.create(model="gpt-x", messages=USER, stream=True):
            if chunk.choices[0].delta.content:
                raise ValueError("the user's own bug")

    with pytest.raises(ValueError, match="the user's own bug"):
        consume()
    gc.collect()
    # The user's error is not the provider's: the span ends OK with the chunks that came.
    assert tree(spanscope_traces) == [partial_span(2)]


def test_exception_inside_with_ends_the_span(client: Any, spanscope_traces: TraceCapture) -> None:
    with pytest.raises(ValueError, match="bug"):
        with client.chat.completions.create(model="gpt-x", messages=USER, stream=True) as s:
            for chunk in s:
                if chunk.choices[0].delta.content:
                    raise ValueError("bug")
    assert tree(spanscope_traces) == [partial_span(2)]


def helper_span(events: int, outputs: Any) -> dict[str, Any]:
    return {
        "name": "openai.chat.completions.create",
        "span_type": "CHAT_MODEL",
        "status": "OK",
        "inputs": {"model": "gpt-x", "messages": USER, "stream": True},
        "outputs": outputs,
        "events": ["stream.chunk"] * events,
        "attributes": {
            **request(),
            "gen_ai.input.messages": [text("user", QUESTION)],
            "spanscope.span.time_to_first_token_ns": "<ns>",
            "gen_ai.output.messages": [text("assistant", ANSWER, "stop")],
            "gen_ai.response.finish_reasons": ["stop"],
            **response("chatcmpl-fake"),
        },
        "children": [],
    }


def test_stream_helper_gives_one_span(client: Any, spanscope_traces: TraceCapture) -> None:
    with spanscope.start_span("app") as app:
        with client.chat.completions.stream(model="gpt-x", messages=USER) as stream:
            kinds = {event.type for event in stream}
            final = stream.get_final_completion()
        app.set_outputs(final.choices[0].message.content)
    assert {"content.delta", "content.done"} <= kinds
    (root,) = tree(spanscope_traces)
    assert (root["name"], root["outputs"]) == ("app", ANSWER)
    expected = assembled({"role": "assistant", "content": ANSWER}, "stop", None)
    assert root["children"] == [helper_span(10, expected)]


async def test_async_stream_helper_gives_one_span(
    aclient: Any, spanscope_traces: TraceCapture
) -> None:
    async with aclient.chat.completions.stream(model="gpt-x", messages=USER) as stream:
        final = await stream.get_final_completion()
    assert final.choices[0].message.content == ANSWER
    expected = assembled({"role": "assistant", "content": ANSWER}, "stop", None)
    assert tree(spanscope_traces) == [helper_span(10, expected)]


def test_raw_response_stream(client: Any, spanscope_traces: TraceCapture) -> None:
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-x", messages=USER, **WITH_USAGE
    )
    stream = raw.parse()
    assert stream is raw.parse() and isinstance(stream, openai.Stream)
    chunks = list(stream)
    assert tree(spanscope_traces) == [full_answer_span(chunks[-1].usage.model_dump(mode="json"))]

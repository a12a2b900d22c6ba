"""generate_content_stream, sync and async: read to the end, dropped, closed, failing."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.genai_expect import (
    ANSWER,
    QUESTION,
    WEATHER_DEFINITION,
    WEATHER_SCHEMA,
    chat_span,
    error_text,
    text,
    tree,
    usage,
    user,
)
from tests.google_genai.expect import (
    ANSWER_CHUNKS,
    MODEL,
    STREAM,
    chat_attributes,
    streamed,
    tool_call,
)

genai = pytest.importorskip("google.genai")
types = genai.types

INPUTS = {"model": MODEL, "contents": QUESTION}


def whole_tree() -> list[Any]:
    return [
        chat_span(
            STREAM,
            inputs=INPUTS,
            outputs=streamed(ANSWER, 6, 8),
            chunks=ANSWER_CHUNKS,
            attributes=chat_attributes(
                inputs=[user()],
                outputs=[text(ANSWER)],
                finish="stop",
                tokens=usage(6, 8),
                streamed=True,
            ),
        )
    ]


def first_chunk_tree(error: str | None = None) -> list[Any]:
    """The span of a stream that stopped after its first chunk ("You")."""
    return [
        chat_span(
            STREAM,
            inputs=INPUTS,
            outputs=streamed("You", 6, None),
            chunks=1,
            error=error,
            attributes=chat_attributes(
                inputs=[user()],
                outputs=[text("You")],
                tokens=usage(6, None),
                streamed=True,
            ),
        )
    ]


def test_stream(client: Any, spanscope_traces: TraceCapture) -> None:
    chunks = list(client.models.generate_content_stream(**INPUTS))
    assert len(chunks) == ANSWER_CHUNKS
    assert "".join(chunk.text for chunk in chunks) == ANSWER
    assert tree(spanscope_traces.single()) == whole_tree()


async def test_stream_async(aclient: Any, spanscope_traces: TraceCapture) -> None:
    stream = await aclient.models.generate_content_stream(**INPUTS)
    chunks = [chunk async for chunk in stream]
    assert "".join(chunk.text for chunk in chunks) == ANSWER
    assert tree(spanscope_traces.single()) == whole_tree()


def test_a_stream_dropped_halfway_ends_its_span(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    stream = client.models.generate_content_stream(**INPUTS)
    assert next(iter(stream)).text == "You"
    del stream
    gc.collect()
    assert tree(spanscope_traces.single()) == first_chunk_tree()


def test_a_stream_closed_halfway_ends_its_span(client: Any, spanscope_traces: TraceCapture) -> None:
    stream = client.models.generate_content_stream(**INPUTS)
    for chunk in stream:
        assert chunk.text == "You"
        break
    stream.close()
    assert tree(spanscope_traces.single()) == first_chunk_tree()


async def test_an_async_stream_closed_halfway_ends_its_span(
    aclient: Any, spanscope_traces: TraceCapture
) -> None:
    stream = await aclient.models.generate_content_stream(**INPUTS)
    async for chunk in stream:
        assert chunk.text == "You"
        break
    await stream.aclose()
    assert tree(spanscope_traces.single()) == first_chunk_tree()


def test_a_stream_never_read_ends_its_span_without_output(
    client: Any, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    fake_llm.reset()
    stream = client.models.generate_content_stream(**INPUTS)
    del stream
    gc.collect()
    assert fake_llm.requests == []  # the SDK sends the request when the stream is first read
    (node,) = tree(spanscope_traces.single())
    assert (node["status"], node["outputs"], node["events"]) == ("OK", None, [])
    assert node["attributes"] == chat_attributes(inputs=[user()], response=False)


def test_an_error_mid_stream_is_raised_unchanged(
    client: Any, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    fake_llm.fail_next("stream")
    received = []
    with pytest.raises(genai.errors.ServerError) as caught:
        for chunk in client.models.generate_content_stream(**INPUTS):
            received.append(chunk.text)
    assert received == ["You"] and caught.value.code == 503
    assert tree(spanscope_traces.single()) == first_chunk_tree(error_text(caught.value))


async def test_an_error_before_the_first_chunk_async(
    aclient: Any, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    fake_llm.fail_next(500)
    stream = await aclient.models.generate_content_stream(**INPUTS)
    with pytest.raises(genai.errors.ServerError) as caught:
        [chunk async for chunk in stream]
    (node,) = tree(spanscope_traces.single())
    assert (node["status"], node["error"], node["outputs"]) == (
        "ERROR",
        error_text(caught.value),
        None,
    )


def test_a_streamed_function_call(client: Any, spanscope_traces: TraceCapture) -> None:
    weather = types.FunctionDeclaration(
        name="get_weather", description="Current weather", parameters_json_schema=WEATHER_SCHEMA
    )
    config = types.GenerateContentConfig(tools=[types.Tool(function_declarations=[weather])])
    chunks = list(
        client.models.generate_content_stream(model=MODEL, contents=QUESTION, config=config)
    )
    assert [chunk.function_calls[0].name for chunk in chunks] == ["get_weather"]
    (node,) = tree(spanscope_traces.single())
    assert node["events"] == ["stream.chunk"]
    assert node["outputs"]["candidates"] == [
        {
            "content": {
                "role": "model",
                "parts": [{"function_call": {"name": "get_weather", "args": {"city": "example"}}}],
            },
            "finish_reason": "STOP",
            "index": 0,
        }
    ]
    assert node["attributes"] == chat_attributes(
        inputs=[user()],
        tools=[WEATHER_DEFINITION],
        outputs=[tool_call()],
        finish="tool_call",
        tokens=usage(6, 2),
        streamed=True,
    )


def test_thoughts_are_assembled_apart_from_the_answer(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    config = types.GenerateContentConfig(
        thinking_config=types.ThinkingConfig(include_thoughts=True)
    )
    chunks = list(
        client.models.generate_content_stream(model=MODEL, contents=QUESTION, config=config)
    )
    assert [bool(chunk.candidates[0].content.parts[0].thought) for chunk in chunks] == [
        True
    ] * 9 + [False] * 8
    (node,) = tree(spanscope_traces.single())
    thought = f"The user wrote: {QUESTION}"
    assert node["outputs"]["candidates"][0]["content"]["parts"] == [
        {"text": thought, "thought": True},
        {"text": ANSWER},
    ]
    assert node["attributes"] == chat_attributes(
        inputs=[user()],
        outputs=[{"type": "reasoning", "content": thought}, text(ANSWER)],
        finish="stop",
        # Thought tokens count inside the output tokens, and on their own.
        tokens={**usage(6, 17), "gen_ai.usage.reasoning.output_tokens": 9},
        streamed=True,
    )

"""ollama autolog against the fake server: chat, sync and async, streamed or not, tool calls
and errors, as whole span trees."""

from __future__ import annotations

from typing import Any

import pytest

from spanscope.testing import TraceCapture
from tests.ollama.expected import (
    ANSWER,
    MODEL,
    TOOL_CALL,
    TOOL_CALL_PART,
    USER,
    USER_PARTS,
    WEATHER_DEFINITION,
    WEATHER_TOOL,
    chat_span,
    error_span,
    get_weather,
    name_of,
    streamed,
    tree,
)

ollama = pytest.importorskip("ollama")
pytestmark = pytest.mark.usefixtures("traced")


def test_chat_is_one_span_with_the_conversation(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    response = client.chat(model=MODEL, messages=USER)
    assert response.message.content == ANSWER
    assert tree(spanscope_traces.single()) == [
        {
            "name": "ollama.chat",
            "span_type": "CHAT_MODEL",
            "status": "OK",
            "inputs": {"model": "llama-x", "messages": USER},
            "outputs": response.model_dump(mode="json"),
            "events": [],
            "attributes": {
                "gen_ai.provider.name": "ollama",
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "llama-x",
                "gen_ai.input.messages": USER_PARTS,
                "gen_ai.output.messages": [
                    {
                        "role": "assistant",
                        "parts": [{"type": "text", "content": "You said: Name a colour"}],
                        "finish_reason": "stop",
                    }
                ],
                "gen_ai.response.finish_reasons": ["stop"],
                "gen_ai.response.model": "llama-x",
                "gen_ai.usage.input_tokens": 3,
                "gen_ai.usage.output_tokens": 5,
                "ollama.total_duration_ns": 54_000_000,
                "ollama.load_duration_ns": 1_000_000,
                "ollama.prompt_eval_duration_ns": 3_000_000,
                "ollama.eval_duration_ns": 50_000_000,
            },
            "children": [],
        }
    ]
    assert tree(spanscope_traces.single())[0] == chat_span("ollama.chat")


def test_stream_span_matches_the_plain_call(client: Any, spanscope_traces: TraceCapture) -> None:
    parts = list(client.chat(MODEL, USER, stream=True))  # positional arguments are named
    assert "".join(p.message.content for p in parts) == ANSWER
    [trace] = spanscope_traces.traces
    assert tree(trace) == [streamed(chat_span("ollama.chat"), chunks=len(parts))]
    span = trace.data.spans[0]
    assert [e.attributes["index"] for e in span.events] == list(range(6))


async def test_async_chat_and_stream(aclient: Any, spanscope_traces: TraceCapture) -> None:
    response = await aclient.chat(model=MODEL, messages=USER)
    stream = await aclient.chat(model=MODEL, messages=USER, stream=True)
    text = "".join([part.message.content async for part in stream])
    assert (response.message.content, text) == (ANSWER, ANSWER)
    plain, traced_stream = spanscope_traces.traces
    assert tree(plain) == [chat_span("ollama.chat")]
    assert tree(traced_stream) == [streamed(chat_span("ollama.chat"), chunks=6)]


@pytest.mark.parametrize("stream", [False, True])
def test_tool_call_and_tool_result(
    stream: bool, client: Any, spanscope_traces: TraceCapture
) -> None:
    if stream:
        parts = list(client.chat(model=MODEL, messages=USER, tools=[get_weather], stream=True))
        message = parts[0].message
    else:
        message = client.chat(model=MODEL, messages=USER, tools=[get_weather]).message
    assert [c.function.name for c in message.tool_calls] == ["get_weather"]
    tool_result = {"role": "tool", "content": "sunny", "tool_name": "get_weather"}
    follow_up = client.chat(model=MODEL, messages=[*USER, message, tool_result])
    assert follow_up.message.content == "The tool returned: sunny"

    call, result = spanscope_traces.traces
    tool_span = chat_span(
        "ollama.chat",
        inputs={"model": MODEL, "messages": USER, "tools": [WEATHER_TOOL]},
        reply={"content": "", "tool_calls": [TOOL_CALL]},
        reply_parts=[TOOL_CALL_PART],
        usage=(3, 2),
        extra={"gen_ai.tool.definitions": [WEATHER_DEFINITION]},
    )
    assert tree(call) == [streamed(tool_span, chunks=2) if stream else tool_span]
    assistant = {"role": "assistant", "content": "", "tool_calls": [TOOL_CALL]}
    assert tree(result) == [
        chat_span(
            "ollama.chat",
            inputs={
                "model": MODEL,
                "messages": [
                    *USER,
                    {**dict.fromkeys(["thinking", "images", "tool_name"]), **assistant},
                    tool_result,
                ],
            },
            input_messages=[
                *USER_PARTS,
                {"role": "assistant", "parts": [TOOL_CALL_PART]},
                {
                    "role": "tool",
                    "parts": [
                        {
                            "type": "tool_call_response",
                            "id": None,
                            "response": "sunny",
                            "name": "get_weather",
                        }
                    ],
                },
            ],
            reply={"content": "The tool returned: sunny"},
            reply_parts=[{"type": "text", "content": "The tool returned: sunny"}],
            usage=(4, 4),
        )
    ]


async def test_provider_errors_are_recorded_and_reraised_unchanged(
    client: Any, aclient: Any, spanscope_traces: TraceCapture
) -> None:
    with pytest.raises(ollama.ResponseError) as plain:
        client.chat(model="error-500", messages=USER)
    with pytest.raises(ollama.ResponseError) as in_stream:
        list(client.chat(model="error-429", messages=USER, stream=True))
    with pytest.raises(ollama.ResponseError) as in_async:
        await aclient.chat(model="error-400", messages=USER)
    assert (plain.value.status_code, in_stream.value.status_code) == (500, 429)
    assert in_async.value.status_code == 400
    assert type(plain.value) is ollama.ResponseError
    messages = [str(e.value) for e in (plain, in_stream, in_async)]
    assert [tree(trace) for trace in spanscope_traces.traces] == [
        [error_span("ollama.chat", {"model": "error-500", "messages": USER}, name_of(messages[0]))],
        [
            error_span(
                "ollama.chat",
                {"model": "error-429", "messages": USER, "stream": True},
                name_of(messages[1]),
            )
        ],
        [error_span("ollama.chat", {"model": "error-400", "messages": USER}, name_of(messages[2]))],
    ]
    event = spanscope_traces.traces[0].data.spans[0].events[0]
    assert event.attributes["exception.type"] == "ResponseError"


def test_stream_breaking_midway_keeps_what_came(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    received = []
    with pytest.raises(ollama.ResponseError, match="stream broke") as caught:
        for part in client.chat(model="error-stream", messages=USER, stream=True):
            received.append(part)
    assert [p.message.content for p in received] == ["You"]
    [span] = tree(spanscope_traces.single())
    assert span["status"] == "ERROR" and span["error"] == name_of(str(caught.value))
    assert span["events"] == ["stream.chunk", "exception"]
    assert span["outputs"] == received[0].model_dump(mode="json")
    assert span["attributes"]["gen_ai.output.messages"] == [
        {"role": "assistant", "parts": [{"type": "text", "content": "You"}]}
    ]


async def test_async_stream_error_and_tool_call(
    aclient: Any, spanscope_traces: TraceCapture
) -> None:
    stream = await aclient.chat(model="error-500", messages=USER, stream=True)
    with pytest.raises(ollama.ResponseError) as caught:
        [part async for part in stream]  # the HTTP error arrives with the first part
    parts = await aclient.chat(model=MODEL, messages=USER, tools=[get_weather], stream=True)
    assert [c.function.name async for p in parts for c in p.message.tool_calls or []] == [
        "get_weather"
    ]
    failed, tool_call = (tree(trace) for trace in spanscope_traces.traces)
    assert failed == [
        error_span(
            "ollama.chat",
            {"model": "error-500", "messages": USER, "stream": True},
            name_of(str(caught.value)),
        )
    ]
    expected = chat_span(
        "ollama.chat",
        inputs={"model": MODEL, "messages": USER, "tools": [WEATHER_TOOL]},
        reply={"content": "", "tool_calls": [TOOL_CALL]},
        reply_parts=[TOOL_CALL_PART],
        usage=(3, 2),
        extra={"gen_ai.tool.definitions": [WEATHER_DEFINITION]},
    )
    assert tool_call == [streamed(expected, chunks=2)]

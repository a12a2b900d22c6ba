"""chat.completions.create, sync and async, streamed or not: one CHAT_MODEL span per call,
the whole chat in the GenAI shape; a tool call round trip; errors re-raised unchanged."""

from __future__ import annotations

import gc
import json
from typing import Any

import pytest

import spanscope
from spanscope.constants import SpanAttributeKey as K
from spanscope.testing import TraceCapture, span_tree
from spanscope.testing.fake_llm import FakeLLMServer
from spanscope.tracing.streaming import CHUNK_EVENT
from tests.groq.conftest import (
    ANSWER,
    CREATE,
    MODEL,
    QUESTION,
    USER,
    WEATHER,
    make_async_client,
)

groq = pytest.importorskip("groq")

USAGE = {K.GEN_AI_INPUT_TOKENS: 6, K.GEN_AI_OUTPUT_TOKENS: 8}
DETAILS = {K.GEN_AI_CACHE_READ_TOKENS: 0, K.GEN_AI_REASONING_TOKENS: 0}
CHUNKS = 10  # the role chunk, one per word, the finish chunk (with x_groq usage)


def text(content: Any) -> dict[str, Any]:
    return {"type": "text", "content": content}


def attributes(
    outputs: list[dict[str, Any]], finish: str, streamed: bool = False, **extra: Any
) -> dict[str, Any]:
    expected: dict[str, Any] = {
        K.GEN_AI_PROVIDER: "groq",
        K.GEN_AI_OPERATION: "chat",
        K.GEN_AI_REQUEST_MODEL: MODEL,
        K.GEN_AI_INPUT_MESSAGES: [{"role": "user", "parts": [text(QUESTION)]}],
        K.GEN_AI_OUTPUT_MESSAGES: [
            {"role": "assistant", "parts": outputs, "finish_reason": finish}
        ],
        K.GEN_AI_FINISH_REASONS: [finish],
        K.GEN_AI_RESPONSE_MODEL: MODEL,
        K.GEN_AI_RESPONSE_ID: "chatcmpl-fake",
        **USAGE,
        **DETAILS,
        **extra,
    }
    if streamed:
        expected[K.TIME_TO_FIRST_TOKEN_NS] = "<ttft>"
    return expected


def tree(capture: TraceCapture) -> list[dict[str, Any]]:
    nodes = span_tree(capture.single(), attributes=True)
    for node in nodes:
        if K.TIME_TO_FIRST_TOKEN_NS in node["attributes"]:
            node["attributes"][K.TIME_TO_FIRST_TOKEN_NS] = "<ttft>"
    return nodes


def chat_span(
    outputs: Any, attrs: dict[str, Any], chunks: int = 0, **inputs: Any
) -> dict[str, Any]:
    return {
        "name": CREATE,
        "span_type": "CHAT_MODEL",
        "status": "OK",
        "inputs": {"model": MODEL, "messages": USER, **inputs},
        "outputs": outputs,
        "events": [CHUNK_EVENT] * chunks,
        "attributes": attrs,
        "children": [],
    }


def test_create_under_a_user_span(client: Any, spanscope_traces: TraceCapture) -> None:
    @spanscope.trace(span_type="AGENT")
    def ask() -> Any:
        return client.chat.completions.create(model=MODEL, messages=USER, temperature=0.2)

    response = ask()
    assert response.choices[0].message.content == ANSWER
    (root,) = tree(spanscope_traces)
    assert (root["name"], root["span_type"]) == ("ask", "AGENT")
    assert root["children"] == [
        chat_span(
            response.model_dump(mode="json"),
            attributes([text(ANSWER)], "stop"),
            temperature=0.2,
        )
    ]


async def test_create_async(
    fake_llm: FakeLLMServer, traced: None, spanscope_traces: TraceCapture
) -> None:
    async with make_async_client(fake_llm) as client:
        response = await client.chat.completions.create(model=MODEL, messages=USER)
    assert tree(spanscope_traces) == [
        chat_span(response.model_dump(mode="json"), attributes([text(ANSWER)], "stop"))
    ]


def assembled(content: str | None, finish: str | None, usage: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "model": MODEL,
        "created": 1767225600,
        "system_fingerprint": "fp_fake",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish,
            }
        ],
        "usage": usage,
    }


def test_stream_usage_from_x_groq(client: Any, spanscope_traces: TraceCapture) -> None:
    stream = client.chat.completions.create(model=MODEL, messages=USER, stream=True)
    assert isinstance(stream, groq.Stream)  # the SDK's own object
    with stream:
        chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == ANSWER
    usage = chunks[-1].x_groq.usage.model_dump(mode="json")
    assert tree(spanscope_traces) == [
        chat_span(
            assembled(ANSWER, "stop", usage),
            attributes([text(ANSWER)], "stop", streamed=True),
            chunks=CHUNKS,
            stream=True,
        )
    ]


async def test_stream_async(
    fake_llm: FakeLLMServer, traced: None, spanscope_traces: TraceCapture
) -> None:
    async with make_async_client(fake_llm) as client:
        stream = await client.chat.completions.create(model=MODEL, messages=USER, stream=True)
        assert isinstance(stream, groq.AsyncStream)
        async with stream:
            pieces = [c.choices[0].delta.content or "" async for c in stream]
    assert "".join(pieces) == ANSWER
    (node,) = tree(spanscope_traces)
    assert node["events"] == [CHUNK_EVENT] * CHUNKS
    assert node["outputs"]["choices"][0]["message"]["content"] == ANSWER
    assert node["attributes"] == attributes([text(ANSWER)], "stop", streamed=True)


def test_a_stream_dropped_half_way_ends_its_span(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    stream = client.chat.completions.create(model=MODEL, messages=USER, stream=True)
    first = next(stream)
    assert first.choices[0].delta.role == "assistant"
    del stream, first
    gc.collect()
    (node,) = tree(spanscope_traces)
    assert (node["status"], node["events"]) == ("OK", [CHUNK_EVENT])
    assert node["outputs"] == assembled(None, None, None)
    assert K.GEN_AI_INPUT_TOKENS not in node["attributes"]


def test_a_tool_call_round_trip(client: Any, spanscope_traces: TraceCapture) -> None:
    @spanscope.trace(span_type="TOOL")
    def get_weather(city: str) -> str:
        return f"Sunny in {city}"

    @spanscope.trace(span_type="AGENT")
    def agent() -> str:
        first = client.chat.completions.create(
            model=MODEL, messages=USER, tools=[WEATHER], tool_choice="required", stream=True
        )
        calls: dict[str, Any] = {"id": None, "name": None, "arguments": ""}
        for chunk in first:
            for delta in chunk.choices[0].delta.tool_calls or []:
                calls["id"] = delta.id or calls["id"]
                calls["name"] = delta.function.name or calls["name"]
                calls["arguments"] += delta.function.arguments or ""
        result = get_weather(**json.loads(calls["arguments"]))
        call_message = {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": calls["id"],
                    "type": "function",
                    "function": {"name": calls["name"], "arguments": calls["arguments"]},
                }
            ],
        }
        tool_message = {"role": "tool", "tool_call_id": calls["id"], "content": result}
        second = client.chat.completions.create(
            model=MODEL, messages=[*USER, call_message, tool_message], tools=[WEATHER]
        )
        return str(second.choices[0].message.content)

    assert agent() == "The tool returned: Sunny in example"
    (root,) = tree(spanscope_traces)
    first, tool, second = root["children"]
    assert [first["name"], tool["name"], second["name"]] == [CREATE, "get_weather", CREATE]
    call_part = {
        "type": "tool_call",
        "id": "call_fake_0",
        "name": "get_weather",
        "arguments": {"city": "example"},
    }
    assert first["attributes"][K.GEN_AI_OUTPUT_MESSAGES] == [
        {"role": "assistant", "parts": [call_part], "finish_reason": "tool_calls"}
    ]
    assert first["attributes"][K.GEN_AI_TOOL_DEFINITIONS] == [
        {
            "type": "function",
            "name": "get_weather",
            "description": "Current weather",
            "parameters": WEATHER["function"]["parameters"],
        }
    ]
    assert second["attributes"][K.GEN_AI_INPUT_MESSAGES][1:] == [
        {"role": "assistant", "parts": [call_part]},
        {
            "role": "tool",
            "parts": [
                {"type": "tool_call_response", "id": "call_fake_0", "response": "Sunny in example"}
            ],
        },
    ]


def test_a_provider_error_is_reraised_unchanged_and_recorded(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    with pytest.raises(groq.RateLimitError) as raised:
        client.chat.completions.create(model="error-429", messages=USER)
    (node,) = tree(spanscope_traces)
    assert (node["name"], node["status"], node["events"]) == (CREATE, "ERROR", ["exception"])
    assert node["error"] == f"RateLimitError: {raised.value}"
    assert node["outputs"] is None


def test_a_stream_breaking_midway_is_recorded(client: Any, spanscope_traces: TraceCapture) -> None:
    stream = client.chat.completions.create(model="error-stream", messages=USER, stream=True)
    with pytest.raises(groq.APIError) as raised:
        for _ in stream:
            pass
    (node,) = tree(spanscope_traces)
    assert node["status"] == "ERROR" and node["events"][-1] == "exception"
    assert node["error"] == f"APIError: {raised.value}"

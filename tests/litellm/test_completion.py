"""litellm autolog against the fake server: completions, sync and async, streamed or not
(the CustomStreamWrapper kept), tool calls and provider errors, as whole span trees."""

from __future__ import annotations

import os
from typing import Any

import pytest

import spanscope
from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.litellm.expected import (
    ANSWER,
    LITELLM_WARNINGS,
    TOOL,
    TOOL_CALL_PART,
    TOOL_DEFINITION,
    USER,
    USER_PARTS,
    chat_attributes,
    error_tree,
    openai_inputs,
    rebuilt,
    streamed_usage,
    tree,
)

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
litellm = pytest.importorskip("litellm")
pytestmark = [*LITELLM_WARNINGS, pytest.mark.usefixtures("traced")]


def test_completion_is_one_span_with_the_conversation(
    openai_options: dict[str, Any], fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    response = litellm.completion(model="openai/gpt-x", messages=USER, **openai_options)
    assert response.choices[0].message.content == ANSWER
    assert tree(spanscope_traces.single()) == [
        {
            "name": "litellm.completion",
            "span_type": "CHAT_MODEL",
            "status": "OK",
            "inputs": {
                "model": "openai/gpt-x",
                "messages": USER,
                "api_base": fake_llm.openai_base_url,
                "api_key": "***",  # credentials never reach a trace
                "max_retries": 0,
            },
            "outputs": response.model_dump(mode="json"),
            "events": [],
            "attributes": {
                "gen_ai.provider.name": "openai",
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "gpt-x",
                "gen_ai.input.messages": USER_PARTS,
                "gen_ai.output.messages": [
                    {
                        "role": "assistant",
                        "parts": [{"type": "text", "content": "You said: Hello litellm"}],
                        "finish_reason": "stop",
                    }
                ],
                "gen_ai.response.finish_reasons": ["stop"],
                "gen_ai.response.model": "gpt-x",
                "gen_ai.response.id": "chatcmpl-fake",
                "gen_ai.usage.input_tokens": 2,
                "gen_ai.usage.output_tokens": 4,
            },
            "children": [],
        }
    ]
    assert response.model_dump(mode="json")["created"] == 1_767_225_600


def test_stream_keeps_the_wrapper_and_rebuilds_the_response(
    openai_options: dict[str, Any], fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    options = {"stream": True, "stream_options": {"include_usage": True}}
    stream = litellm.completion(model="openai/gpt-x", messages=USER, **options, **openai_options)
    assert isinstance(stream, litellm.CustomStreamWrapper)
    assert iter(stream) is stream and stream.custom_llm_provider == "openai"
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == ANSWER
    assert tree(spanscope_traces.single()) == [
        {
            "name": "litellm.completion",
            "span_type": "CHAT_MODEL",
            "status": "OK",
            "inputs": openai_inputs(fake_llm.openai_base_url, **options),
            "outputs": rebuilt({"content": ANSWER}, "stop", streamed_usage()),
            "events": ["stream.chunk"] * len(chunks),
            "attributes": chat_attributes(),
            "children": [],
        }
    ]
    assert len(chunks) == 7  # role, 4 pieces, finish, usage


async def test_async_completion_and_stream(
    openai_options: dict[str, Any], fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    response = await litellm.acompletion(model="openai/gpt-x", messages=USER, **openai_options)
    stream = await litellm.acompletion(
        model="openai/gpt-x", messages=USER, stream=True, **openai_options
    )
    assert isinstance(stream, litellm.CustomStreamWrapper)
    chunks = [chunk async for chunk in stream]
    assert response.choices[0].message.content == ANSWER
    plain, streamed = (tree(trace) for trace in spanscope_traces.traces)
    assert plain == [
        {
            "name": "litellm.acompletion",
            "span_type": "CHAT_MODEL",
            "status": "OK",
            "inputs": openai_inputs(fake_llm.openai_base_url),
            "outputs": response.model_dump(mode="json"),
            "events": [],
            "attributes": chat_attributes(),
            "children": [],
        }
    ]
    assert streamed == [
        {
            **plain[0],
            "inputs": openai_inputs(fake_llm.openai_base_url, stream=True),
            # No usage asked for, none reported: litellm's estimate is left out.
            "outputs": rebuilt({"content": ANSWER}, "stop"),
            "events": ["stream.chunk"] * len(chunks),
            "attributes": chat_attributes(usage=None),
        }
    ]


async def test_sync_entry_point_returning_a_coroutine(
    openai_options: dict[str, Any], spanscope_traces: TraceCapture
) -> None:
    with spanscope.start_span("agent"):
        pending = litellm.completion(
            model="openai/gpt-x", messages=USER, acompletion=True, **openai_options
        )
        response = await pending  # the span ends when awaited, not when created
    assert response.choices[0].message.content == ANSWER
    [root] = tree(spanscope_traces.single())
    [span] = root["children"]
    assert span["name"] == "litellm.completion" and span["children"] == []
    assert span["inputs"]["acompletion"] is True
    assert span["outputs"] == response.model_dump(mode="json")
    assert span["attributes"] == chat_attributes()


@pytest.mark.parametrize("stream", [False, True])
def test_tool_calls(
    stream: bool,
    openai_options: dict[str, Any],
    fake_llm: FakeLLMServer,
    spanscope_traces: TraceCapture,
) -> None:
    result = litellm.completion(
        model="openai/gpt-x", messages=USER, tools=[TOOL], stream=stream, **openai_options
    )
    chunks = list(result) if stream else []
    [span] = tree(spanscope_traces.single())
    call = {
        "function": {"arguments": '{"q": "example"}', "name": "lookup"},
        "id": "call_fake_0",
        "type": "function",
    }
    assert span == {
        "name": "litellm.completion",
        "span_type": "CHAT_MODEL",
        "status": "OK",
        "inputs": openai_inputs(fake_llm.openai_base_url, tools=[TOOL], stream=stream),
        "outputs": (
            rebuilt({"tool_calls": [call]}, "tool_calls")
            if stream
            else result.model_dump(mode="json")
        ),
        "events": ["stream.chunk"] * len(chunks),
        "attributes": chat_attributes(
            reply_parts=[TOOL_CALL_PART],
            reason="tool_calls",
            usage=None if stream else (2, 2),
            **{"gen_ai.tool.definitions": [TOOL_DEFINITION]},
        ),
        "children": [],
    }


async def test_provider_errors_are_recorded_and_reraised_unchanged(
    openai_options: dict[str, Any], fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    with pytest.raises(litellm.RateLimitError) as limited:
        litellm.completion(model="openai/error-429", messages=USER, **openai_options)
    with pytest.raises(litellm.InternalServerError) as failed:
        litellm.completion(model="openai/error-500", messages=USER, stream=True, **openai_options)
    with pytest.raises(litellm.BadRequestError) as bad:
        await litellm.acompletion(model="openai/error-400", messages=USER, **openai_options)
    base = fake_llm.openai_base_url
    assert [tree(trace) for trace in spanscope_traces.traces] == [
        error_tree(
            "litellm.completion",
            {**openai_inputs(base), "model": "openai/error-429"},
            limited.value,
        ),
        error_tree(
            "litellm.completion",
            {**openai_inputs(base, stream=True), "model": "openai/error-500"},
            failed.value,
        ),
        error_tree(
            "litellm.acompletion", {**openai_inputs(base), "model": "openai/error-400"}, bad.value
        ),
    ]


def test_stream_breaking_midway(
    openai_options: dict[str, Any], spanscope_traces: TraceCapture
) -> None:
    received = []
    with pytest.raises(litellm.exceptions.MidStreamFallbackError) as caught:
        for chunk in litellm.completion(
            model="openai/error-stream", messages=USER, stream=True, **openai_options
        ):
            received.append(chunk)
    [span] = tree(spanscope_traces.single())
    assert (span["status"], span["error"]) == ("ERROR", f"MidStreamFallbackError: {caught.value}")
    assert span["events"] == ["stream.chunk"] * len(received) + ["exception"]
    # What came is kept; no finish reason was sent, so none is made up.
    assert span["attributes"]["gen_ai.output.messages"] == [
        {"role": "assistant", "parts": [{"type": "text", "content": "You"}]}
    ]
    assert "gen_ai.response.finish_reasons" not in span["attributes"]
    assert span["outputs"]["choices"][0]["finish_reason"] is None


async def test_async_stream_errors_and_tool_call(
    openai_options: dict[str, Any], fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    with pytest.raises(litellm.InternalServerError) as refused:
        await litellm.acompletion(
            model="openai/error-500", messages=USER, stream=True, **openai_options
        )
    broken = await litellm.acompletion(
        model="openai/error-stream", messages=USER, stream=True, **openai_options
    )
    received = []
    with pytest.raises(litellm.exceptions.MidStreamFallbackError) as midway:
        async for chunk in broken:
            received.append(chunk)
    calls = await litellm.acompletion(
        model="openai/gpt-x", messages=USER, tools=[TOOL], stream=True, **openai_options
    )
    chunks = [chunk async for chunk in calls]
    refused_tree, broken_tree, tool_tree = (tree(trace) for trace in spanscope_traces.traces)
    base = fake_llm.openai_base_url
    assert refused_tree == error_tree(
        "litellm.acompletion",
        {**openai_inputs(base, stream=True), "model": "openai/error-500"},
        refused.value,
    )
    [span] = broken_tree
    assert (span["status"], span["error"]) == ("ERROR", f"MidStreamFallbackError: {midway.value}")
    assert span["events"] == ["stream.chunk"] * len(received) + ["exception"]
    call = {
        "function": {"arguments": '{"q": "example"}', "name": "lookup"},
        "id": "call_fake_0",
        "type": "function",
    }
    assert tool_tree == [
        {
            "name": "litellm.acompletion",
            "span_type": "CHAT_MODEL",
            "status": "OK",
            "inputs": openai_inputs(base, tools=[TOOL], stream=True),
            "outputs": rebuilt({"tool_calls": [call]}, "tool_calls"),
            "events": ["stream.chunk"] * len(chunks),
            "attributes": chat_attributes(
                reply_parts=[TOOL_CALL_PART],
                reason="tool_calls",
                usage=None,
                **{"gen_ai.tool.definitions": [TOOL_DEFINITION]},
            ),
            "children": [],
        }
    ]

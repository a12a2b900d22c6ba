"""Embeddings (EMBEDDING spans) and legacy text completions (LLM spans), sync and async."""

from __future__ import annotations

from typing import Any

import pytest

from spanscope.testing import TraceCapture
from tests.openai.helpers import error_of, request, text, tree, trees, usage

openai = pytest.importorskip("openai")


def embedding_span(result: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "openai.embeddings.create",
        "span_type": "EMBEDDING",
        "status": "OK",
        "inputs": inputs,
        "outputs": result.model_dump(mode="json"),
        "events": [],
        "attributes": {
            **request("embeddings", model="emb"),
            "gen_ai.usage.input_tokens": 3,
            "gen_ai.response.model": "emb",
        },
        "children": [],
    }


def test_embeddings(client: Any, spanscope_traces: TraceCapture) -> None:
    result = client.embeddings.create(model="emb", input=["a b", "c"], dimensions=4)
    assert [len(item.embedding) for item in result.data] == [4, 4]
    inputs = {"model": "emb", "input": ["a b", "c"], "dimensions": 4}
    assert tree(spanscope_traces) == [embedding_span(result, inputs)]
    # The SDK asked for base64 and decoded it: the span holds the numbers the caller got.
    outputs = spanscope_traces.single().data.spans[0].outputs
    assert outputs["data"][0]["embedding"] == result.data[0].embedding


async def test_async_embeddings(aclient: Any, spanscope_traces: TraceCapture) -> None:
    result = await aclient.embeddings.create(model="emb", input="a b c")
    assert tree(spanscope_traces) == [embedding_span(result, {"model": "emb", "input": "a b c"})]


async def test_embedding_errors(client: Any, aclient: Any, spanscope_traces: TraceCapture) -> None:
    with pytest.raises(openai.RateLimitError) as sync_error:
        client.embeddings.create(model="error-429", input="a")
    with pytest.raises(openai.InternalServerError) as async_error:
        await aclient.embeddings.create(model="error-500", input="a")

    def failed(exc: BaseException, model: str) -> list[dict[str, Any]]:
        return [
            {
                "name": "openai.embeddings.create",
                "span_type": "EMBEDDING",
                "status": "ERROR",
                "error": error_of(exc),
                "inputs": {"model": model, "input": "a"},
                "outputs": None,
                "events": ["exception"],
                "attributes": request("embeddings", model=model),
                "children": [],
            }
        ]

    assert trees(spanscope_traces) == [
        failed(sync_error.value, "error-429"),
        failed(async_error.value, "error-500"),
    ]


def completion_span(inputs: dict[str, Any], outputs: Any, **extra: Any) -> dict[str, Any]:
    return {
        "name": "openai.completions.create",
        "span_type": "LLM",
        "status": "OK",
        "inputs": inputs,
        "outputs": outputs,
        "events": [],
        "attributes": {
            **request("text_completion", model="davinci"),
            "gen_ai.input.messages": [text("user", "Say hi")],
            "gen_ai.output.messages": [text("assistant", "You said: Say hi", "stop")],
            "gen_ai.response.finish_reasons": ["stop"],
            **usage(2, 4),
            "gen_ai.response.model": "davinci",
            "gen_ai.response.id": "cmpl-fake",
        },
        "children": [],
        **extra,
    }


def test_legacy_completion(client: Any, spanscope_traces: TraceCapture) -> None:
    result = client.completions.create(model="davinci", prompt="Say hi", max_tokens=5)
    assert result.choices[0].text == "You said: Say hi"
    inputs = {"model": "davinci", "prompt": "Say hi", "max_tokens": 5}
    assert tree(spanscope_traces) == [completion_span(inputs, result.model_dump(mode="json"))]


async def test_async_legacy_completion(aclient: Any, spanscope_traces: TraceCapture) -> None:
    result = await aclient.completions.create(model="davinci", prompt="Say hi")
    inputs = {"model": "davinci", "prompt": "Say hi"}
    assert tree(spanscope_traces) == [completion_span(inputs, result.model_dump(mode="json"))]


def streamed_completion_span(chunks: list[Any]) -> dict[str, Any]:
    prompts = ["Say hi", "yo"]
    span = completion_span(
        {
            "model": "davinci",
            "prompt": prompts,
            "stream": True,
            "stream_options": {"include_usage": True},
        },
        {
            "id": "cmpl-fake",
            "object": "text_completion",
            "created": 1_767_225_600,
            "model": "davinci",
            "system_fingerprint": "fp_fake",
            "choices": [
                {"index": 0, "text": "You said: Say hi", "finish_reason": "stop"},
                {"index": 1, "text": "You said: yo", "finish_reason": "stop"},
            ],
            "usage": chunks[-1].usage.model_dump(mode="json"),
        },
        events=["stream.chunk"] * len(chunks),
    )
    span["attributes"].update(
        {
            "gen_ai.input.messages": [text("user", p) for p in prompts],
            "spanscope.span.time_to_first_token_ns": "<ns>",
            "gen_ai.output.messages": [
                text("assistant", "You said: Say hi", "stop"),
                text("assistant", "You said: yo", "stop"),
            ],
            "gen_ai.response.finish_reasons": ["stop", "stop"],
            **usage(3, 7),
        }
    )
    return span


def test_streamed_legacy_completion_with_two_prompts(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    stream = client.completions.create(
        model="davinci",
        prompt=["Say hi", "yo"],
        stream=True,
        stream_options={"include_usage": True},
    )
    assert isinstance(stream, openai.Stream)
    chunks = list(stream)
    assert tree(spanscope_traces) == [streamed_completion_span(chunks)]


async def test_async_streamed_legacy_completion(
    aclient: Any, spanscope_traces: TraceCapture
) -> None:
    stream = await aclient.completions.create(
        model="davinci",
        prompt=["Say hi", "yo"],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [chunk async for chunk in stream]
    assert tree(spanscope_traces) == [streamed_completion_span(chunks)]


def test_prompt_as_token_ids_has_no_messages(client: Any, spanscope_traces: TraceCapture) -> None:
    client.completions.create(model="davinci", prompt=[1, 2, 3])
    (span,) = tree(spanscope_traces)
    assert "gen_ai.input.messages" not in span["attributes"]
    assert span["attributes"]["gen_ai.output.messages"] == [
        text("assistant", "You said: 1 2 3", "stop")
    ]

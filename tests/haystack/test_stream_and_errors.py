"""A generator streaming to its callback, a provider error, and embedders."""

from __future__ import annotations

import asyncio

import pytest
from haystack import Pipeline
from haystack.components.embedders import OpenAITextEmbedder
from haystack.core.errors import PipelineRuntimeError
from haystack.dataclasses import StreamingChunk
from haystack.utils import Secret
from openai import InternalServerError

import spanscope.haystack
from spanscope.constants import SpanAttributeKey as K
from spanscope.testing import TraceCapture, span_tree
from spanscope.testing.conformance.fixtures.haystack import (
    QUESTION,
    rag_inputs,
    rag_pipeline,
    run_closed,
    run_closed_async,
)
from spanscope.testing.fake_llm import FakeLLMServer
from tests.outline import outline

ANSWER = f"You said: Context: Paris is sunny in June. Question: {QUESTION}"


def test_streaming_callback(fake_llm: FakeLLMServer, spanscope_traces: TraceCapture) -> None:
    chunks: list[StreamingChunk] = []
    pipeline = rag_pipeline(
        fake_llm,
        streaming_callback=chunks.append,
        generation_kwargs={"stream_options": {"include_usage": True}},
    )

    result = run_closed(pipeline)

    assert "".join(c.content for c in chunks) == ANSWER  # the callback still sees every chunk
    assert result["llm"]["replies"][0].text == ANSWER
    spans = {s.name: s for s in spanscope_traces.single().data.spans}
    llm = spans["llm"]
    assert llm.get_attribute(K.GEN_AI_OUTPUT_MESSAGES)[0]["parts"] == [
        {"type": "text", "content": ANSWER}
    ]
    assert llm.get_attribute(K.GEN_AI_OUTPUT_TOKENS) == len(ANSWER.split())
    # Streamed: the first chunk's arrival, which Haystack notes in the reply, inside the span.
    first_token = llm.get_attribute(K.TIME_TO_FIRST_TOKEN_NS)
    assert llm.end_time_ns is not None
    assert 0 <= first_token <= llm.end_time_ns - llm.start_time_ns


def _failing_run(server: FakeLLMServer) -> PipelineRuntimeError:
    server.fail_next(500)
    with pytest.raises(PipelineRuntimeError) as raised:
        run_closed(rag_pipeline(server))
    return raised.value


def test_generator_error(fake_llm: FakeLLMServer, spanscope_traces: TraceCapture) -> None:
    spanscope.haystack.autolog(disable=True)
    plain = _failing_run(fake_llm)
    spanscope.haystack.autolog()

    error = _failing_run(fake_llm)

    assert type(error) is type(plain) and str(error) == str(plain)
    assert isinstance(error.__cause__, InternalServerError)
    trace = spanscope_traces.single()
    tree = span_tree(trace, values=False)
    [root] = tree
    assert root["name"] == "Pipeline" and root["status"] == "ERROR"
    assert root["events"] == ["exception"]
    llm = root["children"][-1]
    assert llm["name"] == "llm" and llm["status"] == "ERROR"
    assert llm["events"] == ["exception"]
    [llm_span] = [s for s in trace.data.spans if s.name == "llm"]
    [event] = llm_span.events
    assert event.attributes["exception.type"].endswith("InternalServerError")
    assert llm_span.outputs is None
    assert llm_span.get_attribute(K.GEN_AI_INPUT_MESSAGES)  # the request is still recorded
    assert outline(trace)[:3] == [
        "Pipeline [CHAIN] ERROR: " + trace.data.spans[0].status.description,
        "  retriever [RETRIEVER]",
        "  prompt_builder [CHAIN]",
    ]


def test_generator_error_async(fake_llm: FakeLLMServer, spanscope_traces: TraceCapture) -> None:
    fake_llm.fail_next(500)
    with pytest.raises(PipelineRuntimeError) as raised:
        asyncio.run(run_closed_async(rag_pipeline(fake_llm)))

    assert isinstance(raised.value.__cause__, InternalServerError)
    tree = span_tree(spanscope_traces.single(), values=False)
    assert tree[0]["status"] == "ERROR"
    assert [c["status"] for c in tree[0]["children"]] == ["OK", "OK", "ERROR"]


def test_text_embedder(fake_llm: FakeLLMServer, spanscope_traces: TraceCapture) -> None:
    embedder = OpenAITextEmbedder(
        api_key=Secret.from_token("fake"),
        api_base_url=fake_llm.openai_base_url,
        model="text-embedding-3-small",
    )
    pipeline = Pipeline()
    pipeline.add_component("embedder", embedder)

    result = run_closed(pipeline, {"embedder": {"text": QUESTION}})

    vector = result["embedder"]["embedding"]
    spans = {s.name: s for s in spanscope_traces.single().data.spans}
    embedding = spans["embedder"]
    assert embedding.span_type == "EMBEDDING"
    assert embedding.inputs == {"text": QUESTION}
    assert embedding.outputs["embedding"] == {"dimensions": len(vector)}
    assert embedding.get_attribute(K.GEN_AI_OPERATION) == "embeddings"
    assert embedding.get_attribute(K.GEN_AI_REQUEST_MODEL) == "text-embedding-3-small"
    assert embedding.get_attribute(K.GEN_AI_INPUT_TOKENS) == len(QUESTION.split())
    assert rag_inputs()  # the shared inputs stay importable for the other tests

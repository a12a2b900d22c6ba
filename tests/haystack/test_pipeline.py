"""RAG pipelines (retriever, prompt builder, OpenAI chat generator) as whole span trees."""

from __future__ import annotations

import asyncio

from haystack.tracing.tracer import NullTracer, enable_tracing, is_tracing_enabled
from haystack.tracing.tracer import tracer as proxy

import spanscope
import spanscope.haystack
from spanscope.constants import SpanAttributeKey as K
from spanscope.testing import TraceCapture
from spanscope.testing.conformance.fixtures.haystack import (
    MODEL,
    QUESTION,
    rag_inputs,
    rag_pipeline,
    run_closed,
    run_closed_async,
)
from spanscope.testing.fake_llm import FakeLLMServer
from tests.outline import outline

RAG_TREE = [
    "Pipeline [CHAIN]",
    "  retriever [RETRIEVER]",
    "  prompt_builder [CHAIN]",
    "  llm [CHAT_MODEL]",
]
PROMPT = f"Context: Paris is sunny in June. Question: {QUESTION}"
ANSWER = f"You said: {PROMPT}"


def _by_name(capture: TraceCapture) -> dict[str, spanscope.entities.Span]:
    trace = capture.single()
    return {s.name: s for s in trace.data.spans}


def test_rag_pipeline_tree(fake_llm: FakeLLMServer, spanscope_traces: TraceCapture) -> None:
    result = run_closed(rag_pipeline(fake_llm))

    assert result["llm"]["replies"][0].text == ANSWER
    trace = spanscope_traces.single()
    assert outline(trace) == RAG_TREE
    spans = _by_name(spanscope_traces)
    root = spans["Pipeline"]
    assert root.parent_id is None
    assert {s.parent_id for n, s in spans.items() if n != "Pipeline"} == {root.span_id}
    assert root.inputs == rag_inputs()
    assert root.outputs == {
        "llm": {"replies": [{"role": "assistant", "parts": [{"type": "text", "content": ANSWER}]}]}
    }
    assert root.get_attribute("haystack.pipeline.execution_mode") == "sync"

    retriever = spans["retriever"]
    assert retriever.inputs["query"] == QUESTION
    [document] = retriever.outputs
    assert document["page_content"] == "Paris is sunny in June."
    assert document["metadata"]["score"] > 0 and document["id"]
    assert retriever.get_attribute("haystack.component.type") == "InMemoryBM25Retriever"

    prompt = spans["prompt_builder"]
    assert prompt.inputs["question"] == QUESTION
    assert prompt.outputs == {
        "prompt": [{"role": "user", "parts": [{"type": "text", "content": PROMPT}]}]
    }

    llm = spans["llm"]
    assert llm.get_attribute(K.GEN_AI_PROVIDER) == "openai"
    assert llm.get_attribute(K.GEN_AI_OPERATION) == "chat"
    assert llm.get_attribute(K.GEN_AI_REQUEST_MODEL) == MODEL
    assert llm.get_attribute(K.GEN_AI_RESPONSE_MODEL) == MODEL
    assert llm.get_attribute(K.GEN_AI_INPUT_MESSAGES) == [
        {"role": "user", "parts": [{"type": "text", "content": PROMPT}]}
    ]
    assert llm.get_attribute(K.GEN_AI_OUTPUT_MESSAGES) == [
        {
            "role": "assistant",
            "parts": [{"type": "text", "content": ANSWER}],
            "finish_reason": "stop",
        }
    ]
    assert llm.get_attribute(K.GEN_AI_FINISH_REASONS) == ["stop"]
    assert llm.get_attribute(K.GEN_AI_INPUT_TOKENS) == len(PROMPT.split())
    assert llm.get_attribute(K.GEN_AI_OUTPUT_TOKENS) == len(ANSWER.split())
    assert llm.get_attribute("haystack.component.visits") == 1


def test_rag_pipeline_async(fake_llm: FakeLLMServer, spanscope_traces: TraceCapture) -> None:
    async def run() -> object:
        return await run_closed_async(rag_pipeline(fake_llm))

    result = asyncio.run(run())

    assert result["llm"]["replies"][0].text == ANSWER  # type: ignore[index]
    trace = spanscope_traces.single()
    assert outline(trace) == RAG_TREE
    spans = _by_name(spanscope_traces)
    assert spans["Pipeline"].get_attribute("haystack.pipeline.execution_mode") == "async"
    assert spans["llm"].parent_id == spans["Pipeline"].span_id
    assert spans["llm"].get_attribute(K.GEN_AI_OUTPUT_TOKENS) == len(ANSWER.split())


def test_pipeline_inside_a_traced_function(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    @spanscope.trace
    def answer(question: str) -> str:
        result = run_closed(rag_pipeline(fake_llm), rag_inputs(question))
        return str(result["llm"]["replies"][0].text)

    assert answer(QUESTION) == ANSWER
    assert outline(spanscope_traces.single()) == [
        "answer [UNKNOWN]",
        *("  " + line for line in RAG_TREE),
    ]


def test_content_tracing_setting_left_alone(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    assert proxy.is_content_tracing_enabled is False
    run_closed(rag_pipeline(fake_llm))
    assert proxy.is_content_tracing_enabled is False
    assert _by_name(spanscope_traces)["llm"].get_attribute(K.GEN_AI_INPUT_MESSAGES)


def test_disable_restores_the_previous_tracer(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    spanscope.haystack.autolog(disable=True)
    previous = proxy.actual_tracer
    assert not is_tracing_enabled()

    spanscope.haystack.autolog()
    assert proxy.actual_tracer is not previous
    spanscope.haystack.autolog()  # twice: still one tracer, one span per component
    run_closed(rag_pipeline(fake_llm))
    assert outline(spanscope_traces.single()) == RAG_TREE

    spanscope.haystack.autolog(disable=True)
    assert proxy.actual_tracer is previous
    run_closed(rag_pipeline(fake_llm))
    assert len(spanscope_traces.traces) == 1


def test_disable_gives_back_a_tracer_of_the_application(fake_llm: FakeLLMServer) -> None:
    spanscope.haystack.autolog(disable=True)
    own = NullTracer()  # a tracer object of the application's: any will do
    enable_tracing(own)
    spanscope.haystack.autolog()
    spanscope.haystack.autolog(disable=True)
    assert proxy.actual_tracer is own

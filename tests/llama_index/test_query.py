"""Query engines over a VectorStoreIndex with the mock LLM and embeddings: whole span trees."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from llama_index.core import Document, QueryBundle, VectorStoreIndex
from llama_index.core.base.response.schema import StreamingResponse
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore

import spanscope
from spanscope.constants import SpanAttributeKey as K
from spanscope.testing import TraceCapture, capture_traces
from tests.llama_index.helpers import BERLIN, PARIS, outline, parent, span

ANSWER = "text text text text"  # MockLLM(max_tokens=4)

SYNC_TREE = [
    "RetrieverQueryEngine.query [CHAIN]",
    "  VectorIndexRetriever.retrieve [RETRIEVER]",
    "    MockEmbedding.get_query_embedding [EMBEDDING]",
    "  CompactAndRefine.synthesize [CHAIN]",
    "    CompactAndRefine.get_response [CHAIN]",
    "      TokenTextSplitter.split_text [CHAIN]",
    "      CompactAndRefine.get_response [CHAIN]",
    "        TokenTextSplitter.split_text [CHAIN]",
    "        DefaultRefineProgram.__call__ [CHAIN]",
    "          MockLLM.predict [CHAIN]",
    "            MockLLM.complete [LLM]",
]


@pytest.fixture
def index() -> VectorStoreIndex:
    return VectorStoreIndex.from_documents(
        [Document(text=PARIS, id_="paris"), Document(text=BERLIN, id_="berlin")]
    )


def test_query_engine_records_the_whole_tree(index: VectorStoreIndex) -> None:
    with capture_traces() as captured:  # after building the index, which has traces of its own
        response = index.as_query_engine().query("capital?")

    assert str(response) == ANSWER
    trace = captured.single()
    assert outline(trace) == SYNC_TREE
    root = span(trace, "RetrieverQueryEngine.query")
    assert root.inputs == {"str_or_query_bundle": "capital?"}
    assert root.outputs == ANSWER
    # Private spans under the public method of the same object (_query, _retrieve,
    # _get_query_embedding) are folded into it.
    methods = [s.name.rpartition(".")[2] for s in trace.data.spans]
    assert [m for m in methods if m.startswith("_") and not m.startswith("__")] == []


def test_retriever_outputs_follow_the_retriever_schema(index: VectorStoreIndex) -> None:
    with capture_traces() as captured:
        index.as_retriever(similarity_top_k=2).retrieve(QueryBundle("capital?"))

    trace = captured.single()
    assert outline(trace) == [
        "VectorIndexRetriever.retrieve [RETRIEVER]",
        "  MockEmbedding.get_query_embedding [EMBEDDING]",
    ]
    retriever = span(trace, "VectorIndexRetriever.retrieve")
    assert retriever.inputs == {"str_or_query_bundle": "capital?"}  # the query, not its vector
    documents = retriever.outputs
    assert sorted(d["page_content"] for d in documents) == [BERLIN, PARIS]
    for document in documents:
        assert set(document) == {"page_content", "metadata", "id"}
        assert isinstance(document["id"], str)
        assert isinstance(document["metadata"]["score"], float)
        assert document["metadata"]["doc_id"] in ("paris", "berlin")
    embedding = span(trace, "MockEmbedding.get_query_embedding")
    assert embedding.outputs == {"count": 1, "dimensions": 4}  # not the vector itself
    assert embedding.get_attribute(K.GEN_AI_OPERATION) == "embeddings"


def test_the_llm_span_carries_the_prompt_and_reply_as_genai_messages(
    index: VectorStoreIndex,
) -> None:
    with capture_traces() as captured:
        index.as_query_engine().query("capital?")

    llm = span(captured.single(), "MockLLM.complete")
    [message] = llm.get_attribute(K.GEN_AI_INPUT_MESSAGES)
    assert message["role"] == "user"
    assert "capital?" in message["parts"][0]["content"]
    assert PARIS in message["parts"][0]["content"]  # the retrieved context went into the prompt
    assert llm.get_attribute(K.GEN_AI_OUTPUT_MESSAGES) == [
        {"role": "assistant", "parts": [{"type": "text", "content": ANSWER}]}
    ]
    assert llm.get_attribute(K.GEN_AI_OPERATION) == "text_completion"
    assert llm.get_attribute(K.GEN_AI_PROVIDER) == "llama_index"
    assert llm.outputs == ANSWER
    assert span(captured.single(), "MockLLM.predict").inputs["prompt"].startswith("Context")


async def test_async_query_records_the_async_twin_tree(index: VectorStoreIndex) -> None:
    with capture_traces() as captured:
        response = await index.as_query_engine().aquery("capital?")

    assert str(response) == ANSWER
    assert outline(captured.single()) == [
        "RetrieverQueryEngine.aquery [CHAIN]",
        "  VectorIndexRetriever.aretrieve [RETRIEVER]",
        "    MockEmbedding.aget_query_embedding [EMBEDDING]",
        "  CompactAndRefine.asynthesize [CHAIN]",
        "    CompactAndRefine.aget_response [CHAIN]",
        "      TokenTextSplitter.split_text [CHAIN]",
        "      CompactAndRefine.aget_response [CHAIN]",
        "        TokenTextSplitter.split_text [CHAIN]",
        "        MockLLM.apredict [CHAIN]",
        "          MockLLM.acomplete [LLM]",
        "            MockLLM.complete [LLM]",  # MockLLM's acomplete calls complete
    ]


STREAM_TREE = [
    "RetrieverQueryEngine.query [CHAIN]",
    "  VectorIndexRetriever.retrieve [RETRIEVER]",
    "    MockEmbedding.get_query_embedding [EMBEDDING]",
    "  CompactAndRefine.synthesize [CHAIN]",
    "    CompactAndRefine.get_response [CHAIN]",
    "      TokenTextSplitter.split_text [CHAIN]",
    "      CompactAndRefine.get_response [CHAIN]",
    "        TokenTextSplitter.split_text [CHAIN]",
    # LlamaIndex calls the LLM lazily, while the response is read: under the synthesizer.
    "    MockLLM.stream [CHAIN]",
    "      MockLLM.stream_complete [LLM]",
]


def test_streaming_query_is_one_trace_that_ends_when_the_stream_does(
    index: VectorStoreIndex,
) -> None:
    with capture_traces() as captured:
        response = index.as_query_engine(streaming=True).query("capital?")
        assert isinstance(response, StreamingResponse)
        assert captured.traces == []  # still streaming: the query span is open
        tokens = list(response.response_gen)

    assert "".join(tokens) == ANSWER
    trace = captured.single()
    assert outline(trace) == STREAM_TREE
    root = span(trace, "RetrieverQueryEngine.query")
    assert root.outputs == ANSWER  # the streamed text, not a generator
    assert span(trace, "CompactAndRefine.synthesize").outputs == ANSWER
    llm = span(trace, "MockLLM.stream_complete")
    assert root.end_time_ns is not None and llm.end_time_ns is not None
    assert root.end_time_ns >= llm.end_time_ns  # the parent waited for the stream
    assert [e.name for e in llm.events][:1] == ["stream.chunk"]


def test_a_streaming_query_dropped_unread_still_ends_its_trace(index: VectorStoreIndex) -> None:
    with capture_traces() as captured:
        response = index.as_query_engine(streaming=True).query("capital?")
        del response
        gc.collect()

    assert outline(captured.single()) == STREAM_TREE[:8]  # no LLM call was ever made
    assert spanscope.tracing.stats().spans_dropped_late == 0


async def test_async_streaming_query_is_one_trace(index: VectorStoreIndex) -> None:
    with capture_traces() as captured:
        response: Any = await index.as_query_engine(streaming=True).aquery("capital?")
        tokens = [token async for token in response.async_response_gen()]

    assert "".join(tokens) == ANSWER
    trace = captured.single()
    assert outline(trace)[-3:] == [
        "    MockLLM.astream [CHAIN]",
        "      MockLLM.astream_complete [LLM]",
        "        MockLLM.stream_complete [LLM]",
    ]
    assert span(trace, "RetrieverQueryEngine.aquery").outputs == ANSWER


class FailingRetriever(BaseRetriever):
    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        raise LookupError("the index is offline")


def test_an_error_in_a_retriever_marks_the_path_to_the_root(
    spanscope_traces: TraceCapture,
) -> None:
    from llama_index.core.query_engine import RetrieverQueryEngine

    engine = RetrieverQueryEngine.from_args(FailingRetriever())
    with pytest.raises(LookupError, match="the index is offline"):
        engine.query("capital?")

    trace = spanscope_traces.single()
    error = "LookupError: the index is offline"
    assert outline(trace) == [
        f"RetrieverQueryEngine.query [CHAIN] ERROR: {error}",
        f"  FailingRetriever.retrieve [RETRIEVER] ERROR: {error}",
    ]
    event = span(trace, "FailingRetriever.retrieve").events[0]
    assert event.name == "exception"
    assert event.attributes["exception.type"] == "LookupError"


def test_a_query_inside_a_user_span_joins_its_trace(
    index: VectorStoreIndex, spanscope_traces: TraceCapture
) -> None:
    with spanscope.start_span("app", span_type="CHAIN"):
        index.as_query_engine().query("capital?")

    trace = spanscope_traces.traces[-1]
    assert outline(trace)[:2] == ["app [CHAIN]", "  RetrieverQueryEngine.query [CHAIN]"]
    query = span(trace, "RetrieverQueryEngine.query")
    assert parent(trace, query) == span(trace, "app")


class KeywordFirst(BaseNodePostprocessor):
    """Puts nodes with a keyword first, and reports it as a rerank, as LlamaIndex rerankers do."""

    keyword: str = "Paris"

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        from llama_index.core.instrumentation import (  # type: ignore[attr-defined]  # re-exported without __all__
            get_dispatcher,
        )
        from llama_index.core.instrumentation.events.rerank import ReRankStartEvent

        get_dispatcher(__name__).event(
            ReRankStartEvent(query=query_bundle, nodes=nodes, top_n=1, model_name="keyword")
        )
        ranked = sorted(nodes, key=lambda n: self.keyword not in n.node.get_content())
        return ranked[:1]


def test_a_reranker(index: VectorStoreIndex) -> None:
    engine = index.as_query_engine(similarity_top_k=2, node_postprocessors=[KeywordFirst()])
    with capture_traces() as captured:
        engine.query("capital?")

    trace = captured.single()
    # `_postprocess_nodes` is the only span LlamaIndex gives a node postprocessor.
    assert outline(trace)[3] == "  KeywordFirst._postprocess_nodes [RERANKER]"
    rerank = span(trace, "KeywordFirst._postprocess_nodes")
    assert [d["page_content"] for d in rerank.outputs] == [PARIS]
    assert sorted(d["page_content"] for d in rerank.inputs["nodes"]) == [BERLIN, PARIS]
    assert rerank.get_attribute(K.GEN_AI_REQUEST_MODEL) == "keyword"

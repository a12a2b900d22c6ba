"""embed (EMBEDDING spans) and rerank (RERANKER spans), sync and async."""

from __future__ import annotations

from typing import Any

import pytest

from spanscope.constants import SpanAttributeKey as K
from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.cohere.expect import EMBED, RERANK, RESPONSE_ID
from tests.genai_expect import error_text, tree

cohere = pytest.importorskip("cohere")

EMBED_MODEL = "embed-v4.0"
RERANK_MODEL = "rerank-v3.5"
TEXTS = ["What is the weather in Paris?", "Nice"]
EMBED_INPUTS = {
    "model": EMBED_MODEL,
    "texts": TEXTS,
    "input_type": "search_document",
    "embedding_types": ["float"],
}
QUERY = "weather in Paris"
DOCUMENTS = ["Rome is in Italy.", "The weather in Paris is sunny.", "Paris is in France."]


def test_embed(client: Any, spanscope_traces: TraceCapture) -> None:
    response = client.embed(**EMBED_INPUTS)
    assert len(response.embeddings.float_) == 2
    (node,) = tree(spanscope_traces.single())
    assert (node["name"], node["span_type"], node["status"]) == (EMBED, "EMBEDDING", "OK")
    assert node["inputs"] == EMBED_INPUTS
    assert node["outputs"]["embeddings"] == {"float": response.embeddings.float_}
    assert node["outputs"]["texts"] == TEXTS
    assert node["attributes"] == {
        K.GEN_AI_PROVIDER: "cohere",
        K.GEN_AI_OPERATION: "embeddings",
        K.GEN_AI_REQUEST_MODEL: EMBED_MODEL,
        K.GEN_AI_INPUT_TOKENS: 7,
        K.GEN_AI_RESPONSE_ID: RESPONSE_ID,
    }


async def test_embed_async(aclient: Any, spanscope_traces: TraceCapture) -> None:
    await aclient.embed(**EMBED_INPUTS)
    (node,) = tree(spanscope_traces.single())
    assert (node["name"], node["span_type"]) == ("cohere.AsyncClientV2.embed", "EMBEDDING")
    assert node["attributes"][K.GEN_AI_INPUT_TOKENS] == 7


def rerank_attributes() -> dict[str, Any]:
    return {
        K.GEN_AI_PROVIDER: "cohere",
        K.GEN_AI_OPERATION: "rerank",
        K.GEN_AI_REQUEST_MODEL: RERANK_MODEL,
        K.GEN_AI_RESPONSE_ID: RESPONSE_ID,
    }


def test_rerank(client: Any, spanscope_traces: TraceCapture) -> None:
    response = client.rerank(model=RERANK_MODEL, query=QUERY, documents=DOCUMENTS, top_n=2)
    assert [r.index for r in response.results] == [1, 2]
    assert tree(spanscope_traces.single()) == [
        {
            "name": RERANK,
            "span_type": "RERANKER",
            "status": "OK",
            "inputs": {
                "model": RERANK_MODEL,
                "query": QUERY,
                "documents": DOCUMENTS,
                "top_n": 2,
            },
            "outputs": {
                "id": RESPONSE_ID,
                "results": [
                    {"index": 1, "relevance_score": 1.0},
                    {"index": 2, "relevance_score": 0.6667},
                ],
                "meta": {"api_version": {"version": "2"}, "billed_units": {"search_units": 1.0}},
            },
            "events": [],
            "attributes": rerank_attributes(),
            "children": [],
        }
    ]


async def test_rerank_async(aclient: Any, spanscope_traces: TraceCapture) -> None:
    await aclient.rerank(model=RERANK_MODEL, query=QUERY, documents=DOCUMENTS)
    (node,) = tree(spanscope_traces.single())
    assert (node["name"], node["span_type"]) == ("cohere.AsyncClientV2.rerank", "RERANKER")
    assert node["attributes"] == rerank_attributes()
    assert [r["index"] for r in node["outputs"]["results"]] == [1, 2, 0]


def test_a_failing_rerank_is_raised_unchanged(
    client: Any, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    fake_llm.fail_next(422)
    with pytest.raises(cohere.UnprocessableEntityError) as caught:
        client.rerank(model=RERANK_MODEL, query=QUERY, documents=DOCUMENTS)
    (node,) = tree(spanscope_traces.single())
    assert (node["span_type"], node["status"], node["error"]) == (
        "RERANKER",
        "ERROR",
        error_text(caught.value),
    )

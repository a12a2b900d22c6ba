"""embed_content, sync and async: one EMBEDDING span with the input tokens."""

from __future__ import annotations

from typing import Any

import pytest

from spanscope.constants import SpanAttributeKey as K
from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.genai_expect import chat_span, error_text, tree
from tests.google_genai.expect import EMBED, dumped

genai = pytest.importorskip("google.genai")
types = genai.types

EMBEDDING_MODEL = "gemini-embedding-001"
TEXTS = ["The weather in Paris", "is sunny"]


# google-genai reads the Gemini API's embedding usage from 3.0; older releases drop it.
REPORTS_USAGE = "usage_metadata" in types.EmbedContentResponse.model_fields


def embedding_attributes(tokens: int | None) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        K.GEN_AI_PROVIDER: "gcp.gemini",
        K.GEN_AI_OPERATION: "embeddings",
        K.GEN_AI_REQUEST_MODEL: EMBEDDING_MODEL,
    }
    if tokens is not None and REPORTS_USAGE:
        attributes[K.GEN_AI_INPUT_TOKENS] = tokens
    return attributes


def test_embed_content(client: Any, spanscope_traces: TraceCapture) -> None:
    config = types.EmbedContentConfig(output_dimensionality=8)
    response = client.models.embed_content(model=EMBEDDING_MODEL, contents=TEXTS, config=config)
    assert [len(embedding.values) for embedding in response.embeddings] == [8, 8]
    assert tree(spanscope_traces.single()) == [
        chat_span(
            EMBED,
            span_type="EMBEDDING",
            inputs={
                "model": EMBEDDING_MODEL,
                "contents": TEXTS,
                "config": {"output_dimensionality": 8},
            },
            outputs=dumped(response),
            attributes=embedding_attributes(6),
        )
    ]


async def test_embed_content_async(aclient: Any, spanscope_traces: TraceCapture) -> None:
    response = await aclient.models.embed_content(model=EMBEDDING_MODEL, contents="Paris")
    assert len(response.embeddings) == 1
    (node,) = tree(spanscope_traces.single())
    assert (node["name"], node["span_type"], node["outputs"]) == (
        EMBED,
        "EMBEDDING",
        dumped(response),
    )
    assert node["attributes"] == embedding_attributes(1)


def test_an_embedding_error_is_raised_unchanged(
    client: Any, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    fake_llm.fail_next(400)
    with pytest.raises(genai.errors.ClientError) as caught:
        client.models.embed_content(model=EMBEDDING_MODEL, contents=TEXTS)
    (node,) = tree(spanscope_traces.single())
    assert (node["status"], node["error"], node["events"]) == (
        "ERROR",
        error_text(caught.value),
        ["exception"],
    )
    assert node["attributes"] == embedding_attributes(None)

"""embeddings.create and create_async: one EMBEDDING span, the request as inputs, input
tokens counted."""

from __future__ import annotations

from typing import Any

import pytest

from spanscope.constants import SpanAttributeKey as K
from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.genai_expect import chat_span, tree
from tests.mistral.conftest import make_client
from tests.mistral.expect import EMBED, dumped

pytest.importorskip("mistralai.client")

REQUEST = {"model": "mistral-embed", "inputs": ["refund policy", "shipping times"]}


def embedding_span(response: Any) -> dict[str, Any]:
    return chat_span(
        EMBED,
        span_type="EMBEDDING",
        inputs=REQUEST,
        outputs=dumped(response),
        attributes={
            K.GEN_AI_PROVIDER: "mistral_ai",
            K.GEN_AI_OPERATION: "embeddings",
            K.GEN_AI_REQUEST_MODEL: "mistral-embed",
            K.GEN_AI_INPUT_TOKENS: 4,
            K.GEN_AI_RESPONSE_MODEL: "mistral-embed",
            K.GEN_AI_RESPONSE_ID: "embd-fake",
        },
    )


def test_embeddings(client: Any, spanscope_traces: TraceCapture) -> None:
    response = client.embeddings.create(**REQUEST)
    assert len(response.data) == 2
    assert tree(spanscope_traces.single()) == [embedding_span(response)]


async def test_embeddings_async(
    fake_llm: FakeLLMServer, traced: None, spanscope_traces: TraceCapture
) -> None:
    async with make_client(fake_llm) as client:
        response = await client.embeddings.create_async(**REQUEST)
    assert tree(spanscope_traces.single()) == [embedding_span(response)]

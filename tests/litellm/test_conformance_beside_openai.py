"""litellm autolog beside openai autolog, held to the conformance kit: litellm's OpenAI provider
calls the openai client inside litellm's span, so every call still has one span under the
caller's, one model span, and its token usage counted once in the trace."""

from __future__ import annotations

import os
from typing import Any

import pytest

import spanscope
from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.span_type import SpanType
from spanscope.testing import TraceCapture
from spanscope.testing.conformance.integration_checks import run_fixture
from spanscope.testing.conformance.integration_fixture import IntegrationFixture, Operation
from spanscope.testing.fake_llm import FakeLLMServer
from tests.litellm.expected import LITELLM_WARNINGS, tree

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
litellm = pytest.importorskip("litellm")
openai_integration = pytest.importorskip("spanscope.openai")
kit = pytest.importorskip("spanscope.testing.conformance.fixtures.litellm")
pytestmark = LITELLM_WARNINGS

# With `encoding_format`, litellm's OpenAI provider calls `openai`'s patched
# `embeddings.create`: the one call here that makes an openai span inside litellm's.
NESTED = {"encoding_format": "float"}


def _autolog_both(disable: bool = False) -> None:
    openai_integration.autolog(disable=disable)
    spanscope.litellm.autolog(disable=disable)


def _nested_embedding(server: FakeLLMServer) -> Any:
    return litellm.embedding(
        model=kit.EMBEDDING_MODEL, input=["refund policy"], **NESTED, **kit._options(server)
    )


async def _nested_embedding_async(server: FakeLLMServer) -> Any:
    return await litellm.aembedding(
        model=kit.EMBEDDING_MODEL, input=["refund policy"], **NESTED, **kit._options(server)
    )


def _embedding(name: str, call: Any, is_async: bool = False) -> Operation:
    return Operation(
        name,
        call,
        span_type=SpanType.EMBEDDING,
        is_async=is_async,
        model="emb-x",
        messages=False,
    )


@pytest.mark.internal_errors  # the kit injects faults into spanscope's own span methods
@pytest.mark.timeout(600)  # the whole kit: over a minute, longer on a loaded machine
def test_litellm_with_openai_autolog_passes_the_kit(fake_llm: FakeLLMServer) -> None:
    chosen = {"chat", "chat async", "stream", "stream async", "tool call", "error"}
    both = IntegrationFixture(
        name="litellm",
        autolog=_autolog_both,
        operations=(
            *(op for op in kit.FIXTURE.operations if op.name in chosen),
            _embedding("embedding via openai", _nested_embedding),
            _embedding("embedding via openai async", _nested_embedding_async, is_async=True),
        ),
    )
    results = run_fixture(both, fake_llm)
    assert [f"{r.check} [{r.operation}]: {r.message}" for r in results if not r.passed] == []
    assert {r.operation for r in results if r.check == "model/usage"} == chosen - {"error"} | {
        "embedding via openai",
        "embedding via openai async",
    }


def test_the_nested_openai_span_does_not_count_usage_again(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    _autolog_both()
    try:
        _nested_embedding(fake_llm)
    finally:
        _autolog_both(disable=True)
    trace = spanscope_traces.single()
    [root] = tree(trace)
    [child] = root["children"]
    assert (root["name"], child["name"]) == ("litellm.embedding", "openai.embeddings.create")
    # Both report the same input tokens; the trace counts the outer span's only.
    tokens = root["attributes"][K.GEN_AI_INPUT_TOKENS]
    assert child["attributes"][K.GEN_AI_INPUT_TOKENS] == tokens
    assert trace.info.token_usage == {
        "input_tokens": tokens,
        "output_tokens": 0,
        "total_tokens": tokens,
    }

"""litellm autolog against the fake server: embeddings, other providers (names, usage,
cache tokens), and nesting under the application's spans."""

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
    USER,
    chat_attributes,
    tree,
)

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
litellm = pytest.importorskip("litellm")
pytestmark = [*LITELLM_WARNINGS, pytest.mark.usefixtures("traced")]


async def test_embeddings(
    openai_options: dict[str, Any], fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    embedded = litellm.embedding(model="openai/emb-x", input=["a", "b c"], **openai_options)
    aembedded = await litellm.aembedding(model="openai/emb-x", input="a", **openai_options)
    assert len(embedded.data) == 2

    def span(name: str, inputs: Any, response: Any, tokens: int) -> dict[str, Any]:
        return {
            "name": name,
            "span_type": "EMBEDDING",
            "status": "OK",
            "inputs": {
                "model": "openai/emb-x",
                "input": inputs,
                "api_base": fake_llm.openai_base_url,
                "api_key": "***",
                "max_retries": 0,
            },
            "outputs": response.model_dump(mode="json"),
            "events": [],
            "attributes": {
                "gen_ai.provider.name": "openai",
                "gen_ai.operation.name": "embeddings",
                "gen_ai.request.model": "emb-x",
                "gen_ai.response.model": "emb-x",
                "gen_ai.usage.input_tokens": tokens,
            },
            "children": [],
        }

    assert [tree(trace) for trace in spanscope_traces.traces] == [
        [span("litellm.embedding", ["a", "b c"], embedded, 3)],
        [span("litellm.aembedding", "a", aembedded, 1)],
    ]


def test_other_providers_name_and_usage(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    """Anthropic and Ollama always stream their usage: it is recorded though the caller's
    chunks do not carry it. Provider names follow the GenAI conventions."""
    anthropic = {"api_base": fake_llm.anthropic_base_url, "api_key": "sk-ant-fake"}
    list(litellm.completion(model="anthropic/claude-x", messages=USER, stream=True, **anthropic))
    ollama = {"api_base": fake_llm.ollama_host}
    list(litellm.completion(model="ollama_chat/llama-x", messages=USER, stream=True, **ollama))
    litellm.completion(model="ollama_chat/llama-x", messages=USER, **ollama)
    keys = [
        "gen_ai.provider.name",
        "litellm.provider",
        "gen_ai.request.model",
        "gen_ai.response.model",
        "gen_ai.usage.input_tokens",
        "gen_ai.usage.output_tokens",
        "gen_ai.output.messages",
    ]
    reply = [
        {
            "role": "assistant",
            "parts": [{"type": "text", "content": ANSWER}],
            "finish_reason": "stop",
        }
    ]
    found = [
        {key: trace.data.spans[0].get_attribute(key) for key in keys}
        for trace in spanscope_traces.traces
    ]
    assert found == [
        dict(zip(keys, ["anthropic", None, "claude-x", "claude-x", 2, 4, reply], strict=True)),
        dict(zip(keys, ["ollama", "ollama_chat", "llama-x", "llama-x", 2, 4, reply], strict=True)),
        # (litellm itself names the model so in a non-streamed Ollama response)
        dict(
            zip(
                keys,
                ["ollama", "ollama_chat", "llama-x", "ollama_chat/llama-x", 2, 4, reply],
                strict=True,
            )
        ),
    ]


def test_anthropic_cache_tokens(fake_llm: FakeLLMServer, spanscope_traces: TraceCapture) -> None:
    system = {
        "role": "system",
        "content": [
            {"type": "text", "text": "shared " * 20, "cache_control": {"type": "ephemeral"}}
        ],
    }
    options = {"api_base": fake_llm.anthropic_base_url, "api_key": "sk-ant-fake"}
    fake_llm.reset()
    for _ in range(2):
        litellm.completion(model="anthropic/claude-x", messages=[system, *USER], **options)
    written, read = (trace.data.spans[0] for trace in spanscope_traces.traces)
    assert written.get_attribute("gen_ai.usage.cache_creation.input_tokens") == 20
    assert written.get_attribute("gen_ai.usage.cache_read.input_tokens") is None
    assert read.get_attribute("gen_ai.usage.cache_read.input_tokens") == 20
    assert read.get_attribute("gen_ai.input.messages")[0] == {
        "role": "system",
        "parts": [{"type": "text", "content": "shared " * 20}],
    }


def test_calls_nest_under_the_user_span(
    openai_options: dict[str, Any], spanscope_traces: TraceCapture
) -> None:
    with spanscope.start_span("agent", span_type="AGENT"):
        litellm.completion(model="openai/gpt-x", messages=USER, **openai_options)
        for _ in litellm.completion(
            model="openai/gpt-x", messages=USER, stream=True, **openai_options
        ):
            pass
        litellm.embedding(model="openai/emb-x", input="a", **openai_options)
    [root] = tree(spanscope_traces.single())
    assert root["name"] == "agent"
    assert [(c["name"], c["span_type"], c["children"]) for c in root["children"]] == [
        ("litellm.completion", "CHAT_MODEL", []),
        ("litellm.completion", "CHAT_MODEL", []),
        ("litellm.embedding", "EMBEDDING", []),
    ]
    assert root["children"][0]["attributes"] == chat_attributes()
    assert root["children"][1]["attributes"] == chat_attributes(usage=None)
    usage = spanscope_traces.single().info.token_usage
    assert usage == {"input_tokens": 3, "output_tokens": 4, "total_tokens": 7}

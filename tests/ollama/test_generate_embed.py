"""ollama autolog against the fake server: generate and embeddings, the module-level
functions, and nesting under the application's spans, as whole span trees."""

from __future__ import annotations

from typing import Any

import pytest

import spanscope
from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.ollama.expected import (
    ANSWER,
    MODEL,
    USER,
    chat_span,
    embed_span,
    generate_span,
    streamed,
    timings,
    tree,
)

ollama = pytest.importorskip("ollama")
pytestmark = pytest.mark.usefixtures("traced")


async def test_generate_sync_async_and_streamed(
    client: Any, aclient: Any, spanscope_traces: TraceCapture
) -> None:
    client.generate(MODEL, "Tell me a joke", system="Be brief")
    list(client.generate(MODEL, "Tell me a joke", system="Be brief", stream=True))
    await aclient.generate(MODEL, "Tell me a joke", system="Be brief")
    parts = await aclient.generate(MODEL, "Tell me a joke", system="Be brief", stream=True)
    assert "".join([p.response async for p in parts]) == "You said: Tell me a joke"
    assert [tree(trace) for trace in spanscope_traces.traces] == [
        [generate_span("ollama.generate")],
        [generate_span("ollama.generate", stream=True)],
        [generate_span("ollama.generate")],
        [generate_span("ollama.generate", stream=True)],
    ]


async def test_embeddings(client: Any, aclient: Any, spanscope_traces: TraceCapture) -> None:
    embedded = client.embed(model="nomic-x", input=["a", "b c"])
    legacy = client.embeddings(model="nomic-x", prompt="a")
    aembedded = await aclient.embed("nomic-x", "a")
    assert len(embedded.embeddings) == 2 and legacy.embedding == embedded.embeddings[0]
    assert [tree(trace) for trace in spanscope_traces.traces] == [
        [
            embed_span(
                "ollama.embed",
                {"model": "nomic-x", "input": ["a", "b c"]},
                {
                    "model": "nomic-x",
                    **dict.fromkeys(["created_at", "done", "done_reason"]),
                    **timings(3, None),
                    "prompt_eval_duration": None,
                    "eval_duration": None,
                    "embeddings": embedded.model_dump(mode="json")["embeddings"],
                },
                tokens=3,
            )
        ],
        [
            embed_span(
                "ollama.embeddings",
                {"model": "nomic-x", "prompt": "a"},
                {"embedding": legacy.embedding},
                tokens=None,
            )
        ],
        [
            embed_span(
                "ollama.embed",
                {"model": "nomic-x", "input": "a"},
                aembedded.model_dump(mode="json"),
                tokens=1,
            )
        ],
    ]


@pytest.mark.usefixtures("module_client")
def test_module_level_functions(spanscope_traces: TraceCapture, fake_llm: FakeLLMServer) -> None:
    assert ollama.chat(model=MODEL, messages=USER).message.content == ANSWER
    assert "".join(p.message.content for p in ollama.chat(MODEL, USER, stream=True)) == ANSWER
    ollama.generate(MODEL, "Tell me a joke", system="Be brief")
    ollama.embed(model="nomic-x", input="a")
    ollama.embeddings(model="nomic-x", prompt="a")
    assert fake_llm.last_request.path == "/api/embeddings"
    trees = [tree(trace) for trace in spanscope_traces.traces]
    assert trees[:3] == [
        [chat_span("ollama.chat")],
        [streamed(chat_span("ollama.chat"), chunks=6)],
        [generate_span("ollama.generate")],
    ]
    assert [t[0]["name"] for t in trees[3:]] == ["ollama.embed", "ollama.embeddings"]
    assert all(len(t) == 1 and not t[0]["children"] for t in trees)  # one span, no doubles


def test_calls_nest_under_the_user_span(client: Any, spanscope_traces: TraceCapture) -> None:
    with spanscope.start_span("agent", span_type="AGENT"):
        client.chat(model=MODEL, messages=USER)
        list(client.chat(model=MODEL, messages=USER, stream=True))
        client.embed(model="nomic-x", input="a")
    [root] = tree(spanscope_traces.single())
    assert (root["name"], root["span_type"]) == ("agent", "AGENT")
    assert root["children"] == [
        chat_span("ollama.chat"),
        streamed(chat_span("ollama.chat"), chunks=6),
        embed_span(
            "ollama.embed",
            {"model": "nomic-x", "input": "a"},
            root["children"][2]["outputs"],
            tokens=1,
        ),
    ]
    trace = spanscope_traces.single()
    assert trace.info.token_usage == {"input_tokens": 7, "output_tokens": 10, "total_tokens": 17}

"""Streams: an agent's `run_stream` and a model client's `create_stream`, read whole or
dropped half-way."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.autogen.conftest import make_client
from tests.autogen.expect import (
    CREATE_STREAM,
    QUESTION,
    SYSTEM,
    agent,
    assistant,
    chat,
    system,
    tree,
    user,
)

agents = pytest.importorskip("autogen_agentchat.agents")
base = pytest.importorskip("autogen_agentchat.base")
models = pytest.importorskip("autogen_core.models")

ANSWER = f"You said: {QUESTION}"


async def test_a_streamed_agent_run_read_whole(client: Any, spanscope_traces: TraceCapture) -> None:
    bot = agents.AssistantAgent(
        "bot", model_client=client, system_message=SYSTEM, model_client_stream=True
    )
    items = [item async for item in bot.run_stream(task=QUESTION)]

    assert isinstance(items[-1], base.TaskResult)
    chunks = [i for i in items if type(i).__name__ == "ModelClientStreamingChunkEvent"]
    assert "".join(c.content for c in chunks) == ANSWER
    (root,) = tree(spanscope_traces.single(), values=True)
    (model,) = root["children"]
    assert root == agent(
        "bot",
        chat(
            CREATE_STREAM,
            [system(), user()],
            [assistant(ANSWER, "stop")],
            "stop",
            (8, 8),
            inputs=model["inputs"],
            outputs=model["outputs"],
        ),
        inputs={"task": QUESTION},
        outputs=items[-1].model_dump(mode="json"),
    )
    assert model["outputs"]["content"] == ANSWER


async def test_a_streamed_agent_run_dropped_half_way_ends_its_spans(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    bot = agents.AssistantAgent(
        "bot", model_client=client, system_message=SYSTEM, model_client_stream=True
    )
    stream = bot.run_stream(task=QUESTION)
    seen = []
    async for item in stream:
        seen.append(item)
        if type(item).__name__ == "ModelClientStreamingChunkEvent":
            break  # the first piece of the model's reply
    await stream.aclose()

    (root,) = tree(spanscope_traces.single(), values=True)
    (model,) = root["children"]
    # Both spans ended with what came: the task, and the model's first piece.
    assert root["status"] == model["status"] == "OK"
    assert [m["content"] for m in root["outputs"]] == [QUESTION, "You"]
    assert model["outputs"] == "You"
    assert model["attributes"]["gen_ai.output.messages"] == [
        {"role": "assistant", "parts": [{"type": "text", "content": "You"}]}
    ]


async def test_a_model_stream_read_whole(client: Any, spanscope_traces: TraceCapture) -> None:
    request = [models.UserMessage(content=QUESTION, source="user")]
    chunks = [chunk async for chunk in client.create_stream(request)]

    assert "".join(c for c in chunks if isinstance(c, str)) == ANSWER
    (root,) = tree(spanscope_traces.single(), values=True)
    assert root == chat(
        CREATE_STREAM,
        [user()],
        [assistant(ANSWER, "stop")],
        "stop",
        (6, 8),
        inputs={"messages": [{"content": QUESTION, "source": "user", "type": "UserMessage"}]},
        outputs=chunks[-1].model_dump(mode="json"),
    )


async def test_a_dropped_model_stream_ends_its_span_when_collected(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    stream = client.create_stream([models.UserMessage(content=QUESTION, source="user")])
    assert await stream.__anext__() == "You"
    await stream.aclose()
    del stream
    gc.collect()

    (root,) = tree(spanscope_traces.single(), values=True)
    assert (root["name"], root["status"], root["outputs"]) == (CREATE_STREAM, "OK", "You")


async def test_a_stream_without_usage_records_no_token_counts(
    fake_llm: FakeLLMServer, traced: None, spanscope_traces: TraceCapture
) -> None:
    plain = make_client(fake_llm)  # not asked for usage: AutoGen reports zero tokens
    try:
        request = [models.UserMessage(content=QUESTION, source="user")]
        [chunk async for chunk in plain.create_stream(request)]
    finally:
        await plain.close()
    (root,) = tree(spanscope_traces.single())
    assert "gen_ai.usage.input_tokens" not in root["attributes"]
    assert root["attributes"]["gen_ai.output.messages"] == [assistant(ANSWER, "stop")]

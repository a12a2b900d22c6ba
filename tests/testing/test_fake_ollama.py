"""The real ollama client against the fake server: chat, generate, embeddings, tools, errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from spanscope.testing.fake_llm import FakeLLMServer

ollama = pytest.importorskip("ollama")

USER = [{"role": "user", "content": "Name a colour"}]
ANSWER = "You said: Name a colour"


def get_weather(city: str) -> str:
    """Current weather.

    Args:
        city: The city name
    """
    return "sunny"


@pytest.fixture
def client(fake_llm: FakeLLMServer) -> Iterator[Any]:
    with ollama.Client(host=fake_llm.ollama_host) as c:
        yield c


@pytest.fixture
async def aclient(fake_llm: FakeLLMServer) -> AsyncIterator[Any]:
    async with ollama.AsyncClient(host=fake_llm.ollama_host) as c:
        yield c


def test_chat(client: Any, fake_llm: FakeLLMServer) -> None:
    response = client.chat(model="llama-x", messages=USER)
    assert (response.message.role, response.message.content) == ("assistant", ANSWER)
    assert (response.done, response.done_reason) == (True, "stop")
    assert (response.prompt_eval_count, response.eval_count) == (3, 5)
    assert response.total_duration == (
        response.load_duration + response.prompt_eval_duration + response.eval_duration
    )
    assert fake_llm.last_request.json["stream"] is False


def test_chat_stream(client: Any) -> None:
    parts = list(client.chat(model="llama-x", messages=USER, stream=True))
    assert "".join(p.message.content for p in parts) == ANSWER
    assert [p.done for p in parts] == [False] * (len(parts) - 1) + [True]
    assert parts[-1].eval_count == 5


def test_chat_tool_call_and_result(client: Any) -> None:
    response = client.chat(model="llama-x", messages=USER, tools=[get_weather])
    [call] = response.message.tool_calls
    assert (call.function.name, call.function.arguments) == ("get_weather", {"city": "example"})
    follow_up = client.chat(
        model="llama-x",
        messages=[
            *USER,
            response.message,
            {"role": "tool", "content": "sunny", "tool_name": "get_weather"},
        ],
        tools=[get_weather],
    )
    assert follow_up.message.content == "The tool returned: sunny"
    streamed = list(client.chat(model="llama-x", messages=USER, tools=[get_weather], stream=True))
    calls = [c for p in streamed for c in p.message.tool_calls or []]
    assert [c.function.name for c in calls] == ["get_weather"]


def test_chat_format_thinking_and_limits(client: Any) -> None:
    schema = {"type": "object", "properties": {"colour": {"type": "string"}}}
    assert client.chat(model="m", messages=USER, format=schema).message.content == (
        '{"colour": "example"}'
    )
    thought = client.chat(model="m", messages=USER, think=True)
    assert thought.message.thinking == "The user wrote: Name a colour"
    short = client.chat(model="m", messages=USER, options={"num_predict": 2})
    assert (short.message.content, short.done_reason) == ("You said:", "length")


def test_generate(client: Any) -> None:
    response = client.generate(model="llama-x", prompt="Tell me a joke")
    assert response.response == "You said: Tell me a joke"
    assert response.done and response.eval_count == 6
    parts = list(client.generate(model="llama-x", prompt="Tell me a joke", stream=True))
    assert "".join(p.response for p in parts) == response.response
    assert parts[-1].done_reason == "stop"


def test_embeddings(client: Any) -> None:
    result = client.embed(model="nomic-x", input=["a", "b c"])
    assert len(result.embeddings) == 2 and len(result.embeddings[0]) == 16
    assert result.prompt_eval_count == 3
    legacy = client.embeddings(model="nomic-x", prompt="a")
    assert legacy.embedding == result.embeddings[0]


def test_errors(client: Any) -> None:
    with pytest.raises(ollama.ResponseError) as caught:
        client.chat(model="error-404", messages=USER)
    assert caught.value.status_code == 404 and "Not found" in caught.value.error
    with pytest.raises(ollama.ResponseError) as streamed:
        list(client.chat(model="error-500", messages=USER, stream=True))
    assert streamed.value.status_code == 500
    received = []
    with pytest.raises(ollama.ResponseError, match="stream broke"):
        for part in client.generate(model="error-stream", prompt="hi", stream=True):
            received.append(part)
    assert len(received) == 1


def test_headers_trigger_errors(fake_llm: FakeLLMServer) -> None:
    failing = ollama.Client(host=fake_llm.ollama_host, headers={"x-fake-error": "503"})
    with failing, pytest.raises(ollama.ResponseError) as caught:
        failing.embed(model="m", input="x")
    assert caught.value.status_code == 503


async def test_async_client(aclient: Any) -> None:
    response = await aclient.chat(model="llama-x", messages=USER)
    assert response.message.content == ANSWER
    stream = await aclient.chat(model="llama-x", messages=USER, stream=True)
    assert "".join([p.message.content async for p in stream]) == ANSWER
    generated = await aclient.generate(model="llama-x", prompt="hi")
    assert generated.response == "You said: hi"
    parts = await aclient.generate(model="llama-x", prompt="hi", stream=True)
    assert "".join([p.response async for p in parts]) == "You said: hi"
    embedded = await aclient.embed(model="m", input="x")
    assert len(embedded.embeddings) == 1
    with pytest.raises(ollama.ResponseError):
        await aclient.chat(model="error-429", messages=USER)

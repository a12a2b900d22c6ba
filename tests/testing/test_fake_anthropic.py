"""The real anthropic SDK against the fake server: messages, streams, tools, cache, beta, errors."""

from __future__ import annotations

import http.client
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from spanscope.testing.fake_llm import FakeLLMServer

anthropic = pytest.importorskip("anthropic")

USER = [{"role": "user", "content": "What is the weather in Paris?"}]
ANSWER = "You said: What is the weather in Paris?"
WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Current weather",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


class City(BaseModel):
    name: str
    population: int


@pytest.fixture
def client(fake_llm: FakeLLMServer) -> Iterator[Any]:
    with anthropic.Anthropic(
        base_url=fake_llm.anthropic_base_url, api_key="sk-ant-fake", max_retries=0
    ) as c:
        yield c


@pytest.fixture
async def aclient(fake_llm: FakeLLMServer) -> AsyncIterator[Any]:
    async with anthropic.AsyncAnthropic(
        base_url=fake_llm.anthropic_base_url, api_key="sk-ant-fake", max_retries=0
    ) as c:
        yield c


def test_message(client: Any, fake_llm: FakeLLMServer) -> None:
    message = client.messages.create(
        model="claude-x", max_tokens=100, system="Be terse", messages=USER
    )
    assert [block.type for block in message.content] == ["text"]
    assert message.content[0].text == ANSWER
    assert (message.stop_reason, message.role, message.id) == ("end_turn", "assistant", "msg_fake")
    usage = message.usage
    assert (usage.input_tokens, usage.output_tokens) == (8, 8)
    assert (usage.cache_read_input_tokens, usage.cache_creation_input_tokens) == (0, 0)
    headers = fake_llm.last_request.headers
    # Older SDKs send x-api-key, 2.x sends a bearer token.
    assert "sk-ant-fake" in (headers.get("x-api-key"), headers.get("authorization", "")[7:])
    assert "anthropic-version" in fake_llm.last_request.headers


def test_raw_stream_events(client: Any) -> None:
    stream = client.messages.create(model="claude-x", max_tokens=100, messages=USER, stream=True)
    with stream:
        events = list(stream)
    kinds = [e.type for e in events]
    assert kinds[:2] == ["message_start", "content_block_start"]
    assert kinds[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    text = "".join(e.delta.text for e in events if e.type == "content_block_delta")
    assert text == ANSWER
    assert events[0].message.usage.input_tokens == 6
    assert events[-2].usage.output_tokens == 8 and events[-2].delta.stop_reason == "end_turn"


def test_stream_helper(client: Any) -> None:
    with client.messages.stream(model="claude-x", max_tokens=100, messages=USER) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == ANSWER == final.content[0].text
    assert (final.usage.input_tokens, final.usage.output_tokens) == (6, 8)
    assert final.stop_reason == "end_turn"


def test_tool_use_and_tool_result(client: Any) -> None:
    message = client.messages.create(
        model="claude-x", max_tokens=100, messages=USER, tools=[WEATHER_TOOL]
    )
    assert message.stop_reason == "tool_use"
    text, tool_use = message.content
    assert text.text == "I will call get_weather."
    assert (tool_use.id, tool_use.name, tool_use.input) == (
        "toolu_fake_0",
        "get_weather",
        {"city": "example"},
    )
    follow_up = client.messages.create(
        model="claude-x",
        max_tokens=100,
        tools=[WEATHER_TOOL],
        messages=[
            *USER,
            {"role": "assistant", "content": [b.model_dump() for b in message.content]},
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": tool_use.id, "content": "sunny"}
                ],
            },
        ],
    )
    assert follow_up.content[0].text == "The tool returned: sunny"
    forced_none = client.messages.create(
        model="claude-x",
        max_tokens=100,
        messages=USER,
        tools=[WEATHER_TOOL],
        tool_choice={"type": "none"},
    )
    assert forced_none.stop_reason == "end_turn"


def test_streamed_tool_use_with_input_json_deltas(client: Any) -> None:
    with client.messages.stream(
        model="claude-x", max_tokens=100, messages=USER, tools=[WEATHER_TOOL]
    ) as stream:
        events = list(stream)
        final = stream.get_final_message()
    partial = [
        e.delta.partial_json
        for e in events
        if e.type == "content_block_delta" and e.delta.type == "input_json_delta"
    ]
    assert partial[0] == "" and "".join(partial) == '{"city": "example"}'
    assert final.content[1].input == {"city": "example"}
    assert final.stop_reason == "tool_use"


def test_thinking_blocks(client: Any) -> None:
    thinking = {"type": "enabled", "budget_tokens": 1024}
    message = client.messages.create(
        model="claude-x", max_tokens=2000, messages=USER, thinking=thinking
    )
    assert [b.type for b in message.content] == ["thinking", "text"]
    assert message.content[0].signature == "fake-signature"
    with client.messages.stream(
        model="claude-x", max_tokens=2000, messages=USER, thinking=thinking
    ) as stream:
        final = stream.get_final_message()
    assert final.content[0].thinking == message.content[0].thinking


def test_prompt_cache_tokens(client: Any, fake_llm: FakeLLMServer) -> None:
    fake_llm.reset()
    system = [
        {
            "type": "text",
            "text": "a long shared context " * 10,
            "cache_control": {"type": "ephemeral"},
        }
    ]
    first = client.messages.create(model="claude-x", max_tokens=50, system=system, messages=USER)
    assert (first.usage.cache_creation_input_tokens, first.usage.cache_read_input_tokens) == (40, 0)
    assert first.usage.input_tokens == 6
    with client.messages.stream(
        model="claude-x", max_tokens=50, system=system, messages=USER
    ) as stream:
        again = stream.get_final_message()
    assert (again.usage.cache_creation_input_tokens, again.usage.cache_read_input_tokens) == (0, 40)
    assert again.usage.input_tokens == 6


def test_count_tokens(client: Any) -> None:
    counted = client.messages.count_tokens(model="claude-x", system="Be terse", messages=USER)
    assert counted.input_tokens == 8


def test_structured_output_parse(client: Any) -> None:
    parsed = client.messages.parse(
        model="claude-x", max_tokens=100, messages=USER, output_format=City
    )
    assert parsed.parsed_output == City(name="example", population=1)


def test_stop_reasons(client: Any) -> None:
    short = client.messages.create(model="claude-x", max_tokens=2, messages=USER)
    assert (short.content[0].text, short.stop_reason) == ("You said:", "max_tokens")
    stopped = client.messages.create(
        model="claude-x", max_tokens=100, messages=USER, stop_sequences=["weather"]
    )
    assert (stopped.stop_reason, stopped.stop_sequence) == ("stop_sequence", "weather")


def test_beta_client(client: Any, fake_llm: FakeLLMServer) -> None:
    message = client.beta.messages.create(
        model="claude-x", max_tokens=100, messages=USER, betas=["fake-beta-2026"]
    )
    assert type(message).__name__ == "BetaMessage" and message.content[0].text == ANSWER
    assert fake_llm.last_request.path == "/v1/messages"
    assert fake_llm.last_request.headers["anthropic-beta"] == "fake-beta-2026"
    with client.beta.messages.stream(
        model="claude-x", max_tokens=100, messages=USER, tools=[WEATHER_TOOL]
    ) as stream:
        final = stream.get_final_message()
    assert final.content[1].input == {"city": "example"}
    counted = client.beta.messages.count_tokens(model="claude-x", messages=USER)
    assert counted.input_tokens == 6


def test_beta_query_path(fake_llm: FakeLLMServer) -> None:
    # Older SDKs post the beta client's calls to /v1/messages?beta=true.
    connection = http.client.HTTPConnection("127.0.0.1", fake_llm.port, timeout=5)
    body = {"model": "claude-x", "max_tokens": 10, "messages": USER}
    try:
        connection.request("POST", "/v1/messages?beta=true", json.dumps(body))
        reply = json.loads(connection.getresponse().read())
    finally:
        connection.close()
    assert reply["content"][0]["text"] == ANSWER


@pytest.mark.parametrize(
    ("status", "error", "kind"),
    [
        (400, "BadRequestError", "invalid_request_error"),
        (401, "AuthenticationError", "authentication_error"),
        (429, "RateLimitError", "rate_limit_error"),
        (500, "InternalServerError", "api_error"),
        (529, "OverloadedError", "overloaded_error"),
    ],
)
def test_errors_raise_the_sdk_exceptions(client: Any, status: int, error: str, kind: str) -> None:
    with pytest.raises(getattr(anthropic, error)) as caught:
        client.messages.create(model=f"error-{status}", max_tokens=10, messages=USER)
    assert caught.value.status_code == status
    assert caught.value.body["error"]["type"] == kind
    assert caught.value.request_id == "req_fake"
    with pytest.raises(getattr(anthropic, error)):
        client.messages.create(
            model="claude-x",
            max_tokens=10,
            messages=USER,
            extra_headers={"x-fake-error": str(status)},
        )


def test_stream_breaking_midway_raises(client: Any) -> None:
    with client.messages.stream(model="error-stream", max_tokens=100, messages=USER) as stream:
        received = []
        with pytest.raises(anthropic.APIStatusError, match="overloaded_error"):
            for text in stream.text_stream:
                received.append(text)
    assert received == ["You"]


async def test_async_create_stream_and_errors(aclient: Any) -> None:
    message = await aclient.messages.create(model="claude-x", max_tokens=100, messages=USER)
    assert message.content[0].text == ANSWER
    async with aclient.messages.stream(
        model="claude-x", max_tokens=100, messages=USER, tools=[WEATHER_TOOL]
    ) as stream:
        final = await stream.get_final_message()
    assert final.content[1].name == "get_weather"
    raw = await aclient.messages.create(model="claude-x", max_tokens=10, messages=USER, stream=True)
    assert [e.type async for e in raw][-1] == "message_stop"
    with pytest.raises(anthropic.RateLimitError):
        await aclient.messages.create(model="error-429", max_tokens=10, messages=USER)

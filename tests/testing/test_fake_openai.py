"""The real openai SDK against the fake server: chat, responses, embeddings, completions, errors."""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from spanscope.testing.fake_llm import FakeLLMServer

openai = pytest.importorskip("openai")

USER = [{"role": "user", "content": "What is the weather in Paris?"}]
WEATHER_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city", "days"],
        },
    },
}
ANSWER = "You said: What is the weather in Paris?"


class City(BaseModel):
    name: str
    population: int
    tags: list[str]


@pytest.fixture
def client(fake_llm: FakeLLMServer) -> Iterator[Any]:
    with openai.OpenAI(base_url=fake_llm.openai_base_url, api_key="sk-fake", max_retries=0) as c:
        yield c


@pytest.fixture
async def aclient(fake_llm: FakeLLMServer) -> AsyncIterator[Any]:
    async with openai.AsyncOpenAI(
        base_url=fake_llm.openai_base_url, api_key="sk-fake", max_retries=0
    ) as c:
        yield c


def test_chat_completion(client: Any, fake_llm: FakeLLMServer) -> None:
    completion = client.chat.completions.create(model="gpt-x", messages=USER, temperature=0)
    choice = completion.choices[0]
    assert (choice.message.role, choice.message.content) == ("assistant", ANSWER)
    assert choice.finish_reason == "stop"
    assert completion.model == "gpt-x" and completion.id == "chatcmpl-fake"
    usage = completion.usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (6, 8, 14)
    assert usage.prompt_tokens_details.cached_tokens == 0
    assert fake_llm.last_request.json["temperature"] == 0
    assert fake_llm.last_request.headers["authorization"] == "Bearer sk-fake"


def test_chat_stream_with_usage(client: Any) -> None:
    stream = client.chat.completions.create(
        model="gpt-x", messages=USER, stream=True, stream_options={"include_usage": True}
    )
    with stream:
        chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == ANSWER
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens == 14
    assert all(c.usage is None for c in chunks[:-1])


def test_chat_stream_without_usage(client: Any) -> None:
    chunks = list(client.chat.completions.create(model="gpt-x", messages=USER, stream=True))
    assert all(c.usage is None and c.choices for c in chunks)


def test_chat_tool_call_and_tool_result_round_trip(client: Any) -> None:
    first = client.chat.completions.create(model="gpt-x", messages=USER, tools=[WEATHER_TOOL])
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    [call] = choice.message.tool_calls
    assert (call.id, call.function.name) == ("call_fake_0", "get_weather")
    assert call.function.arguments == '{"city": "example", "days": 1}'
    messages = [
        *USER,
        choice.message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "sunny, 21 C"},
    ]
    second = client.chat.completions.create(model="gpt-x", messages=messages, tools=[WEATHER_TOOL])
    assert second.choices[0].message.content == "The tool returned: sunny, 21 C"
    assert second.choices[0].finish_reason == "stop"


def test_tool_choice_picks_the_tool(client: Any) -> None:
    other = {"type": "function", "function": {"name": "lookup", "parameters": {}}}
    named = client.chat.completions.create(
        model="gpt-x",
        messages=USER,
        tools=[other, WEATHER_TOOL],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
    )
    assert named.choices[0].message.tool_calls[0].function.name == "get_weather"
    mentioned = client.chat.completions.create(
        model="gpt-x",
        messages=[{"role": "user", "content": "use get_weather"}],
        tools=[other, WEATHER_TOOL],
    )
    assert mentioned.choices[0].message.tool_calls[0].function.name == "get_weather"
    none = client.chat.completions.create(
        model="gpt-x", messages=USER, tools=[WEATHER_TOOL], tool_choice="none"
    )
    assert none.choices[0].message.content == ANSWER


def test_streamed_tool_call_deltas(client: Any) -> None:
    chunks = list(
        client.chat.completions.create(
            model="gpt-x", messages=USER, tools=[WEATHER_TOOL], stream=True
        )
    )
    deltas = [c.choices[0].delta.tool_calls for c in chunks if c.choices[0].delta.tool_calls]
    assert deltas[0][0].id == "call_fake_0" and deltas[0][0].function.name == "get_weather"
    arguments = "".join(d[0].function.arguments or "" for d in deltas)
    assert arguments == '{"city": "example", "days": 1}'
    assert len(deltas) > 2 and chunks[-1].choices[0].finish_reason == "tool_calls"


def test_stream_helper_assembles_tool_calls(client: Any) -> None:
    with client.chat.completions.stream(
        model="gpt-x", messages=USER, tools=[WEATHER_TOOL]
    ) as stream:
        kinds = {event.type for event in stream}
        final = stream.get_final_completion()
    assert "tool_calls.function.arguments.done" in kinds
    assert final.choices[0].message.tool_calls[0].function.arguments == (
        '{"city": "example", "days": 1}'
    )


def test_structured_output_parse(client: Any) -> None:
    completion = client.chat.completions.parse(model="gpt-x", messages=USER, response_format=City)
    assert completion.choices[0].message.parsed == City(
        name="example", population=1, tags=["example"]
    )
    json_mode = client.chat.completions.create(
        model="gpt-x", messages=USER, response_format={"type": "json_object"}
    )
    assert json.loads(json_mode.choices[0].message.content) == {"reply": ANSWER}


def test_max_tokens_and_stop(client: Any) -> None:
    cut = client.chat.completions.create(model="gpt-x", messages=USER, max_completion_tokens=3)
    assert (cut.choices[0].message.content, cut.choices[0].finish_reason) == (
        "You said: What",
        "length",
    )
    assert cut.usage.completion_tokens == 3
    stopped = client.chat.completions.create(model="gpt-x", messages=USER, stop=["weather"])
    assert stopped.choices[0].message.content == "You said: What is the "


def test_long_repeated_prefix_reports_cached_tokens(client: Any, fake_llm: FakeLLMServer) -> None:
    fake_llm.reset()
    system = {"role": "system", "content": "word " * 1100}
    first = client.chat.completions.create(model="gpt-x", messages=[system, *USER])
    again = client.chat.completions.create(model="gpt-x", messages=[system, *USER])
    assert first.usage.prompt_tokens_details.cached_tokens == 0
    assert again.usage.prompt_tokens_details.cached_tokens == 1100
    assert again.usage.prompt_tokens == 1106


async def test_async_chat_stream_and_helper(aclient: Any) -> None:
    completion = await aclient.chat.completions.create(model="gpt-x", messages=USER)
    assert completion.choices[0].message.content == ANSWER
    stream = await aclient.chat.completions.create(model="gpt-x", messages=USER, stream=True)
    assert "".join([c.choices[0].delta.content or "" async for c in stream]) == ANSWER
    async with aclient.chat.completions.stream(model="gpt-x", messages=USER) as helper:
        async for _ in helper:
            pass
        final = await helper.get_final_completion()
    assert final.choices[0].message.content == ANSWER


def test_responses_text(client: Any, fake_llm: FakeLLMServer) -> None:
    response = client.responses.create(
        model="gpt-x", input="Tell me a joke", instructions="Be brief"
    )
    assert response.output_text == "You said: Tell me a joke"
    assert response.status == "completed" and response.id == "resp_fake"
    assert (response.usage.input_tokens, response.usage.output_tokens) == (6, 6)
    assert response.usage.input_tokens_details.cached_tokens == 0
    assert fake_llm.last_request.path == "/v1/responses"


def test_responses_stream_event_sequence(client: Any) -> None:
    with client.responses.create(model="gpt-x", input="hi there", stream=True) as stream:
        events = list(stream)
    kinds = [e.type for e in events]
    assert kinds[:5] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
    ]
    assert kinds[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert events[-1].response.output_text == "You said: hi there"
    assert events[-1].response.usage.total_tokens == 6


def test_responses_function_call(client: Any) -> None:
    tool = {
        "type": "function",
        "name": "get_weather",
        **{k: v for k, v in WEATHER_TOOL["function"].items() if k != "name"},
    }
    response = client.responses.create(model="gpt-x", input=USER, tools=[tool])
    [call] = response.output
    assert (call.type, call.name, call.call_id) == ("function_call", "get_weather", "call_fake_0")
    assert call.arguments == '{"city": "example", "days": 1}'
    follow_up = client.responses.create(
        model="gpt-x",
        input=[
            *USER,
            call.model_dump(exclude_none=True),
            {"type": "function_call_output", "call_id": call.call_id, "output": "rainy"},
        ],
        tools=[tool],
    )
    assert follow_up.output_text == "The tool returned: rainy"
    with client.responses.stream(model="gpt-x", input=USER, tools=[tool]) as stream:
        kinds = [e.type for e in stream]
        final = stream.get_final_response()
    assert "response.function_call_arguments.delta" in kinds
    assert final.output[0].arguments == call.arguments


def test_responses_parse_and_incomplete(client: Any) -> None:
    parsed = client.responses.parse(model="gpt-x", input="a city", text_format=City)
    assert parsed.output_parsed == City(name="example", population=1, tags=["example"])
    short = client.responses.create(model="gpt-x", input="a b c d", max_output_tokens=2)
    assert short.status == "incomplete" and short.incomplete_details.reason == "max_output_tokens"
    assert short.output_text == "You said:"


async def test_async_responses_stream(aclient: Any) -> None:
    async with aclient.responses.stream(model="gpt-x", input="hey") as stream:
        async for _ in stream:
            pass
        final = await stream.get_final_response()
    assert final.output_text == "You said: hey"


def test_embeddings_float_and_base64(client: Any, fake_llm: FakeLLMServer) -> None:
    default = client.embeddings.create(model="text-embedding-x", input=["alpha", "beta gamma"])
    assert fake_llm.last_request.json["encoding_format"] == "base64"  # the SDK's default
    floats = client.embeddings.create(
        model="text-embedding-x", input=["alpha", "beta gamma"], encoding_format="float"
    )
    assert [d.embedding for d in default.data] == [d.embedding for d in floats.data]
    assert len(floats.data[0].embedding) == 16 and floats.usage.prompt_tokens == 3
    raw = client.embeddings.create(model="e", input="alpha", encoding_format="base64")
    decoded = struct.unpack("<16f", base64.b64decode(raw.data[0].embedding))
    assert list(decoded) == floats.data[0].embedding
    sized = client.embeddings.create(
        model="e", input="alpha", dimensions=4, encoding_format="float"
    )
    assert len(sized.data[0].embedding) == 4


async def test_async_embeddings(aclient: Any) -> None:
    result = await aclient.embeddings.create(model="e", input=[[1, 2, 3]])
    assert len(result.data) == 1 and len(result.data[0].embedding) == 16


def test_legacy_completions(client: Any) -> None:
    completion = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say hi")
    assert completion.choices[0].text == "You said: Say hi"
    assert completion.object == "text_completion" and completion.usage.total_tokens == 6
    many = client.completions.create(model="m", prompt=["one", "two"])
    assert [c.text for c in many.choices] == ["You said: one", "You said: two"]
    chunks = list(
        client.completions.create(
            model="m", prompt="Say hi", stream=True, stream_options={"include_usage": True}
        )
    )
    assert "".join(c.choices[0].text for c in chunks if c.choices) == "You said: Say hi"
    assert chunks[-1].usage.completion_tokens == 4


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, "BadRequestError"),
        (401, "AuthenticationError"),
        (404, "NotFoundError"),
        (429, "RateLimitError"),
        (500, "InternalServerError"),
    ],
)
def test_errors_raise_the_sdk_exceptions(client: Any, status: int, error: str) -> None:
    with pytest.raises(getattr(openai, error)) as caught:
        client.chat.completions.create(model=f"error-{status}", messages=USER)
    assert caught.value.status_code == status
    assert caught.value.request_id == "req_fake"
    with pytest.raises(getattr(openai, error)):
        client.embeddings.create(model="e", input="x", extra_headers={"x-fake-error": str(status)})


def test_rate_limit_error_body_and_retry_after(client: Any) -> None:
    with pytest.raises(openai.RateLimitError) as caught:
        client.responses.create(model="error-429", input="x")
    assert caught.value.response.headers["retry-after"] == "1"
    assert caught.value.code == "rate_limit_exceeded"


def test_sdk_retries_reach_the_next_answer(fake_llm: FakeLLMServer) -> None:
    fake_llm.reset()
    fake_llm.fail_next(429)
    with openai.OpenAI(base_url=fake_llm.openai_base_url, api_key="k", max_retries=1) as retrying:
        completion = retrying.chat.completions.create(model="gpt-x", messages=USER)
    assert completion.choices[0].message.content == ANSWER
    assert len(fake_llm.requests) == 2


def test_stream_breaking_midway_raises(client: Any) -> None:
    stream = client.chat.completions.create(model="error-stream", messages=USER, stream=True)
    received = []
    with pytest.raises(openai.APIError, match="stream broke"):
        for chunk in stream:
            received.append(chunk)
    assert len(received) == 2  # the role chunk and the first piece


async def test_async_errors(aclient: Any) -> None:
    with pytest.raises(openai.RateLimitError):
        await aclient.chat.completions.create(model="error-429", messages=USER)
    stream = await aclient.chat.completions.create(model="error-stream", messages=USER, stream=True)
    with pytest.raises(openai.APIError):
        async for _ in stream:
            pass


def test_responses_stream_failing_midway_ends_with_response_failed(client: Any) -> None:
    # As with the real API, the Responses stream reports the failure as events.
    with client.responses.create(model="error-stream", input="hi there", stream=True) as stream:
        events = list(stream)
    assert [e.type for e in events][-3:] == [
        "response.output_text.delta",
        "error",
        "response.failed",
    ]
    assert events[-1].response.status == "failed"
    assert events[-1].response.error.code == "server_error"

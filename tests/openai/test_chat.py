"""Chat Completions (`create`, `parse`), sync and async: whole span trees, errors, nesting."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

import spanscope
from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.openai.helpers import (
    ANSWER,
    QUESTION,
    USER,
    WEATHER_DEFINITION,
    WEATHER_TOOL,
    error_of,
    request,
    response,
    text,
    tool_call,
    tree,
    trees,
    usage,
)

openai = pytest.importorskip("openai")

SYSTEM = {"role": "system", "content": "Be brief."}


def chat_span(inputs: dict[str, Any], outputs: Any, attributes: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "openai.chat.completions.create",
        "span_type": "CHAT_MODEL",
        "status": "OK",
        "inputs": inputs,
        "outputs": outputs,
        "events": [],
        "attributes": attributes,
        "children": [],
    }


def test_completion_is_one_span_with_the_chat(client: Any, spanscope_traces: TraceCapture) -> None:
    completion = client.chat.completions.create(
        model="gpt-x", messages=[SYSTEM, *USER], temperature=0
    )
    assert completion.choices[0].message.content == ANSWER
    assert tree(spanscope_traces) == [
        chat_span(
            {"model": "gpt-x", "messages": [SYSTEM, *USER], "temperature": 0},
            completion.model_dump(mode="json"),
            {
                **request(),
                "gen_ai.input.messages": [text("system", "Be brief."), text("user", QUESTION)],
                "gen_ai.output.messages": [text("assistant", ANSWER, "stop")],
                "gen_ai.response.finish_reasons": ["stop"],
                **usage(8, 8),
                **response("chatcmpl-fake"),
            },
        )
    ]


async def test_async_completion(aclient: Any, spanscope_traces: TraceCapture) -> None:
    completion = await aclient.chat.completions.create(model="gpt-x", messages=USER)
    assert isinstance(completion, openai.types.chat.ChatCompletion)
    assert tree(spanscope_traces) == [
        chat_span(
            {"model": "gpt-x", "messages": USER},
            completion.model_dump(mode="json"),
            {
                **request(),
                "gen_ai.input.messages": [text("user", QUESTION)],
                "gen_ai.output.messages": [text("assistant", ANSWER, "stop")],
                "gen_ai.response.finish_reasons": ["stop"],
                **usage(6, 8),
                **response("chatcmpl-fake"),
            },
        )
    ]


def tool_round_trip_expected(first: Any, second: Any, assistant_turn: Any) -> list[Any]:
    tool_result = {"role": "tool", "tool_call_id": "call_fake_0", "content": "sunny, 21 C"}
    answer = "The tool returned: sunny, 21 C"
    return [
        [
            chat_span(
                {"model": "gpt-x", "messages": USER, "tools": [WEATHER_TOOL]},
                first.model_dump(mode="json"),
                {
                    **request(),
                    "gen_ai.input.messages": [text("user", QUESTION)],
                    "gen_ai.tool.definitions": [WEATHER_DEFINITION],
                    "gen_ai.output.messages": [tool_call("call_fake_0")],
                    "gen_ai.response.finish_reasons": ["tool_calls"],
                    **usage(6, 4),
                    **response("chatcmpl-fake"),
                },
            )
        ],
        [
            chat_span(
                {
                    "model": "gpt-x",
                    "messages": [*USER, assistant_turn, tool_result],
                    "tools": [WEATHER_TOOL],
                },
                second.model_dump(mode="json"),
                {
                    **request(),
                    "gen_ai.input.messages": [
                        text("user", QUESTION),
                        {"role": "assistant", "parts": tool_call("call_fake_0")["parts"]},
                        {
                            "role": "tool",
                            "parts": [
                                {
                                    "type": "tool_call_response",
                                    "id": "call_fake_0",
                                    "response": "sunny, 21 C",
                                }
                            ],
                        },
                    ],
                    "gen_ai.tool.definitions": [WEATHER_DEFINITION],
                    "gen_ai.output.messages": [text("assistant", answer, "stop")],
                    "gen_ai.response.finish_reasons": ["stop"],
                    **usage(9, 6),
                    **response("chatcmpl-fake"),
                },
            )
        ],
    ]


def test_tool_call_and_tool_result(client: Any, spanscope_traces: TraceCapture) -> None:
    first = client.chat.completions.create(model="gpt-x", messages=USER, tools=[WEATHER_TOOL])
    # The SDK's own message object goes back into the conversation, as apps often do.
    assistant_turn = first.choices[0].message
    tool_result = {"role": "tool", "tool_call_id": "call_fake_0", "content": "sunny, 21 C"}
    second = client.chat.completions.create(
        model="gpt-x", messages=[*USER, assistant_turn, tool_result], tools=[WEATHER_TOOL]
    )
    expected = tool_round_trip_expected(first, second, assistant_turn.model_dump(mode="json"))
    assert trees(spanscope_traces) == expected


async def test_async_tool_call_and_tool_result(
    aclient: Any, spanscope_traces: TraceCapture
) -> None:
    first = await aclient.chat.completions.create(
        model="gpt-x", messages=USER, tools=[WEATHER_TOOL]
    )
    assistant_turn = first.choices[0].message.model_dump(exclude_none=True)
    tool_result = {"role": "tool", "tool_call_id": "call_fake_0", "content": "sunny, 21 C"}
    second = await aclient.chat.completions.create(
        model="gpt-x", messages=[*USER, assistant_turn, tool_result], tools=[WEATHER_TOOL]
    )
    assert trees(spanscope_traces) == tool_round_trip_expected(first, second, assistant_turn)


ERRORS = [(400, "BadRequestError"), (429, "RateLimitError"), (500, "InternalServerError")]


def error_span(exc: BaseException, model: str) -> dict[str, Any]:
    return {
        "name": "openai.chat.completions.create",
        "span_type": "CHAT_MODEL",
        "status": "ERROR",
        "error": error_of(exc),
        "inputs": {"model": model, "messages": USER},
        "outputs": None,
        "events": ["exception"],
        "attributes": {
            **request(model=model),
            "gen_ai.input.messages": [text("user", QUESTION)],
        },
        "children": [],
    }


@pytest.mark.parametrize(("status", "error"), ERRORS)
def test_provider_error_is_recorded_and_reraised(
    client: Any, spanscope_traces: TraceCapture, status: int, error: str
) -> None:
    model = f"error-{status}"
    with pytest.raises(getattr(openai, error)) as caught:
        client.chat.completions.create(model=model, messages=USER)
    assert type(caught.value).__name__ == error and caught.value.status_code == status
    assert tree(spanscope_traces) == [error_span(caught.value, model)]
    event = spanscope_traces.single().data.spans[0].events[0]
    assert event.attributes["exception.type"] == error


@pytest.mark.parametrize(("status", "error"), ERRORS)
async def test_async_provider_error(
    aclient: Any, spanscope_traces: TraceCapture, status: int, error: str
) -> None:
    model = f"error-{status}"
    with pytest.raises(getattr(openai, error)) as caught:
        await aclient.chat.completions.create(model=model, messages=USER)
    assert tree(spanscope_traces) == [error_span(caught.value, model)]


class City(pydantic.BaseModel):
    name: str
    population: int


CITY_FORMAT = {"type": "json_schema", "name": "City", "schema": City.model_json_schema()}
CITY_JSON = '{"name": "example", "population": 1}'


def parse_span(completion: Any) -> dict[str, Any]:
    return {
        "name": "openai.chat.completions.parse",
        "span_type": "CHAT_MODEL",
        "status": "OK",
        "inputs": {"model": "gpt-x", "messages": USER, "response_format": CITY_FORMAT},
        "outputs": completion.model_dump(mode="json", warnings=False),
        "events": [],
        "attributes": {
            **request(),
            "gen_ai.input.messages": [text("user", QUESTION)],
            "gen_ai.output.messages": [text("assistant", CITY_JSON, "stop")],
            "gen_ai.response.finish_reasons": ["stop"],
            **usage(6, 4),
            **response("chatcmpl-fake"),
        },
        "children": [],
    }


def test_parse_records_the_parsed_object(client: Any, spanscope_traces: TraceCapture) -> None:
    completion = client.chat.completions.parse(model="gpt-x", messages=USER, response_format=City)
    assert completion.choices[0].message.parsed == City(name="example", population=1)
    (span,) = tree(spanscope_traces)
    assert span == parse_span(completion)
    assert span["outputs"]["choices"][0]["message"]["parsed"] == {
        "name": "example",
        "population": 1,
    }


async def test_async_parse(aclient: Any, spanscope_traces: TraceCapture) -> None:
    completion = await aclient.chat.completions.parse(
        model="gpt-x", messages=USER, response_format=City
    )
    assert completion.choices[0].message.parsed == City(name="example", population=1)
    assert tree(spanscope_traces) == [parse_span(completion)]


def test_cached_prompt_tokens_are_cache_reads(
    client: Any, server: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    server.reset()
    system = {"role": "system", "content": "word " * 1100}
    client.chat.completions.create(model="gpt-x", messages=[system, *USER])
    again = client.chat.completions.create(model="gpt-x", messages=[system, *USER])
    assert again.usage.prompt_tokens_details.cached_tokens == 1100
    first_span, second_span = (trace.data.spans[0] for trace in spanscope_traces.traces)
    keys = ["gen_ai.usage.input_tokens", "gen_ai.usage.cache_read.input_tokens"]
    assert [first_span.get_attribute(k) for k in keys] == [1106, 0]
    assert [second_span.get_attribute(k) for k in keys] == [1106, 1100]
    assert spanscope_traces.traces[1].info.token_usage == {
        "input_tokens": 1106,
        "output_tokens": 8,
        "total_tokens": 1114,
        "cache_read_input_tokens": 1100,
    }


def test_calls_inside_a_user_span_are_its_children(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    @spanscope.trace(span_type="AGENT")
    def agent(question: str) -> str:
        first = client.chat.completions.create(model="gpt-x", messages=USER)
        client.chat.completions.create(model="gpt-y", messages=USER)
        return str(first.choices[0].message.content)

    assert agent(QUESTION) == ANSWER
    (root,) = tree(spanscope_traces)
    assert (root["name"], root["span_type"]) == ("agent", "AGENT")
    assert [(c["name"], c["attributes"]["gen_ai.request.model"]) for c in root["children"]] == [
        ("openai.chat.completions.create", "gpt-x"),
        ("openai.chat.completions.create", "gpt-y"),
    ]
    assert spanscope_traces.single().info.token_usage == {
        "input_tokens": 12,
        "output_tokens": 16,
        "total_tokens": 28,
        "cache_read_input_tokens": 0,
    }


async def test_async_calls_nest_too(aclient: Any, spanscope_traces: TraceCapture) -> None:
    @spanscope.trace
    async def agent() -> None:
        await aclient.chat.completions.create(model="gpt-x", messages=USER)

    await agent()
    (root,) = tree(spanscope_traces)
    assert [child["name"] for child in root["children"]] == ["openai.chat.completions.create"]


def test_with_raw_response(client: Any, spanscope_traces: TraceCapture) -> None:
    raw = client.chat.completions.with_raw_response.create(model="gpt-x", messages=USER)
    assert raw.headers["x-request-id"] == "req_fake"
    completion = raw.parse()
    assert completion.choices[0].message.content == ANSWER
    (span,) = tree(spanscope_traces)
    assert span == chat_span(
        {"model": "gpt-x", "messages": USER},
        completion.model_dump(mode="json"),
        {
            **request(),
            "gen_ai.input.messages": [text("user", QUESTION)],
            "gen_ai.output.messages": [text("assistant", ANSWER, "stop")],
            "gen_ai.response.finish_reasons": ["stop"],
            **usage(6, 8),
            **response("chatcmpl-fake"),
        },
    )


async def test_async_with_raw_response(aclient: Any, spanscope_traces: TraceCapture) -> None:
    raw = await aclient.chat.completions.with_raw_response.parse(
        model="gpt-x", messages=USER, response_format=City
    )
    completion = raw.parse()
    assert completion.choices[0].message.parsed == City(name="example", population=1)
    assert tree(spanscope_traces) == [parse_span(completion)]


def test_with_streaming_response_leaves_the_body_to_the_caller(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    with client.chat.completions.with_streaming_response.create(
        model="gpt-x", messages=USER
    ) as raw:
        assert raw.parse().choices[0].message.content == ANSWER
    (span,) = tree(spanscope_traces)
    assert span == chat_span(
        {"model": "gpt-x", "messages": USER},
        None,
        {**request(), "gen_ai.input.messages": [text("user", QUESTION)]},
    )
